/*  model_pipe.c: a socket transport's end of the chat-model's PAIR.

    transport_udp.c and transport_tcp.c (through tcp_ctx_t, for its
    connections) read SENDs and send SENT, FAILED and RECV here; see
    model_pipe.h. Both directions go without a poll () per message: reads
    use a zero receive timeout (a batch ends at the first miss) and sends
    use ZMQ_DONTWAIT (a message waits in the queue at the first refusal,
    and every later one behind it, so the order holds). Frames go in and
    out as zmq_msg_t parts or plain buffers: a zmsg_t, zframe_t and
    strdup per frame were a quarter of the transports' CPU under load.
*/
#include "dtchat.h"
#include "model_pipe.h"

#include <errno.h>

//  Frames in one message to the model (RECV peer data: three).
#define S_PARTS     3

//  A message the model's PAIR refused, waiting for it to read.
typedef struct {
    zmq_msg_t part [S_PARTS];
    int parts;
} s_entry_t;

//  One frame to send: bytes and their size.
typedef struct {
    const void *data;
    size_t size;
} s_span_t;

struct _model_pipe_t {
    zsock_t *sock;              //  PAIR, connected to the model
    void *handle;               //  its libzmq socket
    s_entry_t *ring;            //  the queue: ROOM entries, a ring
    size_t room;
    size_t head;                //  oldest entry
    size_t size;                //  entries queued
    bool touched;               //  sent on the PAIR since the last flush
};

//  Connect to the model; see model_pipe.h.
model_pipe_t *
model_pipe_new (const char *endpoint, const char *owner,
                char *reason, size_t reason_size)
{
    assert (owner && reason);
    if (!endpoint || !*endpoint) {
        snprintf (reason, reason_size, "%s: no model endpoint", owner);
        return NULL;
    }
    model_pipe_t *self = (model_pipe_t *) zmalloc (sizeof (model_pipe_t));
    if (self)
        self->sock = zsock_new (ZMQ_PAIR);
    if (!self || !self->sock
    ||  zsock_connect (self->sock, "%s", endpoint) == -1) {
        snprintf (reason, reason_size, "%s: cannot connect to %s", owner,
                  endpoint);
        model_pipe_destroy (&self);
        return NULL;
    }
    self->handle = zsock_resolve (self->sock);
    //  We read only when a poll said so, in batches that end at the
    //  first miss: a zero timeout ends them without a zsock_events ()
    //  (a poll () system call) before every message
    zsock_set_rcvtimeo (self->sock, 0);
    return self;
}

//  Close the parts of the oldest queued entry and forget it.
static void
s_pop (model_pipe_t *self)
{
    s_entry_t *entry = &self->ring [self->head];
    for (int index = 0; index < entry->parts; index++)
        zmq_msg_close (&entry->part [index]);
    self->head = (self->head + 1) % self->room;
    self->size--;
}

//  Close the PAIR and drop what is queued; idempotent.
void
model_pipe_destroy (model_pipe_t **self_p)
{
    assert (self_p);
    model_pipe_t *self = *self_p;
    if (self) {
        while (self->size)
            s_pop (self);
        free (self->ring);
        zsock_destroy (&self->sock);
        free (self);
        *self_p = NULL;
    }
}

//  The PAIR, to poll.
zsock_t *
model_pipe_sock (model_pipe_t *self)
{
    assert (self);
    return self->sock;
}

//  Close the data of a SEND and empty its texts; idempotent.
void
model_send_clear (model_send_t *send)
{
    assert (send);
    zmq_msg_close (&send->data);
    zmq_msg_init (&send->data);
    send->token [0] = '\0';
    send->endpoint [0] = '\0';
}

//  A free entry at the end of the queue, its parts not yet initialised.
//  The ring doubles when full, moving each part as libzmq asks.
static s_entry_t *
s_push (model_pipe_t *self)
{
    if (self->size == self->room) {
        size_t room = self->room? self->room * 2: 64;
        s_entry_t *ring = (s_entry_t *) malloc (room * sizeof (s_entry_t));
        //  Out of memory for a queue entry: CZMQ itself aborts there
        assert (ring);
        for (size_t index = 0; index < self->size; index++) {
            s_entry_t *from = &self->ring [(self->head + index) % self->room];
            ring [index].parts = from->parts;
            for (int part = 0; part < from->parts; part++) {
                zmq_msg_init (&ring [index].part [part]);
                zmq_msg_move (&ring [index].part [part], &from->part [part]);
                zmq_msg_close (&from->part [part]);
            }
        }
        free (self->ring);
        self->ring = ring;
        self->room = room;
        self->head = 0;
    }
    return &self->ring [(self->head + self->size++) % self->room];
}

//  Send the COUNT frames of SPAN as one message now if the queue is
//  empty and the PAIR takes it, else queue a copy behind the others.
//  Only the first frame may find the pipe full: a PAIR counts whole
//  messages against its high-water mark.
static void
s_put (model_pipe_t *self, const s_span_t *span, int count)
{
    assert (count > 0 && count <= S_PARTS);
    if (self->size == 0) {
        self->touched = true;
        if (zmq_send (self->handle, span [0].data, span [0].size,
                      ZMQ_DONTWAIT | (count > 1? ZMQ_SNDMORE: 0)) != -1) {
            //  Later frames fail only at context end
            for (int index = 1; index < count; index++)
                zmq_send (self->handle, span [index].data, span [index].size,
                          index + 1 < count? ZMQ_SNDMORE: 0);
            return;
        }
    }
    s_entry_t *entry = s_push (self);
    entry->parts = count;
    for (int index = 0; index < count; index++) {
        int rc = zmq_msg_init_size (&entry->part [index], span [index].size);
        assert (rc == 0);       //  out of memory, as above
        if (span [index].size)
            memcpy (zmq_msg_data (&entry->part [index]), span [index].data,
                    span [index].size);
    }
}

