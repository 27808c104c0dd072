/*  test_ui_curses.c: the curses ui actor with swapped neighbours.

    The test is the chat-model (a PAIR bound where the ui connects) and
    the bus (a PUB bound at the ui's bus endpoint), and the terminal is a
    pseudo-terminal whose master side the test reads (everything the ui
    draws) and writes (keys). It asserts on the exact frames the ui sends
    (SYNC with its tokens, TEXT, RESEND, DONE) and on what it draws.
*/
#include "dtchat.h"
#include "bus_event.h"
#include "ui.h"
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <cmocka.h>
#include "testutil.h"

#define S_WAIT_MS       5000        //  bound on every wait
#define S_SCREEN_MAX    (4 * 1024 * 1024)

typedef struct {
    int master, slave;              //  the pseudo-terminal
    zsock_t *model;                 //  we are the chat-model
    zsock_t *pub;                   //  and the bus
    zactor_t *ui;
    ui_args_t args;
    char model_endpoint [64];
    char bus_endpoint [64];
    char *screen;                   //  every byte the ui wrote
    size_t screen_size;
    int hellos;                     //  SYNCs answered at start
} s_test_t;

//  Read what the ui wrote to the terminal so far.
static void
s_drain (s_test_t *test)
{
    char buf [4096];
    ssize_t size;
    while ((size = read (test->master, buf, sizeof buf)) > 0) {
        if (test->screen_size + (size_t) size < S_SCREEN_MAX) {
            memcpy (test->screen + test->screen_size, buf, (size_t) size);
            test->screen_size += (size_t) size;
            test->screen [test->screen_size] = 0;
        }
    }
}

//  Wait (bounded) for a message on SOCK while reading the terminal.
//  NULL on timeout.
static zmsg_t *
s_recv (s_test_t *test, void *sock, int timeout)
{
    int64_t deadline = zclock_mono () + timeout;
    while (zclock_mono () < deadline) {
        zmq_pollitem_t items [] = {
            { zsock_resolve (sock), 0, ZMQ_POLLIN, 0 },
            { NULL, test->master, ZMQ_POLLIN, 0 }
        };
        zmq_poll (items, 2, 50);
        s_drain (test);
        if (items [0].revents & ZMQ_POLLIN)
            return zmsg_recv (sock);
    }
    return NULL;
}

//  Wait until the screen shows TEXT (read from the terminal).
static bool
s_screen_has (s_test_t *test, const char *text)
{
    int64_t deadline = zclock_mono () + S_WAIT_MS;
    while (zclock_mono () < deadline) {
        if (test->screen_size && strstr (test->screen, text))
            return true;

        zmq_pollitem_t item = { NULL, test->master, ZMQ_POLLIN, 0 };
        zmq_poll (&item, 1, 50);
        s_drain (test);
    }
    return false;
}

//  Type TEXT on the terminal.
static void
s_type (s_test_t *test, const char *text)
{
    assert_int_equal (write (test->master, text, strlen (text)),
                      (ssize_t) strlen (text));
}

//  Publish a "sys" sync marker with TOKEN and counters.
static void
s_marker (s_test_t *test, const char *token, uint64_t pending,
          uint64_t failed, uint64_t total)
{
    testutil_publish_marker (test->pub, token, pending, failed, total);
}

//  Publish a "msg" event.
static void
s_message (s_test_t *test, const char *uuid, msg_status_t status,
           bool outgoing, const char *text)
{
    bus_event_t *event = bus_event_new (BUS_EVENT_MSG, TOPIC_MSG);
    event->uuid = strdup (uuid);
    event->sender = strdup (outgoing? "me": "peer");
    event->text = strdup (text);
    event->status = status;
    event->outgoing = outgoing;
    event->send_time = dtchat_now_ms ();
    assert_int_equal (bus_event_publish (event, test->pub), 0);
    bus_event_destroy (&event);
}

//  Expect SYNC from the ui; returns its token (caller frees).
static char *
s_expect_sync (s_test_t *test)
{
    zmsg_t *msg = s_recv (test, test->model, S_WAIT_MS);
    assert_non_null (msg);
    char *verb = zmsg_popstr (msg);
    assert_string_equal (verb, "SYNC");
    char *token = zmsg_popstr (msg);
    assert_non_null (token);
    assert_int_equal (strncmp (token, "tui-", 4), 0);
    zstr_free (&verb);
    zmsg_destroy (&msg);
    return token;
}

