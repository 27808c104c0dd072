/*  test_config.c: the YAML config loader, good files and hostile ones.

    A full and a minimal file load with every value in place; every kind
    of bad file fails with a one-line reason "NAME:LINE: ..." that says
    what was wrong; the 1 MiB cap holds for files and memory; random
    bytes, mutated and truncated files never crash (a seeded loop, so a
    failure can be replayed).
*/
#include "dtchat.h"
#include "config.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#define FULL \
    "# a full config\n" \
    "id: alice\n" \
    "room: lobby\n" \
    "lifetime: 60\n" \
    "max_message: 16777216\n" \
    "local:\n" \
    "  - UDP 127.0.0.1:7777\n" \
    "  - tcp 127.0.0.1:7777\n" \
    "  - \"bp ipn:1.1 via mtcp:127.0.0.1:4556\"\n" \
    "peers:\n" \
    "  - name: bob\n" \
    "    endpoint: udp localhost:6666\n" \
    "  - {name: carol, endpoint: \"tcp [::1]:5555\"}\n" \
    "rooms:\n" \
    "  - name: lobby\n" \
    "    peers: [bob, carol]\n" \
    "  - name: quiet\n" \
    "    peers:\n" \
    "      - carol\n" \
    "bp_agent: aap:127.0.0.1:4242\n" \
    "db: /tmp/alice.db\n" \
    "order: receive\n" \
    "bp_routes:\n" \
    "  - \"ipn:2.* mtcp:127.0.0.1:4557\"\n"

#define MINIMAL \
    "local: [udp 127.0.0.1:1]\n" \
    "peers: [{name: b, endpoint: udp 127.0.0.1:2}]\n"

//  Parse TEXT as "t.yaml", expecting failure; return the reason.
static const char *
s_bad (const char *text, char *reason, size_t size)
{
    memset (reason, 'x', size);
    config_t *config = config_parse (text, strlen (text), "t.yaml", reason,
                                     size);
    if (config) {
        print_error ("unexpectedly accepted:\n%s\n", text);
        config_destroy (&config);
        fail ();
    }
    assert_non_null (memchr (reason, '\0', size));
    assert_null (strchr (reason, '\n'));
    assert_int_equal (strncmp (reason, "t.yaml:", 7), 0);
    return reason;
}

//  A file with every key loads to exactly its values, endpoints canonical.
static void
test_full (void **state)
{
    char reason [256] = "";
    config_t *config = config_parse (FULL, strlen (FULL), "full.yaml",
                                     reason, sizeof reason);
    if (!config)
        print_error ("%s\n", reason);
    assert_non_null (config);
    assert_string_equal (reason, "");
    assert_string_equal (config_id (config), "alice");
    assert_string_equal (config_room (config), "lobby");
    assert_int_equal (config_lifetime_ms (config), 60000);
    assert_int_equal (config_max_message (config), 16777216);
    assert_string_equal (config_bp_agent (config), "aap:127.0.0.1:4242");
    assert_string_equal (config_db (config), "/tmp/alice.db");
    assert_string_equal (config_order (config), "receive");

    //  endpoints come back canonical
    const char **locals = config_locals (config);
    assert_string_equal (locals [0], "udp 127.0.0.1:7777");
    assert_string_equal (locals [1], "tcp 127.0.0.1:7777");
    assert_string_equal (locals [2], "bp ipn:1.1 via mtcp:127.0.0.1:4556");
    assert_null (locals [3]);
    const char **routes = config_bp_routes (config);
    assert_string_equal (routes [0], "ipn:2.* mtcp:127.0.0.1:4557");
    assert_null (routes [1]);

    assert_int_equal (config_peer_count (config), 2);
    assert_string_equal (config_peer_name (config, 0), "bob");
    assert_string_equal (config_peer_endpoint (config, 0),
                         "udp 127.0.0.1:6666");
    assert_string_equal (config_peer_name (config, 1), "carol");
    assert_string_equal (config_peer_endpoint (config, 1), "tcp [::1]:5555");
    assert_null (config_peer_name (config, 2));
    assert_null (config_peer_endpoint (config, 2));
    //  and as arrays, in the same order
    const char **names = config_peer_names (config);
    const char **endpoints = config_peer_endpoints (config);
    assert_string_equal (names [0], "bob");
    assert_string_equal (endpoints [0], "udp 127.0.0.1:6666");
    assert_string_equal (names [1], "carol");
    assert_string_equal (endpoints [1], "tcp [::1]:5555");
    assert_null (names [2]);
    assert_null (endpoints [2]);

    assert_int_equal (config_room_count (config), 2);
    assert_string_equal (config_room_name (config, 0), "lobby");
    const char **peers = config_room_peers (config, 0);
    assert_string_equal (peers [0], "bob");
    assert_string_equal (peers [1], "carol");
    assert_null (peers [2]);
    assert_string_equal (config_room_name (config, 1), "quiet");
    peers = config_room_peers (config, 1);
    assert_string_equal (peers [0], "carol");
    assert_null (peers [1]);
    assert_null (config_room_name (config, 2));
    assert_null (config_room_peers (config, 2));
    names = config_room_names (config);
    assert_string_equal (names [0], "lobby");
    assert_string_equal (names [1], "quiet");
    assert_null (names [2]);
    config_destroy (&config);
    assert_null (config);
    config_destroy (&config);
}

