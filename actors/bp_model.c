/*  bp_model.c: what the transport-bp backends hand the chat-model.

    See bp_model.h. One zmq_send per frame: the frames are exactly those
    zsock_send would write for the pictures "ss", "sss" and "ssb" (a
    string without its NUL, then the bytes), so the chat-model reads them
    as before.
*/
#include "bp_model.h"

//  Send COUNT frames as one message and count it.
static void
s_send (bp_model_t *self, int count, const void **data,
        const size_t *size)
{
    assert (self && self->sock);
    void *handle = zsock_resolve (self->sock);
    for (int index = 0; index < count; index++)
        //  no high-water mark: this fails only when the context ends
        if (zmq_send (handle, data [index], size [index],
                      index + 1 < count? ZMQ_SNDMORE: 0) == -1)
            break;
    self->sent++;
}

//  SENT TOKEN, unless it is quiet.
void
bp_model_sent (bp_model_t *self, const char *token)
{
    assert (token);
    if (token_is_quiet (token))
        return;
    const void *data [] = { VERB_SENT, token };
    size_t size [] = { strlen (VERB_SENT), strlen (token) };
    s_send (self, 2, data, size);
}

//  FAILED TOKEN WHY.
void
bp_model_failed (bp_model_t *self, const char *token, const char *why)
{
    assert (token && why);
    const void *data [] = { VERB_FAILED, token, why };
    size_t size [] = { strlen (VERB_FAILED), strlen (token), strlen (why) };
    s_send (self, 3, data, size);
}

//  RECV SOURCE DATA.
void
bp_model_recv (bp_model_t *self, const char *source, const byte *data,
               size_t size)
{
    assert (source && (data || size == 0));
    const void *frames [] = { VERB_RECV, source,
                              data? data: (const byte *) "" };
    size_t sizes [] = { strlen (VERB_RECV), strlen (source), size };
    s_send (self, 3, frames, sizes);
}
