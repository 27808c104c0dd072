/*  test_transport_tcp.c: the TCP transport actor with swapped neighbours.

    Each test starts transport_tcp_actor with a PAIR (the chat-model) and
    a SUB (the bus) of its own, bound at unique inproc endpoints, and
    plays the network with plain sockets: a Rust-like sender (connect,
    write the captured bytes, close), a Rust-like listener (never greets,
    reads to EOF), hostile peers (garbage, oversize, slowloris, resets,
    floods), or a second transport actor for framed mode. It asserts on
    the exact frames the actor sends to the model and on its "net"
    events. Every wait is a bounded poll.
*/
#include "dtchat.h"
#include "transport.h"
#include "bus_event.h"
#include "tcp_reader.h"

#include "testutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

//  Idle timeout the tests give the actor: short, so slowloris ends soon.
#define IDLE_MS     400

//  One actor under test and its fake neighbours.
typedef struct {
    zsock_t *model;             //  we are the chat-model
    zsock_t *bus;               //  we are the bus
    zactor_t *actor;
    transport_args_t args;
    char model_endpoint [96];
    char bus_endpoint [96];
    char local [DTCHAT_ENDPOINT_MAX];
    int port;
} env_t;

//  Start an actor bound to LOCAL ("tcp 127.0.0.1:0").
static env_t *
s_env_new (const char *local, size_t max_message, int idle_ms)
{
    env_t *env = (env_t *) zmalloc (sizeof (env_t));
    assert_non_null (env);
    //  Unique even when ENV reuses a freed address: inproc names are
    //  released only once the old socket is reaped
    int64_t stamp = zclock_usecs ();
    snprintf (env->model_endpoint, sizeof (env->model_endpoint),
              "inproc://tcp-model-%p-%" PRId64, (void *) env, stamp);
    snprintf (env->bus_endpoint, sizeof (env->bus_endpoint),
              "inproc://tcp-bus-%p-%" PRId64, (void *) env, stamp);
    //  We bind both ('@'); the actor connects
    char bind [100];
    snprintf (bind, sizeof (bind), "@%s", env->model_endpoint);
    env->model = zsock_new_pair (bind);
    assert_non_null (env->model);
    snprintf (bind, sizeof (bind), "@%s", env->bus_endpoint);
    env->bus = zsock_new_sub (bind, "");
    assert_non_null (env->bus);
    zsock_set_rcvtimeo (env->model, TESTUTIL_WAIT_MS);
    env->args.model_endpoint = env->model_endpoint;
    env->args.bus_endpoint = env->bus_endpoint;
    env->args.max_message = max_message;
    env->args.idle_timeout_ms = idle_ms;
    env->actor = zactor_new (transport_tcp_actor, &env->args);
    assert_non_null (env->actor);
    //  Let the SUB attach now, so the actor's PUB learns of it early
    zsock_events (env->bus);
    char *detail = NULL;
    assert_int_equal (testutil_start (env->actor, local, &detail), 0);
    snprintf (env->local, sizeof (env->local), "%s", detail);
    env->port = atoi (strrchr (detail, ':') + 1);
    assert_true (env->port > 0);
    zstr_free (&detail);
    return env;
}

//  Stop the actor and close the neighbours.
static void
s_env_destroy (env_t **env_p)
{
    env_t *env = *env_p;
    zactor_destroy (&env->actor);
    zsock_destroy (&env->model);
    zsock_destroy (&env->bus);
    free (env);
    *env_p = NULL;
}

//  Send SEND token endpoint data as the model.
static void
s_send (env_t *env, const char *token, const char *endpoint,
        const void *data, size_t size)
{
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, VERB_SEND);
    zmsg_addstr (msg, token);
    zmsg_addstr (msg, endpoint);
    zmsg_addmem (msg, data, size);
    assert_int_equal (zmsg_send (&msg, env->model), 0);
}

//  Receive one message for the model; fail after TESTUTIL_WAIT_MS.
static zmsg_t *
s_model_recv (env_t *env)
{
    zmsg_t *msg = zmsg_recv (env->model);
    assert_non_null (msg);
    return msg;
}

