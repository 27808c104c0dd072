/*  node.c: one whole dtchat peer (bus, transports, chat-model, tracker).

    dtchat's main, the demo, dtchat-bench and the tests build peers with
    node_new: it starts the event bus, one transport per local endpoint,
    the chat-model and the ack-tracker, in that order, waits for each START
    reply and tears down what it started, in reverse, if any of them
    fails. Every inproc endpoint carries the node's address, so several
    peers live side by side in one process. The node keeps every args
    struct (and the strings they point to) alive until its actors are gone,
    because actors borrow their args. The store path goes to the
    chat-model, which alone opens it; with a store and no sender id, the
    model's START reply tells the id it found there.
*/
#include "node.h"
#include "event_bus.h"
#include "transport.h"
#include "chat_model.h"
#include "ack_tracker.h"
#include "chat_msg.h"

//  How long an actor may take to answer START before we give up on it.
#define S_START_TIMEOUT_MS  10000

struct _node_t {
    //  a fresh random tag: inproc names must not repeat when a new node
    //  lands at a freed node's address (libzmq frees names lazily)
    char tag [33];
    //  inproc endpoints, unique to this node
    char *frontend;                 //  bus XSUB: actors' PUBs connect
    char *backend;                  //  bus XPUB: SUBs connect
    //  the one in-process observer (the ui) binds a SUB at EVENTS ("@"
    //  and the inproc name) and every actor's PUB connects there too:
    //  PUBLISH is "FRONTEND,inproc-name", the actors' bus endpoint
    char *events;
    char *publish;
    char *ui_endpoint;              //  chat-model's ui PAIR
    char *tracker_endpoint;         //  chat-model's tracker PAIR
    char *transport_endpoint [4];   //  chat-model's transport PAIRs
    //  what we learnt and chose
    char *external;                 //  bus endpoint for others, or ""
    char *local [4];                //  bound endpoint per protocol
    char *remote;                   //  default destination (node_start)
    char *sender;                   //  our peer id
    char *room;                     //  default room
    char *bp_agent;                 //  copied from the config
    char *db_path;                  //  copied, or NULL
    char *order;                    //  copied, or NULL
    char **bp_routes;               //  copied, NULL-terminated
    int64_t lifetime_ms;
    int64_t retry_initial_ms;
    int64_t retry_cap_ms;
    size_t max_message;
    //  the actors and the args they borrow
    zactor_t *bus;
    zactor_t *transport [4];
    transport_args_t transport_args [4];
    zactor_t *model;
    chat_model_args_t model_args;
    zactor_t *tracker;
    ack_tracker_args_t tracker_args;
};

//  Write a one-line reason, if the caller gave room for it.
static void
s_reason (char *reason, size_t reason_size, const char *format, ...)
{
    if (!reason || reason_size == 0)
        return;
    va_list args;
    va_start (args, format);
    vsnprintf (reason, reason_size, format, args);
    va_end (args);
}

//  Copy a NULL-terminated string array (NULL stays NULL).
static char **
s_strv_dup (const char **strv)
{
    if (!strv)
        return NULL;
    size_t count = 0;
    while (strv [count])
        count++;
    char **copy = (char **) calloc (count + 1, sizeof (char *));
    if (!copy)
        return NULL;
    for (size_t index = 0; index < count; index++) {
        copy [index] = strdup (strv [index]);
        if (!copy [index]) {
            while (index > 0)
                free (copy [--index]);
            free (copy);
            return NULL;
        }
    }
    return copy;
}

//  Free a string array from s_strv_dup.
static void
s_strv_free (char ***strv_p)
{
    char **strv = *strv_p;
    if (!strv)
        return;
    for (size_t index = 0; strv [index]; index++)
        free (strv [index]);
    free (strv);
    *strv_p = NULL;
}

//  Wait, bounded, for ACTOR's "is" reply to START. Returns 0 and the
//  detail in *DETAIL_P (caller frees; may be NULL), or -1 with a reason.
static int
s_await_start (zactor_t *actor, const char *what, char **detail_p,
               char *reason, size_t reason_size)
{
    zpoller_t *poller = zpoller_new (actor, NULL);
    void *which = poller? zpoller_wait (poller, S_START_TIMEOUT_MS): NULL;
    zpoller_destroy (&poller);
    if (!which) {
        s_reason (reason, reason_size, "%s did not answer START", what);
        return -1;
    }
    int status = -1;
    char *detail = NULL;
    if (zsock_recv (actor, "is", &status, &detail) == -1) {
        s_reason (reason, reason_size, "%s: no START reply", what);
        return -1;
    }
    if (status != 0) {
        s_reason (reason, reason_size, "%s",
                  detail && *detail? detail: "failed to start");
        zstr_free (&detail);
        return -1;
    }
    if (detail_p)
        *detail_p = detail;
    else
        zstr_free (&detail);
    return 0;
}

