/*  fuzz_bundle.c: libFuzzer target for the BPv7 bundle decoder.

    Feeds arbitrary bytes to bundle_decode; a bundle that decodes must
    have its payload inside the input, and re-encoding its fields must
    give a bundle that decodes to the same fields (the fuzzer's
    sanitizers catch crashes, overreads and leaks). The same bytes also
    go through the MTCP frame reader in two pieces, and every frame it
    yields through the decoder. Built only with -DDTCHAT_FUZZ=ON and
    CC=clang; seed it with testdata/bp.
*/
#include "dtchat.h"
#include "bundle.h"
#include "mtcp.h"

//  Abort unless A and B hold the same fields.
static void
s_compare (const bundle_t *a, const bundle_t *b)
{
    bool same = a->flags == b->flags && a->crc_type == b->crc_type
        && streq (a->dest, b->dest) && streq (a->source, b->source)
        && streq (a->report_to, b->report_to)
        && a->creation_ms == b->creation_ms && a->sequence == b->sequence
        && a->lifetime_ms == b->lifetime_ms
        && a->fragment_offset == b->fragment_offset
        && a->total_adu_length == b->total_adu_length
        && a->payload_flags == b->payload_flags
        && a->payload_crc_type == b->payload_crc_type
        && a->payload_size == b->payload_size
        && (a->payload_size == 0
            || memcmp (a->payload, b->payload, a->payload_size) == 0);
    if (!same)
        abort ();
}

//  Decode DATA; check what decodes.
static void
s_check (const uint8_t *data, size_t size)
{
    bundle_t bundle;
    char reason [256];
    if (bundle_decode (&bundle, data, size, reason, sizeof reason)) {
        if (!*reason)
            abort ();           //  every rejection has a reason
        return;
    }
    if (bundle.payload < data
    ||  bundle.payload + bundle.payload_size > data + size)
        abort ();
    //  creation time 0 needs a Bundle Age block, which we do not write
    if (bundle.creation_ms == 0)
        return;
    size_t encoded_size;
    byte *encoded = bundle_encode (&bundle, &encoded_size, reason,
                                   sizeof reason);
    if (!encoded)
        abort ();
    bundle_t again;
    if (bundle_decode (&again, encoded, encoded_size, reason, sizeof reason))
        abort ();
    s_compare (&bundle, &again);
    free (encoded);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

//  One input: decode it, then its MTCP frames, each checked as above.
int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    s_check (data, size);
    mtcp_reader_t *reader = mtcp_reader_new (1 << 20);
    if (!reader)
        return 0;
    size_t split = size? data [0] % (size + 1): 0;
    if (mtcp_reader_feed (reader, data, split, NULL, 0) == 0)
        mtcp_reader_feed (reader, data + split, size - split, NULL, 0);
    zchunk_t *frame;
    while ((frame = mtcp_reader_next (reader))) {
        s_check (zchunk_data (frame), zchunk_size (frame));
        zchunk_destroy (&frame);
    }
    mtcp_reader_destroy (&reader);
    return 0;
}
