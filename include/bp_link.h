/*  bp_link.h: one outgoing MTCP link to a next hop, with its queue.

    bp_native.c keeps one bp_link_t per next hop ("mtcp:HOST:PORT"). A
    link holds the bundles waiting for that hop (store and forward: a
    bounded queue, each bundle until its lifetime ends), connects when
    there is something to send, writes each bundle as one MTCP frame,
    and reconnects with backoff when the hop is down or the connection
    breaks. When a bundle's last byte is written it sends SENT for the
    bundle's tokens on the model pipe; when a queued bundle's lifetime
    ends first it sends FAILED for them. A relayed bundle has no token:
    it is reported on the bus. The owner polls the link's socket with
    the events bp_link_events asks for and calls bp_link_handle, and
    calls bp_link_tick when bp_link_timeout says so.
*/
#ifndef BP_LINK_H_INCLUDED
#define BP_LINK_H_INCLUDED

#include "dtchat.h"
#include "bp_model.h"

//  Queue bounds per link.
#define BP_LINK_QUEUE_MAX       1024
#define BP_LINK_QUEUE_BYTES     (64 * 1024 * 1024)
//  Reconnect backoff: first delay, cap, and how long a connect may take.
#define BP_LINK_BACKOFF_MIN_MS  100
#define BP_LINK_BACKOFF_MAX_MS  5000
#define BP_LINK_CONNECT_MS      10000

typedef struct _bp_link_t bp_link_t;

//  New link to VIA ("mtcp:HOST:PORT", canonical). MODEL gets SENT and
//  FAILED, PUB the "net" events (both borrowed). NULL if VIA is bad.
bp_link_t *
    bp_link_new (const char *via, bp_model_t *model, zsock_t *pub);

//  Destroy; idempotent. Queued bundles are dropped silently (the
//  transport is ending).
void
    bp_link_destroy (bp_link_t **self_p);

//  The link's next hop text.
const char *
    bp_link_via (bp_link_t *self);

//  One bundle to queue.
typedef struct {
    const byte *bundle;     //  its encoding (copied)
    size_t size;
    //  where its payload sits in BUNDLE (0, 0: never merge, see below)
    size_t payload_at;
    size_t payload_size;
    const char *token;      //  the SEND's token, or NULL when relayed
    int64_t expires;        //  end of its lifetime, ms since Unix epoch
    const char *dest;       //  its destination EID, for events
} bp_link_item_t;

//  Queue ITEM for this hop. If a bundle with the same destination and
//  payload still waits untouched, the token joins it instead (the
//  ack-tracker resends the same message while a hop is down: one copy
//  goes out, every token gets SENT). A bundle for an idle connection is
//  written at once (its SENT may be sent from this call). Returns 0, or
//  -1 with a reason when the queue is full.
int
    bp_link_enqueue (bp_link_t *self, const bp_link_item_t *item,
                     char *reason, size_t reason_size);

//  Bundles waiting (including one being written).
size_t
    bp_link_queued (bp_link_t *self);

//  True while the link has a working connection.
bool
    bp_link_connected (bp_link_t *self);

//  The socket to poll (-1 if none) and the events wanted (ZMQ_POLLIN,
//  ZMQ_POLLOUT).
int
    bp_link_fd (bp_link_t *self);
short
    bp_link_events (bp_link_t *self);

//  Handle REVENTS on the link's socket.
void
    bp_link_handle (bp_link_t *self, short revents);

//  Ms until bp_link_tick has work (a reconnect, an expiry, a connect
//  timeout), or -1 for none.
int64_t
    bp_link_timeout (bp_link_t *self);

//  Do what is due: expire bundles, start a connect. Call after polling.
void
    bp_link_tick (bp_link_t *self);

#endif
