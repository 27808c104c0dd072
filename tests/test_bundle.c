/*  test_bundle.c: BPv7 bundle decode and encode (bundle.c).

    Every bundle uD3TN sent in testdata/bp decodes to the fields its
    README gives, with its CRCs checked (CRC-16 and CRC-32C, and the
    relayed bundle's payload CRC); the encoder writes exactly the bytes
    of bundle-ipn.bin and bundle-dtn.bin (and of the relayed CRC-32C
    bundle) from the same fields. Hostile input is rejected with a
    reason and never crashes: every truncation, every flipped byte of a
    CRC-protected block, huge declared lengths, 1000-deep nesting,
    indefinite lengths where not allowed, unknown blocks that must be
    processed, a missing payload, trailing bytes and random bytes.
*/
#include "dtchat.h"
#include "bundle.h"
#include "cbor.h"

#include "testutil.h"

//  A captured bundle and what its README says about it.
typedef struct {
    const char *file;
    size_t skip;            //  MTCP head in front of the bundle
    const char *dest;
    const char *source;
    uint64_t creation_ms;
    int crc_type;
    int payload_crc_type;
    const char *payload_file;
    size_t payload_size;
} s_capture_t;

static const s_capture_t s_captures [] = {
    { "bundle-ipn.bin", 0, "ipn:2.1", "ipn:1.1", 848994460178ULL,
      1, 0, "udp-text-ascii.bin", 90 },
    { "bundle-dtn.bin", 0, "dtn://b.dtn/chat", "dtn://a.dtn/chat",
      848994478927ULL, 1, 0, "udp-text-utf8.bin", 103 },
    { "mtcp-ipn.bin", 2, "ipn:2.1", "ipn:1.1", 848994460178ULL,
      1, 0, "udp-text-ascii.bin", 90 },
    { "mtcp-dtn.bin", 2, "dtn://b.dtn/chat", "dtn://a.dtn/chat",
      848994478927ULL, 1, 0, "udp-text-utf8.bin", 103 },
    { "mtcp-ipn-long.bin", 3, "ipn:2.1", "ipn:1.1", 848994512851ULL,
      1, 0, "tcp-text-long.bin", 3381 },
    { "mtcp-ipn-crc32c-relayed.bin", 2, "ipn:2.1", "ipn:1.1",
      848994460178ULL, 2, 1, "udp-text-ascii.bin", 90 },
};
#define S_CAPTURES (sizeof s_captures / sizeof s_captures [0])

//  Load capture I's bundle bytes (without the MTCP head).
static byte *
s_load_bundle (size_t i, size_t *size_p)
{
    size_t size;
    byte *data = testutil_load ("bp", s_captures [i].file, &size);
    assert_true (size > s_captures [i].skip);
    memmove (data, data + s_captures [i].skip, size - s_captures [i].skip);
    *size_p = size - s_captures [i].skip;
    return data;
}

//  Every captured bundle decodes to what its README says.
static void
test_captures_decode (void **state)
{
    for (size_t i = 0; i < S_CAPTURES; i++) {
        const s_capture_t *c = &s_captures [i];
        size_t size;
        byte *data = s_load_bundle (i, &size);
        bundle_t bundle;
        char reason [256];
        int rc = bundle_decode (&bundle, data, size, reason, sizeof reason);
        if (rc)
            print_error ("%s: %s\n", c->file, reason);
        assert_int_equal (rc, 0);
        assert_string_equal (bundle.dest, c->dest);
        assert_string_equal (bundle.source, c->source);
        assert_string_equal (bundle.report_to, "dtn:none");
        assert_true (bundle.creation_ms == c->creation_ms);
        assert_int_equal (bundle.sequence, 1);
        assert_int_equal (bundle.lifetime_ms, 86400000);
        assert_int_equal (bundle.flags, 0);
        assert_int_equal (bundle.crc_type, c->crc_type);
        assert_int_equal (bundle.payload_crc_type, c->payload_crc_type);
        assert_int_equal (bundle.blocks, 1);
        assert_int_equal (bundle.skipped, 0);
        assert_int_equal (bundle.payload_size, c->payload_size);
        size_t wire_size;
        byte *wire = testutil_load ("wire", c->payload_file, &wire_size);
        assert_int_equal (wire_size, c->payload_size);
        assert_memory_equal (bundle.payload, wire, wire_size);
        assert_true (bundle.payload > data && bundle.payload < data + size);
        //  expiry: alive a ms before creation + lifetime, dead at it
        uint64_t end = c->creation_ms + 86400000;
        assert_false (bundle_expired (&bundle, end - 1));
        assert_true (bundle_expired (&bundle, end));
        free (wire);
        free (data);
    }
}

