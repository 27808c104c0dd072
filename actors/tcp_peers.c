/*  tcp_peers.c: transport-tcp's destinations, their queues and links.

    transport_tcp.c hands every SEND to tcp_peers_send. A destination
    starts unknown: its first message opens a connection that waits for
    the listener's greeting (docs/PROTOCOL.md). A greeting makes that
    connection the peer's framed link, and every later message is
    written to it in order. No greeting means a peer like the Rust
    DTChat: that connection sends its one message bare, the peer is
    remembered as legacy for S_LEGACY_MEMORY_MS, and each further message
    gets its own connection, S_LEGACY_PARALLEL at a time. A peer that
    cannot be reached fails every message waiting for it with the same
    reason; the ack-tracker decides on retries.
*/
#include "dtchat.h"
#include "tcp_peers.h"

#include <string.h>

//  Bounds (see docs/PROTOCOL.md).
#define S_LEGACY_MEMORY_MS  60000   //  remember a peer sent no greeting
#define S_LEGACY_PARALLEL   4       //  legacy connections per peer at once
#define S_QUEUE_MAX         1024    //  messages waiting for one peer
#define S_PEERS_MAX         4096    //  destinations remembered
#define S_LINK_AHEAD        (1024 * 1024)   //  bytes queued on a link
//  A Rust DTChat decodes each 1024-byte read on its own.
#define S_RUST_READ         1024

//  One destination.
typedef struct {
    char key [DTCHAT_ENDPOINT_MAX];     //  canonical endpoint text
    endpoint_t addr;
    zlist_t *queue;             //  tcp_out_t *, oldest first
    tcp_conn_t *link;           //  connecting, greeting or framed
    zlist_t *legacy;            //  tcp_conn_t *, one message each
    int64_t legacy_until;       //  no greeting remembered until then
} s_peer_t;

struct _tcp_peers_t {
    tcp_ctx_t *ctx;
    tcp_peers_adopt_fn *adopt;
    void *arg;
    zhashx_t *peers;            //  key -> s_peer_t *
};

//  Free a peer record and what waits in it (no replies: we are ending).
static void
s_peer_destroy (s_peer_t **self_p)
{
    s_peer_t *self = *self_p;
    if (self) {
        tcp_out_t *out;
        while (self->queue
           && (out = (tcp_out_t *) zlist_pop (self->queue)))
            tcp_out_destroy (&out);
        zlist_destroy (&self->queue);
        zlist_destroy (&self->legacy);
        free (self);
        *self_p = NULL;
    }
}

//  zhashx destructor adapter.
static void
s_peer_free (void **item)
{
    s_peer_destroy ((s_peer_t **) item);
}

//  New, empty; see tcp_peers.h.
tcp_peers_t *
tcp_peers_new (tcp_ctx_t *ctx, tcp_peers_adopt_fn *adopt, void *arg)
{
    assert (ctx && adopt);
    tcp_peers_t *self = (tcp_peers_t *) zmalloc (sizeof (tcp_peers_t));
    if (!self)
        return NULL;
    self->ctx = ctx;
    self->adopt = adopt;
    self->arg = arg;
    self->peers = zhashx_new ();
    if (!self->peers) {
        free (self);
        return NULL;
    }
    zhashx_set_destructor (self->peers, s_peer_free);
    return self;
}

//  Destroy; see tcp_peers.h.
void
tcp_peers_destroy (tcp_peers_t **self_p)
{
    tcp_peers_t *self = *self_p;
    if (self) {
        zhashx_destroy (&self->peers);
        free (self);
        *self_p = NULL;
    }
}

//  Reply FAILED with REASON for every message waiting for PEER.
static void
s_fail_queue (tcp_peers_t *self, s_peer_t *peer, const char *reason)
{
    tcp_out_t *out;
    while ((out = (tcp_out_t *) zlist_pop (peer->queue))) {
        model_pipe_reply (self->ctx->model, VERB_FAILED, out->token,
                          reason);
        tcp_out_destroy (&out);
    }
}

//  Legacy connections of PEER still writing their message.
static size_t
s_legacy_busy (s_peer_t *peer)
{
    size_t busy = 0;
    tcp_conn_t *conn = (tcp_conn_t *) zlist_first (peer->legacy);
    for (; conn; conn = (tcp_conn_t *) zlist_next (peer->legacy))
        if (tcp_conn_pending (conn, NULL))
            busy++;
    return busy;
}

//  Open a connection to PEER for its oldest message. False if it could
//  not even start (the whole queue has failed then).
static bool
s_connect (tcp_peers_t *self, s_peer_t *peer, bool legacy, int64_t now)
{
    tcp_out_t *out = (tcp_out_t *) zlist_pop (peer->queue);
    size_t size = zmq_msg_size (&out->data);
    char reason [DTCHAT_ENDPOINT_MAX + 256];
    tcp_conn_t *conn = tcp_conn_connect (self->ctx, &peer->addr, peer->key,
                                         legacy, peer, &out, now, reason,
                                         sizeof (reason));
    if (!conn) {
        model_pipe_reply (self->ctx->model, VERB_FAILED, out->token,
                          reason);
        tcp_out_destroy (&out);
        tcp_ctx_log (self->ctx, LOG_WARN, peer->key, "%s", reason);
        s_fail_queue (self, peer, reason);
        return false;
    }
    if (legacy) {
        zlist_append (peer->legacy, conn);
        if (size > S_RUST_READ)
            tcp_ctx_log (self->ctx, LOG_WARN, peer->key,
                         "a message of %zu bytes goes to %s, which sent no "
                         "greeting: a Rust DTChat reads at most %d",
                         size, peer->key, S_RUST_READ);
    }
    else
        peer->link = conn;
    self->adopt (self->arg, conn);
    return true;
}

