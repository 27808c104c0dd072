/*  test_chat_history.c: the history orders and loading the store back.

    A chat_table with messages whose clocks disagree is sorted both ways;
    a store with history and an outbox is loaded into a table, and rows the
    table cannot take are counted.
*/
#include "dtchat.h"
#include "chat_history.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

//  Add a message to TABLE.
static void
s_add (chat_table_t *table, const char *uuid, bool outgoing,
       int64_t send_time, int64_t receive_time)
{
    chat_entry_t *entry = chat_entry_new (uuid, outgoing? "me": "peer",
                                          "room", uuid, "udp 127.0.0.1:9",
                                          outgoing? MSG_ACKED: MSG_RECEIVED,
                                          outgoing);
    assert_non_null (entry);
    entry->send_time = send_time;
    entry->receive_time = receive_time;
    assert_int_equal (chat_table_insert (table, &entry), 0);
}

//  The uuids of SORTED are EXPECT, in that order.
static void
s_expect (chat_entry_t **sorted, size_t count, const char **expect,
          size_t expect_count)
{
    assert_int_equal (count, expect_count);
    for (size_t index = 0; index < count; index++)
        assert_string_equal (sorted [index]->uuid, expect [index]);
}

//  Order names parse both ways; anything else is refused.
static void
test_order_names (void **state)
{
    chat_order_t order = CHAT_ORDER_RECEIVE;
    assert_int_equal (chat_order_parse (NULL, &order), 0);
    assert_int_equal (order, CHAT_ORDER_SEND);
    assert_int_equal (chat_order_parse ("receive", &order), 0);
    assert_int_equal (order, CHAT_ORDER_RECEIVE);
    assert_int_equal (chat_order_parse ("", &order), 0);
    assert_int_equal (order, CHAT_ORDER_SEND);
    assert_int_equal (chat_order_parse ("Send", &order), -1);
    assert_int_equal (chat_order_parse ("sendx", &order), -1);
    assert_string_equal (chat_order_name (CHAT_ORDER_SEND), "send");
    assert_string_equal (chat_order_name (CHAT_ORDER_RECEIVE), "receive");
}

//  A peer whose clock is an hour behind: by send time its late messages
//  come first; by arrival they come where they arrived. Ties keep
//  arrival order; an incoming message with no receive time sorts by its
//  send time.
static void
test_sorted (void **state)
{
    chat_table_t *table = chat_table_new (0);
    assert_non_null (table);
    size_t count = 99;
    assert_null (chat_history_sorted (table, CHAT_ORDER_SEND, &count));
    assert_int_equal (count, 0);
    int64_t hour = 3600 * 1000;
    s_add (table, "mine-1", true, 10000, 10005);
    s_add (table, "peer-1", false, 11000 - hour, 11000);
    s_add (table, "mine-2", true, 12000, 12010);
    s_add (table, "peer-2", false, 13000 - hour, 13000);
    s_add (table, "tie", false, 12000, 12000);
    s_add (table, "old", false, 500, 0);

    chat_entry_t **sorted = chat_history_sorted (table, CHAT_ORDER_SEND,
                                                 &count);
    const char *by_send [] = { "peer-1", "peer-2", "old", "mine-1",
                               "mine-2", "tie" };
    s_expect (sorted, count, by_send, 6);
    free (sorted);
    sorted = chat_history_sorted (table, CHAT_ORDER_RECEIVE, &count);
    const char *by_arrival [] = { "old", "mine-1", "peer-1", "mine-2", "tie",
                                  "peer-2" };
    s_expect (sorted, count, by_arrival, 6);
    free (sorted);
    chat_table_destroy (&table);
}

//  Loading a store: the outbox and the latest messages, into the table;
//  a uuid the table has already is counted as skipped.
static void
test_load (void **state)
{
    store_t *store = store_new (STORE_MEMORY, NULL, 0);
    assert_non_null (store);
    for (int index = 0; index < 5; index++) {
        char uuid [16];
        snprintf (uuid, sizeof uuid, "m-%d", index);
        chat_entry_t *entry = chat_entry_new (uuid, "me", "room", "text",
                                              "udp 127.0.0.1:9", MSG_SENDING,
                                              true);
        assert_non_null (entry);
        entry->proto = ENDPOINT_UDP;
        entry->data = (byte *) strdup ("bytes");
        entry->size = 5;
        assert_int_equal (store_insert (store, entry, 1000 + index), 0);
        if (index < 3) {            //  three acked, two still pending
            entry->status = MSG_ACKED;
            assert_int_equal (store_update (store, entry), 1);
        }
        chat_entry_destroy (&entry);
    }
    chat_table_t *table = chat_table_new (0);
    assert_non_null (table);
    chat_entry_t *known = chat_entry_new ("m-0", "me", "room", "text", "p",
                                          MSG_ACKED, true);
    assert_int_equal (chat_table_insert (table, &known), 0);
    size_t skipped = 0;
    assert_int_equal (chat_history_load (table, store, 0, &skipped), 4);
    assert_int_equal (skipped, 1);
    assert_int_equal (chat_table_size (table), 5);
    assert_int_equal (chat_table_pending (table), 2);
    chat_entry_t *pending = chat_table_lookup (table, "m-4");
    assert_non_null (pending);
    assert_int_equal (pending->size, 5);
    assert_memory_equal (pending->data, "bytes", 5);
    chat_table_destroy (&table);

    //  MAX bounds what is loaded besides the outbox
    table = chat_table_new (0);
    assert_int_equal (chat_history_load (table, store, 1, NULL), 2);
    assert_non_null (chat_table_lookup (table, "m-3"));
    assert_non_null (chat_table_lookup (table, "m-4"));
    chat_table_destroy (&table);
    store_destroy (&store);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_order_names),
        cmocka_unit_test (test_sorted),
        cmocka_unit_test (test_load),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
