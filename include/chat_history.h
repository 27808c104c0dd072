/*  chat_history.h: the chat-model's history, in order and from the store.

    Two helpers of the chat-model that work on its chat_table: putting
    the messages in the order the ui asked for when it resyncs (the Rust
    DTChat's two orderings), and loading history and outbox back from the
    store after a restart. No sockets: tested on their own.

    Orders:
    - "send": by the sender's clock (send_time), ours and the peer's alike.
    - "receive": relative; our messages at their send time (our clock),
      the peer's at the time they arrived here (our clock too), so a peer
      whose clock is off does not shuffle the conversation.
    Ties keep arrival order. Both times stay in every "msg" event, so a
    skew between the clocks is visible, not hidden.
*/
#ifndef CHAT_HISTORY_H_INCLUDED
#define CHAT_HISTORY_H_INCLUDED

#include "dtchat.h"
#include "chat_table.h"
#include "store.h"

typedef enum {
    CHAT_ORDER_SEND = 0,
    CHAT_ORDER_RECEIVE = 1
} chat_order_t;

//  Parse "send" or "receive" (NULL or "" = send). 0, or -1 if unknown.
int
    chat_order_parse (const char *text, chat_order_t *order_p);

//  "send" or "receive".
const char *
    chat_order_name (chat_order_t order);

//  A new array of every entry of TABLE in ORDER (the table still owns
//  the entries; the caller frees the array). *COUNT_P gets how many.
//  NULL with *COUNT_P = 0 for an empty table or if out of memory.
chat_entry_t **
    chat_history_sorted (chat_table_t *table, chat_order_t order,
                         size_t *count_p);

//  Load STORE's history (every message waiting for an ack and the MAX
//  latest others, 0 = STORE_HISTORY_DEFAULT) into TABLE. Returns how many
//  entries were added, or -1 (see store_error); *SKIPPED_P (may be NULL)
//  gets how many rows were not usable.
int64_t
    chat_history_load (chat_table_t *table, store_t *store, size_t max,
                       size_t *skipped_p);

#endif
