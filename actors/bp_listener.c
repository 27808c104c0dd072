/*  bp_listener.c: the MTCP listener of native BP and its inbound
    connections (see bp_listener.h).

    Part of the transport-bp actor: bp_native.c polls the sockets this
    returns, and takes the bundles it reassembles. Every connection has
    its own mtcp_reader_t, so frames split across reads (uD3TN's arrive
    as 7 + 130 bytes) come out whole, and a hostile connection can only
    break itself: it is closed, the others go on.
*/
#include "bp_listener.h"
#include "bp_routes.h"
#include "bus_event.h"
#include "endpoint.h"
#include "mtcp.h"

#include <netinet/in.h>

typedef struct {
    int fd;
    uint64_t id;
    char peer [DTCHAT_ENDPOINT_MAX];
    mtcp_reader_t *reader;
} s_conn_t;

struct _bp_listener_t {
    int fd;                     //  the listening socket
    char bound [DTCHAT_ENDPOINT_MAX];
    size_t max_bundle;
    zsock_t *pub;
    zlist_t *conns;             //  s_conn_t *
    uint64_t next_id;
    zlist_t *ready;             //  s_ready_t *, bundles in arrival order
    char ready_peer [DTCHAT_ENDPOINT_MAX];
    s_conn_t *polled [BP_LISTENER_CONNS_MAX];   //  item i+1 -> conn
    size_t polled_count;
    byte *buffer;               //  one read
};

typedef struct {
    zchunk_t *bundle;
    uint64_t conn;
    char peer [DTCHAT_ENDPOINT_MAX];
} s_ready_t;

//  Close and free a connection.
static void
s_conn_destroy (s_conn_t **conn_p)
{
    s_conn_t *conn = *conn_p;
    if (!conn)
        return;
    if (conn->fd >= 0)
        close (conn->fd);
    mtcp_reader_destroy (&conn->reader);
    free (conn);
    *conn_p = NULL;
}