//  Expect a command VERB ARG from the ui.
static void
s_expect (s_test_t *test, const char *verb, const char *arg1,
          const char *arg2)
{
    zmsg_t *msg = s_recv (test, test->model, S_WAIT_MS);
    assert_non_null (msg);
    char *got = zmsg_popstr (msg);
    assert_string_equal (got, verb);
    zstr_free (&got);
    const char *args [] = { arg1, arg2 };
    for (size_t index = 0; index < 2 && args [index]; index++) {
        got = zmsg_popstr (msg);
        assert_non_null (got);
        assert_string_equal (got, args [index]);
        zstr_free (&got);
    }
    zmsg_destroy (&msg);
}

//  Set the terminal's size (as a window manager would) and tell the ui.
static void
s_resize (s_test_t *test, unsigned short rows, unsigned short cols)
{
    struct winsize size = { rows, cols, 0, 0 };
    assert_int_equal (ioctl (test->master, TIOCSWINSZ, &size), 0);
    raise (SIGWINCH);
}

//  Start the ui on a fresh pseudo-terminal and answer its hello.
static s_test_t *
s_test_new (void)
{
    s_test_t *test = (s_test_t *) calloc (1, sizeof (s_test_t));
    assert_non_null (test);
    test->screen = (char *) calloc (1, S_SCREEN_MAX + 1);
    test->master = posix_openpt (O_RDWR | O_NOCTTY);
    assert_true (test->master >= 0);
    assert_int_equal (grantpt (test->master), 0);
    assert_int_equal (unlockpt (test->master), 0);
    test->slave = open (ptsname (test->master), O_RDWR | O_NOCTTY);
    assert_true (test->slave >= 0);
    fcntl (test->master, F_SETFL, O_NONBLOCK);
    struct winsize size = { 24, 80, 0, 0 };
    ioctl (test->master, TIOCSWINSZ, &size);

    static int instance = 0;
    instance++;
    snprintf (test->model_endpoint, sizeof test->model_endpoint,
              "inproc://test-ui-curses-model-%d", instance);
    snprintf (test->bus_endpoint, sizeof test->bus_endpoint,
              "inproc://test-ui-curses-bus-%d", instance);
    test->model = zsock_new (ZMQ_PAIR);
    assert_int_equal (zsock_bind (test->model, "%s", test->model_endpoint),
                      0);
    test->pub = zsock_new_pub (test->bus_endpoint);
    assert_non_null (test->model);
    assert_non_null (test->pub);
    test->args = (ui_args_t) {
        .model_endpoint = test->model_endpoint,
        .bus_endpoint = test->bus_endpoint,
        .in_fd = test->slave, .out_fd = test->slave,
        .local = "udp 127.0.0.1:7777", .remote = "udp 127.0.0.1:6666"
    };
    test->ui = zactor_new (ui_curses_actor, &test->args);
    assert_non_null (test->ui);
    zstr_send (test->ui, "START");
    //  Answer each SYNC until the ui says it is up: the first markers
    //  may be lost while its subscription travels
    while (true) {
        zmq_pollitem_t items [] = {
            { zsock_resolve (test->ui), 0, ZMQ_POLLIN, 0 },
            { zsock_resolve (test->model), 0, ZMQ_POLLIN, 0 },
            { NULL, test->master, ZMQ_POLLIN, 0 }
        };
        assert_true (zmq_poll (items, 3, S_WAIT_MS) > 0);
        s_drain (test);
        if (items [0].revents & ZMQ_POLLIN)
            break;
        if (items [1].revents & ZMQ_POLLIN) {
            char *token = s_expect_sync (test);
            s_marker (test, token, 0, 0, 0);
            zstr_free (&token);
            test->hellos++;
            assert_true (test->hellos < 50);
        }
    }
    int status = -1;
    char *detail = NULL;
    assert_int_equal (zsock_recv (test->ui, "is", &status, &detail), 0);
    if (status != 0)
        print_message ("START: %s\n", detail);
    assert_int_equal (status, 0);
    zstr_free (&detail);
    return test;
}

//  Stop the ui and free everything.
static void
s_test_destroy (s_test_t **test_p)
{
    s_test_t *test = *test_p;
    zactor_destroy (&test->ui);
    s_drain (test);
    zsock_destroy (&test->model);
    zsock_destroy (&test->pub);
    close (test->slave);
    close (test->master);
    free (test->screen);
    free (test);
    *test_p = NULL;
}

//  Wait for DONE STATUS on the actor pipe.
static void
s_expect_done (s_test_t *test, int status)
{
    zmsg_t *msg = s_recv (test, test->ui, S_WAIT_MS);
    assert_non_null (msg);
    char *verb = zmsg_popstr (msg);
    assert_string_equal (verb, "DONE");
    char *got = zmsg_popstr (msg);         //  "i": a decimal string
    assert_non_null (got);
    assert_int_equal (atoi (got), status);
    zstr_free (&got);
    zstr_free (&verb);
    zmsg_destroy (&msg);
}

