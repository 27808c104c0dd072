/*  ui_line.c: the line-mode user interface actor (scripts, --no-tui).

    dtchat's main starts it on a node: it reads lines from in_fd and sends
    each as TEXT to the chat-model over its PAIR (commands start with '/'),
    and prints every event it gets from its SUB on the bus to out_fd, as
    text or as one JSON object per line. Before it reads any input it makes
    sure its subscription has reached the bus (SYNC until the marker comes
    back), so no status of ours is missed. At end of input it sends DRAIN,
    waits for DRAINED and the "drain" sync marker (so every earlier event
    was printed), then reports DONE 0 to its creator. Input lines and
    commands are read in ui_line_input.c (see ui_line_private.h).
    A refused command comes back twice, as ERROR on the PAIR and as its
    "app" error copy on the bus: we print the ERROR (the PAIR does not
    drop) and skip the copy.
*/
#include "ui_line_private.h"
#include "event_bus.h"
#include <fcntl.h>
#include <poll.h>

#define S_HELLO_RETRY_MS    200             //  SYNC again this often
#define S_HELLO_TIMEOUT_MS  5000            //  give up on the model after
#define S_SYNC_WAIT_MS      3000            //  after DRAINED, for the marker
#define S_WRITE_WAIT_MS     10000           //  a stuck reader breaks output
#define S_HELLO_TOKEN       "ui-hello"
#define S_DRAIN_TOKEN       "drain"

//  Write all of DATA to out_fd, waiting (bounded) when it is full.
//  Returns 0 or -1 (output gone).
static int
s_write_all (self_t *self, const char *data, size_t size)
{
    while (size > 0) {
        ssize_t rc = write (self->args.out_fd, data, size);
        if (rc > 0) {
            data += rc;
            size -= (size_t) rc;
        }
        else
        if (rc == -1 && errno == EINTR)
            continue;
        else
        if (rc == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            //  stdout may share stdin's O_NONBLOCK (one terminal)
            struct pollfd item = { self->args.out_fd, POLLOUT, 0 };
            if (poll (&item, 1, S_WRITE_WAIT_MS) <= 0)
                return -1;
        }
        else
            return -1;
    }
    return 0;
}

//  Report DONE STATUS to our creator; input is over for us.
void
ui_line_finish (self_t *self, int status)
{
    self->state = UI_LINE_FINISHED;
    zsock_send (self->pipe, "si", VERB_DONE, status);
}

//  Print one event as a line (JSON or text).
static void
s_print_event (self_t *self, const bus_event_t *event)
{
    if (self->out_broken)
        return;
    char *line = self->args.json? bus_event_json (event, false):
                                  bus_event_text (event);
    if (!line)
        return;
    size_t size = strlen (line);
    //  One write per event keeps lines whole for readers of a pipe
    char *full = (char *) realloc (line, size + 2);
    if (full) {
        full [size] = '\n';
        if (s_write_all (self, full, size + 1)) {
            self->out_broken = true;
            if (self->state == UI_LINE_READING
            ||  self->state == UI_LINE_DRAINING)
                ui_line_finish (self, 1);
        }
        line = full;
    }
    free (line);
}

//  Print an "app" notice of our own (not on the bus: it is for our user).
void
ui_line_note (self_t *self, log_level_t level, const char *format, ...)
{
    bus_event_t *event = bus_event_new (BUS_EVENT_LOG, TOPIC_APP);
    if (!event)
        return;
    event->level = level;
    va_list args;
    va_start (args, format);
    if (vasprintf (&event->text, format, args) == -1)
        event->text = NULL;
    va_end (args);
    if (event->text)
        s_print_event (self, event);
    bus_event_destroy (&event);
}

//  Ask the model to drain; DONE comes when it has and the marker shows.
void
ui_line_start_drain (self_t *self)
{
    self->state = UI_LINE_DRAINING;
    self->drained = false;
    self->synced = false;
    self->sync_deadline = 0;
    self->drain_deadline = self->args.drain_timeout_ms > 0?
        zclock_mono () + self->args.drain_timeout_ms: 0;
    zsock_send (self->model, "s", VERB_DRAIN);
}


//  Send one SYNC hello: its marker on our SUB proves we are subscribed.
static void
s_send_hello (self_t *self)
{
    char token [32];
    snprintf (token, sizeof token, S_HELLO_TOKEN "-%u", ++self->hello_count);
    zsock_send (self->model, "ss", VERB_SYNC, token);
    self->hello_next = zclock_mono () + S_HELLO_RETRY_MS;
}

