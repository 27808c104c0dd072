/*  cbor.h: a small, strict, bounded CBOR reader and writer (RFC 8949).

    Only what BPv7 (bundle.c) and MTCP framing (mtcp.c) need: unsigned
    integers, byte and text strings (definite length only), definite and
    indefinite arrays, the break code, and skipping one well-formed item
    with a depth limit. The reader never allocates: strings are returned
    as pointers into the input, and a declared length is checked against
    the bytes that are really there before anything uses it. Maps, tags,
    floats and negative integers are not needed by BPv7 blocks we decode
    and are rejected by the typed readers (cbor_skip walks over them).

    Both are plain value types, kept on the caller's stack:

        cbor_reader_t r;
        cbor_reader_init (&r, data, size);
        uint64_t n;
        if (cbor_read_array (&r, &n)) puts (r.error);

    The writer, given a NULL buffer, only counts bytes (cbor_writer_t.pos),
    so a caller can size a buffer with a first pass.
*/
#ifndef CBOR_H_INCLUDED
#define CBOR_H_INCLUDED

#include "dtchat.h"

//  Major types.
#define CBOR_UINT       0
#define CBOR_NEGINT     1
#define CBOR_BYTES      2
#define CBOR_TEXT       3
#define CBOR_ARRAY      4
#define CBOR_MAP        5
#define CBOR_TAG        6
#define CBOR_SIMPLE     7

//  Deepest nesting cbor_skip follows before it gives up.
#define CBOR_DEPTH_MAX  16

typedef struct {
    const byte *data;
    size_t size;
    size_t pos;             //  next byte to read
    const char *error;      //  static text of the first error, or NULL
    size_t error_pos;       //  where it happened
} cbor_reader_t;

typedef struct {
    byte *data;             //  NULL: count only
    size_t size;
    size_t pos;             //  bytes written (or counted)
    bool overflow;          //  a write did not fit
} cbor_writer_t;

//  Start reading SIZE bytes at DATA.
void
    cbor_reader_init (cbor_reader_t *self, const byte *data, size_t size);

//  Bytes not read yet.
size_t
    cbor_reader_left (const cbor_reader_t *self);

//  Read one item head: major type, argument (a length, count or value)
//  and whether it is an indefinite-length head (major 2..5) or the break
//  code (major 7, *INDEFINITE_P set). Rejects truncation and the reserved
//  additional-information values 28..30. Returns 0 or -1 (see error).
int
    cbor_read_head (cbor_reader_t *self, int *major_p, uint64_t *value_p,
                    bool *indefinite_p);

//  Major type of the next item without consuming it; -1 at the end.
int
    cbor_peek_major (const cbor_reader_t *self);

//  True if the next byte is the break code 0xFF.
bool
    cbor_peek_break (const cbor_reader_t *self);

//  Read an unsigned integer. Returns 0 or -1.
int
    cbor_read_uint (cbor_reader_t *self, uint64_t *value_p);

//  Read a definite-length array head; *COUNT_P items follow.
//  Returns 0 or -1 (also for an indefinite head).
int
    cbor_read_array (cbor_reader_t *self, uint64_t *count_p);

//  Read an indefinite-length array head (0x9F). Returns 0 or -1.
int
    cbor_read_array_indefinite (cbor_reader_t *self);

//  Read the break code (0xFF). Returns 0 or -1.
int
    cbor_read_break (cbor_reader_t *self);

//  Read a definite-length byte string; *DATA_P points into the input.
//  Returns 0 or -1 (indefinite, or longer than what is left).
int
    cbor_read_bytes (cbor_reader_t *self, const byte **data_p,
                     size_t *size_p);

//  Read a definite-length text string (not NUL-terminated; no UTF-8
//  check: callers check what they accept). Returns 0 or -1.
int
    cbor_read_text (cbor_reader_t *self, const char **text_p,
                    size_t *size_p);

//  Skip one well-formed item of any type, at most MAX_DEPTH levels deep
//  (nested arrays, maps, tags; the innermost item counts as a level).
//  Returns 0 or -1.
int
    cbor_skip (cbor_reader_t *self, int max_depth);

//  Start writing into DATA (SIZE bytes); DATA NULL only counts.
void
    cbor_writer_init (cbor_writer_t *self, byte *data, size_t size);

//  Write a head with the shortest encoding of VALUE.
void
    cbor_write_head (cbor_writer_t *self, int major, uint64_t value);

//  Write an unsigned integer.
void
    cbor_write_uint (cbor_writer_t *self, uint64_t value);

//  Write a definite array head of COUNT items.
void
    cbor_write_array (cbor_writer_t *self, uint64_t count);

//  Write an indefinite array head (0x9F) / the break code (0xFF).
void
    cbor_write_array_indefinite (cbor_writer_t *self);
void
    cbor_write_break (cbor_writer_t *self);

//  Write a byte string / text string.
void
    cbor_write_bytes (cbor_writer_t *self, const byte *data, size_t size);
void
    cbor_write_text (cbor_writer_t *self, const char *text, size_t size);

//  Write SIZE raw bytes (already CBOR). DATA NULL writes zeros.
void
    cbor_write_raw (cbor_writer_t *self, const byte *data, size_t size);

//  Length of the head cbor_write_head would write for VALUE (1..9).
size_t
    cbor_head_size (uint64_t value);

#endif
