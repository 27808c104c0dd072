/*  tui_app.c: keys, bus events, resyncs and redraws of the curses ui.

    The curses ui actor (ui_curses.c) hands it key input, bus events and
    the chat-model's refusals; tui_app keeps the screen model (tui_model),
    the input line (tui_input) and the terminal (tui_term), sends SYNC on
    the PAIR it was given (tui_app_cmd.c sends TEXT, RESEND, PEER for the
    lines the user enters), and draws (tui_draw) only after something
    changed, at most once per S_FRAME_MS. A refusal (ERROR) shows once:
    the chat-model's copy of it on the bus is skipped.

    Resync: the first SYNC (sent by tui_app_open) rebuilds the messages
    and, when its marker comes back, proves our SUB is live; it is sent
    again every S_HELLO_RETRY_MS until then. Later ones start when
    tui_model reports a gap, or on Ctrl-L or /sync (update in place), or
    on /order (rebuild in the new order). A resync that makes no progress
    for S_SYNC_WAIT_MS is sent again, S_SYNC_TRIES times in a row at most.
*/
#include "tui_app_private.h"

#define S_HELLO_RETRY_MS    200     //  first SYNC again this often
#define S_SYNC_WAIT_MS      2000    //  a later resync idle this long
#define S_SYNC_TRIES        5       //  resyncs in a row before giving up
#define S_FRAME_MS          20      //  at most one redraw per this
#define S_PEER_NOTICE       "messages go to "   //  the model's PEER notice

//  New ui state.
tui_app_t *
tui_app_new (zsock_t *model, const ui_args_t *args)
{
    tui_app_t *self = (tui_app_t *) calloc (1, sizeof (tui_app_t));
    if (!self)
        return NULL;
    self->model = model;
    self->args = args;
    snprintf (self->remote, sizeof self->remote, "%s",
              args->remote? args->remote: "?");
    self->show_net = self->show_app = true;
    self->view = tui_model_new ();
    self->input = tui_input_new ();
    if (!self->view || !self->input)
        tui_app_destroy (&self);
    return self;
}

//  Give the terminal back and free everything.
void
tui_app_destroy (tui_app_t **self_p)
{
    tui_app_t *self = *self_p;
    if (!self)
        return;
    tui_term_destroy (&self->term);
    for (size_t index = 0; index < TUI_APP_REFUSALS; index++)
        free (self->refusals [index]);
    tui_model_destroy (&self->view);
    tui_input_destroy (&self->input);
    free (self);
    *self_p = NULL;
}

//  Send SYNC with a fresh token (the resync's settings stay).
static void
s_send_sync (tui_app_t *self)
{
    char token [32];
    snprintf (token, sizeof token, "tui-%u", ++self->tokens);
    tui_model_sync_start (self->view, token, self->sync_rebuild);
    if (self->sync_order)
        zsock_send (self->model, "sss", VERB_SYNC, token, self->sync_order);
    else
        zsock_send (self->model, "ss", VERB_SYNC, token);
    self->sync_deadline = zclock_mono ()
        + (self->connected? S_SYNC_WAIT_MS: S_HELLO_RETRY_MS);
    self->dirty = true;
}

//  A notice of our own in the app pane.
void
tui_app_note (tui_app_t *self, log_level_t level, const char *format, ...)
{
    char text [512];
    va_list args;
    va_start (args, format);
    vsnprintf (text, sizeof text, format, args);
    va_end (args);
    tui_model_log (self->view, TUI_PANE_APP, level, dtchat_now_ms (), "%s",
                   text);
    self->dirty = true;
}

//  Start a resync (bounded: S_SYNC_TRIES in a row without success).
void
tui_app_resync (tui_app_t *self, bool rebuild, const char *order)
{
    if (self->sync_tries >= S_SYNC_TRIES) {
        tui_model_sync_stop (self->view);
        self->sync_deadline = 0;
        tui_app_note (self, LOG_ERROR, "resync failed %d times: what is shown "
                "may be stale (Ctrl-L tries again)", S_SYNC_TRIES);
        return;
    }
    self->sync_tries++;
    self->sync_rebuild = rebuild;
    self->sync_order = order;
    s_send_sync (self);
}

//  Start curses and the first resync.
int
tui_app_open (tui_app_t *self, int in_fd, int out_fd, char *reason,
              size_t reason_size)
{
    assert (!self->term);
    self->term = tui_term_new (in_fd, out_fd, reason, reason_size);
    if (!self->term)
        return -1;
    self->sync_rebuild = true;
    s_send_sync (self);
    tui_app_draw (self);
    return 0;
}

//  Give the terminal back now.
void
tui_app_close (tui_app_t *self)
{
    if (self->term)
        tui_term_end (self->term);
}

