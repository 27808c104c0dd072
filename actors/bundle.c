/*  bundle.c: BPv7 bundles (RFC 9171), strict decode and exact encode.

    transport_bp builds outgoing bundles with bundle_encode and checks
    every received one with bundle_decode before it delivers or forwards
    it (forwarding sends the received bytes unchanged, as uD3TN does).
    The CBOR comes from cbor.c, the CRCs from bp_crc.c. A block's CRC is
    computed over the block's whole encoding with the CRC value bytes
    taken as zeros (the bstr head is kept), stored big-endian.
*/
#include "bundle.h"
#include "endpoint.h"
#include "cbor.h"
#include "bp_crc.h"

//  Write a one-line reason from the reader's state.
static int
s_fail (const cbor_reader_t *r, const char *what, char *reason,
        size_t reason_size)
{
    if (reason && reason_size) {
        if (r->error)
            snprintf (reason, reason_size, "%s at offset %zu: %s",
                      what, r->error_pos, r->error);
        else
            snprintf (reason, reason_size, "%s at offset %zu",
                      what, r->pos);
    }
    return -1;
}

//  Reset SELF to the values dtchat sends with.
void
bundle_init (bundle_t *self)
{
    assert (self);
    memset (self, 0, sizeof *self);
    self->crc_type = BUNDLE_CRC_16;
    snprintf (self->report_to, sizeof self->report_to, "dtn:none");
    self->lifetime_ms = BUNDLE_LIFETIME_DEFAULT_MS;
    self->payload_crc_type = BUNDLE_CRC_NONE;
}

//  Read one EID into TEXT (BUNDLE_EID_MAX). Returns 0, or -1 with WHY.
static int
s_read_eid (cbor_reader_t *r, char *text, const char **why)
{
    uint64_t count, scheme;
    *why = "bad EID";
    if (cbor_read_array (r, &count))
        return -1;
    if (count != 2) {
        *why = "EID is not a two-item array";
        return -1;
    }
    if (cbor_read_uint (r, &scheme))
        return -1;
    if (scheme == 1) {
        if (cbor_peek_major (r) == CBOR_UINT) {
            uint64_t zero;
            if (cbor_read_uint (r, &zero))
                return -1;
            if (zero != 0) {
                *why = "dtn EID SSP is a number other than 0";
                return -1;
            }
            snprintf (text, BUNDLE_EID_MAX, "dtn:none");
            return 0;
        }
        const char *ssp;
        size_t size;
        if (cbor_read_text (r, &ssp, &size))
            return -1;
        if (size < 4 || size > BUNDLE_EID_MAX - 5
        ||  ssp [0] != '/' || ssp [1] != '/' || ssp [2] == '/') {
            *why = "dtn EID is not //NODE/DEMUX or is too long";
            return -1;
        }
        for (size_t i = 0; i < size; i++)
            if (ssp [i] <= ' ' || ssp [i] > '~') {
                *why = "dtn EID has a byte that is not printable ASCII";
                return -1;
            }
        snprintf (text, BUNDLE_EID_MAX, "dtn:%.*s", (int) size, ssp);
        return 0;
    }
    if (scheme == 2) {
        uint64_t node, service;
        if (cbor_read_array (r, &count))
            return -1;
        if (count != 2) {
            *why = "ipn EID SSP is not [node, service]";
            return -1;
        }
        if (cbor_read_uint (r, &node) || cbor_read_uint (r, &service))
            return -1;
        snprintf (text, BUNDLE_EID_MAX, "ipn:%" PRIu64 ".%" PRIu64,
                  node, service);
        return 0;
    }
    *why = "unsupported EID scheme (want dtn or ipn)";
    return -1;
}

//  Read a block's CRC field and check it against the block's bytes from
//  START. Returns 0, or -1 with WHY.
static int
s_check_crc (cbor_reader_t *r, size_t start, int crc_type, const char **why)
{
    const byte *value;
    size_t size;
    *why = "bad CRC field";
    if (cbor_read_bytes (r, &value, &size))
        return -1;
    size_t want = crc_type == BUNDLE_CRC_16? 2: 4;
    if (size != want) {
        *why = "CRC field has the wrong length for its CRC type";
        return -1;
    }
    const byte zeros [4] = { 0, 0, 0, 0 };
    const byte *block = r->data + start;
    size_t before = (size_t) (value - block);
    uint32_t stored = 0, computed;
    for (size_t i = 0; i < size; i++)
        stored = (stored << 8) | value [i];
    if (crc_type == BUNDLE_CRC_16) {
        uint16_t state = bp_crc16_update (bp_crc16_begin (), block, before);
        computed = bp_crc16_end (bp_crc16_update (state, zeros, 2));
    }
    else {
        uint32_t state = bp_crc32c_update (bp_crc32c_begin (), block, before);
        computed = bp_crc32c_end (bp_crc32c_update (state, zeros, 4));
    }
    if (stored != computed) {
        *why = crc_type == BUNDLE_CRC_16? "CRC-16 mismatch"
                                        : "CRC-32C mismatch";
        return -1;
    }
    return 0;
}

