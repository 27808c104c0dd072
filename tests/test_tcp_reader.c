/*  test_tcp_reader.c: the TCP stream cutter, fed byte by byte.

    tcp_reader does no I/O, so these tests feed it the captured Rust
    DTChat messages and hand-made framed streams in every split, and
    check the messages, the mode it detected and each refusal reason.
*/
#include "dtchat.h"
#include "tcp_reader.h"

#include "testutil.h"

#include <string.h>

//  Feed DATA in pieces of STEP bytes; assert each feed succeeds.
static void
s_feed (tcp_reader_t *reader, const byte *data, size_t size, size_t step)
{
    char reason [256];
    for (size_t at = 0; at < size; at += step) {
        size_t count = size - at < step? size - at: step;
        assert_int_equal (tcp_reader_feed (reader, data + at, count,
                                           reason, sizeof (reason)), 0);
    }
}

//  Every captured message is protobuf; garbage is not.
static void
test_looks_like_protobuf (void **state)
{
    const char *files [] = {
        "tcp-text-short.bin", "tcp-text-long.bin", "tcp-ack.bin",
        "tcp-ack-no-local-tcp.bin", "udp-file.bin", "udp-text-utf8.bin",
        "input-tcp-text-python.bin"
    };
    for (size_t index = 0; index < sizeof (files) / sizeof (files [0]);
         index++) {
        size_t size;
        byte *data = testutil_load ("wire",files [index], &size);
        assert_true (tcp_reader_looks_like_protobuf (data, size));
        //  Cut short, the last field runs past the end
        assert_false (tcp_reader_looks_like_protobuf (data, size - 1));
        free (data);
    }
    const char *bad [] = { "GET / HTTP/1.0\r\n\r\n", "\xd7" "DTCHAT\x01",
                           "\x00\x01", "\x0b\x0c", "\x08\xff\xff\xff\xff"
                           "\xff\xff\xff\xff\xff\xff\x01" };
    for (size_t index = 0; index < sizeof (bad) / sizeof (bad [0]); index++)
        assert_false (tcp_reader_looks_like_protobuf (
            (const byte *) bad [index], strlen (bad [index])));
    assert_false (tcp_reader_looks_like_protobuf (NULL, 0));
}

//  A Rust DTChat message ends at EOF, whatever the pieces.
static void
test_legacy (void **state)
{
    size_t steps [] = { 1, 7, 1024, 65536 };
    size_t size;
    byte *data = testutil_load ("wire","tcp-text-long.bin", &size);
    for (size_t index = 0; index < 4; index++) {
        tcp_reader_t *reader = tcp_reader_new (0, false);
        assert_non_null (reader);
        assert_int_equal (tcp_reader_mode (reader), TCP_READER_DETECT);
        s_feed (reader, data, size, steps [index]);
        assert_int_equal (tcp_reader_mode (reader), TCP_READER_LEGACY);
        assert_int_equal (tcp_reader_partial (reader), size);
        assert_null (tcp_reader_next (reader));
        char reason [256];
        assert_int_equal (tcp_reader_eof (reader, reason, sizeof (reason)),
                          0);
        zframe_t *frame = tcp_reader_next (reader);
        assert_non_null (frame);
        assert_int_equal (zframe_size (frame), size);
        assert_memory_equal (zframe_data (frame), data, size);
        zframe_destroy (&frame);
        assert_null (tcp_reader_next (reader));
        tcp_reader_destroy (&reader);
        tcp_reader_destroy (&reader);
    }
    free (data);
}

//  Legacy limits: over max_message fails as soon as it passes; garbage
//  fails at EOF; no bytes at all is no message and no error.
static void
test_legacy_limits (void **state)
{
    size_t size;
    byte *data = testutil_load ("wire","tcp-text-long.bin", &size);
    char reason [256];
    tcp_reader_t *reader = tcp_reader_new (size - 1, false);
    assert_int_equal (tcp_reader_feed (reader, data, size - 1,
                                       reason, sizeof (reason)), 0);
    assert_int_equal (tcp_reader_feed (reader, data, 1,
                                       reason, sizeof (reason)), -1);
    assert_non_null (strstr (reason, "over the limit"));
    tcp_reader_destroy (&reader);

    reader = tcp_reader_new (0, false);
    s_feed (reader, (const byte *) "hello", 5, 5);
    assert_int_equal (tcp_reader_eof (reader, reason, sizeof (reason)), -1);
    assert_non_null (strstr (reason, "not a ProtoMessage"));
    assert_null (tcp_reader_next (reader));
    tcp_reader_destroy (&reader);

    reader = tcp_reader_new (0, false);
    assert_int_equal (tcp_reader_eof (reader, reason, sizeof (reason)), 0);
    assert_null (tcp_reader_next (reader));
    tcp_reader_destroy (&reader);
    free (data);
}

//  Append a frame of DATA to STREAM.
static void
s_add_frame (zchunk_t *stream, const byte *data, size_t size)
{
    byte header [4] = { (byte) (size >> 24), (byte) (size >> 16),
                        (byte) (size >> 8), (byte) size };
    zchunk_extend (stream, header, 4);
    zchunk_extend (stream, data, size);
}

