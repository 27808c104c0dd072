/*  store.c: the durable message store, an embedded SQLite database.

    The chat-model opens one store_t at START and is its only user: it
    writes each message before showing it, moves statuses forward, keeps
    the outbox (bytes and deadline of what waits for an ack) and the set
    of received uuids, and reads history and outbox back after a restart.
    The database is in WAL mode with locking_mode=EXCLUSIVE: the first
    write at open takes a lock held until close, so a second process (or
    connection) gets SQLITE_BUSY, which we report as "locked"; WAL then
    needs no shared-memory file either. synchronous=NORMAL: a commit has
    written its WAL frames to the file (the kernel's cache) before we show
    or ack the message it holds, so a crash or SIGKILL of dtchat loses
    nothing; only an OS crash or power loss may lose the last commits
    (never the file's consistency), and each commit skips an fsync (see
    docs/ARCHITECTURE.md, the store). Statements are
    prepared once. The file is outside input (it may be damaged or edited):
    open checks its identity, version and integrity; store_load.c reads
    rows back and skips those that do not make sense. The default path
    lives in store_path.c.
*/
#include "store_private.h"
#include "chat_msg.h"
#include <fcntl.h>

#define S_APPLICATION_ID    0x64746368      //  'dtch'
#define S_BUSY_MS           500     //  wait this long for an exiting peer

//  The forward-only rule of chat_table, in SQL: rank of a status column.
#define S_RANK(x) "(CASE " x " WHEN 1 THEN 1 WHEN 2 THEN 2 WHEN 4 THEN 3 " \
                  "WHEN 3 THEN 4 ELSE 0 END)"
_Static_assert (MSG_SENDING == 1 && MSG_SENT == 2 && MSG_ACKED == 3
             && MSG_FAILED == 4 && MSG_RECEIVED == 5, "S_RANK is stale");

//  The column order store_load.c reads rows in: keep them in step.
#define S_COLUMNS "uuid, outgoing, status, sender, room, text, peer, " \
                  "reason, send_time, receive_time, attempts, proto, " \
                  "data, deadline"

