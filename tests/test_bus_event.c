/*  test_bus_event.c: bus events over a real PUB/SUB pair and their prints.

    Events go out with bus_event_publish / bus_log on an inproc PUB socket
    and come back with bus_event_recv on a SUB socket of the test; the
    JSON and text forms are compared as exact strings (in UTC, so they do
    not depend on the machine's zone); garbage fails cleanly.
*/
#include "dtchat.h"
#include "bus_event.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

//  2026-11-26 12:01:02.345 UTC and friends, in ms since the epoch.
#define T_SEND      1795694462345
#define T_ACK       1795694462346
#define T_RECV      1795694463001
#define T_WHOLE     1795694462000

typedef struct {
    zsock_t *pub;
    zsock_t *sub;
    zpoller_t *poller;
} pair_t;

//  Receive one event within a second, or fail the test.
static bus_event_t *
s_recv (pair_t *pair)
{
    void *which = zpoller_wait (pair->poller, 1000);
    if (which != pair->sub)
        fail_msg ("no event within 1s");
    return bus_event_recv (pair->sub);
}

//  Bind PUB and connect SUB on a fresh inproc name, then wait until the
//  subscription has reached PUB (sync events until one comes back).
static int
s_setup (void **state)
{
    pair_t *pair = (pair_t *) calloc (1, sizeof (pair_t));
    assert_non_null (pair);
    //  a fresh name each time: inproc names outlive a closed socket
    char endpoint [80];
    zuuid_t *uuid = zuuid_new ();
    assert_non_null (uuid);
    snprintf (endpoint, sizeof endpoint, "inproc://test-bus-event-%s",
              zuuid_str (uuid));
    zuuid_destroy (&uuid);
    pair->pub = zsock_new_pub (endpoint);
    pair->sub = zsock_new_sub (endpoint, "");
    assert_non_null (pair->pub);
    assert_non_null (pair->sub);
    pair->poller = zpoller_new (pair->sub, NULL);
    bus_event_t *sync = bus_event_new (BUS_EVENT_SYS, "sys");
    sync->sys_kind = strdup ("sync");
    bool joined = false;
    for (int tries = 0; tries < 500 && !joined; tries++) {
        assert_int_equal (bus_event_publish (sync, pair->pub), 0);
        if (zpoller_wait (pair->poller, 10) == pair->sub) {
            bus_event_t *event = bus_event_recv (pair->sub);
            joined = event != NULL;
            bus_event_destroy (&event);
        }
    }
    assert_true (joined);
    //  drain the surplus sync events
    while (zpoller_wait (pair->poller, 50) == pair->sub) {
        bus_event_t *event = bus_event_recv (pair->sub);
        bus_event_destroy (&event);
    }
    bus_event_destroy (&sync);
    *state = pair;
    return 0;
}

//  Close the pair of sockets.
static int
s_teardown (void **state)
{
    pair_t *pair = (pair_t *) *state;
    zpoller_destroy (&pair->poller);
    zsock_destroy (&pair->sub);
    zsock_destroy (&pair->pub);
    free (pair);
    return 0;
}

//  A message event with every field set.
static bus_event_t *
s_msg_event (void)
{
    bus_event_t *event = bus_event_new (BUS_EVENT_MSG, "msg");
    assert_non_null (event);
    event->uuid = strdup ("4e3db6da-dd73-4875-9290-feeab4b1423e");
    event->sender = strdup ("alice");
    event->room = strdup ("room");
    event->text = strdup ("hello");
    event->status = MSG_ACKED;
    event->send_time = T_SEND;
    event->receive_time = T_ACK;
    event->peer = strdup ("udp 127.0.0.1:7777");
    event->outgoing = true;
    event->attempts = 2;
    return event;
}

