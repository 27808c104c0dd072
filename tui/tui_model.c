/*  tui_model.c: what the curses ui shows (see include/tui_model.h).

    The curses ui (tui_app.c) applies every bus event here and draws from
    it. Messages sit in an array in arrival order with a uuid index
    (zhashx); "net" and "app" events in two rings (tui_logs). The scroll
    position lives in tui_model_scroll.c. Events come from another
    process's bus: every field may be missing or hostile; texts are
    bounded here and cleaned when drawn.
*/
#include "tui_model_private.h"
#include "tui_text.h"

#define S_TABLE_MAX     100000  //  the chat-model's table size (chat_table)


//  Free one message.
static void
s_msg_destroy (tui_msg_t **msg_p)
{
    tui_msg_t *msg = *msg_p;
    if (!msg)
        return;
    free (msg->uuid);
    free (msg->sender);
    free (msg->text);
    free (msg->reason);
    free (msg);
    *msg_p = NULL;
}

//  New empty model.
tui_model_t *
tui_model_new (void)
{
    tui_model_t *self = (tui_model_t *) calloc (1, sizeof (tui_model_t));
    if (!self)
        return NULL;
    self->msgs = (tui_msg_t **) calloc (TUI_MSG_MAX, sizeof (tui_msg_t *));
    self->by_uuid = zhashx_new ();
    self->logs [TUI_PANE_NET] = tui_logs_new (TUI_LOG_MAX);
    self->logs [TUI_PANE_APP] = tui_logs_new (TUI_LOG_MAX);
    if (!self->msgs || !self->by_uuid || !self->logs [TUI_PANE_NET]
    ||  !self->logs [TUI_PANE_APP]) {
        tui_model_destroy (&self);
        return NULL;
    }
    self->live = true;
    return self;
}

//  Destroy the model; idempotent.
void
tui_model_destroy (tui_model_t **self_p)
{
    tui_model_t *self = *self_p;
    if (!self)
        return;
    for (size_t index = 0; self->msgs && index < self->count; index++)
        s_msg_destroy (&self->msgs [index]);
    free (self->msgs);
    zhashx_destroy (&self->by_uuid);
    tui_logs_destroy (&self->logs [TUI_PANE_NET]);
    tui_logs_destroy (&self->logs [TUI_PANE_APP]);
    free (self->token);
    free (self);
    *self_p = NULL;
}

//  Add or remove MSG's status from the counters (DELTA is 1 or -1).
static void
s_count (tui_model_t *self, const tui_msg_t *msg, int delta)
{
    if (!msg->outgoing)
        return;
    size_t *counter = NULL;
    if (msg->status == MSG_SENDING || msg->status == MSG_SENT)
        counter = &self->pending;
    else
    if (msg->status == MSG_FAILED)
        counter = &self->failed;
    if (counter)
        *counter = delta > 0? *counter + 1: *counter - 1;
}

//  Forget the oldest tenth of the messages that wait for nothing.
static void
s_evict (tui_model_t *self)
{
    size_t drop = TUI_MSG_MAX / 10, kept = 0, gone = 0;
    size_t first = self->first, anchor = self->anchor;
    bool anchor_gone = false;
    for (size_t index = 0; index < self->count; index++) {
        tui_msg_t *msg = self->msgs [index];
        bool pending = msg->outgoing && (msg->status == MSG_SENDING
                                      || msg->status == MSG_SENT);
        if (gone < drop && !pending) {
            if (index < self->first)
                first--;
            if (index < self->anchor)
                anchor--;
            else
            if (index == self->anchor)
                anchor_gone = true;
            zhashx_delete (self->by_uuid, msg->uuid);
            s_count (self, msg, -1);
            s_msg_destroy (&self->msgs [index]);
            gone++;
        }
        else
            self->msgs [kept++] = msg;
    }
    self->count = kept;
    self->first = first;
    self->anchor = anchor;
    if (anchor_gone)
        self->hidden = 0;
    if (self->anchor < self->first || self->anchor >= self->count)
        self->live = true;
    self->evicted = true;
}

//  Replace *FIELD with a copy of VALUE (NULL or "" clears it).
static void
s_set (char **field, const char *value)
{
    if (*field && value && streq (*field, value))
        return;
    free (*field);
    *field = value && *value? strdup (value): NULL;
}

