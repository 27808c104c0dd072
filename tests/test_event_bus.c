/*  test_event_bus.c: the event bus actor with plain PUB/SUB neighbours.

    Each test starts its own bus at unique inproc endpoints, publishes
    with event_bus_publisher and reads with event_bus_subscriber or a
    plain SUB, and asserts on the exact frames, the STATS counters, the
    START replies and the runtime directory's permissions.
*/
#include "dtchat.h"
#include "event_bus.h"

#include "testutil.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

//  Start a bus; returns the actor and fills the START reply.
static zactor_t *
s_bus_start (const char *frontend, const char *backend, const char *external,
             int *status, char **detail)
{
    zactor_t *bus = zactor_new (event_bus_actor, NULL);
    assert_non_null (bus);
    assert_int_equal (zsock_send (bus, "ssss", VERB_START, frontend, backend,
                                  external), 0);
    zsock_set_rcvtimeo (bus, 5000);
    assert_int_equal (zsock_recv (bus, "is", status, detail), 0);
    return bus;
}

//  Receive two frames from SUB within a bounded wait; NULL-free strings.
static void
s_recv2 (zsock_t *sub, char **topic, char **body)
{
    zpoller_t *poller = zpoller_new (sub, NULL);
    assert_ptr_equal (zpoller_wait (poller, 5000), sub);
    zpoller_destroy (&poller);
    assert_int_equal (zsock_recv (sub, "ss", topic, body), 0);
    assert_non_null (*topic);
    assert_non_null (*body);
}

//  Publish numbered probes on TOPIC until SUB gets one (the subscription
//  has reached PUB), then read up to the last probe. Returns how many
//  probes passed the bus (those before the first one seen were filtered
//  at the publisher and never reached it).
static int
s_sync (zsock_t *pub, zsock_t *sub, const char *topic)
{
    zpoller_t *poller = zpoller_new (sub, NULL);
    int sent = 0;
    int first = -1;
    while (first == -1 && sent < 500) {
        char number [16];
        snprintf (number, sizeof (number), "%d", sent);
        zsock_send (pub, "ss", topic, number);
        sent++;
        if (zpoller_wait (poller, 10) == sub) {
            char *t, *body;
            assert_int_equal (zsock_recv (sub, "ss", &t, &body), 0);
            first = atoi (body);
            zstr_free (&t);
            zstr_free (&body);
        }
    }
    assert_int_not_equal (first, -1);
    int last = first;
    while (last < sent - 1) {
        assert_ptr_equal (zpoller_wait (poller, 5000), sub);
        char *t, *body;
        assert_int_equal (zsock_recv (sub, "ss", &t, &body), 0);
        assert_string_equal (t, topic);
        assert_int_equal (atoi (body), last + 1);
        last++;
        zstr_free (&t);
        zstr_free (&body);
    }
    zpoller_destroy (&poller);
    return sent - first;
}

//  Publisher -> bus -> subscriber, exact frames, in order.
static void
test_round_trip (void **state)
{
    int status;
    char *detail;
    zactor_t *bus = s_bus_start ("inproc://t-rt-front", "inproc://t-rt-back",
                                 "", &status, &detail);
    assert_int_equal (status, 0);
    assert_string_equal (detail, "");
    zstr_free (&detail);

    zsock_t *pub = event_bus_publisher ("inproc://t-rt-front");
    zsock_t *sub = event_bus_subscriber ("inproc://t-rt-back", NULL);
    assert_non_null (pub);
    assert_non_null (sub);
    s_sync (pub, sub, "sys");

    byte body [] = { 0x08, 0x02, 0x12, 0x00, 0xff };
    zsock_send (pub, "sb", "net", body, sizeof (body));
    zsock_send (pub, "ss", "msg", "second");
    zpoller_t *poller = zpoller_new (sub, NULL);
    assert_ptr_equal (zpoller_wait (poller, 5000), sub);
    char *topic;
    zframe_t *frame;
    assert_int_equal (zsock_recv (sub, "sf", &topic, &frame), 0);
    assert_string_equal (topic, "net");
    assert_int_equal (zframe_size (frame), sizeof (body));
    assert_memory_equal (zframe_data (frame), body, sizeof (body));
    zstr_free (&topic);
    zframe_destroy (&frame);
    char *text;
    s_recv2 (sub, &topic, &text);
    assert_string_equal (topic, "msg");
    assert_string_equal (text, "second");
    zstr_free (&topic);
    zstr_free (&text);

    zpoller_destroy (&poller);
    zsock_destroy (&pub);
    zsock_destroy (&sub);
    zactor_destroy (&bus);
}

