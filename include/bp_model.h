/*  bp_model.h: what the transport-bp backends hand the chat-model.

    transport_bp.c owns the PAIR to the chat-model; its backends
    (bp_native.c with bp_link.c, bp_aap.c, bp_afbp.c) answer SENDs with
    SENT or FAILED and deliver RECV through this, which writes the frames
    straight with zmq_send (no picture to parse, no zmsg_t or zframe_t to
    allocate per message) and counts what it sent: the actor polls the
    PAIR with actor_poller, and a send on a socket may take the signal of
    its descriptor, so after a round in which the count moved the actor
    marks the PAIR (see actor_poller.h). The PAIR has no send high-water
    mark, so a send never blocks.
*/
#ifndef BP_MODEL_H_INCLUDED
#define BP_MODEL_H_INCLUDED

#include "dtchat.h"

typedef struct {
    zsock_t *sock;              //  PAIR to the chat-model (borrowed)
    uint64_t sent;              //  messages handed to it so far
} bp_model_t;

//  SENT TOKEN; nothing for a quiet token (nobody waits for it).
void
    bp_model_sent (bp_model_t *self, const char *token);

//  FAILED TOKEN WHY.
void
    bp_model_failed (bp_model_t *self, const char *token, const char *why);

//  RECV SOURCE DATA (SIZE bytes).
void
    bp_model_recv (bp_model_t *self, const char *source, const byte *data,
                   size_t size);

#endif
