/*  bp_listener.h: the MTCP listener of native BP and its inbound
    connections.

    bp_native.c binds one listener at the local endpoint's via
    ("bp ipn:1.1 via mtcp:127.0.0.1:4556"). Peers (uD3TN, dtn7, other
    dtchats) connect and write bundles, one MTCP frame each; the
    listener reassembles the frames of every connection and hands out
    complete bundles with the id of the connection they came on. A
    framing error closes that connection (with a "net" event); so does
    bp_listener_reject, which the owner calls when a bundle from a
    connection is invalid. Connections are bounded in number.
*/
#ifndef BP_LISTENER_H_INCLUDED
#define BP_LISTENER_H_INCLUDED

#include "dtchat.h"

//  Most inbound connections at once; more are accepted and closed.
#define BP_LISTENER_CONNS_MAX   64
//  Largest read from a connection at a time.
#define BP_LISTENER_READ_MAX    65536

typedef struct _bp_listener_t bp_listener_t;

//  Bind and listen at VIA ("mtcp:HOST:PORT", port 0 = any free port).
//  Frames over MAX_BUNDLE bytes break their connection. PUB (borrowed)
//  gets "net" events. NULL with a reason on failure.
bp_listener_t *
    bp_listener_new (const char *via, size_t max_bundle, zsock_t *pub,
                     char *reason, size_t reason_size);

//  Destroy; idempotent.
void
    bp_listener_destroy (bp_listener_t **self_p);

//  The bound address, "mtcp:127.0.0.1:41234".
const char *
    bp_listener_bound (bp_listener_t *self);

//  Fill up to MAX poll items (the listening socket and each
//  connection). Returns how many were filled.
size_t
    bp_listener_poll_items (bp_listener_t *self, zmq_pollitem_t *items,
                            size_t max);

//  Handle the COUNT items filled by the last bp_listener_poll_items.
void
    bp_listener_handle (bp_listener_t *self, zmq_pollitem_t *items,
                        size_t count);

//  Next complete bundle, or NULL; *CONN_P is the id of its connection
//  (for bp_listener_reject), *PEER_P its "IP:PORT" text (borrowed,
//  valid until the next call). The caller destroys the chunk.
zchunk_t *
    bp_listener_next (bp_listener_t *self, uint64_t *conn_p,
                      const char **peer_p);

//  Close connection CONN (if still open) because of WHY.
void
    bp_listener_reject (bp_listener_t *self, uint64_t conn, const char *why);

//  Open inbound connections.
size_t
    bp_listener_conns (bp_listener_t *self);

#endif
