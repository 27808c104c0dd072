/*  test_bp_aap.c: transport-bp through a uD3TN agent (bp_aap.c).

    A fake uD3TN stands in for the agent: a thread of the test with a
    plain TCP (or Unix) socket, written from the AAPv1 description and
    the captured sessions, not from aap.c. It sends WELCOME as soon as a
    client connects (split over two writes, as uD3TN does), answers
    REGISTER with ACK (or NACK), SENDBUNDLE with SENDCONFIRM (or NACK, or
    nothing), pushes RECVBUNDLE and PING when the test asks, and can drop
    the connection. The transport_bp actor under test has the test's
    PAIR as its chat-model and a real event bus; every wait is bounded.
*/
#include "dtchat.h"
#include "transport.h"
#include "bp_backend.h"
#include "bus_event.h"
#include "event_bus.h"

#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/un.h>
#include <poll.h>

#include "testutil.h"

//  ---------------------------------------------------------------------
//  The fake uD3TN agent

typedef struct {
    const char *welcome;        //  node EID it announces
    bool nack_register;
    const char *unix_path;      //  listen here instead of TCP
} s_agent_args_t;

typedef struct {
    zsock_t *pipe;
    int listener;
    int conn;
    byte buf [1 << 20];
    size_t size;
    const char *mode;           //  "confirm", "nack", "hold"
    uint64_t next_id;
    const s_agent_args_t *args;
} s_agent_t;

//  Write all of DATA to FD.
static void
s_write_all (int fd, const byte *data, size_t size)
{
    while (size) {
        ssize_t rc = send (fd, data, size, MSG_NOSIGNAL);
        if (rc <= 0)
            return;
        data += rc;
        size -= (size_t) rc;
    }
}

//  Write V big-endian into N bytes at P.
static void
s_put (byte *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p [i] = (byte) (v >> (8 * (n - 1 - i)));
}

//  Read N big-endian bytes at P.
static uint64_t
s_get (const byte *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = (v << 8) | p [i];
    return v;
}

//  Type byte + u16 length + text.
static size_t
s_eid_msg (byte *out, byte type, const char *eid)
{
    size_t length = strlen (eid);
    out [0] = type;
    s_put (out + 1, length, 2);
    memcpy (out + 3, eid, length);
    return 3 + length;
}

//  Handle the whole client messages in the agent's buffer.
static void
s_agent_parse (s_agent_t *self)
{
    size_t pos = 0;
    while (pos < self->size) {
        const byte *p = self->buf + pos;
        size_t left = self->size - pos;
        if (p [0] == 0x10) {                        //  ACK (to our PING)
            zsock_send (self->pipe, "s", "ACK");
            pos += 1;
        }
        else
        if (p [0] == 0x12) {                        //  REGISTER
            if (left < 3 || left < 3 + s_get (p + 1, 2))
                break;
            size_t length = (size_t) s_get (p + 1, 2);
            char id [256];
            snprintf (id, sizeof id, "%.*s", (int) length, p + 3);
            zsock_send (self->pipe, "ss", "REGISTER", id);
            byte reply = self->args->nack_register? 0x11: 0x10;
            s_write_all (self->conn, &reply, 1);
            pos += 3 + length;
        }
        else
        if (p [0] == 0x13) {                        //  SENDBUNDLE
            if (left < 3)
                break;
            size_t length = (size_t) s_get (p + 1, 2);
            if (left < 3 + length + 8)
                break;
            size_t payload = (size_t) s_get (p + 3 + length, 8);
            size_t total = 3 + length + 8 + payload;
            if (left < total)
                break;
            char eid [256];
            snprintf (eid, sizeof eid, "%.*s", (int) length, p + 3);
            zsock_send (self->pipe, "ssbb", "SENDBUNDLE", eid,
                        p + 3 + length + 8, payload, p, total);
            if (streq (self->mode, "confirm")) {
                byte confirm [9] = { 0x15 };
                s_put (confirm + 1, 0x8000000000000000ULL
                                    | (++self->next_id << 16) | 1, 8);
                s_write_all (self->conn, confirm, 1);   //  split, as seen
                s_write_all (self->conn, confirm + 1, 8);
            }
            else
            if (streq (self->mode, "nack")) {
                byte nack = 0x11;
                s_write_all (self->conn, &nack, 1);
            }
            pos += total;
        }
        else {
            zsock_send (self->pipe, "ss", "BAD", "unknown message type");
            pos = self->size;
        }
    }
    memmove (self->buf, self->buf + pos, self->size - pos);
    self->size -= pos;
}

