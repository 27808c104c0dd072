/*  chat_msg.c: one DTChat wire message (proto.ProtoMessage) and its codec.

    chat-model builds messages here and encodes them for the transports;
    what a transport receives is decoded here before anyone looks at it.
    Encoding goes through protobuf-c, which writes proto3 the way prost
    does in the Rust DTChat (fields in ascending order, empty strings and
    zero numbers omitted, the oneof member always present), so the bytes
    are identical for the same field values. Decoding is strict, since the
    bytes come from the network: protobuf-c checks the structure, and we
    add what it does not check (UTF-8, NUL bytes inside strings, id sizes,
    a oneof member). Fresh uuids come from chat_msg_uuid.c.
*/
#include "chat_msg.h"
#include "endpoint.h"
#include "pb_arena.h"
#include "dtchat.pb-c.h"

//  Deepest nesting the NUL scan follows (ProtoMessage -> member).
#define S_SCAN_DEPTH 2

//  New empty message.
chat_msg_t *
chat_msg_new (void)
{
    return (chat_msg_t *) calloc (1, sizeof (chat_msg_t));
}

//  Destroy a message; idempotent, nulls *SELF_P.
void
chat_msg_destroy (chat_msg_t **self_p)
{
    assert (self_p);
    chat_msg_t *self = *self_p;
    if (!self)
        return;
    free (self->uuid);
    free (self->sender_uuid);
    free (self->room_uuid);
    free (self->source_endpoint);
    free (self->text);
    free (self->ack_uuid);
    free (self->file_name);
    free (self->file_data);
    free (self);
    *self_p = NULL;
}

//  Set a string field to a copy of VALUE (NULL clears it).
void
chat_msg_set (char **field_p, const char *value)
{
    assert (field_p);
    free (*field_p);
    *field_p = value? strdup (value): NULL;
}

//  True if every string VALUE we were asked to copy was copied.
static bool
s_copied (const char *value, const char *copy)
{
    return !value || copy;
}

//  New text message with a fresh uuid, timestamp now.
chat_msg_t *
chat_msg_new_text (const char *sender_uuid, const char *room_uuid,
                   const char *source_endpoint, const char *text)
{
    chat_msg_t *self = chat_msg_new ();
    if (!self)
        return NULL;
    char uuid [37];
    chat_msg_uuid_new (uuid);
    chat_msg_set (&self->uuid, uuid);
    chat_msg_set (&self->sender_uuid, sender_uuid);
    chat_msg_set (&self->room_uuid, room_uuid);
    chat_msg_set (&self->source_endpoint, source_endpoint);
    chat_msg_set (&self->text, text? text: "");
    self->timestamp = dtchat_now_ms ();
    self->kind = CHAT_MSG_TEXT;
    if (!self->uuid || !self->text
    ||  !s_copied (sender_uuid, self->sender_uuid)
    ||  !s_copied (room_uuid, self->room_uuid)
    ||  !s_copied (source_endpoint, self->source_endpoint))
        chat_msg_destroy (&self);
    return self;
}

//  New ack for ACKED: own uuid, timestamp now, ACKED's room.
chat_msg_t *
chat_msg_new_ack (const chat_msg_t *acked, const char *sender_uuid,
                  const char *source_endpoint)
{
    assert (acked);
    chat_msg_t *self = chat_msg_new ();
    if (!self)
        return NULL;
    if (!source_endpoint)
        source_endpoint = "??";
    char uuid [37];
    chat_msg_uuid_new (uuid);
    chat_msg_set (&self->uuid, uuid);
    chat_msg_set (&self->sender_uuid, sender_uuid);
    chat_msg_set (&self->room_uuid, acked->room_uuid);
    chat_msg_set (&self->source_endpoint, source_endpoint);
    chat_msg_set (&self->ack_uuid, acked->uuid);
    self->timestamp = dtchat_now_ms ();
    self->kind = CHAT_MSG_ACK;
    if (!self->uuid || !self->source_endpoint
    ||  !s_copied (sender_uuid, self->sender_uuid)
    ||  !s_copied (acked->room_uuid, self->room_uuid)
    ||  !s_copied (acked->uuid, self->ack_uuid))
        chat_msg_destroy (&self);
    return self;
}