//  Reply VERB TOKEN [REASON], the token given as bytes.
static void
s_reply (model_pipe_t *self, const char *verb, const void *token,
         size_t token_size, const char *reason)
{
    s_span_t span [S_PARTS] = {
        { verb, strlen (verb) }, { token, token_size },
        { reason, reason? strlen (reason): 0 } };
    s_put (self, span, reason? 3: 2);
}

//  Reply VERB TOKEN [REASON] to the model.
void
model_pipe_reply (model_pipe_t *self, const char *verb, const char *token,
                  const char *reason)
{
    assert (self && verb && token);
    if (streq (verb, VERB_SENT) && token_is_quiet (token))
        return;                 //  nothing waits for it
    s_reply (self, verb, token, strlen (token), reason);
}

//  Deliver RECV PEER DATA to the model.
void
model_pipe_deliver (model_pipe_t *self, const char *peer, const void *data,
                    size_t size)
{
    assert (self && peer && data);
    s_span_t span [S_PARTS] = {
        { VERB_RECV, strlen (VERB_RECV) }, { peer, strlen (peer) },
        { data, size } };
    s_put (self, span, 3);
}

//  Copy the text frame PART into TEXT of SIZE bytes (NUL included): a
//  longer one is cut at SIZE - 1. False if it holds a NUL byte.
static bool
s_copy_text (zmq_msg_t *part, char *text, size_t size)
{
    size_t length = zmq_msg_size (part);
    if (memchr (zmq_msg_data (part), '\0', length))
        return false;
    if (length > size - 1)
        length = size - 1;
    memcpy (text, zmq_msg_data (part), length);
    text [length] = '\0';
    return true;
}

//  Receive the next frame of a message into PART; false if there is none.
static bool
s_recv_more (model_pipe_t *self, zmq_msg_t *part, bool more)
{
    return more && zmq_msg_recv (part, self->handle, 0) != -1;
}

//  Take the next SEND without waiting; see model_pipe.h.
int
model_pipe_next_send (model_pipe_t *self, model_send_t *send,
                      char *what, size_t what_size)
{
    assert (self && send && what);
    send->token [0] = send->endpoint [0] = '\0';
    zmq_msg_init (&send->data);
    zmq_msg_t verb, token, endpoint;
    zmq_msg_init (&verb);
    if (zmq_msg_recv (&verb, self->handle, 0) == -1) {
        int error = zmq_errno ();
        zmq_msg_close (&verb);
        errno = error;          //  EAGAIN: nothing more now
        return 0;
    }
    zmq_msg_init (&token);
    zmq_msg_init (&endpoint);
    int rc = -1;
    size_t size = zmq_msg_size (&verb);
    if (size == strlen (VERB_SEND)
    &&  memcmp (zmq_msg_data (&verb), VERB_SEND, size) == 0) {
        bool has_token = s_recv_more (self, &token, zmq_msg_more (&verb));
        bool good = has_token
            && zmq_msg_size (&token) <= MODEL_TOKEN_MAX
            && s_copy_text (&token, send->token, sizeof (send->token))
            && s_recv_more (self, &endpoint, zmq_msg_more (&token))
            && s_copy_text (&endpoint, send->endpoint,
                            sizeof (send->endpoint))
            && s_recv_more (self, &send->data, zmq_msg_more (&endpoint))
            && !zmq_msg_more (&send->data);
        if (good)
            rc = 1;
        else {
            snprintf (what, what_size, "malformed SEND dropped");
            if (has_token)
                s_reply (self, VERB_FAILED, zmq_msg_data (&token),
                         zmq_msg_size (&token), "malformed SEND");
            model_send_clear (send);
        }
    }
    else
        snprintf (what, what_size, "unexpected '%.*s' from the model dropped",
                  (int) (size < 64? size: 64),
                  (const char *) zmq_msg_data (&verb));
    //  Whatever is left of a bad message goes too (ZMQ_RCVMORE: the
    //  last frame read was not its last)
    if (rc == -1) {
        zmq_msg_t rest;
        zmq_msg_init (&rest);
        int more = 0;
        size_t more_size = sizeof (more);
        while (zmq_getsockopt (self->handle, ZMQ_RCVMORE, &more,
                               &more_size) == 0
           &&  more && zmq_msg_recv (&rest, self->handle, 0) != -1)
            more_size = sizeof (more);
        zmq_msg_close (&rest);
    }
    zmq_msg_close (&verb);
    zmq_msg_close (&token);
    zmq_msg_close (&endpoint);
    return rc;
}

//  Hand queued messages to the model while its pipe takes them. A
//  DONTWAIT send costs no system call; asking zsock_events (ZMQ_POLLOUT)
//  before each message cost a poll ().
bool
model_pipe_flush (model_pipe_t *self)
{
    assert (self);
    while (self->size) {
        self->touched = true;
        s_entry_t *entry = &self->ring [self->head];
        int index = 0;
        for (; index < entry->parts; index++) {
            int flags = (index + 1 < entry->parts? ZMQ_SNDMORE: 0)
                      | (index == 0? ZMQ_DONTWAIT: 0);
            if (zmq_msg_send (&entry->part [index], self->handle,
                              flags) == -1 && index == 0)
                break;
        }
        if (index == 0)
            break;              //  the model is behind: later, in order
        s_pop (self);
    }
    bool touched = self->touched;
    self->touched = false;
    return touched;
}

//  Messages waiting for the model.
size_t
model_pipe_queued (model_pipe_t *self)
{
    assert (self);
    return self->size;
}