//  START: connect to the model and the bus, then say hello.
static void
s_handle_start (self_t *self)
{
    const char *why = NULL;
    if (self->state != UI_LINE_IDLE)
        why = "ui already started";
    else
    if (!self->args.model_endpoint || !self->args.bus_endpoint)
        why = "ui: no model or bus endpoint";
    else {
        self->model = zsock_new (ZMQ_PAIR);
        self->sub = event_bus_subscriber (self->args.bus_endpoint, NULL);
        if (!self->model || !self->sub
        ||  zsock_connect (self->model, "%s", self->args.model_endpoint))
            why = "ui: cannot connect to the chat-model and the bus";
    }
    if (why) {
        zsock_send (self->pipe, "is", -1, why);
        return;
    }
    self->state = UI_LINE_HELLO;
    self->hello_deadline = zclock_mono () + S_HELLO_TIMEOUT_MS;
    s_send_hello (self);
}

//  Handle a message on our actor pipe.
static void
s_handle_pipe (self_t *self)
{
    char *verb = zstr_recv (self->pipe);
    if (!verb)
        self->terminated = true;
    else
    if (streq (verb, VERB_TERM))
        self->terminated = true;
    else
    if (streq (verb, VERB_START))
        s_handle_start (self);
    else
    if (streq (verb, VERB_FLUSH)) {
        if (self->state == UI_LINE_FINISHED && !self->quit
        &&  !self->out_broken)
            ui_line_start_drain (self);
        else
        if (self->state == UI_LINE_FINISHED)
            ui_line_finish (self, self->out_broken? 1: 0);
    }
    else
        assert (false);         //  only our creator talks here
    zstr_free (&verb);
}

//  Remember WHY, a refusal we printed, so that its bus copy is skipped.
static void
s_refusal_add (self_t *self, const char *why)
{
    char *copy = strdup (why);
    if (!copy)
        return;                 //  then the copy is printed too
    if (self->refusal_count == UI_LINE_REFUSALS) {
        free (self->refusals [0]);
        memmove (self->refusals, self->refusals + 1,
                 --self->refusal_count * sizeof (char *));
    }
    self->refusals [self->refusal_count++] = copy;
}

//  True (and forgotten) if TEXT is a refusal we printed already.
static bool
s_refusal_take (self_t *self, const char *text)
{
    for (size_t index = 0; text && index < self->refusal_count; index++)
        if (streq (self->refusals [index], text)) {
            free (self->refusals [index]);
            memmove (self->refusals + index, self->refusals + index + 1,
                     (--self->refusal_count - index) * sizeof (char *));
            return true;
        }
    return false;
}

//  Handle a message from the chat-model.
static void
s_handle_model (self_t *self)
{
    zmsg_t *msg = zmsg_recv (self->model);
    char *verb = msg? zmsg_popstr (msg): NULL;
    if (verb && streq (verb, VERB_DRAINED)
    &&  self->state == UI_LINE_DRAINING) {
        self->drained = true;
        if (self->synced)
            ui_line_finish (self, 0);
        else
            self->sync_deadline = zclock_mono () + S_SYNC_WAIT_MS;
    }
    else
    if (verb && streq (verb, VERB_ERROR)) {
        char *why = zmsg_popstr (msg);
        ui_line_note (self, LOG_ERROR, "%s", why? why: "command refused");
        if (why)
            s_refusal_add (self, why);
        zstr_free (&why);
    }
    zstr_free (&verb);
    zmsg_destroy (&msg);
}

//  Handle one event from the bus: our markers, then print it.
static void
s_handle_bus (self_t *self)
{
    bus_event_t *event = bus_event_recv (self->sub);
    if (!event)
        return;                 //  undecodable: nothing to show
    if (event->kind == BUS_EVENT_LOG && streq (event->topic, TOPIC_APP)
    &&  event->level == LOG_ERROR) {
        //  The model sends ERROR before it publishes the copy: read the
        //  pipe dry first, so the ERROR is known when its copy is here
        while (self->model && (zsock_events (self->model) & ZMQ_POLLIN))
            s_handle_model (self);
        if (s_refusal_take (self, event->text)) {
            bus_event_destroy (&event);
            return;
        }
    }
    bool marker = event->kind == BUS_EVENT_SYS && event->sys_kind
               && streq (event->sys_kind, "sync") && event->token;
    if (marker && strncmp (event->token, S_HELLO_TOKEN,
                           strlen (S_HELLO_TOKEN)) == 0) {
        if (self->state == UI_LINE_HELLO) {
            self->state = UI_LINE_READING;
            zsock_send (self->pipe, "is", 0, "");
        }
        else    //  a hello sent before the first marker came back: the
                //  model re-publishes what we have shown already
            self->replayed = event->total;
        bus_event_destroy (&event);
        return;                 //  our plumbing, not news for the user
    }
    //  Before our marker, a msg event may be half of an earlier hello's
    //  re-publishing; the marker's re-publishing shows every message's
    //  latest status, once
    if (event->kind == BUS_EVENT_MSG
    &&  (self->state == UI_LINE_HELLO || self->replayed > 0)) {
        if (self->state != UI_LINE_HELLO)
            self->replayed--;
        bus_event_destroy (&event);
        return;
    }
    if (!(self->args.quiet && event->kind == BUS_EVENT_SYS))
        s_print_event (self, event);
    if (marker && streq (event->token, S_DRAIN_TOKEN)
    &&  self->state == UI_LINE_DRAINING) {
        self->synced = true;
        if (self->drained)
            ui_line_finish (self, 0);
    }
    bus_event_destroy (&event);
}

