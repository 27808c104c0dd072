/*  test_ack_tracker.c: the ack tracker's timing logic and its actor.

    The class tests drive ack_tracker_t with a fake clock (plain numbers,
    no sleeps): backoff, jitter, cap, expiry, acks, retracking and heap
    order with 100 000 uuids. The actor tests swap its neighbours: the
    test binds the chat-model PAIR and a bus SUB at unique inproc
    endpoints and asserts on the exact frames, with bounded polls.
*/
#include "dtchat.h"
#include "ack_tracker.h"
#include "bus_event.h"

#include "testutil.h"

//  Take the next action at the tracker's own next due time; fills *WHEN.
static ack_tracker_action_t
s_step (ack_tracker_t *tracker, int64_t *when, char **uuid)
{
    *when = ack_tracker_next_due (tracker);
    assert_true (*when >= 0);
    ack_tracker_action_t action = ack_tracker_due (tracker, *when, uuid);
    assert_int_not_equal (action, ACK_TRACKER_IDLE);
    assert_non_null (*uuid);
    return action;
}

//  A backoff below 1 ms or above its cap is refused; an empty tracker idles.
static void
test_new_rejects_bad_backoff (void **state)
{
    assert_null (ack_tracker_new (0, 100, 1));
    assert_null (ack_tracker_new (-5, 100, 1));
    assert_null (ack_tracker_new (200, 100, 1));
    ack_tracker_t *tracker = ack_tracker_new (100, 100, 1);
    assert_non_null (tracker);
    assert_int_equal (ack_tracker_size (tracker), 0);
    assert_int_equal (ack_tracker_next_due (tracker), -1);
    char *uuid = (char *) "untouched";
    assert_int_equal (ack_tracker_due (tracker, 1000000, &uuid),
                      ACK_TRACKER_IDLE);
    assert_null (uuid);
    ack_tracker_destroy (&tracker);
    assert_null (tracker);
    ack_tracker_destroy (&tracker);     //  idempotent
}

//  The first resend comes one initial interval plus under 25 % jitter later.
static void
test_first_resend (void **state)
{
    for (uint32_t seed = 1; seed <= 200; seed++) {
        ack_tracker_t *tracker =
            ack_tracker_new (ACK_TRACKER_INITIAL_MS, ACK_TRACKER_CAP_MS, seed);
        ack_tracker_track (tracker, "a", 1000, 1000 + 60000);
        assert_int_equal (ack_tracker_size (tracker), 1);
        int64_t due = ack_tracker_next_due (tracker);
        assert_true (due >= 1000 + ACK_TRACKER_INITIAL_MS);
        assert_true ((due - 1000) * 4 < ACK_TRACKER_INITIAL_MS * 5);
        char *uuid;
        assert_int_equal (ack_tracker_due (tracker, due - 1, &uuid),
                          ACK_TRACKER_IDLE);
        assert_int_equal (ack_tracker_due (tracker, due, &uuid),
                          ACK_TRACKER_RESEND);
        assert_string_equal (uuid, "a");
        assert_int_equal (ack_tracker_attempts (tracker), 2);
        zstr_free (&uuid);
        //  Resending keeps it tracked, and only once per due time
        assert_int_equal (ack_tracker_size (tracker), 1);
        assert_int_equal (ack_tracker_due (tracker, due, &uuid),
                          ACK_TRACKER_IDLE);
        ack_tracker_destroy (&tracker);
    }
}

//  Each interval doubles (plus jitter) while under the cap.
static void
test_doubling (void **state)
{
    ack_tracker_t *tracker = ack_tracker_new (100, 1000000, 7);
    ack_tracker_track (tracker, "a", 0, 10000000);
    int64_t previous = 0;
    int64_t base = 100;
    for (int attempt = 0; attempt < 12; attempt++) {
        int64_t when;
        char *uuid;
        assert_int_equal (s_step (tracker, &when, &uuid), ACK_TRACKER_RESEND);
        zstr_free (&uuid);
        int64_t delay = when - previous;
        assert_true (delay >= base);
        assert_true (delay * 4 < base * 5);
        assert_int_equal (ack_tracker_attempts (tracker), attempt + 2);
        previous = when;
        base *= 2;
    }
    ack_tracker_destroy (&tracker);
}

