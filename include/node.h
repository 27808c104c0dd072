/*  node.h: one whole dtchat peer, minus its user interface.

    node_new starts, in order, the event bus, one transport per local
    endpoint, the chat-model and the ack-tracker, each with unique inproc
    endpoints, and checks every START reply. A ui (or a demo bot, a
    benchmark driver, a test) then connects to node_ui_endpoint and
    subscribes to node_events_endpoint (or node_bus_endpoint). dtchat's main, the demo and
    dtchat-bench all build peers this way.
*/
#ifndef NODE_H_INCLUDED
#define NODE_H_INCLUDED

#include "dtchat.h"
#include "endpoint.h"

typedef struct _node_t node_t;

typedef struct {
    //  local endpoints (at most one per protocol), NULL-terminated
    const char **locals;
    const char *remote;             //  default destination endpoint text
    const char *sender_uuid;        //  NULL = a new uuid
    const char *room;               //  NULL = "room"
    int64_t lifetime_ms;            //  0 = DTCHAT_LIFETIME_DEFAULT_MS
    size_t max_message;             //  0 = DTCHAT_MAX_MESSAGE_DEFAULT
    //  bus endpoint for other processes: NULL = the default ipc path,
    //  "" = none (inproc only)
    const char *bus_external;
    const char *bp_agent;           //  see transport_args_t
    const char **bp_routes;
    int64_t retry_initial_ms;       //  0 = ACK_TRACKER_INITIAL_MS
    int64_t retry_cap_ms;           //  0 = ACK_TRACKER_CAP_MS
    //  the chat-model's durable store (see store.h): a file, ":memory:",
    //  or NULL for none. With a store and no sender_uuid, the sender id
    //  is the one kept in the store (node_sender tells it after start).
    const char *db_path;
    const char *order;              //  history order: NULL/"send", "receive"
} node_config_t;

//  Start a peer. NULL with a one-line reason on failure (port in use,
//  bad endpoint, ...): nothing is left running then.
node_t *
    node_new (const node_config_t *config, char *reason, size_t reason_size);

//  Two-phase start, for peers that must learn each other's bound
//  endpoints before either can name its remote (the demo): node_bind
//  starts only the bus and the transports (CONFIG->remote may be NULL),
//  node_start then starts the chat-model and the ack-tracker with REMOTE
//  (NULL = CONFIG->remote). node_new is node_bind + node_start. On a
//  node_start failure (-1 and a reason) destroy the node.
node_t *
    node_bind (const node_config_t *config, char *reason, size_t reason_size);
int
    node_start (node_t *self, const char *remote,
                char *reason, size_t reason_size);

//  Stop every actor, in reverse order. Idempotent.
void
    node_destroy (node_t **self_p);

//  inproc endpoint of the chat-model's ui PAIR (connect to it).
const char *
    node_ui_endpoint (node_t *self);

//  inproc endpoint of the bus backend (connect SUB sockets to it).
const char *
    node_bus_endpoint (node_t *self);

//  Where the node's one in-process observer, the ui, subscribes: pass
//  it to event_bus_subscriber, which binds there ("@inproc://..."). Every
//  actor of the node publishes to it directly as well as to the bus, so
//  the ui's events skip the bus proxy's thread (one wake-up fewer per
//  event); other observers use node_bus_endpoint. Only one socket may
//  subscribe here at a time.
const char *
    node_events_endpoint (node_t *self);

//  inproc endpoint of the bus frontend (connect PUB sockets to it).
const char *
    node_bus_frontend (node_t *self);

//  The bus endpoint other processes use, or "" when there is none.
const char *
    node_bus_external (node_t *self);

//  Our bound endpoint text for PROTO ("udp 127.0.0.1:41234"), or NULL.
const char *
    node_local (node_t *self, endpoint_proto_t proto);

//  The default remote's endpoint text.
const char *
    node_remote (node_t *self);

//  Our sender id (with a store and no sender_uuid: NULL until
//  node_start, then the store's).
const char *
    node_sender (node_t *self);

#endif
