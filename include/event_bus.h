/*  event_bus.h: the event bus actor, a forwarding XSUB -> XPUB proxy.

    Every actor connects a PUB socket to the bus's inproc frontend (XSUB)
    and publishes there; observers connect SUB sockets to the inproc
    backend (XPUB) or, from other processes, to the external endpoint
    (ipc:// in a private runtime directory, or tcp://). Subscriptions flow
    back upstream so publishers filter at the source. PUB drops at its
    high-water mark (DTCHAT_BUS_HWM): nothing correctness depends on may
    travel only here.

    START  "sss"  frontend, backend, external ("" for none) endpoints;
                  replies "is": 0 and the external endpoint as bound (or
                  ""), or -1 and why.
    STATS  ""     replies "88": messages forwarded, subscriptions seen.
*/
#ifndef EVENT_BUS_H_INCLUDED
#define EVENT_BUS_H_INCLUDED

#include "dtchat.h"

//  High-water mark of every bus socket (PUB, XSUB, XPUB, SUB), messages.
#define DTCHAT_BUS_HWM  100000

#define VERB_STATS      "STATS"

//  The actor; ARGS is unused (NULL).
void
    event_bus_actor (zsock_t *pipe, void *args);

//  Create a PUB socket connected to a bus frontend with the bus HWM;
//  FRONTEND may list several endpoints, comma-separated (a node's actors
//  publish to the bus and straight to its ui, see node.h).
zsock_t *
    event_bus_publisher (const char *frontend);

//  Create a SUB socket connected to a bus backend (or external endpoint),
//  subscribed to each prefix in TOPICS (NULL-terminated; NULL = all).
//  An endpoint that starts with "@" is bound instead (node.h's
//  node_events_endpoint).
zsock_t *
    event_bus_subscriber (const char *backend, const char **topics);

//  The default external endpoint for a dtchat with this pid:
//  ipc://$XDG_RUNTIME_DIR/dtchat/PID.bus, or ipc:///tmp/dtchat-UID/PID.bus
//  when XDG_RUNTIME_DIR is unset. Creates the directory (mode 0700) and
//  refuses one that another user owns or others can open. Returns a new
//  string, or NULL with a reason.
char *
    event_bus_default_endpoint (int pid, char *reason, size_t reason_size);

//  The directory event_bus_default_endpoint uses (new string, no check).
char *
    event_bus_runtime_dir (void);

#endif
