/*  test_store.c: the durable store class, on real files in a temp dir.

    Each test makes its own directory under /tmp and removes it after.
    They check the file it creates (WAL, private mode, schema version),
    the forward-only status rule, the outbox, the received-uuid set, the
    peer id across a reopen, history after a reopen, and every way a file
    can be unusable (garbage, damaged pages, another program's database,
    a newer schema, a read-only directory, a lock held by another
    connection, a full disk), each of which must give a one-line reason
    that names the file. A raw sqlite3 connection plays the other program.
*/
#include "dtchat.h"
#include "store.h"
#include "chat_msg.h"

#include <ftw.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

typedef struct {
    char dir [64];
    char path [128];
} fixture_t;

//  A fresh temp dir and a db path in it.
static int
s_setup (void **state)
{
    fixture_t *fx = (fixture_t *) calloc (1, sizeof (fixture_t));
    assert_non_null (fx);
    snprintf (fx->dir, sizeof fx->dir, "/tmp/test-store-XXXXXX");
    assert_non_null (mkdtemp (fx->dir));
    snprintf (fx->path, sizeof fx->path, "%s/chat.db", fx->dir);
    *state = fx;
    return 0;
}

//  nftw callback: remove one file or (emptied) directory.
static int
s_remove (const char *path, const struct stat *info, int flag,
          struct FTW *ftw)
{
    remove (path);
    return 0;
}

//  Remove the temp dir and all in it (hidden ones too, unlike zdir).
static int
s_teardown (void **state)
{
    fixture_t *fx = (fixture_t *) *state;
    chmod (fx->dir, 0700);
    nftw (fx->dir, s_remove, 16, FTW_DEPTH | FTW_PHYS);
    free (fx);
    return 0;
}

//  A new entry for tests: outgoing ones get bytes "bytes-UUID".
static chat_entry_t *
s_entry (const char *uuid, bool outgoing, msg_status_t status)
{
    chat_entry_t *entry = chat_entry_new (uuid, outgoing? "alice": "bob",
                                          "room", "hello",
                                          "udp 127.0.0.1:7002", status,
                                          outgoing);
    assert_non_null (entry);
    entry->send_time = 1000;
    if (outgoing) {
        entry->proto = ENDPOINT_UDP;
        char *data = zsys_sprintf ("bytes-%s", uuid);
        entry->data = (byte *) data;
        entry->size = strlen (data);
    }
    return entry;
}

//  What a store_each_fn collected.
typedef struct {
    zlistx_t *entries;          //  chat_entry_t *, owned
    int64_t deadlines [64];
} collected_t;

//  store_each_fn: keep every entry.
static void
s_collect (chat_entry_t **entry_p, int64_t deadline, void *arg)
{
    collected_t *got = (collected_t *) arg;
    size_t index = zlistx_size (got->entries);
    if (index < 64)
        got->deadlines [index] = deadline;
    zlistx_add_end (got->entries, *entry_p);
    *entry_p = NULL;
}

//  Destroy what was collected.
static void
s_collected_free (collected_t *got)
{
    chat_entry_t *entry = (chat_entry_t *) zlistx_first (got->entries);
    for (; entry; entry = (chat_entry_t *) zlistx_next (got->entries))
        chat_entry_destroy (&entry);
    zlistx_destroy (&got->entries);
}

//  History of STORE (MAX latest) into GOT.
static int64_t
s_history (store_t *store, size_t max, collected_t *got, size_t *skipped)
{
    memset (got, 0, sizeof *got);
    got->entries = zlistx_new ();
    return store_history (store, max, s_collect, got, skipped);
}

//  The entry at INDEX of GOT.
static chat_entry_t *
s_nth (collected_t *got, size_t index)
{
    chat_entry_t *entry = (chat_entry_t *) zlistx_first (got->entries);
    while (entry && index--)
        entry = (chat_entry_t *) zlistx_next (got->entries);
    assert_non_null (entry);
    return entry;
}

