/*  store_load.c: the store reads messages back (history and outbox).

    Part of the store_t class (see store.c and store_private.h): the
    chat-model calls store_history at START, after a restart, and
    store_outbox when it resends what still waits for an ack. The file is
    outside input: a row is checked field by field (types, lengths, UTF-8,
    a status that fits its direction, bytes for what must be resent)
    before it becomes a chat_entry_t, and a row that does not make sense
    is skipped and counted, never trusted.
*/
#include "store_private.h"
#include "chat_msg.h"

#define S_PEER_MAX      1024    //  longest peer endpoint text we load

//  Text column INDEX of STMT if it is text of 0..MAX bytes and valid
//  UTF-8 (EMPTY_OK says whether "" will do), else NULL.
static const char *
s_column_text (sqlite3_stmt *stmt, int index, size_t max, bool empty_ok)
{
    if (sqlite3_column_type (stmt, index) != SQLITE_TEXT)
        return NULL;
    const char *text = (const char *) sqlite3_column_text (stmt, index);
    size_t size = (size_t) sqlite3_column_bytes (stmt, index);
    if (!text || size > max || (!empty_ok && size == 0)
    ||  memchr (text, 0, size) || !chat_msg_utf8_valid (text, size))
        return NULL;
    return text;
}

//  A new entry from the current row of STMT, or NULL if it makes no sense.
static chat_entry_t *
s_row_entry (sqlite3_stmt *stmt, int64_t *deadline)
{
    const char *uuid = s_column_text (stmt, 0, DTCHAT_ID_MAX, false);
    int64_t outgoing = sqlite3_column_int64 (stmt, 1);
    int64_t status = sqlite3_column_int64 (stmt, 2);
    const char *sender = s_column_text (stmt, 3, DTCHAT_ID_MAX, true);
    const char *room = s_column_text (stmt, 4, DTCHAT_ID_MAX, true);
    const char *text = s_column_text (stmt, 5, DTCHAT_MAX_MESSAGE_DEFAULT,
                                      true);
    const char *peer = s_column_text (stmt, 6, S_PEER_MAX, true);
    const char *reason = s_column_text (stmt, 7, STORE_ERROR_MAX, true);
    int64_t attempts = sqlite3_column_int64 (stmt, 10);
    int64_t proto = sqlite3_column_int64 (stmt, 11);
    bool pending = status == MSG_SENDING || status == MSG_SENT;
    bool sane = uuid && sender && room && text && peer
             && (outgoing == 0 || outgoing == 1)
             && (outgoing? status >= MSG_SENDING && status <= MSG_FAILED
                         : status == MSG_RECEIVED)
             && attempts >= 0 && attempts <= UINT32_MAX
             && proto >= 0 && proto <= ENDPOINT_BP;
    const void *data = sqlite3_column_blob (stmt, 12);
    size_t size = (size_t) sqlite3_column_bytes (stmt, 12);
    if (sane && outgoing && pending && (!data || size == 0 || proto == 0))
        sane = false;       //  nothing to resend, or nowhere to send it
    if (!sane)
        return NULL;
    chat_entry_t *entry = chat_entry_new (uuid, sender, room, text, peer,
                                          (msg_status_t) status,
                                          outgoing == 1);
    if (!entry)
        return NULL;
    entry->reason = reason && status == MSG_FAILED? strdup (reason): NULL;
    entry->send_time = sqlite3_column_int64 (stmt, 8);
    entry->receive_time = sqlite3_column_int64 (stmt, 9);
    entry->attempts = (uint32_t) attempts;
    entry->proto = (endpoint_proto_t) proto;
    if (data && size) {
        entry->data = (byte *) malloc (size);
        if (entry->data) {
            memcpy (entry->data, data, size);
            entry->size = size;
        }
        else
            chat_entry_destroy (&entry);
    }
    *deadline = sqlite3_column_int64 (stmt, 13);
    return entry;
}

//  Hand every row of STMT to FN; counts the rows skipped.
static int64_t
s_each (store_t *self, sqlite3_stmt *stmt, store_each_fn *fn, void *arg,
        size_t *skipped_p)
{
    int64_t count = 0;
    size_t skipped = 0;
    int rc;
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
        int64_t deadline = 0;
        chat_entry_t *entry = s_row_entry (stmt, &deadline);
        if (entry) {
            fn (&entry, deadline, arg);
            chat_entry_destroy (&entry);
            count++;
        }
        else
            skipped++;
    }
    store_reset (stmt);
    if (skipped_p)
        *skipped_p = skipped;
    return rc == SQLITE_DONE? count: store_db_error (self, rc);
}

//  The outbox and the latest MAX other messages, oldest first.
int64_t
store_history (store_t *self, size_t max, store_each_fn *fn, void *arg,
               size_t *skipped_p)
{
    assert (self);
    assert (fn);
    sqlite3_stmt *stmt = self->stmt [STORE_HISTORY];
    sqlite3_bind_int64 (stmt, 1, max && max < INT64_MAX?
                        (int64_t) max: STORE_HISTORY_DEFAULT);
    return s_each (self, stmt, fn, arg, skipped_p);
}

//  The outbox only, oldest first.
int64_t
store_outbox (store_t *self, store_each_fn *fn, void *arg)
{
    assert (self);
    assert (fn);
    return s_each (self, self->stmt [STORE_OUTBOX], fn, arg, NULL);
}
