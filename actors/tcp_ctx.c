/*  tcp_ctx.c: the "net" events every part of transport-tcp publishes.

    transport_tcp.c, tcp_peers.c and tcp_conn.c report through here, on
    the ctx's PUB when there is a bus; what they owe the chat-model goes
    to the ctx's model_pipe instead.
*/
#include "dtchat.h"
#include "tcp_ctx.h"

#include <stdarg.h>

//  Publish a "net" event.
void
tcp_ctx_log (tcp_ctx_t *self, log_level_t level, const char *endpoint,
             const char *format, ...)
{
    assert (self);
    if (!self->pub)
        return;
    va_list args;
    va_start (args, format);
    bus_vlog (self->pub, TOPIC_NET, level, endpoint, format, args);
    va_end (args);
}
