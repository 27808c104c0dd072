/*  transport_bp.c: the Bundle Protocol transport actor.

    The chat-model talks to it over a PAIR data pipe (SEND in; SENT,
    FAILED, RECV out, see dtchat_verbs.h), like every transport; its
    creator binds it with START "s" (the local endpoint, "bp ipn:1.1" or
    "bp ipn:1.1 via mtcp:127.0.0.1:4556") and gets "is" back: 0 and the
    endpoint our messages name as their source ("bp ipn:1.1", no via:
    acks come back addressed to our EID), or -1 and a one-line error.
    The work is done by one of three backends (bp_backend.h), chosen by
    transport_args_t.bp_agent: native BPv7 over MTCP (NULL), uD3TN over
    AAPv1 ("aap:HOST:PORT", "aap:/path"), or bp-socket ("af_bp").
    LISTENING (bp_backend.h) tells where native BP listens.
    One actor_poller (actor_poller.h), kept for the actor's life, watches
    the actor pipe, the model PAIR (once started) and the descriptors the
    backend lists each round (readable or writable: non-blocking
    connects, partial writes): when the list changes, the descriptors
    that left it are removed from the poller and the new ones added, so
    every connection wakes us; the wait takes the backend's computed
    timeout. Both zmq sockets are read until they have nothing (zero
    receive timeout); what the backends send to the model is counted
    (bp_model.h), and after any round that sent the PAIR is marked, as
    the marking rule asks. The model pipe never blocks us: its send
    high-water mark is 0, so a busy model cannot deadlock against us.
*/
#include "dtchat.h"
#include "transport.h"
#include "endpoint.h"
#include "bus_event.h"
#include "event_bus.h"
#include "bp_backend.h"
#include "actor_poller.h"

#include <limits.h>
#include <poll.h>

//  Descriptors a backend may list (bp_native: a listener with its
//  connections, and its links); the poller holds them all beside the
//  pipe and the model.
#define S_POLL_MAX      256
//  SENDs handled per wakeup, so sockets are not starved.
#define S_BATCH         64
//  The longest SEND token and endpoint we take, bytes.
#define S_TOKEN_MAX     255
//  How often the bus PUB is made to take in new subscriptions, ms.
#define S_PUB_REFRESH_MS 1

typedef struct {
    zsock_t *pipe;              //  the creator
    zsock_t *model;             //  PAIR to the chat-model
    bp_model_t to_model;        //  what the backend sends on it
    zsock_t *pub;               //  "net" events
    int64_t pub_refreshed;      //  mono, when it last took commands
    actor_poller_t *poller;     //  pipe, model once started, fds
    int listed [S_POLL_MAX];    //  last round's fds, as the backend gave
    size_t listed_count;
    int polled [S_POLL_MAX];    //  the fds in the poller, ascending
    size_t polled_count;
    transport_args_t args;      //  borrowed strings, see transport.h
    bp_backend_t backend;       //  valid once started
    bool started;
    char broken [256];          //  why START must fail, else ""
    bool terminated;
} self_t;

//  Create the actor state; a missing neighbour makes START fail later.
static self_t *
s_self_new (zsock_t *pipe, transport_args_t *args)
{
    self_t *self = (self_t *) zmalloc (sizeof (self_t));
    if (!self)
        return NULL;
    self->pipe = pipe;
    if (args)
        self->args = *args;
    if (!args || !args->model_endpoint || !*args->model_endpoint)
        snprintf (self->broken, sizeof self->broken,
                  "transport-bp: no model endpoint");
    else {
        self->model = zsock_new (ZMQ_PAIR);
        if (self->model)
            zsock_set_sndhwm (self->model, 0);
        if (!self->model
        ||  zsock_connect (self->model, "%s", args->model_endpoint) == -1)
            snprintf (self->broken, sizeof self->broken,
                      "transport-bp: cannot connect to %s",
                      args->model_endpoint);
    }
    //  without a bus, events go to a PUB socket nobody listens to
    self->pub = args && args->bus_endpoint
              ? event_bus_publisher (args->bus_endpoint)
              : zsock_new (ZMQ_PUB);
    if (!self->pub && !*self->broken)
        snprintf (self->broken, sizeof self->broken,
                  "transport-bp: cannot connect to the bus");
    if (self->args.max_message == 0)
        self->args.max_message = DTCHAT_MAX_MESSAGE_DEFAULT;
    self->to_model.sock = self->model;
    //  the model is watched from START on; until then SENDs wait
    self->poller = actor_poller_new ();
    if (self->poller)
        actor_poller_set_max (self->poller, 2 + S_POLL_MAX);
    if (!self->poller || actor_poller_add (self->poller, pipe)
    ||  (self->model && actor_poller_add (self->poller, self->model))) {
        actor_poller_destroy (&self->poller);
        zsock_destroy (&self->model);
        zsock_destroy (&self->pub);
        free (self);
        return NULL;
    }
    if (self->model)
        actor_poller_watch (self->poller, self->model, false);
    //  both zmq sockets are read until they have nothing
    zsock_set_rcvtimeo (pipe, 0);
    if (self->model)
        zsock_set_rcvtimeo (self->model, 0);
    return self;
}

