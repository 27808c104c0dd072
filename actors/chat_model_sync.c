/*  chat_model_sync.c: the chat-model's events, SYNC and DRAIN.

    Part of the chat-model actor (see chat_model_private.h). Every status
    change the other files make goes out from here as a "msg" event on
    the bus; a refused ui command gets ERROR on the ui's pipe and an "app"
    error event. SYNC (from the ui, which also uses it to learn that its
    subscription is live) publishes a "sys" sync marker with the ui's
    token, then every message in the history order (which SYNC may
    change), and the first time it also sends the stored outbox again
    (the node has started the ack-tracker by then). DRAIN is answered with
    a "drain" marker and DRAINED once nothing waits for an ack.
*/
#include "chat_model_private.h"

//  Publish ENTRY's current state as a "msg" event, encoded straight from
//  its fields (chat_entry_event would copy five strings per event). The
//  reason goes out only with FAILED, as chat_entry_event does.
void
chat_model_publish (self_t *self, const chat_entry_t *entry)
{
    const char *reason = entry->status == MSG_FAILED? entry->reason: NULL;
    bus_event_publish_msg (self->pub, entry->uuid, entry->sender,
                           entry->room, entry->text, entry->status,
                           entry->send_time, entry->receive_time,
                           entry->peer, reason, entry->outgoing,
                           entry->attempts);
}

//  Publish a "sys" event of KIND with TOKEN and the counters.
void
chat_model_publish_sys (self_t *self, const char *kind, const char *token)
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
void
chat_model_refuse (self_t *self, const char *why)
{
    zsock_send (self->ui, "ss", VERB_ERROR, why);
    chat_model_sent_on (self, self->ui);
    bus_log (self->pub, TOPIC_APP, LOG_ERROR, NULL, "%s", why);
}

//  Parse ORDER (NULL keeps "send") into self->order.
int
chat_model_set_order (self_t *self, const char *order,
                      char *why, size_t why_size)
{
    if (chat_order_parse (order, &self->order) == 0)
        return 0;
    snprintf (why, why_size, "unknown order '%.40s': send or receive", order);
    return -1;
}

//  SYNC token [order]: the marker, then every message in the order (which
//  the ui may change here), then, the first time, the stored outbox goes
//  out again.
void
chat_model_sync (self_t *self, zmsg_t *msg)
{
    char *token = zmsg_popstr (msg);
    char *order = zmsg_popstr (msg);
    char why [96];
    if (order && chat_model_set_order (self, order, why, sizeof why))
        chat_model_refuse (self, why);
    chat_model_publish_sys (self, "sync", token);
    size_t count = 0;
    chat_entry_t **sorted = chat_history_sorted (self->table, self->order,
                                                 &count);
    if (!sorted && chat_table_size (self->table))
        bus_log (self->pub, TOPIC_APP, LOG_ERROR, NULL,
                 "out of memory: history not re-published");
    for (size_t index = 0; index < count; index++)
        chat_model_publish (self, sorted [index]);
    free (sorted);
    if (self->outbox_due) {
        self->outbox_due = false;
        chat_model_resend_outbox (self);
    }
    zstr_free (&token);
    zstr_free (&order);
}

//  Answer a pending DRAIN once nothing waits for an ack.
void
chat_model_check_drain (self_t *self)
{
    if (self->draining && chat_table_pending (self->table) == 0) {
        self->draining = false;
        chat_model_publish_sys (self, "sync", "drain");
        zstr_send (self->ui, VERB_DRAINED);
        chat_model_sent_on (self, self->ui);
    }
}
