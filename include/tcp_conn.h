/*  tcp_conn.h: one TCP connection of transport-tcp and its state machine.

    transport-tcp owns every tcp_conn_t: it polls tcp_conn_fd for the
    events tcp_conn_events asks for, calls tcp_conn_handle with what
    happened and tcp_conn_expire when tcp_conn_deadline has passed, and
    looks at tcp_conn_state afterwards. A connection queues what it owes
    the chat-model (RECV, SENT, FAILED) on the shared tcp_ctx_t's model
    pipe and publishes its "net" events on the ctx's PUB.

    An outbound connection (tcp_conn_connect) carries our messages to one
    peer: SETUP while it connects and waits for the listener's greeting,
    then FRAMED (a dtchat: many messages, length-prefixed, reused) or
    LEGACY (no greeting came: one bare message, then shutdown and close,
    as the Rust DTChat expects). An inbound connection (tcp_conn_accept)
    reads whatever a peer sends, in either mode (see tcp_reader.h and
    docs/PROTOCOL.md). Every wait is bounded by a timeout in the ctx.
*/
#ifndef TCP_CONN_H_INCLUDED
#define TCP_CONN_H_INCLUDED

#include "dtchat.h"
#include "endpoint.h"
#include "tcp_ctx.h"
#include "tcp_sendq.h"

typedef struct _tcp_conn_t tcp_conn_t;

typedef enum {
    TCP_CONN_SETUP,             //  out: connecting or awaiting a greeting
    TCP_CONN_FRAMED,            //  persistent, length-prefixed frames
    TCP_CONN_LEGACY,            //  out: one bare message; in: any other
    TCP_CONN_CLOSED             //  done: destroy it
} tcp_conn_state_t;

//  Wrap an accepted, non-blocking socket FD from PEER (endpoint text).
//  NULL if out of memory (FD is then closed).
tcp_conn_t *
    tcp_conn_accept (tcp_ctx_t *ctx, int fd, const char *peer, int64_t now);

//  Start connecting to ADDR (named PEER) to send *FIRST_P, the first
//  message (taken, nulled). LEGACY: the peer is known to send no
//  greeting, do not wait for one. OWNER is the caller's tag for it (see
//  tcp_conn_owner). NULL with a reason if the connection cannot even
//  start (*FIRST_P is then left to the caller).
tcp_conn_t *
    tcp_conn_connect (tcp_ctx_t *ctx, const endpoint_t *addr,
                      const char *peer, bool legacy, void *owner,
                      tcp_out_t **first_p, int64_t now,
                      char *reason, size_t reason_size);

//  Close and free. Messages not yet written are dropped without a reply
//  (the transport is stopping). Idempotent, nulls *self_p.
void
    tcp_conn_destroy (tcp_conn_t **self_p);

//  The socket, or -1 once closed.
int
    tcp_conn_fd (tcp_conn_t *self);

//  The poll () events (POLLIN / POLLOUT) wanted now. MAY_READ false
//  means the model is behind: do not read (that time does not count
//  against the peer's idle timeout).
short
    tcp_conn_events (tcp_conn_t *self, bool may_read, int64_t now);

//  Act on REVENTS from poll () (POLLERR, POLLHUP: an error).
void
    tcp_conn_handle (tcp_conn_t *self, short revents, int64_t now);

//  When tcp_conn_expire must next run (monotonic ms), or -1 for never.
int64_t
    tcp_conn_deadline (tcp_conn_t *self);

//  Run the timers that are due at NOW.
void
    tcp_conn_expire (tcp_conn_t *self, int64_t now);

//  The state; see tcp_conn_state_t.
tcp_conn_state_t
    tcp_conn_state (tcp_conn_t *self);

//  True for a connection we opened.
bool
    tcp_conn_outbound (tcp_conn_t *self);

//  Why an outbound connection closed before its setup finished (refused,
//  timed out, a bad greeting), or NULL: the same reason applies to every
//  message still waiting for that peer.
const char *
    tcp_conn_setup_failure (tcp_conn_t *self);

//  Queue one more message on a FRAMED outbound connection (taken,
//  nulled) and start writing it.
void
    tcp_conn_queue (tcp_conn_t *self, tcp_out_t **out_p, int64_t now);

//  Messages not yet wholly written; their bytes in *BYTES (if not NULL).
size_t
    tcp_conn_pending (tcp_conn_t *self, size_t *bytes);

//  The owner's tag given to tcp_conn_connect (NULL for accepted ones).
void *
    tcp_conn_owner (tcp_conn_t *self);

#endif
