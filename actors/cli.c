/*  cli.c: dtchat's command line (see cli.h). getopt_long reads the
    options, each value is checked as it comes (bounded, one line of
    reason naming it), then the endpoints or the --config file are
    checked and merged (options win) into a node_config_t, and the store
    is chosen: --db, else a file named after the local endpoints under
    $XDG_STATE_HOME/dtchat (store_default_path), else (the demo, an
    ephemeral port 0, which no restart could find again) memory only.
    tools/dtchat.c is its one caller; tests/test_cli.c checks it.
*/
#include "cli.h"
#include "ui.h"
#include "chat_msg.h"
#include "store.h"
#include <ctype.h>
#include <getopt.h>
#include <math.h>

#define S_ROUTES_MAX        64
#define S_LIFETIME_MAX_S    315360000.0     //  ten years: DTN is slow
#define S_MAX_MESSAGE_MAX   (1024UL * 1024 * 1024)
#define S_DB_PATH_MAX       4096

enum { S_OPT_NO_TUI = 256, S_OPT_TUI, S_OPT_JSON, S_OPT_BUS, S_OPT_LIFETIME,
       S_OPT_ID, S_OPT_ROOM, S_OPT_MAX_MESSAGE, S_OPT_BP_AGENT,
       S_OPT_BP_ROUTE, S_OPT_CONFIG, S_OPT_QUIET, S_OPT_DB, S_OPT_ORDER };

struct _cli_t {
    int tui;                        //  -1 --no-tui, 0 auto, 1 --tui
    bool json, quiet, demo;
    const char *bus;                //  NULL default, "" none
    int64_t lifetime_ms;            //  0 = not given
    const char *id, *room, *bp_agent, *config;
    const char *db, *order;         //  NULL = not given
    size_t max_message;             //  0 = not given
    const char *routes [S_ROUTES_MAX + 1];
    size_t route_count;
    const char *local, *remote;     //  the two arguments, if given
    const char *locals [2];         //  LOCAL as a list
    config_t *file;                 //  the --config file, or NULL
    char *db_default;               //  the default store path we own
    node_config_t node;             //  what it all comes to
    char *text;                     //  the caller's TEXT buffer
    size_t text_size;
};

static const char s_usage [] =
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

_Static_assert (sizeof s_usage <= CLI_TEXT_MAX, "CLI_TEXT_MAX too small");

//  Put a one-line command-line error in the caller's text; returns 2.
static int
s_bad (cli_t *self, const char *format, ...)
{
    char what [512];
    va_list args;
    va_start (args, format);
    vsnprintf (what, sizeof what, format, args);
    va_end (args);
    for (char *p = what; *p; p++)
        if ((unsigned char) *p < 0x20)
            *p = '?';           //  one line, whatever the user typed
    snprintf (self->text, self->text_size, "%s (try 'dtchat --help')",
              what);
    return 2;
}

//  Check an --id / --room value: 0 or the exit status.
static int
s_check_name (cli_t *self, const char *option, const char *value)
{
    size_t size = strlen (value);
    if (size == 0 || size >= DTCHAT_ID_MAX)
        return s_bad (self, "%s: give 1 to %d bytes", option,
                      DTCHAT_ID_MAX - 1);
    for (size_t index = 0; index < size; index++)
        if ((unsigned char) value [index] < 0x20)
            return s_bad (self, "%s: control characters are not allowed",
                          option);
    if (!chat_msg_utf8_valid (value, size))
        return s_bad (self, "%s: not valid UTF-8", option);
    return 0;
}

//  Check and keep a --lifetime value: 0 or the exit status.
static int
s_lifetime (cli_t *self, const char *value)
{
    char *end = NULL;
    errno = 0;
    double seconds = strtod (value, &end);
    if (errno || end == value || *end || !isfinite (seconds)
    ||  seconds <= 0 || seconds > S_LIFETIME_MAX_S
    ||  llround (seconds * 1000) < 1)
        return s_bad (self, "--lifetime: '%.64s' is not a number of "
                      "seconds above 0 and up to %.0f", value,
                      S_LIFETIME_MAX_S);
    self->lifetime_ms = llround (seconds * 1000);
    return 0;
}

