/*  chat_table.c: the chat-model's table of every message it knows.

    The chat-model is its only user: it inserts each message it sends or
    receives, finds them again by uuid (acks, tracker verbs, transport
    tokens) or by uuid prefix (the ui's RESEND), and moves their statuses
    through chat_table_advance, which enforces the forward-only rule and
    keeps the pending / failed counters that DRAIN and the sys events
    report. A zhashx finds an entry by uuid; a zlistx keeps arrival order,
    for resyncs and for forgetting the oldest finished message when the
    table is full (a peer can send us any number of distinct uuids, so
    the table must be bounded).
*/
#include "chat_table.h"

struct _chat_table_t {
    zhashx_t *index;        //  uuid -> entry, keys borrowed from entries
    zlistx_t *order;        //  entries in arrival order, owns nothing
    size_t max;             //  most entries kept
    size_t pending;         //  outgoing SENDING or SENT
    size_t failed;          //  outgoing FAILED
};

//  Copy VALUE into *FIELD_P; false if VALUE was non-NULL and not copied.
static bool
s_copy (char **field_p, const char *value)
{
    *field_p = value? strdup (value): NULL;
    return !value || *field_p;
}

//  New entry with copies of the strings.
chat_entry_t *
chat_entry_new (const char *uuid, const char *sender, const char *room,
                const char *text, const char *peer, msg_status_t status,
                bool outgoing)
{
    assert (uuid);
    chat_entry_t *self = (chat_entry_t *) calloc (1, sizeof (chat_entry_t));
    if (!self)
        return NULL;
    self->status = status;
    self->outgoing = outgoing;
    bool ok = s_copy (&self->uuid, uuid);
    ok = s_copy (&self->sender, sender) && ok;
    ok = s_copy (&self->room, room) && ok;
    ok = s_copy (&self->text, text) && ok;
    ok = s_copy (&self->peer, peer) && ok;
    if (!ok)
        chat_entry_destroy (&self);
    return self;
}

//  Destroy an entry; idempotent, nulls *SELF_P.
void
chat_entry_destroy (chat_entry_t **self_p)
{
    assert (self_p);
    chat_entry_t *self = *self_p;
    if (!self)
        return;
    free (self->uuid);
    free (self->sender);
    free (self->room);
    free (self->text);
    free (self->peer);
    free (self->reason);
    free (self->data);
    free (self);
    *self_p = NULL;
}

//  Copy a string into an event field, "" for NULL; false if out of memory.
static bool
s_event_copy (char **field_p, const char *value)
{
    *field_p = strdup (value? value: "");
    return *field_p != NULL;
}

//  A new "msg" event with the entry's fields.
bus_event_t *
chat_entry_event (const chat_entry_t *self)
{
    assert (self);
    bus_event_t *event = bus_event_new (BUS_EVENT_MSG, TOPIC_MSG);
    if (!event)
        return NULL;
    bool ok = s_event_copy (&event->uuid, self->uuid);
    ok = s_event_copy (&event->sender, self->sender) && ok;
    ok = s_event_copy (&event->room, self->room) && ok;
    ok = s_event_copy (&event->text, self->text) && ok;
    ok = s_event_copy (&event->peer, self->peer) && ok;
    if (self->status == MSG_FAILED && self->reason)
        ok = s_event_copy (&event->reason, self->reason) && ok;
    event->status = self->status;
    event->outgoing = self->outgoing;
    event->send_time = self->send_time;
    event->receive_time = self->receive_time;
    event->attempts = self->attempts;
    if (!ok)
        bus_event_destroy (&event);
    return event;
}

//  Rank for the forward-only rule; RECEIVED never changes.
int
chat_status_rank (msg_status_t status)
{
    switch (status) {
        case MSG_SENDING: return 1;
        case MSG_SENT:    return 2;
        case MSG_FAILED:  return 3;
        case MSG_ACKED:   return 4;
        default:          return 0;
    }
}

//  Add DELTA to the counter ENTRY's status belongs to, if any.
static void
s_count (chat_table_t *self, const chat_entry_t *entry, int delta)
{
    if (!entry->outgoing)
        return;
    size_t *counter = NULL;
    if (entry->status == MSG_SENDING || entry->status == MSG_SENT)
        counter = &self->pending;
    else
    if (entry->status == MSG_FAILED)
        counter = &self->failed;
    if (counter) {
        assert (delta > 0 || *counter > 0);
        *counter += delta;
    }
}

//  New empty table.
chat_table_t *
chat_table_new (size_t max)
{
    chat_table_t *self = (chat_table_t *) calloc (1, sizeof (chat_table_t));
    if (!self)
        return NULL;
    self->max = max? max: CHAT_TABLE_MAX_DEFAULT;
    self->index = zhashx_new ();
    self->order = zlistx_new ();
    if (!self->index || !self->order) {
        chat_table_destroy (&self);
        return NULL;
    }
    //  the entry owns its uuid; the index only borrows it
    zhashx_set_key_duplicator (self->index, NULL);
    zhashx_set_key_destructor (self->index, NULL);
    return self;
}

