/*  tcp_conn.c: one TCP connection of transport-tcp, as a state machine.

    transport-tcp creates, polls and destroys these (see tcp_conn.h); the
    connection reads into a tcp_reader, writes queued messages with
    sendmsg (partial writes resume where they stopped; SENT only when the
    last byte of a message went to the OS), and runs its own timers. All
    it produces goes to the shared ctx: RECV, SENT and FAILED to its
    model pipe, "net" events to its PUB. It never blocks and never raises
    SIGPIPE (MSG_NOSIGNAL).

    Outbound: CONNECTING -> GREETING -> OPEN (framed), or GREETING times
    out -> OPEN (legacy) -> LINGER (shut down, wait for the peer's EOF so
    the close is clean). Inbound: ACCEPTED (silent, so a Rust peer that
    writes at once never gets a byte from us) -> OPEN (we greet after the
    greet delay, or at once when the peer greets first). The timers are
    in tcp_conn_timer.c.
*/
#include "dtchat.h"
#include "tcp_conn.h"
#include "tcp_conn_private.h"
#include "tcp_reader.h"
#include "tcp_sock.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

//  Reads per wakeup, so one busy peer cannot starve the others.
#define S_READS_PER_WAKEUP  16
//  A slow network stretches the greeting wait by twice the connect time,
//  up to this much.
#define S_GREET_STRETCH_MAX 2000
//  What poll () reports besides POLLIN and POLLOUT: an error, a hang-up.
#define S_POLL_ERR          (POLLERR | POLLHUP | POLLNVAL)

//  Common part of both constructors.
static tcp_conn_t *
s_new (tcp_ctx_t *ctx, int fd, const char *peer, bool outbound, int64_t now)
{
    tcp_conn_t *self = (tcp_conn_t *) zmalloc (sizeof (tcp_conn_t));
    if (!self)
        return NULL;
    self->ctx = ctx;
    self->fd = fd;
    self->outbound = outbound;
    snprintf (self->peer, sizeof (self->peer), "%s", peer);
    self->reader = tcp_reader_new (ctx->max_message, outbound);
    self->sendq = tcp_sendq_new ();
    if (!self->reader || !self->sendq) {
        tcp_reader_destroy (&self->reader);
        tcp_sendq_destroy (&self->sendq);
        free (self);
        return NULL;
    }
    self->started = self->last_in = self->last_out = now;
    return self;
}

//  Wrap an accepted socket; see tcp_conn.h.
tcp_conn_t *
tcp_conn_accept (tcp_ctx_t *ctx, int fd, const char *peer, int64_t now)
{
    tcp_conn_t *self = s_new (ctx, fd, peer, false, now);
    if (!self) {
        close (fd);
        return NULL;
    }
    self->phase = S_ACCEPTED;
    return self;
}

//  Start connecting; see tcp_conn.h.
tcp_conn_t *
tcp_conn_connect (tcp_ctx_t *ctx, const endpoint_t *addr, const char *peer,
                  bool legacy, void *owner, tcp_out_t **first_p,
                  int64_t now, char *reason, size_t reason_size)
{
    assert (first_p && *first_p);
    int fd = tcp_sock_connect (addr, peer, reason, reason_size);
    if (fd == -1)
        return NULL;
    tcp_conn_t *self = s_new (ctx, fd, peer, true, now);
    if (!self) {
        snprintf (reason, reason_size, "%s: out of memory", peer);
        close (fd);
        return NULL;
    }
    self->legacy = legacy;
    self->owner = owner;
    self->phase = S_CONNECTING;
    tcp_sendq_push (self->sendq, first_p);
    return self;
}

//  Close the socket; the owner destroys the connection later.
void
tcp_conn_close (tcp_conn_t *self)
{
    if (self->fd != -1)
        close (self->fd);
    self->fd = -1;
    self->phase = S_CLOSED;
}

//  Destroy; see tcp_conn.h.
void
tcp_conn_destroy (tcp_conn_t **self_p)
{
    tcp_conn_t *self = *self_p;
    if (self) {
        tcp_conn_close (self);
        tcp_sendq_destroy (&self->sendq);
        tcp_reader_destroy (&self->reader);
        free (self);
        *self_p = NULL;
    }
}

//  The connection is over: fail what it still holds with "PEER: WHAT",
//  tell the bus at LEVEL (none if QUIET), and close. Setup failures are
//  kept for the owner, who fails the peer's queue with the same reason.
void
tcp_conn_abort (tcp_conn_t *self, bool quiet, log_level_t level,
                const char *what)
{
    char reason [sizeof (self->failure)];
    snprintf (reason, sizeof (reason), "%s: %s", self->peer, what);
    if (self->phase == S_CONNECTING || self->phase == S_GREETING)
        snprintf (self->failure, sizeof (self->failure), "%s", reason);
    size_t lost = tcp_sendq_size (self->sendq);
    if (!quiet) {
        if (lost)
            tcp_conn_log (self, level, "%s (%zu message%s failed)", reason,
                          lost, lost == 1? "": "s");
        else
            tcp_conn_log (self, level, "%s", reason);
    }
    tcp_out_t *out;
    while ((out = tcp_sendq_pop (self->sendq))) {
        model_pipe_reply (self->ctx->model, VERB_FAILED, out->token,
                          reason);
        tcp_out_destroy (&out);
    }
    tcp_conn_close (self);
}