//  Intervals stop growing at the cap.
static void
test_cap (void **state)
{
    //  Un-jittered delays 100, 200, 400, 400, ...: jitter adds < 25 %
    ack_tracker_t *tracker = ack_tracker_new (100, 400, 11);
    ack_tracker_track (tracker, "a", 0, 10000000);
    int64_t previous = 0;
    for (int attempt = 0; attempt < 40; attempt++) {
        int64_t when;
        char *uuid;
        assert_int_equal (s_step (tracker, &when, &uuid), ACK_TRACKER_RESEND);
        zstr_free (&uuid);
        int64_t delay = when - previous;
        int64_t base = attempt == 0? 100: attempt == 1? 200: 400;
        assert_true (delay >= base);
        assert_true (delay * 4 < base * 5);
        previous = when;
    }
    ack_tracker_destroy (&tracker);
}

//  Track COUNT uuids at time 0 and record when each first resends.
static void
s_first_resends (uint32_t seed, int count, int64_t *times)
{
    ack_tracker_t *tracker = ack_tracker_new (250, 10000, seed);
    for (int index = 0; index < count; index++) {
        char uuid [16];
        snprintf (uuid, sizeof (uuid), "u%d", index);
        ack_tracker_track (tracker, uuid, 0, 60000);
    }
    //  Every first resend (< 312.5 ms) comes before any second (>= 750)
    for (int index = 0; index < count; index++) {
        int64_t when;
        char *uuid;
        assert_int_equal (s_step (tracker, &when, &uuid), ACK_TRACKER_RESEND);
        assert_int_equal (ack_tracker_attempts (tracker), 2);
        int which = atoi (uuid + 1);
        assert_true (which >= 0 && which < count);
        assert_int_equal (times [which], -1);
        times [which] = when;
        zstr_free (&uuid);
    }
    ack_tracker_destroy (&tracker);
}

//  Jitter is reproducible from the seed and differs between seeds.
static void
test_jitter (void **state)
{
    int64_t first [50], again [50], other [50];
    for (int index = 0; index < 50; index++)
        first [index] = again [index] = other [index] = -1;
    s_first_resends (42, 50, first);
    s_first_resends (42, 50, again);
    s_first_resends (43, 50, other);
    int distinct = 0, differ = 0;
    for (int index = 0; index < 50; index++) {
        assert_true (first [index] >= 250 && first [index] < 313);
        assert_int_equal (first [index], again [index]);
        if (other [index] != first [index])
            differ++;
        bool seen = false;
        for (int before = 0; before < index; before++)
            seen |= first [before] == first [index];
        distinct += !seen;
    }
    //  50 draws from 63 values: all alike would mean no jitter at all
    assert_true (distinct >= 10);
    assert_true (differ >= 10);
}

