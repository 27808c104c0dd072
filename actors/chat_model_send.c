/*  chat_model_send.c: the chat-model's outgoing messages.

    Part of the chat-model actor (see chat_model_private.h). The loop in
    chat_model.c hands it the verbs that concern a message we send: TEXT
    and RESEND from the ui make a message (or reopen a FAILED one) and
    hand its bytes to the transport of the default remote's protocol
    (PEER changes that remote), tracked by the ack-tracker; the tracker's
    RESEND sends it again (same uuid, same bytes, same destination) and
    its EXPIRED fails it; a transport's SENT moves it forward; a peer's
    ack (from chat_model_recv.c) makes it ACKED. Each status change goes
    to the store (if any) and then on the bus. With a store, a new text
    is written before it is shown, or refused; after a restart the stored
    outbox goes out again, tracked until its original deadline.
*/
#include "chat_model_private.h"

#include <inttypes.h>
#include <limits.h>

//  Most messages in one TRACK.
#define S_TRACK_BATCH       64

//  How s_dispatch treats a message: a first send (or the ui's resend)
//  starts tracking; a tracker's resend is already tracked.
typedef enum { S_FIRST, S_RETRY } s_dispatch_t;

//  True if ENTRY is one of ours that still waits for its ack.
static bool
s_pending (const chat_entry_t *entry)
{
    return entry && entry->outgoing
        && (entry->status == MSG_SENDING || entry->status == MSG_SENT);
}

//  Write ENTRY's new status to the store, if we have one; a failure is
//  an "app" error event (the status holds in memory: after a restart
//  the message may be sent again, and the peer's dedup drops it).
static void
s_record (self_t *self, const chat_entry_t *entry)
{
    if (self->store && store_update (self->store, entry) < 0)
        bus_log (self->pub, TOPIC_APP, LOG_ERROR, NULL, "%s (status %s of "
                 "message %s not kept)", store_error (self->store),
                 msg_status_name (entry->status), entry->uuid);
}

//  Send *MSG_P to the tracker, if there is one; nulls it.
static void
s_send_tracker (self_t *self, zmsg_t **msg_p)
{
    if (*msg_p) {
        if (zmsg_send (msg_p, self->tracker) == -1)
            zmsg_destroy (msg_p);
        chat_model_sent_on (self, self->tracker);
    }
}

//  Add UUID to this round's ACKED for the tracker.
static void
s_untrack_uuid (self_t *self, const char *uuid)
{
    if (!self->untracks && (self->untracks = zmsg_new ()))
        zmsg_addstr (self->untracks, VERB_ACKED);
    if (self->untracks)
        zmsg_addstr (self->untracks, uuid);
}

//  Stop tracking ENTRY, if the tracker knows it.
static void
s_untrack (self_t *self, chat_entry_t *entry)
{
    if (entry->tracked) {
        entry->tracked = false;
        s_untrack_uuid (self, entry->uuid);
    }
}

//  Have ENTRY tracked from NOW until DEADLINE, if it is still pending
//  after the track delay (see track_queue.h).
static void
s_track_later (self_t *self, chat_entry_t *entry, int64_t now,
               int64_t deadline)
{
    entry->tracked = false;
    if (track_queue_push (self->tracks, entry->uuid,
                          zclock_mono () + self->track_delay_ms, now,
                          deadline)) {
        //  Out of memory: tell the tracker now, it must not be missed
        zsock_send (self->tracker, "ss88", VERB_TRACK, entry->uuid,
                    (uint64_t) now, (uint64_t) deadline);
        chat_model_sent_on (self, self->tracker);
        entry->tracked = true;
    }
}

//  The TRACKs now due and this round's ACKEDs, to the tracker.
int
chat_model_flush_tracker (self_t *self)
{
    int64_t mono = zclock_mono ();
    char uuid [TRACK_QUEUE_UUID_MAX + 1];
    int64_t since, deadline;
    zmsg_t *track = NULL;
    while (track_queue_pop_due (self->tracks, mono, uuid, &since,
                                &deadline)) {
        chat_entry_t *entry = chat_table_lookup (self->table, uuid);
        if (!s_pending (entry) || entry->tracked)
            continue;           //  acked or failed in time: never tracked
        if (!track && (track = zmsg_new ()))
            zmsg_addstr (track, VERB_TRACK);
        if (track
        &&  zmsg_addstr (track, uuid) == 0
        &&  zmsg_addstrf (track, "%" PRId64, since) == 0
        &&  zmsg_addstrf (track, "%" PRId64, deadline) == 0)
            entry->tracked = true;
        else {
            //  Out of memory: put it back, to be tracked next round
            track_queue_push (self->tracks, uuid, mono, since, deadline);
            break;
        }
        if (zmsg_size (track) == 1 + 3 * S_TRACK_BATCH)
            s_send_tracker (self, &track);
    }
    s_send_tracker (self, &track);
    s_send_tracker (self, &self->untracks);
    int64_t due = track_queue_next_due (self->tracks);
    return due < 0? -1: due <= mono? 0
         : due - mono > INT_MAX? INT_MAX: (int) (due - mono);
}

