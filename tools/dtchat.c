/*  dtchat.c: the program. Reads the command line, builds a peer with
    node_new (two of them for the no-argument demo, the second answered by
    demo_bot), puts a ui on it and waits for the ui's DONE or a signal,
    then tears everything down in reverse. Exit status: 0 done, 1 runtime
    failure, 2 bad command line (one line on stderr that names the
    argument), 128 + N when signal N (SIGINT, SIGTERM) ended it. Banners go
    to stderr so stdout stays pure (JSON with --json). It also chooses the
    chat-model's store: --db, else a file named after the local endpoints
    under $XDG_STATE_HOME/dtchat (store_default_path), else (the demo, an
    ephemeral port 0, which no restart could find again) memory only.
*/
#include "dtchat.h"
#include "node.h"
#include "ui.h"
#include "demo_bot.h"
#include "config.h"
#include "chat_msg.h"
#include "store.h"
#include <ctype.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>

#define S_ROUTES_MAX        64
#define S_LIFETIME_MAX_S    315360000.0     //  ten years: DTN is slow
#define S_MAX_MESSAGE_MAX   (1024UL * 1024 * 1024)
#define S_ACTOR_WAIT_MS     10000           //  START replies, FLUSH slack

enum { S_OPT_NO_TUI = 256, S_OPT_TUI, S_OPT_JSON, S_OPT_BUS, S_OPT_LIFETIME,
       S_OPT_ID, S_OPT_ROOM, S_OPT_MAX_MESSAGE, S_OPT_BP_AGENT,
       S_OPT_BP_ROUTE, S_OPT_CONFIG, S_OPT_QUIET, S_OPT_DB, S_OPT_ORDER };

#define S_DB_PATH_MAX       4096

typedef struct {
    int tui;                        //  -1 --no-tui, 0 auto, 1 --tui
    bool json, quiet;
    const char *bus;                //  NULL default, "" none
    int64_t lifetime_ms;            //  0 = not given
    const char *id, *room, *bp_agent, *config;
    const char *db, *order;         //  NULL = not given
    size_t max_message;             //  0 = not given
    const char *routes [S_ROUTES_MAX + 1];
    size_t route_count;
    const char *local, *remote;     //  the two arguments, if given
} s_options_t;

static const char *s_usage =
"usage: dtchat [OPTIONS] LOCAL REMOTE   chat from LOCAL with the peer REMOTE\n"
"       dtchat [OPTIONS] --config FILE  peers and rooms from a YAML file\n"
"       dtchat [OPTIONS]                a demo: a peer in here answers you\n"
"\n"
"Endpoints (the scheme is case-insensitive):\n"
"  \"udp IP:PORT\"  \"tcp IP:PORT\"       IPv4, [IPv6] or localhost; port 0\n"
"                                  binds any free port\n"
"  \"bp EID\"                          EID ipn:N.S or dtn://node/demux\n"
"  \"bp EID via mtcp:HOST:PORT\"       and how that BP node is reached\n"
"REMOTE needs a LOCAL endpoint of the same protocol.\n"
"\n"
"Options:\n"
"  -h, --help             this text\n"
"  -V, --version          print the version\n"
"      --no-tui           line mode: each input line is a message; at end of\n"
"                         input wait for every ack, then exit (the default\n"
"                         when stdin or stdout is not a terminal)\n"
"      --tui              the full-screen ui (needs a terminal)\n"
"      --json             line mode, one JSON object per event and line\n"
"      --bus ENDPOINT     publish events at ENDPOINT (ipc://PATH, tcp://H:P,\n"
"                         none); default a private ipc socket\n"
"      --lifetime SECONDS an unacked message FAILs after this (default 60)\n"
"      --id ID            our sender id (default the one kept in the\n"
"                         store, else a new uuid; demo: you)\n"
"      --room ROOM        the room messages go to (default room)\n"
"      --max-message BYTES  largest TCP/BP message (default 16777216)\n"
"      --bp-agent AGENT   BP through an agent: aap:HOST:PORT, aap:/PATH or\n"
"                         af_bp (the kernel's bp-socket)\n"
"      --bp-route \"PATTERN mtcp:HOST:PORT\"  where bundles for EIDs\n"
"                         matching PATTERN go (repeatable)\n"
"      --config FILE      read endpoints and settings from FILE (options\n"
"                         given here win)\n"
"      --quiet            no banners, no sys events\n"
"      --db PATH          the message store (SQLite): history, messages\n"
"                         waiting for an ack, received ids; :memory: keeps\n"
"                         none. Default: $XDG_STATE_HOME/dtchat/ (else\n"
"                         ~/.local/state/dtchat/) and a name made from the\n"
"                         LOCAL endpoints; memory only for port 0 and the\n"
"                         demo\n"
"      --order ORDER      history by send time (send, the default) or the\n"
"                         peer's messages at their arrival here (receive)\n"
"\n"
"Line-mode commands: /help, /quit, /resend UUID, /order send|receive,\n"
"/peers, /peer NAME|ENDPOINT (send to another peer), /room NAME.\n"
"\n"
"Examples:\n"
"  dtchat \"udp 127.0.0.1:7777\" \"udp 127.0.0.1:6666\"\n"
"  echo hi | dtchat --json \"tcp [::1]:7777\" \"tcp [::1]:6666\"\n"
"  dtchat \"bp ipn:1.1\" \"bp ipn:2.1 via mtcp:127.0.0.1:4557\"\n"
"  echo hi | dtchat --no-tui --json     # the demo peer answers\n"
"\n"
"Exit status: 0 done, 1 runtime failure, 2 bad command line,\n"
"130/143 ended by SIGINT/SIGTERM.\n";

