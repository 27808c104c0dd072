/*  test_chat_model.c: the chat-model actor with plain sockets as neighbours.

    Each test starts one model at unique inproc endpoints; the test plays
    the ui, the ack-tracker and the udp and tcp transports with PAIR
    sockets connected to the pipes the model binds, and the bus with a SUB
    bound where the model's PUB connects. It asserts on the exact frames
    the model sends and on the events it publishes, using the captured
    Rust DTChat messages in $DTCHAT_TESTDATA/wire. Absence is checked at a
    sync point: a later command's effect arrives on the same socket in
    order, so anything that should not happen would have come first.
    The store tests run a model on a database file in a temp dir, stop it
    and start another on the same file (a restart), and make its disk
    full with RLIMIT_FSIZE.
*/
#include "dtchat.h"
#include "chat_model.h"
#include "chat_msg.h"
#include "bus_event.h"
#include "store.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#define S_WAIT      5000            //  ms: bounded waits for what must come
#define S_LOCAL     "udp 127.0.0.1:7001"
#define S_REMOTE    "udp 127.0.0.1:7002"
#define S_LIFETIME  60000

typedef struct {
    zactor_t *model;
    zsock_t *ui;
    zsock_t *tracker;
    zsock_t *udp;
    zsock_t *tcp;
    zsock_t *sub;
} fixture_t;

//  Endpoint NAME-WHAT in BUF.
static const char *
s_name (char *buf, size_t size, const char *name, const char *what)
{
    snprintf (buf, size, "inproc://test-cm-%s-%s", name, what);
    return buf;
}

//  A PAIR connected to ENDPOINT.
static zsock_t *
s_pair (const char *endpoint)
{
    zsock_t *sock = zsock_new (ZMQ_PAIR);
    assert_non_null (sock);
    assert_int_equal (zsock_connect (sock, "%s", endpoint), 0);
    return sock;
}

//  Start a model; returns its START status and reply in DETAIL.
static zactor_t *
s_model_start (chat_model_args_t *args, int *status, char **detail)
{
    zactor_t *model = zactor_new (chat_model_actor, args);
    assert_non_null (model);
    zsock_set_rcvtimeo (model, S_WAIT);
    assert_int_equal (zsock_send (model, "s", VERB_START), 0);
    assert_int_equal (zsock_recv (model, "is", status, detail), 0);
    return model;
}

//  Wait up to S_WAIT for SOCK to be readable.
static void
s_wait (zsock_t *sock)
{
    zpoller_t *poller = zpoller_new (sock, NULL);
    assert_ptr_equal (zpoller_wait (poller, S_WAIT), sock);
    zpoller_destroy (&poller);
}

//  True if SOCK has a message right now.
static bool
s_ready (zsock_t *sock)
{
    zpoller_t *poller = zpoller_new (sock, NULL);
    bool ready = zpoller_wait (poller, 0) == sock;
    zpoller_destroy (&poller);
    return ready;
}

//  Next bus event (bounded wait).
static bus_event_t *
s_event (fixture_t *fx)
{
    s_wait (fx->sub);
    bus_event_t *event = bus_event_recv (fx->sub);
    assert_non_null (event);
    return event;
}

//  Next bus event, which must be a "msg" event with STATUS.
static bus_event_t *
s_expect_msg (fixture_t *fx, msg_status_t status)
{
    bus_event_t *event = s_event (fx);
    assert_string_equal (event->topic, TOPIC_MSG);
    assert_string_equal (msg_status_name (event->status),
                         msg_status_name (status));
    return event;
}

//  Next bus event, which must be a log event on TOPIC at LEVEL.
static void
s_expect_log (fixture_t *fx, const char *topic, log_level_t level)
{
    bus_event_t *event = s_event (fx);
    assert_string_equal (event->topic, topic);
    assert_int_equal (event->level, level);
    assert_non_null (event->text);
    bus_event_destroy (&event);
}

//  Next bus event, which must be a "sys" sync with TOKEN.
static bus_event_t *
s_expect_sync (fixture_t *fx, const char *token)
{
    bus_event_t *event = s_event (fx);
    assert_string_equal (event->topic, TOPIC_SYS);
    assert_string_equal (event->sys_kind, "sync");
    assert_string_equal (event->token, token);
    return event;
}

//  SYNCs until the bus delivers one (the SUB's subscription has reached
//  the model's PUB), then reads up to the last one sent.
static void
s_sync_bus (fixture_t *fx)
{
    zpoller_t *poller = zpoller_new (fx->sub, NULL);
    int sent = 0;
    int first = -1;
    while (first == -1 && sent < 500) {
        char token [16];
        snprintf (token, sizeof token, "%d", sent++);
        zsock_send (fx->ui, "ss", VERB_SYNC, token);
        if (zpoller_wait (poller, 10) == fx->sub) {
            bus_event_t *event = bus_event_recv (fx->sub);
            assert_non_null (event);
            first = atoi (event->token);
            bus_event_destroy (&event);
        }
    }
    zpoller_destroy (&poller);
    assert_int_not_equal (first, -1);
    for (int next = first + 1; next < sent; next++) {
        char token [16];
        snprintf (token, sizeof token, "%d", next);
        bus_event_t *event = s_expect_sync (fx, token);
        bus_event_destroy (&event);
    }
}

//  Start a model named NAME sending to REMOTE, with the test as every
//  neighbour (udp transport; tcp transport too if WITH_TCP), on the
//  store DB (NULL = none), telling the tracker about a send after
//  TRACK_DELAY ms (0 = the default).
static void
s_setup_delay (fixture_t *fx, const char *name, const char *remote,
               bool with_tcp, const char *db, int64_t track_delay)
{
    char ui [64], tracker [64], udp [64], tcp [64], bus [64];
    chat_model_args_t args = {
        .ui_endpoint = s_name (ui, sizeof ui, name, "ui"),
        .tracker_endpoint = s_name (tracker, sizeof tracker, name, "tracker"),
        .bus_endpoint = s_name (bus, sizeof bus, name, "bus"),
        .sender_uuid = "alice",
        .room = "room",
        .remote = remote,
        .lifetime_ms = S_LIFETIME,
        .db_path = db,
        .track_delay_ms = track_delay
    };
    args.transport_endpoint [ENDPOINT_UDP] = s_name (udp, sizeof udp, name,
                                                     "udp");
    if (with_tcp)
        args.transport_endpoint [ENDPOINT_TCP] = s_name (tcp, sizeof tcp,
                                                         name, "tcp");
    args.local [ENDPOINT_UDP] = S_LOCAL;
    memset (fx, 0, sizeof *fx);
    fx->sub = zsock_new (ZMQ_SUB);
    assert_non_null (fx->sub);
    zsock_set_subscribe (fx->sub, "");
    assert_int_equal (zsock_bind (fx->sub, "%s", bus), 0);
    int status;
    char *detail;
    fx->model = s_model_start (&args, &status, &detail);
    if (status != 0)
        fail_msg ("START: %s", detail);
    assert_string_equal (detail, "");
    zstr_free (&detail);
    fx->ui = s_pair (ui);
    fx->tracker = s_pair (tracker);
    fx->udp = s_pair (udp);
    if (with_tcp)
        fx->tcp = s_pair (tcp);
    if (!db)
        s_sync_bus (fx);
}

//  Start a model: see s_setup_delay.
static void
s_setup_with (fixture_t *fx, const char *name, const char *remote,
              bool with_tcp, const char *db)
{
    s_setup_delay (fx, name, remote, with_tcp, db, 0);
}

//  Start a model without a store: see s_setup_with.
static void
s_setup (fixture_t *fx, const char *name, const char *remote, bool with_tcp)
{
    s_setup_with (fx, name, remote, with_tcp, NULL);
}