//  A subscriber to "net" sees "net..." topics only.
static void
test_prefix_filter (void **state)
{
    zactor_t *bus = testutil_event_bus ("inproc://t-pf-front",
                                        "inproc://t-pf-back");
    zsock_t *pub = event_bus_publisher ("inproc://t-pf-front");
    const char *topics [] = { "net", NULL };
    zsock_t *sub = event_bus_subscriber ("inproc://t-pf-back", topics);
    s_sync (pub, sub, "net");

    zsock_send (pub, "ss", "app", "not for you");
    zsock_send (pub, "ss", "msg", "nor this");
    zsock_send (pub, "ss", "net", "yours");
    char *topic, *text;
    s_recv2 (sub, &topic, &text);
    assert_string_equal (topic, "net");
    assert_string_equal (text, "yours");
    zstr_free (&topic);
    zstr_free (&text);
    //  Nothing else is queued: the filtered ones never came
    zpoller_t *poller = zpoller_new (sub, NULL);
    zsock_send (pub, "ss", "net", "end");
    s_recv2 (sub, &topic, &text);
    assert_string_equal (text, "end");
    zstr_free (&topic);
    zstr_free (&text);
    assert_null (zpoller_wait (poller, 0));
    zpoller_destroy (&poller);

    zsock_destroy (&pub);
    zsock_destroy (&sub);
    zactor_destroy (&bus);
}

//  STATS counts forwarded messages and subscriptions exactly.
static void
test_stats (void **state)
{
    zactor_t *bus = testutil_event_bus ("inproc://t-st-front",
                                        "inproc://t-st-back");

    uint64_t forwarded = 99, subscriptions = 99;
    zsock_send (bus, "s", VERB_STATS);
    assert_int_equal (zsock_recv (bus, "88", &forwarded, &subscriptions), 0);
    assert_int_equal (forwarded, 0);
    assert_int_equal (subscriptions, 0);

    zsock_t *pub = event_bus_publisher ("inproc://t-st-front");
    zsock_t *sub = event_bus_subscriber ("inproc://t-st-back", NULL);
    int probes = s_sync (pub, sub, "sys");
    for (int index = 0; index < 10; index++)
        zsock_send (pub, "ss", "msg", "x");
    for (int index = 0; index < 10; index++) {
        char *topic, *text;
        s_recv2 (sub, &topic, &text);
        zstr_free (&topic);
        zstr_free (&text);
    }
    zsock_send (bus, "s", VERB_STATS);
    assert_int_equal (zsock_recv (bus, "88", &forwarded, &subscriptions), 0);
    assert_int_equal (forwarded, (uint64_t) probes + 10);
    assert_int_equal (subscriptions, 1);

    zsock_destroy (&pub);
    zsock_destroy (&sub);
    zactor_destroy (&bus);
}

//  Make a private temporary directory; returns a new string.
static char *
s_private_tmpdir (void)
{
    char *dir = strdup ("/tmp/dtchat-test-XXXXXX");
    assert_non_null (mkdtemp (dir));
    return dir;
}

//  Leave a socket file behind with nobody listening, as a crash would.
static void
s_stale_socket (const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    assert_true (strlen (path) < sizeof (addr.sun_path));
    strcpy (addr.sun_path, path);
    int fd = socket (AF_UNIX, SOCK_STREAM, 0);
    assert_true (fd >= 0);
    assert_int_equal (bind (fd, (struct sockaddr *) &addr, sizeof (addr)),
                      0);
    close (fd);
    struct stat st;
    assert_int_equal (lstat (path, &st), 0);
}

