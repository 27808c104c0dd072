/*  bench_mem.c: idle and loaded resident memory of a real dtchat.

    dtchat-bench calls bench_mem_dtchat with the path of the dtchat
    program next to it. The child is started with posix_spawn (the bench
    has zmq threads, so no fork-and-work), stdin a pipe we hold, stdout
    and stderr /dev/null, its bus on an ipc socket in a fresh private
    directory. Its peer is an in-process node (node.h) that acks every
    text. We count the child's ACKED events on its bus to keep at most
    S_WINDOW texts in flight, which also keeps the child's table from
    filling with pending messages; a bus drop only slows the feeding.
*/
#include "bench_mem.h"
#include "bench_raw.h"
#include "bus_event.h"
#include "event_bus.h"
#include "node.h"

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

//  Texts written but not yet seen ACKED, at most.
#define S_WINDOW        2000
//  Lines written per step.
#define S_CHUNK         500
//  Give up feeding after this much silence on the child's bus, ms.
#define S_STALL_MS      5000
//  How long the idle child is left alone before its RSS is read, ms.
#define S_IDLE_MS       1000
//  How long the child may take to drain and exit, ms.
#define S_EXIT_MS       30000

//  VmRSS from /proc/PID/status, KiB.
long
bench_mem_rss_kib (pid_t pid)
{
    char path [64];
    if (pid)
        snprintf (path, sizeof path, "/proc/%d/status", (int) pid);
    else
        snprintf (path, sizeof path, "/proc/self/status");
    FILE *file = fopen (path, "r");
    if (!file)
        return -1;
    char line [256];
    long kib = -1;
    while (fgets (line, sizeof line, file))
        if (strncmp (line, "VmRSS:", 6) == 0) {
            kib = strtol (line + 6, NULL, 10);
            break;
        }
    fclose (file);
    return kib;
}

//  True while the child runs; else its exit status in *STATUS_P.
static bool
s_alive (pid_t pid, int *status_p)
{
    int status = 0;
    pid_t rc = waitpid (pid, &status, WNOHANG);
    if (rc == 0)
        return true;
    *status_p = rc == pid && WIFEXITED (status)? WEXITSTATUS (status): -1;
    return false;
}