//  Open a store that must open.
static store_t *
s_open (const char *path)
{
    char reason [512] = "";
    store_t *store = store_new (path, reason, sizeof reason);
    if (!store)
        fail_msg ("store_new: %s", reason);
    return store;
}

//  Open a store that must fail; the reason names PATH and holds WORD.
static void
s_open_fails (const char *path, const char *word)
{
    char reason [512] = "";
    store_t *store = store_new (path, reason, sizeof reason);
    if (store)
        store_destroy (&store);
    assert_null (store);
    if (!strstr (reason, path) || !strstr (reason, word))
        fail_msg ("reason '%s' lacks '%s' or '%s'", reason, path, word);
    assert_null (strchr (reason, '\n'));
}

//  Run SQL on a raw connection to PATH.
static void
s_raw (const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal (sqlite3_open (path, &db), SQLITE_OK);
    char *why = NULL;
    int rc = sqlite3_exec (db, sql, NULL, NULL, &why);
    if (rc != SQLITE_OK)
        fail_msg ("%s: %s", sql, why? why: "?");
    sqlite3_close (db);
}

//  :memory: works, and its peer id is a uuid.
static void
test_memory (void **state)
{
    store_t *store = s_open (STORE_MEMORY);
    assert_string_equal (store_path (store), STORE_MEMORY);
    char id [64], again [64];
    assert_int_equal (store_peer_id (store, id, sizeof id), 0);
    assert_int_equal (strlen (id), 36);
    assert_int_equal (store_peer_id (store, again, sizeof again), 0);
    assert_string_equal (id, again);
    chat_entry_t *entry = s_entry ("m-1", true, MSG_SENDING);
    assert_int_equal (store_insert (store, entry, 5000), 0);
    assert_int_equal (store_insert (store, entry, 5000), -1);   //  known
    assert_non_null (strstr (store_error (store), STORE_MEMORY));
    chat_entry_destroy (&entry);
    store_destroy (&store);
    store_destroy (&store);
    //  a second memory store is a different one, and not locked
    store = s_open (STORE_MEMORY);
    store_t *other = s_open (STORE_MEMORY);
    assert_int_equal (store_received (store, "m-1"), 0);
    store_destroy (&other);
    store_destroy (&store);
}

//  A new file: private, WAL, our application id and schema version.
static void
test_create_wal (void **state)
{
    fixture_t *fx = (fixture_t *) *state;
    store_t *store = s_open (fx->path);
    assert_string_equal (store_path (store), fx->path);
    store_destroy (&store);
    struct stat info;
    assert_int_equal (stat (fx->path, &info), 0);
    assert_int_equal (info.st_mode & 0777, 0600);
    sqlite3 *db = NULL;
    assert_int_equal (sqlite3_open (fx->path, &db), SQLITE_OK);
    const char *checks [][2] = {
        { "PRAGMA journal_mode", "wal" },
        { "PRAGMA user_version", "1" },
        { "PRAGMA application_id", "1685349224" },     //  'dtch'
        { "SELECT count(*) FROM sqlite_schema WHERE name IN "
          "('meta', 'messages', 'received')", "3" }
    };
    for (size_t index = 0; index < 4; index++) {
        sqlite3_stmt *stmt = NULL;
        assert_int_equal (sqlite3_prepare_v2 (db, checks [index][0], -1,
                                              &stmt, NULL), SQLITE_OK);
        assert_int_equal (sqlite3_step (stmt), SQLITE_ROW);
        assert_string_equal ((const char *) sqlite3_column_text (stmt, 0),
                             checks [index][1]);
        sqlite3_finalize (stmt);
    }
    sqlite3_close (db);
}