//  Length of the valid UTF-8 sequence at P, 0 if none; see chat_msg.h.
size_t
chat_msg_utf8_len (const byte *p, size_t left)
{
    assert (p && left);
    byte c = p [0];
    if (c < 0x80)
        return 1;
    size_t len;
    byte low = 0x80, high = 0xBF;     //  range of the second byte
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else
    if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            low = 0xA0;               //  no overlongs
        if (c == 0xED)
            high = 0x9F;              //  no surrogates
    }
    else
    if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            low = 0x90;               //  no overlongs
        if (c == 0xF4)
            high = 0x8F;              //  nothing above U+10FFFF
    }
    else
        return 0;
    if (left < len || p [1] < low || p [1] > high)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (p [i] < 0x80 || p [i] > 0xBF)
            return 0;
    return len;
}

//  True if DATA is valid UTF-8 (no overlongs, surrogates, or > U+10FFFF).
bool
chat_msg_utf8_valid (const char *data, size_t size)
{
    if (size && !data)
        return false;
    const byte *p = (const byte *) data;
    while (size) {
        size_t len = chat_msg_utf8_len (p, size);
        if (len == 0)
            return false;
        p += len;
        size -= len;
    }
    return true;
}

//  Read a varint at *P_P (before END); returns 0 or -1.
static int
s_varint (const byte **p_p, const byte *end, uint64_t *value_p)
{
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (*p_p >= end)
            return -1;
        byte b = *(*p_p)++;
        value |= (uint64_t) (b & 0x7F) << shift;
        if (!(b & 0x80)) {
            *value_p = value;
            return 0;
        }
    }
    return -1;
}

//  Find a string field holding a NUL byte, which a C string would cut
//  short without a word. Walks the raw bytes: ProtoMessage fields 1, 2, 4,
//  5 and field 1 of its member (6, 7, 8) are strings. Returns the field
//  number (member fields as 61, 71, 81), 0 if none, or -1 if unparseable.
static int
s_nul_field (const byte *p, const byte *end, int depth, int parent)
{
    while (p < end) {
        uint64_t tag, len;
        if (s_varint (&p, end, &tag))
            return -1;
        uint64_t field = tag >> 3;
        int wire = (int) (tag & 7);
        if (wire == 0) {
            if (s_varint (&p, end, &len))
                return -1;
            continue;
        }
        if (wire == 1 || wire == 5) {
            size_t skip = wire == 1? 8: 4;
            if ((size_t) (end - p) < skip)
                return -1;
            p += skip;
            continue;
        }
        if (wire != 2 || s_varint (&p, end, &len)
        ||  len > (uint64_t) (end - p))
            return -1;
        const byte *value = p;
        p += len;
        bool string = depth == 0? field == 1 || field == 2 || field == 4
                                  || field == 5
                                : field == 1;
        if (string && memchr (value, 0, (size_t) len))
            return depth == 0? (int) field: parent * 10 + (int) field;
        if (depth == 0 && field >= 6 && field <= 8
        &&  depth + 1 < S_SCAN_DEPTH) {
            int rc = s_nul_field (value, p, depth + 1, (int) field);
            if (rc)
                return rc;
        }
    }
    return 0;
}

//  Copy decoded string VALUE into *FIELD_P ("" stays NULL), checking
//  UTF-8 and MAX (0 = no limit). Returns 0 or -1 with a reason.
static int
s_take (char **field_p, const char *value, const char *name, size_t max,
        char *reason, size_t reason_size)
{
    *field_p = NULL;
    if (!value || !*value)
        return 0;
    size_t len = strlen (value);
    if (max && len > max) {
        snprintf (reason, reason_size, "%s too long (%zu bytes, max %zu)",
                  name, len, max);
        return -1;
    }
    if (!chat_msg_utf8_valid (value, len)) {
        snprintf (reason, reason_size, "invalid UTF-8 in %s", name);
        return -1;
    }
    *field_p = (char *) malloc (len + 1);
    if (!*field_p) {
        snprintf (reason, reason_size, "out of memory");
        return -1;
    }
    memcpy (*field_p, value, len + 1);
    return 0;
}