//  Check and keep a --max-message value: 0 or the exit status.
static int
s_max_message (cli_t *self, const char *value)
{
    char *end = NULL;
    errno = 0;
    unsigned long long bytes = strtoull (value, &end, 10);
    if (errno || end == value || *end || !isdigit ((unsigned char) value [0])
    ||  bytes < 1 || bytes > S_MAX_MESSAGE_MAX)
        return s_bad (self, "--max-message: '%.64s' is not a byte count "
                      "from 1 to %lu", value, S_MAX_MESSAGE_MAX);
    self->max_message = (size_t) bytes;
    return 0;
}

//  Check and keep a --bp-route value: 0 or the exit status.
static int
s_bp_route (cli_t *self, const char *value)
{
    char pattern [DTCHAT_ENDPOINT_MAX], via [DTCHAT_ENDPOINT_MAX];
    char extra;
    if (strlen (value) >= DTCHAT_ENDPOINT_MAX
    ||  sscanf (value, "%255s %255s %c", pattern, via, &extra) != 2
    ||  strncmp (via, "mtcp:", 5) || strlen (via) < 6)
        return s_bad (self, "--bp-route: '%.200s' is not \"PATTERN "
                      "mtcp:HOST:PORT\"", value);
    if (self->route_count == S_ROUTES_MAX)
        return s_bad (self, "--bp-route: more than %d routes", S_ROUTES_MAX);
    self->routes [self->route_count++] = value;
    return 0;
}

//  Check and keep one option value: 0 or the exit status.
static int
s_option (cli_t *self, int code, const char *value)
{
    switch (code) {
        case S_OPT_NO_TUI: case S_OPT_TUI:
            if (self->tui == (code == S_OPT_TUI? -1: 1))
                return s_bad (self, "--tui and --no-tui contradict each "
                              "other");
            self->tui = code == S_OPT_TUI? 1: -1;
            return 0;
        case S_OPT_JSON:  self->json = true; return 0;
        case S_OPT_QUIET: self->quiet = true; return 0;
        case S_OPT_BUS:
            if (streq (value, "none"))
                self->bus = "";
            else
            if ((strncmp (value, "ipc://", 6) && strncmp (value, "tcp://", 6))
            ||  strlen (value) < 7 || strlen (value) > 200)
                return s_bad (self, "--bus: '%.200s' is not ipc://PATH, "
                              "tcp://HOST:PORT or none", value);
            else
                self->bus = value;
            return 0;
        case S_OPT_LIFETIME:
            return s_lifetime (self, value);
        case S_OPT_MAX_MESSAGE:
            return s_max_message (self, value);
        case S_OPT_ID:
            self->id = value;
            return s_check_name (self, "--id", value);
        case S_OPT_ROOM:
            self->room = value;
            return s_check_name (self, "--room", value);
        case S_OPT_BP_AGENT:
            if (!streq (value, "af_bp")
            &&  (strncmp (value, "aap:", 4) || strlen (value) < 5
                 || strlen (value) >= DTCHAT_ENDPOINT_MAX))
                return s_bad (self, "--bp-agent: '%.200s' is not "
                              "aap:HOST:PORT, aap:/PATH or af_bp", value);
            self->bp_agent = value;
            return 0;
        case S_OPT_BP_ROUTE:
            return s_bp_route (self, value);
        case S_OPT_CONFIG:
            if (!*value)
                return s_bad (self, "--config: empty file name");
            self->config = value;
            return 0;
        case S_OPT_DB:
            if (!*value || strlen (value) >= S_DB_PATH_MAX)
                return s_bad (self, "--db: give a file name (or :memory:) "
                              "of 1 to %d bytes", S_DB_PATH_MAX - 1);
            self->db = value;
            return 0;
        case S_OPT_ORDER:
            if (!streq (value, "send") && !streq (value, "receive"))
                return s_bad (self, "--order: '%.64s' is not send or "
                              "receive", value);
            self->order = value;
            return 0;
    }
    assert (false);
    return 2;
}

