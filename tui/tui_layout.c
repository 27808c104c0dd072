/*  tui_layout.c: panes and message lines (see include/tui_layout.h).

    tui_model measures messages with tui_layout_msg to scroll by lines;
    tui_draw.c draws the same lines, so what is scrolled is what is shown.
    Widths come from tui_text; nothing here knows about curses.
*/
#include "tui_layout.h"
#include "tui_text.h"

#define S_SENDER_COLS   16      //  widest sender name shown
#define S_TEXT_MIN      12      //  fewer text columns: text goes below
#define S_BELOW_INDENT  2       //  indent of text shown below the prefix

//  Collects the lines a caller asked for (SKIP .. SKIP + MAX - 1).
typedef struct {
    size_t skip;
    size_t max;
    tui_line_t *lines;
    size_t count;               //  lines made so far
} s_out_t;

//  Split the screen into panes: see tui_layout.h.
void
tui_layout_screen (int rows, int cols, bool show_net, bool show_app,
                   tui_screen_t *screen)
{
    memset (screen, 0, sizeof *screen);
    screen->cols = cols;
    if (cols < TUI_MIN_COLS || rows < TUI_MIN_ROWS) {
        screen->too_small = true;
        return;
    }
    int net = show_net? rows / 6: 0;
    int app = show_app? rows / 8: 0;
    if (show_net)
        net = net < 2? 2: net > 8? 8: net;
    if (show_app)
        app = app < 2? 2: app > 6? 6: app;
    //  Rows above the status bar: titles, messages, net, app
    int msgs = rows - 2 - 1 - (net? net + 1: 0) - (app? app + 1: 0);
    while (msgs < 3 && (net > 1 || app > 1)) {
        if (net >= app && net > 1)
            net--;
        else
            app--;
        msgs++;
    }
    if (msgs < 3 && app) {
        msgs += app + 1;
        app = 0;
    }
    if (msgs < 3 && net) {
        msgs += net + 1;
        net = 0;
    }
    int top = 0;
    screen->msg_title = (tui_box_t) { top++, 1 };
    screen->msgs = (tui_box_t) { top, msgs };
    top += msgs;
    if (net) {
        screen->net_title = (tui_box_t) { top++, 1 };
        screen->net = (tui_box_t) { top, net };
        top += net;
    }
    if (app) {
        screen->app_title = (tui_box_t) { top++, 1 };
        screen->app = (tui_box_t) { top, app };
        top += app;
    }
    screen->status = (tui_box_t) { rows - 2, 1 };
    screen->input = (tui_box_t) { rows - 1, 1 };
}

//  The role of a status word.
tui_role_t
tui_layout_status_role (msg_status_t status)
{
    switch (status) {
        case MSG_SENDING:   return TUI_ROLE_SENDING;
        case MSG_SENT:      return TUI_ROLE_SENT;
        case MSG_ACKED:     return TUI_ROLE_ACKED;
        case MSG_FAILED:    return TUI_ROLE_FAILED;
        case MSG_RECEIVED:  return TUI_ROLE_RECEIVED;
        default:            return TUI_ROLE_DIM;
    }
}

//  The status word padded to 9 columns (one space after).
static const char *
s_status_word (msg_status_t status)
{
    switch (status) {
        case MSG_SENDING:   return "SENDING  ";
        case MSG_SENT:      return "SENT     ";
        case MSG_ACKED:     return "ACKED    ";
        case MSG_FAILED:    return "FAILED   ";
        case MSG_RECEIVED:  return "RECEIVED ";
        default:            return "?        ";
    }
}

//  Add a segment to LINE; text is borrowed.
static void
s_seg (tui_line_t *line, const char *text, size_t size, int cols,
       tui_role_t role)
{
    assert (line->count < TUI_LINE_SEGS);
    line->seg [line->count++] = (tui_seg_t) { text, size, cols, role };
}

//  Add a NUL-terminated segment.
static void
s_str (tui_line_t *line, const char *text, tui_role_t role)
{
    s_seg (line, text, strlen (text), 0, role);
}

//  Hand LINE to the caller if it is one of those asked for.
static void
s_put (s_out_t *out, const tui_line_t *line)
{
    size_t index = out->count++;
    if (index >= out->skip && index - out->skip < out->max)
        out->lines [index - out->skip] = *line;
}

