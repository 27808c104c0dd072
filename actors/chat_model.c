/*  chat_model.c: the chat-model actor, owner of every message and status.

    Its creator (node) starts it and binds it with START; it then binds
    one PAIR for the ui (TEXT, RESEND, DRAIN, SYNC in; ERROR, DRAINED
    out), one for the ack-tracker (TRACK, ACKED out; RESEND, EXPIRED in)
    and one per transport (SEND out; SENT, FAILED, RECV in), and connects
    a PUB to the event bus, where it publishes a "msg" event for every
    message created or changed, "net"/"app" events for what it drops or
    refuses, and "sys" sync markers. Messages live in a chat_table, which
    enforces the forward-only status rule. Bytes from transports are
    hostile: decoded and validated by chat_msg, and dropped with an event
    (never asserted on) when bad. Every valid text or file is acked to its
    source_endpoint, a duplicate too (its first ack may have been lost),
    but shown only once.
    With a store (args db_path, see store.h) it is the only code that
    touches it: a new text is in the store before SENDING is shown (or it
    is refused), every status change is written, a received text is
    written (uuid in the received set and history, one transaction)
    before it is acked and shown, so a crash loses nothing and a restart
    shows nothing twice. START loads history and outbox; the ui's first
    SYNC (the node has started the ack-tracker by then) resends every
    message still waiting for its ack, with its uuid and bytes, tracked
    until its original deadline. SYNC re-publishes in the chosen order.
*/
#include "chat_model.h"
#include "chat_msg.h"
#include "chat_table.h"
#include "bus_event.h"
#include "event_bus.h"
#include "chat_history.h"
#include "store.h"

//  Token prefix of the SENDs that carry our acks (not tracked messages).
#define S_ACK_TOKEN     "ack:"
//  Room of a TEXT that names none, when the args name none either.
#define S_ROOM_DEFAULT  "room"
//  Longest reason or refusal we write.
#define S_REASON_MAX    (2 * DTCHAT_ENDPOINT_MAX + 128)
//  Longest endpoint text we format (eid + via + words).
#define S_ENDPOINT_TEXT (2 * DTCHAT_ENDPOINT_MAX + 16)
//  Received uuids are kept at least this long past a message's lifetime.
#define S_HORIZON_SLACK_MS  (24LL * 3600 * 1000)

//  How s_dispatch treats a message: a first send (or the ui's resend)
//  starts tracking; a tracker's resend is already tracked.
typedef enum { S_FIRST, S_RETRY } s_dispatch_t;

typedef struct {
    zsock_t *pipe;                  //  our creator
    zpoller_t *poller;
    zsock_t *ui;                    //  PAIR, bound
    zsock_t *tracker;               //  PAIR, bound
    zsock_t *transport [4];         //  PAIR per endpoint_proto_t, bound
    zsock_t *pub;                   //  to the bus frontend
    chat_table_t *table;
    store_t *store;                 //  NULL = memory only
    //  copies of the args
    char *ui_endpoint;
    char *tracker_endpoint;
    char *transport_endpoint [4];
    char *local [4];
    char *bus_endpoint;
    char *sender;
    char *room;
    char *remote;                   //  as given; NULL = none
    endpoint_t remote_ep;           //  parsed at START
    char remote_text [S_ENDPOINT_TEXT];     //  canonical form
    int64_t lifetime_ms;
    char *db_path;                  //  NULL = no store
    char *order_text;               //  as given, checked at START
    chat_order_t order;             //  of the history on SYNC
    int64_t horizon_ms;             //  keep received uuids this long
    bool outbox_due;                //  resend the stored outbox at SYNC
    bool sender_from_store;         //  START replies with our id
    bool started;
    bool draining;                  //  the ui waits for DRAINED
    bool terminated;
    uint64_t dropped;               //  undecodable or invalid input
    uint64_t duplicates;            //  messages received again
} self_t;

//  Copy of S, or NULL for NULL. Sets *OK false if out of memory.
static char *
s_dup (const char *s, bool *ok)
{
    char *copy = s? strdup (s): NULL;
    if (s && !copy)
        *ok = false;
    return copy;
}