//  Resends stop at the deadline: then one EXPIRED, with the attempts.
static void
test_expiry (void **state)
{
    //  Resends near 100, 300, 700; the next (>= 1500) would pass 1000
    ack_tracker_t *tracker = ack_tracker_new (100, 1000, 3);
    ack_tracker_track (tracker, "a", 0, 1000);
    int resends = 0;
    int64_t when;
    char *uuid;
    ack_tracker_action_t action;
    while ((action = s_step (tracker, &when, &uuid)) == ACK_TRACKER_RESEND) {
        assert_true (when < 1000);
        resends++;
        zstr_free (&uuid);
        assert_true (resends < 100);
    }
    assert_int_equal (action, ACK_TRACKER_EXPIRED);
    assert_string_equal (uuid, "a");
    zstr_free (&uuid);
    assert_int_equal (when, 1000);
    assert_int_equal (resends, 3);
    assert_int_equal (ack_tracker_attempts (tracker), resends + 1);
    assert_int_equal (ack_tracker_size (tracker), 0);
    assert_int_equal (ack_tracker_next_due (tracker), -1);
    assert_false (ack_tracker_acked (tracker, "a"));

    //  A first resend that would fall on the deadline is not emitted
    ack_tracker_track (tracker, "b", 0, 100);
    assert_int_equal (ack_tracker_next_due (tracker), 100);
    assert_int_equal (s_step (tracker, &when, &uuid), ACK_TRACKER_EXPIRED);
    assert_string_equal (uuid, "b");
    zstr_free (&uuid);
    assert_int_equal (ack_tracker_attempts (tracker), 1);

    //  Already past the deadline when tracked: expires at once
    ack_tracker_track (tracker, "c", 500, 400);
    assert_int_equal (ack_tracker_due (tracker, 500, &uuid),
                      ACK_TRACKER_EXPIRED);
    assert_string_equal (uuid, "c");
    zstr_free (&uuid);

    //  A caller late past the deadline gets the expiry, not a resend
    ack_tracker_track (tracker, "d", 0, 1000);
    assert_int_equal (ack_tracker_due (tracker, 5000, &uuid),
                      ACK_TRACKER_EXPIRED);
    assert_string_equal (uuid, "d");
    zstr_free (&uuid);
    assert_int_equal (ack_tracker_attempts (tracker), 1);
    assert_int_equal (ack_tracker_size (tracker), 0);
    ack_tracker_destroy (&tracker);
}

//  ACKED forgets a uuid, once; the others stay.
static void
test_acked (void **state)
{
    ack_tracker_t *tracker = ack_tracker_new (100, 1000, 5);
    ack_tracker_track (tracker, "a", 0, 1000);
    ack_tracker_track (tracker, "b", 0, 1000);
    assert_int_equal (ack_tracker_size (tracker), 2);
    assert_true (ack_tracker_acked (tracker, "a"));
    assert_false (ack_tracker_acked (tracker, "a"));
    assert_false (ack_tracker_acked (tracker, "nobody"));
    assert_int_equal (ack_tracker_size (tracker), 1);
    //  Only b ever comes out again
    int64_t when;
    char *uuid;
    ack_tracker_action_t action;
    do {
        action = s_step (tracker, &when, &uuid);
        assert_string_equal (uuid, "b");
        zstr_free (&uuid);
    } while (action == ACK_TRACKER_RESEND);
    assert_int_equal (ack_tracker_size (tracker), 0);

    //  Acked in the middle of its backoff: nothing more, ever
    ack_tracker_track (tracker, "c", 0, 100000);
    assert_int_equal (s_step (tracker, &when, &uuid), ACK_TRACKER_RESEND);
    zstr_free (&uuid);
    assert_true (ack_tracker_acked (tracker, "c"));
    assert_int_equal (ack_tracker_next_due (tracker), -1);
    assert_int_equal (ack_tracker_due (tracker, INT64_MAX, &uuid),
                      ACK_TRACKER_IDLE);
    ack_tracker_destroy (&tracker);
}

