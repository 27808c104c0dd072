/*  test_ui_common.c: the rules both uis share (actors/ui_common.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "ui.h"

//  /peer finds a config name first, else takes an endpoint-looking text.
static void
test_peer_endpoint (void **state)
{
    const char *names [] = { "bob", "carol", NULL };
    const char *endpoints [] = { "udp 127.0.0.1:6666", "tcp [::1]:7", NULL };
    ui_args_t args = { 0 };
    args.peer_names = names;
    args.peer_endpoints = endpoints;
    assert_string_equal (ui_peer_endpoint (&args, "bob"),
                         "udp 127.0.0.1:6666");
    assert_string_equal (ui_peer_endpoint (&args, "carol"), "tcp [::1]:7");
    assert_string_equal (ui_peer_endpoint (&args, "udp 10.0.0.1:5"),
                         "udp 10.0.0.1:5");
    assert_null (ui_peer_endpoint (&args, "dave"));
    assert_null (ui_peer_endpoint (&args, ""));
    ui_args_t none = { 0 };
    assert_null (ui_peer_endpoint (&none, "bob"));
    assert_string_equal (ui_peer_endpoint (&none, "tcp 1.2.3.4:5"),
                         "tcp 1.2.3.4:5");
}

//  An actor that only refuses: START gets -1 and the reason, $TERM ends.
static void
s_refusing_actor (zsock_t *pipe, void *args)
{
    zsock_signal (pipe, 0);
    ui_refuse (pipe, (const char *) args);
}

static void
test_refuse (void **state)
{
    zactor_t *actor = zactor_new (s_refusing_actor, "ui: out of memory");
    assert_non_null (actor);
    zsock_set_rcvtimeo (actor, 5000);
    zstr_send (actor, VERB_START);
    int status = 0;
    char *reason = NULL;
    assert_int_equal (zsock_recv (actor, "is", &status, &reason), 0);
    assert_int_equal (status, -1);
    assert_string_equal (reason, "ui: out of memory");
    zstr_free (&reason);
    zactor_destroy (&actor);        //  $TERM: returns, or the test hangs
}

int
main (void)
{
    zsys_init ();
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_peer_endpoint),
        cmocka_unit_test (test_refuse),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
