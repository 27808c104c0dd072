/*  tcp_ctx.h: what all connections of one transport-tcp share.

    transport-tcp fills one tcp_ctx_t (a plain value with public fields)
    and hands it to every tcp_conn and to tcp_peers: the pipe to the
    chat-model (model_pipe.h: RECV, SENT and FAILED are queued there and
    flushed by the actor as fast as the model reads), the PUB for "net"
    events, one receive buffer (a single thread reads at a time) and the
    limits and timeouts of docs/PROTOCOL.md.
*/
#ifndef TCP_CTX_H_INCLUDED
#define TCP_CTX_H_INCLUDED

#include "dtchat.h"
#include "bus_event.h"
#include "model_pipe.h"

typedef struct {
    model_pipe_t *model;        //  RECV, SENT, FAILED go here
    zsock_t *pub;               //  "net" events, or NULL
    byte *scratch;              //  receive buffer
    size_t scratch_size;
    size_t max_message;         //  largest message either way, bytes
    int64_t idle_ms;            //  no progress mid-message: close
    int64_t connect_ms;         //  connect() must finish within this
    int64_t greet_delay_ms;     //  listener: silence before it greets
    int64_t greet_wait_ms;      //  client: wait this for the greeting
    int64_t client_idle_ms;     //  client: close a framed link unused
    int64_t server_idle_ms;     //  listener: close a framed link unused
} tcp_ctx_t;

//  Publish a "net" event about ENDPOINT (may be NULL); nothing if there
//  is no bus.
void
    tcp_ctx_log (tcp_ctx_t *self, log_level_t level, const char *endpoint,
                 const char *format, ...)
    __attribute__ ((format (printf, 4, 5)));

#endif