//  Destroy the actor's state; idempotent.
static void
s_self_destroy (self_t **self_p)
{
    assert (self_p);
    self_t *self = *self_p;
    if (!self)
        return;
    zpoller_destroy (&self->poller);
    zsock_destroy (&self->ui);
    zsock_destroy (&self->tracker);
    for (int proto = 0; proto < 4; proto++) {
        zsock_destroy (&self->transport [proto]);
        free (self->transport_endpoint [proto]);
        free (self->local [proto]);
    }
    zsock_destroy (&self->pub);
    chat_table_destroy (&self->table);
    store_destroy (&self->store);
    free (self->db_path);
    free (self->order_text);
    free (self->ui_endpoint);
    free (self->tracker_endpoint);
    free (self->bus_endpoint);
    free (self->sender);
    free (self->room);
    free (self->remote);
    free (self);
    *self_p = NULL;
}

//  New state with copies of ARGS; NULL if out of memory.
static self_t *
s_self_new (zsock_t *pipe, const chat_model_args_t *args)
{
    assert (args);
    self_t *self = (self_t *) calloc (1, sizeof (self_t));
    if (!self)
        return NULL;
    bool ok = true;
    self->pipe = pipe;
    self->ui_endpoint = s_dup (args->ui_endpoint, &ok);
    self->tracker_endpoint = s_dup (args->tracker_endpoint, &ok);
    for (int proto = 1; proto < 4; proto++) {
        self->transport_endpoint [proto] =
            s_dup (args->transport_endpoint [proto], &ok);
        self->local [proto] = s_dup (args->local [proto], &ok);
    }
    self->bus_endpoint = s_dup (args->bus_endpoint, &ok);
    self->sender = s_dup (args->sender_uuid, &ok);
    self->room = s_dup (args->room? args->room: S_ROOM_DEFAULT, &ok);
    self->remote = s_dup (args->remote, &ok);
    self->lifetime_ms = args->lifetime_ms > 0? args->lifetime_ms
                                             : DTCHAT_LIFETIME_DEFAULT_MS;
    self->db_path = s_dup (args->db_path, &ok);
    self->order_text = s_dup (args->order, &ok);
    self->horizon_ms = args->dedup_horizon_ms > 0? args->dedup_horizon_ms
                                                 : STORE_HORIZON_DEFAULT_MS;
    self->table = chat_table_new (0);
    self->poller = zpoller_new (pipe, NULL);
    if (!ok || !self->table || !self->poller)
        s_self_destroy (&self);
    return self;
}

//  Bind a PAIR at ENDPOINT into *SOCK_P; -1 with a reason naming WHAT.
static int
s_bind (zsock_t **sock_p, const char *what, const char *endpoint,
        char *reason, size_t reason_size)
{
    if (!endpoint || !*endpoint) {
        snprintf (reason, reason_size, "no %s endpoint", what);
        return -1;
    }
    *sock_p = zsock_new (ZMQ_PAIR);
    if (!*sock_p || zsock_bind (*sock_p, "%s", endpoint) == -1) {
        snprintf (reason, reason_size, "cannot bind the %s pipe at %s: %s",
                  what, endpoint, zmq_strerror (zmq_errno ()));
        zsock_destroy (sock_p);
        return -1;
    }
    return 0;
}

//  Undo a failed START: close every pipe and the bus socket.
static void
s_self_unbind (self_t *self)
{
    zsock_t **socks [] = { &self->ui, &self->tracker, &self->transport [1],
                           &self->transport [2], &self->transport [3] };
    for (size_t index = 0; index < sizeof socks / sizeof *socks; index++)
        if (*socks [index]) {
            zpoller_remove (self->poller, *socks [index]);
            zsock_destroy (socks [index]);
        }
    zsock_destroy (&self->pub);
    store_destroy (&self->store);
}

//  Open the store, take our id from it if we have none, prune old
//  received uuids and load the history. -1 with a reason.
static int
s_self_open_store (self_t *self, char *reason, size_t reason_size)
{
    if (chat_order_parse (self->order_text, &self->order)) {
        snprintf (reason, reason_size, "unknown order '%.40s': send or "
                  "receive", self->order_text);
        return -1;
    }
    if (!self->db_path)
        return 0;
    self->store = store_new (self->db_path, reason, reason_size);
    if (!self->store)
        return -1;
    char id [DTCHAT_ID_MAX];
    if (!self->sender) {
        if (store_peer_id (self->store, id, sizeof id)
        ||  !(self->sender = strdup (id))) {
            snprintf (reason, reason_size, "%s", store_error (self->store));
            return -1;
        }
        self->sender_from_store = true;
    }
    //  A retry cannot come after its lifetime: keep uuids longer than that
    int64_t horizon = self->lifetime_ms + S_HORIZON_SLACK_MS;
    if (horizon < self->horizon_ms)
        horizon = self->horizon_ms;
    size_t skipped = 0;
    if (store_prune (self->store, dtchat_now_ms () - horizon) < 0
    ||  chat_history_load (self->table, self->store, 0, &skipped) < 0) {
        snprintf (reason, reason_size, "%s", store_error (self->store));
        return -1;
    }
    self->outbox_due = chat_table_pending (self->table) > 0;
    if (skipped)
        bus_log (self->pub, TOPIC_APP, LOG_WARN, NULL, "store %s: %zu "
                 "stored messages were not usable and are not shown",
                 self->db_path, skipped);
    return 0;
}

