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
#include "model_pipe.h"
#include "udp_sock.h"
#include "actor_poller.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
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
    char token [MODEL_TOKEN_MAX + 1];
    endpoint_t peer;
    char peer_text [DTCHAT_ENDPOINT_MAX];
    zmq_msg_t data;
} s_outgoing_t;

//  The last endpoint text a SEND named, parsed: a chat goes to one peer,
//  so most SENDs skip the parse and the format.
typedef struct {
    char text [DTCHAT_ENDPOINT_MAX + 1];        //  as the model wrote it
    endpoint_t peer;
    char peer_text [DTCHAT_ENDPOINT_MAX];       //  canonical
} s_dest_t;

//  The last address a datagram came from and its text: most datagrams
//  come from the one peer, and formatting costs a snprintf.
typedef struct {
    struct sockaddr_storage addr;
    socklen_t addrlen;                          //  0: none yet
    char text [DTCHAT_ENDPOINT_MAX];
} s_source_t;

typedef struct {
    zsock_t *pipe;              //  the creator
    model_pipe_t *model;        //  PAIR to the chat-model, or NULL
    zsock_t *pub;               //  "net" events, NULL if no bus
    actor_poller_t *poller;     //  pipe, model, and the socket once bound
    int fd;                     //  the UDP socket, -1 before START
    int family;                 //  its address family
    char local [DTCHAT_ENDPOINT_MAX];
    zlist_t *sendq;             //  s_outgoing_t *, for the socket
    byte *buffer;               //  one datagram, DTCHAT_UDP_MAX + 1
    s_dest_t dest;              //  the last SEND's endpoint
    s_source_t source;          //  the last datagram's sender
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
        zmq_msg_close (&self->data);
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
    self->buffer = (byte *) malloc (DTCHAT_UDP_MAX + 1);
    self->poller = actor_poller_new ();
    if (!self->sendq || !self->buffer || !self->poller
    ||  actor_poller_add (self->poller, pipe)) {
        actor_poller_destroy (&self->poller);
        zlist_destroy (&self->sendq);
        free (self->buffer);
        free (self);
        return NULL;
    }
    zsock_set_rcvtimeo (pipe, 0);       //  read only until it is empty
    self->model = model_pipe_new (args? args->model_endpoint: NULL,
                                  "transport-udp", self->broken,
                                  sizeof (self->broken));
    if (self->model)
        actor_poller_add (self->poller, model_pipe_sock (self->model));
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
        actor_poller_destroy (&self->poller);
        model_pipe_destroy (&self->model);
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
    va_list args;
    va_start (args, format);
    bus_vlog (self->pub, TOPIC_NET, level, endpoint, format, args);
    va_end (args);
}

//  Try to send one datagram of DATA to PEER (named PEER_TEXT): 0 sent, 1
//  try again when writable, -1 failed with a reason.
static int
s_send_one (self_t *self, const endpoint_t *peer, const char *peer_text,
            zmq_msg_t *data, char *reason, size_t size)
{
    bool refused = false;
    int rc = udp_sock_send (self->fd, self->family, peer,
                            zmq_msg_data (data), zmq_msg_size (data),
                            &refused);
    if (rc == -1)
        snprintf (reason, size, "%s: %s", peer_text, strerror (errno));
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
        int rc = s_send_one (self, &item->peer, item->peer_text,
                             &item->data, reason, sizeof (reason));
        if (rc == 1)
            break;
        zlist_pop (self->sendq);
        model_pipe_reply (self->model, rc == 0? VERB_SENT: VERB_FAILED,
                          item->token, rc == 0? NULL: reason);
        s_outgoing_destroy (&item);
    }
}

//  The parsed endpoint of a SEND: the last one again, or parsed now.
//  NULL with a reason if it is not a udp endpoint.
static s_dest_t *
s_dest (self_t *self, const char *text, char *reason, size_t size)
{
    s_dest_t *dest = &self->dest;
    if (*dest->text && streq (dest->text, text))
        return dest;
    *dest->text = '\0';
    if (endpoint_parse_for (&dest->peer, text, ENDPOINT_UDP, "endpoint",
                            reason, size) == -1)
        return NULL;
    endpoint_format (&dest->peer, dest->peer_text, sizeof (dest->peer_text));
    snprintf (dest->text, sizeof (dest->text), "%s", text);
    return dest;
}

//  SEND: check it, then send it now or queue it behind the others.
static void
s_handle_send (self_t *self, model_send_t *send)
{
    char reason [DTCHAT_ENDPOINT_MAX + 256] = "";
    size_t size = zmq_msg_size (&send->data);
    s_dest_t *dest = NULL;
    if (self->fd == -1)
        snprintf (reason, sizeof (reason), "transport-udp: not started");
    else
    if (size == 0)
        snprintf (reason, sizeof (reason), "empty message");
    else
    if (size > DTCHAT_UDP_MAX)
        snprintf (reason, sizeof (reason),
                  "message of %zu bytes is over the UDP limit of %d",
                  size, DTCHAT_UDP_MAX);
    if (*reason
    ||  !(dest = s_dest (self, send->endpoint, reason, sizeof (reason)))) {
        model_pipe_reply (self->model, VERB_FAILED, send->token, reason);
        return;
    }
    //  Behind a queue: wait in line, order is kept
    int rc = zlist_size (self->sendq)? 1
           : s_send_one (self, &dest->peer, dest->peer_text, &send->data,
                         reason, sizeof (reason));
    if (rc != 1) {
        model_pipe_reply (self->model, rc == 0? VERB_SENT: VERB_FAILED,
                          send->token, rc == 0? NULL: reason);
        return;
    }
    s_outgoing_t *item = (s_outgoing_t *) zmalloc (sizeof (s_outgoing_t));
    assert (item);
    item->peer = dest->peer;
    snprintf (item->peer_text, sizeof (item->peer_text), "%s",
              dest->peer_text);
    snprintf (item->token, sizeof (item->token), "%s", send->token);
    zmq_msg_init (&item->data);
    zmq_msg_move (&item->data, &send->data);
    zlist_append (self->sendq, item);
}

