/*  tui_draw.c: draws the curses ui's screen (see tui_draw.h).

    Called by tui_app.c (tui_app_draw) on the ui actor's thread after
    something changed, never in a loop: an idle screen costs nothing.
    Every text goes through s_text, which draws display units from
    tui_text (controls and bad bytes as U+FFFD, marks in their base's
    cell) and stops before a character that would cross the right edge.
*/
#define NCURSES_WIDECHAR 1
#include "tui_draw.h"
#include "tui_text.h"
#include <ncursesw/curses.h>

#define S_MARKS_MAX     (CCHARW_MAX - 1)    //  marks kept in one cell

static const char *s_help [] = {
    "Keys",
    "  Enter               send the line (/word runs a command)",
    "  Left Right  Ctrl-B Ctrl-F    move; Ctrl-Left/Right, Alt-B/F: by word",
    "  Home End  Ctrl-A Ctrl-E      start / end of the line",
    "  Backspace Delete  Ctrl-H Ctrl-D   delete before / under the cursor",
    "                      (Ctrl-D on an empty line leaves, as /quit)",
    "  Ctrl-U Ctrl-K       delete to the start / end of the line",
    "  Ctrl-W              delete the word before the cursor",
    "  Ctrl-Y              put back what was deleted last; Ctrl-T swaps",
    "  Up Down  Ctrl-P Ctrl-N       earlier lines you typed (history)",
    "  PgUp PgDn           scroll the messages; Shift-Up/Down: one line",
    "  Ctrl-Home           the first message",
    "  End (at the end of the line), Ctrl-End   back to live",
    "  F1                  this help (Esc closes it)",
    "  F2 F3               show / hide the net and app panes",
    "  Tab                 complete a command",
    "  Ctrl-L              repaint, and resync with the chat",
    "  Ctrl-C              leave (exit status 130)",
    "Commands",
    "  /help               this help",
    "  /quit               leave (exit status 0)",
    "  /clear              clear the messages and events on the screen",
    "  /resend [UUID]      send a FAILED message again, same uuid: the",
    "                      last one, or the one whose uuid starts so",
    "  /order send|receive    the history by send time / by arrival",
    "  /peers              the peers and rooms of the config file",
    "  /peer NAME|ENDPOINT send to that peer from now on",
    "  /room [NAME]        send to that room from now on (alone: which)",
    "  /net  /app          show / hide the net and app panes",
    "  /sync               resync with the chat (as Ctrl-L)",
    "  //text              send a text that starts with '/'",
    "Messages",
    "  STATUS  sent  acked-or-received  sender: text",
    "  sent: the sender's clock; acked / received: this computer's",
    "  SENDING handed to the network, SENT left this host, ACKED the",
    "  peer has it, FAILED no ack in time, RECEIVED from the peer",
    NULL
};

//  The help text.
const char **
tui_draw_help (void)
{
    return s_help;
}

//  Colour pair of a role: role + 1 (0 is the terminal's default).
static short
s_pair (tui_role_t role)
{
    return (short) (role + 1);
}

//  Colours, once curses runs.
void
tui_draw_setup (void)
{
    if (!has_colors () || start_color () == ERR)
        return;
    short back = use_default_colors () == OK? -1: COLOR_BLACK;
    static const struct { tui_role_t role; short fore; } colours [] = {
        { TUI_ROLE_TEXT, -1 }, { TUI_ROLE_DIM, -1 },
        { TUI_ROLE_ME, COLOR_GREEN }, { TUI_ROLE_PEER, COLOR_CYAN },
        { TUI_ROLE_SENDING, COLOR_YELLOW }, { TUI_ROLE_SENT, COLOR_CYAN },
        { TUI_ROLE_ACKED, COLOR_GREEN }, { TUI_ROLE_FAILED, COLOR_RED },
        { TUI_ROLE_RECEIVED, COLOR_MAGENTA }, { TUI_ROLE_INFO, -1 },
        { TUI_ROLE_WARN, COLOR_YELLOW }, { TUI_ROLE_ERROR, COLOR_RED },
    };
    for (size_t index = 0; index < sizeof colours / sizeof *colours;
         index++) {
        short fore = colours [index].fore;
        if (fore == -1 && back != -1)
            fore = COLOR_WHITE;
        init_pair (s_pair (colours [index].role), fore, back);
    }
}

