/*  ui_curses.c: the full-screen curses user interface actor.

    dtchat's main starts it instead of ui_line when stdin and stdout are a
    terminal. It learns everything from its SUB on the bus and sends the
    user's commands to the chat-model over its PAIR (TEXT, RESEND, SYNC);
    what keys, commands and events do is tui_app's business (tui_app.c),
    drawing is tui_draw's, the terminal tui_term's. This file is the actor:
    START, the sockets, and one zmq_poll on the actor pipe, the PAIR, the
    SUB, the terminal and the resize pipe with an infinite or computed
    timeout, so an idle ui uses no CPU and redraws only after a change.

    START starts curses and sends the first SYNC; it is answered once that
    SYNC's marker comes back on our SUB (so no status is missed), or with
    -1 after S_HELLO_TIMEOUT_MS. The ui finishes on /quit (DONE 0), Ctrl-C
    (DONE 130), a lost terminal (DONE 1) or $TERM (main turns SIGINT and
    SIGTERM into that); each gives the terminal back before anything else.
    See tui_app.c for resyncs and tui_model.h for how gaps are detected.
*/
#include "ui.h"
#include "bus_event.h"
#include "event_bus.h"
#include "tui_app.h"
#include <langinfo.h>
#include <locale.h>

#define S_HELLO_TIMEOUT_MS  5000    //  the chat-model must answer SYNC

typedef enum {
    S_IDLE,             //  before START
    S_HELLO,            //  curses up, waiting for our first marker
    S_RUNNING,
    S_FINISHED          //  DONE sent, terminal given back
} s_state_t;

typedef struct {
    zsock_t *pipe;              //  our creator
    zsock_t *model;             //  PAIR to the chat-model
    zsock_t *sub;               //  SUB on the bus
    ui_args_t args;             //  copy; strings stay borrowed
    tui_app_t *app;
    locale_t locale;            //  a UTF-8 LC_CTYPE for this thread
    locale_t old_locale;
    s_state_t state;
    bool terminated;
    int64_t hello_deadline;
} self_t;

//  START: connect, start curses, say hello to the chat-model.
static void
s_handle_start (self_t *self)
{
    char why [256] = "";
    if (self->state != S_IDLE)
        snprintf (why, sizeof why, "ui already started");
    else
    if (!self->args.model_endpoint || !self->args.bus_endpoint)
        snprintf (why, sizeof why, "ui: no model or bus endpoint");
    else {
        self->model = zsock_new (ZMQ_PAIR);
        self->sub = event_bus_subscriber (self->args.bus_endpoint, NULL);
        if (!self->model || !self->sub
        ||  zsock_connect (self->model, "%s", self->args.model_endpoint))
            snprintf (why, sizeof why, "ui: cannot connect to the "
                      "chat-model and the bus");
        else
        if (!(self->app = tui_app_new (self->model, &self->args)))
            snprintf (why, sizeof why, "ui: out of memory");
        else
            tui_app_open (self->app, self->args.in_fd, self->args.out_fd,
                          why, sizeof why);
    }
    if (*why) {
        tui_app_destroy (&self->app);
        zsock_send (self->pipe, "is", -1, why);
        return;
    }
    self->state = S_HELLO;
    self->hello_deadline = zclock_mono () + S_HELLO_TIMEOUT_MS;
}

//  A message on our actor pipe.
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
        //  Line mode's second drain; here the terminal is already back
        if (self->state == S_FINISHED)
            zsock_send (self->pipe, "si", VERB_DONE, 0);
    }
    else
        assert (false);         //  only our creator talks here
    zstr_free (&verb);
}

//  A reply from the chat-model: only refusals matter to us.
static void
s_handle_model (self_t *self)
{
    zmsg_t *msg = zmsg_recv (self->model);
    char *verb = msg? zmsg_popstr (msg): NULL;
    if (verb && streq (verb, VERB_ERROR)) {
        char *why = zmsg_popstr (msg);
        tui_app_error (self->app, why? why: "command refused");
        zstr_free (&why);
    }
    zstr_free (&verb);
    zmsg_destroy (&msg);
}

//  Take in the bus events waiting, a bounded batch per round so keys and
//  redraws keep their turn in a flood.
static void
s_handle_bus (self_t *self)
{
    for (int count = 0; count < 256
                     && (zsock_events (self->sub) & ZMQ_POLLIN); count++) {
        bus_event_t *event = bus_event_recv (self->sub);
        if (event && self->state != S_FINISHED)
            tui_app_event (self->app, event);
        bus_event_destroy (&event);
    }
}

//  After each round: START's answer, the end, timers.
static void
s_check (self_t *self)
{
    if (self->state == S_HELLO && tui_app_connected (self->app)) {
        self->state = S_RUNNING;
        zsock_send (self->pipe, "is", 0, "");
    }
    int status;
    if ((self->state == S_HELLO || self->state == S_RUNNING)
    &&  tui_app_done (self->app, &status)) {
        bool answered = self->state == S_RUNNING;
        self->state = S_FINISHED;
        if (answered)
            zsock_send (self->pipe, "si", VERB_DONE, status);
        else
            zsock_send (self->pipe, "is", -1, "ui: left before the "
                        "chat-model answered");
    }
    if (self->state == S_HELLO && zclock_mono () >= self->hello_deadline) {
        tui_app_close (self->app);
        self->state = S_FINISHED;
        zsock_send (self->pipe, "is", -1,
                    "the chat-model does not answer SYNC");
    }
    if (self->state == S_HELLO || self->state == S_RUNNING) {
        tui_app_timers (self->app);
        tui_app_draw (self->app);
    }
}