//  Move PEER's waiting messages on: onto its framed link, or onto new
//  connections, as far as the bounds allow.
static void
s_pump (tcp_peers_t *self, s_peer_t *peer, int64_t now)
{
    while (zlist_size (peer->queue)) {
        if (peer->link) {
            size_t bytes;
            if (tcp_conn_state (peer->link) != TCP_CONN_FRAMED
            ||  (tcp_conn_pending (peer->link, &bytes)
              && bytes >= S_LINK_AHEAD))
                break;
            tcp_out_t *out = (tcp_out_t *) zlist_pop (peer->queue);
            tcp_conn_queue (peer->link, &out, now);
        }
        else
        if (peer->legacy_until > now) {
            if (s_legacy_busy (peer) >= S_LEGACY_PARALLEL
            ||  !s_connect (self, peer, true, now))
                break;
        }
        else
        if (!s_connect (self, peer, false, now))
            break;
    }
}

//  Forget peers with nothing going on and nothing to remember.
static void
s_sweep (tcp_peers_t *self, int64_t now)
{
    zlistx_t *keys = zhashx_keys (self->peers);
    if (!keys)
        return;
    const char *key = (const char *) zlistx_first (keys);
    for (; key; key = (const char *) zlistx_next (keys)) {
        s_peer_t *peer = (s_peer_t *) zhashx_lookup (self->peers, key);
        if (!peer->link && !zlist_size (peer->legacy)
        &&  !zlist_size (peer->queue) && peer->legacy_until <= now)
            zhashx_delete (self->peers, key);
    }
    zlistx_destroy (&keys);
}

//  Find or make the record for DEST. NULL with a reason when there are
//  too many.
static s_peer_t *
s_require (tcp_peers_t *self, const endpoint_t *dest, int64_t now,
           char *reason, size_t size)
{
    char key [DTCHAT_ENDPOINT_MAX];
    endpoint_format (dest, key, sizeof (key));
    s_peer_t *peer = (s_peer_t *) zhashx_lookup (self->peers, key);
    if (peer)
        return peer;
    if (zhashx_size (self->peers) >= S_PEERS_MAX)
        s_sweep (self, now);
    if (zhashx_size (self->peers) >= S_PEERS_MAX) {
        snprintf (reason, size, "too many peers (%d)", S_PEERS_MAX);
        return NULL;
    }
    peer = (s_peer_t *) zmalloc (sizeof (s_peer_t));
    if (peer) {
        peer->queue = zlist_new ();
        peer->legacy = zlist_new ();
    }
    if (!peer || !peer->queue || !peer->legacy) {
        s_peer_destroy (&peer);
        snprintf (reason, size, "out of memory");
        return NULL;
    }
    snprintf (peer->key, sizeof (peer->key), "%s", key);
    peer->addr = *dest;
    zhashx_insert (self->peers, key, peer);
    return peer;
}

//  Queue a message for DEST; see tcp_peers.h.
int
tcp_peers_send (tcp_peers_t *self, const endpoint_t *dest, tcp_out_t **out_p,
                int64_t now, char *reason, size_t reason_size)
{
    assert (self && dest && out_p && *out_p);
    s_peer_t *peer = s_require (self, dest, now, reason, reason_size);
    if (!peer)
        return -1;
    if (zlist_size (peer->queue) >= S_QUEUE_MAX) {
        snprintf (reason, reason_size,
                  "%s: %d messages already wait for it", peer->key,
                  S_QUEUE_MAX);
        return -1;
    }
    zlist_append (peer->queue, *out_p);
    *out_p = NULL;
    s_pump (self, peer, now);
    return 0;
}

//  An outbound connection moved on; see tcp_peers.h.
void
tcp_peers_update (tcp_peers_t *self, tcp_conn_t *conn, int64_t now)
{
    assert (self && conn);
    s_peer_t *peer = (s_peer_t *) tcp_conn_owner (conn);
    if (!peer)
        return;
    tcp_conn_state_t state = tcp_conn_state (conn);
    if (conn == peer->link && state == TCP_CONN_LEGACY) {
        //  No greeting came: a Rust DTChat, one connection per message
        peer->link = NULL;
        zlist_append (peer->legacy, conn);
        if (peer->legacy_until <= now)
            tcp_ctx_log (self->ctx, LOG_INFO, peer->key,
                         "%s sent no greeting: one connection per message",
                         peer->key);
        peer->legacy_until = now + S_LEGACY_MEMORY_MS;
    }
    if (state == TCP_CONN_CLOSED) {
        if (conn == peer->link)
            peer->link = NULL;
        else
            zlist_remove (peer->legacy, conn);
        //  Unreachable: what waits for it fails alike, not one by one
        const char *failure = tcp_conn_setup_failure (conn);
        if (failure)
            s_fail_queue (self, peer, failure);
    }
}

//  Pump every peer; see tcp_peers.h.
void
tcp_peers_pump (tcp_peers_t *self, int64_t now)
{
    assert (self);
    bool idle = false;
    s_peer_t *peer = (s_peer_t *) zhashx_first (self->peers);
    for (; peer; peer = (s_peer_t *) zhashx_next (self->peers)) {
        s_pump (self, peer, now);
        if (!peer->link && !zlist_size (peer->legacy)
        &&  !zlist_size (peer->queue) && peer->legacy_until <= now)
            idle = true;
    }
    if (idle)
        s_sweep (self, now);
}
