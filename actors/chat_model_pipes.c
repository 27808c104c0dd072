/*  chat_model_pipes.c: how the chat-model reads and writes its pipes.

    Part of the chat-model actor (see chat_model_private.h). The loop in
    chat_model.c calls a reader here for each pipe the poller marked;
    each reads one message and hands its verb to the file that owns it.
    The hot messages (the ui's TEXT, a transport's RECV, SENT and FAILED,
    our SEND) go frame by frame straight through libzmq: a zmsg_t would
    cost a message, a frame and a copy per frame, and was a large part
    of the model's CPU under load. Every send on a pipe is followed by
    chat_model_sent_on, as actor_poller's rule asks.
*/
#include "chat_model_private.h"

#include <errno.h>

//  True if a read that returned nothing means the context is ending
//  (not just "nothing more now", with our zero receive timeouts).
static bool
s_ending (void)
{
    return zmq_errno () != EAGAIN;
}

//  Most frames in a message on a pipe (SEND token endpoint bytes):
//  more make it malformed.
#define S_PARTS_MAX     4

//  Copy frame PART into TEXT (SIZE bytes of room) as a string; false if
//  it does not fit or holds a NUL.
static bool
s_part_text (zmq_msg_t *part, char *text, size_t size)
{
    size_t length = zmq_msg_size (part);
    if (length >= size || memchr (zmq_msg_data (part), 0, length))
        return false;
    memcpy (text, zmq_msg_data (part), length);
    text [length] = 0;
    return true;
}

//  True if frame PART holds exactly VERB.
static bool
s_part_is (zmq_msg_t *part, const char *verb)
{
    size_t length = strlen (verb);
    return zmq_msg_size (part) == length
        && memcmp (zmq_msg_data (part), verb, length) == 0;
}

//  Receive one whole message from HANDLE into PARTS (S_PARTS_MAX of
//  them), frame by frame straight from libzmq: on the hot paths a zmsg_t
//  would cost a message, a frame and a copy per frame. *COUNT_P gets the
//  number of frames (more than S_PARTS_MAX: only the first are kept).
//  False if there was none; close the parts with s_parts_close.
static bool
s_parts_recv (self_t *self, void *handle, zmq_msg_t *parts, size_t *count_p)
{
    size_t count = 0;
    bool more = true;
    while (more) {
        zmq_msg_t *part = &parts [count < S_PARTS_MAX? count: 0];
        if (count >= S_PARTS_MAX)
            zmq_msg_close (part);       //  too many: keep reading, drop
        zmq_msg_init (part);
        if (zmq_msg_recv (part, handle, 0) == -1) {
            zmq_msg_close (part);
            if (count == 0) {
                self->terminated = s_ending ();
                return false;
            }
            break;                      //  the context is ending
        }
        more = zmq_msg_more (part);
        count++;
    }
    *count_p = count;
    return true;
}

//  Close the parts s_parts_recv filled.
static void
s_parts_close (zmq_msg_t *parts, size_t count)
{
    for (size_t index = 0; index < count && index < S_PARTS_MAX; index++)
        zmq_msg_close (&parts [index]);
}

//  A command from the ui; see chat_model_private.h. TEXT, the hot one,
//  is taken from the frames; the rest go through a zmsg.
bool
chat_model_read_ui (self_t *self)
{
    zmq_msg_t parts [S_PARTS_MAX];
    size_t count;
    if (!s_parts_recv (self, zsock_resolve (self->ui), parts, &count))
        return false;
    char room [DTCHAT_ID_MAX + 1];
    if (s_part_is (&parts [0], VERB_TEXT)) {
        if (count != 3)
            chat_model_refuse (self, "TEXT needs a room and a text");
        else
        if (!s_part_text (&parts [1], room, sizeof room))
            chat_model_refuse (self, "room name too long or not text");
        else
            chat_model_text (self, room, (const char *) zmq_msg_data
                             (&parts [2]), zmq_msg_size (&parts [2]));
        s_parts_close (parts, count);
        return true;
    }
    zmsg_t *msg = zmsg_new ();
    for (size_t index = 0; msg && index < count && index < S_PARTS_MAX;
         index++)
        zmsg_addmem (msg, zmq_msg_data (&parts [index]),
                     zmq_msg_size (&parts [index]));
    s_parts_close (parts, count);
    char *verb = msg? zmsg_popstr (msg): NULL;
    if (!verb)
        ;   //  an empty message (or no memory): nothing to do
    else
    if (streq (verb, VERB_PEER))
        chat_model_peer (self, msg);
    else
    if (streq (verb, VERB_RESEND))
        chat_model_resend (self, msg);
    else
    if (streq (verb, VERB_DRAIN))
        self->draining = true;      //  answered by chat_model_check_drain
    else
    if (streq (verb, VERB_SYNC))
        chat_model_sync (self, msg);
    else {
        char why [64];
        snprintf (why, sizeof why, "unknown command %.20s", verb);
        chat_model_refuse (self, why);
    }
    zstr_free (&verb);
    zmsg_destroy (&msg);
    return true;
}

