/*  test_cbor.c: the small strict CBOR reader and writer of cbor.c.

    Heads of every width round-trip through the writer and reader with
    the shortest encoding; the reader rejects truncation, reserved
    additional information, indefinite lengths where a definite one is
    required, lengths and counts larger than the input, and nesting
    deeper than its limit (1000 levels), always with a reason and never
    reading past the buffer.
*/
#include "dtchat.h"
#include "cbor.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

//  Encode VALUE as a uint into BUF, return its length.
static size_t
s_encode_uint (uint64_t value, byte *buf, size_t size)
{
    cbor_writer_t w;
    cbor_writer_init (&w, buf, size);
    cbor_write_uint (&w, value);
    assert_false (w.overflow);
    return w.pos;
}

//  Unsigned integers of every head size round-trip; truncations fail.
static void
test_uint_round_trip (void **state)
{
    struct { uint64_t value; size_t size; byte first; } cases [] = {
        { 0, 1, 0x00 }, { 23, 1, 0x17 }, { 24, 2, 0x18 }, { 255, 2, 0x18 },
        { 256, 3, 0x19 }, { 65535, 3, 0x19 }, { 65536, 5, 0x1a },
        { 86400000, 5, 0x1a }, { 0xFFFFFFFFu, 5, 0x1a },
        { 0x100000000ULL, 9, 0x1b }, { 848994460178ULL, 9, 0x1b },
        { UINT64_MAX, 9, 0x1b }
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        byte buf [9];
        size_t size = s_encode_uint (cases [i].value, buf, sizeof buf);
        assert_int_equal (size, cases [i].size);
        assert_int_equal (size, cbor_head_size (cases [i].value));
        assert_int_equal (buf [0], cases [i].first);
        cbor_reader_t r;
        cbor_reader_init (&r, buf, size);
        uint64_t value = 0;
        assert_int_equal (cbor_read_uint (&r, &value), 0);
        assert_true (value == cases [i].value);
        assert_int_equal (cbor_reader_left (&r), 0);
        //  every truncation of it fails with a reason
        for (size_t cut = 0; cut < size; cut++) {
            cbor_reader_init (&r, buf, cut);
            assert_int_equal (cbor_read_uint (&r, &value), -1);
            assert_non_null (r.error);
        }
    }
    //  the captured lifetime 1a 05 26 5c 00
    byte lifetime [] = { 0x1a, 0x05, 0x26, 0x5c, 0x00 };
    cbor_reader_t r;
    cbor_reader_init (&r, lifetime, sizeof lifetime);
    uint64_t value;
    assert_int_equal (cbor_read_uint (&r, &value), 0);
    assert_true (value == 86400000);
}

//  Reserved heads and the wrong major type are errors, nothing read.
static void
test_reserved_and_wrong_types (void **state)
{
    uint64_t value;
    cbor_reader_t r;
    for (byte info = 28; info <= 30; info++) {
        byte data [9] = { info };
        cbor_reader_init (&r, data, sizeof data);
        assert_int_equal (cbor_read_uint (&r, &value), -1);
        assert_non_null (strstr (r.error, "reserved"));
    }
    //  a negative integer is not a uint; a text is not bytes
    byte neg [] = { 0x20 };
    cbor_reader_init (&r, neg, 1);
    assert_int_equal (cbor_read_uint (&r, &value), -1);
    byte text [] = { 0x61, 'a' };
    const byte *data;
    size_t size;
    cbor_reader_init (&r, text, 2);
    assert_int_equal (cbor_read_bytes (&r, &data, &size), -1);
    assert_int_equal (r.error_pos, 0);
    //  indefinite uint / tag heads are not well-formed
    byte bad [] = { 0x1f };
    cbor_reader_init (&r, bad, 1);
    assert_int_equal (cbor_read_uint (&r, &value), -1);
    byte badtag [] = { 0xdf, 0x00 };
    cbor_reader_init (&r, badtag, 2);
    assert_int_equal (cbor_skip (&r, CBOR_DEPTH_MAX), -1);
    //  the first error sticks
    cbor_reader_init (&r, neg, 1);
    assert_int_equal (cbor_read_uint (&r, &value), -1);
    const char *first = r.error;
    assert_int_equal (cbor_read_break (&r), -1);
    assert_ptr_equal (r.error, first);
}

//  Byte and text strings read in place; a length past the input fails.
static void
test_strings (void **state)
{
    byte buf [64];
    cbor_writer_t w;
    cbor_writer_init (&w, buf, sizeof buf);
    cbor_write_bytes (&w, (const byte *) "\x01\x02\x03", 3);
    cbor_write_text (&w, "//b.dtn/chat", 12);
    assert_false (w.overflow);
    assert_int_equal (buf [0], 0x43);
    assert_int_equal (buf [4], 0x6c);
    cbor_reader_t r;
    cbor_reader_init (&r, buf, w.pos);
    const byte *data;
    const char *text;
    size_t size;
    assert_int_equal (cbor_read_bytes (&r, &data, &size), 0);
    assert_int_equal (size, 3);
    assert_memory_equal (data, "\x01\x02\x03", 3);
    assert_int_equal (cbor_read_text (&r, &text, &size), 0);
    assert_int_equal (size, 12);
    assert_memory_equal (text, "//b.dtn/chat", 12);
    //  a declared length beyond the input: rejected, nothing read
    byte huge [] = { 0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                     0x00 };
    cbor_reader_init (&r, huge, sizeof huge);
    assert_int_equal (cbor_read_bytes (&r, &data, &size), -1);
    assert_non_null (strstr (r.error, "larger than the input"));
    byte short_text [] = { 0x65, 'a', 'b' };
    cbor_reader_init (&r, short_text, sizeof short_text);
    assert_int_equal (cbor_read_text (&r, &text, &size), -1);
    //  indefinite strings are refused where a definite one is required
    byte indef [] = { 0x5f, 0x41, 0x00, 0xff };
    cbor_reader_init (&r, indef, sizeof indef);
    assert_int_equal (cbor_read_bytes (&r, &data, &size), -1);
    assert_non_null (strstr (r.error, "indefinite"));
    //  ...but cbor_skip walks over them
    cbor_reader_init (&r, indef, sizeof indef);
    assert_int_equal (cbor_skip (&r, CBOR_DEPTH_MAX), 0);
    assert_int_equal (cbor_reader_left (&r), 0);
}

