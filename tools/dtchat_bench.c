/*  dtchat_bench.c: dtchat-bench, dtchat's speed as ratios to raw sockets.

    For each transport it runs two real peers in this process (see
    bench_peer.h) and, in the same run, the raw socket baselines with the
    same payload size (bench_raw.h); then the event bus against a raw
    inproc PUB/SUB (bench_bus.h), the start-up time of a node, and the
    resident memory of a real dtchat process, idle and with a long
    history (bench_mem.h). Prints a table, or with --json one JSON object
    per line: one per transport, then one "system" object. Progress goes
    to stderr. Exit status: 0 done, 1 a measurement failed, 2 bad
    command line. It asserts nothing about speed: the figures and their
    ratios are the product (docs/PERFORMANCE.md).
*/
#include "dtchat.h"
#include "bench_bus.h"
#include "bench_mem.h"
#include "bench_peer.h"
#include "bench_raw.h"
#include "node.h"

#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_STARTUP_RUNS  5
//  Each phase alternates this many slices of dtchat and of the baseline.
#define S_SLICES        4

typedef struct {
    bool run [4];               //  by endpoint_proto_t
    double seconds;
    size_t window;
    size_t text_size;
    uint64_t history;
    const char *store;          //  "file", "memory" or "none"
    char *store_dir;            //  a private directory, removed at exit
    bool json;
} s_options_t;

typedef struct {
    bench_peer_result_t peer;
    bench_raw_result_t pingpong;
    bench_raw_result_t oneway;
    bool ok;
} s_transport_t;

typedef struct {
    bench_bus_result_t bus;
    bench_bus_result_t raw;
    double startup_ms;
    bench_mem_result_t mem;
    bool mem_ok;
    long rss_bench_kib;
} s_system_t;

static const char *s_usage =
"usage: dtchat-bench [--transport udp|tcp|bp|all] [--seconds N] [--json]\n"
"\n"
"Runs two dtchat peers in this process over each transport and measures\n"
"the text -> ack round trip and acked messages per second, with raw\n"
"socket baselines from the same run; then the event bus against raw\n"
"PUB/SUB, start-up time, and the memory of a real dtchat process.\n"
"\n"
"  -t, --transport T   udp, tcp, bp or all (default all)\n"
"  -s, --seconds N     seconds for each phase (default 2)\n"
"  -w, --window N      messages in flight when streaming (default 256)\n"
"      --size N        bytes of each text (default 64)\n"
"      --history N     messages fed to the dtchat process before its\n"
"                      second memory reading (default 100000; 0 skips\n"
"                      the dtchat process)\n"
"      --store S       where the peers keep messages: none (default: the\n"
"                      message path alone), memory, or file (SQLite in a\n"
"                      private temporary directory, as dtchat does by\n"
"                      default; the dtchat process always gets one)\n"
"  -j, --json          one JSON object per line instead of a table\n"
"  -h, --help          this text\n";

//  One-line command-line error; returns 2.
static int
s_bad (const char *what, const char *value)
{
    fprintf (stderr, "dtchat-bench: %s: '%.60s' (try --help)\n", what,
             value? value: "");
    return 2;
}

//  Parse a number in [MIN, MAX]; false if it is not one.
static bool
s_number (const char *text, double min, double max, double *value)
{
    char *end = NULL;
    errno = 0;
    double number = strtod (text, &end);
    if (errno || end == text || *end || !isfinite (number)
    ||  number < min || number > max)
        return false;
    *value = number;
    return true;
}

