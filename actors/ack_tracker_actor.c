/*  ack_tracker_actor.c: the ack-tracker actor, ack_tracker_t on a clock.

    The chat-model talks to it over one PAIR (TRACK, ACKED in; RESEND,
    EXPIRED out, see dtchat_verbs.h). It keeps the model's deadlines on
    its own monotonic clock, sleeps in actor_poller_wait until the next due
    time, and never drops a RESEND or EXPIRED: one the model cannot take
    yet waits and is retried, without ever blocking the actor's pipe. It
    publishes on the bus only when the model sends it something bad.
*/
#include "ack_tracker.h"
#include "bus_event.h"
#include "event_bus.h"
#include "actor_poller.h"

#include <errno.h>

//  Retry interval while the chat-model does not take our messages, ms.
#define S_RETRY_MS      20
//  Most messages handled in a row before looking at the pipe again.
#define S_BATCH         1000
//  Longest lifetime we accept in a TRACK (about 100 years), ms.
#define S_LIFETIME_MAX  (100LL * 366 * 24 * 3600 * 1000)

typedef struct {
    zsock_t *pipe;              //  our creator
    zsock_t *model;             //  PAIR to the chat-model, after START
    zsock_t *bus;               //  PUB to the bus, after START (or NULL)
    actor_poller_t *poller;
    ack_tracker_t *tracker;
    char *model_endpoint;
    char *bus_endpoint;
    char *error;                //  why START must fail, or NULL
    char *out_verb;             //  a RESEND/EXPIRED the model has not
    char *out_uuid;             //    taken yet (never dropped), or NULL
    char *out_reason;
    uint64_t invalid;           //  bad messages from the model
    bool terminated;
} self_t;

//  Destroy the actor's state.
static void
s_self_destroy (self_t **self_p)
{
    self_t *self = *self_p;
    if (!self)
        return;
    actor_poller_destroy (&self->poller);
    zsock_destroy (&self->model);
    zsock_destroy (&self->bus);
    ack_tracker_destroy (&self->tracker);
    zstr_free (&self->model_endpoint);
    zstr_free (&self->bus_endpoint);
    zstr_free (&self->error);
    zstr_free (&self->out_verb);
    zstr_free (&self->out_uuid);
    zstr_free (&self->out_reason);
    free (self);
    *self_p = NULL;
}

//  New actor state; bad ARGS are kept as an error for START to report.
static self_t *
s_self_new (zsock_t *pipe, ack_tracker_args_t *args)
{
    self_t *self = (self_t *) zmalloc (sizeof (self_t));
    if (!self)
        return NULL;
    self->pipe = pipe;
    self->poller = actor_poller_new ();
    if (self->poller && actor_poller_add (self->poller, pipe))
        actor_poller_destroy (&self->poller);
    zsock_set_rcvtimeo (pipe, 0);       //  read only until it is empty
    //  Each process gets its own jitter, or peers would stay in step
    uint32_t seed = (uint32_t) (zclock_usecs () ^ ((int64_t) getpid () << 16));
    int64_t initial = args && args->initial_ms? args->initial_ms
                                             : ACK_TRACKER_INITIAL_MS;
    int64_t cap = args && args->cap_ms? args->cap_ms: ACK_TRACKER_CAP_MS;
    self->tracker = ack_tracker_new (initial, cap, seed);
    if (!self->poller) {
        s_self_destroy (&self);
        return NULL;
    }
    if (!args || !args->model_endpoint || !*args->model_endpoint)
        self->error = strdup ("ack-tracker: no model endpoint");
    else
    if (!self->tracker)
        self->error = zsys_sprintf ("ack-tracker: bad backoff %" PRId64
                                    "/%" PRId64 " ms", initial, cap);
    else {
        self->model_endpoint = strdup (args->model_endpoint);
        if (args->bus_endpoint && *args->bus_endpoint)
            self->bus_endpoint = strdup (args->bus_endpoint);
    }
    return self;
}