//  Expect RECV: return the bytes, fill PEER (may be NULL).
static zframe_t *
s_expect_recv (env_t *env, char **peer)
{
    zmsg_t *msg = s_model_recv (env);
    assert_int_equal (zmsg_size (msg), 3);
    char *verb = zmsg_popstr (msg);
    assert_string_equal (verb, VERB_RECV);
    char *from = zmsg_popstr (msg);
    assert_non_null (from);
    zframe_t *data = zmsg_pop (msg);
    zstr_free (&verb);
    if (peer)
        *peer = from;
    else
        zstr_free (&from);
    zmsg_destroy (&msg);
    return data;
}

//  A message of SIZE bytes that looks like protobuf: field 8 (a file)
//  whose bytes are a counting pattern seeded with SEED.
static byte *
s_big_message (size_t size, int seed)
{
    assert_true (size > 16);
    byte *data = (byte *) malloc (size);
    assert_non_null (data);
    size_t body = size - 1;
    size_t at = 1;
    data [0] = (8 << 3) | 2;
    //  Length varint of the rest, then the pattern
    size_t length_bytes = 1;
    for (size_t rest = body; rest >= 0x80; rest >>= 7)
        length_bytes++;
    size_t length = body - length_bytes;
    for (size_t value = length; ; value >>= 7) {
        data [at++] = (byte) ((value & 0x7f) | (value >= 0x80? 0x80: 0));
        if (value < 0x80)
            break;
    }
    assert_int_equal (at, 1 + length_bytes);
    for (size_t index = at; index < size; index++)
        data [index] = (byte) (index * 7 + (size_t) seed);
    assert_true (tcp_reader_looks_like_protobuf (data, size));
    return data;
}

//  A blocking client socket connected to HOST:PORT.
static int
s_connect (const char *host, int port)
{
    struct sockaddr_storage ss;
    memset (&ss, 0, sizeof (ss));
    socklen_t len;
    int family = strchr (host, ':')? AF_INET6: AF_INET;
    if (family == AF_INET6) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &ss;
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons ((uint16_t) port);
        assert_int_equal (inet_pton (AF_INET6, host, &in6->sin6_addr), 1);
        len = sizeof (*in6);
    }
    else {
        struct sockaddr_in *in4 = (struct sockaddr_in *) &ss;
        in4->sin_family = AF_INET;
        in4->sin_port = htons ((uint16_t) port);
        assert_int_equal (inet_pton (AF_INET, host, &in4->sin_addr), 1);
        len = sizeof (*in4);
    }
    int fd = socket (family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true (fd >= 0);
    assert_int_equal (connect (fd, (struct sockaddr *) &ss, len), 0);
    return fd;
}

//  A listening socket on 127.0.0.1, ephemeral port in *PORT.
static int
s_listen (int *port)
{
    int fd = testutil_tcp_bound (port);
    assert_int_equal (listen (fd, 64), 0);
    return fd;
}
//  Wait up to TESTUTIL_WAIT_MS for FD to be readable.
static void
s_wait_readable (int fd)
{
    struct pollfd item = { .fd = fd, .events = POLLIN };
    assert_int_equal (poll (&item, 1, TESTUTIL_WAIT_MS), 1);
}

//  Read until EOF into a new buffer; -1 in *SIZE on an error (a reset).
static byte *
s_read_to_eof (int fd, ssize_t *size)
{
    size_t room = 1 << 16, got = 0;
    byte *data = (byte *) malloc (room);
    assert_non_null (data);
    while (true) {
        s_wait_readable (fd);
        if (got == room) {
            room *= 2;
            byte *bigger = (byte *) realloc (data, room);
            assert_non_null (bigger);
            data = bigger;
        }
        ssize_t rc = recv (fd, data + got, room - got, 0);
        if (rc == 0)
            break;
        if (rc == -1) {
            *size = -1;
            return data;
        }
        got += (size_t) rc;
    }
    *size = (ssize_t) got;
    return data;
}

//  "tcp 127.0.0.1:PORT" for a port.
static char *
s_endpoint (const char *host, int port)
{
    return zsys_sprintf (strchr (host, ':')? "tcp [%s]:%d": "tcp %s:%d",
                         host, port);
}

//  The local port of socket FD.
static int
s_local_port (int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof (ss);
    assert_int_equal (getsockname (fd, (struct sockaddr *) &ss, &len), 0);
    return ntohs (ss.ss_family == AF_INET6?
                  ((struct sockaddr_in6 *) &ss)->sin6_port:
                  ((struct sockaddr_in *) &ss)->sin_port);
}

