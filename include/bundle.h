/*  bundle.h: BPv7 bundles (RFC 9171), strict decode and exact encode.

    transport_bp uses this to build the bundles it sends over MTCP and to
    check every bundle it receives before delivering or forwarding it.
    Decoding is strict, as everything from the network is hostile: the
    bundle must be an indefinite-length array holding a primary block
    (version 7, CRC checked, EIDs of the dtn or ipn scheme) and canonical
    blocks (each CRC checked, unique block numbers) ending with exactly
    one payload block; unknown block types are skipped when their flags
    allow and rejected when they ask for the bundle to be deleted; any
    truncation, trailing byte, wrong type, oversized length or deep
    nesting is rejected with a one-line reason. Encoding writes what
    uD3TN writes (indefinite bundle array, 9-item primary block with
    CRC-16, report-to dtn:none, payload block without CRC), so the bytes
    match uD3TN's for the same fields.

    A bundle_t is a plain value with public fields. After bundle_decode,
    PAYLOAD points into the decoded buffer (borrowed: keep the buffer).
*/
#ifndef BUNDLE_H_INCLUDED
#define BUNDLE_H_INCLUDED

#include "dtchat.h"

//  Longest EID text, with its NUL ("dtn://node/demux", "ipn:N.S").
#define BUNDLE_EID_MAX          256
//  Most canonical blocks a bundle may have.
#define BUNDLE_BLOCKS_MAX       32
//  uD3TN's default lifetime (86400 s), used for the bundles we create.
#define BUNDLE_LIFETIME_DEFAULT_MS  86400000ULL
//  The DTN epoch (2000-01-01T00:00:00Z) in ms since the Unix epoch.
#define BUNDLE_DTN_EPOCH_MS     946684800000LL

//  CRC types (RFC 9171 4.2.1).
#define BUNDLE_CRC_NONE         0
#define BUNDLE_CRC_16           1
#define BUNDLE_CRC_32C          2

//  Bundle processing control flags (RFC 9171 4.2.3).
#define BUNDLE_IS_FRAGMENT      0x000001
#define BUNDLE_ADMIN_RECORD     0x000002
#define BUNDLE_NO_FRAGMENT      0x000004

//  Block type codes and block processing control flags (4.2.4, 4.4).
#define BLOCK_PAYLOAD           1
#define BLOCK_PREVIOUS_NODE     6
#define BLOCK_BUNDLE_AGE        7
#define BLOCK_HOP_COUNT         10
#define BLOCK_DELETE_IF_UNPROCESSABLE   0x04

typedef struct {
    uint64_t flags;                 //  bundle processing control flags
    int crc_type;                   //  of the primary block
    char dest [BUNDLE_EID_MAX];     //  "ipn:2.1", "dtn://b.dtn/chat"
    char source [BUNDLE_EID_MAX];
    char report_to [BUNDLE_EID_MAX];    //  "dtn:none" for none
    uint64_t creation_ms;           //  DTN time, ms since the DTN epoch
    uint64_t sequence;
    uint64_t lifetime_ms;
    uint64_t fragment_offset;       //  only if flags & BUNDLE_IS_FRAGMENT
    uint64_t total_adu_length;
    uint64_t payload_flags;         //  the payload block's flags
    int payload_crc_type;
    const byte *payload;            //  borrowed, see above
    size_t payload_size;
    //  filled by bundle_decode only
    size_t blocks;                  //  canonical blocks, payload included
    size_t skipped;                 //  unknown blocks skipped
    bool has_age;                   //  a Bundle Age block was present
    uint64_t age_ms;
} bundle_t;

//  Reset SELF to the values dtchat sends with: no flags, CRC-16 primary
//  block, report-to dtn:none, uD3TN's default lifetime, payload block
//  without CRC, no EIDs and no payload yet.
void
    bundle_init (bundle_t *self);

//  Decode SIZE bytes at DATA into SELF. Returns 0, or -1 with a one-line
//  reason ("primary block CRC mismatch", "truncated ... at offset 17").
int
    bundle_decode (bundle_t *self, const byte *data, size_t size,
                   char *reason, size_t reason_size);

//  Encode SELF (its EIDs, times, flags, CRC types and payload). Returns
//  a new buffer the caller frees, size in *SIZE_P; NULL with a reason if
//  an EID cannot be encoded or memory ran out.
byte *
    bundle_encode (const bundle_t *self, size_t *size_p,
                   char *reason, size_t reason_size);

//  True if the bundle's lifetime has ended at DTN time NOW_MS (creation
//  time plus lifetime, or its Bundle Age when the creation time is 0).
bool
    bundle_expired (const bundle_t *self, uint64_t now_ms);

//  DTN time now (ms since 2000-01-01T00:00:00Z) from the wall clock.
uint64_t
    bundle_dtn_now_ms (void);

#endif