//  Move ENTRY to FAILED with REASON; record and publish if it moved.
static void
s_fail (self_t *self, chat_entry_t *entry, const char *reason)
{
    if (chat_table_advance (self->table, entry, MSG_FAILED)) {
        free (entry->reason);
        entry->reason = strdup (reason? reason: "failed");
        s_record (self, entry);
        chat_model_publish (self, entry);
    }
}

//  Hand ENTRY's bytes to the transport of its protocol; a first send
//  is tracked from NOW until DEADLINE. With no such transport the
//  failure is permanent: FAILED now, and not tracked.
static void
s_dispatch (self_t *self, chat_entry_t *entry, s_dispatch_t how,
            int64_t now, int64_t deadline)
{
    zsock_t *transport = self->transport [entry->proto];
    if (!transport) {
        char reason [CHAT_MODEL_REASON_MAX];
        snprintf (reason, sizeof reason, "no %s transport",
                  endpoint_proto_name (entry->proto));
        if (how == S_FIRST)
            chat_model_publish (self, entry);   //  SENDING, then FAILED
        else
            s_untrack (self, entry);
        s_fail (self, entry, reason);
        return;
    }
    entry->attempts++;
    chat_model_publish (self, entry);
    chat_model_send_to (self, transport, entry->uuid, entry->peer,
                        entry->data, entry->size);
    if (how == S_FIRST)
        s_track_later (self, entry, now, deadline);
}

//  The largest message the transport of PROTO takes.
static size_t
s_max_size (endpoint_proto_t proto)
{
    return proto == ENDPOINT_UDP? DTCHAT_UDP_MAX: DTCHAT_MAX_MESSAGE_DEFAULT;
}

//  Refuse TEXT because the store could not keep it, naming the text (its
//  first 40 bytes, cut at a character boundary) so the user knows which
//  line to send again.
static void
s_refuse_unstored (self_t *self, const char *text)
{
    int length = 0;
    while (length < 40 && text [length])
        length++;
    while (length > 0 && ((byte) text [length] & 0xc0) == 0x80)
        length--;
    char why [CHAT_MODEL_REASON_MAX];
    snprintf (why, sizeof why, "not sent: \"%.*s%s\": %s", length, text,
              text [length]? "...": "", store_error (self->store));
    chat_model_refuse (self, why);
}

//  Keep ENTRY (a new text, SENDING) in the store and the table, then
//  send it. Takes *ENTRY_P when it is kept.
static void
s_send_new (self_t *self, chat_entry_t **entry_p)
{
    chat_entry_t *entry = *entry_p;
    int64_t now = dtchat_now_ms ();
    int64_t deadline = now + self->lifetime_ms;
    if (self->store && store_insert (self->store, entry, deadline))
        s_refuse_unstored (self, entry->text);
    else
    if (chat_table_insert (self->table, entry_p) == 0)
        s_dispatch (self, entry, S_FIRST, now, deadline);
    else {
        chat_model_refuse (self, "too many messages wait for an ack");
        if (self->store) {      //  stored: do not resend it later
            entry->status = MSG_FAILED;
            entry->reason = strdup ("too many messages waited for an ack");
            s_record (self, entry);
        }
    }
}

