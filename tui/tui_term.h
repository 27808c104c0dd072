/*  tui_term.h: the terminal under the curses ui (private to tui/).

    tui_term owns the curses screen: it starts it on the ui's file
    descriptors (raw mode, keypad, non-blocking reads), turns keys into
    tui_press_t values (tui_keys.c: the ui never sees a curses key code),
    follows resizes (SIGWINCH, through a self-pipe the actor polls),
    catches stderr while it draws, and gives the terminal back on every
    way out: tui_term_end / _destroy, an atexit safety net, and a
    last-resort reset on a crash signal. Only tui_term.c, tui_keys.c and
    tui_draw.c include curses.
*/
#ifndef TUI_TERM_H_INCLUDED
#define TUI_TERM_H_INCLUDED

#include "dtchat.h"
#include "tui_input.h"

typedef enum {
    TUI_PRESS_NONE = 0,     //  nothing to do (an unknown key sequence)
    TUI_PRESS_EDIT,         //  an editing key for tui_input: KEY, CP
    TUI_PRESS_PAGE_UP,      //  PgUp
    TUI_PRESS_PAGE_DOWN,    //  PgDn
    TUI_PRESS_LINE_UP,      //  Shift-Up
    TUI_PRESS_LINE_DOWN,    //  Shift-Down
    TUI_PRESS_TOP,          //  Ctrl-Home: the first message
    TUI_PRESS_LIVE,         //  Ctrl-End: back to live
    TUI_PRESS_HELP,         //  F1
    TUI_PRESS_NET,          //  F2: show or hide the net pane
    TUI_PRESS_APP,          //  F3: show or hide the app pane
    TUI_PRESS_REDRAW,       //  Ctrl-L: repaint and resync
    TUI_PRESS_INTERRUPT,    //  Ctrl-C
    TUI_PRESS_CTRL_D,       //  Ctrl-D: delete, or leave on an empty line
    TUI_PRESS_ESCAPE,       //  Esc alone
    TUI_PRESS_TAB,          //  Tab: complete a command
    TUI_PRESS_RESIZE        //  the terminal changed size
} tui_press_kind_t;

typedef struct {
    tui_press_kind_t kind;
    tui_key_t key;          //  TUI_PRESS_EDIT: the editing action
    uint32_t cp;            //  TUI_KEY_CHAR: the character
} tui_press_t;

typedef struct _tui_term_t tui_term_t;

//  Start curses on IN_FD / OUT_FD (a terminal; $TERM names its type).
//  NULL with a one-line reason when it cannot.
tui_term_t *
    tui_term_new (int in_fd, int out_fd, char *reason, size_t reason_size);

//  Give the terminal back (if not yet) and free everything; idempotent.
void
    tui_term_destroy (tui_term_t **self_p);

//  Give the terminal back now (endwin); nothing is drawn after this.
//  Idempotent.
void
    tui_term_end (tui_term_t *self);

//  True until tui_term_end.
bool
    tui_term_active (tui_term_t *self);

//  The descriptor to poll for resizes (readable after a SIGWINCH).
int
    tui_term_winch_fd (tui_term_t *self);

//  After the winch descriptor was readable: take the new size. True if
//  the size changed.
bool
    tui_term_winched (tui_term_t *self);

//  Read one key press without waiting. Returns 1 (PRESS filled), 0 (no
//  more input now) or -1 (the input is gone: end of file or hang-up).
int
    tui_term_read (tui_term_t *self, tui_press_t *press);

//  The screen size.
void
    tui_term_size (tui_term_t *self, int *rows, int *cols);

//  While curses runs, whatever the process writes to stderr (when that
//  is this same terminal) is caught in a pipe instead of scribbling over
//  the screen; this descriptor is its read end (-1 when not caught).
//  tui_term_end puts stderr back and writes out what was not read.
int
    tui_term_stderr_fd (tui_term_t *self);

//  Read what was caught into BUF; returns the bytes read (0: none).
size_t
    tui_term_stderr_read (tui_term_t *self, char *buf, size_t size);

//  Ring the bell (a refused key).
void
    tui_term_beep (tui_term_t *self);

//  Paint the whole screen again at the next draw (Ctrl-L).
void
    tui_term_repaint (tui_term_t *self);

#endif