//  Make "inproc://dtchat-<tag>-NAME" for this node.
static char *
s_inproc (node_t *self, const char *name)
{
    return zsys_sprintf ("inproc://dtchat-%s-%s", self->tag, name);
}

//  Start the event bus with its three endpoints.
static int
s_start_bus (node_t *self, const char *external,
             char *reason, size_t reason_size)
{
    char *path = NULL;
    if (!external) {
        path = event_bus_default_endpoint ((int) getpid (),
                                           reason, reason_size);
        if (!path)
            return -1;
        external = path;
    }
    self->bus = zactor_new (event_bus_actor, NULL);
    if (!self->bus) {
        s_reason (reason, reason_size, "cannot start the event bus");
        zstr_free (&path);
        return -1;
    }
    zsock_send (self->bus, "ssss", VERB_START, self->frontend,
                self->backend, external);
    zstr_free (&path);
    return s_await_start (self->bus, "event bus", &self->external,
                          reason, reason_size);
}

//  Start the transport for the local endpoint TEXT (already parsed).
static int
s_start_transport (node_t *self, endpoint_proto_t proto, const char *text,
                   char *reason, size_t reason_size)
{
    zactor_fn *actor_fn = proto == ENDPOINT_UDP? transport_udp_actor:
                          proto == ENDPOINT_TCP? transport_tcp_actor:
                                                 transport_bp_actor;
    transport_args_t *args = &self->transport_args [proto];
    args->model_endpoint = self->transport_endpoint [proto];
    args->bus_endpoint = self->publish;
    args->max_message = self->max_message;
    args->bp_agent = self->bp_agent;
    args->bp_routes = (const char **) self->bp_routes;
    self->transport [proto] = zactor_new (actor_fn, args);
    if (!self->transport [proto]) {
        s_reason (reason, reason_size, "cannot start the %s transport",
                  endpoint_proto_name (proto));
        return -1;
    }
    zsock_send (self->transport [proto], "ss", VERB_START, text);
    char what [32];
    snprintf (what, sizeof what, "%s transport", endpoint_proto_name (proto));
    return s_await_start (self->transport [proto], what,
                          &self->local [proto], reason, reason_size);
}

//  Parse and start every local endpoint: at least one, one per protocol.
static int
s_start_transports (node_t *self, const char **locals,
                    char *reason, size_t reason_size)
{
    endpoint_t parsed [4];
    const char *texts [4] = { NULL, NULL, NULL, NULL };
    char why [DTCHAT_ENDPOINT_MAX + 128];
    for (size_t index = 0; locals && locals [index]; index++) {
        endpoint_t endpoint;
        if (endpoint_parse (&endpoint, locals [index], why, sizeof why)) {
            s_reason (reason, reason_size, "local endpoint: %s", why);
            return -1;
        }
        if (texts [endpoint.proto]) {
            s_reason (reason, reason_size,
                      "two local %s endpoints: '%s' and '%s'",
                      endpoint_proto_name (endpoint.proto),
                      texts [endpoint.proto], locals [index]);
            return -1;
        }
        assert (endpoint.proto >= ENDPOINT_UDP
            &&  endpoint.proto <= ENDPOINT_BP);
        texts [endpoint.proto] = locals [index];
        parsed [endpoint.proto] = endpoint;
    }
    bool any = false;
    for (int proto = ENDPOINT_UDP; proto <= ENDPOINT_BP; proto++) {
        if (!texts [proto])
            continue;
        any = true;
        self->transport_endpoint [proto] =
            s_inproc (self, endpoint_proto_name ((endpoint_proto_t) proto));
        if (!self->transport_endpoint [proto]
        ||  s_start_transport (self, parsed [proto].proto, texts [proto],
                               reason, reason_size))
            return -1;
    }
    if (!any) {
        s_reason (reason, reason_size, "no local endpoint");
        return -1;
    }
    return 0;
}

//  Copy CONFIG's BP routes. A BP remote with a via ("bp ipn:2.1 via
//  mtcp:H:P") also routes its EID, first, so that our acks reach it even
//  before we sent it anything; a --bp-route for the same EID, later,
//  replaces it.
static int
s_copy_routes (node_t *self, const node_config_t *config)
{
    endpoint_t remote;
    char *route = NULL;
    if (config->remote
    &&  endpoint_parse (&remote, config->remote, NULL, 0) == 0
    &&  remote.proto == ENDPOINT_BP && *remote.via) {
        route = zsys_sprintf ("%s %s", remote.eid, remote.via);
        if (!route)
            return -1;
    }
    size_t count = 0;
    while (config->bp_routes && config->bp_routes [count])
        count++;
    if (!route && !config->bp_routes)
        return 0;
    const char **routes = (const char **) calloc (count + 2,
                                                  sizeof (char *));
    if (routes) {
        size_t index = 0;
        if (route)
            routes [index++] = route;
        for (size_t from = 0; from < count; from++)
            routes [index++] = config->bp_routes [from];
        self->bp_routes = s_strv_dup (routes);
        free (routes);
    }
    zstr_free (&route);
    return self->bp_routes? 0: -1;
}