//  Send FILE like the Rust DTChat (connect, write, close) from HOST and
//  check the actor hands exactly those bytes to the model, and that it
//  never wrote a byte to us (a Rust sender must never get a greeting).
static void
s_rust_sends (env_t *env, const char *host, const char *file)
{
    size_t size;
    byte *data = testutil_load ("wire",file, &size);
    int fd = s_connect (host, env->port);
    testutil_write_all (fd, data, size);
    assert_int_equal (shutdown (fd, SHUT_WR), 0);
    char *peer;
    zframe_t *frame = s_expect_recv (env, &peer);
    assert_int_equal (zframe_size (frame), size);
    assert_memory_equal (zframe_data (frame), data, size);
    char *expected = s_endpoint (host, s_local_port (fd));
    assert_string_equal (peer, expected);
    ssize_t got;
    byte *back = s_read_to_eof (fd, &got);
    assert_int_equal (got, 0);
    free (back);
    close (fd);
    zstr_free (&expected);
    zstr_free (&peer);
    zframe_destroy (&frame);
    free (data);
}

//  The Rust DTChat's captured TCP messages arrive whole, short and long.
static void
test_rust_sender (void **state)
{
    env_t *env = s_env_new ("tcp 127.0.0.1:0", 0, 0);
    s_rust_sends (env, "127.0.0.1", "tcp-text-short.bin");
    s_rust_sends (env, "127.0.0.1", "tcp-text-long.bin");
    s_rust_sends (env, "127.0.0.1", "tcp-ack.bin");
    s_env_destroy (&env);
}

//  The same over IPv6, and TCP upper case in the endpoint.
static void
test_ipv6 (void **state)
{
    env_t *env = s_env_new ("TCP [::1]:0", 0, 0);
    assert_non_null (strstr (env->local, "tcp [::1]:"));
    s_rust_sends (env, "::1", "tcp-text-short.bin");
    //  And an IPv4 actor sends to this IPv6 one, framed
    env_t *sender = s_env_new ("tcp 127.0.0.1:0", 0, 0);
    size_t size;
    byte *data = testutil_load ("wire","tcp-text-long.bin", &size);
    s_send (sender, "v6", env->local, data, size);
    char *reason = testutil_expect_reply (sender->model, VERB_SENT, "v6", NULL);
    zstr_free (&reason);
    zframe_t *frame = s_expect_recv (env, NULL);
    assert_int_equal (zframe_size (frame), size);
    assert_memory_equal (zframe_data (frame), data, size);
    zframe_destroy (&frame);
    free (data);
    s_env_destroy (&sender);
    s_env_destroy (&env);
}

//  A Rust-like listener (it never greets) gets one bare message per
//  connection, then EOF; the second message does not wait for a greeting.
static void
test_rust_listener (void **state)
{
    env_t *env = s_env_new ("tcp 127.0.0.1:0", 0, 0);
    int port;
    int listener = s_listen (&port);
    char *remote = s_endpoint ("127.0.0.1", port);
    size_t size;
    byte *data = testutil_load ("wire","tcp-ack.bin", &size);
    for (int round = 0; round < 2; round++) {
        char token [16];
        snprintf (token, sizeof (token), "t%d", round);
        s_send (env, token, remote, data, size);
        int fd = testutil_tcp_accept (listener);
        ssize_t got;
        byte *bytes = s_read_to_eof (fd, &got);
        assert_int_equal (got, (ssize_t) size);
        assert_memory_equal (bytes, data, size);
        free (bytes);
        char *reason = testutil_expect_reply (env->model, VERB_SENT, token,
                                              NULL);
        zstr_free (&reason);
        close (fd);
    }
    free (data);
    zstr_free (&remote);
    close (listener);
    s_env_destroy (&env);
}