//  Fill BUNDLE with capture I's fields and its payload from WIRE.
static void
s_fields (bundle_t *bundle, size_t i, byte **wire)
{
    const s_capture_t *c = &s_captures [i];
    bundle_init (bundle);
    snprintf (bundle->dest, sizeof bundle->dest, "%s", c->dest);
    snprintf (bundle->source, sizeof bundle->source, "%s", c->source);
    bundle->creation_ms = c->creation_ms;
    bundle->sequence = 1;
    bundle->crc_type = c->crc_type;
    bundle->payload_crc_type = c->payload_crc_type;
    *wire = testutil_load ("wire", c->payload_file, &bundle->payload_size);
    bundle->payload = *wire;
}

//  Encoding the captures' fields gives their bytes back exactly.
static void
test_encode_matches_captures (void **state)
{
    //  bundle-ipn, bundle-dtn, the long one and the relayed CRC-32C one
    size_t which [] = { 0, 1, 4, 5 };
    for (size_t k = 0; k < sizeof which / sizeof which [0]; k++) {
        size_t i = which [k];
        bundle_t bundle;
        byte *wire;
        s_fields (&bundle, i, &wire);
        //  defaults are uD3TN's
        if (i < 2) {
            assert_int_equal (bundle.lifetime_ms, 86400000);
            assert_string_equal (bundle.report_to, "dtn:none");
        }
        size_t size, want_size;
        char reason [256];
        byte *encoded = bundle_encode (&bundle, &size, reason, sizeof reason);
        assert_non_null (encoded);
        byte *want = s_load_bundle (i, &want_size);
        assert_int_equal (size, want_size);
        assert_memory_equal (encoded, want, size);
        free (want);
        free (encoded);
        free (wire);
    }
}

//  Bad EIDs are refused at encode; unusual valid ones round-trip.
static void
test_encode_rejects_bad_eids (void **state)
{
    const char *bad [] = {
        "ipn:", "ipn:1", "ipn:1.", "ipn:x.1", "ipn:1.2.3", "ipn:-1.2",
        "ipn:99999999999999999999.1", "dtn://", "dtn://a b/c", "udp:1",
        "", "dtn:"
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++) {
        bundle_t bundle;
        bundle_init (&bundle);
        snprintf (bundle.dest, sizeof bundle.dest, "%s", bad [i]);
        snprintf (bundle.source, sizeof bundle.source, "ipn:1.1");
        size_t size;
        char reason [256] = "";
        byte *encoded = bundle_encode (&bundle, &size, reason, sizeof reason);
        if (encoded)
            print_error ("encoded '%s'\n", bad [i]);
        assert_null (encoded);
        assert_non_null (strstr (reason, "destination"));
    }
    //  a round trip through encode and decode for unusual but valid EIDs
    bundle_t bundle;
    bundle_init (&bundle);
    snprintf (bundle.dest, sizeof bundle.dest, "ipn:18446744073709551615.0");
    snprintf (bundle.source, sizeof bundle.source, "dtn://n/a/b/c");
    bundle.creation_ms = 1;
    bundle.sequence = 70000;
    bundle.crc_type = BUNDLE_CRC_32C;
    bundle.payload_crc_type = BUNDLE_CRC_32C;
    bundle.payload = (const byte *) "x";
    bundle.payload_size = 1;
    size_t size;
    byte *encoded = bundle_encode (&bundle, &size, NULL, 0);
    assert_non_null (encoded);
    bundle_t back;
    char reason [256];
    assert_int_equal (bundle_decode (&back, encoded, size, reason,
                                     sizeof reason), 0);
    assert_string_equal (back.dest, bundle.dest);
    assert_string_equal (back.source, bundle.source);
    assert_int_equal (back.sequence, 70000);
    assert_int_equal (back.payload_crc_type, BUNDLE_CRC_32C);
    free (encoded);
}

//  Every truncation of every capture fails with a reason, no overread.
static void
test_every_truncation_rejected (void **state)
{
    for (size_t i = 0; i < S_CAPTURES; i++) {
        size_t size;
        byte *data = s_load_bundle (i, &size);
        for (size_t cut = 0; cut < size; cut++) {
            //  a fresh copy of exactly CUT bytes, so ASan sees overreads
            byte *copy = (byte *) malloc (cut? cut: 1);
            memcpy (copy, data, cut);
            bundle_t bundle;
            char reason [256] = "";
            assert_int_equal (bundle_decode (&bundle, copy, cut, reason,
                                             sizeof reason), -1);
            assert_true (strlen (reason) > 0);
            free (copy);
        }
        free (data);
    }
}

