/*  ui_common.c: what every ui actor does alike (ui_line, ui_curses).

    Both uis resolve "/peer NAME|ENDPOINT" the same way and both must keep
    the START / $TERM protocol even when they could not build their state;
    the rules live here once so the two cannot drift apart.
*/
#include "ui.h"

//  The endpoint "/peer ARG" means: the config peer named ARG, else ARG
//  itself when it looks like an endpoint text ("udp 1.2.3.4:5" has a
//  space; the chat-model checks it), else NULL.
const char *
ui_peer_endpoint (const ui_args_t *args, const char *arg)
{
    assert (args && arg);
    const char **names = args->peer_names;
    const char **endpoints = args->peer_endpoints;
    for (size_t index = 0; names && endpoints && names [index]
                        && endpoints [index]; index++)
        if (streq (names [index], arg))
            return endpoints [index];
    return strchr (arg, ' ')? arg: NULL;
}

//  A ui that could not start still answers START (with -1 and REASON)
//  and ends on $TERM, so its creator never waits for ever.
void
ui_refuse (zsock_t *pipe, const char *reason)
{
    char *verb;
    while ((verb = zstr_recv (pipe))) {
        bool term = streq (verb, VERB_TERM);
        if (streq (verb, VERB_START))
            zsock_send (pipe, "is", -1, reason);
        zstr_free (&verb);
        if (term)
            break;
    }
}