//  Print a one-line command-line error; returns exit status 2.
static int
s_bad (const char *format, ...)
{
    char what [512];
    va_list args;
    va_start (args, format);
    vsnprintf (what, sizeof what, format, args);
    va_end (args);
    for (char *p = what; *p; p++)
        if ((unsigned char) *p < 0x20)
            *p = '?';           //  one line, whatever the user typed
    fprintf (stderr, "dtchat: %s (try 'dtchat --help')\n", what);
    return 2;
}

//  Check an --id / --room value: 0 or the exit status.
static int
s_check_name (const char *option, const char *value)
{
    size_t size = strlen (value);
    if (size == 0 || size >= DTCHAT_ID_MAX)
        return s_bad ("%s: give 1 to %d bytes", option, DTCHAT_ID_MAX - 1);
    for (size_t index = 0; index < size; index++)
        if ((unsigned char) value [index] < 0x20)
            return s_bad ("%s: control characters are not allowed", option);
    if (!chat_msg_utf8_valid (value, size))
        return s_bad ("%s: not valid UTF-8", option);
    return 0;
}

//  Check and store one option value: 0 or the exit status.
static int
s_option (s_options_t *options, int code, const char *value)
{
    char *end = NULL;
    switch (code) {
        case S_OPT_NO_TUI: case S_OPT_TUI:
            if (options->tui == (code == S_OPT_TUI? -1: 1))
                return s_bad ("--tui and --no-tui contradict each other");
            options->tui = code == S_OPT_TUI? 1: -1;
            return 0;
        case S_OPT_JSON:  options->json = true; return 0;
        case S_OPT_QUIET: options->quiet = true; return 0;
        case S_OPT_BUS:
            if (streq (value, "none"))
                options->bus = "";
            else
            if ((strncmp (value, "ipc://", 6) && strncmp (value, "tcp://", 6))
            ||  strlen (value) < 7 || strlen (value) > 200)
                return s_bad ("--bus: '%.200s' is not ipc://PATH, "
                              "tcp://HOST:PORT or none", value);
            else
                options->bus = value;
            return 0;
        case S_OPT_LIFETIME: {
            errno = 0;
            double seconds = strtod (value, &end);
            if (errno || end == value || *end || !isfinite (seconds)
            ||  seconds <= 0 || seconds > S_LIFETIME_MAX_S
            ||  llround (seconds * 1000) < 1)
                return s_bad ("--lifetime: '%.64s' is not a number of "
                              "seconds above 0 and up to %.0f", value,
                              S_LIFETIME_MAX_S);
            options->lifetime_ms = llround (seconds * 1000);
            return 0;
        }
        case S_OPT_MAX_MESSAGE: {
            errno = 0;
            unsigned long long bytes = strtoull (value, &end, 10);
            if (errno || end == value || *end || !isdigit (value [0])
            ||  bytes < 1 || bytes > S_MAX_MESSAGE_MAX)
                return s_bad ("--max-message: '%.64s' is not a byte count "
                              "from 1 to %lu", value, S_MAX_MESSAGE_MAX);
            options->max_message = (size_t) bytes;
            return 0;
        }
        case S_OPT_ID:
            options->id = value;
            return s_check_name ("--id", value);
        case S_OPT_ROOM:
            options->room = value;
            return s_check_name ("--room", value);
        case S_OPT_BP_AGENT:
            if (!streq (value, "af_bp")
            &&  (strncmp (value, "aap:", 4) || strlen (value) < 5
                 || strlen (value) >= DTCHAT_ENDPOINT_MAX))
                return s_bad ("--bp-agent: '%.200s' is not aap:HOST:PORT, "
                              "aap:/PATH or af_bp", value);
            options->bp_agent = value;
            return 0;
        case S_OPT_BP_ROUTE: {
            char pattern [DTCHAT_ENDPOINT_MAX], via [DTCHAT_ENDPOINT_MAX];
            char extra;
            if (strlen (value) >= DTCHAT_ENDPOINT_MAX
            ||  sscanf (value, "%255s %255s %c", pattern, via, &extra) != 2
            ||  strncmp (via, "mtcp:", 5) || strlen (via) < 6)
                return s_bad ("--bp-route: '%.200s' is not \"PATTERN "
                              "mtcp:HOST:PORT\"", value);
            if (options->route_count == S_ROUTES_MAX)
                return s_bad ("--bp-route: more than %d routes",
                              S_ROUTES_MAX);
            options->routes [options->route_count++] = value;
            return 0;
        }
        case S_OPT_CONFIG:
            if (!*value)
                return s_bad ("--config: empty file name");
            options->config = value;
            return 0;
        case S_OPT_DB:
            if (!*value || strlen (value) >= S_DB_PATH_MAX)
                return s_bad ("--db: give a file name (or :memory:) of 1 "
                              "to %d bytes", S_DB_PATH_MAX - 1);
            options->db = value;
            return 0;
        case S_OPT_ORDER:
            if (!streq (value, "send") && !streq (value, "receive"))
                return s_bad ("--order: '%.64s' is not send or receive",
                              value);
            options->order = value;
            return 0;
    }
    assert (false);
    return 2;
}