//  Copy the fields of a decoded ProtoMessage into SELF; 0 or -1.
static int
s_from_proto (chat_msg_t *self, const Proto__ProtoMessage *pm,
              char *reason, size_t reason_size)
{
    self->timestamp = pm->timestamp;
    if (s_take (&self->uuid, pm->uuid, "uuid", DTCHAT_ID_MAX,
                reason, reason_size)
    ||  s_take (&self->sender_uuid, pm->sender_uuid, "sender_uuid",
                DTCHAT_ID_MAX, reason, reason_size)
    ||  s_take (&self->room_uuid, pm->room_uuid, "room_uuid",
                DTCHAT_ID_MAX, reason, reason_size)
    ||  s_take (&self->source_endpoint, pm->source_endpoint,
                "source_endpoint", 0, reason, reason_size))
        return -1;
    if (pm->msg_type_case == PROTO__PROTO_MESSAGE__MSG_TYPE_TEXT
    &&  pm->text) {
        self->kind = CHAT_MSG_TEXT;
        if (s_take (&self->text, pm->text->text, "text", 0,
                    reason, reason_size))
            return -1;
        //  a text is never NULL once decoded: "" is a (strange) text
        if (!self->text && !(self->text = strdup (""))) {
            snprintf (reason, reason_size, "out of memory");
            return -1;
        }
    }
    else
    if (pm->msg_type_case == PROTO__PROTO_MESSAGE__MSG_TYPE_ACK
    &&  pm->ack) {
        self->kind = CHAT_MSG_ACK;
        if (s_take (&self->ack_uuid, pm->ack->message_uuid,
                    "ack message_uuid", DTCHAT_ID_MAX,
                    reason, reason_size))
            return -1;
    }
    else
    if (pm->msg_type_case == PROTO__PROTO_MESSAGE__MSG_TYPE_FILE
    &&  pm->file) {
        self->kind = CHAT_MSG_FILE;
        if (s_take (&self->file_name, pm->file->name, "file name", 0,
                    reason, reason_size))
            return -1;
        size_t size = pm->file->data.len;
        if (size) {
            self->file_data = (byte *) malloc (size);
            if (!self->file_data) {
                snprintf (reason, reason_size, "out of memory");
                return -1;
            }
            memcpy (self->file_data, pm->file->data.data, size);
            self->file_size = size;
        }
    }
    else {
        snprintf (reason, reason_size,
                  "no message type (text, ack or file) in message");
        return -1;
    }
    return 0;
}

//  Decode one ProtoMessage; NULL with a reason if it is not valid.
chat_msg_t *
chat_msg_decode (const byte *data, size_t size,
                 char *reason, size_t reason_size)
{
    char why [128] = "";
    chat_msg_t *self = NULL;
    Proto__ProtoMessage *pm = NULL;
    pb_arena_t arena;           //  no malloc per field: see pb_arena.h
    pb_arena_init (&arena);
    ProtobufCAllocator *allocator = &arena.allocator;
    if (!data && size)
        snprintf (why, sizeof why, "no data");
    else
    if (!(pm = proto__proto_message__unpack (allocator, size, data)))
        snprintf (why, sizeof why, "not a ProtoMessage (%zu bytes)", size);
    else {
        int field = s_nul_field (data, data + size, 0, 0);
        if (field < 0)
            snprintf (why, sizeof why, "unparseable ProtoMessage");
        else
        if (field >= 10)
            snprintf (why, sizeof why, "NUL byte in string field %d.%d",
                      field / 10, field % 10);
        else
        if (field > 0)
            snprintf (why, sizeof why, "NUL byte in string field %d",
                      field);
        else
        if (!(self = chat_msg_new ()))
            snprintf (why, sizeof why, "out of memory");
        else
        if (s_from_proto (self, pm, why, sizeof why))
            chat_msg_destroy (&self);
    }
    if (pm)
        proto__proto_message__free_unpacked (pm, allocator);
    if (!self && reason && reason_size)
        snprintf (reason, reason_size, "%s", why);
    return self;
}

