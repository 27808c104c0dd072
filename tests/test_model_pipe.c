/*  test_model_pipe.c: a transport's end of the chat-model's PAIR.

    The test binds the model's PAIR itself and checks what model_pipe
    makes of each command (a good SEND, malformed ones, a wrong verb),
    that its replies and deliveries reach the model as exact frames (at
    once while the PAIR takes them), and that a model which stops reading
    makes the queue wait, in order and without loss, instead of blocking
    or dropping.
*/
#include "dtchat.h"
#include "model_pipe.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#define WAIT_MS     5000

//  The test's model PAIR and a pipe connected to it.
typedef struct {
    zsock_t *model;
    model_pipe_t *pipe;
} rig_t;

//  Bind a model PAIR at a unique endpoint and connect a pipe to it.
static void
s_rig_new (rig_t *rig)
{
    static int s_count = 0;
    char endpoint [64];
    snprintf (endpoint, sizeof endpoint, "inproc://test-model-pipe-%d",
              s_count++);
    rig->model = zsock_new (ZMQ_PAIR);
    assert_non_null (rig->model);
    assert_int_equal (zsock_bind (rig->model, "%s", endpoint), 0);
    zsock_set_rcvtimeo (rig->model, WAIT_MS);
    char reason [256] = "";
    rig->pipe = model_pipe_new (endpoint, "test", reason, sizeof reason);
    assert_non_null (rig->pipe);
    assert_string_equal (reason, "");
}

//  Close both ends.
static void
s_rig_destroy (rig_t *rig)
{
    model_pipe_destroy (&rig->pipe);
    model_pipe_destroy (&rig->pipe);
    assert_null (rig->pipe);
    zsock_destroy (&rig->model);
}

//  Wait until the pipe has something to read.
static void
s_wait_readable (rig_t *rig)
{
    zpoller_t *poller = zpoller_new (model_pipe_sock (rig->pipe), NULL);
    assert_non_null (zpoller_wait (poller, WAIT_MS));
    zpoller_destroy (&poller);
}

//  No endpoint, or one that cannot be connected: NULL and a reason.
static void
test_new_fails (void **state)
{
    char reason [256];
    assert_null (model_pipe_new (NULL, "transport-x", reason, sizeof reason));
    assert_string_equal (reason, "transport-x: no model endpoint");
    assert_null (model_pipe_new ("", "transport-x", reason, sizeof reason));
    assert_string_equal (reason, "transport-x: no model endpoint");
    assert_null (model_pipe_new ("nowhere://at-all", "transport-x", reason,
                                 sizeof reason));
    assert_string_equal (reason,
                         "transport-x: cannot connect to nowhere://at-all");
}

//  A good SEND is taken apart; then nothing waits.
static void
test_next_send (void **state)
{
    rig_t rig;
    s_rig_new (&rig);
    zsock_send (rig.model, "sssb", VERB_SEND, "t1", "udp 127.0.0.1:9",
                "hello", (size_t) 5);
    s_wait_readable (&rig);
    model_send_t send;
    char what [256] = "";
    assert_int_equal (model_pipe_next_send (rig.pipe, &send, what,
                                            sizeof what), 1);
    assert_string_equal (send.token, "t1");
    assert_string_equal (send.endpoint, "udp 127.0.0.1:9");
    assert_int_equal (zmq_msg_size (&send.data), 5);
    assert_memory_equal (zmq_msg_data (&send.data), "hello", 5);
    model_send_clear (&send);
    model_send_clear (&send);
    assert_string_equal (send.token, "");
    assert_int_equal (zmq_msg_size (&send.data), 0);
    assert_int_equal (model_pipe_next_send (rig.pipe, &send, what,
                                            sizeof what), 0);
    assert_int_equal (zmq_errno (), EAGAIN);
    model_send_clear (&send);
    assert_int_equal (model_pipe_queued (rig.pipe), 0);
    //  An endpoint beyond the limit is cut one byte over it: too long
    //  for endpoint_parse, as the whole was
    char endpoint [DTCHAT_ENDPOINT_MAX + 100];
    memset (endpoint, 'e', sizeof endpoint - 1);
    endpoint [sizeof endpoint - 1] = '\0';
    zsock_send (rig.model, "sssb", VERB_SEND, "t6", endpoint, "z",
                (size_t) 1);
    s_wait_readable (&rig);
    assert_int_equal (model_pipe_next_send (rig.pipe, &send, what,
                                            sizeof what), 1);
    assert_int_equal (strlen (send.endpoint), DTCHAT_ENDPOINT_MAX);
    assert_memory_equal (send.endpoint, endpoint, DTCHAT_ENDPOINT_MAX);
    model_send_clear (&send);
    s_rig_destroy (&rig);
}