//  Check the args, bind every pipe, connect the bus. -1 with a reason.
static int
s_self_bind (self_t *self, char *reason, size_t reason_size)
{
    if (!self->db_path && (!self->sender || !*self->sender)) {
        snprintf (reason, reason_size, "no sender_uuid");
        return -1;
    }
    if (self->sender && !*self->sender) {
        snprintf (reason, reason_size, "empty sender_uuid");
        return -1;
    }
    char why [S_REASON_MAX - 16];     //  room for "remote: "
    if (self->remote) {
        if (endpoint_parse (&self->remote_ep, self->remote, why, sizeof why)) {
            snprintf (reason, reason_size, "remote: %s", why);
            return -1;
        }
        endpoint_format (&self->remote_ep, self->remote_text,
                         sizeof self->remote_text);
    }
    self->pub = event_bus_publisher (self->bus_endpoint);
    if (!self->pub) {
        snprintf (reason, reason_size, "cannot connect to the bus at %s",
                  self->bus_endpoint? self->bus_endpoint: "(none)");
        return -1;
    }
    if (s_bind (&self->ui, "ui", self->ui_endpoint, reason, reason_size)
    ||  s_bind (&self->tracker, "tracker", self->tracker_endpoint,
                reason, reason_size))
        return -1;
    zpoller_add (self->poller, self->ui);
    zpoller_add (self->poller, self->tracker);
    for (int proto = 1; proto < 4; proto++) {
        if (!self->transport_endpoint [proto])
            continue;
        if (s_bind (&self->transport [proto],
                    endpoint_proto_name ((endpoint_proto_t) proto),
                    self->transport_endpoint [proto], reason, reason_size))
            return -1;
        zpoller_add (self->poller, self->transport [proto]);
    }
    return s_self_open_store (self, reason, reason_size);
}

//  Publish ENTRY's current state as a "msg" event.
static void
s_publish_entry (self_t *self, const chat_entry_t *entry)
{
    bus_event_t *event = chat_entry_event (entry);
    if (event)
        bus_event_publish (event, self->pub);
    bus_event_destroy (&event);
}

//  Publish a "sys" event of KIND with TOKEN and the counters.
static void
s_publish_sys (self_t *self, const char *kind, const char *token)
{
    bus_event_t *event = bus_event_new (BUS_EVENT_SYS, TOPIC_SYS);
    if (!event)
        return;
    event->sys_kind = strdup (kind);
    event->token = strdup (token? token: "");
    event->pending = chat_table_pending (self->table);
    event->failed = chat_table_failed (self->table);
    event->total = chat_table_size (self->table);
    bus_event_publish (event, self->pub);
    bus_event_destroy (&event);
}

