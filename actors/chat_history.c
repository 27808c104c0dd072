/*  chat_history.c: the chat-model's history, in order and from the store.

    The chat-model calls chat_history_sorted when the ui asks for a resync
    (SYNC), to re-publish every message in the chosen order, and
    chat_history_load at START, to put what the store kept back into its
    chat_table. The sort is a stable sort on (time, arrival index), so
    equal times keep the order in which messages arrived.
*/
#include "chat_history.h"

//  One entry with its sort key.
typedef struct {
    chat_entry_t *entry;
    int64_t key;
    size_t index;           //  arrival order, for ties
} s_item_t;

//  Parse an order name.
int
chat_order_parse (const char *text, chat_order_t *order_p)
{
    assert (order_p);
    if (!text || !*text || streq (text, "send"))
        *order_p = CHAT_ORDER_SEND;
    else
    if (streq (text, "receive"))
        *order_p = CHAT_ORDER_RECEIVE;
    else
        return -1;
    return 0;
}

//  The name of an order.
const char *
chat_order_name (chat_order_t order)
{
    return order == CHAT_ORDER_RECEIVE? "receive": "send";
}

//  Compare two items: key, then arrival.
static int
s_compare (const void *a, const void *b)
{
    const s_item_t *x = (const s_item_t *) a;
    const s_item_t *y = (const s_item_t *) b;
    if (x->key != y->key)
        return x->key < y->key? -1: 1;
    return x->index < y->index? -1: x->index > y->index;
}

//  The time ENTRY sorts by in ORDER.
static int64_t
s_key (const chat_entry_t *entry, chat_order_t order)
{
    if (order == CHAT_ORDER_RECEIVE && !entry->outgoing
    &&  entry->receive_time > 0)
        return entry->receive_time;
    return entry->send_time;
}

//  Every entry of TABLE, sorted.
chat_entry_t **
chat_history_sorted (chat_table_t *table, chat_order_t order,
                     size_t *count_p)
{
    assert (table);
    assert (count_p);
    *count_p = 0;
    size_t size = chat_table_size (table);
    if (size == 0)
        return NULL;
    s_item_t *items = (s_item_t *) calloc (size, sizeof (s_item_t));
    chat_entry_t **sorted = (chat_entry_t **) calloc (size,
                                                      sizeof (chat_entry_t *));
    if (!items || !sorted) {
        free (items);
        free (sorted);
        return NULL;
    }
    size_t count = 0;
    chat_entry_t *entry = chat_table_first (table);
    for (; entry && count < size; entry = chat_table_next (table)) {
        items [count].entry = entry;
        items [count].key = s_key (entry, order);
        items [count].index = count;
        count++;
    }
    qsort (items, count, sizeof (s_item_t), s_compare);
    for (size_t index = 0; index < count; index++)
        sorted [index] = items [index].entry;
    free (items);
    *count_p = count;
    return sorted;
}

//  What the load callback needs.
typedef struct {
    chat_table_t *table;
    int64_t added;
    size_t refused;         //  the table had no room, or a repeated uuid
} s_load_t;

//  store_each_fn: put one loaded entry in the table.
static void
s_load_one (chat_entry_t **entry_p, int64_t deadline, void *arg)
{
    s_load_t *load = (s_load_t *) arg;
    if (chat_table_insert (load->table, entry_p) == 0)
        load->added++;
    else
        load->refused++;
}

//  Load the store's history into TABLE.
int64_t
chat_history_load (chat_table_t *table, store_t *store, size_t max,
                   size_t *skipped_p)
{
    assert (table);
    assert (store);
    s_load_t load = { table, 0, 0 };
    size_t skipped = 0;
    if (store_history (store, max, s_load_one, &load, &skipped) < 0)
        return -1;
    if (skipped_p)
        *skipped_p = skipped + load.refused;
    return load.added;
}
