/*  tcp_reader.c: cuts one TCP connection's byte stream into messages.

    tcp_conn feeds it what recv returns; it detects the wire mode (see
    tcp_reader.h and docs/PROTOCOL.md), checks every length against
    max_message before it holds a byte of it, and keeps whole messages in
    a list until tcp_conn takes them. Memory grows with the bytes that
    really arrived, never with a length a peer merely announced: a frame
    buffer is reserved lazily by the allocator, a legacy buffer doubles.
*/
#include "dtchat.h"
#include "tcp_reader.h"

#include <inttypes.h>
#include <string.h>

//  First size of a legacy buffer; it doubles as bytes arrive.
#define S_LEGACY_FIRST  4096

struct _tcp_reader_t {
    size_t max_message;
    tcp_reader_mode_t mode;
    size_t magic_got;           //  greeting bytes matched so far
    byte header [TCP_HEADER_SIZE];
    size_t header_got;
    zframe_t *frame;            //  framed: the message being filled
    size_t frame_got;
    byte *legacy;               //  legacy: the bytes so far
    size_t legacy_size;
    size_t legacy_room;
    zlist_t *ready;             //  zframe_t *, whole messages
};

//  Create a reader; see tcp_reader.h.
tcp_reader_t *
tcp_reader_new (size_t max_message, bool greeted)
{
    tcp_reader_t *self = (tcp_reader_t *) zmalloc (sizeof (tcp_reader_t));
    if (!self)
        return NULL;
    self->max_message = max_message? max_message: DTCHAT_MAX_MESSAGE_DEFAULT;
    //  A 4-byte header cannot carry more: keep every length in range
    if (self->max_message > UINT32_MAX)
        self->max_message = UINT32_MAX;
    self->mode = greeted? TCP_READER_MAGIC: TCP_READER_DETECT;
    self->ready = zlist_new ();
    if (!self->ready) {
        free (self);
        return NULL;
    }
    return self;
}

//  Destroy the reader and every message it still holds; idempotent.
void
tcp_reader_destroy (tcp_reader_t **self_p)
{
    tcp_reader_t *self = *self_p;
    if (self) {
        zframe_t *frame;
        while ((frame = (zframe_t *) zlist_pop (self->ready)))
            zframe_destroy (&frame);
        zlist_destroy (&self->ready);
        zframe_destroy (&self->frame);
        free (self->legacy);
        free (self);
        *self_p = NULL;
    }
}

//  Read one varint at *POS; false if it runs past END or over 10 bytes.
static bool
s_varint (const byte *data, size_t *pos, size_t end, uint64_t *value)
{
    *value = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (*pos >= end)
            return false;
        byte b = data [(*pos)++];
        *value |= (uint64_t) (b & 0x7f) << shift;
        if (!(b & 0x80))
            return true;
    }
    return false;
}

//  See tcp_reader.h.
bool
tcp_reader_looks_like_protobuf (const byte *data, size_t size)
{
    if (!data || size == 0)
        return false;
    size_t pos = 0;
    while (pos < size) {
        uint64_t tag, value;
        if (!s_varint (data, &pos, size, &tag))
            return false;
        //  Field numbers are 1 .. 2^29-1
        if ((tag >> 3) == 0 || (tag >> 3) > 0x1fffffff)
            return false;
        switch (tag & 7) {
            case 0:
                if (!s_varint (data, &pos, size, &value))
                    return false;
                break;
            case 1:
                if (size - pos < 8)
                    return false;
                pos += 8;
                break;
            case 2:
                if (!s_varint (data, &pos, size, &value)
                ||  value > size - pos)
                    return false;
                pos += (size_t) value;
                break;
            case 5:
                if (size - pos < 4)
                    return false;
                pos += 4;
                break;
            default:
                //  3 and 4 (groups) never occur in a ProtoMessage
                return false;
        }
    }
    return true;
}

//  Take up to SIZE bytes of greeting; -1 on a mismatch.
static int
s_feed_magic (tcp_reader_t *self, const byte *data, size_t size,
              size_t *used, char *reason, size_t reason_size)
{
    size_t count = TCP_MAGIC_SIZE - self->magic_got;
    if (count > size)
        count = size;
    if (memcmp (data, &TCP_MAGIC [self->magic_got], count) != 0) {
        snprintf (reason, reason_size, "bad greeting (not a dtchat peer?)");
        return -1;
    }
    self->magic_got += count;
    if (self->magic_got == TCP_MAGIC_SIZE)
        self->mode = TCP_READER_FRAMED;
    *used = count;
    return 0;
}

