/*  bp_link.c: one outgoing MTCP link to a next hop, with its queue.

    bp_native.c owns one link per next hop. The link is where store and
    forward happens: bundles wait here while the hop is unreachable and
    are written, one MTCP frame each, once a connection is up. MTCP
    carries data one way (uD3TN never sends anything back), so the only
    reads on the socket are to notice that the peer closed it. Sockets
    are non-blocking: connects and writes finish when the owner's poll
    reports the socket writable. This is part of the transport-bp actor
    (only transports touch OS sockets).
*/
#include "bp_link.h"
#include "bp_routes.h"
#include "bus_event.h"
#include "mtcp.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

typedef enum { S_DOWN, S_CONNECTING, S_UP } s_state_t;

typedef struct {
    byte *frame;            //  MTCP head + bundle
    size_t size;
    size_t payload_at;      //  in FRAME; payload_size 0 = never merge
    size_t payload_size;
    zlist_t *tokens;        //  char *, SENT or FAILED each at the end
    int64_t expires;        //  wall clock, ms
    char *dest;
} s_item_t;

struct _bp_link_t {
    char via [DTCHAT_ENDPOINT_MAX];
    struct sockaddr_storage addr;
    socklen_t addrlen;
    bp_model_t *model;      //  borrowed: SENT, FAILED
    zsock_t *pub;           //  borrowed: "net" events
    int fd;
    s_state_t state;
    int64_t connect_deadline;   //  mono, while S_CONNECTING
    int64_t retry_at;       //  mono, while S_DOWN
    int64_t backoff;        //  next delay after a failed connect
    uint64_t failures;      //  failed connects in a row
    zlist_t *queue;         //  s_item_t *, oldest first
    size_t bytes;           //  queued frame bytes
    size_t written;         //  bytes of the head item already written
    uint64_t discarded;     //  bytes the peer sent us (MTCP is one-way)
};

static void s_write (bp_link_t *self);

//  Destroy an item (tokens and all).
static void
s_item_destroy (s_item_t **item_p)
{
    s_item_t *item = *item_p;
    if (!item)
        return;
    char *token;
    while ((token = (char *) zlist_pop (item->tokens)))
        free (token);
    zlist_destroy (&item->tokens);
    free (item->frame);
    free (item->dest);
    free (item);
    *item_p = NULL;
}

//  New link to VIA.
bp_link_t *
bp_link_new (const char *via, bp_model_t *model, zsock_t *pub)
{
    assert (model);
    assert (pub);
    bp_link_t *self = (bp_link_t *) calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->fd = -1;
    self->model = model;
    self->pub = pub;
    self->backoff = BP_LINK_BACKOFF_MIN_MS;
    self->queue = zlist_new ();
    if (!self->queue
    ||  bp_via_parse (via, &self->addr, &self->addrlen,
                      self->via, sizeof self->via)) {
        zlist_destroy (&self->queue);
        free (self);
        return NULL;
    }
    return self;
}

//  Destroy; idempotent.
void
bp_link_destroy (bp_link_t **self_p)
{
    assert (self_p);
    bp_link_t *self = *self_p;
    if (!self)
        return;
    if (self->fd >= 0)
        close (self->fd);
    s_item_t *item;
    while ((item = (s_item_t *) zlist_pop (self->queue)))
        s_item_destroy (&item);
    zlist_destroy (&self->queue);
    free (self);
    *self_p = NULL;
}

//  The next hop text.
const char *
bp_link_via (bp_link_t *self)
{
    assert (self);
    return self->via;
}

//  True if ITEM can take a token for the same bundle contents.
static bool
s_same_payload (s_item_t *item, const bp_link_item_t *add)
{
    return item->payload_size && add->payload_size
        && item->payload_size == add->payload_size
        && streq (item->dest, add->dest)
        && memcmp (item->frame + item->payload_at,
                   add->bundle + add->payload_at, add->payload_size) == 0;
}

