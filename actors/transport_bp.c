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
    Sockets need writability as well as readability (non-blocking
    connects, partial writes), which zpoller cannot wait for, so the
    loop builds a zmq_pollitem_t set each turn and polls it with the
    backends' computed timeout. The model pipe never blocks us: its send
    high-water mark is 0, so a busy model cannot deadlock against us.
*/
#include "dtchat.h"
#include "transport.h"
#include "endpoint.h"
#include "bus_event.h"
#include "event_bus.h"
#include "bp_backend.h"

//  Poll items: the actor pipe, the model pipe, then the backend's.
#define S_POLL_MAX      256
//  SENDs handled per wakeup, so sockets are not starved.
#define S_BATCH         64

typedef struct {
    zsock_t *pipe;              //  the creator
    zsock_t *model;             //  PAIR to the chat-model
    zsock_t *pub;               //  "net" events
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
        config.model = self->model;
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
    }
    if (self->started)
        zsock_send (self->pipe, "is", 0, bound);
    else
        zsock_send (self->pipe, "is", -1, reason);
}

//  One command from the creator.
static void
s_self_handle_pipe (self_t *self)
{
    zmsg_t *msg = zmsg_recv (self->pipe);
    if (!msg) {
        self->terminated = true;
        return;
    }
    char *verb = zmsg_popstr (msg);
    if (verb && streq (verb, VERB_TERM))
        self->terminated = true;
    else
    if (verb && streq (verb, VERB_START)) {
        char *text = zmsg_popstr (msg);
        s_start (self, text);
        zstr_free (&text);
    }
    else
    if (verb && streq (verb, VERB_BP_LISTENING))
        zsock_send (self->pipe, "s",
                    self->started? self->backend.listening: "");
    else
        bus_log (self->pub, TOPIC_NET, LOG_ERROR, NULL,
                 "transport-bp: unknown command '%.20s'", verb? verb: "");
    zstr_free (&verb);
    zmsg_destroy (&msg);
}

//  SENDs from the model, a batch at a time.
static void
s_self_handle_model (self_t *self)
{
    for (int count = 0; count < S_BATCH; count++) {
        if (!(zsock_events (self->model) & ZMQ_POLLIN))
            return;
        zmsg_t *msg = zmsg_recv (self->model);
        if (!msg)
            return;
        char *verb = zmsg_popstr (msg);
        char *token = zmsg_popstr (msg);
        char *endpoint = zmsg_popstr (msg);
        zframe_t *data = zmsg_pop (msg);
        if (verb && streq (verb, VERB_SEND) && token && endpoint && data)
            self->backend.send (self->backend.self, token, endpoint,
                                zframe_data (data), zframe_size (data));
        else
            bus_log (self->pub, TOPIC_NET, LOG_ERROR, NULL,
                     "transport-bp: bad message '%.20s' from the model",
                     verb? verb: "");
        zstr_free (&verb);
        zstr_free (&token);
        zstr_free (&endpoint);
        zframe_destroy (&data);
        zmsg_destroy (&msg);
    }
}

//  The actor (see transport.h).
void
transport_bp_actor (zsock_t *pipe, void *args)
{
    self_t *self = s_self_new (pipe, (transport_args_t *) args);
    zsock_signal (pipe, self? 0: -1);
    while (self && !self->terminated) {
        zmq_pollitem_t items [S_POLL_MAX];
        items [0] = (zmq_pollitem_t) { zsock_resolve (pipe), 0,
                                       ZMQ_POLLIN, 0 };
        size_t count = 1, backend_items = 0;
        bool started = self->started;
        long timeout = -1;
        if (started) {
            items [1] = (zmq_pollitem_t) { zsock_resolve (self->model), 0,
                                           ZMQ_POLLIN, 0 };
            backend_items = self->backend.poll_items (self->backend.self,
                                                      items + 2,
                                                      S_POLL_MAX - 2);
            count = 2 + backend_items;
            timeout = (long) self->backend.timeout (self->backend.self);
        }
        if (zmq_poll (items, (int) count, timeout) == -1) {
            if (errno == EINTR)
                continue;
            break;              //  the context is ending
        }
        //  a PUB takes in new subscriptions only when it handles its
        //  commands, which a send does lazily: without this the first
        //  event after a quiet spell may miss a subscriber that is there
        zsock_events (self->pub);
        if (started) {
            self->backend.handle (self->backend.self, items + 2,
                                  backend_items);
            if (items [1].revents & ZMQ_POLLIN)
                s_self_handle_model (self);
            self->backend.tick (self->backend.self);
        }
        if (items [0].revents & ZMQ_POLLIN)
            s_self_handle_pipe (self);
    }
    s_self_destroy (&self);
}
