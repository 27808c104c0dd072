/*  test_demo_bot.c: the demo's answering peer with swapped neighbours.

    The test plays the chat-model (a PAIR it binds at the bot's ui
    endpoint) and the bus (a PUB it binds where the bot's SUB connects).
    It asserts on the exact TEXT frames the bot answers with, on its
    hello SYNC before START replies, and on the DRAIN rounds of FLUSH.
*/
#include "dtchat.h"
#include "demo_bot.h"
#include "bus_event.h"
#include "chat_msg.h"

#include "testutil.h"

#define S_WAIT_MS   5000

typedef struct {
    zsock_t *model;
    zsock_t *pub;
    char model_endpoint [80];
    char bus_endpoint [80];
    demo_bot_args_t args;
    zactor_t *bot;
} test_t;

//  Publish a msg event.
static void
s_publish_msg (test_t *test, const char *uuid, msg_status_t status,
               bool outgoing, const char *text)
{
    bus_event_t *event = bus_event_new (BUS_EVENT_MSG, TOPIC_MSG);
    event->uuid = strdup (uuid);
    event->sender = strdup ("you");
    event->room = strdup ("lounge");
    event->text = strdup (text);
    event->status = status;
    event->outgoing = outgoing;
    assert_int_equal (bus_event_publish (event, test->pub), 0);
    bus_event_destroy (&event);
}

//  Next message from the bot on the model PAIR, bounded.
static zmsg_t *
s_model_recv (test_t *test)
{
    zmsg_t *msg = testutil_recv_within (test->model, S_WAIT_MS);
    assert_non_null (msg);
    return msg;
}

//  Expect TEXT in room "lounge"; returns the text (caller frees).
static char *
s_expect_text (test_t *test)
{
    zmsg_t *msg = s_model_recv (test);
    assert_int_equal (zmsg_size (msg), 3);
    char *verb = zmsg_popstr (msg);
    char *room = zmsg_popstr (msg);
    char *text = zmsg_popstr (msg);
    assert_string_equal (verb, VERB_TEXT);
    assert_string_equal (room, "lounge");
    zstr_free (&verb);
    zstr_free (&room);
    zmsg_destroy (&msg);
    return text;
}

//  Expect a lone VERB.
static void
s_expect_verb (test_t *test, const char *verb)
{
    zmsg_t *msg = s_model_recv (test);
    assert_int_equal (zmsg_size (msg), 1);
    char *got = zmsg_popstr (msg);
    assert_string_equal (got, verb);
    zstr_free (&got);
    zmsg_destroy (&msg);
}

//  Expect nothing from the bot for a little while.
static void
s_expect_nothing (test_t *test)
{
    assert_true (testutil_quiet (test->model, 100));
}

//  Start the bot, answering its hello SYNCs until START replies.
static void
s_start (test_t *test)
{
    test->bot = zactor_new (demo_bot_actor, &test->args);
    assert_non_null (test->bot);
    assert_int_equal (zsock_send (test->bot, "s", VERB_START), 0);
    zpoller_t *poller = zpoller_new (test->bot, test->model, NULL);
    bool started = false;
    int syncs = 0;
    while (!started) {
        void *which = zpoller_wait (poller, S_WAIT_MS);
        assert_non_null (which);
        if (which == test->model) {
            char *verb = NULL, *token = NULL;
            assert_int_equal (zsock_recv (test->model, "ss", &verb, &token),
                              0);
            assert_string_equal (verb, VERB_SYNC);
            testutil_publish_marker (test->pub, token, 0, 0, 0);
            syncs++;
            zstr_free (&verb);
            zstr_free (&token);
        }
        else {
            int status = -1;
            char *detail = NULL;
            assert_int_equal (zsock_recv (test->bot, "is", &status, &detail),
                              0);
            assert_int_equal (status, 0);
            zstr_free (&detail);
            started = true;
        }
    }
    zpoller_destroy (&poller);
    assert_true (syncs > 0);    //  it did not answer START before hello
    while (zsock_events (test->model) & ZMQ_POLLIN) {
        zmsg_t *msg = zmsg_recv (test->model);
        zmsg_destroy (&msg);    //  late hello SYNCs
    }
}

