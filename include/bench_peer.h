/*  bench_peer.h: two real dtchat peers in one process, driven as a ui.

    dtchat-bench builds peers A and B with node_bind/node_start (the
    actor stacks dtchat runs, inproc bus only), each the other's remote,
    and drives A through its ui PAIR (TEXT) while a SUB on A's bus counts
    the "msg" events. bench_peer_rtt times text -> ACKED one message at a
    time; bench_peer_stream keeps a window of messages in flight and
    counts acked messages per second. Both may be called several times
    (the bench interleaves them with the raw baselines); the samples add
    up. bench_peer_drain sends DRAIN at the end: DRAINED and the model's
    "sync" counters prove that nothing was lost, whatever the bus dropped.
*/
#ifndef BENCH_PEER_H_INCLUDED
#define BENCH_PEER_H_INCLUDED

#include "dtchat.h"
#include "endpoint.h"

typedef struct _bench_peer_t bench_peer_t;

typedef struct {
    double startup_ms;          //  node_bind + node_start of peer A
    size_t wire_size;           //  bytes of one encoded text message
    //  one at a time
    uint64_t rtt_count;
    double rtt_p50_us;
    double rtt_p99_us;
    //  pipelined
    uint64_t stream_acked;
    double stream_seconds;
    double acked_per_s;
    double load_p50_us;         //  text -> ACKED under load
    double load_p99_us;
    //  accounting, for the whole run
    uint64_t messages;          //  texts sent
    uint64_t acked;             //  ACKED events seen on the bus
    uint64_t refused;           //  ERROR replies from the model
    uint64_t timeouts;          //  waits for an ACKED event that gave up
    uint64_t retried;           //  acked after more than one attempt
    bool drained;               //  DRAINED came: nothing pending
    uint64_t failed;            //  FAILED, per the model's counters
    uint64_t total;             //  messages in A's table, per the model
    uint64_t lost;              //  refused + failed (+ all if not drained)
    uint64_t bus_missed;        //  messages whose ACKED event never came
} bench_peer_result_t;

//  Start peers A and B over PROTO and connect to A. Texts are TEXT_SIZE
//  bytes (at least 16). STORE is where the peers keep their messages, as
//  dtchat does: NULL for no store, ":memory:", or a directory in which
//  the peers create a.db and b.db (the caller removes them). NULL with a
//  reason on failure.
bench_peer_t *
    bench_peer_new (endpoint_proto_t proto, size_t text_size,
                    const char *store, char *reason, size_t reason_size);

//  Stop both peers; idempotent.
void
    bench_peer_destroy (bench_peer_t **self_p);

//  Time text -> ACKED, one text at a time, for SECONDS. Returns false
//  if an ack did not come within 5 s (the peers are not talking).
bool
    bench_peer_rtt (bench_peer_t *self, double seconds);

//  Keep WINDOW texts in flight for SECONDS, then let them land. Returns
//  false if the acks stopped coming for 5 s.
bool
    bench_peer_stream (bench_peer_t *self, double seconds, size_t window);

//  DRAIN and wait (bounded) for DRAINED and the model's counters.
void
    bench_peer_drain (bench_peer_t *self);

//  The figures so far (percentiles computed now).
void
    bench_peer_result (bench_peer_t *self, bench_peer_result_t *result);

//  Bytes of one text of TEXT_SIZE bytes sent from LOCAL, encoded.
size_t
    bench_peer_wire_size (const char *local, size_t text_size);

//  The loopback local endpoint text of peer NODE (1 or 2) for PROTO; a
//  BP endpoint ("bp ipn:NODE.1") gets its "via mtcp:..." when started.
const char *
    bench_peer_local (endpoint_proto_t proto, int node);

#endif
