/*  test_transport_udp.c: the UDP transport with fake neighbours.

    The test binds the model's PAIR itself and runs an event bus with a
    SUB on "net", starts transport-udp with those endpoints, and talks to
    it with plain UDP sockets: exact bytes out and in, the sender's
    address, SENT/FAILED with the right token, bind errors, bursts, and
    the drop of empty and oversize datagrams.
*/
#include "dtchat.h"
#include "transport.h"
#include "event_bus.h"
#include "bus_event.h"
#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

//  The neighbours of one transport under test.
typedef struct {
    char model_endpoint [64];
    char frontend [64];
    char backend [64];
    zsock_t *model;             //  plays the chat-model
    zactor_t *bus;
    zsock_t *events;            //  SUB on "net"
    zactor_t *udp;              //  the actor under test
    transport_args_t args;
} rig_t;

//  Build the neighbours and the actor; endpoints are unique per rig.
static rig_t *
s_rig_new (const char *name)
{
    static int s_rigs = 0;
    int id = s_rigs++;
    rig_t *self = (rig_t *) zmalloc (sizeof (rig_t));
    assert_non_null (self);
    snprintf (self->model_endpoint, 64, "inproc://t-udp-%s%d-model", name,
              id);
    snprintf (self->frontend, 64, "inproc://t-udp-%s%d-front", name, id);
    snprintf (self->backend, 64, "inproc://t-udp-%s%d-back", name, id);
    self->model = zsock_new (ZMQ_PAIR);
    assert_int_equal (zsock_bind (self->model, "%s", self->model_endpoint),
                      0);
    self->bus = testutil_event_bus (self->frontend, self->backend);
    self->events = testutil_bus_subscriber (self->frontend, self->backend,
                                            TOPIC_NET);
    self->args.model_endpoint = self->model_endpoint;
    self->args.bus_endpoint = self->frontend;
    self->udp = zactor_new (transport_udp_actor, &self->args);
    assert_non_null (self->udp);
    testutil_bus_settle (self->bus);
    return self;
}

//  Stop the actor and the neighbours.
static void
s_rig_destroy (rig_t **self_p)
{
    rig_t *self = *self_p;
    zactor_destroy (&self->udp);
    zsock_destroy (&self->events);
    zactor_destroy (&self->bus);
    zsock_destroy (&self->model);
    free (self);
    *self_p = NULL;
}

