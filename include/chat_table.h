/*  chat_table.h: the chat-model's table of every message it knows.

    A chat_entry_t is one message, sent or received, with its status; its
    fields are public (a value the model fills and reads), except that
    statuses change only through chat_table_advance and chat_table_reopen,
    which keep the rank rule (SENDING < SENT < FAILED < ACKED; a late event
    never moves a status backwards) and the counters. The table keeps
    entries in arrival order (for a resync) and is bounded: when full it
    forgets the oldest message that no longer waits for an ack. Only the
    chat-model uses it; it has no sockets, so it is tested on its own.
*/
#ifndef CHAT_TABLE_H_INCLUDED
#define CHAT_TABLE_H_INCLUDED

#include "dtchat.h"
#include "bus_event.h"
#include "endpoint.h"

//  Default number of messages a table keeps.
#define CHAT_TABLE_MAX_DEFAULT  100000

typedef struct {
    char *uuid;             //  the key: 36-char text
    char *sender;           //  sender_uuid
    char *room;
    char *text;             //  text, or "[file NAME, N bytes]"
    char *peer;             //  outgoing: destination; incoming: source
    char *reason;           //  why FAILED, else NULL
    msg_status_t status;    //  read only: see chat_table_advance
    bool outgoing;
    int64_t send_time;      //  sender's clock, ms
    int64_t receive_time;   //  local clock: ack or arrival, ms; 0 = none
    uint32_t attempts;      //  handed to a transport this many times
    endpoint_proto_t proto; //  outgoing: the transport it goes over
    byte *data;             //  outgoing: encoded bytes, resent as they are
    size_t size;
    bool tracked;           //  outgoing: the ack-tracker knows it (the
                            //  chat-model's business, see track_queue.h)
    void *handle;           //  private to chat_table
} chat_entry_t;

typedef struct _chat_table_t chat_table_t;

//  New entry with copies of the strings (NULL stays NULL) and status
//  STATUS. NULL only if out of memory.
chat_entry_t *
    chat_entry_new (const char *uuid, const char *sender, const char *room,
                    const char *text, const char *peer, msg_status_t status,
                    bool outgoing);

//  Destroy an entry that is not in a table; idempotent.
void
    chat_entry_destroy (chat_entry_t **self_p);

//  A new "msg" event with the entry's current fields; NULL if no memory.
bus_event_t *
    chat_entry_event (const chat_entry_t *self);

//  Rank of a status for the forward-only rule (0 for RECEIVED/UNKNOWN).
int
    chat_status_rank (msg_status_t status);

//  New table holding at most MAX messages (0 = CHAT_TABLE_MAX_DEFAULT).
chat_table_t *
    chat_table_new (size_t max);
void
    chat_table_destroy (chat_table_t **self_p);

//  Add *ENTRY_P (the table owns it and nulls *ENTRY_P). Returns 0, or -1
//  if its uuid is already known or the table is full of pending messages
//  (then *ENTRY_P is left to the caller).
int
    chat_table_insert (chat_table_t *self, chat_entry_t **entry_p);

//  The entry with this uuid, or NULL.
chat_entry_t *
    chat_table_lookup (chat_table_t *self, const char *uuid);

//  The one outgoing entry whose uuid starts with PREFIX (an exact uuid
//  wins), or NULL; *MATCHES_P gets how many outgoing entries matched.
chat_entry_t *
    chat_table_find_outgoing (chat_table_t *self, const char *prefix,
                              size_t *matches_p);

//  Move ENTRY to STATUS if that is forward. Returns true if it moved.
bool
    chat_table_advance (chat_table_t *self, chat_entry_t *entry,
                        msg_status_t status);

//  The one backward move: a FAILED outgoing entry back to SENDING (clears
//  its reason). Returns true if it moved.
bool
    chat_table_reopen (chat_table_t *self, chat_entry_t *entry);

//  Outgoing messages SENDING or SENT; outgoing FAILED; all known.
size_t
    chat_table_pending (chat_table_t *self);
size_t
    chat_table_failed (chat_table_t *self);
size_t
    chat_table_size (chat_table_t *self);

//  Walk the entries in arrival order: first, then next until NULL. Do
//  not insert while walking.
chat_entry_t *
    chat_table_first (chat_table_t *self);
chat_entry_t *
    chat_table_next (chat_table_t *self);

#endif
