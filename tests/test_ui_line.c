/*  test_ui_line.c: the line-mode ui actor with swapped neighbours.

    The test plays the chat-model (a PAIR it binds) and the bus (a PUB it
    binds where the ui connects its SUB), feeds input through a pipe(2) as
    in_fd and reads the ui's output from another pipe. It asserts on the
    exact frames the ui sends (TEXT, RESEND, SYNC, DRAIN), on the lines it
    prints and on its DONE status.
*/
#include "dtchat.h"
#include "ui.h"
#include "testutil.h"
#include "bus_event.h"
#include "chat_msg.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#define S_WAIT_MS   5000

typedef struct {
    zsock_t *model;             //  we are the chat-model
    zsock_t *pub;               //  we are the bus
    int in [2];                 //  the ui reads in [0]; we write in [1]
    int out [2];                //  the ui writes out [1]; we read out [0]
    char model_endpoint [80];
    char bus_endpoint [80];
    ui_args_t args;
    zactor_t *ui;
    char buffer [65536];        //  output read but not yet returned
    size_t buffered;
} test_t;

//  Publish a "msg" event with STATUS and TEXT.
static void
s_publish_msg (test_t *test, msg_status_t status, const char *text)
{
    bus_event_t *event = bus_event_new (BUS_EVENT_MSG, TOPIC_MSG);
    event->uuid = strdup ("4e3db6da-dd73-4875-9290-feeab4b1423e");
    event->sender = strdup ("you");
    event->room = strdup ("room");
    event->text = strdup (text);
    event->peer = strdup ("udp 127.0.0.1:6666");
    event->status = status;
    event->outgoing = true;
    event->send_time = 1795679149529;
    assert_int_equal (bus_event_publish (event, test->pub), 0);
    bus_event_destroy (&event);
}

//  Receive one message from the ui on the model PAIR, bounded.
static zmsg_t *
s_model_recv (test_t *test)
{
    zpoller_t *poller = zpoller_new (test->model, NULL);
    void *which = zpoller_wait (poller, S_WAIT_MS);
    zpoller_destroy (&poller);
    assert_ptr_equal (which, test->model);
    zmsg_t *msg = zmsg_recv (test->model);
    assert_non_null (msg);
    return msg;
}

//  Expect the next model message to be exactly VERB and ARG1/ARG2
//  (NULL = no such frame).
static void
s_expect (test_t *test, const char *verb, const char *arg1, const char *arg2)
{
    zmsg_t *msg = s_model_recv (test);
    size_t frames = 1 + (arg1? 1: 0) + (arg2? 1: 0);
    assert_int_equal (zmsg_size (msg), frames);
    const char *expected [3] = { verb, arg1, arg2 };
    for (size_t index = 0; index < frames; index++) {
        char *frame = zmsg_popstr (msg);
        assert_string_equal (frame, expected [index]);
        zstr_free (&frame);
    }
    zmsg_destroy (&msg);
}

//  Expect nothing more from the ui on the model PAIR for a little while.
static void
s_expect_nothing (test_t *test)
{
    zpoller_t *poller = zpoller_new (test->model, NULL);
    assert_null (zpoller_wait (poller, 100));
    zpoller_destroy (&poller);
}

//  Read the next whole output line (no newline); caller frees.
static char *
s_read_line (test_t *test)
{
    while (true) {
        char *newline = (char *) memchr (test->buffer, '\n', test->buffered);
        if (newline) {
            size_t size = (size_t) (newline - test->buffer);
            char *line = strndup (test->buffer, size);
            memmove (test->buffer, newline + 1, test->buffered - size - 1);
            test->buffered -= size + 1;
            return line;
        }
        assert_true (test->buffered < sizeof test->buffer);
        struct pollfd item = { test->out [0], POLLIN, 0 };
        assert_int_equal (poll (&item, 1, S_WAIT_MS), 1);
        ssize_t rc = read (test->out [0], test->buffer + test->buffered,
                           sizeof test->buffer - test->buffered);
        assert_true (rc > 0);
        test->buffered += (size_t) rc;
    }
}

