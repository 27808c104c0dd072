/*  bench_peer.c: drive two in-process dtchat peers and time them.

    dtchat-bench makes one bench_peer per transport. It builds peers
    A and B from node.h (bus_external "" so nothing is visible outside,
    a long lifetime so nothing expires), connects a PAIR to A's ui
    endpoint as a ui would and a SUB to A's bus backend. Each text is
    "bench NNNNNNNN xxx..." so an ACKED event names the text it acks and
    its round trip can be timed even with many in flight. The bus may
    drop (PUB at its HWM): the SUB has no HWM of its own and the final
    DRAIN/DRAINED with the model's "sync" counters decides what was
    lost, never the bus.
*/
#include "bench_peer.h"
#include "bench_raw.h"
#include "bus_event.h"
#include "chat_msg.h"
#include "event_bus.h"
#include "node.h"
#include "actor_poller.h"

#include <limits.h>

//  A wait for one event gives up after this long, ms.
#define S_EVENT_WAIT_MS     5000
//  DRAINED must come within this long, ms.
#define S_DRAIN_WAIT_MS     60000
//  Lifetime of bench messages: longer than any run.
#define S_LIFETIME_MS       (30 * 60 * 1000)
#define S_TEXT_PREFIX       "bench "

struct _bench_peer_t {
    endpoint_proto_t proto;
    size_t text_size;
    const char *store;          //  NULL, ":memory:" or a directory
    bench_peer_result_t result_;
    bench_peer_result_t *result;    //  = &result_
    node_t *a, *b;
    zsock_t *ui;                //  PAIR to A's chat-model
    zsock_t *sub;               //  A's bus: "msg" and "sys"
    actor_poller_t *poller;     //  ui and sub
    int64_t *sent_at;           //  by sequence number, 0 = acked
    size_t sent_limit;
    uint64_t next;              //  next sequence number
    uint64_t in_flight;
    bench_samples_t *rtt;       //  round trips one at a time
    bench_samples_t *load;      //  round trips while streaming
    bench_samples_t *samples;   //  where ACKED timings go now
    char *text;                 //  the text being built
    bool drained;               //  DRAINED arrived
    bool synced;                //  the awaited "sync" event arrived
    char sync_token [32];       //  the "sync" token awaited
};

//  Loopback endpoints: ephemeral ports (udp, tcp); native BP names its
//  MTCP port, see s_start_peers.
const char *
bench_peer_local (endpoint_proto_t proto, int node)
{
    switch (proto) {
        case ENDPOINT_UDP: return "udp 127.0.0.1:0";
        case ENDPOINT_TCP: return "tcp 127.0.0.1:0";
        case ENDPOINT_BP:  return node == 1? "bp ipn:1.1": "bp ipn:2.1";
        default: return NULL;
    }
}

//  Encoded size of one bench text from LOCAL.
size_t
bench_peer_wire_size (const char *local, size_t text_size)
{
    char *text = (char *) malloc (text_size + 1);
    char sender [37];
    chat_msg_uuid_new (sender);
    size_t size = 0;
    if (text) {
        memset (text, 'x', text_size);
        text [text_size] = 0;
        chat_msg_t *msg = chat_msg_new_text (sender, "room", local, text);
        byte *data = msg? chat_msg_encode (msg, &size): NULL;
        free (data);
        chat_msg_destroy (&msg);
    }
    free (text);
    return size;
}

//  Remember when sequence SEQ was sent.
static int
s_mark_sent (bench_peer_t *self, uint64_t seq, int64_t now)
{
    if (seq >= self->sent_limit) {
        size_t limit = self->sent_limit? self->sent_limit * 2: 65536;
        int64_t *grown = (int64_t *) realloc (self->sent_at,
                                              limit * sizeof (int64_t));
        if (!grown)
            return -1;
        memset (grown + self->sent_limit, 0,
                (limit - self->sent_limit) * sizeof (int64_t));
        self->sent_at = grown;
        self->sent_limit = limit;
    }
    self->sent_at [seq] = now;
    return 0;
}