//  Hand every whole message the reader has to the model.
static void
s_deliver (tcp_conn_t *self)
{
    zframe_t *frame;
    while ((frame = tcp_reader_next (self->reader))) {
        model_pipe_deliver (self->ctx->model, self->peer,
                            zframe_data (frame), zframe_size (frame));
        zframe_destroy (&frame);
    }
}

//  Write what is queued until the socket is full; report each message
//  whose last byte went out, and fail them all on a socket error.
void
tcp_conn_write (tcp_conn_t *self, int64_t now)
{
    if (self->phase != S_OPEN)
        return;
    ssize_t rc = tcp_sendq_write (self->sendq, self->fd);
    int err = errno;
    if (rc > 0)
        self->last_out = now;
    tcp_out_t *out;
    while ((out = tcp_sendq_sent (self->sendq))) {
        model_pipe_reply (self->ctx->model, VERB_SENT, out->token, NULL);
        tcp_out_destroy (&out);
        if (self->legacy) {
            //  The one message is out: half-close, wait for the peer's EOF
            shutdown (self->fd, SHUT_WR);
            self->phase = S_LINGER;
            self->last_in = now;
        }
    }
    if (rc == -1)
        tcp_conn_abort (self, false, LOG_WARN, strerror (err));
}

//  The peer closed its side.
static void
s_eof (tcp_conn_t *self)
{
    if (self->phase == S_LINGER) {
        tcp_conn_close (self);
        return;
    }
    if (self->phase == S_GREETING) {
        tcp_conn_abort (self, false, LOG_WARN,
                 "closed the connection before its greeting");
        return;
    }
    //  A legacy listener's stream is not ours to read
    if (!(self->outbound && self->legacy)) {
        char reason [256];
        if (tcp_reader_eof (self->reader, reason, sizeof (reason)) == -1)
            tcp_conn_log (self, LOG_WARN, "%s: %s", self->peer, reason);
        s_deliver (self);
    }
    bool lost = tcp_sendq_size (self->sendq) > 0;
    tcp_conn_abort (self, !lost, LOG_WARN, "closed the connection");
}

//  A receive or send error ERR (e.g. a reset).
static void
s_io_error (tcp_conn_t *self, int err)
{
    size_t partial = self->phase == S_OPEN?
                     tcp_reader_partial (self->reader): 0;
    if (partial) {
        char what [256];
        snprintf (what, sizeof (what), "%s mid-message (%zu bytes dropped)",
                  strerror (err), partial);
        tcp_conn_abort (self, false, LOG_WARN, what);
    }
    else
        //  A reset between messages loses nothing we hold
        tcp_conn_abort (self, tcp_sendq_size (self->sendq) == 0
                       && self->phase != S_CONNECTING
                       && self->phase != S_GREETING,
                 LOG_WARN, strerror (err));
}

//  The listener greeted (or we know it never will): start writing.
void
tcp_conn_open (tcp_conn_t *self, bool legacy, int64_t now)
{
    self->phase = S_OPEN;
    self->legacy = legacy;
    tcp_sendq_set_framed (self->sendq, !legacy);
    if (!legacy)
        tcp_sendq_greet (self->sendq);
    self->last_out = now;
    tcp_conn_write (self, now);
}

//  After bytes were fed: the first bytes decide what an inbound peer
//  speaks, the whole greeting opens an outbound link.
static void
s_after_feed (tcp_conn_t *self, int64_t now)
{
    tcp_reader_mode_t mode = tcp_reader_mode (self->reader);
    if (self->phase == S_GREETING && mode == TCP_READER_FRAMED)
        tcp_conn_open (self, false, now);
    else
    if (self->phase == S_ACCEPTED && mode != TCP_READER_DETECT) {
        //  A Rust peer (legacy) never hears from us; a dtchat that greets
        //  first gets our greeting back at once
        self->phase = S_OPEN;
        if (mode != TCP_READER_LEGACY)
            tcp_sendq_greet (self->sendq);
        tcp_conn_write (self, now);
    }
}

//  Read what the socket has (a bounded batch). Returns the bytes read.
static size_t
s_read (tcp_conn_t *self, int64_t now)
{
    size_t total = 0;
    for (int round = 0; round < S_READS_PER_WAKEUP; round++) {
        if (self->phase == S_CLOSED)
            break;
        ssize_t rc = recv (self->fd, self->ctx->scratch,
                           self->ctx->scratch_size, MSG_DONTWAIT);
        if (rc == 0) {
            s_eof (self);
            break;
        }
        if (rc == -1) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                s_io_error (self, errno);
            break;
        }
        total += (size_t) rc;
        self->last_in = now;
        //  A legacy listener has nothing to tell us: discard
        if (self->outbound && self->legacy)
            continue;
        char reason [256];
        if (tcp_reader_feed (self->reader, self->ctx->scratch, (size_t) rc,
                             reason, sizeof (reason)) == -1) {
            s_deliver (self);
            tcp_conn_abort (self, false, LOG_WARN, reason);
            break;
        }
        s_deliver (self);
        s_after_feed (self, now);
    }
    return total;
}

