/*  test_mtcp.c: MTCP framing (mtcp.c) on uD3TN's captured streams.

    Every mtcp-*.bin stream yields exactly its one bundle, whether it is
    fed whole, split at every possible point, byte by byte, or all four
    streams back to back in random-sized reads. Frame heads are the
    minimal CBOR byte-string heads uD3TN writes. Hostile streams (not a
    byte string, indefinite, empty, over the limit) break the reader
    with a reason and without allocating the declared length.
*/
#include "dtchat.h"
#include "mtcp.h"

#include "testutil.h"

static const char *s_files [] = {
    "mtcp-ipn.bin", "mtcp-dtn.bin", "mtcp-ipn-long.bin",
    "mtcp-ipn-crc32c-relayed.bin"
};
static const size_t s_heads [] = { 2, 2, 3, 2 };

//  Take the one bundle out of READER and compare it with WANT.
static void
s_expect_bundle (mtcp_reader_t *reader, const byte *want, size_t size)
{
    zchunk_t *chunk = mtcp_reader_next (reader);
    assert_non_null (chunk);
    assert_int_equal (zchunk_size (chunk), size);
    assert_memory_equal (zchunk_data (chunk), want, size);
    zchunk_destroy (&chunk);
}

//  Each captured MTCP stream gives its bundle, whole or split anywhere.
static void
test_whole_and_split (void **state)
{
    for (size_t f = 0; f < 4; f++) {
        size_t size;
        byte *data = testutil_load ("bp",s_files [f], &size);
        const byte *bundle = data + s_heads [f];
        size_t bundle_size = size - s_heads [f];
        //  the head is what mtcp_frame_head writes
        byte head [MTCP_HEAD_MAX];
        assert_int_equal (mtcp_frame_head (bundle_size, head), s_heads [f]);
        assert_memory_equal (head, data, s_heads [f]);
        //  split in two at every point (the long one every 7th point)
        for (size_t cut = 0; cut <= size; cut += (f == 2? 7: 1)) {
            mtcp_reader_t *reader = mtcp_reader_new (1 << 20);
            assert_int_equal (mtcp_reader_feed (reader, data, cut,
                                                NULL, 0), 0);
            if (cut < size) {
                assert_null (mtcp_reader_next (reader));
                assert_int_equal (mtcp_reader_partial (reader), cut);
            }
            assert_int_equal (mtcp_reader_feed (reader, data + cut,
                                                size - cut, NULL, 0), 0);
            assert_int_equal (mtcp_reader_partial (reader), 0);
            s_expect_bundle (reader, bundle, bundle_size);
            assert_null (mtcp_reader_next (reader));
            mtcp_reader_destroy (&reader);
        }
        //  byte by byte
        mtcp_reader_t *reader = mtcp_reader_new (1 << 20);
        for (size_t i = 0; i < size; i++)
            assert_int_equal (mtcp_reader_feed (reader, data + i, 1,
                                                NULL, 0), 0);
        s_expect_bundle (reader, bundle, bundle_size);
        mtcp_reader_destroy (&reader);
        mtcp_reader_destroy (&reader);      //  idempotent
        free (data);
    }
}

//  Bundles back to back, read in random pieces, come out in order.
static void
test_back_to_back_random_reads (void **state)
{
    size_t total = 0, sizes [4];
    byte *files [4];
    for (size_t f = 0; f < 4; f++) {
        files [f] = testutil_load ("bp",s_files [f], &sizes [f]);
        total += sizes [f];
    }
    byte *stream = (byte *) malloc (total * 3);
    size_t pos = 0;
    for (int rep = 0; rep < 3; rep++)
        for (size_t f = 0; f < 4; f++) {
            memcpy (stream + pos, files [f], sizes [f]);
            pos += sizes [f];
        }
    uint64_t seed = 12345;
    mtcp_reader_t *reader = mtcp_reader_new (1 << 20);
    for (size_t at = 0; at < pos;) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        size_t take = 1 + (size_t) ((seed >> 33) % 300);
        if (take > pos - at)
            take = pos - at;
        assert_int_equal (mtcp_reader_feed (reader, stream + at, take,
                                            NULL, 0), 0);
        at += take;
    }
    for (int rep = 0; rep < 3; rep++)
        for (size_t f = 0; f < 4; f++)
            s_expect_bundle (reader, files [f] + s_heads [f],
                             sizes [f] - s_heads [f]);
    assert_null (mtcp_reader_next (reader));
    mtcp_reader_destroy (&reader);
    free (stream);
    for (size_t f = 0; f < 4; f++)
        free (files [f]);
}

