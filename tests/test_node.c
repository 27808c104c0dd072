/*  test_node.c: whole peers built with node_new, two in one process.

    Two nodes talk over UDP on 127.0.0.1 (ephemeral ports, no external
    bus). The test is each node's ui: a PAIR to its ui endpoint and a SUB
    on its bus. A TEXT sent through node A's ui must show up as RECEIVED
    on node B's bus and as ACKED on node A's. Start failures (port in use,
    a remote without a local transport) must give NULL and a reason.
    With a store, the sender id is the store's, and a store another node
    holds makes node_new fail with a reason naming the file.
*/
#include "dtchat.h"
#include "node.h"
#include "bus_event.h"
#include "event_bus.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#define S_WAIT_MS   10000

//  The test's ui on one node: a PAIR to the model, a SUB on the bus.
typedef struct {
    zsock_t *pair;
    zsock_t *sub;
} s_ui_t;

//  SYNC through PAIR until SUB sees the marker: its subscription is live.
static void
s_sub_live (zsock_t *sub, zsock_t *pair)
{
    zpoller_t *poller = zpoller_new (sub, NULL);
    bool live = false;
    for (int attempt = 0; !live && attempt < 50; attempt++) {
        assert_int_equal (zsock_send (pair, "ss", VERB_SYNC, "hello"), 0);
        while (!live && zpoller_wait (poller, 200) == sub) {
            bus_event_t *event = bus_event_recv (sub);
            live = event && event->kind == BUS_EVENT_SYS && event->token
                && streq (event->token, "hello");
            bus_event_destroy (&event);
        }
    }
    zpoller_destroy (&poller);
    assert_true (live);
}

//  Attach to NODE, the SUB at BUS (its bus backend, or its events
//  endpoint), and make sure the SUB is live.
static void
s_ui_attach_at (s_ui_t *ui, node_t *node, const char *bus)
{
    ui->pair = zsock_new (ZMQ_PAIR);
    assert_non_null (ui->pair);
    assert_int_equal (zsock_connect (ui->pair, "%s",
                                     node_ui_endpoint (node)), 0);
    const char *topics [] = { TOPIC_MSG, TOPIC_SYS, NULL };
    ui->sub = event_bus_subscriber (bus, topics);
    assert_non_null (ui->sub);
    s_sub_live (ui->sub, ui->pair);
}

//  Attach to NODE's bus backend, as a tap or a test would.
static void
s_ui_attach (s_ui_t *ui, node_t *node)
{
    s_ui_attach_at (ui, node, node_bus_endpoint (node));
}

//  Detach the test's ui.
static void
s_ui_detach (s_ui_t *ui)
{
    zsock_destroy (&ui->pair);
    zsock_destroy (&ui->sub);
}

//  Wait (bounded) for a msg event with STATUS and TEXT on UI's SUB;
//  returns it (caller destroys).
static bus_event_t *
s_ui_expect (s_ui_t *ui, msg_status_t status, const char *text)
{
    zpoller_t *poller = zpoller_new (ui->sub, NULL);
    bus_event_t *found = NULL;
    int64_t deadline = zclock_mono () + S_WAIT_MS;
    while (!found && zclock_mono () < deadline) {
        if (zpoller_wait (poller, 500) != ui->sub)
            continue;
        bus_event_t *event = bus_event_recv (ui->sub);
        if (event && event->kind == BUS_EVENT_MSG && event->status == status
        &&  event->text && streq (event->text, text))
            found = event;
        else
            bus_event_destroy (&event);
    }
    zpoller_destroy (&poller);
    if (!found)
        fail_msg ("no %s event for '%s'", msg_status_name (status), text);
    return found;
}

//  A node config on 127.0.0.1, no external bus.
static node_config_t
s_config (const char **locals, const char *remote, const char *sender)
{
    node_config_t config = {
        .locals = locals, .remote = remote, .sender_uuid = sender,
        .bus_external = "", .lifetime_ms = 20000
    };
    return config;
}

