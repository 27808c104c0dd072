/*  fuzz_tcp_reader.c: libFuzzer target for the TCP stream cutter.

    The first input byte picks the side (a listener detects the mode, a
    client expects the greeting) and how the rest is split into feeds;
    the rest is the stream. Every message the reader hands back must fit
    the limit and look like protobuf; a refusal must say why (the
    sanitizers catch crashes, overreads and leaks). Seed it with
    testdata/wire and with TCP_MAGIC followed by frames.
*/
#include "dtchat.h"
#include "tcp_reader.h"

//  Small, so the fuzzer reaches the limit checks often.
#define S_MAX_MESSAGE   4096

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

//  One input: feed, end, drain, check.
int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    bool greeted = data [0] & 1;
    size_t step = (size_t) (data [0] >> 1) + 1;
    data++;
    size--;
    tcp_reader_t *reader = tcp_reader_new (S_MAX_MESSAGE, greeted);
    if (!reader)
        abort ();
    char reason [256] = "";
    int rc = 0;
    for (size_t at = 0; at < size && rc == 0; at += step) {
        size_t count = size - at < step? size - at: step;
        rc = tcp_reader_feed (reader, data + at, count, reason,
                              sizeof (reason));
    }
    if (rc == 0)
        rc = tcp_reader_eof (reader, reason, sizeof (reason));
    if (rc == -1 && !*reason)
        abort ();
    zframe_t *frame;
    while ((frame = tcp_reader_next (reader))) {
        if (zframe_size (frame) == 0 || zframe_size (frame) > S_MAX_MESSAGE
        ||  !tcp_reader_looks_like_protobuf (zframe_data (frame),
                                             zframe_size (frame)))
            abort ();
        zframe_destroy (&frame);
    }
    tcp_reader_destroy (&reader);
    return 0;
}
