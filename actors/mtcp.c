/*  mtcp.c: MTCP framing, one bundle per CBOR byte string on TCP.

    transport_bp feeds every read from an inbound MTCP connection into
    an mtcp_reader_t and takes complete bundles out. Reads do not line up
    with frames (uD3TN's frames arrive split as 7 + 130 bytes and so on),
    so the reader keeps the partial head and the partial body between
    feeds. Input is hostile: the declared length is checked against the
    limit before anything else, and the body buffer only grows with the
    bytes that arrive, so a 9-byte head cannot make us allocate 16 MiB.
*/
#include "mtcp.h"
#include "cbor.h"

//  First allocation for a frame body; it grows from here as bytes come.
#define S_BODY_INITIAL  4096

struct _mtcp_reader_t {
    size_t max_bundle;          //  largest frame content accepted
    byte head [MTCP_HEAD_MAX];  //  the head being read
    size_t head_size;           //  bytes of it so far
    uint64_t body_size;         //  declared length, once the head is done
    zchunk_t *body;             //  the body being read, or NULL
    zlist_t *ready;             //  complete bundles (zchunk_t *)
    bool broken;                //  a framing error was seen
};

//  New reader that accepts bundles of at most MAX_BUNDLE bytes.
mtcp_reader_t *
mtcp_reader_new (size_t max_bundle)
{
    mtcp_reader_t *self = (mtcp_reader_t *) calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->max_bundle = max_bundle;
    self->ready = zlist_new ();
    if (!self->ready) {
        free (self);
        return NULL;
    }
    return self;
}

//  Destroy; idempotent.
void
mtcp_reader_destroy (mtcp_reader_t **self_p)
{
    assert (self_p);
    mtcp_reader_t *self = *self_p;
    if (!self)
        return;
    zchunk_destroy (&self->body);
    zchunk_t *chunk;
    while ((chunk = (zchunk_t *) zlist_pop (self->ready)))
        zchunk_destroy (&chunk);
    zlist_destroy (&self->ready);
    free (self);
    *self_p = NULL;
}

//  Fail the stream with a reason.
static int
s_broken (mtcp_reader_t *self, char *reason, size_t reason_size,
          const char *why)
{
    self->broken = true;
    if (reason && reason_size)
        snprintf (reason, reason_size, "MTCP: %s", why);
    return -1;
}

//  Length of a head from its first byte: 1..9, or 0 if not a bstr head.
static size_t
s_head_length (byte initial)
{
    if ((initial >> 5) != 2)
        return 0;
    int info = initial & 0x1F;
    if (info < 24)
        return 1;
    if (info <= 27)
        return 1 + ((size_t) 1 << (info - 24));
    return 0;
}

//  Take head bytes from DATA; returns how many were used, or -1.
static ssize_t
s_feed_head (mtcp_reader_t *self, const byte *data, size_t size,
             char *reason, size_t reason_size)
{
    size_t used = 0;
    if (self->head_size == 0) {
        if ((data [0] >> 5) != 2)
            return s_broken (self, reason, reason_size,
                             "frame is not a CBOR byte string");
        if (s_head_length (data [0]) == 0)
            return s_broken (self, reason, reason_size,
                             "indefinite or reserved byte string head");
        self->head [self->head_size++] = data [used++];
    }
    size_t want = s_head_length (self->head [0]);
    while (self->head_size < want && used < size)
        self->head [self->head_size++] = data [used++];
    if (self->head_size < want)
        return (ssize_t) used;
    uint64_t length = self->head [0] & 0x1F;
    if (want > 1) {
        length = 0;
        for (size_t i = 1; i < want; i++)
            length = (length << 8) | self->head [i];
    }
    if (length == 0)
        return s_broken (self, reason, reason_size, "empty frame");
    if (length > self->max_bundle) {
        char why [96];
        snprintf (why, sizeof why, "frame of %" PRIu64 " bytes is over "
                  "the %zu-byte limit", length, self->max_bundle);
        return s_broken (self, reason, reason_size, why);
    }
    self->body_size = length;
    size_t initial = length < S_BODY_INITIAL? (size_t) length: S_BODY_INITIAL;
    self->body = zchunk_new (NULL, initial);
    if (!self->body)
        return s_broken (self, reason, reason_size, "out of memory");
    return (ssize_t) used;
}

//  Feed bytes (see mtcp.h).
int
mtcp_reader_feed (mtcp_reader_t *self, const byte *data, size_t size,
                  char *reason, size_t reason_size)
{
    assert (self);
    assert (data || size == 0);
    if (self->broken)
        return s_broken (self, reason, reason_size, "stream already broken");
    while (size > 0) {
        if (!self->body) {
            ssize_t used = s_feed_head (self, data, size,
                                        reason, reason_size);
            if (used < 0)
                return -1;
            data += used;
            size -= (size_t) used;
            continue;
        }
        size_t have = zchunk_size (self->body);
        size_t take = (size_t) self->body_size - have;
        if (take > size)
            take = size;
        if (zchunk_extend (self->body, data, take) != have + take)
            return s_broken (self, reason, reason_size, "out of memory");
        data += take;
        size -= take;
        if (zchunk_size (self->body) == self->body_size) {
            zlist_append (self->ready, self->body);
            self->body = NULL;
            self->head_size = 0;
            self->body_size = 0;
        }
    }
    return 0;
}

//  Next complete bundle, or NULL.
zchunk_t *
mtcp_reader_next (mtcp_reader_t *self)
{
    assert (self);
    return (zchunk_t *) zlist_pop (self->ready);
}

//  Bytes of an incomplete frame held.
size_t
mtcp_reader_partial (mtcp_reader_t *self)
{
    assert (self);
    return self->head_size + (self->body? zchunk_size (self->body): 0);
}

//  Write the frame head for SIZE bytes into HEAD.
size_t
mtcp_frame_head (size_t size, byte *head)
{
    assert (head);
    cbor_writer_t w;
    cbor_writer_init (&w, head, MTCP_HEAD_MAX);
    cbor_write_head (&w, CBOR_BYTES, size);
    assert (!w.overflow);
    return w.pos;
}
