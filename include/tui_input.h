/*  tui_input.h: the curses ui's input line editor, with no terminal.

    A UTF-8 line with a cursor, edited by key actions the way readline,
    irssi and weechat do it (move by character or word, Home/End, delete
    either side, kill to start / end / previous word, yank back what was
    killed), plus a bounded history recalled with Up/Down that keeps the
    line being typed as a draft. The cursor only stands between two
    characters, and a combining mark moves and deletes with the character
    it belongs to. tui_input_view says which part of the line to show in
    W columns so that the cursor is visible. tui_keys.c turns curses keys
    into tui_key_t values; everything here is unit-tested without curses.
*/
#ifndef TUI_INPUT_H_INCLUDED
#define TUI_INPUT_H_INCLUDED

#include "dtchat.h"

#define TUI_INPUT_MAX       (64 * 1024)     //  longest line, bytes
#define TUI_HISTORY_MAX     500             //  lines kept for Up/Down

typedef enum {
    TUI_KEY_NONE = 0,
    TUI_KEY_CHAR,           //  insert the code point given
    TUI_KEY_ENTER,          //  submit the line
    TUI_KEY_LEFT,           //  one character left
    TUI_KEY_RIGHT,
    TUI_KEY_WORD_LEFT,      //  to the start of this or the previous word
    TUI_KEY_WORD_RIGHT,     //  to the end of this or the next word
    TUI_KEY_HOME,           //  start of line (Ctrl-A)
    TUI_KEY_END,            //  end of line (Ctrl-E)
    TUI_KEY_BACKSPACE,      //  delete the character before the cursor
    TUI_KEY_DELETE,         //  delete the character under the cursor
    TUI_KEY_KILL_START,     //  delete to the start of line (Ctrl-U)
    TUI_KEY_KILL_END,       //  delete to the end of line (Ctrl-K)
    TUI_KEY_KILL_WORD,      //  delete the word before the cursor (Ctrl-W)
    TUI_KEY_YANK,           //  insert what was deleted last (Ctrl-Y)
    TUI_KEY_TRANSPOSE,      //  swap the characters around the cursor
    TUI_KEY_UP,             //  older history line
    TUI_KEY_DOWN            //  newer history line (or back to the draft)
} tui_key_t;

typedef enum {
    TUI_INPUT_IGNORED,      //  nothing changed (e.g. Left at the start)
    TUI_INPUT_CHANGED,      //  the line or the cursor changed: redraw
    TUI_INPUT_SUBMIT,       //  Enter: take the line with tui_input_take
    TUI_INPUT_REFUSED       //  the line would exceed TUI_INPUT_MAX
} tui_input_result_t;

//  What to draw of the line in a field of some width.
typedef struct {
    size_t offset;          //  first byte shown
    size_t size;            //  bytes shown
    int lead;               //  blank columns before them (a cut wide char)
    int cursor;             //  the cursor's column in the field
} tui_input_view_t;

typedef struct _tui_input_t tui_input_t;

//  New empty editor. NULL only if out of memory.
tui_input_t *
    tui_input_new (void);
void
    tui_input_destroy (tui_input_t **self_p);

//  The editing action for a control character typed (Ctrl-A is 1), or
//  TUI_KEY_NONE if it is not an editing key: Ctrl-A Home, Ctrl-E End,
//  Ctrl-B Left, Ctrl-F Right, Ctrl-H and DEL Backspace, Ctrl-D Delete,
//  Ctrl-U, Ctrl-K, Ctrl-W, Ctrl-Y, Ctrl-T, Ctrl-P Up, Ctrl-N Down,
//  Ctrl-J and Ctrl-M Enter.
tui_key_t
    tui_input_control_key (uint32_t control);

//  Apply one key; CP is the character for TUI_KEY_CHAR (controls and
//  invalid code points are refused: TUI_INPUT_IGNORED).
tui_input_result_t
    tui_input_key (tui_input_t *self, tui_key_t key, uint32_t cp);

//  Take the line (new string, caller frees; NULL if out of memory): it
//  goes into the history (unless empty or the same as the last one) and
//  the editor starts a new, empty line.
char *
    tui_input_take (tui_input_t *self);

//  Replace the line with TEXT (cut at TUI_INPUT_MAX on a character
//  boundary), cursor at the end. Used for completion.
void
    tui_input_set (tui_input_t *self, const char *text);

//  The line (NUL-terminated, borrowed) and the cursor's byte offset.
const char *
    tui_input_text (tui_input_t *self);
size_t
    tui_input_size (tui_input_t *self);
size_t
    tui_input_cursor (tui_input_t *self);

//  True if the cursor is at the end of the line.
bool
    tui_input_at_end (tui_input_t *self);

//  How many lines the history holds.
size_t
    tui_input_history_size (tui_input_t *self);

//  What to show in WIDTH columns so the cursor is visible; remembers the
//  scroll position, so the view moves only when the cursor leaves it.
void
    tui_input_view (tui_input_t *self, int width, tui_input_view_t *view);

#endif
