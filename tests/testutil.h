/*  testutil.h: what the cmocka test programs share.

    CMake builds each tests/test_*.c on its own, so this is header-only:
    small static inline functions (an unused one costs nothing and warns
    about nothing). Load captured test data; make reproducible random
    numbers; wait, bounded, for a message; start an actor and read its
    START reply; start an event bus; check the exact frames a transport
    sends its chat-model (SENT, FAILED, RECV); find a "net" or "app"
    event on the bus; loopback TCP sockets for a test to play a peer. Every wait ends after TESTUTIL_WAIT_MS at most and
    then fails the test: nothing here sleeps.
*/
#ifndef TESTUTIL_H_INCLUDED
#define TESTUTIL_H_INCLUDED

#include "dtchat.h"
#include "bus_event.h"
#include "event_bus.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <poll.h>

//  Longest any single wait may take before the test fails.
#define TESTUTIL_WAIT_MS    10000

//  Load the whole of DTCHAT_TESTDATA/SUBDIR/NAME ("wire", "bp"); the
//  caller frees. A missing or empty file fails the test.
static inline byte *
testutil_load (const char *subdir, const char *name, size_t *size_p)
{
    char path [512];
    snprintf (path, sizeof path, "%s/%s/%s", DTCHAT_TESTDATA, subdir, name);
    FILE *file = fopen (path, "rb");
    if (!file)
        fail_msg ("cannot open %s", path);
    size_t size = 0, room = 4096;
    byte *data = (byte *) malloc (room);
    assert_non_null (data);
    size_t got;
    while ((got = fread (data + size, 1, room - size, file)) > 0) {
        size += got;
        if (size == room) {
            room *= 2;
            byte *bigger = (byte *) realloc (data, room);
            assert_non_null (bigger);
            data = bigger;
        }
    }
    fclose (file);
    if (size == 0)
        fail_msg ("%s is empty", path);
    *size_p = size;
    return data;
}

//  xorshift64: reproducible "random" numbers from a non-zero *STATE.
static inline uint64_t
testutil_rand (uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return x;
}

//  Write all of DATA to a blocking socket FD; fails the test if the
//  socket refuses (so only for the test's main thread).
static inline void
testutil_write_all (int fd, const void *data, size_t size)
{
    const byte *at = (const byte *) data;
    while (size) {
        ssize_t rc = send (fd, at, size, MSG_NOSIGNAL);
        assert_true (rc > 0);
        at += rc;
        size -= (size_t) rc;
    }
}