//  Attributes of a role (besides its colour pair).
static attr_t
s_attr (tui_role_t role)
{
    bool colour = has_colors ();
    switch (role) {
        case TUI_ROLE_DIM:      return A_DIM;
        case TUI_ROLE_ME:
        case TUI_ROLE_PEER:     return A_BOLD;
        case TUI_ROLE_FAILED:
        case TUI_ROLE_ERROR:    return A_BOLD | (colour? 0: A_UNDERLINE);
        case TUI_ROLE_WARN:     return colour? 0: A_UNDERLINE;
        case TUI_ROLE_RECEIVED: return colour? 0: A_BOLD;
        default:                return A_NORMAL;
    }
}

//  Draw SIZE bytes of S at ROW, COL in ROLE plus EXTRA attributes, in at
//  most FIT columns (0 = up to the edge) and never past MAX_COL; cut
//  with an ellipsis when FIT is given and too small. Returns the column
//  after the text.
static int
s_text (int row, int col, int max_col, const char *s, size_t size,
        int fit, tui_role_t role, attr_t extra)
{
    int limit = max_col - col;
    if (fit > 0 && fit < limit)
        limit = fit;
    if (limit <= 0)
        return col;
    bool ellipsis = false;
    size_t bytes = tui_text_fit (s, size, limit, &ellipsis, NULL);
    attr_t attr = s_attr (role) | extra;
    short pair = has_colors ()? s_pair (role): 0;
    size_t pos = 0;
    while (pos < bytes) {
        tui_char_t ch;
        tui_char_next (s + pos, bytes - pos, &ch);
        pos += ch.size;
        if (ch.width == 0)
            continue;           //  a line break, or a mark with no base
        wchar_t cell [S_MARKS_MAX + 2];
        int count = 0;
        cell [count++] = (wchar_t) ch.cp;
        while (pos < bytes) {
            tui_char_t mark;
            tui_char_next (s + pos, bytes - pos, &mark);
            if (mark.width != 0)
                break;
            if (mark.cp && count <= S_MARKS_MAX)
                cell [count++] = (wchar_t) mark.cp;
            pos += mark.size;
        }
        cell [count] = 0;
        if (col + ch.width > max_col)
            break;
        cchar_t cc;
        if (setcchar (&cc, cell, attr, pair, NULL) == OK)
            mvwadd_wch (stdscr, row, col, &cc);
        col += ch.width;
    }
    if (ellipsis && col < max_col)
        col = s_text (row, col, max_col, TUI_ELLIPSIS,
                      sizeof TUI_ELLIPSIS - 1, 0, role, extra);
    return col;
}

//  Draw a NUL-terminated text.
static int
s_str (int row, int col, int max_col, const char *s, tui_role_t role,
       attr_t extra)
{
    return s_text (row, col, max_col, s, strlen (s), 0, role, extra);
}

//  Fill ROW with blanks in EXTRA attributes (a bar's background).
static void
s_blank (int row, int cols, attr_t extra)
{
    wattr_set (stdscr, extra, 0, NULL);
    mvwhline (stdscr, row, 0, ' ', cols);
    wattr_set (stdscr, A_NORMAL, 0, NULL);
}

//  A pane's title row: a rule with NAME and a dim HINT.
static void
s_title (int row, int cols, const char *name, const char *hint)
{
    mvwhline (stdscr, row, 0, ACS_HLINE, cols);
    int col = s_str (row, 2, cols, " ", TUI_ROLE_TEXT, 0);
    col = s_str (row, col, cols, name, TUI_ROLE_TEXT, A_BOLD);
    col = s_str (row, col, cols, " ", TUI_ROLE_TEXT, 0);
    if (hint && col + 4 < cols) {
        col = s_str (row, col + 1, cols, " ", TUI_ROLE_DIM, 0);
        col = s_text (row, col, cols - 2, hint, strlen (hint), 0,
                      TUI_ROLE_DIM, 0);
        s_str (row, col, cols, " ", TUI_ROLE_DIM, 0);
    }
}

//  One laid-out line at ROW.
static void
s_line (int row, int cols, const tui_line_t *line)
{
    int col = line->indent;
    for (int index = 0; index < line->count; index++) {
        const tui_seg_t *seg = &line->seg [index];
        col = s_text (row, col, cols, seg->text, seg->size, seg->cols,
                      seg->role, 0);
    }
}

