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
    ui_line_note (self, LOG_INFO, "/peers        the peers and rooms of "
                  "the config file");
    ui_line_note (self, LOG_INFO, "/peer NAME    send to that peer from "
                  "now on (or /peer ENDPOINT, e.g. /peer udp 10.0.0.2:7777)");
    ui_line_note (self, LOG_INFO, "/room NAME    send to that room from now "
                  "on (/room alone: which one)");
    ui_line_note (self, LOG_INFO, "//text        send a text that starts "
                  "with '/'");
}

//  Print the config's rooms, if it has any.
static void
s_print_rooms (self_t *self)
{
    const char **rooms = self->args.rooms;
    if (!rooms || !*rooms)
        return;
    char list [1024] = "";
    size_t used = 0;
    for (size_t index = 0; rooms [index] && used < sizeof list; index++)
        used += (size_t) snprintf (list + used, sizeof list - used, "%s%s",
                                   index? ", ": "", rooms [index]);
    ui_line_note (self, LOG_INFO, "rooms: %s", list);
}

//  /peers: each peer of the config with its endpoint, then the rooms.
static void
s_peers (self_t *self)
{
    const char **names = self->args.peer_names;
    const char **endpoints = self->args.peer_endpoints;
    if (!names || !endpoints || !*names)
        ui_line_note (self, LOG_INFO, "no peers: they come from a config "
                      "file (dtchat --config FILE)");
    for (size_t index = 0; names && endpoints && names [index]
                        && endpoints [index]; index++)
        ui_line_note (self, LOG_INFO, "peer %s: %s", names [index],
                      endpoints [index]);
    s_print_rooms (self);
}

//  /peer NAME|ENDPOINT: a name from the config, else an endpoint text
//  (it has a space: "udp 1.2.3.4:5"); the model checks the endpoint.
static void
s_peer (self_t *self, const char *arg)
{
    const char *endpoint = ui_peer_endpoint (&self->args, arg);
    if (!*arg)
        ui_line_note (self, LOG_ERROR, "usage: /peer NAME or /peer "
                      "ENDPOINT (see /peers)");
    else
    if (!endpoint)
        ui_line_note (self, LOG_ERROR, "unknown peer '%.64s' (see /peers)",
                      arg);
    else
        zsock_send (self->model, "ss", VERB_PEER, endpoint);
}

//  /room NAME: later texts carry that room; /room alone tells which.
static void
s_room (self_t *self, const char *arg)
{
    bool control = false;
    for (const char *at = arg; *at; at++)
        control |= (byte) *at < 0x20;
    if (!*arg && *self->room)
        ui_line_note (self, LOG_INFO, "messages go to room %s", self->room);
    else
    if (!*arg)
        ui_line_note (self, LOG_INFO, "messages go to the default room");
    else
    if (strlen (arg) >= sizeof self->room || control)
        ui_line_note (self, LOG_ERROR, "a room name has 1 to %zu bytes and "
                      "no control characters", sizeof self->room - 1);
    else {
        snprintf (self->room, sizeof self->room, "%s", arg);
        ui_line_note (self, LOG_INFO, "messages go to room %s", self->room);
    }
    if (!*arg)
        s_print_rooms (self);
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
    if (streq (line, "/peers"))
        s_peers (self);
    else
    if (streq (line, "/peer"))
        s_peer (self, arg);
    else
    if (streq (line, "/room"))
        s_room (self, arg);
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
        zsock_send (self->model, "sss", VERB_TEXT, self->room,
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
