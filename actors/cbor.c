/*  cbor.c: a small, strict, bounded CBOR reader and writer.

    bundle.c decodes and encodes BPv7 bundles with it and mtcp.c reads
    MTCP frame heads. Input is hostile: every length is checked against
    the bytes left before it is used, nothing is allocated, recursion is
    bounded by an explicit depth, and the first error is kept (with its
    offset) so the caller can say why a bundle was rejected.
*/
#include "cbor.h"

//  Record the first error and fail.
static int
s_fail (cbor_reader_t *self, const char *error)
{
    if (!self->error) {
        self->error = error;
        self->error_pos = self->pos;
    }
    return -1;
}

//  Start reading SIZE bytes at DATA.
void
cbor_reader_init (cbor_reader_t *self, const byte *data, size_t size)
{
    assert (self);
    assert (data || size == 0);
    self->data = data;
    self->size = size;
    self->pos = 0;
    self->error = NULL;
    self->error_pos = 0;
}

//  Bytes not read yet.
size_t
cbor_reader_left (const cbor_reader_t *self)
{
    assert (self);
    return self->size - self->pos;
}

//  Read one item head (see cbor.h).
int
cbor_read_head (cbor_reader_t *self, int *major_p, uint64_t *value_p,
                bool *indefinite_p)
{
    assert (self);
    if (self->error)
        return -1;
    if (self->pos >= self->size)
        return s_fail (self, "truncated: item expected");
    byte initial = self->data [self->pos];
    int major = initial >> 5;
    int info = initial & 0x1F;
    uint64_t value = 0;
    bool indefinite = false;
    size_t extra = 0;
    if (info < 24)
        value = (uint64_t) info;
    else
    if (info <= 27)
        extra = (size_t) 1 << (info - 24);
    else
    if (info == 31) {
        if (major < CBOR_BYTES || major == CBOR_TAG)
            return s_fail (self, "indefinite length on a type without one");
        indefinite = true;
    }
    else
        return s_fail (self, "reserved additional information (28..30)");
    if (self->size - self->pos - 1 < extra)
        return s_fail (self, "truncated item head");
    for (size_t i = 0; i < extra; i++)
        value = (value << 8) | self->data [self->pos + 1 + i];
    self->pos += 1 + extra;
    *major_p = major;
    *value_p = value;
    *indefinite_p = indefinite;
    return 0;
}

//  Major type of the next item, -1 at the end.
int
cbor_peek_major (const cbor_reader_t *self)
{
    assert (self);
    if (self->pos >= self->size)
        return -1;
    return self->data [self->pos] >> 5;
}

//  True if the next byte is the break code.
bool
cbor_peek_break (const cbor_reader_t *self)
{
    assert (self);
    return self->pos < self->size && self->data [self->pos] == 0xFF;
}

//  Read a head and insist on MAJOR with a definite length.
static int
s_read_definite (cbor_reader_t *self, int major, uint64_t *value_p,
                 const char *wrong_type)
{
    int got = -1;
    bool indefinite = false;
    size_t start = self->pos;
    if (cbor_read_head (self, &got, value_p, &indefinite))
        return -1;
    if (got != major) {
        self->pos = start;
        return s_fail (self, wrong_type);
    }
    if (indefinite) {
        self->pos = start;
        return s_fail (self, "indefinite length where a definite one "
                             "is required");
    }
    return 0;
}

//  Read an unsigned integer.
int
cbor_read_uint (cbor_reader_t *self, uint64_t *value_p)
{
    return s_read_definite (self, CBOR_UINT, value_p,
                            "unsigned integer expected");
}

//  Read a definite-length array head.
int
cbor_read_array (cbor_reader_t *self, uint64_t *count_p)
{
    if (s_read_definite (self, CBOR_ARRAY, count_p, "array expected"))
        return -1;
    //  every item takes at least one byte: a longer count is a lie
    if (*count_p > cbor_reader_left (self))
        return s_fail (self, "array count larger than the input");
    return 0;
}

//  Read an indefinite-length array head.
int
cbor_read_array_indefinite (cbor_reader_t *self)
{
    assert (self);
    if (self->error)
        return -1;
    if (self->pos >= self->size)
        return s_fail (self, "truncated: array expected");
    if (self->data [self->pos] != 0x9F)
        return s_fail (self, "indefinite-length array expected");
    self->pos++;
    return 0;
}

//  Read the break code.
int
cbor_read_break (cbor_reader_t *self)
{
    assert (self);
    if (self->error)
        return -1;
    if (self->pos >= self->size)
        return s_fail (self, "truncated: break expected");
    if (self->data [self->pos] != 0xFF)
        return s_fail (self, "break code expected");
    self->pos++;
    return 0;
}

//  Read a definite string of MAJOR; its bytes must all be there.
static int
s_read_string (cbor_reader_t *self, int major, const byte **data_p,
               size_t *size_p, const char *wrong_type)
{
    uint64_t length;
    size_t start = self->pos;
    if (s_read_definite (self, major, &length, wrong_type))
        return -1;
    if (length > cbor_reader_left (self)) {
        self->pos = start;
        return s_fail (self, "string length larger than the input");
    }
    *data_p = self->data + self->pos;
    *size_p = (size_t) length;
    self->pos += (size_t) length;
    return 0;
}