//  Frame heads are the shortest CBOR byte string heads.
static void
test_frame_heads (void **state)
{
    byte head [MTCP_HEAD_MAX];
    assert_int_equal (mtcp_frame_head (10, head), 1);
    assert_int_equal (head [0], 0x4a);
    assert_int_equal (mtcp_frame_head (135, head), 2);
    assert_memory_equal (head, "\x58\x87", 2);
    assert_int_equal (mtcp_frame_head (3427, head), 3);
    assert_memory_equal (head, "\x59\x0d\x63", 3);
    assert_int_equal (mtcp_frame_head (70000, head), 5);
    assert_memory_equal (head, "\x5a\x00\x01\x11\x70", 5);
}

//  Feed DATA to a fresh reader (limit MAX) and expect a broken stream
//  whose reason contains WANT.
static void
s_expect_broken (const byte *data, size_t size, size_t max, const char *want)
{
    mtcp_reader_t *reader = mtcp_reader_new (max);
    char reason [256] = "";
    assert_int_equal (mtcp_reader_feed (reader, data, size, reason,
                                        sizeof reason), -1);
    if (!strstr (reason, want))
        print_error ("want '%s' got '%s'\n", want, reason);
    assert_non_null (strstr (reason, want));
    assert_null (mtcp_reader_next (reader));
    //  it stays broken
    assert_int_equal (mtcp_reader_feed (reader, (const byte *) "\x41x", 2,
                                        reason, sizeof reason), -1);
    mtcp_reader_destroy (&reader);
}

//  Hostile streams break the reader without big allocations.
static void
test_hostile_streams (void **state)
{
    s_expect_broken ((const byte *) "\x9f\x89", 2, 1000, "byte string");
    s_expect_broken ((const byte *) "\x5f\x41x\xff", 4, 1000, "indefinite");
    s_expect_broken ((const byte *) "\x40", 1, 1000, "empty frame");
    s_expect_broken ((const byte *) "\x58\x87", 2, 100, "limit");
    //  2^63 declared: refused at the head, nothing allocated for it
    s_expect_broken ((const byte *)
                     "\x5b\x80\x00\x00\x00\x00\x00\x00\x00", 9,
                     DTCHAT_MAX_MESSAGE_DEFAULT, "limit");
    s_expect_broken ((const byte *) "\x5c", 1, 1000, "reserved");
    //  a good frame, then garbage: the good bundle is still handed out
    size_t size;
    byte *data = testutil_load ("bp","mtcp-ipn.bin", &size);
    byte *stream = (byte *) malloc (size + 1);
    memcpy (stream, data, size);
    stream [size] = 0x00;
    mtcp_reader_t *reader = mtcp_reader_new (1000);
    char reason [256];
    assert_int_equal (mtcp_reader_feed (reader, stream, size + 1, reason,
                                        sizeof reason), -1);
    s_expect_bundle (reader, data + 2, size - 2);
    mtcp_reader_destroy (&reader);
    free (stream);
    free (data);
    //  a 16 MiB declared frame with only a few bytes: partial, small
    reader = mtcp_reader_new (DTCHAT_MAX_MESSAGE_DEFAULT);
    assert_int_equal (mtcp_reader_feed (reader, (const byte *)
                                        "\x5a\x01\x00\x00\x00" "abc", 8,
                                        NULL, 0), 0);
    assert_int_equal (mtcp_reader_partial (reader), 5 + 3);
    assert_null (mtcp_reader_next (reader));
    mtcp_reader_destroy (&reader);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_whole_and_split),
        cmocka_unit_test (test_back_to_back_random_reads),
        cmocka_unit_test (test_frame_heads),
        cmocka_unit_test (test_hostile_streams),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