//  Close everything and free the state; idempotent.
static void
s_self_destroy (self_t **self_p)
{
    self_t *self = *self_p;
    if (!self)
        return;
    if (self->started)
        self->backend.destroy (&self->backend.self);
    actor_poller_destroy (&self->poller);
    zsock_destroy (&self->model);
    zsock_destroy (&self->pub);
    free (self);
    *self_p = NULL;
}

//  START: parse the local endpoint, start the backend, reply "is".
static void
s_start (self_t *self, const char *text)
{
    char reason [DTCHAT_ENDPOINT_MAX + 256] = "";
    char bound [DTCHAT_ENDPOINT_MAX] = "";
    bp_config_t config;
    memset (&config, 0, sizeof config);
    const char *agent = self->args.bp_agent;
    if (self->started)
        snprintf (reason, sizeof reason, "transport-bp: already started");
    else
    if (*self->broken)
        snprintf (reason, sizeof reason, "%s", self->broken);
    else
    if (!text || endpoint_parse (&config.local, text, reason,
                                 sizeof reason) == -1) {
        if (!text)
            snprintf (reason, sizeof reason, "bp: no local endpoint");
    }
    else
    if (config.local.proto != ENDPOINT_BP)
        snprintf (reason, sizeof reason, "%s: not a bp endpoint", text);
    else {
        config.agent = agent;
        config.routes = self->args.bp_routes;
        config.max_message = self->args.max_message;
        config.model = &self->to_model;
        config.pub = self->pub;
        int rc;
        if (!agent || !*agent)
            rc = bp_native_start (&self->backend, &config, bound,
                                  sizeof bound, reason, sizeof reason);
        else
        if (streq (agent, "af_bp"))
            rc = bp_afbp_start (&self->backend, &config, bound,
                                sizeof bound, reason, sizeof reason);
        else
        if (strncmp (agent, "aap:", 4) == 0)
            rc = bp_aap_start (&self->backend, &config, bound,
                               sizeof bound, reason, sizeof reason);
        else {
            snprintf (reason, sizeof reason, "bp: unknown agent '%.100s' "
                      "(want aap:HOST:PORT, aap:/PATH or af_bp)", agent);
            rc = -1;
        }
        self->started = rc == 0;
        if (self->started)          //  watching marks it: read it now
            actor_poller_watch (self->poller, self->model, true);
    }
    if (self->started)
        zsock_send (self->pipe, "is", 0, bound);
    else
        zsock_send (self->pipe, "is", -1, reason);
}

//  A command from the creator ($TERM is actor_poller's).
static void
s_self_command (void *arg, const char *verb, zmsg_t *msg)
{
    self_t *self = (self_t *) arg;
    if (streq (verb, VERB_START)) {
        char *text = zmsg_popstr (msg);
        s_start (self, text);
        zstr_free (&text);
    }
    else
    if (streq (verb, VERB_BP_LISTENING))
        zsock_send (self->pipe, "s",
                    self->started? self->backend.listening: "");
    else
        bus_log (self->pub, TOPIC_NET, LOG_ERROR, NULL,
                 "transport-bp: unknown command '%.20s'", verb);
}

