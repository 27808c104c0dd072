/*  test_bp_poll.c: transport-bp's poll set when the backend lists more
    descriptors than its actor_poller holds.

    A native BP transport_bp actor gets a PAIR of the test as its
    chat-model and no bus. The test opens more inbound MTCP connections
    than fit in the poller (ACTOR_POLLER_MAX with the pipe and the
    model), then writes a bundle on each, the last ones first, and sends
    the actor SENDs through a next hop of the test: every bundle must be
    delivered and every SEND answered, whichever descriptors are polled
    beyond the poller. Every wait is bounded.
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

//  More connections than the poller has room for.
#define S_CONNS     (ACTOR_POLLER_MAX + 8)

//  A loopback TCP socket bound to an ephemeral port, *PORT_P.
static int
s_bound (int *port_p)
{
    int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true (fd >= 0);
    struct sockaddr_in addr;
    memset (&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    assert_int_equal (bind (fd, (struct sockaddr *) &addr, sizeof addr), 0);
    socklen_t length = sizeof addr;
    getsockname (fd, (struct sockaddr *) &addr, &length);
    *port_p = ntohs (addr.sin_port);
    return fd;
}

//  Connect to 127.0.0.1:PORT.
static int
s_connect (int port)
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

//  Bundles on connections beyond the poller's room still arrive, and
//  SENDs through a link still get SENT.
static void
test_more_descriptors_than_fit (void **state)
{
    (void) state;
    zsock_t *model = zsock_new_pair ("@inproc://test-bp-poll-model");
    assert_non_null (model);
    int hop_port;
    int hop = s_bound (&hop_port);
    assert_int_equal (listen (hop, 4), 0);
    char route [64];
    snprintf (route, sizeof route, "ipn:1.* mtcp:127.0.0.1:%d", hop_port);
    const char *routes [] = { route, NULL };
    transport_args_t args = {
        .model_endpoint = "inproc://test-bp-poll-model",
        .bp_routes = routes
    };
    zactor_t *actor = zactor_new (transport_bp_actor, &args);
    assert_non_null (actor);
    char *detail = NULL;
    assert_int_equal (testutil_start (actor,
                                      "bp ipn:2.1 via mtcp:127.0.0.1:0",
                                      &detail), 0);
    zstr_free (&detail);
    zsock_send (actor, "s", VERB_BP_LISTENING);
    char *listening = zstr_recv (actor);
    assert_non_null (listening);
    int port = atoi (strrchr (listening, ':') + 1);
    zstr_free (&listening);

    int conns [S_CONNS];
    for (int index = 0; index < S_CONNS; index++)
        conns [index] = s_connect (port);
    //  the newest connections (last in the backend's list) first
    for (int index = S_CONNS - 1; index >= 0; index--) {
        char text [32];
        snprintf (text, sizeof text, "on connection %d", index);
        size_t size;
        byte *frame = s_frame (text, &size);
        testutil_write_all (conns [index], frame, size);
        free (frame);
        testutil_expect_recv (model, "bp ipn:1.1", text, strlen (text));
    }
    //  SENDs go out through a link polled beside all those connections
    for (int index = 0; index < 3; index++) {
        char token [16];
        snprintf (token, sizeof token, "s%d", index);
        zsock_send (model, "sssb", VERB_SEND, token, "bp ipn:1.1",
                    "hello", (size_t) 5);
        testutil_expect_sent (model, token);
    }
    int far = accept (hop, NULL, NULL);
    assert_true (far >= 0);
    mtcp_reader_t *reader = mtcp_reader_new (1 << 20);
    int bundles = 0;
    while (bundles < 3) {
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
    for (int index = 0; index < S_CONNS; index++)
        close (conns [index]);
    zactor_destroy (&actor);
    close (hop);
    zsock_destroy (&model);
}

int
main (void)
{
    zsys_init ();
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_more_descriptors_than_fit),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