//  Tracking a tracked uuid again restarts its backoff and deadline.
static void
test_retrack (void **state)
{
    ack_tracker_t *tracker = ack_tracker_new (100, 10000, 9);
    ack_tracker_track (tracker, "a", 0, 1000);
    int64_t when;
    char *uuid;
    for (int attempt = 0; attempt < 3; attempt++) {
        assert_int_equal (s_step (tracker, &when, &uuid), ACK_TRACKER_RESEND);
        zstr_free (&uuid);
    }
    assert_int_equal (ack_tracker_attempts (tracker), 4);
    //  Restart at WHEN with a later deadline: fresh backoff from 100
    int64_t restart = when;
    ack_tracker_track (tracker, "a", restart, restart + 5000);
    assert_int_equal (ack_tracker_size (tracker), 1);
    int64_t due = ack_tracker_next_due (tracker);
    assert_true (due >= restart + 100 && due < restart + 125);
    assert_int_equal (s_step (tracker, &when, &uuid), ACK_TRACKER_RESEND);
    zstr_free (&uuid);
    assert_int_equal (ack_tracker_attempts (tracker), 2);
    //  The new deadline holds: it expires at restart + 5000, not 1000
    ack_tracker_action_t action;
    while ((action = s_step (tracker, &when, &uuid)) == ACK_TRACKER_RESEND)
        zstr_free (&uuid);
    zstr_free (&uuid);
    assert_int_equal (when, restart + 5000);

    //  Retracking moves an entry both ways in the heap: x near 1100,
    //  y near 2100, then y near 600 (before x), then near 3100 (after)
    ack_tracker_track (tracker, "x", 1000, 9000);
    ack_tracker_track (tracker, "y", 2000, 9000);
    ack_tracker_track (tracker, "y", 500, 9000);
    assert_true (ack_tracker_next_due (tracker) < 1000);
    assert_int_equal (s_step (tracker, &when, &uuid), ACK_TRACKER_RESEND);
    assert_string_equal (uuid, "y");
    zstr_free (&uuid);
    ack_tracker_track (tracker, "y", 3000, 9000);
    assert_int_equal (s_step (tracker, &when, &uuid), ACK_TRACKER_RESEND);
    assert_string_equal (uuid, "x");
    zstr_free (&uuid);
    assert_int_equal (ack_tracker_size (tracker), 2);
    ack_tracker_destroy (&tracker);
}

//  Drain TRACKER, checking that actions come out in non-decreasing time
//  order, that the acked never come out and that each live uuid expires
//  once. COUNT uuids named "u<index>"; ACKED [index] is true if acked.
static void
s_drain_in_order (ack_tracker_t *tracker, int count, const bool *acked)
{
    bool *expired = (bool *) calloc (count, sizeof (bool));
    assert_non_null (expired);
    int64_t previous = INT64_MIN;
    int expiries = 0;
    while (ack_tracker_size (tracker) > 0) {
        int64_t when;
        char *uuid;
        ack_tracker_action_t action = s_step (tracker, &when, &uuid);
        assert_true (when >= previous);
        previous = when;
        int which = atoi (uuid + 1);
        assert_true (which >= 0 && which < count);
        assert_false (acked [which]);
        assert_false (expired [which]);
        if (action == ACK_TRACKER_EXPIRED) {
            expired [which] = true;
            expiries++;
        }
        zstr_free (&uuid);
    }
    int live = 0;
    for (int index = 0; index < count; index++)
        live += !acked [index];
    assert_int_equal (expiries, live);
    assert_int_equal (ack_tracker_next_due (tracker), -1);
    free (expired);
}

//  A thousand uuids come due in time order, acked ones never.
static void
test_order_many (void **state)
{
    uint64_t rand = 12345;
    ack_tracker_t *tracker = ack_tracker_new (250, 10000, 77);
    bool acked [1000] = { false };
    for (int index = 0; index < 1000; index++) {
        char uuid [16];
        snprintf (uuid, sizeof (uuid), "u%d", index);
        int64_t now = (int64_t) (testutil_rand (&rand) % 5000);
        ack_tracker_track (tracker, uuid, now,
                           now + 1 + (int64_t) (testutil_rand (&rand) % 30000));
    }
    //  next_due is the least of all: nothing is due one ms before it
    int64_t due = ack_tracker_next_due (tracker);
    char *uuid;
    assert_int_equal (ack_tracker_due (tracker, due - 1, &uuid),
                      ACK_TRACKER_IDLE);
    for (int index = 0; index < 1000; index += 3) {
        char name [16];
        snprintf (name, sizeof (name), "u%d", index);
        assert_true (ack_tracker_acked (tracker, name));
        acked [index] = true;
    }
    s_drain_in_order (tracker, 1000, acked);
    ack_tracker_destroy (&tracker);
}

