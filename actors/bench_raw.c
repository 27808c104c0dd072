/*  bench_raw.c: raw loopback socket baselines for dtchat-bench.

    dtchat-bench calls these in the same run as its dtchat measurements,
    so that every dtchat figure is a ratio to what the bare socket does on
    this machine at this moment. Each baseline uses two blocking sockets
    and a second thread (an echo for the ping-pong, a sender for the
    one-way stream); the main thread measures. Nothing here is used by
    dtchat itself. Also: bench_samples, sorted-copy percentiles.
*/
#include "bench_raw.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <unistd.h>

//  Socket buffers as big as the UDP transport asks for.
#define S_SOCKBUF       (4 * 1024 * 1024)
//  Round trips not sampled, so the first page faults do not count.
#define S_WARMUP        20
//  A one-way receiver stops after this much silence, ms.
#define S_QUIET_MS      300

struct _bench_samples_t {
    double *values;
    size_t size;
    size_t limit;
};

//  Arguments of a helper thread.
typedef struct {
    bench_raw_kind_t kind;
    int fd;                     //  the thread's socket
    struct sockaddr_in peer;    //  udp: where the one-way sender sends
    size_t size;
    double seconds;
    uint64_t sent;              //  one-way: what the sender sent
} s_helper_t;

//  Write a one-line reason with the errno text.
static int
s_fail (char *reason, size_t reason_size, const char *what)
{
    if (reason && reason_size)
        snprintf (reason, reason_size, "%s: %s", what, strerror (errno));
    return -1;
}

//  Set a receive timeout on FD.
static void
s_set_timeout (int fd, int ms)
{
    struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
    setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof (tv));
}

//  A socket of KIND bound to 127.0.0.1 on an ephemeral port; *ADDR gets
//  the bound address. -1 on failure (errno set).
static int
s_socket (bench_raw_kind_t kind, struct sockaddr_in *addr)
{
    int fd = socket (AF_INET, kind == BENCH_RAW_UDP? SOCK_DGRAM: SOCK_STREAM,
                     0);
    if (fd == -1)
        return -1;
    int size = S_SOCKBUF;
    setsockopt (fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof (size));
    setsockopt (fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof (size));
    if (kind == BENCH_RAW_TCP) {
        int on = 1;
        setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof (on));
    }
    *addr = (struct sockaddr_in) { .sin_family = AF_INET };
    addr->sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    socklen_t len = sizeof (*addr);
    if (bind (fd, (struct sockaddr *) addr, len) == -1
    ||  getsockname (fd, (struct sockaddr *) addr, &len) == -1) {
        int saved = errno;
        close (fd);
        errno = saved;
        return -1;
    }
    return fd;
}

//  A connected TCP pair on loopback: *A_P connects, *B_P accepted.
static int
s_tcp_pair (int *a_p, int *b_p)
{
    struct sockaddr_in addr, unused;
    int listener = s_socket (BENCH_RAW_TCP, &addr);
    if (listener == -1 || listen (listener, 1) == -1)
        goto failed;
    int a = s_socket (BENCH_RAW_TCP, &unused);
    if (a == -1)
        goto failed;
    if (connect (a, (struct sockaddr *) &addr, sizeof (addr)) == -1) {
        close (a);
        goto failed;
    }
    int b = accept (listener, NULL, NULL);
    if (b == -1) {
        close (a);
        goto failed;
    }
    int on = 1;
    setsockopt (b, IPPROTO_TCP, TCP_NODELAY, &on, sizeof (on));
    close (listener);
    *a_p = a;
    *b_p = b;
    return 0;
failed:
    if (listener != -1)
        close (listener);
    return -1;
}

//  Read exactly SIZE bytes from a stream; false at EOF or error.
static bool
s_read_all (int fd, byte *buffer, size_t size)
{
    size_t done = 0;
    while (done < size) {
        ssize_t rc = read (fd, buffer + done, size - done);
        if (rc == -1 && errno == EINTR)
            continue;
        if (rc <= 0)
            return false;
        done += (size_t) rc;
    }
    return true;
}

//  Write exactly SIZE bytes to a stream; false on error.
static bool
s_write_all (int fd, const byte *buffer, size_t size)
{
    size_t done = 0;
    while (done < size) {
        ssize_t rc = write (fd, buffer + done, size - done);
        if (rc == -1 && errno == EINTR)
            continue;
        if (rc <= 0)
            return false;
        done += (size_t) rc;
    }
    return true;
}