//  A TEXT through A's ui: RECEIVED on B's bus, ACKED on A's bus.
static void
test_text_acked (void **state)
{
    char reason [256] = "";
    const char *locals [] = { "udp 127.0.0.1:0", NULL };
    //  B's own remote does not matter here: acks go to source_endpoint
    node_config_t config_b = s_config (locals, "udp 127.0.0.1:9", "bob");
    node_t *b = node_new (&config_b, reason, sizeof reason);
    assert_non_null (b);
    assert_string_equal (node_bus_external (b), "");
    assert_string_equal (node_sender (b), "bob");
    const char *b_local = node_local (b, ENDPOINT_UDP);
    assert_non_null (b_local);
    assert_null (node_local (b, ENDPOINT_TCP));
    assert_null (strstr (b_local, ":0"));       //  the bound port
    node_config_t config_a = s_config (locals, b_local, "alice");
    node_t *a = node_new (&config_a, reason, sizeof reason);
    assert_non_null (a);
    assert_string_equal (node_remote (a), b_local);
    assert_string_not_equal (node_ui_endpoint (a), node_ui_endpoint (b));
    assert_string_not_equal (node_bus_endpoint (a), node_bus_endpoint (b));

    //  A's ui takes its events straight from the publishers, as dtchat's
    //  does; an observer on A's bus (as a tap) must see them as well
    s_ui_t ui_a, ui_b;
    assert_int_equal (node_events_endpoint (a) [0], '@');
    assert_non_null (strstr (node_events_endpoint (a), "inproc://"));
    s_ui_attach_at (&ui_a, a, node_events_endpoint (a));
    s_ui_attach (&ui_b, b);
    s_ui_t tap_a = { ui_a.pair, NULL };
    const char *all [] = { TOPIC_MSG, TOPIC_SYS, NULL };
    tap_a.sub = event_bus_subscriber (node_bus_endpoint (a), all);
    assert_non_null (tap_a.sub);
    s_sub_live (tap_a.sub, ui_a.pair);
    assert_int_equal (zsock_send (ui_a.pair, "sss", VERB_TEXT, "",
                                  "hello bob"), 0);
    bus_event_t *received = s_ui_expect (&ui_b, MSG_RECEIVED, "hello bob");
    assert_string_equal (received->sender, "alice");
    assert_string_equal (received->room, "room");
    assert_false (received->outgoing);
    bus_event_t *acked = s_ui_expect (&ui_a, MSG_ACKED, "hello bob");
    assert_string_equal (acked->uuid, received->uuid);
    assert_true (acked->outgoing);
    assert_true (acked->receive_time > 0);
    bus_event_t *tapped = s_ui_expect (&tap_a, MSG_ACKED, "hello bob");
    assert_string_equal (tapped->uuid, acked->uuid);
    bus_event_destroy (&received);
    bus_event_destroy (&acked);
    bus_event_destroy (&tapped);
    zsock_destroy (&tap_a.sub);

    s_ui_detach (&ui_a);
    s_ui_detach (&ui_b);
    node_destroy (&a);
    node_destroy (&b);
    node_destroy (&b);          //  idempotent
    assert_null (b);
}

//  node_bind + node_start: both peers learn each other's port first.
static void
test_two_phase (void **state)
{
    char reason [256] = "";
    const char *locals [] = { "udp 127.0.0.1:0", NULL };
    node_config_t config_a = s_config (locals, NULL, "alice");
    node_config_t config_b = s_config (locals, NULL, "bob");
    node_t *a = node_bind (&config_a, reason, sizeof reason);
    node_t *b = node_bind (&config_b, reason, sizeof reason);
    assert_non_null (a);
    assert_non_null (b);
    assert_null (node_remote (a));
    assert_int_equal (node_start (a, node_local (b, ENDPOINT_UDP),
                                  reason, sizeof reason), 0);
    assert_int_equal (node_start (b, node_local (a, ENDPOINT_UDP),
                                  reason, sizeof reason), 0);
    assert_int_equal (node_start (b, node_local (a, ENDPOINT_UDP),
                                  reason, sizeof reason), -1);
    s_ui_t ui_a, ui_b;
    s_ui_attach (&ui_a, a);
    s_ui_attach (&ui_b, b);
    assert_int_equal (zsock_send (ui_b.pair, "sss", VERB_TEXT, "",
                                  "hi alice"), 0);
    bus_event_t *event = s_ui_expect (&ui_a, MSG_RECEIVED, "hi alice");
    bus_event_destroy (&event);
    event = s_ui_expect (&ui_b, MSG_ACKED, "hi alice");
    bus_event_destroy (&event);
    s_ui_detach (&ui_a);
    s_ui_detach (&ui_b);
    node_destroy (&b);
    node_destroy (&a);
}