//  A command from the test.
static bool
s_agent_command (s_agent_t *self)
{
    zmsg_t *msg = zmsg_recv (self->pipe);
    if (!msg)
        return false;
    char *verb = zmsg_popstr (msg);
    bool more = true;
    if (streq (verb, "$TERM"))
        more = false;
    else
    if (streq (verb, "MODE")) {
        char *mode = zmsg_popstr (msg);
        self->mode = streq (mode, "nack")? "nack":
                     streq (mode, "hold")? "hold": "confirm";
        zstr_free (&mode);
        zsock_send (self->pipe, "s", "OK");
    }
    else
    if (streq (verb, "DROP")) {
        if (self->conn >= 0)
            close (self->conn);
        self->conn = -1;
        self->size = 0;
        zsock_send (self->pipe, "s", "OK");
    }
    else
    if (streq (verb, "PING")) {
        byte ping = 0x18;
        s_write_all (self->conn, &ping, 1);
    }
    else
    if (streq (verb, "PUSH")) {
        char *eid = zmsg_popstr (msg);
        zframe_t *payload = zmsg_pop (msg);
        byte *out = (byte *) malloc (3 + strlen (eid) + 8
                                     + zframe_size (payload));
        size_t size = s_eid_msg (out, 0x14, eid);
        s_put (out + size, zframe_size (payload), 8);
        memcpy (out + size + 8, zframe_data (payload), zframe_size (payload));
        size += 8 + zframe_size (payload);
        //  three writes: the stream must be reassembled
        s_write_all (self->conn, out, 2);
        s_write_all (self->conn, out + 2, 9);
        s_write_all (self->conn, out + 11, size - 11);
        free (out);
        zstr_free (&eid);
        zframe_destroy (&payload);
    }
    zstr_free (&verb);
    zmsg_destroy (&msg);
    return more;
}

//  The fake agent's thread.
static void
s_agent_actor (zsock_t *pipe, void *args_v)
{
    s_agent_t *self = (s_agent_t *) zmalloc (sizeof (s_agent_t));
    self->pipe = pipe;
    self->args = (const s_agent_args_t *) args_v;
    self->mode = "confirm";
    self->conn = -1;
    int port = 0;
    if (self->args->unix_path) {
        struct sockaddr_un un;
        memset (&un, 0, sizeof un);
        un.sun_family = AF_UNIX;
        snprintf (un.sun_path, sizeof un.sun_path, "%s",
                  self->args->unix_path);
        unlink (un.sun_path);
        self->listener = socket (AF_UNIX, SOCK_STREAM, 0);
        bind (self->listener, (struct sockaddr *) &un, sizeof un);
    }
    else {
        struct sockaddr_in in;
        memset (&in, 0, sizeof in);
        in.sin_family = AF_INET;
        in.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
        self->listener = socket (AF_INET, SOCK_STREAM, 0);
        bind (self->listener, (struct sockaddr *) &in, sizeof in);
        socklen_t length = sizeof in;
        getsockname (self->listener, (struct sockaddr *) &in, &length);
        port = ntohs (in.sin_port);
    }
    listen (self->listener, 4);
    zsock_signal (pipe, 0);
    zsock_send (pipe, "i", port);
    bool running = true;
    while (running) {
        zmq_pollitem_t items [3] = {
            { zsock_resolve (pipe), 0, ZMQ_POLLIN, 0 },
            { NULL, self->listener, ZMQ_POLLIN, 0 },
            { NULL, self->conn, ZMQ_POLLIN, 0 }
        };
        if (zmq_poll (items, self->conn >= 0? 3: 2, -1) == -1)
            break;
        if (items [1].revents & ZMQ_POLLIN) {
            if (self->conn >= 0)
                close (self->conn);
            self->conn = accept (self->listener, NULL, NULL);
            self->size = 0;
            byte welcome [300];
            size_t size = s_eid_msg (welcome, 0x17, self->args->welcome);
            s_write_all (self->conn, welcome, 1);
            s_write_all (self->conn, welcome + 1, size - 1);
            zsock_send (pipe, "s", "CONNECTED");
        }
        else
        if (self->conn >= 0 && (items [2].revents & ZMQ_POLLIN)) {
            ssize_t rc = recv (self->conn, self->buf + self->size,
                               sizeof self->buf - self->size, 0);
            if (rc <= 0) {
                close (self->conn);
                self->conn = -1;
                zsock_send (pipe, "s", "CLOSED");
            }
            else {
                self->size += (size_t) rc;
                s_agent_parse (self);
            }
        }
        if (items [0].revents & ZMQ_POLLIN)
            running = s_agent_command (self);
    }
    if (self->conn >= 0)
        close (self->conn);
    close (self->listener);
    if (self->args->unix_path)
        unlink (self->args->unix_path);
    free (self);
}

