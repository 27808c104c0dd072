/*  tcp_peers.h: transport-tcp's destinations and how each is reached.

    One record per destination endpoint: a bounded queue of messages
    waiting for it, its persistent framed link when it is a dtchat, or
    its one-message legacy connections when it sent no greeting (a Rust
    DTChat; remembered for a while so later messages do not wait for a
    greeting again). transport-tcp hands it every SEND, tells it when an
    outbound connection changed, and pumps it after each poll round; new
    connections go back to the actor through the adopt callback.
*/
#ifndef TCP_PEERS_H_INCLUDED
#define TCP_PEERS_H_INCLUDED

#include "dtchat.h"
#include "endpoint.h"
#include "tcp_conn.h"

typedef struct _tcp_peers_t tcp_peers_t;

//  Called with every connection the peers open: poll it from now on.
typedef void (tcp_peers_adopt_fn) (void *arg, tcp_conn_t *conn);

//  New, empty. CTX is borrowed. NULL if out of memory.
tcp_peers_t *
    tcp_peers_new (tcp_ctx_t *ctx, tcp_peers_adopt_fn *adopt, void *arg);

//  Destroy; waiting messages are dropped without a reply (we are
//  ending). Idempotent, nulls *self_p.
void
    tcp_peers_destroy (tcp_peers_t **self_p);

//  Queue *OUT_P (taken, nulled) for DEST and start moving it. Returns 0,
//  or -1 with a reason (too many peers, its queue is full): *OUT_P is
//  then left to the caller, who fails it.
int
    tcp_peers_send (tcp_peers_t *self, const endpoint_t *dest,
                    tcp_out_t **out_p, int64_t now,
                    char *reason, size_t reason_size);

//  CONN (an outbound connection the peers opened) may have changed
//  state: note it. Call it before destroying a closed one.
void
    tcp_peers_update (tcp_peers_t *self, tcp_conn_t *conn, int64_t now);

//  Move waiting messages on as far as the bounds allow; forget peers
//  with nothing going on and nothing to remember.
void
    tcp_peers_pump (tcp_peers_t *self, int64_t now);

#endif