//  Stop the model and close the test's sockets.
static void
s_teardown (fixture_t *fx)
{
    zactor_destroy (&fx->model);
    zsock_destroy (&fx->ui);
    zsock_destroy (&fx->tracker);
    zsock_destroy (&fx->udp);
    zsock_destroy (&fx->tcp);
    zsock_destroy (&fx->sub);
}

//  Next message on SOCK (bounded wait), whose first frame must be VERB
//  and which must have FRAMES frames.
static zmsg_t *
s_expect_cmd (zsock_t *sock, const char *verb, size_t frames)
{
    s_wait (sock);
    zmsg_t *msg = zmsg_recv (sock);
    assert_non_null (msg);
    assert_int_equal (zmsg_size (msg), frames);
    char *first = zmsg_popstr (msg);
    assert_string_equal (first, verb);
    zstr_free (&first);
    return msg;
}

//  Next SEND on SOCK: returns the decoded message; token and endpoint
//  text to *TOKEN_P and *PEER_P, a copy of the bytes to *FRAME_P.
static chat_msg_t *
s_expect_send (zsock_t *sock, char **token_p, char **peer_p,
               zframe_t **frame_p)
{
    zmsg_t *msg = s_expect_cmd (sock, VERB_SEND, 4);
    *token_p = zmsg_popstr (msg);
    *peer_p = zmsg_popstr (msg);
    zframe_t *frame = zmsg_pop (msg);
    char reason [256] = "";
    chat_msg_t *chat = chat_msg_decode (zframe_data (frame),
                                        zframe_size (frame),
                                        reason, sizeof reason);
    assert_non_null (chat);
    *frame_p = frame;
    zmsg_destroy (&msg);
    return chat;
}

//  Next TRACK on the tracker pipe: for UUID, lifetime S_LIFETIME.
static void
s_expect_track (fixture_t *fx, const char *uuid)
{
    s_wait (fx->tracker);
    char *verb, *tracked;
    uint64_t now, deadline;
    assert_int_equal (zsock_recv (fx->tracker, "ss88", &verb, &tracked,
                                  &now, &deadline), 0);
    assert_string_equal (verb, VERB_TRACK);
    assert_string_equal (tracked, uuid);
    assert_true (now > 0);
    assert_int_equal (deadline - now, S_LIFETIME);
    zstr_free (&verb);
    zstr_free (&tracked);
}

//  Next ACKED on the tracker pipe, for UUID.
static void
s_expect_acked (fixture_t *fx, const char *uuid)
{
    zmsg_t *msg = s_expect_cmd (fx->tracker, VERB_ACKED, 2);
    char *acked = zmsg_popstr (msg);
    assert_string_equal (acked, uuid);
    zstr_free (&acked);
    zmsg_destroy (&msg);
}

//  Next ERROR on the ui pipe, whose text contains WHAT; then the "app"
//  error event.
static void
s_expect_refused (fixture_t *fx, const char *what)
{
    zmsg_t *msg = s_expect_cmd (fx->ui, VERB_ERROR, 2);
    char *why = zmsg_popstr (msg);
    assert_non_null (strstr (why, what));
    zstr_free (&why);
    zmsg_destroy (&msg);
    s_expect_log (fx, TOPIC_APP, LOG_ERROR);
}

//  Contents of $DTCHAT_TESTDATA/wire/NAME in a new frame.
static zframe_t *
s_load (const char *name)
{
    const char *dir = getenv ("DTCHAT_TESTDATA");
    char path [512];
    snprintf (path, sizeof path, "%s/wire/%s", dir? dir: DTCHAT_TESTDATA,
              name);
    FILE *file = fopen (path, "rb");
    assert_non_null (file);
    byte buffer [8192];
    size_t size = fread (buffer, 1, sizeof buffer, file);
    fclose (file);
    assert_true (size > 0 && size < sizeof buffer);
    return zframe_new (buffer, size);
}

//  Hand the model DATA as if SOCK's transport received it from PEER.
static void
s_recv (zsock_t *sock, const char *peer, const void *data, size_t size)
{
    assert_int_equal (zsock_send (sock, "ssb", VERB_RECV, peer, data, size),
                      0);
}

//  RECV of some bytes that are not a ProtoMessage: a "net" error event.
static void
s_garbage (fixture_t *fx)
{
    byte garbage [] = { 0xff, 0xff, 0xff, 0x01, 0x02 };
    s_recv (fx->udp, "udp 10.0.0.9:9", garbage, sizeof garbage);
    s_expect_log (fx, TOPIC_NET, LOG_ERROR);
}

//  TEXT from the ui; checks SEND, TRACK and SENDING and returns the sent
//  message, its bytes in *FRAME_P.
static chat_msg_t *
s_send_text (fixture_t *fx, const char *room, const char *text,
             zframe_t **frame_p)
{
    assert_int_equal (zsock_send (fx->ui, "sss", VERB_TEXT, room, text), 0);
    char *token, *peer;
    chat_msg_t *sent = s_expect_send (fx->udp, &token, &peer, frame_p);
    assert_int_equal (sent->kind, CHAT_MSG_TEXT);
    assert_string_equal (token, sent->uuid);
    assert_string_equal (peer, S_REMOTE);
    assert_string_equal (sent->text, text);
    assert_string_equal (sent->sender_uuid, "alice");
    assert_string_equal (sent->source_endpoint, S_LOCAL);
    assert_int_equal (strlen (sent->uuid), 36);
    zstr_free (&token);
    zstr_free (&peer);
    s_expect_track (fx, sent->uuid);
    bus_event_t *event = s_expect_msg (fx, MSG_SENDING);
    assert_string_equal (event->uuid, sent->uuid);
    assert_string_equal (event->text, text);
    assert_string_equal (event->sender, "alice");
    assert_string_equal (event->peer, S_REMOTE);
    assert_true (event->outgoing);
    assert_int_equal (event->attempts, 1);
    assert_true (event->send_time == sent->timestamp);
    bus_event_destroy (&event);
    return sent;
}

//  The ack BOB would send for SENT, handed to the model over udp.
static void
s_ack (fixture_t *fx, const chat_msg_t *sent)
{
    chat_msg_t *ack = chat_msg_new_ack (sent, "bob", S_REMOTE);
    assert_non_null (ack);
    size_t size;
    byte *data = chat_msg_encode (ack, &size);
    s_recv (fx->udp, S_REMOTE, data, size);
    free (data);
    chat_msg_destroy (&ack);
}

//  START fails with a reason: a taken pipe, a bad remote, no sender, a
//  second START.
static void
test_start_errors (void **state)
{
    zsock_t *squatter = zsock_new (ZMQ_PAIR);
    assert_int_equal (zsock_bind (squatter, "inproc://test-cm-start-ui"), 0);
    chat_model_args_t args = {
        .ui_endpoint = "inproc://test-cm-start-ui",
        .tracker_endpoint = "inproc://test-cm-start-tracker",
        .bus_endpoint = "inproc://test-cm-start-bus",
        .sender_uuid = "alice",
        .remote = S_REMOTE
    };
    int status;
    char *detail;
    zactor_t *model = s_model_start (&args, &status, &detail);
    assert_int_equal (status, -1);
    assert_non_null (strstr (detail, "inproc://test-cm-start-ui"));
    zstr_free (&detail);
    zactor_destroy (&model);

    args.ui_endpoint = "inproc://test-cm-start-ui2";
    args.remote = "garbage";
    model = s_model_start (&args, &status, &detail);
    assert_int_equal (status, -1);
    assert_non_null (strstr (detail, "remote"));
    zstr_free (&detail);
    zactor_destroy (&model);

    args.remote = S_REMOTE;
    args.sender_uuid = NULL;
    model = s_model_start (&args, &status, &detail);
    assert_int_equal (status, -1);
    assert_non_null (strstr (detail, "sender"));
    zstr_free (&detail);
    zactor_destroy (&model);

    //  the failures above released what they bound: this one succeeds
    args.sender_uuid = "alice";
    model = s_model_start (&args, &status, &detail);
    assert_int_equal (status, 0);
    zstr_free (&detail);
    assert_int_equal (zsock_send (model, "s", VERB_START), 0);
    assert_int_equal (zsock_recv (model, "is", &status, &detail), 0);
    assert_int_equal (status, -1);
    assert_non_null (strstr (detail, "already"));
    zstr_free (&detail);
    zactor_destroy (&model);
    zsock_destroy (&squatter);
}

