/*  transport.h: the contract every transport actor keeps.

    transport-udp, transport-tcp and transport-bp are swappable: each is a
    zactor started with a transport_args_t, bound with START, and each
    talks to the chat-model over one PAIR data pipe with the verbs SEND,
    SENT, FAILED and RECV (see dtchat_verbs.h). Only transports touch OS
    sockets. Each publishes "net" events on the bus: bound, peer errors,
    dropped input (with the reason), never the payload itself.

    START  "s"  the local endpoint text ("udp 127.0.0.1:0" binds an
                ephemeral port); replies "is": 0 and the canonical bound
                endpoint ("udp 127.0.0.1:41234"), or -1 and a one-line
                error ("udp 127.0.0.1:7777: Address already in use").
    $TERM       close everything and end.
*/
#ifndef TRANSPORT_H_INCLUDED
#define TRANSPORT_H_INCLUDED

#include "dtchat.h"

typedef struct {
    //  inproc endpoint of the chat-model's PAIR for this transport: the
    //  transport connects to it (the model binds)
    const char *model_endpoint;
    //  inproc endpoint of the bus frontend: the transport connects a PUB
    const char *bus_endpoint;
    //  largest message accepted or sent, bytes (tcp, bp; udp is capped at
    //  DTCHAT_UDP_MAX); 0 = DTCHAT_MAX_MESSAGE_DEFAULT
    size_t max_message;
    //  bp only: "aap:HOST:PORT", "aap:/path", "af_bp", or NULL for native
    const char *bp_agent;
    //  bp only: routes "PATTERN mtcp:HOST:PORT", NULL-terminated, or NULL
    const char **bp_routes;
    //  tcp only: a connection that makes no progress for this long (no
    //  byte of a message that has begun, no first byte) is closed;
    //  0 = the default (10 s). Tests set it short.
    int idle_timeout_ms;
} transport_args_t;

//  The actors. ARGS is a transport_args_t, borrowed: valid until the
//  actor is destroyed (copy what you keep).
void
    transport_udp_actor (zsock_t *pipe, void *args);
void
    transport_tcp_actor (zsock_t *pipe, void *args);
void
    transport_bp_actor (zsock_t *pipe, void *args);

#endif
