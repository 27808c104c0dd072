/*  bp_native.c: native BPv7 over MTCP, transport-bp's default backend.

    dtchat is a small BP node here, with no daemon: it builds bundles
    itself (bundle.c), sends each to the next hop its routes name
    (bp_routes.c) through a link with a store-and-forward queue
    (bp_link.c), listens for bundles at the local endpoint's via
    (bp_listener.c), delivers those addressed to its EID as RECV, and
    forwards the others unchanged, byte for byte, as uD3TN does. It is
    driven by the transport-bp actor through bp_backend.h.
*/
#include "bp_backend.h"
#include "bp_link.h"
#include "bp_listener.h"
#include "bp_routes.h"
#include "bundle.h"
#include "bus_event.h"

//  Most next hops at once; idle ones make room for new ones.
#define S_LINKS_MAX     64
//  Bundle ids remembered to catch forwarding loops.
#define S_SEEN_MAX      4096
//  Room for the blocks and EIDs around the largest payload.
#define S_BUNDLE_SLACK  65536

typedef struct {
    bp_config_t config;
    char eid [DTCHAT_ENDPOINT_MAX];     //  our EID
    char node [DTCHAT_ENDPOINT_MAX];    //  its node ("ipn:1")
    char source [DTCHAT_ENDPOINT_MAX];  //  "bp ipn:1.1"
    bp_listener_t *listener;            //  NULL without a via
    size_t listener_items;              //  items of the last poll
    bp_routes_t *routes;
    zlist_t *links;                     //  bp_link_t *
    bp_link_t *polled [S_LINKS_MAX];    //  items after the listener's
    size_t polled_count;
    uint64_t last_ms;                   //  last creation time used
    uint64_t sequence;                  //  within last_ms
    zhash_t *seen;                      //  bundle ids forwarded
    zlist_t *seen_order;                //  their keys, oldest first
} s_native_t;

//  Destroy the backend state.
static void
s_destroy (void **self_p)
{
    s_native_t *self = (s_native_t *) *self_p;
    if (!self)
        return;
    bp_listener_destroy (&self->listener);
    bp_routes_destroy (&self->routes);
    bp_link_t *link;
    while (self->links && (link = (bp_link_t *) zlist_pop (self->links)))
        bp_link_destroy (&link);
    zlist_destroy (&self->links);
    zhash_destroy (&self->seen);
    char *key;
    while (self->seen_order && (key = (char *) zlist_pop (self->seen_order)))
        free (key);
    zlist_destroy (&self->seen_order);
    free (self);
    *self_p = NULL;
}

//  Answer a SEND with FAILED and say why.
static void
s_failed (s_native_t *self, const char *token, const char *why)
{
    bp_model_failed (self->config.model, token, why);
}

//  The link to VIA, made if needed. NULL if there are too many.
static bp_link_t *
s_link (s_native_t *self, const char *via)
{
    bp_link_t *link = (bp_link_t *) zlist_first (self->links);
    for (; link; link = (bp_link_t *) zlist_next (self->links))
        if (streq (bp_link_via (link), via))
            return link;
    if (zlist_size (self->links) >= S_LINKS_MAX) {
        //  drop one idle link (nothing queued, not connected)
        link = (bp_link_t *) zlist_first (self->links);
        for (; link; link = (bp_link_t *) zlist_next (self->links))
            if (!bp_link_queued (link) && !bp_link_connected (link))
                break;
        if (!link)
            return NULL;
        zlist_remove (self->links, link);
        bp_link_destroy (&link);
    }
    link = bp_link_new (via, self->config.model, self->config.pub);
    if (link)
        zlist_append (self->links, link);
    return link;
}

//  A creation timestamp that never repeats: (DTN ms, sequence).
static void
s_timestamp (s_native_t *self, bundle_t *bundle)
{
    uint64_t now = bundle_dtn_now_ms ();
    if (now > self->last_ms) {
        self->last_ms = now;
        self->sequence = 0;
    }
    else
        self->sequence++;
    bundle->creation_ms = self->last_ms;
    bundle->sequence = self->sequence;
}