//  TEXT -> SEND + TRACK + SENDING; SENT -> SENT; ack -> ACKED + ACKED to
//  the tracker; a late SENT or a second ack change nothing.
static void
test_text_sent_acked (void **state)
{
    fixture_t fx;
    s_setup (&fx, "acked", S_REMOTE, false);
    zframe_t *frame;
    chat_msg_t *sent = s_send_text (&fx, "", "hello bob", &frame);
    assert_string_equal (sent->room_uuid, "room");      //  the default

    zsock_send (fx.udp, "ss", VERB_SENT, sent->uuid);
    bus_event_t *event = s_expect_msg (&fx, MSG_SENT);
    assert_string_equal (event->uuid, sent->uuid);
    assert_int_equal (event->receive_time, 0);
    bus_event_destroy (&event);

    s_ack (&fx, sent);
    event = s_expect_msg (&fx, MSG_ACKED);
    assert_string_equal (event->uuid, sent->uuid);
    assert_true (event->receive_time > 0);
    assert_true (event->outgoing);
    bus_event_destroy (&event);
    s_expect_acked (&fx, sent->uuid);

    //  late SENT and a second ack: nothing until the garbage's error
    zsock_send (fx.udp, "ss", VERB_SENT, sent->uuid);
    s_ack (&fx, sent);
    s_garbage (&fx);
    assert_false (s_ready (fx.tracker));

    //  a named room is kept
    zframe_t *frame2;
    chat_msg_t *sent2 = s_send_text (&fx, "lobby", "second", &frame2);
    assert_string_equal (sent2->room_uuid, "lobby");
    assert_string_not_equal (sent2->uuid, sent->uuid);
    chat_msg_destroy (&sent2);
    zframe_destroy (&frame2);
    chat_msg_destroy (&sent);
    zframe_destroy (&frame);
    s_teardown (&fx);
}

//  RECV of FILE from a transport: an ack to its source_endpoint and one
//  RECEIVED event showing SHOWN. Returns the decoded capture.
static chat_msg_t *
s_recv_capture (fixture_t *fx, const char *file, const char *shown)
{
    zframe_t *capture = s_load (file);
    chat_msg_t *msg = chat_msg_decode (zframe_data (capture),
                                       zframe_size (capture), NULL, 0);
    assert_non_null (msg);
    s_recv (fx->udp, "udp 127.0.0.1:40000", zframe_data (capture),
            zframe_size (capture));
    char *token, *peer;
    zframe_t *frame;
    chat_msg_t *ack = s_expect_send (fx->udp, &token, &peer, &frame);
    assert_int_equal (ack->kind, CHAT_MSG_ACK);
    assert_string_equal (ack->ack_uuid, msg->uuid);
    assert_string_equal (peer, msg->source_endpoint);
    assert_string_equal (ack->source_endpoint, S_LOCAL);
    assert_string_equal (ack->sender_uuid, "alice");
    if (msg->room_uuid)
        assert_string_equal (ack->room_uuid, msg->room_uuid);
    else
        assert_null (ack->room_uuid);
    assert_string_not_equal (ack->uuid, msg->uuid);
    assert_int_equal (strncmp (token, "ack:", 4), 0);
    assert_string_equal (token + 4, ack->uuid);

    bus_event_t *event = s_expect_msg (fx, MSG_RECEIVED);
    assert_string_equal (event->uuid, msg->uuid);
    assert_string_equal (event->sender, msg->sender_uuid);
    assert_string_equal (event->text, shown);
    assert_string_equal (event->peer, msg->source_endpoint);
    assert_false (event->outgoing);
    assert_true (event->send_time == msg->timestamp);
    assert_true (event->receive_time > 0);
    bus_event_destroy (&event);
    chat_msg_destroy (&ack);
    zstr_free (&token);
    zstr_free (&peer);
    zframe_destroy (&frame);
    zframe_destroy (&capture);
    return msg;
}

//  The Rust DTChat's and the Python client's captured texts and file.
static void
test_recv_captures (void **state)
{
    fixture_t fx;
    s_setup (&fx, "captures", S_REMOTE, false);
    const char *files [][2] = {
        { "udp-text-ascii.bin", "hello world" },
        { "input-udp-text-python.bin", "ping from python" },
        { "udp-text-utf8.bin", "h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93 "
                               "\xe6\x97\xa5\xe6\x9c\xac" },
        { "input-udp-text-empty-room-python.bin", "no room" },
        { "udp-file.bin", "[file note.txt, 14 bytes]" },
        { "tcp-text-short.bin", "hello tcp" }
    };
    for (size_t index = 0; index < sizeof files / sizeof *files; index++) {
        if (strncmp (files [index][0], "tcp", 3) == 0)
            continue;       //  needs a tcp transport: test_recv_tcp_source
        chat_msg_t *msg = s_recv_capture (&fx, files [index][0],
                                          files [index][1]);
        chat_msg_destroy (&msg);
    }
    //  a resync shows every received message once more, in order
    zsock_send (fx.ui, "ss", VERB_SYNC, "again");
    bus_event_t *event = s_expect_sync (&fx, "again");
    assert_int_equal (event->total, 5);
    assert_int_equal (event->pending, 0);
    bus_event_destroy (&event);
    for (size_t index = 0; index < 5; index++) {
        event = s_expect_msg (&fx, MSG_RECEIVED);
        assert_string_equal (event->text, files [index][1]);
        bus_event_destroy (&event);
    }
    s_teardown (&fx);
}

//  A udp text whose source_endpoint is tcp is acked over tcp; with no
//  local tcp endpoint the ack's source_endpoint is "??", as in Rust's
//  tcp-ack-no-local-tcp.bin. A tcp text is acked over tcp too.
static void
test_recv_tcp_source (void **state)
{
    fixture_t fx;
    s_setup (&fx, "tcpsource", S_REMOTE, true);
    const char *files [] = { "input-udp-text-tcp-source-python.bin",
                             "tcp-text-short.bin" };
    for (size_t index = 0; index < 2; index++) {
        zframe_t *capture = s_load (files [index]);
        chat_msg_t *msg = chat_msg_decode (zframe_data (capture),
                                           zframe_size (capture), NULL, 0);
        assert_non_null (msg);
        s_recv (fx.udp, "udp 127.0.0.1:40000", zframe_data (capture),
                zframe_size (capture));
        char *token, *peer;
        zframe_t *frame;
        chat_msg_t *ack = s_expect_send (fx.tcp, &token, &peer, &frame);
        assert_string_equal (ack->ack_uuid, msg->uuid);
        assert_string_equal (ack->source_endpoint, "??");
        assert_string_equal (peer, msg->source_endpoint);
        bus_event_t *event = s_expect_msg (&fx, MSG_RECEIVED);
        assert_string_equal (event->uuid, msg->uuid);
        bus_event_destroy (&event);
        chat_msg_destroy (&ack);
        chat_msg_destroy (&msg);
        zstr_free (&token);
        zstr_free (&peer);
        zframe_destroy (&frame);
        zframe_destroy (&capture);
    }
    //  a send that fails on the ack token: only a warning
    zsock_send (fx.tcp, "sss", VERB_FAILED, "ack:x", "connection refused");
    s_expect_log (&fx, TOPIC_NET, LOG_WARN);
    assert_false (s_ready (fx.udp));
    s_teardown (&fx);
}