static const char *s_schema =
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE messages (seq INTEGER PRIMARY KEY,"
    "  uuid TEXT NOT NULL UNIQUE, outgoing INTEGER NOT NULL,"
    "  status INTEGER NOT NULL, sender TEXT NOT NULL, room TEXT NOT NULL,"
    "  text TEXT NOT NULL, peer TEXT NOT NULL, reason TEXT,"
    "  send_time INTEGER NOT NULL, receive_time INTEGER NOT NULL,"
    "  attempts INTEGER NOT NULL, proto INTEGER NOT NULL, data BLOB,"
    "  deadline INTEGER NOT NULL);"
    "CREATE INDEX messages_pending ON messages (outgoing, status);"
    "CREATE TABLE received (uuid TEXT PRIMARY KEY, seen INTEGER NOT NULL)"
    "  WITHOUT ROWID;"
    "CREATE INDEX received_seen ON received (seen);";

static const char *s_sql [STORE_STATEMENTS] = {
    "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK",
    "SELECT value FROM meta WHERE key = ?1",
    "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
    "INSERT INTO messages (" S_COLUMNS ") VALUES "
    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    "INSERT OR IGNORE INTO received (uuid, seen) VALUES (?1, ?2)",
    "SELECT 1 FROM received WHERE uuid = ?1",
    "DELETE FROM received WHERE seen < ?1",
    "UPDATE messages SET status = ?2, reason = ?3, receive_time = ?4,"
    " attempts = ?5, data = CASE WHEN ?2 = 3 THEN NULL ELSE data END"
    " WHERE uuid = ?1 AND outgoing = 1"
    " AND " S_RANK ("status") " <= " S_RANK ("?2"),
    "UPDATE messages SET status = 1, reason = NULL, deadline = ?2"
    " WHERE uuid = ?1 AND outgoing = 1 AND status = 4",
    "SELECT " S_COLUMNS " FROM messages WHERE"
    " (outgoing = 1 AND status IN (1, 2)) OR seq >= coalesce ((SELECT seq"
    " FROM messages ORDER BY seq DESC LIMIT 1 OFFSET ?1 - 1), 0)"
    " ORDER BY seq",
    "SELECT " S_COLUMNS " FROM messages WHERE outgoing = 1"
    " AND status IN (1, 2) ORDER BY seq"
};


//  Record why a call failed, naming the file: "store PATH: WHAT".
static int
s_error (store_t *self, const char *format, ...)
{
    char what [STORE_ERROR_MAX / 2];
    va_list args;
    va_start (args, format);
    vsnprintf (what, sizeof what, format, args);
    va_end (args);
    //  a very long path cuts the reason short: still one line
    snprintf (self->error, sizeof self->error, "store %s: %s",
              self->path, what);
    for (char *p = self->error; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';       //  one line, whatever sqlite or the path says
    return -1;
}

//  Record the database's own error for RC: see store_private.h.
int
store_db_error (store_t *self, int rc)
{
    int code = rc & 0xff;
    if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
        return s_error (self, "locked by another dtchat or program");
    if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
        return s_error (self, "not a dtchat store, or corrupted (%s): "
                        "move it away", sqlite3_errstr (rc));
    return s_error (self, "%s", self->db? sqlite3_errmsg (self->db)
                                       : sqlite3_errstr (rc));
}

//  Reset STMT for its next use: see store_private.h.
void
store_reset (sqlite3_stmt *stmt)
{
    sqlite3_reset (stmt);
    sqlite3_clear_bindings (stmt);
}

//  Run STMT to its end (no rows wanted). 0, or -1 with the error.
static int
s_run (store_t *self, sqlite3_stmt *stmt)
{
    int rc = sqlite3_step (stmt);
    store_reset (stmt);
    return rc == SQLITE_DONE? 0: store_db_error (self, rc);
}

//  Undo an open transaction after a failure (keeping the first error).
static void
s_rollback (store_t *self)
{
    if (!sqlite3_get_autocommit (self->db)) {
        sqlite3_step (self->stmt [STORE_ROLLBACK]);
        store_reset (self->stmt [STORE_ROLLBACK]);
    }
}

//  Run SQL (one statement) and get its first column as an integer.
static int
s_pragma_int (store_t *self, const char *sql, int64_t *value)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step (stmt);
    if (rc == SQLITE_ROW)
        *value = sqlite3_column_int64 (stmt, 0);
    sqlite3_finalize (stmt);
    return rc == SQLITE_ROW || rc == SQLITE_DONE? 0: store_db_error (self, rc);
}

//  Run SQL and get its first column as text into BUF.
static int
s_pragma_text (store_t *self, const char *sql, char *buf, size_t size)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step (stmt);
    const char *text = rc == SQLITE_ROW?
                       (const char *) sqlite3_column_text (stmt, 0): NULL;
    snprintf (buf, size, "%s", text? text: "");
    sqlite3_finalize (stmt);
    return rc == SQLITE_ROW || rc == SQLITE_DONE? 0: store_db_error (self, rc);
}

//  Make sure PATH can be opened for writing, creating it private (0600)
//  so that sqlite does not create it with the umask's wider mode.
static int
s_touch (store_t *self)
{
    int fd = open (self->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd == -1)
        return s_error (self, "cannot open: %s", strerror (errno));
    close (fd);
    return 0;
}

