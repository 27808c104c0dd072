/*  bench_mem.h: resident memory of a real dtchat process, for dtchat-bench.

    bench_mem_dtchat starts the dtchat program in line mode (its bus on a
    private ipc socket, as by default) against an in-process peer that
    acks, reads its VmRSS when idle, feeds it HISTORY messages through its
    stdin (a bounded number in flight, counted by ACKED events on its
    bus) and reads VmRSS again with all of them in its history. Then it
    closes stdin, so dtchat drains and exits, and checks that it exited 0.
*/
#ifndef BENCH_MEM_H_INCLUDED
#define BENCH_MEM_H_INCLUDED

#include "dtchat.h"
#include <sys/types.h>

typedef struct {
    long rss_idle_kib;          //  VmRSS a second after start, idle
    long rss_history_kib;       //  VmRSS with HISTORY messages acked
    uint64_t history;           //  messages written to its stdin
    uint64_t acked;             //  ACKED events seen on its bus
    int exit_status;            //  dtchat's exit status, -1 if killed
} bench_mem_result_t;

//  VmRSS of process PID (0 = ourselves) in KiB, or -1.
long
    bench_mem_rss_kib (pid_t pid);

//  Measure the dtchat program at PATH (see above), its store at DB (a
//  file or ":memory:": never the user's own store). 0, or -1 with a
//  reason; PROGRESS (or NULL) gets progress lines.
int
    bench_mem_dtchat (const char *path, const char *db, uint64_t history,
                      bench_mem_result_t *result, FILE *progress,
                      char *reason, size_t reason_size);

#endif