//  Refuse a ui command: ERROR to the ui and an "app" error event.
static void
s_refuse (self_t *self, const char *why)
{
    zsock_send (self->ui, "ss", VERB_ERROR, why);
    bus_log (self->pub, TOPIC_APP, LOG_ERROR, NULL, "%s", why);
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

//  Tell the tracker to stop tracking UUID.
static void
s_untrack (self_t *self, const char *uuid)
{
    zsock_send (self->tracker, "ss", VERB_ACKED, uuid);
}

//  Move ENTRY to FAILED with REASON; publish if it moved.
static void
s_fail (self_t *self, chat_entry_t *entry, const char *reason)
{
    if (chat_table_advance (self->table, entry, MSG_FAILED)) {
        free (entry->reason);
        entry->reason = strdup (reason? reason: "failed");
        s_record (self, entry);
        s_publish_entry (self, entry);
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
        char reason [S_REASON_MAX];
        snprintf (reason, sizeof reason, "no %s transport",
                  endpoint_proto_name (entry->proto));
        if (how == S_FIRST)
            s_publish_entry (self, entry);      //  SENDING, then FAILED
        else
            s_untrack (self, entry->uuid);
        s_fail (self, entry, reason);
        return;
    }
    entry->attempts++;
    s_publish_entry (self, entry);
    zsock_send (transport, "sssb", VERB_SEND, entry->uuid, entry->peer,
                entry->data, entry->size);
    if (how == S_FIRST)
        zsock_send (self->tracker, "ss88", VERB_TRACK, entry->uuid,
                    (uint64_t) now, (uint64_t) deadline);
}

//  The largest message the transport of PROTO takes.
static size_t
s_max_size (endpoint_proto_t proto)
{
    return proto == ENDPOINT_UDP? DTCHAT_UDP_MAX: DTCHAT_MAX_MESSAGE_DEFAULT;
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
    char why [S_REASON_MAX];
    if (!entry)
        s_refuse (self, "out of memory");
    else
    if (size > s_max_size (proto)) {
        snprintf (why, sizeof why, "text too long: %zu bytes encoded, "
                  "%s takes at most %zu", size, endpoint_proto_name (proto),
                  s_max_size (proto));
        s_refuse (self, why);
    }
    else {
        entry->send_time = msg->timestamp;
        entry->proto = proto;
        entry->data = data;
        entry->size = size;
        data = NULL;
        chat_entry_t *stored = entry;
        int64_t now = dtchat_now_ms ();
        int64_t deadline = now + self->lifetime_ms;
        if (self->store && store_insert (self->store, entry, deadline)) {
            //  Name the text, so the user knows which line to send again
            int length = 0;
            while (text [length] && length < 40)
                length++;
            while (length > 0 && ((byte) text [length] & 0xc0) == 0x80)
                length--;       //  cut at a character boundary
            snprintf (why, sizeof why, "not sent: \"%.*s%s\": %s", length,
                      text, text [length]? "...": "",
                      store_error (self->store));
            s_refuse (self, why);
        }
        else
        if (chat_table_insert (self->table, &entry) == 0)
            s_dispatch (self, stored, S_FIRST, now, deadline);
        else {
            s_refuse (self, "too many messages wait for an ack");
            if (self->store) {      //  stored: do not resend it later
                stored->status = MSG_FAILED;
                stored->reason = strdup ("too many messages waited for "
                                         "an ack");
                s_record (self, stored);
            }
        }
    }
    chat_entry_destroy (&entry);
    free (data);
    chat_msg_destroy (&msg);
}

//  TEXT room text: check the text, then send it.
static void
s_ui_text (self_t *self, zmsg_t *msg)
{
    char *room = zmsg_popstr (msg);
    zframe_t *frame = zmsg_pop (msg);
    const char *data = frame? (const char *) zframe_data (frame): NULL;
    size_t size = frame? zframe_size (frame): 0;
    if (!room || !frame)
        s_refuse (self, "TEXT needs a room and a text");
    else
    if (!self->remote)
        s_refuse (self, "no remote to send to");
    else
    if (size == 0)
        s_refuse (self, "empty text: nothing sent");
    else
    if (memchr (data, 0, size) || !chat_msg_utf8_valid (data, size))
        s_refuse (self, "text is not valid UTF-8: nothing sent");
    else {
        char *text = strndup (data, size);
        if (text)
            s_new_text (self, *room? room: self->room, text);
        else
            s_refuse (self, "out of memory");
        free (text);
    }
    zstr_free (&room);
    zframe_destroy (&frame);
}

//  RESEND uuid-or-prefix: a FAILED message goes again, same uuid and bytes.
static void
s_ui_resend (self_t *self, zmsg_t *msg)
{
    char *prefix = zmsg_popstr (msg);
    char why [S_REASON_MAX];
    size_t matches = 0;
    chat_entry_t *entry = prefix && *prefix?
        chat_table_find_outgoing (self->table, prefix, &matches): NULL;
    if (!prefix || !*prefix)
        s_refuse (self, "RESEND needs a message uuid");
    else
    if (!entry) {
        if (matches == 0)
            snprintf (why, sizeof why, "no sent message has uuid %.40s",
                      prefix);
        else
            snprintf (why, sizeof why, "uuid prefix %.40s is ambiguous: "
                      "%zu messages match", prefix, matches);
        s_refuse (self, why);
    }
    else
    if (entry->status != MSG_FAILED) {
        snprintf (why, sizeof why, "message %s is %s, not FAILED",
                  entry->uuid, msg_status_name (entry->status));
        s_refuse (self, why);
    }
    else {
        int64_t now = dtchat_now_ms ();
        int64_t deadline = now + self->lifetime_ms;
        if (self->store
        &&  store_reopen (self->store, entry->uuid, deadline) < 0) {
            snprintf (why, sizeof why, "not sent again: %s",
                      store_error (self->store));
            s_refuse (self, why);
        }
        else
        if (chat_table_reopen (self->table, entry))
            s_dispatch (self, entry, S_FIRST, now, deadline);
    }
    zstr_free (&prefix);
}

//  store_each_fn: resend one message of the stored outbox, tracked until
//  its original deadline (FAILED now if that passed while we were down).
static void
s_resend_stored (chat_entry_t **stored_p, int64_t deadline, void *arg)
{
    self_t *self = (self_t *) arg;
    chat_entry_t *entry = chat_table_lookup (self->table, (*stored_p)->uuid);
    if (!entry || !entry->outgoing
    ||  (entry->status != MSG_SENDING && entry->status != MSG_SENT))
        return;
    int64_t now = dtchat_now_ms ();
    if (deadline <= now)
        s_fail (self, entry, "its lifetime ended while dtchat was not "
                "running");
    else
        s_dispatch (self, entry, S_FIRST, now, deadline);
}

//  SYNC token [order]: the marker, then every message in the order (which
//  the ui may change here), then, the first time, the stored outbox goes
//  out again.
static void
s_ui_sync (self_t *self, zmsg_t *msg)
{
    char *token = zmsg_popstr (msg);
    char *order = zmsg_popstr (msg);
    if (order && chat_order_parse (order, &self->order)) {
        char why [96];
        snprintf (why, sizeof why, "unknown order '%.40s': send or "
                  "receive", order);
        s_refuse (self, why);
    }
    s_publish_sys (self, "sync", token);
    size_t count = 0;
    chat_entry_t **sorted = chat_history_sorted (self->table, self->order,
                                                 &count);
    if (!sorted && chat_table_size (self->table))
        bus_log (self->pub, TOPIC_APP, LOG_ERROR, NULL,
                 "out of memory: history not re-published");
    for (size_t index = 0; index < count; index++)
        s_publish_entry (self, sorted [index]);
    free (sorted);
    if (self->outbox_due) {
        self->outbox_due = false;
        if (store_outbox (self->store, s_resend_stored, self) < 0)
            bus_log (self->pub, TOPIC_APP, LOG_ERROR, NULL, "%s (stored "
                     "messages not sent again)", store_error (self->store));
    }
    zstr_free (&token);
    zstr_free (&order);
}

//  A command from the ui.
static void
s_handle_ui (self_t *self)
{
    zmsg_t *msg = zmsg_recv (self->ui);
    char *verb = msg? zmsg_popstr (msg): NULL;
    if (!verb)
        ;   //  interrupted, or an empty message: nothing to do
    else
    if (streq (verb, VERB_TEXT))
        s_ui_text (self, msg);
    else
    if (streq (verb, VERB_RESEND))
        s_ui_resend (self, msg);
    else
    if (streq (verb, VERB_DRAIN))
        self->draining = true;      //  answered by s_check_drain
    else
    if (streq (verb, VERB_SYNC))
        s_ui_sync (self, msg);
    else {
        char why [64];
        snprintf (why, sizeof why, "unknown command %.20s", verb);
        s_refuse (self, why);
    }
    zstr_free (&verb);
    zmsg_destroy (&msg);
}

//  RESEND or EXPIRED from the ack-tracker.
static void
s_handle_tracker (self_t *self)
{
    zmsg_t *msg = zmsg_recv (self->tracker);
    char *verb = msg? zmsg_popstr (msg): NULL;
    char *uuid = msg? zmsg_popstr (msg): NULL;
    chat_entry_t *entry = chat_table_lookup (self->table, uuid);
    bool pending = entry && entry->outgoing
                && (entry->status == MSG_SENDING || entry->status == MSG_SENT);
    if (!verb || !uuid)
        bus_log (self->pub, TOPIC_APP, LOG_ERROR, NULL,
                 "malformed message from the ack-tracker");
    else
    if (streq (verb, VERB_RESEND)) {
        if (pending)
            s_dispatch (self, entry, S_RETRY, 0, 0);
        else
            s_untrack (self, uuid);     //  acked, failed or forgotten
    }
    else
    if (streq (verb, VERB_EXPIRED)) {
        char *reason = zmsg_popstr (msg);
        if (pending)
            s_fail (self, entry, reason && *reason? reason: "no ack");
        zstr_free (&reason);
    }
    else
        bus_log (self->pub, TOPIC_APP, LOG_ERROR, NULL,
                 "unknown verb %.20s from the ack-tracker", verb);
    zstr_free (&verb);
    zstr_free (&uuid);
    zmsg_destroy (&msg);
}

//  Ack MSG (a valid text or file) to its source_endpoint, over that
//  endpoint's protocol, from our endpoint of that protocol.
static void
s_send_ack (self_t *self, const chat_msg_t *msg)
{
    endpoint_t source;
    char text [S_ENDPOINT_TEXT];
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
        char token [sizeof S_ACK_TOKEN + 40];
        snprintf (token, sizeof token, S_ACK_TOKEN "%s", ack->uuid);
        zsock_send (transport, "sssb", VERB_SEND, token, text, data, size);
    }
    free (data);
    chat_msg_destroy (&ack);
}