//  Two actors talk framed: 100 messages in order over one connection
//  (every RECV names the same source port: one accept).
static void
test_framed_pair (void **state)
{
    env_t *a = s_env_new ("tcp 127.0.0.1:0", 0, 0);
    env_t *b = s_env_new ("tcp 127.0.0.1:0", 0, 0);
    size_t size;
    byte *data = testutil_load ("wire","tcp-text-short.bin", &size);
    for (int index = 0; index < 100; index++) {
        char token [16];
        snprintf (token, sizeof (token), "m%d", index);
        data [size - 1] = (byte) ('0' + index % 10);
        s_send (a, token, b->local, data, size);
    }
    char *first_peer = NULL;
    for (int index = 0; index < 100; index++) {
        char *peer;
        zframe_t *frame = s_expect_recv (b, &peer);
        data [size - 1] = (byte) ('0' + index % 10);
        assert_int_equal (zframe_size (frame), size);
        assert_memory_equal (zframe_data (frame), data, size);
        if (!first_peer)
            first_peer = peer;
        else {
            assert_string_equal (peer, first_peer);
            zstr_free (&peer);
        }
        zframe_destroy (&frame);
    }
    for (int index = 0; index < 100; index++) {
        char token [16];
        snprintf (token, sizeof (token), "m%d", index);
        char *reason = testutil_expect_reply (a->model, VERB_SENT, token, NULL);
        zstr_free (&reason);
    }
    //  Later messages reuse the link too
    s_send (a, "again", b->local, data, size);
    char *peer;
    zframe_t *frame = s_expect_recv (b, &peer);
    assert_string_equal (peer, first_peer);
    zstr_free (&peer);
    zframe_destroy (&frame);
    char *reason = testutil_expect_reply (a->model, VERB_SENT, "again", NULL);
    zstr_free (&reason);
    zstr_free (&first_peer);
    free (data);
    s_env_destroy (&a);
    s_env_destroy (&b);
}

//  A 5 MB message, framed between actors and bare from a plain sender.
static void
test_big_message (void **state)
{
    env_t *a = s_env_new ("tcp 127.0.0.1:0", 0, 0);
    env_t *b = s_env_new ("tcp 127.0.0.1:0", 0, 0);
    size_t size = 5 * 1000 * 1000;
    byte *data = s_big_message (size, 1);
    s_send (a, "big", b->local, data, size);
    zframe_t *frame = s_expect_recv (b, NULL);
    assert_int_equal (zframe_size (frame), size);
    assert_memory_equal (zframe_data (frame), data, size);
    zframe_destroy (&frame);
    char *reason = testutil_expect_reply (a->model, VERB_SENT, "big", NULL);
    zstr_free (&reason);
    //  Bare, ended by EOF, as a Rust DTChat would send it
    int fd = s_connect ("127.0.0.1", b->port);
    testutil_write_all (fd, data, size);
    close (fd);
    frame = s_expect_recv (b, NULL);
    assert_int_equal (zframe_size (frame), size);
    assert_memory_equal (zframe_data (frame), data, size);
    zframe_destroy (&frame);
    free (data);
    s_env_destroy (&a);
    s_env_destroy (&b);
}

//  Over max_message: dropped with an event, the connection closed;
//  SEND over the limit fails at once.
static void
test_over_max (void **state)
{
    size_t max = 64 * 1024;
    env_t *env = s_env_new ("tcp 127.0.0.1:0", max, 0);
    size_t size = max + 1;
    byte *data = s_big_message (size, 2);
    int fd = s_connect ("127.0.0.1", env->port);
    //  The actor may close before we finish: do not insist
    send (fd, data, size, MSG_NOSIGNAL);
    shutdown (fd, SHUT_WR);
    testutil_expect_event (env->bus, TOPIC_NET, "over the limit");
    ssize_t got;
    free (s_read_to_eof (fd, &got));
    assert_true (got <= 0);
    close (fd);
    assert_true (testutil_quiet (env->model, 100));
    //  Framed: a frame header announcing too much is refused as read
    env_t *sender = s_env_new ("tcp 127.0.0.1:0", 0, 0);
    s_send (sender, "huge", env->local, data, size);
    testutil_expect_event (env->bus, TOPIC_NET, "over the limit");
    assert_true (testutil_quiet (env->model, 100));
    //  Our own limit: FAILED before anything is sent
    s_send (env, "own", sender->local, data, size);
    char *reason = testutil_expect_reply (env->model, VERB_FAILED, "own", NULL);
    assert_non_null (strstr (reason, "over the limit"));
    zstr_free (&reason);
    //  Still serving others
    s_rust_sends (env, "127.0.0.1", "tcp-text-short.bin");
    free (data);
    s_env_destroy (&sender);
    s_env_destroy (&env);
}