//  Bad commands are dropped with a reason; a malformed SEND that has a
//  token is answered FAILED, one without a token is not answered.
static void
test_bad_commands (void **state)
{
    rig_t rig;
    s_rig_new (&rig);
    model_send_t send;
    char what [256];

    zsock_send (rig.model, "ss", VERB_SEND, "t2");
    s_wait_readable (&rig);
    assert_int_equal (model_pipe_next_send (rig.pipe, &send, what,
                                            sizeof what), -1);
    assert_string_equal (what, "malformed SEND dropped");
    assert_string_equal (send.token, "");
    model_send_clear (&send);

    zsock_send (rig.model, "sssbs", VERB_SEND, "t3", "udp 127.0.0.1:9",
                "x", (size_t) 1, "extra");
    s_wait_readable (&rig);
    assert_int_equal (model_pipe_next_send (rig.pipe, &send, what,
                                            sizeof what), -1);
    assert_string_equal (what, "malformed SEND dropped");

    zsock_send (rig.model, "s", VERB_SEND);
    s_wait_readable (&rig);
    assert_int_equal (model_pipe_next_send (rig.pipe, &send, what,
                                            sizeof what), -1);
    assert_string_equal (what, "malformed SEND dropped");

    zsock_send (rig.model, "ss", "HELLO", "t4");
    s_wait_readable (&rig);
    assert_int_equal (model_pipe_next_send (rig.pipe, &send, what,
                                            sizeof what), -1);
    assert_string_equal (what, "unexpected 'HELLO' from the model dropped");

    //  A token with a NUL byte, one too long: malformed, answered with
    //  their exact bytes
    zmsg_t *msg = zmsg_new ();
    zmsg_addstr (msg, VERB_SEND);
    zmsg_addmem (msg, "t\0x", 3);
    zmsg_addstr (msg, "udp 127.0.0.1:9");
    zmsg_addmem (msg, "x", 1);
    zmsg_send (&msg, rig.model);
    s_wait_readable (&rig);
    assert_int_equal (model_pipe_next_send (rig.pipe, &send, what,
                                            sizeof what), -1);
    assert_string_equal (what, "malformed SEND dropped");
    char long_token [MODEL_TOKEN_MAX + 2];
    memset (long_token, 'k', sizeof long_token - 1);
    long_token [sizeof long_token - 1] = '\0';
    zsock_send (rig.model, "sssb", VERB_SEND, long_token, "udp 127.0.0.1:9",
                "x", (size_t) 1);
    s_wait_readable (&rig);
    assert_int_equal (model_pipe_next_send (rig.pipe, &send, what,
                                            sizeof what), -1);
    //  The next good SEND is whole: nothing of the bad ones is left
    zsock_send (rig.model, "sssb", VERB_SEND, "t5", "udp 127.0.0.1:9",
                "ok", (size_t) 2);
    s_wait_readable (&rig);
    assert_int_equal (model_pipe_next_send (rig.pipe, &send, what,
                                            sizeof what), 1);
    assert_string_equal (send.token, "t5");
    assert_int_equal (zmq_msg_size (&send.data), 2);
    model_send_clear (&send);

    //  FAILED replies (t2, t3, the two above), nothing for the others;
    //  they went straight to the model
    assert_int_equal (model_pipe_queued (rig.pipe), 0);
    assert_true (model_pipe_flush (rig.pipe));
    const char *tokens [] = { "t2", "t3" };
    for (int index = 0; index < 2; index++) {
        char *verb, *token, *reason;
        assert_int_equal (zsock_recv (rig.model, "sss", &verb, &token,
                                      &reason), 0);
        assert_string_equal (verb, VERB_FAILED);
        assert_string_equal (token, tokens [index]);
        assert_string_equal (reason, "malformed SEND");
        zstr_free (&verb);
        zstr_free (&token);
        zstr_free (&reason);
    }
    for (int index = 0; index < 2; index++) {
        msg = zmsg_recv (rig.model);
        assert_non_null (msg);
        assert_int_equal (zmsg_size (msg), 3);
        assert_true (zframe_streq (zmsg_first (msg), VERB_FAILED));
        zframe_t *token = zmsg_next (msg);
        if (index == 0) {
            assert_int_equal (zframe_size (token), 3);
            assert_memory_equal (zframe_data (token), "t\0x", 3);
        }
        else
            assert_true (zframe_streq (token, long_token));
        assert_true (zframe_streq (zmsg_next (msg), "malformed SEND"));
        zmsg_destroy (&msg);
    }
    zpoller_t *poller = zpoller_new (rig.model, NULL);
    assert_null (zpoller_wait (poller, 50));
    zpoller_destroy (&poller);
    s_rig_destroy (&rig);
}