//  Every kind of event survives publish -> recv with its fields.
static void
test_round_trip (void **state)
{
    pair_t *pair = (pair_t *) *state;
    bus_event_t *out = s_msg_event ();
    out->status = MSG_FAILED;
    out->reason = strdup ("lifetime over");
    assert_int_equal (bus_event_publish (out, pair->pub), 0);
    bus_event_t *in = s_recv (pair);
    assert_non_null (in);
    assert_int_equal (in->kind, BUS_EVENT_MSG);
    assert_string_equal (in->topic, "msg");
    assert_string_equal (in->uuid, out->uuid);
    assert_string_equal (in->sender, "alice");
    assert_string_equal (in->room, "room");
    assert_string_equal (in->text, "hello");
    assert_int_equal (in->status, MSG_FAILED);
    assert_true (in->send_time == T_SEND);
    assert_true (in->receive_time == T_ACK);
    assert_string_equal (in->peer, "udp 127.0.0.1:7777");
    assert_string_equal (in->reason, "lifetime over");
    assert_true (in->outgoing);
    assert_int_equal (in->attempts, 2);
    bus_event_destroy (&in);
    bus_event_destroy (&out);

    assert_int_equal (bus_log (pair->pub, "net", LOG_ERROR, "udp 1.2.3.4:5",
                               "dropped %d bytes from %s", 17, "x"), 0);
    in = s_recv (pair);
    assert_non_null (in);
    assert_int_equal (in->kind, BUS_EVENT_LOG);
    assert_string_equal (in->topic, "net");
    assert_int_equal (in->level, LOG_ERROR);
    assert_string_equal (in->text, "dropped 17 bytes from x");
    assert_string_equal (in->endpoint, "udp 1.2.3.4:5");
    bus_event_destroy (&in);

    assert_int_equal (bus_log (pair->pub, "app", LOG_WARN, NULL, "plain"),
                      0);
    in = s_recv (pair);
    assert_non_null (in);
    assert_string_equal (in->topic, "app");
    assert_int_equal (in->level, LOG_WARN);
    assert_null (in->endpoint);
    bus_event_destroy (&in);

    out = bus_event_new (BUS_EVENT_SYS, "sys");
    out->sys_kind = strdup ("stats");
    out->token = strdup ("t-1");
    out->pending = 3;
    out->failed = 4;
    out->total = UINT64_MAX;
    assert_int_equal (bus_event_publish (out, pair->pub), 0);
    in = s_recv (pair);
    assert_non_null (in);
    assert_int_equal (in->kind, BUS_EVENT_SYS);
    assert_string_equal (in->sys_kind, "stats");
    assert_string_equal (in->token, "t-1");
    assert_true (in->pending == 3 && in->failed == 4
                 && in->total == UINT64_MAX);
    bus_event_destroy (&in);
    bus_event_destroy (&out);
    bus_event_destroy (&out);
}

//  Malformed bus messages are consumed and skipped, not fatal.
static void
test_recv_malformed (void **state)
{
    pair_t *pair = (pair_t *) *state;
    zsock_send (pair->pub, "s", "msg");                 //  one frame
    zsock_send (pair->pub, "sss", "msg", "a", "b");     //  three frames
    zsock_send (pair->pub, "sb", "zzz", "x", (size_t) 1);
    zsock_send (pair->pub, "sb", "msg", "\xff\xff\xff", (size_t) 3);
    zsock_send (pair->pub, "sb", "a-much-too-long-topic", "", (size_t) 0);
    for (int i = 0; i < 5; i++)
        assert_null (s_recv (pair));
    //  and the next good one still arrives whole
    bus_event_t *out = s_msg_event ();
    assert_int_equal (bus_event_publish (out, pair->pub), 0);
    bus_event_t *in = s_recv (pair);
    assert_non_null (in);
    assert_string_equal (in->uuid, out->uuid);
    bus_event_destroy (&in);
    bus_event_destroy (&out);
}