//  A valid text or file: ack it, and show it unless we have seen it.
//  With a store it is written first, and acked only once it is: if the
//  write fails the sender's retry brings it again.
static void
s_recv_text (self_t *self, const chat_msg_t *msg)
{
    if (chat_table_lookup (self->table, msg->uuid)) {
        s_send_ack (self, msg);
        self->duplicates++;
        return;
    }
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
    bool stored = false;
    int fresh = 1;
    if (entry) {
        entry->send_time = msg->timestamp;
        entry->receive_time = dtchat_now_ms ();
        if (self->store)
            fresh = store_receive (self->store, entry, entry->receive_time);
    }
    if (fresh < 0) {
        bus_log (self->pub, TOPIC_APP, LOG_ERROR, NULL, "%s (message %s "
                 "not acked: its sender will try again)",
                 store_error (self->store), msg->uuid);
        chat_entry_destroy (&entry);
        free (shown);
        return;
    }
    if (entry || !self->store)
        s_send_ack (self, msg);
    if (fresh == 0) {
        self->duplicates++;         //  received before a restart
        chat_entry_destroy (&entry);
    }
    if (entry) {
        chat_entry_t *kept = entry;
        stored = chat_table_insert (self->table, &entry) == 0;
        if (stored)
            s_publish_entry (self, kept);
    }
    if (!stored && fresh)
        bus_log (self->pub, TOPIC_APP, LOG_ERROR, NULL,
                 "cannot store message %s", msg->uuid);
    chat_entry_destroy (&entry);
    free (shown);
}