//  Echo thread: send back what arrives until an empty datagram, EOF or
//  a long silence.
static void *
s_echo (void *arg)
{
    s_helper_t *helper = (s_helper_t *) arg;
    byte *buffer = (byte *) malloc (helper->size + 1);
    s_set_timeout (helper->fd, 3000);
    while (buffer) {
        if (helper->kind == BENCH_RAW_UDP) {
            struct sockaddr_in from;
            socklen_t len = sizeof (from);
            ssize_t rc = recvfrom (helper->fd, buffer, helper->size + 1, 0,
                                   (struct sockaddr *) &from, &len);
            if (rc <= 0)
                break;
            sendto (helper->fd, buffer, (size_t) rc, 0,
                    (struct sockaddr *) &from, len);
        }
        else
        if (!s_read_all (helper->fd, buffer, helper->size)
        ||  !s_write_all (helper->fd, buffer, helper->size))
            break;
    }
    free (buffer);
    return NULL;
}

//  Sender thread: send SIZE-byte messages for SECONDS, then say "end".
static void *
s_sender (void *arg)
{
    s_helper_t *helper = (s_helper_t *) arg;
    byte *buffer = (byte *) calloc (1, helper->size);
    int64_t until = bench_now_us () + (int64_t) (helper->seconds * 1e6);
    while (buffer) {
        //  Look at the clock every 64 messages: it costs a syscall-ish
        for (int count = 0; count < 64; count++) {
            bool ok = helper->kind == BENCH_RAW_UDP?
                sendto (helper->fd, buffer, helper->size, 0,
                        (struct sockaddr *) &helper->peer,
                        sizeof (helper->peer)) >= 0:
                s_write_all (helper->fd, buffer, helper->size);
            if (ok)
                helper->sent++;
            else
            if (helper->kind == BENCH_RAW_TCP)
                goto done;
        }
        if (bench_now_us () >= until)
            break;
    }
done:
    if (helper->kind == BENCH_RAW_UDP)
        for (int count = 0; count < 3; count++)
            sendto (helper->fd, "", 0, 0, (struct sockaddr *) &helper->peer,
                    sizeof (helper->peer));
    else
        shutdown (helper->fd, SHUT_WR);
    free (buffer);
    return NULL;
}

//  Ping-pong: see bench_raw.h.
int
bench_raw_pingpong (bench_raw_kind_t kind, size_t size, double seconds,
                    bench_samples_t *all, bench_raw_result_t *result,
                    char *reason, size_t reason_size)
{
    assert (result && size > 0);
    memset (result, 0, sizeof (*result));
    s_helper_t helper = { .kind = kind, .size = size };
    int fd = -1;
    struct sockaddr_in server, client;
    if (kind == BENCH_RAW_UDP) {
        helper.fd = s_socket (kind, &server);
        if (helper.fd == -1)
            return s_fail (reason, reason_size, "udp socket");
        fd = s_socket (kind, &client);
        if (fd == -1) {
            close (helper.fd);
            return s_fail (reason, reason_size, "udp socket");
        }
    }
    else
    if (s_tcp_pair (&fd, &helper.fd))
        return s_fail (reason, reason_size, "tcp connection");
    pthread_t thread;
    if (pthread_create (&thread, NULL, s_echo, &helper)) {
        close (fd);
        close (helper.fd);
        return s_fail (reason, reason_size, "thread");
    }
    s_set_timeout (fd, 1000);
    bench_samples_t *samples = bench_samples_new ();
    byte *buffer = (byte *) calloc (1, size + 1);
    int64_t start = bench_now_us ();
    int64_t until = start + (int64_t) (seconds * 1e6);
    uint64_t trips = 0;
    int rc = samples && buffer? 0: -1;
    while (rc == 0 && bench_now_us () < until) {
        int64_t sent_at = bench_now_us ();
        bool ok = kind == BENCH_RAW_UDP?
            sendto (fd, buffer, size, 0, (struct sockaddr *) &server,
                    sizeof (server)) >= 0
            && recv (fd, buffer, size + 1, 0) == (ssize_t) size:
            s_write_all (fd, buffer, size) && s_read_all (fd, buffer, size);
        if (!ok) {
            rc = s_fail (reason, reason_size, "raw ping-pong");
            break;
        }
        if (++trips > S_WARMUP) {
            double sample = (double) (bench_now_us () - sent_at);
            bench_samples_add (samples, sample);
            if (all)
                bench_samples_add (all, sample);
        }
    }
    double elapsed = (bench_now_us () - start) / 1e6;
    if (kind == BENCH_RAW_UDP)
        sendto (fd, "", 0, 0, (struct sockaddr *) &server, sizeof (server));
    else
        shutdown (fd, SHUT_WR);
    pthread_join (thread, NULL);
    close (fd);
    close (helper.fd);
    result->count = trips;
    result->seconds = elapsed;
    result->per_s = elapsed > 0? trips / elapsed: 0;
    result->p50_us = bench_samples_percentile (samples, 50);
    result->p99_us = bench_samples_percentile (samples, 99);
    free (buffer);
    bench_samples_destroy (&samples);
    return rc;
}