//  A hundred thousand uuids in random order: the heap stays correct.
static void
test_hundred_thousand (void **state)
{
    enum { COUNT = 100000 };
    uint64_t rand = 987654321;
    ack_tracker_t *tracker = ack_tracker_new (250, 10000, 2024);
    int *order = (int *) malloc (COUNT * sizeof (int));
    bool *acked = (bool *) calloc (COUNT, sizeof (bool));
    assert_non_null (order);
    assert_non_null (acked);
    for (int index = 0; index < COUNT; index++) {
        char uuid [16];
        snprintf (uuid, sizeof (uuid), "u%d", index);
        int64_t now = (int64_t) (testutil_rand (&rand) % 10000);
        ack_tracker_track (tracker, uuid, now,
                           now + 1 + (int64_t) (testutil_rand (&rand) % 60000));
        order [index] = index;
    }
    assert_int_equal (ack_tracker_size (tracker), COUNT);
    //  Ack half of them in a random order (Fisher-Yates)
    for (int index = COUNT - 1; index > 0; index--) {
        int other = (int) (testutil_rand (&rand) % (uint64_t) (index + 1));
        int swap = order [index];
        order [index] = order [other];
        order [other] = swap;
    }
    for (int index = 0; index < COUNT / 2; index++) {
        char uuid [16];
        snprintf (uuid, sizeof (uuid), "u%d", order [index]);
        assert_true (ack_tracker_acked (tracker, uuid));
        acked [order [index]] = true;
    }
    assert_int_equal (ack_tracker_size (tracker), COUNT - COUNT / 2);
    s_drain_in_order (tracker, COUNT, acked);
    free (order);
    free (acked);
    ack_tracker_destroy (&tracker);
}

//  ---------------------------------------------------------------------
//  The actor, with the test as its chat-model and bus

typedef struct {
    zsock_t *model;             //  the test's end of the tracker PAIR
    zsock_t *bus;               //  SUB bound where the actor publishes
    zactor_t *actor;
} harness_t;

//  Bind the neighbours at endpoints named after NAME and start the actor.
static void
s_start (harness_t *h, const char *name, int64_t initial, int64_t cap)
{
    char model_endpoint [128], bus_endpoint [128];
    snprintf (model_endpoint, sizeof (model_endpoint),
              "inproc://test-ack-tracker-model-%s", name);
    snprintf (bus_endpoint, sizeof (bus_endpoint),
              "inproc://test-ack-tracker-bus-%s", name);
    h->model = zsock_new (ZMQ_PAIR);
    assert_non_null (h->model);
    assert_int_not_equal (zsock_bind (h->model, "%s", model_endpoint), -1);
    h->bus = zsock_new (ZMQ_SUB);
    assert_non_null (h->bus);
    zsock_set_subscribe (h->bus, "");
    assert_int_not_equal (zsock_bind (h->bus, "%s", bus_endpoint), -1);
    ack_tracker_args_t args = {
        .model_endpoint = model_endpoint, .bus_endpoint = bus_endpoint,
        .initial_ms = initial, .cap_ms = cap
    };
    h->actor = zactor_new (ack_tracker_actor, &args);
    assert_non_null (h->actor);
    zsock_set_rcvtimeo (h->actor, 2000);
    assert_int_equal (zsock_send (h->actor, "s", VERB_START), 0);
    int status = -2;
    char *detail = NULL;
    assert_int_equal (zsock_recv (h->actor, "is", &status, &detail), 0);
    assert_int_equal (status, 0);
    assert_string_equal (detail, "");
    zstr_free (&detail);
}