//  Connect to the model and the bus; reply "is" to START.
static void
s_self_start (self_t *self)
{
    if (!self->error && !self->model) {
        self->model = zsock_new (ZMQ_PAIR);
        if (!self->model
        ||  zsock_connect (self->model, "%s", self->model_endpoint) != 0)
            self->error = zsys_sprintf ("ack-tracker: cannot connect to %s",
                                        self->model_endpoint);
        else
        if (self->bus_endpoint) {
            self->bus = event_bus_publisher (self->bus_endpoint);
            if (!self->bus)
                self->error = zsys_sprintf ("ack-tracker: cannot connect"
                                            " to bus %s", self->bus_endpoint);
        }
        if (self->error)
            zsock_destroy (&self->model);
        else {
            //  Never block on the model: what it cannot take yet waits
            //  in out_* and is retried, so $TERM always gets through
            zsock_set_sndtimeo (self->model, 0);
            //  Reads come after a poll, in a batch that ends at the first
            //  miss: with a zero timeout that miss costs no poll () per
            //  message, as asking zsock_events () first did
            zsock_set_rcvtimeo (self->model, 0);
            actor_poller_add (self->poller, self->model);
        }
    }
    zsock_send (self->pipe, "is", self->error? -1: 0,
                self->error? self->error: "");
}

//  A command from our creator ($TERM is actor_poller's).
static void
s_self_command (void *arg, const char *verb, zmsg_t *msg)
{
    if (streq (verb, VERB_START))
        s_self_start ((self_t *) arg);
    else {
        zsys_error ("ack-tracker: invalid command %s", verb);
        assert (false);
    }
}

//  Read a decimal uint64 frame as zsock_send "8" writes it; -1 if it is
//  not one or does not fit an int64.
static int
s_frame_int64 (zframe_t *frame, int64_t *value_p)
{
    size_t size = frame? zframe_size (frame): 0;
    if (size < 1 || size > 19)
        return -1;
    const byte *data = zframe_data (frame);
    int64_t value = 0;
    for (size_t index = 0; index < size; index++) {
        if (data [index] < '0' || data [index] > '9')
            return -1;
        int digit = data [index] - '0';
        if (value > (INT64_MAX - digit) / 10)
            return -1;
        value = value * 10 + digit;
    }
    *value_p = value;
    return 0;
}

//  Check a uuid frame and return it as a new string, or NULL.
static char *
s_frame_uuid (zframe_t *frame)
{
    size_t size = frame? zframe_size (frame): 0;
    if (size < 1 || size > DTCHAT_ID_MAX
    ||  memchr (zframe_data (frame), 0, size))
        return NULL;
    return zframe_strdup (frame);
}

//  Track UUID from NOW until DEADLINE (the model's clock).
static void
s_self_track_one (self_t *self, const char *uuid, int64_t now,
                  int64_t deadline)
{
    int64_t lifetime = deadline - now;
    if (lifetime < 0)
        lifetime = 0;               //  already late: expires at once
    if (lifetime > S_LIFETIME_MAX)
        lifetime = S_LIFETIME_MAX;
    int64_t mono = zclock_mono ();
    ack_tracker_track (self->tracker, uuid, mono, mono + lifetime);
}

//  TRACK "s88" uuid, now, deadline, repeated: (re)start tracking each
//  on our monotonic clock, keeping the model's offset between now and
//  the deadline. The message is checked whole before any of it is used.
static const char *
s_self_track (self_t *self, zmsg_t *msg)
{
    size_t size = zmsg_size (msg);
    if (size == 0 || size % 3)
        return "TRACK needs 3 frames per message";
    int64_t now = 0, deadline = 0;
    for (zframe_t *frame = zmsg_first (msg); frame;
         frame = zmsg_next (msg)) {
        char *uuid = s_frame_uuid (frame);
        free (uuid);
        if (!uuid)
            return "TRACK with a bad uuid";
        if (s_frame_int64 (zmsg_next (msg), &now)
        ||  s_frame_int64 (zmsg_next (msg), &deadline))
            return "TRACK with a bad time";
    }
    for (zframe_t *frame = zmsg_first (msg); frame;
         frame = zmsg_next (msg)) {
        char *uuid = s_frame_uuid (frame);
        s_frame_int64 (zmsg_next (msg), &now);
        s_frame_int64 (zmsg_next (msg), &deadline);
        s_self_track_one (self, uuid, now, deadline);
        free (uuid);
    }
    return NULL;
}