//  Decode the primary block. Returns 0 or -1 with a reason.
static int
s_decode_primary (bundle_t *self, cbor_reader_t *r, char *reason,
                  size_t reason_size)
{
    size_t start = r->pos;
    uint64_t count, version, crc_type, ts_count;
    const char *why = NULL;
    if (cbor_read_array (r, &count))
        return s_fail (r, "primary block is not a definite array",
                       reason, reason_size);
    if (count < 8 || count > 11)
        return s_fail (r, "primary block has a wrong number of items",
                       reason, reason_size);
    if (cbor_read_uint (r, &version) || version != 7)
        return s_fail (r, "not a version 7 bundle", reason, reason_size);
    if (cbor_read_uint (r, &self->flags))
        return s_fail (r, "bad bundle flags", reason, reason_size);
    if (cbor_read_uint (r, &crc_type) || crc_type > BUNDLE_CRC_32C)
        return s_fail (r, "bad primary block CRC type", reason, reason_size);
    self->crc_type = (int) crc_type;
    bool fragment = (self->flags & BUNDLE_IS_FRAGMENT) != 0;
    uint64_t expect = 8 + (fragment? 2: 0) + (crc_type? 1: 0);
    if (count != expect)
        return s_fail (r, "primary block item count does not match its "
                          "flags and CRC type", reason, reason_size);
    char *eids [3] = { self->dest, self->source, self->report_to };
    const char *names [3] = { "destination", "source", "report-to" };
    for (int i = 0; i < 3; i++)
        if (s_read_eid (r, eids [i], &why)) {
            char what [80];
            snprintf (what, sizeof what, "%s EID: %s", names [i], why);
            return s_fail (r, what, reason, reason_size);
        }
    if (streq (self->dest, "dtn:none"))
        return s_fail (r, "destination is dtn:none", reason, reason_size);
    if (cbor_read_array (r, &ts_count) || ts_count != 2
    ||  cbor_read_uint (r, &self->creation_ms)
    ||  cbor_read_uint (r, &self->sequence))
        return s_fail (r, "bad creation timestamp", reason, reason_size);
    if (cbor_read_uint (r, &self->lifetime_ms))
        return s_fail (r, "bad lifetime", reason, reason_size);
    if (fragment
    &&  (cbor_read_uint (r, &self->fragment_offset)
    ||   cbor_read_uint (r, &self->total_adu_length)))
        return s_fail (r, "bad fragment fields", reason, reason_size);
    if (crc_type && s_check_crc (r, start, (int) crc_type, &why)) {
        char what [80];
        snprintf (what, sizeof what, "primary block: %s", why);
        return s_fail (r, what, reason, reason_size);
    }
    return 0;
}

//  Check a known extension block's data (only Bundle Age is read).
static int
s_decode_extension (bundle_t *self, uint64_t type, const byte *data,
                    size_t size)
{
    if (type != BLOCK_BUNDLE_AGE)
        return 0;
    cbor_reader_t inner;
    cbor_reader_init (&inner, data, size);
    if (cbor_read_uint (&inner, &self->age_ms) || cbor_reader_left (&inner))
        return -1;
    self->has_age = true;
    return 0;
}