//  Start a fake agent; *PORT_P its TCP port (0 for a Unix socket).
static zactor_t *
s_agent_new (s_agent_args_t *args, int *port_p)
{
    zactor_t *agent = zactor_new (s_agent_actor, args);
    assert_non_null (agent);
    assert_int_equal (zsock_recv (agent, "i", port_p), 0);
    return agent;
}

//  Next report of the fake agent within the wait.
static zmsg_t *
s_agent_report (zactor_t *agent)
{
    zpoller_t *poller = zpoller_new (agent, NULL);
    void *which = zpoller_wait (poller, TESTUTIL_WAIT_MS);
    zpoller_destroy (&poller);
    assert_non_null (which);
    return zmsg_recv (agent);
}

//  Expect a report starting with WANT; returns it (caller destroys).
static zmsg_t *
s_agent_expect (zactor_t *agent, const char *want)
{
    zmsg_t *msg = s_agent_report (agent);
    char *verb = zmsg_popstr (msg);
    if (!streq (verb, want))
        print_error ("agent: want %s got %s\n", want, verb);
    assert_string_equal (verb, want);
    zstr_free (&verb);
    return msg;
}

//  Expect a report starting with WANT and drop it.
static void
s_agent_skip (zactor_t *agent, const char *want)
{
    zmsg_t *msg = s_agent_expect (agent, want);
    zmsg_destroy (&msg);
}

//  ---------------------------------------------------------------------
//  The transport under test

typedef struct {
    transport_args_t args;
    char model_ep [64];
    char frontend [64];
    char backend [64];
    zsock_t *model;
    zactor_t *event_bus;
    zsock_t *bus;
    zactor_t *actor;
    char detail [512];
} s_node_t;

//  Start a transport_bp actor on LOCAL with AGENT; returns the status.
static int
s_node_start (s_node_t *node, const char *local, const char *agent)
{
    static int counter = 0;
    memset (node, 0, sizeof *node);
    counter++;
    snprintf (node->model_ep, sizeof node->model_ep,
              "inproc://test-aap-%d-model", counter);
    snprintf (node->frontend, sizeof node->frontend,
              "inproc://test-aap-%d-front", counter);
    snprintf (node->backend, sizeof node->backend,
              "inproc://test-aap-%d-back", counter);
    node->model = zsock_new_pair (NULL);
    assert_int_equal (zsock_bind (node->model, "%s", node->model_ep), 0);
    node->event_bus = testutil_event_bus (node->frontend, node->backend);
    node->bus = testutil_bus_subscriber (node->frontend, node->backend,
                                         TOPIC_NET);
    node->args.model_endpoint = node->model_ep;
    node->args.bus_endpoint = node->frontend;
    node->args.bp_agent = agent;
    node->actor = zactor_new (transport_bp_actor, &node->args);
    assert_non_null (node->actor);
    testutil_bus_settle (node->event_bus);
    char *detail = NULL;
    int status = testutil_start (node->actor, local, &detail);
    snprintf (node->detail, sizeof node->detail, "%s", detail);
    zstr_free (&detail);
    return status;
}