//  Send the next text; returns its sequence number, or -1.
static int64_t
s_send_text (bench_peer_t *self)
{
    uint64_t seq = self->next;
    size_t size = self->text_size;
    int head = snprintf (self->text, size + 1, S_TEXT_PREFIX "%08" PRIu64 " ",
                         seq);
    if (head > 0 && (size_t) head < size)
        memset (self->text + head, 'x', size - (size_t) head);
    self->text [size] = 0;
    if (s_mark_sent (self, seq, bench_now_us ()))
        return -1;
    //  Three frames straight to libzmq, as a lean ui would send them
    void *ui = zsock_resolve (self->ui);
    if (zmq_send (ui, VERB_TEXT, strlen (VERB_TEXT), ZMQ_SNDMORE) == -1
    ||  zmq_send (ui, "", 0, ZMQ_SNDMORE) == -1
    ||  zmq_send (ui, self->text, size, 0) == -1)
        return -1;
    actor_poller_mark (self->poller, self->ui);     //  see actor_poller.h
    self->next++;
    self->in_flight++;
    self->result->messages++;
    return (int64_t) seq;
}

//  The sequence number in a bench text, or -1.
static int64_t
s_text_seq (const char *text)
{
    if (!text || strncmp (text, S_TEXT_PREFIX, strlen (S_TEXT_PREFIX)))
        return -1;
    char *end = NULL;
    unsigned long long seq = strtoull (text + strlen (S_TEXT_PREFIX), &end,
                                       10);
    return end && *end == ' '? (int64_t) seq: -1;
}

//  Handle one bus event: ACKED texts are timed and counted.
static void
s_handle_event (bench_peer_t *self, bus_event_t *event)
{
    if (event->kind == BUS_EVENT_SYS) {
        if (event->token && streq (event->token, self->sync_token)) {
            self->synced = true;
            self->result->failed = event->failed;
            self->result->total = event->total;
        }
        return;
    }
    if (event->kind != BUS_EVENT_MSG || !event->outgoing
    ||  event->status != MSG_ACKED)
        return;
    int64_t seq = s_text_seq (event->text);
    if (seq < 0 || (uint64_t) seq >= self->next
    ||  self->sent_at [seq] == 0)
        return;                 //  not ours, or a repeat (a resync)
    int64_t now = bench_now_us ();
    bench_samples_add (self->samples, (double) (now - self->sent_at [seq]));
    self->sent_at [seq] = 0;
    if (event->attempts > 1)
        self->result->retried++;
    if (self->in_flight)            //  a late ack after a timeout: no
        self->in_flight--;
    self->result->acked++;
}

//  Handle the model's replies on the ui PAIR until there are none;
//  false if there was none.
static bool
s_handle_ui (bench_peer_t *self)
{
    bool got = false;
    char *verb = NULL, *detail = NULL;
    while (zsock_recv (self->ui, "ss", &verb, &detail) == 0) {
        got = true;
        if (verb && streq (verb, VERB_DRAINED))
            self->drained = true;
        else
        if (verb && streq (verb, VERB_ERROR)) {
            //  The text was refused: it never will be acked
            self->result->refused++;
            if (self->in_flight)
                self->in_flight--;
            fprintf (stderr, "bench: the model refused a text: %s\n",
                     detail? detail: "");
        }
        zstr_free (&verb);
        zstr_free (&detail);
    }
    return got;
}

