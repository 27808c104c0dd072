/*  transport_tcp.c: the TCP transport actor, many peers at once.

    The chat-model talks to it over a PAIR data pipe (SEND in; SENT,
    FAILED, RECV out, see dtchat_verbs.h); its creator binds it with
    START (see transport.h). It listens on one socket and keeps every
    connection as a tcp_conn (one state machine each); this file owns the
    poll loop, the listener and one record per destination peer: a
    bounded queue of messages, the persistent framed link to a dtchat, or
    the one-connection-per-message legacy links to a Rust DTChat (which
    sends no greeting; that is remembered for a while). The wire modes
    are in docs/PROTOCOL.md. One actor_poller watches the pipe, the
    model's PAIR, the listener and every connection's socket (one poll ()
    per wakeup, see actor_poller.h), and every timer is a computed poll
    timeout.
*/
#include "dtchat.h"
#include "transport.h"
#include "endpoint.h"
#include "event_bus.h"
#include "tcp_conn.h"
#include "tcp_peers.h"
#include "tcp_sock.h"
#include "actor_poller.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

//  Defaults and bounds (see docs/PROTOCOL.md).
#define S_IDLE_MS           10000   //  no progress: close (idle_timeout_ms)
#define S_CONNECT_MS        5000    //  connect() must finish within this
#define S_GREET_DELAY_MS    50      //  a listener's silence before greeting
#define S_GREET_WAIT_MS     250     //  a client's wait for the greeting
#define S_INBOUND_MAX       256     //  concurrent inbound connections
#define S_TO_MODEL_MAX      256     //  past this, stop reading sockets
#define S_BATCH             64      //  SENDs or accepts per wakeup
#define S_ACCEPT_PAUSE_MS   100     //  out of fds: wait before accepting
#define S_REPORT_MS         1000    //  one flood report per second at most
#define S_SCRATCH           (64 * 1024)

typedef struct {
    zsock_t *pipe;              //  the creator
    tcp_ctx_t ctx;              //  shared by every connection; its model
                                //  pipe is NULL when START must fail
    int listener;               //  -1 before START
    char local [DTCHAT_ENDPOINT_MAX];
    tcp_peers_t *peers;         //  destinations
    char dest_text [DTCHAT_ENDPOINT_MAX + 1];  //  the last SEND's endpoint
    endpoint_t dest;            //  and its parse: most SENDs go there
    tcp_conn_t **conns;         //  every connection
    int *polled;                //  per connection: its fd in the poller,
                                //  -1 when it has none (any more)
    size_t conns_size;
    size_t conns_room;
    size_t inbound;             //  how many of them we accepted
    actor_poller_t *poller;     //  pipe, model, listener, connections
    int64_t accept_after;       //  listener paused until then
    uint64_t refused;           //  over S_INBOUND_MAX, since the report
    int64_t report_after;       //  next flood report not before then
    char broken [256];          //  why START must fail, else ""
    bool terminated;
} self_t;

static void
    s_adopt (void *arg, tcp_conn_t *conn);

//  Create the actor state; a missing neighbour makes START fail later.
static self_t *
s_self_new (zsock_t *pipe, transport_args_t *args)
{
    self_t *self = (self_t *) zmalloc (sizeof (self_t));
    if (!self)
        return NULL;
    self->pipe = pipe;
    self->listener = -1;
    self->ctx.scratch = (byte *) malloc (S_SCRATCH);
    self->ctx.scratch_size = S_SCRATCH;
    self->poller = actor_poller_new ();
    self->peers = tcp_peers_new (&self->ctx, s_adopt, self);
    if (!self->ctx.scratch || !self->peers || !self->poller
    ||  actor_poller_add (self->poller, pipe)) {
        free (self->ctx.scratch);
        tcp_peers_destroy (&self->peers);
        actor_poller_destroy (&self->poller);
        free (self);
        return NULL;
    }
    //  A descriptor per connection: the bounds are S_INBOUND_MAX and
    //  tcp_peers' own, not the poller's
    actor_poller_set_max (self->poller, SIZE_MAX);
    zsock_set_rcvtimeo (pipe, 0);       //  read only until it is empty
    int64_t idle = args && args->idle_timeout_ms > 0?
                   args->idle_timeout_ms: S_IDLE_MS;
    self->ctx.max_message = args && args->max_message?
                            args->max_message: DTCHAT_MAX_MESSAGE_DEFAULT;
    self->ctx.idle_ms = idle;
    self->ctx.connect_ms = S_CONNECT_MS;
    self->ctx.greet_delay_ms = S_GREET_DELAY_MS;
    self->ctx.greet_wait_ms = S_GREET_WAIT_MS;
    //  The client gives up an unused link before the listener does, so
    //  a listener seldom closes a link a message is being written to
    self->ctx.client_idle_ms = 3 * idle;
    self->ctx.server_idle_ms = 6 * idle;
    self->ctx.model = model_pipe_new (args? args->model_endpoint: NULL,
                                      "transport-tcp", self->broken,
                                      sizeof (self->broken));
    if (self->ctx.model)
        actor_poller_add (self->poller, model_pipe_sock (self->ctx.model));
    if (args && args->bus_endpoint)
        self->ctx.pub = event_bus_publisher (args->bus_endpoint);
    return self;
}

