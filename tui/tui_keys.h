/*  tui_keys.h: what the keyboard sends, as tui_press_t (tui/ only).

    tui_term reads keys through tui_keys_read: curses recognises the keys
    the terminal's description lists; tui_keys adds this terminal's extra
    key codes (xterm's Ctrl-End, Ctrl-Left, Shift-Up ...) and parses the
    escape sequences curses left alone (Alt+key, xterm's modified keys as
    tmux sends them, cursor keys under a wrong $TERM), so an unknown
    sequence is swallowed whole, never typed into the input line.
*/
#ifndef TUI_KEYS_H_INCLUDED
#define TUI_KEYS_H_INCLUDED

#include "tui_term.h"

//  This terminal's extended key codes (0 = it has no such key).
typedef struct {
    int ctrl_end, ctrl_home;
    int ctrl_left, ctrl_right;
    int shift_up, shift_down;
} tui_keys_t;

//  Look the extended key codes up, once curses runs.
void
    tui_keys_setup (tui_keys_t *keys);

//  Read one key press without waiting: 1 (PRESS filled) or 0 (nothing
//  more to read now).
int
    tui_keys_read (const tui_keys_t *keys, tui_press_t *press);

#endif