//  Parse the command line into OPTIONS: 0 to go on, else 1 + exit status
//  (so -h gives 1 + 0).
static int
s_parse (s_options_t *options, int argc, char **argv)
{
    static const struct option longs [] = {
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { "no-tui", no_argument, NULL, S_OPT_NO_TUI },
        { "tui", no_argument, NULL, S_OPT_TUI },
        { "json", no_argument, NULL, S_OPT_JSON },
        { "bus", required_argument, NULL, S_OPT_BUS },
        { "lifetime", required_argument, NULL, S_OPT_LIFETIME },
        { "id", required_argument, NULL, S_OPT_ID },
        { "room", required_argument, NULL, S_OPT_ROOM },
        { "max-message", required_argument, NULL, S_OPT_MAX_MESSAGE },
        { "bp-agent", required_argument, NULL, S_OPT_BP_AGENT },
        { "bp-route", required_argument, NULL, S_OPT_BP_ROUTE },
        { "config", required_argument, NULL, S_OPT_CONFIG },
        { "quiet", no_argument, NULL, S_OPT_QUIET },
        { "db", required_argument, NULL, S_OPT_DB },
        { "order", required_argument, NULL, S_OPT_ORDER },
        { NULL, 0, NULL, 0 }
    };
    opterr = 0;
    int code;
    while ((code = getopt_long (argc, argv, ":hV", longs, NULL)) != -1) {
        int status = 0;
        if (code == 'h') {
            fputs (s_usage, stdout);
            return 1;
        }
        else
        if (code == 'V') {
            printf ("dtchat %s\n", DTCHAT_VERSION);
            return 1;
        }
        else
        if (code == ':')
            status = s_bad ("option '%.64s' needs a value",
                            argv [optind - 1]);
        else
        if (code == '?' && optopt >= 256)
            status = s_bad ("option '%.64s' takes no value",
                            argv [optind - 1]);
        else
        if (code == '?' && optopt)
            status = s_bad ("unknown option '-%c'", optopt);
        else
        if (code == '?')
            status = s_bad ("unknown option '%.64s'", argv [optind - 1]);
        else
            status = s_option (options, code, optarg);
        if (status)
            return 1 + status;
    }
    int count = argc - optind;
    if (options->config && count > 0)
        return 1 + s_bad ("--config takes no LOCAL REMOTE arguments "
                          "(got '%.64s')", argv [optind]);
    if (count == 1 || count > 2)
        return 1 + s_bad ("expected LOCAL and REMOTE endpoints, got %d "
                          "argument%s", count, count == 1? "": "s");
    if (options->tui == 1 && options->json)
        return 1 + s_bad ("--json is line mode: it does not go with --tui");
    if (options->tui == 1 && (!isatty (0) || !isatty (1)))
        return 1 + s_bad ("--tui needs a terminal on stdin and stdout");
    if (count == 2) {
        options->local = argv [optind];
        options->remote = argv [optind + 1];
    }
    return 0;
}

