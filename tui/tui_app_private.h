/*  tui_app_private.h: what tui_app's two files share (tui/ only).

    tui_app is one class in two files to keep each short: tui_app.c holds
    its state, keys, bus events, resyncs and drawing; tui_app_cmd.c runs
    the lines the user enters (messages and slash commands) and Tab
    completion. Both see struct _tui_app_t, declared here; only the ui
    actor's thread touches it.
*/
#ifndef TUI_APP_PRIVATE_H_INCLUDED
#define TUI_APP_PRIVATE_H_INCLUDED

#include "ui.h"
#include "tui_app.h"
#include "tui_draw.h"
#include "tui_input.h"
#include "tui_model.h"
#include "tui_term.h"
#include "tui_text.h"

#define TUI_APP_REFUSALS    8       //  refusals whose bus copy is due

struct _tui_app_t {
    zsock_t *model;             //  PAIR to the chat-model (borrowed)
    const ui_args_t *args;      //  endpoints, config peers (borrowed)
    char remote [2 * DTCHAT_ENDPOINT_MAX];  //  where texts go, shown
    char room [DTCHAT_ID_MAX];  //  room of later texts ("" = default)
    tui_model_t *view;
    tui_input_t *input;
    tui_term_t *term;           //  NULL before tui_app_open
    bool connected;             //  the first marker came
    bool done;                  //  finish, with exit_status
    int exit_status;
    bool dirty;                 //  something to redraw
    bool help;
    bool show_net;
    bool show_app;
    unsigned tokens;            //  SYNC tokens sent
    bool sync_rebuild;          //  the resync running rebuilds
    const char *sync_order;     //  and switches the order (static), or NULL
    unsigned sync_tries;
    int64_t sync_deadline;      //  0 = none
    int64_t last_draw;
    int64_t draw_due;           //  0 = none
    char err_line [256];        //  a caught stderr line, so far
    size_t err_size;
    //  ERRORs shown from the pipe: the model's "app" copy on the bus is
    //  not shown again (a ring of their texts)
    char *refusals [TUI_APP_REFUSALS];
    size_t refusal_next;
};

//  A notice of our own in the app pane, printf-style.
void
    tui_app_note (tui_app_t *self, log_level_t level, const char *format,
                  ...) __attribute__ ((format (printf, 3, 4)));

//  Start a resync (bounded: a few in a row without success).
void
    tui_app_resync (tui_app_t *self, bool rebuild, const char *order);

//  Finish with STATUS: the terminal goes back first.
void
    tui_app_finish (tui_app_t *self, int status);

//  A line the user entered (tui_app_cmd.c): a message or a command.
void
    tui_app_line (tui_app_t *self, char *line);

//  Tab: complete the command being typed (tui_app_cmd.c).
void
    tui_app_complete (tui_app_t *self);

#endif