static void
test_chat (void **state)
{
    s_test_t *test = s_test_new ();
    //  Curses took the alternate screen and drew the panes
    assert_true (s_screen_has (test, "\033[?1049h"));
    assert_true (s_screen_has (test, "messages"));
    assert_true (s_screen_has (test, "to udp 127.0.0.1:6666 | from udp"));
    //  A message from the peer shows, UTF-8 intact
    s_message (test, "r-1", MSG_RECEIVED, false, "h\xc3\xa9llo \xe4\xb8\x96"
               "\xe7\x95\x8c");
    assert_true (s_screen_has (test, "RECEIVED"));
    assert_true (s_screen_has (test, "h\xc3\xa9llo \xe4\xb8\x96\xe7\x95\x8c"));
    //  What we type goes to the chat-model as TEXT; blanks trimmed
    s_type (test, "  hi there \xf0\x9f\x98\x80 \r");
    s_expect (test, "TEXT", "", "hi there \xf0\x9f\x98\x80");
    s_type (test, "//slash\r");
    s_expect (test, "TEXT", "", "/slash");
    //  Our message's statuses
    s_message (test, "aaaa-1", MSG_SENDING, true, "hi there");
    s_message (test, "aaaa-1", MSG_ACKED, true, "hi there");
    assert_true (s_screen_has (test, "ACKED"));
    //  History: Up brings the last line back; Enter sends it again
    s_type (test, "\033[A");
    s_type (test, "\r");
    s_expect (test, "TEXT", "", "/slash");
    //  /resend with nothing FAILED sends nothing and says so
    s_type (test, "/resend\r");
    assert_true (s_screen_has (test, "no FAILED message"));
    s_message (test, "bbbb-2", MSG_SENDING, true, "lost");
    s_message (test, "bbbb-2", MSG_FAILED, true, "lost");
    assert_true (s_screen_has (test, "/resend bbbb-2"));
    s_type (test, "/resend\r");
    s_expect (test, "RESEND", "bbbb-2", NULL);
    s_type (test, "/resend bb\r");
    s_expect (test, "RESEND", "bbbb-2", NULL);
    s_type (test, "/resend zz\r");
    s_expect (test, "RESEND", "zz", NULL);
    //  A refusal from the chat-model shows in the app pane
    zsock_send (test->model, "ss", "ERROR", "no message zz");
    assert_true (s_screen_has (test, "no message zz"));
    s_type (test, "/bogus\r");
    assert_true (s_screen_has (test, "unknown command /bogus"));
    //  /room: later texts carry it; /peer ENDPOINT goes to the chat-model
    //  and its notice moves the status bar
    s_type (test, "/room lobby\r");
    s_type (test, "in the lobby\r");
    s_expect (test, "TEXT", "lobby", "in the lobby");
    assert_true (s_screen_has (test, "[lobby]"));
    s_type (test, "/peer udp 10.0.0.9:7\r");
    s_expect (test, "PEER", "udp 10.0.0.9:7", NULL);
    bus_event_t *event = bus_event_new (BUS_EVENT_LOG, TOPIC_APP);
    event->text = strdup ("messages go to udp 10.0.0.9:7");
    bus_event_publish (event, test->pub);
    bus_event_destroy (&event);
    //  (the bar is redrawn only where it changed: look for the new part)
    assert_true (s_screen_has (test, "0.0.9:7"));
    s_type (test, "/peer nobody\r");
    assert_true (s_screen_has (test, "unknown peer nobody"));
    //  Tab completes a command
    s_type (test, "/qu\t");
    assert_true (s_screen_has (test, "/quit"));
    s_type (test, "\x15");
    //  /quit: DONE 0 and the terminal given back; FLUSH gets DONE too
    s_type (test, "/quit\r");
    s_expect_done (test, 0);
    assert_true (s_screen_has (test, "\033[?1049l"));
    zstr_send (test->ui, "FLUSH");
    s_expect_done (test, 0);
    s_test_destroy (&test);
}