//  Act on whatever deadline has passed.
static void
s_handle_timers (self_t *self)
{
    int64_t now = zclock_mono ();
    if (self->state == UI_LINE_HELLO && now >= self->hello_deadline) {
        self->state = UI_LINE_FINISHED;
        zsock_send (self->pipe, "is", -1,
                    "the chat-model does not answer SYNC");
    }
    else
    if (self->state == UI_LINE_HELLO && now >= self->hello_next)
        s_send_hello (self);
    else
    if (self->state == UI_LINE_DRAINING && self->drained
    &&  self->sync_deadline && now >= self->sync_deadline) {
        ui_line_note (self, LOG_WARN, "the drain marker never came: "
                      "some events may be missing above");
        ui_line_finish (self, 0);
    }
    else
    if (self->state == UI_LINE_DRAINING && self->drain_deadline
    &&  now >= self->drain_deadline) {
        ui_line_note (self, LOG_ERROR, "messages still unacked %" PRId64
                      " ms after end of input: giving up",
                      self->args.drain_timeout_ms);
        ui_line_finish (self, 1);
    }
}

//  Milliseconds until the next deadline, or -1 for none.
static long
s_timeout (self_t *self)
{
    int64_t next = 0;
    if (self->state == UI_LINE_HELLO)
        next = self->hello_next < self->hello_deadline?
               self->hello_next: self->hello_deadline;
    else
    if (self->state == UI_LINE_DRAINING) {
        next = self->sync_deadline;
        if (self->drain_deadline && (!next || self->drain_deadline < next))
            next = self->drain_deadline;
    }
    if (!next)
        return -1;
    int64_t wait = next - zclock_mono ();
    return wait > 0? (long) wait: 0;
}

//  New actor state; input is set non-blocking (restored on destroy).
static self_t *
s_self_new (zsock_t *pipe, ui_args_t *args)
{
    self_t *self = (self_t *) calloc (1, sizeof (self_t));
    if (!self)
        return NULL;
    self->pipe = pipe;
    self->args = *args;
    self->state = UI_LINE_IDLE;
    self->line = (char *) malloc (UI_LINE_MAX + 1);
    if (!self->line) {
        free (self);
        return NULL;
    }
    self->in_flags = fcntl (args->in_fd, F_GETFL);
    if (self->in_flags != -1 && !(self->in_flags & O_NONBLOCK))
        fcntl (args->in_fd, F_SETFL, self->in_flags | O_NONBLOCK);
    else
        self->in_flags = -1;    //  nothing to restore
    return self;
}

//  Destroy the actor state.
static void
s_self_destroy (self_t **self_p)
{
    self_t *self = *self_p;
    if (!self)
        return;
    if (self->in_flags != -1)
        fcntl (self->args.in_fd, F_SETFL, self->in_flags);
    zsock_destroy (&self->model);
    zsock_destroy (&self->sub);
    while (self->refusal_count > 0)
        free (self->refusals [--self->refusal_count]);
    free (self->line);
    free (self);
    *self_p = NULL;
}

//  The actor: see ui.h.
void
ui_line_actor (zsock_t *pipe, void *args)
{
    assert (args);
    self_t *self = s_self_new (pipe, (ui_args_t *) args);
    zsock_signal (pipe, 0);
    if (!self) {
        ui_refuse (pipe, "ui: out of memory");
        return;
    }
    while (!self->terminated) {
        zmq_pollitem_t items [4];
        int count = 0;
        items [count++] = (zmq_pollitem_t) {
            zsock_resolve (self->pipe), 0, ZMQ_POLLIN, 0 };
        if (self->model) {
            items [count++] = (zmq_pollitem_t) {
                zsock_resolve (self->model), 0, ZMQ_POLLIN, 0 };
            items [count++] = (zmq_pollitem_t) {
                zsock_resolve (self->sub), 0, ZMQ_POLLIN, 0 };
        }
        bool reading = self->state == UI_LINE_READING;
        if (reading)
            items [count++] = (zmq_pollitem_t) {
                NULL, self->args.in_fd, ZMQ_POLLIN, 0 };
        if (zmq_poll (items, count, s_timeout (self)) == -1) {
            if (errno == ETERM || zsys_interrupted)
                break;
            continue;
        }
        if (items [0].revents & ZMQ_POLLIN)
            s_handle_pipe (self);
        if (count > 1 && !self->terminated) {
            if (items [1].revents & ZMQ_POLLIN)
                s_handle_model (self);
            if (items [2].revents & ZMQ_POLLIN)
                s_handle_bus (self);
        }
        if (reading && items [3].revents && self->state == UI_LINE_READING)
            ui_line_read_input (self);
        s_handle_timers (self);
    }
    s_self_destroy (&self);
}