//  Bind and listen at VIA.
bp_listener_t *
bp_listener_new (const char *via, size_t max_bundle, zsock_t *pub,
                 char *reason, size_t reason_size)
{
    assert (pub);
    struct sockaddr_storage addr;
    socklen_t addrlen;
    char canonical [DTCHAT_ENDPOINT_MAX];
    if (bp_via_parse (via, &addr, &addrlen, canonical, sizeof canonical)) {
        snprintf (reason, reason_size, "bad via '%.80s' (want "
                  "mtcp:HOST:PORT)", via);
        return NULL;
    }
    bp_listener_t *self = (bp_listener_t *) calloc (1, sizeof *self);
    if (!self) {
        snprintf (reason, reason_size, "out of memory");
        return NULL;
    }
    self->max_bundle = max_bundle;
    self->pub = pub;
    self->conns = zlist_new ();
    self->ready = zlist_new ();
    self->buffer = (byte *) malloc (BP_LISTENER_READ_MAX);
    self->fd = socket (addr.ss_family,
                       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (self->fd >= 0)
        setsockopt (self->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (!self->conns || !self->ready || !self->buffer || self->fd < 0
    ||  bind (self->fd, (struct sockaddr *) &addr, addrlen)
    ||  listen (self->fd, 64)) {
        snprintf (reason, reason_size, "%s: %s", canonical,
                  strerror (errno));
        bp_listener_destroy (&self);
        return NULL;
    }
    //  the real port, when port 0 was asked for
    endpoint_t endpoint;
    memset (&endpoint, 0, sizeof endpoint);
    endpoint.proto = ENDPOINT_TCP;
    endpoint.addrlen = sizeof endpoint.addr;
    getsockname (self->fd, (struct sockaddr *) &endpoint.addr,
                 &endpoint.addrlen);
    char text [DTCHAT_ENDPOINT_MAX];
    endpoint_format (&endpoint, text, sizeof text);
    snprintf (self->bound, sizeof self->bound, "mtcp:%.200s", text + 4);
    return self;
}

//  Destroy; idempotent.
void
bp_listener_destroy (bp_listener_t **self_p)
{
    assert (self_p);
    bp_listener_t *self = *self_p;
    if (!self)
        return;
    if (self->fd >= 0)
        close (self->fd);
    s_conn_t *conn;
    while (self->conns && (conn = (s_conn_t *) zlist_pop (self->conns)))
        s_conn_destroy (&conn);
    zlist_destroy (&self->conns);
    s_ready_t *ready;
    while (self->ready && (ready = (s_ready_t *) zlist_pop (self->ready))) {
        zchunk_destroy (&ready->bundle);
        free (ready);
    }
    zlist_destroy (&self->ready);
    free (self->buffer);
    free (self);
    *self_p = NULL;
}

//  The bound address.
const char *
bp_listener_bound (bp_listener_t *self)
{
    assert (self);
    return self->bound;
}

//  Fill poll items: the listener first, then each connection.
size_t
bp_listener_poll_items (bp_listener_t *self, zmq_pollitem_t *items,
                        size_t max)
{
    assert (self);
    self->polled_count = 0;
    if (max == 0)
        return 0;
    items [0] = (zmq_pollitem_t) { NULL, self->fd, ZMQ_POLLIN, 0 };
    size_t count = 1;
    s_conn_t *conn = (s_conn_t *) zlist_first (self->conns);
    for (; conn && count < max; conn = (s_conn_t *) zlist_next (self->conns)) {
        items [count++] = (zmq_pollitem_t) { NULL, conn->fd, ZMQ_POLLIN, 0 };
        self->polled [self->polled_count++] = conn;
    }
    return count;
}

//  Close CONN and forget it, with a "net" event saying WHY.
static void
s_drop (bp_listener_t *self, s_conn_t *conn, const char *why)
{
    bus_log (self->pub, TOPIC_NET, LOG_ERROR, conn->peer,
             "MTCP connection from %s closed: %s", conn->peer, why);
    for (size_t i = 0; i < self->polled_count; i++)
        if (self->polled [i] == conn)
            self->polled [i] = NULL;
    zlist_remove (self->conns, conn);
    s_conn_destroy (&conn);
}

//  Accept one connection.
static void
s_accept (bp_listener_t *self)
{
    struct sockaddr_storage addr;
    socklen_t addrlen = sizeof addr;
    int fd = accept4 (self->fd, (struct sockaddr *) &addr, &addrlen,
                      SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0)
        return;             //  EAGAIN, or the peer gave up already
    endpoint_t endpoint;
    memset (&endpoint, 0, sizeof endpoint);
    endpoint.proto = ENDPOINT_TCP;
    memcpy (&endpoint.addr, &addr, sizeof addr);
    endpoint.addrlen = addrlen;
    char text [DTCHAT_ENDPOINT_MAX];
    endpoint_format (&endpoint, text, sizeof text);
    if (zlist_size (self->conns) >= BP_LISTENER_CONNS_MAX) {
        bus_log (self->pub, TOPIC_NET, LOG_WARN, text + 4, "MTCP connection "
                 "from %s refused: %d connections are open already",
                 text + 4, BP_LISTENER_CONNS_MAX);
        close (fd);
        return;
    }
    s_conn_t *conn = (s_conn_t *) calloc (1, sizeof *conn);
    if (conn)
        conn->reader = mtcp_reader_new (self->max_bundle);
    if (!conn || !conn->reader) {
        close (fd);
        if (conn)
            free (conn);
        return;
    }
    conn->fd = fd;
    conn->id = ++self->next_id;
    snprintf (conn->peer, sizeof conn->peer, "%s", text + 4);
    zlist_append (self->conns, conn);
}

//  Read what a connection has; queue the bundles it completes.
static void
s_read (bp_listener_t *self, s_conn_t *conn)
{
    ssize_t rc = recv (conn->fd, self->buffer, BP_LISTENER_READ_MAX,
                       MSG_DONTWAIT);
    if (rc < 0 && (errno == EAGAIN || errno == EWOULDBLOCK
               ||  errno == EINTR))
        return;
    if (rc <= 0) {
        //  a clean close between frames is normal: say nothing then
        bool partial = mtcp_reader_partial (conn->reader) > 0;
        if (rc < 0 || partial)
            s_drop (self, conn, rc < 0? strerror (errno)
                                      : "closed in the middle of a bundle");
        else {
            for (size_t i = 0; i < self->polled_count; i++)
                if (self->polled [i] == conn)
                    self->polled [i] = NULL;
            zlist_remove (self->conns, conn);
            s_conn_destroy (&conn);
        }
        return;
    }
    char reason [256];
    int failed = mtcp_reader_feed (conn->reader, self->buffer, (size_t) rc,
                                   reason, sizeof reason);
    zchunk_t *bundle;
    while ((bundle = mtcp_reader_next (conn->reader))) {
        s_ready_t *ready = (s_ready_t *) calloc (1, sizeof *ready);
        if (!ready) {
            zchunk_destroy (&bundle);
            continue;
        }
        ready->bundle = bundle;
        ready->conn = conn->id;
        snprintf (ready->peer, sizeof ready->peer, "%s", conn->peer);
        zlist_append (self->ready, ready);
    }
    if (failed)
        s_drop (self, conn, reason);
}

//  Handle the items of the last poll.
void
bp_listener_handle (bp_listener_t *self, zmq_pollitem_t *items,
                    size_t count)
{
    assert (self);
    if (count == 0)
        return;
    for (size_t i = 1; i < count && i - 1 < self->polled_count; i++) {
        s_conn_t *conn = self->polled [i - 1];
        if (conn && (items [i].revents & (ZMQ_POLLIN | ZMQ_POLLERR)))
            s_read (self, conn);
    }
    if (items [0].revents & ZMQ_POLLIN)
        s_accept (self);
    self->polled_count = 0;
}

//  Next complete bundle, or NULL.
zchunk_t *
bp_listener_next (bp_listener_t *self, uint64_t *conn_p,
                  const char **peer_p)
{
    assert (self);
    s_ready_t *ready = (s_ready_t *) zlist_pop (self->ready);
    if (!ready)
        return NULL;
    zchunk_t *bundle = ready->bundle;
    *conn_p = ready->conn;
    snprintf (self->ready_peer, sizeof self->ready_peer, "%s", ready->peer);
    *peer_p = self->ready_peer;
    free (ready);
    return bundle;
}

//  Close connection CONN because of WHY.
void
bp_listener_reject (bp_listener_t *self, uint64_t conn_id, const char *why)
{
    assert (self);
    s_conn_t *conn = (s_conn_t *) zlist_first (self->conns);
    for (; conn; conn = (s_conn_t *) zlist_next (self->conns))
        if (conn->id == conn_id) {
            s_drop (self, conn, why);
            break;
        }
    //  bundles it sent after the bad one are not trusted either
    s_ready_t *ready = (s_ready_t *) zlist_first (self->ready);
    while (ready) {
        if (ready->conn == conn_id) {
            zlist_remove (self->ready, ready);
            zchunk_destroy (&ready->bundle);
            free (ready);
            ready = (s_ready_t *) zlist_first (self->ready);
        }
        else
            ready = (s_ready_t *) zlist_next (self->ready);
    }
}

//  Open inbound connections.
size_t
bp_listener_conns (bp_listener_t *self)
{
    assert (self);
    return zlist_size (self->conns);
}
