/*  tui_app.h: what the curses ui does with keys and events (tui/ only).

    ui_curses.c (the actor) owns the sockets and the poll loop; tui_app
    owns the rest of the ui: the screen model, the input line, the
    terminal, the panes shown, the resyncs, and what each key and command
    does. It talks to the chat-model only through the PAIR it is given
    (TEXT, RESEND, SYNC) and asks the actor to finish through
    tui_app_done.
*/
#ifndef TUI_APP_H_INCLUDED
#define TUI_APP_H_INCLUDED

#include "dtchat.h"
#include "bus_event.h"
#include "ui.h"

#define TUI_EXIT_INTERRUPT  130     //  Ctrl-C, as 128 + SIGINT

typedef struct _tui_app_t tui_app_t;

//  New ui state sending commands on MODEL (a connected PAIR, borrowed);
//  ARGS (borrowed, with its strings) gives the endpoints for the status
//  bar and the config's peers and rooms. NULL if out of memory.
tui_app_t *
    tui_app_new (zsock_t *model, const ui_args_t *args);

//  Give the terminal back and free everything; idempotent.
void
    tui_app_destroy (tui_app_t **self_p);

//  Start curses on IN_FD / OUT_FD and the first resync (it rebuilds the
//  messages). 0, or -1 with a one-line reason.
int
    tui_app_open (tui_app_t *self, int in_fd, int out_fd, char *reason,
                  size_t reason_size);

//  Give the terminal back now (idempotent). Nothing is drawn after.
void
    tui_app_close (tui_app_t *self);

//  True while curses owns the terminal.
bool
    tui_app_active (tui_app_t *self);

//  True once the first resync's marker came back: our SUB is live.
bool
    tui_app_connected (tui_app_t *self);

//  The descriptor to poll for resizes (-1 when not active).
int
    tui_app_winch_fd (tui_app_t *self);

//  The resize descriptor was readable.
void
    tui_app_winched (tui_app_t *self);

//  The descriptor to poll for what the process wrote to stderr while
//  curses draws (-1 when it is not caught), and: that was readable,
//  show it in the app pane.
int
    tui_app_stderr_fd (tui_app_t *self);
void
    tui_app_stderr (tui_app_t *self);

//  Read and act on every key waiting.
void
    tui_app_keys (tui_app_t *self);

//  Take in one bus event.
void
    tui_app_event (tui_app_t *self, const bus_event_t *event);

//  The chat-model refused a command: show WHY.
void
    tui_app_error (tui_app_t *self, const char *why);

//  True when the ui is to finish (/quit, Ctrl-C, a lost terminal), with
//  the exit status; the terminal has been given back then.
bool
    tui_app_done (tui_app_t *self, int *status);

//  The next time (zclock_mono) tui_app_timers wants to run, or 0.
int64_t
    tui_app_deadline (tui_app_t *self);

//  Run what is due: SYNC again, a postponed redraw.
void
    tui_app_timers (tui_app_t *self);

//  Redraw if something changed (at most once per frame time).
void
    tui_app_draw (tui_app_t *self);

#endif
