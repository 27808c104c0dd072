/*  chat_model_recv.c: what the chat-model's transports received.

    Part of the chat-model actor (see chat_model_private.h). The loop in
    chat_model.c hands it each RECV: the bytes are hostile, so they are
    decoded and validated by chat_msg and dropped with a "net" error event
    naming the peer when bad (never asserted on). An ack goes to
    chat_model_send.c. Every valid text or file is acked to its
    source_endpoint, over that endpoint's protocol, a duplicate too (its
    first ack may have been lost), but shown only once. With a store, a
    received message is written (its uuid in the received set and the
    history, one transaction) before it is acked and shown, so a crash
    loses nothing and a restart shows nothing twice.
*/
#include "chat_model_private.h"

//  Ack MSG (a valid text or file) to its source_endpoint, over that
//  endpoint's protocol, from our endpoint of that protocol.
static void
s_send_ack (self_t *self, const chat_msg_t *msg)
{
    endpoint_t source;
    char text [CHAT_MODEL_ENDPOINT_MAX];
    if (endpoint_parse (&source, msg->source_endpoint, NULL, 0))
        return;     //  chat_msg_validate let it through: cannot happen
    endpoint_format (&source, text, sizeof text);
    zsock_t *transport = self->transport [source.proto];
    if (!transport) {
        bus_log (self->pub, TOPIC_NET, LOG_WARN, text,
                 "cannot ack message %s: no %s transport", msg->uuid,
                 endpoint_proto_name (source.proto));
        return;
    }
    chat_msg_t *ack = chat_msg_new_ack (msg, self->sender,
                                        self->local [source.proto]);
    size_t size = 0;
    byte *data = ack? chat_msg_encode (ack, &size): NULL;
    if (data) {
        char token [sizeof CHAT_MODEL_ACK_TOKEN + 40];
        snprintf (token, sizeof token, CHAT_MODEL_ACK_TOKEN "%s", ack->uuid);
        chat_model_send_to (self, transport, token, text, data, size);
    }
    free (data);
    chat_msg_destroy (&ack);
}

//  A new RECEIVED entry for MSG (a text, or a file shown by its name and
//  size), arrived now; NULL if out of memory.
static chat_entry_t *
s_entry_new (const chat_msg_t *msg)
{
    char *shown = NULL;
    if (msg->kind == CHAT_MSG_FILE) {
        if (asprintf (&shown, "[file %s, %zu bytes]",
                      msg->file_name? msg->file_name: "",
                      msg->file_size) < 0)
            shown = NULL;
    }
    else
        shown = strdup (msg->text? msg->text: "");
    chat_entry_t *entry = shown?
        chat_entry_new (msg->uuid, msg->sender_uuid, msg->room_uuid, shown,
                        msg->source_endpoint, MSG_RECEIVED, false): NULL;
    if (entry) {
        entry->send_time = msg->timestamp;
        entry->receive_time = dtchat_now_ms ();
    }
    free (shown);
    return entry;
}

//  A valid text or file: ack it, and show it unless we have seen it.
//  With a store it is written first, and acked only once it is: if the
//  write fails the sender's retry brings it again.
static void
s_recv_text (self_t *self, const chat_msg_t *msg)
{
    if (chat_table_lookup (self->table, msg->uuid)) {
        s_send_ack (self, msg);
        return;
    }
    chat_entry_t *entry = s_entry_new (msg);
    //  1: new; 0: received before a restart (acked again, not shown)
    int fresh = entry && self->store?
                store_receive (self->store, entry, entry->receive_time): 1;
    if (fresh < 0)
        bus_log (self->pub, TOPIC_APP, LOG_ERROR, NULL, "%s (message %s "
                 "not acked: its sender will try again)",
                 store_error (self->store), msg->uuid);
    else {
        if (entry || !self->store)
            s_send_ack (self, msg);
        chat_entry_t *kept = entry;
        if (fresh == 1 && entry
        &&  chat_table_insert (self->table, &entry) == 0)
            chat_model_publish (self, kept);
        else
        if (fresh == 1)
            bus_log (self->pub, TOPIC_APP, LOG_ERROR, NULL,
                     "cannot store message %s", msg->uuid);
    }
    chat_entry_destroy (&entry);
}

//  RECV peer bytes from a transport: decode, validate, act.
void
chat_model_recv (self_t *self, const char *peer, const byte *data,
                 size_t size)
{
    char reason [CHAT_MODEL_REASON_MAX];
    chat_msg_t *chat = NULL;
    if (!(chat = chat_msg_decode (data, size, reason, sizeof reason))
    ||  chat_msg_validate (chat, reason, sizeof reason))
        bus_log (self->pub, TOPIC_NET, LOG_ERROR, peer,
                 "dropped %zu bytes from %.*s: %s", size,
                 DTCHAT_ENDPOINT_MAX, peer, reason);
    else
    if (chat->kind == CHAT_MSG_ACK)
        chat_model_acked (self, chat->ack_uuid, peer);
    else
        s_recv_text (self, chat);
    chat_msg_destroy (&chat);
}