//  Check a fresh or existing database and create or migrate its schema.
//  Runs inside the open transaction.
static int
s_check_schema (store_t *self)
{
    int64_t app = 0, version = 0, tables = 0;
    char check [STORE_ERROR_MAX];
    if (s_pragma_int (self, "PRAGMA application_id", &app)
    ||  s_pragma_int (self, "PRAGMA user_version", &version)
    ||  s_pragma_int (self, "SELECT count(*) FROM sqlite_schema", &tables)
    ||  s_pragma_text (self, "PRAGMA quick_check(1)", check, sizeof check))
        return -1;
    if (!streq (check, "ok"))
        return s_error (self, "corrupted (%.200s): move it away", check);
    if (app != S_APPLICATION_ID && (app != 0 || tables != 0))
        return s_error (self, "not a dtchat store (another program's "
                        "database)");
    if (version > STORE_SCHEMA_VERSION)
        return s_error (self, "schema version %" PRId64 " is newer than "
                        "this dtchat's (%d)", version, STORE_SCHEMA_VERSION);
    if (version == 0) {
        //  A new file. Later versions migrate here, one step at a time.
        char sql [128];
        snprintf (sql, sizeof sql, "PRAGMA application_id = %d;"
                  "PRAGMA user_version = %d", S_APPLICATION_ID,
                  STORE_SCHEMA_VERSION);
        char *why = NULL;
        if (sqlite3_exec (self->db, s_schema, NULL, NULL, &why) != SQLITE_OK
        ||  sqlite3_exec (self->db, sql, NULL, NULL, &why) != SQLITE_OK) {
            s_error (self, "cannot create the schema: %s",
                     why? why: "out of memory");
            sqlite3_free (why);
            return -1;
        }
    }
    return 0;
}

