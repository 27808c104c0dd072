/*  tcp_conn_timer.c: the deadlines of one TCP connection of transport-tcp.

    transport-tcp asks tcp_conn_deadline when a connection next needs
    attention and calls tcp_conn_expire once that time has passed (see
    tcp_conn.h): a connect or greeting that takes too long, a listener's
    greeting delay, a lingering close, a stalled write or read, an
    unused link. The rest of the class is in tcp_conn.c.
*/
#include "dtchat.h"
#include "tcp_conn.h"
#include "tcp_conn_private.h"

#include <inttypes.h>

//  Next timer; see tcp_conn.h.
int64_t
tcp_conn_deadline (tcp_conn_t *self)
{
    assert (self);
    tcp_ctx_t *ctx = self->ctx;
    bool writing = tcp_sendq_busy (self->sendq);
    switch (self->phase) {
        case S_CONNECTING:
            return self->started + ctx->connect_ms;
        case S_GREETING:
            return self->greet_by;
        case S_ACCEPTED:
            return self->started + ctx->greet_delay_ms;
        case S_LINGER:
            return self->last_in + ctx->idle_ms;
        case S_CLOSED:
            return -1;
        case S_OPEN:
            break;
    }
    if (writing)
        return self->last_out + ctx->idle_ms;
    if (self->outbound && self->legacy)
        return -1;                      //  cannot happen: it lingers
    tcp_reader_mode_t mode = tcp_reader_mode (self->reader);
    if (mode != TCP_READER_FRAMED || tcp_reader_partial (self->reader))
        return self->last_in + ctx->idle_ms;
    int64_t last = self->last_in > self->last_out?
                   self->last_in: self->last_out;
    return last + (self->outbound? ctx->client_idle_ms: ctx->server_idle_ms);
}

//  Run due timers; see tcp_conn.h.
void
tcp_conn_expire (tcp_conn_t *self, int64_t now)
{
    assert (self);
    int64_t deadline = tcp_conn_deadline (self);
    if (deadline == -1 || now < deadline)
        return;
    char what [256];
    switch (self->phase) {
        case S_CONNECTING:
            snprintf (what, sizeof (what), "connect timed out after %"
                      PRId64 " ms", now - self->started);
            tcp_conn_abort (self, false, LOG_WARN, what);
            break;
        case S_GREETING:
            //  No greeting: a peer like the Rust DTChat
            tcp_conn_open (self, true, now);
            break;
        case S_ACCEPTED:
            //  Silent so far: a dtchat waits for our greeting
            self->phase = S_OPEN;
            tcp_sendq_greet (self->sendq);
            self->last_in = now;
            tcp_conn_write (self, now);
            break;
        case S_LINGER:
            tcp_conn_close (self);
            break;
        case S_OPEN:
            if (tcp_sendq_busy (self->sendq)) {
                snprintf (what, sizeof (what),
                          "stopped reading for %" PRId64 " ms",
                          now - self->last_out);
                tcp_conn_abort (self, false, LOG_WARN, what);
            }
            else
            if (tcp_reader_mode (self->reader) != TCP_READER_FRAMED
            ||  tcp_reader_partial (self->reader)) {
                size_t partial = tcp_reader_partial (self->reader);
                snprintf (what, sizeof (what),
                          "idle for %" PRId64 " ms %s (%zu bytes dropped)",
                          now - self->last_in,
                          partial? "mid-message": "before a message",
                          partial);
                tcp_conn_abort (self, false, LOG_WARN, what);
            }
            else
                tcp_conn_close (self);         //  an unused link: quietly
            break;
        case S_CLOSED:
            break;
    }
}