//  SENT, FAILED and RECV reach the model as exact frames, in order.
static void
test_replies (void **state)
{
    rig_t rig;
    s_rig_new (&rig);
    assert_false (model_pipe_flush (rig.pipe));     //  nothing to send
    model_pipe_reply (rig.pipe, VERB_SENT, "a", NULL);
    //  a quiet token (an ack) gets no SENT, only a FAILED
    model_pipe_reply (rig.pipe, VERB_SENT, TOKEN_QUIET_PREFIX "q", NULL);
    model_pipe_reply (rig.pipe, VERB_FAILED, "b", "no route");
    model_pipe_deliver (rig.pipe, "udp 127.0.0.1:9", "\x0a\x01z", 3);
    //  The PAIR took them at once: nothing waits, but the flush says the
    //  PAIR was used (to be marked), once
    assert_int_equal (model_pipe_queued (rig.pipe), 0);
    assert_true (model_pipe_flush (rig.pipe));
    assert_false (model_pipe_flush (rig.pipe));

    zmsg_t *msg = zmsg_recv (rig.model);
    assert_non_null (msg);
    assert_int_equal (zmsg_size (msg), 2);
    char *verb = zmsg_popstr (msg);
    char *token = zmsg_popstr (msg);
    assert_string_equal (verb, VERB_SENT);
    assert_string_equal (token, "a");
    zstr_free (&verb);
    zstr_free (&token);
    zmsg_destroy (&msg);

    msg = zmsg_recv (rig.model);
    assert_non_null (msg);
    assert_int_equal (zmsg_size (msg), 3);
    verb = zmsg_popstr (msg);
    token = zmsg_popstr (msg);
    char *reason = zmsg_popstr (msg);
    assert_string_equal (verb, VERB_FAILED);
    assert_string_equal (token, "b");
    assert_string_equal (reason, "no route");
    zstr_free (&verb);
    zstr_free (&token);
    zstr_free (&reason);
    zmsg_destroy (&msg);

    msg = zmsg_recv (rig.model);
    assert_non_null (msg);
    assert_int_equal (zmsg_size (msg), 3);
    verb = zmsg_popstr (msg);
    char *peer = zmsg_popstr (msg);
    zframe_t *frame = zmsg_pop (msg);
    assert_string_equal (verb, VERB_RECV);
    assert_string_equal (peer, "udp 127.0.0.1:9");
    assert_int_equal (zframe_size (frame), 3);
    assert_memory_equal (zframe_data (frame), "\x0a\x01z", 3);
    zstr_free (&verb);
    zstr_free (&peer);
    zframe_destroy (&frame);
    zmsg_destroy (&msg);
    s_rig_destroy (&rig);
}

