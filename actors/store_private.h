/*  store_private.h: what store.c shares with store_load.c, and no one else.

    The store_t class is split in two files to keep each short: store.c
    opens, checks and writes; store_load.c reads messages back. Both see
    the struct and the prepared statements declared here.
*/
#ifndef STORE_PRIVATE_H_INCLUDED
#define STORE_PRIVATE_H_INCLUDED

#include "store.h"
#include <sqlite3.h>

//  Longest error we keep, and longest reason we load back from a row.
#define STORE_ERROR_MAX     512

//  The prepared statements, by index into self->stmt.
typedef enum {
    STORE_BEGIN, STORE_COMMIT, STORE_ROLLBACK, STORE_META_GET,
    STORE_META_SET, STORE_INSERT, STORE_RECV_ADD, STORE_RECV_HAS,
    STORE_PRUNE, STORE_UPDATE, STORE_REOPEN, STORE_HISTORY, STORE_OUTBOX,
    STORE_STATEMENTS
} store_statement_t;

struct _store_t {
    //  one connection, used by one thread (the chat-model)
    sqlite3 *db;
    char *path;
    sqlite3_stmt *stmt [STORE_STATEMENTS];
    char error [STORE_ERROR_MAX];
};

//  Record the database's error for RC in self->error; returns -1.
int
    store_db_error (store_t *self, int rc);

//  Reset STMT (and its bindings) for its next use.
void
    store_reset (sqlite3_stmt *stmt);

#endif