//  Read a definite-length byte string.
int
cbor_read_bytes (cbor_reader_t *self, const byte **data_p, size_t *size_p)
{
    return s_read_string (self, CBOR_BYTES, data_p, size_p,
                          "byte string expected");
}

//  Read a definite-length text string.
int
cbor_read_text (cbor_reader_t *self, const char **text_p, size_t *size_p)
{
    const byte *data;
    if (s_read_string (self, CBOR_TEXT, &data, size_p,
                       "text string expected"))
        return -1;
    *text_p = (const char *) data;
    return 0;
}

//  Skip the chunks of an indefinite string of MAJOR up to its break.
static int
s_skip_chunks (cbor_reader_t *self, int major)
{
    while (!cbor_peek_break (self)) {
        const byte *data;
        size_t size;
        if (s_read_string (self, major, &data, &size,
                           "bad chunk in an indefinite string"))
            return -1;
    }
    return cbor_read_break (self);
}

//  Skip one item (see cbor.h).
int
cbor_skip (cbor_reader_t *self, int max_depth)
{
    assert (self);
    if (max_depth <= 0)
        return s_fail (self, "nested too deeply");
    int major;
    uint64_t value;
    bool indefinite;
    size_t start = self->pos;
    if (cbor_read_head (self, &major, &value, &indefinite))
        return -1;
    switch (major) {
        case CBOR_UINT:
        case CBOR_NEGINT:
            return 0;
        case CBOR_BYTES:
        case CBOR_TEXT:
            if (indefinite)
                return s_skip_chunks (self, major);
            if (value > cbor_reader_left (self))
                return s_fail (self, "string length larger than the input");
            self->pos += (size_t) value;
            return 0;
        case CBOR_ARRAY:
        case CBOR_MAP:
            if (indefinite) {
                while (!cbor_peek_break (self))
                    if (cbor_skip (self, max_depth - 1))
                        return -1;
                return cbor_read_break (self);
            }
            //  each item is at least one byte; maps have two per entry
            if (value > cbor_reader_left (self)
            ||  (major == CBOR_MAP && value > cbor_reader_left (self) / 2))
                return s_fail (self, "item count larger than the input");
            if (major == CBOR_MAP)
                value *= 2;
            for (uint64_t i = 0; i < value; i++)
                if (cbor_skip (self, max_depth - 1))
                    return -1;
            return 0;
        case CBOR_TAG:
            return cbor_skip (self, max_depth - 1);
        default:
            if (indefinite) {
                self->pos = start;
                return s_fail (self, "unexpected break code");
            }
            //  simple values and floats: the head held everything
            return 0;
    }
}

//  Start writing into DATA (NULL: count only).
void
cbor_writer_init (cbor_writer_t *self, byte *data, size_t size)
{
    assert (self);
    self->data = data;
    self->size = data? size: 0;
    self->pos = 0;
    self->overflow = false;
}

//  Write raw bytes (zeros if DATA is NULL), or just count them.
void
cbor_write_raw (cbor_writer_t *self, const byte *data, size_t size)
{
    assert (self);
    if (self->data) {
        if (self->overflow || size > self->size - self->pos) {
            self->overflow = true;
            return;
        }
        if (data)
            memcpy (self->data + self->pos, data, size);
        else
            memset (self->data + self->pos, 0, size);
    }
    self->pos += size;
}

//  Length of the shortest head for VALUE.
size_t
cbor_head_size (uint64_t value)
{
    return value < 24? 1:
           value <= 0xFF? 2:
           value <= 0xFFFF? 3:
           value <= 0xFFFFFFFFu? 5: 9;
}

//  Write a head with the shortest encoding of VALUE.
void
cbor_write_head (cbor_writer_t *self, int major, uint64_t value)
{
    assert (major >= 0 && major <= 7);
    byte head [9];
    size_t size = cbor_head_size (value);
    if (size == 1)
        head [0] = (byte) ((major << 5) | (int) value);
    else {
        int info = size == 2? 24: size == 3? 25: size == 5? 26: 27;
        head [0] = (byte) ((major << 5) | info);
        for (size_t i = 1; i < size; i++)
            head [i] = (byte) (value >> (8 * (size - 1 - i)));
    }
    cbor_write_raw (self, head, size);
}

//  Write an unsigned integer.
void
cbor_write_uint (cbor_writer_t *self, uint64_t value)
{
    cbor_write_head (self, CBOR_UINT, value);
}

//  Write a definite array head.
void
cbor_write_array (cbor_writer_t *self, uint64_t count)
{
    cbor_write_head (self, CBOR_ARRAY, count);
}

//  Write an indefinite array head.
void
cbor_write_array_indefinite (cbor_writer_t *self)
{
    byte code = 0x9F;
    cbor_write_raw (self, &code, 1);
}

//  Write the break code.
void
cbor_write_break (cbor_writer_t *self)
{
    byte code = 0xFF;
    cbor_write_raw (self, &code, 1);
}

//  Write a byte string.
void
cbor_write_bytes (cbor_writer_t *self, const byte *data, size_t size)
{
    assert (data || size == 0);
    cbor_write_head (self, CBOR_BYTES, size);
    if (size)
        cbor_write_raw (self, data, size);
}

//  Write a text string.
void
cbor_write_text (cbor_writer_t *self, const char *text, size_t size)
{
    assert (text || size == 0);
    cbor_write_head (self, CBOR_TEXT, size);
    if (size)
        cbor_write_raw (self, (const byte *) text, size);
}
