/*  demo_bot.c: the peer that answers in dtchat's no-argument demo.

    dtchat's main starts it on the demo peer's node. It is a user without a
    keyboard: a PAIR to the node's chat-model (the ui pipe) and a SUB on the
    node's bus. Each message the node RECEIVED gets an "echo: ..." answer,
    the first one also a greeting that explains the statuses. FLUSH (from
    main, at end of input) drains the node until every answer to what came
    before is ACKED or FAILED. The texts it echoes come from the network:
    they are bounded before they go back out.
*/
#include "demo_bot.h"
#include "bus_event.h"
#include "event_bus.h"

#define S_ECHO_MAX          1000        //  bytes of a text we echo back
#define S_SEEN_MAX          10000       //  uuids remembered for dedup
#define S_HELLO_RETRY_MS    200
#define S_HELLO_TIMEOUT_MS  5000
#define S_HELLO_TOKEN       "bot-hello"
#define S_DRAIN_TOKEN       "drain"

#define S_GREETING \
    "hello, I am the demo peer: I answer each message you send. Yours " \
    "show SENDING (handed to the network), SENT (on the wire), ACKED (I " \
    "acknowledged it) or FAILED (no ack within its lifetime; /resend " \
    "UUID tries again); mine show RECEIVED. End with Ctrl-D or /quit."

typedef struct {
    zsock_t *pipe;
    zsock_t *model;             //  PAIR to the chat-model's ui pipe
    zsock_t *sub;               //  SUB on the bus: msg and sys
    demo_bot_args_t args;
    zhashx_t *seen;             //  uuids already answered
    bool terminated;
    bool polled;                //  model and sub are in the poller
    bool started;
    bool greeted;
    //  START: waiting for our hello marker
    bool hello;
    unsigned hello_count;
    int64_t hello_next;
    int64_t hello_deadline;
    //  FLUSH: draining rounds until one adds no answers
    bool flushing;
    bool drained;
    bool synced;
    bool answered;              //  answers sent since the last DRAIN
} self_t;

//  Send TEXT to the chat-model in ROOM.
static void
s_say (self_t *self, const char *room, const char *text)
{
    zsock_send (self->model, "sss", VERB_TEXT, room, text);
    self->answered = true;
}

//  Answer one RECEIVED message.
static void
s_answer (self_t *self, const bus_event_t *event)
{
    const char *text = event->text? event->text: "";
    const char *room = event->room? event->room: "";
    if (event->uuid) {
        if (zhashx_lookup (self->seen, event->uuid))
            return;             //  a resync shows it again: answered
        if (zhashx_size (self->seen) >= S_SEEN_MAX)
            zhashx_purge (self->seen);
        zhashx_insert (self->seen, event->uuid, (void *) "");
    }
    if (!self->greeted) {
        self->greeted = true;
        s_say (self, room, S_GREETING);
    }
    //  Cut at a character boundary so the echo stays valid UTF-8
    size_t size = strlen (text);
    bool cut = size > S_ECHO_MAX;
    if (cut) {
        size = S_ECHO_MAX;
        while (size > 0 && ((unsigned char) text [size] & 0xC0) == 0x80)
            size--;
    }
    char *echo = zsys_sprintf ("echo: %.*s%s", (int) size, text,
                               cut? "...": "");
    if (echo)
        s_say (self, room, echo);
    zstr_free (&echo);
}

//  Send a SYNC whose marker proves our subscription is live.
static void
s_send_hello (self_t *self)
{
    char token [32];
    snprintf (token, sizeof token, S_HELLO_TOKEN "-%u", ++self->hello_count);
    zsock_send (self->model, "ss", VERB_SYNC, token);
    self->hello_next = zclock_mono () + S_HELLO_RETRY_MS;
}

//  Start a drain round of FLUSH.
static void
s_drain (self_t *self)
{
    self->drained = false;
    self->synced = false;
    self->answered = false;
    zsock_send (self->model, "s", VERB_DRAIN);
}

//  A drain round is over: another one if it added answers, else FLUSHED.
static void
s_drain_check (self_t *self)
{
    if (!self->flushing || !self->drained || !self->synced)
        return;
    if (self->answered)
        s_drain (self);
    else {
        self->flushing = false;
        zsock_send (self->pipe, "s", VERB_FLUSHED);
    }
}

//  START: connect and say hello.
static void
s_handle_start (self_t *self)
{
    if (self->started || self->hello) {
        zsock_send (self->pipe, "is", -1, "demo bot already started");
        return;
    }
    const char *topics [] = { TOPIC_MSG, TOPIC_SYS, NULL };
    self->model = zsock_new (ZMQ_PAIR);
    self->sub = self->args.bus_endpoint?
        event_bus_subscriber (self->args.bus_endpoint, topics): NULL;
    if (!self->model || !self->sub || !self->args.ui_endpoint
    ||  zsock_connect (self->model, "%s", self->args.ui_endpoint)) {
        zsock_destroy (&self->model);
        zsock_destroy (&self->sub);
        zsock_send (self->pipe, "is", -1,
                    "demo bot: cannot connect to the node");
        return;
    }
    self->hello = true;
    self->hello_deadline = zclock_mono () + S_HELLO_TIMEOUT_MS;
    s_send_hello (self);
}

