/*  transport_udp.c: the UDP transport actor, one datagram per message.

    The chat-model talks to it over a PAIR data pipe (SEND in; SENT,
    FAILED, RECV out, see dtchat_verbs.h); its creator binds it with
    START (see transport.h). One non-blocking UDP socket both listens and
    sends, so our source port is our own port, as in the Rust DTChat: a
    peer can answer the address a datagram came from. It never decodes
    the bytes (that is the model's job); it only bounds them: empty and
    oversize datagrams are dropped with a "net" error event. It never
    blocks and never drops a SEND: a full socket buffer queues datagrams
    until the socket is writable, and a busy model queues RECVs while the
    socket is left unread (the kernel buffers, UDP may drop there).
*/
#include "dtchat.h"
#include "transport.h"
#include "endpoint.h"
#include "bus_event.h"
#include "event_bus.h"
#include "udp_sock.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

//  Work done per wakeup and per source, so no source starves another.
#define S_BATCH         64
//  Past this many datagrams waiting for the socket, stop reading SENDs
//  (the model then waits at its PAIR: back-pressure, not loss).
#define S_SENDQ_MAX     1024
//  Past this many messages waiting for the model, stop reading the socket.
#define S_TO_MODEL_MAX  256

//  A datagram waiting for the socket to become writable.
typedef struct {
    char *token;
    endpoint_t peer;
    char peer_text [DTCHAT_ENDPOINT_MAX];
    zframe_t *data;
} s_outgoing_t;

typedef struct {
    zsock_t *pipe;              //  the creator
    zsock_t *model;             //  PAIR to the chat-model
    zsock_t *pub;               //  "net" events, NULL if no bus
    int fd;                     //  the UDP socket, -1 before START
    int family;                 //  its address family
    char local [DTCHAT_ENDPOINT_MAX];
    zlist_t *sendq;             //  s_outgoing_t *, for the socket
    zlist_t *to_model;          //  zmsg_t *, for the model pipe
    byte *buffer;               //  one datagram, DTCHAT_UDP_MAX + 1
    uint64_t dropped;           //  datagrams dropped on input
    char broken [256];          //  why START must fail, else ""
    bool terminated;
} self_t;

//  Free a queued datagram; idempotent.
static void
s_outgoing_destroy (s_outgoing_t **self_p)
{
    s_outgoing_t *self = *self_p;
    if (self) {
        zstr_free (&self->token);
        zframe_destroy (&self->data);
        free (self);
        *self_p = NULL;
    }
}

//  Create the actor state; a missing neighbour makes START fail later.
static self_t *
s_self_new (zsock_t *pipe, transport_args_t *args)
{
    self_t *self = (self_t *) zmalloc (sizeof (self_t));
    if (!self)
        return NULL;
    self->pipe = pipe;
    self->fd = -1;
    self->sendq = zlist_new ();
    self->to_model = zlist_new ();
    self->buffer = (byte *) malloc (DTCHAT_UDP_MAX + 1);
    if (!self->sendq || !self->to_model || !self->buffer) {
        zlist_destroy (&self->sendq);
        zlist_destroy (&self->to_model);
        free (self->buffer);
        free (self);
        return NULL;
    }
    if (!args || !args->model_endpoint || !*args->model_endpoint)
        snprintf (self->broken, sizeof (self->broken),
                  "transport-udp: no model endpoint");
    else {
        self->model = zsock_new (ZMQ_PAIR);
        //  We read the model only when a poll said so, in batches that
        //  end at the first miss: a zero timeout ends them without a
        //  zsock_events () (a poll () system call) before every message
        if (self->model)
            zsock_set_rcvtimeo (self->model, 0);
        if (!self->model
        ||  zsock_connect (self->model, "%s", args->model_endpoint) == -1)
            snprintf (self->broken, sizeof (self->broken),
                      "transport-udp: cannot connect to %s",
                      args->model_endpoint);
    }
    if (args && args->bus_endpoint)
        self->pub = event_bus_publisher (args->bus_endpoint);
    return self;
}

//  Close everything and free the state; idempotent.
static void
s_self_destroy (self_t **self_p)
{
    self_t *self = *self_p;
    if (self) {
        if (self->fd != -1)
            close (self->fd);
        s_outgoing_t *item;
        while ((item = (s_outgoing_t *) zlist_pop (self->sendq)))
            s_outgoing_destroy (&item);
        zlist_destroy (&self->sendq);
        zmsg_t *msg;
        while ((msg = (zmsg_t *) zlist_pop (self->to_model)))
            zmsg_destroy (&msg);
        zlist_destroy (&self->to_model);
        zsock_destroy (&self->model);
        zsock_destroy (&self->pub);
        free (self->buffer);
        free (self);
        *self_p = NULL;
    }
}