//  Statuses move forward only; an ack beats FAILED; ACKED drops bytes;
//  reopen is the one way back.
static void
test_status_forward_only (void **state)
{
    store_t *store = s_open (STORE_MEMORY);
    chat_entry_t *entry = s_entry ("m-1", true, MSG_SENDING);
    assert_int_equal (store_insert (store, entry, 9000), 0);
    entry->status = MSG_SENT;
    entry->attempts = 1;
    assert_int_equal (store_update (store, entry), 1);
    entry->status = MSG_SENDING;
    assert_int_equal (store_update (store, entry), 0);      //  backwards
    entry->status = MSG_FAILED;
    entry->reason = strdup ("no ack after 3 attempts");
    assert_int_equal (store_update (store, entry), 1);
    assert_int_equal (store_reopen (store, "m-1", 20000), 1);
    assert_int_equal (store_reopen (store, "m-1", 20000), 0);   //  not FAILED
    entry->status = MSG_FAILED;
    assert_int_equal (store_update (store, entry), 1);
    entry->status = MSG_ACKED;          //  a late ack still wins
    entry->receive_time = 4242;
    entry->attempts = 3;
    assert_int_equal (store_update (store, entry), 1);
    entry->status = MSG_FAILED;
    assert_int_equal (store_update (store, entry), 0);
    entry->status = MSG_SENT;
    assert_int_equal (store_update (store, entry), 0);
    assert_int_equal (store_reopen (store, "m-1", 1), 0);
    chat_entry_destroy (&entry);
    entry = s_entry ("nobody", true, MSG_ACKED);
    assert_int_equal (store_update (store, entry), 0);      //  unknown
    chat_entry_destroy (&entry);

    collected_t got;
    assert_int_equal (s_history (store, 0, &got, NULL), 1);
    entry = s_nth (&got, 0);
    assert_string_equal (entry->uuid, "m-1");
    assert_int_equal (entry->status, MSG_ACKED);
    assert_int_equal (entry->receive_time, 4242);
    assert_int_equal (entry->attempts, 3);
    assert_null (entry->reason);
    assert_null (entry->data);          //  nothing left to resend
    assert_int_equal (got.deadlines [0], 20000);
    s_collected_free (&got);
    store_destroy (&store);
}

//  The outbox lists exactly what waits for an ack, oldest first, with
//  its bytes and deadline; FAILED keeps its bytes for /resend.
static void
test_outbox (void **state)
{
    fixture_t *fx = (fixture_t *) *state;
    store_t *store = s_open (fx->path);
    const char *uuids [] = { "a", "b", "c", "d", "e" };
    msg_status_t final [] = { MSG_SENDING, MSG_ACKED, MSG_SENT, MSG_FAILED,
                              MSG_SENT };
    for (int index = 0; index < 5; index++) {
        chat_entry_t *entry = s_entry (uuids [index], true, MSG_SENDING);
        assert_int_equal (store_insert (store, entry, 100 + index), 0);
        entry->status = final [index];
        if (final [index] != MSG_SENDING)
            assert_int_equal (store_update (store, entry), 1);
        chat_entry_destroy (&entry);
    }
    chat_entry_t *in = s_entry ("f", false, MSG_RECEIVED);
    assert_int_equal (store_receive (store, in, 50), 1);
    chat_entry_destroy (&in);
    store_destroy (&store);

    store = s_open (fx->path);
    collected_t got = { zlistx_new (), { 0 } };
    assert_int_equal (store_outbox (store, s_collect, &got), 3);
    const char *expect [] = { "a", "c", "e" };
    int64_t deadlines [] = { 100, 102, 104 };
    for (size_t index = 0; index < 3; index++) {
        chat_entry_t *entry = s_nth (&got, index);
        assert_string_equal (entry->uuid, expect [index]);
        assert_true (entry->outgoing);
        assert_int_equal (entry->proto, ENDPOINT_UDP);
        char bytes [32];
        snprintf (bytes, sizeof bytes, "bytes-%s", expect [index]);
        assert_int_equal (entry->size, strlen (bytes));
        assert_memory_equal (entry->data, bytes, entry->size);
        assert_int_equal (got.deadlines [index], deadlines [index]);
    }
    s_collected_free (&got);
    //  history has all six; the FAILED one kept its bytes
    assert_int_equal (s_history (store, 0, &got, NULL), 6);
    assert_string_equal (s_nth (&got, 3)->uuid, "d");
    assert_int_equal (s_nth (&got, 3)->status, MSG_FAILED);
    assert_non_null (s_nth (&got, 3)->data);
    assert_false (s_nth (&got, 5)->outgoing);
    assert_int_equal (s_nth (&got, 5)->status, MSG_RECEIVED);
    s_collected_free (&got);
    store_destroy (&store);
}