static void
test_resync (void **state)
{
    s_test_t *test = s_test_new ();
    //  A message first seen as ACKED: its earlier events were lost, so
    //  the ui resyncs, and the re-published statuses rebuild it
    s_message (test, "cccc-3", MSG_ACKED, true, "seen late");
    char *token = s_expect_sync (test);
    s_marker (test, token, 1, 0, 2);
    s_message (test, "cccc-3", MSG_ACKED, true, "seen late");
    s_message (test, "dddd-4", MSG_SENT, true, "missed");
    zstr_free (&token);
    assert_true (s_screen_has (test, "missed"));
    assert_true (s_screen_has (test, "1 pending"));
    //  Counters that disagree at a checkpoint: resync again
    s_marker (test, "someone-else", 5, 0, 2);
    token = s_expect_sync (test);
    s_marker (test, token, 1, 0, 2);
    s_message (test, "cccc-3", MSG_ACKED, true, "seen late");
    s_message (test, "dddd-4", MSG_SENT, true, "missed");
    zstr_free (&token);
    //  Ctrl-L: repaint and resync
    s_type (test, "\x0c");
    token = s_expect_sync (test);
    zstr_free (&token);
    //  That marker never comes: the ui asks again
    token = s_expect_sync (test);
    zstr_free (&token);
    //  /order receive: SYNC with the order
    s_type (test, "/order receive\r");
    zmsg_t *msg = s_recv (test, test->model, S_WAIT_MS);
    assert_non_null (msg);
    char *verb = zmsg_popstr (msg);
    assert_string_equal (verb, "SYNC");
    zstr_free (&verb);
    token = zmsg_popstr (msg);
    char *order = zmsg_popstr (msg);
    assert_string_equal (order, "receive");
    zstr_free (&order);
    zmsg_destroy (&msg);
    //  It rebuilds: only what is re-published stays
    s_marker (test, token, 0, 0, 1);
    s_message (test, "eeee-5", MSG_RECEIVED, false, "only this");
    zstr_free (&token);
    assert_true (s_screen_has (test, "only this"));
    assert_true (s_screen_has (test, "0 pending"));
    //  Ctrl-C: DONE 130
    s_type (test, "\x03");
    s_expect_done (test, 130);
    s_test_destroy (&test);
}

static void
test_keys_resize_scroll (void **state)
{
    s_test_t *test = s_test_new ();
    char text [64];
    for (int index = 0; index < 60; index++) {
        char uuid [16];
        snprintf (uuid, sizeof uuid, "m-%d", index);
        snprintf (text, sizeof text, "number %d", index);
        s_message (test, uuid, MSG_RECEIVED, false, text);
    }
    assert_true (s_screen_has (test, "number 59"));
    //  PgUp: scrolled back, with a marker
    s_type (test, "\033[5~");
    assert_true (s_screen_has (test, "more below"));
    //  Editing keys: Ctrl-A, Ctrl-K, Ctrl-W, Ctrl-U, Backspace, Delete
    s_type (test, "abc def");
    s_type (test, "\x17");                  //  Ctrl-W: "abc "
    s_type (test, "\x01" "X");              //  Ctrl-A, X: "Xabc "
    s_type (test, "\x05" "\x7f" "!\r");     //  Ctrl-E, Backspace, !
    s_expect (test, "TEXT", "", "Xabc!");
    //  Sending went back to live; F1 shows the help
    s_type (test, "\033OP");
    assert_true (s_screen_has (test, "this help"));
    s_type (test, "\033");
    //  Small, too small, and large again
    test->screen_size = 0;
    s_resize (test, 10, 40);
    assert_true (s_screen_has (test, "number 59"));
    s_resize (test, 6, 30);
    assert_true (s_screen_has (test, "terminal too small"));
    s_resize (test, 50, 150);
    assert_true (s_screen_has (test, "number 40"));
    //  Escape sequences the terminal does not know are never typed
    s_type (test, "\033[1;7Zok\r");
    s_expect (test, "TEXT", "", "ok");
    //  Ctrl-D deletes under the cursor; on an empty line it leaves
    s_type (test, "ab\x01\x04\r");
    s_expect (test, "TEXT", "", "b");
    s_type (test, "\x04");
    s_expect_done (test, 0);
    s_test_destroy (&test);
}

static void
test_start_failures (void **state)
{
    //  Not a terminal: START fails with a reason, nothing hangs
    int fds [2];
    assert_int_equal (pipe (fds), 0);
    ui_args_t args = {
        .model_endpoint = "inproc://test-ui-curses-nomodel",
        .bus_endpoint = "inproc://test-ui-curses-nobus",
        .in_fd = fds [0], .out_fd = fds [1]
    };
    zactor_t *ui = zactor_new (ui_curses_actor, &args);
    zstr_send (ui, "START");
    int status = 0;
    char *detail = NULL;
    assert_int_equal (zsock_recv (ui, "is", &status, &detail), 0);
    assert_int_equal (status, -1);
    assert_non_null (strstr (detail, "terminal"));
    zstr_free (&detail);
    zactor_destroy (&ui);
    close (fds [0]);
    close (fds [1]);
}

int
main (void)
{
    setenv ("TERM", "xterm", 1);
    unsetenv ("LINES");
    unsetenv ("COLUMNS");
    zsys_init ();
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_chat),
        cmocka_unit_test (test_resync),
        cmocka_unit_test (test_keys_resize_scroll),
        cmocka_unit_test (test_start_failures),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