//  Bind the fake model and bus.
static int
s_setup (void **state)
{
    test_t *test = (test_t *) calloc (1, sizeof (test_t));
    assert_non_null (test);
    char uuid [37];
    chat_msg_uuid_new (uuid);
    snprintf (test->model_endpoint, sizeof test->model_endpoint,
              "inproc://test-bot-model-%s", uuid);
    snprintf (test->bus_endpoint, sizeof test->bus_endpoint,
              "inproc://test-bot-bus-%s", uuid);
    test->model = zsock_new (ZMQ_PAIR);
    test->pub = zsock_new (ZMQ_PUB);
    assert_non_null (test->model);
    assert_non_null (test->pub);
    assert_int_equal (zsock_bind (test->model, "%s", test->model_endpoint),
                      0);
    assert_int_equal (zsock_bind (test->pub, "%s", test->bus_endpoint), 0);
    test->args.ui_endpoint = test->model_endpoint;
    test->args.bus_endpoint = test->bus_endpoint;
    *state = test;
    return 0;
}

//  Stop the bot and close the sockets.
static int
s_teardown (void **state)
{
    test_t *test = (test_t *) *state;
    zactor_destroy (&test->bot);
    zsock_destroy (&test->model);
    zsock_destroy (&test->pub);
    free (test);
    return 0;
}

//  RECEIVED texts get a greeting once, then an echo each; nothing else.
static void
test_answers (void **state)
{
    test_t *test = (test_t *) *state;
    s_start (test);
    s_publish_msg (test, "u-1", MSG_SENT, true, "mine");
    s_publish_msg (test, "u-2", MSG_RECEIVED, false, "hi");
    char *text = s_expect_text (test);
    assert_non_null (strstr (text, "ACKED"));
    assert_non_null (strstr (text, "FAILED"));
    zstr_free (&text);
    text = s_expect_text (test);
    assert_string_equal (text, "echo: hi");
    zstr_free (&text);
    //  The same uuid again (a resync) is not answered twice
    s_publish_msg (test, "u-2", MSG_RECEIVED, false, "hi");
    s_publish_msg (test, "u-3", MSG_RECEIVED, false, "again");
    text = s_expect_text (test);
    assert_string_equal (text, "echo: again");
    zstr_free (&text);
    s_expect_nothing (test);
}

//  A long text is cut at a character boundary, so the echo stays UTF-8.
static void
test_long_echo (void **state)
{
    test_t *test = (test_t *) *state;
    s_start (test);
    char long_text [3001];
    for (size_t index = 0; index < 3000; index += 3)
        memcpy (long_text + index, "\xe2\x82\xac", 3);    //  euro signs
    long_text [3000] = 0;
    s_publish_msg (test, "u-1", MSG_RECEIVED, false, long_text);
    char *text = s_expect_text (test);      //  the greeting
    zstr_free (&text);
    text = s_expect_text (test);
    size_t size = strlen (text);
    assert_true (size < 1100);
    assert_true (chat_msg_utf8_valid (text, size));
    assert_string_equal (text + size - 3, "...");
    zstr_free (&text);
}

//  FLUSH drains until a round adds no answer, then replies FLUSHED.
static void
test_flush (void **state)
{
    test_t *test = (test_t *) *state;
    s_start (test);
    assert_int_equal (zsock_send (test->bot, "s", VERB_FLUSH), 0);
    s_expect_verb (test, VERB_DRAIN);
    //  A message that came before the drain marker is answered first
    s_publish_msg (test, "u-1", MSG_RECEIVED, false, "late");
    testutil_publish_marker (test->pub, "drain", 0, 0, 0);
    assert_int_equal (zsock_send (test->model, "s", VERB_DRAINED), 0);
    char *text = s_expect_text (test);      //  the greeting
    zstr_free (&text);
    text = s_expect_text (test);
    assert_string_equal (text, "echo: late");
    zstr_free (&text);
    s_expect_verb (test, VERB_DRAIN);       //  a second round for it
    assert_int_equal (zsock_send (test->model, "s", VERB_DRAINED), 0);
    testutil_publish_marker (test->pub, "drain", 0, 0, 0);
    zpoller_t *poller = zpoller_new (test->bot, NULL);
    assert_ptr_equal (zpoller_wait (poller, S_WAIT_MS), test->bot);
    zpoller_destroy (&poller);
    char *verb = zstr_recv (test->bot);
    assert_string_equal (verb, VERB_FLUSHED);
    zstr_free (&verb);
    s_expect_nothing (test);
}

int
main (void)
{
    zsys_init ();
    zsys_set_logstream (stderr);
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown (test_answers, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown (test_long_echo, s_setup,
                                         s_teardown),
        cmocka_unit_test_setup_teardown (test_flush, s_setup, s_teardown),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
