/*  tui_draw.h: draws the curses ui's screen (private to tui/).

    tui_app.c describes what to show in a tui_frame_t and calls
    tui_draw after something changed; tui_draw lays the screen out with
    tui_layout, draws every pane with wide-character curses calls (each
    character with its combining marks in one cell, never a character cut
    at the right edge) and updates the terminal once. tui_term calls
    tui_draw_setup when curses starts.
*/
#ifndef TUI_DRAW_H_INCLUDED
#define TUI_DRAW_H_INCLUDED

#include "dtchat.h"
#include "tui_input.h"
#include "tui_model.h"

typedef struct {
    tui_model_t *model;
    tui_input_t *input;
    const char *local;          //  our endpoint text (NULL = unknown)
    const char *remote;         //  the peer's
    const char *room;           //  the room texts go to ("" = default)
    bool show_net;              //  the net pane is wanted
    bool show_app;              //  the app pane is wanted
    bool help;                  //  the help text covers the messages
    bool syncing;               //  a resync runs
    bool connecting;            //  the chat-model has not answered yet
} tui_frame_t;

//  Colours and attributes, once curses runs.
void
    tui_draw_setup (void);

//  Draw the whole screen and update the terminal.
void
    tui_draw (const tui_frame_t *frame);

//  The help text, one line per entry, NULL-terminated (the keys and
//  commands; the README shows the same).
const char **
    tui_draw_help (void);

#endif
