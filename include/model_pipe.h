/*  model_pipe.h: a socket transport's end of the chat-model's PAIR.

    transport-udp and transport-tcp each connect one (the model binds).
    SENDs are taken without waiting; what a transport owes the model
    (SENT, FAILED, RECV) goes straight to the PAIR while it takes it, and
    is queued here only when it refuses (the model is behind), handed
    over as fast as the model reads, so a slow model never blocks a
    socket loop and the two ends of the PAIR can never wait for each
    other. Nothing queued is dropped: the transport stops reading its
    sockets while model_pipe_queued is high, and the PAIR's wake-up tells
    it when the model has read (see actor_poller.h). (transport-bp sends
    straight to a PAIR with no high-water mark instead; see
    transport_bp.c.)

    The hot path makes no CZMQ message objects: frames are received into
    and sent from zmq_msg_t parts, exactly the frames of dtchat_verbs.h.
*/
#ifndef MODEL_PIPE_H_INCLUDED
#define MODEL_PIPE_H_INCLUDED

#include "dtchat.h"

//  The longest token a SEND may carry, bytes (the model's are ~41).
#define MODEL_TOKEN_MAX     127

typedef struct _model_pipe_t model_pipe_t;

//  A SEND from the model, taken apart. The text fields are copies; DATA
//  belongs to the holder, who moves it on (zmq_msg_move) or clears it.
typedef struct {
    char token [MODEL_TOKEN_MAX + 1];
    //  A longer endpoint is cut one byte over DTCHAT_ENDPOINT_MAX - 1:
    //  endpoint_parse refuses it as too long, as it would the whole
    char endpoint [DTCHAT_ENDPOINT_MAX + 1];
    zmq_msg_t data;
} model_send_t;

//  Connect to the model's PAIR at ENDPOINT. NULL with a one-line reason
//  that names OWNER ("transport-udp: no model endpoint", "...: cannot
//  connect to inproc://...") if there is no endpoint or no connection.
model_pipe_t *
    model_pipe_new (const char *endpoint, const char *owner,
                    char *reason, size_t reason_size);

//  Close the PAIR; what is still queued is dropped (we are ending).
//  Idempotent, nulls *self_p.
void
    model_pipe_destroy (model_pipe_t **self_p);

//  The PAIR, for the transport's poll set.
zsock_t *
    model_pipe_sock (model_pipe_t *self);

//  Take the next SEND without waiting. Returns 1 with *SEND filled, 0
//  when nothing is waiting (zmq_errno () then tells EAGAIN from the end
//  of the context), or -1 when the next command was bad: it is dropped,
//  a malformed SEND that carries a token is answered FAILED, and WHAT
//  says what was dropped, for the transport's "net" error event. In
//  every case *SEND is initialised: model_send_clear it afterwards.
int
    model_pipe_next_send (model_pipe_t *self, model_send_t *send,
                          char *what, size_t what_size);

//  Reply VERB TOKEN [REASON]: SENT (none for a quiet token), or FAILED
//  with its reason.
void
    model_pipe_reply (model_pipe_t *self, const char *verb,
                      const char *token, const char *reason);

//  Deliver RECV PEER DATA: the SIZE bytes at DATA are copied.
void
    model_pipe_deliver (model_pipe_t *self, const char *peer,
                        const void *data, size_t size);

//  Hand queued messages to the model, oldest first, while it takes them.
//  True if anything was sent (or tried) on the PAIR since the last
//  flush, here or by a reply or a delivery: a caller that polls the PAIR
//  with actor_poller must then mark it (see actor_poller.h).
bool
    model_pipe_flush (model_pipe_t *self);

//  How many messages wait for the model.
size_t
    model_pipe_queued (model_pipe_t *self);

//  Close the data of a SEND and empty its texts; idempotent.
void
    model_send_clear (model_send_t *send);

#endif