//  Garbage: not protobuf, or a bad greeting; each dropped with an event.
static void
test_garbage (void **state)
{
    env_t *env = s_env_new ("tcp 127.0.0.1:0", 0, 0);
    const char *http = "GET / HTTP/1.0\r\n\r\n";
    int fd = s_connect ("127.0.0.1", env->port);
    testutil_write_all (fd, http, strlen (http));
    shutdown (fd, SHUT_WR);
    testutil_expect_event (env->bus, TOPIC_NET, "not a ProtoMessage");
    close (fd);
    //  Starts like our greeting, then is not
    fd = s_connect ("127.0.0.1", env->port);
    testutil_write_all (fd, "\xd7" "DTCHAX\x01", 8);
    testutil_expect_event (env->bus, TOPIC_NET, "bad greeting");
    ssize_t got;
    free (s_read_to_eof (fd, &got));
    close (fd);
    //  A good greeting, then an empty frame
    fd = s_connect ("127.0.0.1", env->port);
    testutil_write_all (fd, TCP_MAGIC "\0\0\0\0", TCP_MAGIC_SIZE + 4);
    testutil_expect_event (env->bus, TOPIC_NET, "empty frame");
    close (fd);
    assert_true (testutil_quiet (env->model, 100));
    s_rust_sends (env, "127.0.0.1", "tcp-text-short.bin");
    s_env_destroy (&env);
}

//  Slowloris: a silent connection gets our greeting, then is closed
//  after the idle timeout; so is one that stops mid-message. Others
//  are served meanwhile.
static void
test_slowloris (void **state)
{
    env_t *env = s_env_new ("tcp 127.0.0.1:0", 0, IDLE_MS);
    int silent = s_connect ("127.0.0.1", env->port);
    size_t size;
    byte *data = testutil_load ("wire","tcp-text-long.bin", &size);
    int half = s_connect ("127.0.0.1", env->port);
    testutil_write_all (half, data, size / 2);
    //  Served while the two hang
    s_rust_sends (env, "127.0.0.1", "tcp-text-short.bin");
    ssize_t got;
    byte *bytes = s_read_to_eof (silent, &got);
    assert_int_equal (got, TCP_MAGIC_SIZE);
    assert_memory_equal (bytes, TCP_MAGIC, TCP_MAGIC_SIZE);
    free (bytes);
    bytes = s_read_to_eof (half, &got);
    assert_int_equal (got, 0);          //  a legacy peer hears nothing
    free (bytes);
    testutil_expect_event (env->bus, TOPIC_NET, "mid-message");
    assert_true (testutil_quiet (env->model, 100));
    close (silent);
    close (half);
    free (data);
    s_env_destroy (&env);
}

//  A peer that resets mid-message: dropped with an event.
static void
test_reset (void **state)
{
    env_t *env = s_env_new ("tcp 127.0.0.1:0", 0, 0);
    size_t size;
    byte *data = testutil_load ("wire","tcp-text-long.bin", &size);
    int fd = s_connect ("127.0.0.1", env->port);
    testutil_write_all (fd, data, size / 2);
    //  Linger 0: close sends a reset
    struct linger linger = { .l_onoff = 1, .l_linger = 0 };
    setsockopt (fd, SOL_SOCKET, SO_LINGER, &linger, sizeof (linger));
    close (fd);
    char *text = testutil_expect_event_text (env->bus, TOPIC_NET,
                                             "mid-message");
    assert_non_null (strstr (text, "reset"));
    zstr_free (&text);
    assert_true (testutil_quiet (env->model, 100));
    s_rust_sends (env, "127.0.0.1", "tcp-text-short.bin");
    free (data);
    s_env_destroy (&env);
}

