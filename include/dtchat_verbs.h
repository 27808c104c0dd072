/*  dtchat_verbs.h: every pipe verb and bus topic, declared once.

    Pipes are PAIR sockets; each message is a verb frame then arguments,
    sent and received with zsock_send / zsock_recv; the pictures given
    below are for the arguments after the verb ("s" string, "b" bytes+size,
    "8" uint64, "i" int): zsock_send (pipe, "ssb", "SENT", ...) is wrong,
    zsock_send (pipe, "ss", "SENT", token) is right. Verbs on the PAIR
    pipes carry everything that correctness depends on; the bus only
    carries copies for observers and may drop.

    Actor pipe (creator <-> any actor, the zactor's own pipe)
    ---------------------------------------------------------
    START  creator -> actor, picture depends on the actor (see its header);
           the actor always replies "is": status (0 ok, -1 failed) and a
           detail (the bound endpoint, or a one-line error).
    $TERM  creator -> actor: end now (CZMQ's convention).

    Transport data pipe (chat-model <-> transport-udp/-tcp/-bp)
    ------------------------------------------------------------
    The same contract for every transport, so they are swappable:
    SEND    model -> transport  "ssb"  token, remote endpoint text, bytes
    SENT    transport -> model  "s"    token: every byte went to the OS
                                       (not for a quiet token, see below)
    FAILED  transport -> model  "ss"   token, reason (this attempt failed;
                                       the ack-tracker decides on retries)
    RECV    transport -> model  "sb"   the peer's address as endpoint text
                                       ("udp 1.2.3.4:5"; for BP the source
                                       EID "bp ipn:2.1"), the bytes of one
                                       ProtoMessage

    Tracker pipe (chat-model <-> ack-tracker)
    -----------------------------------------
    TRACK   model -> tracker    "s88"  uuid, now (ms), deadline (ms since
                                       epoch); (re)start retrying it; the
                                       three frames may repeat (a batch)
    ACKED   model -> tracker    "s"    uuid: stop tracking it; more uuids
                                       may follow (a batch)
    (The model tells the tracker about a send only if it is still
    pending a short while later, see track_queue.h.)
    RESEND  tracker -> model    "s"    uuid: send it again (same uuid)
    EXPIRED tracker -> model    "ss"   uuid, reason: mark it FAILED

    UI pipe (ui <-> chat-model)
    ---------------------------
    TEXT    ui -> model         "ss"   room ("" = default), text; the model
                                       sends it to the default remote
    RESEND  ui -> model         "s"    uuid (or unique prefix) of a FAILED
                                       message: try it again, same uuid
    DRAIN   ui -> model         ""     reply DRAINED once nothing is pending
    DRAINED model -> ui         ""     after a "sys" sync event on the bus
    SYNC    ui -> model         "s"    token: publish a "sys" sync event
                                       with this token, then re-publish the
                                       last status of every message (resync)
                                       in the history order
            ui -> model         "ss"   token, order ("send" or "receive"):
                                       the same, after switching the order
                                       (it sticks for later SYNCs; another
                                       word is refused with ERROR and the
                                       sync still comes). The first SYNC
                                       also resends the stored outbox
    PEER    ui -> model         "s"    endpoint text: the default remote
                                       from now on (later TEXTs go there;
                                       messages already sent keep theirs).
                                       Refused with ERROR when it does not
                                       parse or no transport speaks its
                                       protocol; else an "app" info event
                                       names it ("messages go to ...")
    ERROR   model -> ui         "s"    a command was refused: why

    The ui's own actor pipe also carries:
    DONE    ui -> creator       "i"    exit status: the ui has finished
*/
#ifndef DTCHAT_VERBS_H_INCLUDED
#define DTCHAT_VERBS_H_INCLUDED

#define VERB_START      "START"
#define VERB_TERM       "$TERM"

#define VERB_SEND       "SEND"
#define VERB_SENT       "SENT"
#define VERB_FAILED     "FAILED"
#define VERB_RECV       "RECV"

//  A SEND whose token starts with this (the chat-model's acks) is quiet:
//  the transport answers it only if it fails. Nothing waits for an ack's
//  SENT, and the model would wake up for nothing on every message.
#define TOKEN_QUIET_PREFIX  "ack:"

//  True if TOKEN is quiet: no SENT for it.
static inline bool
token_is_quiet (const char *token)
{
    return token && strncmp (token, TOKEN_QUIET_PREFIX,
                             sizeof TOKEN_QUIET_PREFIX - 1) == 0;
}

#define VERB_TRACK      "TRACK"
#define VERB_ACKED      "ACKED"
#define VERB_RESEND     "RESEND"
#define VERB_EXPIRED    "EXPIRED"

#define VERB_TEXT       "TEXT"
#define VERB_DRAIN      "DRAIN"
#define VERB_DRAINED    "DRAINED"
#define VERB_SYNC       "SYNC"
#define VERB_PEER       "PEER"
#define VERB_ERROR      "ERROR"
#define VERB_DONE       "DONE"

/*  Bus topics. A bus message is two frames: the topic, then the event
    encoded with proto/events.proto. Subscribers filter by prefix.
    "msg"  MsgEvent  chat-model: a message was created or changed status
    "net"  LogEvent  transports: bound, peer errors, dropped input
    "app"  LogEvent  chat-model, ui, main: application notices and errors
    "sys"  SysEvent  chat-model: sync markers and counters
*/
#define TOPIC_MSG       "msg"
#define TOPIC_NET       "net"
#define TOPIC_APP       "app"
#define TOPIC_SYS       "sys"

#endif
