/*  test_aap.c: the AAPv1 codec (aap.c) on uD3TN's captured sessions.

    Every aap-*.bin transcript parses into exactly the messages its
    README lists (type, EID, bundle id, payload offset and length), also
    when it arrives one byte at a time; REGISTER and SENDBUNDLE encode
    byte-identically to the captured client messages; hostile input
    (wrong version, reserved types, long or non-ASCII EIDs, payloads over
    the limit) is rejected with a reason.
*/
#include "dtchat.h"
#include "aap.h"

#include "testutil.h"

//  One expected message: offset, length, type, EID, bundle id, payload
//  offset and length (in the file).
typedef struct {
    size_t offset, length;
    int type;
    const char *eid;
    uint64_t bundle_id;
    size_t payload_at, payload_size;
} s_expect_t;

typedef struct {
    const char *file;
    size_t size;
    s_expect_t msgs [4];
    size_t count;
} s_session_t;

static const s_session_t s_sessions [] = {
    { "aap-ipn-send-c2a.bin", 112, {
        { 0, 4, AAP_REGISTER, "1", 0, 0, 0 },
        { 4, 108, AAP_SENDBUNDLE, "ipn:2.1", 0, 22, 90 } }, 2 },
    { "aap-ipn-send-a2c.bin", 20, {
        { 0, 10, AAP_WELCOME, "ipn:1.0", 0, 0, 0 },
        { 10, 1, AAP_ACK, "", 0, 0, 0 },
        { 11, 9, AAP_SENDCONFIRM, "", 0x80c5ac0362120001ULL, 0, 0 } }, 3 },
    { "aap-ipn-recv-c2a.bin", 4, {
        { 0, 4, AAP_REGISTER, "1", 0, 0, 0 } }, 1 },
    { "aap-ipn-recv-a2c.bin", 119, {
        { 0, 10, AAP_WELCOME, "ipn:2.0", 0, 0, 0 },
        { 10, 1, AAP_ACK, "", 0, 0, 0 },
        { 11, 108, AAP_RECVBUNDLE, "ipn:1.1", 0, 29, 90 } }, 3 },
    { "aap-dtn-send-c2a.bin", 137, {
        { 0, 7, AAP_REGISTER, "chat", 0, 0, 0 },
        { 7, 130, AAP_SENDBUNDLE, "dtn://b.dtn/chat", 0, 34, 103 } }, 2 },
    { "aap-dtn-send-a2c.bin", 25, {
        { 0, 15, AAP_WELCOME, "dtn://a.dtn/", 0, 0, 0 },
        { 15, 1, AAP_ACK, "", 0, 0, 0 },
        { 16, 9, AAP_SENDCONFIRM, "", 0x80c5ac03ab4f0001ULL, 0, 0 } }, 3 },
    { "aap-dtn-recv-c2a.bin", 7, {
        { 0, 7, AAP_REGISTER, "chat", 0, 0, 0 } }, 1 },
    { "aap-dtn-recv-a2c.bin", 146, {
        { 0, 15, AAP_WELCOME, "dtn://b.dtn/", 0, 0, 0 },
        { 15, 1, AAP_ACK, "", 0, 0, 0 },
        { 16, 130, AAP_RECVBUNDLE, "dtn://a.dtn/chat", 0, 43, 103 } }, 3 },
    { "aap-msg-ack.bin", 1, { { 0, 1, AAP_ACK, "", 0, 0, 0 } }, 1 },
    { "aap-msg-nack.bin", 1, { { 0, 1, AAP_NACK, "", 0, 0, 0 } }, 1 },
    { "aap-msg-ping.bin", 1, { { 0, 1, AAP_PING, "", 0, 0, 0 } }, 1 },
    { "aap-msg-recvbundle-dtn.bin", 130, {
        { 0, 130, AAP_RECVBUNDLE, "dtn://a.dtn/chat", 0, 27, 103 } }, 1 },
    { "aap-msg-recvbundle-ipn.bin", 108, {
        { 0, 108, AAP_RECVBUNDLE, "ipn:1.1", 0, 18, 90 } }, 1 },
    { "aap-msg-register-dtn.bin", 7, {
        { 0, 7, AAP_REGISTER, "chat", 0, 0, 0 } }, 1 },
    { "aap-msg-register-ipn.bin", 4, {
        { 0, 4, AAP_REGISTER, "1", 0, 0, 0 } }, 1 },
    { "aap-msg-sendbundle-dtn.bin", 130, {
        { 0, 130, AAP_SENDBUNDLE, "dtn://b.dtn/chat", 0, 27, 103 } }, 1 },
    { "aap-msg-sendbundle-ipn.bin", 108, {
        { 0, 108, AAP_SENDBUNDLE, "ipn:2.1", 0, 18, 90 } }, 1 },
    { "aap-msg-sendconfirm-dtn.bin", 9, {
        { 0, 9, AAP_SENDCONFIRM, "", 0x80c5ac03ab4f0001ULL, 0, 0 } }, 1 },
    { "aap-msg-sendconfirm-ipn.bin", 9, {
        { 0, 9, AAP_SENDCONFIRM, "", 0x80c5ac0362120001ULL, 0, 0 } }, 1 },
    { "aap-msg-welcome-dtn.bin", 15, {
        { 0, 15, AAP_WELCOME, "dtn://a.dtn/", 0, 0, 0 } }, 1 },
    { "aap-msg-welcome-ipn.bin", 10, {
        { 0, 10, AAP_WELCOME, "ipn:1.0", 0, 0, 0 } }, 1 },
};
#define S_SESSIONS (sizeof s_sessions / sizeof s_sessions [0])