//  The same bytes three times: three acks, one RECEIVED event.
static void
test_duplicates (void **state)
{
    fixture_t fx;
    s_setup (&fx, "dups", S_REMOTE, false);
    chat_msg_t *msg = s_recv_capture (&fx, "udp-text-ascii.bin",
                                      "hello world");
    zframe_t *capture = s_load ("udp-text-ascii.bin");
    char *first_ack = NULL;
    for (int copy = 0; copy < 2; copy++) {
        s_recv (fx.udp, "udp 127.0.0.1:40001", zframe_data (capture),
                zframe_size (capture));
        char *token, *peer;
        zframe_t *frame;
        chat_msg_t *ack = s_expect_send (fx.udp, &token, &peer, &frame);
        assert_string_equal (ack->ack_uuid, msg->uuid);
        assert_string_equal (peer, "udp 127.0.0.1:17550");
        if (first_ack)
            assert_string_not_equal (token, first_ack);
        zstr_free (&first_ack);
        first_ack = token;
        chat_msg_destroy (&ack);
        zstr_free (&peer);
        zframe_destroy (&frame);
    }
    zstr_free (&first_ack);
    s_garbage (&fx);        //  no RECEIVED event came before it
    zsock_send (fx.ui, "ss", VERB_SYNC, "count");
    bus_event_t *event = s_expect_sync (&fx, "count");
    assert_int_equal (event->total, 1);
    bus_event_destroy (&event);
    event = s_expect_msg (&fx, MSG_RECEIVED);
    bus_event_destroy (&event);
    zframe_destroy (&capture);
    chat_msg_destroy (&msg);
    s_teardown (&fx);
}

//  Bad input: an error event each, no ack, no crash; then a good message
//  is handled as usual.
static void
test_bad_input (void **state)
{
    fixture_t fx;
    s_setup (&fx, "bad", S_REMOTE, false);
    //  Rust drops this silently; we drop it with an error event
    zframe_t *bad = s_load ("input-udp-text-bad-endpoint-python.bin");
    s_recv (fx.udp, "udp 127.0.0.1:40002", zframe_data (bad),
            zframe_size (bad));
    s_expect_log (&fx, TOPIC_NET, LOG_ERROR);
    zframe_destroy (&bad);

    s_garbage (&fx);
    zframe_t *text = s_load ("udp-text-ascii.bin");
    s_recv (fx.udp, "udp 127.0.0.1:40002", zframe_data (text), 50);
    s_expect_log (&fx, TOPIC_NET, LOG_ERROR);   //  truncated
    s_recv (fx.udp, "udp 127.0.0.1:40002", zframe_data (text), 0);
    s_expect_log (&fx, TOPIC_NET, LOG_ERROR);   //  empty

    //  "hello world" at offset 79..89: make it invalid UTF-8
    byte copy [128];
    size_t size = zframe_size (text);
    assert_true (size == 90);
    memcpy (copy, zframe_data (text), size);
    copy [80] = 0xc3;
    copy [81] = 0x28;
    s_recv (fx.udp, "udp 127.0.0.1:40002", copy, size);
    s_expect_log (&fx, TOPIC_NET, LOG_ERROR);
    //  a NUL inside the text
    copy [80] = 0x00;
    s_recv (fx.udp, "udp 127.0.0.1:40002", copy, size);
    s_expect_log (&fx, TOPIC_NET, LOG_ERROR);

    //  an ack for a message we never sent: a warning
    zframe_t *ack = s_load ("udp-ack.bin");
    s_recv (fx.udp, "udp 127.0.0.1:17550", zframe_data (ack),
            zframe_size (ack));
    s_expect_log (&fx, TOPIC_NET, LOG_WARN);
    zframe_destroy (&ack);

    //  nothing went to a transport or the tracker so far
    assert_false (s_ready (fx.udp));
    assert_false (s_ready (fx.tracker));
    zframe_destroy (&text);
    chat_msg_t *msg = s_recv_capture (&fx, "udp-text-ascii.bin",
                                      "hello world");
    chat_msg_destroy (&msg);
    s_teardown (&fx);
}

//  Tracker RESEND resends the same bytes; EXPIRED fails it; the ui's
//  RESEND sends the same bytes again and tracks anew; a late ack after
//  FAILED still wins.
static void
test_expire_resend (void **state)
{
    fixture_t fx;
    s_setup (&fx, "expire", S_REMOTE, false);
    zframe_t *frame;
    chat_msg_t *sent = s_send_text (&fx, "", "are you there?", &frame);

    zsock_send (fx.tracker, "ss", VERB_RESEND, sent->uuid);
    char *token, *peer;
    zframe_t *again;
    chat_msg_t *resent = s_expect_send (fx.udp, &token, &peer, &again);
    assert_string_equal (token, sent->uuid);
    assert_true (zframe_eq (again, frame));
    bus_event_t *event = s_expect_msg (&fx, MSG_SENDING);
    assert_int_equal (event->attempts, 2);
    bus_event_destroy (&event);
    chat_msg_destroy (&resent);
    zstr_free (&token);
    zstr_free (&peer);
    zframe_destroy (&again);

    //  a failed attempt: a warning, the status stays
    zsock_send (fx.udp, "sss", VERB_FAILED, sent->uuid, "network down");
    s_expect_log (&fx, TOPIC_NET, LOG_WARN);

    //  the ui cannot resend a message that is not FAILED
    zsock_send (fx.ui, "ss", VERB_RESEND, sent->uuid);
    s_expect_refused (&fx, "not FAILED");

    zsock_send (fx.tracker, "sss", VERB_EXPIRED, sent->uuid,
                "no ack after 2 attempts");
    event = s_expect_msg (&fx, MSG_FAILED);
    assert_string_equal (event->uuid, sent->uuid);
    assert_string_equal (event->reason, "no ack after 2 attempts");
    bus_event_destroy (&event);
    //  a late SENT and a tracker RESEND do not revive it
    zsock_send (fx.udp, "ss", VERB_SENT, sent->uuid);
    zsock_send (fx.tracker, "ss", VERB_RESEND, sent->uuid);
    s_expect_acked (&fx, sent->uuid);
    s_garbage (&fx);
    assert_false (s_ready (fx.udp));

    //  unknown uuids are refused
    zsock_send (fx.ui, "ss", VERB_RESEND, "zzzz");
    s_expect_refused (&fx, "zzzz");
    zsock_send (fx.ui, "ss", VERB_RESEND, "");
    s_expect_refused (&fx, "uuid");

    //  a unique prefix resends the FAILED message: same uuid, same bytes
    char prefix [9];
    snprintf (prefix, sizeof prefix, "%s", sent->uuid);
    zsock_send (fx.ui, "ss", VERB_RESEND, prefix);
    resent = s_expect_send (fx.udp, &token, &peer, &again);
    assert_string_equal (token, sent->uuid);
    assert_string_equal (peer, S_REMOTE);
    assert_true (zframe_eq (again, frame));
    s_expect_track (&fx, sent->uuid);
    event = s_expect_msg (&fx, MSG_SENDING);
    assert_int_equal (event->attempts, 3);
    assert_null (event->reason);
    assert_true (event->send_time == sent->timestamp);
    bus_event_destroy (&event);
    chat_msg_destroy (&resent);
    zstr_free (&token);
    zstr_free (&peer);
    zframe_destroy (&again);

    //  it fails again; then the ack comes after all: ACKED wins (the
    //  tracker, which expired it, is not told again)
    zsock_send (fx.tracker, "sss", VERB_EXPIRED, sent->uuid, "gone");
    event = s_expect_msg (&fx, MSG_FAILED);
    bus_event_destroy (&event);
    s_ack (&fx, sent);
    event = s_expect_msg (&fx, MSG_ACKED);
    assert_null (event->reason);
    bus_event_destroy (&event);
    s_garbage (&fx);
    assert_false (s_ready (fx.tracker));
    chat_msg_destroy (&sent);
    zframe_destroy (&frame);
    s_teardown (&fx);
}

