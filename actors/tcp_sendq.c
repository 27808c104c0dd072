/*  tcp_sendq.c: the write side of one TCP connection.

    tcp_conn pushes messages and calls tcp_sendq_write when its socket is
    writable; this gathers the greeting, the length headers and the
    payloads into one sendmsg (no copy of the payload), advances through
    what the kernel took, and moves every message whose last byte went
    out to a "sent" list for tcp_conn to report. MSG_NOSIGNAL: a peer that
    went away is an EPIPE, never a SIGPIPE.
*/
#include "dtchat.h"
#include "tcp_sendq.h"
#include "tcp_reader.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/uio.h>

//  sendmsg calls per tcp_sendq_write, so one peer cannot starve others.
#define S_WRITES_PER_CALL   16
//  iovec entries per sendmsg (two per message: header, payload).
#define S_IOV_MAX           64

struct _tcp_sendq_t {
    zlist_t *queue;             //  tcp_out_t *, oldest first
    zlist_t *sent;              //  tcp_out_t *, wholly written
    size_t bytes;               //  payload bytes in queue
    bool framed;
    bool greet;                 //  TCP_MAGIC is still to go
    size_t greet_done;          //  bytes of it written
};

//  New outgoing message; see tcp_sendq.h.
tcp_out_t *
tcp_out_new (const char *token, zmq_msg_t *data)
{
    assert (token && data);
    tcp_out_t *self = (tcp_out_t *) malloc (sizeof (tcp_out_t));
    if (!self)
        return NULL;
    snprintf (self->token, sizeof (self->token), "%s", token);
    zmq_msg_init (&self->data);
    zmq_msg_move (&self->data, data);
    self->done = 0;
    return self;
}

//  Destroy an outgoing message; idempotent.
void
tcp_out_destroy (tcp_out_t **self_p)
{
    tcp_out_t *self = *self_p;
    if (self) {
        zmq_msg_close (&self->data);
        free (self);
        *self_p = NULL;
    }
}

//  New empty queue; see tcp_sendq.h.
tcp_sendq_t *
tcp_sendq_new (void)
{
    tcp_sendq_t *self = (tcp_sendq_t *) zmalloc (sizeof (tcp_sendq_t));
    if (!self)
        return NULL;
    self->queue = zlist_new ();
    self->sent = zlist_new ();
    if (!self->queue || !self->sent) {
        zlist_destroy (&self->queue);
        zlist_destroy (&self->sent);
        free (self);
        return NULL;
    }
    self->framed = true;
    return self;
}

//  Destroy with everything in it; idempotent.
void
tcp_sendq_destroy (tcp_sendq_t **self_p)
{
    tcp_sendq_t *self = *self_p;
    if (self) {
        tcp_out_t *out;
        while ((out = (tcp_out_t *) zlist_pop (self->queue)))
            tcp_out_destroy (&out);
        while ((out = (tcp_out_t *) zlist_pop (self->sent)))
            tcp_out_destroy (&out);
        zlist_destroy (&self->queue);
        zlist_destroy (&self->sent);
        free (self);
        *self_p = NULL;
    }
}

//  Framed or bare.
void
tcp_sendq_set_framed (tcp_sendq_t *self, bool framed)
{
    assert (self);
    self->framed = framed;
}

//  Our greeting goes first.
void
tcp_sendq_greet (tcp_sendq_t *self)
{
    assert (self);
    self->greet = true;
    self->greet_done = 0;
}

//  Append a message.
void
tcp_sendq_push (tcp_sendq_t *self, tcp_out_t **out_p)
{
    assert (self && out_p && *out_p);
    self->bytes += zmq_msg_size (&(*out_p)->data);
    zlist_append (self->queue, *out_p);
    *out_p = NULL;
}

