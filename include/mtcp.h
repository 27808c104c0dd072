/*  mtcp.h: MTCP framing (draft-ietf-dtn-mtcpcl): one bundle per CBOR
    byte string on a TCP stream.

    transport_bp writes each bundle with mtcp_frame_head in front of it,
    and feeds the bytes it reads from each inbound connection into an
    mtcp_reader_t, which reassembles frames across reads of any size and
    hands out complete bundles. The reader is strict: a head that is not
    a definite byte string, an empty frame, or a declared length above
    the limit breaks the stream (the caller closes the connection). It
    never allocates from a declared length: a frame's buffer grows only
    as its bytes really arrive.
*/
#ifndef MTCP_H_INCLUDED
#define MTCP_H_INCLUDED

#include "dtchat.h"

//  Longest frame head (0x5B + 8 bytes).
#define MTCP_HEAD_MAX   9

typedef struct _mtcp_reader_t mtcp_reader_t;

//  New reader that accepts bundles of at most MAX_BUNDLE bytes.
mtcp_reader_t *
    mtcp_reader_new (size_t max_bundle);

//  Destroy; idempotent, nulls *self_p.
void
    mtcp_reader_destroy (mtcp_reader_t **self_p);

//  Feed SIZE bytes read from the stream. Complete bundles queue up for
//  mtcp_reader_next. Returns 0, or -1 with a reason when the stream is
//  not MTCP (the reader stays broken: close the connection).
int
    mtcp_reader_feed (mtcp_reader_t *self, const byte *data, size_t size,
                      char *reason, size_t reason_size);

//  Next complete bundle (the frame's content), or NULL. The caller
//  destroys the chunk.
zchunk_t *
    mtcp_reader_next (mtcp_reader_t *self);

//  Bytes of an incomplete frame held (head and body), 0 between frames.
size_t
    mtcp_reader_partial (mtcp_reader_t *self);

//  Write the frame head for a bundle of SIZE bytes into HEAD (at least
//  MTCP_HEAD_MAX bytes). Returns the head's length.
size_t
    mtcp_frame_head (size_t size, byte *head);

#endif
