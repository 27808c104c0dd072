/*  test_bp_model.c: what the transport-bp backends hand the chat-model
    (bp_model.c).

    The test holds both ends of an inproc PAIR: bp_model_t writes on
    one, the test reads the exact frames on the other and checks the
    count of messages sent, which transport_bp.c uses to know when to
    mark the PAIR for its poller.
*/
#include "dtchat.h"
#include "bp_model.h"

#include "testutil.h"

//  Read the next message within the wait and check its string frames
//  (COUNT of them, the last may be binary of SIZE bytes).
static void
s_expect (zsock_t *sock, int count, const char **frames, size_t last_size)
{
    zmsg_t *msg = testutil_recv_within (sock, TESTUTIL_WAIT_MS);
    assert_non_null (msg);
    assert_int_equal (zmsg_size (msg), count);
    zframe_t *frame = zmsg_first (msg);
    for (int index = 0; index < count; index++) {
        size_t size = index + 1 < count? strlen (frames [index]): last_size;
        assert_int_equal (zframe_size (frame), size);
        assert_memory_equal (zframe_data (frame), frames [index], size);
        frame = zmsg_next (msg);
    }
    zmsg_destroy (&msg);
}

//  SENT, FAILED and RECV come out as the pictures "ss", "sss", "ssb".
static void
test_frames_and_count (void **state)
{
    (void) state;
    zsock_t *model = zsock_new_pair ("@inproc://test-bp-model");
    zsock_t *end = zsock_new_pair (">inproc://test-bp-model");
    assert_non_null (model);
    assert_non_null (end);
    bp_model_t out = { end, 0 };

    bp_model_sent (&out, "t1");
    assert_int_equal (out.sent, 1);
    s_expect (model, 2, (const char *[]) { "SENT", "t1" }, 2);

    //  a quiet token gets no SENT: nothing is sent, nothing counted
    bp_model_sent (&out, TOKEN_QUIET_PREFIX "x");
    assert_int_equal (out.sent, 1);
    assert_true (testutil_quiet (model, 50));

    bp_model_failed (&out, "t2", "no route");
    assert_int_equal (out.sent, 2);
    s_expect (model, 3, (const char *[]) { "FAILED", "t2", "no route" }, 8);

    const byte data [] = { 0, 1, 2, 0xff, 0 };
    bp_model_recv (&out, "bp ipn:2.1", data, sizeof data);
    assert_int_equal (out.sent, 3);
    s_expect (model, 3, (const char *[]) { "RECV", "bp ipn:2.1",
                                           (const char *) data },
              sizeof data);
    //  an empty payload is still three frames
    bp_model_recv (&out, "bp ipn:2.1", NULL, 0);
    assert_int_equal (out.sent, 4);
    s_expect (model, 3, (const char *[]) { "RECV", "bp ipn:2.1", "" }, 0);

    zsock_destroy (&end);
    zsock_destroy (&model);
}

int
main (void)
{
    zsys_init ();
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_frames_and_count),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