//  Decode one canonical block; NUMBERS/COUNT track the block numbers
//  seen. Returns 0 or -1 with a reason.
static int
s_decode_block (bundle_t *self, cbor_reader_t *r, uint64_t *numbers,
                char *reason, size_t reason_size)
{
    size_t start = r->pos;
    uint64_t count, type, number, flags, crc_type;
    const byte *data;
    size_t size;
    const char *why = NULL;
    if (cbor_read_array (r, &count))
        return s_fail (r, "block is not a definite array",
                       reason, reason_size);
    if (count != 5 && count != 6)
        return s_fail (r, "block has a wrong number of items",
                       reason, reason_size);
    if (cbor_read_uint (r, &type) || cbor_read_uint (r, &number)
    ||  cbor_read_uint (r, &flags) || cbor_read_uint (r, &crc_type))
        return s_fail (r, "bad block header", reason, reason_size);
    if (crc_type > BUNDLE_CRC_32C || count != 5 + (crc_type? 1: 0))
        return s_fail (r, "block CRC type does not match its item count",
                       reason, reason_size);
    if (cbor_read_bytes (r, &data, &size))
        return s_fail (r, "bad block data", reason, reason_size);
    if (crc_type && s_check_crc (r, start, (int) crc_type, &why)) {
        char what [80];
        snprintf (what, sizeof what, "block %" PRIu64 ": %s", number, why);
        return s_fail (r, what, reason, reason_size);
    }
    if (type == 0 || number == 0)
        return s_fail (r, "block type or number 0 is the primary block's",
                       reason, reason_size);
    for (size_t i = 0; i < self->blocks; i++)
        if (numbers [i] == number)
            return s_fail (r, "duplicate block number",
                           reason, reason_size);
    numbers [self->blocks++] = number;
    if (type == BLOCK_PAYLOAD) {
        if (number != 1)
            return s_fail (r, "payload block number is not 1",
                           reason, reason_size);
        self->payload_flags = flags;
        self->payload_crc_type = (int) crc_type;
        self->payload = data;
        self->payload_size = size;
        return 0;
    }
    if (type == BLOCK_PREVIOUS_NODE || type == BLOCK_BUNDLE_AGE
    ||  type == BLOCK_HOP_COUNT) {
        if (type == BLOCK_BUNDLE_AGE && self->has_age)
            return s_fail (r, "two Bundle Age blocks", reason, reason_size);
        if (s_decode_extension (self, type, data, size))
            return s_fail (r, "bad Bundle Age block", reason, reason_size);
        return 0;
    }
    if (flags & BLOCK_DELETE_IF_UNPROCESSABLE)
        return s_fail (r, "unknown block type whose flags ask to delete "
                          "the bundle", reason, reason_size);
    self->skipped++;
    return 0;
}

//  Decode a whole bundle (see bundle.h).
int
bundle_decode (bundle_t *self, const byte *data, size_t size,
               char *reason, size_t reason_size)
{
    assert (self);
    memset (self, 0, sizeof *self);
    if (reason && reason_size)
        reason [0] = 0;
    cbor_reader_t r;
    cbor_reader_init (&r, data, data? size: 0);
    if (cbor_read_array_indefinite (&r))
        return s_fail (&r, "bundle is not an indefinite-length array",
                       reason, reason_size);
    if (s_decode_primary (self, &r, reason, reason_size))
        return -1;
    uint64_t numbers [BUNDLE_BLOCKS_MAX] = { 0 };
    while (!cbor_peek_break (&r)) {
        if (cbor_reader_left (&r) == 0)
            return s_fail (&r, "truncated bundle", reason, reason_size);
        if (self->payload)
            return s_fail (&r, "a block follows the payload block",
                           reason, reason_size);
        if (self->blocks == BUNDLE_BLOCKS_MAX)
            return s_fail (&r, "too many blocks", reason, reason_size);
        if (s_decode_block (self, &r, numbers, reason, reason_size))
            return -1;
    }
    if (cbor_read_break (&r))
        return s_fail (&r, "bad end of bundle", reason, reason_size);
    if (cbor_reader_left (&r))
        return s_fail (&r, "trailing bytes after the bundle",
                       reason, reason_size);
    if (!self->payload)
        return s_fail (&r, "no payload block", reason, reason_size);
    if (self->creation_ms == 0 && !self->has_age)
        return s_fail (&r, "creation time 0 without a Bundle Age block",
                       reason, reason_size);
    return 0;
}

//  Write one EID from its text. Returns 0 or -1.
static int
s_write_eid (cbor_writer_t *w, const char *eid)
{
    if (streq (eid, "dtn:none")) {
        cbor_write_array (w, 2);
        cbor_write_uint (w, 1);
        cbor_write_uint (w, 0);
        return 0;
    }
    size_t length = strnlen (eid, BUNDLE_EID_MAX);
    if (strncmp (eid, "dtn://", 6) == 0 && length > 6
    &&  length < BUNDLE_EID_MAX) {
        for (size_t i = 0; i < length; i++)
            if (eid [i] <= ' ' || eid [i] > '~')
                return -1;
        cbor_write_array (w, 2);
        cbor_write_uint (w, 1);
        cbor_write_text (w, eid + 4, length - 4);
        return 0;
    }
    uint64_t node, service;
    if (endpoint_ipn_split (eid, &node, &service) == 0) {
        cbor_write_array (w, 2);
        cbor_write_uint (w, 2);
        cbor_write_array (w, 2);
        cbor_write_uint (w, node);
        cbor_write_uint (w, service);
        return 0;
    }
    return -1;
}