//  Check one parsed message against its expectation.
static void
s_check (const aap_msg_t *msg, const s_expect_t *want, const byte *file)
{
    assert_int_equal (msg->type, want->type);
    assert_string_equal (msg->eid, want->eid);
    assert_true (msg->bundle_id == want->bundle_id);
    assert_int_equal (msg->payload_size, want->payload_size);
    if (want->payload_size)
        assert_ptr_equal (msg->payload, file + want->payload_at);
    else
        assert_null (msg->payload);
}

//  Every captured uD3TN session parses message by message, each prefix asking
//  for more.
static void
test_sessions_parse (void **state)
{
    for (size_t s = 0; s < S_SESSIONS; s++) {
        const s_session_t *session = &s_sessions [s];
        size_t size;
        byte *data = testutil_load ("bp", session->file, &size);
        assert_int_equal (size, session->size);
        size_t pos = 0;
        for (size_t m = 0; m < session->count; m++) {
            const s_expect_t *want = &session->msgs [m];
            assert_int_equal (pos, want->offset);
            //  every shorter prefix of the message asks for more bytes
            for (size_t have = 0; have < want->length; have++) {
                aap_msg_t msg;
                size_t used = 0;
                assert_int_equal (aap_parse (&msg, data + pos, have, 1 << 20,
                                             &used, NULL, 0), 0);
            }
            aap_msg_t msg;
            size_t used = 0;
            char reason [256];
            assert_int_equal (aap_parse (&msg, data + pos, size - pos,
                                         1 << 20, &used, reason,
                                         sizeof reason), 1);
            assert_int_equal (used, want->length);
            s_check (&msg, want, data);
            pos += used;
        }
        assert_int_equal (pos, size);
        free (data);
    }
}

//  A RECVBUNDLE carries the UDP datagram unchanged; SENDCONFIRM the bundle id.
static void
test_payloads_are_the_datagrams (void **state)
{
    size_t size, wire_size;
    byte *data = testutil_load ("bp", "aap-msg-recvbundle-dtn.bin", &size);
    byte *wire = testutil_load ("wire", "udp-text-utf8.bin", &wire_size);
    aap_msg_t msg;
    size_t used;
    assert_int_equal (aap_parse (&msg, data, size, 1 << 20, &used,
                                 NULL, 0), 1);
    assert_int_equal (msg.payload_size, wire_size);
    assert_memory_equal (msg.payload, wire, wire_size);
    free (wire);
    free (data);
    //  and the SENDCONFIRM bundle id holds the creation time and seq
    data = testutil_load ("bp", "aap-msg-sendconfirm-ipn.bin", &size);
    assert_int_equal (aap_parse (&msg, data, size, 0, &used, NULL, 0), 1);
    assert_true (msg.bundle_id >> 63);
    assert_true (((msg.bundle_id >> 16) & ((1ULL << 46) - 1))
                 == 848994460178ULL);
    assert_int_equal (msg.bundle_id & 0xFFFF, 1);
    free (data);
}