//  The fewest keys, the largest values, rooms before their peers.
static void
test_minimal (void **state)
{
    char reason [256];
    config_t *config = config_parse (MINIMAL, strlen (MINIMAL), "min.yaml",
                                     reason, sizeof reason);
    assert_non_null (config);
    assert_null (config_id (config));
    assert_null (config_room (config));
    assert_null (config_bp_agent (config));
    assert_null (config_db (config));
    assert_null (config_order (config));
    assert_null (config_room_names (config) [0]);
    assert_string_equal (config_peer_names (config) [0], "b");
    assert_null (config_peer_names (config) [1]);
    assert_int_equal (config_lifetime_ms (config), 0);
    assert_int_equal (config_max_message (config), 0);
    assert_string_equal (config_locals (config) [0], "udp 127.0.0.1:1");
    assert_null (config_locals (config) [1]);
    assert_null (config_bp_routes (config) [0]);
    assert_int_equal (config_peer_count (config), 1);
    assert_string_equal (config_peer_endpoint (config, 0), "udp 127.0.0.1:2");
    assert_int_equal (config_room_count (config), 0);
    config_destroy (&config);

    //  the largest values allowed; rooms may come before their peers
    const char *edges =
        "rooms: [{name: r, peers: [b]}]\n"
        "lifetime: 315360000\n"
        "max_message: 1073741824\n"
        MINIMAL;
    config = config_parse (edges, strlen (edges), "e.yaml", reason,
                           sizeof reason);
    if (!config)
        print_error ("%s\n", reason);
    assert_non_null (config);
    assert_int_equal (config_lifetime_ms (config), 315360000LL * 1000);
    assert_int_equal (config_max_message (config), 1073741824);
    config_destroy (&config);
}

typedef struct {
    const char *text;
    const char *reason;         //  the reason must contain this
} bad_t;

#define P "peers: [{name: bob, endpoint: udp 127.0.0.1:2}]\n"
#define L "local: [udp 127.0.0.1:1]\n"

