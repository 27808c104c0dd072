/*  bp_stream.c: a non-blocking byte stream with bounded buffers.

    The agent connection of bp_aap.c. Input grows by doubling up to its
    limit as bytes arrive, so a peer that announces a large message only
    costs what it really sends; output is one growing chunk, emptied
    once every byte has gone out.
*/
#include "bp_stream.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

//  One read, and the first input allocation.
#define S_READ_MAX  65536

struct _bp_stream_t {
    int fd;
    bool connecting;
    byte *in;
    size_t in_size;
    size_t in_capacity;
    size_t in_max;
    zchunk_t *out;
    size_t out_sent;
    size_t out_max;
};

//  New closed stream.
bp_stream_t *
bp_stream_new (size_t in_max, size_t out_max)
{
    bp_stream_t *self = (bp_stream_t *) calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->fd = -1;
    self->in_max = in_max < S_READ_MAX? S_READ_MAX: in_max;
    self->out_max = out_max;
    self->out = zchunk_new (NULL, 4096);
    if (!self->out) {
        free (self);
        return NULL;
    }
    return self;
}

//  Destroy; idempotent.
void
bp_stream_destroy (bp_stream_t **self_p)
{
    assert (self_p);
    bp_stream_t *self = *self_p;
    if (!self)
        return;
    bp_stream_close (self);
    zchunk_destroy (&self->out);
    free (self->in);
    free (self);
    *self_p = NULL;
}

//  Start connecting.
int
bp_stream_connect (bp_stream_t *self, const struct sockaddr *addr,
                   socklen_t addrlen)
{
    assert (self);
    bp_stream_close (self);
    self->fd = socket (addr->sa_family,
                       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (self->fd < 0)
        return -1;
    if (addr->sa_family != AF_UNIX) {
        int one = 1;
        setsockopt (self->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    if (connect (self->fd, addr, addrlen) == 0)
        return 0;
    if (errno == EINPROGRESS) {
        self->connecting = true;
        return 1;
    }
    int error = errno;
    bp_stream_close (self);
    errno = error;
    return -1;
}

//  Result of a connect in progress.
int
bp_stream_connected (bp_stream_t *self)
{
    assert (self);
    int error = 0;
    socklen_t length = sizeof error;
    if (self->fd < 0)
        return EBADF;
    if (getsockopt (self->fd, SOL_SOCKET, SO_ERROR, &error, &length))
        error = errno;
    self->connecting = false;
    return error;
}

//  Close and empty.
void
bp_stream_close (bp_stream_t *self)
{
    assert (self);
    if (self->fd >= 0)
        close (self->fd);
    self->fd = -1;
    self->connecting = false;
    self->in_size = 0;
    zchunk_set (self->out, NULL, 0);
    self->out_sent = 0;
}

//  The socket.
int
bp_stream_fd (bp_stream_t *self)
{
    assert (self);
    return self->fd;
}

//  Events wanted.
short
bp_stream_events (bp_stream_t *self)
{
    assert (self);
    if (self->connecting)
        return ZMQ_POLLOUT;
    return (short) (ZMQ_POLLIN
           | (zchunk_size (self->out) > self->out_sent? ZMQ_POLLOUT: 0));
}

//  Read what there is.
int
bp_stream_read (bp_stream_t *self, char *why, size_t why_size)
{
    assert (self);
    if (self->in_capacity - self->in_size < S_READ_MAX
    &&  self->in_capacity < self->in_max) {
        size_t grown = self->in_capacity? self->in_capacity * 2
                                        : 2 * S_READ_MAX;
        if (grown > self->in_max)
            grown = self->in_max;
        byte *in = (byte *) realloc (self->in, grown);
        if (!in) {
            snprintf (why, why_size, "out of memory");
            return -1;
        }
        self->in = in;
        self->in_capacity = grown;
    }
    if (self->in_size == self->in_capacity) {
        snprintf (why, why_size, "a message over the %zu-byte limit",
                  self->in_max);
        return -1;
    }
    ssize_t rc = recv (self->fd, self->in + self->in_size,
                       self->in_capacity - self->in_size, MSG_DONTWAIT);
    if (rc < 0 && (errno == EAGAIN || errno == EWOULDBLOCK
               ||  errno == EINTR))
        return 0;
    if (rc <= 0) {
        snprintf (why, why_size, "%s", rc == 0? "closed by the peer"
                                              : strerror (errno));
        return -1;
    }
    self->in_size += (size_t) rc;
    return 1;
}

//  The unconsumed input.
const byte *
bp_stream_data (bp_stream_t *self, size_t *size_p)
{
    assert (self);
    *size_p = self->in_size;
    return self->in;
}

//  Drop consumed input.
void
bp_stream_consume (bp_stream_t *self, size_t size)
{
    assert (self);
    assert (size <= self->in_size);
    memmove (self->in, self->in + size, self->in_size - size);
    self->in_size -= size;
}

//  Queue output.
int
bp_stream_queue (bp_stream_t *self, const byte *data, size_t size)
{
    assert (self);
    if (self->out_sent == zchunk_size (self->out)) {
        zchunk_set (self->out, NULL, 0);
        self->out_sent = 0;
    }
    size_t waiting = zchunk_size (self->out) - self->out_sent;
    if (size > self->out_max - waiting)
        return -1;
    zchunk_extend (self->out, data, size);
    return 0;
}

//  Write what the socket takes.
int
bp_stream_write (bp_stream_t *self, char *why, size_t why_size)
{
    assert (self);
    size_t size = zchunk_size (self->out) - self->out_sent;
    if (size == 0 || self->fd < 0)
        return 0;
    ssize_t rc = send (self->fd, zchunk_data (self->out) + self->out_sent,
                       size, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (rc < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            return 0;
        snprintf (why, why_size, "%s", strerror (errno));
        return -1;
    }
    self->out_sent += (size_t) rc;
    return 0;
}