//  Read output lines until one contains NEEDLE; returns it (caller frees).
static char *
s_read_until (test_t *test, const char *needle)
{
    for (int count = 0; count < 100; count++) {
        char *line = s_read_line (test);
        if (strstr (line, needle))
            return line;
        free (line);
    }
    fail_msg ("no output line holds '%s'", needle);
    return NULL;
}

//  Write all of TEXT to the ui's input.
static void
s_input (test_t *test, const char *text, size_t size)
{
    while (size > 0) {
        ssize_t rc = write (test->in [1], text, size);
        assert_true (rc > 0);
        text += rc;
        size -= (size_t) rc;
    }
}

//  Write a string literal (it may hold NUL bytes) to the ui's input.
#define S_INPUT(test, literal) s_input (test, literal, sizeof (literal) - 1)

//  Expect DONE STATUS on the ui's actor pipe.
static void
s_expect_done (test_t *test, int status)
{
    zpoller_t *poller = zpoller_new (test->ui, NULL);
    void *which = zpoller_wait (poller, S_WAIT_MS);
    zpoller_destroy (&poller);
    assert_ptr_equal (which, test->ui);
    char *verb = NULL;
    int got = -99;
    assert_int_equal (zsock_recv (test->ui, "si", &verb, &got), 0);
    assert_string_equal (verb, VERB_DONE);
    assert_int_equal (got, status);
    zstr_free (&verb);
}

//  Start the ui: answer its hello SYNCs with markers until START replies.
static void
s_start (test_t *test)
{
    test->ui = zactor_new (ui_line_actor, &test->args);
    assert_non_null (test->ui);
    assert_int_equal (zsock_send (test->ui, "s", VERB_START), 0);
    zpoller_t *poller = zpoller_new (test->ui, test->model, NULL);
    bool started = false;
    for (int count = 0; !started && count < 100; count++) {
        void *which = zpoller_wait (poller, S_WAIT_MS);
        assert_non_null (which);
        if (which == test->model) {
            char *verb = NULL, *token = NULL;
            assert_int_equal (zsock_recv (test->model, "ss", &verb, &token),
                              0);
            assert_string_equal (verb, VERB_SYNC);
            assert_non_null (token);
            testutil_publish_marker (test->pub, token, 0, 0, 0);
            zstr_free (&verb);
            zstr_free (&token);
        }
        else {
            int status = -1;
            char *detail = NULL;
            assert_int_equal (zsock_recv (test->ui, "is", &status, &detail),
                              0);
            assert_int_equal (status, 0);
            zstr_free (&detail);
            started = true;
        }
    }
    zpoller_destroy (&poller);
    assert_true (started);
    //  Late hello SYNCs may still be queued: drop them
    while (zsock_events (test->model) & ZMQ_POLLIN) {
        zmsg_t *msg = zmsg_recv (test->model);
        char *verb = zmsg_popstr (msg);
        assert_string_equal (verb, VERB_SYNC);
        zstr_free (&verb);
        zmsg_destroy (&msg);
    }
}

//  Fresh neighbours for a JSON ui (the test starts it).
static int
s_setup (void **state)
{
    test_t *test = (test_t *) calloc (1, sizeof (test_t));
    assert_non_null (test);
    //  inproc names are released lazily: make each test's names new
    char uuid [37];
    chat_msg_uuid_new (uuid);
    snprintf (test->model_endpoint, sizeof test->model_endpoint,
              "inproc://test-ui-model-%s", uuid);
    snprintf (test->bus_endpoint, sizeof test->bus_endpoint,
              "inproc://test-ui-bus-%s", uuid);
    test->model = zsock_new (ZMQ_PAIR);
    assert_non_null (test->model);
    assert_int_equal (zsock_bind (test->model, "%s", test->model_endpoint),
                      0);
    test->pub = zsock_new (ZMQ_PUB);
    assert_non_null (test->pub);
    assert_int_equal (zsock_bind (test->pub, "%s", test->bus_endpoint), 0);
    assert_int_equal (pipe (test->in), 0);
    assert_int_equal (pipe (test->out), 0);
    test->args.model_endpoint = test->model_endpoint;
    test->args.bus_endpoint = test->bus_endpoint;
    test->args.in_fd = test->in [0];
    test->args.out_fd = test->out [1];
    test->args.json = true;
    *state = test;
    return 0;
}