//  Check what a received message needs to be shown and acked.
int
chat_msg_validate (const chat_msg_t *self, char *reason, size_t reason_size)
{
    assert (self);
    char why [DTCHAT_ENDPOINT_MAX + 128] = "";
    if (!self->uuid || !*self->uuid)
        snprintf (why, sizeof why, "missing uuid");
    else
    if (strlen (self->uuid) > DTCHAT_ID_MAX)
        snprintf (why, sizeof why, "uuid too long");
    else
    if (self->kind == CHAT_MSG_ACK) {
        if (!self->ack_uuid || !*self->ack_uuid)
            snprintf (why, sizeof why, "ack without the acked uuid");
    }
    else
    if (self->kind == CHAT_MSG_TEXT || self->kind == CHAT_MSG_FILE) {
        endpoint_t endpoint;
        char detail [DTCHAT_ENDPOINT_MAX + 64];
        if (!self->source_endpoint || !*self->source_endpoint)
            snprintf (why, sizeof why, "missing source_endpoint");
        else
        if (endpoint_parse (&endpoint, self->source_endpoint,
                            detail, sizeof detail))
            snprintf (why, sizeof why, "bad source_endpoint: %s", detail);
    }
    else
        snprintf (why, sizeof why, "no message type");
    if (*why) {
        if (reason && reason_size)
            snprintf (reason, reason_size, "%s", why);
        return -1;
    }
    return 0;
}

//  protobuf-c wants "" rather than NULL for an absent proto3 string.
static char *
s_str (char *s)
{
    return s? s: (char *) "";
}

//  Encode SELF as the Rust DTChat does; NULL if out of memory.
byte *
chat_msg_encode (const chat_msg_t *self, size_t *size_p)
{
    assert (self);
    assert (size_p);
    Proto__ProtoMessage pm = PROTO__PROTO_MESSAGE__INIT;
    Proto__TextMessage text = PROTO__TEXT_MESSAGE__INIT;
    Proto__AckMessage ack = PROTO__ACK_MESSAGE__INIT;
    Proto__FileMessage file = PROTO__FILE_MESSAGE__INIT;
    pm.uuid = s_str (self->uuid);
    pm.sender_uuid = s_str (self->sender_uuid);
    pm.timestamp = self->timestamp;
    pm.room_uuid = s_str (self->room_uuid);
    pm.source_endpoint = s_str (self->source_endpoint);
    if (self->kind == CHAT_MSG_TEXT) {
        text.text = s_str (self->text);
        pm.msg_type_case = PROTO__PROTO_MESSAGE__MSG_TYPE_TEXT;
        pm.text = &text;
    }
    else
    if (self->kind == CHAT_MSG_ACK) {
        ack.message_uuid = s_str (self->ack_uuid);
        pm.msg_type_case = PROTO__PROTO_MESSAGE__MSG_TYPE_ACK;
        pm.ack = &ack;
    }
    else
    if (self->kind == CHAT_MSG_FILE) {
        file.name = s_str (self->file_name);
        file.data.data = self->file_data;
        file.data.len = self->file_data? self->file_size: 0;
        pm.msg_type_case = PROTO__PROTO_MESSAGE__MSG_TYPE_FILE;
        pm.file = &file;
    }
    size_t size = proto__proto_message__get_packed_size (&pm);
    byte *data = (byte *) malloc (size? size: 1);
    if (!data)
        return NULL;
    size_t packed = proto__proto_message__pack (&pm, data);
    assert (packed == size);
    *size_p = size;
    return data;
}