//  External ipc endpoint: a second SUB there gets the same events; the
//  socket file is private, a stale one is replaced, a live one refused.
static void
test_external_ipc (void **state)
{
    char *dir = s_private_tmpdir ();
    char *path = zsys_sprintf ("%s/4242.bus", dir);
    char *external = zsys_sprintf ("ipc://%s", path);
    s_stale_socket (path);

    int status;
    char *detail;
    zactor_t *bus = s_bus_start ("inproc://t-ex-front", "inproc://t-ex-back",
                                 external, &status, &detail);
    assert_int_equal (status, 0);
    assert_string_equal (detail, external);
    zstr_free (&detail);
    struct stat st;
    assert_int_equal (stat (path, &st), 0);
    assert_true (S_ISSOCK (st.st_mode));
    assert_int_equal (st.st_mode & 077, 0);

    zsock_t *pub = event_bus_publisher ("inproc://t-ex-front");
    zsock_t *inner = event_bus_subscriber ("inproc://t-ex-back", NULL);
    zsock_t *outer = zsock_new (ZMQ_SUB);
    zsock_set_subscribe (outer, "");
    assert_int_equal (zsock_connect (outer, "%s", external), 0);
    s_sync (pub, outer, "sys");
    zsock_send (pub, "ss", "app", "both");
    char *topic, *text;
    s_recv2 (outer, &topic, &text);
    assert_string_equal (topic, "app");
    assert_string_equal (text, "both");
    zstr_free (&topic);
    zstr_free (&text);
    //  inner may hold some probes first: skip them
    for (int count = 0; count < 1000; count++) {
        s_recv2 (inner, &topic, &text);
        bool probe = streq (topic, "sys");
        if (!probe)
            assert_string_equal (text, "both");
        zstr_free (&topic);
        zstr_free (&text);
        if (!probe)
            break;
    }

    //  A second bus on the same live socket is refused, not a thief
    zactor_t *thief = s_bus_start ("inproc://t-ex-front2",
                                   "inproc://t-ex-back2", external, &status,
                                   &detail);
    assert_int_equal (status, -1);
    assert_non_null (strstr (detail, external));
    assert_non_null (strstr (detail, "in use"));
    zstr_free (&detail);
    zactor_destroy (&thief);
    //  ...and the first one still delivers there
    zsock_send (pub, "ss", "app", "still");
    s_recv2 (outer, &topic, &text);
    assert_string_equal (text, "still");
    zstr_free (&topic);
    zstr_free (&text);

    zsock_destroy (&outer);
    zsock_destroy (&inner);
    zsock_destroy (&pub);
    zactor_destroy (&bus);
    unlink (path);

    //  A directory others can open is refused, naming it
    assert_int_equal (chmod (dir, 0755), 0);
    bus = s_bus_start ("inproc://t-ex-front3", "inproc://t-ex-back3",
                       external, &status, &detail);
    assert_int_equal (status, -1);
    assert_non_null (strstr (detail, dir));
    assert_non_null (strstr (detail, "mode"));
    zstr_free (&detail);
    zactor_destroy (&bus);

    //  So is a path that is not a socket
    assert_int_equal (chmod (dir, 0700), 0);
    FILE *file = fopen (path, "w");
    assert_non_null (file);
    fclose (file);
    bus = s_bus_start ("inproc://t-ex-front4", "inproc://t-ex-back4",
                       external, &status, &detail);
    assert_int_equal (status, -1);
    assert_non_null (strstr (detail, "not a socket"));
    zstr_free (&detail);
    zactor_destroy (&bus);
    assert_int_equal (unlink (path), 0);

    assert_int_equal (rmdir (dir), 0);
    zstr_free (&external);
    zstr_free (&path);
    free (dir);
}