//  Take every queued event (the SUB has a zero receive timeout, so this
//  ends at the first miss); false if there was none.
static bool
s_handle_events (bench_peer_t *self)
{
    bool got = false;
    void *sub = zsock_resolve (self->sub);
    while (true) {
        //  Two frames, topic and body, straight from libzmq: zmsg_recv
        //  would allocate a message and two frames per event
        char topic [16];
        int size = zmq_recv (sub, topic, sizeof topic - 1, 0);
        if (size == -1)
            break;
        got = true;
        if (!zsock_rcvmore (self->sub))
            continue;           //  not an event: one frame only
        zmq_msg_t body;
        zmq_msg_init (&body);
        if (zmq_msg_recv (&body, sub, 0) == -1) {
            zmq_msg_close (&body);
            break;
        }
        topic [size < (int) sizeof topic? size: (int) sizeof topic - 1] = 0;
        bus_event_t *event = bus_event_decode (topic,
            (const byte *) zmq_msg_data (&body), zmq_msg_size (&body),
            NULL, 0);
        if (event)
            s_handle_event (self, event);
        bus_event_destroy (&event);
        zmq_msg_close (&body);
        //  A malformed event of more frames: drop the rest
        while (zsock_rcvmore (self->sub)) {
            zmq_msg_init (&body);
            zmq_msg_recv (&body, sub, 0);
            zmq_msg_close (&body);
        }
    }
    return got;
}

//  Wait up to TIMEOUT ms for replies or events and handle all that came.
//  Returns false if nothing came.
static bool
s_pump (bench_peer_t *self, int timeout)
{
    int64_t until = bench_now_us () + (int64_t) timeout * 1000;
    while (true) {
        int64_t left = (until - bench_now_us () + 999) / 1000;
        if (actor_poller_wait (self->poller, left > 0? (int) left: 0) == -1)
            return false;
        bool got = false;
        if (actor_poller_ready (self->poller, self->ui))
            got = s_handle_ui (self);
        if (actor_poller_ready (self->poller, self->sub))
            got = s_handle_events (self) || got;
        if (got)
            return true;
        if (bench_now_us () >= until)
            return false;
    }
}

//  Ask for a "sync" event with a fresh token and wait for it. A fresh
//  SUB misses what was published before its subscription arrived, so
//  this repeats until the event gets through.
static bool
s_sync (bench_peer_t *self, int timeout)
{
    int64_t until = bench_now_us () + (int64_t) timeout * 1000;
    for (int round = 0; bench_now_us () < until; round++) {
        snprintf (self->sync_token, sizeof self->sync_token, "bench-%d",
                  round);
        self->synced = false;
        zsock_send (self->ui, "ss", VERB_SYNC, self->sync_token);
        actor_poller_mark (self->poller, self->ui);
        int64_t round_end = bench_now_us () + 100000;
        while (!self->synced && bench_now_us () < round_end)
            s_pump (self, 20);
        if (self->synced)
            return true;
    }
    return false;
}

//  One text at a time, each waits for its ACKED event.
bool
bench_peer_rtt (bench_peer_t *self, double seconds)
{
    assert (self);
    bench_peer_result_t *result = self->result;
    self->samples = self->rtt;
    int64_t until = bench_now_us () + (int64_t) (seconds * 1e6);
    while (bench_now_us () < until) {
        if (s_send_text (self) < 0)
            return false;
        int64_t give_up = bench_now_us () + S_EVENT_WAIT_MS * 1000;
        while (self->in_flight && bench_now_us () < give_up)
            s_pump (self, S_EVENT_WAIT_MS);
        if (self->in_flight) {
            result->timeouts++;
            self->in_flight = 0;
            return false;
        }
        result->rtt_count++;
    }
    return true;
}