//  The received set: new once, then a duplicate, across a reopen; prune
//  by age; a pruned uuid still in the history is still a duplicate.
static void
test_received (void **state)
{
    fixture_t *fx = (fixture_t *) *state;
    store_t *store = s_open (fx->path);
    chat_entry_t *old = s_entry ("old", false, MSG_RECEIVED);
    chat_entry_t *young = s_entry ("young", false, MSG_RECEIVED);
    assert_int_equal (store_received (store, "old"), 0);
    assert_int_equal (store_receive (store, old, 1000), 1);
    assert_int_equal (store_receive (store, old, 1001), 0);
    assert_int_equal (store_receive (store, young, 5000), 1);
    store_destroy (&store);

    store = s_open (fx->path);
    assert_int_equal (store_received (store, "old"), 1);
    assert_int_equal (store_receive (store, young, 6000), 0);
    assert_int_equal (store_prune (store, 2000), 1);
    assert_int_equal (store_received (store, "old"), 0);
    assert_int_equal (store_received (store, "young"), 1);
    assert_int_equal (store_receive (store, old, 7000), 0);
    assert_int_equal (store_received (store, "old"), 1);
    //  a peer reusing one of our uuids: counted received, not shown
    chat_entry_t *ours = s_entry ("ours", true, MSG_SENDING);
    assert_int_equal (store_insert (store, ours, 1), 0);
    chat_entry_t *fake = s_entry ("ours", false, MSG_RECEIVED);
    assert_int_equal (store_receive (store, fake, 8000), 0);
    collected_t got;
    assert_int_equal (s_history (store, 0, &got, NULL), 3);
    assert_true (s_nth (&got, 2)->outgoing);
    s_collected_free (&got);
    chat_entry_destroy (&fake);
    chat_entry_destroy (&ours);
    chat_entry_destroy (&old);
    chat_entry_destroy (&young);
    store_destroy (&store);
}

//  The peer id is made once and kept.
static void
test_peer_id (void **state)
{
    fixture_t *fx = (fixture_t *) *state;
    store_t *store = s_open (fx->path);
    char first [37], second [37];
    assert_int_equal (store_peer_id (store, first, sizeof first), 0);
    store_destroy (&store);
    store = s_open (fx->path);
    assert_int_equal (store_peer_id (store, second, sizeof second), 0);
    assert_string_equal (first, second);
    store_destroy (&store);
}

//  History after a reopen: every field, oldest first; MAX bounds the
//  others but never drops the outbox.
static void
test_reopen_history (void **state)
{
    fixture_t *fx = (fixture_t *) *state;
    store_t *store = s_open (fx->path);
    chat_entry_t *pending = s_entry ("p-0", true, MSG_SENDING);
    pending->text [0] = 'J';
    assert_int_equal (store_insert (store, pending, 777), 0);
    chat_entry_destroy (&pending);
    for (int index = 1; index <= 20; index++) {
        char uuid [16];
        snprintf (uuid, sizeof uuid, "r-%02d", index);
        chat_entry_t *entry = s_entry (uuid, false, MSG_RECEIVED);
        entry->send_time = 1000 + index;
        entry->receive_time = 900 + index;      //  a peer whose clock runs fast
        assert_int_equal (store_receive (store, entry, 5000), 1);
        chat_entry_destroy (&entry);
    }
    store_destroy (&store);

    store = s_open (fx->path);
    collected_t got;
    assert_int_equal (s_history (store, 0, &got, NULL), 21);
    chat_entry_t *first = s_nth (&got, 0);
    assert_string_equal (first->uuid, "p-0");
    assert_string_equal (first->text, "Jello");
    assert_string_equal (first->sender, "alice");
    assert_string_equal (first->room, "room");
    assert_string_equal (first->peer, "udp 127.0.0.1:7002");
    assert_int_equal (first->status, MSG_SENDING);
    assert_int_equal (got.deadlines [0], 777);
    chat_entry_t *last = s_nth (&got, 20);
    assert_string_equal (last->uuid, "r-20");
    assert_string_equal (last->sender, "bob");
    assert_int_equal (last->send_time, 1020);
    assert_int_equal (last->receive_time, 920);
    s_collected_free (&got);
    //  the 5 latest, and the pending one before them
    assert_int_equal (s_history (store, 5, &got, NULL), 6);
    assert_string_equal (s_nth (&got, 0)->uuid, "p-0");
    assert_string_equal (s_nth (&got, 1)->uuid, "r-16");
    s_collected_free (&got);
    store_destroy (&store);
}