//  Milliseconds until the next deadline, or -1 for none.
static long
s_timeout (self_t *self)
{
    if (self->state != S_HELLO && self->state != S_RUNNING)
        return -1;
    int64_t next = tui_app_deadline (self->app);
    if (self->state == S_HELLO && (!next || self->hello_deadline < next))
        next = self->hello_deadline;
    if (!next)
        return -1;
    int64_t wait = next - zclock_mono ();
    return wait > 0? (long) wait: 0;
}

//  A UTF-8 LC_CTYPE for this thread only: setlocale would change every
//  thread's locale, which is not safe once the actors run (and would
//  change number formats under them); uselocale is its per-thread form.
//  The user's locale when it is UTF-8, else C.UTF-8.
static void
s_use_utf8 (self_t *self)
{
    self->locale = newlocale (LC_CTYPE_MASK, "", (locale_t) 0);
    if (self->locale && !streq (nl_langinfo_l (CODESET, self->locale),
                                "UTF-8")) {
        freelocale (self->locale);
        self->locale = (locale_t) 0;
    }
    if (!self->locale)
        self->locale = newlocale (LC_CTYPE_MASK, "C.UTF-8", (locale_t) 0);
    if (self->locale)
        self->old_locale = uselocale (self->locale);
}

//  New actor state.
static self_t *
s_self_new (zsock_t *pipe, ui_args_t *args)
{
    self_t *self = (self_t *) calloc (1, sizeof (self_t));
    if (!self)
        return NULL;
    self->pipe = pipe;
    self->args = *args;
    self->state = S_IDLE;
    s_use_utf8 (self);
    return self;
}

//  Destroy the actor state; the terminal is given back first.
static void
s_self_destroy (self_t **self_p)
{
    self_t *self = *self_p;
    if (!self)
        return;
    tui_app_destroy (&self->app);
    zsock_destroy (&self->model);
    zsock_destroy (&self->sub);
    if (self->locale) {
        uselocale (self->old_locale);
        freelocale (self->locale);
    }
    free (self);
    *self_p = NULL;
}

//  The actor: see ui.h.
void
ui_curses_actor (zsock_t *pipe, void *args)
{
    assert (args);
    self_t *self = s_self_new (pipe, (ui_args_t *) args);
    zsock_signal (pipe, 0);
    if (!self) {
        ui_refuse (pipe, "ui: out of memory");
        return;
    }
    while (!self->terminated) {
        //  The pipe; then the PAIR and the SUB; then the terminal, the
        //  resize pipe and the caught stderr, each while there is one
        zmq_pollitem_t items [6];
        int count = 0, model = -1, keys = -1, winch = -1, err = -1;
        items [count++] = (zmq_pollitem_t) {
            zsock_resolve (self->pipe), 0, ZMQ_POLLIN, 0 };
        if (self->app) {
            model = count;
            items [count++] = (zmq_pollitem_t) {
                zsock_resolve (self->model), 0, ZMQ_POLLIN, 0 };
            items [count++] = (zmq_pollitem_t) {
                zsock_resolve (self->sub), 0, ZMQ_POLLIN, 0 };
        }
        if (self->app && tui_app_active (self->app)
        &&  self->state != S_FINISHED) {
            keys = count;
            items [count++] = (zmq_pollitem_t) {
                NULL, self->args.in_fd, ZMQ_POLLIN, 0 };
            winch = count;
            items [count++] = (zmq_pollitem_t) {
                NULL, tui_app_winch_fd (self->app), ZMQ_POLLIN, 0 };
            if (tui_app_stderr_fd (self->app) != -1) {
                err = count;
                items [count++] = (zmq_pollitem_t) {
                    NULL, tui_app_stderr_fd (self->app), ZMQ_POLLIN, 0 };
            }
        }
        if (zmq_poll (items, count, s_timeout (self)) == -1) {
            if (errno == EINTR)
                continue;
            break;              //  the context is going away
        }
        if (items [0].revents & ZMQ_POLLIN)
            s_handle_pipe (self);
        if (self->app && !self->terminated) {
            //  (START may have made the app in this round: then only
            //  s_check runs)
            if (model != -1 && (items [model].revents & ZMQ_POLLIN))
                s_handle_model (self);
            if (model != -1 && (items [model + 1].revents & ZMQ_POLLIN))
                s_handle_bus (self);
            if (winch != -1 && items [winch].revents)
                tui_app_winched (self->app);
            if (err != -1 && items [err].revents)
                tui_app_stderr (self->app);
            if (keys != -1 && items [keys].revents)
                tui_app_keys (self->app);
            s_check (self);
        }
    }
    s_self_destroy (&self);
}