//  Check that REMOTE parses and that LOCALS has its protocol: 0 or 2.
static int
s_check_endpoints (const char **locals, const char *remote)
{
    char reason [DTCHAT_ENDPOINT_MAX + 128];
    endpoint_t endpoint;
    bool have [4] = { false, false, false, false };
    for (size_t index = 0; locals [index]; index++) {
        if (endpoint_parse (&endpoint, locals [index], reason, sizeof reason))
            return s_bad ("LOCAL: %s", reason);
        have [endpoint.proto] = true;
    }
    if (endpoint_parse (&endpoint, remote, reason, sizeof reason))
        return s_bad ("REMOTE: %s", reason);
    if (!have [endpoint.proto])
        return s_bad ("REMOTE '%.200s' is %s, but there is no LOCAL %s "
                      "endpoint to talk to it from", remote,
                      endpoint_proto_name (endpoint.proto),
                      endpoint_proto_name (endpoint.proto));
    return 0;
}

//  Which ui actor runs: the curses ui (tui/ui_curses.c) when stdin and
//  stdout are both a terminal and neither --json nor --no-tui was given,
//  else line mode.
static zactor_fn *
s_choose_ui (const s_options_t *options)
{
    if (options->json || options->tui == -1 || !isatty (0) || !isatty (1))
        return ui_line_actor;
    return ui_curses_actor;
}

//  Wait for a message on ACTOR or a signal on SFD, at most TIMEOUT ms
//  (-1 = no limit). Returns 1 (message), 0 (timeout) or -signal.
static int
s_wait (zactor_t *actor, int sfd, long timeout)
{
    zmq_pollitem_t items [] = {
        { zsock_resolve (actor), 0, ZMQ_POLLIN, 0 },
        { NULL, sfd, ZMQ_POLLIN, 0 }
    };
    int64_t deadline = timeout < 0? 0: zclock_mono () + timeout;
    while (true) {
        long left = timeout < 0? -1: (long) (deadline - zclock_mono ());
        if (timeout >= 0 && left < 0)
            left = 0;
        int rc = zmq_poll (items, 2, left);
        if (rc == -1 && errno == EINTR)
            continue;
        if (rc <= 0)
            return 0;
        if (items [1].revents) {
            struct signalfd_siginfo info;
            if (read (sfd, &info, sizeof info) == (ssize_t) sizeof info)
                return -(int) info.ssi_signo;
        }
        if (items [0].revents & ZMQ_POLLIN)
            return 1;
    }
}

//  Start an actor and check its START reply. NULL with a reason.
static zactor_t *
s_start_actor (zactor_fn *actor_fn, void *args, char *reason, size_t size)
{
    zactor_t *actor = zactor_new (actor_fn, args);
    if (!actor) {
        snprintf (reason, size, "cannot start an actor");
        return NULL;
    }
    zsock_send (actor, "s", VERB_START);
    zpoller_t *poller = zpoller_new (actor, NULL);
    int status = -1;
    char *detail = NULL;
    if (poller && zpoller_wait (poller, S_ACTOR_WAIT_MS) == actor)
        zsock_recv (actor, "is", &status, &detail);
    zpoller_destroy (&poller);
    if (status != 0) {
        snprintf (reason, size, "%s", detail? detail: "no START reply");
        zactor_destroy (&actor);
    }
    zstr_free (&detail);
    return actor;
}

