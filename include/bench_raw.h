/*  bench_raw.h: the floors dtchat-bench measures dtchat against.

    Plain loopback sockets with no actors, no zmq and no codec: a
    ping-pong (one message out, the same bytes echoed back by a second
    thread) and a one-way stream (one thread sends as fast as it can, the
    other counts what arrives), over UDP datagrams or a TCP stream of
    fixed-size records. Only dtchat-bench uses them; they are the one
    place outside the transports that opens OS sockets, because a
    baseline has to be the bare socket. Also a small sample set for
    percentiles, shared by every bench class.
*/
#ifndef BENCH_RAW_H_INCLUDED
#define BENCH_RAW_H_INCLUDED

#include "dtchat.h"

typedef enum {
    BENCH_RAW_UDP,
    BENCH_RAW_TCP
} bench_raw_kind_t;

typedef struct {
    uint64_t count;         //  round trips done, or messages received
    uint64_t sent;          //  one-way: messages sent
    double seconds;         //  how long it ran
    double p50_us;          //  ping-pong: round trip percentiles
    double p99_us;
    double per_s;           //  ping-pong: round trips/s; one-way: received/s
} bench_raw_result_t;

typedef struct _bench_samples_t bench_samples_t;

//  Ping-pong SIZE-byte messages on loopback for SECONDS; each round trip
//  also goes into SAMPLES unless it is NULL. 0, or -1 with a reason.
int
    bench_raw_pingpong (bench_raw_kind_t kind, size_t size, double seconds,
                        bench_samples_t *samples, bench_raw_result_t *result,
                        char *reason, size_t reason_size);

//  Send SIZE-byte messages one way on loopback for SECONDS and count
//  what arrives. 0, or -1 with a reason.
int
    bench_raw_oneway (bench_raw_kind_t kind, size_t size, double seconds,
                      bench_raw_result_t *result,
                      char *reason, size_t reason_size);

//  A TCP port on 127.0.0.1 that was free a moment ago, or -1. For peers
//  that cannot report the port they bound (native BP's MTCP listener).
int
    bench_raw_free_port (void);

//  A growing set of samples (microseconds) for percentiles.

bench_samples_t *
    bench_samples_new (void);
void
    bench_samples_destroy (bench_samples_t **self_p);
//  Add one sample; -1 if out of memory.
int
    bench_samples_add (bench_samples_t *self, double value);
size_t
    bench_samples_size (bench_samples_t *self);
//  The nearest-rank percentile P (0..100) of the samples, 0 if none.
double
    bench_samples_percentile (bench_samples_t *self, double p);

//  Microseconds from a monotonic clock.
static inline int64_t
bench_now_us (void)
{
    return zclock_usecs ();
}

#endif