//  Receive one raw message within a second: its frames, as hex strings
//  of "[size]hex" separated by a space, in a buffer the caller frees.
static char *
s_recv_hex (pair_t *pair)
{
    void *which = zpoller_wait (pair->poller, 1000);
    if (which != pair->sub)
        fail_msg ("no message within 1s");
    zmsg_t *msg = zmsg_recv (pair->sub);
    assert_non_null (msg);
    size_t room = 1;
    for (zframe_t *frame = zmsg_first (msg); frame; frame = zmsg_next (msg))
        room += 2 * zframe_size (frame) + 24;
    char *hex = (char *) calloc (1, room);
    assert_non_null (hex);
    size_t used = 0;
    for (zframe_t *frame = zmsg_first (msg); frame;
         frame = zmsg_next (msg)) {
        used += (size_t) snprintf (hex + used, room - used, "%s[%zu]",
                                   used? " ": "", zframe_size (frame));
        for (size_t i = 0; i < zframe_size (frame); i++)
            used += (size_t) snprintf (hex + used, room - used, "%02x",
                                       zframe_data (frame) [i]);
    }
    zmsg_destroy (&msg);
    return hex;
}

//  s_msg_event's fields (ACKED), as the code before bus_event_publish_msg
//  encoded them (captured from commit 9c236d0): topic "msg", then the
//  MsgEvent with fields 1-8, 10 and 11 (empty reason omitted).
#define S_MSG_GOLDEN \
    "[3]6d7367 [98]0a2434653364623664612d646437332d343837352d393239302d" \
    "66656561623462313432336512" "05616c6963651a04726f6f6d220568656c6c6f" \
    "2803" "30898becbda134" "388a8becbda134" \
    "4212756470203132372e302e302e313a37373737" "5001" "5802"

//  bus_event_publish_msg sends, from borrowed strings, exactly the frames
//  bus_event_publish sends for the same bus_event_t, and those are the
//  bytes the earlier encoder produced.
static void
test_publish_msg (void **state)
{
    pair_t *pair = (pair_t *) *state;
    bus_event_t *event = s_msg_event ();
    assert_int_equal (bus_event_publish (event, pair->pub), 0);
    char *old = s_recv_hex (pair);
    assert_string_equal (old, S_MSG_GOLDEN);
    char uuid [] = "4e3db6da-dd73-4875-9290-feeab4b1423e";
    assert_int_equal (bus_event_publish_msg (pair->pub, uuid, "alice",
                                             "room", "hello", MSG_ACKED,
                                             T_SEND, T_ACK,
                                             "udp 127.0.0.1:7777", NULL,
                                             true, 2), 0);
    //  borrowed: the caller's strings are free to change once it returns
    uuid [0] = 'X';
    char *new = s_recv_hex (pair);
    assert_string_equal (new, old);
    free (old);
    free (new);

    //  a FAILED event with its reason, a long text (not on any stack),
    //  and an event with nothing set: both paths, same frames, and the
    //  long one decodes back whole
    size_t long_size = 70000;
    char *long_text = (char *) malloc (long_size + 1);
    assert_non_null (long_text);
    for (size_t i = 0; i < long_size; i++)
        long_text [i] = (char) ('a' + i % 26);
    long_text [long_size] = 0;
    event->status = MSG_FAILED;
    event->reason = strdup ("lifetime over");
    for (int variant = 0; variant < 3; variant++) {
        if (variant == 1) {
            free (event->text);
            event->text = strdup (long_text);
        }
        else
        if (variant == 2) {
            bus_event_destroy (&event);
            event = bus_event_new (BUS_EVENT_MSG, NULL);
            assert_non_null (event);
        }
        assert_int_equal (bus_event_publish (event, pair->pub), 0);
        old = s_recv_hex (pair);
        assert_int_equal (bus_event_publish_msg (pair->pub, event->uuid,
            event->sender, event->room, event->text, event->status,
            event->send_time, event->receive_time, event->peer,
            event->reason, event->outgoing, event->attempts), 0);
        new = s_recv_hex (pair);
        assert_string_equal (new, old);
        if (variant == 2)
            assert_string_equal (new, "[3]6d7367 [0]");
        free (old);
        free (new);
    }
    assert_int_equal (bus_event_publish_msg (pair->pub, "u", NULL, NULL,
                                             long_text, MSG_FAILED, 0, 0,
                                             NULL, "why", false, 0), 0);
    bus_event_t *in = s_recv (pair);
    assert_non_null (in);
    assert_string_equal (in->topic, "msg");
    assert_string_equal (in->uuid, "u");
    assert_null (in->sender);
    assert_string_equal (in->text, long_text);
    assert_int_equal (in->status, MSG_FAILED);
    assert_string_equal (in->reason, "why");
    assert_false (in->outgoing);
    bus_event_destroy (&in);
    free (long_text);
    bus_event_destroy (&event);
}