//  A port in use: NULL, and the reason names the endpoint.
static void
test_port_in_use (void **state)
{
    char reason [256] = "";
    const char *locals [] = { "udp 127.0.0.1:0", NULL };
    node_config_t config = s_config (locals, "udp 127.0.0.1:9", NULL);
    node_t *first = node_new (&config, reason, sizeof reason);
    assert_non_null (first);
    assert_int_equal (strlen (node_sender (first)), 36);   //  a new uuid
    char *port = strdup (node_local (first, ENDPOINT_UDP));
    const char *taken [] = { port, NULL };
    config.locals = taken;
    node_t *second = node_new (&config, reason, sizeof reason);
    assert_null (second);
    assert_non_null (strstr (reason, "in use"));
    assert_non_null (strstr (reason, taken [0]));
    node_destroy (&first);
    //  Nothing was left holding the port: it binds again now
    node_t *third = node_new (&config, reason, sizeof reason);
    if (!third)
        fail_msg ("%s", reason);
    node_destroy (&third);
    free (port);
}

//  Configurations node_new refuses before or while starting.
static void
test_bad_config (void **state)
{
    char reason [256] = "";
    const char *udp [] = { "udp 127.0.0.1:0", NULL };
    node_config_t config = s_config (udp, "tcp 127.0.0.1:7", NULL);
    assert_null (node_new (&config, reason, sizeof reason));
    assert_non_null (strstr (reason, "needs a local tcp"));

    config.remote = "udp nowhere";
    assert_null (node_new (&config, reason, sizeof reason));
    assert_non_null (strstr (reason, "remote"));

    const char *twice [] = { "udp 127.0.0.1:0", "UDP 127.0.0.1:0", NULL };
    config = s_config (twice, "udp 127.0.0.1:9", NULL);
    assert_null (node_new (&config, reason, sizeof reason));
    assert_non_null (strstr (reason, "two local udp"));

    const char *none [] = { NULL };
    config = s_config (none, "udp 127.0.0.1:9", NULL);
    assert_null (node_new (&config, reason, sizeof reason));
    assert_non_null (strstr (reason, "no local"));

    const char *bad [] = { "udp 127.0.0.1:99999", NULL };
    config = s_config (bad, "udp 127.0.0.1:9", NULL);
    assert_null (node_new (&config, reason, sizeof reason));
    assert_non_null (strstr (reason, "local endpoint"));
}

//  A node on a store: its id comes from the store and stays; a second
//  node on the same file fails, naming it; once the first is gone, a new
//  one finds the same id.
static void
test_store (void **state)
{
    char dir [] = "/tmp/test-node-XXXXXX";
    assert_non_null (mkdtemp (dir));
    char db [64];
    snprintf (db, sizeof db, "%s/node.db", dir);
    char reason [512] = "";
    const char *locals [] = { "udp 127.0.0.1:0", NULL };
    node_config_t config = s_config (locals, "udp 127.0.0.1:9", NULL);
    config.db_path = db;
    config.order = "receive";
    node_t *first = node_new (&config, reason, sizeof reason);
    if (!first)
        fail_msg ("%s", reason);
    char *id = strdup (node_sender (first));
    assert_int_equal (strlen (id), 36);
    node_t *second = node_new (&config, reason, sizeof reason);
    assert_null (second);
    assert_non_null (strstr (reason, db));
    assert_non_null (strstr (reason, "locked"));
    node_destroy (&first);
    node_t *third = node_new (&config, reason, sizeof reason);
    if (!third)
        fail_msg ("%s", reason);
    assert_string_equal (node_sender (third), id);
    node_destroy (&third);
    //  an id given on the command line wins over the store's
    config.sender_uuid = "carol";
    third = node_new (&config, reason, sizeof reason);
    assert_non_null (third);
    assert_string_equal (node_sender (third), "carol");
    node_destroy (&third);
    free (id);
    zdir_t *tmp = zdir_new (dir, NULL);
    zdir_remove (tmp, true);
    zdir_destroy (&tmp);
}

int
main (void)
{
    zsys_init ();
    zsys_set_logstream (stderr);
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_text_acked),
        cmocka_unit_test (test_two_phase),
        cmocka_unit_test (test_port_in_use),
        cmocka_unit_test (test_bad_config),
        cmocka_unit_test (test_store),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