//  Keep WINDOW texts in flight for a while, then let them land.
bool
bench_peer_stream (bench_peer_t *self, double seconds, size_t window)
{
    assert (self && window > 0);
    bench_peer_result_t *result = self->result;
    self->samples = self->load;
    uint64_t acked_before = result->acked;
    int64_t start = bench_now_us ();
    int64_t until = start + (int64_t) (seconds * 1e6);
    int64_t last = start;
    bool flowing = true;
    while (flowing && bench_now_us () < until) {
        while (self->in_flight < window)
            if (s_send_text (self) < 0)
                break;
        if (s_pump (self, S_EVENT_WAIT_MS))
            last = bench_now_us ();
        else
            flowing = false;
    }
    while (flowing && self->in_flight)
        if (s_pump (self, S_EVENT_WAIT_MS))
            last = bench_now_us ();
        else
            flowing = false;
    if (!flowing)
        result->timeouts++;
    result->stream_acked += result->acked - acked_before;
    result->stream_seconds += (last - start) / 1e6;
    return flowing;
}

//  DRAIN: wait for DRAINED, then for its "sync" counters.
void
bench_peer_drain (bench_peer_t *self)
{
    assert (self);
    snprintf (self->sync_token, sizeof self->sync_token, "drain");
    self->synced = false;
    self->drained = false;
    zstr_send (self->ui, VERB_DRAIN);
    actor_poller_mark (self->poller, self->ui);
    int64_t until = bench_now_us () + S_DRAIN_WAIT_MS * 1000LL;
    while (!self->drained && bench_now_us () < until)
        s_pump (self, 1000);
    //  The "drain" marker comes before DRAINED, unless the bus lost it
    if (self->drained && !self->synced)
        s_sync (self, 5000);
}

//  The figures so far.
void
bench_peer_result (bench_peer_t *self, bench_peer_result_t *result)
{
    assert (self && result);
    bench_peer_result_t *r = self->result;
    r->rtt_p50_us = bench_samples_percentile (self->rtt, 50);
    r->rtt_p99_us = bench_samples_percentile (self->rtt, 99);
    r->load_p50_us = bench_samples_percentile (self->load, 50);
    r->load_p99_us = bench_samples_percentile (self->load, 99);
    r->acked_per_s = r->stream_seconds > 0?
                     r->stream_acked / r->stream_seconds: 0;
    r->drained = self->drained && self->synced;
    r->bus_missed = r->messages - r->refused - r->acked;
    //  Only the model's own counters, after DRAINED, prove delivery
    r->lost = r->drained? r->refused + r->failed: r->messages - r->acked;
    *result = *r;
}

//  Start peers A and B, each the other's remote. A native BP peer does
//  not report the port its MTCP listener bound, so for BP we pick two
//  free ports and give each peer a route to the other.
static int
s_start_peers (bench_peer_t *self, char *reason, size_t reason_size)
{
    endpoint_proto_t proto = self->proto;
    char local [2][96], route [2][96];
    const char *locals [2][2] = { { local [0], NULL }, { local [1], NULL } };
    const char *routes [2][2] = { { route [0], NULL }, { route [1], NULL } };
    int port [2] = { 0, 0 };
    for (int index = 0; index < 2; index++) {
        const char *text = bench_peer_local (proto, index + 1);
        if (!text) {
            snprintf (reason, reason_size, "no such transport");
            return -1;
        }
        if (proto == ENDPOINT_BP) {
            port [index] = bench_raw_free_port ();
            snprintf (local [index], sizeof local [index],
                      "%s via mtcp:127.0.0.1:%d", text, port [index]);
        }
        else
            snprintf (local [index], sizeof local [index], "%s", text);
    }
    snprintf (route [0], sizeof route [0], "ipn:2.* mtcp:127.0.0.1:%d",
              port [1]);
    snprintf (route [1], sizeof route [1], "ipn:1.* mtcp:127.0.0.1:%d",
              port [0]);
    char db [2][PATH_MAX];
    for (int index = 0; index < 2 && self->store; index++)
        if (streq (self->store, ":memory:"))
            snprintf (db [index], sizeof db [index], "%s", self->store);
        else
            snprintf (db [index], sizeof db [index], "%s/%c.db",
                      self->store, 'a' + index);
    node_config_t config = {
        .room = "room", .lifetime_ms = S_LIFETIME_MS, .bus_external = ""
    };
    int64_t start = bench_now_us ();
    config.locals = locals [0];
    config.bp_routes = proto == ENDPOINT_BP? routes [0]: NULL;
    config.db_path = self->store? db [0]: NULL;
    self->a = node_bind (&config, reason, reason_size);
    int64_t bind_us = bench_now_us () - start;
    config.locals = locals [1];
    config.bp_routes = proto == ENDPOINT_BP? routes [1]: NULL;
    config.db_path = self->store? db [1]: NULL;
    self->b = self->a? node_bind (&config, reason, reason_size): NULL;
    if (!self->b)
        return -1;
    start = bench_now_us ();
    if (node_start (self->a, node_local (self->b, proto),
                    reason, reason_size))
        return -1;
    self->result->startup_ms = (bind_us + bench_now_us () - start) / 1e3;
    if (node_start (self->b, node_local (self->a, proto),
                    reason, reason_size))
        return -1;
    self->result->wire_size = bench_peer_wire_size (
        node_local (self->a, proto), self->text_size);
    return 0;
}