static const bad_t s_bads [] = {
    //  unknown keys, with the line
    { L P "colour: red\n", "t.yaml:3: unknown key 'colour'" },
    { L "peers:\n  - name: bob\n    endpiont: udp 127.0.0.1:2\n",
      "t.yaml:4: unknown key 'endpiont' in a peer" },
    { L P "rooms:\n  - name: r\n    peer: [bob]\n",
      "t.yaml:5: unknown key 'peer' in a room" },
    //  wrong types
    { L P "id: [a, b]\n", "t.yaml:3: 'id' must be a scalar, not a list" },
    { L P "room: {a: b}\n", "'room' must be a scalar, not a mapping" },
    { "local: udp 127.0.0.1:1\n" P, "'local' must be a list, not a scalar" },
    { L "peers: {name: bob}\n", "'peers' must be a list, not a mapping" },
    { L "peers: [bob]\n", "'peers' entries must be mappings, not a scalar" },
    { L "peers: [[bob]]\n", "'peers' entries must be mappings, not a list" },
    { "local: [[udp 127.0.0.1:1]]\n" P, "entries must be scalars, not a list" },
    { L P "bp_routes: ipn:2.* mtcp:1.2.3.4:5\n", "'bp_routes' must be a list" },
    { L P "bp_routes: [[a]]\n",
      "'bp_routes' entries must be scalars, not a list" },
    { L P "rooms: [{name: r, peers: bob}]\n", "'peers' must be a list" },
    { L P "rooms: [{name: [r], peers: [bob]}]\n",
      "'name' must be a scalar, not a list" },
    { L "peers: [{name: bob, endpoint: [udp 127.0.0.1:2]}]\n",
      "'endpoint' must be a scalar, not a list" },
    { L P "{a: b}: c\n", "a key must be a scalar, not a mapping" },
    { L P "? [a]\n: c\n", "a key must be a scalar, not a list" },
    { "- a\n- b\n", "t.yaml:1: the top level must be a mapping" },
    { "hello\n", "the top level must be a mapping of keys, not a scalar" },
    //  duplicates
    { L P "id: a\nid: b\n", "t.yaml:4: duplicate key 'id'" },
    { L P L, "t.yaml:3: duplicate key 'local'" },
    { L "peers: [{name: bob, name: x, endpoint: udp 1.2.3.4:5}]\n",
      "duplicate key 'name' in a peer" },
    { L P "rooms: [{name: r, peers: [bob], peers: [bob]}]\n",
      "duplicate key 'peers' in a room" },
    { L "peers:\n  - {name: bob, endpoint: udp 1.2.3.4:5}\n"
      "  - {name: bob, endpoint: udp 1.2.3.4:6}\n",
      "t.yaml:4: two peers named 'bob'" },
    { L P "rooms: [{name: r, peers: [bob]}, {name: r, peers: [bob]}]\n",
      "two rooms named 'r'" },
    { L P "rooms: [{name: r, peers: [bob, bob]}]\n",
      "room names peer 'bob' twice" },
    { "local: [udp 127.0.0.1:1, UDP 127.0.0.1:01]\n" P,
      "'local' repeats 'udp 127.0.0.1:1'" },
    //  missing parts
    { L "peers:\n  - name: bob\n", "t.yaml:3: peer 'bob' has no 'endpoint'" },
    { L "peers: [{endpoint: udp 1.2.3.4:5}]\n", "a peer without 'name'" },
    { L P "rooms: [{peers: [bob]}]\n", "a room without 'name'" },
    { L P "rooms: [{name: r}]\n", "room 'r' has no 'peers'" },
    { L P "rooms: [{name: r, peers: []}]\n", "room 'r' has no 'peers'" },
    { L P "rooms:\n  - name: r\n    peers: [bob,\n      carol]\n",
      "t.yaml:6: room 'r' names unknown peer 'carol'" },
    { P, "missing 'local'" },
    { L, "missing 'peers'" },
    { "", "t.yaml:1: empty file" },
    { "# nothing here\n\n", "empty file" },
    { "---\n...\n", "t.yaml:1: empty file" },
    { L "peers: []\n", "'peers' is an empty list" },
    { "local: []\n" P, "'local' is an empty list" },
    { L P "id:\n", "t.yaml:3: 'id' has no value" },
    { L P "id: ~\n", "'id' has no value" },
    { L P "room: \"\"\n", "'room' has no value" },
    { L P "db:\n", "t.yaml:3: 'db' has no value" },
    { L P "db: [a.db]\n", "'db' must be a scalar, not a list" },
    //  order
    { L P "order: sideways\n",
      "t.yaml:3: 'order' is send or receive, not 'sideways'" },
    { L P "order: Send\n", "'order' is send or receive" },
    { L P "order: [send]\n", "'order' must be a scalar, not a list" },
    { L P "order: send\norder: send\n", "t.yaml:4: duplicate key 'order'" },
    //  endpoints
    { "local: [udp 1.2.3.4]\n" P, "t.yaml:1: 'local': missing ':PORT'" },
    { L "peers: [{name: bob, endpoint: foo 1.2.3.4:5}]\n", "'endpoint': " },
    { L "peers: [{name: b, endpoint: udp 1.2.3.4:70000}]\n",
      "bad port '70000'" },
    { L "peers: [{name: b, endpoint: udp example.com:7}]\n",
      "bad host 'example.com'" },
    //  numbers
    { L P "lifetime: abc\n", "'lifetime' must be a positive integer of "
      "seconds, not 'abc'" },
    { L P "lifetime: 0\n", "'lifetime' must be a positive integer" },
    { L P "lifetime: -5\n", "'lifetime' must be a positive integer" },
    { L P "lifetime: 1.5\n", "'lifetime' must be a positive integer" },
    { L P "lifetime: 010\n", "'lifetime' must be a positive integer" },
    { L P "lifetime: +10\n", "'lifetime' must be a positive integer" },
    { L P "lifetime: 1e3\n", "'lifetime' must be a positive integer" },
    { L P "lifetime: 315360001\n", "'lifetime' is too large" },
    { L P "lifetime: 99999999999999999999999999\n", "'lifetime' is too large" },
    { L P "lifetime: [60]\n", "'lifetime' must be a scalar, not a list" },
    { L P "max_message: 0\n", "'max_message' must be a positive integer" },
    { L P "max_message: 1073741825\n", "'max_message' is too large" },
    //  YAML features we refuse, bad syntax and bad bytes
    { L P "id: &x a\nroom: *x\n", "t.yaml:4: aliases are not allowed" },
    { L "peers: [{name: b, endpoint: udp 1.2.3.4:5}\n", "t.yaml:3: bad YAML" },
    { L P "bp_routes: [a, b\n", "bad YAML" },
    { L P "id: \"unterminated\n", "bad YAML" },
    { L P "id: a\n\tb: c\n", "bad YAML" },
    { L P "id: \xff\xfe\n", "bad YAML" },
    { L P "id: \"a\\0b\"\n", "'id' contains a NUL byte" },
    { L P "---\nid: a\n", "only one YAML document" },
    { L P "...\n---\n" L P, "only one YAML document" },
};