//  Stop the ui and close everything.
static int
s_teardown (void **state)
{
    test_t *test = (test_t *) *state;
    zactor_destroy (&test->ui);
    zsock_destroy (&test->model);
    zsock_destroy (&test->pub);
    for (int index = 0; index < 2; index++) {
        if (test->in [index] != -1)
            close (test->in [index]);
        close (test->out [index]);
    }
    free (test);
    return 0;
}

//  Close the write end of the input: end of input for the ui.
static void
s_close_input (test_t *test)
{
    close (test->in [1]);
    test->in [1] = -1;
}

//  Lines become TEXT frames: trimmed, CR stripped, empties skipped.
static void
test_text_lines (void **state)
{
    test_t *test = (test_t *) *state;
    s_start (test);
    const char *input = "hello\r\n   \n\n  two words \t\n//slash\n";
    s_input (test, input, strlen (input));
    s_expect (test, VERB_TEXT, "", "hello");
    s_expect (test, VERB_TEXT, "", "two words");
    s_expect (test, VERB_TEXT, "", "/slash");
    //  A line split over two writes is one message
    S_INPUT (test, "par");
    s_expect_nothing (test);
    S_INPUT (test, "tial\n");
    s_expect (test, VERB_TEXT, "", "partial");
    s_expect_nothing (test);
}

//  /resend, /help, unknown commands and /quit.
static void
test_commands (void **state)
{
    test_t *test = (test_t *) *state;
    s_start (test);
    const char *input = "/resend 4e3db6da\n/resend\n/bogus x\n/help\n";
    s_input (test, input, strlen (input));
    s_expect (test, VERB_RESEND, "4e3db6da", NULL);
    char *line = s_read_until (test, "usage: /resend");
    assert_non_null (strstr (line, "\"event\":\"app\""));
    assert_non_null (strstr (line, "\"level\":\"error\""));
    free (line);
    line = s_read_until (test, "unknown command");
    assert_non_null (strstr (line, "/bogus"));
    free (line);
    line = s_read_until (test, "/quit");
    assert_non_null (strstr (line, "\"level\":\"info\""));
    free (line);
    S_INPUT (test, "/quit\nnot sent\n");
    s_expect_done (test, 0);
    s_expect_nothing (test);
}

//  The config's peers and rooms: /peer NAME sends PEER with its endpoint,
//  /peer ENDPOINT as typed, an unknown name nothing; /room changes the
//  room of later TEXTs; /peers and /room list them.
static void
test_peers_and_rooms (void **state)
{
    test_t *test = (test_t *) *state;
    const char *names [] = { "bob", "carol", NULL };
    const char *endpoints [] = { "udp 127.0.0.1:6666", "tcp 127.0.0.1:5555",
                                 NULL };
    const char *rooms [] = { "lobby", "quiet", NULL };
    test->args.peer_names = names;
    test->args.peer_endpoints = endpoints;
    test->args.rooms = rooms;
    s_start (test);
    S_INPUT (test, "/peer carol\n");
    s_expect (test, VERB_PEER, "tcp 127.0.0.1:5555", NULL);
    S_INPUT (test, "/peer udp 10.0.0.2:7777\n");
    s_expect (test, VERB_PEER, "udp 10.0.0.2:7777", NULL);
    S_INPUT (test, "/peer dave\n/peer\n");
    char *line = s_read_until (test, "unknown peer 'dave'");
    assert_non_null (strstr (line, "\"level\":\"error\""));
    free (line);
    line = s_read_until (test, "usage: /peer");
    free (line);
    s_expect_nothing (test);

    S_INPUT (test, "/room\nfirst\n");
    line = s_read_until (test, "default room");
    free (line);
    line = s_read_line (test);
    assert_non_null (strstr (line, "rooms: lobby, quiet"));
    free (line);
    s_expect (test, VERB_TEXT, "", "first");
    S_INPUT (test, "/room  lobby \nin the lobby\n/room\n");
    line = s_read_until (test, "messages go to room lobby");
    free (line);
    s_expect (test, VERB_TEXT, "lobby", "in the lobby");
    line = s_read_until (test, "messages go to room lobby");
    free (line);

    S_INPUT (test, "/peers\n");
    line = s_read_until (test, "peer bob: udp 127.0.0.1:6666");
    free (line);
    line = s_read_line (test);
    assert_non_null (strstr (line, "peer carol: tcp 127.0.0.1:5555"));
    free (line);
    line = s_read_line (test);
    assert_non_null (strstr (line, "rooms: lobby, quiet"));
    free (line);
    s_expect_nothing (test);
}