//  Connect the ui PAIR and the bus SUB to peer A.
static int
s_connect (bench_peer_t *self, char *reason, size_t reason_size)
{
    const char *topics [] = { TOPIC_MSG, TOPIC_SYS, NULL };
    self->ui = zsock_new (ZMQ_PAIR);
    self->sub = event_bus_subscriber (node_events_endpoint (self->a),
                                      topics);
    if (self->sub) {
        zsock_set_rcvhwm (self->sub, 0);        //  no limit: never drop
        zsock_set_rcvtimeo (self->sub, 0);      //  see s_pump
    }
    if (!self->ui || !self->sub
    ||  zsock_connect (self->ui, "%s", node_ui_endpoint (self->a)) == -1) {
        snprintf (reason, reason_size, "cannot connect to peer A");
        return -1;
    }
    zsock_set_rcvtimeo (self->ui, 0);           //  see s_handle_ui
    self->poller = actor_poller_new ();
    if (!self->poller || actor_poller_add (self->poller, self->ui)
    ||  actor_poller_add (self->poller, self->sub) || !s_sync (self, 5000)) {
        snprintf (reason, reason_size, "peer A's bus never answered SYNC");
        return -1;
    }
    return 0;
}

//  Start both peers: see bench_peer.h.
bench_peer_t *
bench_peer_new (endpoint_proto_t proto, size_t text_size, const char *store,
                char *reason, size_t reason_size)
{
    assert (text_size >= 16);
    bench_peer_t *self = (bench_peer_t *) calloc (1, sizeof (bench_peer_t));
    if (!self) {
        snprintf (reason, reason_size, "out of memory");
        return NULL;
    }
    self->proto = proto;
    self->text_size = text_size;
    self->store = store;
    self->result = &self->result_;
    self->rtt = bench_samples_new ();
    self->load = bench_samples_new ();
    self->samples = self->rtt;
    self->text = (char *) malloc (text_size + 1);
    if (!self->rtt || !self->load || !self->text) {
        snprintf (reason, reason_size, "out of memory");
        bench_peer_destroy (&self);
    }
    else
    if (s_start_peers (self, reason, reason_size)
    ||  s_connect (self, reason, reason_size))
        bench_peer_destroy (&self);
    return self;
}

//  Stop both peers and free; idempotent.
void
bench_peer_destroy (bench_peer_t **self_p)
{
    assert (self_p);
    bench_peer_t *self = *self_p;
    if (!self)
        return;
    actor_poller_destroy (&self->poller);
    zsock_destroy (&self->ui);
    zsock_destroy (&self->sub);
    node_destroy (&self->a);
    node_destroy (&self->b);
    bench_samples_destroy (&self->rtt);
    bench_samples_destroy (&self->load);
    free (self->sent_at);
    free (self->text);
    free (self);
    *self_p = NULL;
}