//  A flipped byte under a CRC is caught.
static void
test_flipped_bytes_rejected (void **state)
{
    //  bundle-ipn: every byte of the primary block is under its CRC-16
    //  (offsets 1..36); the relayed one has CRCs on both blocks
    struct { size_t capture, from, to; } spans [] = {
        { 0, 1, 37 }, { 1, 1, 57 }, { 5, 1, 140 }
    };
    for (size_t s = 0; s < 3; s++) {
        size_t size;
        byte *data = s_load_bundle (spans [s].capture, &size);
        for (size_t at = spans [s].from; at < spans [s].to; at++) {
            for (int bit = 0; bit < 8; bit++) {
                data [at] ^= (byte) (1 << bit);
                bundle_t bundle;
                char reason [256] = "";
                assert_int_equal (bundle_decode (&bundle, data, size,
                                                 reason, sizeof reason), -1);
                assert_true (strlen (reason) > 0);
                data [at] ^= (byte) (1 << bit);
            }
        }
        free (data);
    }
    //  the CRC value bytes themselves: the reason names the CRC
    size_t size;
    byte *data = s_load_bundle (0, &size);
    data [35] ^= 0x01;
    bundle_t bundle;
    char reason [256];
    assert_int_equal (bundle_decode (&bundle, data, size, reason,
                                     sizeof reason), -1);
    assert_non_null (strstr (reason, "CRC-16 mismatch"));
    free (data);
    data = s_load_bundle (5, &size);
    data [36] ^= 0x80;
    assert_int_equal (bundle_decode (&bundle, data, size, reason,
                                     sizeof reason), -1);
    assert_non_null (strstr (reason, "CRC-32C mismatch"));
    data [36] ^= 0x80;
    data [137] ^= 0x01;         //  payload block CRC
    assert_int_equal (bundle_decode (&bundle, data, size, reason,
                                     sizeof reason), -1);
    assert_non_null (strstr (reason, "block 1: CRC-16 mismatch"));
    free (data);
}

//  Build a bundle: bundle-ipn's primary block, then BLOCKS (raw CBOR),
//  then TAIL; returns its size in BUF.
static size_t
s_build (byte *buf, size_t max, const byte *blocks, size_t blocks_size,
         const byte *tail, size_t tail_size)
{
    size_t size;
    byte *ipn = s_load_bundle (0, &size);
    assert_true (1 + 36 + blocks_size + tail_size <= max);
    memcpy (buf, ipn, 37);      //  9f + primary block
    if (blocks_size)
        memcpy (buf + 37, blocks, blocks_size);
    if (tail_size)
        memcpy (buf + 37 + blocks_size, tail, tail_size);
    free (ipn);
    return 37 + blocks_size + tail_size;
}

//  Decode and expect failure with WANT in the reason.
static void
s_expect_reject (const byte *data, size_t size, const char *want)
{
    bundle_t bundle;
    char reason [256] = "";
    int rc = bundle_decode (&bundle, data, size, reason, sizeof reason);
    if (rc == 0 || !strstr (reason, want))
        print_error ("want '%s', got rc=%d '%s'\n", want, rc, reason);
    assert_int_equal (rc, -1);
    assert_non_null (strstr (reason, want));
}

