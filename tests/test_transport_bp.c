/*  test_transport_bp.c: the Bundle Protocol transport actor.

    Neighbours are swapped: each transport_bp actor under test gets a
    PAIR (the chat-model) and a SUB (the bus) of the test at unique
    inproc endpoints, and the test asserts on the exact frames. Native
    BP runs between real actors over MTCP on 127.0.0.1 ephemeral ports
    (ipn and dtn EIDs), through a relay, and against plain TCP sockets
    of the test that play a next hop that is down and then up, or a
    hostile peer. A fake uD3TN (a plain TCP socket of the test, written
    from the AAPv1 description) stands in for the AAP agent. Every wait
    is a bounded poll.
*/
#include "dtchat.h"
#include "transport.h"
#include "bp_backend.h"
#include "bundle.h"
#include "bus_event.h"
#include "event_bus.h"
#include "mtcp.h"
#include "aap.h"

#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>

#include "testutil.h"

typedef struct {
    transport_args_t args;
    char model_ep [64];
    char frontend [64];
    char backend [64];
    const char *routes [4];
    zsock_t *model;
    zactor_t *event_bus;
    zsock_t *bus;               //  SUB on "net"
    zactor_t *actor;
    char detail [256];
    char listening [256];
} s_node_t;

//  Start a transport_bp actor for LOCAL with AGENT and up to 3 ROUTES.
//  Returns the START status; DETAIL holds the reply's text.
static int
s_node_start (s_node_t *node, const char *local, const char *agent,
              const char *route1, const char *route2)
{
    static int counter = 0;
    memset (node, 0, sizeof *node);
    counter++;
    snprintf (node->model_ep, sizeof node->model_ep,
              "inproc://test-bp-%d-model", counter);
    snprintf (node->frontend, sizeof node->frontend,
              "inproc://test-bp-%d-front", counter);
    snprintf (node->backend, sizeof node->backend,
              "inproc://test-bp-%d-back", counter);
    node->model = zsock_new_pair (NULL);
    assert_non_null (node->model);
    assert_int_equal (zsock_bind (node->model, "%s", node->model_ep), 0);
    //  a real event bus: a SUB cannot bind for an inproc PUB reliably
    node->event_bus = testutil_event_bus (node->frontend, node->backend);
    node->bus = testutil_bus_subscriber (node->frontend, node->backend,
                                         TOPIC_NET);
    node->routes [0] = route1;
    node->routes [1] = route1? route2: NULL;
    node->args.model_endpoint = node->model_ep;
    node->args.bus_endpoint = node->frontend;
    node->args.bp_agent = agent;
    node->args.bp_routes = node->routes;
    node->actor = zactor_new (transport_bp_actor, &node->args);
    assert_non_null (node->actor);
    testutil_bus_settle (node->event_bus);
    char *detail = NULL;
    int status = testutil_start (node->actor, local, &detail);
    snprintf (node->detail, sizeof node->detail, "%s", detail);
    zstr_free (&detail);
    zsock_send (node->actor, "s", VERB_BP_LISTENING);
    char *listening = zstr_recv (node->actor);
    assert_non_null (listening);
    snprintf (node->listening, sizeof node->listening, "%s", listening);
    zstr_free (&listening);
    return status;
}

//  Stop the actor and close the test's sockets.
static void
s_node_stop (s_node_t *node)
{
    zactor_destroy (&node->actor);
    zsock_destroy (&node->model);
    zsock_destroy (&node->bus);
    zactor_destroy (&node->event_bus);
}

//  Send SEND token endpoint data from the test's model side.
static void
s_send (s_node_t *node, const char *token, const char *endpoint,
        const byte *data, size_t size)
{
    zsock_send (node->model, "sssb", VERB_SEND, token, endpoint, data, size);
}

//  The port of an "mtcp:127.0.0.1:PORT" address.
static int
s_port (const char *via)
{
    const char *colon = strrchr (via, ':');
    assert_non_null (colon);
    return atoi (colon + 1);
}

//  A payload of SIZE bytes with a recognisable pattern.
static byte *
s_payload (size_t size, int seed)
{
    byte *data = (byte *) malloc (size);
    assert_non_null (data);
    for (size_t i = 0; i < size; i++)
        data [i] = (byte) (i * 31 + (size_t) seed);
    return data;
}