//  SEND: build a bundle for the endpoint's EID and queue it for its hop.
static void
s_send (void *self_v, const char *token, const char *text,
        const byte *data, size_t size)
{
    s_native_t *self = (s_native_t *) self_v;
    endpoint_t remote;
    char why [DTCHAT_ENDPOINT_MAX + 128];
    if (bp_backend_remote (&remote, text, why, sizeof why)) {
        s_failed (self, token, why);
        return;
    }
    if (size > self->config.max_message) {
        snprintf (why, sizeof why, "message of %zu bytes is over the "
                  "%zu-byte limit", size, self->config.max_message);
        s_failed (self, token, why);
        return;
    }
    if (*remote.via)
        bp_routes_learn (self->routes, remote.eid, remote.via);
    if (streq (remote.eid, self->eid)) {
        //  to ourselves: no bundle needed
        bp_model_recv (self->config.model, self->source, data, size);
        bp_model_sent (self->config.model, token);
        return;
    }
    const char *via = *remote.via? remote.via
                    : bp_routes_lookup (self->routes, remote.eid);
    if (!via) {
        snprintf (why, sizeof why, "no route to %.100s: give \"bp %.100s "
                  "via mtcp:HOST:PORT\" or --bp-route", remote.eid,
                  remote.eid);
        s_failed (self, token, why);
        return;
    }
    bp_link_t *link = s_link (self, via);
    if (!link) {
        s_failed (self, token, "too many next hops busy");
        return;
    }
    bundle_t bundle;
    bundle_init (&bundle);
    snprintf (bundle.dest, sizeof bundle.dest, "%s", remote.eid);
    snprintf (bundle.source, sizeof bundle.source, "%s", self->eid);
    s_timestamp (self, &bundle);
    bundle.payload = data;
    bundle.payload_size = size;
    size_t bundle_size;
    byte *encoded = bundle_encode (&bundle, &bundle_size, why, sizeof why);
    if (!encoded) {
        s_failed (self, token, why);
        return;
    }
    //  the payload is the last thing before the final break code
    bp_link_item_t item = {
        encoded, bundle_size, bundle_size - 1 - size, size, token,
        dtchat_now_ms () + (int64_t) bundle.lifetime_ms, remote.eid
    };
    if (bp_link_enqueue (link, &item, why, sizeof why))
        s_failed (self, token, why);
    free (encoded);
}

//  True if this bundle id was forwarded already; remember it if not.
static bool
s_seen (s_native_t *self, const bundle_t *bundle)
{
    char key [3 * BUNDLE_EID_MAX];
    snprintf (key, sizeof key, "%s %" PRIu64 " %" PRIu64 " %" PRIu64,
              bundle->source, bundle->creation_ms, bundle->sequence,
              bundle->fragment_offset);
    if (zhash_lookup (self->seen, key))
        return true;
    char *copy = strdup (key);
    if (!copy)
        return false;
    zhash_insert (self->seen, key, copy);
    zlist_append (self->seen_order, copy);
    if (zlist_size (self->seen_order) > S_SEEN_MAX) {
        char *oldest = (char *) zlist_pop (self->seen_order);
        zhash_delete (self->seen, oldest);
        free (oldest);
    }
    return false;
}