//  Nobody listens: FAILED with the reason, for every queued message; a
//  bad endpoint fails at once.
static void
test_refused (void **state)
{
    env_t *env = s_env_new ("tcp 127.0.0.1:0", 0, 0);
    int port;
    int listener = s_listen (&port);
    close (listener);                   //  now nobody listens there
    char *remote = s_endpoint ("127.0.0.1", port);
    size_t size;
    byte *data = testutil_load ("wire","tcp-text-short.bin", &size);
    s_send (env, "r1", remote, data, size);
    s_send (env, "r2", remote, data, size);
    for (int index = 1; index <= 2; index++) {
        char token [8];
        snprintf (token, sizeof (token), "r%d", index);
        char *reason = testutil_expect_reply (env->model, VERB_FAILED, token,
                                              NULL);
        assert_non_null (strstr (reason, "refused"));
        assert_non_null (strstr (reason, remote));
        zstr_free (&reason);
    }
    const char *bad [] = { "garbage", "udp 127.0.0.1:5", "tcp 1.2.3:4", "" };
    for (size_t index = 0; index < sizeof (bad) / sizeof (bad [0]); index++) {
        s_send (env, "bad", bad [index], data, size);
        char *reason = testutil_expect_reply (env->model, VERB_FAILED, "bad",
                                              NULL);
        zstr_free (&reason);
    }
    s_send (env, "empty", remote, data, 0);
    char *reason = testutil_expect_reply (env->model, VERB_FAILED, "empty",
                                          NULL);
    zstr_free (&reason);
    free (data);
    zstr_free (&remote);
    s_env_destroy (&env);
}

//  A listener that accepts but never reads: the write stalls and fails
//  after the idle timeout instead of hanging.
static void
test_stalled_reader (void **state)
{
    env_t *env = s_env_new ("tcp 127.0.0.1:0", 0, IDLE_MS);
    int port;
    int listener = s_listen (&port);
    //  Small buffers, so the socket fills soon
    int small = 4096;
    setsockopt (listener, SOL_SOCKET, SO_RCVBUF, &small, sizeof (small));
    char *remote = s_endpoint ("127.0.0.1", port);
    size_t size = 8 * 1000 * 1000;
    byte *data = s_big_message (size, 3);
    s_send (env, "stall", remote, data, size);
    int fd = testutil_tcp_accept (listener);
    char *reason = testutil_expect_reply (env->model, VERB_FAILED, "stall",
                                          NULL);
    assert_non_null (strstr (reason, "stopped reading"));
    zstr_free (&reason);
    close (fd);
    close (listener);
    free (data);
    zstr_free (&remote);
    s_env_destroy (&env);
}

//  The peer goes away and comes back on the same port: the link breaks,
//  sends fail, and a later send opens a new link.
static void
test_peer_restart (void **state)
{
    env_t *a = s_env_new ("tcp 127.0.0.1:0", 0, 0);
    env_t *b = s_env_new ("tcp 127.0.0.1:0", 0, 0);
    char local [DTCHAT_ENDPOINT_MAX];
    snprintf (local, sizeof (local), "%s", b->local);
    size_t size;
    byte *data = testutil_load ("wire","tcp-text-short.bin", &size);
    s_send (a, "one", local, data, size);
    char *reason = testutil_expect_reply (a->model, VERB_SENT, "one", NULL);
    zframe_t *frame = s_expect_recv (b, NULL);
    zframe_destroy (&frame);
    s_env_destroy (&b);
    //  Until a send notices, the link may look alive: send until FAILED
    bool failed = false;
    for (int round = 0; round < 50 && !failed; round++) {
        s_send (a, "gone", local, data, size);
        zmsg_t *msg = s_model_recv (a);
        char *verb = zmsg_popstr (msg);
        failed = streq (verb, VERB_FAILED);
        zstr_free (&verb);
        zmsg_destroy (&msg);
    }
    assert_true (failed);
    b = s_env_new (local, 0, 0);
    s_send (a, "two", local, data, size);
    zstr_free (&reason);
    reason = testutil_expect_reply (a->model, VERB_SENT, "two", NULL);
    frame = s_expect_recv (b, NULL);
    assert_memory_equal (zframe_data (frame), data, size);
    zframe_destroy (&frame);
    zstr_free (&reason);
    free (data);
    s_env_destroy (&a);
    s_env_destroy (&b);
}