//  Bundles of the wrong shape are refused, each with a reason.
static void
test_structure_rejected (void **state)
{
    byte buf [4096];
    const byte payload [] = { 0x85, 0x01, 0x01, 0x00, 0x00, 0x41, 'x' };
    const byte brk [] = { 0xff };
    size_t size;
    //  the reference: primary + payload + break decodes
    size = s_build (buf, sizeof buf, payload, sizeof payload, brk, 1);
    bundle_t bundle;
    char reason [256];
    assert_int_equal (bundle_decode (&bundle, buf, size, reason,
                                     sizeof reason), 0);
    assert_int_equal (bundle.payload_size, 1);
    //  no payload block
    size = s_build (buf, sizeof buf, NULL, 0, brk, 1);
    s_expect_reject (buf, size, "no payload block");
    //  trailing bytes
    byte trail [] = { 0xff, 0x00 };
    size = s_build (buf, sizeof buf, payload, sizeof payload, trail, 2);
    s_expect_reject (buf, size, "trailing bytes");
    //  a definite outer array
    size = s_build (buf, sizeof buf, payload, sizeof payload, brk, 1);
    buf [0] = 0x82;
    s_expect_reject (buf, size, "indefinite-length array");
    //  payload data as an indefinite byte string
    const byte indef [] = { 0x85, 0x01, 0x01, 0x00, 0x00,
                            0x5f, 0x41, 'x', 0xff };
    size = s_build (buf, sizeof buf, indef, sizeof indef, brk, 1);
    s_expect_reject (buf, size, "indefinite length");
    //  a block as an indefinite array
    const byte indef_block [] = { 0x9f, 0x01, 0x01, 0x00, 0x00,
                                  0x41, 'x', 0xff };
    size = s_build (buf, sizeof buf, indef_block, sizeof indef_block,
                    brk, 1);
    s_expect_reject (buf, size, "not a definite array");
    //  payload with a huge declared length
    const byte huge [] = { 0x85, 0x01, 0x01, 0x00, 0x00,
                           0x5b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff,
                           0xff, 0xff, 'x' };
    size = s_build (buf, sizeof buf, huge, sizeof huge, brk, 1);
    s_expect_reject (buf, size, "larger than the input");
    //  a block with a huge declared item count
    const byte many [] = { 0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                           0xff, 0xff };
    size = s_build (buf, sizeof buf, many, sizeof many, brk, 1);
    s_expect_reject (buf, size, "larger than the input");
    //  a block after the payload block
    byte two [64];
    memcpy (two, payload, sizeof payload);
    const byte ext [] = { 0x85, 0x18, 0xc0, 0x02, 0x00, 0x00, 0x40 };
    memcpy (two + sizeof payload, ext, sizeof ext);
    size = s_build (buf, sizeof buf, two, sizeof payload + sizeof ext,
                    brk, 1);
    s_expect_reject (buf, size, "follows the payload");
    //  an unknown block (type 192) before the payload: skipped...
    memcpy (two, ext, sizeof ext);
    memcpy (two + sizeof ext, payload, sizeof payload);
    size = s_build (buf, sizeof buf, two, sizeof payload + sizeof ext,
                    brk, 1);
    assert_int_equal (bundle_decode (&bundle, buf, size, reason,
                                     sizeof reason), 0);
    assert_int_equal (bundle.skipped, 1);
    assert_int_equal (bundle.blocks, 2);
    //  ...unless its flags say "delete the bundle if not processed"
    two [4] = BLOCK_DELETE_IF_UNPROCESSABLE;
    size = s_build (buf, sizeof buf, two, sizeof payload + sizeof ext,
                    brk, 1);
    s_expect_reject (buf, size, "unknown block type");
    //  duplicate block numbers
    two [4] = 0;
    two [3] = 0x01;
    size = s_build (buf, sizeof buf, two, sizeof payload + sizeof ext,
                    brk, 1);
    s_expect_reject (buf, size, "duplicate block number");
    //  payload block with number 2
    const byte payload2 [] = { 0x85, 0x01, 0x02, 0x00, 0x00, 0x41, 'x' };
    size = s_build (buf, sizeof buf, payload2, sizeof payload2, brk, 1);
    s_expect_reject (buf, size, "payload block number");
    //  block CRC type 1 with only five items
    const byte crcless [] = { 0x85, 0x01, 0x01, 0x00, 0x01, 0x41, 'x' };
    size = s_build (buf, sizeof buf, crcless, sizeof crcless, brk, 1);
    s_expect_reject (buf, size, "CRC type");
    //  a Bundle Age block is read
    const byte age [] = { 0x85, 0x07, 0x02, 0x00, 0x00, 0x42, 0x18, 0x64 };
    memcpy (two, age, sizeof age);
    memcpy (two + sizeof age, payload, sizeof payload);
    size = s_build (buf, sizeof buf, two, sizeof age + sizeof payload,
                    brk, 1);
    assert_int_equal (bundle_decode (&bundle, buf, size, reason,
                                     sizeof reason), 0);
    assert_true (bundle.has_age);
    assert_int_equal (bundle.age_ms, 100);
    //  too many blocks (40 unknown ones, numbers 64..103)
    size_t pos = 0;
    byte many_blocks [4096];
    for (int i = 0; i < 40; i++) {
        const byte b [] = { 0x85, 0x18, 0xc0, 0x18, (byte) (0x40 + i),
                            0x00, 0x00, 0x40 };
        memcpy (many_blocks + pos, b, sizeof b);
        pos += sizeof b;
    }
    memcpy (many_blocks + pos, payload, sizeof payload);
    pos += sizeof payload;
    size = s_build (buf, sizeof buf, many_blocks, pos, brk, 1);
    s_expect_reject (buf, size, "too many blocks");
}