//  Each bad file fails with a one-line reason naming the line.
static void
test_bad (void **state)
{
    char reason [512];
    for (size_t i = 0; i < sizeof s_bads / sizeof s_bads [0]; i++) {
        s_bad (s_bads [i].text, reason, sizeof reason);
        if (!strstr (reason, s_bads [i].reason)) {
            print_error ("case %zu: want '%s', got '%s'\n", i,
                         s_bads [i].reason, reason);
            fail ();
        }
    }
}

//  Repeat ITEM COUNT times (each with %zu = its index) after HEAD.
static char *
s_repeat (const char *head, const char *item, size_t count, const char *tail)
{
    zchunk_t *chunk = zchunk_new (head, strlen (head));
    for (size_t i = 0; i < count; i++) {
        char buf [256];
        snprintf (buf, sizeof buf, item, i, i);
        zchunk_extend (chunk, buf, strlen (buf));
    }
    zchunk_extend (chunk, tail, strlen (tail) + 1);
    char *text = strdup ((char *) zchunk_data (chunk));
    zchunk_destroy (&chunk);
    return text;
}

//  The bounds on peers, rooms and list sizes hold, exactly.
static void
test_caps (void **state)
{
    char reason [512];
    //  64 peers and rooms are fine; one more of either is not
    char *text = s_repeat (L "peers:\n",
                           "  - {name: p%zu, endpoint: udp 1.2.3.4:%zu}\n",
                           64, "");
    config_t *config = config_parse (text, strlen (text), "t.yaml", reason,
                                     sizeof reason);
    assert_non_null (config);
    assert_int_equal (config_peer_count (config), 64);
    config_destroy (&config);
    free (text);
    text = s_repeat (L "peers:\n",
                     "  - {name: p%zu, endpoint: udp 1.2.3.4:%zu}\n", 65, "");
    assert_non_null (strstr (s_bad (text, reason, sizeof reason),
                             "t.yaml:67: too many peers (at most 64)"));
    free (text);
    text = s_repeat (L P "rooms:\n", "  - {name: r%zu, peers: [bob]}\n",
                     65, "");
    assert_non_null (strstr (s_bad (text, reason, sizeof reason),
                             "too many rooms"));
    free (text);
    text = s_repeat (L P "rooms: [{name: r, peers: [", "p%zu,", 65,
                     "]}]\n");
    assert_non_null (strstr (s_bad (text, reason, sizeof reason),
                             "too many peers in a room"));
    free (text);
    text = s_repeat (P "local:\n", "  - udp 1.2.3.4:%zu\n", 9, "");
    assert_non_null (strstr (s_bad (text, reason, sizeof reason),
                             "too many entries in 'local'"));
    free (text);
    text = s_repeat (L P "bp_routes:\n", "  - r%zu\n", 65, "");
    assert_non_null (strstr (s_bad (text, reason, sizeof reason),
                             "too many entries in 'bp_routes'"));
    free (text);

    //  strings: 256 bytes are fine, 257 are not
    char id [400];
    snprintf (id, sizeof id, L P "id: %0256d\n", 7);
    config = config_parse (id, strlen (id), "t.yaml", reason, sizeof reason);
    assert_non_null (config);
    assert_int_equal (strlen (config_id (config)), 256);
    config_destroy (&config);
    snprintf (id, sizeof id, L P "id: %0257d\n", 7);
    assert_non_null (strstr (s_bad (id, reason, sizeof reason),
                             "'id' is too long (257 bytes, at most 256)"));
    //  a deep flow collection stops at the first wrong type
    text = s_repeat (L P "id: ", "[", 100000, "");
    assert_non_null (strstr (s_bad (text, reason, sizeof reason),
                             "'id' must be a scalar"));
    free (text);
    //  a reason that does not fit is cut, still terminated
    char tiny [8];
    config = config_parse ("x", 1, "t.yaml", tiny, sizeof tiny);
    assert_null (config);
    assert_string_equal (tiny, "t.yaml:");
    config = config_parse ("x", 1, "t.yaml", NULL, 0);
    assert_null (config);
}