//  A plain UDP socket of the test bound on HOST port 0; *port is set.
static int
s_plain_socket (int family, uint16_t *port)
{
    int fd = socket (family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true (fd >= 0);
    int size = 4 * 1024 * 1024;
    if (setsockopt (fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof (size)))
        setsockopt (fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof (size));
    struct sockaddr_storage addr = { .ss_family = family };
    socklen_t addrlen;
    if (family == AF_INET) {
        struct sockaddr_in *in4 = (struct sockaddr_in *) &addr;
        in4->sin_addr.s_addr = htonl (INADDR_LOOPBACK);
        addrlen = sizeof (*in4);
    }
    else {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &addr;
        in6->sin6_addr = in6addr_loopback;
        addrlen = sizeof (*in6);
    }
    assert_int_equal (bind (fd, (struct sockaddr *) &addr, addrlen), 0);
    assert_int_equal (getsockname (fd, (struct sockaddr *) &addr, &addrlen),
                      0);
    if (family == AF_INET)
        *port = ntohs (((struct sockaddr_in *) &addr)->sin_port);
    else
        *port = ntohs (((struct sockaddr_in6 *) &addr)->sin6_port);
    return fd;
}

//  Send SIZE bytes from FD to loopback PORT of FAMILY.
static void
s_plain_send (int fd, int family, uint16_t port, const void *data,
              size_t size)
{
    struct sockaddr_storage addr = { .ss_family = family };
    socklen_t addrlen;
    if (family == AF_INET) {
        struct sockaddr_in *in4 = (struct sockaddr_in *) &addr;
        in4->sin_addr.s_addr = htonl (INADDR_LOOPBACK);
        in4->sin_port = htons (port);
        addrlen = sizeof (*in4);
    }
    else {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &addr;
        in6->sin6_addr = in6addr_loopback;
        in6->sin6_port = htons (port);
        addrlen = sizeof (*in6);
    }
    assert_int_equal (sendto (fd, data, size, 0, (struct sockaddr *) &addr,
                              addrlen), (ssize_t) size);
}

//  Receive one datagram on FD within 5 s; returns its size, *port the
//  sender's port.
static ssize_t
s_plain_recv (int fd, void *buffer, size_t size, uint16_t *port)
{
    struct pollfd item = { .fd = fd, .events = POLLIN };
    assert_int_equal (poll (&item, 1, 5000), 1);
    struct sockaddr_storage addr;
    socklen_t addrlen = sizeof (addr);
    ssize_t rc = recvfrom (fd, buffer, size, 0, (struct sockaddr *) &addr,
                           &addrlen);
    assert_true (rc >= 0);
    if (addr.ss_family == AF_INET)
        *port = ntohs (((struct sockaddr_in *) &addr)->sin_port);
    else
        *port = ntohs (((struct sockaddr_in6 *) &addr)->sin6_port);
    return rc;
}

//  Port of "udp HOST:PORT".
static uint16_t
s_port_of (const char *text)
{
    const char *colon = strrchr (text, ':');
    assert_non_null (colon);
    return (uint16_t) atoi (colon + 1);
}

//  START binds IPv4 and IPv6 ephemeral ports and names them; twice fails.
static void
test_start (void **state)
{
    rig_t *rig = s_rig_new ("start");
    char *detail;
    assert_int_equal (testutil_start (rig->udp, "UDP 127.0.0.1:0", &detail), 0);
    assert_true (strncmp (detail, "udp 127.0.0.1:", 14) == 0);
    assert_true (s_port_of (detail) > 0);
    zstr_free (&detail);
    assert_int_equal (testutil_start (rig->udp, "udp 127.0.0.1:0", &detail),
                      -1);
    assert_non_null (strstr (detail, "already"));
    zstr_free (&detail);
    s_rig_destroy (&rig);

    rig = s_rig_new ("start6");
    assert_int_equal (testutil_start (rig->udp, "udp [::1]:0", &detail), 0);
    assert_true (strncmp (detail, "udp [::1]:", 10) == 0);
    assert_true (s_port_of (detail) > 0);
    zstr_free (&detail);
    s_rig_destroy (&rig);
}

//  Bind errors: -1 and a one-line reason naming the endpoint.
static void
test_start_errors (void **state)
{
    uint16_t port;
    int fd = s_plain_socket (AF_INET, &port);
    char *text = zsys_sprintf ("udp 127.0.0.1:%u", port);
    rig_t *rig = s_rig_new ("clash");
    char *detail;
    assert_int_equal (testutil_start (rig->udp, text, &detail), -1);
    assert_non_null (strstr (detail, text));
    assert_non_null (strstr (detail, "in use"));
    assert_null (strchr (detail, '\n'));
    zstr_free (&detail);
    //  The failure left it unbound: a free port still works after
    assert_int_equal (testutil_start (rig->udp, "udp 127.0.0.1:0", &detail), 0);
    zstr_free (&detail);
    s_rig_destroy (&rig);

    const char *bad [] = { "udp 127.0.0.1", "udp nowhere:1", "tcp 127.0.0.1:0",
                           "bp ipn:1.1", "", "udp 127.0.0.1:99999" };
    for (size_t index = 0; index < sizeof (bad) / sizeof (bad [0]); index++) {
        rig = s_rig_new ("bad");
        assert_int_equal (testutil_start (rig->udp, bad [index], &detail), -1);
        assert_true (strlen (detail) > 0);
        if (*bad [index])
            assert_non_null (strstr (detail, bad [index]));
        zstr_free (&detail);
        s_rig_destroy (&rig);
    }
    //  An address that is not ours cannot be bound
    rig = s_rig_new ("notours");
    assert_int_equal (testutil_start (rig->udp, "udp 192.0.2.1:0", &detail),
                      -1);
    assert_non_null (strstr (detail, "udp 192.0.2.1:0"));
    zstr_free (&detail);
    s_rig_destroy (&rig);

    zstr_free (&text);
    close (fd);
}

//  SEND: exact bytes from our own port, then SENT with the token.
static void
test_send (void **state)
{
    int families [] = { AF_INET, AF_INET6 };
    const char *locals [] = { "udp 127.0.0.1:0", "udp [::1]:0" };
    const char *hosts [] = { "127.0.0.1", "[::1]" };
    for (int index = 0; index < 2; index++) {
        rig_t *rig = s_rig_new ("send");
        char *local;
        assert_int_equal (testutil_start (rig->udp, locals [index], &local), 0);
        uint16_t port;
        int fd = s_plain_socket (families [index], &port);
        char *remote = zsys_sprintf ("udp %s:%u", hosts [index], port);
        byte data [] = { 0x0a, 0x00, 0xff, 0x24, 0x00 };
        zsock_send (rig->model, "sssb", VERB_SEND, "tok-1", remote, data,
                    sizeof (data));
        testutil_expect_sent (rig->model, "tok-1");
        zstr_free (&remote);
        byte buffer [100];
        uint16_t from;
        assert_int_equal (s_plain_recv (fd, buffer, sizeof (buffer), &from),
                          sizeof (data));
        assert_memory_equal (buffer, data, sizeof (data));
        assert_int_equal (from, s_port_of (local));
        zstr_free (&local);
        close (fd);
        s_rig_destroy (&rig);
    }
}

//  A datagram from a plain socket: RECV with its bytes and address.
static void
test_recv (void **state)
{
    int families [] = { AF_INET, AF_INET6 };
    const char *locals [] = { "udp 127.0.0.1:0", "udp [::1]:0" };
    const char *hosts [] = { "127.0.0.1", "[::1]" };
    for (int index = 0; index < 2; index++) {
        rig_t *rig = s_rig_new ("recv");
        char *local;
        assert_int_equal (testutil_start (rig->udp, locals [index], &local), 0);
        uint16_t port;
        int fd = s_plain_socket (families [index], &port);
        byte data [DTCHAT_UDP_MAX];
        for (size_t at = 0; at < sizeof (data); at++)
            data [at] = (byte) (at * 7 + index);
        char *peer = zsys_sprintf ("udp %s:%u", hosts [index], port);
        s_plain_send (fd, families [index], s_port_of (local), "\0x", 2);
        testutil_expect_recv (rig->model, peer, "\0x", 2);
        //  The largest datagram we accept arrives whole
        s_plain_send (fd, families [index], s_port_of (local), data,
                      sizeof (data));
        testutil_expect_recv (rig->model, peer, data, sizeof (data));
        zstr_free (&peer);
        zstr_free (&local);
        close (fd);
        s_rig_destroy (&rig);
    }
}

//  A dual-stack socket speaks IPv4 too, and names IPv4 peers as IPv4.
static void
test_dual_stack (void **state)
{
    rig_t *rig = s_rig_new ("dual");
    char *local;
    assert_int_equal (testutil_start (rig->udp, "udp [::]:0", &local), 0);
    uint16_t port;
    int fd = s_plain_socket (AF_INET, &port);
    char *peer = zsys_sprintf ("udp 127.0.0.1:%u", port);
    s_plain_send (fd, AF_INET, s_port_of (local), "v4", 2);
    testutil_expect_recv (rig->model, peer, "v4", 2);
    zsock_send (rig->model, "sssb", VERB_SEND, "t4", peer, "back", 4);
    zstr_free (&local);
    testutil_expect_sent (rig->model, "t4");
    char buffer [16];
    uint16_t from;
    assert_int_equal (s_plain_recv (fd, buffer, sizeof (buffer), &from), 4);
    assert_memory_equal (buffer, "back", 4);
    zstr_free (&peer);
    close (fd);
    s_rig_destroy (&rig);
}

//  Bad SENDs fail with their token and a reason; the actor keeps going.
static void
test_send_failures (void **state)
{
    rig_t *rig = s_rig_new ("fail");
    byte *big = (byte *) zmalloc (DTCHAT_UDP_MAX + 1);
    //  Before START there is no socket to send from
    zsock_send (rig->model, "sssb", VERB_SEND, "early", "udp 127.0.0.1:9",
                "x", 1);
    char *reason = testutil_expect_reply (rig->model, VERB_FAILED, "early",
                                          NULL);
    assert_non_null (strstr (reason, "not started"));
    zstr_free (&reason);

    char *local;
    assert_int_equal (testutil_start (rig->udp, "udp 127.0.0.1:0", &local), 0);
    uint16_t port;
    int fd = s_plain_socket (AF_INET, &port);
    char *remote = zsys_sprintf ("udp 127.0.0.1:%u", port);

    zsock_send (rig->model, "sssb", VERB_SEND, "big", remote, big,
                (size_t) DTCHAT_UDP_MAX + 1);
    reason = testutil_expect_reply (rig->model, VERB_FAILED, "big", NULL);
    assert_non_null (strstr (reason, "65508"));
    zstr_free (&reason);

    zsock_send (rig->model, "sssb", VERB_SEND, "bad", "udp 300.1.1.1:5",
                "x", 1);
    reason = testutil_expect_reply (rig->model, VERB_FAILED, "bad", NULL);
    assert_non_null (strstr (reason, "300.1.1.1"));
    zstr_free (&reason);

    zsock_send (rig->model, "sssb", VERB_SEND, "bp", "bp ipn:2.1", "x", 1);
    reason = testutil_expect_reply (rig->model, VERB_FAILED, "bp", NULL);
    assert_non_null (strstr (reason, "not a udp endpoint"));
    zstr_free (&reason);

    zsock_send (rig->model, "sssb", VERB_SEND, "empty", remote, "", 0);
    reason = testutil_expect_reply (rig->model, VERB_FAILED, "empty", NULL);
    zstr_free (&reason);

    //  IPv6 from an IPv4 socket: the kernel's reason, named
    zsock_send (rig->model, "sssb", VERB_SEND, "v6", "udp [::1]:9", "x", 1);
    reason = testutil_expect_reply (rig->model, VERB_FAILED, "v6", NULL);
    assert_non_null (strstr (reason, "udp [::1]:9"));
    zstr_free (&reason);

    //  Nobody listens there: UDP cannot know, so it is SENT
    uint16_t closed;
    int gone = s_plain_socket (AF_INET, &closed);
    close (gone);
    char *nobody = zsys_sprintf ("udp 127.0.0.1:%u", closed);
    for (int count = 0; count < 3; count++) {
        zsock_send (rig->model, "sssb", VERB_SEND, "void", nobody, "x", 1);
        testutil_expect_sent (rig->model, "void");
    }
    zstr_free (&nobody);

    //  ...and a good one after all that still goes out whole
    zsock_send (rig->model, "sssb", VERB_SEND, "good", remote, big,
                (size_t) DTCHAT_UDP_MAX);
    testutil_expect_sent (rig->model, "good");
    uint16_t from;
    byte *buffer = (byte *) zmalloc (DTCHAT_UDP_MAX + 1);
    assert_int_equal (s_plain_recv (fd, buffer, DTCHAT_UDP_MAX + 1, &from),
                      DTCHAT_UDP_MAX);
    free (buffer);

    zstr_free (&remote);
    zstr_free (&local);
    free (big);
    close (fd);
    s_rig_destroy (&rig);
}

//  1000 datagrams each way: every one arrives, every SEND is SENT.
static void
test_burst (void **state)
{
    rig_t *rig = s_rig_new ("burst");
    char *local;
    assert_int_equal (testutil_start (rig->udp, "udp 127.0.0.1:0", &local), 0);
    uint16_t port;
    int fd = s_plain_socket (AF_INET, &port);
    char *peer = zsys_sprintf ("udp 127.0.0.1:%u", port);
    enum { COUNT = 1000 };
    bool seen [COUNT] = { false };

    for (int index = 0; index < COUNT; index++) {
        char text [16];
        int size = snprintf (text, sizeof (text), "%d", index);
        s_plain_send (fd, AF_INET, s_port_of (local), text, (size_t) size);
    }
    for (int index = 0; index < COUNT; index++) {
        zmsg_t *msg = testutil_recv_within (rig->model, 5000);
        assert_non_null (msg);
        char *verb = zmsg_popstr (msg);
        char *from = zmsg_popstr (msg);
        char *text = zmsg_popstr (msg);
        assert_string_equal (verb, VERB_RECV);
        assert_string_equal (from, peer);
        int number = atoi (text);
        assert_true (number >= 0 && number < COUNT);
        assert_false (seen [number]);
        seen [number] = true;
        zstr_free (&verb);
        zstr_free (&from);
        zstr_free (&text);
        zmsg_destroy (&msg);
    }

    for (int index = 0; index < COUNT; index++) {
        char token [16];
        snprintf (token, sizeof (token), "t%d", index);
        zsock_send (rig->model, "sssb", VERB_SEND, token, peer, token,
                    strlen (token));
    }
    for (int index = 0; index < COUNT; index++) {
        char token [16];
        snprintf (token, sizeof (token), "t%d", index);
        testutil_expect_sent (rig->model, token);
    }
    memset (seen, 0, sizeof (seen));
    for (int index = 0; index < COUNT; index++) {
        char buffer [16];
        uint16_t from;
        ssize_t size = s_plain_recv (fd, buffer, sizeof (buffer) - 1, &from);
        buffer [size] = 0;
        int number = atoi (buffer + 1);
        assert_true (number >= 0 && number < COUNT);
        assert_false (seen [number]);
        seen [number] = true;
    }
    zstr_free (&peer);
    zstr_free (&local);
    close (fd);
    s_rig_destroy (&rig);
}

//  Send FROM's datagram of SIZE until a "net" error event comes (the
//  bus subscription takes a moment to reach the transport), then check
//  that none of them reached the model: a good one is the first RECV.
static void
s_expect_dropped (rig_t *rig, int family, const char *local, const void *bad,
                  size_t size, const char *what)
{
    uint16_t port;
    int fd = s_plain_socket (family, &port);
    zpoller_t *poller = zpoller_new (rig->events, NULL);
    bus_event_t *event = NULL;
    for (int tries = 0; tries < 200 && !event; tries++) {
        s_plain_send (fd, family, s_port_of (local), bad, size);
        while (!event && zpoller_wait (poller, 20) == rig->events) {
            event = bus_event_recv (rig->events);
            if (event && event->level != LOG_ERROR)
                bus_event_destroy (&event);
        }
    }
    zpoller_destroy (&poller);
    assert_non_null (event);
    assert_string_equal (event->topic, TOPIC_NET);
    assert_non_null (strstr (event->text, what));
    bus_event_destroy (&event);

    s_plain_send (fd, family, s_port_of (local), "good", 4);
    char *peer = family == AF_INET
               ? zsys_sprintf ("udp 127.0.0.1:%u", port)
               : zsys_sprintf ("udp [::1]:%u", port);
    testutil_expect_recv (rig->model, peer, "good", 4);
    zstr_free (&peer);
    close (fd);
}

//  Empty and oversize datagrams: no RECV, a "net" error event instead.
static void
test_dropped_input (void **state)
{
    rig_t *rig = s_rig_new ("drop");
    char *local;
    assert_int_equal (testutil_start (rig->udp, "udp 127.0.0.1:0", &local), 0);
    s_expect_dropped (rig, AF_INET, local, "", 0, "empty");
    zstr_free (&local);
    s_rig_destroy (&rig);

    //  Only IPv6 carries more than DTCHAT_UDP_MAX in one datagram
    rig = s_rig_new ("drop6");
    assert_int_equal (testutil_start (rig->udp, "udp [::1]:0", &local), 0);
    size_t size = DTCHAT_UDP_MAX + 1;
    byte *big = (byte *) zmalloc (size);
    s_expect_dropped (rig, AF_INET6, local, big, size, "oversize");
    free (big);
    zstr_free (&local);
    s_rig_destroy (&rig);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_start),
        cmocka_unit_test (test_start_errors),
        cmocka_unit_test (test_send),
        cmocka_unit_test (test_recv),
        cmocka_unit_test (test_dual_stack),
        cmocka_unit_test (test_send_failures),
        cmocka_unit_test (test_burst),
        cmocka_unit_test (test_dropped_input),
    };
    int rc = cmocka_run_group_tests (tests, NULL, NULL);
    zsys_shutdown ();
    return rc;
}