//  Bad primary blocks (version, CRC type, flags, EID scheme) are refused.
static void
test_primary_rejected (void **state)
{
    size_t size;
    byte *data = s_load_bundle (0, &size);
    bundle_t bundle;
    char reason [256];
    //  version 6
    data [2] = 0x06;
    s_expect_reject (data, size, "version 7");
    data [2] = 0x07;
    //  CRC type 3
    data [4] = 0x03;
    s_expect_reject (data, size, "CRC type");
    //  CRC type 0 with 9 items
    data [4] = 0x00;
    s_expect_reject (data, size, "item count");
    data [4] = 0x01;
    //  fragment flag without the fragment fields
    data [3] = 0x01;
    s_expect_reject (data, size, "item count");
    data [3] = 0x00;
    //  unsupported EID scheme 3 in the destination
    data [6] = 0x03;
    s_expect_reject (data, size, "destination EID");
    data [6] = 0x02;
    //  primary block as an indefinite array
    data [1] = 0x9f;
    s_expect_reject (data, size, "primary block");
    data [1] = 0x89;
    assert_int_equal (bundle_decode (&bundle, data, size, reason,
                                     sizeof reason), 0);
    free (data);
    //  dtn EID that is not //NODE/DEMUX
    data = s_load_bundle (1, &size);
    data [8] = '/';
    data [9] = '/';
    data [10] = '/';
    s_expect_reject (data, size, "destination EID");
    free (data);
    data = s_load_bundle (1, &size);
    data [12] = 0x07;               //  a control byte inside the text
    s_expect_reject (data, size, "printable");
    free (data);
}

//  Deep nesting anywhere fails at the depth bound, not the stack.
static void
test_deep_nesting_rejected (void **state)
{
    //  1000-deep nesting as the bundle, as the primary block, in an EID
    size_t size = 1100;
    byte *deep = (byte *) malloc (size);
    memset (deep, 0x9f, size);
    s_expect_reject (deep, size, "primary block");
    memset (deep, 0x81, size);
    deep [0] = 0x9f;
    s_expect_reject (deep, size, "primary block");
    size_t ipn_size;
    byte *ipn = s_load_bundle (0, &ipn_size);
    memcpy (deep, ipn, 6);          //  9f 89 07 00 01 82
    deep [6] = 0x02;
    memset (deep + 7, 0x81, size - 7);
    s_expect_reject (deep, size, "destination EID");
    free (ipn);
    free (deep);
}

//  Random bytes and mutated bundles never crash; what decodes is in bounds.
static void
test_random_input_survives (void **state)
{
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    //  pure random bytes: never valid, never a crash
    for (int round = 0; round < 20000; round++) {
        size_t size = (size_t) (testutil_rand (&seed) % 300);
        byte *data = (byte *) malloc (size? size: 1);
        for (size_t i = 0; i < size; i++)
            data [i] = (byte) testutil_rand (&seed);
        bundle_t bundle;
        char reason [256] = "";
        int rc = bundle_decode (&bundle, data, size, reason, sizeof reason);
        assert_int_equal (rc, -1);
        assert_true (strlen (reason) > 0);
        free (data);
    }
    //  random mutations of real bundles: whatever decodes is in bounds
    int accepted = 0;
    for (int round = 0; round < 20000; round++) {
        size_t size;
        size_t capture = (size_t) (testutil_rand (&seed) % S_CAPTURES);
        byte *data = s_load_bundle (capture, &size);
        int flips = 1 + (int) (testutil_rand (&seed) % 4);
        for (int f = 0; f < flips; f++)
            data [testutil_rand (&seed) % size] = (byte) testutil_rand (&seed);
        bundle_t bundle;
        char reason [256];
        if (bundle_decode (&bundle, data, size, reason, sizeof reason) == 0) {
            accepted++;
            assert_true (bundle.payload >= data);
            assert_true (bundle.payload + bundle.payload_size
                         <= data + size);
        }
        free (data);
    }
    //  only flips inside unprotected payload bytes can pass
    assert_true (accepted < 20000);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_captures_decode),
        cmocka_unit_test (test_encode_matches_captures),
        cmocka_unit_test (test_encode_rejects_bad_eids),
        cmocka_unit_test (test_every_truncation_rejected),
        cmocka_unit_test (test_flipped_bytes_rejected),
        cmocka_unit_test (test_structure_rejected),
        cmocka_unit_test (test_primary_rejected),
        cmocka_unit_test (test_deep_nesting_rejected),
        cmocka_unit_test (test_random_input_survives),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