//  End the actor ($TERM) and close the neighbours.
static void
s_stop (harness_t *h)
{
    zactor_destroy (&h->actor);
    assert_null (h->actor);
    zsock_destroy (&h->model);
    zsock_destroy (&h->bus);
}

//  Send TRACK for UUID with a deadline LIFETIME ms from now.
static void
s_track (harness_t *h, const char *uuid, int64_t lifetime)
{
    uint64_t now = (uint64_t) dtchat_now_ms ();
    assert_int_equal (zsock_send (h->model, "ss88", VERB_TRACK, uuid, now,
                                  now + (uint64_t) lifetime), 0);
}

//  Assert MSG is exactly VERB, UUID (and one more frame if WITH_REASON);
//  returns the reason, if any, as a new string.
static char *
s_expect (zmsg_t **msg_p, const char *verb, const char *uuid,
          bool with_reason)
{
    zmsg_t *msg = *msg_p;
    assert_non_null (msg);
    assert_int_equal (zmsg_size (msg), with_reason? 3: 2);
    char *string = zmsg_popstr (msg);
    assert_string_equal (string, verb);
    zstr_free (&string);
    string = zmsg_popstr (msg);
    assert_string_equal (string, uuid);
    zstr_free (&string);
    char *reason = with_reason? zmsg_popstr (msg): NULL;
    zmsg_destroy (msg_p);
    return reason;
}

//  The actor resends on its own clock, then sends EXPIRED.
static void
test_actor_resend_then_expire (void **state)
{
    harness_t h;
    s_start (&h, "expire", 20, 40);
    const char *uuid = "0b3c41a8-5d0e-4f6a-9c3e-2f0a1b2c3d4e";
    s_track (&h, uuid, 300);
    int resends = 0;
    zmsg_t *msg;
    char *verb = NULL;
    while (true) {
        msg = testutil_recv_within (h.model, 2000);
        assert_non_null (msg);
        verb = zmsg_popstr (msg);
        zmsg_pushstr (msg, verb);
        if (!streq (verb, VERB_RESEND))
            break;
        s_expect (&msg, VERB_RESEND, uuid, false);
        zstr_free (&verb);
        resends++;
        assert_true (resends < 100);
    }
    assert_string_equal (verb, VERB_EXPIRED);
    zstr_free (&verb);
    assert_true (resends >= 1);
    char *reason = s_expect (&msg, VERB_EXPIRED, uuid, true);
    char expected [64];
    snprintf (expected, sizeof (expected), "(%d attempts)", resends + 1);
    assert_non_null (strstr (reason, expected));
    assert_non_null (strstr (reason, "no ack"));
    zstr_free (&reason);
    //  Expired means forgotten: nothing more comes for it
    msg = testutil_recv_within (h.model, 150);
    assert_null (msg);
    //  And nothing per message went to the bus
    msg = testutil_recv_within (h.bus, 0);
    assert_null (msg);
    s_stop (&h);
}

//  An ACKED before the first resend means no RESEND at all.
static void
test_actor_acked (void **state)
{
    //  A first resend at 100 ms, not 20: the ACKED must reach the actor
    //  before it, even on a loaded machine, yet inside the 150 ms window
    harness_t h;
    s_start (&h, "acked", 100, 200);
    s_track (&h, "acked-uuid", 300);
    assert_int_equal (zsock_send (h.model, "ss", VERB_ACKED, "acked-uuid"),
                      0);
    zmsg_t *msg = testutil_recv_within (h.model, 150);
    assert_null (msg);
    //  The actor is alive: another uuid still gets its resend
    s_track (&h, "other-uuid", 5000);
    msg = testutil_recv_within (h.model, 2000);
    s_expect (&msg, VERB_RESEND, "other-uuid", false);
    //  An ACKED for an unknown uuid is harmless
    assert_int_equal (zsock_send (h.model, "ss", VERB_ACKED, "nobody"), 0);
    assert_int_equal (zsock_send (h.model, "ss", VERB_ACKED, "other-uuid"),
                      0);
    msg = testutil_recv_within (h.model, 150);
    assert_null (msg);
    s_stop (&h);
}