//  Forward a bundle for another node, unchanged, by our routes.
static void
s_forward (s_native_t *self, const bundle_t *bundle, zchunk_t *chunk,
           const char *peer)
{
    if (s_seen (self, bundle)) {
        bus_log (self->config.pub, TOPIC_NET, LOG_WARN, peer,
                 "bundle %s -> %s seen before: dropped (a routing loop?)",
                 bundle->source, bundle->dest);
        return;
    }
    const char *via = bp_routes_lookup (self->routes, bundle->dest);
    bp_link_t *link = via? s_link (self, via): NULL;
    if (!link) {
        bus_log (self->config.pub, TOPIC_NET, LOG_WARN, peer,
                 "bundle %s -> %s dropped: no route to %s",
                 bundle->source, bundle->dest, bundle->dest);
        return;
    }
    int64_t expires = bundle->creation_ms
        ? (int64_t) (bundle->creation_ms + bundle->lifetime_ms)
          + BUNDLE_DTN_EPOCH_MS
        : dtchat_now_ms () + (int64_t) (bundle->lifetime_ms - bundle->age_ms);
    bp_link_item_t item = {
        zchunk_data (chunk), zchunk_size (chunk), 0, 0, NULL, expires,
        bundle->dest
    };
    char why [256];
    if (bp_link_enqueue (link, &item, why, sizeof why))
        bus_log (self->config.pub, TOPIC_NET, LOG_WARN, peer,
                 "bundle %s -> %s dropped: %s", bundle->source,
                 bundle->dest, why);
}

//  One bundle from an inbound connection: deliver, forward or drop.
static void
s_receive (s_native_t *self, zchunk_t *chunk, uint64_t conn,
           const char *peer)
{
    bundle_t bundle;
    char why [256];
    if (bundle_decode (&bundle, zchunk_data (chunk), zchunk_size (chunk),
                       why, sizeof why)) {
        char text [300];
        snprintf (text, sizeof text, "invalid bundle: %s", why);
        bp_listener_reject (self->listener, conn, text);
        return;
    }
    const char *drop = NULL;
    char node [DTCHAT_ENDPOINT_MAX];
    if (bundle_expired (&bundle, bundle_dtn_now_ms ()))
        drop = "its lifetime has ended";
    else
    if (streq (bundle.source, self->eid))
        drop = "it came back to its source";
    else
    if (streq (bundle.dest, self->eid)) {
        if (bundle.flags & BUNDLE_IS_FRAGMENT)
            drop = "fragments are not reassembled here";
        else
        if (bundle.flags & BUNDLE_ADMIN_RECORD)
            drop = "administrative records (status reports) are ignored";
        else
        if (bundle.payload_size > self->config.max_message)
            drop = "its payload is over the message limit";
        else {
            char source [DTCHAT_ENDPOINT_MAX + 8];
            snprintf (source, sizeof source, "bp %s", bundle.source);
            bp_model_recv (self->config.model, source, bundle.payload,
                           bundle.payload_size);
            return;
        }
    }
    else
    if (bp_eid_node (bundle.dest, node, sizeof node) == 0
    &&  streq (node, self->node))
        drop = "no such endpoint on this node";
    if (drop) {
        bus_log (self->config.pub, TOPIC_NET, LOG_WARN, peer,
                 "bundle %s -> %s dropped: %s", bundle.source, bundle.dest,
                 drop);
        return;
    }
    s_forward (self, &bundle, chunk, peer);
}

//  Poll items: the listener's, then each link that has a socket.
static size_t
s_poll_items (void *self_v, zmq_pollitem_t *items, size_t max)
{
    s_native_t *self = (s_native_t *) self_v;
    size_t links = zlist_size (self->links);
    size_t count = 0;
    self->listener_items = 0;
    if (self->listener && max > links)
        count = self->listener_items =
            bp_listener_poll_items (self->listener, items, max - links);
    self->polled_count = 0;
    bp_link_t *link = (bp_link_t *) zlist_first (self->links);
    for (; link && count < max; link = (bp_link_t *) zlist_next (self->links))
        if (bp_link_fd (link) >= 0 && bp_link_events (link)) {
            items [count++] = (zmq_pollitem_t) {
                NULL, bp_link_fd (link), bp_link_events (link), 0 };
            self->polled [self->polled_count++] = link;
        }
    return count;
}

