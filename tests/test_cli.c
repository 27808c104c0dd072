/*  test_cli.c: dtchat's command-line parser (cli.h), without running a
    peer.

    Good command lines come out as the expected node and ui settings (and
    the store chosen as documented); each bad argument gives no settings,
    exit status 2 and one line that names it; --help and --version give
    exit status 0 and their text; a --config file fills in what no option
    gave, and the options win. tests/it_cli.sh checks the same end to end
    through the program.
*/
#include "dtchat.h"
#include "cli.h"
#include "ui.h"
#include "store.h"
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#define S_ARGS_MAX  32

//  Parse the NULL-terminated arguments after argv [0] = "dtchat".
static cli_t *
s_cli (char *text, size_t size, int *status_p, ...)
{
    char *argv [S_ARGS_MAX + 1];
    int argc = 0;
    argv [argc++] = (char *) "dtchat";
    va_list args;
    va_start (args, status_p);
    const char *arg;
    while ((arg = va_arg (args, const char *))) {
        assert_true (argc < S_ARGS_MAX);
        argv [argc++] = (char *) arg;
    }
    va_end (args);
    argv [argc] = NULL;
    memset (text, 'x', size);
    *status_p = -1;
    return cli_new (argc, argv, text, size, status_p);
}

//  Expect the arguments to be refused: status 2, one line naming WANT.
#define S_BAD(want, ...) s_bad (__LINE__, want, __VA_ARGS__, NULL)

static void
s_bad (int line, const char *want, ...)
{
    char *argv [S_ARGS_MAX + 1];
    int argc = 0;
    argv [argc++] = (char *) "dtchat";
    va_list args;
    va_start (args, want);
    const char *arg;
    while ((arg = va_arg (args, const char *))) {
        assert_true (argc < S_ARGS_MAX);
        argv [argc++] = (char *) arg;
    }
    va_end (args);
    argv [argc] = NULL;
    char text [CLI_TEXT_MAX];
    memset (text, 'x', sizeof text);
    int status = -1;
    cli_t *cli = cli_new (argc, argv, text, sizeof text, &status);
    if (cli || status != 2 || !memchr (text, '\0', sizeof text)
    ||  strchr (text, '\n') || !strstr (text, want)
    ||  !strstr (text, "(try 'dtchat --help')"))
        fail_msg ("line %d: status %d, cli %p, text '%.300s', want '%s'",
                  line, status, (void *) cli, text, want);
}

//  Write TEXT to a fresh file under DIR; the caller frees the path.
static char *
s_write (const char *dir, const char *name, const char *text)
{
    char *path = zsys_sprintf ("%s/%s", dir, name);
    assert_non_null (path);
    FILE *file = fopen (path, "w");
    assert_non_null (file);
    assert_int_equal (fputs (text, file) >= 0, 1);
    assert_int_equal (fclose (file), 0);
    return path;
}