//  Rows that make no sense (edited or damaged) are skipped, not trusted.
static void
test_bad_rows (void **state)
{
    fixture_t *fx = (fixture_t *) *state;
    store_t *store = s_open (fx->path);
    chat_entry_t *entry = s_entry ("good", true, MSG_SENDING);
    assert_int_equal (store_insert (store, entry, 1), 0);
    chat_entry_destroy (&entry);
    store_destroy (&store);
    s_raw (fx->path,
        "INSERT INTO messages (uuid, outgoing, status, sender, room, text,"
        " peer, send_time, receive_time, attempts, proto, deadline) VALUES"
        " ('bad-status', 1, 9, 'a', 'r', 't', 'p', 0, 0, 0, 1, 0),"
        " ('no-bytes', 1, 1, 'a', 'r', 't', 'p', 0, 0, 0, 1, 0),"
        " ('in-but-sent', 0, 2, 'a', 'r', 't', 'p', 0, 0, 0, 0, 0),"
        " ('bad-utf8', 0, 5, 'a', 'r', CAST (x'ff' AS TEXT), 'p', 0, 0, 0,"
        "  0, 0),"
        " ('', 0, 5, 'a', 'r', 't', 'p', 0, 0, 0, 0, 0)");
    store = s_open (fx->path);
    collected_t got;
    size_t skipped = 0;
    assert_int_equal (s_history (store, 0, &got, &skipped), 1);
    assert_int_equal (skipped, 5);
    assert_string_equal (s_nth (&got, 0)->uuid, "good");
    s_collected_free (&got);
    store_destroy (&store);
}

//  A file of garbage, or a store with damaged pages: a clear error.
static void
test_corrupted (void **state)
{
    fixture_t *fx = (fixture_t *) *state;
    FILE *file = fopen (fx->path, "w");
    assert_non_null (file);
    for (int index = 0; index < 4096; index++)
        fputc ("garbage!" [index % 8], file);
    fclose (file);
    s_open_fails (fx->path, "corrupted");

    //  a real store, then its later pages overwritten
    assert_int_equal (unlink (fx->path), 0);
    store_t *store = s_open (fx->path);
    for (int index = 0; index < 200; index++) {
        char uuid [16];
        snprintf (uuid, sizeof uuid, "m-%03d", index);
        chat_entry_t *entry = s_entry (uuid, false, MSG_RECEIVED);
        assert_int_equal (store_receive (store, entry, 1), 1);
        chat_entry_destroy (&entry);
    }
    store_destroy (&store);     //  the last close checkpoints the WAL
    file = fopen (fx->path, "r+");
    assert_non_null (file);
    assert_int_equal (fseek (file, 4096, SEEK_SET), 0);
    for (int index = 0; index < 3 * 4096; index++)
        fputc (0x5a, file);
    fclose (file);
    s_open_fails (fx->path, "corrupted");
}

//  Another program's database, or a newer dtchat's: refused.
static void
test_foreign (void **state)
{
    fixture_t *fx = (fixture_t *) *state;
    s_raw (fx->path, "CREATE TABLE photos (id INTEGER)");
    s_open_fails (fx->path, "not a dtchat store");
    assert_int_equal (unlink (fx->path), 0);
    store_t *store = s_open (fx->path);
    store_destroy (&store);
    s_raw (fx->path, "PRAGMA user_version = 2");
    s_open_fails (fx->path, "newer");
}

