/*  bp_aap.c: transport-bp through a uD3TN agent over AAPv1.

    With --bp-agent aap:HOST:PORT (TCP) or aap:/path (Unix socket),
    uD3TN is the BP node and dtchat is one of its applications: START
    connects, waits for WELCOME (the node's EID), checks that our local
    EID is on that node, and REGISTERs our agent id (the service number
    of an ipn EID, "1" for ipn:1.1; the demux of a dtn EID, "chat" for
    dtn://a.dtn/chat). A NACK, a wrong node or an unreachable agent
    fails START with a clear reason. Then each SEND is a SENDBUNDLE;
    uD3TN answers each, in order, with SENDCONFIRM (= SENT) or NACK
    (= FAILED); RECVBUNDLE is a RECV from its source EID. If the
    connection is lost, every pending SEND gets FAILED, a "net" error is
    published, and the agent is reconnected with backoff (SENDs fail at
    once meanwhile; the ack-tracker retries them). Reads do not line up
    with messages (uD3TN splits its writes), so input is parsed from a
    buffer with aap_parse. Driven by the transport-bp actor through
    bp_backend.h.
*/
#include "bp_backend.h"
#include "bp_routes.h"
#include "bp_stream.h"
#include "aap.h"
#include "bus_event.h"

#include <sys/un.h>

//  Time for connect + WELCOME + REGISTER/ACK.
#define S_HANDSHAKE_MS  5000
//  Reconnect backoff.
#define S_BACKOFF_MIN_MS 200
#define S_BACKOFF_MAX_MS 5000
//  PING after this much silence; give up after as much again.
#define S_PING_MS       30000
//  Bytes waiting to be written to the agent, at most.
#define S_OUT_MAX       (64 * 1024 * 1024)

typedef enum {
    S_DOWN, S_CONNECTING, S_WELCOME, S_REGISTER, S_READY
} s_state_t;

typedef struct {
    bp_config_t config;
    char agent [DTCHAT_ENDPOINT_MAX];       //  "aap:127.0.0.1:4242"
    struct sockaddr_storage addr;
    socklen_t addrlen;
    char eid [DTCHAT_ENDPOINT_MAX];         //  our EID
    char agent_id [DTCHAT_ENDPOINT_MAX];    //  what we REGISTER
    char source [DTCHAT_ENDPOINT_MAX];      //  "bp ipn:1.1"
    bp_stream_t *stream;        //  the connection to the agent
    s_state_t state;
    zlist_t *pending;           //  char * tokens, "" for our PINGs
    int64_t deadline;           //  mono: handshake must end by then
    int64_t retry_at;           //  mono, while S_DOWN
    int64_t backoff;
    int64_t heard;              //  mono: last byte from the agent
    int64_t pinged;             //  mono: our PING waiting for ACK, or 0
    uint64_t failures;          //  failed reconnects in a row
    char error [400];           //  why the handshake failed
    bool fatal;                 //  the agent refused us: do not retry
} s_aap_t;

static void s_lost (s_aap_t *self, const char *why);

//  Destroy the backend state.
static void
s_destroy (void **self_p)
{
    s_aap_t *self = (s_aap_t *) *self_p;
    if (!self)
        return;
    bp_stream_destroy (&self->stream);
    char *token;
    while (self->pending && (token = (char *) zlist_pop (self->pending)))
        free (token);
    zlist_destroy (&self->pending);
    free (self);
    *self_p = NULL;
}

//  Parse "aap:HOST:PORT" or "aap:/path" into the agent's address.
static int
s_parse_agent (s_aap_t *self, const char *agent)
{
    const char *rest = agent + 4;
    snprintf (self->agent, sizeof self->agent, "%s", agent);
    if (*rest == '/' || *rest == '.') {
        struct sockaddr_un *un = (struct sockaddr_un *) &self->addr;
        if (strlen (rest) >= sizeof un->sun_path)
            return -1;
        memset (un, 0, sizeof *un);
        un->sun_family = AF_UNIX;
        memcpy (un->sun_path, rest, strlen (rest));
        self->addrlen = sizeof *un;
        return 0;
    }
    char via [DTCHAT_ENDPOINT_MAX + 8];
    snprintf (via, sizeof via, "mtcp:%s", rest);
    return bp_via_parse (via, &self->addr, &self->addrlen, NULL, 0);
}

//  Queue one message for the agent. Returns 0 or -1 (too much queued).
static int
s_queue (s_aap_t *self, const aap_msg_t *msg)
{
    size_t size;
    byte *data = aap_encode (msg, &size);
    int rc = data? bp_stream_queue (self->stream, data, size): -1;
    free (data);
    return rc;
}