//  Copy the text of EVENT into MSG, bounded.
static void
s_set_text (tui_msg_t *msg, const char *text)
{
    if (!text)
        text = "";
    size_t size = strlen (text);
    size_t shown = tui_utf8_cut (text, size, TUI_TEXT_SHOWN);
    if (msg->text && msg->full_size == size
    &&  memcmp (msg->text, text, shown) == 0)
        return;
    free (msg->text);
    msg->text = strndup (text, shown);
    msg->text_size = msg->text? shown: 0;
    msg->full_size = size;
    msg->more [0] = 0;
    if (shown < size)
        snprintf (msg->more, sizeof msg->more, "[%zu more bytes not shown]",
                  size - shown);
}

//  Our resync's messages have all arrived: check them against the
//  marker's counters. TUI_SYNC_DONE, or TUI_GAP when some went missing.
static int
s_sync_finish (tui_model_t *self)
{
    self->republishing = false;
    self->syncing = false;
    uint64_t count = 0, pending = 0, failed = 0;
    for (size_t index = 0; index < self->count; index++) {
        tui_msg_t *msg = self->msgs [index];
        if (msg->generation != self->generation)
            continue;
        count++;
        if (msg->outgoing && (msg->status == MSG_SENDING
                           || msg->status == MSG_SENT))
            pending++;
        if (msg->outgoing && msg->status == MSG_FAILED)
            failed++;
    }
    if (count == self->expect && pending == self->mark_pending
    &&  failed == self->mark_failed)
        return TUI_SYNC_DONE | TUI_CHANGED;
    return TUI_GAP | TUI_CHANGED;
}

//  A "msg" event: create or update the message.
static int
s_apply_msg (tui_model_t *self, const bus_event_t *event, int64_t now)
{
    if (!event->uuid || !*event->uuid)
        return 0;
    int flags = TUI_CHANGED;
    tui_msg_t *msg = (tui_msg_t *) zhashx_lookup (self->by_uuid,
                                                  event->uuid);
    if (!msg) {
        bool first_status = event->status == MSG_RECEIVED
                         || (event->status == MSG_SENDING && event->outgoing);
        if (!first_status && !self->syncing)
            flags |= TUI_GAP;
        if (self->count == TUI_MSG_MAX)
            s_evict (self);
        msg = (tui_msg_t *) calloc (1, sizeof (tui_msg_t));
        if (!msg || !(msg->uuid = strdup (event->uuid))) {
            free (msg);
            return 0;
        }
        self->msgs [self->count++] = msg;
        zhashx_insert (self->by_uuid, msg->uuid, msg);
    }
    else
        s_count (self, msg, -1);
    s_set (&msg->sender, event->sender);
    s_set_text (msg, event->text);
    s_set (&msg->reason, event->reason);
    msg->status = event->status;
    msg->outgoing = event->outgoing;
    msg->attempts = event->attempts;
    msg->send_time = event->send_time;
    msg->receive_time = event->receive_time;
    tui_time_format (msg->send_time, now, msg->send_str,
                     sizeof msg->send_str);
    tui_time_format (msg->receive_time, now, msg->receive_str,
                     sizeof msg->receive_str);
    s_count (self, msg, 1);
    if (self->republishing) {
        msg->generation = self->generation;
        if (++self->got == self->expect)
            flags |= s_sync_finish (self);
    }
    return flags;
}

static void
    s_forget (tui_model_t *self);

//  True if the model's counters in EVENT (a "sys" checkpoint) differ
//  from ours: we missed events.
static bool
s_mismatch (tui_model_t *self, const bus_event_t *event)
{
    if (event->pending != self->pending)
        return true;
    //  While neither side has forgotten a message, all must agree
    bool whole = !self->evicted && event->total < S_TABLE_MAX;
    return whole && (event->failed != self->failed
                     || event->total != self->count);
}

//  A "sys" event: a checkpoint, maybe the marker of our resync.
static int
s_apply_sys (tui_model_t *self, const bus_event_t *event)
{
    if (!event->sys_kind || !(streq (event->sys_kind, "sync")
                           || streq (event->sys_kind, "stats")))
        return 0;
    bool ours = self->syncing && streq (event->sys_kind, "sync")
             && event->token && self->token
             && streq (event->token, self->token);
    int flags = 0;
    //  Mid-republish our view is half old, half new: no verdict then
    if (!self->republishing && !self->syncing && s_mismatch (self, event))
        flags |= TUI_GAP;
    if (ours) {
        flags |= TUI_SYNC_MARK | TUI_CHANGED;
        if (self->rebuild)
            s_forget (self);
        self->republishing = true;
        self->expect = event->total;
        self->got = 0;
        self->mark_pending = event->pending;
        self->mark_failed = event->failed;
        self->generation++;
        if (self->expect == 0)
            flags |= s_sync_finish (self);
    }
    return flags;
}