//  Destroy the table and every entry; idempotent.
void
chat_table_destroy (chat_table_t **self_p)
{
    assert (self_p);
    chat_table_t *self = *self_p;
    if (!self)
        return;
    zhashx_destroy (&self->index);
    if (self->order) {
        chat_entry_t *entry = (chat_entry_t *) zlistx_first (self->order);
        while (entry) {
            chat_entry_destroy (&entry);
            entry = (chat_entry_t *) zlistx_next (self->order);
        }
        zlistx_destroy (&self->order);
    }
    free (self);
    *self_p = NULL;
}

//  Forget the oldest entry that does not wait for an ack. False if every
//  entry still waits.
static bool
s_evict (chat_table_t *self)
{
    chat_entry_t *entry = (chat_entry_t *) zlistx_first (self->order);
    while (entry && entry->outgoing
       &&  (entry->status == MSG_SENDING || entry->status == MSG_SENT))
        entry = (chat_entry_t *) zlistx_next (self->order);
    if (!entry)
        return false;
    s_count (self, entry, -1);
    zlistx_delete (self->order, entry->handle);
    zhashx_delete (self->index, entry->uuid);
    chat_entry_destroy (&entry);
    return true;
}

//  Add an entry; -1 if its uuid is known or no room can be made.
int
chat_table_insert (chat_table_t *self, chat_entry_t **entry_p)
{
    assert (self);
    assert (entry_p && *entry_p);
    chat_entry_t *entry = *entry_p;
    if (zhashx_lookup (self->index, entry->uuid))
        return -1;
    if (zhashx_size (self->index) >= self->max && !s_evict (self))
        return -1;
    entry->handle = zlistx_add_end (self->order, entry);
    if (!entry->handle)
        return -1;
    if (zhashx_insert (self->index, entry->uuid, entry)) {
        zlistx_delete (self->order, entry->handle);
        entry->handle = NULL;
        return -1;
    }
    s_count (self, entry, +1);
    *entry_p = NULL;
    return 0;
}

//  The entry with UUID, or NULL.
chat_entry_t *
chat_table_lookup (chat_table_t *self, const char *uuid)
{
    assert (self);
    return uuid? (chat_entry_t *) zhashx_lookup (self->index, uuid): NULL;
}

//  The one outgoing entry whose uuid starts with PREFIX, or NULL.
chat_entry_t *
chat_table_find_outgoing (chat_table_t *self, const char *prefix,
                          size_t *matches_p)
{
    assert (self);
    assert (prefix);
    assert (matches_p);
    chat_entry_t *exact = chat_table_lookup (self, prefix);
    if (exact && exact->outgoing) {
        *matches_p = 1;
        return exact;
    }
    size_t length = strlen (prefix);
    size_t matches = 0;
    chat_entry_t *found = NULL;
    chat_entry_t *entry = (chat_entry_t *) zlistx_first (self->order);
    while (entry) {
        if (entry->outgoing && strncmp (entry->uuid, prefix, length) == 0) {
            found = entry;
            matches++;
        }
        entry = (chat_entry_t *) zlistx_next (self->order);
    }
    *matches_p = matches;
    return matches == 1? found: NULL;
}

//  Move ENTRY forward to STATUS; true if it moved.
bool
chat_table_advance (chat_table_t *self, chat_entry_t *entry,
                    msg_status_t status)
{
    assert (self);
    assert (entry);
    if (!entry->outgoing
    ||  chat_status_rank (status) <= chat_status_rank (entry->status))
        return false;
    s_count (self, entry, -1);
    entry->status = status;
    s_count (self, entry, +1);
    return true;
}

//  FAILED back to SENDING, for the ui's RESEND; true if it moved.
bool
chat_table_reopen (chat_table_t *self, chat_entry_t *entry)
{
    assert (self);
    assert (entry);
    if (!entry->outgoing || entry->status != MSG_FAILED)
        return false;
    s_count (self, entry, -1);
    entry->status = MSG_SENDING;
    s_count (self, entry, +1);
    free (entry->reason);
    entry->reason = NULL;
    return true;
}

//  Outgoing messages waiting for an ack.
size_t
chat_table_pending (chat_table_t *self)
{
    assert (self);
    return self->pending;
}

//  Outgoing messages FAILED.
size_t
chat_table_failed (chat_table_t *self)
{
    assert (self);
    return self->failed;
}

//  Messages known.
size_t
chat_table_size (chat_table_t *self)
{
    assert (self);
    return zhashx_size (self->index);
}

//  First entry in arrival order, or NULL.
chat_entry_t *
chat_table_first (chat_table_t *self)
{
    assert (self);
    return (chat_entry_t *) zlistx_first (self->order);
}

//  Next entry in arrival order, or NULL.
chat_entry_t *
chat_table_next (chat_table_t *self)
{
    assert (self);
    return (chat_entry_t *) zlistx_next (self->order);
}