//  Stop it and its neighbours.
static void
s_node_stop (s_node_t *node)
{
    zactor_destroy (&node->actor);
    zsock_destroy (&node->model);
    zsock_destroy (&node->bus);
    zactor_destroy (&node->event_bus);
}

//  ---------------------------------------------------------------------

//  A whole ipn session: REGISTER, exact SENDBUNDLE, RECV, PING, NACK, order.
static void
test_aap_ipn_session (void **state)
{
    s_agent_args_t args = { "ipn:1.0", false, NULL };
    int port;
    zactor_t *agent = s_agent_new (&args, &port);
    char spec [64];
    snprintf (spec, sizeof spec, "aap:127.0.0.1:%d", port);
    s_node_t node;
    assert_int_equal (s_node_start (&node, "bp ipn:1.1", spec), 0);
    assert_string_equal (node.detail, "bp ipn:1.1");
    s_agent_skip (agent, "CONNECTED");
    zmsg_t *msg = s_agent_expect (agent, "REGISTER");
    char *id = zmsg_popstr (msg);
    assert_string_equal (id, "1");
    zstr_free (&id);
    zmsg_destroy (&msg);

    //  SEND -> SENDBUNDLE, byte for byte what aapc sent; SENDCONFIRM -> SENT
    size_t wire_size, want_size;
    byte *wire = testutil_load ("wire", "udp-text-ascii.bin", &wire_size);
    byte *want = testutil_load ("bp", "aap-msg-sendbundle-ipn.bin", &want_size);
    zsock_send (node.model, "sssb", VERB_SEND, "t1", "bp ipn:2.1", wire,
                wire_size);
    msg = s_agent_expect (agent, "SENDBUNDLE");
    char *eid = zmsg_popstr (msg);
    zframe_t *payload = zmsg_pop (msg);
    zframe_t *raw = zmsg_pop (msg);
    assert_string_equal (eid, "ipn:2.1");
    assert_int_equal (zframe_size (payload), wire_size);
    assert_memory_equal (zframe_data (payload), wire, wire_size);
    assert_int_equal (zframe_size (raw), want_size);
    assert_memory_equal (zframe_data (raw), want, want_size);
    zstr_free (&eid);
    zframe_destroy (&payload);
    zframe_destroy (&raw);
    zmsg_destroy (&msg);
    testutil_expect_sent (node.model, "t1");

    //  RECVBUNDLE -> RECV from "bp <source>", exact bytes
    zsock_send (agent, "ssb", "PUSH", "ipn:2.1", wire, wire_size);
    testutil_expect_recv (node.model, "bp ipn:2.1", wire, wire_size);

    //  the agent's PING is answered with ACK
    zsock_send (agent, "s", "PING");
    s_agent_skip (agent, "ACK");

    //  NACK for a bundle -> FAILED; and several in flight keep order
    zsock_send (agent, "ss", "MODE", "nack");
    s_agent_skip (agent, "OK");
    zsock_send (node.model, "sssb", VERB_SEND, "t2", "bp ipn:2.1", wire, 3);
    s_agent_skip (agent, "SENDBUNDLE");
    testutil_expect_failed (node.model, "t2", "refused the bundle");
    zsock_send (agent, "ss", "MODE", "confirm");
    s_agent_skip (agent, "OK");
    for (int i = 0; i < 20; i++) {
        char token [16];
        snprintf (token, sizeof token, "m%d", i);
        zsock_send (node.model, "sssb", VERB_SEND, token, "bp ipn:2.1",
                    token, strlen (token));
    }
    for (int i = 0; i < 20; i++) {
        char token [16];
        snprintf (token, sizeof token, "m%d", i);
        s_agent_skip (agent, "SENDBUNDLE");
        testutil_expect_sent (node.model, token);
    }
    free (wire);
    free (want);
    s_node_stop (&node);
    zactor_destroy (&agent);
}