//  A valid ack: our message is ACKED (an ack beats FAILED too).
static void
s_recv_ack (self_t *self, const chat_msg_t *msg, const char *peer)
{
    chat_entry_t *entry = chat_table_lookup (self->table, msg->ack_uuid);
    if (!entry || !entry->outgoing) {
        bus_log (self->pub, TOPIC_NET, LOG_WARN, peer,
                 "ack from %s for a message we did not send: %s",
                 peer, msg->ack_uuid);
        return;
    }
    if (chat_table_advance (self->table, entry, MSG_ACKED)) {
        entry->receive_time = dtchat_now_ms ();
        s_record (self, entry);
        s_publish_entry (self, entry);
        s_untrack (self, entry->uuid);
    }
}

//  RECV peer bytes from a transport: decode, validate, act.
static void
s_transport_recv (self_t *self, zmsg_t *msg)
{
    char *peer = zmsg_popstr (msg);
    zframe_t *frame = zmsg_pop (msg);
    char reason [S_REASON_MAX];
    chat_msg_t *chat = NULL;
    if (!peer || !frame) {
        self->dropped++;
        bus_log (self->pub, TOPIC_APP, LOG_ERROR, NULL,
                 "malformed RECV from a transport");
    }
    else
    if (!(chat = chat_msg_decode (zframe_data (frame), zframe_size (frame),
                                  reason, sizeof reason))
    ||  chat_msg_validate (chat, reason, sizeof reason)) {
        self->dropped++;
        bus_log (self->pub, TOPIC_NET, LOG_ERROR, peer,
                 "dropped %zu bytes from %.*s: %s", zframe_size (frame),
                 DTCHAT_ENDPOINT_MAX, peer, reason);
    }
    else
    if (chat->kind == CHAT_MSG_ACK)
        s_recv_ack (self, chat, peer);
    else
        s_recv_text (self, chat);
    chat_msg_destroy (&chat);
    zstr_free (&peer);
    zframe_destroy (&frame);
}

