/*  test_bp_poll.c: transport-bp's poll set with many MTCP connections.

    A native BP transport_bp actor gets a PAIR of the test as its
    chat-model and no bus. The test opens S_CONNS inbound MTCP
    connections (more than an actor_poller holds by default,
    ACTOR_POLLER_MAX), then writes one bundle at a time and waits,
    bounded, for its RECV before the next. Between bundles nothing else
    can wake the actor (no link has queued work, so its wait is for
    ever): a bundle arrives only if its own connection's descriptor is
    in the poller the actor sleeps on. A connection left out of the
    poller, or polled only when something else wakes the actor, fails
    the test; so does one whose descriptor was removed and not added
    back as connections come and go. SENDs through a link of the test
    go out beside all those connections. Every wait is bounded.
*/
#include "dtchat.h"
#include "transport.h"
#include "bp_backend.h"
#include "bundle.h"
#include "mtcp.h"
#include "actor_poller.h"

#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>

#include "testutil.h"

//  Many more connections than a poller holds by default.
#define S_CONNS     40

//  The actor under test, its model PAIR and the next hop it sends to.
typedef struct {
    zsock_t *model;
    int hop;                    //  listening, the route's next hop
    zactor_t *actor;
    int port;                   //  where the actor listens for MTCP
    //  the actor's args borrow these for its life
    char model_endpoint [64];
    char route [64];
    const char *routes [2];
} s_fixture_t;

//  A bundle ipn:1.1 -> ipn:2.1 carrying TEXT, framed for MTCP.
static byte *
s_frame (const char *text, size_t *size_p)
{
    bundle_t bundle;
    bundle_init (&bundle);
    snprintf (bundle.source, sizeof bundle.source, "ipn:1.1");
    snprintf (bundle.dest, sizeof bundle.dest, "ipn:2.1");
    bundle.creation_ms = bundle_dtn_now_ms ();
    bundle.payload = (const byte *) text;
    bundle.payload_size = strlen (text);
    size_t size;
    byte *encoded = bundle_encode (&bundle, &size, NULL, 0);
    assert_non_null (encoded);
    byte *frame = (byte *) malloc (size + MTCP_HEAD_MAX);
    assert_non_null (frame);
    size_t head = mtcp_frame_head (size, frame);
    memcpy (frame + head, encoded, size);
    free (encoded);
    *size_p = head + size;
    return frame;
}

//  Start the actor at ipn:2.1 on an ephemeral MTCP port, with a route
//  for ipn:1.* through a next hop of the test.
static void
s_fixture_start (s_fixture_t *fixture, const char *name)
{
    snprintf (fixture->model_endpoint, sizeof fixture->model_endpoint,
              "inproc://test-bp-poll-%s", name);
    fixture->model = zsock_new (ZMQ_PAIR);
    assert_non_null (fixture->model);
    assert_int_equal (zsock_bind (fixture->model, "%s",
                                  fixture->model_endpoint), 0);
    int hop_port;
    fixture->hop = testutil_tcp_bound (&hop_port);
    assert_int_equal (listen (fixture->hop, 4), 0);
    snprintf (fixture->route, sizeof fixture->route,
              "ipn:1.* mtcp:127.0.0.1:%d", hop_port);
    fixture->routes [0] = fixture->route;
    fixture->routes [1] = NULL;
    transport_args_t args = {
        .model_endpoint = fixture->model_endpoint,
        .bp_routes = fixture->routes
    };
    fixture->actor = zactor_new (transport_bp_actor, &args);
    assert_non_null (fixture->actor);
    char *detail = NULL;
    assert_int_equal (testutil_start (fixture->actor,
                                      "bp ipn:2.1 via mtcp:127.0.0.1:0",
                                      &detail), 0);
    zstr_free (&detail);
    zsock_send (fixture->actor, "s", VERB_BP_LISTENING);
    char *listening = zstr_recv (fixture->actor);
    assert_non_null (listening);
    assert_non_null (strrchr (listening, ':'));
    fixture->port = atoi (strrchr (listening, ':') + 1);
    zstr_free (&listening);
}

//  Stop the actor and close the test's sockets.
static void
s_fixture_stop (s_fixture_t *fixture)
{
    zactor_destroy (&fixture->actor);
    close (fixture->hop);
    zsock_destroy (&fixture->model);
}

//  Write one bundle on CONN, naming LABEL, and wait (bounded) for its
//  RECV before anything else happens.
static void
s_bundle_on (s_fixture_t *fixture, int conn, const char *label)
{
    char text [64];
    snprintf (text, sizeof text, "on connection %s", label);
    size_t size;
    byte *frame = s_frame (text, &size);
    testutil_write_all (conn, frame, size);
    free (frame);
    testutil_expect_recv (fixture->model, "bp ipn:1.1", text, strlen (text));
}