//  Queue a bundle (see bp_link.h).
int
bp_link_enqueue (bp_link_t *self, const bp_link_item_t *add,
                 char *reason, size_t reason_size)
{
    assert (self);
    assert (add && add->bundle && add->dest);
    if (add->token) {
        s_item_t *item = (s_item_t *) zlist_first (self->queue);
        for (bool head = true; item;
             item = (s_item_t *) zlist_next (self->queue), head = false) {
            if ((head && self->written) || !s_same_payload (item, add))
                continue;
            char *token = strdup (add->token);
            if (!token || zlist_append (item->tokens, token)) {
                free (token);
                break;
            }
            if (add->expires > item->expires)
                item->expires = add->expires;
            return 0;
        }
    }
    if (zlist_size (self->queue) >= BP_LINK_QUEUE_MAX
    ||  add->size > BP_LINK_QUEUE_BYTES - self->bytes) {
        snprintf (reason, reason_size, "the queue for next hop %s is full "
                  "(%zu bundles)", self->via, zlist_size (self->queue));
        return -1;
    }
    s_item_t *item = (s_item_t *) calloc (1, sizeof *item);
    byte head [MTCP_HEAD_MAX];
    size_t head_size = mtcp_frame_head (add->size, head);
    char *token = add->token? strdup (add->token): NULL;
    if (item) {
        item->frame = (byte *) malloc (head_size + add->size);
        item->tokens = zlist_new ();
        item->dest = strdup (add->dest);
    }
    if (!item || !item->frame || !item->tokens || !item->dest
    ||  (add->token && (!token || zlist_append (item->tokens, token)))) {
        free (token);
        s_item_destroy (&item);
        snprintf (reason, reason_size, "out of memory");
        return -1;
    }
    memcpy (item->frame, head, head_size);
    memcpy (item->frame + head_size, add->bundle, add->size);
    item->size = head_size + add->size;
    item->payload_at = head_size + add->payload_at;
    item->payload_size = add->payload_size;
    item->expires = add->expires;
    zlist_append (self->queue, item);
    self->bytes += item->size;
    //  the usual case, a connection up and idle: write now rather than
    //  a poll round later (SENT may go to the model from here)
    if (self->state == S_UP && zlist_size (self->queue) == 1)
        s_write (self);
    return 0;
}

//  Bundles waiting.
size_t
bp_link_queued (bp_link_t *self)
{
    assert (self);
    return zlist_size (self->queue);
}

//  True while connected.
bool
bp_link_connected (bp_link_t *self)
{
    assert (self);
    return self->state == S_UP;
}

//  The socket to poll, or -1.
int
bp_link_fd (bp_link_t *self)
{
    assert (self);
    return self->fd;
}

//  Events wanted on the socket.
short
bp_link_events (bp_link_t *self)
{
    assert (self);
    if (self->state == S_CONNECTING)
        return ZMQ_POLLOUT;
    if (self->state == S_UP)
        return (short) (ZMQ_POLLIN
                        | (zlist_size (self->queue)? ZMQ_POLLOUT: 0));
    return 0;
}

//  Close the socket and go down; the head item will be written again.
static void
s_close (bp_link_t *self)
{
    if (self->fd >= 0)
        close (self->fd);
    self->fd = -1;
    self->state = S_DOWN;
    self->written = 0;
}

//  A connect failed: back off, and say so once per outage.
static void
s_connect_failed (bp_link_t *self, int error)
{
    s_close (self);
    self->failures++;
    self->retry_at = zclock_mono () + self->backoff;
    self->backoff = self->backoff * 2 > BP_LINK_BACKOFF_MAX_MS
                  ? BP_LINK_BACKOFF_MAX_MS: self->backoff * 2;
    if (self->failures == 1)
        bus_log (self->pub, TOPIC_NET, LOG_WARN, self->via,
                 "next hop %s is unreachable (%s): %zu bundle(s) wait, "
                 "retrying", self->via, strerror (error),
                 zlist_size (self->queue));
}

//  An established connection broke.
static void
s_lost (bp_link_t *self, const char *why)
{
    s_close (self);
    self->failures = 0;
    self->backoff = BP_LINK_BACKOFF_MIN_MS;
    self->retry_at = zclock_mono () + BP_LINK_BACKOFF_MIN_MS;
    bus_log (self->pub, TOPIC_NET, LOG_WARN, self->via,
             "lost the connection to next hop %s (%s)", self->via, why);
}

//  The connection is up.
static void
s_up (bp_link_t *self)
{
    self->state = S_UP;
    self->written = 0;
    bus_log (self->pub, TOPIC_NET, LOG_INFO, self->via,
             "connected to next hop %s%s", self->via,
             self->failures? " (it is reachable again)": "");
    self->failures = 0;
    self->backoff = BP_LINK_BACKOFF_MIN_MS;
}