//  Encode MSG and compare with the captured FILE.
static void
s_expect_encoding (const aap_msg_t *msg, const char *file)
{
    size_t size, want_size;
    byte *encoded = aap_encode (msg, &size);
    assert_non_null (encoded);
    byte *want = testutil_load ("bp", file, &want_size);
    assert_int_equal (size, want_size);
    assert_memory_equal (encoded, want, size);
    free (want);
    free (encoded);
}

//  What we encode is byte for byte what the uD3TN client sent.
static void
test_encode_matches_client (void **state)
{
    aap_msg_t msg;
    memset (&msg, 0, sizeof msg);
    msg.type = AAP_REGISTER;
    snprintf (msg.eid, sizeof msg.eid, "1");
    s_expect_encoding (&msg, "aap-msg-register-ipn.bin");
    snprintf (msg.eid, sizeof msg.eid, "chat");
    s_expect_encoding (&msg, "aap-msg-register-dtn.bin");

    size_t wire_size;
    byte *wire = testutil_load ("wire", "udp-text-ascii.bin", &wire_size);
    msg.type = AAP_SENDBUNDLE;
    snprintf (msg.eid, sizeof msg.eid, "ipn:2.1");
    msg.payload = wire;
    msg.payload_size = wire_size;
    s_expect_encoding (&msg, "aap-msg-sendbundle-ipn.bin");
    free (wire);
    wire = testutil_load ("wire", "udp-text-utf8.bin", &wire_size);
    snprintf (msg.eid, sizeof msg.eid, "dtn://b.dtn/chat");
    msg.payload = wire;
    msg.payload_size = wire_size;
    s_expect_encoding (&msg, "aap-msg-sendbundle-dtn.bin");
    free (wire);

    memset (&msg, 0, sizeof msg);
    msg.type = AAP_PING;
    s_expect_encoding (&msg, "aap-msg-ping.bin");
    msg.type = AAP_ACK;
    s_expect_encoding (&msg, "aap-msg-ack.bin");
    msg.type = AAP_SENDCONFIRM;
    msg.bundle_id = 0x80c5ac0362120001ULL;
    s_expect_encoding (&msg, "aap-msg-sendconfirm-ipn.bin");
    msg.type = AAP_WELCOME;
    snprintf (msg.eid, sizeof msg.eid, "dtn://a.dtn/");
    s_expect_encoding (&msg, "aap-msg-welcome-dtn.bin");
    //  an EID of AAP_EID_MAX characters cannot be encoded
    memset (msg.eid, 'a', sizeof msg.eid);
    size_t size;
    assert_null (aap_encode (&msg, &size));
    assert_string_equal (aap_type_name (AAP_SENDCONFIRM), "SENDCONFIRM");
    assert_string_equal (aap_type_name (0x0B), "UNKNOWN");
}

//  Parse DATA and expect a rejection whose reason contains WANT.
static void
s_expect_reject (const byte *data, size_t size, size_t max,
                 const char *want)
{
    aap_msg_t msg;
    size_t used = 0;
    char reason [256] = "";
    assert_int_equal (aap_parse (&msg, data, size, max, &used, reason,
                                 sizeof reason), -1);
    if (!strstr (reason, want))
        print_error ("want '%s' got '%s'\n", want, reason);
    assert_non_null (strstr (reason, want));
}