//  An ack that comes before the track delay: the tracker never hears of
//  the message (no TRACK, no ACKED); one still pending after the delay
//  is tracked, several in one TRACK, and their acks come in one ACKED.
static void
test_track_delay (void **state)
{
    fixture_t fx;
    //  a delay no test machine outlasts: the ack always comes first
    s_setup_delay (&fx, "quick", S_REMOTE, false, NULL, 3600 * 1000);
    assert_int_equal (zsock_send (fx.ui, "sss", VERB_TEXT, "", "quick"), 0);
    char *token, *peer;
    zframe_t *frame;
    chat_msg_t *sent = s_expect_send (fx.udp, &token, &peer, &frame);
    s_ack (&fx, sent);
    bus_event_t *event = s_expect_msg (&fx, MSG_SENDING);
    bus_event_destroy (&event);
    event = s_expect_msg (&fx, MSG_ACKED);
    assert_string_equal (event->uuid, sent->uuid);
    bus_event_destroy (&event);
    s_garbage (&fx);
    assert_false (s_ready (fx.tracker));
    zstr_free (&token);
    zstr_free (&peer);
    zframe_destroy (&frame);
    chat_msg_destroy (&sent);
    s_teardown (&fx);

    //  a short delay, three texts unacked: one TRACK with three triples
    s_setup_delay (&fx, "batch", S_REMOTE, false, NULL, 50);
    chat_msg_t *texts [3];
    for (int index = 0; index < 3; index++) {
        char text [16];
        snprintf (text, sizeof text, "text %d", index);
        assert_int_equal (zsock_send (fx.ui, "sss", VERB_TEXT, "", text),
                          0);
        texts [index] = s_expect_send (fx.udp, &token, &peer, &frame);
        zstr_free (&token);
        zstr_free (&peer);
        zframe_destroy (&frame);
    }
    size_t tracked = 0;
    while (tracked < 3) {
        s_wait (fx.tracker);
        zmsg_t *msg = zmsg_recv (fx.tracker);
        assert_non_null (msg);
        char *verb = zmsg_popstr (msg);
        assert_string_equal (verb, VERB_TRACK);
        assert_int_equal (zmsg_size (msg) % 3, 0);
        while (zmsg_size (msg)) {
            char *uuid = zmsg_popstr (msg);
            char *now = zmsg_popstr (msg);
            char *deadline = zmsg_popstr (msg);
            assert_string_equal (uuid, texts [tracked]->uuid);
            assert_int_equal (strtoll (deadline, NULL, 10)
                              - strtoll (now, NULL, 10), S_LIFETIME);
            tracked++;
            zstr_free (&uuid);
            zstr_free (&now);
            zstr_free (&deadline);
        }
        zstr_free (&verb);
        zmsg_destroy (&msg);
    }
    //  two acks in one datagram batch reach the tracker as ACKED(s)
    s_ack (&fx, texts [0]);
    s_ack (&fx, texts [2]);
    size_t acked = 0;
    while (acked < 2) {
        s_wait (fx.tracker);
        zmsg_t *msg = zmsg_recv (fx.tracker);
        char *verb = zmsg_popstr (msg);
        assert_string_equal (verb, VERB_ACKED);
        while (zmsg_size (msg)) {
            char *uuid = zmsg_popstr (msg);
            assert_string_equal (uuid, texts [acked? 2: 0]->uuid);
            acked++;
            zstr_free (&uuid);
        }
        zstr_free (&verb);
        zmsg_destroy (&msg);
    }
    for (int index = 0; index < 3; index++)
        chat_msg_destroy (&texts [index]);
    s_teardown (&fx);
}

//  The ui's bad TEXTs are refused: nothing is sent or tracked.
static void
test_text_refused (void **state)
{
    fixture_t fx;
    s_setup (&fx, "refused", S_REMOTE, false);
    zsock_send (fx.ui, "sss", VERB_TEXT, "", "");
    s_expect_refused (&fx, "empty");
    byte bad [] = { 'h', 'i', 0xff };
    zsock_send (fx.ui, "ssb", VERB_TEXT, "", bad, sizeof bad);
    s_expect_refused (&fx, "UTF-8");
    byte nul [] = { 'h', 0, 'i' };
    zsock_send (fx.ui, "ssb", VERB_TEXT, "", nul, sizeof nul);
    s_expect_refused (&fx, "UTF-8");
    zsock_send (fx.ui, "s", "BOGUS");
    s_expect_refused (&fx, "BOGUS");
    assert_false (s_ready (fx.udp));
    assert_false (s_ready (fx.tracker));
    s_teardown (&fx);
}

//  A remote over a protocol with no transport: SENDING, then FAILED at
//  once, never tracked.
static void
test_no_transport (void **state)
{
    fixture_t fx;
    s_setup (&fx, "notransport", "bp ipn:2.1", false);
    zsock_send (fx.ui, "sss", VERB_TEXT, "", "over bp");
    bus_event_t *event = s_expect_msg (&fx, MSG_SENDING);
    assert_string_equal (event->peer, "bp ipn:2.1");
    bus_event_destroy (&event);
    event = s_expect_msg (&fx, MSG_FAILED);
    assert_non_null (strstr (event->reason, "no bp transport"));
    bus_event_destroy (&event);
    zsock_send (fx.ui, "s", VERB_DRAIN);
    event = s_expect_sync (&fx, "drain");
    assert_int_equal (event->failed, 1);
    assert_int_equal (event->pending, 0);
    bus_event_destroy (&event);
    zmsg_t *msg = s_expect_cmd (fx.ui, VERB_DRAINED, 1);
    zmsg_destroy (&msg);
    assert_false (s_ready (fx.udp));
    assert_false (s_ready (fx.tracker));
    s_teardown (&fx);
}

//  PEER switches the default remote for later texts (a tcp one here,
//  named in any case); a retry of an earlier message keeps its own
//  destination; an endpoint that does not parse or has no transport is
//  refused and changes nothing.
static void
test_peer (void **state)
{
    fixture_t fx;
    s_setup (&fx, "peer", S_REMOTE, true);
    zframe_t *frame;
    chat_msg_t *first = s_send_text (&fx, "", "to bob", &frame);

    zsock_send (fx.ui, "ss", VERB_PEER, "garbage");
    s_expect_refused (&fx, "peer: ");
    zsock_send (fx.ui, "ss", VERB_PEER, "bp ipn:2.1");
    s_expect_refused (&fx, "no bp transport");
    zsock_send (fx.ui, "ss", VERB_PEER, "");
    s_expect_refused (&fx, "PEER needs");
    zsock_send (fx.ui, "s", VERB_PEER);
    s_expect_refused (&fx, "PEER needs");
    //  still to bob
    zframe_t *frame2;
    chat_msg_t *second = s_send_text (&fx, "", "still bob", &frame2);

    zsock_send (fx.ui, "ss", VERB_PEER, "TCP 127.0.0.1:7003");
    bus_event_t *event = s_event (&fx);
    assert_string_equal (event->topic, TOPIC_APP);
    assert_int_equal (event->level, LOG_INFO);
    assert_string_equal (event->text, "messages go to tcp 127.0.0.1:7003");
    bus_event_destroy (&event);

    zsock_send (fx.ui, "sss", VERB_TEXT, "lobby", "to carol");
    char *token, *peer;
    zframe_t *bytes;
    chat_msg_t *third = s_expect_send (fx.tcp, &token, &peer, &bytes);
    assert_string_equal (peer, "tcp 127.0.0.1:7003");
    assert_string_equal (third->text, "to carol");
    assert_string_equal (third->room_uuid, "lobby");
    assert_string_equal (third->source_endpoint, "??");     //  no tcp local
    s_expect_track (&fx, third->uuid);
    event = s_expect_msg (&fx, MSG_SENDING);
    assert_string_equal (event->peer, "tcp 127.0.0.1:7003");
    bus_event_destroy (&event);
    zstr_free (&token);
    zstr_free (&peer);
    zframe_destroy (&bytes);

    //  the tracker's retry of the first message still goes to bob
    zsock_send (fx.tracker, "ss", VERB_RESEND, first->uuid);
    chat_msg_t *again = s_expect_send (fx.udp, &token, &peer, &bytes);
    assert_string_equal (token, first->uuid);
    assert_string_equal (peer, S_REMOTE);
    assert_true (zframe_eq (bytes, frame));
    event = s_expect_msg (&fx, MSG_SENDING);
    assert_string_equal (event->peer, S_REMOTE);
    bus_event_destroy (&event);
    assert_false (s_ready (fx.tcp));
    chat_msg_destroy (&again);
    zstr_free (&token);
    zstr_free (&peer);
    zframe_destroy (&bytes);

    chat_msg_destroy (&third);
    chat_msg_destroy (&second);
    chat_msg_destroy (&first);
    zframe_destroy (&frame2);
    zframe_destroy (&frame);
    s_teardown (&fx);
}

