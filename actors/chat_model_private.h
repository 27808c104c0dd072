/*  chat_model_private.h: what the chat-model's files share, and no one else.

    The chat-model actor is one class split by responsibility to keep each
    file short: chat_model.c holds its state, START and the loop;
    chat_model_pipes.c reads each pipe's messages (and writes SENDs) and
    hands each verb on; chat_model_send.c owns our outgoing messages
    (TEXT, PEER, RESEND, SENT, FAILED, EXPIRED, ACKED, and what the
    ack-tracker is told); chat_model_recv.c takes what transports received (decode, validate,
    ack, dedup, show); chat_model_sync.c publishes (msg and sys events,
    refusals) and answers SYNC and DRAIN. All of them see the one state
    struct, self_t, declared here; only the thread of the actor touches
    it.
*/
#ifndef CHAT_MODEL_PRIVATE_H_INCLUDED
#define CHAT_MODEL_PRIVATE_H_INCLUDED

#include "chat_model.h"
#include "chat_msg.h"
#include "chat_table.h"
#include "chat_history.h"
#include "bus_event.h"
#include "store.h"
#include "actor_poller.h"
#include "track_queue.h"

//  Token prefix of the SENDs that carry our acks (not tracked messages).
#define CHAT_MODEL_ACK_TOKEN    TOKEN_QUIET_PREFIX
//  Longest reason or refusal we write.
#define CHAT_MODEL_REASON_MAX   (2 * DTCHAT_ENDPOINT_MAX + 128)
//  Longest endpoint text we format (eid + via + words).
#define CHAT_MODEL_ENDPOINT_MAX (2 * DTCHAT_ENDPOINT_MAX + 16)

typedef struct {
    zsock_t *pipe;                  //  our creator
    actor_poller_t *poller;         //  see actor_poller.h
    zsock_t *ui;                    //  PAIR, bound
    zsock_t *tracker;               //  PAIR, bound
    zsock_t *transport [4];         //  PAIR per endpoint_proto_t, bound
    zsock_t *pub;                   //  to the bus frontend
    chat_table_t *table;
    track_queue_t *tracks;          //  TRACKs held back, see the header
    zmsg_t *untracks;               //  ACKED for the tracker, or NULL
    store_t *store;                 //  NULL = memory only
    //  copies of the args
    char *ui_endpoint;
    char *tracker_endpoint;
    char *transport_endpoint [4];
    char *local [4];
    char *bus_endpoint;
    char *sender;
    char *room;
    char *remote;                   //  as given at START; NULL = none
    //  the default remote (START, then PEER): parsed, and its canonical
    //  text ("" = none: TEXT is refused)
    endpoint_t remote_ep;
    char remote_text [CHAT_MODEL_ENDPOINT_MAX];
    int64_t lifetime_ms;
    int64_t track_delay_ms;         //  see track_queue.h
    char *db_path;                  //  NULL = no store
    char *order_text;               //  as given, checked at START
    chat_order_t order;             //  of the history on SYNC
    int64_t horizon_ms;             //  keep received uuids this long
    bool outbox_due;                //  resend the stored outbox at SYNC
    bool sender_from_store;         //  START replies with our id
    bool started;
    bool draining;                  //  the ui waits for DRAINED
    bool terminated;
} self_t;

//  chat_model_pipes.c: reading and writing the pipes
//  --------------------------------------------------------------------
//  One message from the ui, the tracker, or the transport of PROTO,
//  handed on; false if there was none (zero receive timeout), and
//  self->terminated set if the context is ending.
bool
    chat_model_read_ui (self_t *self);
bool
    chat_model_read_tracker (self_t *self);
bool
    chat_model_read_transport (self_t *self, endpoint_proto_t proto);
//  We sent on SOCK (a pipe the loop also reads): libzmq may have taken
//  its wake-up signal with the send, so the loop must read it again.
//  Call after every send on the ui, tracker and transport pipes.
void
    chat_model_sent_on (self_t *self, zsock_t *sock);
//  SEND TOKEN ENDPOINT DATA (SIZE bytes) to TRANSPORT, frame by frame
//  (no CZMQ message on the hot path), and mark it (chat_model_sent_on).
void
    chat_model_send_to (self_t *self, zsock_t *transport, const char *token,
                        const char *endpoint, const byte *data, size_t size);

//  chat_model_send.c: our outgoing messages
//  --------------------------------------------------------------------
//  TEXT from the ui: ROOM ("" = the default) and SIZE bytes of text.
void
    chat_model_text (self_t *self, const char *room, const char *data,
                     size_t size);
//  Make TEXT the default remote: 0, or -1 with why it does not parse.
int
    chat_model_set_remote (self_t *self, const char *text,
                           char *why, size_t why_size);
//  PEER endpoint from the ui.
void
    chat_model_peer (self_t *self, zmsg_t *msg);
//  RESEND uuid-or-prefix from the ui.
void
    chat_model_resend (self_t *self, zmsg_t *msg);
//  RESEND uuid from the ack-tracker: send it again if still pending.
void
    chat_model_retry (self_t *self, const char *uuid);
//  EXPIRED uuid reason from the ack-tracker: FAILED if still pending.
void
    chat_model_expired (self_t *self, const char *uuid, const char *reason);
//  SENT token from a transport: every byte went to the OS.
void
    chat_model_sent (self_t *self, const char *token);
//  FAILED token reason from a transport: that attempt failed (TOKEN may
//  name one of our acks).
void
    chat_model_send_failed (self_t *self, const char *token,
                            const char *reason);
//  Hand the ack-tracker the TRACKs now due (those still pending) and
//  this round's ACKEDs, each as one message. Returns the ms until the
//  next TRACK falls due, -1 if none waits: the loop's poll timeout.
int
    chat_model_flush_tracker (self_t *self);
//  A peer acked UUID (it came from PEER): our message is ACKED.
void
    chat_model_acked (self_t *self, const char *uuid, const char *peer);
//  Resend every stored message still waiting for its ack (after a
//  restart, at the first SYNC).
void
    chat_model_resend_outbox (self_t *self);

//  chat_model_recv.c: what transports received
//  --------------------------------------------------------------------
//  RECV from a transport: PEER sent the SIZE bytes at DATA.
void
    chat_model_recv (self_t *self, const char *peer, const byte *data,
                     size_t size);

//  chat_model_sync.c: publishing, SYNC and DRAIN
//  --------------------------------------------------------------------
//  Publish ENTRY's current state as a "msg" event.
void
    chat_model_publish (self_t *self, const chat_entry_t *entry);
//  Publish a "sys" event of KIND with TOKEN and the counters.
void
    chat_model_publish_sys (self_t *self, const char *kind,
                            const char *token);
//  Refuse a ui command: ERROR to the ui and an "app" error event.
void
    chat_model_refuse (self_t *self, const char *why);
//  Parse ORDER into self->order; -1 with the refusal text in WHY.
int
    chat_model_set_order (self_t *self, const char *order,
                          char *why, size_t why_size);
//  SYNC token [order] from the ui.
void
    chat_model_sync (self_t *self, zmsg_t *msg);
//  Answer a pending DRAIN once nothing waits for an ack.
void
    chat_model_check_drain (self_t *self);

#endif