//  Build, store and send a new text to the default remote.
static void
s_new_text (self_t *self, const char *room, const char *text)
{
    endpoint_proto_t proto = self->remote_ep.proto;
    const char *source = self->local [proto]? self->local [proto]: "??";
    chat_msg_t *msg = chat_msg_new_text (self->sender, room, source, text);
    size_t size = 0;
    byte *data = msg? chat_msg_encode (msg, &size): NULL;
    chat_entry_t *entry = data?
        chat_entry_new (msg->uuid, self->sender, room, text,
                        self->remote_text, MSG_SENDING, true): NULL;
    if (!entry)
        chat_model_refuse (self, "out of memory");
    else
    if (size > s_max_size (proto)) {
        char why [CHAT_MODEL_REASON_MAX];
        snprintf (why, sizeof why, "text too long: %zu bytes encoded, "
                  "%s takes at most %zu", size, endpoint_proto_name (proto),
                  s_max_size (proto));
        chat_model_refuse (self, why);
    }
    else {
        entry->send_time = msg->timestamp;
        entry->proto = proto;
        entry->data = data;
        entry->size = size;
        data = NULL;
        s_send_new (self, &entry);
    }
    chat_entry_destroy (&entry);
    free (data);
    chat_msg_destroy (&msg);
}

//  TEXT room text: check the text, then send it.
void
chat_model_text (self_t *self, const char *room, const char *data,
                 size_t size)
{
    if (!*self->remote_text)
        chat_model_refuse (self, "no remote to send to");
    else
    if (size == 0)
        chat_model_refuse (self, "empty text: nothing sent");
    else
    if (memchr (data, 0, size) || !chat_msg_utf8_valid (data, size))
        chat_model_refuse (self, "text is not valid UTF-8: nothing sent");
    else {
        char *text = strndup (data, size);
        if (text)
            s_new_text (self, *room? room: self->room, text);
        else
            chat_model_refuse (self, "out of memory");
        free (text);
    }
}

//  Make TEXT the default remote (no check of its transport: a message to
//  it fails at once, which START allows).
int
chat_model_set_remote (self_t *self, const char *text,
                       char *why, size_t why_size)
{
    endpoint_t endpoint;
    if (endpoint_parse (&endpoint, text, why, why_size))
        return -1;
    self->remote_ep = endpoint;
    endpoint_format (&endpoint, self->remote_text, sizeof self->remote_text);
    return 0;
}

//  PEER endpoint: later texts go there, if a transport speaks to it.
void
chat_model_peer (self_t *self, zmsg_t *msg)
{
    char *text = zmsg_popstr (msg);
    char why [CHAT_MODEL_REASON_MAX] = "";
    char parse [CHAT_MODEL_REASON_MAX - 16];    //  room for "peer: "
    endpoint_t endpoint;
    if (!text || !*text)
        snprintf (why, sizeof why, "PEER needs an endpoint");
    else
    if (endpoint_parse (&endpoint, text, parse, sizeof parse))
        snprintf (why, sizeof why, "peer: %s", parse);
    else
    if (!self->transport [endpoint.proto])
        snprintf (why, sizeof why, "peer %.*s: no %s transport (dtchat "
                  "has no local %s endpoint)", DTCHAT_ENDPOINT_MAX, text,
                  endpoint_proto_name (endpoint.proto),
                  endpoint_proto_name (endpoint.proto));
    else {
        chat_model_set_remote (self, text, parse, sizeof parse);
        bus_log (self->pub, TOPIC_APP, LOG_INFO, NULL, "messages go to %s",
                 self->remote_text);
    }
    if (*why)
        chat_model_refuse (self, why);
    zstr_free (&text);
}

//  RESEND uuid-or-prefix: a FAILED message goes again, same uuid and bytes.
void
chat_model_resend (self_t *self, zmsg_t *msg)
{
    char *prefix = zmsg_popstr (msg);
    char why [CHAT_MODEL_REASON_MAX] = "";
    size_t matches = 0;
    chat_entry_t *entry = prefix && *prefix?
        chat_table_find_outgoing (self->table, prefix, &matches): NULL;
    if (!prefix || !*prefix)
        snprintf (why, sizeof why, "RESEND needs a message uuid");
    else
    if (!entry && matches == 0)
        snprintf (why, sizeof why, "no sent message has uuid %.40s", prefix);
    else
    if (!entry)
        snprintf (why, sizeof why, "uuid prefix %.40s is ambiguous: %zu "
                  "messages match", prefix, matches);
    else
    if (entry->status != MSG_FAILED)
        snprintf (why, sizeof why, "message %s is %s, not FAILED",
                  entry->uuid, msg_status_name (entry->status));
    else {
        int64_t now = dtchat_now_ms ();
        int64_t deadline = now + self->lifetime_ms;
        if (self->store
        &&  store_reopen (self->store, entry->uuid, deadline) < 0)
            snprintf (why, sizeof why, "not sent again: %s",
                      store_error (self->store));
        else
        if (chat_table_reopen (self->table, entry))
            s_dispatch (self, entry, S_FIRST, now, deadline);
    }
    if (*why)
        chat_model_refuse (self, why);
    zstr_free (&prefix);
}

