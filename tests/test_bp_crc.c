/*  test_bp_crc.c: CRC-16/X.25 and CRC-32C of bp_crc.c.

    Check values from the CRC catalogue, the incremental form against the
    one-shot form, and the CRCs uD3TN stored in the captured bundles
    (recomputed with the CRC value bytes zeroed, as RFC 9171 says).
*/
#include "dtchat.h"
#include "bp_crc.h"

#include "testutil.h"

//  The catalogue check values of CRC-16/X.25 and CRC-32C.
static void
test_check_values (void **state)
{
    const byte *check = (const byte *) "123456789";
    assert_int_equal (bp_crc16 (check, 9), 0x906E);
    assert_int_equal (bp_crc32c (check, 9), 0xE3069283u);
    //  the empty message: init ^ xorout
    assert_int_equal (bp_crc16 (check, 0), 0x0000);
    assert_int_equal (bp_crc32c (check, 0), 0x00000000u);
    //  one more known value: CRC-32C of 32 zero bytes (RFC 3720 B.4)
    byte zeros [32] = { 0 };
    assert_int_equal (bp_crc32c (zeros, 32), 0x8A9136AAu);
    byte ones [32];
    memset (ones, 0xFF, sizeof ones);
    assert_int_equal (bp_crc32c (ones, 32), 0x62A8AB43u);
}

//  Computing in pieces gives the one-shot CRC, wherever it is split.
static void
test_incremental_matches_whole (void **state)
{
    byte data [300];
    for (size_t i = 0; i < sizeof data; i++)
        data [i] = (byte) (i * 7 + 3);
    for (size_t split = 0; split <= sizeof data; split += 13) {
        uint16_t s16 = bp_crc16_begin ();
        s16 = bp_crc16_update (s16, data, split);
        s16 = bp_crc16_update (s16, data + split, sizeof data - split);
        assert_int_equal (bp_crc16_end (s16), bp_crc16 (data, sizeof data));
        uint32_t s32 = bp_crc32c_begin ();
        s32 = bp_crc32c_update (s32, data, split);
        s32 = bp_crc32c_update (s32, data + split, sizeof data - split);
        assert_int_equal (bp_crc32c_end (s32),
                          bp_crc32c (data, sizeof data));
    }
    //  a change anywhere changes both
    uint16_t c16 = bp_crc16 (data, sizeof data);
    uint32_t c32 = bp_crc32c (data, sizeof data);
    data [150] ^= 0x01;
    assert_int_not_equal (bp_crc16 (data, sizeof data), c16);
    assert_int_not_equal (bp_crc32c (data, sizeof data), c32);
}

//  CRC over BLOCK with its last VALUE_SIZE bytes zeroed.
static uint32_t
s_block_crc (const byte *block, size_t size, size_t value_size)
{
    byte copy [256];
    assert_true (size <= sizeof copy);
    memcpy (copy, block, size);
    memset (copy + size - value_size, 0, value_size);
    return value_size == 2? bp_crc16 (copy, size): bp_crc32c (copy, size);
}

//  The CRCs uD3TN wrote into the captured bundles recompute exactly.
static void
test_captured_block_crcs (void **state)
{
    size_t size;
    //  bundle-ipn.bin: primary block at 1, 36 bytes, CRC-16 bd c9
    byte *data = testutil_load ("bp", "bundle-ipn.bin", &size);
    assert_int_equal (size, 135);
    assert_int_equal (s_block_crc (data + 1, 36, 2), 0xBDC9);
    free (data);
    //  bundle-dtn.bin: primary block at 1, 56 bytes, CRC-16 8e 52
    data = testutil_load ("bp", "bundle-dtn.bin", &size);
    assert_int_equal (size, 168);
    assert_int_equal (s_block_crc (data + 1, 56, 2), 0x8E52);
    free (data);
    //  relayed: primary (CRC-32C b905aabc) at 3, payload (CRC-16 1b5f) at 41
    data = testutil_load ("bp", "mtcp-ipn-crc32c-relayed.bin", &size);
    assert_int_equal (size, 142);
    assert_int_equal (s_block_crc (data + 3, 38, 4), 0xB905AABCu);
    assert_int_equal (s_block_crc (data + 41, 100, 2), 0x1B5F);
    free (data);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_check_values),
        cmocka_unit_test (test_incremental_matches_whole),
        cmocka_unit_test (test_captured_block_crcs),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