//  True while curses owns the terminal.
bool
tui_app_active (tui_app_t *self)
{
    return self->term && tui_term_active (self->term);
}

//  True once our SUB is live.
bool
tui_app_connected (tui_app_t *self)
{
    return self->connected;
}

//  Finish with STATUS: the terminal goes back first.
void
tui_app_finish (tui_app_t *self, int status)
{
    tui_app_close (self);
    self->done = true;
    self->exit_status = status;
}

//  True when the ui is to finish.
bool
tui_app_done (tui_app_t *self, int *status)
{
    if (self->done && status)
        *status = self->exit_status;
    return self->done;
}

//  The resize descriptor.
int
tui_app_winch_fd (tui_app_t *self)
{
    return tui_app_active (self)? tui_term_winch_fd (self->term): -1;
}

//  The terminal may have changed size.
void
tui_app_winched (tui_app_t *self)
{
    if (tui_app_active (self) && tui_term_winched (self->term))
        self->dirty = true;
}

//  The caught stderr's descriptor.
int
tui_app_stderr_fd (tui_app_t *self)
{
    return tui_app_active (self)? tui_term_stderr_fd (self->term): -1;
}

//  Show what stderr got, a line at a time, in the app pane.
void
tui_app_stderr (tui_app_t *self)
{
    char buf [1024];
    size_t size = tui_term_stderr_read (self->term, buf, sizeof buf);
    for (size_t index = 0; index < size; index++) {
        bool end = buf [index] == '\n';
        if (!end)
            self->err_line [self->err_size++] = buf [index];
        if (end || self->err_size == sizeof self->err_line - 1) {
            self->err_line [self->err_size] = 0;
            if (self->err_size)
                tui_app_note (self, LOG_INFO, "%s", self->err_line);
            self->err_size = 0;
        }
    }
}

//  Scroll the messages by LINES (> 0: back), or by PAGES pages.
static void
s_scroll (tui_app_t *self, int lines, int pages)
{
    int rows, cols;
    tui_term_size (self->term, &rows, &cols);
    tui_screen_t screen;
    tui_layout_screen (rows, cols, self->show_net, self->show_app,
                       &screen);
    //  Scrolled back, the marker takes a row; a page keeps one line
    int content = screen.msgs.rows > 1? screen.msgs.rows - 1: 1;
    if (pages)
        lines = pages * (content > 1? content - 1: 1);
    tui_model_scroll (self->view, lines, cols, content);
    self->help = false;
    self->dirty = true;
}

//  An editing key; End at the end of the line goes back to live.
static void
s_edit (tui_app_t *self, tui_press_t *press)
{
    if (press->key == TUI_KEY_END && tui_input_at_end (self->input)) {
        tui_model_scroll_live (self->view);
        self->dirty = true;
        return;
    }
    tui_input_result_t result = tui_input_key (self->input, press->key,
                                               press->cp);
    if (result == TUI_INPUT_REFUSED)
        tui_term_beep (self->term);
    else
    if (result == TUI_INPUT_SUBMIT) {
        char *line = tui_input_take (self->input);
        if (line)
            tui_app_line (self, line);
        free (line);
    }
    if (result != TUI_INPUT_IGNORED)
        self->dirty = true;
}

//  One key press.
static void
s_press (tui_app_t *self, tui_press_t *press)
{
    switch (press->kind) {
        case TUI_PRESS_EDIT:        s_edit (self, press); return;
        case TUI_PRESS_PAGE_UP:     s_scroll (self, 0, 1); return;
        case TUI_PRESS_PAGE_DOWN:   s_scroll (self, 0, -1); return;
        case TUI_PRESS_LINE_UP:     s_scroll (self, 1, 0); return;
        case TUI_PRESS_LINE_DOWN:   s_scroll (self, -1, 0); return;
        case TUI_PRESS_TOP:         s_scroll (self, INT32_MAX / 2, 0);
                                    return;
        case TUI_PRESS_TAB:         tui_app_complete (self); return;
        case TUI_PRESS_INTERRUPT:   tui_app_finish (self, TUI_EXIT_INTERRUPT);
                                    return;
        case TUI_PRESS_CTRL_D:
            //  As in a shell: on an empty line it leaves (as /quit)
            if (tui_input_size (self->input) == 0)
                tui_app_finish (self, 0);
            else {
                press->key = TUI_KEY_DELETE;
                s_edit (self, press);
            }
            return;
        case TUI_PRESS_NONE:        return;
        case TUI_PRESS_LIVE:        tui_model_scroll_live (self->view);
                                    break;
        case TUI_PRESS_HELP:        self->help = !self->help; break;
        case TUI_PRESS_ESCAPE:      self->help = false; break;
        case TUI_PRESS_NET:         self->show_net = !self->show_net; break;
        case TUI_PRESS_APP:         self->show_app = !self->show_app; break;
        case TUI_PRESS_RESIZE:      break;
        case TUI_PRESS_REDRAW:
            tui_term_repaint (self->term);
            self->sync_tries = 0;
            if (self->connected)
                tui_app_resync (self, false, NULL);
            break;
    }
    self->dirty = true;
}