//  A tcp external endpoint already in use: START replies -1 and why.
static void
test_bind_clash (void **state)
{
    int status;
    char *detail;
    zactor_t *bus = s_bus_start ("inproc://t-bc-front", "inproc://t-bc-back",
                                 "tcp://127.0.0.1:*", &status, &detail);
    assert_int_equal (status, 0);
    assert_true (strncmp (detail, "tcp://127.0.0.1:", 16) == 0);
    assert_true (atoi (detail + 16) > 0);
    char *external = detail;

    zactor_t *second = s_bus_start ("inproc://t-bc-front2",
                                    "inproc://t-bc-back2", external,
                                    &status, &detail);
    assert_int_equal (status, -1);
    assert_non_null (strstr (detail, external));
    assert_non_null (strstr (detail, "in use"));
    zstr_free (&detail);
    zactor_destroy (&second);

    //  The same inproc names twice is a clash too
    second = s_bus_start ("inproc://t-bc-front", "inproc://t-bc-back2", "",
                          &status, &detail);
    assert_int_equal (status, -1);
    assert_true (strlen (detail) > 0);
    zstr_free (&detail);
    zactor_destroy (&second);

    //  START twice on one bus is refused
    zsock_send (bus, "ssss", VERB_START, "inproc://a", "inproc://b", "");
    assert_int_equal (zsock_recv (bus, "is", &status, &detail), 0);
    assert_int_equal (status, -1);
    zstr_free (&detail);

    zstr_free (&external);
    zactor_destroy (&bus);
}

//  The runtime directory is made private and others' ones are refused.
static void
test_default_endpoint (void **state)
{
    char *saved = getenv ("XDG_RUNTIME_DIR");
    saved = saved? strdup (saved): NULL;

    unsetenv ("XDG_RUNTIME_DIR");
    char *dir = event_bus_runtime_dir ();
    char *expect = zsys_sprintf ("/tmp/dtchat-%u", (unsigned) geteuid ());
    assert_string_equal (dir, expect);
    zstr_free (&dir);
    zstr_free (&expect);

    char *base = s_private_tmpdir ();
    setenv ("XDG_RUNTIME_DIR", base, 1);
    dir = event_bus_runtime_dir ();
    expect = zsys_sprintf ("%s/dtchat", base);
    assert_string_equal (dir, expect);
    zstr_free (&expect);

    char reason [256] = "";
    char *endpoint = event_bus_default_endpoint (1234, reason,
                                                 sizeof (reason));
    assert_non_null (endpoint);
    expect = zsys_sprintf ("ipc://%s/1234.bus", dir);
    assert_string_equal (endpoint, expect);
    zstr_free (&expect);
    zstr_free (&endpoint);
    struct stat st;
    assert_int_equal (lstat (dir, &st), 0);
    assert_true (S_ISDIR (st.st_mode));
    assert_int_equal (st.st_mode & 0777, 0700);

    //  Group or others may open it: refused, with the mode in the reason
    assert_int_equal (chmod (dir, 0750), 0);
    assert_null (event_bus_default_endpoint (1, reason, sizeof (reason)));
    assert_non_null (strstr (reason, dir));
    assert_non_null (strstr (reason, "750"));
    assert_int_equal (chmod (dir, 0700), 0);

    //  Another user's directory: refused
    if (geteuid () == 0) {
        assert_int_equal (chown (dir, 1, 1), 0);
        assert_null (event_bus_default_endpoint (1, reason, sizeof (reason)));
        assert_non_null (strstr (reason, "owned by uid 1"));
        assert_int_equal (chown (dir, 0, 0), 0);
    }
    //  A symlink in its place (someone else's trick): refused
    assert_int_equal (rmdir (dir), 0);
    assert_int_equal (symlink ("/tmp", dir), 0);
    assert_null (event_bus_default_endpoint (1, reason, sizeof (reason)));
    assert_non_null (strstr (reason, "not a directory"));
    assert_int_equal (unlink (dir), 0);

    //  A runtime dir that does not exist: a reason, not a crash
    setenv ("XDG_RUNTIME_DIR", "/nonexistent/dtchat-test", 1);
    assert_null (event_bus_default_endpoint (1, reason, sizeof (reason)));
    assert_non_null (strstr (reason, "/nonexistent/dtchat-test/dtchat"));

    assert_int_equal (rmdir (base), 0);
    free (base);
    zstr_free (&dir);
    if (saved)
        setenv ("XDG_RUNTIME_DIR", saved, 1);
    else
        unsetenv ("XDG_RUNTIME_DIR");
    free (saved);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_round_trip),
        cmocka_unit_test (test_prefix_filter),
        cmocka_unit_test (test_stats),
        cmocka_unit_test (test_external_ipc),
        cmocka_unit_test (test_bind_clash),
        cmocka_unit_test (test_default_endpoint),
    };
    int rc = cmocka_run_group_tests (tests, NULL, NULL);
    zsys_shutdown ();
    return rc;
}