//  Two native ipn nodes over MTCP: exact bytes both ways, SENT each.
static void
test_native_ipn_pair (void **state)
{
    s_node_t a, b;
    assert_int_equal (s_node_start (&a, "bp ipn:1.1 via mtcp:127.0.0.1:0",
                                    NULL, NULL, NULL), 0);
    assert_string_equal (a.detail, "bp ipn:1.1");
    assert_true (strncmp (a.listening, "mtcp:127.0.0.1:", 15) == 0);
    assert_true (s_port (a.listening) > 0);
    char route [300];
    snprintf (route, sizeof route, "ipn:1.* %s", a.listening);
    assert_int_equal (s_node_start (&b, "BP ipn:2.1 via mtcp:127.0.0.1:0",
                                    NULL, route, NULL), 0);
    assert_string_equal (b.detail, "bp ipn:2.1");

    //  a -> b, with the next hop in the endpoint
    char remote [300];
    snprintf (remote, sizeof remote, "bp ipn:2.1 via %s", b.listening);
    const byte text [] = "hello over BPv7";
    s_send (&a, "t1", remote, text, sizeof text);
    testutil_expect_sent (a.model, "t1");
    testutil_expect_recv (b.model, "bp ipn:1.1", text, sizeof text);
    //  b -> a by its --bp-route, addressed as the source endpoint says
    const byte ack [] = "the ack";
    s_send (&b, "t2", "bp ipn:1.1", ack, sizeof ack);
    testutil_expect_sent (b.model, "t2");
    testutil_expect_recv (a.model, "bp ipn:2.1", ack, sizeof ack);
    //  a learned the route from the via: plain "bp ipn:2.1" works now,
    //  and so does another service on node 2 (the route is per node)
    s_send (&a, "t3", "bp ipn:2.1", text, 5);
    testutil_expect_sent (a.model, "t3");
    testutil_expect_recv (b.model, "bp ipn:1.1", text, 5);
    //  40 in a row, in order
    for (int i = 0; i < 40; i++) {
        char token [16];
        snprintf (token, sizeof token, "m%d", i);
        s_send (&a, token, "bp ipn:2.1", (const byte *) token,
                strlen (token));
    }
    for (int i = 0; i < 40; i++) {
        char token [16];
        snprintf (token, sizeof token, "m%d", i);
        testutil_expect_sent (a.model, token);
    }
    for (int i = 0; i < 40; i++) {
        char token [16];
        snprintf (token, sizeof token, "m%d", i);
        testutil_expect_recv (b.model, "bp ipn:1.1", token, strlen (token));
    }
    //  a bundle to ourselves is delivered at once
    s_send (&a, "self", "bp ipn:1.1", text, 3);
    testutil_expect_recv (a.model, "bp ipn:1.1", text, 3);
    testutil_expect_sent (a.model, "self");
    s_node_stop (&b);
    s_node_stop (&a);
}

//  Two dtn nodes exchange a large message over MTCP.
static void
test_native_dtn_pair_large (void **state)
{
    s_node_t a, b;
    assert_int_equal (s_node_start (&a, "bp dtn://a.dtn/chat via "
                                    "mtcp:127.0.0.1:0", NULL, NULL, NULL), 0);
    assert_string_equal (a.detail, "bp dtn://a.dtn/chat");
    char route [300];
    snprintf (route, sizeof route, "dtn://a.dtn/* %s", a.listening);
    assert_int_equal (s_node_start (&b, "bp dtn://b.dtn/chat via "
                                    "mtcp:127.0.0.1:0", NULL, route, NULL),
                      0);
    char remote [300];
    snprintf (remote, sizeof remote, "bp dtn://b.dtn/chat via %s",
              b.listening);
    //  3 MiB: many partial writes and reads
    size_t size = 3 * 1024 * 1024;
    byte *data = s_payload (size, 7);
    s_send (&a, "big", remote, data, size);
    testutil_expect_sent (a.model, "big");
    testutil_expect_recv (b.model, "bp dtn://a.dtn/chat", data, size);
    s_send (&b, "back", "bp dtn://a.dtn/chat", data, 1000);
    testutil_expect_sent (b.model, "back");
    testutil_expect_recv (a.model, "bp dtn://b.dtn/chat", data, 1000);
    free (data);
    s_node_stop (&b);
    s_node_stop (&a);
}