//  The demo's end of input: the bot answers what it got, then our ui
//  shows those answers. Returns 0 or -signal.
static int
s_demo_flush (zactor_t *bot, zactor_t *ui, int sfd, long timeout)
{
    zstr_send (bot, VERB_FLUSH);
    int rc = s_wait (bot, sfd, timeout);
    if (rc < 0)
        return rc;
    if (rc == 1) {
        char *verb = zstr_recv (bot);
        zstr_free (&verb);
    }
    zstr_send (ui, VERB_FLUSH);
    rc = s_wait (ui, sfd, timeout);
    if (rc == 1) {
        char *verb = NULL;
        int status = 0;
        zsock_recv (ui, "si", &verb, &status);
        zstr_free (&verb);
    }
    return rc < 0? rc: 0;
}

//  True if a udp/tcp endpoint in LOCALS asks for an ephemeral port.
static bool
s_ephemeral (const char **locals)
{
    for (size_t index = 0; locals [index]; index++) {
        endpoint_t endpoint;
        if (endpoint_parse (&endpoint, locals [index], NULL, 0) == 0
        &&  endpoint.proto != ENDPOINT_BP && endpoint_port (&endpoint) == 0)
            return true;
    }
    return false;
}

//  Choose the store for CONFIG: 0, or 1 with a message (*OWNED_P gets a
//  default path to free).
static int
s_choose_store (const s_options_t *options, node_config_t *config,
                bool demo, char **owned_p)
{
    char reason [512];
    if (options->db)
        config->db_path = options->db;
    else
    if (demo || s_ephemeral (config->locals))
        config->db_path = STORE_MEMORY;
    else {
        *owned_p = store_default_path (config->locals, reason,
                                       sizeof reason);
        if (!*owned_p) {
            fprintf (stderr, "dtchat: %s\n", reason);
            return 1;
        }
        config->db_path = *owned_p;
    }
    config->order = options->order;
    return 0;
}

//  Build the peer(s) and the ui, run until DONE or a signal, tear down.
//  FILE (or NULL) is the config file, whose peers and rooms the ui offers.
static int
s_run (s_options_t *options, node_config_t *config, config_t *file, int sfd)
{
    char reason [512] = "";
    bool demo = !options->local && !options->config;
    node_t *bot_node = NULL, *node = NULL;
    zactor_t *bot = NULL, *ui = NULL;
    int status = 1;
    if (demo) {
        //  Each needs the other's bound port as its remote: bind both,
        //  then start both chat-models
        node_config_t bot_config = *config;
        bot_config.sender_uuid = "demo-bot";
        bot_config.bus_external = "";
        bot_config.db_path = NULL;      //  the bot keeps nothing
        bot_node = node_bind (&bot_config, reason, sizeof reason);
        node = bot_node? node_bind (config, reason, sizeof reason): NULL;
        if (!node
        ||  node_start (bot_node, node_local (node, ENDPOINT_UDP),
                        reason, sizeof reason)
        ||  node_start (node, node_local (bot_node, ENDPOINT_UDP),
                        reason, sizeof reason))
            goto done;
        demo_bot_args_t bot_args = { node_ui_endpoint (bot_node),
                                     node_bus_endpoint (bot_node) };
        bot = s_start_actor (demo_bot_actor, &bot_args, reason,
                             sizeof reason);
        if (!bot)
            goto done;
    }
    else {
        node = node_new (config, reason, sizeof reason);
        if (!node)
            goto done;
    }
    const char *local = node_local (node, ENDPOINT_UDP);
    for (int proto = ENDPOINT_TCP; !local && proto <= ENDPOINT_BP; proto++)
        local = node_local (node, (endpoint_proto_t) proto);
    int64_t lifetime = config->lifetime_ms? config->lifetime_ms:
                                            DTCHAT_LIFETIME_DEFAULT_MS;
    ui_args_t ui_args = {
        .model_endpoint = node_ui_endpoint (node),
        .bus_endpoint = node_bus_endpoint (node),
        .in_fd = STDIN_FILENO, .out_fd = STDOUT_FILENO,
        .json = options->json, .quiet = options->quiet,
        .local = local, .remote = node_remote (node),
        .drain_timeout_ms = lifetime + 5000,
        .peer_names = file? config_peer_names (file): NULL,
        .peer_endpoints = file? config_peer_endpoints (file): NULL,
        .rooms = file? config_room_names (file): NULL
    };
    ui = s_start_actor (s_choose_ui (options), &ui_args, reason,
                        sizeof reason);
    if (!ui)
        goto done;
    //  The ui's START reply means it is subscribed: we are ready now
    if (!options->quiet) {
        if (*node_bus_external (node))
            fprintf (stderr, "bus: %s\n", node_bus_external (node));
        if (!streq (config->db_path, STORE_MEMORY))
            fprintf (stderr, "store: %s\n", config->db_path);
        if (demo)
            fprintf (stderr, "demo: you are %s, a demo peer at %s answers; "
                     "type a line (Ctrl-D or /quit ends)\n", local,
                     node_remote (node));
    }
    int rc = s_wait (ui, sfd, -1);
    if (rc == 0)
        snprintf (reason, sizeof reason, "lost the ui");
    if (rc == 1) {
        char *verb = NULL;
        zsock_recv (ui, "si", &verb, &status);
        zstr_free (&verb);
        if (demo && status == 0)
            rc = s_demo_flush (bot, ui, sfd, (long) lifetime + 5000);
    }
    if (rc < 0)
        status = 128 - rc;
done:
    zactor_destroy (&ui);
    zactor_destroy (&bot);
    node_destroy (&node);
    node_destroy (&bot_node);
    if (*reason)
        fprintf (stderr, "dtchat: %s\n", reason);
    return status;
}

