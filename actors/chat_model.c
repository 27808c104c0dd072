/*  chat_model.c: the chat-model actor, owner of every message and status.

    Its creator (node) starts it and binds it with START; it then binds
    one PAIR for the ui (TEXT, PEER, RESEND, DRAIN, SYNC in; ERROR, DRAINED
    out), one for the ack-tracker (TRACK, ACKED out; RESEND, EXPIRED in)
    and one per transport (SEND out; SENT, FAILED, RECV in), and connects
    a PUB to the event bus, where it publishes a "msg" event for every
    message created or changed, "net"/"app" events for what it drops or
    refuses, and "sys" sync markers. Messages live in a chat_table, which
    enforces the forward-only status rule. With a store (args db_path, see
    store.h) it is the only code that touches it; START opens it, takes
    our id from it if we have none and loads the history and the outbox.
    This file holds the state, START and the loop, which reads each pipe
    the poller marked (chat_model_pipes.c reads the messages) and hands
    every verb to the file that owns it (see chat_model_private.h):
    outgoing messages in chat_model_send.c, received ones in
    chat_model_recv.c, events, SYNC and DRAIN in chat_model_sync.c.
*/
#include "chat_model_private.h"
#include "event_bus.h"

#include <errno.h>

//  Room of a TEXT that names none, when the args name none either.
#define S_ROOM_DEFAULT  "room"
//  Received uuids are kept at least this long past a message's lifetime.
#define S_HORIZON_SLACK_MS  (24LL * 3600 * 1000)
//  Most messages taken from one pipe per wakeup, so that no pipe starves
//  the others; a pipe with more is marked and read again next round.
#define S_BATCH             64

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
    actor_poller_destroy (&self->poller);
    zsock_destroy (&self->ui);
    zsock_destroy (&self->tracker);
    for (int proto = 0; proto < 4; proto++) {
        zsock_destroy (&self->transport [proto]);
        free (self->transport_endpoint [proto]);
        free (self->local [proto]);
    }
    zsock_destroy (&self->pub);
    chat_table_destroy (&self->table);
    track_queue_destroy (&self->tracks);
    zmsg_destroy (&self->untracks);
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
    self->track_delay_ms = args->track_delay_ms > 0?
                           args->track_delay_ms: CHAT_MODEL_TRACK_DELAY_MS;
    self->db_path = s_dup (args->db_path, &ok);
    self->order_text = s_dup (args->order, &ok);
    self->horizon_ms = args->dedup_horizon_ms > 0? args->dedup_horizon_ms
                                                 : STORE_HORIZON_DEFAULT_MS;
    self->table = chat_table_new (0);
    self->tracks = track_queue_new ();
    self->poller = actor_poller_new ();
    if (self->poller && actor_poller_add (self->poller, pipe) == 0)
        zsock_set_rcvtimeo (pipe, 0);   //  read only until it is empty
    else
        ok = false;
    if (!ok || !self->table || !self->tracks || !self->poller)
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
            actor_poller_remove (self->poller, *socks [index]);
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
    if (self->sender && !*self->sender) {
        snprintf (reason, reason_size, "empty sender_uuid");
        return -1;
    }
    if (!self->sender && !self->db_path) {
        snprintf (reason, reason_size, "no sender_uuid");
        return -1;
    }
    if (chat_model_set_order (self, self->order_text, reason, reason_size))
        return -1;
    char why [CHAT_MODEL_REASON_MAX - 16];     //  room for "remote: "
    if (self->remote
    &&  chat_model_set_remote (self, self->remote, why, sizeof why)) {
        snprintf (reason, reason_size, "remote: %s", why);
        return -1;
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
    //  A zero receive timeout ends a batch (see S_BATCH) at the first
    //  miss, without asking zsock_events () (another poll ()) first
    zsock_set_rcvtimeo (self->ui, 0);
    zsock_set_rcvtimeo (self->tracker, 0);
    //  Replies to the ui (DRAINED, ERROR) are only for a ui: a live one
    //  reads its pipe at once, a gone one (stopped first at shutdown)
    //  would block us for ever and with us node_destroy
    zsock_set_sndtimeo (self->ui, 2000);
    actor_poller_add (self->poller, self->ui);
    actor_poller_add (self->poller, self->tracker);
    for (int proto = 1; proto < 4; proto++) {
        if (!self->transport_endpoint [proto])
            continue;
        if (s_bind (&self->transport [proto],
                    endpoint_proto_name ((endpoint_proto_t) proto),
                    self->transport_endpoint [proto], reason, reason_size))
            return -1;
        zsock_set_rcvtimeo (self->transport [proto], 0);
        actor_poller_add (self->poller, self->transport [proto]);
    }
    return s_self_open_store (self, reason, reason_size);
}

//  START: bind and open everything, and reply "is"; a failure undoes it.
static void
s_start (self_t *self)
{
    char reason [CHAT_MODEL_REASON_MAX] = "";
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

//  A command from our creator ($TERM is actor_poller's).
static void
s_command (void *arg, const char *verb, zmsg_t *msg)
{
    if (streq (verb, VERB_START))
        s_start ((self_t *) arg);
    else
        assert (false);     //  our creator's bug: an unknown command
}

//  Handle up to S_BATCH messages from WHICH, the ui, tracker or a
//  transport pipe, if the poller marked it, answering a DRAIN as soon as
//  it can be answered. A pipe left with more is marked to come back.
static void
s_handle_batch (self_t *self, zsock_t *which)
{
    if (!which || !actor_poller_ready (self->poller, which))
        return;
    for (int count = 0; !self->terminated; count++) {
        if (count == S_BATCH) {
            actor_poller_mark (self->poller, which);
            break;
        }
        bool handled = false;
        if (which == self->ui)
            handled = chat_model_read_ui (self);
        else
        if (which == self->tracker)
            handled = chat_model_read_tracker (self);
        else
            for (int proto = 1; proto < 4; proto++)
                if (which == self->transport [proto])
                    handled = chat_model_read_transport (self,
                                                   (endpoint_proto_t) proto);
        if (!handled)
            break;
        chat_model_check_drain (self);
    }
}

//  The actor: see chat_model.h. Each round reads every pipe the poller
//  marked (see actor_poller.h): transports first, so that acks and
//  arrivals are not held up behind a burst of texts from the ui.
void
chat_model_actor (zsock_t *pipe, void *args)
{
    self_t *self = s_self_new (pipe, (const chat_model_args_t *) args);
    zsock_signal (pipe, self? 0: -1);
    int timeout = -1;                   //  until a held-back TRACK is due
    while (self && !self->terminated) {
        if (actor_poller_wait (self->poller, timeout) == -1)
            break;
        if (actor_poller_ready (self->poller, pipe))
            self->terminated = actor_poller_commands (self->poller, pipe,
                                                      s_command, self);
        for (int proto = 1; proto < 4; proto++)
            s_handle_batch (self, self->transport [proto]);
        s_handle_batch (self, self->tracker);
        s_handle_batch (self, self->ui);
        if (self->started && !self->terminated) {
            chat_model_check_drain (self);
            timeout = chat_model_flush_tracker (self);
        }
    }
    s_self_destroy (&self);
}