//  Bad local endpoints, a port in use and bad SENDs fail with reasons.
static void
test_start_and_send_errors (void **state)
{
    s_node_t a;
    assert_int_equal (s_node_start (&a, "udp 127.0.0.1:0", NULL, NULL, NULL),
                      -1);
    assert_non_null (strstr (a.detail, "not a bp endpoint"));
    s_node_stop (&a);
    assert_int_equal (s_node_start (&a, "bp ipn:1", NULL, NULL, NULL), -1);
    assert_non_null (strstr (a.detail, "EID"));
    s_node_stop (&a);
    assert_int_equal (s_node_start (&a, "bp ipn:1.1", NULL, "ipn:2.* tcp:x",
                                    NULL), -1);
    assert_non_null (strstr (a.detail, "--bp-route"));
    s_node_stop (&a);
    assert_int_equal (s_node_start (&a, "bp ipn:1.1", "zmq:foo", NULL, NULL),
                      -1);
    assert_non_null (strstr (a.detail, "unknown agent"));
    s_node_stop (&a);
    //  the port in use
    s_node_t b;
    assert_int_equal (s_node_start (&b, "bp ipn:2.1 via mtcp:127.0.0.1:0",
                                    NULL, NULL, NULL), 0);
    char local [300];
    snprintf (local, sizeof local, "bp ipn:1.1 via %s", b.listening);
    assert_int_equal (s_node_start (&a, local, NULL, NULL, NULL), -1);
    assert_non_null (strstr (a.detail, "in use"));
    s_node_stop (&a);
    //  no via: it starts (with a warning on the bus) and can only send
    assert_int_equal (s_node_start (&a, "bp ipn:1.1", NULL, NULL, NULL), 0);
    assert_string_equal (a.listening, "");
    //  SENDs that cannot go anywhere fail at once
    s_send (&a, "x1", "bp ipn:7.1", (const byte *) "x", 1);
    testutil_expect_failed (a.model, "x1", "no route to ipn:7.1");
    s_send (&a, "x2", "udp 127.0.0.1:5", (const byte *) "x", 1);
    testutil_expect_failed (a.model, "x2", "not a bp endpoint");
    s_send (&a, "x3", "bp nonsense", (const byte *) "x", 1);
    testutil_expect_failed (a.model, "x3", "EID");
    //  with a route it goes out
    snprintf (local, sizeof local, "bp ipn:2.1 via %s", b.listening);
    s_send (&a, "x4", local, (const byte *) "x", 1);
    testutil_expect_sent (a.model, "x4");
    testutil_expect_recv (b.model, "bp ipn:1.1", (const byte *) "x", 1);
    s_node_stop (&a);
    s_node_stop (&b);
}

//  Without the bp-socket module, af_bp fails START with a clear reason.
static void
test_af_bp_absent (void **state)
{
    int fd = socket (28, SOCK_DGRAM, 0);
    if (fd >= 0) {
        close (fd);
        skip ();                //  this kernel has bp-socket
    }
    s_node_t a;
    assert_int_equal (s_node_start (&a, "bp ipn:1.1", "af_bp", NULL, NULL),
                      -1);
    assert_non_null (strstr (a.detail, "bp-socket"));
    assert_non_null (strstr (a.detail, "AF_BP"));
    s_node_stop (&a);
    assert_int_equal (s_node_start (&a, "bp dtn://a/b", "af_bp", NULL, NULL),
                      -1);
    assert_non_null (strstr (a.detail, "ipn"));
    s_node_stop (&a);
    //  bp-socket addresses hold 32-bit numbers
    assert_int_equal (s_node_start (&a, "bp ipn:4294967296.1", "af_bp",
                                    NULL, NULL), -1);
    assert_non_null (strstr (a.detail, "32-bit"));
    s_node_stop (&a);
    assert_int_equal (s_node_start (&a, "bp ipn:1.4294967296", "af_bp",
                                    NULL, NULL), -1);
    assert_non_null (strstr (a.detail, "32-bit"));
    s_node_stop (&a);
}