//  Greeting then frames, in every split; both sides' readers.
static void
test_framed (void **state)
{
    size_t short_size, long_size;
    byte *short_msg = testutil_load ("wire","tcp-text-short.bin", &short_size);
    byte *long_msg = testutil_load ("wire","tcp-text-long.bin", &long_size);
    zchunk_t *stream = zchunk_new (TCP_MAGIC, TCP_MAGIC_SIZE);
    for (int index = 0; index < 10; index++) {
        s_add_frame (stream, short_msg, short_size);
        s_add_frame (stream, long_msg, long_size);
    }
    size_t steps [] = { 1, 3, 5, 100, 4096, 1 << 20 };
    for (size_t step = 0; step < 6; step++)
    for (int greeted = 0; greeted < 2; greeted++) {
        tcp_reader_t *reader = tcp_reader_new (0, greeted);
        assert_int_equal (tcp_reader_mode (reader),
                          greeted? TCP_READER_MAGIC: TCP_READER_DETECT);
        s_feed (reader, zchunk_data (stream), zchunk_size (stream),
                steps [step]);
        assert_int_equal (tcp_reader_mode (reader), TCP_READER_FRAMED);
        assert_int_equal (tcp_reader_partial (reader), 0);
        for (int index = 0; index < 20; index++) {
            zframe_t *frame = tcp_reader_next (reader);
            assert_non_null (frame);
            size_t size = index % 2? long_size: short_size;
            assert_int_equal (zframe_size (frame), size);
            assert_memory_equal (zframe_data (frame),
                                 index % 2? long_msg: short_msg, size);
            zframe_destroy (&frame);
        }
        assert_null (tcp_reader_next (reader));
        char reason [256];
        assert_int_equal (tcp_reader_eof (reader, reason, sizeof (reason)),
                          0);
        tcp_reader_destroy (&reader);
    }
    zchunk_destroy (&stream);
    free (short_msg);
    free (long_msg);
}

//  Framed refusals: bad greeting, empty or oversize frame, a frame that
//  is not protobuf, EOF mid-frame or mid-greeting.
static void
test_framed_errors (void **state)
{
    char reason [256];
    //  A client's reader wants the greeting even from a 0x0a
    tcp_reader_t *reader = tcp_reader_new (0, true);
    assert_int_equal (tcp_reader_feed (reader, (const byte *) "\x0a", 1,
                                       reason, sizeof (reason)), -1);
    assert_non_null (strstr (reason, "bad greeting"));
    tcp_reader_destroy (&reader);

    reader = tcp_reader_new (0, false);
    assert_int_equal (tcp_reader_feed (reader, (const byte *) "\xd7" "DT", 3,
                                       reason, sizeof (reason)), 0);
    assert_int_equal (tcp_reader_mode (reader), TCP_READER_MAGIC);
    assert_int_equal (tcp_reader_eof (reader, reason, sizeof (reason)), -1);
    assert_non_null (strstr (reason, "greeting"));
    tcp_reader_destroy (&reader);

    reader = tcp_reader_new (0, false);
    assert_int_equal (tcp_reader_feed (reader, (const byte *) "\xd7" "DTCHAT"
                                       "\x02", 8, reason, sizeof (reason)),
                      -1);
    tcp_reader_destroy (&reader);

    reader = tcp_reader_new (100, false);
    s_feed (reader, (const byte *) TCP_MAGIC, TCP_MAGIC_SIZE, 8);
    assert_int_equal (tcp_reader_feed (reader, (const byte *) "\0\0\0\0", 4,
                                       reason, sizeof (reason)), -1);
    assert_non_null (strstr (reason, "empty frame"));
    tcp_reader_destroy (&reader);

    reader = tcp_reader_new (100, false);
    s_feed (reader, (const byte *) TCP_MAGIC, TCP_MAGIC_SIZE, 8);
    assert_int_equal (tcp_reader_feed (reader, (const byte *) "\0\0\0\x65", 4,
                                       reason, sizeof (reason)), -1);
    assert_non_null (strstr (reason, "101 bytes is over the limit of 100"));
    tcp_reader_destroy (&reader);

    //  The largest length a header can say, on the default limit
    reader = tcp_reader_new (0, false);
    s_feed (reader, (const byte *) TCP_MAGIC, TCP_MAGIC_SIZE, 8);
    assert_int_equal (tcp_reader_feed (reader, (const byte *) "\xff\xff\xff"
                                       "\xff", 4, reason, sizeof (reason)),
                      -1);
    tcp_reader_destroy (&reader);

    reader = tcp_reader_new (100, false);
    s_feed (reader, (const byte *) TCP_MAGIC "\0\0\0\x05hello",
            TCP_MAGIC_SIZE + 4, 1);
    assert_int_equal (tcp_reader_feed (reader, (const byte *) "hello", 5,
                                       reason, sizeof (reason)), -1);
    assert_non_null (strstr (reason, "not a ProtoMessage"));
    tcp_reader_destroy (&reader);

    reader = tcp_reader_new (100, false);
    s_feed (reader, (const byte *) TCP_MAGIC "\0\0\0\x05\x0a\x03",
            TCP_MAGIC_SIZE + 6, 2);
    assert_int_equal (tcp_reader_partial (reader), 6);
    assert_int_equal (tcp_reader_eof (reader, reason, sizeof (reason)), -1);
    assert_non_null (strstr (reason, "mid-message (6 bytes dropped)"));
    tcp_reader_destroy (&reader);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_looks_like_protobuf),
        cmocka_unit_test (test_legacy),
        cmocka_unit_test (test_legacy_limits),
        cmocka_unit_test (test_framed),
        cmocka_unit_test (test_framed_errors),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