//  A "net" or "app" event: into its pane.
static int
s_apply_log (tui_model_t *self, const bus_event_t *event, int64_t now)
{
    tui_pane_t pane = streq (event->topic, TOPIC_NET)? TUI_PANE_NET:
                                                       TUI_PANE_APP;
    const char *text = event->text? event->text: "";
    if (event->endpoint && *event->endpoint)
        tui_model_log (self, pane, event->level, now, "%.*s (%.*s)",
                       TUI_LOGS_TEXT_MAX, text, DTCHAT_ENDPOINT_MAX,
                       event->endpoint);
    else
        tui_logs_add (self->logs [pane], now, event->level, text);
    return TUI_CHANGED;
}

//  Take in one event: see tui_model.h.
int
tui_model_apply (tui_model_t *self, const bus_event_t *event, int64_t now)
{
    if (event->kind == BUS_EVENT_MSG)
        return s_apply_msg (self, event, now);
    if (event->kind == BUS_EVENT_SYS)
        return s_apply_sys (self, event);
    if (event->kind == BUS_EVENT_LOG)
        return s_apply_log (self, event, now);
    return 0;
}

//  A resync starts with TOKEN.
void
tui_model_sync_start (tui_model_t *self, const char *token, bool rebuild)
{
    free (self->token);
    self->token = strdup (token);
    self->syncing = self->token != NULL;
    self->republishing = false;
    self->rebuild = rebuild;
}

//  Give up the resync.
void
tui_model_sync_stop (tui_model_t *self)
{
    self->syncing = self->republishing = false;
}

//  Forget every message (a rebuild starts).
static void
s_forget (tui_model_t *self)
{
    zhashx_purge (self->by_uuid);
    for (size_t index = 0; index < self->count; index++)
        s_msg_destroy (&self->msgs [index]);
    self->count = self->first = 0;
    self->pending = self->failed = 0;
    self->evicted = false;
    self->live = true;
}

//  True while a resync runs.
bool
tui_model_syncing (tui_model_t *self)
{
    return self->syncing;
}

//  Add a notice to a pane.
void
tui_model_log (tui_model_t *self, tui_pane_t pane, log_level_t level,
               int64_t now, const char *format, ...)
{
    char *text = NULL;
    va_list args;
    va_start (args, format);
    if (vasprintf (&text, format, args) == -1)
        text = NULL;
    va_end (args);
    if (!text)
        return;
    tui_logs_add (self->logs [pane], now, level, text);
    free (text);
}

//  /clear.
void
tui_model_clear (tui_model_t *self)
{
    self->first = self->count;
    self->live = true;
    tui_logs_clear (self->logs [TUI_PANE_NET]);
    tui_logs_clear (self->logs [TUI_PANE_APP]);
}

//  Messages known.
size_t
tui_model_msg_count (tui_model_t *self)
{
    return self->count;
}

//  First message shown.
size_t
tui_model_msg_first (tui_model_t *self)
{
    return self->first;
}

//  One message, or NULL.
const tui_msg_t *
tui_model_msg_get (tui_model_t *self, size_t index)
{
    return index < self->count? self->msgs [index]: NULL;
}

//  The lines of a pane.
tui_logs_t *
tui_model_logs (tui_model_t *self, tui_pane_t pane)
{
    return self->logs [pane];
}

//  Outgoing messages waiting for an ack.
size_t
tui_model_pending (tui_model_t *self)
{
    return self->pending;
}

//  Outgoing messages FAILED.
size_t
tui_model_failed (tui_model_t *self)
{
    return self->failed;
}

//  The newest FAILED outgoing message.
const tui_msg_t *
tui_model_last_failed (tui_model_t *self)
{
    for (size_t index = self->count; index > 0; index--) {
        tui_msg_t *msg = self->msgs [index - 1];
        if (msg->outgoing && msg->status == MSG_FAILED)
            return msg;
    }
    return NULL;
}

//  The outgoing message PREFIX names.
const tui_msg_t *
tui_model_find_outgoing (tui_model_t *self, const char *prefix,
                         size_t *matches)
{
    *matches = 0;
    tui_msg_t *exact = (tui_msg_t *) zhashx_lookup (self->by_uuid, prefix);
    if (exact && exact->outgoing) {
        *matches = 1;
        return exact;
    }
    size_t size = strlen (prefix);
    const tui_msg_t *found = NULL;
    for (size_t index = 0; size > 0 && index < self->count; index++) {
        tui_msg_t *msg = self->msgs [index];
        if (msg->outgoing && strncmp (msg->uuid, prefix, size) == 0) {
            found = msg;
            (*matches)++;
        }
    }
    return *matches == 1? found: NULL;
}
