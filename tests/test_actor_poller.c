/*  test_actor_poller.c: the poll set that marks zmq sockets ready.

    A PAIR pair in the test's own thread stands in for an actor's pipe;
    a pipe(2) for a raw descriptor. Every wait is bounded: a test that
    would hang fails after TESTUTIL_WAIT_MS instead.
*/
#include "actor_poller.h"
#include "testutil.h"

#include <poll.h>
#include <unistd.h>

typedef struct {
    zsock_t *near;              //  watched by the poller
    zsock_t *far;               //  the neighbour that writes to it
    actor_poller_t *poller;
} s_fixture_t;

static int
s_setup (void **state)
{
    static int serial = 0;
    s_fixture_t *self = (s_fixture_t *) calloc (1, sizeof (s_fixture_t));
    assert_non_null (self);
    char endpoint [64];
    snprintf (endpoint, sizeof endpoint, "inproc://poller-%d-%d",
              getpid (), serial++);
    self->near = zsock_new (ZMQ_PAIR);
    self->far = zsock_new (ZMQ_PAIR);
    assert_int_equal (zsock_bind (self->near, "%s", endpoint), 0);
    assert_int_equal (zsock_connect (self->far, "%s", endpoint), 0);
    zsock_set_rcvtimeo (self->near, 0);
    zsock_set_rcvtimeo (self->far, 0);
    self->poller = actor_poller_new ();
    assert_non_null (self->poller);
    assert_int_equal (actor_poller_add (self->poller, self->near), 0);
    *state = self;
    return 0;
}

static int
s_teardown (void **state)
{
    s_fixture_t *self = (s_fixture_t *) *state;
    actor_poller_destroy (&self->poller);
    actor_poller_destroy (&self->poller);       //  idempotent
    zsock_destroy (&self->near);
    zsock_destroy (&self->far);
    free (self);
    return 0;
}

//  Read NEAR until it is empty; how many messages it had.
static int
s_drain (zsock_t *near)
{
    int count = 0;
    char *text;
    while ((text = zstr_recv (near))) {
        count++;
        zstr_free (&text);
    }
    return count;
}

//  A new socket starts marked; once read empty, a wait times out.
static void
test_starts_marked (void **state)
{
    s_fixture_t *self = (s_fixture_t *) *state;
    assert_int_equal (actor_poller_wait (self->poller, 0), 1);
    assert_true (actor_poller_ready (self->poller, self->near));
    assert_false (actor_poller_ready (self->poller, self->near));
    assert_int_equal (s_drain (self->near), 0);
    assert_int_equal (actor_poller_wait (self->poller, 10), 0);
    assert_false (actor_poller_ready (self->poller, self->near));
}

//  A message from the neighbour wakes a wait that would last for ever.
static void
test_wakes_on_message (void **state)
{
    s_fixture_t *self = (s_fixture_t *) *state;
    assert_true (actor_poller_ready (self->poller, self->near));
    assert_int_equal (s_drain (self->near), 0);
    for (int round = 0; round < 100; round++) {
        zstr_send (self->far, "hello");
        assert_int_equal (actor_poller_wait (self->poller,
                                             TESTUTIL_WAIT_MS), 1);
        assert_true (actor_poller_ready (self->poller, self->near));
        assert_int_equal (s_drain (self->near), 1);
    }
    assert_int_equal (actor_poller_wait (self->poller, 0), 0);
}

//  A batch that stops early marks the socket: the next wait does not
//  sleep and the rest is still there.
static void
test_mark_keeps_it_ready (void **state)
{
    s_fixture_t *self = (s_fixture_t *) *state;
    assert_true (actor_poller_ready (self->poller, self->near));
    s_drain (self->near);
    for (int count = 0; count < 3; count++)
        zstr_send (self->far, "x");
    assert_int_equal (actor_poller_wait (self->poller,
                                         TESTUTIL_WAIT_MS), 1);
    assert_true (actor_poller_ready (self->poller, self->near));
    char *text = zstr_recv (self->near);
    assert_non_null (text);
    zstr_free (&text);
    actor_poller_mark (self->poller, self->near);
    assert_int_equal (actor_poller_wait (self->poller, -1), 1);
    assert_true (actor_poller_ready (self->poller, self->near));
    assert_int_equal (s_drain (self->near), 2);
}