//  Every option given comes out in the settings.
static void
test_good (void **state)
{
    (void) state;
    char text [CLI_TEXT_MAX];
    int status;
    cli_t *cli = s_cli (text, sizeof text, &status,
        "--no-tui", "--json", "--quiet", "--bus", "none",
        "--lifetime", "2.5", "--id", "alice", "--room", "lobby",
        "--max-message", "1000", "--bp-agent", "aap:127.0.0.1:4242",
        "--bp-route", "ipn:2.* mtcp:127.0.0.1:4557",
        "--bp-route", "ipn:3.* mtcp:127.0.0.1:4558",
        "--db", ":memory:", "--order", "receive",
        "UDP 127.0.0.1:7777", "udp 127.0.0.1:6666", NULL);
    assert_non_null (cli);
    assert_int_equal (status, 0);
    const node_config_t *config = cli_node_config (cli);
    assert_string_equal (config->locals [0], "UDP 127.0.0.1:7777");
    assert_null (config->locals [1]);
    assert_string_equal (config->remote, "udp 127.0.0.1:6666");
    assert_string_equal (config->sender_uuid, "alice");
    assert_string_equal (config->room, "lobby");
    assert_int_equal (config->lifetime_ms, 2500);
    assert_int_equal (config->max_message, 1000);
    assert_string_equal (config->bus_external, "");
    assert_string_equal (config->bp_agent, "aap:127.0.0.1:4242");
    assert_non_null (config->bp_routes);
    assert_string_equal (config->bp_routes [0], "ipn:2.* mtcp:127.0.0.1:4557");
    assert_string_equal (config->bp_routes [1], "ipn:3.* mtcp:127.0.0.1:4558");
    assert_null (config->bp_routes [2]);
    assert_string_equal (config->db_path, STORE_MEMORY);
    assert_string_equal (config->order, "receive");
    assert_true (cli_json (cli));
    assert_true (cli_quiet (cli));
    assert_false (cli_demo (cli));
    assert_null (cli_file (cli));
    assert_ptr_equal (cli_ui_actor (cli), ui_line_actor);
    cli_destroy (&cli);
    cli_destroy (&cli);
    assert_null (cli);

    //  Nothing given: defaults (0 / NULL), --bus kept as given
    cli = s_cli (text, sizeof text, &status, "--bus", "tcp://127.0.0.1:5",
                 "tcp [::1]:0", "tcp [::1]:6666", NULL);
    assert_non_null (cli);
    config = cli_node_config (cli);
    assert_string_equal (config->bus_external, "tcp://127.0.0.1:5");
    assert_null (config->sender_uuid);
    assert_null (config->room);
    assert_int_equal (config->lifetime_ms, 0);
    assert_int_equal (config->max_message, 0);
    assert_null (config->bp_agent);
    assert_null (config->bp_routes);
    assert_null (config->order);
    //  port 0 could not be found again by a restart: memory only
    assert_string_equal (config->db_path, STORE_MEMORY);
    assert_false (cli_json (cli));
    assert_false (cli_quiet (cli));
    cli_destroy (&cli);
}

//  A fixed port and no --db: a store named after LOCAL under
//  $XDG_STATE_HOME/dtchat.
static void
test_default_store (void **state)
{
    (void) state;
    char dir [] = "/tmp/test_cli-XXXXXX";
    assert_non_null (mkdtemp (dir));
    char *old = getenv ("XDG_STATE_HOME");
    old = old? strdup (old): NULL;
    assert_int_equal (setenv ("XDG_STATE_HOME", dir, 1), 0);
    char text [CLI_TEXT_MAX];
    int status;
    cli_t *cli = s_cli (text, sizeof text, &status,
                        "udp 127.0.0.1:7777", "udp 127.0.0.1:6666", NULL);
    assert_non_null (cli);
    const char *path = cli_node_config (cli)->db_path;
    char *prefix = zsys_sprintf ("%s/dtchat/", dir);
    assert_int_equal (strncmp (path, prefix, strlen (prefix)), 0);
    assert_non_null (strstr (path, "7777"));
    zstr_free (&prefix);
    cli_destroy (&cli);

    //  No place for it: a runtime failure (1) with a reason
    char *file = s_write (dir, "plain", "");
    assert_int_equal (setenv ("XDG_STATE_HOME", file, 1), 0);
    cli = s_cli (text, sizeof text, &status,
                 "udp 127.0.0.1:7777", "udp 127.0.0.1:6666", NULL);
    assert_null (cli);
    assert_int_equal (status, 1);
    assert_true (strlen (text) > 0);
    assert_null (strchr (text, '\n'));
    if (old)
        setenv ("XDG_STATE_HOME", old, 1);
    else
        unsetenv ("XDG_STATE_HOME");
    free (old);
    char *command = zsys_sprintf ("rm -rf '%s'", dir);
    assert_int_equal (system (command), 0);
    zstr_free (&command);
    zstr_free (&file);
}

//  No endpoints: the demo, in memory, as "you" unless --id says.
static void
test_demo (void **state)
{
    (void) state;
    char text [CLI_TEXT_MAX];
    int status;
    cli_t *cli = s_cli (text, sizeof text, &status, "--no-tui", NULL);
    assert_non_null (cli);
    assert_true (cli_demo (cli));
    const node_config_t *config = cli_node_config (cli);
    assert_string_equal (config->locals [0], "udp 127.0.0.1:0");
    assert_null (config->locals [1]);
    assert_null (config->remote);
    assert_string_equal (config->sender_uuid, "you");
    assert_string_equal (config->db_path, STORE_MEMORY);
    cli_destroy (&cli);
    cli = s_cli (text, sizeof text, &status, "--id", "me", NULL);
    assert_non_null (cli);
    assert_string_equal (cli_node_config (cli)->sender_uuid, "me");
    cli_destroy (&cli);
}