//  Definite arrays read; an indefinite one where a definite one is due fails.
static void
test_arrays (void **state)
{
    byte buf [32];
    cbor_writer_t w;
    cbor_writer_init (&w, buf, sizeof buf);
    cbor_write_array_indefinite (&w);
    cbor_write_array (&w, 2);
    cbor_write_uint (&w, 1);
    cbor_write_uint (&w, 0);
    cbor_write_break (&w);
    assert_int_equal (w.pos, 5);
    assert_memory_equal (buf, "\x9f\x82\x01\x00\xff", 5);
    cbor_reader_t r;
    cbor_reader_init (&r, buf, w.pos);
    uint64_t count, value;
    assert_int_equal (cbor_read_array (&r, &count), -1);   //  indefinite
    cbor_reader_init (&r, buf, w.pos);
    assert_int_equal (cbor_read_array_indefinite (&r), 0);
    assert_false (cbor_peek_break (&r));
    assert_int_equal (cbor_peek_major (&r), CBOR_ARRAY);
    assert_int_equal (cbor_read_array (&r, &count), 0);
    assert_int_equal (count, 2);
    assert_int_equal (cbor_read_uint (&r, &value), 0);
    assert_int_equal (cbor_read_uint (&r, &value), 0);
    assert_true (cbor_peek_break (&r));
    assert_int_equal (cbor_read_break (&r), 0);
    assert_int_equal (cbor_peek_major (&r), -1);
    //  a count larger than the bytes left is a lie
    byte lie [] = { 0x9b, 0, 0, 0, 1, 0, 0, 0, 0, 0x01 };
    cbor_reader_init (&r, lie, sizeof lie);
    assert_int_equal (cbor_read_array (&r, &count), -1);
    cbor_reader_init (&r, lie, sizeof lie);
    assert_int_equal (cbor_skip (&r, CBOR_DEPTH_MAX), -1);
    byte maplie [] = { 0xa2, 0x01, 0x02, 0x03 };
    cbor_reader_init (&r, maplie, sizeof maplie);
    assert_int_equal (cbor_skip (&r, CBOR_DEPTH_MAX), -1);
}

//  cbor_skip walks nested items up to its depth bound and no further.
static void
test_skip_depth (void **state)
{
    //  1000 nested one-item arrays around a zero: too deep
    size_t size = 1001;
    byte *deep = (byte *) malloc (size);
    assert_non_null (deep);
    memset (deep, 0x81, 1000);
    deep [1000] = 0x00;
    cbor_reader_t r;
    cbor_reader_init (&r, deep, size);
    assert_int_equal (cbor_skip (&r, CBOR_DEPTH_MAX), -1);
    assert_non_null (strstr (r.error, "deep"));
    //  indefinite nesting too, and unterminated
    memset (deep, 0x9f, size);
    cbor_reader_init (&r, deep, size);
    assert_int_equal (cbor_skip (&r, CBOR_DEPTH_MAX), -1);
    //  tags nest as well
    memset (deep, 0xc1, 1000);
    cbor_reader_init (&r, deep, size);
    assert_int_equal (cbor_skip (&r, CBOR_DEPTH_MAX), -1);
    free (deep);
    //  within the limit (16 levels, the leaves included) it works: 14
    //  arrays, a map, an integer key and a half float value
    byte ok [32];
    memset (ok, 0x81, 14);
    byte tail [] = { 0xa1, 0x01, 0xf9, 0x3c, 0x00 };
    memcpy (ok + 14, tail, sizeof tail);
    cbor_reader_init (&r, ok, 14 + sizeof tail);
    assert_int_equal (cbor_skip (&r, CBOR_DEPTH_MAX), 0);
    assert_int_equal (cbor_reader_left (&r), 0);
    //  a stray break is not an item
    byte stray [] = { 0xff };
    cbor_reader_init (&r, stray, 1);
    assert_int_equal (cbor_skip (&r, CBOR_DEPTH_MAX), -1);
}

//  The writer counts what it would write and flags an overflow.
static void
test_writer_counts_and_overflows (void **state)
{
    cbor_writer_t w;
    cbor_writer_init (&w, NULL, 0);
    cbor_write_uint (&w, 848994460178ULL);
    cbor_write_bytes (&w, (const byte *) "abc", 3);
    assert_int_equal (w.pos, 9 + 4);
    assert_false (w.overflow);
    byte small [4];
    cbor_writer_init (&w, small, sizeof small);
    cbor_write_uint (&w, 7);
    cbor_write_uint (&w, 848994460178ULL);
    assert_true (w.overflow);
    assert_int_equal (small [0], 0x07);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_uint_round_trip),
        cmocka_unit_test (test_reserved_and_wrong_types),
        cmocka_unit_test (test_strings),
        cmocka_unit_test (test_arrays),
        cmocka_unit_test (test_skip_depth),
        cmocka_unit_test (test_writer_counts_and_overflows),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