//  Account for N bytes written: the greeting, then messages in order.
static void
s_consume (tcp_sendq_t *self, size_t n)
{
    if (self->greet) {
        size_t take = TCP_MAGIC_SIZE - self->greet_done;
        take = take < n? take: n;
        self->greet_done += take;
        n -= take;
        if (self->greet_done == TCP_MAGIC_SIZE)
            self->greet = false;
    }
    size_t header = self->framed? TCP_HEADER_SIZE: 0;
    tcp_out_t *out;
    while (n && (out = (tcp_out_t *) zlist_first (self->queue))) {
        size_t total = header + zmq_msg_size (&out->data);
        size_t take = total - out->done < n? total - out->done: n;
        out->done += take;
        n -= take;
        if (out->done < total)
            break;
        zlist_pop (self->queue);
        self->bytes -= zmq_msg_size (&out->data);
        zlist_append (self->sent, out);
    }
}

//  Fill IOV (HEADERS holds the length headers) with what is due; returns
//  the entries used and sets *WANTED to their bytes.
static int
s_gather (tcp_sendq_t *self, struct iovec *iov,
          byte headers [][TCP_HEADER_SIZE], size_t *wanted)
{
    size_t header_size = self->framed? TCP_HEADER_SIZE: 0;
    int count = 0;
    if (self->greet) {
        iov [count].iov_base = (void *) &TCP_MAGIC [self->greet_done];
        iov [count++].iov_len = TCP_MAGIC_SIZE - self->greet_done;
    }
    tcp_out_t *out = (tcp_out_t *) zlist_first (self->queue);
    while (out && count < S_IOV_MAX - 1) {
        size_t size = zmq_msg_size (&out->data);
        if (out->done < header_size) {
            byte *h = headers [count];
            h [0] = (byte) (size >> 24);
            h [1] = (byte) (size >> 16);
            h [2] = (byte) (size >> 8);
            h [3] = (byte) size;
            iov [count].iov_base = h + out->done;
            iov [count++].iov_len = header_size - out->done;
            iov [count].iov_base = (byte *) zmq_msg_data (&out->data);
            iov [count++].iov_len = size;
        }
        else {
            size_t at = out->done - header_size;
            iov [count].iov_base = (byte *) zmq_msg_data (&out->data) + at;
            iov [count++].iov_len = size - at;
        }
        out = (tcp_out_t *) zlist_next (self->queue);
    }
    *wanted = 0;
    for (int index = 0; index < count; index++)
        *wanted += iov [index].iov_len;
    return count;
}

//  Write until the socket is full; see tcp_sendq.h.
ssize_t
tcp_sendq_write (tcp_sendq_t *self, int fd)
{
    assert (self);
    ssize_t total = 0;
    for (int round = 0; round < S_WRITES_PER_CALL; round++) {
        struct iovec iov [S_IOV_MAX];
        byte headers [S_IOV_MAX][TCP_HEADER_SIZE];
        size_t wanted;
        int count = s_gather (self, iov, headers, &wanted);
        if (count == 0)
            break;
        struct msghdr msg = { .msg_iov = iov, .msg_iovlen = (size_t) count };
        ssize_t rc = sendmsg (fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (rc == -1) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            return -1;
        }
        total += rc;
        s_consume (self, (size_t) rc);
        if ((size_t) rc < wanted)
            break;                      //  the socket is full
    }
    return total;
}

//  Next wholly written message, or NULL.
tcp_out_t *
tcp_sendq_sent (tcp_sendq_t *self)
{
    assert (self);
    return (tcp_out_t *) zlist_pop (self->sent);
}

//  Take the oldest unwritten message, or NULL.
tcp_out_t *
tcp_sendq_pop (tcp_sendq_t *self)
{
    assert (self);
    tcp_out_t *out = (tcp_out_t *) zlist_pop (self->queue);
    if (out)
        self->bytes -= zmq_msg_size (&out->data);
    return out;
}

//  Anything to write?
bool
tcp_sendq_busy (tcp_sendq_t *self)
{
    assert (self);
    return self->greet || zlist_size (self->queue) > 0;
}

//  Messages not yet wholly written.
size_t
tcp_sendq_size (tcp_sendq_t *self)
{
    assert (self);
    return zlist_size (self->queue);
}

//  Their payload bytes.
size_t
tcp_sendq_bytes (tcp_sendq_t *self)
{
    assert (self);
    return self->bytes;
}