//  Read one MTCP frame from FD within the wait, with the connection's
//  READER; returns the bundle, and in *RAW_P the bytes read (if asked).
static zchunk_t *
s_read_frame (int fd, mtcp_reader_t *reader, zchunk_t **raw_p)
{
    zchunk_t *raw = zchunk_new (NULL, 1024);
    zchunk_t *bundle = mtcp_reader_next (reader);
    int64_t deadline = zclock_mono () + TESTUTIL_WAIT_MS;
    while (!bundle && zclock_mono () < deadline) {
        struct pollfd item = { fd, POLLIN, 0 };
        if (poll (&item, 1, (int) (deadline - zclock_mono ())) != 1)
            break;
        byte buf [4096];
        ssize_t rc = recv (fd, buf, sizeof buf, 0);
        assert_true (rc > 0);
        zchunk_extend (raw, buf, (size_t) rc);
        assert_int_equal (mtcp_reader_feed (reader, buf, (size_t) rc,
                                            NULL, 0), 0);
        bundle = mtcp_reader_next (reader);
    }
    assert_non_null (bundle);
    if (raw_p)
        *raw_p = raw;
    else
        zchunk_destroy (&raw);
    return bundle;
}

//  Bundles wait for a hop that is down and go, merged, once it is up.
static void
test_next_hop_down_then_up (void **state)
{
    int port;
    int fd = testutil_tcp_bound (&port);     //  the port is ours, nobody listens
    s_node_t a;
    assert_int_equal (s_node_start (&a, "bp ipn:1.1", NULL, NULL, NULL), 0);
    char remote [128];
    snprintf (remote, sizeof remote, "bp ipn:2.1 via mtcp:127.0.0.1:%d",
              port);
    const byte text [] = "store and forward";
    s_send (&a, "d1", remote, text, sizeof text);
    testutil_expect_event (a.bus, TOPIC_NET, "unreachable");
    //  the ack-tracker resends the same message: it joins the first
    s_send (&a, "d2", remote, text, sizeof text);
    //  and another message waits behind them
    s_send (&a, "d3", remote, text, 5);
    assert_true (testutil_quiet (a.model, 300));
    //  the hop comes up
    assert_int_equal (listen (fd, 4), 0);
    int conn = testutil_tcp_accept (fd);
    mtcp_reader_t *reader = mtcp_reader_new (1 << 24);
    zchunk_t *chunk = s_read_frame (conn, reader, NULL);
    bundle_t bundle;
    char reason [256];
    assert_int_equal (bundle_decode (&bundle, zchunk_data (chunk),
                                     zchunk_size (chunk), reason,
                                     sizeof reason), 0);
    assert_string_equal (bundle.dest, "ipn:2.1");
    assert_string_equal (bundle.source, "ipn:1.1");
    assert_string_equal (bundle.report_to, "dtn:none");
    assert_int_equal (bundle.crc_type, BUNDLE_CRC_16);
    assert_int_equal (bundle.lifetime_ms, 86400000);
    assert_int_equal (bundle.payload_size, sizeof text);
    assert_memory_equal (bundle.payload, text, sizeof text);
    uint64_t now = bundle_dtn_now_ms ();
    assert_true (bundle.creation_ms <= now
              && bundle.creation_ms + 60000 > now);
    zchunk_destroy (&chunk);
    testutil_expect_sent (a.model, "d1");
    testutil_expect_sent (a.model, "d2");
    chunk = s_read_frame (conn, reader, NULL);
    assert_int_equal (bundle_decode (&bundle, zchunk_data (chunk),
                                     zchunk_size (chunk), reason,
                                     sizeof reason), 0);
    assert_int_equal (bundle.payload_size, 5);
    zchunk_destroy (&chunk);
    testutil_expect_sent (a.model, "d3");
    //  the hop goes away and comes back: the link reconnects
    close (conn);
    testutil_expect_event (a.bus, TOPIC_NET, "lost the connection");
    s_send (&a, "d4", "bp ipn:2.1", text, 4);
    conn = testutil_tcp_accept (fd);
    mtcp_reader_destroy (&reader);
    reader = mtcp_reader_new (1 << 24);
    chunk = s_read_frame (conn, reader, NULL);
    assert_int_equal (bundle_decode (&bundle, zchunk_data (chunk),
                                     zchunk_size (chunk), reason,
                                     sizeof reason), 0);
    assert_int_equal (bundle.payload_size, 4);
    zchunk_destroy (&chunk);
    testutil_expect_sent (a.model, "d4");
    mtcp_reader_destroy (&reader);
    close (conn);
    close (fd);
    s_node_stop (&a);
}

