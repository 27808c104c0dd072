/*  tui_text.c: text as a terminal shows it (see include/tui_text.h).

    The curses ui (tui_app.c, tui_draw.c), the input editor (tui_input)
    and the message layout (tui_layout) measure, wrap and cut text only
    through these functions, so what is measured is what is drawn. No
    curses here: everything is unit-tested without a terminal.
*/
#include "tui_text.h"
#include <time.h>
#include <wchar.h>

//  True for a UTF-8 continuation byte within [LOW, HIGH].
static bool
s_cont (unsigned char byte, unsigned char low, unsigned char high)
{
    return byte >= low && byte <= high;
}

//  Decode one UTF-8 character: see tui_text.h.
size_t
tui_utf8_decode (const char *s, size_t size, uint32_t *cp, bool *valid)
{
    if (size == 0) {
        *cp = 0;
        if (valid)
            *valid = false;
        return 0;
    }
    const unsigned char *b = (const unsigned char *) s;
    size_t need = 0;
    uint32_t value = 0;
    //  The first continuation byte's range rules out overlongs,
    //  surrogates and values above U+10FFFF (RFC 3629, section 4)
    unsigned char low = 0x80, high = 0xBF;
    if (b [0] < 0x80) {
        *cp = b [0];
        if (valid)
            *valid = true;
        return 1;
    }
    else
    if (b [0] >= 0xC2 && b [0] <= 0xDF) {
        need = 1;
        value = b [0] & 0x1F;
    }
    else
    if (b [0] >= 0xE0 && b [0] <= 0xEF) {
        need = 2;
        value = b [0] & 0x0F;
        if (b [0] == 0xE0)
            low = 0xA0;
        if (b [0] == 0xED)
            high = 0x9F;
    }
    else
    if (b [0] >= 0xF0 && b [0] <= 0xF4) {
        need = 3;
        value = b [0] & 0x07;
        if (b [0] == 0xF0)
            low = 0x90;
        if (b [0] == 0xF4)
            high = 0x8F;
    }
    if (need == 0 || size < need + 1 || !s_cont (b [1], low, high))
        goto invalid;
    for (size_t index = 1; index <= need; index++) {
        if (index > 1 && !s_cont (b [index], 0x80, 0xBF))
            goto invalid;
        value = (value << 6) | (b [index] & 0x3F);
    }
    *cp = value;
    if (valid)
        *valid = true;
    return need + 1;
invalid:
    *cp = TUI_REPLACEMENT;
    if (valid)
        *valid = false;
    return 1;
}

//  Encode one code point: see tui_text.h.
size_t
tui_utf8_encode (uint32_t cp, char *buf)
{
    unsigned char *b = (unsigned char *) buf;
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = TUI_REPLACEMENT;
    if (cp < 0x80) {
        b [0] = (unsigned char) cp;
        return 1;
    }
    if (cp < 0x800) {
        b [0] = (unsigned char) (0xC0 | (cp >> 6));
        b [1] = (unsigned char) (0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        b [0] = (unsigned char) (0xE0 | (cp >> 12));
        b [1] = (unsigned char) (0x80 | ((cp >> 6) & 0x3F));
        b [2] = (unsigned char) (0x80 | (cp & 0x3F));
        return 3;
    }
    b [0] = (unsigned char) (0xF0 | (cp >> 18));
    b [1] = (unsigned char) (0x80 | ((cp >> 12) & 0x3F));
    b [2] = (unsigned char) (0x80 | ((cp >> 6) & 0x3F));
    b [3] = (unsigned char) (0x80 | (cp & 0x3F));
    return 4;
}

//  True if the text is valid UTF-8.
bool
tui_utf8_valid (const char *s, size_t size)
{
    size_t pos = 0;
    while (pos < size) {
        uint32_t cp;
        bool valid;
        pos += tui_utf8_decode (s + pos, size - pos, &cp, &valid);
        if (!valid)
            return false;
    }
    return true;
}

//  Longest prefix of at most MAX bytes ending on a character boundary.
size_t
tui_utf8_cut (const char *s, size_t size, size_t max)
{
    if (max >= size)
        return size;
    size_t pos = 0;
    while (pos < max) {
        uint32_t cp;
        size_t used = tui_utf8_decode (s + pos, size - pos, &cp, NULL);
        if (pos + used > max)
            break;
        pos += used;
    }
    return pos;
}

//  Columns a code point takes, or -1 if it is not printable.
int
tui_cp_width (uint32_t cp)
{
    if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || cp > 0x10FFFF)
        return -1;
    int width = wcwidth ((wchar_t) cp);
    return width > 2? 2: width;
}

//  The display unit at S: see tui_text.h.
void
tui_char_next (const char *s, size_t size, tui_char_t *ch)
{
    uint32_t cp;
    bool valid;
    ch->size = tui_utf8_decode (s, size, &cp, &valid);
    ch->newline = false;
    ch->cp = cp;
    ch->width = valid? tui_cp_width (cp): -1;
    if (valid && cp == '\n') {
        ch->newline = true;
        ch->cp = 0;
        ch->width = 0;
    }
    else
    if (valid && cp == '\r') {
        ch->cp = 0;
        ch->width = 0;
    }
    else
    if (valid && cp == '\t') {
        ch->cp = ' ';
        ch->width = 1;
    }
    else
    if (ch->width < 0) {
        ch->cp = TUI_REPLACEMENT;
        ch->width = 1;
    }
}

