/*  tcp_reader.h: cuts the byte stream of one TCP connection into messages.

    transport-tcp (through tcp_conn) feeds it every byte a connection
    receives; it tells the two wire modes of docs/PROTOCOL.md apart by the
    first byte and hands back whole ProtoMessages as frames. It does no
    I/O, so it is tested byte by byte.

    Legacy mode (the Rust DTChat): one bare ProtoMessage that ends at EOF.
    Framed mode (two dtchats): the 8-byte greeting TCP_MAGIC, then frames
    of a 4-byte big-endian length and that many bytes of one ProtoMessage.
    Everything is bounded by max_message; anything else is an error that
    closes the connection.
*/
#ifndef TCP_READER_H_INCLUDED
#define TCP_READER_H_INCLUDED

#include "dtchat.h"

//  The greeting both dtchat ends send before framed mode: 0xd7 can start
//  no protobuf message (with 'D' after it, it is a tag of wire type 7).
#define TCP_MAGIC           "\xd7" "DTCHAT" "\x01"
#define TCP_MAGIC_SIZE      8
//  A frame header: the payload length, 4 bytes big-endian.
#define TCP_HEADER_SIZE     4

typedef struct _tcp_reader_t tcp_reader_t;

typedef enum {
    TCP_READER_DETECT,      //  no byte yet: the first one decides
    TCP_READER_MAGIC,       //  matching the greeting
    TCP_READER_FRAMED,      //  length-prefixed frames
    TCP_READER_LEGACY       //  one bare message until EOF
} tcp_reader_mode_t;

//  New reader for messages of at most MAX_MESSAGE bytes. With GREETED
//  false (a listener's side) the first byte decides the mode; with it
//  true (a client's side) the stream must begin with TCP_MAGIC.
tcp_reader_t *
    tcp_reader_new (size_t max_message, bool greeted);

//  Destroy; idempotent, nulls *self_p.
void
    tcp_reader_destroy (tcp_reader_t **self_p);

//  Feed SIZE bytes. Returns 0, or -1 with a one-line reason when the
//  stream is broken (bad greeting, empty or oversize frame, a legacy
//  message over the limit): close the connection then.
int
    tcp_reader_feed (tcp_reader_t *self, const byte *data, size_t size,
                     char *reason, size_t reason_size);

//  The peer has closed its side. Completes a legacy message (when it looks
//  like protobuf). Returns 0, or -1 with a reason when bytes are lost
//  (closed mid-frame or mid-greeting, a legacy message that is garbage).
int
    tcp_reader_eof (tcp_reader_t *self, char *reason, size_t reason_size);

//  Next whole message, oldest first, or NULL. The caller owns it.
zframe_t *
    tcp_reader_next (tcp_reader_t *self);

//  The current mode.
tcp_reader_mode_t
    tcp_reader_mode (tcp_reader_t *self);

//  Bytes held of a message that has begun (0 between messages).
size_t
    tcp_reader_partial (tcp_reader_t *self);

//  True if BYTES look like one protobuf message: every top-level field
//  has a valid tag and wire type and ends inside, the last one at the
//  end. A cheap sieve for garbage; chat_msg_decode does the real check.
bool
    tcp_reader_looks_like_protobuf (const byte *data, size_t size);

#endif
