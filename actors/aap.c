/*  aap.c: uD3TN's Application Agent Protocol v1, message codec.

    transport_bp's agent client (bp_aap.c) encodes REGISTER, SENDBUNDLE
    and PING with aap_encode, parses what the agent sends with aap_parse,
    and asks here which agent id to register and whether the node that
    WELCOMEd it owns our EID; the tests parse captured uD3TN sessions
    with it. Layouts
    (uD3TN doc/ud3tn_aap.md, and the captures in testdata/bp):
        ACK NACK PING           type byte only
        REGISTER WELCOME        u16 length, EID
        SENDBUNDLE RECVBUNDLE   u16 length, EID, u64 length, payload
        SENDBIBE RECVBIBE       as SENDBUNDLE
        SENDCONFIRM CANCELBUNDLE  u64 bundle id
*/
#include "aap.h"
#include "bp_routes.h"

//  Body shape of each type.
typedef enum { S_NONE, S_EID, S_EID_PAYLOAD, S_ID, S_BAD } s_shape_t;

//  The body shape of TYPE.
static s_shape_t
s_shape (int type)
{
    switch (type) {
        case AAP_ACK: case AAP_NACK: case AAP_PING:
            return S_NONE;
        case AAP_REGISTER: case AAP_WELCOME:
            return S_EID;
        case AAP_SENDBUNDLE: case AAP_RECVBUNDLE:
        case AAP_SENDBIBE: case AAP_RECVBIBE:
            return S_EID_PAYLOAD;
        case AAP_SENDCONFIRM: case AAP_CANCELBUNDLE:
            return S_ID;
        default:
            return S_BAD;
    }
}

//  "ACK", "SENDBUNDLE", ... or "UNKNOWN".
const char *
aap_type_name (int type)
{
    static const char *names [] = {
        "ACK", "NACK", "REGISTER", "SENDBUNDLE", "RECVBUNDLE",
        "SENDCONFIRM", "CANCELBUNDLE", "WELCOME", "PING", "SENDBIBE",
        "RECVBIBE"
    };
    if (type < 0 || type > AAP_RECVBIBE)
        return "UNKNOWN";
    return names [type];
}

//  Big-endian unsigned integer of SIZE bytes.
static uint64_t
s_get (const byte *data, size_t size)
{
    uint64_t value = 0;
    for (size_t i = 0; i < size; i++)
        value = (value << 8) | data [i];
    return value;
}

//  Store VALUE big-endian in SIZE bytes.
static void
s_put (byte *data, uint64_t value, size_t size)
{
    for (size_t i = 0; i < size; i++)
        data [i] = (byte) (value >> (8 * (size - 1 - i)));
}

//  Fail with a reason.
static int
s_fail (char *reason, size_t reason_size, const char *why)
{
    if (reason && reason_size)
        snprintf (reason, reason_size, "AAP: %s", why);
    return -1;
}

//  Parse one message (see aap.h).
int
aap_parse (aap_msg_t *msg, const byte *data, size_t size,
           size_t max_payload, size_t *used_p,
           char *reason, size_t reason_size)
{
    assert (msg);
    assert (used_p);
    assert (data || size == 0);
    if (size < 1)
        return 0;
    if ((data [0] >> 4) != 1)
        return s_fail (reason, reason_size, "not a version 1 message");
    int type = data [0] & 0x0F;
    s_shape_t shape = s_shape (type);
    if (shape == S_BAD)
        return s_fail (reason, reason_size, "reserved message type");
    memset (msg, 0, sizeof *msg);
    msg->type = type;
    size_t pos = 1;
    if (shape == S_ID) {
        if (size < pos + 8)
            return 0;
        msg->bundle_id = s_get (data + pos, 8);
        *used_p = pos + 8;
        return 1;
    }
    if (shape == S_EID || shape == S_EID_PAYLOAD) {
        if (size < pos + 2)
            return 0;
        size_t length = (size_t) s_get (data + pos, 2);
        if (length >= AAP_EID_MAX)
            return s_fail (reason, reason_size, "EID too long");
        pos += 2;
        if (size < pos + length)
            return 0;
        for (size_t i = 0; i < length; i++)
            if (data [pos + i] <= ' ' || data [pos + i] > '~')
                return s_fail (reason, reason_size,
                               "EID is not printable ASCII");
        memcpy (msg->eid, data + pos, length);
        msg->eid [length] = 0;
        pos += length;
    }
    if (shape == S_EID_PAYLOAD) {
        if (size < pos + 8)
            return 0;
        uint64_t length = s_get (data + pos, 8);
        if (length > max_payload)
            return s_fail (reason, reason_size, "payload over the limit");
        pos += 8;
        if (size - pos < length)
            return 0;
        msg->payload = data + pos;
        msg->payload_size = (size_t) length;
        pos += (size_t) length;
    }
    *used_p = pos;
    return 1;
}