//  Bad versions, types, EIDs and payload lengths are refused with a reason.
static void
test_hostile_input (void **state)
{
    s_expect_reject ((const byte *) "\x20", 1, 100, "version");
    s_expect_reject ((const byte *) "\x00", 1, 100, "version");
    s_expect_reject ((const byte *) "\x1b", 1, 100, "reserved");
    s_expect_reject ((const byte *) "\x1f", 1, 100, "reserved");
    //  EID length 300
    s_expect_reject ((const byte *) "\x17\x01\x2c", 3, 100, "too long");
    //  EID with a NUL and with a newline
    s_expect_reject ((const byte *) "\x17\x00\x02" "a\x00", 5, 100,
                     "printable");
    s_expect_reject ((const byte *) "\x14\x00\x01\n", 4, 100, "printable");
    //  payload 2^64-1, and 101 over a limit of 100
    s_expect_reject ((const byte *) "\x14\x00\x01" "a"
                     "\xff\xff\xff\xff\xff\xff\xff\xff", 12, 100, "limit");
    s_expect_reject ((const byte *) "\x14\x00\x01" "a"
                     "\x00\x00\x00\x00\x00\x00\x00\x65", 12, 100, "limit");
    //  exactly at the limit is fine once the bytes are there
    byte ok [12 + 100];
    memcpy (ok, "\x14\x00\x01" "a" "\x00\x00\x00\x00\x00\x00\x00\x64", 12);
    memset (ok + 12, 'p', 100);
    aap_msg_t msg;
    size_t used;
    assert_int_equal (aap_parse (&msg, ok, 111, 100, &used, NULL, 0), 0);
    assert_int_equal (aap_parse (&msg, ok, sizeof ok, 100, &used,
                                 NULL, 0), 1);
    assert_int_equal (used, sizeof ok);
    //  an empty EID (deregistration) is well-formed
    assert_int_equal (aap_parse (&msg, (const byte *) "\x12\x00\x00", 3,
                                 100, &used, NULL, 0), 1);
    assert_string_equal (msg.eid, "");
}

//  The agent id of an EID, and which EIDs a WELCOMEd node owns.
static void
test_agent_id_and_owner (void **state)
{
    char id [AAP_EID_MAX] = "untouched";
    assert_int_equal (aap_agent_id ("ipn:1.1", id, sizeof id), 0);
    assert_string_equal (id, "1");
    assert_int_equal (aap_agent_id ("ipn:12.4096", id, sizeof id), 0);
    assert_string_equal (id, "4096");
    assert_int_equal (aap_agent_id ("dtn://a.dtn/chat", id, sizeof id), 0);
    assert_string_equal (id, "chat");
    assert_int_equal (aap_agent_id ("dtn://a.dtn/x/y", id, sizeof id), 0);
    assert_string_equal (id, "x/y");
    strcpy (id, "untouched");
    assert_int_equal (aap_agent_id ("dtn://a.dtn/", id, sizeof id), -1);
    assert_int_equal (aap_agent_id ("dtn://a.dtn", id, sizeof id), -1);
    assert_int_equal (aap_agent_id ("ipn:1", id, sizeof id), -1);
    assert_int_equal (aap_agent_id ("udp 1.2.3.4:5", id, sizeof id), -1);
    assert_string_equal (id, "untouched");

    assert_true (aap_node_owns ("ipn:1.0", "ipn:1.1"));
    assert_true (aap_node_owns ("ipn:1.0", "ipn:1.4096"));
    assert_false (aap_node_owns ("ipn:1.0", "ipn:11.1"));
    assert_false (aap_node_owns ("ipn:2.0", "ipn:1.1"));
    assert_false (aap_node_owns ("ipn:1.0", "dtn://a.dtn/chat"));
    assert_true (aap_node_owns ("dtn://a.dtn/", "dtn://a.dtn/chat"));
    assert_false (aap_node_owns ("dtn://a.dtn/", "dtn://a.dtnx/chat"));
    assert_false (aap_node_owns ("dtn://b.dtn/", "dtn://a.dtn/chat"));
    //  a node EID without its trailing slash names no prefix
    assert_false (aap_node_owns ("dtn://a.dtn", "dtn://a.dtn/chat"));
    assert_false (aap_node_owns ("dtn://", "dtn://a.dtn/chat"));
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_sessions_parse),
        cmocka_unit_test (test_payloads_are_the_datagrams),
        cmocka_unit_test (test_encode_matches_client),
        cmocka_unit_test (test_hostile_input),
        cmocka_unit_test (test_agent_id_and_owner),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