//  The message pane: from the view's bottom upwards, top-aligned while
//  the messages do not fill it; a marker row while scrolled back.
static void
s_messages (const tui_frame_t *frame, tui_box_t box, int cols)
{
    tui_model_t *model = frame->model;
    bool live = tui_model_live (model);
    int content = box.rows - (live? 0: 1);
    tui_line_t *lines = content > 0?
        (tui_line_t *) calloc ((size_t) content, sizeof (tui_line_t)): NULL;
    size_t filled = 0, index, hidden;
    if (lines && tui_model_view (model, cols, &index, &hidden)) {
        size_t first = tui_model_msg_first (model);
        for (size_t at = index + 1; at-- > first
                                 && filled < (size_t) content; ) {
            const tui_msg_t *msg = tui_model_msg_get (model, at);
            size_t end = tui_layout_msg (msg, cols, 0, NULL, 0);
            end -= at == index? hidden: 0;
            size_t room = (size_t) content - filled;
            size_t take = end < room? end: room;
            tui_layout_msg (msg, cols, end - take,
                            lines + room - take, take);
            filled += take;
        }
    }
    for (size_t line = 0; line < filled; line++)
        s_line (box.top + (int) line, cols,
                &lines [(size_t) content - filled + line]);
    free (lines);
    if (filled == 0 && live && tui_model_msg_count (model)
                                <= tui_model_msg_first (model))
        s_str (box.top + box.rows / 2, 2, cols,
               frame->connecting? "connecting to the chat...":
               "no messages yet: type a line and press Enter "
               "(F1: help)", TUI_ROLE_DIM, 0);
    if (!live) {
        char marker [96];
        size_t below = tui_model_below (model);
        if (below)
            snprintf (marker, sizeof marker, " -- %zu more below -- "
                      "PgDn, End or Ctrl-End: back to live -- ", below);
        else
            snprintf (marker, sizeof marker, " -- more below -- "
                      "PgDn, End or Ctrl-End: back to live -- ");
        int row = box.top + box.rows - 1;
        s_blank (row, cols, A_REVERSE);
        s_str (row, 0, cols, marker, TUI_ROLE_WARN, A_REVERSE | A_BOLD);
    }
}

//  The help text in the message pane.
static void
s_help_pane (tui_box_t box, int cols)
{
    for (int line = 0; line < box.rows && s_help [line]; line++) {
        bool heading = s_help [line][0] != ' ';
        s_str (box.top + line, 1, cols, s_help [line], TUI_ROLE_TEXT,
               heading? A_BOLD: 0);
    }
}

//  A net or app pane: its newest lines at the bottom.
static void
s_logs (tui_logs_t *logs, tui_box_t box, int cols, int64_t now)
{
    size_t count = tui_logs_count (logs);
    size_t shown = count < (size_t) box.rows? count: (size_t) box.rows;
    for (size_t line = 0; line < shown; line++) {
        const tui_log_t *log = tui_logs_get (logs, count - shown + line);
        char when [TUI_TIME_MAX];
        tui_time_format (log->time, now, when, sizeof when);
        int row = box.top + (int) line;
        int col = s_str (row, 0, cols, when, TUI_ROLE_DIM, 0);
        tui_role_t role = log->level == LOG_ERROR? TUI_ROLE_ERROR:
                          log->level == LOG_WARN? TUI_ROLE_WARN:
                                                  TUI_ROLE_INFO;
        s_text (row, col + 1, cols, log->text, strlen (log->text),
                cols - col - 1, role, 0);
    }
}