//  Lay a message out: see tui_layout.h.
size_t
tui_layout_msg (const tui_msg_t *msg, int width, size_t skip,
                tui_line_t *lines, size_t max)
{
    if (width < 1)
        width = 1;
    s_out_t out = { skip, max, lines, 0 };
    tui_line_t first = { 0, 0, {{ 0 }} };
    s_str (&first, s_status_word (msg->status),
           tui_layout_status_role (msg->status));
    s_str (&first, msg->send_str, TUI_ROLE_DIM);
    s_str (&first, " ", TUI_ROLE_TEXT);
    size_t prefix = 9 + tui_text_width (msg->send_str,
                                        strlen (msg->send_str)) + 1;
    if (width >= TUI_WIDE_COLS) {
        s_str (&first, msg->receive_str, TUI_ROLE_DIM);
        s_str (&first, " ", TUI_ROLE_TEXT);
        prefix += tui_text_width (msg->receive_str,
                                  strlen (msg->receive_str)) + 1;
    }
    const char *sender = msg->sender? msg->sender: "?";
    size_t sender_size = strlen (sender);
    int sender_max = width / 4 < S_SENDER_COLS? width / 4: S_SENDER_COLS;
    if (sender_max < 4)
        sender_max = 4;
    int sender_cols = (int) tui_text_width (sender, sender_size);
    if (sender_cols > sender_max)
        sender_cols = sender_max;
    s_seg (&first, sender, sender_size, sender_max,
           msg->outgoing? TUI_ROLE_ME: TUI_ROLE_PEER);
    s_str (&first, ": ", TUI_ROLE_TEXT);
    prefix += (size_t) sender_cols + 2;

    //  The text: beside the prefix, or below it when that is too narrow
    bool below = (int) prefix + S_TEXT_MIN > width;
    int indent = below? S_BELOW_INDENT: (int) prefix;
    if (indent >= width)
        indent = width - 1;
    int text_width = width - indent;
    const char *text = msg->text? msg->text: "";
    size_t text_size = msg->text? msg->text_size: 0;
    size_t count = tui_text_wrap (text, text_size, text_width, 0, NULL, 0);
    if (below)
        s_put (&out, &first);
    //  Only the text lines asked for are wrapped into SPANS
    size_t base = out.count;
    size_t want_from = skip > base? skip - base: 0;
    size_t want_to = skip + max > base? skip + max - base: 0;
    if (want_to > count)
        want_to = count;
    size_t want = want_to > want_from? want_to - want_from: 0;
    tui_span_t spans_local [64];
    tui_span_t *spans = want <= 64? spans_local:
                        (tui_span_t *) malloc (want * sizeof (tui_span_t));
    if (!spans)
        want = 0;
    if (want)
        tui_text_wrap (text, text_size, text_width, want_from, spans, want);
    for (size_t index = 0; index < count; index++) {
        tui_line_t line = { indent, 0, {{ 0 }} };
        if (index == 0 && !below) {
            line = first;
            line.indent = 0;
        }
        if (index >= want_from && index - want_from < want) {
            tui_span_t *span = &spans [index - want_from];
            s_seg (&line, text + span->offset, span->size, 0,
                   TUI_ROLE_TEXT);
        }
        s_put (&out, &line);
    }
    if (spans != spans_local)
        free (spans);
    if (msg->more [0]) {
        tui_line_t line = { indent, 0, {{ 0 }} };
        s_seg (&line, msg->more, strlen (msg->more), width - indent,
               TUI_ROLE_DIM);
        s_put (&out, &line);
    }
    if (msg->status == MSG_FAILED) {
        //  The command that tries again, and why; under the text when
        //  the reason fits there
        const char *uuid = msg->uuid? msg->uuid: "";
        size_t uuid_size = tui_utf8_cut (uuid, strlen (uuid), 8);
        int hint = 8 + (int) tui_text_width (uuid, uuid_size) + 3;
        const char *reason = msg->reason && *msg->reason? msg->reason:
                             "no ack";
        int reason_cols = (int) tui_text_width (reason, strlen (reason));
        tui_line_t line = { indent, 0, {{ 0 }} };
        if (indent + hint + reason_cols > width && indent > S_BELOW_INDENT)
            line.indent = S_BELOW_INDENT;
        s_str (&line, "/resend ", TUI_ROLE_FAILED);
        s_seg (&line, uuid, uuid_size, 0, TUI_ROLE_FAILED);
        int used = line.indent + hint - 3;
        if (width - used - 3 >= 1) {
            s_str (&line, " - ", TUI_ROLE_DIM);
            s_seg (&line, reason, strlen (reason), width - used - 3,
                   TUI_ROLE_DIM);
        }
        s_put (&out, &line);
    }
    return out.count;
}

//  A line as plain text: see tui_layout.h.
char *
tui_line_text (const tui_line_t *line)
{
    size_t size = (size_t) (line->indent > 0? line->indent: 0);
    for (int index = 0; index < line->count; index++)
        size += line->seg [index].size * 3 + sizeof TUI_ELLIPSIS;
    char *text = (char *) malloc (size + 1);
    if (!text)
        return NULL;
    size_t used = 0;
    for (int index = 0; index < line->indent; index++)
        text [used++] = ' ';
    for (int index = 0; index < line->count; index++) {
        const tui_seg_t *seg = &line->seg [index];
        size_t bytes = seg->size;
        bool ellipsis = false;
        if (seg->cols > 0)
            bytes = tui_text_fit (seg->text, seg->size, seg->cols,
                                  &ellipsis, NULL);
        size_t pos = 0;
        while (pos < bytes) {
            tui_char_t ch;
            tui_char_next (seg->text + pos, bytes - pos, &ch);
            if (ch.cp)
                used += tui_utf8_encode (ch.cp, text + used);
            pos += ch.size;
        }
        if (ellipsis) {
            memcpy (text + used, TUI_ELLIPSIS, sizeof TUI_ELLIPSIS - 1);
            used += sizeof TUI_ELLIPSIS - 1;
        }
    }
    text [used] = 0;
    return text;
}