//  Opening in DIR (not writable for us) must fail with a clear reason.
static int
s_readonly_check (fixture_t *fx)
{
    char reason [512] = "";
    char inside [160];
    snprintf (inside, sizeof inside, "%s/new.db", fx->dir);
    store_t *store = store_new (inside, reason, sizeof reason);
    if (store || !strstr (reason, inside) || !strstr (reason, "ermission"))
        return 1;
    //  an existing store we may read but not write
    store = store_new (fx->path, reason, sizeof reason);
    if (store || !strstr (reason, fx->path) || !strstr (reason, "ermission"))
        return 2;
    store = store_new ("/nonexistent-dir/x.db", reason, sizeof reason);
    if (store || !strstr (reason, "/nonexistent-dir/x.db"))
        return 3;
    return 0;
}

//  A read-only directory: a clear error. As root (who may write
//  anywhere) the check runs in a child that has become nobody.
static void
test_readonly (void **state)
{
    fixture_t *fx = (fixture_t *) *state;
    store_t *store = s_open (fx->path);
    store_destroy (&store);
    assert_int_equal (chmod (fx->path, 0644), 0);
    assert_int_equal (chmod (fx->dir, 0755), 0);
    if (geteuid () != 0) {
        assert_int_equal (chmod (fx->dir, 0555), 0);
        assert_int_equal (s_readonly_check (fx), 0);
        return;
    }
    pid_t child = fork ();
    assert_true (child >= 0);
    if (child == 0) {
        if (setgid (65534) || setuid (65534))
            _exit (77);
        _exit (s_readonly_check (fx));
    }
    int status = 0;
    assert_int_equal (waitpid (child, &status, 0), child);
    assert_true (WIFEXITED (status));
    if (WEXITSTATUS (status) == 77)
        skip ();
    assert_int_equal (WEXITSTATUS (status), 0);
}

//  A second store, or another program's lock, on the same file: refused
//  with "locked"; usable again once the lock is gone.
static void
test_locked (void **state)
{
    fixture_t *fx = (fixture_t *) *state;
    store_t *store = s_open (fx->path);
    s_open_fails (fx->path, "locked");
    store_destroy (&store);

    sqlite3 *db = NULL;
    assert_int_equal (sqlite3_open (fx->path, &db), SQLITE_OK);
    assert_int_equal (sqlite3_exec (db, "BEGIN EXCLUSIVE", NULL, NULL, NULL),
                      SQLITE_OK);
    s_open_fails (fx->path, "locked");
    assert_int_equal (sqlite3_exec (db, "COMMIT", NULL, NULL, NULL),
                      SQLITE_OK);
    sqlite3_close (db);
    store = s_open (fx->path);
    store_destroy (&store);
}

//  A full disk at run time: the write fails with a reason naming the file,
//  nothing half-written, and the store works again once there is room.
static void
test_full (void **state)
{
    fixture_t *fx = (fixture_t *) *state;
    store_t *store = s_open (fx->path);
    store_set_max_bytes (store, 64 * 1024);
    char *big = (char *) malloc (8192);
    assert_non_null (big);
    memset (big, 'x', 8191);
    big [8191] = 0;
    int inserted = 0;
    int rc = 0;
    while (rc != -1 && inserted < 100) {
        char uuid [16];
        snprintf (uuid, sizeof uuid, "m-%03d", inserted);
        chat_entry_t *entry = s_entry (uuid, false, MSG_RECEIVED);
        free (entry->text);
        entry->text = strdup (big);
        rc = store_receive (store, entry, 1);
        if (rc == 1)
            inserted++;
        chat_entry_destroy (&entry);
    }
    assert_int_equal (rc, -1);
    assert_true (inserted > 0 && inserted < 100);
    assert_non_null (strstr (store_error (store), fx->path));
    assert_non_null (strstr (store_error (store), "full"));
    //  the failed message left no trace, not even in the received set
    char uuid [16];
    snprintf (uuid, sizeof uuid, "m-%03d", inserted);
    assert_int_equal (store_received (store, uuid), 0);
    store_set_max_bytes (store, 0);
    chat_entry_t *entry = s_entry (uuid, false, MSG_RECEIVED);
    assert_int_equal (store_receive (store, entry, 1), 1);
    chat_entry_destroy (&entry);
    collected_t got;
    assert_int_equal (s_history (store, 0, &got, NULL), inserted + 1);
    s_collected_free (&got);
    free (big);
    store_destroy (&store);
}