//  The status bar: the peer, the room and our endpoint, then counts and
//  hints on the right.
static void
s_status (const tui_frame_t *frame, int row, int cols)
{
    char peers [3 * DTCHAT_ENDPOINT_MAX + DTCHAT_ID_MAX + 16];
    bool room = frame->room && *frame->room;
    //  Where messages go first: a narrow bar cuts our own endpoint
    snprintf (peers, sizeof peers, " to %s%s%s%s | from %s ",
              frame->remote? frame->remote: "?", room? " [": "",
              room? frame->room: "", room? "]": "",
              frame->local? frame->local: "?");
    char counts [64], failed_text [32], tail [64];
    size_t failed = tui_model_failed (frame->model);
    snprintf (counts, sizeof counts, "| %zu pending | ",
              tui_model_pending (frame->model));
    snprintf (failed_text, sizeof failed_text, "%zu failed", failed);
    snprintf (tail, sizeof tail, "%s%s | F1 help ",
              frame->syncing? " | syncing": "",
              tui_model_live (frame->model)? "": " | scrolled");
    int right = (int) (strlen (counts) + strlen (failed_text)
                       + strlen (tail));
    int wanted = (int) tui_text_width (peers, strlen (peers));
    if (wanted + right > cols) {
        //  The help hint goes before the endpoints are cut
        tail [strlen (tail) - strlen ("| F1 help ")] = 0;
        right = (int) (strlen (counts) + strlen (failed_text)
                       + strlen (tail));
    }
    s_blank (row, cols, A_REVERSE);
    int left_max = cols - right;
    if (left_max > 0)
        s_text (row, 0, cols, peers, strlen (peers), left_max,
                TUI_ROLE_TEXT, A_REVERSE | A_BOLD);
    int col = left_max > 0? left_max: 0;
    col = s_str (row, col, cols, counts, TUI_ROLE_TEXT, A_REVERSE);
    col = s_str (row, col, cols, failed_text,
                 failed? TUI_ROLE_FAILED: TUI_ROLE_TEXT, A_REVERSE);
    s_str (row, col, cols, tail, TUI_ROLE_TEXT, A_REVERSE);
}

//  The input line, with the cursor where tui_input says.
static void
s_input (const tui_frame_t *frame, int row, int cols)
{
    const char *prompt = "> ";
    int col = s_str (row, 0, cols, prompt, TUI_ROLE_ME, 0);
    //  Keep the bottom-right cell free: writing there may scroll
    int width = cols - col - 1;
    tui_input_view_t view;
    tui_input_view (frame->input, width, &view);
    const char *text = tui_input_text (frame->input);
    s_text (row, col + view.lead, col + width, text + view.offset,
            view.size, 0, TUI_ROLE_TEXT, 0);
    wmove (stdscr, row, col + view.cursor);
    curs_set (1);
}

//  Below the minimum size: say so, in what room there is.
static void
s_too_small (int rows, int cols)
{
    char need [48];
    snprintf (need, sizeof need, "(at least %dx%d)", TUI_MIN_COLS,
              TUI_MIN_ROWS);
    int row = rows > 1? rows / 2 - 1: 0;
    const char *text = "terminal too small";
    int width = (int) strlen (text);
    s_str (row, cols > width? (cols - width) / 2: 0, cols, text,
           TUI_ROLE_WARN, A_BOLD);
    width = (int) strlen (need);
    if (row + 1 < rows)
        s_str (row + 1, cols > width? (cols - width) / 2: 0, cols, need,
               TUI_ROLE_DIM, 0);
    curs_set (0);
}

//  Draw the whole screen.
void
tui_draw (const tui_frame_t *frame)
{
    int rows = LINES, cols = COLS;
    werase (stdscr);
    tui_screen_t screen;
    //  The help takes the panes' room too
    tui_layout_screen (rows, cols, frame->show_net && !frame->help,
                       frame->show_app && !frame->help, &screen);
    if (screen.too_small)
        s_too_small (rows, cols);
    else {
        int64_t now = dtchat_now_ms ();
        if (frame->help)
            s_title (screen.msg_title.top, cols, "help",
                     "F1 or Esc closes it");
        else
            s_title (screen.msg_title.top, cols, "messages",
                     "status, sent (sender's clock), acked/received "
                     "(this clock), sender");
        if (frame->help)
            s_help_pane (screen.msgs, cols);
        else
            s_messages (frame, screen.msgs, cols);
        if (screen.net.rows) {
            s_title (screen.net_title.top, cols, "net", "F2 hides");
            s_logs (tui_model_logs (frame->model, TUI_PANE_NET),
                    screen.net, cols, now);
        }
        if (screen.app.rows) {
            s_title (screen.app_title.top, cols, "app", "F3 hides");
            s_logs (tui_model_logs (frame->model, TUI_PANE_APP),
                    screen.app, cols, now);
        }
        s_status (frame, screen.status.top, cols);
        s_input (frame, screen.input.top, cols);
    }
    wnoutrefresh (stdscr);
    doupdate ();
}