//  The tracker's RESEND: again if still pending, else stop tracking it
//  (acked, failed or forgotten).
void
chat_model_retry (self_t *self, const char *uuid)
{
    chat_entry_t *entry = chat_table_lookup (self->table, uuid);
    if (s_pending (entry))
        s_dispatch (self, entry, S_RETRY, 0, 0);
    else {
        if (entry)
            entry->tracked = false;
        s_untrack_uuid (self, uuid);    //  the tracker knows it: it asked
    }
}

//  The tracker's EXPIRED: its lifetime ended without an ack.
void
chat_model_expired (self_t *self, const char *uuid, const char *reason)
{
    chat_entry_t *entry = chat_table_lookup (self->table, uuid);
    if (entry)
        entry->tracked = false;         //  the tracker has forgotten it
    if (s_pending (entry))
        s_fail (self, entry, reason && *reason? reason: "no ack");
}

//  True if TOKEN names one of our acks rather than a tracked message.
static bool
s_is_ack_token (const char *token)
{
    return token && strncmp (token, CHAT_MODEL_ACK_TOKEN,
                    strlen (CHAT_MODEL_ACK_TOKEN)) == 0;
}

//  A transport's SENT: the message moves forward (an ack's SENT is no
//  news).
void
chat_model_sent (self_t *self, const char *token)
{
    chat_entry_t *entry = s_is_ack_token (token)? NULL:
                          chat_table_lookup (self->table, token);
    if (entry && chat_table_advance (self->table, entry, MSG_SENT)) {
        s_record (self, entry);
        chat_model_publish (self, entry);
    }
}

//  A transport's FAILED: one attempt failed, a warning; the tracker
//  retries until the lifetime ends. Tokens we do not know are ignored.
void
chat_model_send_failed (self_t *self, const char *token, const char *reason)
{
    bool is_ack = s_is_ack_token (token);
    chat_entry_t *entry = is_ack? NULL: chat_table_lookup (self->table, token);
    if (is_ack || entry)
        bus_log (self->pub, TOPIC_NET, LOG_WARN, entry? entry->peer: NULL,
                 "%s %s failed: %s", is_ack? "sending ack": "sending message",
                 is_ack? token + strlen (CHAT_MODEL_ACK_TOKEN): token,
                 reason? reason: "no reason given");
}

//  A peer's ack: our message is ACKED (an ack beats FAILED too).
void
chat_model_acked (self_t *self, const char *uuid, const char *peer)
{
    chat_entry_t *entry = chat_table_lookup (self->table, uuid);
    if (!entry || !entry->outgoing) {
        bus_log (self->pub, TOPIC_NET, LOG_WARN, peer,
                 "ack from %s for a message we did not send: %s",
                 peer, uuid);
        return;
    }
    if (chat_table_advance (self->table, entry, MSG_ACKED)) {
        entry->receive_time = dtchat_now_ms ();
        s_record (self, entry);
        chat_model_publish (self, entry);
        s_untrack (self, entry);
    }
}

//  store_each_fn: resend one message of the stored outbox, tracked until
//  its original deadline (FAILED now if that passed while we were down).
static void
s_resend_stored (chat_entry_t **stored_p, int64_t deadline, void *arg)
{
    self_t *self = (self_t *) arg;
    chat_entry_t *entry = chat_table_lookup (self->table, (*stored_p)->uuid);
    if (!s_pending (entry))
        return;
    int64_t now = dtchat_now_ms ();
    if (deadline <= now)
        s_fail (self, entry, "its lifetime ended while dtchat was not "
                "running");
    else
        s_dispatch (self, entry, S_FIRST, now, deadline);
}

//  Resend the stored outbox (once, at the first SYNC after START).
void
chat_model_resend_outbox (self_t *self)
{
    if (store_outbox (self->store, s_resend_stored, self) < 0)
        bus_log (self->pub, TOPIC_APP, LOG_ERROR, NULL, "%s (stored "
                 "messages not sent again)", store_error (self->store));
}