//  With no config, /peers says where peers come from; /peer ENDPOINT
//  still works.
static void
test_peers_without_config (void **state)
{
    test_t *test = (test_t *) *state;
    s_start (test);
    S_INPUT (test, "/peers\n/peer bob\n/peer tcp [::1]:7\n");
    char *line = s_read_until (test, "no peers");
    assert_non_null (strstr (line, "--config"));
    free (line);
    line = s_read_until (test, "unknown peer 'bob'");
    free (line);
    s_expect (test, VERB_PEER, "tcp [::1]:7", NULL);
    s_expect_nothing (test);
}

//  Bad input lines are reported and not sent; the next good one is.
static void
test_hostile_input (void **state)
{
    test_t *test = (test_t *) *state;
    s_start (test);
    S_INPUT (test, "bad \xff\xfe utf8\n");
    S_INPUT (test, "nul\0byte\n");
    char *line = s_read_until (test, "not valid UTF-8");
    free (line);
    line = s_read_until (test, "NUL");
    free (line);
    //  One line of more than 1 MiB: an error, then the next line works
    size_t size = 1024 * 1024 + 100;
    char *huge = (char *) malloc (size);
    assert_non_null (huge);
    memset (huge, 'x', size);
    s_input (test, huge, size);
    free (huge);
    S_INPUT (test, "\nafter\n");
    line = s_read_until (test, "longer than");
    free (line);
    s_expect (test, VERB_TEXT, "", "after");
    s_expect_nothing (test);
}

//  End of input: DRAIN; DRAINED then the marker; events printed; DONE 0.
static void
test_drain (void **state)
{
    test_t *test = (test_t *) *state;
    s_start (test);
    S_INPUT (test, "hi\n");
    s_expect (test, VERB_TEXT, "", "hi");
    s_close_input (test);
    s_expect (test, VERB_DRAIN, NULL, NULL);
    s_publish_msg (test, MSG_ACKED, "hi");
    assert_int_equal (zsock_send (test->model, "s", VERB_DRAINED), 0);
    testutil_publish_marker (test->pub, "drain", 0, 0, 0);
    s_expect_done (test, 0);
    char *line = s_read_line (test);
    assert_non_null (strstr (line, "\"event\":\"msg\""));
    assert_non_null (strstr (line, "\"status\":\"ACKED\""));
    assert_non_null (strstr (line, "\"text\":\"hi\""));
    free (line);
    line = s_read_line (test);
    assert_non_null (strstr (line, "\"event\":\"sys\""));
    assert_non_null (strstr (line, "\"token\":\"drain\""));
    free (line);
    //  FLUSH: one more drain round, DONE again
    assert_int_equal (zsock_send (test->ui, "s", VERB_FLUSH), 0);
    s_expect (test, VERB_DRAIN, NULL, NULL);
    testutil_publish_marker (test->pub, "drain", 0, 0, 0);
    s_expect_nothing (test);
    assert_int_equal (zsock_send (test->model, "s", VERB_DRAINED), 0);
    s_expect_done (test, 0);
}

//  Publish an "app" event at LEVEL with TEXT, as the chat-model does.
static void
s_publish_app (test_t *test, log_level_t level, const char *text)
{
    bus_event_t *event = bus_event_new (BUS_EVENT_LOG, TOPIC_APP);
    event->level = level;
    event->text = strdup (text);
    assert_int_equal (bus_event_publish (event, test->pub), 0);
    bus_event_destroy (&event);
}