//  Read the options and arguments: 0 to go on, else 1 + exit status (so
//  -h gives 1 + 0, with the usage in the text).
static int
s_parse (cli_t *self, int argc, char **argv)
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
    //  optind 0 makes glibc start afresh, so a second parse (tests) works
    optind = 0;
    opterr = 0;
    int code;
    while ((code = getopt_long (argc, argv, ":hV", longs, NULL)) != -1) {
        int status = 0;
        if (code == 'h') {
            snprintf (self->text, self->text_size, "%s", s_usage);
            return 1;
        }
        else
        if (code == 'V') {
            snprintf (self->text, self->text_size, "dtchat %s\n",
                      DTCHAT_VERSION);
            return 1;
        }
        else
        if (code == ':')
            status = s_bad (self, "option '%.64s' needs a value",
                            argv [optind - 1]);
        else
        if (code == '?' && optopt >= 256)
            status = s_bad (self, "option '%.64s' takes no value",
                            argv [optind - 1]);
        else
        if (code == '?' && optopt)
            status = s_bad (self, "unknown option '-%c'", optopt);
        else
        if (code == '?')
            status = s_bad (self, "unknown option '%.64s'",
                            argv [optind - 1]);
        else
            status = s_option (self, code, optarg);
        if (status)
            return 1 + status;
    }
    int count = argc - optind;
    if (self->config && count > 0)
        return 1 + s_bad (self, "--config takes no LOCAL REMOTE arguments "
                          "(got '%.64s')", argv [optind]);
    if (count == 1 || count > 2)
        return 1 + s_bad (self, "expected LOCAL and REMOTE endpoints, got "
                          "%d argument%s", count, count == 1? "": "s");
    if (self->tui == 1 && self->json)
        return 1 + s_bad (self, "--json is line mode: it does not go with "
                          "--tui");
    if (self->tui == 1 && (!isatty (0) || !isatty (1)))
        return 1 + s_bad (self, "--tui needs a terminal on stdin and "
                          "stdout");
    if (count == 2) {
        self->local = argv [optind];
        self->remote = argv [optind + 1];
    }
    self->demo = !self->local && !self->config;
    return 0;
}

//  Check that REMOTE parses and that LOCALS has its protocol: 0 or 2.
static int
s_check_endpoints (cli_t *self, const char **locals, const char *remote)
{
    char reason [DTCHAT_ENDPOINT_MAX + 128];
    endpoint_t endpoint;
    bool have [4] = { false, false, false, false };
    for (size_t index = 0; locals [index]; index++) {
        if (endpoint_parse (&endpoint, locals [index], reason, sizeof reason))
            return s_bad (self, "LOCAL: %s", reason);
        have [endpoint.proto] = true;
    }
    if (endpoint_parse (&endpoint, remote, reason, sizeof reason))
        return s_bad (self, "REMOTE: %s", reason);
    if (!have [endpoint.proto])
        return s_bad (self, "REMOTE '%.200s' is %s, but there is no LOCAL "
                      "%s endpoint to talk to it from", remote,
                      endpoint_proto_name (endpoint.proto),
                      endpoint_proto_name (endpoint.proto));
    return 0;
}