//  Copy frame PART (at most MAX - 1 bytes) as a string into TEXT.
//  Returns 0, or -1 if it is empty or too long.
static int
s_part_text (zmq_msg_t *part, char *text, size_t max)
{
    size_t size = zmq_msg_size (part);
    if (size == 0 || size >= max)
        return -1;
    memcpy (text, zmq_msg_data (part), size);
    text [size] = 0;
    return 0;
}

//  Take one SEND from the model and hand it to the backend, reading the
//  frames in place (no zmsg_t, no string copies on the heap). Returns
//  false when the model has nothing more for now.
static bool
s_self_take_send (self_t *self)
{
    void *handle = zsock_resolve (self->model);
    zmq_msg_t parts [4];
    int count = 0;
    bool more = true;
    for (; more; count++) {
        zmq_msg_t scratch;
        zmq_msg_t *part = count < 4? &parts [count]: &scratch;
        zmq_msg_init (part);
        if (zmq_msg_recv (part, handle, 0) == -1) {
            zmq_msg_close (part);
            if (count == 0) {
                if (zmq_errno () != EAGAIN)
                    self->terminated = true;    //  the context is ending
                return false;
            }
            break;                  //  only when the context ends
        }
        more = zmq_msg_more (part);
        if (part == &scratch)
            zmq_msg_close (part);
    }
    char token [S_TOKEN_MAX + 1];
    char endpoint [DTCHAT_ENDPOINT_MAX];
    if (count == 4 && zmq_msg_size (&parts [0]) == strlen (VERB_SEND)
    &&  memcmp (zmq_msg_data (&parts [0]), VERB_SEND,
                strlen (VERB_SEND)) == 0
    &&  s_part_text (&parts [1], token, sizeof token) == 0
    &&  s_part_text (&parts [2], endpoint, sizeof endpoint) == 0)
        self->backend.send (self->backend.self, token, endpoint,
                            (const byte *) zmq_msg_data (&parts [3]),
                            zmq_msg_size (&parts [3]));
    else
        bus_log (self->pub, TOPIC_NET, LOG_ERROR, NULL,
                 "transport-bp: bad message (%d frames) from the model",
                 count);
    for (int index = 0; index < count && index < 4; index++)
        zmq_msg_close (&parts [index]);
    return true;
}

//  SENDs from the model, a batch at a time: until it has none, or the
//  batch is done (then it is marked, to be read again next round).
static void
s_self_handle_model (self_t *self)
{
    for (int count = 0; !self->terminated; count++) {
        if (count == S_BATCH) {
            actor_poller_mark (self->poller, self->model);
            break;
        }
        if (!s_self_take_send (self))
            break;
    }
}

//  poll () events for a zmq_pollitem_t's, and back as zmq_poll gives
//  them for a descriptor (anything else than in, out, pri is an error).
static short
s_poll_events (short events)
{
    return (short) ((events & ZMQ_POLLIN? POLLIN: 0)
                  | (events & ZMQ_POLLOUT? POLLOUT: 0));
}

static short
s_zmq_revents (short revents)
{
    return (short) ((revents & POLLIN? ZMQ_POLLIN: 0)
                  | (revents & POLLOUT? ZMQ_POLLOUT: 0)
                  | (revents & ~(POLLIN | POLLOUT | POLLPRI)?
                     ZMQ_POLLERR: 0));
}

//  Order for qsort: descriptors ascending.
static int
s_fd_compare (const void *left, const void *right)
{
    int a = *(const int *) left;
    int b = *(const int *) right;
    return (a > b) - (a < b);
}