//  Close everything and free the state; idempotent.
static void
s_self_destroy (self_t **self_p)
{
    self_t *self = *self_p;
    if (self) {
        for (size_t index = 0; index < self->conns_size; index++)
            tcp_conn_destroy (&self->conns [index]);
        free (self->conns);
        free (self->polled);
        actor_poller_destroy (&self->poller);
        tcp_peers_destroy (&self->peers);
        if (self->listener != -1)
            close (self->listener);
        free (self->ctx.scratch);
        model_pipe_destroy (&self->ctx.model);
        zsock_destroy (&self->ctx.pub);
        free (self);
        *self_p = NULL;
    }
}

//  Add a connection to the poll set. Its descriptor may still be
//  registered for a connection that closed this round and is not reaped
//  yet (the OS reuses the lowest free number): the new one takes that
//  registration over.
static void
s_conn_add (self_t *self, tcp_conn_t *conn)
{
    if (self->conns_size == self->conns_room) {
        size_t room = self->conns_room? self->conns_room * 2: 64;
        self->conns = (tcp_conn_t **) realloc (self->conns,
                                               room * sizeof (tcp_conn_t *));
        self->polled = (int *) realloc (self->polled, room * sizeof (int));
        //  Out of memory for a few pointers: CZMQ itself aborts there
        assert (self->conns && self->polled);
        self->conns_room = room;
    }
    int fd = tcp_conn_fd (conn);
    bool taken = false;
    for (size_t index = 0; index < self->conns_size; index++)
        if (self->polled [index] == fd) {
            assert (tcp_conn_state (self->conns [index]) == TCP_CONN_CLOSED);
            self->polled [index] = -1;
            taken = true;
        }
    //  As for the arrays above: a poller that cannot grow aborts
    int rc = taken? 0: actor_poller_add_fd (self->poller, fd, 0);
    assert (rc == 0);
    self->polled [self->conns_size] = fd;
    self->conns [self->conns_size++] = conn;
    if (!tcp_conn_outbound (conn))
        self->inbound++;
}

//  tcp_peers opened a connection: poll it.
static void
s_adopt (void *arg, tcp_conn_t *conn)
{
    s_conn_add ((self_t *) arg, conn);
}

//  The parsed endpoint TEXT of a SEND: the last one again, or parsed
//  now. NULL with a reason if it is not a tcp endpoint.
static const endpoint_t *
s_dest (self_t *self, const char *text, char *reason, size_t size)
{
    if (*self->dest_text && streq (self->dest_text, text))
        return &self->dest;
    *self->dest_text = '\0';
    if (endpoint_parse_for (&self->dest, text, ENDPOINT_TCP, "endpoint",
                            reason, size) == -1)
        return NULL;
    snprintf (self->dest_text, sizeof (self->dest_text), "%s", text);
    return &self->dest;
}

//  SEND: check it, queue it for its peer, pump.
static void
s_handle_send (self_t *self, model_send_t *send, int64_t now)
{
    char reason [DTCHAT_ENDPOINT_MAX + 300] = "";
    size_t size = zmq_msg_size (&send->data);
    const endpoint_t *addr = NULL;
    if (self->listener == -1)
        snprintf (reason, sizeof (reason), "transport-tcp: not started");
    else
    if (size == 0)
        snprintf (reason, sizeof (reason), "empty message");
    else
    if (size > self->ctx.max_message)
        snprintf (reason, sizeof (reason),
                  "message of %zu bytes is over the limit of %zu",
                  size, self->ctx.max_message);
    if (*reason
    ||  !(addr = s_dest (self, send->endpoint, reason, sizeof (reason)))) {
        model_pipe_reply (self->ctx.model, VERB_FAILED, send->token, reason);
        return;
    }
    //  The token stays ours for a FAILED reply if the peers refuse it
    tcp_out_t *out = tcp_out_new (send->token, &send->data);
    if (!out
    ||  tcp_peers_send (self->peers, addr, &out, now, reason,
                        sizeof (reason)) == -1) {
        model_pipe_reply (self->ctx.model, VERB_FAILED, send->token,
                          out? reason: "out of memory");
        tcp_out_destroy (&out);
    }
}

