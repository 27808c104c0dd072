/*  chat_model.h: the chat-model actor, owner of every message and status.

    It binds the PAIR pipes of the ui, the ack-tracker and each transport
    (endpoints in its args), encodes and decodes the wire format through
    chat_msg, and publishes every status change as a "msg" event.
    - TEXT from the ui: a new message (SENDING), handed to the transport of
      the remote's protocol, tracked by the ack-tracker.
    - RECV from a transport: a text is acked to its source_endpoint (over
      that endpoint's protocol) and shown once (RECEIVED); a duplicate uuid
      is acked again and not shown; an ack moves our message to ACKED.
    - PEER from the ui: later TEXTs go to that endpoint instead (it needs
      a transport of its protocol); messages already sent keep theirs.
    - Statuses only move forward: SENDING -> SENT -> ACKED, or -> FAILED;
      an ack still wins over FAILED; only an explicit RESEND from the ui
      moves FAILED back to SENDING.
    Invalid input from the wire is counted, reported as a "net" error
    event naming the peer, and dropped; a refused ui command gets ERROR
    and an "app" error event.

    - With a store (db_path): every message is written before it is shown
      (a new text that cannot be written is refused with ERROR), every
      status change is written, a received text is written before it is
      acked; START loads the history and the outbox, and the first SYNC
      resends every stored message still waiting for its ack (same uuid,
      same bytes, its original deadline). A write that fails at run time
      is an "app" error event. See store.h.
    - SYNC re-publishes every message in the history order: "send" (the
      sender's clock) or "receive" (the peer's messages at their local
      arrival time); SYNC's optional second frame changes it.

    START  ""   replies "is": 0 and "", or -1 and why (a store that cannot
                be used: its one-line reason names the file). When
                sender_uuid is NULL and db_path is set, the id comes from
                the store and the reply is 0 and that id.
*/
#ifndef CHAT_MODEL_H_INCLUDED
#define CHAT_MODEL_H_INCLUDED

#include "dtchat.h"
#include "endpoint.h"

//  How long a new send waits before the tracker hears of it: far below
//  the first resend (ACK_TRACKER_INITIAL_MS), far above a LAN's round
//  trip. Its first resend and its expiry come at most this much later.
#define CHAT_MODEL_TRACK_DELAY_MS   20

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
    const char *sender_uuid;        //  our peer id (NULL: the store's)
    const char *room;               //  default room, e.g. "room"
    const char *remote;             //  default destination endpoint text
    int64_t lifetime_ms;            //  an unacked message FAILs after this
    //  the durable store: a file path, ":memory:", or NULL for none
    //  (messages in memory only)
    const char *db_path;
    const char *order;              //  NULL/"send" or "receive"
    //  received uuids are kept at least this long (0 = 30 days), and at
    //  least a lifetime and a day
    int64_t dedup_horizon_ms;
    //  a new send is told to the ack-tracker only if it is still pending
    //  this long after (0 = CHAT_MODEL_TRACK_DELAY_MS; see track_queue.h)
    int64_t track_delay_ms;
} chat_model_args_t;

//  The actor. ARGS is a chat_model_args_t, borrowed (copy what you keep).
void
    chat_model_actor (zsock_t *pipe, void *args);

#endif