//  Read and act on every key waiting.
void
tui_app_keys (tui_app_t *self)
{
    tui_press_t press;
    int rc;
    while (!self->done && tui_app_active (self)
       &&  (rc = tui_term_read (self->term, &press)) != 0) {
        if (rc < 0)
            tui_app_finish (self, 1);     //  hang-up: nobody left to show it to
        else
            s_press (self, &press);
    }
}

//  True if EVENT is the bus copy of a refusal already shown from the
//  pipe (then it is forgotten: one copy each).
static bool
s_refusal_copy (tui_app_t *self, const bus_event_t *event)
{
    if (event->kind != BUS_EVENT_LOG || event->level != LOG_ERROR
    ||  !streq (event->topic, TOPIC_APP) || !event->text)
        return false;
    for (size_t index = 0; index < TUI_APP_REFUSALS; index++)
        if (self->refusals [index]
        &&  streq (self->refusals [index], event->text)) {
            zstr_free (&self->refusals [index]);
            return true;
        }
    return false;
}

//  Take in one bus event.
void
tui_app_event (tui_app_t *self, const bus_event_t *event)
{
    if (self->done || s_refusal_copy (self, event))
        return;
    //  The chat-model's notice after PEER names where texts go now
    if (event->kind == BUS_EVENT_LOG && streq (event->topic, TOPIC_APP)
    &&  event->text && strncmp (event->text, S_PEER_NOTICE,
                                strlen (S_PEER_NOTICE)) == 0)
        snprintf (self->remote, sizeof self->remote, "%s",
                  event->text + strlen (S_PEER_NOTICE));
    int flags = tui_model_apply (self->view, event, dtchat_now_ms ());
    if (flags & TUI_CHANGED)
        self->dirty = true;
    if ((flags & TUI_SYNC_MARK) || (self->connected
                                    && tui_model_syncing (self->view)))
        self->sync_deadline = zclock_mono () + S_SYNC_WAIT_MS;
    if (flags & TUI_SYNC_MARK)
        self->connected = true;
    if (flags & TUI_SYNC_DONE) {
        self->sync_deadline = 0;
        self->sync_tries = 0;
        self->sync_order = NULL;
    }
    if ((flags & TUI_GAP) && self->connected
    &&  !tui_model_syncing (self->view)) {
        tui_app_note (self, LOG_WARN, "missed events on the bus: "
                      "resyncing");
        tui_app_resync (self, false, NULL);
    }
}

//  The chat-model refused a command: show it now; its copy on the bus
//  is not shown again.
void
tui_app_error (tui_app_t *self, const char *why)
{
    if (self->done)
        return;
    tui_app_note (self, LOG_ERROR, "%s", why);
    size_t slot = self->refusal_next++ % TUI_APP_REFUSALS;
    free (self->refusals [slot]);
    self->refusals [slot] = strdup (why);
}

//  The next time tui_app_timers wants to run.
int64_t
tui_app_deadline (tui_app_t *self)
{
    if (self->done)
        return 0;
    int64_t next = self->sync_deadline;
    if (self->draw_due && (!next || self->draw_due < next))
        next = self->draw_due;
    return next;
}

//  Run what is due.
void
tui_app_timers (tui_app_t *self)
{
    int64_t now = zclock_mono ();
    if (self->sync_deadline && now >= self->sync_deadline) {
        self->sync_deadline = 0;
        if (!self->connected)
            s_send_sync (self);     //  the hello: until the caller gives up
        else
        if (tui_model_syncing (self->view))
            tui_app_resync (self, self->sync_rebuild, self->sync_order);
    }
    if (self->draw_due && now >= self->draw_due)
        tui_app_draw (self);
}

//  Redraw if something changed, at most once per frame time.
void
tui_app_draw (tui_app_t *self)
{
    if (!self->dirty || !tui_app_active (self))
        return;
    int64_t now = zclock_mono ();
    if (self->last_draw && now - self->last_draw < S_FRAME_MS) {
        self->draw_due = self->last_draw + S_FRAME_MS;
        return;
    }
    tui_frame_t frame = {
        self->view, self->input, self->args->local, self->remote,
        self->room, self->show_net, self->show_app, self->help,
        tui_model_syncing (self->view), !self->connected
    };
    tui_draw (&frame);
    self->dirty = false;
    self->last_draw = now;
    self->draw_due = 0;
}