//  Handle the last poll's items, then every bundle that came in.
static void
s_handle (void *self_v, zmq_pollitem_t *items, size_t count)
{
    s_native_t *self = (s_native_t *) self_v;
    for (size_t i = 0; i < self->polled_count; i++) {
        zmq_pollitem_t *item = &items [self->listener_items + i];
        if (item->revents)
            bp_link_handle (self->polled [i], item->revents);
    }
    self->polled_count = 0;
    if (!self->listener)
        return;
    bp_listener_handle (self->listener, items, self->listener_items);
    zchunk_t *chunk;
    uint64_t conn;
    const char *peer;
    while ((chunk = bp_listener_next (self->listener, &conn, &peer))) {
        s_receive (self, chunk, conn, peer);
        zchunk_destroy (&chunk);
    }
}

//  Ms until a link has work.
static int64_t
s_timeout (void *self_v)
{
    s_native_t *self = (s_native_t *) self_v;
    int64_t timeout = -1;
    bp_link_t *link = (bp_link_t *) zlist_first (self->links);
    for (; link; link = (bp_link_t *) zlist_next (self->links)) {
        int64_t left = bp_link_timeout (link);
        if (left >= 0 && (timeout < 0 || left < timeout))
            timeout = left;
    }
    return timeout;
}

//  Let every link do what is due.
static void
s_tick (void *self_v)
{
    s_native_t *self = (s_native_t *) self_v;
    bp_link_t *link = (bp_link_t *) zlist_first (self->links);
    for (; link; link = (bp_link_t *) zlist_next (self->links))
        bp_link_tick (link);
}

//  Start native BP (see bp_backend.h).
int
bp_native_start (bp_backend_t *backend, const bp_config_t *config,
                 char *bound, size_t bound_size,
                 char *reason, size_t reason_size)
{
    s_native_t *self = (s_native_t *) calloc (1, sizeof *self);
    if (!self) {
        snprintf (reason, reason_size, "out of memory");
        return -1;
    }
    self->config = *config;
    snprintf (self->eid, sizeof self->eid, "%s", config->local.eid);
    snprintf (self->source, sizeof self->source, "bp %.240s", self->eid);
    bp_eid_node (self->eid, self->node, sizeof self->node);
    self->routes = bp_routes_new ();
    self->links = zlist_new ();
    self->seen = zhash_new ();
    self->seen_order = zlist_new ();
    if (!self->routes || !self->links || !self->seen || !self->seen_order) {
        snprintf (reason, reason_size, "out of memory");
        s_destroy ((void **) &self);
        return -1;
    }
    char why [256];
    for (size_t i = 0; config->routes && config->routes [i]; i++)
        if (bp_routes_add_text (self->routes, config->routes [i],
                                why, sizeof why)) {
            snprintf (reason, reason_size, "--bp-route: %s", why);
            s_destroy ((void **) &self);
            return -1;
        }
    if (*config->local.via) {
        self->listener = bp_listener_new (config->local.via,
                                          config->max_message
                                          + S_BUNDLE_SLACK,
                                          config->pub, why, sizeof why);
        if (!self->listener) {
            snprintf (reason, reason_size, "bp %s via %s", self->eid, why);
            s_destroy ((void **) &self);
            return -1;
        }
        bus_log (config->pub, TOPIC_NET, LOG_INFO,
                 bp_listener_bound (self->listener),
                 "bp %s: listening for bundles on %s", self->eid,
                 bp_listener_bound (self->listener));
    }
    else
        bus_log (config->pub, TOPIC_NET, LOG_WARN, self->source,
                 "bp %s: no \"via mtcp:HOST:PORT\" in the local endpoint: "
                 "this node sends bundles but cannot receive any", self->eid);
    *backend = (bp_backend_t) {
        self, "native", "", s_send, s_poll_items, s_handle, s_timeout,
        s_tick, s_destroy
    };
    if (self->listener)
        snprintf (backend->listening, sizeof backend->listening, "%s",
                  bp_listener_bound (self->listener));
    snprintf (bound, bound_size, "%s", self->source);
    return 0;
}