//  RESEND or EXPIRED from the ack-tracker; see chat_model_private.h.
bool
chat_model_read_tracker (self_t *self)
{
    zmsg_t *msg = zmsg_recv (self->tracker);
    if (!msg) {
        self->terminated = s_ending ();
        return false;
    }
    char *verb = zmsg_popstr (msg);
    char *uuid = zmsg_popstr (msg);
    char *reason = zmsg_popstr (msg);
    if (!verb || !uuid)
        bus_log (self->pub, TOPIC_APP, LOG_ERROR, NULL,
                 "malformed message from the ack-tracker");
    else
    if (streq (verb, VERB_RESEND))
        chat_model_retry (self, uuid);
    else
    if (streq (verb, VERB_EXPIRED))
        chat_model_expired (self, uuid, reason);
    else
        bus_log (self->pub, TOPIC_APP, LOG_ERROR, NULL,
                 "unknown verb %.20s from the ack-tracker", verb);
    zstr_free (&verb);
    zstr_free (&uuid);
    zstr_free (&reason);
    zmsg_destroy (&msg);
    return true;
}

//  SENT, FAILED or RECV from a transport; see chat_model_private.h.
bool
chat_model_read_transport (self_t *self, endpoint_proto_t proto)
{
    zmq_msg_t parts [S_PARTS_MAX];
    size_t count;
    if (!s_parts_recv (self, zsock_resolve (self->transport [proto]), parts,
                       &count))
        return false;
    char peer [DTCHAT_ENDPOINT_MAX + 1];
    char token [DTCHAT_ID_MAX + sizeof CHAT_MODEL_ACK_TOKEN];
    char reason [CHAT_MODEL_REASON_MAX];
    if (count > S_PARTS_MAX)
        bus_log (self->pub, TOPIC_APP, LOG_ERROR, NULL, "message of %zu "
                 "frames from the %s transport dropped", count,
                 endpoint_proto_name (proto));
    else
    if (s_part_is (&parts [0], VERB_RECV) && count == 3
    &&  s_part_text (&parts [1], peer, sizeof peer))
        chat_model_recv (self, peer, (const byte *) zmq_msg_data (&parts [2]),
                         zmq_msg_size (&parts [2]));
    else
    if (s_part_is (&parts [0], VERB_SENT) && count == 2
    &&  s_part_text (&parts [1], token, sizeof token))
        chat_model_sent (self, token);
    else
    if (s_part_is (&parts [0], VERB_FAILED) && (count == 2 || count == 3)
    &&  s_part_text (&parts [1], token, sizeof token)
    &&  (count == 2 || s_part_text (&parts [2], reason, sizeof reason)))
        chat_model_send_failed (self, token, count == 3? reason: NULL);
    else {
        size_t length = zmq_msg_size (&parts [0]);
        bus_log (self->pub, TOPIC_APP, LOG_ERROR, NULL,
                 "unknown verb or malformed message '%.*s' (%zu frames) "
                 "from the %s transport dropped",
                 (int) (length < 20? length: 20),
                 (const char *) zmq_msg_data (&parts [0]), count,
                 endpoint_proto_name (proto));
    }
    s_parts_close (parts, count);
    return true;
}

//  SEND to a transport, frame by frame; see chat_model_private.h.
void
chat_model_send_to (self_t *self, zsock_t *transport, const char *token,
                    const char *endpoint, const byte *data, size_t size)
{
    void *handle = zsock_resolve (transport);
    zmq_send (handle, VERB_SEND, strlen (VERB_SEND), ZMQ_SNDMORE);
    zmq_send (handle, token, strlen (token), ZMQ_SNDMORE);
    zmq_send (handle, endpoint, strlen (endpoint), ZMQ_SNDMORE);
    zmq_send (handle, data, size, 0);
    chat_model_sent_on (self, transport);
}

//  We sent on SOCK: see chat_model_private.h.
void
chat_model_sent_on (self_t *self, zsock_t *sock)
{
    if (sock)
        actor_poller_mark (self->poller, sock);
}