//  Load the --config file and take from it what no option gave: 0 or 2.
static int
s_merge_file (cli_t *self)
{
    char reason [512];
    node_config_t *node = &self->node;
    self->file = config_load (self->config, reason, sizeof reason);
    if (!self->file)
        return s_bad (self, "--config: %s", reason);
    if (config_peer_count (self->file) == 0)
        return s_bad (self, "--config: %s has no peers", self->config);
    node->locals = config_locals (self->file);
    node->remote = config_peer_endpoint (self->file, 0);
    if (!self->id)
        node->sender_uuid = config_id (self->file);
    if (!self->room)
        node->room = config_room (self->file);
    if (!self->lifetime_ms)
        node->lifetime_ms = config_lifetime_ms (self->file);
    if (!self->max_message)
        node->max_message = config_max_message (self->file);
    if (!self->bp_agent)
        node->bp_agent = config_bp_agent (self->file);
    if (!self->route_count)
        node->bp_routes = config_bp_routes (self->file);
    if (!self->db)
        self->db = config_db (self->file);
    if (!self->order)
        self->order = config_order (self->file);
    return 0;
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

//  Choose the store: 0, or 1 (no default path) with the reason.
static int
s_choose_store (cli_t *self)
{
    node_config_t *node = &self->node;
    if (self->db)
        node->db_path = self->db;
    else
    if (self->demo || s_ephemeral (node->locals))
        node->db_path = STORE_MEMORY;
    else {
        self->db_default = store_default_path (node->locals, self->text,
                                               self->text_size);
        if (!self->db_default)
            return 1;
        node->db_path = self->db_default;
    }
    node->order = self->order;
    return 0;
}

//  Turn the options into the node's settings: 0 or the exit status.
static int
s_settle (cli_t *self)
{
    node_config_t *node = &self->node;
    self->locals [0] = self->local;
    self->locals [1] = NULL;
    node->locals = self->locals;
    node->remote = self->remote;
    node->sender_uuid = self->id;
    node->room = self->room;
    node->lifetime_ms = self->lifetime_ms;
    node->max_message = self->max_message;
    node->bus_external = self->bus;
    node->bp_agent = self->bp_agent;
    node->bp_routes = self->route_count? self->routes: NULL;
    int status = self->config? s_merge_file (self): 0;
    if (status == 0 && !self->demo)
        status = s_check_endpoints (self, node->locals, node->remote);
    if (status == 0 && self->demo) {
        static const char *demo_locals [] = { "udp 127.0.0.1:0", NULL };
        node->locals = demo_locals;
        node->sender_uuid = self->id? self->id: "you";
    }
    if (status == 0)
        status = s_choose_store (self);
    return status;
}

cli_t *
cli_new (int argc, char **argv, char *text, size_t text_size, int *status_p)
{
    assert (argv && status_p);
    assert (text && text_size > 0);
    *text = '\0';
    cli_t *self = (cli_t *) zmalloc (sizeof (cli_t));
    if (!self) {
        snprintf (text, text_size, "out of memory");
        *status_p = 1;
        return NULL;
    }
    self->text = text;
    self->text_size = text_size;
    int rc = s_parse (self, argc, argv);
    *status_p = rc? rc - 1: s_settle (self);
    if (rc || *status_p)
        cli_destroy (&self);
    else
        self->text = NULL;      //  the caller's buffer is theirs again
    return self;
}

void
cli_destroy (cli_t **self_p)
{
    assert (self_p);
    cli_t *self = *self_p;
    if (self) {
        config_destroy (&self->file);
        zstr_free (&self->db_default);
        free (self);
        *self_p = NULL;
    }
}

const node_config_t *
cli_node_config (cli_t *self)
{
    assert (self);
    return &self->node;
}

bool
cli_demo (cli_t *self)
{
    assert (self);
    return self->demo;
}

zactor_fn *
cli_ui_actor (cli_t *self)
{
    assert (self);
    if (self->json || self->tui == -1 || !isatty (0) || !isatty (1))
        return ui_line_actor;
    return ui_curses_actor;
}

bool
cli_json (cli_t *self)
{
    assert (self);
    return self->json;
}

bool
cli_quiet (cli_t *self)
{
    assert (self);
    return self->quiet;
}

config_t *
cli_file (cli_t *self)
{
    assert (self);
    return self->file;
}
