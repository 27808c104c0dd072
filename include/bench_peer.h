/*  bench_peer.h: two real dtchat peers in one process, driven as a ui.

    dtchat-bench builds peers A and B with node_bind/node_start (the
    actor stacks dtchat runs, inproc bus only), each the other's remote,
    and drives A through its ui PAIR (TEXT) while a SUB on A's bus counts
    the "msg" events. It measures the text -> ACKED round trip one
    message at a time, then sustained acked messages per second with a
    window of messages in flight, and finally sends DRAIN: DRAINED and
    the model's "sync" counters prove that nothing was lost, whatever
    the bus dropped.
*/
#ifndef BENCH_PEER_H_INCLUDED
#define BENCH_PEER_H_INCLUDED

#include "dtchat.h"
#include "endpoint.h"

typedef struct {
    endpoint_proto_t proto;     //  ENDPOINT_UDP, _TCP or _BP
    double seconds;             //  for each of the two phases
    size_t window;              //  messages in flight in the stream phase
    size_t text_size;           //  bytes of each text
    FILE *progress;             //  progress lines, or NULL
} bench_peer_config_t;

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
    bool drained;               //  DRAINED came: nothing pending
    uint64_t failed;            //  FAILED, per the model's counters
    uint64_t total;             //  messages in A's table, per the model
    uint64_t lost;              //  refused + failed (+ all if not drained)
    uint64_t bus_missed;        //  messages whose ACKED event never came
} bench_peer_result_t;

//  Run both phases over CONFIG->proto. 0, or -1 with a reason (a peer
//  did not start, ...); RESULT holds whatever was measured.
int
    bench_peer_run (const bench_peer_config_t *config,
                    bench_peer_result_t *result,
                    char *reason, size_t reason_size);

//  Bytes of one text of TEXT_SIZE bytes sent from LOCAL, encoded.
size_t
    bench_peer_wire_size (const char *local, size_t text_size);

//  The loopback local endpoint text the bench binds for PROTO; a BP
//  endpoint uses NODE as its ipn node number.
const char *
    bench_peer_local (endpoint_proto_t proto, int node);

#endif