//  Start a non-blocking connect.
static void
s_connect (s_aap_t *self)
{
    self->deadline = zclock_mono () + S_HANDSHAKE_MS;
    int rc = bp_stream_connect (self->stream,
                                (struct sockaddr *) &self->addr,
                                self->addrlen);
    if (rc == 0)
        self->state = S_WELCOME;
    else
    if (rc == 1)
        self->state = S_CONNECTING;
    else {
        snprintf (self->error, sizeof self->error, "cannot reach the "
                  "uD3TN agent at %.120s (%s)", self->agent,
                  strerror (errno));
        s_lost (self, NULL);
    }
}

//  The connection is gone (or never came): FAILED for every pending
//  SEND, an event, and a reconnect later. WHY NULL: a failed attempt.
static void
s_lost (s_aap_t *self, const char *why)
{
    bp_stream_close (self->stream);
    bool was_ready = self->state == S_READY;
    self->state = S_DOWN;
    self->pinged = 0;
    char reason [600];
    snprintf (reason, sizeof reason, "the connection to the bp agent at "
              "%.120s was lost (%.400s)", self->agent, why? why: self->error);
    char *token;
    while ((token = (char *) zlist_pop (self->pending))) {
        if (*token)
            bp_model_failed (self->config.model, token, reason);
        free (token);
    }
    if (was_ready || self->fatal || (why && self->failures == 0))
        bus_log (self->config.pub, TOPIC_NET, LOG_ERROR, self->agent,
                 "bp: lost the uD3TN agent at %s (%s): reconnecting",
                 self->agent, why? why: self->error);
    if (was_ready)
        self->backoff = S_BACKOFF_MIN_MS;
    else
        self->failures++;
    self->retry_at = zclock_mono () + self->backoff;
    self->backoff = self->backoff * 2 > S_BACKOFF_MAX_MS
                  ? S_BACKOFF_MAX_MS: self->backoff * 2;
}

//  WELCOME came: is our EID on this node? Then REGISTER our agent id.
static void
s_welcome (s_aap_t *self, const char *node_eid)
{
    if (!aap_node_owns (node_eid, self->eid)) {
        snprintf (self->error, sizeof self->error, "the uD3TN agent at %.120s "
                  "is node %.100s, which does not own %.100s",
                  self->agent, node_eid, self->eid);
        self->fatal = true;
        s_lost (self, self->error);
        return;
    }
    aap_msg_t msg;
    memset (&msg, 0, sizeof msg);
    msg.type = AAP_REGISTER;
    snprintf (msg.eid, sizeof msg.eid, "%s", self->agent_id);
    s_queue (self, &msg);
    self->state = S_REGISTER;
}

//  A reply to the oldest request: SENDCONFIRM, NACK or ACK.
static void
s_reply (s_aap_t *self, int type)
{
    char *token = (char *) zlist_pop (self->pending);
    if (!token) {
        s_lost (self, "a reply to no request");
        return;
    }
    bool ping = *token == 0;
    if (ping && type == AAP_ACK)
        self->pinged = 0;
    else
    if (!ping && type == AAP_SENDCONFIRM)
        bp_model_sent (self->config.model, token);
    else
    if (!ping && type == AAP_NACK)
        bp_model_failed (self->config.model, token,
                         "the uD3TN agent refused the bundle (NACK)");
    else {
        free (token);
        s_lost (self, "a reply that does not match the request");
        return;
    }
    free (token);
}

//  One message from the agent, in whatever state we are.
static void
s_message (s_aap_t *self, const aap_msg_t *msg)
{
    if (msg->type == AAP_PING) {
        aap_msg_t ack;
        memset (&ack, 0, sizeof ack);
        ack.type = AAP_ACK;
        s_queue (self, &ack);
    }
    else
    if (self->state == S_WELCOME && msg->type == AAP_WELCOME)
        s_welcome (self, msg->eid);
    else
    if (self->state == S_REGISTER && msg->type == AAP_ACK) {
        self->state = S_READY;
        self->failures = 0;
        self->backoff = S_BACKOFF_MIN_MS;
        bus_log (self->config.pub, TOPIC_NET, LOG_INFO, self->agent,
                 "bp %s: registered as agent '%s' with the uD3TN agent "
                 "at %s", self->eid, self->agent_id, self->agent);
    }
    else
    if (self->state == S_REGISTER && msg->type == AAP_NACK) {
        snprintf (self->error, sizeof self->error, "the uD3TN agent at %.120s "
                  "refused to register agent id '%.60s' for %.100s (NACK)",
                  self->agent, self->agent_id, self->eid);
        self->fatal = true;
        s_lost (self, self->error);
    }
    else
    if (self->state == S_READY && msg->type == AAP_RECVBUNDLE) {
        char source [AAP_EID_MAX + 8];
        snprintf (source, sizeof source, "bp %s", msg->eid);
        bp_model_recv (self->config.model, source, msg->payload,
                       msg->payload_size);
    }
    else
    if (self->state == S_READY && msg->type == AAP_RECVBIBE)
        bus_log (self->config.pub, TOPIC_NET, LOG_WARN, self->agent,
                 "bp: a BIBE bundle from %s ignored", msg->eid);
    else
    if (self->state == S_READY
    &&  (msg->type == AAP_SENDCONFIRM || msg->type == AAP_NACK
    ||   msg->type == AAP_ACK))
        s_reply (self, msg->type);
    else {
        char why [64];
        snprintf (why, sizeof why, "unexpected %s from the agent",
                  aap_type_name (msg->type));
        s_lost (self, why);
    }
}