//  Copy the scalar settings of CONFIG, with their defaults.
static int
s_copy_config (node_t *self, const node_config_t *config)
{
    //  With a store, a missing sender id is the store's (known at START)
    char uuid [37];
    if (!config->sender_uuid)
        chat_msg_uuid_new (uuid);
    if (config->sender_uuid || !config->db_path)
        self->sender = strdup (config->sender_uuid? config->sender_uuid
                                                  : uuid);
    self->room = strdup (config->room? config->room: "room");
    self->lifetime_ms = config->lifetime_ms > 0?
                        config->lifetime_ms: DTCHAT_LIFETIME_DEFAULT_MS;
    self->max_message = config->max_message > 0?
                        config->max_message: DTCHAT_MAX_MESSAGE_DEFAULT;
    self->retry_initial_ms = config->retry_initial_ms;
    self->retry_cap_ms = config->retry_cap_ms;
    if (config->bp_agent)
        self->bp_agent = strdup (config->bp_agent);
    if (config->db_path)
        self->db_path = strdup (config->db_path);
    if (config->order)
        self->order = strdup (config->order);
    if ((!self->sender && !config->db_path) || !self->room
    ||  (config->db_path && !self->db_path)
    ||  (config->order && !self->order)
    ||  (config->bp_agent && !self->bp_agent)
    ||  s_copy_routes (self, config))
        return -1;
    return 0;
}

//  Start the bus and the transports of a peer: see node.h.
node_t *
node_bind (const node_config_t *config, char *reason, size_t reason_size)
{
    assert (config);
    node_t *self = (node_t *) calloc (1, sizeof (node_t));
    if (!self) {
        s_reason (reason, reason_size, "out of memory");
        return NULL;
    }
    zuuid_t *tag = zuuid_new ();
    if (tag) {
        snprintf (self->tag, sizeof self->tag, "%s", zuuid_str (tag));
        zuuid_destroy (&tag);
    }
    self->frontend = s_inproc (self, "bus-in");
    self->backend = s_inproc (self, "bus-out");
    char *events = s_inproc (self, "events");
    if (events) {
        self->events = zsys_sprintf ("@%s", events);
        if (self->frontend)
            self->publish = zsys_sprintf ("%s,%s", self->frontend, events);
        zstr_free (&events);
    }
    self->ui_endpoint = s_inproc (self, "ui");
    self->tracker_endpoint = s_inproc (self, "tracker");
    if (!self->frontend || !self->backend || !self->ui_endpoint
    ||  !self->events || !self->publish
    ||  !self->tracker_endpoint || s_copy_config (self, config)) {
        s_reason (reason, reason_size, "out of memory");
        node_destroy (&self);
        return NULL;
    }
    if (s_start_bus (self, config->bus_external, reason, reason_size)
    ||  s_start_transports (self, config->locals, reason, reason_size)) {
        node_destroy (&self);
        return NULL;
    }
    return self;
}

