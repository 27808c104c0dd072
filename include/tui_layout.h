/*  tui_layout.h: where things go on the curses ui's screen, no curses.

    Pure functions that turn the screen size into panes and a message into
    display lines of segments (a piece of text with a role that the drawer
    maps to a colour). tui_model uses the message layout to measure
    messages for scrolling; tui_draw.c draws the lines with curses; tests
    render them as plain text. A message shows as

        ACKED    12:01:02 12:01:03 you: the text, wrapped under itself
                                        and continued here

    status, send time (the sender's clock), ack or receive time (our
    clock), sender, text. Below 60 columns the second time is left out;
    when the prefix leaves fewer than 12 columns the text goes below it.
    A FAILED message gets a line saying why and how to resend it.
*/
#ifndef TUI_LAYOUT_H_INCLUDED
#define TUI_LAYOUT_H_INCLUDED

#include "dtchat.h"
#include "bus_event.h"

#define TUI_MIN_COLS        40      //  smaller: "terminal too small"
#define TUI_MIN_ROWS        10
#define TUI_WIDE_COLS       60      //  from here on both times show
#define TUI_TIME_MAX        24      //  "YYYY-MM-DD HH:MM:SS" and a NUL
#define TUI_TEXT_SHOWN      (16 * 1024) //  bytes of a message text shown

//  A message as the screen shows it (tui_model owns these).
typedef struct {
    char *uuid;
    char *sender;
    char *text;             //  cut at TUI_TEXT_SHOWN on a char boundary
    size_t text_size;       //  bytes in text
    size_t full_size;       //  the whole text's size
    char more [48];         //  "[... N more bytes not shown]" or ""
    char *reason;           //  why FAILED, or NULL
    msg_status_t status;
    bool outgoing;
    uint32_t attempts;
    int64_t send_time;      //  the sender's clock, ms; 0 = unknown
    int64_t receive_time;   //  our clock: ack or arrival, ms; 0 = unknown
    char send_str [TUI_TIME_MAX];       //  formatted when it changed
    char receive_str [TUI_TIME_MAX];
    unsigned generation;    //  the resync that last refreshed it
} tui_msg_t;

//  What a piece of text is, for the drawer's colours.
typedef enum {
    TUI_ROLE_TEXT = 0,
    TUI_ROLE_DIM,           //  times, notes
    TUI_ROLE_ME,            //  our own name
    TUI_ROLE_PEER,          //  another sender's name
    TUI_ROLE_SENDING,
    TUI_ROLE_SENT,
    TUI_ROLE_ACKED,
    TUI_ROLE_FAILED,
    TUI_ROLE_RECEIVED,
    TUI_ROLE_INFO,          //  log levels in the net and app panes
    TUI_ROLE_WARN,
    TUI_ROLE_ERROR,
    TUI_ROLE_COUNT
} tui_role_t;

//  A piece of a line: SIZE bytes of TEXT (borrowed), drawn in at most
//  COLS columns with an ellipsis when it is wider (0 = as it is).
typedef struct {
    const char *text;
    size_t size;
    int cols;
    tui_role_t role;
} tui_seg_t;

#define TUI_LINE_SEGS   10

//  One screen line: INDENT blank columns, then the segments.
typedef struct {
    int indent;
    int count;
    tui_seg_t seg [TUI_LINE_SEGS];
} tui_line_t;

//  A pane's rows on the screen: TOP and ROWS (0 rows = not shown).
typedef struct {
    int top;
    int rows;
} tui_box_t;

typedef struct {
    bool too_small;         //  below TUI_MIN_COLS x TUI_MIN_ROWS
    int cols;
    tui_box_t msg_title, msgs, net_title, net, app_title, app;
    tui_box_t status, input;
} tui_screen_t;

//  Split ROWS x COLS into panes: the message pane's title and messages,
//  then (when SHOW_NET / SHOW_APP) the net and app panes with a title
//  row each, the status bar and the input line. The net and app panes
//  shrink (to one row each) before the message pane drops below 3 rows.
void
    tui_layout_screen (int rows, int cols, bool show_net, bool show_app,
                       tui_screen_t *screen);

//  Lay MSG out in WIDTH columns. Lines number from 0; lines SKIP ..
//  SKIP + MAX - 1 are written to LINES (may be NULL when MAX is 0).
//  Returns how many lines the message takes in all (at least 1). The
//  segments point into MSG and static strings: valid while MSG is.
size_t
    tui_layout_msg (const tui_msg_t *msg, int width, size_t skip,
                    tui_line_t *lines, size_t max);

//  The role of a status's word (TUI_ROLE_SENDING for MSG_SENDING, ...).
tui_role_t
    tui_layout_status_role (msg_status_t status);

//  A line as plain text (segments fitted as the drawer fits them, the
//  indent as spaces); the caller frees. For tests and the line-mode-like
//  dumps; NULL if out of memory.
char *
    tui_line_text (const tui_line_t *line);

#endif