//  Columns the text takes on one line.
size_t
tui_text_width (const char *s, size_t size)
{
    size_t width = 0, pos = 0;
    while (pos < size) {
        tui_char_t ch;
        tui_char_next (s + pos, size - pos, &ch);
        width += (size_t) ch.width;
        pos += ch.size;
    }
    return width;
}

//  Record line number *LINES_P if it falls in the window the caller wants.
static void
s_emit (size_t *lines_p, size_t skip, tui_span_t *spans, size_t max,
        size_t start, size_t end, int width)
{
    size_t line = (*lines_p)++;
    if (line >= skip && line - skip < max) {
        spans [line - skip].offset = start;
        spans [line - skip].size = end - start;
        spans [line - skip].width = width;
    }
}

//  Wrap text into lines of at most WIDTH columns: see tui_text.h.
size_t
tui_text_wrap (const char *s, size_t size, int width, size_t skip,
               tui_span_t *spans, size_t max)
{
    if (width < 1)
        width = 1;
    size_t lines = 0;
    size_t start = 0, pos = 0;
    int col = 0;                //  columns of [start, pos)
    bool have_break = false;    //  a space in this line to break at
    size_t break_at = 0;        //  the space's offset: the line ends there
    int break_col = 0;          //  columns of [start, break_at)
    while (pos < size) {
        tui_char_t ch;
        tui_char_next (s + pos, size - pos, &ch);
        if (ch.newline) {
            s_emit (&lines, skip, spans, max, start, pos, col);
            start = pos = pos + ch.size;
            col = 0;
            have_break = false;
            continue;
        }
        if (ch.width > 0 && col > 0 && col + ch.width > width) {
            if (ch.cp == ' ') {
                //  Break at this very space, which no line shows
                s_emit (&lines, skip, spans, max, start, pos, col);
                start = pos = pos + ch.size;
                col = 0;
                have_break = false;
                continue;
            }
            if (have_break) {
                //  The word so far moves down; look at CH again there
                s_emit (&lines, skip, spans, max, start, break_at,
                        break_col);
                start = break_at + 1;
                col -= break_col + 1;
                have_break = false;
                continue;
            }
            //  A word longer than the line: break between two characters
            s_emit (&lines, skip, spans, max, start, pos, col);
            start = pos;
            col = 0;
        }
        if (ch.cp == ' ' && pos > start) {
            have_break = true;
            break_at = pos;
            break_col = col;
        }
        col += ch.width;
        pos += ch.size;
    }
    s_emit (&lines, skip, spans, max, start, pos, col);
    return lines;
}

//  Fit text into WIDTH columns: see tui_text.h.
size_t
tui_text_fit (const char *s, size_t size, int width, bool *ellipsis,
              int *cols)
{
    *ellipsis = false;
    if (cols)
        *cols = 0;
    if (width <= 0)
        return 0;
    size_t total = tui_text_width (s, size);
    int budget = total <= (size_t) width? width: width - 1;
    size_t pos = 0;
    int col = 0;
    while (pos < size) {
        tui_char_t ch;
        tui_char_next (s + pos, size - pos, &ch);
        if (col + ch.width > budget)
            break;
        col += ch.width;
        pos += ch.size;
    }
    *ellipsis = pos < size;
    if (cols)
        *cols = col;
    return pos;
}

//  Text fitted into WIDTH columns as a new, clean string.
char *
tui_text_truncate (const char *s, int width)
{
    size_t size = strlen (s);
    bool ellipsis;
    size_t fit = tui_text_fit (s, size, width, &ellipsis, NULL);
    //  A replaced byte (1) becomes U+FFFD (3): at most 3 times longer
    char *out = (char *) malloc (fit * 3 + sizeof TUI_ELLIPSIS);
    if (!out)
        return NULL;
    size_t pos = 0, used = 0;
    while (pos < fit) {
        tui_char_t ch;
        tui_char_next (s + pos, fit - pos, &ch);
        if (ch.cp)
            used += tui_utf8_encode (ch.cp, out + used);
        pos += ch.size;
    }
    if (ellipsis) {
        memcpy (out + used, TUI_ELLIPSIS, sizeof TUI_ELLIPSIS - 1);
        used += sizeof TUI_ELLIPSIS - 1;
    }
    out [used] = 0;
    return out;
}

//  Format a time stamp: see tui_text.h.
char *
tui_time_format (int64_t ms, int64_t now_ms, char *buf, size_t size)
{
    if (size == 0)
        return buf;
    if (ms <= 0) {
        snprintf (buf, size, "--:--:--");
        return buf;
    }
    time_t when = (time_t) (ms / 1000), now = (time_t) (now_ms / 1000);
    struct tm at, today;
    if (!localtime_r (&when, &at) || !localtime_r (&now, &today)) {
        snprintf (buf, size, "--:--:--");
        return buf;
    }
    bool same_day = at.tm_year == today.tm_year && at.tm_yday == today.tm_yday;
    if (strftime (buf, size, same_day? "%H:%M:%S": "%Y-%m-%d %H:%M:%S",
                  &at) == 0)
        snprintf (buf, size, "?");
    return buf;
}