//  Handle one message from the chat-model; drop and report bad ones.
//  Returns false if there was none (zero receive timeout) or we were
//  interrupted.
static bool
s_self_handle_model (self_t *self)
{
    zmsg_t *msg = zmsg_recv (self->model);
    if (!msg) {
        if (zmq_errno () != EAGAIN)
            self->terminated = true;    //  the context is ending
        return false;
    }
    char *verb = zmsg_popstr (msg);
    const char *why = NULL;
    if (!verb)
        why = "empty message";
    else
    if (streq (verb, VERB_TRACK))
        why = s_self_track (self, msg);
    else
    if (streq (verb, VERB_ACKED)) {
        //  One uuid or more, each checked
        if (zmsg_size (msg) == 0)
            why = "ACKED needs a uuid";
        for (zframe_t *frame = zmsg_first (msg); frame;
             frame = zmsg_next (msg)) {
            char *uuid = s_frame_uuid (frame);
            if (uuid)
                ack_tracker_acked (self->tracker, uuid);
            else
                why = "ACKED with a bad uuid";
            free (uuid);
        }
    }
    else
        why = "unknown verb";
    if (why) {
        self->invalid++;
        if (self->bus)
            bus_log (self->bus, TOPIC_APP, LOG_ERROR, NULL,
                     "ack-tracker: dropped a message from the chat-model"
                     " (%s: %.32s), %" PRIu64 " so far", why,
                     verb? verb: "", self->invalid);
    }
    zstr_free (&verb);
    zmsg_destroy (&msg);
    return true;
}

//  Try to hand the waiting RESEND/EXPIRED to the model; 0 once it took it.
static int
s_self_flush (self_t *self)
{
    if (!self->out_verb)
        return 0;
    int rc = self->out_reason
           ? zsock_send (self->model, "sss", self->out_verb, self->out_uuid,
                         self->out_reason)
           : zsock_send (self->model, "ss", self->out_verb, self->out_uuid);
    actor_poller_mark (self->poller, self->model);  //  see actor_poller.h
    if (rc != 0)
        return -1;                  //  model busy or gone: retry later
    zstr_free (&self->out_verb);
    zstr_free (&self->out_uuid);
    zstr_free (&self->out_reason);
    return 0;
}

//  Send the model every action that is due by now.
static void
s_self_handle_due (self_t *self)
{
    if (!self->model || s_self_flush (self) != 0)
        return;
    int64_t now = zclock_mono ();
    for (int count = 0; count < S_BATCH; count++) {
        char *uuid;
        ack_tracker_action_t action =
            ack_tracker_due (self->tracker, now, &uuid);
        if (action == ACK_TRACKER_IDLE)
            break;
        self->out_uuid = uuid;
        if (action == ACK_TRACKER_RESEND)
            self->out_verb = strdup (VERB_RESEND);
        else {
            self->out_verb = strdup (VERB_EXPIRED);
            uint32_t attempts = ack_tracker_attempts (self->tracker);
            self->out_reason = zsys_sprintf (
                "no ack within lifetime (%" PRIu32 " attempt%s)",
                attempts, attempts == 1? "": "s");
        }
        if (s_self_flush (self) != 0)
            break;
    }
}

//  How long to sleep in the poller: until the next due time, or a retry.
static int
s_self_timeout (self_t *self)
{
    if (!self->model)
        return -1;
    if (self->out_verb)
        return S_RETRY_MS;
    int64_t due = ack_tracker_next_due (self->tracker);
    if (due < 0)
        return -1;
    int64_t wait = due - zclock_mono ();
    return wait < 0? 0: wait > INT_MAX? INT_MAX: (int) wait;
}

//  The actor: see ack_tracker.h and the top of this file.
void
ack_tracker_actor (zsock_t *pipe, void *args)
{
    self_t *self = s_self_new (pipe, (ack_tracker_args_t *) args);
    zsock_signal (pipe, self? 0: -1);
    while (self && !self->terminated) {
        if (actor_poller_wait (self->poller, s_self_timeout (self)) == -1)
            break;                      //  cannot poll: nothing works
        if (actor_poller_ready (self->poller, pipe))
            self->terminated = actor_poller_commands (self->poller, pipe,
                                                      s_self_command, self);
        if (self->model && actor_poller_ready (self->poller, self->model)) {
            //  Take everything already queued before acting on timers, so
            //  an ACKED right behind its TRACK wins over a due resend
            int count = 0;
            while (!self->terminated && s_self_handle_model (self))
                if (++count == S_BATCH) {
                    actor_poller_mark (self->poller, self->model);
                    break;
                }
        }
        if (!self->terminated)
            s_self_handle_due (self);
    }
    s_self_destroy (&self);
}