//  Encode MSG into a new buffer (see aap.h).
byte *
aap_encode (const aap_msg_t *msg, size_t *size_p)
{
    assert (msg);
    assert (size_p);
    s_shape_t shape = s_shape (msg->type);
    assert (shape != S_BAD);
    size_t eid_length = strnlen (msg->eid, AAP_EID_MAX);
    if (eid_length >= AAP_EID_MAX)
        return NULL;
    size_t size = 1;
    if (shape == S_ID)
        size += 8;
    if (shape == S_EID || shape == S_EID_PAYLOAD)
        size += 2 + eid_length;
    if (shape == S_EID_PAYLOAD) {
        assert (msg->payload || msg->payload_size == 0);
        if (msg->payload_size > SIZE_MAX - size - 8)
            return NULL;
        size += 8 + msg->payload_size;
    }
    byte *data = (byte *) malloc (size);
    if (!data)
        return NULL;
    data [0] = (byte) (0x10 | msg->type);
    size_t pos = 1;
    if (shape == S_ID) {
        s_put (data + pos, msg->bundle_id, 8);
        pos += 8;
    }
    if (shape == S_EID || shape == S_EID_PAYLOAD) {
        s_put (data + pos, eid_length, 2);
        memcpy (data + pos + 2, msg->eid, eid_length);
        pos += 2 + eid_length;
    }
    if (shape == S_EID_PAYLOAD) {
        s_put (data + pos, msg->payload_size, 8);
        if (msg->payload_size)
            memcpy (data + pos + 8, msg->payload, msg->payload_size);
        pos += 8 + msg->payload_size;
    }
    assert (pos == size);
    *size_p = size;
    return data;
}

//  The agent id for EID; see aap.h.
int
aap_agent_id (const char *eid, char *buf, size_t size)
{
    assert (eid && buf);
    const char *start = NULL;
    if (strncmp (eid, "ipn:", 4) == 0)
        start = strchr (eid, '.');
    else
    if (strncmp (eid, "dtn://", 6) == 0)
        start = strchr (eid + 6, '/');
    if (!start || !start [1])
        return -1;
    snprintf (buf, size, "%s", start + 1);
    return 0;
}

//  Does the node a WELCOME names own EID? See aap.h.
bool
aap_node_owns (const char *node_eid, const char *eid)
{
    assert (node_eid && eid);
    if (strncmp (node_eid, "ipn:", 4) == 0) {
        char theirs [AAP_EID_MAX], mine [AAP_EID_MAX];
        return bp_eid_node (node_eid, theirs, sizeof theirs) == 0
            && bp_eid_node (eid, mine, sizeof mine) == 0
            && streq (theirs, mine);
    }
    //  "dtn://a.dtn/" owns "dtn://a.dtn/chat"
    size_t length = strlen (node_eid);
    return length > 6 && node_eid [length - 1] == '/'
        && strncmp (eid, node_eid, length) == 0;
}