//  Read a batch of SENDs from the model: until it has none, or the batch
//  is done (the pipe is marked to be read again next round).
static void
s_handle_model (self_t *self, int64_t now)
{
    for (int count = 0; ; count++) {
        if (count == S_BATCH) {
            actor_poller_mark (self->poller,
                               model_pipe_sock (self->ctx.model));
            break;
        }
        model_send_t send;
        char what [256];
        int rc = model_pipe_next_send (self->ctx.model, &send, what,
                                       sizeof (what));
        if (rc == 0) {
            if (zmq_errno () != EAGAIN)
                self->terminated = true;        //  the context is ending
            break;
        }
        if (rc == 1)
            s_handle_send (self, &send, now);
        else
            tcp_ctx_log (&self->ctx, LOG_ERROR, self->local, "%s", what);
        model_send_clear (&send);
    }
}

//  Say how many connections were refused since the last report.
static void
s_report_refused (self_t *self, int64_t now)
{
    if (self->refused && now >= self->report_after) {
        tcp_ctx_log (&self->ctx, LOG_WARN, self->local,
                     "%" PRIu64 " connection%s refused: already %d open",
                     self->refused, self->refused == 1? "": "s",
                     S_INBOUND_MAX);
        self->refused = 0;
        self->report_after = now + S_REPORT_MS;
    }
}

//  Accept a batch of connections; past the limit, accept and close.
static void
s_handle_listener (self_t *self, int64_t now)
{
    for (int count = 0; count < S_BATCH; count++) {
        char peer [DTCHAT_ENDPOINT_MAX];
        int fd = tcp_sock_accept (self->listener, peer, sizeof (peer));
        if (fd == -1) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            //  Out of descriptors or memory: the listener stays readable,
            //  so wait a little instead of spinning
            tcp_ctx_log (&self->ctx, LOG_ERROR, self->local,
                         "accept failed: %s", strerror (errno));
            self->accept_after = now + S_ACCEPT_PAUSE_MS;
            break;
        }
        if (self->inbound >= S_INBOUND_MAX) {
            close (fd);
            self->refused++;
            s_report_refused (self, now);
            continue;
        }
        tcp_conn_t *conn = tcp_conn_accept (&self->ctx, fd, peer, now);
        if (conn)
            s_conn_add (self, conn);
        else
            tcp_ctx_log (&self->ctx, LOG_ERROR, peer,
                         "out of memory for a connection from %s", peer);
    }
}

//  After I/O and timers: update peers, drop closed connections, pump.
static void
s_reap (self_t *self, int64_t now)
{
    size_t index = 0;
    while (index < self->conns_size) {
        tcp_conn_t *conn = self->conns [index];
        if (tcp_conn_outbound (conn))
            tcp_peers_update (self->peers, conn, now);
        if (tcp_conn_state (conn) != TCP_CONN_CLOSED) {
            index++;
            continue;
        }
        if (!tcp_conn_outbound (conn))
            self->inbound--;
        if (self->polled [index] != -1)
            actor_poller_remove_fd (self->poller, self->polled [index]);
        tcp_conn_destroy (&conn);
        self->conns_size--;
        self->conns [index] = self->conns [self->conns_size];
        self->polled [index] = self->polled [self->conns_size];
    }
    tcp_peers_pump (self->peers, now);
}