//  Send COUNT SENDs to ipn:1.1; each must be SENT, and the next hop must
//  get them all.
static void
s_sends_through_hop (s_fixture_t *fixture, int count)
{
    for (int index = 0; index < count; index++) {
        char token [16];
        snprintf (token, sizeof token, "s%d", index);
        zsock_send (fixture->model, "sssb", VERB_SEND, token, "bp ipn:1.1",
                    "hello", (size_t) 5);
        testutil_expect_sent (fixture->model, token);
    }
    struct pollfd listener = { fixture->hop, POLLIN, 0 };
    assert_int_equal (poll (&listener, 1, TESTUTIL_WAIT_MS), 1);
    int far = accept (fixture->hop, NULL, NULL);
    assert_true (far >= 0);
    mtcp_reader_t *reader = mtcp_reader_new (1 << 20);
    int bundles = 0;
    while (bundles < count) {
        byte buffer [4096];
        struct pollfd item = { far, POLLIN, 0 };
        assert_int_equal (poll (&item, 1, TESTUTIL_WAIT_MS), 1);
        ssize_t got = recv (far, buffer, sizeof buffer, 0);
        assert_true (got > 0);
        char why [128];
        assert_int_equal (mtcp_reader_feed (reader, buffer, (size_t) got,
                                            why, sizeof why), 0);
        zchunk_t *chunk;
        while ((chunk = mtcp_reader_next (reader))) {
            bundle_t bundle;
            assert_int_equal (bundle_decode (&bundle, zchunk_data (chunk),
                                             zchunk_size (chunk),
                                             why, sizeof why), 0);
            assert_int_equal (bundle.payload_size, 5);
            assert_memory_equal (bundle.payload, "hello", 5);
            zchunk_destroy (&chunk);
            bundles++;
        }
    }
    mtcp_reader_destroy (&reader);
    close (far);
}

//  Every one of many connections wakes the actor by itself, the newest
//  (last in the backend's list) first; SENDs go out through a link
//  polled beside them, and the connections still wake it after that.
static void
test_many_connections (void **state)
{
    (void) state;
    s_fixture_t fixture;
    s_fixture_start (&fixture, "many");
    int conns [S_CONNS];
    for (int index = 0; index < S_CONNS; index++)
        conns [index] = testutil_tcp_connect (fixture.port);
    for (int index = S_CONNS - 1; index >= 0; index--) {
        char label [16];
        snprintf (label, sizeof label, "%d", index);
        s_bundle_on (&fixture, conns [index], label);
    }
    s_sends_through_hop (&fixture, 3);
    for (int index = 0; index < S_CONNS; index += 7) {
        char label [16];
        snprintf (label, sizeof label, "%d again", index);
        s_bundle_on (&fixture, conns [index], label);
    }
    for (int index = 0; index < S_CONNS; index++)
        close (conns [index]);
    s_fixture_stop (&fixture);
}

//  Connections close and others open (often on descriptor numbers just
//  freed): each one open, old or new, still wakes the actor.
static void
test_connections_come_and_go (void **state)
{
    (void) state;
    s_fixture_t fixture;
    s_fixture_start (&fixture, "churn");
    int conns [S_CONNS];
    for (int index = 0; index < S_CONNS; index++)
        conns [index] = testutil_tcp_connect (fixture.port);
    //  one bundle on the last makes sure the actor has them all
    s_bundle_on (&fixture, conns [S_CONNS - 1], "last");
    for (int round = 0; round < 3; round++) {
        //  close every other one (a different half each round), then
        //  open as many again
        for (int index = round % 2; index < S_CONNS; index += 2) {
            close (conns [index]);
            conns [index] = testutil_tcp_connect (fixture.port);
        }
        for (int index = S_CONNS - 1; index >= 0; index--) {
            char label [32];
            snprintf (label, sizeof label, "%d in round %d", index, round);
            s_bundle_on (&fixture, conns [index], label);
        }
    }
    s_sends_through_hop (&fixture, 2);
    for (int index = S_CONNS - 1; index >= 0; index -= 5) {
        char label [32];
        snprintf (label, sizeof label, "%d at the end", index);
        s_bundle_on (&fixture, conns [index], label);
    }
    for (int index = 0; index < S_CONNS; index++)
        close (conns [index]);
    s_fixture_stop (&fixture);
}

int
main (void)
{
    zsys_init ();
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_many_connections),
        cmocka_unit_test (test_connections_come_and_go),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