//  Start a non-blocking connect.
static void
s_connect (bp_link_t *self)
{
    assert (self->fd < 0);
    self->fd = socket (self->addr.ss_family,
                       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (self->fd < 0) {
        s_connect_failed (self, errno);
        return;
    }
    int one = 1;
    setsockopt (self->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt (self->fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
    if (connect (self->fd, (struct sockaddr *) &self->addr,
                 self->addrlen) == 0)
        s_up (self);
    else
    if (errno == EINPROGRESS) {
        self->state = S_CONNECTING;
        self->connect_deadline = zclock_mono () + BP_LINK_CONNECT_MS;
    }
    else
        s_connect_failed (self, errno);
}

//  Tell the model about every token of ITEM: SENT, or FAILED with WHY.
static void
s_report (bp_link_t *self, s_item_t *item, const char *why)
{
    char *token;
    while ((token = (char *) zlist_pop (item->tokens))) {
        if (why)
            bp_model_failed (self->model, token, why);
        else
            bp_model_sent (self->model, token);
        free (token);
    }
}

//  Write what the socket takes; SENT for each finished bundle.
static void
s_write (bp_link_t *self)
{
    s_item_t *item;
    while ((item = (s_item_t *) zlist_first (self->queue))) {
        ssize_t rc = send (self->fd, item->frame + self->written,
                           item->size - self->written,
                           MSG_NOSIGNAL | MSG_DONTWAIT);
        if (rc < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                return;
            s_lost (self, strerror (errno));
            return;
        }
        self->written += (size_t) rc;
        if (self->written < item->size)
            continue;
        zlist_pop (self->queue);
        self->bytes -= item->size;
        self->written = 0;
        s_report (self, item, NULL);
        s_item_destroy (&item);
    }
}

//  Handle REVENTS on the socket.
void
bp_link_handle (bp_link_t *self, short revents)
{
    assert (self);
    if (self->state == S_CONNECTING) {
        if (!(revents & (ZMQ_POLLOUT | ZMQ_POLLERR)))
            return;
        int error = 0;
        socklen_t length = sizeof error;
        if (getsockopt (self->fd, SOL_SOCKET, SO_ERROR, &error, &length))
            error = errno;
        if (error)
            s_connect_failed (self, error);
        else
            s_up (self);
        return;
    }
    if (self->state != S_UP)
        return;
    if (revents & ZMQ_POLLIN) {
        byte scratch [4096];
        ssize_t rc = recv (self->fd, scratch, sizeof scratch, MSG_DONTWAIT);
        if (rc == 0) {
            s_lost (self, "closed by the peer");
            return;
        }
        if (rc < 0 && errno != EAGAIN && errno != EWOULDBLOCK
        &&  errno != EINTR) {
            s_lost (self, strerror (errno));
            return;
        }
        if (rc > 0)
            self->discarded += (size_t) rc;
    }
    if (revents & ZMQ_POLLERR) {
        int error = 0;
        socklen_t length = sizeof error;
        getsockopt (self->fd, SOL_SOCKET, SO_ERROR, &error, &length);
        s_lost (self, error? strerror (error): "socket error");
        return;
    }
    if (revents & ZMQ_POLLOUT)
        s_write (self);
}

//  The smaller of two timeouts, -1 meaning none; negatives become 0.
static int64_t
s_sooner (int64_t timeout, int64_t left)
{
    if (left < 0)
        left = 0;
    return timeout < 0 || left < timeout? left: timeout;
}

//  Ms until tick has work, or -1.
int64_t
bp_link_timeout (bp_link_t *self)
{
    assert (self);
    int64_t now = zclock_mono ();
    int64_t timeout = -1;
    if (self->state == S_CONNECTING)
        timeout = s_sooner (timeout, self->connect_deadline - now);
    else
    if (self->state == S_DOWN && zlist_size (self->queue))
        timeout = s_sooner (timeout, self->retry_at - now);
    //  a half-written head bundle is finished, not expired: skip it
    int64_t wall = dtchat_now_ms ();
    s_item_t *item = (s_item_t *) zlist_first (self->queue);
    if (item && self->written)
        item = (s_item_t *) zlist_next (self->queue);
    for (; item; item = (s_item_t *) zlist_next (self->queue))
        timeout = s_sooner (timeout, item->expires - wall);
    return timeout;
}

//  Drop bundles whose lifetime has ended (not one half written).
static void
s_expire (bp_link_t *self)
{
    int64_t wall = dtchat_now_ms ();
    s_item_t *item = (s_item_t *) zlist_first (self->queue);
    bool head = true;
    while (item) {
        s_item_t *next = (s_item_t *) zlist_next (self->queue);
        if (item->expires <= wall && !(head && self->written)) {
            char why [DTCHAT_ENDPOINT_MAX + 80];
            snprintf (why, sizeof why, "bundle lifetime ended before next "
                      "hop %s was reachable", self->via);
            if (zlist_size (item->tokens))
                s_report (self, item, why);
            else
                bus_log (self->pub, TOPIC_NET, LOG_WARN, self->via,
                         "relayed bundle for %s dropped: %s",
                         item->dest, why);
            zlist_remove (self->queue, item);
            self->bytes -= item->size;
            s_item_destroy (&item);
            //  zlist_remove resets the cursor: start over
            item = (s_item_t *) zlist_first (self->queue);
            head = true;
            continue;
        }
        item = next;
        head = false;
    }
}

//  Do what is due.
void
bp_link_tick (bp_link_t *self)
{
    assert (self);
    s_expire (self);
    int64_t now = zclock_mono ();
    if (self->state == S_CONNECTING && now >= self->connect_deadline)
        s_connect_failed (self, ETIMEDOUT);
    if (self->state == S_DOWN && zlist_size (self->queue)
    &&  now >= self->retry_at)
        s_connect (self);
}