//  START: bind and listen. Returns 0 and fills self->local, or -1 with a
//  one-line reason that names the endpoint.
static int
s_start (self_t *self, const char *text, char *reason, size_t size)
{
    if (*self->broken) {
        snprintf (reason, size, "%s", self->broken);
        return -1;
    }
    if (self->listener != -1) {
        snprintf (reason, size, "transport-tcp: already bound to %s",
                  self->local);
        return -1;
    }
    endpoint_t local;
    if (endpoint_parse_for (&local, text, ENDPOINT_TCP, "local endpoint",
                            reason, size) == -1)
        return -1;
    int fd = tcp_sock_listen (&local, self->local, sizeof (self->local),
                              reason, size);
    if (fd == -1)
        return -1;
    self->listener = fd;
    actor_poller_add_fd (self->poller, fd, POLLIN);
    tcp_ctx_log (&self->ctx, LOG_INFO, self->local, "listening on %s",
                 self->local);
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
        tcp_ctx_log (&self->ctx, LOG_ERROR, text, "%s", reason);
        zsock_send (self->pipe, "is", -1, reason);
    }
    zstr_free (&text);
}

//  Say what to poll the listener and each connection for now.
static void
s_prepare (self_t *self, int64_t now)
{
    if (self->listener != -1)
        actor_poller_set_fd (self->poller, self->listener,
                             now >= self->accept_after? POLLIN: 0);
    bool may_read = !self->ctx.model
                 || model_pipe_queued (self->ctx.model) < S_TO_MODEL_MAX;
    for (size_t index = 0; index < self->conns_size; index++)
        if (self->polled [index] != -1)
            actor_poller_set_fd (self->poller, self->polled [index],
                tcp_conn_events (self->conns [index], may_read, now));
}

//  Hand the model what we owe it. Sending on its PAIR may take the
//  PAIR's wake-up signal (see actor_poller.h): then it is marked.
static void
s_flush_model (self_t *self)
{
    if (self->ctx.model && model_pipe_flush (self->ctx.model))
        actor_poller_mark (self->poller, model_pipe_sock (self->ctx.model));
}

//  Milliseconds until the next timer (-1: none).
static int
s_timeout (self_t *self, int64_t now)
{
    int64_t next = -1;
    for (size_t index = 0; index < self->conns_size; index++) {
        tcp_conn_t *conn = self->conns [index];
        if (tcp_conn_state (conn) == TCP_CONN_CLOSED)
            return 0;                   //  to reap (and its peer to move)
        int64_t deadline = tcp_conn_deadline (conn);
        if (deadline != -1 && (next == -1 || deadline < next))
            next = deadline;
    }
    if (self->accept_after > now && (next == -1 || self->accept_after < next))
        next = self->accept_after;
    if (self->refused && (next == -1 || self->report_after < next))
        next = self->report_after;
    if (next == -1)
        return -1;
    return next <= now? 0: next - now < INT_MAX? (int) (next - now): INT_MAX;
}

//  The actor: see transport.h and the top of this file.
void
transport_tcp_actor (zsock_t *pipe, void *args)
{
    self_t *self = s_self_new (pipe, (transport_args_t *) args);
    zsock_signal (pipe, self? 0: -1);
    while (self && !self->terminated) {
        int64_t now = zclock_mono ();
        s_prepare (self, now);
        if (actor_poller_wait (self->poller, s_timeout (self, now)) == -1)
            break;                      //  cannot poll: nothing works
        now = zclock_mono ();
        if (actor_poller_ready (self->poller, pipe))
            self->terminated = actor_poller_commands (self->poller, pipe,
                                                      s_command, self);
        if (self->terminated)
            break;
        //  Connections added from here on are polled from the next round
        size_t polled = self->conns_size;
        zsock_t *model = self->ctx.model?
                         model_pipe_sock (self->ctx.model): NULL;
        if (model && actor_poller_ready (self->poller, model)) {
            s_flush_model (self);
            s_handle_model (self, now);
            if (self->terminated)
                break;
        }
        for (size_t index = 0; index < polled; index++) {
            short revents = self->polled [index] == -1? 0:
                actor_poller_fd_events (self->poller, self->polled [index]);
            if (revents)
                tcp_conn_handle (self->conns [index], revents, now);
        }
        for (size_t index = 0; index < self->conns_size; index++) {
            int64_t deadline = tcp_conn_deadline (self->conns [index]);
            if (deadline != -1 && deadline <= now)
                tcp_conn_expire (self->conns [index], now);
        }
        s_reap (self, now);
        //  After the reaping, so closed connections free their places
        if (self->listener != -1
        &&  actor_poller_fd_events (self->poller, self->listener) & POLLIN)
            s_handle_listener (self, now);
        s_report_refused (self, now);
        //  Replies and messages of this round go to the model now
        s_flush_model (self);
    }
    s_self_destroy (&self);
}