//  Publish a "net" event about ENDPOINT; nothing if there is no bus.
static void
s_log (self_t *self, log_level_t level, const char *endpoint,
       const char *format, ...) __attribute__ ((format (printf, 4, 5)));
static void
s_log (self_t *self, log_level_t level, const char *endpoint,
       const char *format, ...)
{
    if (!self->pub)
        return;
    char text [512];
    va_list args;
    va_start (args, format);
    vsnprintf (text, sizeof (text), format, args);
    va_end (args);
    bus_log (self->pub, TOPIC_NET, level, endpoint, "%s", text);
}

//  Send MSG to the model unless its pipe is full: 0 sent, -1 full (MSG
//  stays with the caller). Only the first frame may find the pipe full:
//  a PAIR counts whole messages against its high-water mark.
static int
s_send_nowait (self_t *self, zmsg_t *msg)
{
    void *handle = zsock_resolve (self->model);
    size_t left = zmsg_size (msg);
    bool first = true;
    for (zframe_t *frame = zmsg_first (msg); frame;
         frame = zmsg_next (msg)) {
        left--;
        int flags = (left? ZMQ_SNDMORE: 0) | (first? ZMQ_DONTWAIT: 0);
        if (zmq_send (handle, zframe_data (frame), zframe_size (frame),
                      flags) == -1 && first)
            return -1;
        first = false;          //  later frames fail only at context end
    }
    return 0;
}

//  Hand queued messages to the model while its pipe takes them, so a
//  slow model never blocks us (a blocked PAIR could deadlock both). A
//  DONTWAIT send costs no system call; asking zsock_events (ZMQ_POLLOUT)
//  before each message cost a poll ().
static void
s_flush_to_model (self_t *self)
{
    zmsg_t *msg;
    while ((msg = (zmsg_t *) zlist_first (self->to_model))
       &&  s_send_nowait (self, msg) == 0) {
        zlist_pop (self->to_model);
        zmsg_destroy (&msg);
    }
}

//  Queue a reply VERB TOKEN [REASON] for the model.
static void
s_reply (self_t *self, const char *verb, const char *token,
         const char *reason)
{
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, verb);
    zmsg_addstr (msg, token);
    if (reason)
        zmsg_addstr (msg, reason);
    zlist_append (self->to_model, msg);
    s_flush_to_model (self);
}

//  Try to send one datagram: 0 sent, 1 try again when writable, -1
//  failed with a reason.
static int
s_send_one (self_t *self, s_outgoing_t *item, char *reason, size_t size)
{
    bool refused = false;
    int rc = udp_sock_send (self->fd, self->family, &item->peer,
                            zframe_data (item->data),
                            zframe_size (item->data), &refused);
    if (rc == -1)
        snprintf (reason, size, "%s: %s", item->peer_text, strerror (errno));
    if (refused)
        s_log (self, LOG_WARN, self->local,
               "a peer is down: an earlier datagram was refused");
    return rc;
}

//  Send queued datagrams in order until the socket is full again.
static void
s_flush_sendq (self_t *self)
{
    s_outgoing_t *item;
    while ((item = (s_outgoing_t *) zlist_first (self->sendq))) {
        char reason [512];
        int rc = s_send_one (self, item, reason, sizeof (reason));
        if (rc == 1)
            break;
        zlist_pop (self->sendq);
        s_reply (self, rc == 0? VERB_SENT: VERB_FAILED, item->token,
                 rc == 0? NULL: reason);
        s_outgoing_destroy (&item);
    }
}