//  Start dtchat at PATH with ARGV; stdin from IN_FD. The pid, or -1.
static pid_t
s_spawn (const char *path, char **argv, int in_fd, int close_fd)
{
    posix_spawn_file_actions_t actions;
    if (posix_spawn_file_actions_init (&actions))
        return -1;
    posix_spawn_file_actions_adddup2 (&actions, in_fd, 0);
    posix_spawn_file_actions_addclose (&actions, in_fd);
    posix_spawn_file_actions_addclose (&actions, close_fd);
    posix_spawn_file_actions_addopen (&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen (&actions, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid = -1;
    if (posix_spawn (&pid, path, &actions, NULL, argv, environ))
        pid = -1;
    posix_spawn_file_actions_destroy (&actions);
    return pid;
}

//  Take every event queued on SUB, counting the child's ACKED ones;
//  wait up to TIMEOUT ms for the first. False if nothing came.
static bool
s_pump (zsock_t *sub, zpoller_t *poller, int timeout, uint64_t *acked)
{
    if (zpoller_wait (poller, timeout) != sub)
        return false;
    while (zsock_events (sub) & ZMQ_POLLIN) {
        bus_event_t *event = bus_event_recv (sub);
        if (event && event->kind == BUS_EVENT_MSG && event->outgoing
        &&  event->status == MSG_ACKED)
            (*acked)++;
        bus_event_destroy (&event);
    }
    return true;
}

//  Write lines FIRST..LAST-1 to FD. False if the child stopped reading.
static bool
s_write_lines (int fd, uint64_t first, uint64_t last)
{
    char line [64];
    for (uint64_t index = first; index < last; index++) {
        int size = snprintf (line, sizeof line, "history %08" PRIu64 "\n",
                             index);
        if (write (fd, line, (size_t) size) != size)
            return false;
    }
    return true;
}

//  Feed HISTORY texts with a bounded window; the RSS once all are in.
static void
s_feed (bench_mem_result_t *result, pid_t pid, int fd, zsock_t *sub,
        zpoller_t *poller, FILE *progress)
{
    uint64_t written = 0;
    int64_t last_report = bench_now_us ();
    while (written < result->history) {
        while (written - result->acked > S_WINDOW)
            if (!s_pump (sub, poller, S_STALL_MS, &result->acked))
                break;          //  events lost: carry on regardless
        uint64_t last = written + S_CHUNK;
        if (last > result->history)
            last = result->history;
        if (!s_write_lines (fd, written, last))
            return;
        written = last;
        s_pump (sub, poller, 0, &result->acked);
        if (progress && bench_now_us () - last_report > 2000000) {
            fprintf (progress, "bench: dtchat history %" PRIu64 "/%" PRIu64
                     "\n", result->acked, result->history);
            last_report = bench_now_us ();
        }
    }
    while (result->acked < written
       &&  s_pump (sub, poller, S_STALL_MS, &result->acked))
        ;
    result->rss_history_kib = bench_mem_rss_kib (pid);
}

//  Wait up to MS for the child to exit. True if it did (status in
//  *STATUS_P).
static bool
s_wait_exit (pid_t pid, int ms, int *status_p)
{
    int64_t until = bench_now_us () + ms * 1000LL;
    while (bench_now_us () < until) {
        if (!s_alive (pid, status_p))
            return true;
        zclock_sleep (20);
    }
    return false;
}

//  End the child now: SIGTERM, and SIGKILL if that is not enough (a
//  dtchat can hang in its teardown). Its status is then -1.
static void
s_stop (pid_t pid)
{
    int status;
    kill (pid, SIGTERM);
    if (!s_wait_exit (pid, 2000, &status)) {
        kill (pid, SIGKILL);
        waitpid (pid, NULL, 0);
    }
}

//  Close stdin and wait for the child to drain and exit; stop it if it
//  does not.
static void
s_finish (bench_mem_result_t *result, pid_t pid, int *fd_p)
{
    if (*fd_p != -1)
        close (*fd_p);
    *fd_p = -1;
    if (!s_wait_exit (pid, S_EXIT_MS, &result->exit_status)) {
        s_stop (pid);
        result->exit_status = -1;
    }
}

//  Measure a dtchat process: see bench_mem.h.
int
bench_mem_dtchat (const char *path, const char *db, uint64_t history,
                  bench_mem_result_t *result, FILE *progress,
                  char *reason, size_t reason_size)
{
    assert (path && db && result);
    memset (result, 0, sizeof (*result));
    result->history = history;
    result->rss_idle_kib = result->rss_history_kib = -1;
    result->exit_status = -1;
    const char *locals [] = { "udp 127.0.0.1:0", NULL };
    node_config_t config = {
        .locals = locals, .remote = "udp 127.0.0.1:9", .bus_external = "",
        .lifetime_ms = 3600 * 1000
    };
    char dir [] = "/tmp/dtchat-bench-XXXXXX";
    char endpoint [128] = "";
    node_t *peer = node_new (&config, reason, reason_size);
    zsock_t *sub = NULL;
    zpoller_t *poller = NULL;
    int fds [2] = { -1, -1 };
    pid_t pid = -1;
    bool made_dir = false;
    int rc = -1;
    if (!peer)
        goto done;
    if (!mkdtemp (dir)) {
        snprintf (reason, reason_size, "mkdtemp: %s", strerror (errno));
        goto done;
    }
    made_dir = true;
    snprintf (endpoint, sizeof endpoint, "ipc://%s/dtchat.bus", dir);
    if (pipe (fds)) {
        snprintf (reason, reason_size, "pipe: %s", strerror (errno));
        goto done;
    }
    char *argv [] = {
        "dtchat", "--no-tui", "--quiet", "--bus", endpoint, "--db",
        (char *) db, "--lifetime", "3600", "udp 127.0.0.1:0",
        (char *) node_local (peer, ENDPOINT_UDP), NULL
    };
    pid = s_spawn (path, argv, fds [0], fds [1]);
    close (fds [0]);
    fds [0] = -1;
    if (pid == -1) {
        snprintf (reason, reason_size, "cannot start %s", path);
        goto done;
    }
    //  Idle: leave it alone, then read its RSS
    int64_t idle_until = bench_now_us () + S_IDLE_MS * 1000LL;
    while (bench_now_us () < idle_until && s_alive (pid, &result->exit_status))
        zclock_sleep (50);
    if (!s_alive (pid, &result->exit_status)) {
        snprintf (reason, reason_size, "%s exited with status %d at start",
                  path, result->exit_status);
        pid = -1;
        goto done;
    }
    result->rss_idle_kib = bench_mem_rss_kib (pid);
    const char *topics [] = { TOPIC_MSG, NULL };
    sub = event_bus_subscriber (endpoint, topics);
    poller = sub? zpoller_new (sub, NULL): NULL;
    if (!poller) {
        snprintf (reason, reason_size, "cannot subscribe to %s", endpoint);
        goto done;
    }
    zsock_set_rcvhwm (sub, 0);
    //  The subscription needs a moment to arrive: warm up until one
    //  text is seen ACKED (these count towards the history)
    uint64_t warm = 0;
    for (int round = 0; round < 50 && result->acked == 0; round++) {
        if (!s_write_lines (fds [1], warm, warm + 1))
            break;
        warm++;
        //  Other events (SENDING, SENT) come first: wait for an ACKED
        int64_t until = bench_now_us () + 200000;
        while (result->acked == 0 && bench_now_us () < until)
            s_pump (sub, poller, 20, &result->acked);
    }
    if (result->acked == 0) {
        snprintf (reason, reason_size, "dtchat's bus at %s is silent",
                  endpoint);
        goto done;
    }
    if (progress)
        fprintf (progress, "bench: dtchat history of %" PRIu64
                 " messages\n", history);
    result->acked = warm;       //  the ones we missed were acked too
    s_feed (result, pid, fds [1], sub, poller, progress);
    if (result->acked > history)
        result->acked = history;
    s_finish (result, pid, &fds [1]);
    pid = -1;
    rc = 0;
done:
    if (pid != -1)
        s_stop (pid);
    if (fds [1] != -1)
        close (fds [1]);
    zpoller_destroy (&poller);
    zsock_destroy (&sub);
    node_destroy (&peer);
    if (*endpoint)
        unlink (endpoint + strlen ("ipc://"));
    if (made_dir)
        rmdir (dir);
    return rc;
}