//  Connect a plain TCP socket to an "mtcp:127.0.0.1:PORT" address.
static int
s_connect (const char *via)
{
    return testutil_tcp_connect (s_port (via));
}
//  Encode a bundle SOURCE -> DEST carrying TEXT, framed for MTCP; the
//  relayed CRC types of the captures make it unlike our own encoding.
static byte *
s_frame (const char *source, const char *dest, const char *text,
         int crc_type, size_t *size_p)
{
    bundle_t bundle;
    bundle_init (&bundle);
    snprintf (bundle.source, sizeof bundle.source, "%s", source);
    snprintf (bundle.dest, sizeof bundle.dest, "%s", dest);
    bundle.creation_ms = bundle_dtn_now_ms ();
    static uint64_t sequence = 0;
    bundle.sequence = ++sequence;   //  each one a different bundle id
    bundle.lifetime_ms = 3600000;
    bundle.crc_type = crc_type;
    bundle.payload_crc_type = crc_type == BUNDLE_CRC_32C? BUNDLE_CRC_16: 0;
    bundle.payload = (const byte *) text;
    bundle.payload_size = strlen (text);
    size_t size;
    byte *encoded = bundle_encode (&bundle, &size, NULL, 0);
    assert_non_null (encoded);
    byte *frame = (byte *) malloc (size + MTCP_HEAD_MAX);
    size_t head = mtcp_frame_head (size, frame);
    memcpy (frame + head, encoded, size);
    free (encoded);
    *size_p = head + size;
    return frame;
}

//  A bundle for another node is forwarded byte for byte.
static void
test_relay_forwards_unchanged (void **state)
{
    //  the test is the far node: its socket stands for ipn:2.0
    int port;
    int far = testutil_tcp_bound (&port);
    assert_int_equal (listen (far, 4), 0);
    char route [128];
    snprintf (route, sizeof route, "ipn:2.* mtcp:127.0.0.1:%d", port);
    s_node_t relay;
    assert_int_equal (s_node_start (&relay, "bp ipn:3.1 via mtcp:127.0.0.1:0",
                                    NULL, route, NULL), 0);
    //  uD3TN-like sender: a CRC-32C bundle with a payload CRC
    size_t size;
    byte *frame = s_frame ("ipn:1.1", "ipn:2.1", "relay me", BUNDLE_CRC_32C,
                           &size);
    int in = s_connect (relay.listening);
    testutil_write_all (in, frame, size);
    int conn = testutil_tcp_accept (far);
    zchunk_t *raw = NULL;
    mtcp_reader_t *reader = mtcp_reader_new (1 << 24);
    zchunk_t *bundle = s_read_frame (conn, reader, &raw);
    mtcp_reader_destroy (&reader);
    //  exactly the bytes that went in, frame head and all
    assert_int_equal (zchunk_size (raw), size);
    assert_memory_equal (zchunk_data (raw), frame, size);
    zchunk_destroy (&bundle);
    zchunk_destroy (&raw);
    //  the same bundle again is a loop: dropped
    testutil_write_all (in, frame, size);
    testutil_expect_event (relay.bus, TOPIC_NET, "seen before");
    free (frame);
    //  a bundle for a node with no route: dropped with an event, and the
    //  connection stays up for the next one
    frame = s_frame ("ipn:1.1", "ipn:9.1", "nowhere", BUNDLE_CRC_16, &size);
    testutil_write_all (in, frame, size);
    testutil_expect_event (relay.bus, TOPIC_NET, "no route to ipn:9.1");
    free (frame);
    //  for another service of the relay's own node: dropped too
    frame = s_frame ("ipn:1.1", "ipn:3.7", "wrong door", BUNDLE_CRC_16,
                     &size);
    testutil_write_all (in, frame, size);
    testutil_expect_event (relay.bus, TOPIC_NET, "no such endpoint");
    free (frame);
    //  and one for the relay itself is delivered
    frame = s_frame ("ipn:1.1", "ipn:3.1", "for you", BUNDLE_CRC_16, &size);
    testutil_write_all (in, frame, size);
    testutil_expect_recv (relay.model, "bp ipn:1.1", (const byte *) "for you",
                          7);
    free (frame);
    close (in);
    close (conn);
    close (far);
    s_node_stop (&relay);
}

