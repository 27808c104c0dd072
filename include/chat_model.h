/*  chat_model.h: the chat-model actor, owner of every message and status.

    It binds the PAIR pipes of the ui, the ack-tracker and each transport
    (endpoints in its args), encodes and decodes the wire format through
    chat_msg, and publishes every status change as a "msg" event.
    - TEXT from the ui: a new message (SENDING), handed to the transport of
      the remote's protocol, tracked by the ack-tracker.
    - RECV from a transport: a text is acked to its source_endpoint (over
      that endpoint's protocol) and shown once (RECEIVED); a duplicate uuid
      is acked again and not shown; an ack moves our message to ACKED.
    - Statuses only move forward: SENDING -> SENT -> ACKED, or -> FAILED;
      an ack still wins over FAILED; only an explicit RESEND from the ui
      moves FAILED back to SENDING.
    Invalid input from the wire is counted, reported as a "net" error
    event naming the peer, and dropped; a refused ui command gets ERROR
    and an "app" error event.

    START  ""   replies "is": 0 and "", or -1 and why.
*/
#ifndef CHAT_MODEL_H_INCLUDED
#define CHAT_MODEL_H_INCLUDED

#include "dtchat.h"
#include "endpoint.h"

typedef struct {
    const char *ui_endpoint;        //  binds: PAIR for the ui
    const char *tracker_endpoint;   //  binds: PAIR for the ack-tracker
    //  binds: one PAIR per transport, indexed by endpoint_proto_t
    //  (ENDPOINT_UDP, ENDPOINT_TCP, ENDPOINT_BP); NULL = no such transport
    const char *transport_endpoint [4];
    //  our own endpoint text per protocol, as bound (the source_endpoint
    //  we put in messages sent over it); NULL = none ("??" in acks)
    const char *local [4];
    const char *bus_endpoint;       //  connects: PUB to the bus frontend
    const char *sender_uuid;        //  our peer id
    const char *room;               //  default room, e.g. "room"
    const char *remote;             //  default destination endpoint text
    int64_t lifetime_ms;            //  an unacked message FAILs after this
} chat_model_args_t;

//  The actor. ARGS is a chat_model_args_t, borrowed (copy what you keep).
void
    chat_model_actor (zsock_t *pipe, void *args);

#endif