//  DRAIN with nothing pending answers at once; with a message pending it
//  answers when the ack comes.
static void
test_drain (void **state)
{
    fixture_t fx;
    s_setup (&fx, "drain", S_REMOTE, false);
    zsock_send (fx.ui, "s", VERB_DRAIN);
    bus_event_t *event = s_expect_sync (&fx, "drain");
    assert_int_equal (event->pending, 0);
    assert_int_equal (event->total, 0);
    bus_event_destroy (&event);
    zmsg_t *msg = s_expect_cmd (fx.ui, VERB_DRAINED, 1);
    zmsg_destroy (&msg);

    zframe_t *frame;
    chat_msg_t *sent = s_send_text (&fx, "", "wait for me", &frame);
    zsock_send (fx.ui, "s", VERB_DRAIN);
    zsock_send (fx.udp, "ss", VERB_SENT, sent->uuid);
    event = s_expect_msg (&fx, MSG_SENT);
    bus_event_destroy (&event);
    zsock_send (fx.ui, "ss", VERB_SYNC, "later");
    event = s_expect_sync (&fx, "later");
    assert_int_equal (event->pending, 1);
    bus_event_destroy (&event);
    event = s_expect_msg (&fx, MSG_SENT);       //  the resync
    bus_event_destroy (&event);
    assert_false (s_ready (fx.ui));

    s_ack (&fx, sent);
    event = s_expect_msg (&fx, MSG_ACKED);
    bus_event_destroy (&event);
    event = s_expect_sync (&fx, "drain");
    assert_int_equal (event->pending, 0);
    assert_int_equal (event->failed, 0);
    assert_int_equal (event->total, 1);
    bus_event_destroy (&event);
    msg = s_expect_cmd (fx.ui, VERB_DRAINED, 1);
    zmsg_destroy (&msg);
    s_expect_acked (&fx, sent->uuid);
    chat_msg_destroy (&sent);
    zframe_destroy (&frame);
    s_teardown (&fx);
}

//  --- the store ---------------------------------------------------------

//  A temp dir with a db path in it.
typedef struct {
    char dir [64];
    char db [96];
} s_tmp_t;

//  Make a temp dir.
static void
s_tmp_new (s_tmp_t *tmp)
{
    snprintf (tmp->dir, sizeof tmp->dir, "/tmp/test-cm-store-XXXXXX");
    assert_non_null (mkdtemp (tmp->dir));
    snprintf (tmp->db, sizeof tmp->db, "%s/chat.db", tmp->dir);
}

//  Remove the temp dir and what is in it.
static void
s_tmp_destroy (s_tmp_t *tmp)
{
    zdir_t *dir = zdir_new (tmp->dir, NULL);
    if (dir)
        zdir_remove (dir, true);
    zdir_destroy (&dir);
}

//  Read and drop bus events until the sync marker TOKEN; returns how
//  many "msg" events came before it.
static int
s_until_sync (fixture_t *fx, const char *token)
{
    int msgs = 0;
    while (true) {
        bus_event_t *event = s_event (fx);
        bool marker = event->kind == BUS_EVENT_SYS && event->token
                   && streq (event->token, token);
        if (event->kind == BUS_EVENT_MSG)
            msgs++;
        bus_event_destroy (&event);
        if (marker)
            return msgs;
    }
}

//  A model with history may publish "msg" events between the markers:
//  SYNC until a marker shows the bus is live, then up to a last one.
static void
s_sync_bus_history (fixture_t *fx)
{
    zpoller_t *poller = zpoller_new (fx->sub, NULL);
    bool live = false;
    for (int sent = 0; !live && sent < 500; sent++) {
        zsock_send (fx->ui, "ss", VERB_SYNC, "hello");
        while (!live && zpoller_wait (poller, 10) == fx->sub) {
            bus_event_t *event = bus_event_recv (fx->sub);
            assert_non_null (event);
            live = event->kind == BUS_EVENT_SYS;
            bus_event_destroy (&event);
        }
    }
    zpoller_destroy (&poller);
    assert_true (live);
    zsock_send (fx->ui, "ss", VERB_SYNC, "live");
    s_until_sync (fx, "live");
}

//  Next TRACK on the tracker pipe, for UUID: returns its deadline.
static uint64_t
s_expect_track_until (fixture_t *fx, const char *uuid)
{
    s_wait (fx->tracker);
    char *verb, *tracked;
    uint64_t now, deadline;
    assert_int_equal (zsock_recv (fx->tracker, "ss88", &verb, &tracked,
                                  &now, &deadline), 0);
    assert_string_equal (verb, VERB_TRACK);
    assert_string_equal (tracked, uuid);
    assert_true (deadline > now);
    zstr_free (&verb);
    zstr_free (&tracked);
    return deadline;
}

//  The id comes from the store and stays; a message not acked before a
//  stop is shown again after the restart and sent again, same uuid, same
//  bytes, tracked until the same deadline; once acked it stays acked.
static void
test_store_restart (void **state)
{
    s_tmp_t tmp;
    s_tmp_new (&tmp);
    fixture_t fx;
    s_setup_with (&fx, "restart1", S_REMOTE, false, tmp.db);
    s_sync_bus_history (&fx);
    zframe_t *frame;
    chat_msg_t *sent = s_send_text (&fx, "", "kept", &frame);
    zsock_send (fx.ui, "ss", VERB_SYNC, "before");
    s_until_sync (&fx, "before");
    s_teardown (&fx);           //  no ack came: it waits in the outbox

    s_setup_with (&fx, "restart2", S_REMOTE, false, tmp.db);
    s_sync_bus_history (&fx);
    char *token, *peer;
    zframe_t *resent;
    chat_msg_t *copy = s_expect_send (fx.udp, &token, &peer, &resent);
    assert_string_equal (token, sent->uuid);
    assert_string_equal (peer, S_REMOTE);
    assert_true (zframe_eq (resent, frame));
    uint64_t deadline = s_expect_track_until (&fx, sent->uuid);
    assert_true (deadline <= (uint64_t) dtchat_now_ms () + S_LIFETIME);
    zsock_send (fx.ui, "ss", VERB_SYNC, "after");
    s_until_sync (&fx, "after");
    bus_event_t *event = s_expect_msg (&fx, MSG_SENDING);
    assert_string_equal (event->uuid, sent->uuid);
    assert_string_equal (event->text, "kept");
    assert_true (event->outgoing);
    assert_true (event->send_time == sent->timestamp);
    bus_event_destroy (&event);
    s_ack (&fx, sent);
    event = s_expect_msg (&fx, MSG_ACKED);
    bus_event_destroy (&event);
    s_expect_acked (&fx, sent->uuid);
    s_teardown (&fx);

    //  acked is kept: shown as ACKED, nothing sent again
    s_setup_with (&fx, "restart3", S_REMOTE, false, tmp.db);
    s_sync_bus_history (&fx);
    zsock_send (fx.ui, "ss", VERB_SYNC, "acked");
    assert_int_equal (s_until_sync (&fx, "acked"), 1);
    event = s_expect_msg (&fx, MSG_ACKED);
    assert_string_equal (event->uuid, sent->uuid);
    bus_event_destroy (&event);
    assert_false (s_ready (fx.udp));
    assert_false (s_ready (fx.tracker));
    s_teardown (&fx);
    chat_msg_destroy (&copy);
    chat_msg_destroy (&sent);
    zstr_free (&token);
    zstr_free (&peer);
    zframe_destroy (&resent);
    zframe_destroy (&frame);
    s_tmp_destroy (&tmp);
}