//  Read one message from the model's end and check its frames: VERB,
//  then the index written as text, then (RECV) bytes of that many 'b's
//  or (FAILED) the reason "why".
static void
s_expect (zsock_t *model, const char *verb, int index)
{
    zmsg_t *msg = zmsg_recv (model);
    assert_non_null (msg);
    assert_true (zframe_streq (zmsg_first (msg), verb));
    char text [16];
    snprintf (text, sizeof text, "%d", index);
    assert_true (zframe_streq (zmsg_next (msg), text));
    if (streq (verb, VERB_SENT))
        assert_int_equal (zmsg_size (msg), 2);
    else {
        assert_int_equal (zmsg_size (msg), 3);
        zframe_t *third = zmsg_next (msg);
        if (streq (verb, VERB_FAILED))
            assert_true (zframe_streq (third, "why"));
        else {
            assert_int_equal (zframe_size (third), (size_t) index % 300);
            for (size_t at = 0; at < zframe_size (third); at++)
                assert_int_equal (zframe_data (third) [at], 'b');
        }
    }
    zmsg_destroy (&msg);
}

//  The verb of message INDEX in the mixed sequence.
static const char *
s_verb_of (int index)
{
    return index % 3 == 0? VERB_SENT: index % 3 == 1? VERB_FAILED: VERB_RECV;
}

//  A model that does not read: sends stop at the high-water mark
//  without blocking, the rest waits (SENT, FAILED and RECV alike, the
//  queue growing far beyond its first size), and later all arrive in
//  order, exact.
static void
test_full_pipe_waits (void **state)
{
    rig_t rig;
    s_rig_new (&rig);
    //  Far more than the two default high-water marks (1000 each)
    const int total = 5000;
    char bytes [300];
    memset (bytes, 'b', sizeof bytes);
    for (int index = 0; index < total; index++) {
        char token [16];
        snprintf (token, sizeof token, "%d", index);
        const char *verb = s_verb_of (index);
        if (streq (verb, VERB_RECV))
            model_pipe_deliver (rig.pipe, token, bytes,
                                (size_t) index % 300);
        else
            model_pipe_reply (rig.pipe, verb, token,
                              streq (verb, VERB_FAILED)? "why": NULL);
    }
    assert_true (model_pipe_flush (rig.pipe));
    size_t waiting = model_pipe_queued (rig.pipe);
    assert_true (waiting > 0);
    assert_true (waiting < (size_t) total);
    for (int index = 0; index < total; index++) {
        s_expect (rig.model, s_verb_of (index), index);
        //  As the transport's poll does: asking for the events lets the
        //  pipe see that the model read, so the queue moves on
        if (zsock_events (model_pipe_sock (rig.pipe)) & ZMQ_POLLOUT)
            model_pipe_flush (rig.pipe);
    }
    assert_int_equal (model_pipe_queued (rig.pipe), 0);
    s_rig_destroy (&rig);
}

//  Destroying a pipe with messages queued frees them (ASan checks).
static void
test_destroy_with_queue (void **state)
{
    rig_t rig;
    s_rig_new (&rig);
    for (int index = 0; index < 3000; index++) {
        model_pipe_reply (rig.pipe, VERB_FAILED, "x", "why");
        model_pipe_deliver (rig.pipe, "tcp 127.0.0.1:1", "abc", 3);
    }
    assert_true (model_pipe_queued (rig.pipe) > 0);
    s_rig_destroy (&rig);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_new_fails),
        cmocka_unit_test (test_next_send),
        cmocka_unit_test (test_bad_commands),
        cmocka_unit_test (test_replies),
        cmocka_unit_test (test_full_pipe_waits),
        cmocka_unit_test (test_destroy_with_queue),
    };
    int rc = cmocka_run_group_tests (tests, NULL, NULL);
    zsys_shutdown ();
    return rc;
}
