/*  model_pipe.c: a socket transport's end of the chat-model's PAIR.

    transport_udp.c and transport_tcp.c (through tcp_ctx_t, for its
    connections) read SENDs and queue SENT, FAILED and RECV here; see
    model_pipe.h. Both directions go without a poll () per message: reads
    use a zero receive timeout (a batch ends at the first miss) and sends
    use ZMQ_DONTWAIT (the queue waits at the first refusal).
*/
#include "dtchat.h"
#include "model_pipe.h"

struct _model_pipe_t {
    zsock_t *sock;              //  PAIR, connected to the model
    zlist_t *queue;             //  zmsg_t *, oldest first
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
    if (self) {
        self->sock = zsock_new (ZMQ_PAIR);
        self->queue = zlist_new ();
    }
    if (!self || !self->sock || !self->queue
    ||  zsock_connect (self->sock, "%s", endpoint) == -1) {
        snprintf (reason, reason_size, "%s: cannot connect to %s", owner,
                  endpoint);
        model_pipe_destroy (&self);
        return NULL;
    }
    //  We read only when a poll said so, in batches that end at the
    //  first miss: a zero timeout ends them without a zsock_events ()
    //  (a poll () system call) before every message
    zsock_set_rcvtimeo (self->sock, 0);
    return self;
}

//  Close the PAIR and drop what is queued; idempotent.
void
model_pipe_destroy (model_pipe_t **self_p)
{
    assert (self_p);
    model_pipe_t *self = *self_p;
    if (self) {
        zmsg_t *msg;
        while (self->queue && (msg = (zmsg_t *) zlist_pop (self->queue)))
            zmsg_destroy (&msg);
        zlist_destroy (&self->queue);
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

//  Free the fields of a SEND; idempotent.
void
model_send_clear (model_send_t *send)
{
    assert (send);
    zstr_free (&send->token);
    zstr_free (&send->endpoint);
    zframe_destroy (&send->data);
}

//  Take the next SEND without waiting; see model_pipe.h.
int
model_pipe_next_send (model_pipe_t *self, model_send_t *send,
                      char *what, size_t what_size)
{
    assert (self && send && what);
    memset (send, 0, sizeof (*send));
    zmsg_t *msg = zmsg_recv (self->sock);
    if (!msg)
        return 0;               //  nothing more now (zero receive timeout)
    int rc = 1;
    char *verb = zmsg_popstr (msg);
    if (verb && streq (verb, VERB_SEND)) {
        send->token = zmsg_popstr (msg);
        send->endpoint = zmsg_popstr (msg);
        send->data = zmsg_pop (msg);
        if (!send->token || !send->endpoint || !send->data
        ||  zmsg_size (msg)) {
            snprintf (what, what_size, "malformed SEND dropped");
            if (send->token)
                model_pipe_reply (self, VERB_FAILED, send->token,
                                  "malformed SEND");
            model_send_clear (send);
            rc = -1;
        }
    }
    else {
        snprintf (what, what_size, "unexpected '%s' from the model dropped",
                  verb? verb: "");
        rc = -1;
    }
    zstr_free (&verb);
    zmsg_destroy (&msg);
    return rc;
}

//  Queue VERB TOKEN [REASON] for the model.
void
model_pipe_reply (model_pipe_t *self, const char *verb, const char *token,
                  const char *reason)
{
    assert (self && verb && token);
    if (streq (verb, VERB_SENT) && token_is_quiet (token))
        return;                 //  nothing waits for it
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, verb);
    zmsg_addstr (msg, token);
    if (reason)
        zmsg_addstr (msg, reason);
    zlist_append (self->queue, msg);
}

//  Queue RECV PEER DATA for the model.
void
model_pipe_deliver (model_pipe_t *self, const char *peer, zframe_t **data_p)
{
    assert (self && peer && data_p && *data_p);
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, VERB_RECV);
    zmsg_addstr (msg, peer);
    zmsg_append (msg, data_p);
    zlist_append (self->queue, msg);
}

//  Send MSG unless the pipe is full: 0 sent, -1 full (MSG stays with the
//  caller). Only the first frame may find the pipe full: a PAIR counts
//  whole messages against its high-water mark.
static int
s_send_nowait (void *handle, zmsg_t *msg)
{
    size_t left = zmsg_size (msg);
    bool first = true;
    for (zframe_t *frame = zmsg_first (msg); frame;
         frame = zmsg_next (msg)) {
        left--;
        int flags = (left? ZMQ_SNDMORE: 0) | (first? ZMQ_DONTWAIT: 0);
        if (zmq_send (handle, zframe_data (frame), zframe_size (frame),
                      flags) == -1 && first)
            return -1;
        first = false;          //  later frames fail only at context end
    }
    return 0;
}

//  Hand queued messages to the model while its pipe takes them. A
//  DONTWAIT send costs no system call; asking zsock_events (ZMQ_POLLOUT)
//  before each message cost a poll ().
bool
model_pipe_flush (model_pipe_t *self)
{
    assert (self);
    void *handle = zsock_resolve (self->sock);
    zmsg_t *msg;
    bool tried = false;
    while ((msg = (zmsg_t *) zlist_first (self->queue))) {
        tried = true;
        if (s_send_nowait (handle, msg) == -1)
            break;
        zlist_pop (self->queue);
        zmsg_destroy (&msg);
    }
    return tried;
}

//  Messages waiting for the model.
size_t
model_pipe_queued (model_pipe_t *self)
{
    assert (self);
    return zlist_size (self->queue);
}
