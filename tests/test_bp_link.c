/*  test_bp_link.c: one store-and-forward MTCP link (bp_link.c).

    The link gets a PAIR of the test as its chat-model and an unconnected
    PUB as its bus; its next hop is a TCP port the test holds without
    listening (down), or listens on (up). Driven the way bp_native.c
    drives it: poll its socket with its events and its timeout, handle,
    tick. Checks lifetime expiry (FAILED), the queue bound, merging of a
    resent bundle, and delivery once the hop comes up.
*/
#include "dtchat.h"
#include "bp_link.h"
#include "mtcp.h"

#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

typedef struct {
    zsock_t *model;             //  the test's end
    zsock_t *link_end;          //  the link's end
    bp_model_t to_model;        //  the link's way to it
    zsock_t *pub;
    int hop;                    //  the next hop's socket (bound)
    char via [64];
    bp_link_t *link;
} s_rig_t;

//  Build the neighbours and a link to a hop that is down.
static void
s_rig_new (s_rig_t *rig)
{
    static int counter = 0;
    char endpoint [64];
    snprintf (endpoint, sizeof endpoint, "inproc://test-bp-link-%d",
              ++counter);
    rig->model = zsock_new_pair (NULL);
    assert_int_equal (zsock_bind (rig->model, "%s", endpoint), 0);
    rig->link_end = zsock_new_pair (endpoint);
    assert_non_null (rig->link_end);
    rig->pub = zsock_new (ZMQ_PUB);
    rig->hop = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in addr;
    memset (&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    assert_int_equal (bind (rig->hop, (struct sockaddr *) &addr,
                            sizeof addr), 0);
    socklen_t length = sizeof addr;
    getsockname (rig->hop, (struct sockaddr *) &addr, &length);
    snprintf (rig->via, sizeof rig->via, "mtcp:127.0.0.1:%d",
              ntohs (addr.sin_port));
    rig->to_model = (bp_model_t) { rig->link_end, 0 };
    rig->link = bp_link_new (rig->via, &rig->to_model, rig->pub);
    assert_non_null (rig->link);
    assert_string_equal (bp_link_via (rig->link), rig->via);
}

//  Destroy the link (twice: idempotent) and the neighbours.
static void
s_rig_destroy (s_rig_t *rig)
{
    bp_link_destroy (&rig->link);
    bp_link_destroy (&rig->link);       //  idempotent
    close (rig->hop);
    zsock_destroy (&rig->pub);
    zsock_destroy (&rig->link_end);
    zsock_destroy (&rig->model);
}

//  Drive the link for at most MS, until the model gets a message.
static zmsg_t *
s_drive (s_rig_t *rig, int ms)
{
    int64_t deadline = zclock_mono () + ms;
    while (zclock_mono () < deadline) {
        if (zsock_events (rig->model) & ZMQ_POLLIN)
            return zmsg_recv (rig->model);
        int64_t timeout = bp_link_timeout (rig->link);
        int64_t left = deadline - zclock_mono ();
        if (timeout < 0 || timeout > left)
            timeout = left;
        if (timeout > 50)
            timeout = 50;   //  also look at the model pipe now and then
        zmq_pollitem_t item = { NULL, bp_link_fd (rig->link),
                                bp_link_events (rig->link), 0 };
        zmq_poll (&item, item.fd >= 0 && item.events? 1: 0, (long) timeout);
        if (item.revents)
            bp_link_handle (rig->link, item.revents);
        bp_link_tick (rig->link);
    }
    return (zsock_events (rig->model) & ZMQ_POLLIN)
         ? zmsg_recv (rig->model): NULL;
}

//  Queue BUNDLE (its last SIZE bytes are "payload") with TOKEN.
static int
s_enqueue (s_rig_t *rig, const char *token, const char *bundle,
           int64_t lifetime)
{
    size_t size = strlen (bundle);
    bp_link_item_t item = {
        (const byte *) bundle, size, 0, size, token,
        dtchat_now_ms () + lifetime, "ipn:2.1"
    };
    char reason [256];
    return bp_link_enqueue (rig->link, &item, reason, sizeof reason);
}

//  While the hop is down, a bundle whose lifetime ends fails its token.
static void
test_lifetime_ends_while_down (void **state)
{
    s_rig_t rig;
    s_rig_new (&rig);
    assert_int_equal (s_enqueue (&rig, "short", "bundle one", 200), 0);
    assert_int_equal (s_enqueue (&rig, "long", "bundle two", 3600000), 0);
    //  a relayed bundle (no token) that ends too
    bp_link_item_t relayed = {
        (const byte *) "relayed", 7, 0, 0, NULL, dtchat_now_ms () + 100,
        "ipn:9.1"
    };
    assert_int_equal (bp_link_enqueue (rig.link, &relayed, NULL, 0), 0);
    assert_int_equal (bp_link_queued (rig.link), 3);
    zmsg_t *msg = s_drive (&rig, 5000);
    assert_non_null (msg);
    char *verb = zmsg_popstr (msg);
    char *token = zmsg_popstr (msg);
    char *why = zmsg_popstr (msg);
    assert_string_equal (verb, VERB_FAILED);
    assert_string_equal (token, "short");
    assert_non_null (strstr (why, "lifetime ended"));
    assert_non_null (strstr (why, rig.via));
    zstr_free (&verb);
    zstr_free (&token);
    zstr_free (&why);
    zmsg_destroy (&msg);
    assert_int_equal (bp_link_queued (rig.link), 1);
    assert_false (bp_link_connected (rig.link));
    s_rig_destroy (&rig);
}

//  Resends merge, the queue is bounded, and all goes once the hop is up.
static void
test_merge_bound_and_delivery (void **state)
{
    s_rig_t rig;
    s_rig_new (&rig);
    //  the same payload for the same destination: one bundle, two tokens
    assert_int_equal (s_enqueue (&rig, "a1", "same bytes", 60000), 0);
    assert_int_equal (s_enqueue (&rig, "a2", "same bytes", 60000), 0);
    assert_int_equal (bp_link_queued (rig.link), 1);
    //  fill up to the bound: the next one is refused with a reason
    for (int i = 1; i < BP_LINK_QUEUE_MAX; i++) {
        char text [32];
        snprintf (text, sizeof text, "filler %d", i);
        assert_int_equal (s_enqueue (&rig, NULL, text, 60000), 0);
    }
    assert_int_equal (bp_link_queued (rig.link), BP_LINK_QUEUE_MAX);
    bp_link_item_t extra = {
        (const byte *) "one too many", 12, 0, 12, "x", dtchat_now_ms ()
        + 60000, "ipn:2.1"
    };
    char reason [256] = "";
    assert_int_equal (bp_link_enqueue (rig.link, &extra, reason,
                                       sizeof reason), -1);
    assert_non_null (strstr (reason, "full"));
    //  the hop comes up: the first frame is the merged bundle, SENT twice
    assert_int_equal (listen (rig.hop, 4), 0);
    zmsg_t *msg = s_drive (&rig, 10000);
    assert_non_null (msg);
    char *verb = zmsg_popstr (msg);
    char *token = zmsg_popstr (msg);
    assert_string_equal (verb, VERB_SENT);
    assert_string_equal (token, "a1");
    zstr_free (&verb);
    zstr_free (&token);
    zmsg_destroy (&msg);
    msg = s_drive (&rig, 10000);
    assert_non_null (msg);
    verb = zmsg_popstr (msg);
    token = zmsg_popstr (msg);
    assert_string_equal (verb, VERB_SENT);
    assert_string_equal (token, "a2");
    zstr_free (&verb);
    zstr_free (&token);
    zmsg_destroy (&msg);
    assert_true (bp_link_connected (rig.link));
    int conn = accept (rig.hop, NULL, NULL);
    assert_true (conn >= 0);
    byte head [MTCP_HEAD_MAX];
    size_t head_size = mtcp_frame_head (10, head);
    byte got [16];
    struct pollfd item = { conn, POLLIN, 0 };
    assert_int_equal (poll (&item, 1, 10000), 1);
    assert_int_equal (recv (conn, got, head_size + 10, MSG_WAITALL),
                      (ssize_t) (head_size + 10));
    assert_memory_equal (got, head, head_size);
    assert_memory_equal (got + head_size, "same bytes", 10);
    close (conn);
    s_rig_destroy (&rig);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_lifetime_ends_while_down),
        cmocka_unit_test (test_merge_bound_and_delivery),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
