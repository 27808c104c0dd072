/*  bp_backend.h: the three ways transport-bp reaches a DTN.

    transport_bp.c (the actor) parses START, picks one backend and then
    drives it from its poll loop through this small table of functions:
    native BPv7 over MTCP (bp_native.c, the default), a uD3TN agent over
    AAPv1 (bp_aap.c, --bp-agent aap:...), or the kernel's bp-socket
    (bp_afbp.c, --bp-agent af_bp). Each backend answers every SEND with
    SENT or FAILED on the model pipe and delivers RECV there, through
    bp_model.h (which counts the sends for the actor's poller); it
    publishes "net" events on the bus. The pipe and the bus socket are
    the actor's, lent to the backend. A backend describes the
    descriptors it wants polled as zmq_pollitem_t (socket NULL, fd,
    ZMQ_POLLIN / ZMQ_POLLOUT); the actor polls them with actor_poller and
    reports revents as zmq_poll would (ZMQ_POLLERR for an error or a
    hang-up). The list may change from round to round.
*/
#ifndef BP_BACKEND_H_INCLUDED
#define BP_BACKEND_H_INCLUDED

#include "dtchat.h"
#include "endpoint.h"
#include "bp_model.h"

//  What a backend gets to start with (all borrowed for its lifetime).
typedef struct {
    endpoint_t local;               //  the parsed local endpoint
    const char *agent;              //  --bp-agent, or NULL
    const char **routes;            //  --bp-route texts, NULL-terminated
    size_t max_message;             //  largest payload, bytes
    bp_model_t *model;              //  SENT, FAILED, RECV go here
    zsock_t *pub;                   //  "net" events go here
} bp_config_t;

//  transport-bp's own actor-pipe command (beside START and $TERM):
//  LISTENING  ""  replies "s": the MTCP address native BP listens on
//                 ("mtcp:127.0.0.1:41234", the real port when 0 was
//                 asked for), or "" when it does not listen.
#define VERB_BP_LISTENING   "LISTENING"

typedef struct {
    void *self;
    const char *name;               //  "native", "aap", "af_bp"
    char listening [DTCHAT_ENDPOINT_MAX];   //  see LISTENING
    //  the SEND verb: TOKEN, the remote's endpoint text, the payload
    void (*send) (void *self, const char *token, const char *endpoint,
                  const byte *data, size_t size);
    //  fill up to MAX poll items; return how many
    size_t (*poll_items) (void *self, zmq_pollitem_t *items, size_t max);
    //  handle the items filled by the last poll_items
    void (*handle) (void *self, zmq_pollitem_t *items, size_t count);
    //  ms until tick has work, -1 for none
    int64_t (*timeout) (void *self);
    //  do what is due (called after every poll)
    void (*tick) (void *self);
    void (*destroy) (void **self_p);
} bp_backend_t;

//  Parse TEXT, a SEND's endpoint, which must be a bp one. Returns 0, or
//  -1 with a one-line reason ("...: not a bp endpoint"). Every backend
//  checks its SENDs with this.
int
    bp_backend_remote (endpoint_t *remote, const char *text,
                       char *why, size_t why_size);

//  Start a backend into *BACKEND. Each returns 0 and writes the endpoint
//  text that goes in our messages' source_endpoint ("bp ipn:1.1") into
//  BOUND, or -1 with a one-line reason.
int
    bp_native_start (bp_backend_t *backend, const bp_config_t *config,
                     char *bound, size_t bound_size,
                     char *reason, size_t reason_size);
int
    bp_aap_start (bp_backend_t *backend, const bp_config_t *config,
                  char *bound, size_t bound_size,
                  char *reason, size_t reason_size);
int
    bp_afbp_start (bp_backend_t *backend, const bp_config_t *config,
                   char *bound, size_t bound_size,
                   char *reason, size_t reason_size);

#endif