//  Write SIZE bytes of TEXT (padded with comment lines) to a temp file.
static char *
s_temp_file (const char *text, size_t size)
{
    char *path = strdup ("/tmp/test_config.XXXXXX");
    int fd = mkstemp (path);
    assert_true (fd >= 0);
    FILE *file = fdopen (fd, "wb");
    assert_non_null (file);
    size_t length = strlen (text);
    assert_int_equal (fwrite (text, 1, length, file), length);
    for (size_t done = length; done < size; ) {
        char line [80];
        size_t chunk = size - done < sizeof line? size - done: sizeof line;
        memset (line, 'x', chunk);
        line [0] = '#';
        line [chunk - 1] = '\n';
        assert_int_equal (fwrite (line, 1, chunk, file), chunk);
        done += chunk;
    }
    assert_int_equal (fclose (file), 0);
    return path;
}

//  Loading from files: the size bound, and a reason that names the file.
static void
test_files (void **state)
{
    char reason [512];
    //  exactly 1 MiB loads; one byte more does not
    char *path = s_temp_file (FULL, 1024 * 1024);
    config_t *config = config_load (path, reason, sizeof reason);
    if (!config)
        print_error ("%s\n", reason);
    assert_non_null (config);
    assert_string_equal (config_id (config), "alice");
    config_destroy (&config);
    unlink (path);
    free (path);
    path = s_temp_file (FULL, 1024 * 1024 + 1);
    config = config_load (path, reason, sizeof reason);
    assert_null (config);
    assert_non_null (strstr (reason, path));
    assert_non_null (strstr (reason, "too big"));
    unlink (path);
    free (path);
    assert_null (config_parse (FULL, 1024 * 1024 + 1, "big.yaml", reason,
                               sizeof reason));
    assert_non_null (strstr (reason, "big.yaml:1: too big"));

    //  a bad file names itself in the reason
    path = s_temp_file (L P "colour: red\n", 0);
    config = config_load (path, reason, sizeof reason);
    assert_null (config);
    char *want = zsys_sprintf ("%s:3: unknown key 'colour'", path);
    assert_string_equal (reason, want);
    zstr_free (&want);
    unlink (path);
    free (path);

    assert_null (config_load ("/nonexistent/dtchat.yaml", reason,
                              sizeof reason));
    assert_string_equal (reason, "/nonexistent/dtchat.yaml: cannot open: "
                         "No such file or directory");
    assert_null (config_load ("/tmp", reason, sizeof reason));
    assert_non_null (strstr (reason, "/tmp: cannot read"));
    assert_null (config_load (NULL, reason, sizeof reason));
}

