/*  tui_input.c: the input line editor (see include/tui_input.h).

    tui_app.c feeds it key actions; tui_draw.c draws what tui_input_view says;
    the line is UTF-8 bytes with a byte cursor that always stands on the
    boundary of a display unit (a character and the zero-width marks after
    it), measured with tui_text so the cursor lands where it is drawn.
*/
#include "tui_input.h"
#include "tui_text.h"

struct _tui_input_t {
    char *buf;                  //  the line, NUL-terminated
    size_t size;
    size_t cursor;              //  byte offset
    char *yank;                 //  what was killed last, or NULL
    char *history [TUI_HISTORY_MAX];
    size_t history_size;
    size_t history_pos;         //  history_size = the line being typed
    char *draft;                //  the line being typed, while browsing
    int scroll;                 //  first column shown
};

//  New empty editor.
tui_input_t *
tui_input_new (void)
{
    tui_input_t *self = (tui_input_t *) calloc (1, sizeof (tui_input_t));
    if (!self)
        return NULL;
    self->buf = (char *) calloc (1, TUI_INPUT_MAX + 1);
    if (!self->buf) {
        free (self);
        return NULL;
    }
    return self;
}

//  Destroy the editor; idempotent.
void
tui_input_destroy (tui_input_t **self_p)
{
    tui_input_t *self = *self_p;
    if (!self)
        return;
    for (size_t index = 0; index < self->history_size; index++)
        free (self->history [index]);
    free (self->draft);
    free (self->yank);
    free (self->buf);
    free (self);
    *self_p = NULL;
}

//  The editing action of a control character.
tui_key_t
tui_input_control_key (uint32_t control)
{
    switch (control) {
        case 0x01: return TUI_KEY_HOME;         //  Ctrl-A
        case 0x02: return TUI_KEY_LEFT;         //  Ctrl-B
        case 0x04: return TUI_KEY_DELETE;       //  Ctrl-D
        case 0x05: return TUI_KEY_END;          //  Ctrl-E
        case 0x06: return TUI_KEY_RIGHT;        //  Ctrl-F
        case 0x08: return TUI_KEY_BACKSPACE;    //  Ctrl-H
        case 0x0A: return TUI_KEY_ENTER;        //  Ctrl-J
        case 0x0B: return TUI_KEY_KILL_END;     //  Ctrl-K
        case 0x0D: return TUI_KEY_ENTER;        //  Ctrl-M
        case 0x0E: return TUI_KEY_DOWN;         //  Ctrl-N
        case 0x10: return TUI_KEY_UP;           //  Ctrl-P
        case 0x14: return TUI_KEY_TRANSPOSE;    //  Ctrl-T
        case 0x15: return TUI_KEY_KILL_START;   //  Ctrl-U
        case 0x17: return TUI_KEY_KILL_WORD;    //  Ctrl-W
        case 0x19: return TUI_KEY_YANK;         //  Ctrl-Y
        case 0x7F: return TUI_KEY_BACKSPACE;    //  DEL
    }
    return TUI_KEY_NONE;
}

//  End of the display unit that starts at POS.
static size_t
s_next (tui_input_t *self, size_t pos)
{
    if (pos >= self->size)
        return self->size;
    tui_char_t ch;
    tui_char_next (self->buf + pos, self->size - pos, &ch);
    pos += ch.size;
    while (pos < self->size) {
        tui_char_next (self->buf + pos, self->size - pos, &ch);
        if (ch.width != 0)
            break;
        pos += ch.size;
    }
    return pos;
}

//  Start of the character before POS; the line is valid UTF-8, so that
//  is the last byte before POS that is not a continuation byte.
static size_t
s_prev_char (tui_input_t *self, size_t pos)
{
    if (pos == 0)
        return 0;
    pos--;
    while (pos > 0 && ((unsigned char) self->buf [pos] & 0xC0) == 0x80)
        pos--;
    return pos;
}

//  Start of the display unit that ends at POS (0 at the start).
static size_t
s_prev (tui_input_t *self, size_t pos)
{
    pos = s_prev_char (self, pos);
    while (pos > 0) {
        tui_char_t ch;
        tui_char_next (self->buf + pos, self->size - pos, &ch);
        if (ch.width != 0)
            break;              //  not a mark: the unit starts here
        pos = s_prev_char (self, pos);
    }
    return pos;
}

//  True if the character at POS is a space.
static bool
s_space_at (tui_input_t *self, size_t pos)
{
    return pos < self->size && self->buf [pos] == ' ';
}

//  Remember TEXT (SIZE bytes) as what Ctrl-Y inserts.
static void
s_save_yank (tui_input_t *self, const char *text, size_t size)
{
    if (size == 0)
        return;
    char *copy = strndup (text, size);
    if (copy) {
        free (self->yank);
        self->yank = copy;
    }
}