//  SEND token endpoint data: check, then send now or queue it.
static void
s_handle_send (self_t *self, zmsg_t *msg)
{
    char *token = zmsg_popstr (msg);
    char *endpoint = zmsg_popstr (msg);
    zframe_t *data = zmsg_pop (msg);
    char reason [512] = "";
    s_outgoing_t *item = NULL;
    if (!token || !endpoint || !data || zmsg_size (msg)) {
        s_log (self, LOG_ERROR, self->local, "malformed SEND dropped");
        if (token)
            s_reply (self, VERB_FAILED, token, "malformed SEND");
        goto done;
    }
    if (self->fd == -1)
        snprintf (reason, sizeof (reason), "transport-udp: not started");
    else
    if (zframe_size (data) == 0)
        snprintf (reason, sizeof (reason), "empty message");
    else
    if (zframe_size (data) > DTCHAT_UDP_MAX)
        snprintf (reason, sizeof (reason),
                  "message of %zu bytes is over the UDP limit of %d",
                  zframe_size (data), DTCHAT_UDP_MAX);
    if (*reason) {
        s_reply (self, VERB_FAILED, token, reason);
        goto done;
    }
    item = (s_outgoing_t *) zmalloc (sizeof (s_outgoing_t));
    assert (item);
    if (endpoint_parse (&item->peer, endpoint, reason, sizeof (reason))
        == -1) {
        char why [600];
        snprintf (why, sizeof (why), "bad endpoint: %s", reason);
        s_reply (self, VERB_FAILED, token, why);
        goto done;
    }
    if (item->peer.proto != ENDPOINT_UDP) {
        snprintf (reason, sizeof (reason), "'%.*s' is not a udp endpoint",
                  DTCHAT_ENDPOINT_MAX, endpoint);
        s_reply (self, VERB_FAILED, token, reason);
        goto done;
    }
    endpoint_format (&item->peer, item->peer_text, sizeof (item->peer_text));
    item->token = token;
    item->data = data;
    token = NULL;
    data = NULL;
    //  Behind a queue: wait in line, order is kept
    int rc = 1;
    if (zlist_size (self->sendq) == 0)
        rc = s_send_one (self, item, reason, sizeof (reason));
    if (rc == 1) {
        zlist_append (self->sendq, item);
        item = NULL;
    }
    else
        s_reply (self, rc == 0? VERB_SENT: VERB_FAILED, item->token,
                 rc == 0? NULL: reason);
done:
    s_outgoing_destroy (&item);
    zstr_free (&token);
    zstr_free (&endpoint);
    zframe_destroy (&data);
}

//  Read a batch of commands from the model.
static void
s_handle_model (self_t *self)
{
    for (int count = 0; count < S_BATCH; count++) {
        if (zlist_size (self->sendq) >= S_SENDQ_MAX)
            break;
        zmsg_t *msg = zmsg_recv (self->model);
        if (!msg)
            break;              //  nothing more now (zero receive timeout)
        char *verb = zmsg_popstr (msg);
        if (verb && streq (verb, VERB_SEND))
            s_handle_send (self, msg);
        else
            s_log (self, LOG_ERROR, self->local,
                   "unexpected '%s' from the model dropped",
                   verb? verb: "");
        zstr_free (&verb);
        zmsg_destroy (&msg);
    }
}

//  Read a batch of datagrams; each valid one goes to the model as RECV.
static void
s_handle_socket (self_t *self)
{
    for (int count = 0; count < S_BATCH; count++) {
        if (zlist_size (self->to_model) >= S_TO_MODEL_MAX)
            break;
        endpoint_t peer;
        ssize_t size = udp_sock_recv (self->fd, self->buffer,
                                      DTCHAT_UDP_MAX + 1, &peer);
        if (size == -1) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            if (errno == EINTR)
                continue;
            if (errno == ECONNREFUSED || errno == EHOSTUNREACH
            ||  errno == ENETUNREACH) {
                s_log (self, LOG_WARN, self->local, "a peer is down: %s",
                       strerror (errno));
                continue;
            }
            s_log (self, LOG_ERROR, self->local, "receive failed: %s",
                   strerror (errno));
            break;
        }
        char peer_text [DTCHAT_ENDPOINT_MAX];
        endpoint_format (&peer, peer_text, sizeof (peer_text));
        if (size == 0 || size > DTCHAT_UDP_MAX) {
            self->dropped++;
            s_log (self, LOG_ERROR, peer_text,
                   "%s datagram of %zd bytes from %s dropped (%" PRIu64
                   " so far)", size? "oversize": "empty", size, peer_text,
                   self->dropped);
            continue;
        }
        zmsg_t *msg = zmsg_new ();
        zmsg_addstr (msg, VERB_RECV);
        zmsg_addstr (msg, peer_text);
        zmsg_addmem (msg, self->buffer, (size_t) size);
        zlist_append (self->to_model, msg);
    }
    s_flush_to_model (self);
}

//  A pending socket error (an ICMP report): clear it and say so.
static void
s_handle_socket_error (self_t *self)
{
    int error = 0;
    socklen_t size = sizeof (error);
    if (getsockopt (self->fd, SOL_SOCKET, SO_ERROR, &error, &size) == 0
    &&  error)
        s_log (self, LOG_WARN, self->local, "a peer is down: %s",
               strerror (error));
}