//  Take up to SIZE bytes of frames; -1 on a bad length.
static int
s_feed_framed (tcp_reader_t *self, const byte *data, size_t size,
               size_t *used, char *reason, size_t reason_size)
{
    if (!self->frame) {
        size_t count = TCP_HEADER_SIZE - self->header_got;
        if (count > size)
            count = size;
        memcpy (self->header + self->header_got, data, count);
        self->header_got += count;
        *used = count;
        if (self->header_got < TCP_HEADER_SIZE)
            return 0;
        uint32_t length = (uint32_t) self->header [0] << 24
                        | (uint32_t) self->header [1] << 16
                        | (uint32_t) self->header [2] << 8
                        | (uint32_t) self->header [3];
        if (length == 0) {
            snprintf (reason, reason_size, "empty frame");
            return -1;
        }
        if (length > self->max_message) {
            snprintf (reason, reason_size,
                      "frame of %" PRIu32 " bytes is over the limit of %zu",
                      length, self->max_message);
            return -1;
        }
        //  The allocator only commits pages as they are written
        self->frame = zframe_new (NULL, length);
        if (!self->frame) {
            snprintf (reason, reason_size,
                      "out of memory for a frame of %" PRIu32 " bytes",
                      length);
            return -1;
        }
        self->frame_got = 0;
        return 0;
    }
    size_t count = zframe_size (self->frame) - self->frame_got;
    if (count > size)
        count = size;
    memcpy (zframe_data (self->frame) + self->frame_got, data, count);
    self->frame_got += count;
    *used = count;
    if (self->frame_got == zframe_size (self->frame)) {
        if (!tcp_reader_looks_like_protobuf (zframe_data (self->frame),
                                             zframe_size (self->frame))) {
            snprintf (reason, reason_size,
                      "frame of %zu bytes is not a ProtoMessage",
                      zframe_size (self->frame));
            return -1;
        }
        zlist_append (self->ready, self->frame);
        self->frame = NULL;
        self->header_got = 0;
    }
    return 0;
}

//  Take SIZE bytes of a legacy message; -1 once it passes the limit.
static int
s_feed_legacy (tcp_reader_t *self, const byte *data, size_t size,
               char *reason, size_t reason_size)
{
    if (size > self->max_message - self->legacy_size) {
        snprintf (reason, reason_size,
                  "message over the limit of %zu bytes (%zu bytes dropped)",
                  self->max_message, self->legacy_size + size);
        return -1;
    }
    size_t need = self->legacy_size + size;
    if (need > self->legacy_room) {
        size_t room = self->legacy_room? self->legacy_room: S_LEGACY_FIRST;
        while (room < need)
            room *= 2;
        if (room > self->max_message)
            room = self->max_message;
        byte *bigger = (byte *) realloc (self->legacy, room);
        if (!bigger) {
            snprintf (reason, reason_size,
                      "out of memory for a message of %zu bytes", need);
            return -1;
        }
        self->legacy = bigger;
        self->legacy_room = room;
    }
    memcpy (self->legacy + self->legacy_size, data, size);
    self->legacy_size += size;
    return 0;
}

//  Feed bytes; see tcp_reader.h.
int
tcp_reader_feed (tcp_reader_t *self, const byte *data, size_t size,
                 char *reason, size_t reason_size)
{
    assert (self);
    while (size > 0) {
        size_t used = 0;
        int rc = 0;
        switch (self->mode) {
            case TCP_READER_DETECT:
                //  Every ProtoMessage the Rust DTChat sends starts 0x0a;
                //  only our greeting starts with TCP_MAGIC [0]
                self->mode = data [0] == (byte) TCP_MAGIC [0]?
                             TCP_READER_MAGIC: TCP_READER_LEGACY;
                break;
            case TCP_READER_MAGIC:
                rc = s_feed_magic (self, data, size, &used,
                                   reason, reason_size);
                break;
            case TCP_READER_FRAMED:
                rc = s_feed_framed (self, data, size, &used,
                                    reason, reason_size);
                break;
            case TCP_READER_LEGACY:
                rc = s_feed_legacy (self, data, size, reason, reason_size);
                used = size;
                break;
        }
        if (rc == -1)
            return -1;
        data += used;
        size -= used;
    }
    return 0;
}

//  The peer closed its side; see tcp_reader.h.
int
tcp_reader_eof (tcp_reader_t *self, char *reason, size_t reason_size)
{
    assert (self);
    switch (self->mode) {
        case TCP_READER_DETECT:
            return 0;                   //  a connection with no bytes
        case TCP_READER_MAGIC:
            snprintf (reason, reason_size, "closed during the greeting");
            return -1;
        case TCP_READER_FRAMED:
            if (!self->frame && self->header_got == 0)
                return 0;
            snprintf (reason, reason_size,
                      "closed mid-message (%zu bytes dropped)",
                      tcp_reader_partial (self));
            return -1;
        case TCP_READER_LEGACY:
            break;
    }
    if (self->legacy_size == 0)
        return 0;
    size_t size = self->legacy_size;
    bool plausible = tcp_reader_looks_like_protobuf (self->legacy, size);
    zframe_t *frame = plausible? zframe_new (self->legacy, size): NULL;
    free (self->legacy);
    self->legacy = NULL;
    self->legacy_size = self->legacy_room = 0;
    if (!plausible) {
        snprintf (reason, reason_size,
                  "%zu bytes that are not a ProtoMessage dropped", size);
        return -1;
    }
    if (!frame) {
        snprintf (reason, reason_size,
                  "out of memory for a message of %zu bytes", size);
        return -1;
    }
    zlist_append (self->ready, frame);
    return 0;
}

//  Next whole message or NULL; the caller owns it.
zframe_t *
tcp_reader_next (tcp_reader_t *self)
{
    assert (self);
    return (zframe_t *) zlist_pop (self->ready);
}

//  The current mode.
tcp_reader_mode_t
tcp_reader_mode (tcp_reader_t *self)
{
    assert (self);
    return self->mode;
}

//  Bytes held of a message that has begun.
size_t
tcp_reader_partial (tcp_reader_t *self)
{
    assert (self);
    if (self->mode == TCP_READER_LEGACY)
        return self->legacy_size;
    if (self->mode == TCP_READER_FRAMED)
        return self->frame? TCP_HEADER_SIZE + self->frame_got:
                            self->header_got;
    return 0;
}