//  A message received before a restart and received again after it is
//  acked again but not shown again.
static void
test_store_dedup_restart (void **state)
{
    s_tmp_t tmp;
    s_tmp_new (&tmp);
    fixture_t fx;
    s_setup_with (&fx, "dedup1", S_REMOTE, false, tmp.db);
    s_sync_bus_history (&fx);
    chat_msg_t *msg = s_recv_capture (&fx, "udp-text-ascii.bin",
                                      "hello world");
    s_teardown (&fx);

    s_setup_with (&fx, "dedup2", S_REMOTE, false, tmp.db);
    s_sync_bus_history (&fx);
    zsock_send (fx.ui, "ss", VERB_SYNC, "a");
    s_until_sync (&fx, "a");        //  the history (1 msg) follows
    zframe_t *capture = s_load ("udp-text-ascii.bin");
    s_recv (fx.udp, "udp 127.0.0.1:40000", zframe_data (capture),
            zframe_size (capture));
    char *token, *peer;
    zframe_t *frame;
    chat_msg_t *ack = s_expect_send (fx.udp, &token, &peer, &frame);
    assert_string_equal (ack->ack_uuid, msg->uuid);
    zsock_send (fx.ui, "ss", VERB_SYNC, "b");
    assert_int_equal (s_until_sync (&fx, "b"), 1);     //  no RECEIVED
    s_teardown (&fx);
    chat_msg_destroy (&ack);
    chat_msg_destroy (&msg);
    zstr_free (&token);
    zstr_free (&peer);
    zframe_destroy (&frame);
    zframe_destroy (&capture);
    s_tmp_destroy (&tmp);
}

//  A FAILED message is kept FAILED, with its bytes, across a restart (not
//  resent by itself); the ui's RESEND after the restart sends the same
//  bytes under the same uuid; the lifetime of a message that ended while
//  dtchat was down fails it at the first SYNC.
static void
test_store_failed_resend (void **state)
{
    s_tmp_t tmp;
    s_tmp_new (&tmp);
    fixture_t fx;
    s_setup_with (&fx, "failed1", S_REMOTE, false, tmp.db);
    s_sync_bus_history (&fx);
    zframe_t *frame;
    chat_msg_t *sent = s_send_text (&fx, "", "gave up", &frame);
    zsock_send (fx.tracker, "sss", VERB_EXPIRED, sent->uuid,
                "no ack after 7 attempts");
    bus_event_t *event = s_expect_msg (&fx, MSG_FAILED);
    bus_event_destroy (&event);
    s_teardown (&fx);

    s_setup_with (&fx, "failed2", S_REMOTE, false, tmp.db);
    s_sync_bus_history (&fx);
    zsock_send (fx.ui, "ss", VERB_SYNC, "kept");
    s_until_sync (&fx, "kept");
    event = s_expect_msg (&fx, MSG_FAILED);
    assert_string_equal (event->uuid, sent->uuid);
    assert_string_equal (event->reason, "no ack after 7 attempts");
    bus_event_destroy (&event);
    assert_false (s_ready (fx.udp));        //  FAILED is not the outbox
    zsock_send (fx.ui, "ss", VERB_RESEND, sent->uuid);
    char *token, *peer;
    zframe_t *again;
    chat_msg_t *copy = s_expect_send (fx.udp, &token, &peer, &again);
    assert_string_equal (token, sent->uuid);
    assert_true (zframe_eq (again, frame));
    s_expect_track (&fx, sent->uuid);
    event = s_expect_msg (&fx, MSG_SENDING);
    bus_event_destroy (&event);
    s_teardown (&fx);
    chat_msg_destroy (&copy);
    zstr_free (&token);
    zstr_free (&peer);
    zframe_destroy (&again);

    //  reopened in the store with a new deadline: pending again; made
    //  to have ended while "down", the first SYNC fails it
    store_t *store = store_new (tmp.db, NULL, 0);
    assert_non_null (store);
    assert_int_equal (store_reopen (store, sent->uuid, 1), 0);  //  pending
    chat_entry_t *entry = chat_entry_new (sent->uuid, "alice", "room",
                                          "gave up", S_REMOTE, MSG_FAILED,
                                          true);
    entry->reason = strdup ("x");
    assert_int_equal (store_update (store, entry), 1);
    assert_int_equal (store_reopen (store, sent->uuid, 1), 1);  //  1 ms
    chat_entry_destroy (&entry);
    store_destroy (&store);
    s_setup_with (&fx, "failed3", S_REMOTE, false, tmp.db);
    s_sync_bus_history (&fx);
    zsock_send (fx.ui, "ss", VERB_SYNC, "late");
    s_until_sync (&fx, "late");
    event = s_expect_msg (&fx, MSG_FAILED);
    assert_non_null (strstr (event->reason, "lifetime ended"));
    bus_event_destroy (&event);
    assert_false (s_ready (fx.udp));
    assert_false (s_ready (fx.tracker));
    s_teardown (&fx);
    chat_msg_destroy (&sent);
    zframe_destroy (&frame);
    s_tmp_destroy (&tmp);
}

//  Hand the model a text from a peer whose clock says SEND_TIME.
static void
s_recv_timed (fixture_t *fx, const char *text, int64_t send_time)
{
    chat_msg_t *msg = chat_msg_new_text ("bob", "room", S_REMOTE, text);
    assert_non_null (msg);
    msg->timestamp = send_time;
    size_t size = 0;
    byte *data = chat_msg_encode (msg, &size);
    assert_non_null (data);
    s_recv (fx->udp, S_REMOTE, data, size);
    bus_event_t *event = s_expect_msg (fx, MSG_RECEIVED);
    assert_string_equal (event->text, text);
    bus_event_destroy (&event);
    zmsg_t *ack = s_expect_cmd (fx->udp, VERB_SEND, 4);
    zmsg_destroy (&ack);
    free (data);
    chat_msg_destroy (&msg);
}

//  SYNC with token TOKEN (and ORDER, if not NULL): the texts come in
//  the order EXPECT gives.
static void
s_expect_order (fixture_t *fx, const char *token, const char *order,
                const char **expect, size_t count)
{
    if (order)
        zsock_send (fx->ui, "sss", VERB_SYNC, token, order);
    else
        zsock_send (fx->ui, "ss", VERB_SYNC, token);
    bus_event_t *event = s_expect_sync (fx, token);
    bus_event_destroy (&event);
    for (size_t index = 0; index < count; index++) {
        event = s_event (fx);
        assert_string_equal (event->topic, TOPIC_MSG);
        assert_string_equal (event->text, expect [index]);
        bus_event_destroy (&event);
    }
}