//  Parse TEXT (any bytes): it must load or fail with a proper reason.
static void
s_survive (const char *text, size_t size)
{
    char reason [512];
    memset (reason, 'x', sizeof reason);
    config_t *config = config_parse (text, size, "r.yaml", reason,
                                     sizeof reason);
    if (config)
        config_destroy (&config);
    else {
        assert_non_null (memchr (reason, '\0', sizeof reason));
        assert_int_equal (strncmp (reason, "r.yaml:", 7), 0);
        assert_null (strchr (reason, '\n'));
    }
}

//  Truncated, random and mutated YAML never crashes.
static void
test_garbage (void **state)
{
    //  every prefix of the full file (truncated YAML)
    size_t full = strlen (FULL);
    for (size_t size = 0; size <= full; size++)
        s_survive (FULL, size);
    //  seeded: random bytes, then mutations of the full file
    unsigned seed = 20261126;
    const char *alphabet = "[]{}:,-?&*!|>'\"%@`#\n \t\\aZ0 ";
    char buf [2048];
    for (int round = 0; round < 20000; round++) {
        size_t size;
        if (round % 3 == 0) {
            size = (size_t) rand_r (&seed) % 512;
            for (size_t i = 0; i < size; i++)
                buf [i] = (char) rand_r (&seed);
        }
        else
        if (round % 3 == 1) {
            //  YAML punctuation soup
            size = (size_t) rand_r (&seed) % 512;
            for (size_t i = 0; i < size; i++)
                buf [i] = alphabet [rand_r (&seed) % strlen (alphabet)];
        }
        else {
            memcpy (buf, FULL, full);
            size = full;
            int edits = 1 + rand_r (&seed) % 4;
            for (int e = 0; e < edits; e++) {
                size_t at = (size_t) rand_r (&seed) % size;
                buf [at] = (rand_r (&seed) % 2)
                         ? alphabet [rand_r (&seed) % strlen (alphabet)]
                         : (char) rand_r (&seed);
            }
            size -= (size_t) rand_r (&seed) % 8;
        }
        s_survive (buf, size);
    }
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_full),
        cmocka_unit_test (test_minimal),
        cmocka_unit_test (test_bad),
        cmocka_unit_test (test_caps),
        cmocka_unit_test (test_files),
        cmocka_unit_test (test_garbage),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
