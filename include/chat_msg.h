/*  chat_msg.h: one DTChat wire message (proto.ProtoMessage) and its codec.

    This is the only module that sees the generated dtchat.pb-c.h. A
    chat_msg_t is a plain value object, so its fields are public: callers
    read them after decode and fill them before encode. Every string is
    heap-owned by the message (NULL means absent or empty). Decoding is
    strict: bytes from the network are hostile until chat_msg_decode says
    otherwise.
*/
#ifndef CHAT_MSG_H_INCLUDED
#define CHAT_MSG_H_INCLUDED

#include "dtchat.h"

typedef enum {
    CHAT_MSG_NONE = 0,      //  no oneof member (invalid on the wire)
    CHAT_MSG_TEXT = 6,      //  TextMessage, field 6
    CHAT_MSG_ACK = 7,       //  AckMessage, field 7
    CHAT_MSG_FILE = 8       //  FileMessage, field 8
} chat_msg_kind_t;

typedef struct {
    char *uuid;             //  field 1
    char *sender_uuid;      //  field 2
    int64_t timestamp;      //  field 3, ms since the Unix epoch
    char *room_uuid;        //  field 4
    char *source_endpoint;  //  field 5
    chat_msg_kind_t kind;   //  which of 6, 7, 8
    char *text;             //  6.1 (CHAT_MSG_TEXT)
    char *ack_uuid;         //  7.1 (CHAT_MSG_ACK): the acked message's uuid
    char *file_name;        //  8.1 (CHAT_MSG_FILE)
    byte *file_data;        //  8.2
    size_t file_size;
} chat_msg_t;

//  New empty message (all NULL / 0). NULL only if out of memory.
chat_msg_t *
    chat_msg_new (void);

//  Destroy; idempotent, nulls *self_p.
void
    chat_msg_destroy (chat_msg_t **self_p);

//  New text message with a fresh uuid v4 and timestamp = now.
chat_msg_t *
    chat_msg_new_text (const char *sender_uuid, const char *room_uuid,
                       const char *source_endpoint, const char *text);

//  New ack for ACKED (its own fresh uuid, timestamp = now, the acked
//  message's room copied), sent from SOURCE_ENDPOINT ("??" if NULL, as the
//  Rust DTChat does when it has no endpoint of that protocol).
chat_msg_t *
    chat_msg_new_ack (const chat_msg_t *acked, const char *sender_uuid,
                      const char *source_endpoint);

//  Decode one ProtoMessage. Returns a new message, or NULL with a one-line
//  reason in REASON: not protobuf, no oneof member, invalid UTF-8 in a
//  string, an over-long id. Does not check that the uuid or
//  source_endpoint make sense: see chat_msg_validate.
chat_msg_t *
    chat_msg_decode (const byte *data, size_t size,
                     char *reason, size_t reason_size);

//  Check what a received message must have to be shown and acked: a
//  non-empty uuid, a source_endpoint that parses (for texts and files),
//  an ack_uuid (for acks). Returns 0, or -1 with a reason.
int
    chat_msg_validate (const chat_msg_t *self,
                       char *reason, size_t reason_size);

//  Encode as the Rust DTChat does (fields in order, empty strings omitted).
//  Returns a new buffer the caller frees, size in *SIZE_P; NULL if out of
//  memory.
byte *
    chat_msg_encode (const chat_msg_t *self, size_t *size_p);

//  Set a string field: frees the old value, copies VALUE (NULL clears).
void
    chat_msg_set (char **field_p, const char *value);

//  True if DATA is valid UTF-8 (no overlongs, no surrogates).
bool
    chat_msg_utf8_valid (const char *data, size_t size);

//  Length of the valid UTF-8 sequence at P (LEFT > 0 bytes left): 1 to
//  4, or 0 if P does not start one (by the rules above). Printers use it
//  to step over text and replace what is not UTF-8.
size_t
    chat_msg_utf8_len (const byte *p, size_t left);

//  Fill BUF (at least 37 bytes) with a new random uuid v4, lowercase text.
void
    chat_msg_uuid_new (char *buf);

#endif
