/*  bench_peer.c: drive two in-process dtchat peers and time them.

    dtchat-bench calls bench_peer_run once per transport. It builds peers
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

//  A wait for one event gives up after this long, ms.
#define S_EVENT_WAIT_MS     5000
//  DRAINED must come within this long, ms.
#define S_DRAIN_WAIT_MS     60000
//  Lifetime of bench messages: longer than any run.
#define S_LIFETIME_MS       (30 * 60 * 1000)
//  Most round trips timed one at a time.
#define S_RTT_MAX           200000
#define S_TEXT_PREFIX       "bench "

typedef struct {
    const bench_peer_config_t *config;
    bench_peer_result_t *result;
    node_t *a, *b;
    zsock_t *ui;                //  PAIR to A's chat-model
    zsock_t *sub;               //  A's bus: "msg" and "sys"
    zpoller_t *poller;
    int64_t *sent_at;           //  by sequence number, 0 = acked
    size_t sent_limit;
    uint64_t next;              //  next sequence number
    uint64_t in_flight;
    bench_samples_t *samples;   //  round trips of the current phase
    char *text;                 //  the text being built
    bool drained;               //  DRAINED arrived
    bool synced;                //  the awaited "sync" event arrived
    char sync_token [32];       //  the "sync" token awaited
} s_bench_t;

//  Loopback endpoints: ephemeral ports, ipn node numbers 1 and 2.
const char *
bench_peer_local (endpoint_proto_t proto, int node)
{
    switch (proto) {
        case ENDPOINT_UDP: return "udp 127.0.0.1:0";
        case ENDPOINT_TCP: return "tcp 127.0.0.1:0";
        case ENDPOINT_BP:
            return node == 1? "bp ipn:1.1 via mtcp:127.0.0.1:0"
                            : "bp ipn:2.1 via mtcp:127.0.0.1:0";
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
s_mark_sent (s_bench_t *self, uint64_t seq, int64_t now)
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
s_send_text (s_bench_t *self)
{
    uint64_t seq = self->next;
    size_t size = self->config->text_size;
    int head = snprintf (self->text, size + 1, S_TEXT_PREFIX "%08" PRIu64 " ",
                         seq);
    if (head > 0 && (size_t) head < size)
        memset (self->text + head, 'x', size - (size_t) head);
    self->text [size] = 0;
    if (s_mark_sent (self, seq, bench_now_us ()))
        return -1;
    if (zsock_send (self->ui, "sss", VERB_TEXT, "", self->text) == -1)
        return -1;
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
s_handle_event (s_bench_t *self, bus_event_t *event)
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
    if (self->in_flight)            //  a late ack after a timeout: no
        self->in_flight--;
    self->result->acked++;
}

//  Handle a reply from the model on the ui PAIR.
static void
s_handle_ui (s_bench_t *self)
{
    char *verb = NULL, *detail = NULL;
    if (zsock_recv (self->ui, "ss", &verb, &detail) == -1)
        return;
    if (verb && streq (verb, VERB_DRAINED))
        self->drained = true;
    else
    if (verb && streq (verb, VERB_ERROR)) {
        //  The text was refused: it never will be acked
        self->result->refused++;
        if (self->in_flight)
            self->in_flight--;
        if (self->config->progress)
            fprintf (self->config->progress, "bench: model refused: %s\n",
                     detail? detail: "");
    }
    zstr_free (&verb);
    zstr_free (&detail);
}

//  Wait up to TIMEOUT ms for something, then handle all that is ready.
//  Returns false if nothing came.
static bool
s_pump (s_bench_t *self, int timeout)
{
    void *which = zpoller_wait (self->poller, timeout);
    if (!which)
        return false;
    if (which == self->ui)
        s_handle_ui (self);
    //  Take every queued event: one poll per event costs a syscall
    while (zsock_events (self->sub) & ZMQ_POLLIN) {
        bus_event_t *event = bus_event_recv (self->sub);
        if (event)
            s_handle_event (self, event);
        bus_event_destroy (&event);
    }
    return true;
}

//  Ask for a "sync" event with a fresh token and wait for it. A fresh
//  SUB misses what was published before its subscription arrived, so
//  this repeats until the event gets through.
static bool
s_sync (s_bench_t *self, int timeout)
{
    int64_t until = bench_now_us () + (int64_t) timeout * 1000;
    for (int round = 0; bench_now_us () < until; round++) {
        snprintf (self->sync_token, sizeof self->sync_token, "bench-%d",
                  round);
        self->synced = false;
        zsock_send (self->ui, "ss", VERB_SYNC, self->sync_token);
        int64_t round_end = bench_now_us () + 100000;
        while (!self->synced && bench_now_us () < round_end)
            s_pump (self, 20);
        if (self->synced)
            return true;
    }
    return false;
}

//  Phase 1: one text at a time, each waits for its ACKED event.
static void
s_phase_rtt (s_bench_t *self)
{
    bench_peer_result_t *result = self->result;
    int64_t until = bench_now_us () + (int64_t) (self->config->seconds * 1e6);
    while (bench_now_us () < until && result->rtt_count < S_RTT_MAX) {
        if (s_send_text (self) < 0)
            break;
        int64_t give_up = bench_now_us () + S_EVENT_WAIT_MS * 1000;
        while (self->in_flight && bench_now_us () < give_up)
            s_pump (self, S_EVENT_WAIT_MS);
        if (self->in_flight) {
            result->timeouts++;
            self->in_flight = 0;
        }
        else
            result->rtt_count++;
    }
    result->rtt_p50_us = bench_samples_percentile (self->samples, 50);
    result->rtt_p99_us = bench_samples_percentile (self->samples, 99);
}

//  Phase 2: keep WINDOW texts in flight for a while, then let them land.
static void
s_phase_stream (s_bench_t *self)
{
    bench_peer_result_t *result = self->result;
    uint64_t acked_before = result->acked;
    int64_t start = bench_now_us ();
    int64_t until = start + (int64_t) (self->config->seconds * 1e6);
    int64_t last = start;
    while (bench_now_us () < until) {
        while (self->in_flight < self->config->window)
            if (s_send_text (self) < 0)
                break;
        if (s_pump (self, S_EVENT_WAIT_MS))
            last = bench_now_us ();
        else {
            result->timeouts++;
            break;              //  five silent seconds: the bus dropped
        }
    }
    while (self->in_flight && s_pump (self, S_EVENT_WAIT_MS))
        last = bench_now_us ();
    if (self->in_flight)
        result->timeouts++;
    result->stream_acked = result->acked - acked_before;
    result->stream_seconds = (last - start) / 1e6;
    result->acked_per_s = result->stream_seconds > 0?
        result->stream_acked / result->stream_seconds: 0;
    result->load_p50_us = bench_samples_percentile (self->samples, 50);
    result->load_p99_us = bench_samples_percentile (self->samples, 99);
}

//  DRAIN: wait for DRAINED, then for its "sync" counters.
static void
s_drain (s_bench_t *self)
{
    bench_peer_result_t *result = self->result;
    snprintf (self->sync_token, sizeof self->sync_token, "drain");
    self->synced = false;
    zstr_send (self->ui, VERB_DRAIN);
    int64_t until = bench_now_us () + S_DRAIN_WAIT_MS * 1000LL;
    while (!self->drained && bench_now_us () < until)
        s_pump (self, 1000);
    result->drained = self->drained;
    if (self->drained && !self->synced) {
        //  The "drain" marker went missing on the bus: ask afresh
        s_sync (self, 5000);
    }
    result->bus_missed = result->messages - result->refused - result->acked;
    result->lost = result->refused + result->failed;
    if (!self->drained || !self->synced)
        result->lost = result->messages - result->acked;
}

//  Start peers A and B, each the other's remote.
static int
s_start_peers (s_bench_t *self, char *reason, size_t reason_size)
{
    endpoint_proto_t proto = self->config->proto;
    const char *locals_a [] = { bench_peer_local (proto, 1), NULL };
    const char *locals_b [] = { bench_peer_local (proto, 2), NULL };
    node_config_t config = {
        .room = "room", .lifetime_ms = S_LIFETIME_MS, .bus_external = ""
    };
    int64_t start = bench_now_us ();
    config.locals = locals_a;
    self->a = node_bind (&config, reason, reason_size);
    int64_t bind_us = bench_now_us () - start;
    config.locals = locals_b;
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
        node_local (self->a, proto), self->config->text_size);
    return 0;
}

//  Connect the ui PAIR and the bus SUB to peer A.
static int
s_connect (s_bench_t *self, char *reason, size_t reason_size)
{
    const char *topics [] = { TOPIC_MSG, TOPIC_SYS, NULL };
    self->ui = zsock_new (ZMQ_PAIR);
    self->sub = event_bus_subscriber (node_bus_endpoint (self->a), topics);
    if (self->sub)
        zsock_set_rcvhwm (self->sub, 0);        //  no limit: never drop
    if (!self->ui || !self->sub
    ||  zsock_connect (self->ui, "%s", node_ui_endpoint (self->a)) == -1) {
        snprintf (reason, reason_size, "cannot connect to peer A");
        return -1;
    }
    self->poller = zpoller_new (self->ui, self->sub, NULL);
    if (!self->poller || !s_sync (self, 5000)) {
        snprintf (reason, reason_size, "peer A's bus never answered SYNC");
        return -1;
    }
    return 0;
}

//  Both phases and the drain: see bench_peer.h.
int
bench_peer_run (const bench_peer_config_t *config,
                bench_peer_result_t *result, char *reason,
                size_t reason_size)
{
    assert (config && result);
    assert (config->text_size >= 16 && config->window > 0);
    memset (result, 0, sizeof (*result));
    s_bench_t self = { .config = config, .result = result };
    self.samples = bench_samples_new ();
    self.text = (char *) malloc (config->text_size + 1);
    int rc = -1;
    if (!self.samples || !self.text) {
        snprintf (reason, reason_size, "out of memory");
        goto done;
    }
    if (s_start_peers (&self, reason, reason_size)
    ||  s_connect (&self, reason, reason_size))
        goto done;
    if (config->progress)
        fprintf (config->progress, "bench: %s round trips, %.1f s\n",
                 endpoint_proto_name (config->proto), config->seconds);
    s_phase_rtt (&self);
    bench_samples_destroy (&self.samples);
    self.samples = bench_samples_new ();
    if (!self.samples)
        goto done;
    if (config->progress)
        fprintf (config->progress, "bench: %s stream, window %zu, %.1f s\n",
                 endpoint_proto_name (config->proto), config->window,
                 config->seconds);
    s_phase_stream (&self);
    s_drain (&self);
    rc = 0;
done:
    zpoller_destroy (&self.poller);
    zsock_destroy (&self.ui);
    zsock_destroy (&self.sub);
    node_destroy (&self.a);
    node_destroy (&self.b);
    bench_samples_destroy (&self.samples);
    free (self.sent_at);
    free (self.text);
    return rc;
}