//  Thousands of connection attempts: past the limit they are accepted
//  and closed with a warning; the listener keeps serving.
static void
test_flood (void **state)
{
    struct rlimit limit;
    getrlimit (RLIMIT_NOFILE, &limit);
    if (limit.rlim_cur < 2048 && limit.rlim_max >= 2048) {
        limit.rlim_cur = 2048;
        setrlimit (RLIMIT_NOFILE, &limit);
    }
    env_t *env = s_env_new ("tcp 127.0.0.1:0", 0, 0);
    enum { COUNT = 300 };
    int fds [COUNT];
    for (int index = 0; index < COUNT; index++)
        fds [index] = s_connect ("127.0.0.1", env->port);
    //  The refused ones see EOF; the others get our greeting and stay
    int closed = 0, greeted = 0;
    for (int index = 0; index < COUNT; index++) {
        s_wait_readable (fds [index]);
        byte greeting [TCP_MAGIC_SIZE];
        ssize_t rc = recv (fds [index], greeting, sizeof (greeting),
                           MSG_WAITALL);
        if (rc == 0)
            closed++;
        else {
            assert_int_equal (rc, TCP_MAGIC_SIZE);
            assert_memory_equal (greeting, TCP_MAGIC, TCP_MAGIC_SIZE);
            greeted++;
        }
    }
    assert_int_equal (greeted, 256);
    assert_int_equal (closed, COUNT - 256);
    testutil_expect_event (env->bus, TOPIC_NET, "refused");
    for (int index = 0; index < COUNT; index++)
        close (fds [index]);
    //  Once they are gone, a sender is served again
    s_rust_sends (env, "127.0.0.1", "tcp-text-short.bin");
    s_env_destroy (&env);
}

//  Messages for a peer whose connection is still being set up wait in a
//  bounded queue; past it, FAILED at once.
static void
test_queue_bound (void **state)
{
    env_t *env = s_env_new ("tcp 127.0.0.1:0", 0, 0);
    //  A listener whose accept queue is full drops our SYN: the
    //  connection stays in setup for the whole test
    int port;
    int listener = s_listen (&port);
    assert_int_equal (listen (listener, 0), 0);
    int filler = s_connect ("127.0.0.1", port);
    char *remote = s_endpoint ("127.0.0.1", port);
    size_t size;
    byte *data = testutil_load ("wire","tcp-text-short.bin", &size);
    //  One rides the connection being set up, 1024 wait, 5 are refused
    for (int index = 0; index < 1030; index++) {
        char token [16];
        snprintf (token, sizeof (token), "q%d", index);
        s_send (env, token, remote, data, size);
    }
    for (int index = 1025; index < 1030; index++) {
        char token [16];
        snprintf (token, sizeof (token), "q%d", index);
        char *reason = testutil_expect_reply (env->model, VERB_FAILED, token,
                                              NULL);
        assert_non_null (strstr (reason, "wait for it"));
        zstr_free (&reason);
    }
    close (filler);
    close (listener);
    free (data);
    zstr_free (&remote);
    s_env_destroy (&env);
}

//  START refuses what it cannot bind, with a reason.
static void
test_start_errors (void **state)
{
    env_t *env = s_env_new ("tcp 127.0.0.1:0", 0, 0);
    const char *bad [] = { "udp 127.0.0.1:0", "tcp nowhere", NULL };
    for (int index = 0; index < 3; index++) {
        transport_args_t args = { .model_endpoint = "inproc://tcp-none" };
        zactor_t *actor = zactor_new (transport_tcp_actor, &args);
        assert_non_null (actor);
        zsock_set_rcvtimeo (actor, TESTUTIL_WAIT_MS);
        zsock_send (actor, "ss", VERB_START,
                    bad [index]? bad [index]: env->local);
        int status = 0;
        char *detail = NULL;
        assert_int_equal (zsock_recv (actor, "is", &status, &detail), 0);
        assert_int_equal (status, -1);
        assert_non_null (detail);
        assert_true (strlen (detail) > 0);
        if (!bad [index])
            assert_non_null (strstr (detail, "in use"));
        zstr_free (&detail);
        zactor_destroy (&actor);
    }
    s_env_destroy (&env);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_rust_sender),
        cmocka_unit_test (test_ipv6),
        cmocka_unit_test (test_rust_listener),
        cmocka_unit_test (test_framed_pair),
        cmocka_unit_test (test_big_message),
        cmocka_unit_test (test_over_max),
        cmocka_unit_test (test_garbage),
        cmocka_unit_test (test_slowloris),
        cmocka_unit_test (test_reset),
        cmocka_unit_test (test_refused),
        cmocka_unit_test (test_stalled_reader),
        cmocka_unit_test (test_peer_restart),
        cmocka_unit_test (test_flood),
        cmocka_unit_test (test_queue_bound),
        cmocka_unit_test (test_start_errors),
    };
    int rc = cmocka_run_group_tests (tests, NULL, NULL);
    zsys_shutdown ();
    return rc;
}
