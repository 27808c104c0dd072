/*  test_track_queue.c: the FIFO of TRACKs the chat-model holds back. */
#include "track_queue.h"
#include "testutil.h"

//  Items come out in order, each only once it is due.
static void
test_due_order (void **state)
{
    track_queue_t *queue = track_queue_new ();
    assert_non_null (queue);
    char uuid [TRACK_QUEUE_UUID_MAX + 1];
    int64_t deadline = 0, since = 0;
    assert_int_equal (track_queue_next_due (queue), -1);
    assert_false (track_queue_pop_due (queue, 1000, uuid, &since, &deadline));
    assert_int_equal (track_queue_push (queue, "a", 100, 7, 5000), 0);
    assert_int_equal (track_queue_push (queue, "b", 120, 7, 6000), 0);
    assert_int_equal (track_queue_size (queue), 2);
    assert_int_equal (track_queue_next_due (queue), 100);
    assert_false (track_queue_pop_due (queue, 99, uuid, &since, &deadline));
    assert_true (track_queue_pop_due (queue, 100, uuid, &since, &deadline));
    assert_string_equal (uuid, "a");
    assert_int_equal (since, 7);
    assert_int_equal (deadline, 5000);
    assert_false (track_queue_pop_due (queue, 119, uuid, &since, &deadline));
    assert_true (track_queue_pop_due (queue, 500, uuid, &since, &deadline));
    assert_string_equal (uuid, "b");
    assert_int_equal (deadline, 6000);
    assert_int_equal (track_queue_size (queue), 0);
    assert_int_equal (track_queue_next_due (queue), -1);
    track_queue_destroy (&queue);
    track_queue_destroy (&queue);
    assert_null (queue);
}

//  A due time never goes back (the head stays the first due), and a
//  uuid that is too long is refused.
static void
test_monotonic_and_bounds (void **state)
{
    track_queue_t *queue = track_queue_new ();
    assert_int_equal (track_queue_push (queue, "late", 200, 7, 1), 0);
    assert_int_equal (track_queue_push (queue, "early", 150, 7, 2), 0);
    assert_int_equal (track_queue_next_due (queue), 200);
    char uuid [TRACK_QUEUE_UUID_MAX + 1];
    int64_t deadline, since;
    assert_true (track_queue_pop_due (queue, 200, uuid, &since, &deadline));
    assert_string_equal (uuid, "late");
    assert_int_equal (track_queue_next_due (queue), 200);
    char long_uuid [TRACK_QUEUE_UUID_MAX + 2];
    memset (long_uuid, 'x', sizeof long_uuid - 1);
    long_uuid [sizeof long_uuid - 1] = 0;
    assert_int_equal (track_queue_push (queue, long_uuid, 300, 7, 3), -1);
    long_uuid [TRACK_QUEUE_UUID_MAX] = 0;
    assert_int_equal (track_queue_push (queue, long_uuid, 300, 7, 3), 0);
    assert_true (track_queue_pop_due (queue, 300, uuid, &since, &deadline));
    assert_string_equal (uuid, "early");
    assert_true (track_queue_pop_due (queue, 300, uuid, &since, &deadline));
    assert_string_equal (uuid, long_uuid);
    track_queue_destroy (&queue);
}

//  The ring grows past its first size while wrapped, keeping the order.
static void
test_grows_in_order (void **state)
{
    track_queue_t *queue = track_queue_new ();
    char uuid [TRACK_QUEUE_UUID_MAX + 1], expect [32];
    int64_t deadline, since;
    int pushed = 0, popped = 0;
    for (int round = 0; round < 50; round++) {
        for (int count = 0; count < 37; count++, pushed++) {
            snprintf (expect, sizeof expect, "u%d", pushed);
            assert_int_equal (track_queue_push (queue, expect, pushed,
                                                pushed * 5, pushed * 10), 0);
        }
        for (int count = 0; count < 30; count++, popped++) {
            assert_true (track_queue_pop_due (queue, popped, uuid,
                                              &since, &deadline));
            snprintf (expect, sizeof expect, "u%d", popped);
            assert_string_equal (uuid, expect);
            assert_int_equal (since, popped * 5);
            assert_int_equal (deadline, popped * 10);
        }
    }
    assert_int_equal (track_queue_size (queue), (size_t) (pushed - popped));
    while (track_queue_pop_due (queue, INT64_MAX, uuid, &since, &deadline)) {
        snprintf (expect, sizeof expect, "u%d", popped++);
        assert_string_equal (uuid, expect);
    }
    assert_int_equal (popped, pushed);
    track_queue_destroy (&queue);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_due_order),
        cmocka_unit_test (test_monotonic_and_bounds),
        cmocka_unit_test (test_grows_in_order),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