//  Read what the agent sent and handle every whole message in it.
static void
s_read (s_aap_t *self)
{
    char why [128];
    int rc = bp_stream_read (self->stream, why, sizeof why);
    if (rc < 0)
        s_lost (self, why);
    if (rc <= 0)
        return;
    self->heard = zclock_mono ();
    size_t used = 0;
    while (self->state != S_DOWN) {
        size_t size;
        const byte *data = bp_stream_data (self->stream, &size);
        aap_msg_t msg;
        size_t length = 0;
        int got = aap_parse (&msg, data + used, size - used,
                             self->config.max_message, &length,
                             why, sizeof why);
        if (got == 0)
            break;
        if (got < 0) {
            s_lost (self, why);
            return;
        }
        used += length;
        s_message (self, &msg);
    }
    if (self->state != S_DOWN)
        bp_stream_consume (self->stream, used);
}

//  Handle REVENTS on the agent socket.
static void
s_io (s_aap_t *self, short revents)
{
    if (self->state == S_CONNECTING) {
        int error = bp_stream_connected (self->stream);
        if (error) {
            snprintf (self->error, sizeof self->error, "cannot reach the "
                      "uD3TN agent at %.120s (%s)", self->agent,
                      strerror (error));
            s_lost (self, NULL);
        }
        else
            self->state = S_WELCOME;
        return;
    }
    if (revents & (ZMQ_POLLIN | ZMQ_POLLERR))
        s_read (self);
    char why [128];
    if (self->state != S_DOWN && (revents & ZMQ_POLLOUT)
    &&  bp_stream_write (self->stream, why, sizeof why))
        s_lost (self, why);
}

//  SEND: one SENDBUNDLE to the endpoint's EID.
static void
s_send (void *self_v, const char *token, const char *text,
        const byte *data, size_t size)
{
    s_aap_t *self = (s_aap_t *) self_v;
    endpoint_t remote;
    char why [DTCHAT_ENDPOINT_MAX + 128];
    if (bp_backend_remote (&remote, text, why, sizeof why) == 0) {
        if (self->state != S_READY)
            snprintf (why, sizeof why, "the bp agent at %.200s is not "
                      "connected (reconnecting)", self->agent);
        else
        if (size > self->config.max_message)
            snprintf (why, sizeof why, "message over the size limit");
    }
    if (!*why) {
        aap_msg_t msg;
        memset (&msg, 0, sizeof msg);
        msg.type = AAP_SENDBUNDLE;
        snprintf (msg.eid, sizeof msg.eid, "%s", remote.eid);
        msg.payload = data;
        msg.payload_size = size;
        //  The token waits for the agent's answer, in order
        char *copy = strdup (token);
        if (copy && s_queue (self, &msg) == 0) {
            zlist_append (self->pending, copy);
            return;
        }
        free (copy);
        snprintf (why, sizeof why, "too much is waiting for the bp agent");
    }
    bp_model_failed (self->config.model, token, why);
}

//  Poll the agent socket.
static size_t
s_poll_items (void *self_v, zmq_pollitem_t *items, size_t max)
{
    s_aap_t *self = (s_aap_t *) self_v;
    int fd = bp_stream_fd (self->stream);
    if (fd < 0 || max == 0)
        return 0;
    items [0] = (zmq_pollitem_t) {
        NULL, fd, bp_stream_events (self->stream), 0 };
    return 1;
}

//  Handle the poll.
static void
s_handle (void *self_v, zmq_pollitem_t *items, size_t count)
{
    s_aap_t *self = (s_aap_t *) self_v;
    if (count && items [0].revents)
        s_io (self, items [0].revents);
}