//  Sends on the watched socket may swallow the descriptor's signal
//  (libzmq processes commands on send): after each send the caller
//  marks the socket, and nothing the neighbour sent is ever stranded.
static void
test_send_then_mark (void **state)
{
    s_fixture_t *self = (s_fixture_t *) *state;
    assert_true (actor_poller_ready (self->poller, self->near));
    s_drain (self->near);
    int received = 0, sent = 0;
    for (int round = 0; round < 2000; round++) {
        zstr_send (self->far, "ping");
        sent++;
        zstr_send (self->near, "pong");
        actor_poller_mark (self->poller, self->near);
        assert_true (actor_poller_wait (self->poller,
                                        TESTUTIL_WAIT_MS) >= 1);
        if (actor_poller_ready (self->poller, self->near))
            received += s_drain (self->near);
        assert_int_equal (s_drain (self->far), 1);
    }
    assert_int_equal (received, sent);
}

//  An unwatched socket is neither polled nor reported; watching it
//  again marks it.
static void
test_unwatched (void **state)
{
    s_fixture_t *self = (s_fixture_t *) *state;
    actor_poller_watch (self->poller, self->near, false);
    zstr_send (self->far, "held");
    assert_int_equal (actor_poller_wait (self->poller, 10), 0);
    assert_false (actor_poller_ready (self->poller, self->near));
    actor_poller_watch (self->poller, self->near, true);
    assert_int_equal (actor_poller_wait (self->poller, 0), 1);
    assert_true (actor_poller_ready (self->poller, self->near));
    assert_int_equal (s_drain (self->near), 1);
}

//  A raw descriptor reports what poll saw; events 0 is not polled.
static void
test_raw_fd (void **state)
{
    s_fixture_t *self = (s_fixture_t *) *state;
    assert_true (actor_poller_ready (self->poller, self->near));
    s_drain (self->near);
    int fds [2];
    assert_int_equal (pipe (fds), 0);
    assert_int_equal (actor_poller_add_fd (self->poller, fds [0], POLLIN),
                      0);
    assert_int_equal (actor_poller_wait (self->poller, 10), 0);
    assert_int_equal (actor_poller_fd_events (self->poller, fds [0]), 0);
    assert_int_equal (write (fds [1], "x", 1), 1);
    assert_int_equal (actor_poller_wait (self->poller,
                                         TESTUTIL_WAIT_MS), 1);
    assert_true (actor_poller_fd_events (self->poller, fds [0]) & POLLIN);
    assert_false (actor_poller_ready (self->poller, self->near));
    actor_poller_set_fd (self->poller, fds [0], 0);
    assert_int_equal (actor_poller_wait (self->poller, 10), 0);
    assert_int_equal (actor_poller_fd_events (self->poller, fds [0]), 0);
    //  A busy socket does not starve the descriptor
    actor_poller_set_fd (self->poller, fds [0], POLLIN);
    actor_poller_mark (self->poller, self->near);
    assert_int_equal (actor_poller_wait (self->poller, -1), 2);
    assert_true (actor_poller_fd_events (self->poller, fds [0]) & POLLIN);
    close (fds [0]);
    close (fds [1]);
}

//  Removing a socket forgets it; the poller takes at most
//  ACTOR_POLLER_MAX items.
static void
test_remove_and_full (void **state)
{
    s_fixture_t *self = (s_fixture_t *) *state;
    actor_poller_remove (self->poller, self->near);
    actor_poller_remove (self->poller, self->near);     //  no-op
    assert_int_equal (actor_poller_wait (self->poller, 0), 0);
    int fds [2];
    assert_int_equal (pipe (fds), 0);
    for (int index = 0; index < ACTOR_POLLER_MAX; index++)
        assert_int_equal (actor_poller_add_fd (self->poller,
                                               100 + index, 0), 0);
    assert_int_equal (actor_poller_add_fd (self->poller, fds [0], POLLIN),
                      -1);
    assert_int_equal (actor_poller_add (self->poller, self->near), -1);
    close (fds [0]);
    close (fds [1]);
}

