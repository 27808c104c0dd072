/*  bp_crc.c: CRC-16/X.25 and CRC-32C for BPv7 blocks.

    bundle.c calls these to check the CRC of every received block and to
    seal the primary block of the bundles it builds. Both CRCs are
    reflected, so one nibble-at-a-time table of 16 constants each (the
    register after four shift steps, computed offline from the reflected
    polynomial) keeps them small and table-free of mutable state.
*/
#include "bp_crc.h"

//  CRC-16/X.25 reflected polynomial 0x8408, one entry per nibble.
static const uint16_t s_crc16_nibble [16] = {
    0x0000, 0x1081, 0x2102, 0x3183, 0x4204, 0x5285, 0x6306, 0x7387,
    0x8408, 0x9489, 0xa50a, 0xb58b, 0xc60c, 0xd68d, 0xe70e, 0xf78f
};

//  CRC-32C reflected polynomial 0x82F63B78, one entry per nibble.
static const uint32_t s_crc32c_nibble [16] = {
    0x00000000, 0x105ec76f, 0x20bd8ede, 0x30e349b1,
    0x417b1dbc, 0x5125dad3, 0x61c69362, 0x7198540d,
    0x82f63b78, 0x92a8fc17, 0xa24bb5a6, 0xb21572c9,
    0xc38d26c4, 0xd3d3e1ab, 0xe330a81a, 0xf36e6f75
};

//  Initial CRC-16 register.
uint16_t
bp_crc16_begin (void)
{
    return 0xFFFF;
}

//  Feed SIZE bytes into a CRC-16 register; low nibble first (reflected).
uint16_t
bp_crc16_update (uint16_t state, const byte *data, size_t size)
{
    assert (data || size == 0);
    for (size_t i = 0; i < size; i++) {
        state ^= data [i];
        state = (uint16_t) ((state >> 4) ^ s_crc16_nibble [state & 0x0F]);
        state = (uint16_t) ((state >> 4) ^ s_crc16_nibble [state & 0x0F]);
    }
    return state;
}

//  Final CRC-16 value from a register.
uint16_t
bp_crc16_end (uint16_t state)
{
    return (uint16_t) (state ^ 0xFFFF);
}

//  CRC-16/X.25 of a whole buffer.
uint16_t
bp_crc16 (const byte *data, size_t size)
{
    return bp_crc16_end (bp_crc16_update (bp_crc16_begin (), data, size));
}

//  Initial CRC-32C register.
uint32_t
bp_crc32c_begin (void)
{
    return 0xFFFFFFFFu;
}

//  Feed SIZE bytes into a CRC-32C register; low nibble first (reflected).
uint32_t
bp_crc32c_update (uint32_t state, const byte *data, size_t size)
{
    assert (data || size == 0);
    for (size_t i = 0; i < size; i++) {
        state ^= data [i];
        state = (state >> 4) ^ s_crc32c_nibble [state & 0x0F];
        state = (state >> 4) ^ s_crc32c_nibble [state & 0x0F];
    }
    return state;
}

//  Final CRC-32C value from a register.
uint32_t
bp_crc32c_end (uint32_t state)
{
    return state ^ 0xFFFFFFFFu;
}

//  CRC-32C of a whole buffer.
uint32_t
bp_crc32c (const byte *data, size_t size)
{
    return bp_crc32c_end (bp_crc32c_update (bp_crc32c_begin (), data, size));
}