//  START: bind the socket. Returns 0 and fills self->local, or -1 with a
//  one-line reason that names the endpoint.
static int
s_start (self_t *self, const char *text, char *reason, size_t size)
{
    if (*self->broken) {
        snprintf (reason, size, "%s", self->broken);
        return -1;
    }
    if (self->fd != -1) {
        snprintf (reason, size, "transport-udp: already bound to %s",
                  self->local);
        return -1;
    }
    endpoint_t local;
    char why [400];
    if (endpoint_parse (&local, text, why, sizeof (why)) == -1) {
        snprintf (reason, size, "bad local endpoint: %s", why);
        return -1;
    }
    if (local.proto != ENDPOINT_UDP) {
        snprintf (reason, size, "'%.*s' is not a udp endpoint",
                  DTCHAT_ENDPOINT_MAX, text);
        return -1;
    }
    endpoint_t bound;
    int fd = udp_sock_bind (&local, &bound, reason, size);
    if (fd == -1)
        return -1;
    self->fd = fd;
    self->family = bound.addr.ss_family;
    endpoint_format (&bound, self->local, sizeof (self->local));
    s_log (self, LOG_INFO, self->local, "listening on %s", self->local);
    return 0;
}

//  Handle one command from the creator.
static void
s_handle_pipe (self_t *self)
{
    zmsg_t *msg = zmsg_recv (self->pipe);
    if (!msg) {
        self->terminated = true;        //  interrupted
        return;
    }
    char *verb = zmsg_popstr (msg);
    if (verb && streq (verb, VERB_TERM))
        self->terminated = true;
    else
    if (verb && streq (verb, VERB_START)) {
        char *text = zmsg_popstr (msg);
        char reason [512];
        if (s_start (self, text? text: "", reason, sizeof (reason)) == 0)
            zsock_send (self->pipe, "is", 0, self->local);
        else {
            s_log (self, LOG_ERROR, text, "%s", reason);
            zsock_send (self->pipe, "is", -1, reason);
        }
        zstr_free (&text);
    }
    else
        //  Only our own code talks on this pipe
        assert (false);
    zstr_free (&verb);
    zmsg_destroy (&msg);
}

//  The actor: see transport.h. zpoller cannot watch a raw fd, so the
//  loop polls the pipe, the model and the socket with zmq_poll, asking
//  only for the events it can act on now.
void
transport_udp_actor (zsock_t *pipe, void *args)
{
    self_t *self = s_self_new (pipe, (transport_args_t *) args);
    zsock_signal (pipe, self? 0: -1);
    while (self && !self->terminated) {
        zmq_pollitem_t items [3] = {
            { zsock_resolve (pipe), 0, ZMQ_POLLIN, 0 }
        };
        int count = 1, model_at = -1, socket_at = -1;
        if (self->model) {
            short events = 0;
            if (zlist_size (self->sendq) < S_SENDQ_MAX)
                events |= ZMQ_POLLIN;
            if (zlist_size (self->to_model))
                events |= ZMQ_POLLOUT;
            if (events) {
                model_at = count;
                items [count++] = (zmq_pollitem_t) {
                    zsock_resolve (self->model), 0, events, 0 };
            }
        }
        if (self->fd != -1) {
            short events = 0;
            if (zlist_size (self->to_model) < S_TO_MODEL_MAX)
                events |= ZMQ_POLLIN;
            if (zlist_size (self->sendq))
                events |= ZMQ_POLLOUT;
            if (events) {
                socket_at = count;
                items [count++] = (zmq_pollitem_t) {
                    NULL, self->fd, events, 0 };
            }
        }
        if (zmq_poll (items, count, -1) == -1) {
            if (errno == EINTR)
                continue;
            break;                      //  the context is ending
        }
        if (items [0].revents & ZMQ_POLLIN)
            s_handle_pipe (self);
        if (self->terminated)
            break;
        if (model_at != -1) {
            if (items [model_at].revents & ZMQ_POLLOUT)
                s_flush_to_model (self);
            if (items [model_at].revents & ZMQ_POLLIN)
                s_handle_model (self);
        }
        if (socket_at != -1) {
            short revents = items [socket_at].revents;
            if (revents & ZMQ_POLLERR)
                s_handle_socket_error (self);
            if (revents & ZMQ_POLLOUT)
                s_flush_sendq (self);
            if (revents & ZMQ_POLLIN)
                s_handle_socket (self);
        }
    }
    s_self_destroy (&self);
}