//  Handle a command from our creator.
static void
s_handle_pipe (self_t *self)
{
    char *verb = zstr_recv (self->pipe);
    if (!verb || streq (verb, VERB_TERM))
        self->terminated = true;
    else
    if (streq (verb, VERB_START))
        s_handle_start (self);
    else
    if (streq (verb, VERB_FLUSH)) {
        if (!self->started)
            zsock_send (self->pipe, "s", VERB_FLUSHED);
        else
        if (!self->flushing) {
            self->flushing = true;
            s_drain (self);
        }
    }
    else
        assert (false);         //  only our creator talks here
    zstr_free (&verb);
}

//  Handle DRAINED (or an ERROR we can only ignore) from the chat-model.
static void
s_handle_model (self_t *self)
{
    char *verb = NULL;
    zmsg_t *msg = zmsg_recv (self->model);
    if (msg)
        verb = zmsg_popstr (msg);
    if (verb && streq (verb, VERB_DRAINED) && self->flushing) {
        self->drained = true;
        s_drain_check (self);
    }
    zstr_free (&verb);
    zmsg_destroy (&msg);
}

//  Handle one bus event: hello and drain markers, RECEIVED messages.
static void
s_handle_bus (self_t *self)
{
    bus_event_t *event = bus_event_recv (self->sub);
    if (!event)
        return;
    if (event->kind == BUS_EVENT_SYS && event->sys_kind && event->token
    &&  streq (event->sys_kind, "sync")) {
        if (self->hello && strncmp (event->token, S_HELLO_TOKEN,
                                    strlen (S_HELLO_TOKEN)) == 0) {
            self->hello = false;
            self->started = true;
            zsock_send (self->pipe, "is", 0, "");
        }
        else
        if (self->flushing && streq (event->token, S_DRAIN_TOKEN)) {
            self->synced = true;
            s_drain_check (self);
        }
    }
    else
    if (event->kind == BUS_EVENT_MSG && self->started
    &&  event->status == MSG_RECEIVED && !event->outgoing)
        s_answer (self, event);
    bus_event_destroy (&event);
}

//  Hello retries and timeout.
static void
s_handle_timers (self_t *self)
{
    if (!self->hello)
        return;
    int64_t now = zclock_mono ();
    if (now >= self->hello_deadline) {
        self->hello = false;
        zsock_send (self->pipe, "is", -1,
                    "demo bot: the chat-model does not answer SYNC");
    }
    else
    if (now >= self->hello_next)
        s_send_hello (self);
}

//  Milliseconds to the next hello action, or -1.
static int
s_timeout (self_t *self)
{
    if (!self->hello)
        return -1;
    int64_t next = self->hello_next < self->hello_deadline?
                   self->hello_next: self->hello_deadline;
    int64_t wait = next - zclock_mono ();
    return wait > 0? (int) wait: 0;
}

//  The actor: see demo_bot.h.
void
demo_bot_actor (zsock_t *pipe, void *args)
{
    assert (args);
    self_t *self = (self_t *) calloc (1, sizeof (self_t));
    zpoller_t *poller = self? zpoller_new (pipe, NULL): NULL;
    if (self) {
        self->pipe = pipe;
        self->args = *(demo_bot_args_t *) args;
        self->seen = zhashx_new ();
    }
    //  zactor_new does not look at the signal's status: on failure, say so
    //  in the START reply instead
    zsock_signal (pipe, 0);
    if (!self || !poller || !self->seen) {
        char *verb;
        while ((verb = zstr_recv (pipe))) {
            bool term = streq (verb, VERB_TERM);
            if (streq (verb, VERB_START))
                zsock_send (pipe, "is", -1, "demo bot: out of memory");
            zstr_free (&verb);
            if (term)
                break;
        }
    }
    else
    while (!self->terminated) {
        zsock_t *which = (zsock_t *) zpoller_wait (poller, s_timeout (self));
        if (which == pipe) {
            s_handle_pipe (self);
            //  the sockets exist from START on: poll them too
            if (self->model && !self->polled) {
                zpoller_add (poller, self->model);
                zpoller_add (poller, self->sub);
                self->polled = true;
            }
        }
        else
        if (which && which == self->model)
            s_handle_model (self);
        else
        if (which && which == self->sub)
            s_handle_bus (self);
        else
        if (zpoller_terminated (poller))
            break;
        s_handle_timers (self);
    }
    zpoller_destroy (&poller);
    if (self) {
        zsock_destroy (&self->model);
        zsock_destroy (&self->sub);
        zhashx_destroy (&self->seen);
        free (self);
    }
}
