/*  ui_line_input.c: the line-mode ui's input lines and commands.

    Part of the ui_line actor (see ui_line_private.h). The loop in
    ui_line.c calls ui_line_read_input when in_fd is readable: every
    complete line is trimmed and checked (stdin is input from outside:
    lines are bounded to 1 MiB, must be UTF-8 and hold no NUL) and becomes
    a TEXT to the chat-model, or, when it starts with one '/', a command.
    End of input starts the drain.
*/
#include "ui_line_private.h"
#include "chat_msg.h"

#define S_READ_CHUNK        65536           //  bytes per read (2)

//  Print the list of commands.
static void
s_print_help (self_t *self)
{
    ui_line_note (self, LOG_INFO, "each line you type is a message "
                  "to the remote; commands:");
    ui_line_note (self, LOG_INFO, "/help         this list");
    ui_line_note (self, LOG_INFO, "/quit         leave now (end of input "
                  "instead waits for acks)");
    ui_line_note (self, LOG_INFO, "/resend UUID  send a FAILED message "
                  "again (a unique uuid prefix will do)");
    ui_line_note (self, LOG_INFO, "/order send|receive  show the history "
                  "again, by send time or by arrival here");
    ui_line_note (self, LOG_INFO, "//text        send a text that starts "
                  "with '/'");
}

//  Run one command line (it starts with '/').
static void
s_handle_command (self_t *self, char *line)
{
    char *arg = line + strcspn (line, " \t");
    if (*arg) {
        *arg++ = 0;
        arg += strspn (arg, " \t");
    }
    if (streq (line, "/quit")) {
        self->quit = true;
        ui_line_finish (self, 0);
    }
    else
    if (streq (line, "/help"))
        s_print_help (self);
    else
    if (streq (line, "/resend")) {
        if (*arg && !strpbrk (arg, " \t"))
            zsock_send (self->model, "ss", VERB_RESEND, arg);
        else
            ui_line_note (self, LOG_ERROR, "usage: /resend UUID");
    }
    else
    if (streq (line, "/order")) {
        //  The model re-publishes the history in that order after the
        //  marker; the token says why it came
        if (streq (arg, "send") || streq (arg, "receive")) {
            char token [32];
            snprintf (token, sizeof token, "order-%s", arg);
            zsock_send (self->model, "sss", VERB_SYNC, token, arg);
        }
        else
            ui_line_note (self, LOG_ERROR, "usage: /order send|receive");
    }
    else
        ui_line_note (self, LOG_ERROR, "unknown command '%.64s' "
                      "(try /help)", line);
}

//  Handle one input line (no newline; may hold any bytes).
static void
s_handle_line (self_t *self, char *line, size_t size)
{
    self->line_number++;
    if (memchr (line, 0, size)) {
        ui_line_note (self, LOG_ERROR, "input line %zu holds a NUL byte: "
                      "not sent", self->line_number);
        return;
    }
    line [size] = 0;
    //  Trim blanks (and the \r of CRLF input) at both ends
    while (size > 0 && strchr (" \t\r\n\f\v", line [size - 1]))
        line [--size] = 0;
    size_t skip = strspn (line, " \t\r\f\v");
    line += skip;
    size -= skip;
    if (size == 0)
        return;                 //  the Rust original skips empty lines
    if (!chat_msg_utf8_valid (line, size)) {
        ui_line_note (self, LOG_ERROR, "input line %zu is not valid UTF-8: "
                      "not sent", self->line_number);
        return;
    }
    if (line [0] == '/' && line [1] != '/')
        s_handle_command (self, line);
    else
        zsock_send (self->model, "sss", VERB_TEXT, "",
                    line [0] == '/'? line + 1: line);
}

//  Add DATA (no newline in it) to the line being assembled, bounded.
static void
s_append (self_t *self, const char *data, size_t size)
{
    if (self->skipping || size == 0)
        return;
    if (self->line_size + size > UI_LINE_MAX) {
        ui_line_note (self, LOG_ERROR, "input line %zu is longer than %d "
                      "bytes: not sent", self->line_number + 1, UI_LINE_MAX);
        self->skipping = true;
        self->line_size = 0;
        return;
    }
    memcpy (self->line + self->line_size, data, size);
    self->line_size += size;
}

//  Read what in_fd has and act on every complete line; EOF starts DRAIN.
void
ui_line_read_input (self_t *self)
{
    char chunk [S_READ_CHUNK];
    ssize_t rc = read (self->args.in_fd, chunk, sizeof chunk);
    if (rc == -1 && (errno == EAGAIN || errno == EWOULDBLOCK
                 ||  errno == EINTR))
        return;
    if (rc <= 0) {
        if (rc == -1)
            ui_line_note (self, LOG_ERROR, "cannot read input: %s",
                          strerror (errno));
        if (self->line_size > 0 && !self->skipping)
            s_handle_line (self, self->line, self->line_size);
        self->line_size = 0;
        if (self->state == UI_LINE_READING)
            ui_line_start_drain (self);
        return;
    }
    const char *data = chunk;
    size_t left = (size_t) rc;
    while (left > 0 && self->state == UI_LINE_READING) {
        const char *newline = (const char *) memchr (data, '\n', left);
        size_t part = newline? (size_t) (newline - data): left;
        s_append (self, data, part);
        if (!newline)
            break;
        if (self->skipping)
            self->line_number++;
        else
            s_handle_line (self, self->line, self->line_size);
        self->skipping = false;
        self->line_size = 0;
        data = newline + 1;
        left -= part + 1;
    }
}