//  Start the chat-model and the ack-tracker: see node.h.
int
node_start (node_t *self, const char *remote, char *reason,
            size_t reason_size)
{
    assert (self);
    if (self->model) {
        s_reason (reason, reason_size, "node already started");
        return -1;
    }
    endpoint_t endpoint;
    char why [DTCHAT_ENDPOINT_MAX + 128];
    if (!remote) {
        s_reason (reason, reason_size, "no remote endpoint");
        return -1;
    }
    if (endpoint_parse (&endpoint, remote, why, sizeof why)) {
        s_reason (reason, reason_size, "remote endpoint: %s", why);
        return -1;
    }
    if (!self->transport [endpoint.proto]) {
        s_reason (reason, reason_size,
                  "remote '%s' needs a local %s endpoint", remote,
                  endpoint_proto_name (endpoint.proto));
        return -1;
    }
    zstr_free (&self->remote);
    self->remote = strdup (remote);
    if (!self->remote) {
        s_reason (reason, reason_size, "out of memory");
        return -1;
    }
    chat_model_args_t *args = &self->model_args;
    args->ui_endpoint = self->ui_endpoint;
    args->tracker_endpoint = self->tracker_endpoint;
    for (int proto = 0; proto < 4; proto++) {
        args->transport_endpoint [proto] = self->transport_endpoint [proto];
        args->local [proto] = self->local [proto];
    }
    args->bus_endpoint = self->publish;
    args->sender_uuid = self->sender;
    args->room = self->room;
    args->remote = self->remote;
    args->lifetime_ms = self->lifetime_ms;
    args->db_path = self->db_path;
    args->order = self->order;
    self->model = zactor_new (chat_model_actor, args);
    if (!self->model) {
        s_reason (reason, reason_size, "cannot start the chat-model");
        return -1;
    }
    zsock_send (self->model, "s", VERB_START);
    char *detail = NULL;
    if (s_await_start (self->model, "chat-model", &detail,
                       reason, reason_size)) {
        zactor_destroy (&self->model);
        return -1;
    }
    //  No sender id given: the model replied with the store's
    if (!self->sender && detail && *detail)
        self->sender = detail;
    else
        zstr_free (&detail);
    if (!self->sender) {
        s_reason (reason, reason_size, "chat-model: no sender id");
        zactor_destroy (&self->model);
        return -1;
    }
    ack_tracker_args_t *tracker_args = &self->tracker_args;
    tracker_args->model_endpoint = self->tracker_endpoint;
    tracker_args->bus_endpoint = self->publish;
    tracker_args->initial_ms = self->retry_initial_ms;
    tracker_args->cap_ms = self->retry_cap_ms;
    self->tracker = zactor_new (ack_tracker_actor, tracker_args);
    if (!self->tracker) {
        s_reason (reason, reason_size, "cannot start the ack-tracker");
        zactor_destroy (&self->model);
        return -1;
    }
    zsock_send (self->tracker, "s", VERB_START);
    if (s_await_start (self->tracker, "ack-tracker", NULL,
                       reason, reason_size)) {
        zactor_destroy (&self->tracker);
        zactor_destroy (&self->model);
        return -1;
    }
    return 0;
}

//  Start a whole peer: see node.h.
node_t *
node_new (const node_config_t *config, char *reason, size_t reason_size)
{
    node_t *self = node_bind (config, reason, reason_size);
    if (self && node_start (self, config->remote, reason, reason_size))
        node_destroy (&self);
    return self;
}

//  Stop every actor in reverse order, then free. Idempotent.
void
node_destroy (node_t **self_p)
{
    assert (self_p);
    node_t *self = *self_p;
    if (!self)
        return;
    //  The model first: it sends to the tracker and the transports with
    //  blocking sends, so they must still be there to take them
    zactor_destroy (&self->model);
    zactor_destroy (&self->tracker);
    for (int proto = 3; proto >= 0; proto--)
        zactor_destroy (&self->transport [proto]);
    zactor_destroy (&self->bus);
    for (int proto = 0; proto < 4; proto++) {
        zstr_free (&self->transport_endpoint [proto]);
        zstr_free (&self->local [proto]);
    }
    zstr_free (&self->frontend);
    zstr_free (&self->backend);
    zstr_free (&self->events);
    zstr_free (&self->publish);
    zstr_free (&self->ui_endpoint);
    zstr_free (&self->tracker_endpoint);
    zstr_free (&self->external);
    zstr_free (&self->remote);
    zstr_free (&self->sender);
    zstr_free (&self->room);
    zstr_free (&self->bp_agent);
    zstr_free (&self->db_path);
    zstr_free (&self->order);
    s_strv_free (&self->bp_routes);
    free (self);
    *self_p = NULL;
}

//  inproc endpoint of the chat-model's ui PAIR.
const char *
node_ui_endpoint (node_t *self)
{
    assert (self);
    return self->ui_endpoint;
}

//  inproc endpoint of the bus backend (SUBs connect here).
const char *
node_bus_endpoint (node_t *self)
{
    assert (self);
    return self->backend;
}

//  Where the one in-process observer subscribes; see node.h.
const char *
node_events_endpoint (node_t *self)
{
    assert (self);
    return self->events;
}

//  inproc endpoint of the bus frontend (PUBs connect here).
const char *
node_bus_frontend (node_t *self)
{
    assert (self);
    return self->frontend;
}

//  The external bus endpoint, or "".
const char *
node_bus_external (node_t *self)
{
    assert (self);
    return self->external? self->external: "";
}

//  Our bound endpoint for PROTO, or NULL.
const char *
node_local (node_t *self, endpoint_proto_t proto)
{
    assert (self);
    if (proto < ENDPOINT_UDP || proto > ENDPOINT_BP)
        return NULL;
    return self->local [proto];
}

//  The default remote (NULL before node_start).
const char *
node_remote (node_t *self)
{
    assert (self);
    return self->remote;
}

//  Our sender id.
const char *
node_sender (node_t *self)
{
    assert (self);
    return self->sender;
}