//  With a higher limit the poller grows: many descriptors, each seen
//  with its own events, removed ones forgotten, the limit still holds.
static void
test_many_fds (void **state)
{
    s_fixture_t *self = (s_fixture_t *) *state;
    enum { PIPES = 150 };
    int fds [PIPES][2];
    actor_poller_set_max (self->poller, 1 + PIPES);
    for (int index = 0; index < PIPES; index++) {
        assert_int_equal (pipe (fds [index]), 0);
        assert_int_equal (actor_poller_add_fd (self->poller,
                                               fds [index][0], POLLIN), 0);
    }
    //  Full at the new limit
    int spare [2];
    assert_int_equal (pipe (spare), 0);
    assert_int_equal (actor_poller_add_fd (self->poller, spare [0], POLLIN),
                      -1);
    assert_true (actor_poller_ready (self->poller, self->near));
    s_drain (self->near);
    //  Every seventh pipe has a byte: exactly those are seen
    int written = 0;
    for (int index = 0; index < PIPES; index += 7, written++)
        assert_int_equal (write (fds [index][1], "x", 1), 1);
    assert_int_equal (actor_poller_wait (self->poller, -1), written);
    for (int index = 0; index < PIPES; index++)
        assert_int_equal (actor_poller_fd_events (self->poller,
                                                  fds [index][0]) != 0,
                          index % 7 == 0);
    //  Removed descriptors are not polled; the freed place takes another
    for (int index = 0; index < PIPES; index += 7)
        actor_poller_remove_fd (self->poller, fds [index][0]);
    actor_poller_remove_fd (self->poller, fds [0][0]);      //  no-op
    assert_int_equal (actor_poller_wait (self->poller, 0), 0);
    assert_int_equal (actor_poller_add_fd (self->poller, spare [0], POLLIN),
                      0);
    assert_int_equal (write (spare [1], "y", 1), 1);
    assert_int_equal (write (fds [1][1], "z", 1), 1);
    assert_int_equal (actor_poller_wait (self->poller, -1), 2);
    assert_true (actor_poller_fd_events (self->poller, spare [0]) & POLLIN);
    assert_true (actor_poller_fd_events (self->poller, fds [1][0]) & POLLIN);
    assert_int_equal (actor_poller_fd_events (self->poller, fds [2][0]), 0);
    //  The socket still works among them
    zstr_send (self->far, "among");
    actor_poller_set_fd (self->poller, spare [0], 0);
    actor_poller_set_fd (self->poller, fds [1][0], 0);
    assert_int_equal (actor_poller_wait (self->poller, -1), 1);
    assert_true (actor_poller_ready (self->poller, self->near));
    assert_int_equal (s_drain (self->near), 1);
    //  A limit below what it holds keeps what it holds, takes no more
    actor_poller_set_max (self->poller, 3);
    int extra [2];
    assert_int_equal (pipe (extra), 0);
    assert_int_equal (actor_poller_add_fd (self->poller, extra [0], POLLIN),
                      -1);
    for (int index = 0; index < PIPES; index++) {
        close (fds [index][0]);
        close (fds [index][1]);
    }
    close (spare [0]);
    close (spare [1]);
    close (extra [0]);
    close (extra [1]);
}

