/*  model_pipe.h: a socket transport's end of the chat-model's PAIR.

    transport-udp and transport-tcp each connect one (the model binds).
    SENDs are taken without waiting; what a transport owes the model
    (SENT, FAILED, RECV) is queued here and handed over only as fast as
    the model reads it, so a slow model never blocks a socket loop and
    the two ends of the PAIR can never wait for each other. Nothing
    queued is dropped: the transport stops reading its sockets while
    model_pipe_queued is high, and polls the pipe for POLLOUT while
    anything waits. (transport-bp sends straight to a PAIR with no
    high-water mark instead; see transport_bp.c.)
*/
#ifndef MODEL_PIPE_H_INCLUDED
#define MODEL_PIPE_H_INCLUDED

#include "dtchat.h"

typedef struct _model_pipe_t model_pipe_t;

//  A SEND from the model, taken apart; the holder owns every field.
typedef struct {
    char *token;
    char *endpoint;
    zframe_t *data;
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

//  Take the next SEND without waiting. Returns 1 with *SEND filled (free
//  it with model_send_clear), 0 when nothing is waiting, or -1 when the
//  next command was bad: it is dropped, a malformed SEND that carries a
//  token is answered FAILED, and WHAT says what was dropped, for the
//  transport's "net" error event.
int
    model_pipe_next_send (model_pipe_t *self, model_send_t *send,
                          char *what, size_t what_size);

//  Queue VERB TOKEN [REASON]: SENT, or FAILED with its reason.
void
    model_pipe_reply (model_pipe_t *self, const char *verb,
                      const char *token, const char *reason);

//  Queue RECV PEER DATA (the frame is taken, nulled).
void
    model_pipe_deliver (model_pipe_t *self, const char *peer,
                        zframe_t **data_p);

//  Hand queued messages to the model, oldest first, while it takes them.
//  True if it sent (or tried to send) anything: a caller that polls the
//  PAIR with actor_poller must then mark it (see actor_poller.h).
bool
    model_pipe_flush (model_pipe_t *self);

//  How many messages wait for the model.
size_t
    model_pipe_queued (model_pipe_t *self);

//  Free the fields of a SEND; idempotent.
void
    model_send_clear (model_send_t *send);

#endif