//  --help and --version: no settings, status 0, the text for stdout.
static void
test_help_version (void **state)
{
    (void) state;
    char text [CLI_TEXT_MAX];
    int status;
    const char *helps [] = { "--help", "-h" };
    for (size_t index = 0; index < 2; index++) {
        cli_t *cli = s_cli (text, sizeof text, &status, helps [index],
                            "--bogus", NULL);
        assert_null (cli);
        assert_int_equal (status, 0);
        assert_int_equal (strncmp (text, "usage: dtchat", 13), 0);
        assert_non_null (strstr (text, "--json"));
        assert_non_null (strstr (text, "Exit status"));
        assert_int_equal (text [strlen (text) - 1], '\n');
    }
    const char *versions [] = { "--version", "-V" };
    for (size_t index = 0; index < 2; index++) {
        cli_t *cli = s_cli (text, sizeof text, &status, versions [index],
                            NULL);
        assert_null (cli);
        assert_int_equal (status, 0);
        assert_string_equal (text, "dtchat " DTCHAT_VERSION "\n");
    }
    //  A small buffer gets a cut, terminated text
    char small [16];
    cli_t *cli = s_cli (small, sizeof small, &status, "-h", NULL);
    assert_null (cli);
    assert_int_equal (status, 0);
    assert_int_equal (strlen (small), sizeof small - 1);
}

//  Each bad argument: status 2 and one line that names it.
static void
test_bad (void **state)
{
    (void) state;
    const char *l = "udp 127.0.0.1:0", *r = "udp 127.0.0.1:9";
    S_BAD ("--bogus", "--bogus", l, r);
    S_BAD ("-x", "-x", l, r);
    S_BAD ("--json", "--json=1", l, r);
    S_BAD ("--lifetime", l, r, "--lifetime");
    S_BAD ("udp 1.2.3.4", "udp 1.2.3.4", r);
    S_BAD ("udp 1.2.3.4", l, "udp 1.2.3.4");
    S_BAD ("99999", "udp 127.0.0.1:99999", r);
    S_BAD ("foo", "foo 1.2.3.4:5", r);
    S_BAD ("1 argument", l);
    S_BAD ("3 arguments", l, r, r);
    S_BAD ("no LOCAL tcp", l, "tcp 127.0.0.1:5");
    S_BAD ("--lifetime", "--lifetime", "abc", l, r);
    S_BAD ("--lifetime", "--lifetime", "0", l, r);
    S_BAD ("--lifetime", "--lifetime", "-5", l, r);
    S_BAD ("--lifetime", "--lifetime", "nan", l, r);
    S_BAD ("--lifetime", "--lifetime", "1e99", l, r);
    S_BAD ("--lifetime", "--lifetime", "0.0001", l, r);
    S_BAD ("--max-message", "--max-message", "0", l, r);
    S_BAD ("--max-message", "--max-message", "-1", l, r);
    S_BAD ("--max-message", "--max-message", "2000000000", l, r);
    S_BAD ("--max-message", "--max-message", "12k", l, r);
    S_BAD ("--bus", "--bus", "foo://x", l, r);
    S_BAD ("--bus", "--bus", "ipc://", l, r);
    S_BAD ("--id", "--id", "", l, r);
    S_BAD ("--id", "--id", "a\tb", l, r);
    S_BAD ("--room", "--room", "\xff\xfe", l, r);
    S_BAD ("--bp-agent", "--bp-agent", "aap:", l, r);
    S_BAD ("--bp-agent", "--bp-agent", "tcp:1.2.3.4:5", l, r);
    S_BAD ("--bp-route", "--bp-route", "ipn:2.*", l, r);
    S_BAD ("--bp-route", "--bp-route", "ipn:2.* tcp:1.2.3.4:5", l, r);
    S_BAD ("--bp-route", "--bp-route", "a mtcp:h:1 extra", l, r);
    S_BAD ("--config", "--config", "", l, r);
    S_BAD ("--config", "--config", "/nonexistent/x.yaml");
    S_BAD ("/nonexistent/x.yaml", "--config", "/nonexistent/x.yaml");
    S_BAD ("--db", "--db", "", l, r);
    S_BAD ("--order", "--order", "random", l, r);
    S_BAD ("contradict", "--tui", "--no-tui", l, r);
    S_BAD ("--json", "--json", "--tui", l, r);
    //  A newline typed into a value stays on one line
    S_BAD ("--order", "--order", "a\nb", l, r);
    if (!isatty (0) || !isatty (1))
        S_BAD ("--tui needs a terminal", "--tui", l, r);
}

