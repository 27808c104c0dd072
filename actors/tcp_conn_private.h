/*  tcp_conn_private.h: what the files of tcp_conn share, and no one else.

    tcp_conn is one class split by responsibility to keep each file
    short: tcp_conn.c holds its life, reading and writing, and
    tcp_conn_timer.c its deadlines and what happens when one passes.
    Both see the one state struct, declared here; only transport-tcp's
    thread touches it.
*/
#ifndef TCP_CONN_PRIVATE_H_INCLUDED
#define TCP_CONN_PRIVATE_H_INCLUDED

#include "tcp_conn.h"
#include "tcp_reader.h"

typedef enum {
    S_CONNECTING,           //  out: connect() in progress
    S_GREETING,             //  out: waiting for the listener's greeting
    S_ACCEPTED,             //  in: silent until a first byte or the delay
    S_OPEN,                 //  carrying messages
    S_LINGER,               //  out, legacy: shut down, waiting for EOF
    S_CLOSED
} s_phase_t;

struct _tcp_conn_t {
    tcp_ctx_t *ctx;
    int fd;
    bool outbound;
    bool legacy;            //  out: one bare message, no framing
    s_phase_t phase;
    char peer [DTCHAT_ENDPOINT_MAX];
    tcp_reader_t *reader;
    tcp_sendq_t *sendq;     //  what we still have to write
    int64_t started;
    int64_t greet_by;       //  out: the greeting's deadline
    int64_t last_in;        //  last byte read (or reading resumed)
    int64_t last_out;       //  last byte written
    char failure [DTCHAT_ENDPOINT_MAX + 256];   //  why setup failed
    void *owner;
};

//  Publish a "net" event about this connection's peer.
#define tcp_conn_log(self, level, ...) \
    tcp_ctx_log ((self)->ctx, (level), (self)->peer, __VA_ARGS__)

//  Close the socket; the owner destroys the connection later.
void
    tcp_conn_close (tcp_conn_t *self);

//  The connection is over: fail what it still holds with "PEER: WHAT",
//  tell the bus at LEVEL (none if QUIET), and close.
void
    tcp_conn_abort (tcp_conn_t *self, bool quiet, log_level_t level,
                    const char *what);

//  Write what is queued until the socket is full.
void
    tcp_conn_write (tcp_conn_t *self, int64_t now);

//  The listener greeted (or we know it never will): start writing.
void
    tcp_conn_open (tcp_conn_t *self, bool legacy, int64_t now);

#endif