//  Log and sys events go out as the earlier encoder sent them too.
static void
test_publish_golden (void **state)
{
    pair_t *pair = (pair_t *) *state;
    assert_int_equal (bus_log (pair->pub, "net", LOG_ERROR, "udp 1.2.3.4:5",
                               "%s", "oops"), 0);
    char *hex = s_recv_hex (pair);
    assert_string_equal (hex, "[3]6e6574 [23]080212046f6f70731a0d75647020"
                              "312e322e332e343a35");
    free (hex);
    bus_event_t *event = bus_event_new (BUS_EVENT_SYS, NULL);
    assert_non_null (event);
    event->sys_kind = strdup ("sync");
    event->token = strdup ("t1");
    event->pending = 3;
    event->failed = 1;
    event->total = 1000000;
    assert_int_equal (bus_event_publish (event, pair->pub), 0);
    hex = s_recv_hex (pair);
    assert_string_equal (hex, "[3]737973 [18]0a0473796e6312027431180320"
                              "0128c0843d");
    free (hex);
    bus_event_destroy (&event);
}

//  bus_event_decode refuses what is not an event of its topic.
static void
test_decode_garbage (void **state)
{
    char reason [128] = "";
    assert_null (bus_event_decode ("nope", (const byte *) "", 0,
                                   reason, sizeof reason));
    assert_non_null (strstr (reason, "unknown topic 'nope'"));
    assert_null (bus_event_decode (NULL, NULL, 0, reason, sizeof reason));
    assert_null (bus_event_decode ("msg", (const byte *) "\xff\xff\xff", 3,
                                   reason, sizeof reason));
    assert_non_null (strstr (reason, "msg"));
    //  a LogEvent with level 7 (field 1 varint 7)
    assert_null (bus_event_decode ("net", (const byte *) "\x08\x07", 2,
                                   reason, sizeof reason));
    assert_non_null (strstr (reason, "level"));
    //  a string field cut short
    assert_null (bus_event_decode ("sys", (const byte *) "\x0a\x05" "ab", 4,
                                   NULL, 0));
    //  an empty body is an all-default event; an unknown status maps to
    //  UNKNOWN
    bus_event_t *event = bus_event_decode ("sys", NULL, 0, NULL, 0);
    assert_non_null (event);
    assert_null (event->sys_kind);
    bus_event_destroy (&event);
    event = bus_event_decode ("msg", (const byte *) "\x28\x63", 2, NULL, 0);
    assert_non_null (event);
    assert_int_equal (event->status, MSG_STATUS_UNKNOWN);
    bus_event_destroy (&event);
    //  random bytes never crash
    unsigned int seed = 7;
    byte buf [64];
    const char *topics [] = { "msg", "net", "app", "sys" };
    for (int round = 0; round < 5000; round++) {
        size_t size = (size_t) (rand_r (&seed) % sizeof buf);
        for (size_t i = 0; i < size; i++)
            buf [i] = (byte) rand_r (&seed);
        event = bus_event_decode (topics [round % 4], buf, size, NULL, 0);
        if (event) {
            char *json = bus_event_json (event, true);
            char *text = bus_event_text (event);
            assert_non_null (json);
            assert_non_null (text);
            free (json);
            free (text);
        }
        bus_event_destroy (&event);
    }
}

