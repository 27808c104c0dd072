/*  test_bp_routes.c: the next-hop table of native BP (bp_routes.c).

    Exact EIDs win over prefixes, longer prefixes over shorter ones, and
    "*" is the last resort; learned routes are per node and replace older
    ones with the same pattern; bad patterns and next hops are refused
    with a reason; the table is bounded.
*/
#include "dtchat.h"
#include "bp_routes.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

//  Exact match first, then the longest prefix, then the default route.
static void
test_lookup_order (void **state)
{
    bp_routes_t *routes = bp_routes_new ();
    assert_non_null (routes);
    char reason [256];
    assert_null (bp_routes_lookup (routes, "ipn:2.1"));
    assert_int_equal (bp_routes_add_text (routes, "* mtcp:127.0.0.1:1",
                                          reason, sizeof reason), 0);
    assert_int_equal (bp_routes_add_text (routes, "ipn:2.* mtcp:127.0.0.1:2",
                                          reason, sizeof reason), 0);
    assert_int_equal (bp_routes_add_text (routes, "ipn:2.1 mtcp:127.0.0.1:3",
                                          reason, sizeof reason), 0);
    assert_int_equal (bp_routes_add_text (routes, "ipn:2* mtcp:127.0.0.1:4",
                                          reason, sizeof reason), 0);
    assert_int_equal (bp_routes_add (routes, "dtn://b.dtn/*",
                                     "MTCP:[::1]:5", reason, sizeof reason),
                      0);
    assert_string_equal (bp_routes_lookup (routes, "ipn:2.1"),
                         "mtcp:127.0.0.1:3");
    assert_string_equal (bp_routes_lookup (routes, "ipn:2.7"),
                         "mtcp:127.0.0.1:2");
    assert_string_equal (bp_routes_lookup (routes, "ipn:23.1"),
                         "mtcp:127.0.0.1:4");
    assert_string_equal (bp_routes_lookup (routes, "ipn:9.1"),
                         "mtcp:127.0.0.1:1");
    assert_string_equal (bp_routes_lookup (routes, "dtn://b.dtn/chat"),
                         "mtcp:[::1]:5");
    assert_string_equal (bp_routes_lookup (routes, "dtn://b.dtnx/chat"),
                         "mtcp:127.0.0.1:1");
    //  a learned route is per node and replaces the same pattern
    assert_int_equal (bp_routes_learn (routes, "ipn:2.5",
                                       "mtcp:127.0.0.1:6"), 0);
    assert_string_equal (bp_routes_lookup (routes, "ipn:2.7"),
                         "mtcp:127.0.0.1:6");
    assert_string_equal (bp_routes_lookup (routes, "ipn:2.1"),
                         "mtcp:127.0.0.1:3");
    assert_int_equal (bp_routes_learn (routes, "dtn://c.dtn/chat",
                                       "mtcp:localhost:7"), 0);
    assert_string_equal (bp_routes_lookup (routes, "dtn://c.dtn/other"),
                         "mtcp:127.0.0.1:7");
    assert_int_equal (bp_routes_size (routes), 6);
    assert_int_equal (bp_routes_learn (routes, "ipn:x", "mtcp:1.2.3.4:5"),
                      -1);
    assert_int_equal (bp_routes_learn (routes, "ipn:3.1", "tcp:1.2.3.4:5"),
                      -1);
    bp_routes_destroy (&routes);
    bp_routes_destroy (&routes);
    assert_null (routes);
}

//  Malformed patterns and next hops are refused with a reason.
static void
test_bad_routes (void **state)
{
    bp_routes_t *routes = bp_routes_new ();
    const char *bad [] = {
        "", "ipn:2.*", "ipn:2.* mtcp:", "ipn:2.* mtcp:host:1",
        "ipn:2.* udp:127.0.0.1:1", "ipn:*.1 mtcp:127.0.0.1:1",
        "udp:2 mtcp:127.0.0.1:1", "ipn:2.* mtcp:127.0.0.1:1 extra",
        "ipn:2.* mtcp:127.0.0.1:99999"
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        char reason [256] = "";
        assert_int_equal (bp_routes_add_text (routes, bad [i], reason,
                                              sizeof reason), -1);
        assert_true (strlen (reason) > 0);
    }
    assert_int_equal (bp_routes_size (routes), 0);
    //  bounded: configured routes stop at the limit, learned ones evict
    char reason [256];
    for (int i = 0; i < BP_ROUTES_MAX; i++) {
        char pattern [32];
        snprintf (pattern, sizeof pattern, "ipn:%d.1", i);
        assert_int_equal (bp_routes_add (routes, pattern, "mtcp:127.0.0.1:1",
                                         reason, sizeof reason), 0);
    }
    assert_int_equal (bp_routes_add (routes, "ipn:999.1", "mtcp:127.0.0.1:1",
                                     reason, sizeof reason), -1);
    assert_non_null (strstr (reason, "too many"));
    bp_routes_destroy (&routes);
}

//  The node of an EID, and MTCP addresses with their canonical text.
static void
test_eid_node_and_via (void **state)
{
    char node [64];
    assert_int_equal (bp_eid_node ("ipn:12.34", node, sizeof node), 0);
    assert_string_equal (node, "ipn:12");
    assert_int_equal (bp_eid_node ("dtn://b.dtn/chat/x", node, sizeof node),
                      0);
    assert_string_equal (node, "dtn://b.dtn");
    assert_int_equal (bp_eid_node ("dtn:none", node, sizeof node), -1);
    assert_int_equal (bp_eid_node ("ipn:.1", node, sizeof node), -1);
    struct sockaddr_storage addr;
    socklen_t addrlen;
    char canonical [64];
    assert_int_equal (bp_via_parse ("mtcp:[::1]:4556", &addr, &addrlen,
                                    canonical, sizeof canonical), 0);
    assert_int_equal (addr.ss_family, AF_INET6);
    assert_string_equal (canonical, "mtcp:[::1]:4556");
    assert_int_equal (bp_via_parse ("tcp:1.2.3.4:5", NULL, NULL, NULL, 0),
                      -1);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_lookup_order),
        cmocka_unit_test (test_bad_routes),
        cmocka_unit_test (test_eid_node_and_via),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