//  Open the database, take its lock, check it. 0 or -1 with the error.
static int
s_open (store_t *self)
{
    bool memory = streq (self->path, STORE_MEMORY);
    if (!memory && s_touch (self))
        return -1;
    int rc = sqlite3_open_v2 (self->path, &self->db, SQLITE_OPEN_READWRITE
                              | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                              NULL);
    if (rc != SQLITE_OK)
        return store_db_error (self, rc);
    sqlite3_extended_result_codes (self->db, 1);
    sqlite3_busy_timeout (self->db, S_BUSY_MS);
    char mode [32];
    if (s_pragma_text (self, "PRAGMA locking_mode = EXCLUSIVE",
                       mode, sizeof mode)
    ||  s_pragma_text (self, "PRAGMA journal_mode = WAL", mode, sizeof mode))
        return -1;
    if (!memory && !streq (mode, "wal"))
        return s_error (self, "cannot use WAL mode (journal mode %s)", mode);
    //  NORMAL, not FULL: in WAL mode every commit still reaches the file
    //  before it returns, so it survives our own crash; the fsync per
    //  commit that FULL adds only guards against the OS going down
    rc = sqlite3_exec (self->db, "PRAGMA synchronous = NORMAL;"
                       "PRAGMA foreign_keys = OFF", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return store_db_error (self, rc);
    for (int index = STORE_BEGIN; index <= STORE_ROLLBACK; index++)
        if ((rc = sqlite3_prepare_v2 (self->db, s_sql [index], -1,
                                      &self->stmt [index], NULL)))
            return store_db_error (self, rc);
    //  A write at open takes the exclusive lock, held until close
    if (s_run (self, self->stmt [STORE_BEGIN]) || s_check_schema (self)
    ||  sqlite3_exec (self->db, "INSERT OR REPLACE INTO meta (key, value) "
                      "VALUES ('opened', CAST (strftime ('%s') AS TEXT))",
                      NULL, NULL, NULL)
    ||  s_run (self, self->stmt [STORE_COMMIT])) {
        if (!*self->error)
            store_db_error (self, sqlite3_extended_errcode (self->db));
        s_rollback (self);
        return -1;
    }
    for (int index = STORE_ROLLBACK + 1; index < STORE_STATEMENTS; index++)
        if ((rc = sqlite3_prepare_v2 (self->db, s_sql [index], -1,
                                      &self->stmt [index], NULL)))
            return store_db_error (self, rc);
    return 0;
}

//  Open the store at PATH: see store.h.
store_t *
store_new (const char *path, char *reason, size_t reason_size)
{
    store_t *self = (store_t *) calloc (1, sizeof (store_t));
    if (self)
        self->path = strdup (path && *path? path: STORE_MEMORY);
    if (!self || !self->path) {
        if (reason && reason_size)
            snprintf (reason, reason_size, "store %s: out of memory",
                      path? path: "");
        store_destroy (&self);
        return NULL;
    }
    if (s_open (self)) {
        if (reason && reason_size)
            snprintf (reason, reason_size, "%s", self->error);
        store_destroy (&self);
    }
    return self;
}

//  Close the store; idempotent.
void
store_destroy (store_t **self_p)
{
    assert (self_p);
    store_t *self = *self_p;
    if (!self)
        return;
    for (int index = 0; index < STORE_STATEMENTS; index++)
        sqlite3_finalize (self->stmt [index]);
    sqlite3_close (self->db);
    free (self->path);
    free (self);
    *self_p = NULL;
}

//  The path the store was opened with.
const char *
store_path (store_t *self)
{
    assert (self);
    return self->path;
}

//  Why the last failing call failed.
const char *
store_error (store_t *self)
{
    assert (self);
    return self->error;
}

//  Cap the file at about BYTES.
void
store_set_max_bytes (store_t *self, uint64_t bytes)
{
    assert (self);
    int64_t page = 4096;
    s_pragma_int (self, "PRAGMA page_size", &page);
    char sql [64];
    //  1073741823 is sqlite's own largest page count: "no cap"
    uint64_t pages = bytes? bytes / (uint64_t) (page > 0? page: 4096)
                          : 1073741823;
    snprintf (sql, sizeof sql, "PRAGMA max_page_count = %" PRIu64,
              pages? pages: 1);
    int64_t ignored;
    s_pragma_int (self, sql, &ignored);
}

//  Our peer id, created on first use.
int
store_peer_id (store_t *self, char *id, size_t size)
{
    assert (self);
    assert (id && size >= 37);
    sqlite3_stmt *get = self->stmt [STORE_META_GET];
    sqlite3_bind_text (get, 1, "peer_id", -1, SQLITE_STATIC);
    int rc = sqlite3_step (get);
    const char *value = rc == SQLITE_ROW?
                        (const char *) sqlite3_column_text (get, 0): NULL;
    bool found = value && *value && strlen (value) < size
              && strlen (value) < DTCHAT_ID_MAX
              && chat_msg_utf8_valid (value, strlen (value));
    if (found)
        snprintf (id, size, "%s", value);
    store_reset (get);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_db_error (self, rc);
    if (found)
        return 0;
    char uuid [37];
    chat_msg_uuid_new (uuid);
    sqlite3_stmt *set = self->stmt [STORE_META_SET];
    sqlite3_bind_text (set, 1, "peer_id", -1, SQLITE_STATIC);
    sqlite3_bind_text (set, 2, uuid, -1, SQLITE_STATIC);
    if (s_run (self, set))
        return -1;
    snprintf (id, size, "%s", uuid);
    return 0;
}

//  Bind a string, NULL as SQL NULL.
static void
s_bind_text (sqlite3_stmt *stmt, int index, const char *value)
{
    if (value)
        sqlite3_bind_text (stmt, index, value, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null (stmt, index);
}

//  Bind ENTRY's fields to the INSERT statement and run it.
static int
s_insert (store_t *self, const chat_entry_t *entry, int64_t deadline)
{
    sqlite3_stmt *stmt = self->stmt [STORE_INSERT];
    s_bind_text (stmt, 1, entry->uuid);
    sqlite3_bind_int (stmt, 2, entry->outgoing? 1: 0);
    sqlite3_bind_int (stmt, 3, (int) entry->status);
    s_bind_text (stmt, 4, entry->sender? entry->sender: "");
    s_bind_text (stmt, 5, entry->room? entry->room: "");
    s_bind_text (stmt, 6, entry->text? entry->text: "");
    s_bind_text (stmt, 7, entry->peer? entry->peer: "");
    s_bind_text (stmt, 8, entry->reason);
    sqlite3_bind_int64 (stmt, 9, entry->send_time);
    sqlite3_bind_int64 (stmt, 10, entry->receive_time);
    sqlite3_bind_int64 (stmt, 11, entry->attempts);
    sqlite3_bind_int (stmt, 12, (int) entry->proto);
    if (entry->data && entry->size && entry->size <= INT_MAX)
        sqlite3_bind_blob (stmt, 13, entry->data, (int) entry->size,
                           SQLITE_STATIC);
    else
        sqlite3_bind_null (stmt, 13);
    sqlite3_bind_int64 (stmt, 14, deadline);
    return s_run (self, stmt);
}

//  Add a new message.
int
store_insert (store_t *self, const chat_entry_t *entry, int64_t deadline)
{
    assert (self);
    assert (entry && entry->uuid);
    return s_insert (self, entry, deadline);
}

//  A received message: dedup set and history in one transaction.
int
store_receive (store_t *self, const chat_entry_t *entry, int64_t now)
{
    assert (self);
    assert (entry && entry->uuid);
    if (s_run (self, self->stmt [STORE_BEGIN]))
        return -1;
    sqlite3_stmt *add = self->stmt [STORE_RECV_ADD];
    s_bind_text (add, 1, entry->uuid);
    sqlite3_bind_int64 (add, 2, now);
    if (s_run (self, add)) {
        s_rollback (self);
        return -1;
    }
    bool fresh = sqlite3_changes (self->db) > 0;
    //  A uuid pruned from the set but still in the history is a duplicate
    //  too; so is one of our own uuids that a hostile peer reuses
    if (fresh && s_insert (self, entry, 0)) {
        if (sqlite3_extended_errcode (self->db) != SQLITE_CONSTRAINT_UNIQUE) {
            s_rollback (self);
            return -1;
        }
        fresh = false;
    }
    if (s_run (self, self->stmt [STORE_COMMIT])) {
        s_rollback (self);
        return -1;
    }
    return fresh? 1: 0;
}

//  Write ENTRY's status and what goes with it, forward only.
int
store_update (store_t *self, const chat_entry_t *entry)
{
    assert (self);
    assert (entry && entry->uuid);
    sqlite3_stmt *stmt = self->stmt [STORE_UPDATE];
    s_bind_text (stmt, 1, entry->uuid);
    sqlite3_bind_int (stmt, 2, (int) entry->status);
    s_bind_text (stmt, 3, entry->status == MSG_FAILED? entry->reason: NULL);
    sqlite3_bind_int64 (stmt, 4, entry->receive_time);
    sqlite3_bind_int64 (stmt, 5, entry->attempts);
    if (s_run (self, stmt))
        return -1;
    return sqlite3_changes (self->db) > 0? 1: 0;
}

//  FAILED back to SENDING with a new deadline.
int
store_reopen (store_t *self, const char *uuid, int64_t deadline)
{
    assert (self);
    assert (uuid);
    sqlite3_stmt *stmt = self->stmt [STORE_REOPEN];
    s_bind_text (stmt, 1, uuid);
    sqlite3_bind_int64 (stmt, 2, deadline);
    if (s_run (self, stmt))
        return -1;
    return sqlite3_changes (self->db) > 0? 1: 0;
}

//  Is UUID in the received set?
int
store_received (store_t *self, const char *uuid)
{
    assert (self);
    assert (uuid);
    sqlite3_stmt *stmt = self->stmt [STORE_RECV_HAS];
    s_bind_text (stmt, 1, uuid);
    int rc = sqlite3_step (stmt);
    store_reset (stmt);
    if (rc == SQLITE_ROW)
        return 1;
    return rc == SQLITE_DONE? 0: store_db_error (self, rc);
}

//  Forget received uuids older than BEFORE.
int64_t
store_prune (store_t *self, int64_t before)
{
    assert (self);
    sqlite3_stmt *stmt = self->stmt [STORE_PRUNE];
    sqlite3_bind_int64 (stmt, 1, before);
    if (s_run (self, stmt))
        return -1;
    return sqlite3_changes (self->db);
}