//  SENT, FAILED or RECV from the transport of PROTO.
static void
s_handle_transport (self_t *self, endpoint_proto_t proto)
{
    zmsg_t *msg = zmsg_recv (self->transport [proto]);
    char *verb = msg? zmsg_popstr (msg): NULL;
    if (verb && streq (verb, VERB_RECV))
        s_transport_recv (self, msg);
    else
    if (verb && (streq (verb, VERB_SENT) || streq (verb, VERB_FAILED))) {
        char *token = zmsg_popstr (msg);
        char *reason = zmsg_popstr (msg);
        bool is_ack = token && strncmp (token, S_ACK_TOKEN,
                                        strlen (S_ACK_TOKEN)) == 0;
        chat_entry_t *entry = is_ack? NULL:
                              chat_table_lookup (self->table, token);
        if (streq (verb, VERB_SENT)) {
            if (entry && chat_table_advance (self->table, entry,
                                             MSG_SENT)) {
                s_record (self, entry);
                s_publish_entry (self, entry);
            }
        }
        else    //  one attempt failed: the tracker retries until lifetime
        if (is_ack || entry)
            bus_log (self->pub, TOPIC_NET, LOG_WARN,
                     entry? entry->peer: NULL, "%s %s failed: %s",
                     is_ack? "sending ack": "sending message",
                     is_ack? token + strlen (S_ACK_TOKEN): token,
                     reason? reason: "no reason given");
        zstr_free (&token);
        zstr_free (&reason);
    }
    else
    if (verb)
        bus_log (self->pub, TOPIC_APP, LOG_ERROR, NULL,
                 "unknown verb %.20s from the %s transport", verb,
                 endpoint_proto_name (proto));
    zstr_free (&verb);
    zmsg_destroy (&msg);
}

//  START or $TERM from our creator.
static void
s_handle_pipe (self_t *self)
{
    char *verb = zstr_recv (self->pipe);
    if (!verb)
        self->terminated = true;        //  interrupted
    else
    if (streq (verb, VERB_TERM))
        self->terminated = true;
    else
    if (streq (verb, VERB_START)) {
        char reason [S_REASON_MAX] = "";
        int rc = -1;
        if (self->started)
            snprintf (reason, sizeof reason, "already started");
        else {
            rc = s_self_bind (self, reason, sizeof reason);
            if (rc)
                s_self_unbind (self);
            self->started = rc == 0;
        }
        zsock_send (self->pipe, "is", rc, rc? reason:
                    self->sender_from_store? self->sender: "");
    }
    else
        assert (false);     //  our creator's bug: an unknown command
    zstr_free (&verb);
}

//  Answer a pending DRAIN once nothing waits for an ack.
static void
s_check_drain (self_t *self)
{
    if (self->draining && chat_table_pending (self->table) == 0) {
        self->draining = false;
        s_publish_sys (self, "sync", "drain");
        zstr_send (self->ui, VERB_DRAINED);
    }
}

//  The actor: see chat_model.h.
void
chat_model_actor (zsock_t *pipe, void *args)
{
    self_t *self = s_self_new (pipe, (const chat_model_args_t *) args);
    zsock_signal (pipe, self? 0: -1);
    while (self && !self->terminated) {
        zsock_t *which = (zsock_t *) zpoller_wait (self->poller, -1);
        if (which == self->pipe)
            s_handle_pipe (self);
        else
        if (which && which == self->ui)
            s_handle_ui (self);
        else
        if (which && which == self->tracker)
            s_handle_tracker (self);
        else
        if (which) {
            for (int proto = 1; proto < 4; proto++)
                if (which == self->transport [proto])
                    s_handle_transport (self, (endpoint_proto_t) proto);
        }
        else
        if (zpoller_terminated (self->poller))
            break;
        if (self->started)
            s_check_drain (self);
    }
    s_self_destroy (&self);
}
