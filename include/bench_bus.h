/*  bench_bus.h: event bus throughput for dtchat-bench.

    One publisher thread sends real encoded "msg" events as fast as it
    can for a while; the caller's thread counts what a SUB receives.
    Either through event_bus_actor (PUB -> XSUB proxy XPUB -> SUB, as
    dtchat's actors publish) or over a raw inproc PUB -> SUB pair with the
    same high-water marks: the baseline. Whatever a PUB drops at its HWM
    is counted, not hidden.
*/
#ifndef BENCH_BUS_H_INCLUDED
#define BENCH_BUS_H_INCLUDED

#include "dtchat.h"

typedef struct {
    uint64_t published;     //  events the publisher sent
    uint64_t received;      //  events the subscriber got
    uint64_t dropped;       //  published - received
    double seconds;         //  first publish to last receive
    double per_s;           //  received per second
    size_t event_size;      //  bytes of one encoded event
} bench_bus_result_t;

//  Run for SECONDS through the event bus actor (THROUGH_BUS) or a raw
//  inproc PUB/SUB. 0, or -1 with a reason.
int
    bench_bus_run (bool through_bus, double seconds,
                   bench_bus_result_t *result,
                   char *reason, size_t reason_size);

#endif