//  One-way stream: see bench_raw.h.
int
bench_raw_oneway (bench_raw_kind_t kind, size_t size, double seconds,
                  bench_raw_result_t *result,
                  char *reason, size_t reason_size)
{
    assert (result && size > 0);
    memset (result, 0, sizeof (*result));
    s_helper_t helper = { .kind = kind, .size = size, .seconds = seconds };
    int fd = -1;
    if (kind == BENCH_RAW_UDP) {
        struct sockaddr_in unused;
        fd = s_socket (kind, &helper.peer);
        helper.fd = fd == -1? -1: s_socket (kind, &unused);
        if (helper.fd == -1) {
            if (fd != -1)
                close (fd);
            return s_fail (reason, reason_size, "udp socket");
        }
    }
    else
    if (s_tcp_pair (&helper.fd, &fd))
        return s_fail (reason, reason_size, "tcp connection");
    size_t capacity = kind == BENCH_RAW_UDP? size + 1: 64 * 1024;
    byte *buffer = (byte *) malloc (capacity);
    pthread_t thread;
    if (!buffer || pthread_create (&thread, NULL, s_sender, &helper)) {
        free (buffer);
        close (fd);
        close (helper.fd);
        return s_fail (reason, reason_size, "thread");
    }
    //  Generous at first: the sender thread may not be running yet
    s_set_timeout (fd, 2000);
    uint64_t bytes = 0, messages = 0;
    int64_t first = 0, last = 0;
    while (true) {
        ssize_t rc = recv (fd, buffer, capacity, 0);
        if (rc == -1 && errno == EINTR)
            continue;
        if (rc <= 0)
            break;              //  end datagram, EOF, or silence
        last = bench_now_us ();
        if (!first) {
            first = last;
            s_set_timeout (fd, S_QUIET_MS);
        }
        if (kind == BENCH_RAW_UDP)
            messages++;
        else
            bytes += (uint64_t) rc;
    }
    pthread_join (thread, NULL);
    close (fd);
    close (helper.fd);
    free (buffer);
    if (kind == BENCH_RAW_TCP)
        messages = bytes / size;
    result->count = messages;
    result->sent = helper.sent;
    result->seconds = (last - first) / 1e6;
    result->per_s = last > first? messages / result->seconds: 0;
    if (messages == 0) {
        snprintf (reason, reason_size, "raw one-way: nothing arrived");
        return -1;
    }
    return 0;
}

//  Bind port 0, read the port the kernel chose, let it go.
int
bench_raw_free_port (void)
{
    struct sockaddr_in addr;
    int fd = s_socket (BENCH_RAW_TCP, &addr);
    if (fd == -1)
        return -1;
    close (fd);
    return ntohs (addr.sin_port);
}

//  New empty sample set.
bench_samples_t *
bench_samples_new (void)
{
    return (bench_samples_t *) calloc (1, sizeof (bench_samples_t));
}

//  Free a sample set; idempotent.
void
bench_samples_destroy (bench_samples_t **self_p)
{
    assert (self_p);
    if (*self_p) {
        free ((*self_p)->values);
        free (*self_p);
        *self_p = NULL;
    }
}

//  Add one sample, growing by doubling.
int
bench_samples_add (bench_samples_t *self, double value)
{
    assert (self);
    if (self->size == self->limit) {
        size_t limit = self->limit? self->limit * 2: 1024;
        double *values = (double *) realloc (self->values,
                                             limit * sizeof (double));
        if (!values)
            return -1;
        self->values = values;
        self->limit = limit;
    }
    self->values [self->size++] = value;
    return 0;
}

//  How many samples there are.
size_t
bench_samples_size (bench_samples_t *self)
{
    assert (self);
    return self->size;
}

//  Order doubles for qsort.
static int
s_compare (const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y? -1: x > y? 1: 0;
}

//  Nearest-rank percentile; sorts the samples in place.
double
bench_samples_percentile (bench_samples_t *self, double p)
{
    if (!self || self->size == 0)
        return 0;
    qsort (self->values, self->size, sizeof (double), s_compare);
    double rank = p / 100.0 * (double) self->size;
    size_t index = rank <= 1? 0: (size_t) (rank + 0.999999) - 1;
    if (index >= self->size)
        index = self->size - 1;
    return self->values [index];
}