//  Delete bytes [FROM, TO), optionally keeping them for Ctrl-Y.
static tui_input_result_t
s_delete (tui_input_t *self, size_t from, size_t to, bool keep)
{
    if (from >= to)
        return TUI_INPUT_IGNORED;
    if (keep)
        s_save_yank (self, self->buf + from, to - from);
    memmove (self->buf + from, self->buf + to, self->size - to + 1);
    self->size -= to - from;
    self->cursor = from;
    return TUI_INPUT_CHANGED;
}

//  Insert SIZE bytes of valid UTF-8 at the cursor.
static tui_input_result_t
s_insert (tui_input_t *self, const char *text, size_t size)
{
    if (size == 0)
        return TUI_INPUT_IGNORED;
    if (self->size + size > TUI_INPUT_MAX)
        return TUI_INPUT_REFUSED;
    memmove (self->buf + self->cursor + size, self->buf + self->cursor,
             self->size - self->cursor + 1);
    memcpy (self->buf + self->cursor, text, size);
    self->size += size;
    self->cursor += size;
    //  Marks after the cursor now belong to what was typed (the line
    //  started with one): keep the cursor between two units
    while (self->cursor < self->size) {
        tui_char_t ch;
        tui_char_next (self->buf + self->cursor, self->size - self->cursor,
                       &ch);
        if (ch.width != 0)
            break;
        self->cursor += ch.size;
    }
    return TUI_INPUT_CHANGED;
}

//  Replace the line with TEXT, cursor at the end. Invalid bytes and
//  controls become U+FFFD, a tab a space, line breaks go: the line stays
//  valid UTF-8 on one line.
void
tui_input_set (tui_input_t *self, const char *text)
{
    size_t size = strlen (text), pos = 0, used = 0;
    while (pos < size) {
        tui_char_t ch;
        tui_char_next (text + pos, size - pos, &ch);
        pos += ch.size;
        if (ch.cp == 0)
            continue;           //  newline, CR
        char bytes [4];
        size_t count = tui_utf8_encode (ch.cp, bytes);
        if (used + count > TUI_INPUT_MAX)
            break;
        memcpy (self->buf + used, bytes, count);
        used += count;
    }
    self->buf [used] = 0;
    self->size = self->cursor = used;
}

//  Start of the word before POS (skipping spaces first).
static size_t
s_word_start (tui_input_t *self, size_t pos)
{
    while (pos > 0 && s_space_at (self, s_prev (self, pos)))
        pos = s_prev (self, pos);
    while (pos > 0 && !s_space_at (self, s_prev (self, pos)))
        pos = s_prev (self, pos);
    return pos;
}

//  End of the word after POS (skipping spaces first).
static size_t
s_word_end (tui_input_t *self, size_t pos)
{
    while (pos < self->size && s_space_at (self, pos))
        pos = s_next (self, pos);
    while (pos < self->size && !s_space_at (self, pos))
        pos = s_next (self, pos);
    return pos;
}

//  Move the cursor to POS.
static tui_input_result_t
s_move (tui_input_t *self, size_t pos)
{
    if (pos == self->cursor)
        return TUI_INPUT_IGNORED;
    self->cursor = pos;
    return TUI_INPUT_CHANGED;
}

//  Swap the two units around the cursor (at the end: the last two).
static tui_input_result_t
s_transpose (tui_input_t *self)
{
    size_t middle = self->cursor;
    if (middle == self->size)
        middle = s_prev (self, middle);
    if (middle == 0 || middle >= self->size)
        return TUI_INPUT_IGNORED;
    size_t start = s_prev (self, middle), end = s_next (self, middle);
    char swap [64];
    size_t first = middle - start, second = end - middle;
    if (first + second > sizeof swap)
        return TUI_INPUT_IGNORED;   //  units with many marks: leave them
    memcpy (swap, self->buf + middle, second);
    memcpy (swap + second, self->buf + start, first);
    memcpy (self->buf + start, swap, first + second);
    self->cursor = end;
    return TUI_INPUT_CHANGED;
}

//  Up/Down through the history; the typed line waits as the draft.
static tui_input_result_t
s_history (tui_input_t *self, bool older)
{
    if (older && self->history_pos == 0)
        return TUI_INPUT_IGNORED;
    if (!older && self->history_pos >= self->history_size)
        return TUI_INPUT_IGNORED;
    if (older && self->history_pos == self->history_size) {
        free (self->draft);
        self->draft = strdup (self->buf);
        if (!self->draft)
            return TUI_INPUT_IGNORED;
    }
    self->history_pos += older? -1: 1;
    if (self->history_pos == self->history_size) {
        tui_input_set (self, self->draft? self->draft: "");
        free (self->draft);
        self->draft = NULL;
    }
    else
        tui_input_set (self, self->history [self->history_pos]);
    return TUI_INPUT_CHANGED;
}

