/*  bench_bus.c: event bus throughput against raw inproc PUB/SUB.

    dtchat-bench calls bench_bus_run twice in one run: through the real
    event_bus_actor and over a bare inproc PUB/SUB pair. A publisher actor
    (started here) first sends "probe" messages until the subscriber has
    seen one (PUB/SUB loses everything before the subscription arrives),
    then, on GO, publishes one real encoded "msg" event after another for
    the given time, then "end". The caller's thread counts. The event is
    encoded once with bus_event_publish onto a private PAIR, so both runs
    move identical bytes and the ratio is the proxy's cost alone.
*/
#include "bench_bus.h"
#include "bench_raw.h"
#include "bus_event.h"
#include "event_bus.h"

//  The subscriber gives up after this much silence, ms.
#define S_QUIET_MS      500
#define S_TOPIC_PROBE   "probe"
#define S_TOPIC_END     "end"

typedef struct {
    const char *endpoint;       //  where the PUB binds (raw) or connects
    bool bind;
    double seconds;
    zframe_t *body;             //  the encoded event, borrowed
} s_publisher_args_t;

//  A real "msg" event, encoded by the bus's own codec, as one frame.
static zframe_t *
s_sample_event (void)
{
    bus_event_t *event = bus_event_new (BUS_EVENT_MSG, TOPIC_MSG);
    zsock_t *in = zsock_new (ZMQ_PAIR);
    zsock_t *out = zsock_new (ZMQ_PAIR);
    zframe_t *body = NULL;
    if (event && in && out
    &&  zsock_bind (in, "inproc://bench-sample-%p", (void *) in) == 0
    &&  zsock_connect (out, "inproc://bench-sample-%p", (void *) in) == 0) {
        event->uuid = strdup ("6f1c2b7e-0d1a-4c4e-9a55-1e2f3a4b5c6d");
        event->sender = strdup ("0b7a4c2e-8f1d-4e3b-a6c5-9d8e7f6a5b4c");
        event->room = strdup ("room");
        event->text = strdup ("bench 00000001 a typical short chat line");
        event->peer = strdup ("udp 127.0.0.1:40000");
        event->status = MSG_ACKED;
        event->outgoing = true;
        event->send_time = dtchat_now_ms ();
        event->receive_time = event->send_time + 1;
        event->attempts = 1;
        if (bus_event_publish (event, out) == 0) {
            zmsg_t *msg = zmsg_recv (in);
            if (msg && zmsg_size (msg) == 2) {
                zframe_t *topic = zmsg_pop (msg);
                zframe_destroy (&topic);
                body = zmsg_pop (msg);
            }
            zmsg_destroy (&msg);
        }
    }
    bus_event_destroy (&event);
    zsock_destroy (&in);
    zsock_destroy (&out);
    return body;
}

//  Send one two-frame message on PUB without blocking.
static void
s_publish (void *pub, const char *topic, const void *data, size_t size)
{
    zmq_send (pub, topic, strlen (topic), ZMQ_SNDMORE | ZMQ_DONTWAIT);
    zmq_send (pub, data, size, ZMQ_DONTWAIT);
}

//  The publisher: probes until GO, then events for a while, then "end";
//  reports "8" the number of events published.
static void
s_publisher_actor (zsock_t *pipe, void *arg)
{
    s_publisher_args_t *args = (s_publisher_args_t *) arg;
    zsock_t *pub = NULL;
    if (args->bind) {
        pub = zsock_new (ZMQ_PUB);
        if (pub) {
            zsock_set_sndhwm (pub, DTCHAT_BUS_HWM);
            if (zsock_bind (pub, "%s", args->endpoint) == -1)
                zsock_destroy (&pub);
        }
    }
    else
        pub = event_bus_publisher (args->endpoint);
    zsock_signal (pipe, pub? 0: -1);
    if (!pub)
        return;
    void *raw = zsock_resolve (pub);
    //  Probe every 2 ms until the counting side says GO (or $TERM)
    zpoller_t *poller = zpoller_new (pipe, NULL);
    while (poller && zpoller_wait (poller, 2) != pipe
       &&  !zpoller_terminated (poller))
        s_publish (raw, S_TOPIC_PROBE, "", 0);
    zpoller_destroy (&poller);
    char *command = zstr_recv (pipe);
    bool run = command && streq (command, "GO");
    zstr_free (&command);
    uint64_t published = 0;
    const void *data = zframe_data (args->body);
    size_t size = zframe_size (args->body);
    int64_t until = bench_now_us () + (int64_t) (args->seconds * 1e6);
    while (run) {
        for (int count = 0; count < 256; count++)
            s_publish (raw, TOPIC_MSG, data, size);
        published += 256;
        if (bench_now_us () >= until)
            break;
    }
    for (int count = 0; count < 3; count++)
        s_publish (raw, S_TOPIC_END, "", 0);
    zsock_send (pipe, "8", published);
    //  Stay until $TERM, so the PUB outlives the counting
    char *term = zstr_recv (pipe);
    zstr_free (&term);
    zsock_destroy (&pub);
}

