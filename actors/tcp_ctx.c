/*  tcp_ctx.c: the replies and events every part of transport-tcp makes.

    transport_tcp.c and tcp_conn.c queue the chat-model's RECV, SENT and
    FAILED messages on the shared to_model list (the actor flushes it to
    the model's PAIR as fast as the model reads, so a slow model never
    blocks a socket), and publish "net" events through here.
*/
#include "dtchat.h"
#include "tcp_ctx.h"

#include <stdarg.h>

//  Queue VERB TOKEN [REASON] for the model.
void
tcp_ctx_reply (tcp_ctx_t *self, const char *verb, const char *token,
               const char *reason)
{
    assert (self && verb && token);
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, verb);
    zmsg_addstr (msg, token);
    if (reason)
        zmsg_addstr (msg, reason);
    zlist_append (self->to_model, msg);
}

//  Queue RECV PEER FRAME for the model.
void
tcp_ctx_recv (tcp_ctx_t *self, const char *peer, zframe_t **frame_p)
{
    assert (self && peer && frame_p && *frame_p);
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, VERB_RECV);
    zmsg_addstr (msg, peer);
    zmsg_append (msg, frame_p);
    zlist_append (self->to_model, msg);
}

//  Publish a "net" event.
void
tcp_ctx_log (tcp_ctx_t *self, log_level_t level, const char *endpoint,
             const char *format, ...)
{
    assert (self);
    if (!self->pub)
        return;
    char text [512];
    va_list args;
    va_start (args, format);
    vsnprintf (text, sizeof (text), format, args);
    va_end (args);
    bus_log (self->pub, TOPIC_NET, level, endpoint, "%s", text);
}