//  Check JSON (or text) output of EVENT, then free it.
static void
s_check (char *actual, const char *expected)
{
    assert_non_null (actual);
    assert_string_equal (actual, expected);
    free (actual);
}

//  The JSON shapes, exactly.
static void
test_json (void **state)
{
    bus_event_t *event = s_msg_event ();
    s_check (bus_event_json (event, false),
        "{\"event\":\"msg\",\"status\":\"ACKED\","
        "\"uuid\":\"4e3db6da-dd73-4875-9290-feeab4b1423e\","
        "\"sender\":\"alice\",\"room\":\"room\",\"text\":\"hello\","
        "\"send_time\":1795694462345,\"receive_time\":1795694462346,"
        "\"peer\":\"udp 127.0.0.1:7777\",\"outgoing\":true,\"attempts\":2}");
    event->status = MSG_FAILED;
    event->receive_time = 0;
    event->send_time = 0;
    event->outgoing = false;
    event->reason = strdup ("lifetime over");
    free (event->room);
    event->room = NULL;
    s_check (bus_event_json (event, true),
        "{\"topic\":\"msg\",\"event\":\"msg\",\"status\":\"FAILED\","
        "\"uuid\":\"4e3db6da-dd73-4875-9290-feeab4b1423e\","
        "\"sender\":\"alice\",\"room\":\"\",\"text\":\"hello\","
        "\"send_time\":null,\"receive_time\":null,"
        "\"peer\":\"udp 127.0.0.1:7777\",\"outgoing\":false,\"attempts\":2,"
        "\"reason\":\"lifetime over\"}");
    //  escaping: quote, backslash, control characters, bad UTF-8
    free (event->text);
    event->text = strdup ("say \"hi\"\\ \n\t\x01\x1f h\xc3\xa9 \xe2\x9c\x93"
                          " \xff \xc3 \xed\xa0\x80 \x7f");
    free (event->reason);
    event->reason = strdup ("");
    event->status = MSG_RECEIVED;
    event->receive_time = T_RECV;
    s_check (bus_event_json (event, false),
        "{\"event\":\"msg\",\"status\":\"RECEIVED\","
        "\"uuid\":\"4e3db6da-dd73-4875-9290-feeab4b1423e\","
        "\"sender\":\"alice\",\"room\":\"\",\"text\":\"say \\\"hi\\\"\\\\ "
        "\\u000a\\u0009\\u0001\\u001f h\xc3\xa9 \xe2\x9c\x93 \\ufffd \\ufffd "
        "\\ufffd\\ufffd\\ufffd \x7f\","
        "\"send_time\":null,\"receive_time\":1795694463001,"
        "\"peer\":\"udp 127.0.0.1:7777\",\"outgoing\":false,\"attempts\":2}");
    bus_event_destroy (&event);

    event = bus_event_new (BUS_EVENT_LOG, "net");
    event->level = LOG_ERROR;
    event->text = strdup ("bind failed");
    event->endpoint = strdup ("udp 0.0.0.0:1");
    s_check (bus_event_json (event, true),
        "{\"topic\":\"net\",\"event\":\"net\",\"level\":\"error\","
        "\"text\":\"bind failed\",\"endpoint\":\"udp 0.0.0.0:1\"}");
    free (event->endpoint);
    event->endpoint = NULL;
    event->level = LOG_WARN;
    s_check (bus_event_json (event, false),
        "{\"event\":\"net\",\"level\":\"warn\",\"text\":\"bind failed\"}");
    bus_event_destroy (&event);
    event = bus_event_new (BUS_EVENT_LOG, "app");
    s_check (bus_event_json (event, false),
        "{\"event\":\"app\",\"level\":\"info\",\"text\":\"\"}");
    bus_event_destroy (&event);

    event = bus_event_new (BUS_EVENT_SYS, NULL);
    event->sys_kind = strdup ("sync");
    event->token = strdup ("42");
    event->pending = 1;
    event->total = 18446744073709551615u;
    s_check (bus_event_json (event, false),
        "{\"event\":\"sys\",\"kind\":\"sync\",\"token\":\"42\",\"pending\":1,"
        "\"failed\":0,\"total\":18446744073709551615}");
    bus_event_destroy (&event);

    s_check (json_quote (NULL), "\"\"");
    s_check (json_quote ("a\"b"), "\"a\\\"b\"");
    s_check (json_quote ("\xf0\x9f\x98\x80\xf0\x9f"),
             "\"\xf0\x9f\x98\x80\\ufffd\\ufffd\"");
}

