/*  aap.h: uD3TN's Application Agent Protocol v1 (AAPv1), message codec.

    transport_bp talks to a uD3TN agent over TCP or a Unix socket with
    these messages when it runs with --bp-agent aap:... Every message is
    one byte (version 1 in the high nibble, type in the low nibble) and a
    type-specific body; integers are big-endian, an EID or agent id is a
    u16 length and its bytes. aap_parse reads one message from the front
    of a byte buffer that holds whatever has arrived so far, so the
    caller can parse a stream whose reads do not line up with messages.
    Parsing is strict and bounded: version 1 only, EIDs of printable
    ASCII up to AAP_EID_MAX - 1 bytes, payloads up to a caller's limit.
    Two pure rules of the handshake live here too: the agent id for an
    EID, and whether a node's EID owns ours.
*/
#ifndef AAP_H_INCLUDED
#define AAP_H_INCLUDED

#include "dtchat.h"

//  Longest EID or agent id, with a NUL.
#define AAP_EID_MAX     256

//  Message types (the low nibble).
#define AAP_ACK         0x0
#define AAP_NACK        0x1
#define AAP_REGISTER    0x2     //  c->a  agent id
#define AAP_SENDBUNDLE  0x3     //  c->a  destination EID, payload
#define AAP_RECVBUNDLE  0x4     //  a->c  source EID, payload
#define AAP_SENDCONFIRM 0x5     //  a->c  bundle id
#define AAP_CANCELBUNDLE 0x6    //  c->a  bundle id
#define AAP_WELCOME     0x7     //  a->c  the node's EID
#define AAP_PING        0x8     //  either way, answered with ACK
#define AAP_SENDBIBE    0x9     //  c->a  destination EID, payload
#define AAP_RECVBIBE    0xA     //  a->c  source EID, payload

typedef struct {
    int type;                       //  AAP_ACK ... AAP_RECVBIBE
    char eid [AAP_EID_MAX];         //  REGISTER, WELCOME, *BUNDLE, *BIBE
    uint64_t bundle_id;             //  SENDCONFIRM, CANCELBUNDLE
    const byte *payload;            //  *BUNDLE, *BIBE: borrowed
    size_t payload_size;
} aap_msg_t;

//  Parse one message from the front of DATA (SIZE bytes so far).
//  Returns 1 with *MSG filled and *USED_P = its length (PAYLOAD points
//  into DATA), 0 if more bytes are needed, -1 with a reason if the bytes
//  are not AAPv1 (payload over MAX_PAYLOAD, bad version, bad EID).
int
    aap_parse (aap_msg_t *msg, const byte *data, size_t size,
               size_t max_payload, size_t *used_p,
               char *reason, size_t reason_size);

//  Encode MSG. Returns a new buffer the caller frees, size in *SIZE_P;
//  NULL if the EID is too long or memory ran out.
byte *
    aap_encode (const aap_msg_t *msg, size_t *size_p);

//  The agent id a client registers for EID: the service of "ipn:N.S"
//  ("1" for ipn:1.1), the demux of "dtn://node/demux" ("chat").
//  Returns 0, or -1 (BUF untouched) if EID has neither.
int
    aap_agent_id (const char *eid, char *buf, size_t size);

//  True if NODE_EID, the node a WELCOME names ("ipn:1.0",
//  "dtn://a.dtn/"), owns EID: the same ipn node number, or EID under
//  the dtn node's name.
bool
    aap_node_owns (const char *node_eid, const char *eid);

//  "ACK", "SENDBUNDLE", ... or "UNKNOWN".
const char *
    aap_type_name (int type);

#endif