//  A batch: one TRACK with several triples tracks each; one ACKED with
//  several uuids stops each; a batch with one bad part is dropped whole.
static void
test_actor_batches (void **state)
{
    harness_t h;
    s_start (&h, "batch", 100, 200);
    uint64_t now = (uint64_t) dtchat_now_ms ();
    //  a bad time in the second triple: none of the three is tracked
    assert_int_equal (zsock_send (h.model, "ss88ss8s88", VERB_TRACK,
                                  "x1", now, now + 5000, "x2", "soon",
                                  now + 5000, "x3", now, now + 5000), 0);
    assert_int_equal (zsock_send (h.model, "ss88s88s88", VERB_TRACK,
                                  "b1", now, now + 5000, "b2", now,
                                  now + 5000, "b3", now, now + 5000), 0);
    assert_int_equal (zsock_send (h.model, "sss", VERB_ACKED, "b1", "b3"),
                      0);
    //  only b2 is left to resend
    zmsg_t *msg = testutil_recv_within (h.model, 2000);
    s_expect (&msg, VERB_RESEND, "b2", false);
    assert_int_equal (zsock_send (h.model, "ss", VERB_ACKED, "b2"), 0);
    msg = testutil_recv_within (h.model, 300);
    assert_null (msg);
    s_stop (&h);
}

//  Bad TRACKs from the model are dropped and reported on the bus.
static void
test_actor_bad_input (void **state)
{
    harness_t h;
    s_start (&h, "bad", 20, 40);
    //  PUB/SUB joins asynchronously: send junk until the report shows up
    bus_event_t *event = NULL;
    for (int round = 0; round < 40 && !event; round++) {
        //  Well-formed, but its deadline is long past
        zsock_send (h.model, "ss88", VERB_TRACK, "junk", (uint64_t) 1,
                    (uint64_t) 2);
        zsock_send (h.model, "ssss", VERB_TRACK, "junk", "soon", "later");
        zsock_send (h.model, "s", VERB_ACKED);
        zsock_send (h.model, "ss", "BOGUS", "junk");
        zsock_send (h.model, "ss8", VERB_TRACK, "", (uint64_t) 1);
        zmsg_t *msg = testutil_recv_within (h.bus, 50);
        if (msg) {
            char *topic = zmsg_popstr (msg);
            assert_string_equal (topic, TOPIC_APP);
            zframe_t *body = zmsg_pop (msg);
            assert_non_null (body);
            char reason [128];
            event = bus_event_decode (topic, zframe_data (body),
                                      zframe_size (body), reason,
                                      sizeof (reason));
            zframe_destroy (&body);
            zstr_free (&topic);
            zmsg_destroy (&msg);
            assert_non_null (event);
        }
    }
    assert_non_null (event);
    assert_int_equal (event->level, LOG_ERROR);
    assert_non_null (strstr (event->text, "ack-tracker"));
    bus_event_destroy (&event);
    //  The first junk TRACK was well-formed: it expires at once, as a
    //  deadline ms 2 is long past; the malformed ones leave no trace
    zmsg_t *msg = testutil_recv_within (h.model, 2000);
    char *reason = s_expect (&msg, VERB_EXPIRED, "junk", true);
    assert_non_null (strstr (reason, "(1 attempt)"));
    zstr_free (&reason);
    //  Drain the junk TRACKs of the later rounds, then check it still works
    while ((msg = testutil_recv_within (h.model, 150))) {
        reason = s_expect (&msg, VERB_EXPIRED, "junk", true);
        zstr_free (&reason);
    }
    s_track (&h, "good", 5000);
    msg = testutil_recv_within (h.model, 2000);
    s_expect (&msg, VERB_RESEND, "good", false);
    s_stop (&h);
}