//  Ms until a reconnect, a handshake deadline or a PING is due.
static int64_t
s_timeout (void *self_v)
{
    s_aap_t *self = (s_aap_t *) self_v;
    int64_t now = zclock_mono ();
    int64_t due;
    if (self->state == S_DOWN)
        due = self->fatal? -1: self->retry_at;
    else
    if (self->state != S_READY)
        due = self->deadline;
    else
        due = (self->pinged? self->pinged: self->heard) + S_PING_MS;
    return due < 0? -1: due > now? due - now: 0;
}

//  Reconnect, time out a handshake, or check the agent is alive.
static void
s_tick (void *self_v)
{
    s_aap_t *self = (s_aap_t *) self_v;
    int64_t now = zclock_mono ();
    if (self->state == S_DOWN && !self->fatal && now >= self->retry_at)
        s_connect (self);
    else
    if (self->state != S_DOWN && self->state != S_READY
    &&  now >= self->deadline) {
        snprintf (self->error, sizeof self->error, "the uD3TN agent at %.120s "
                  "did not finish the AAP handshake in time", self->agent);
        s_lost (self, self->error);
    }
    else
    if (self->state == S_READY && self->pinged
    &&  now >= self->pinged + S_PING_MS)
        s_lost (self, "the agent stopped answering PING");
    else
    if (self->state == S_READY && !self->pinged
    &&  now >= self->heard + S_PING_MS) {
        aap_msg_t ping;
        memset (&ping, 0, sizeof ping);
        ping.type = AAP_PING;
        char *marker = strdup ("");
        if (marker && s_queue (self, &ping) == 0) {
            zlist_append (self->pending, marker);
            self->pinged = now;
        }
        else
            free (marker);
    }
}

//  Start the AAP backend (see bp_backend.h): connect and register now.
int
bp_aap_start (bp_backend_t *backend, const bp_config_t *config,
              char *bound, size_t bound_size,
              char *reason, size_t reason_size)
{
    s_aap_t *self = (s_aap_t *) calloc (1, sizeof *self);
    if (!self) {
        snprintf (reason, reason_size, "out of memory");
        return -1;
    }
    self->config = *config;
    self->backoff = S_BACKOFF_MIN_MS;
    self->pending = zlist_new ();
    self->stream = bp_stream_new (config->max_message + AAP_EID_MAX + 16,
                                  S_OUT_MAX);
    snprintf (self->eid, sizeof self->eid, "%s", config->local.eid);
    snprintf (self->source, sizeof self->source, "bp %.240s", self->eid);
    if (!self->pending || !self->stream) {
        snprintf (reason, reason_size, "out of memory");
        s_destroy ((void **) &self);
        return -1;
    }
    if (s_parse_agent (self, config->agent)) {
        snprintf (reason, reason_size, "bp: bad agent '%.100s' (want "
                  "aap:HOST:PORT or aap:/PATH)", config->agent);
        s_destroy ((void **) &self);
        return -1;
    }
    //  Without a service number or demux we would REGISTER an empty id
    //  (endpoint_parse already refuses such EIDs; this is the backstop)
    if (aap_agent_id (self->eid, self->agent_id, sizeof self->agent_id)
    ||  !*self->agent_id) {
        snprintf (reason, reason_size, "bp: '%.200s' has no service "
                  "number or demux to register with the agent", self->eid);
        s_destroy ((void **) &self);
        return -1;
    }
    if (*config->local.via)
        bus_log (config->pub, TOPIC_NET, LOG_WARN, self->agent, "bp: the "
                 "agent does the routing: 'via %s' is not used",
                 config->local.via);
    //  the handshake, driven here until it ends one way or the other
    s_connect (self);
    while (self->state != S_DOWN && self->state != S_READY) {
        zmq_pollitem_t item = { NULL, bp_stream_fd (self->stream),
                                bp_stream_events (self->stream), 0 };
        int64_t left = self->deadline - zclock_mono ();
        if (zmq_poll (&item, 1, (long) (left > 0? left: 0)) == -1
        &&  errno != EINTR)
            break;
        if (item.revents)
            s_io (self, item.revents);
        s_tick (self);
    }
    if (self->state != S_READY) {
        snprintf (reason, reason_size, "bp: %s", *self->error
                  ? self->error: "the AAP handshake was interrupted");
        s_destroy ((void **) &self);
        return -1;
    }
    self->heard = zclock_mono ();
    *backend = (bp_backend_t) {
        self, "aap", "", s_send, s_poll_items, s_handle, s_timeout,
        s_tick, s_destroy
    };
    snprintf (bound, bound_size, "%s", self->source);
    return 0;
}