//  The backend lists another set of descriptors than last round: remove
//  from the poller those that left (before the adds, so the poller never
//  holds more than its limit) and add the new ones. Both sets are kept
//  sorted, so this costs a sort and two merges, and only when the set
//  changes (a connection comes or goes). A descriptor number that was
//  closed and reused stays: the poller keeps no kernel state for it.
//  Returns 0, or -1 if out of memory.
static int
s_self_resync (self_t *self, zmq_pollitem_t *items, size_t count)
{
    int wanted [S_POLL_MAX];
    for (size_t index = 0; index < count; index++)
        wanted [index] = items [index].fd;
    qsort (wanted, count, sizeof (int), s_fd_compare);
    size_t wanted_count = 0;            //  one item per descriptor
    for (size_t index = 0; index < count; index++)
        if (wanted_count == 0 || wanted [wanted_count - 1] != wanted [index])
            wanted [wanted_count++] = wanted [index];
    size_t other = 0;
    for (size_t index = 0; index < self->polled_count; index++) {
        int fd = self->polled [index];
        while (other < wanted_count && wanted [other] < fd)
            other++;
        if (other == wanted_count || wanted [other] != fd)
            actor_poller_remove_fd (self->poller, fd);
    }
    other = 0;
    for (size_t index = 0; index < wanted_count; index++) {
        int fd = wanted [index];
        while (other < self->polled_count && self->polled [other] < fd)
            other++;
        if ((other == self->polled_count || self->polled [other] != fd)
        &&  actor_poller_add_fd (self->poller, fd, 0))
            return -1;
    }
    memcpy (self->polled, wanted, wanted_count * sizeof (int));
    self->polled_count = wanted_count;
    for (size_t index = 0; index < count; index++)
        self->listed [index] = items [index].fd;
    self->listed_count = count;
    return 0;
}

//  Give the poller this round's descriptors and what each waits for.
//  Most rounds list the same ones as the last (compared in order, no
//  sort). Returns 0, or -1 if out of memory.
static int
s_self_sync (self_t *self, zmq_pollitem_t *items, size_t count)
{
    bool same = count == self->listed_count;
    for (size_t index = 0; same && index < count; index++)
        same = self->listed [index] == items [index].fd;
    if (!same && s_self_resync (self, items, count))
        return -1;
    for (size_t index = 0; index < count; index++)
        actor_poller_set_fd (self->poller, items [index].fd,
                             s_poll_events (items [index].events));
    return 0;
}

//  What the last wait saw on each item.
static void
s_self_revents (self_t *self, zmq_pollitem_t *items, size_t count)
{
    for (size_t index = 0; index < count; index++)
        items [index].revents = s_zmq_revents (
            actor_poller_fd_events (self->poller, items [index].fd));
}

//  A PUB takes in new subscriptions only when it handles its commands,
//  which a send does lazily: without this the first event after a quiet
//  spell may miss a subscriber that is there. Asking costs a poll (), so
//  at most once per S_PUB_REFRESH_MS.
static void
s_self_refresh_pub (self_t *self)
{
    int64_t now = zclock_mono ();
    if (now - self->pub_refreshed >= S_PUB_REFRESH_MS) {
        zsock_events (self->pub);
        self->pub_refreshed = now;
    }
}

//  The actor (see transport.h).
void
transport_bp_actor (zsock_t *pipe, void *args)
{
    self_t *self = s_self_new (pipe, (transport_args_t *) args);
    zsock_signal (pipe, self? 0: -1);
    zmq_pollitem_t items [S_POLL_MAX];
    while (self && !self->terminated) {
        size_t count = 0;
        int64_t timeout = -1;
        bool started = self->started;
        if (started) {
            count = self->backend.poll_items (self->backend.self, items,
                                              S_POLL_MAX);
            for (size_t index = 0; index < count; index++)
                items [index].revents = 0;
            timeout = self->backend.timeout (self->backend.self);
            if (s_self_sync (self, items, count))
                break;          //  out of memory: nothing works
        }
        if (actor_poller_wait (self->poller, timeout > INT_MAX? INT_MAX
                                             : (int) timeout) == -1)
            break;              //  cannot poll: nothing works
        uint64_t sent = self->to_model.sent;
        s_self_refresh_pub (self);
        if (started) {
            s_self_revents (self, items, count);
            self->backend.handle (self->backend.self, items, count);
            if (actor_poller_ready (self->poller, self->model))
                s_self_handle_model (self);
            self->backend.tick (self->backend.self);
        }
        if (actor_poller_ready (self->poller, pipe))
            self->terminated = actor_poller_commands (self->poller, pipe,
                                                      s_self_command, self);
        //  a send may have taken the PAIR's signal
        if (self->to_model.sent != sent && started)
            actor_poller_mark (self->poller, self->model);
    }
    s_self_destroy (&self);
}
