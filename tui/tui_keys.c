/*  tui_keys.c: what the keyboard sends, as tui_press_t (see tui_keys.h).

    tui_term_read calls tui_keys_read on the ui actor's thread, the only
    thread that calls curses.
*/
#define NCURSES_WIDECHAR 1
#include "tui_keys.h"
#include <ncursesw/curses.h>
#include <ncursesw/term.h>

#define S_SEQ_MAX       16      //  longest key sequence we parse

//  The key code curses gives extended capability NAME (e.g. "kEND5",
//  xterm's Ctrl-End), or 0 when the terminal has none.
static int
s_extended_key (const char *name)
{
    char *value = tigetstr (name);
    if (!value || value == (char *) -1)
        return 0;
    int code = key_defined (value);
    return code > 0? code: 0;
}

//  Look the extended key codes up.
void
tui_keys_setup (tui_keys_t *keys)
{
    keys->ctrl_end = s_extended_key ("kEND5");
    keys->ctrl_home = s_extended_key ("kHOM5");
    keys->ctrl_left = s_extended_key ("kLFT5");
    keys->ctrl_right = s_extended_key ("kRIT5");
    keys->shift_up = s_extended_key ("kUP");
    keys->shift_down = s_extended_key ("kDN");
}

//  An editing press for KEY (CP for TUI_KEY_CHAR).
static int
s_edit (tui_press_t *press, tui_key_t key, uint32_t cp)
{
    press->kind = key == TUI_KEY_NONE? TUI_PRESS_NONE: TUI_PRESS_EDIT;
    press->key = key;
    press->cp = cp;
    return 1;
}

//  A press of another kind.
static int
s_press (tui_press_t *press, tui_press_kind_t kind)
{
    press->kind = kind;
    return 1;
}

//  A function key curses recognised.
static int
s_function_key (const tui_keys_t *keys, int code, tui_press_t *press)
{
    switch (code) {
        case KEY_LEFT:      return s_edit (press, TUI_KEY_LEFT, 0);
        case KEY_RIGHT:     return s_edit (press, TUI_KEY_RIGHT, 0);
        case KEY_UP:        return s_edit (press, TUI_KEY_UP, 0);
        case KEY_DOWN:      return s_edit (press, TUI_KEY_DOWN, 0);
        case KEY_HOME:      return s_edit (press, TUI_KEY_HOME, 0);
        case KEY_END:       return s_edit (press, TUI_KEY_END, 0);
        case KEY_BACKSPACE: return s_edit (press, TUI_KEY_BACKSPACE, 0);
        case KEY_DC:        return s_edit (press, TUI_KEY_DELETE, 0);
        case KEY_ENTER:     return s_edit (press, TUI_KEY_ENTER, 0);
        case KEY_SLEFT:     return s_edit (press, TUI_KEY_WORD_LEFT, 0);
        case KEY_SRIGHT:    return s_edit (press, TUI_KEY_WORD_RIGHT, 0);
        case KEY_PPAGE:     return s_press (press, TUI_PRESS_PAGE_UP);
        case KEY_NPAGE:     return s_press (press, TUI_PRESS_PAGE_DOWN);
        case KEY_SR:        return s_press (press, TUI_PRESS_LINE_UP);
        case KEY_SF:        return s_press (press, TUI_PRESS_LINE_DOWN);
        case KEY_F (1):     return s_press (press, TUI_PRESS_HELP);
        case KEY_F (2):     return s_press (press, TUI_PRESS_NET);
        case KEY_F (3):     return s_press (press, TUI_PRESS_APP);
        case KEY_RESIZE:    return s_press (press, TUI_PRESS_RESIZE);
    }
    if (code == keys->ctrl_end)
        return s_press (press, TUI_PRESS_LIVE);
    if (code == keys->ctrl_home)
        return s_press (press, TUI_PRESS_TOP);
    if (code == keys->ctrl_left)
        return s_edit (press, TUI_KEY_WORD_LEFT, 0);
    if (code == keys->ctrl_right)
        return s_edit (press, TUI_KEY_WORD_RIGHT, 0);
    if (code == keys->shift_up)
        return s_press (press, TUI_PRESS_LINE_UP);
    if (code == keys->shift_down)
        return s_press (press, TUI_PRESS_LINE_DOWN);
    return s_press (press, TUI_PRESS_NONE);
}