//  Append the CRC field of a block that started at START and seal it.
static void
s_write_crc (cbor_writer_t *w, size_t start, int crc_type)
{
    size_t size = crc_type == BUNDLE_CRC_16? 2: 4;
    cbor_write_head (w, CBOR_BYTES, size);
    cbor_write_raw (w, NULL, size);
    if (!w->data || w->overflow)
        return;                 //  counting pass
    byte *block = w->data + start;
    size_t length = w->pos - start;
    uint32_t crc = crc_type == BUNDLE_CRC_16
                 ? bp_crc16 (block, length)
                 : bp_crc32c (block, length);
    for (size_t i = 0; i < size; i++)
        block [length - 1 - i] = (byte) (crc >> (8 * i));
}

//  Write the whole bundle. Returns 0 or -1 with WHY.
static int
s_write_bundle (cbor_writer_t *w, const bundle_t *self, const char **why)
{
    bool fragment = (self->flags & BUNDLE_IS_FRAGMENT) != 0;
    cbor_write_array_indefinite (w);
    size_t start = w->pos;
    cbor_write_array (w, 8 + (fragment? 2: 0) + (self->crc_type? 1: 0));
    cbor_write_uint (w, 7);
    cbor_write_uint (w, self->flags);
    cbor_write_uint (w, (uint64_t) self->crc_type);
    if (s_write_eid (w, self->dest)) {
        *why = "cannot encode the destination EID";
        return -1;
    }
    if (s_write_eid (w, self->source)) {
        *why = "cannot encode the source EID";
        return -1;
    }
    if (s_write_eid (w, self->report_to)) {
        *why = "cannot encode the report-to EID";
        return -1;
    }
    cbor_write_array (w, 2);
    cbor_write_uint (w, self->creation_ms);
    cbor_write_uint (w, self->sequence);
    cbor_write_uint (w, self->lifetime_ms);
    if (fragment) {
        cbor_write_uint (w, self->fragment_offset);
        cbor_write_uint (w, self->total_adu_length);
    }
    if (self->crc_type)
        s_write_crc (w, start, self->crc_type);
    start = w->pos;
    cbor_write_array (w, self->payload_crc_type? 6: 5);
    cbor_write_uint (w, BLOCK_PAYLOAD);
    cbor_write_uint (w, 1);
    cbor_write_uint (w, self->payload_flags);
    cbor_write_uint (w, (uint64_t) self->payload_crc_type);
    cbor_write_bytes (w, self->payload, self->payload_size);
    if (self->payload_crc_type)
        s_write_crc (w, start, self->payload_crc_type);
    cbor_write_break (w);
    return 0;
}

//  Encode SELF into a new buffer (see bundle.h).
byte *
bundle_encode (const bundle_t *self, size_t *size_p, char *reason,
               size_t reason_size)
{
    assert (self);
    assert (size_p);
    assert (self->payload || self->payload_size == 0);
    const char *why = "bad CRC type";
    if (self->crc_type < 0 || self->crc_type > BUNDLE_CRC_32C
    ||  self->payload_crc_type < 0
    ||  self->payload_crc_type > BUNDLE_CRC_32C) {
        if (reason && reason_size)
            snprintf (reason, reason_size, "%s", why);
        return NULL;
    }
    cbor_writer_t w;
    cbor_writer_init (&w, NULL, 0);
    if (s_write_bundle (&w, self, &why)) {
        if (reason && reason_size)
            snprintf (reason, reason_size, "%s", why);
        return NULL;
    }
    size_t size = w.pos;
    byte *data = (byte *) malloc (size);
    if (!data) {
        if (reason && reason_size)
            snprintf (reason, reason_size, "out of memory");
        return NULL;
    }
    cbor_writer_init (&w, data, size);
    int rc = s_write_bundle (&w, self, &why);
    assert (rc == 0 && !w.overflow && w.pos == size);
    *size_p = size;
    return data;
}

//  True if the bundle's lifetime has ended at DTN time NOW_MS.
bool
bundle_expired (const bundle_t *self, uint64_t now_ms)
{
    assert (self);
    if (self->creation_ms == 0)
        return self->age_ms >= self->lifetime_ms;
    if (self->creation_ms > UINT64_MAX - self->lifetime_ms)
        return false;
    return self->creation_ms + self->lifetime_ms <= now_ms;
}

//  DTN time now, from the wall clock.
uint64_t
bundle_dtn_now_ms (void)
{
    int64_t now = dtchat_now_ms () - BUNDLE_DTN_EPOCH_MS;
    return now > 0? (uint64_t) now: 0;
}