//  Read a batch of SENDs from the model: until it has none, the send
//  queue is full (reading resumes when it drains) or the batch is done
//  (the pipe is marked to be read again next round).
static void
s_handle_model (self_t *self)
{
    for (int count = 0; zlist_size (self->sendq) < S_SENDQ_MAX; count++) {
        if (count == S_BATCH) {
            actor_poller_mark (self->poller, model_pipe_sock (self->model));
            break;
        }
        model_send_t send;
        char what [256];
        int rc = model_pipe_next_send (self->model, &send, what,
                                       sizeof (what));
        if (rc == 0) {
            if (zmq_errno () != EAGAIN)
                self->terminated = true;        //  the context is ending
            break;
        }
        if (rc == 1)
            s_handle_send (self, &send);
        else
            s_log (self, LOG_ERROR, self->local, "%s", what);
        model_send_clear (&send);
    }
}

//  The text of PEER, a datagram's sender: the last one's again, or
//  formatted now.
static const char *
s_source_text (self_t *self, const endpoint_t *peer)
{
    s_source_t *source = &self->source;
    if (source->addrlen != peer->addrlen
    ||  memcmp (&source->addr, &peer->addr, peer->addrlen)) {
        endpoint_format (peer, source->text, sizeof (source->text));
        memcpy (&source->addr, &peer->addr, peer->addrlen);
        source->addrlen = peer->addrlen;
    }
    return source->text;
}

//  Read a batch of datagrams; each valid one goes to the model as RECV.
static void
s_handle_socket (self_t *self)
{
    for (int count = 0; count < S_BATCH; count++) {
        if (model_pipe_queued (self->model) >= S_TO_MODEL_MAX)
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
        const char *peer_text = s_source_text (self, &peer);
        if (size == 0 || size > DTCHAT_UDP_MAX) {
            self->dropped++;
            s_log (self, LOG_ERROR, peer_text,
                   "%s datagram of %zd bytes from %s dropped (%" PRIu64
                   " so far)", size? "oversize": "empty", size, peer_text,
                   self->dropped);
            continue;
        }
        model_pipe_deliver (self->model, peer_text, self->buffer,
                            (size_t) size);
    }
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
    if (endpoint_parse_for (&local, text, ENDPOINT_UDP, "local endpoint",
                            reason, size) == -1)
        return -1;
    endpoint_t bound;
    int fd = udp_sock_bind (&local, &bound, reason, size);
    if (fd == -1)
        return -1;
    self->fd = fd;
    actor_poller_add_fd (self->poller, fd, POLLIN);
    self->family = bound.addr.ss_family;
    endpoint_format (&bound, self->local, sizeof (self->local));
    s_log (self, LOG_INFO, self->local, "listening on %s", self->local);
    return 0;
}

//  A command from the creator ($TERM is actor_poller's).
static void
s_command (void *arg, const char *verb, zmsg_t *msg)
{
    self_t *self = (self_t *) arg;
    //  Only our own code talks on this pipe
    assert (streq (verb, VERB_START));
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

//  Hand the model what we owe it. Sending on its PAIR may take the
//  PAIR's wake-up signal (see actor_poller.h): then it is marked.
static void
s_flush_model (self_t *self)
{
    if (self->model && model_pipe_flush (self->model))
        actor_poller_mark (self->poller, model_pipe_sock (self->model));
}

//  The actor: see transport.h. One actor_poller watches the pipe, the
//  model's PAIR and the UDP socket, each only for what we can act on now.
void
transport_udp_actor (zsock_t *pipe, void *args)
{
    self_t *self = s_self_new (pipe, (transport_args_t *) args);
    zsock_signal (pipe, self? 0: -1);
    while (self && !self->terminated) {
        zsock_t *model = self->model? model_pipe_sock (self->model): NULL;
        if (model)
            actor_poller_watch (self->poller, model,
                                zlist_size (self->sendq) < S_SENDQ_MAX
                                || model_pipe_queued (self->model));
        if (self->fd != -1)
            actor_poller_set_fd (self->poller, self->fd, (short)
                ((model_pipe_queued (self->model) < S_TO_MODEL_MAX?
                  POLLIN: 0) | (zlist_size (self->sendq)? POLLOUT: 0)));
        if (actor_poller_wait (self->poller, -1) == -1)
            break;                      //  cannot poll: nothing works
        if (actor_poller_ready (self->poller, pipe))
            self->terminated = actor_poller_commands (self->poller, pipe,
                                                      s_command, self);
        if (self->terminated)
            break;
        if (self->fd != -1) {
            short revents = actor_poller_fd_events (self->poller, self->fd);
            if (revents & POLLERR)
                s_handle_socket_error (self);
            if (revents & POLLOUT)
                s_flush_sendq (self);
            if (revents & POLLIN)
                s_handle_socket (self);
        }
        if (model && actor_poller_ready (self->poller, model)) {
            s_flush_model (self);
            s_handle_model (self);
        }
        //  Replies and datagrams of this round go to the model now
        s_flush_model (self);
    }
    s_self_destroy (&self);
}