//  Apply one key action.
tui_input_result_t
tui_input_key (tui_input_t *self, tui_key_t key, uint32_t cp)
{
    size_t at = self->cursor;
    switch (key) {
        case TUI_KEY_CHAR: {
            if (tui_cp_width (cp) < 0 || (cp >= 0xD800 && cp <= 0xDFFF))
                return TUI_INPUT_IGNORED;
            char bytes [4];
            return s_insert (self, bytes, tui_utf8_encode (cp, bytes));
        }
        case TUI_KEY_ENTER:         return TUI_INPUT_SUBMIT;
        case TUI_KEY_LEFT:          return s_move (self, s_prev (self, at));
        case TUI_KEY_RIGHT:         return s_move (self, s_next (self, at));
        case TUI_KEY_WORD_LEFT:     return s_move (self,
                                                   s_word_start (self, at));
        case TUI_KEY_WORD_RIGHT:    return s_move (self,
                                                   s_word_end (self, at));
        case TUI_KEY_HOME:          return s_move (self, 0);
        case TUI_KEY_END:           return s_move (self, self->size);
        case TUI_KEY_BACKSPACE:     return s_delete (self, s_prev (self, at),
                                                     at, false);
        case TUI_KEY_DELETE:        return s_delete (self, at,
                                                     s_next (self, at), false);
        case TUI_KEY_KILL_START:    return s_delete (self, 0, at, true);
        case TUI_KEY_KILL_END:      return s_delete (self, at, self->size,
                                                     true);
        case TUI_KEY_KILL_WORD:     return s_delete (self,
                                                     s_word_start (self, at),
                                                     at, true);
        case TUI_KEY_YANK:          return self->yank?
                                           s_insert (self, self->yank,
                                                     strlen (self->yank)):
                                           TUI_INPUT_IGNORED;
        case TUI_KEY_TRANSPOSE:     return s_transpose (self);
        case TUI_KEY_UP:            return s_history (self, true);
        case TUI_KEY_DOWN:          return s_history (self, false);
        case TUI_KEY_NONE:          break;
    }
    return TUI_INPUT_IGNORED;
}

//  Take the line and start a new one.
char *
tui_input_take (tui_input_t *self)
{
    char *line = strdup (self->buf);
    if (!line)
        return NULL;
    bool repeat = self->history_size > 0
               && streq (self->history [self->history_size - 1], line);
    if (self->size > 0 && !repeat) {
        char *copy = strdup (line);
        if (copy && self->history_size == TUI_HISTORY_MAX) {
            free (self->history [0]);
            memmove (self->history, self->history + 1,
                     (TUI_HISTORY_MAX - 1) * sizeof (char *));
            self->history_size--;
        }
        if (copy)
            self->history [self->history_size++] = copy;
    }
    self->history_pos = self->history_size;
    free (self->draft);
    self->draft = NULL;
    tui_input_set (self, "");
    self->scroll = 0;
    return line;
}

//  The line.
const char *
tui_input_text (tui_input_t *self)
{
    return self->buf;
}

//  The line's size in bytes.
size_t
tui_input_size (tui_input_t *self)
{
    return self->size;
}

//  The cursor's byte offset.
size_t
tui_input_cursor (tui_input_t *self)
{
    return self->cursor;
}

//  True if the cursor is at the end of the line.
bool
tui_input_at_end (tui_input_t *self)
{
    return self->cursor == self->size;
}

//  Lines in the history.
size_t
tui_input_history_size (tui_input_t *self)
{
    return self->history_size;
}

//  What to show in WIDTH columns: see tui_input.h.
void
tui_input_view (tui_input_t *self, int width, tui_input_view_t *view)
{
    memset (view, 0, sizeof *view);
    view->offset = self->cursor;
    if (width <= 0)
        return;
    int cursor_col = (int) tui_text_width (self->buf, self->cursor);
    int total = (int) tui_text_width (self->buf, self->size);
    if (total < width)
        self->scroll = 0;
    else {
        if (total - self->scroll < width - 1)
            self->scroll = total - width + 1;   //  no blank tail
        if (cursor_col < self->scroll) {
            //  Going left: show some of what is before the cursor
            self->scroll = cursor_col - width / 3;
            if (self->scroll < 0)
                self->scroll = 0;
        }
        if (cursor_col >= self->scroll + width)
            self->scroll = cursor_col - width + 1;
    }
    //  First unit that starts at or after the scroll column
    size_t pos = 0;
    int col = 0;
    while (pos < self->size && col < self->scroll) {
        size_t next = s_next (self, pos);
        col += (int) tui_text_width (self->buf + pos, next - pos);
        pos = next;
    }
    view->offset = pos;
    view->lead = col - self->scroll;
    //  Then as many whole units as fit
    int room = width - view->lead;
    size_t end = pos;
    col = 0;
    while (end < self->size) {
        size_t next = s_next (self, end);
        int unit = (int) tui_text_width (self->buf + end, next - end);
        if (col + unit > room)
            break;
        col += unit;
        end = next;
    }
    view->size = end - pos;
    view->cursor = cursor_col - self->scroll;
}