//  The marker may come before DRAINED; ERROR from the model is shown
//  once: its "app" copy on the bus is not printed again, other app
//  errors are.
static void
test_marker_first_and_error (void **state)
{
    test_t *test = (test_t *) *state;
    s_start (test);
    //  the model's order: ERROR on the pipe, then the copy on the bus
    assert_int_equal (zsock_send (test->model, "ss", VERB_ERROR,
                                  "no such message"), 0);
    s_publish_app (test, LOG_ERROR, "no such message");
    s_publish_app (test, LOG_ERROR, "a store error");
    s_publish_app (test, LOG_ERROR, "no such message");     //  not a copy
    testutil_publish_marker (test->pub, "after", 0, 0, 0);
    char *line = s_read_line (test);
    assert_string_equal (line, "{\"event\":\"app\",\"level\":\"error\","
                         "\"text\":\"no such message\"}");
    free (line);
    line = s_read_line (test);
    assert_non_null (strstr (line, "a store error"));
    free (line);
    line = s_read_line (test);
    assert_non_null (strstr (line, "no such message"));
    free (line);
    line = s_read_line (test);
    assert_non_null (strstr (line, "\"token\":\"after\""));
    free (line);
    s_close_input (test);
    s_expect (test, VERB_DRAIN, NULL, NULL);
    testutil_publish_marker (test->pub, "drain", 0, 0, 0);
    line = s_read_until (test, "\"token\":\"drain\"");
    free (line);
    assert_int_equal (zsock_send (test->model, "s", VERB_DRAINED), 0);
    s_expect_done (test, 0);
}

//  No DRAINED within drain_timeout_ms: an error line and DONE 1.
static void
test_drain_timeout (void **state)
{
    test_t *test = (test_t *) *state;
    test->args.drain_timeout_ms = 100;
    s_start (test);
    s_close_input (test);
    s_expect (test, VERB_DRAIN, NULL, NULL);
    s_expect_done (test, 1);
    char *line = s_read_until (test, "giving up");
    free (line);
}

//  Text mode and quiet: text lines, no sys events.
static void
test_text_mode (void **state)
{
    test_t *test = (test_t *) *state;
    test->args.json = false;
    test->args.quiet = true;
    s_start (test);
    s_publish_msg (test, MSG_SENT, "plain");
    testutil_publish_marker (test->pub, "other", 0, 0, 0);
    s_publish_msg (test, MSG_ACKED, "plain");
    char *line = s_read_line (test);
    assert_non_null (strstr (line, "plain"));
    assert_null (strchr (line, '{'));
    free (line);
    line = s_read_line (test);
    assert_non_null (strstr (line, "ACKED"));
    assert_null (strstr (line, "sys"));
    free (line);
}

//  /order asks the model to re-publish in that order; a late hello's
//  re-publishing (TOTAL messages after its marker) is not printed again.
static void
test_order_and_late_hello (void **state)
{
    test_t *test = (test_t *) *state;
    s_start (test);
    S_INPUT (test, "/order receive\n/order sideways\n/order send\n");
    s_expect (test, VERB_SYNC, "order-receive", "receive");
    char *line = s_read_until (test, "usage: /order");
    free (line);
    s_expect (test, VERB_SYNC, "order-send", "send");
    s_publish_msg (test, MSG_SENDING, "once");
    testutil_publish_marker (test->pub, "ui-hello-9", 0, 0, 1);
    s_publish_msg (test, MSG_SENDING, "once");      //  the replay
    s_publish_msg (test, MSG_ACKED, "once");
    line = s_read_until (test, "\"text\":\"once\"");
    assert_non_null (strstr (line, "SENDING"));
    free (line);
    line = s_read_line (test);
    assert_non_null (strstr (line, "ACKED"));
    free (line);
}

int
main (void)
{
    zsys_init ();
    zsys_set_logstream (stderr);
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_text_lines, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_commands, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_order_and_late_hello, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_hostile_input, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_peers_and_rooms, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_peers_without_config, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_drain, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_marker_first_and_error,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_drain_timeout, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_text_mode, s_setup,
                                         s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