//  The two orders: by the sender's clock, or the peer's messages at
//  their local arrival. A peer whose clock is an hour behind: its
//  second message was sent "before" the first by its clock.
static void
test_store_order (void **state)
{
    fixture_t fx;
    s_setup_with (&fx, "order", S_REMOTE, false, STORE_MEMORY);
    s_sync_bus_history (&fx);
    int64_t now = dtchat_now_ms ();
    s_recv_timed (&fx, "first", now - 1000);
    zframe_t *frame;
    chat_msg_t *sent = s_send_text (&fx, "", "mine", &frame);
    s_recv_timed (&fx, "second", now - 3600 * 1000);

    const char *by_send [] = { "second", "first", "mine" };
    const char *by_arrival [] = { "first", "mine", "second" };
    s_expect_order (&fx, "s", "send", by_send, 3);
    s_expect_order (&fx, "r", "receive", by_arrival, 3);
    s_expect_order (&fx, "r2", NULL, by_arrival, 3);   //  it sticks
    //  an unknown order is refused; the sync still comes, order kept
    zsock_send (fx.ui, "sss", VERB_SYNC, "x", "sideways");
    zmsg_t *msg = s_expect_cmd (fx.ui, VERB_ERROR, 2);
    zmsg_destroy (&msg);
    s_expect_log (&fx, TOPIC_APP, LOG_ERROR);
    bus_event_t *event = s_expect_sync (&fx, "x");
    bus_event_destroy (&event);
    for (size_t index = 0; index < 3; index++) {
        event = s_expect_msg (&fx, index == 1? MSG_SENDING: MSG_RECEIVED);
        assert_string_equal (event->text, by_arrival [index]);
        //  both clocks are kept: the skew shows
        if (index == 2)
            assert_true (event->receive_time - event->send_time
                         >= 3600 * 1000);
        bus_event_destroy (&event);
    }
    s_teardown (&fx);
    chat_msg_destroy (&sent);
    zframe_destroy (&frame);
}

//  Start a model on ARGS with pipe names of its own (a closed socket's
//  inproc name is freed lazily: binding it again at once may fail).
static zactor_t *
s_model_start_fresh (chat_model_args_t *args, int *status, char **detail)
{
    char uuid [37], ui [80], tracker [80];
    chat_msg_uuid_new (uuid);
    snprintf (ui, sizeof ui, "inproc://test-cm-fresh-ui-%s", uuid);
    snprintf (tracker, sizeof tracker, "inproc://test-cm-fresh-tr-%s", uuid);
    args->ui_endpoint = ui;
    args->tracker_endpoint = tracker;
    zactor_t *model = s_model_start (args, status, detail);
    args->ui_endpoint = args->tracker_endpoint = NULL;
    return model;
}

//  START fails with a reason that names the file: no such directory,
//  locked by another store; and an unknown order.
static void
test_store_start_errors (void **state)
{
    s_tmp_t tmp;
    s_tmp_new (&tmp);
    chat_model_args_t args = {
        .bus_endpoint = "inproc://test-cm-store-start-bus",
        .remote = S_REMOTE,
        .db_path = "/nonexistent-dir/chat.db"
    };
    int status;
    char *detail;
    zactor_t *model = s_model_start_fresh (&args, &status, &detail);
    assert_int_equal (status, -1);
    assert_non_null (strstr (detail, "/nonexistent-dir/chat.db"));
    zstr_free (&detail);
    zactor_destroy (&model);

    store_t *holder = store_new (tmp.db, NULL, 0);
    assert_non_null (holder);
    args.db_path = tmp.db;
    model = s_model_start_fresh (&args, &status, &detail);
    assert_int_equal (status, -1);
    assert_non_null (strstr (detail, tmp.db));
    assert_non_null (strstr (detail, "locked"));
    zstr_free (&detail);
    zactor_destroy (&model);
    store_destroy (&holder);

    args.order = "sideways";
    model = s_model_start_fresh (&args, &status, &detail);
    assert_int_equal (status, -1);
    assert_non_null (strstr (detail, "order"));
    zstr_free (&detail);
    zactor_destroy (&model);

    //  the failures released the store and the pipes: this one starts,
    //  and with no sender_uuid its id comes from the store, made once
    args.order = "receive";
    model = s_model_start_fresh (&args, &status, &detail);
    assert_int_equal (status, 0);
    assert_int_equal (strlen (detail), 36);
    zactor_destroy (&model);
    char *again = NULL;
    model = s_model_start_fresh (&args, &status, &again);
    assert_int_equal (status, 0);
    assert_string_equal (again, detail);
    zstr_free (&detail);
    zstr_free (&again);
    zactor_destroy (&model);
    //  a sender_uuid given wins, and START says nothing
    args.sender_uuid = "carol";
    model = s_model_start_fresh (&args, &status, &detail);
    assert_int_equal (status, 0);
    assert_string_equal (detail, "");
    zstr_free (&detail);
    zactor_destroy (&model);
    s_tmp_destroy (&tmp);
}

//  Size of a file, 0 if there is none.
static rlim_t
s_file_size (const char *path)
{
    struct stat info;
    return stat (path, &info) == 0? (rlim_t) info.st_size: 0;
}

//  A full disk at run time: a new text is refused (ERROR, no SENDING, not
//  sent), a received text is not acked (its sender will retry) and not
//  shown; once there is room again both work.
static void
test_store_full (void **state)
{
    s_tmp_t tmp;
    s_tmp_new (&tmp);
    fixture_t fx;
    s_setup_with (&fx, "full", S_REMOTE, false, tmp.db);
    s_sync_bus_history (&fx);
    //  No file may grow now: the next write to the store fails
    char wal [128];
    snprintf (wal, sizeof wal, "%s-wal", tmp.db);
    rlim_t limit = s_file_size (tmp.db);
    if (s_file_size (wal) > limit)
        limit = s_file_size (wal);
    struct rlimit saved;
    assert_int_equal (getrlimit (RLIMIT_FSIZE, &saved), 0);
    void (*old_handler) (int) = signal (SIGXFSZ, SIG_IGN);
    struct rlimit full = { limit, saved.rlim_max };
    assert_int_equal (setrlimit (RLIMIT_FSIZE, &full), 0);

    zsock_send (fx.ui, "sss", VERB_TEXT, "", "lost?");
    zmsg_t *msg = s_expect_cmd (fx.ui, VERB_ERROR, 2);
    char *why = zmsg_popstr (msg);
    assert_non_null (strstr (why, "not sent: \"lost?\""));
    assert_non_null (strstr (why, tmp.db));
    zstr_free (&why);
    zmsg_destroy (&msg);
    s_expect_log (&fx, TOPIC_APP, LOG_ERROR);
    zframe_t *capture = s_load ("udp-text-ascii.bin");
    s_recv (fx.udp, "udp 127.0.0.1:40000", zframe_data (capture),
            zframe_size (capture));
    s_expect_log (&fx, TOPIC_APP, LOG_ERROR);
    s_garbage (&fx);            //  sync point: nothing else came first
    assert_false (s_ready (fx.udp));
    assert_false (s_ready (fx.tracker));

    assert_int_equal (setrlimit (RLIMIT_FSIZE, &saved), 0);
    signal (SIGXFSZ, old_handler);
    chat_msg_t *got = s_recv_capture (&fx, "udp-text-ascii.bin",
                                      "hello world");
    zframe_t *frame;
    chat_msg_t *sent = s_send_text (&fx, "", "room again", &frame);
    s_teardown (&fx);
    chat_msg_destroy (&sent);
    chat_msg_destroy (&got);
    zframe_destroy (&frame);
    zframe_destroy (&capture);
    s_tmp_destroy (&tmp);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_start_errors),
        cmocka_unit_test (test_text_sent_acked),
        cmocka_unit_test (test_recv_captures),
        cmocka_unit_test (test_recv_tcp_source),
        cmocka_unit_test (test_duplicates),
        cmocka_unit_test (test_bad_input),
        cmocka_unit_test (test_expire_resend),
        cmocka_unit_test (test_track_delay),
        cmocka_unit_test (test_text_refused),
        cmocka_unit_test (test_no_transport),
        cmocka_unit_test (test_peer),
        cmocka_unit_test (test_drain),
        cmocka_unit_test (test_store_restart),
        cmocka_unit_test (test_store_dedup_restart),
        cmocka_unit_test (test_store_failed_resend),
        cmocka_unit_test (test_store_order),
        cmocka_unit_test (test_store_start_errors),
        cmocka_unit_test (test_store_full),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