//  A TCP socket of the test on 127.0.0.1, bound to an ephemeral port
//  (its number in *PORT_P), not listening yet.
static inline int
testutil_tcp_bound (int *port_p)
{
    int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true (fd >= 0);
    struct sockaddr_in addr;
    memset (&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    assert_int_equal (bind (fd, (struct sockaddr *) &addr, sizeof addr), 0);
    socklen_t length = sizeof addr;
    assert_int_equal (getsockname (fd, (struct sockaddr *) &addr, &length),
                      0);
    *port_p = ntohs (addr.sin_port);
    return fd;
}

//  A blocking TCP socket connected to 127.0.0.1:PORT.
static inline int
testutil_tcp_connect (int port)
{
    int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true (fd >= 0);
    struct sockaddr_in addr;
    memset (&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    addr.sin_port = htons ((uint16_t) port);
    assert_int_equal (connect (fd, (struct sockaddr *) &addr, sizeof addr),
                      0);
    return fd;
}

//  Accept one connection on LISTENER within TESTUTIL_WAIT_MS.
static inline int
testutil_tcp_accept (int listener)
{
    struct pollfd item = { listener, POLLIN, 0 };
    assert_int_equal (poll (&item, 1, TESTUTIL_WAIT_MS), 1);
    int fd = accept (listener, NULL, NULL);
    assert_true (fd >= 0);
    return fd;
}

//  The next message on SOCK within TIMEOUT ms, or NULL if none came.
static inline zmsg_t *
testutil_recv_within (zsock_t *sock, int timeout)
{
    zpoller_t *poller = zpoller_new (sock, NULL);
    assert_non_null (poller);
    void *which = zpoller_wait (poller, timeout);
    zpoller_destroy (&poller);
    return which == sock? zmsg_recv (sock): NULL;
}

//  True if nothing arrives on SOCK within MS: a bounded check that
//  something has not happened (yet). What does arrive is dropped.
static inline bool
testutil_quiet (zsock_t *sock, int ms)
{
    zmsg_t *msg = testutil_recv_within (sock, ms);
    bool quiet = msg == NULL;
    zmsg_destroy (&msg);
    return quiet;
}

//  Send START with TEXT to ACTOR and wait, bounded, for its "is" reply.
//  Returns the status; *DETAIL gets the reply's text (the caller frees).
static inline int
testutil_start (zactor_t *actor, const char *text, char **detail)
{
    assert_int_equal (zsock_send (actor, "ss", VERB_START, text), 0);
    zpoller_t *poller = zpoller_new (actor, NULL);
    assert_non_null (poller);
    void *which = zpoller_wait (poller, TESTUTIL_WAIT_MS);
    zpoller_destroy (&poller);
    assert_ptr_equal (which, actor);
    int status = -2;
    *detail = NULL;
    assert_int_equal (zsock_recv (actor, "is", &status, detail), 0);
    assert_non_null (*detail);
    return status;
}

//  A running event bus on FRONTEND and BACKEND (no external endpoint):
//  a PUB of an actor connects to FRONTEND, the test's SUB to BACKEND.
static inline zactor_t *
testutil_event_bus (const char *frontend, const char *backend)
{
    zactor_t *bus = zactor_new (event_bus_actor, NULL);
    assert_non_null (bus);
    //  Later STATS replies are bounded too
    zsock_set_rcvtimeo (bus, TESTUTIL_WAIT_MS);
    assert_int_equal (zsock_send (bus, "ssss", VERB_START, frontend,
                                  backend, ""), 0);
    int status = -2;
    char *detail = NULL;
    assert_int_equal (zsock_recv (bus, "is", &status, &detail), 0);
    assert_int_equal (status, 0);
    zstr_free (&detail);
    return bus;
}

//  A SUB on the bus BACKEND for TOPIC whose subscription has already
//  reached the bus: probes published on FRONTEND until one comes back
//  (then every probe is read, so none is left for the test). An XSUB
//  hands its subscriptions to each publisher that connects later, so an
//  actor started after this never filters its first events away, as it
//  may on a loaded machine when the subscription is still on its way.
static inline zsock_t *
testutil_bus_subscriber (const char *frontend, const char *backend,
                         const char *topic)
{
    const char *topics [] = { topic, NULL };
    zsock_t *sub = event_bus_subscriber (backend, topics);
    assert_non_null (sub);
    zsock_t *probe = event_bus_publisher (frontend);
    assert_non_null (probe);
    zpoller_t *poller = zpoller_new (sub, NULL);
    assert_non_null (poller);
    int64_t deadline = zclock_mono () + TESTUTIL_WAIT_MS;
    int sent = 0, last = -1;
    while (last == -1 && zclock_mono () < deadline) {
        zsock_send (probe, "si", topic, sent++);
        if (zpoller_wait (poller, 10) == sub) {
            char *got = NULL;
            assert_int_equal (zsock_recv (sub, "si", &got, &last), 0);
            zstr_free (&got);
        }
    }
    if (last == -1)
        fail_msg ("no subscription to '%s' within %d ms", topic,
                  TESTUTIL_WAIT_MS);
    //  Probes go in order: the last one sent ends the drain
    while (last < sent - 1) {
        assert_ptr_equal (zpoller_wait (poller, TESTUTIL_WAIT_MS), sub);
        char *got = NULL;
        assert_int_equal (zsock_recv (sub, "si", &got, &last), 0);
        zstr_free (&got);
    }
    zpoller_destroy (&poller);
    zsock_destroy (&probe);
    return sub;
}

//  A round trip (STATS) to the event bus actor BUS. Its loop polls all its
//  sockets before it answers, so a publisher that connected before this
//  call has been taken in and sent the bus's subscriptions: with
//  testutil_bus_subscriber, an actor started before this call cannot
//  lose its first events to a subscription still on its way.
static inline void
testutil_bus_settle (zactor_t *bus)
{
    assert_int_equal (zsock_send (bus, "s", VERB_STATS), 0);
    uint64_t forwarded = 0, subscriptions = 0;
    assert_int_equal (zsock_recv (bus, "88", &forwarded, &subscriptions), 0);
    assert_true (subscriptions > 0);
}

//  Expect exactly VERB TOKEN from a transport on MODEL: SENT has no
//  reason, FAILED has one, containing WANT when WANT is not NULL.
//  Returns FAILED's reason (the caller frees), else NULL.
static inline char *
testutil_expect_reply (zsock_t *model, const char *verb, const char *token,
                       const char *want)
{
    zmsg_t *msg = testutil_recv_within (model, TESTUTIL_WAIT_MS);
    if (!msg)
        fail_msg ("no %s %s within %d ms", verb, token, TESTUTIL_WAIT_MS);
    char *got_verb = zmsg_popstr (msg);
    char *got_token = zmsg_popstr (msg);
    char *reason = zmsg_popstr (msg);
    if (!got_verb || !streq (got_verb, verb)
    ||  (want && (!reason || !strstr (reason, want))))
        print_error ("want %s %s '%s', got %s %s '%s'\n", verb, token,
                     want? want: "", got_verb? got_verb: "",
                     got_token? got_token: "", reason? reason: "");
    assert_non_null (got_verb);
    assert_string_equal (got_verb, verb);
    assert_non_null (got_token);
    assert_string_equal (got_token, token);
    assert_int_equal (reason != NULL, streq (verb, VERB_FAILED));
    if (want) {
        assert_non_null (reason);
        assert_non_null (strstr (reason, want));
    }
    assert_int_equal (zmsg_size (msg), 0);
    zstr_free (&got_verb);
    zstr_free (&got_token);
    zmsg_destroy (&msg);
    return reason;
}

//  Expect exactly SENT TOKEN from a transport on MODEL.
static inline void
testutil_expect_sent (zsock_t *model, const char *token)
{
    assert_null (testutil_expect_reply (model, VERB_SENT, token, NULL));
}

//  Expect exactly FAILED TOKEN from a transport on MODEL, with WANT in
//  the reason.
static inline void
testutil_expect_failed (zsock_t *model, const char *token, const char *want)
{
    char *reason = testutil_expect_reply (model, VERB_FAILED, token, want);
    zstr_free (&reason);
}

//  Expect exactly RECV PEER DATA from a transport on MODEL.
static inline void
testutil_expect_recv (zsock_t *model, const char *peer, const void *data,
                      size_t size)
{
    zmsg_t *msg = testutil_recv_within (model, TESTUTIL_WAIT_MS);
    if (!msg)
        fail_msg ("no RECV from %s within %d ms", peer, TESTUTIL_WAIT_MS);
    assert_int_equal (zmsg_size (msg), 3);
    char *verb = zmsg_popstr (msg);
    char *from = zmsg_popstr (msg);
    zframe_t *frame = zmsg_pop (msg);
    assert_string_equal (verb, VERB_RECV);
    assert_string_equal (from, peer);
    assert_int_equal (zframe_size (frame), size);
    assert_memory_equal (zframe_data (frame), data, size);
    zstr_free (&verb);
    zstr_free (&from);
    zframe_destroy (&frame);
    zmsg_destroy (&msg);
}

//  Wait for an event on TOPIC whose text contains WANT, reading SUB and
//  skipping every other event. Returns its text (the caller frees).
static inline char *
testutil_expect_event_text (zsock_t *sub, const char *topic,
                            const char *want)
{
    zpoller_t *poller = zpoller_new (sub, NULL);
    assert_non_null (poller);
    int64_t deadline = zclock_mono () + TESTUTIL_WAIT_MS;
    char *found = NULL;
    while (!found && zclock_mono () < deadline) {
        if (zpoller_wait (poller, (int) (deadline - zclock_mono ())) != sub)
            break;
        bus_event_t *event = bus_event_recv (sub);
        if (event && streq (event->topic, topic) && event->text
        &&  strstr (event->text, want))
            found = strdup (event->text);
        bus_event_destroy (&event);
    }
    zpoller_destroy (&poller);
    if (!found)
        fail_msg ("no %s event with '%s' within %d ms", topic, want,
                  TESTUTIL_WAIT_MS);
    return found;
}

//  Publish a "sys" sync marker with TOKEN and counters on PUB, as the
//  chat-model does.
static inline void
testutil_publish_marker (zsock_t *pub, const char *token, uint64_t pending,
                         uint64_t failed, uint64_t total)
{
    bus_event_t *event = bus_event_new (BUS_EVENT_SYS, TOPIC_SYS);
    assert_non_null (event);
    event->sys_kind = strdup ("sync");
    event->token = strdup (token);
    event->pending = pending;
    event->failed = failed;
    event->total = total;
    assert_int_equal (bus_event_publish (event, pub), 0);
    bus_event_destroy (&event);
}

//  Wait for an event on TOPIC whose text contains WANT (see above).
static inline void
testutil_expect_event (zsock_t *sub, const char *topic, const char *want)
{
    char *text = testutil_expect_event_text (sub, topic, want);
    zstr_free (&text);
}

#endif