//  CONNECTING is over: see how it went.
static void
s_connected (tcp_conn_t *self, int64_t now)
{
    int err = tcp_sock_error (self->fd);
    if (err) {
        tcp_conn_abort (self, false, LOG_WARN, strerror (err));
        return;
    }
    self->last_in = now;
    if (self->legacy)
        tcp_conn_open (self, true, now);
    else {
        int64_t stretch = 2 * (now - self->started);
        if (stretch > S_GREET_STRETCH_MAX)
            stretch = S_GREET_STRETCH_MAX;
        self->phase = S_GREETING;
        self->greet_by = now + self->ctx->greet_wait_ms + stretch;
    }
}

//  The socket.
int
tcp_conn_fd (tcp_conn_t *self)
{
    assert (self);
    return self->fd;
}

//  Poll events wanted now; see tcp_conn.h.
short
tcp_conn_events (tcp_conn_t *self, bool may_read, int64_t now)
{
    assert (self);
    short in = POLLIN;
    //  Only reading that yields messages pauses: a greeting, a legacy
    //  peer's silence and a lingering close are always read
    if (!may_read && (self->phase == S_OPEN || self->phase == S_ACCEPTED)
    &&  !(self->outbound && self->legacy)) {
        //  We are the slow one: the peer's idle clock stands still
        self->last_in = now;
        in = 0;
    }
    bool writing = tcp_sendq_busy (self->sendq);
    switch (self->phase) {
        case S_CONNECTING:
            return POLLOUT;
        case S_GREETING:
        case S_ACCEPTED:
            return in;
        case S_OPEN:
            if (self->outbound && self->legacy)
                return writing? POLLOUT: 0;
            return (short) (in | (writing? POLLOUT: 0));
        case S_LINGER:
            return POLLIN;
        case S_CLOSED:
            break;
    }
    return 0;
}

//  Act on poll results; see tcp_conn.h.
void
tcp_conn_handle (tcp_conn_t *self, short revents, int64_t now)
{
    assert (self);
    if (self->phase == S_CLOSED)
        return;
    if (self->phase == S_CONNECTING) {
        if (revents & (POLLOUT | S_POLL_ERR))
            s_connected (self, now);
        return;
    }
    if (revents & (POLLIN | S_POLL_ERR)) {
        size_t got = s_read (self, now);
        if ((revents & S_POLL_ERR) && got == 0 && self->phase != S_CLOSED) {
            //  An error or hang-up with nothing to read: say which
            int err = tcp_sock_error (self->fd);
            s_io_error (self, err? err: EPIPE);
        }
    }
    if ((revents & POLLOUT) && self->phase == S_OPEN)
        tcp_conn_write (self, now);
}

//  The state; see tcp_conn.h.
tcp_conn_state_t
tcp_conn_state (tcp_conn_t *self)
{
    assert (self);
    switch (self->phase) {
        case S_CLOSED:
            return TCP_CONN_CLOSED;
        case S_CONNECTING:
        case S_GREETING:
        case S_ACCEPTED:
            return TCP_CONN_SETUP;
        case S_OPEN:
        case S_LINGER:
            break;
    }
    if (self->outbound)
        return self->legacy? TCP_CONN_LEGACY: TCP_CONN_FRAMED;
    tcp_reader_mode_t mode = tcp_reader_mode (self->reader);
    return mode == TCP_READER_LEGACY? TCP_CONN_LEGACY:
           mode == TCP_READER_DETECT? TCP_CONN_SETUP: TCP_CONN_FRAMED;
}

//  True for a connection we opened.
bool
tcp_conn_outbound (tcp_conn_t *self)
{
    assert (self);
    return self->outbound;
}

//  Why setup failed, or NULL.
const char *
tcp_conn_setup_failure (tcp_conn_t *self)
{
    assert (self);
    return *self->failure? self->failure: NULL;
}

//  Queue one more message on a framed outbound link; see tcp_conn.h.
void
tcp_conn_queue (tcp_conn_t *self, tcp_out_t **out_p, int64_t now)
{
    assert (self);
    assert (self->outbound && !self->legacy && self->phase == S_OPEN);
    if (!tcp_sendq_busy (self->sendq))
        self->last_out = now;           //  the stall clock starts now
    tcp_sendq_push (self->sendq, out_p);
    tcp_conn_write (self, now);
}

//  Messages not yet wholly written, and their bytes in *BYTES.
size_t
tcp_conn_pending (tcp_conn_t *self, size_t *bytes)
{
    assert (self);
    if (bytes)
        *bytes = tcp_sendq_bytes (self->sendq);
    return tcp_sendq_size (self->sendq);
}

//  The owner's tag.
void *
tcp_conn_owner (tcp_conn_t *self)
{
    assert (self);
    return self->owner;
}