//  The default path: under XDG_STATE_HOME (else HOME), named by the
//  sorted canonical endpoints plus a hash, the directory private.
static void
test_default_path (void **state)
{
    fixture_t *fx = (fixture_t *) *state;
    char reason [256] = "";
    assert_int_equal (setenv ("XDG_STATE_HOME", fx->dir, 1), 0);
    const char *ab [] = { "udp 127.0.0.1:7777", "tcp [::1]:6666", NULL };
    const char *ba [] = { "TCP [::1]:6666", "UDP 127.0.0.1:7777", NULL };
    const char *other [] = { "udp 127.0.0.1:7778", NULL };
    char *path_ab = store_default_path (ab, reason, sizeof reason);
    char *path_ba = store_default_path (ba, reason, sizeof reason);
    char *path_other = store_default_path (other, reason, sizeof reason);
    assert_non_null (path_ab);
    assert_non_null (path_ba);
    assert_non_null (path_other);
    assert_string_equal (path_ab, path_ba);
    assert_string_not_equal (path_ab, path_other);
    char prefix [160];
    snprintf (prefix, sizeof prefix, "%s/dtchat/tcp_1_6666_udp_127.0.0.1_7777-",
              fx->dir);
    assert_int_equal (strncmp (path_ab, prefix, strlen (prefix)), 0);
    assert_int_equal (strlen (path_ab), strlen (prefix) + 12 + 3);
    assert_string_equal (path_ab + strlen (path_ab) - 3, ".db");
    char dir [160];
    snprintf (dir, sizeof dir, "%s/dtchat", fx->dir);
    struct stat info;
    assert_int_equal (stat (dir, &info), 0);
    assert_true (S_ISDIR (info.st_mode));
    assert_int_equal (info.st_mode & 0777, 0700);
    //  the path works as a store
    store_t *store = s_open (path_ab);
    store_destroy (&store);

    //  a relative XDG_STATE_HOME is ignored: HOME then
    assert_int_equal (setenv ("XDG_STATE_HOME", "relative", 1), 0);
    char *home = getenv ("HOME")? strdup (getenv ("HOME")): NULL;
    assert_int_equal (setenv ("HOME", fx->dir, 1), 0);
    char *path_home = store_default_path (other, reason, sizeof reason);
    assert_non_null (path_home);
    snprintf (prefix, sizeof prefix, "%s/.local/state/dtchat/udp_127.0.0.1_"
              "7778-", fx->dir);
    assert_int_equal (strncmp (path_home, prefix, strlen (prefix)), 0);
    assert_int_equal (unsetenv ("HOME"), 0);
    assert_null (store_default_path (other, reason, sizeof reason));
    assert_non_null (strstr (reason, "--db"));
    const char *none [] = { NULL };
    assert_null (store_default_path (none, reason, sizeof reason));
    if (home)
        setenv ("HOME", home, 1);
    unsetenv ("XDG_STATE_HOME");
    free (home);
    zstr_free (&path_home);
    zstr_free (&path_ab);
    zstr_free (&path_ba);
    zstr_free (&path_other);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_memory),
        cmocka_unit_test_setup_teardown (test_create_wal, s_setup,
                                         s_teardown),
        cmocka_unit_test (test_status_forward_only),
        cmocka_unit_test_setup_teardown (test_outbox, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_received, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_peer_id, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_reopen_history, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_bad_rows, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_corrupted, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_foreign, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_readonly, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_locked, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_full, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_default_path, s_setup,
                                         s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
