/*  demo_bot.h: the answering peer of dtchat's no-argument demo.

    demo_bot_actor plays a user on a node: it connects a PAIR to the
    node's ui endpoint and a SUB to its bus, and answers every message the
    node RECEIVED with a TEXT ("echo: ..."), after a one-time greeting that
    explains the statuses. dtchat's main starts it on the demo peer's node.

    START  ""  connects and waits until its subscription is live; replies
               "is": 0 and "", or -1 and why.
    FLUSH  ""  answer everything received so far and wait until those
               answers are ACKED or FAILED; replies "s" "FLUSHED". The demo
               sends it at end of input so the user sees the last answer.
    $TERM      end.
*/
#ifndef DEMO_BOT_H_INCLUDED
#define DEMO_BOT_H_INCLUDED

#include "dtchat.h"
#include "ui.h"                 //  VERB_FLUSH

typedef struct {
    const char *ui_endpoint;        //  connects: PAIR to the chat-model
    const char *bus_endpoint;       //  connects: SUB to the bus backend
} demo_bot_args_t;

#define VERB_FLUSHED    "FLUSHED"

//  The actor. ARGS is a demo_bot_args_t, borrowed.
void
    demo_bot_actor (zsock_t *pipe, void *args);

#endif
