/*  tui_text.h: text as a terminal shows it, with no terminal needed.

    Pure functions the curses ui (tui/) uses to lay out text: strict UTF-8
    decoding, the display unit of each character (what is drawn and how
    many columns it takes), display width, wrapping into lines of at most
    W columns, fitting into W columns with an ellipsis, and time stamps.
    Nothing here ever splits a character: every span starts and ends on a
    character boundary, and a zero-width character (a combining mark)
    stays with the character before it. Text comes from the network and
    the keyboard: any bytes are accepted; invalid UTF-8 and control
    characters show as U+FFFD. Widths come from wcwidth (3), so call these
    under a UTF-8 LC_CTYPE (the ui sets one for its thread; tests use
    C.UTF-8).
*/
#ifndef TUI_TEXT_H_INCLUDED
#define TUI_TEXT_H_INCLUDED

#include "dtchat.h"

#define TUI_REPLACEMENT     0xFFFD      //  shown for invalid bytes, controls
#define TUI_ELLIPSIS        "\xe2\x80\xa6"  //  U+2026, one column

//  One display unit: a character as the screen shows it.
typedef struct {
    uint32_t cp;        //  what to draw: 0 = nothing (newline, CR)
    int width;          //  columns: 0 (combining mark, nothing), 1 or 2
    size_t size;        //  bytes it takes in the text (1..4)
    bool newline;       //  a '\n': a hard line break
} tui_char_t;

//  One line of wrapped text: bytes [offset, offset + size) of the text.
typedef struct {
    size_t offset;
    size_t size;
    int width;          //  columns it takes
} tui_span_t;

//  Decode one UTF-8 character at S (SIZE > 0), strictly (no overlongs, no
//  surrogates, nothing above U+10FFFF). Returns the bytes it took (1..4;
//  0 when SIZE is 0); an invalid byte takes 1 and gives TUI_REPLACEMENT,
//  and then *VALID (if given) is false.
size_t
    tui_utf8_decode (const char *s, size_t size, uint32_t *cp, bool *valid);

//  Encode CP (a valid scalar value, else U+FFFD) into BUF (at least 4
//  bytes). Returns the bytes written.
size_t
    tui_utf8_encode (uint32_t cp, char *buf);

//  True if all SIZE bytes at S are valid UTF-8.
bool
    tui_utf8_valid (const char *s, size_t size);

//  The longest prefix of S, at most MAX bytes, that ends on a character
//  boundary (never inside a multibyte sequence). Returns its size.
size_t
    tui_utf8_cut (const char *s, size_t size, size_t max);

//  Columns CP takes on a terminal: 0, 1 or 2; -1 if it is not printable.
int
    tui_cp_width (uint32_t cp);

//  The display unit at S (SIZE > 0): controls and invalid bytes become
//  U+FFFD, a tab one space, '\r' nothing, '\n' a line break.
void
    tui_char_next (const char *s, size_t size, tui_char_t *ch);

//  Columns S takes on one line (line breaks take none).
size_t
    tui_text_width (const char *s, size_t size);

//  Wrap S into lines of at most WIDTH columns (WIDTH >= 1), breaking after
//  a space where one is in the line, else between two characters; a '\n'
//  always breaks; the space a line breaks at is not part of any line. The
//  only line wider than WIDTH is one that holds a single character wider
//  than WIDTH (a CJK character when WIDTH is 1). Lines number from 0;
//  lines SKIP .. SKIP + MAX - 1 are written to SPANS (may be NULL when
//  MAX is 0). Returns how many lines there are in all (at least 1).
size_t
    tui_text_wrap (const char *s, size_t size, int width, size_t skip,
                   tui_span_t *spans, size_t max);

//  Fit S into WIDTH columns: returns how many bytes to draw. If S is
//  wider, those bytes take at most WIDTH - 1 columns, *ELLIPSIS is true
//  and the caller draws TUI_ELLIPSIS after them. *COLS (if given) gets
//  the columns of the bytes returned. WIDTH <= 0 fits nothing.
size_t
    tui_text_fit (const char *s, size_t size, int width, bool *ellipsis,
                  int *cols);

//  S fitted into WIDTH columns as a new string (with TUI_ELLIPSIS when
//  cut, invalid bytes as U+FFFD, controls as U+FFFD); the caller frees.
//  NULL only if out of memory.
char *
    tui_text_truncate (const char *s, int width);

//  Format MS (ms since the epoch, local time) into BUF: "HH:MM:SS" on the
//  same local day as NOW_MS, else "YYYY-MM-DD HH:MM:SS"; "--:--:--" for 0
//  (unknown). Returns BUF.
char *
    tui_time_format (int64_t ms, int64_t now_ms, char *buf, size_t size);

#endif
