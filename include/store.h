/*  store.h: the durable message store, an embedded SQLite database.

    The chat-model is its only user (and the one thread that touches a
    store_t): it writes every message before it shows it (history), keeps
    the encoded bytes and the deadline of every message still waiting for
    its ack (the outbox), the set of uuids it has received (dedup across
    restarts) and our peer id. The database runs in WAL mode with an
    exclusive lock held for as long as the store is open, so a second
    dtchat on the same file gets a clear "locked" error instead of sharing
    it. Statuses only move forward (SENDING < SENT < FAILED < ACKED), as in
    chat_table; store_reopen is the one backward move (the ui's RESEND).
    Every error is a one-line reason that names the database file.

    Schema version 1 (PRAGMA user_version; application_id 'dtch'):
      meta (key TEXT PRIMARY KEY, value TEXT)        peer_id
      messages (seq INTEGER PRIMARY KEY, uuid UNIQUE, outgoing, status,
                sender, room, text, peer, reason, send_time, receive_time,
                attempts, proto, data BLOB, deadline)
      received (uuid TEXT PRIMARY KEY, seen)         dedup set
*/
#ifndef STORE_H_INCLUDED
#define STORE_H_INCLUDED

#include "dtchat.h"
#include "chat_table.h"

typedef struct _store_t store_t;

//  The path of a store that lives in memory only (lost at exit).
#define STORE_MEMORY            ":memory:"
//  Schema version this code writes and reads.
#define STORE_SCHEMA_VERSION    1
//  Messages store_history hands back, besides the outbox.
#define STORE_HISTORY_DEFAULT   10000
//  Received uuids are kept this long, at least (dedup horizon), ms.
#define STORE_HORIZON_DEFAULT_MS    (30LL * 24 * 3600 * 1000)

//  Open (creating if needed) the store at PATH, or STORE_MEMORY. NULL
//  with a one-line reason naming PATH when it cannot be used: a missing
//  or read-only directory, a full disk, a file that is not a dtchat store
//  or is corrupted, a newer schema, or a lock held by another process or
//  connection.
store_t *
    store_new (const char *path, char *reason, size_t reason_size);

//  Close the store; idempotent.
void
    store_destroy (store_t **self_p);

//  The path it was opened with.
const char *
    store_path (store_t *self);

//  Why the last call that returned -1 failed: one line naming the file.
const char *
    store_error (store_t *self);

//  Cap the database at about BYTES (a page count; 0 = no cap): past it
//  writes fail as on a full disk. A bound for the file, and a way for
//  tests to make a disk full.
void
    store_set_max_bytes (store_t *self, uint64_t bytes);

//  Our peer id: the stored one, or a new uuid stored now. Copies it into
//  ID (SIZE bytes, at least 37). 0, or -1 (see store_error).
int
    store_peer_id (store_t *self, char *id, size_t size);

//  Add ENTRY (a new message, sent or received) with DEADLINE (ms since
//  epoch: when an unacked outgoing message FAILs; 0 = none). Its data
//  bytes are kept while it may be sent again. 0, or -1 (also if its uuid
//  is stored already).
int
    store_insert (store_t *self, const chat_entry_t *entry, int64_t deadline);

//  A message received at NOW: add its uuid to the received set and, if
//  it was not there, ENTRY to the history, in one transaction. 1 if new,
//  0 if it was received before (a duplicate), -1 on error.
int
    store_receive (store_t *self, const chat_entry_t *entry, int64_t now);

//  Write ENTRY's status, reason, receive_time and attempts, unless that
//  would move its status backwards. An ACKED message drops its bytes.
//  1 if written, 0 if refused (backwards, or no such uuid), -1 on error.
int
    store_update (store_t *self, const chat_entry_t *entry);

//  The one backward move: FAILED outgoing UUID back to SENDING, with a
//  new DEADLINE. 1 if moved, 0 if it is not a FAILED outgoing message,
//  -1 on error.
int
    store_reopen (store_t *self, const char *uuid, int64_t deadline);

//  1 if UUID is in the received set, 0 if not, -1 on error.
int
    store_received (store_t *self, const char *uuid);

//  Forget received uuids first seen before BEFORE (ms since epoch).
//  Returns how many, or -1.
int64_t
    store_prune (store_t *self, int64_t before);

//  Called with each message loaded: *ENTRY_P is a new entry (take it and
//  null it, or leave it to be destroyed), DEADLINE its stored deadline.
typedef void (store_each_fn) (chat_entry_t **entry_p, int64_t deadline,
                              void *arg);

//  Hand back, oldest first, every outgoing message still waiting for its
//  ack and the MAX latest others (0 = STORE_HISTORY_DEFAULT). Rows that
//  do not make sense are skipped and counted in *SKIPPED_P (may be NULL).
//  Returns how many were handed back, or -1.
int64_t
    store_history (store_t *self, size_t max, store_each_fn *fn, void *arg,
                   size_t *skipped_p);

//  Hand back, oldest first, only the outgoing messages still waiting for
//  an ack (SENDING or SENT), with their bytes. Returns how many, or -1.
int64_t
    store_outbox (store_t *self, store_each_fn *fn, void *arg);

//  The default store path for a peer with these LOCALS (NULL-terminated
//  endpoint texts): $XDG_STATE_HOME/dtchat/ (else ~/.local/state/dtchat/)
//  then a name made of the sorted canonical endpoints, sanitised, and a
//  short hash of them: the same endpoints find the same file, different
//  ones never share. Creates the directory (0700). A new string the caller
//  frees, or NULL with a reason.
char *
    store_default_path (const char **locals, char *reason,
                        size_t reason_size);

#endif