//  A dtn EID over a Unix socket registers its demux and sends.
static void
test_aap_dtn_over_unix_socket (void **state)
{
    char path [64];
    snprintf (path, sizeof path, "/tmp/dtchat-test-aap-%d.sock", getpid ());
    s_agent_args_t args = { "dtn://a.dtn/", false, path };
    int port;
    zactor_t *agent = s_agent_new (&args, &port);
    char spec [96];
    snprintf (spec, sizeof spec, "aap:%s", path);
    s_node_t node;
    assert_int_equal (s_node_start (&node, "bp dtn://a.dtn/chat", spec), 0);
    assert_string_equal (node.detail, "bp dtn://a.dtn/chat");
    s_agent_skip (agent, "CONNECTED");
    zmsg_t *msg = s_agent_expect (agent, "REGISTER");
    char *id = zmsg_popstr (msg);
    assert_string_equal (id, "chat");
    zstr_free (&id);
    zmsg_destroy (&msg);
    size_t wire_size, want_size;
    byte *wire = testutil_load ("wire", "udp-text-utf8.bin", &wire_size);
    byte *want = testutil_load ("bp", "aap-msg-sendbundle-dtn.bin", &want_size);
    zsock_send (node.model, "sssb", VERB_SEND, "t1",
                "bp dtn://b.dtn/chat", wire, wire_size);
    msg = s_agent_expect (agent, "SENDBUNDLE");
    char *eid = zmsg_popstr (msg);
    zframe_t *payload = zmsg_pop (msg);
    zframe_t *raw = zmsg_pop (msg);
    assert_string_equal (eid, "dtn://b.dtn/chat");
    assert_int_equal (zframe_size (payload), wire_size);
    zstr_free (&eid);
    zframe_destroy (&payload);
    assert_int_equal (zframe_size (raw), want_size);
    assert_memory_equal (zframe_data (raw), want, want_size);
    zframe_destroy (&raw);
    zmsg_destroy (&msg);
    testutil_expect_sent (node.model, "t1");
    free (wire);
    free (want);
    s_node_stop (&node);
    zactor_destroy (&agent);
}