int
main (int argc, char **argv)
{
    //  Signals arrive on a signalfd the main thread polls: block them
    //  before any thread starts, so every thread inherits the mask
    sigset_t signals;
    sigemptyset (&signals);
    sigaddset (&signals, SIGINT);
    sigaddset (&signals, SIGTERM);
    pthread_sigmask (SIG_BLOCK, &signals, NULL);
    signal (SIGPIPE, SIG_IGN);      //  a closed stdout is an error return
    //  A file size limit makes a store write fail (an error event), as a
    //  full disk does, instead of killing us
    signal (SIGXFSZ, SIG_IGN);

    s_options_t options;
    memset (&options, 0, sizeof options);
    int rc = s_parse (&options, argc, argv);
    if (rc)
        return rc - 1;
    config_t *file = NULL;
    const char *cli_locals [] = { options.local, NULL };
    node_config_t config = {
        .locals = cli_locals, .remote = options.remote,
        .sender_uuid = options.id, .room = options.room,
        .lifetime_ms = options.lifetime_ms,
        .max_message = options.max_message, .bus_external = options.bus,
        .bp_agent = options.bp_agent,
        .bp_routes = options.route_count? options.routes: NULL
    };
    if (options.config) {
        char reason [512];
        file = config_load (options.config, reason, sizeof reason);
        if (!file)
            return s_bad ("--config: %s", reason);
        if (config_peer_count (file) == 0) {
            config_destroy (&file);
            return s_bad ("--config: %s has no peers", options.config);
        }
        config.locals = config_locals (file);
        config.remote = config_peer_endpoint (file, 0);
        config.sender_uuid = options.id? options.id: config_id (file);
        config.room = options.room? options.room: config_room (file);
        if (!options.lifetime_ms)
            config.lifetime_ms = config_lifetime_ms (file);
        if (!options.max_message)
            config.max_message = config_max_message (file);
        if (!options.bp_agent)
            config.bp_agent = config_bp_agent (file);
        if (!options.route_count)
            config.bp_routes = config_bp_routes (file);
        if (!options.db)
            options.db = config_db (file);
        if (!options.order)
            options.order = config_order (file);
    }
    if (options.local || options.config) {
        rc = s_check_endpoints (config.locals, config.remote);
        if (rc) {
            config_destroy (&file);
            return rc;
        }
    }
    else {
        static const char *demo_locals [] = { "udp 127.0.0.1:0", NULL };
        config.locals = demo_locals;
        config.sender_uuid = options.id? options.id: "you";
    }
    char *db_default = NULL;
    if (s_choose_store (&options, &config, !options.local && !options.config,
                        &db_default)) {
        config_destroy (&file);
        return 1;
    }
    zsys_init ();
    zsys_handler_set (NULL);        //  the signalfd handles signals
    zsys_set_logstream (stderr);    //  stdout is for events only
    int sfd = signalfd (-1, &signals, SFD_CLOEXEC);
    if (sfd == -1) {
        fprintf (stderr, "dtchat: signalfd: %s\n", strerror (errno));
        config_destroy (&file);
        zstr_free (&db_default);
        return 1;
    }
    rc = s_run (&options, &config, file, sfd);
    close (sfd);
    config_destroy (&file);
    zstr_free (&db_default);
    return rc;
}
