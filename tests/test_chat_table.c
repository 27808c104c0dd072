/*  test_chat_table.c: the chat-model's message table on its own.

    No sockets: insert entries, move their statuses, and check the
    forward-only rule, the counters, prefix lookup, arrival order and the
    bound (the oldest finished message goes first; pending ones stay).
*/
#include "dtchat.h"
#include "chat_table.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

//  Insert a new entry; returns it (owned by the table).
static chat_entry_t *
s_add (chat_table_t *table, const char *uuid, msg_status_t status,
       bool outgoing)
{
    chat_entry_t *entry = chat_entry_new (uuid, "alice", "room", "hi",
                                          "udp 127.0.0.1:1", status,
                                          outgoing);
    assert_non_null (entry);
    chat_entry_t *kept = entry;
    assert_int_equal (chat_table_insert (table, &entry), 0);
    assert_null (entry);
    return kept;
}

//  Statuses move only forward; FAILED -> ACKED is forward; reopen is the
//  one way back; counters follow.
static void
test_forward_only (void **state)
{
    chat_table_t *table = chat_table_new (0);
    assert_non_null (table);
    chat_entry_t *entry = s_add (table, "a-1", MSG_SENDING, true);
    assert_int_equal (chat_table_pending (table), 1);

    assert_true (chat_table_advance (table, entry, MSG_SENT));
    assert_false (chat_table_advance (table, entry, MSG_SENDING));
    assert_false (chat_table_advance (table, entry, MSG_SENT));
    assert_false (chat_table_reopen (table, entry));
    assert_int_equal (chat_table_pending (table), 1);

    assert_true (chat_table_advance (table, entry, MSG_FAILED));
    entry->reason = strdup ("no ack");
    assert_int_equal (chat_table_pending (table), 0);
    assert_int_equal (chat_table_failed (table), 1);
    assert_false (chat_table_advance (table, entry, MSG_SENT));

    assert_true (chat_table_reopen (table, entry));
    assert_null (entry->reason);
    assert_int_equal (entry->status, MSG_SENDING);
    assert_int_equal (chat_table_pending (table), 1);
    assert_int_equal (chat_table_failed (table), 0);

    assert_true (chat_table_advance (table, entry, MSG_FAILED));
    assert_true (chat_table_advance (table, entry, MSG_ACKED));
    assert_int_equal (chat_table_failed (table), 0);
    assert_int_equal (chat_table_pending (table), 0);
    assert_false (chat_table_advance (table, entry, MSG_FAILED));
    assert_false (chat_table_reopen (table, entry));
    assert_int_equal (entry->status, MSG_ACKED);

    //  a received message never changes status
    chat_entry_t *received = s_add (table, "b-1", MSG_RECEIVED, false);
    assert_false (chat_table_advance (table, received, MSG_ACKED));
    assert_int_equal (chat_table_size (table), 2);
    chat_table_destroy (&table);
    chat_table_destroy (&table);
    assert_null (table);
}

//  Duplicates are refused; lookup and prefix search.
static void
test_lookup (void **state)
{
    chat_table_t *table = chat_table_new (0);
    s_add (table, "abc-1", MSG_SENDING, true);
    s_add (table, "abd-2", MSG_SENDING, true);
    s_add (table, "abe-3", MSG_RECEIVED, false);
    chat_entry_t *dup = chat_entry_new ("abc-1", NULL, NULL, NULL, NULL,
                                        MSG_RECEIVED, false);
    assert_int_equal (chat_table_insert (table, &dup), -1);
    assert_non_null (dup);
    chat_entry_destroy (&dup);
    chat_entry_destroy (&dup);

    assert_non_null (chat_table_lookup (table, "abe-3"));
    assert_null (chat_table_lookup (table, "abe"));
    assert_null (chat_table_lookup (table, NULL));
    size_t matches;
    assert_null (chat_table_find_outgoing (table, "ab", &matches));
    assert_int_equal (matches, 2);
    chat_entry_t *entry = chat_table_find_outgoing (table, "abd", &matches);
    assert_non_null (entry);
    assert_string_equal (entry->uuid, "abd-2");
    //  received messages are not candidates
    assert_null (chat_table_find_outgoing (table, "abe", &matches));
    assert_int_equal (matches, 0);
    chat_table_destroy (&table);
}

//  A full table forgets the oldest finished message, never a pending one;
//  full of pending messages it refuses.
static void
test_bound (void **state)
{
    chat_table_t *table = chat_table_new (3);
    chat_entry_t *pending = s_add (table, "p-1", MSG_SENDING, true);
    chat_entry_t *failed = s_add (table, "f-2", MSG_SENDING, true);
    assert_true (chat_table_advance (table, failed, MSG_FAILED));
    s_add (table, "r-3", MSG_RECEIVED, false);
    assert_int_equal (chat_table_failed (table), 1);

    s_add (table, "r-4", MSG_RECEIVED, false);
    assert_int_equal (chat_table_size (table), 3);
    assert_non_null (chat_table_lookup (table, "p-1"));
    assert_null (chat_table_lookup (table, "f-2"));
    assert_int_equal (chat_table_failed (table), 0);

    s_add (table, "p-5", MSG_SENDING, true);
    assert_null (chat_table_lookup (table, "r-3"));
    s_add (table, "p-6", MSG_SENDING, true);
    assert_null (chat_table_lookup (table, "r-4"));
    assert_int_equal (chat_table_pending (table), 3);

    chat_entry_t *more = chat_entry_new ("p-7", NULL, NULL, NULL, NULL,
                                         MSG_SENDING, true);
    assert_int_equal (chat_table_insert (table, &more), -1);
    chat_entry_destroy (&more);

    //  arrival order survives evictions
    const char *order [] = { "p-1", "p-5", "p-6" };
    size_t index = 0;
    for (chat_entry_t *entry = chat_table_first (table); entry;
         entry = chat_table_next (table))
        assert_string_equal (entry->uuid, order [index++]);
    assert_int_equal (index, 3);
    assert_true (chat_table_advance (table, pending, MSG_ACKED));
    s_add (table, "r-8", MSG_RECEIVED, false);
    assert_null (chat_table_lookup (table, "p-1"));
    chat_table_destroy (&table);
}

//  The event carries every field; the reason only when FAILED.
static void
test_event (void **state)
{
    chat_entry_t *entry = chat_entry_new ("u-1", "alice", NULL, "hi",
                                          "udp 127.0.0.1:1", MSG_FAILED,
                                          true);
    entry->reason = strdup ("no ack");
    entry->send_time = 1000;
    entry->receive_time = 2000;
    entry->attempts = 3;
    bus_event_t *event = chat_entry_event (entry);
    assert_non_null (event);
    assert_string_equal (event->topic, TOPIC_MSG);
    assert_string_equal (event->uuid, "u-1");
    assert_string_equal (event->room, "");
    assert_string_equal (event->reason, "no ack");
    assert_int_equal (event->status, MSG_FAILED);
    assert_true (event->outgoing);
    assert_int_equal (event->send_time, 1000);
    assert_int_equal (event->receive_time, 2000);
    assert_int_equal (event->attempts, 3);
    bus_event_destroy (&event);
    entry->status = MSG_ACKED;
    event = chat_entry_event (entry);
    assert_null (event->reason);
    bus_event_destroy (&event);
    chat_entry_destroy (&entry);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_forward_only),
        cmocka_unit_test (test_lookup),
        cmocka_unit_test (test_bound),
        cmocka_unit_test (test_event),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