//  An Esc curses did not turn into a key: Esc alone, Alt+key, or a
//  sequence this terminal's description lacks (xterm's modified keys,
//  as tmux sends them). Known ones act; the rest are swallowed whole,
//  never typed into the input line.
static int
s_escape (tui_press_t *press)
{
    char seq [S_SEQ_MAX + 1];
    size_t size = 0;
    wint_t ch;
    int rc;
    while (size < S_SEQ_MAX && (rc = wget_wch (stdscr, &ch)) == OK) {
        seq [size++] = ch < 0x80? (char) ch: '?';
        if (size == 1 && ch != '[' && ch != 'O')
            break;              //  Alt+key
        if (size > 1 && ch >= 0x40 && ch <= 0x7E)
            break;              //  the final byte of CSI / SS3
    }
    seq [size] = 0;
    if (size == 0)
        return s_press (press, TUI_PRESS_ESCAPE);
    static const struct { const char *seq; int kind; tui_key_t key; }
    known [] = {
        { "[1;5F", TUI_PRESS_LIVE, TUI_KEY_NONE },
        { "[4;5~", TUI_PRESS_LIVE, TUI_KEY_NONE },
        { "[8;5~", TUI_PRESS_LIVE, TUI_KEY_NONE },
        { "[1;5H", TUI_PRESS_TOP, TUI_KEY_NONE },
        { "[1;2A", TUI_PRESS_LINE_UP, TUI_KEY_NONE },
        { "[1;2B", TUI_PRESS_LINE_DOWN, TUI_KEY_NONE },
        { "[1;5C", TUI_PRESS_EDIT, TUI_KEY_WORD_RIGHT },
        { "[1;3C", TUI_PRESS_EDIT, TUI_KEY_WORD_RIGHT },
        { "[1;5D", TUI_PRESS_EDIT, TUI_KEY_WORD_LEFT },
        { "[1;3D", TUI_PRESS_EDIT, TUI_KEY_WORD_LEFT },
        //  What the terminal description may not list (a wrong $TERM,
        //  cursor keys in normal mode)
        { "[A", TUI_PRESS_EDIT, TUI_KEY_UP },
        { "[B", TUI_PRESS_EDIT, TUI_KEY_DOWN },
        { "[C", TUI_PRESS_EDIT, TUI_KEY_RIGHT },
        { "[D", TUI_PRESS_EDIT, TUI_KEY_LEFT },
        { "OA", TUI_PRESS_EDIT, TUI_KEY_UP },
        { "OB", TUI_PRESS_EDIT, TUI_KEY_DOWN },
        { "OC", TUI_PRESS_EDIT, TUI_KEY_RIGHT },
        { "OD", TUI_PRESS_EDIT, TUI_KEY_LEFT },
        { "[H", TUI_PRESS_EDIT, TUI_KEY_HOME },
        { "OH", TUI_PRESS_EDIT, TUI_KEY_HOME },
        { "[1~", TUI_PRESS_EDIT, TUI_KEY_HOME },
        { "[7~", TUI_PRESS_EDIT, TUI_KEY_HOME },
        { "[F", TUI_PRESS_EDIT, TUI_KEY_END },
        { "OF", TUI_PRESS_EDIT, TUI_KEY_END },
        { "[4~", TUI_PRESS_EDIT, TUI_KEY_END },
        { "[8~", TUI_PRESS_EDIT, TUI_KEY_END },
        { "[3~", TUI_PRESS_EDIT, TUI_KEY_DELETE },
        { "[5~", TUI_PRESS_PAGE_UP, TUI_KEY_NONE },
        { "[6~", TUI_PRESS_PAGE_DOWN, TUI_KEY_NONE },
        { "OP", TUI_PRESS_HELP, TUI_KEY_NONE },
        { "OQ", TUI_PRESS_NET, TUI_KEY_NONE },
        { "OR", TUI_PRESS_APP, TUI_KEY_NONE },
        //  Alt+key
        { "f", TUI_PRESS_EDIT, TUI_KEY_WORD_RIGHT },
        { "b", TUI_PRESS_EDIT, TUI_KEY_WORD_LEFT },
        { "\x7f", TUI_PRESS_EDIT, TUI_KEY_KILL_WORD },
        { "\x08", TUI_PRESS_EDIT, TUI_KEY_KILL_WORD },
    };
    for (size_t index = 0; index < sizeof known / sizeof *known; index++)
        if (streq (seq, known [index].seq)) {
            press->kind = (tui_press_kind_t) known [index].kind;
            press->key = known [index].key;
            return 1;
        }
    return s_press (press, TUI_PRESS_NONE);
}

//  Read one key press without waiting.
int
tui_keys_read (const tui_keys_t *keys, tui_press_t *press)
{
    memset (press, 0, sizeof *press);
    wint_t ch;
    int rc = wget_wch (stdscr, &ch);
    if (rc == ERR)
        return 0;
    if (rc == KEY_CODE_YES)
        return s_function_key (keys, (int) ch, press);
    switch (ch) {
        case 0x1B: return s_escape (press);
        case 0x03: return s_press (press, TUI_PRESS_INTERRUPT);
        case 0x04: return s_press (press, TUI_PRESS_CTRL_D);
        case 0x0C: return s_press (press, TUI_PRESS_REDRAW);
        case 0x09: return s_press (press, TUI_PRESS_TAB);
    }
    if (ch < 0x20 || ch == 0x7F)
        return s_edit (press, tui_input_control_key ((uint32_t) ch), 0);
    return s_edit (press, TUI_KEY_CHAR, (uint32_t) ch);
}