//  Parse the command line: 0, -1 after --help, or 2.
static int
s_parse (int argc, char **argv, s_options_t *options)
{
    static const struct option longs [] = {
        { "transport", required_argument, NULL, 't' },
        { "seconds", required_argument, NULL, 's' },
        { "window", required_argument, NULL, 'w' },
        { "size", required_argument, NULL, 'S' },
        { "history", required_argument, NULL, 'H' },
        { "store", required_argument, NULL, 'D' },
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    *options = (s_options_t) {
        .run = { false, true, true, true }, .seconds = 2, .window = 256,
        .text_size = 64, .history = 100000, .store = "none"
    };
    opterr = 0;
    int opt;
    double number;
    while ((opt = getopt_long (argc, argv, ":t:s:w:jh", longs, NULL)) != -1) {
        switch (opt) {
            case 't':
                if (streq (optarg, "all"))
                    break;
                if (!streq (optarg, "udp") && !streq (optarg, "tcp")
                &&  !streq (optarg, "bp"))
                    return s_bad ("--transport is udp, tcp, bp or all",
                                  optarg);
                options->run [ENDPOINT_UDP] = streq (optarg, "udp");
                options->run [ENDPOINT_TCP] = streq (optarg, "tcp");
                options->run [ENDPOINT_BP] = streq (optarg, "bp");
                break;
            case 's':
                if (!s_number (optarg, 0.1, 3600, &options->seconds))
                    return s_bad ("--seconds takes 0.1 to 3600", optarg);
                break;
            case 'w':
                if (!s_number (optarg, 1, 10000, &number))
                    return s_bad ("--window takes 1 to 10000", optarg);
                options->window = (size_t) number;
                break;
            case 'S':
                if (!s_number (optarg, 16, 60000, &number))
                    return s_bad ("--size takes 16 to 60000", optarg);
                options->text_size = (size_t) number;
                break;
            case 'H':
                if (!s_number (optarg, 0, 1e7, &number))
                    return s_bad ("--history takes 0 to 10000000", optarg);
                options->history = (uint64_t) number;
                break;
            case 'D':
                if (!streq (optarg, "file") && !streq (optarg, "memory")
                &&  !streq (optarg, "none"))
                    return s_bad ("--store is file, memory or none",
                                  optarg);
                options->store = optarg;
                break;
            case 'j':
                options->json = true;
                break;
            case 'h':
                fputs (s_usage, stdout);
                return -1;
            case ':':
                return s_bad ("option needs a value", argv [optind - 1]);
            default:
                return s_bad ("unknown option", argv [optind - 1]);
        }
    }
    if (optind < argc)
        return s_bad ("unexpected argument", argv [optind]);
    return 0;
}

//  The store of the peers that run NAME: NULL, ":memory:", or a fresh
//  directory under the private store directory (new string or NULL).
static char *
s_store_for (const s_options_t *options, const char *name)
{
    if (streq (options->store, "none"))
        return NULL;
    if (streq (options->store, "memory"))
        return strdup (":memory:");
    char *dir = zsys_sprintf ("%s/%s", options->store_dir, name);
    if (dir && mkdir (dir, 0700) == -1)
        zstr_free (&dir);
    return dir;
}

//  Measure one transport: dtchat and the raw floors (same payload size)
//  in alternating slices, so that a change in the machine's load hits
//  both alike.
static void
s_run_transport (const s_options_t *options, endpoint_proto_t proto,
                 s_transport_t *out)
{
    const char *name = endpoint_proto_name (proto);
    char reason [512] = "";
    char *store = s_store_for (options, name);
    bench_peer_t *peer = bench_peer_new (proto, options->text_size, store,
                                         reason, sizeof reason);
    bench_samples_t *raw_rtt = bench_samples_new ();
    if (!peer || !raw_rtt) {
        fprintf (stderr, "dtchat-bench: %s: %s\n", name, reason);
        bench_samples_destroy (&raw_rtt);
        bench_peer_destroy (&peer);
        zstr_free (&store);
        return;
    }
    bench_peer_result (peer, &out->peer);
    bench_raw_kind_t kind = proto == ENDPOINT_UDP? BENCH_RAW_UDP
                                                 : BENCH_RAW_TCP;
    size_t size = out->peer.wire_size;
    double slice = options->seconds / S_SLICES;
    bench_raw_result_t raw;
    out->ok = true;
    fprintf (stderr, "bench: %s round trips, raw ping-pong of %zu bytes\n",
             name, size);
    for (int index = 0; index < S_SLICES && out->ok; index++) {
        out->ok = bench_peer_rtt (peer, slice);
        if (bench_raw_pingpong (kind, size, slice, raw_rtt, &raw,
                                reason, sizeof reason)) {
            fprintf (stderr, "dtchat-bench: %s: %s\n", name, reason);
            out->ok = false;
        }
        out->pingpong.count += raw.count;
        out->pingpong.seconds += raw.seconds;
    }
    fprintf (stderr, "bench: %s stream, window %zu, raw one-way\n", name,
             options->window);
    for (int index = 0; index < S_SLICES && out->ok; index++) {
        out->ok = bench_peer_stream (peer, slice, options->window);
        if (bench_raw_oneway (kind, size, slice, &raw,
                              reason, sizeof reason)) {
            fprintf (stderr, "dtchat-bench: %s: %s\n", name, reason);
            out->ok = false;
        }
        out->oneway.count += raw.count;
        out->oneway.sent += raw.sent;
        out->oneway.seconds += raw.seconds;
    }
    if (!out->ok)
        fprintf (stderr, "dtchat-bench: %s: the acks stopped coming\n",
                 name);
    bench_peer_drain (peer);
    bench_peer_result (peer, &out->peer);
    out->pingpong.p50_us = bench_samples_percentile (raw_rtt, 50);
    out->pingpong.p99_us = bench_samples_percentile (raw_rtt, 99);
    out->oneway.per_s = out->oneway.seconds > 0?
                        out->oneway.count / out->oneway.seconds: 0;
    bench_samples_destroy (&raw_rtt);
    bench_peer_destroy (&peer);
    zstr_free (&store);
}

//  Median time to node_new a udp peer, ms.
static double
s_startup_ms (void)
{
    const char *locals [] = { "udp 127.0.0.1:0", NULL };
    node_config_t config = {
        .locals = locals, .remote = "udp 127.0.0.1:9", .bus_external = ""
    };
    double times [S_STARTUP_RUNS];
    int runs = 0;
    for (int index = 0; index < S_STARTUP_RUNS; index++) {
        int64_t start = bench_now_us ();
        node_t *node = node_new (&config, NULL, 0);
        if (!node)
            continue;
        times [runs++] = (bench_now_us () - start) / 1e3;
        node_destroy (&node);
    }
    //  Insertion sort: five numbers
    for (int i = 1; i < runs; i++)
        for (int j = i; j > 0 && times [j - 1] > times [j]; j--) {
            double swap = times [j];
            times [j] = times [j - 1];
            times [j - 1] = swap;
        }
    return runs? times [runs / 2]: -1;
}

//  The dtchat program beside us.
static char *
s_dtchat_path (void)
{
    char self [PATH_MAX];
    ssize_t size = readlink ("/proc/self/exe", self, sizeof self - 1);
    if (size <= 0)
        return NULL;
    self [size] = 0;
    char *slash = strrchr (self, '/');
    if (!slash)
        return NULL;
    *slash = 0;
    char *path = zsys_sprintf ("%s/dtchat", self);
    if (path && access (path, X_OK)) {
        zstr_free (&path);
    }
    return path;
}

//  The bus, start-up and memory figures.
static void
s_run_system (const s_options_t *options, s_system_t *out)
{
    char reason [512] = "";
    fprintf (stderr, "bench: event bus and raw PUB/SUB, %.1f s each\n",
             options->seconds);
    if (bench_bus_run (true, options->seconds, &out->bus, reason,
                       sizeof reason)
    ||  bench_bus_run (false, options->seconds, &out->raw, reason,
                       sizeof reason))
        fprintf (stderr, "dtchat-bench: bus: %s\n", reason);
    out->startup_ms = s_startup_ms ();
    out->rss_bench_kib = bench_mem_rss_kib (0);
    char *path = options->history? s_dtchat_path (): NULL;
    if (options->history && !path)
        fprintf (stderr, "dtchat-bench: no dtchat program beside "
                 "dtchat-bench: memory not measured\n");
    if (path) {
        char *db = zsys_sprintf ("%s/dtchat.db", options->store_dir);
        out->mem_ok = db && bench_mem_dtchat (path, db, options->history,
                                              &out->mem, stderr, reason,
                                              sizeof reason) == 0;
        zstr_free (&db);
        if (!out->mem_ok)
            fprintf (stderr, "dtchat-bench: memory: %s\n", reason);
    }
    zstr_free (&path);
}

//  A / B, or 0 when B is 0.
static double
s_ratio (double a, double b)
{
    return b > 0? a / b: 0;
}

//  One transport as a JSON object on one line.
static void
s_print_json (const s_options_t *options, endpoint_proto_t proto,
              const s_transport_t *t, const s_transport_t *udp)
{
    const bench_peer_result_t *p = &t->peer;
    printf ("{\"kind\":\"transport\",\"transport\":\"%s\",\"ok\":%s,"
            "\"messages\":%" PRIu64 ",\"acked\":%" PRIu64 ","
            "\"lost\":%" PRIu64 ",\"failed\":%" PRIu64 ","
            "\"refused\":%" PRIu64 ",\"drained\":%s,"
            "\"bus_missed\":%" PRIu64 ",\"timeouts\":%" PRIu64 ","
            "\"text_size\":%zu,\"wire_size\":%zu,\"startup_ms\":%.3f,"
            "\"store\":\"%s\",",
            endpoint_proto_name (proto), t->ok? "true": "false",
            p->messages, p->acked, p->lost, p->failed, p->refused,
            p->drained? "true": "false", p->bus_missed, p->timeouts,
            options->text_size, p->wire_size, p->startup_ms, options->store);
    printf ("\"rtt_count\":%" PRIu64 ",\"rtt_p50_us\":%.1f,"
            "\"rtt_p99_us\":%.1f,\"baseline_rtt_p50_us\":%.1f,"
            "\"baseline_rtt_p99_us\":%.1f,\"rtt_ratio\":%.3f,",
            p->rtt_count, p->rtt_p50_us, p->rtt_p99_us, t->pingpong.p50_us,
            t->pingpong.p99_us, s_ratio (p->rtt_p50_us, t->pingpong.p50_us));
    printf ("\"window\":%zu,\"stream_acked\":%" PRIu64 ","
            "\"acked_per_s\":%.0f,\"load_p50_us\":%.1f,"
            "\"load_p99_us\":%.1f,\"baseline_per_s\":%.0f,"
            "\"baseline_sent\":%" PRIu64 ",\"per_s_ratio\":%.4f",
            options->window, p->stream_acked, p->acked_per_s,
            p->load_p50_us, p->load_p99_us, t->oneway.per_s,
            t->oneway.sent, s_ratio (p->acked_per_s, t->oneway.per_s));
    if (udp && proto != ENDPOINT_UDP)
        printf (",\"rtt_vs_udp\":%.3f,\"per_s_vs_udp\":%.3f",
                s_ratio (p->rtt_p50_us, udp->peer.rtt_p50_us),
                s_ratio (p->acked_per_s, udp->peer.acked_per_s));
    printf ("}\n");
}

//  A KiB figure as JSON: null when unknown.
static void
s_json_kib (const char *key, long kib)
{
    if (kib < 0)
        printf (",\"%s\":null", key);
    else
        printf (",\"%s\":%ld", key, kib);
}

//  The bus, start-up and memory figures as one JSON object.
static void
s_print_system_json (const s_system_t *s)
{
    printf ("{\"kind\":\"system\",\"bus_events_per_s\":%.0f,"
            "\"bus_published\":%" PRIu64 ",\"bus_received\":%" PRIu64 ","
            "\"bus_dropped\":%" PRIu64 ",\"raw_pubsub_per_s\":%.0f,"
            "\"raw_pubsub_published\":%" PRIu64 ","
            "\"raw_pubsub_dropped\":%" PRIu64 ",\"bus_ratio\":%.3f,"
            "\"event_size\":%zu,\"startup_ms\":%.3f",
            s->bus.per_s, s->bus.published, s->bus.received, s->bus.dropped,
            s->raw.per_s, s->raw.published, s->raw.dropped,
            s_ratio (s->bus.per_s, s->raw.per_s), s->bus.event_size,
            s->startup_ms);
    s_json_kib ("rss_idle_kib", s->mem_ok? s->mem.rss_idle_kib: -1);
    s_json_kib ("rss_history_kib", s->mem_ok? s->mem.rss_history_kib: -1);
    printf (",\"history\":%" PRIu64 ",\"history_acked\":%" PRIu64 ","
            "\"dtchat_exit\":%d", s->mem.history, s->mem.acked,
            s->mem_ok? s->mem.exit_status: -1);
    s_json_kib ("rss_bench_kib", s->rss_bench_kib);
    printf ("}\n");
}

//  The transports as a readable table.
static void
s_print_table (const s_options_t *options, const s_transport_t *t)
{
    printf ("%zu-byte texts, window %zu, %.1f s per phase, store: %s\n\n",
            options->text_size, options->window, options->seconds,
            options->store);
    printf ("%-4s %9s %9s %9s %6s  %9s %9s %7s  %6s %5s\n", "",
            "rtt p50", "rtt p99", "raw p50", "ratio", "acked/s",
            "raw/s", "ratio", "msgs", "lost");
    for (int proto = ENDPOINT_UDP; proto <= ENDPOINT_BP; proto++) {
        if (!options->run [proto])
            continue;
        const bench_peer_result_t *p = &t [proto].peer;
        printf ("%-4s %7.1fus %7.1fus %7.1fus %5.2fx  %9.0f %9.0f %6.3fx"
                "  %6" PRIu64 " %5" PRIu64 "%s\n",
                endpoint_proto_name ((endpoint_proto_t) proto),
                p->rtt_p50_us, p->rtt_p99_us, t [proto].pingpong.p50_us,
                s_ratio (p->rtt_p50_us, t [proto].pingpong.p50_us),
                p->acked_per_s, t [proto].oneway.per_s,
                s_ratio (p->acked_per_s, t [proto].oneway.per_s),
                p->messages, p->lost,
                t [proto].ok? (p->drained? "": "  NOT DRAINED"): "  FAILED");
    }
}

//  The system figures as readable lines.
static void
s_print_system (const s_system_t *s)
{
    printf ("\nevent bus  %9.0f events/s (%" PRIu64 " dropped of %" PRIu64
            ")\nraw pubsub %9.0f events/s (%" PRIu64 " dropped of %" PRIu64
            ")   ratio %.2fx\n", s->bus.per_s, s->bus.dropped,
            s->bus.published, s->raw.per_s, s->raw.dropped,
            s->raw.published, s_ratio (s->bus.per_s, s->raw.per_s));
    printf ("start-up   %9.2f ms (node_new, udp, median of %d)\n",
            s->startup_ms, S_STARTUP_RUNS);
    if (s->mem_ok)
        printf ("dtchat RSS %9.1f MiB idle, %.1f MiB with %" PRIu64
                " messages (exit %d)\n", s->mem.rss_idle_kib / 1024.0,
                s->mem.rss_history_kib / 1024.0, s->mem.history,
                s->mem.exit_status);
    printf ("bench RSS  %9.1f MiB\n", s->rss_bench_kib / 1024.0);
}

int
main (int argc, char **argv)
{
    s_options_t options;
    int rc = s_parse (argc, argv, &options);
    if (rc)
        return rc == -1? 0: rc;
    //  Stores (the peers' with --store file, the dtchat process's) live
    //  here, never in the user's own state directory
    char store_dir [] = "/tmp/dtchat-bench-XXXXXX";
    if (!mkdtemp (store_dir)) {
        fprintf (stderr, "dtchat-bench: cannot make a directory in /tmp: "
                 "%s\n", strerror (errno));
        return 1;
    }
    options.store_dir = store_dir;
    s_transport_t transports [4];
    memset (transports, 0, sizeof transports);
    bool ok = true;
    for (int proto = ENDPOINT_UDP; proto <= ENDPOINT_BP; proto++)
        if (options.run [proto]) {
            s_run_transport (&options, (endpoint_proto_t) proto,
                             &transports [proto]);
            ok = ok && transports [proto].ok;
        }
    s_system_t system;
    memset (&system, 0, sizeof system);
    s_run_system (&options, &system);
    ok = ok && (system.mem_ok || !options.history);
    const s_transport_t *udp = options.run [ENDPOINT_UDP]
                             && transports [ENDPOINT_UDP].ok?
                               &transports [ENDPOINT_UDP]: NULL;
    if (options.json) {
        for (int proto = ENDPOINT_UDP; proto <= ENDPOINT_BP; proto++)
            if (options.run [proto])
                s_print_json (&options, (endpoint_proto_t) proto,
                              &transports [proto], udp);
        s_print_system_json (&system);
    }
    else {
        s_print_table (&options, transports);
        s_print_system (&system);
    }
    fflush (stdout);
    zdir_t *dir = zdir_new (options.store_dir, NULL);
    if (dir)
        zdir_remove (dir, true);
    zdir_destroy (&dir);
    return ok? 0: 1;
}