//  The human-readable lines, exactly (in UTC).
static void
test_text (void **state)
{
    bus_event_t *event = s_msg_event ();
    s_check (bus_event_text (event),
        "[ACKED   ] 12:01:02.345 alice: hello  (ack 12:01:02.346 local clock)");
    event->status = MSG_RECEIVED;
    event->send_time = T_WHOLE;
    event->receive_time = T_RECV;
    free (event->sender);
    event->sender = strdup ("bob");
    free (event->text);
    event->text = strdup ("hi\nthere\x1b[2J\xff");
    s_check (bus_event_text (event),
        "[RECEIVED] 12:01:02.000 bob: hi there [2J?  (received 12:01:03.001"
        " local clock)");
    event->status = MSG_FAILED;
    event->reason = strdup ("no ack within 60 s");
    s_check (bus_event_text (event),
        "[FAILED  ] 12:01:02.000 bob: hi there [2J?  (failed: no ack within"
        " 60 s)");
    event->status = MSG_SENDING;
    event->send_time = 0;
    s_check (bus_event_text (event),
        "[SENDING ] --:--:--.--- bob: hi there [2J?");
    bus_event_destroy (&event);

    event = bus_event_new (BUS_EVENT_LOG, "net");
    event->level = LOG_ERROR;
    event->text = strdup ("text");
    event->endpoint = strdup ("udp 1.2.3.4:5");
    s_check (bus_event_text (event), "[net] error: text (udp 1.2.3.4:5)");
    free (event->endpoint);
    event->endpoint = NULL;
    event->level = LOG_INFO;
    s_check (bus_event_text (event), "[net] info: text");
    bus_event_destroy (&event);

    event = bus_event_new (BUS_EVENT_SYS, "sys");
    event->sys_kind = strdup ("stats");
    event->pending = 2;
    s_check (bus_event_text (event),
             "[sys] stats token= pending=2 failed=0 total=0");
    bus_event_destroy (&event);
}

//  Names and new / destroy.
static void
test_names (void **state)
{
    assert_string_equal (msg_status_name (MSG_SENDING), "SENDING");
    assert_string_equal (msg_status_name (MSG_SENT), "SENT");
    assert_string_equal (msg_status_name (MSG_ACKED), "ACKED");
    assert_string_equal (msg_status_name (MSG_FAILED), "FAILED");
    assert_string_equal (msg_status_name (MSG_RECEIVED), "RECEIVED");
    assert_string_equal (msg_status_name ((msg_status_t) 99), "UNKNOWN");
    bus_event_t *event = bus_event_new (BUS_EVENT_MSG, NULL);
    assert_string_equal (event->topic, "msg");
    bus_event_destroy (&event);
    assert_null (event);
    bus_event_destroy (&event);
}

int
main (void)
{
    //  the text form prints local time: make local UTC for exact strings
    setenv ("TZ", "UTC", 1);
    tzset ();
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_round_trip, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_recv_malformed, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_publish_msg, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_publish_golden, s_setup,
                                         s_teardown),
        cmocka_unit_test (test_decode_garbage),
        cmocka_unit_test (test_json),
        cmocka_unit_test (test_text),
        cmocka_unit_test (test_names),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