//  The spin comes from DTCHAT_SPIN_US when that is a number in range.
static void
test_spin_from_env (void **state)
{
    struct { const char *value; int spin; } cases [] = {
        { "0", 0 }, { "7", 7 }, { "10000", 10000 },
        { "10001", ACTOR_POLLER_SPIN_US }, { "-1", ACTOR_POLLER_SPIN_US },
        { "abc", ACTOR_POLLER_SPIN_US }, { "5us", ACTOR_POLLER_SPIN_US },
        { "", ACTOR_POLLER_SPIN_US }, { NULL, ACTOR_POLLER_SPIN_US }
    };
    for (size_t index = 0; index < sizeof cases / sizeof *cases; index++) {
        if (cases [index].value)
            setenv ("DTCHAT_SPIN_US", cases [index].value, 1);
        else
            unsetenv ("DTCHAT_SPIN_US");
        actor_poller_t *poller = actor_poller_new ();
        assert_non_null (poller);
        assert_int_equal (actor_poller_spin (poller), cases [index].spin);
        actor_poller_destroy (&poller);
    }
}

//  A spin longer than the timeout: the wait still ends, having found
//  nothing, and not before the timeout; a waiting message ends a long
//  spin at once.
static void
test_spin_and_timeout (void **state)
{
    s_fixture_t *self = (s_fixture_t *) *state;
    assert_true (actor_poller_ready (self->poller, self->near));
    s_drain (self->near);
    actor_poller_set_spin (self->poller, 10000);
    assert_int_equal (actor_poller_spin (self->poller), 10000);
    int64_t start = zclock_mono ();
    assert_int_equal (actor_poller_wait (self->poller, 5), 0);
    assert_true (zclock_mono () - start >= 5);
    zstr_send (self->far, "during");
    assert_int_equal (actor_poller_wait (self->poller, -1), 1);
    assert_true (actor_poller_ready (self->poller, self->near));
    assert_int_equal (s_drain (self->near), 1);
    actor_poller_set_spin (self->poller, 0);
    assert_int_equal (actor_poller_wait (self->poller, 1), 0);
}

//  actor_poller_commands: a handler call per command, in order, until
//  $TERM (true) or none is left (false); what follows $TERM stays.
typedef struct {
    char verbs [4][16];
    char args [4][16];
    int count;
} s_seen_t;

static void
s_record (void *arg, const char *verb, zmsg_t *msg)
{
    s_seen_t *seen = (s_seen_t *) arg;
    assert_true (seen->count < 4);
    snprintf (seen->verbs [seen->count], 16, "%s", verb);
    char *first = zmsg_popstr (msg);
    snprintf (seen->args [seen->count], 16, "%s", first? first: "-");
    zstr_free (&first);
    seen->count++;
}

static void
test_commands (void **state)
{
    s_fixture_t *self = (s_fixture_t *) *state;
    s_seen_t seen = { .count = 0 };
    assert_false (actor_poller_commands (self->poller, self->near,
                                         s_record, &seen));
    assert_int_equal (seen.count, 0);
    zsock_send (self->far, "ss", "START", "udp 1.2.3.4:5");
    zstr_send (self->far, "");
    assert_false (actor_poller_commands (self->poller, self->near,
                                         s_record, &seen));
    assert_int_equal (seen.count, 2);
    assert_string_equal (seen.verbs [0], "START");
    assert_string_equal (seen.args [0], "udp 1.2.3.4:5");
    assert_string_equal (seen.verbs [1], "");
    //  each command was answered on the pipe: it is marked
    assert_true (actor_poller_ready (self->poller, self->near));
    zstr_send (self->far, "PING");
    zstr_send (self->far, "$TERM");
    zstr_send (self->far, "AFTER");
    assert_true (actor_poller_commands (self->poller, self->near,
                                        s_record, &seen));
    assert_int_equal (seen.count, 3);
    assert_string_equal (seen.verbs [2], "PING");
    assert_int_equal (s_drain (self->near), 1);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_starts_marked,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_wakes_on_message,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_mark_keeps_it_ready,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_send_then_mark,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_unwatched,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_raw_fd, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_remove_and_full,
                                         s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_many_fds, s_setup, s_teardown),
        cmocka_unit_test (test_spin_from_env),
        cmocka_unit_test_setup_teardown (test_commands, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_spin_and_timeout,
                                         s_setup, s_teardown),
    };
    int rc = cmocka_run_group_tests (tests, NULL, NULL);
    zsys_shutdown ();
    return rc;
}
