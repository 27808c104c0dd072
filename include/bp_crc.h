/*  bp_crc.h: the two CRCs of BPv7 (RFC 9171 section 4.2.1).

    CRC-16/X.25 (CRC type 1) and CRC-32C Castagnoli (CRC type 2), as
    bundle.c uses them to check and seal blocks. Both are reflected CRCs;
    the incremental form (begin, update, end) lets bundle.c feed a block
    in pieces with the CRC field's value bytes taken as zeros.
*/
#ifndef BP_CRC_H_INCLUDED
#define BP_CRC_H_INCLUDED

#include "dtchat.h"

//  CRC-16/X.25: poly 0x1021 reflected, init 0xFFFF, xorout 0xFFFF.
//  check ("123456789") = 0x906E.
uint16_t
    bp_crc16 (const byte *data, size_t size);

//  CRC-32C: poly 0x1EDC6F41 reflected, init and xorout 0xFFFFFFFF.
//  check ("123456789") = 0xE3069283.
uint32_t
    bp_crc32c (const byte *data, size_t size);

//  Incremental forms: state = begin (); state = update (state, ...);
//  crc = end (state). The state is the CRC register before xorout.
uint16_t
    bp_crc16_begin (void);
uint16_t
    bp_crc16_update (uint16_t state, const byte *data, size_t size);
uint16_t
    bp_crc16_end (uint16_t state);

uint32_t
    bp_crc32c_begin (void);
uint32_t
    bp_crc32c_update (uint32_t state, const byte *data, size_t size);
uint32_t
    bp_crc32c_end (uint32_t state);

#endif
