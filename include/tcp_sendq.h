/*  tcp_sendq.h: the messages one TCP connection still has to write.

    tcp_conn keeps one per connection. It gathers the queued messages
    (each with its 4-byte length header in framed mode, bare in legacy
    mode, after our greeting if one is due) into one sendmsg, resumes a
    partial write exactly where it stopped, and hands back each message
    once its last byte went to the OS: that is when the model hears SENT.
*/
#ifndef TCP_SENDQ_H_INCLUDED
#define TCP_SENDQ_H_INCLUDED

#include "dtchat.h"
#include "model_pipe.h"

//  One message to send: the model's token and the bytes, owned.
typedef struct {
    char token [MODEL_TOKEN_MAX + 1];
    zmq_msg_t data;
    size_t done;                //  bytes written (header included)
} tcp_out_t;

typedef struct _tcp_sendq_t tcp_sendq_t;

//  New outgoing message: copies TOKEN (at most MODEL_TOKEN_MAX bytes),
//  moves DATA's content in (DATA is left empty). NULL if out of memory
//  (nothing is taken then).
tcp_out_t *
    tcp_out_new (const char *token, zmq_msg_t *data);

//  Destroy; idempotent, nulls *self_p.
void
    tcp_out_destroy (tcp_out_t **self_p);

//  New empty queue, framed. NULL if out of memory.
tcp_sendq_t *
    tcp_sendq_new (void);

//  Destroy with everything in it; idempotent, nulls *self_p.
void
    tcp_sendq_destroy (tcp_sendq_t **self_p);

//  Frame messages with a length header (true) or send them bare. Set it
//  before the first byte of a message is written.
void
    tcp_sendq_set_framed (tcp_sendq_t *self, bool framed);

//  Write TCP_MAGIC before anything else.
void
    tcp_sendq_greet (tcp_sendq_t *self);

//  Append a message (taken, nulled).
void
    tcp_sendq_push (tcp_sendq_t *self, tcp_out_t **out_p);

//  Write to the non-blocking socket FD until it is full or the queue is
//  empty (a bounded number of calls). Returns the bytes written, or -1
//  with errno on a socket error.
ssize_t
    tcp_sendq_write (tcp_sendq_t *self, int fd);

//  Next message whose last byte was written, or NULL; caller owns it.
tcp_out_t *
    tcp_sendq_sent (tcp_sendq_t *self);

//  Take the oldest message not yet wholly written, or NULL (to fail it).
tcp_out_t *
    tcp_sendq_pop (tcp_sendq_t *self);

//  True while there is anything to write (greeting or messages).
bool
    tcp_sendq_busy (tcp_sendq_t *self);

//  Messages not yet wholly written, and their bytes.
size_t
    tcp_sendq_size (tcp_sendq_t *self);
size_t
    tcp_sendq_bytes (tcp_sendq_t *self);

#endif
