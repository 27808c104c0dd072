/*  bp_stream.h: a non-blocking byte stream with bounded buffers.

    bp_aap.c talks to its agent through one: a connect that completes
    when the socket becomes writable, an input buffer that grows as
    bytes arrive (never past a limit), and an output buffer that drains
    as the socket takes it. The owner polls bp_stream_fd for
    bp_stream_events and parses messages out of bp_stream_data. Part of
    the transport-bp actor (only transports touch OS sockets).
*/
#ifndef BP_STREAM_H_INCLUDED
#define BP_STREAM_H_INCLUDED

#include "dtchat.h"

typedef struct _bp_stream_t bp_stream_t;

//  New closed stream: input holds at most IN_MAX bytes, output OUT_MAX.
bp_stream_t *
    bp_stream_new (size_t in_max, size_t out_max);

//  Destroy; idempotent (closes the socket).
void
    bp_stream_destroy (bp_stream_t **self_p);

//  Start connecting to ADDR. Returns 0 if connected now, 1 if the
//  connect is in progress (wait for ZMQ_POLLOUT, then call
//  bp_stream_connected), -1 with errno.
int
    bp_stream_connect (bp_stream_t *self, const struct sockaddr *addr,
                       socklen_t addrlen);

//  After a connect in progress: 0 if it worked, else the errno.
int
    bp_stream_connected (bp_stream_t *self);

//  Close the socket and empty both buffers.
void
    bp_stream_close (bp_stream_t *self);

//  The socket, or -1 when closed.
int
    bp_stream_fd (bp_stream_t *self);

//  ZMQ_POLLIN, plus ZMQ_POLLOUT while output waits (or connecting).
short
    bp_stream_events (bp_stream_t *self);

//  Read what the socket has. Returns 1 if bytes came, 0 if none were
//  ready, -1 with WHY when the peer closed or the socket failed.
int
    bp_stream_read (bp_stream_t *self, char *why, size_t why_size);

//  The bytes read and not consumed yet.
const byte *
    bp_stream_data (bp_stream_t *self, size_t *size_p);

//  Drop the first SIZE bytes of the input.
void
    bp_stream_consume (bp_stream_t *self, size_t size);

//  Queue bytes to write. Returns 0, or -1 if over the output limit.
int
    bp_stream_queue (bp_stream_t *self, const byte *data, size_t size);

//  Write what the socket takes. Returns 0, or -1 with WHY.
int
    bp_stream_write (bp_stream_t *self, char *why, size_t why_size);

#endif