//  Three actors: a relay forwards between the other two.
static void
test_relay_between_actors (void **state)
{
    s_node_t a, r, b;
    assert_int_equal (s_node_start (&b, "bp ipn:2.1 via mtcp:127.0.0.1:0",
                                    NULL, NULL, NULL), 0);
    char route [300];
    snprintf (route, sizeof route, "ipn:2.* %s", b.listening);
    assert_int_equal (s_node_start (&r, "bp ipn:3.1 via mtcp:127.0.0.1:0",
                                    NULL, route, NULL), 0);
    //  a reaches everything through the relay: its default route
    char deflt [300];
    snprintf (deflt, sizeof deflt, "* %s", r.listening);
    assert_int_equal (s_node_start (&a, "bp ipn:1.1 via mtcp:127.0.0.1:0",
                                    NULL, deflt, NULL), 0);
    const byte text [] = "through a relay";
    s_send (&a, "r1", "bp ipn:2.1", text, sizeof text);
    testutil_expect_sent (a.model, "r1");
    testutil_expect_recv (b.model, "bp ipn:1.1", text, sizeof text);
    //  the relay delivered nothing to its own model
    assert_true (testutil_quiet (r.model, 100));
    s_node_stop (&a);
    s_node_stop (&r);
    s_node_stop (&b);
}

//  Garbage, bad CRCs and resets close one connection, not the others.
static void
test_hostile_mtcp_input (void **state)
{
    s_node_t b;
    assert_int_equal (s_node_start (&b, "bp ipn:2.1 via mtcp:127.0.0.1:0",
                                    NULL, NULL, NULL), 0);
    //  a good connection, kept open across the others' trouble
    int good = s_connect (b.listening);
    size_t size;
    byte *frame = s_frame ("ipn:1.1", "ipn:2.1", "one", BUNDLE_CRC_16, &size);
    testutil_write_all (good, frame, size);
    testutil_expect_recv (b.model, "bp ipn:1.1", (const byte *) "one", 3);
    //  garbage: not MTCP at all
    int bad = s_connect (b.listening);
    testutil_write_all (bad, (const byte *) "hello, world\r\n", 14);
    testutil_expect_event (b.bus, TOPIC_NET, "not a CBOR byte string");
    byte buf [16];
    struct pollfd item = { bad, POLLIN, 0 };
    assert_int_equal (poll (&item, 1, TESTUTIL_WAIT_MS), 1);
    assert_int_equal (recv (bad, buf, sizeof buf, 0), 0);   //  closed
    close (bad);
    //  a bundle with a wrong CRC
    bad = s_connect (b.listening);
    byte *broken = (byte *) malloc (size);
    memcpy (broken, frame, size);
    broken [10] ^= 0x01;
    testutil_write_all (bad, broken, size);
    testutil_expect_event (b.bus, TOPIC_NET, "CRC-16 mismatch");
    item.fd = bad;
    assert_int_equal (poll (&item, 1, TESTUTIL_WAIT_MS), 1);
    assert_int_equal (recv (bad, buf, sizeof buf, 0), 0);
    close (bad);
    free (broken);
    //  a huge declared frame
    bad = s_connect (b.listening);
    testutil_write_all (bad, "\x5b\x7f\xff\xff\xff\xff\xff\xff\xff", 9);
    testutil_expect_event (b.bus, TOPIC_NET, "limit");
    close (bad);
    //  a truncated bundle, then a close
    bad = s_connect (b.listening);
    testutil_write_all (bad, frame, size / 2);
    close (bad);
    testutil_expect_event (b.bus, TOPIC_NET, "in the middle of a bundle");
    //  the good connection still works
    testutil_write_all (good, frame, size);
    testutil_expect_recv (b.model, "bp ipn:1.1", (const byte *) "one", 3);
    free (frame);
    close (good);
    s_node_stop (&b);
}

int
main (void)
{
    zsys_init ();
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_native_ipn_pair),
        cmocka_unit_test (test_native_dtn_pair_large),
        cmocka_unit_test (test_start_and_send_errors),
        cmocka_unit_test (test_af_bp_absent),
        cmocka_unit_test (test_next_hop_down_then_up),
        cmocka_unit_test (test_relay_forwards_unchanged),
        cmocka_unit_test (test_relay_between_actors),
        cmocka_unit_test (test_hostile_mtcp_input),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