//  START fails clearly: REGISTER refused, EID not on the node, no agent.
static void
test_aap_start_failures (void **state)
{
    //  REGISTER refused
    s_agent_args_t args = { "ipn:1.0", true, NULL };
    int port;
    zactor_t *agent = s_agent_new (&args, &port);
    char spec [64];
    snprintf (spec, sizeof spec, "aap:127.0.0.1:%d", port);
    s_node_t node;
    assert_int_equal (s_node_start (&node, "bp ipn:1.1", spec), -1);
    assert_non_null (strstr (node.detail, "refused to register"));
    assert_non_null (strstr (node.detail, "NACK"));
    s_node_stop (&node);
    zactor_destroy (&agent);
    //  our EID is not on the agent's node
    s_agent_args_t other = { "ipn:5.0", false, NULL };
    agent = s_agent_new (&other, &port);
    snprintf (spec, sizeof spec, "aap:127.0.0.1:%d", port);
    assert_int_equal (s_node_start (&node, "bp ipn:1.1", spec), -1);
    assert_non_null (strstr (node.detail, "does not own ipn:1.1"));
    s_node_stop (&node);
    assert_int_equal (s_node_start (&node, "bp dtn://a.dtn/chat", spec), -1);
    assert_non_null (strstr (node.detail, "does not own"));
    s_node_stop (&node);
    zactor_destroy (&agent);
    //  nobody there: a port we hold without listening
    int fd = socket (AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in in;
    memset (&in, 0, sizeof in);
    in.sin_family = AF_INET;
    in.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
    bind (fd, (struct sockaddr *) &in, sizeof in);
    socklen_t length = sizeof in;
    getsockname (fd, (struct sockaddr *) &in, &length);
    snprintf (spec, sizeof spec, "aap:127.0.0.1:%d", ntohs (in.sin_port));
    assert_int_equal (s_node_start (&node, "bp ipn:1.1", spec), -1);
    assert_non_null (strstr (node.detail, "cannot reach the uD3TN agent"));
    s_node_stop (&node);
    close (fd);
    assert_int_equal (s_node_start (&node, "bp ipn:1.1",
                                    "aap:/nonexistent/dir/agent.sock"), -1);
    assert_non_null (strstr (node.detail, "cannot reach"));
    s_node_stop (&node);
    assert_int_equal (s_node_start (&node, "bp ipn:1.1", "aap:nohost"), -1);
    assert_non_null (strstr (node.detail, "bad agent"));
    s_node_stop (&node);
}

//  No agent id to register: "dtn://node/" (a node ID, no demux) is
//  refused, by endpoint_parse at START and by bp_aap itself when handed
//  one directly; the agent never hears a REGISTER.
static void
test_aap_empty_demux (void **state)
{
    (void) state;
    s_agent_args_t args = { "dtn://a.dtn/", false, NULL };
    int port;
    zactor_t *agent = s_agent_new (&args, &port);
    char spec [64];
    snprintf (spec, sizeof spec, "aap:127.0.0.1:%d", port);
    s_node_t node;
    assert_int_equal (s_node_start (&node, "bp dtn://a.dtn/", spec), -1);
    assert_non_null (strstr (node.detail, "dtn://a.dtn/"));
    assert_non_null (strstr (node.detail, "needs a demux"));
    s_node_stop (&node);

    bp_config_t config;
    memset (&config, 0, sizeof config);
    config.local.proto = ENDPOINT_BP;
    snprintf (config.local.eid, sizeof config.local.eid, "dtn://a.dtn/");
    config.agent = spec;
    config.max_message = 1000;
    bp_backend_t backend;
    memset (&backend, 0, sizeof backend);
    char bound [DTCHAT_ENDPOINT_MAX] = "", reason [256] = "";
    assert_int_equal (bp_aap_start (&backend, &config, bound, sizeof bound,
                                    reason, sizeof reason), -1);
    assert_non_null (strstr (reason, "dtn://a.dtn/"));
    assert_non_null (strstr (reason, "no service number or demux"));
    assert_null (backend.self);
    assert_string_equal (bound, "");
    zactor_destroy (&agent);
}

//  A lost agent fails what was pending, then is reconnected by itself.
static void
test_aap_lost_and_reconnected (void **state)
{
    s_agent_args_t args = { "ipn:1.0", false, NULL };
    int port;
    zactor_t *agent = s_agent_new (&args, &port);
    char spec [64];
    snprintf (spec, sizeof spec, "aap:127.0.0.1:%d", port);
    s_node_t node;
    assert_int_equal (s_node_start (&node, "bp ipn:1.1", spec), 0);
    s_agent_skip (agent, "CONNECTED");
    s_agent_skip (agent, "REGISTER");
    //  a bundle the agent never confirms, then the agent goes away
    zsock_send (agent, "ss", "MODE", "hold");
    s_agent_skip (agent, "OK");
    zsock_send (node.model, "sssb", VERB_SEND, "p1", "bp ipn:2.1", "x", 1);
    s_agent_skip (agent, "SENDBUNDLE");
    zsock_send (agent, "s", "DROP");
    s_agent_skip (agent, "OK");
    testutil_expect_failed (node.model, "p1", "was lost");
    testutil_expect_event (node.bus, TOPIC_NET, "lost the uD3TN agent");
    //  it comes back by itself and registers again
    s_agent_skip (agent, "CONNECTED");
    s_agent_skip (agent, "REGISTER");
    testutil_expect_event (node.bus, TOPIC_NET, "registered");
    zsock_send (agent, "ss", "MODE", "confirm");
    s_agent_skip (agent, "OK");
    zsock_send (node.model, "sssb", VERB_SEND, "p2", "bp ipn:2.1", "y", 1);
    s_agent_skip (agent, "SENDBUNDLE");
    testutil_expect_sent (node.model, "p2");
    //  the agent goes away for good: SENDs fail until it is back
    zactor_destroy (&agent);
    testutil_expect_event (node.bus, TOPIC_NET, "lost the uD3TN agent");
    zsock_send (node.model, "sssb", VERB_SEND, "p3", "bp ipn:2.1", "z", 1);
    testutil_expect_failed (node.model, "p3", "not connected");
    s_node_stop (&node);
}

int
main (void)
{
    zsys_init ();
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_aap_ipn_session),
        cmocka_unit_test (test_aap_dtn_over_unix_socket),
        cmocka_unit_test (test_aap_empty_demux),
        cmocka_unit_test (test_aap_start_failures),
        cmocka_unit_test (test_aap_lost_and_reconnected),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