//  --config: the file gives what no option did; options win.
static void
test_config (void **state)
{
    (void) state;
    char dir [] = "/tmp/test_cli-XXXXXX";
    assert_non_null (mkdtemp (dir));
    char *path = s_write (dir, "good.yaml",
        "id: carol\n"
        "room: lobby\n"
        "lifetime: 30\n"
        "max_message: 5000\n"
        "local: [udp 127.0.0.1:7000, tcp 127.0.0.1:7000]\n"
        "peers:\n"
        "  - {name: bob, endpoint: tcp 127.0.0.1:6000}\n"
        "  - {name: dave, endpoint: udp 127.0.0.1:6001}\n"
        "rooms: [{name: lobby, peers: [bob, dave]}]\n"
        "db: \":memory:\"\n"
        "order: receive\n"
        "bp_agent: aap:127.0.0.1:4242\n");
    char text [CLI_TEXT_MAX];
    int status;
    cli_t *cli = s_cli (text, sizeof text, &status, "--config", path, NULL);
    assert_non_null (cli);
    assert_false (cli_demo (cli));
    const node_config_t *config = cli_node_config (cli);
    assert_string_equal (config->locals [0], "udp 127.0.0.1:7000");
    assert_string_equal (config->locals [1], "tcp 127.0.0.1:7000");
    assert_null (config->locals [2]);
    assert_string_equal (config->remote, "tcp 127.0.0.1:6000");
    assert_string_equal (config->sender_uuid, "carol");
    assert_string_equal (config->room, "lobby");
    assert_int_equal (config->lifetime_ms, 30000);
    assert_int_equal (config->max_message, 5000);
    assert_string_equal (config->bp_agent, "aap:127.0.0.1:4242");
    assert_string_equal (config->db_path, STORE_MEMORY);
    assert_string_equal (config->order, "receive");
    config_t *file = cli_file (cli);
    assert_non_null (file);
    assert_string_equal (config_peer_names (file) [1], "dave");
    cli_destroy (&cli);

    //  The options win over the file
    char *db = zsys_sprintf ("%s/chat.db", dir);
    cli = s_cli (text, sizeof text, &status, "--id", "erin", "--room", "hall",
                 "--lifetime", "5", "--max-message", "70", "--db", db,
                 "--order", "send", "--bp-agent", "af_bp",
                 "--config", path, NULL);
    assert_non_null (cli);
    config = cli_node_config (cli);
    assert_string_equal (config->sender_uuid, "erin");
    assert_string_equal (config->room, "hall");
    assert_int_equal (config->lifetime_ms, 5000);
    assert_int_equal (config->max_message, 70);
    assert_string_equal (config->db_path, db);
    assert_string_equal (config->order, "send");
    assert_string_equal (config->bp_agent, "af_bp");
    assert_string_equal (config->remote, "tcp 127.0.0.1:6000");
    cli_destroy (&cli);
    zstr_free (&db);

    //  A file with a bad key or no peers is a bad command line
    char *typo = s_write (dir, "typo.yaml",
        "local: [udp 127.0.0.1:0]\n"
        "peers: [{name: b, endpoint: udp 127.0.0.1:9}]\n"
        "colour: red\n");
    S_BAD ("typo.yaml:3", "--config", typo);
    S_BAD ("--config", "--config", typo, "udp 127.0.0.1:0",
           "udp 127.0.0.1:9");
    char *mixed = s_write (dir, "mixed.yaml",
        "local: [udp 127.0.0.1:0]\n"
        "peers: [{name: b, endpoint: tcp 127.0.0.1:9}]\n");
    S_BAD ("no LOCAL tcp", "--config", mixed);
    zstr_free (&typo);
    zstr_free (&mixed);
    zstr_free (&path);
    char *command = zsys_sprintf ("rm -rf '%s'", dir);
    assert_int_equal (system (command), 0);
    zstr_free (&command);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_good),
        cmocka_unit_test (test_default_store),
        cmocka_unit_test (test_demo),
        cmocka_unit_test (test_help_version),
        cmocka_unit_test (test_bad),
        cmocka_unit_test (test_config),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
