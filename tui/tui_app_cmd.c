/*  tui_app_cmd.c: the curses ui's messages and slash commands.

    Part of tui_app (see tui_app_private.h): tui_app.c hands every line
    the user enters to tui_app_line. A line is a TEXT to the chat-model
    (in the room chosen with /room), or, when it starts with one '/', a
    command: the same ones as line mode (/help, /quit, /resend, /order,
    /peers, /peer, /room) and the screen's own (/clear, /net, /app,
    /sync). A refused command shows in the app pane.
*/
#include "tui_app_private.h"

//  /resend: the last FAILED message, or the one ARG names.
static void
s_resend (tui_app_t *self, const char *arg)
{
    const tui_msg_t *msg = NULL;
    if (!*arg) {
        msg = tui_model_last_failed (self->view);
        if (!msg) {
            tui_app_note (self, LOG_ERROR, "no FAILED message to resend");
            return;
        }
    }
    else {
        size_t matches;
        msg = tui_model_find_outgoing (self->view, arg, &matches);
    }
    //  An unknown or ambiguous prefix goes as it is: the chat-model
    //  knows every message and says why it refuses
    const char *uuid = msg? msg->uuid: arg;
    zsock_send (self->model, "ss", VERB_RESEND, uuid);
    tui_app_note (self, LOG_INFO, "resending %.36s", uuid);
    tui_model_scroll_live (self->view);
}

//  The config's rooms, if it has any.
static void
s_rooms (tui_app_t *self)
{
    const char **rooms = self->args->rooms;
    char list [512] = "";
    size_t used = 0;
    for (size_t index = 0; rooms && rooms [index] && used < sizeof list;
         index++)
        used += (size_t) snprintf (list + used, sizeof list - used, "%s%s",
                                   index? ", ": "", rooms [index]);
    if (*list)
        tui_app_note (self, LOG_INFO, "rooms: %s", list);
}

//  /peers: the config's peers with their endpoints, then its rooms.
static void
s_peers (tui_app_t *self)
{
    const char **names = self->args->peer_names;
    const char **endpoints = self->args->peer_endpoints;
    if (!names || !endpoints || !*names)
        tui_app_note (self, LOG_INFO, "no peers: they come from a config "
                      "file (dtchat --config FILE)");
    for (size_t index = 0; names && endpoints && names [index]
                        && endpoints [index]; index++)
        tui_app_note (self, LOG_INFO, "peer %s: %s", names [index],
                      endpoints [index]);
    s_rooms (self);
}

//  /peer NAME|ENDPOINT: a peer of the config, else an endpoint text (it
//  has a space: "udp 1.2.3.4:5"); the chat-model checks the endpoint,
//  and its "messages go to" notice updates the status bar.
static void
s_peer (tui_app_t *self, const char *arg)
{
    const char *endpoint = ui_peer_endpoint (self->args, arg);
    if (!*arg)
        tui_app_note (self, LOG_ERROR, "usage: /peer NAME or /peer "
                      "ENDPOINT (see /peers)");
    else
    if (!endpoint)
        tui_app_note (self, LOG_ERROR, "unknown peer %.64s (see /peers)",
                      arg);
    else
        zsock_send (self->model, "ss", VERB_PEER, endpoint);
}

//  /room NAME: later texts carry that room; /room alone says which.
static void
s_room (tui_app_t *self, const char *arg)
{
    if (!*arg) {
        if (*self->room)
            tui_app_note (self, LOG_INFO, "messages go to room %s",
                          self->room);
        else
            tui_app_note (self, LOG_INFO, "messages go to the default "
                          "room");
        s_rooms (self);
    }
    else
    if (strlen (arg) >= sizeof self->room)
        tui_app_note (self, LOG_ERROR, "a room name has 1 to %zu bytes",
                      sizeof self->room - 1);
    else {
        //  The input line holds no control characters
        snprintf (self->room, sizeof self->room, "%s", arg);
        tui_app_note (self, LOG_INFO, "messages go to room %s", self->room);
    }
}

//  /order send|receive: the history again, rebuilt in that order.
static void
s_order (tui_app_t *self, const char *arg)
{
    if (streq (arg, "send") || streq (arg, "receive")) {
        self->sync_tries = 0;
        tui_app_resync (self, true, streq (arg, "send")? "send": "receive");
        tui_app_note (self, LOG_INFO, "the history by %s time",
                      streq (arg, "send")? "send": "arrival");
    }
    else
        tui_app_note (self, LOG_ERROR, "usage: /order send|receive");
}

//  Run a command line (it starts with '/').
static void
s_command (tui_app_t *self, char *line)
{
    char *arg = line + strcspn (line, " ");
    if (*arg) {
        *arg++ = 0;
        arg += strspn (arg, " ");
    }
    if (streq (line, "/quit") || streq (line, "/exit"))
        tui_app_finish (self, 0);
    else
    if (streq (line, "/help"))
        self->help = true;
    else
    if (streq (line, "/clear"))
        tui_model_clear (self->view);
    else
    if (streq (line, "/resend"))
        s_resend (self, arg);
    else
    if (streq (line, "/net"))
        self->show_net = !self->show_net;
    else
    if (streq (line, "/app"))
        self->show_app = !self->show_app;
    else
    if (streq (line, "/sync")) {
        self->sync_tries = 0;
        tui_app_resync (self, false, NULL);
    }
    else
    if (streq (line, "/order"))
        s_order (self, arg);
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
        tui_app_note (self, LOG_ERROR, "unknown command %.64s (try /help)",
                      line);
}

//  A line the user entered: see tui_app_private.h. Blanks at both ends
//  go, as in line mode.
void
tui_app_line (tui_app_t *self, char *line)
{
    size_t size = strlen (line);
    while (size > 0 && line [size - 1] == ' ')
        line [--size] = 0;
    line += strspn (line, " ");
    if (!*line)
        return;
    if (line [0] == '/' && line [1] != '/')
        s_command (self, line);
    else {
        zsock_send (self->model, "sss", VERB_TEXT, self->room,
                    line [0] == '/'? line + 1: line);
        tui_model_scroll_live (self->view);
        self->help = false;
    }
    self->dirty = true;
}

//  Tab: complete the command being typed.
void
tui_app_complete (tui_app_t *self)
{
    static const char *commands [] = { "/help", "/quit", "/clear",
        "/resend ", "/order ", "/net", "/app", "/sync", "/peers", "/peer ",
        "/room ", NULL };
    const char *text = tui_input_text (self->input);
    const char *found = NULL;
    size_t matches = 0, common = 0;
    char list [160] = "";
    bool completable = text [0] == '/' && !strchr (text, ' ')
                    && tui_input_at_end (self->input);
    for (size_t index = 0; completable && commands [index]; index++) {
        if (strncmp (commands [index], text, strlen (text)))
            continue;
        //  How much all the matches share
        if (!found)
            common = strlen (commands [index]);
        else
            while (common && strncmp (found, commands [index], common))
                common--;
        found = commands [index];
        matches++;
        strcat (list, commands [index]);    //  fits: 90 bytes in all
        strcat (list, " ");
    }
    if (matches == 1)
        tui_input_set (self->input, found);
    else
    if (matches > 1) {
        char prefix [16];
        snprintf (prefix, sizeof prefix, "%.*s", (int) common, found);
        if (strlen (prefix) > strlen (text))
            tui_input_set (self->input, prefix);
        tui_app_note (self, LOG_INFO, "%s", list);
    }
    else
        tui_term_beep (self->term);
    self->dirty = true;
}