//  Wait until SUB receives anything (a probe). False after 5 s.
static bool
s_wait_probe (zsock_t *sub)
{
    zpoller_t *poller = zpoller_new (sub, NULL);
    bool seen = false;
    int64_t until = bench_now_us () + 5000000;
    while (!seen && bench_now_us () < until) {
        if (zpoller_wait (poller, 100) != sub)
            continue;
        zmsg_t *msg = zmsg_recv (sub);
        seen = msg != NULL;
        zmsg_destroy (&msg);
    }
    zpoller_destroy (&poller);
    return seen;
}

//  Count "msg" messages on SUB until "end" or silence.
static void
s_count (zsock_t *sub, bench_bus_result_t *result, int64_t start)
{
    void *raw = zsock_resolve (sub);
    zpoller_t *poller = zpoller_new (sub, NULL);
    int64_t last = start;
    bool ended = false;
    while (!ended) {
        if (zpoller_wait (poller, S_QUIET_MS) != sub)
            break;
        while (true) {
            char topic [16];
            int size = zmq_recv (raw, topic, sizeof (topic), ZMQ_DONTWAIT);
            if (size == -1)
                break;
            zmq_msg_t body;
            zmq_msg_init (&body);
            zmq_msg_recv (&body, raw, 0);
            zmq_msg_close (&body);
            if (size == 3 && memcmp (topic, TOPIC_MSG, 3) == 0) {
                result->received++;
                last = bench_now_us ();
            }
            else
            if (size == 3 && memcmp (topic, S_TOPIC_END, 3) == 0) {
                ended = true;
                break;
            }
        }
    }
    zpoller_destroy (&poller);
    result->seconds = (last - start) / 1e6;
}

//  One bus or raw run: see bench_bus.h.
int
bench_bus_run (bool through_bus, double seconds, bench_bus_result_t *result,
               char *reason, size_t reason_size)
{
    assert (result);
    memset (result, 0, sizeof (*result));
    char frontend [64], backend [64];
    snprintf (frontend, sizeof frontend, "inproc://bench-bus-in-%p",
              (void *) result);
    snprintf (backend, sizeof backend, "inproc://bench-bus-out-%p",
              (void *) result);
    zactor_t *bus = NULL;
    zactor_t *publisher = NULL;
    zsock_t *sub = NULL;
    zframe_t *body = s_sample_event ();
    int rc = -1;
    if (!body) {
        snprintf (reason, reason_size, "cannot encode a sample event");
        goto done;
    }
    result->event_size = zframe_size (body);
    if (through_bus) {
        bus = zactor_new (event_bus_actor, NULL);
        int status = -1;
        char *detail = NULL;
        if (bus) {
            zsock_send (bus, "ssss", VERB_START, frontend, backend, "");
            zsock_recv (bus, "is", &status, &detail);
        }
        zstr_free (&detail);
        if (status) {
            snprintf (reason, reason_size, "cannot start the event bus");
            goto done;
        }
    }
    s_publisher_args_t args = {
        .endpoint = through_bus? frontend: backend, .bind = !through_bus,
        .seconds = seconds, .body = body
    };
    //  Raw: the PUB binds, so it must exist before the SUB connects
    if (!through_bus)
        publisher = zactor_new (s_publisher_actor, &args);
    sub = event_bus_subscriber (backend, NULL);
    if (through_bus && sub)
        publisher = zactor_new (s_publisher_actor, &args);
    if (!sub || !publisher) {
        snprintf (reason, reason_size, "cannot start publisher/subscriber");
        goto done;
    }
    if (!s_wait_probe (sub)) {
        snprintf (reason, reason_size, "subscriber never saw the publisher");
        goto done;
    }
    int64_t start = bench_now_us ();
    zstr_send (publisher, "GO");
    s_count (sub, result, start);
    zsock_recv (publisher, "8", &result->published);
    result->dropped = result->published > result->received?
                      result->published - result->received: 0;
    result->per_s = result->seconds > 0?
                    result->received / result->seconds: 0;
    rc = 0;
done:
    zactor_destroy (&publisher);
    zsock_destroy (&sub);
    zactor_destroy (&bus);
    zframe_destroy (&body);
    return rc;
}
