/*  ui.h: the user interface actors.

    A ui talks to the rest of dtchat only through its PAIR to the
    chat-model (TEXT, RESEND, DRAIN, SYNC; DRAINED, ERROR back) and a SUB on
    the bus, from which it learns every message status. It tells its
    creator it has finished with DONE "i" on its actor pipe.

    ui_line_actor (actors/ui_line.c): line mode. Each input line is a
    message to the remote; "/quit", "/help", "/resend UUID", "/order
    send|receive", "/peer NAME|ENDPOINT" (PEER), "/peers" and "/room
    NAME" are commands.
    At end of input it sends DRAIN, waits for DRAINED and the matching
    "sys" sync event, then reports DONE 0. Prints one line per event, or
    one JSON object per line with json (flushed each line).

    ui_curses_actor (tui/ui_curses.c): the full-screen curses chat.

    START  ""  replies "is": 0 and "", or -1 and why.
    FLUSH  ""  (line mode, creator -> ui, after DONE) drain once more:
               DRAIN, wait for DRAINED and the sync marker while printing
               what arrives, then DONE again. The demo uses it to show the
               demo peer's answers that arrive after our own acks.
*/
#ifndef UI_H_INCLUDED
#define UI_H_INCLUDED

#include "dtchat.h"

typedef struct {
    const char *model_endpoint;     //  connects: PAIR to the chat-model
    const char *bus_endpoint;       //  SUB: the bus backend, or "@..." (bound)
    int in_fd;                      //  input (stdin; tests pass a pipe)
    int out_fd;                     //  output (stdout; tests pass a pipe)
    bool json;                      //  line mode: JSON objects per event
    bool quiet;                     //  line mode: print no "sys" events
    const char *local;              //  our endpoint text, for display
    const char *remote;             //  the peer's endpoint text, for display
    //  line mode: when DRAINED has not come this long after DRAIN, print
    //  an error and report DONE 1 (dtchat: lifetime + 5 s); 0 = no limit
    int64_t drain_timeout_ms;
    //  from a config file, for /peers, /peer NAME and /room (NULL = none,
    //  all borrowed): the peers' names and their endpoint texts (two
    //  NULL-terminated arrays in the same order) and the rooms' names
    const char **peer_names;
    const char **peer_endpoints;
    const char **rooms;
} ui_args_t;

#define VERB_FLUSH      "FLUSH"

void
    ui_line_actor (zsock_t *pipe, void *args);
void
    ui_curses_actor (zsock_t *pipe, void *args);

//  What both uis share (actors/ui_common.c). The endpoint "/peer ARG"
//  means: the config peer named ARG, else ARG when it looks like an
//  endpoint text (it has a space), else NULL.
const char *
    ui_peer_endpoint (const ui_args_t *args, const char *arg);

//  For a ui that could not build its state: answer START with -1 and
//  REASON, return on $TERM.
void
    ui_refuse (zsock_t *pipe, const char *reason);

#endif