//  START fails with a reason when the args are missing or wrong.
static void
test_actor_bad_args (void **state)
{
    ack_tracker_args_t args = { .model_endpoint = NULL };
    zactor_t *actor = zactor_new (ack_tracker_actor, &args);
    assert_non_null (actor);
    zsock_set_rcvtimeo (actor, 2000);
    zsock_send (actor, "s", VERB_START);
    int status = 0;
    char *detail = NULL;
    assert_int_equal (zsock_recv (actor, "is", &status, &detail), 0);
    assert_int_equal (status, -1);
    assert_non_null (strstr (detail, "model"));
    zstr_free (&detail);
    zactor_destroy (&actor);

    args = (ack_tracker_args_t) {
        .model_endpoint = "inproc://test-ack-tracker-model-args",
        .initial_ms = 500, .cap_ms = 100
    };
    actor = zactor_new (ack_tracker_actor, &args);
    zsock_set_rcvtimeo (actor, 2000);
    zsock_send (actor, "s", VERB_START);
    assert_int_equal (zsock_recv (actor, "is", &status, &detail), 0);
    assert_int_equal (status, -1);
    assert_non_null (strstr (detail, "backoff"));
    zstr_free (&detail);
    zactor_destroy (&actor);

    args.model_endpoint = "nonsense://x";
    args.cap_ms = 0;
    actor = zactor_new (ack_tracker_actor, &args);
    zsock_set_rcvtimeo (actor, 2000);
    zsock_send (actor, "s", VERB_START);
    assert_int_equal (zsock_recv (actor, "is", &status, &detail), 0);
    assert_int_equal (status, -1);
    assert_non_null (strstr (detail, "nonsense://x"));
    zstr_free (&detail);
    zactor_destroy (&actor);
}

//  $TERM ends the actor even when the model is gone mid-resend.
static void
test_actor_term_with_model_gone (void **state)
{
    //  The model closes while a resend is due: the actor must not block
    //  on its PAIR, so $TERM still ends it (a hang fails by timeout)
    harness_t h;
    s_start (&h, "gone", 20, 40);
    s_track (&h, "orphan", 10000);
    zmsg_t *msg = testutil_recv_within (h.model, 2000);
    s_expect (&msg, VERB_RESEND, "orphan", false);
    zsock_destroy (&h.model);
    //  Give it resends to attempt with nobody to take them (a bounded
    //  poll that also checks that nothing per message goes to the bus)
    msg = testutil_recv_within (h.bus, 200);
    assert_null (msg);
    //  Its pipe still answers (a second START is harmless) within the
    //  2 s receive timeout: it is not stuck sending to the model
    assert_int_equal (zsock_send (h.actor, "s", VERB_START), 0);
    int status = -2;
    char *detail = NULL;
    assert_int_equal (zsock_recv (h.actor, "is", &status, &detail), 0);
    assert_int_equal (status, 0);
    zstr_free (&detail);
    s_stop (&h);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_new_rejects_bad_backoff),
        cmocka_unit_test (test_first_resend),
        cmocka_unit_test (test_doubling),
        cmocka_unit_test (test_cap),
        cmocka_unit_test (test_jitter),
        cmocka_unit_test (test_expiry),
        cmocka_unit_test (test_acked),
        cmocka_unit_test (test_retrack),
        cmocka_unit_test (test_order_many),
        cmocka_unit_test (test_hundred_thousand),
        cmocka_unit_test (test_actor_resend_then_expire),
        cmocka_unit_test (test_actor_acked),
        cmocka_unit_test (test_actor_batches),
        cmocka_unit_test (test_actor_bad_input),
        cmocka_unit_test (test_actor_bad_args),
        cmocka_unit_test (test_actor_term_with_model_gone),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
