/*  dtchat_tap.c: the dtchat-tap program, a window on a running dtchat.

    It connects a SUB socket to a dtchat's event bus (the external XPUB
    endpoint that dtchat prints at start-up, or the one it finds in the
    runtime directory) and prints every event as a line: the text form,
    or with --json the same JSON object dtchat --json prints plus
    "topic". The bus crosses a process boundary, so whatever arrives is
    input: a message that does not decode gets a line on stderr and the
    tap goes on. Exit status: 0 done (--count reached, --timeout passed,
    SIGINT/SIGTERM), 1 runtime failure (no dtchat running, --count not
    reached in --timeout, stdout failed), 2 bad command line or several
    dtchats to choose from.
*/
#include "dtchat.h"
#include "bus_event.h"
#include "event_bus.h"
#include <dirent.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <sys/stat.h>

#define S_TOPICS_MAX        32
#define S_TOPIC_MAX         255
#define S_INSTANCES_MAX     64          //  listed when several run
#define S_TIMEOUT_MAX_S     (366.0 * 24 * 3600)
#define S_BUS_TOPIC_MAX     15          //  bus_event_t.topic holds 16

typedef struct {
    bool json;
    const char *topics [S_TOPICS_MAX + 1];
    size_t topic_count;
    uint64_t count;                 //  0 = no limit
    int64_t timeout_ms;             //  -1 = no limit
    const char *endpoint;           //  NULL = find the running dtchat
} s_options_t;

static const char *s_usage =
"usage: dtchat-tap [OPTIONS] [ENDPOINT]\n"
"\n"
"Print the events of a running dtchat, one per line. ENDPOINT is its bus\n"
"(ipc://PATH or tcp://HOST:PORT, as dtchat prints at start-up; a bare\n"
"PATH means ipc://PATH). Without ENDPOINT, dtchat-tap looks for running\n"
"dtchats in $XDG_RUNTIME_DIR/dtchat (else /tmp/dtchat-UID): it attaches\n"
"to the one it finds, or lists them when there are several.\n"
"\n"
"Options:\n"
"  -h, --help             this text\n"
"  -V, --version          print the version\n"
"      --json             one JSON object per line (with \"topic\")\n"
"      --topic PREFIX     only topics starting with PREFIX: msg, net, app,\n"
"                         sys (repeatable; default all)\n"
"      --count N          exit after N events\n"
"      --timeout SECONDS  exit after SECONDS (status 1 if --count events\n"
"                         had not come by then)\n"
"\n"
"Exit status: 0 done, 1 no dtchat or other failure, 2 bad arguments or\n"
"several dtchats running (name one).\n";

//  Say on stderr "dtchat-tap: HEAD<what>TAIL" in one line: what comes
//  from arguments and peers, so its control characters print as '?'.
static void
s_say (const char *head, const char *tail, const char *format,
       va_list args)
{
    char what [512];
    vsnprintf (what, sizeof what, format, args);
    for (char *c = what; *c; c++)
        if ((unsigned char) *c < 0x20 || *c == 0x7F)
            *c = '?';
    fprintf (stderr, "dtchat-tap: %s%s%s\n", head, what, tail);
}

//  Print a one-line command-line error; returns exit status 2.
static int
s_bad_argument (const char *format, ...)
    __attribute__ ((format (printf, 1, 2)));
static int
s_bad_argument (const char *format, ...)
{
    va_list args;
    va_start (args, format);
    s_say ("", " (try 'dtchat-tap --help')", format, args);
    va_end (args);
    return 2;
}

//  Parse a positive decimal count without sign or junk; 0 on error.
static uint64_t
s_parse_count (const char *text)
{
    uint64_t value = 0;
    if (!*text || *text == '0')
        return 0;
    for (const char *c = text; *c; c++) {
        if (*c < '0' || *c > '9' || value > (UINT64_MAX - 9) / 10)
            return 0;
        value = value * 10 + (uint64_t) (*c - '0');
    }
    return value;
}

//  Parse the command line into OPTIONS: -1 to go on, else an exit status.
static int
s_parse_options (s_options_t *options, int argc, char *argv [])
{
    enum { S_OPT_JSON = 256, S_OPT_TOPIC, S_OPT_COUNT, S_OPT_TIMEOUT };
    static const struct option longs [] = {
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { "json", no_argument, NULL, S_OPT_JSON },
        { "topic", required_argument, NULL, S_OPT_TOPIC },
        { "count", required_argument, NULL, S_OPT_COUNT },
        { "timeout", required_argument, NULL, S_OPT_TIMEOUT },
        { NULL, 0, NULL, 0 }
    };
    *options = (s_options_t) { .timeout_ms = -1 };
    opterr = 0;                 //  our own one-line errors
    int opt;
    while ((opt = getopt_long (argc, argv, ":hV", longs, NULL)) != -1) {
        const char *name = argv [optind - 1];
        switch (opt) {
            case 'h':
                fputs (s_usage, stdout);
                return 0;
            case 'V':
                printf ("dtchat-tap %s\n", DTCHAT_VERSION);
                return 0;
            case S_OPT_JSON:
                options->json = true;
                break;
            case S_OPT_TOPIC:
                if (options->topic_count == S_TOPICS_MAX)
                    return s_bad_argument ("too many --topic (at most %d)",
                                           S_TOPICS_MAX);
                if (strlen (optarg) > S_TOPIC_MAX)
                    return s_bad_argument ("--topic '%.40s...' is too long",
                                           optarg);
                options->topics [options->topic_count++] = optarg;
                break;
            case S_OPT_COUNT:
                options->count = s_parse_count (optarg);
                if (options->count == 0)
                    return s_bad_argument ("--count '%.40s' is not a "
                                           "positive integer", optarg);
                break;
            case S_OPT_TIMEOUT: {
                char *end = NULL;
                double seconds = (*optarg >= '0' && *optarg <= '9')
                               ? strtod (optarg, &end): -1;
                if (!end || *end || !isfinite (seconds) || seconds <= 0
                ||  seconds > S_TIMEOUT_MAX_S)
                    return s_bad_argument ("--timeout '%.40s' is not a "
                                           "number of seconds (0 < S <= %.0f)",
                                           optarg, S_TIMEOUT_MAX_S);
                options->timeout_ms = (int64_t) ceil (seconds * 1000);
                break;
            }
            case ':':
                return s_bad_argument ("option '%s' needs a value", name);
            default:
                return s_bad_argument ("unknown option '%s'", name);
        }
    }
    if (optind < argc)
        options->endpoint = argv [optind++];
    if (optind < argc)
        return s_bad_argument ("unexpected argument '%.80s'", argv [optind]);
    return -1;
}

//  The bus endpoint to connect to from an ENDPOINT argument (new string),
//  or NULL after a one-line error with *STATUS_P set (2 bad, 1 absent).
static char *
s_endpoint_from_argument (const char *text, int *status_p)
{
    *status_p = 2;
    if (!*text) {
        s_bad_argument ("empty ENDPOINT");
        return NULL;
    }
    char *endpoint = strstr (text, "://")
                   ? strdup (text)
                   : zsys_sprintf ("ipc://%s", text);   //  a bare path
    if (strncmp (endpoint, "ipc://", 6) != 0
    &&  strncmp (endpoint, "tcp://", 6) != 0) {
        s_bad_argument ("ENDPOINT '%.80s' is not ipc://PATH or "
                        "tcp://HOST:PORT", text);
        zstr_free (&endpoint);
    }
    else
    if (strncmp (endpoint, "ipc://", 6) == 0) {
        //  an ipc socket that is not there will not appear by waiting
        struct stat info;
        int rc = stat (endpoint + 6, &info);
        if (rc == -1 || !S_ISSOCK (info.st_mode)) {
            fprintf (stderr, "dtchat-tap: no dtchat bus at '%.200s': %s\n",
                     endpoint, rc == -1? strerror (errno): "not a socket");
            *status_p = 1;
            zstr_free (&endpoint);
        }
    }
    return endpoint;
}

//  True if NAME is "PID.bus" of a process that still exists.
static bool
s_live_instance (const char *dir, const char *name, int *pid_p)
{
    char *end = NULL;
    if (name [0] < '1' || name [0] > '9')
        return false;
    long pid = strtol (name, &end, 10);
    if (!end || strcmp (end, ".bus") != 0 || pid <= 0 || pid > INT_MAX)
        return false;
    char *path = zsys_sprintf ("%s/%s", dir, name);
    struct stat info;
    bool is_socket = path && lstat (path, &info) == 0
                  && S_ISSOCK (info.st_mode);
    zstr_free (&path);
    //  a pid that no longer exists left a stale socket behind
    if (!is_socket || (kill ((pid_t) pid, 0) == -1 && errno != EPERM))
        return false;
    *pid_p = (int) pid;
    return true;
}

//  Ascending pids for a stable listing.
static int
s_compare_pids (const void *a, const void *b)
{
    int x = *(const int *) a, y = *(const int *) b;
    return (x > y) - (x < y);
}

//  Find the one running dtchat: its endpoint (new string), or NULL with
//  *STATUS_P set (1 none, 2 several) after a message on stderr.
static char *
s_find_instance (int *status_p)
{
    char *dir = event_bus_runtime_dir ();
    if (!dir) {
        fprintf (stderr, "dtchat-tap: out of memory\n");
        *status_p = 1;
        return NULL;
    }
    int pids [S_INSTANCES_MAX];
    size_t found = 0;
    DIR *listing = opendir (dir);
    struct dirent *entry;
    while (listing && (entry = readdir (listing)) && found < S_INSTANCES_MAX)
        if (s_live_instance (dir, entry->d_name, &pids [found]))
            found++;
    if (listing)
        closedir (listing);
    char *endpoint = NULL;
    if (found == 1)
        endpoint = zsys_sprintf ("ipc://%s/%d.bus", dir, pids [0]);
    else
    if (found == 0) {
        fprintf (stderr, "dtchat-tap: no running dtchat found in %s (start "
                 "one, or give its bus ENDPOINT)\n", dir);
        *status_p = 1;
    }
    else {
        qsort (pids, found, sizeof pids [0], s_compare_pids);
        fprintf (stderr, "dtchat-tap: several dtchat instances:");
        for (size_t i = 0; i < found; i++)
            fprintf (stderr, "%s ipc://%s/%d.bus", i? ",": "", dir, pids [i]);
        fprintf (stderr, "; choose one\n");
        *status_p = 2;
    }
    zstr_free (&dir);
    return endpoint;
}

//  Say on stderr why a bus message was dropped; the tap goes on.
static void
s_dropped (const char *format, ...)
    __attribute__ ((format (printf, 1, 2)));
static void
s_dropped (const char *format, ...)
{
    va_list args;
    va_start (args, format);
    s_say ("dropped a bus message: ", "", format, args);
    va_end (args);
}

//  Receive one bus message and decode it: the event, or NULL (interrupted,
//  or undecodable: said on stderr).
static bus_event_t *
s_receive (zsock_t *sub)
{
    zmsg_t *msg = zmsg_recv (sub);
    if (!msg)
        return NULL;
    bus_event_t *event = NULL;
    zframe_t *topic_frame = zmsg_first (msg);
    zframe_t *body = zmsg_next (msg);
    size_t topic_size = topic_frame? zframe_size (topic_frame): 0;
    char topic [S_BUS_TOPIC_MAX + 1] = "";
    if (topic_size > 0 && topic_size <= S_BUS_TOPIC_MAX) {
        memcpy (topic, zframe_data (topic_frame), topic_size);
        topic [topic_size] = '\0';
    }
    if (zmsg_size (msg) != 2)
        s_dropped ("%zu frames, want 2 (topic, event)", zmsg_size (msg));
    else
    if (!*topic || strlen (topic) != topic_size)
        s_dropped ("bad topic frame (%zu bytes)", topic_size);
    else {
        char reason [256] = "";
        event = bus_event_decode (topic, zframe_data (body),
                                  zframe_size (body), reason, sizeof reason);
        if (!event && *reason)
            s_dropped ("'%s' event: %s", topic, reason);
        else
        if (!event)
            s_dropped ("'%s' event of %zu bytes is undecodable", topic,
                       zframe_size (body));
    }
    zmsg_destroy (&msg);
    return event;
}

//  Print EVENT as one line and flush: 0, or an exit status if stdout
//  failed (a closed pipe is a normal end: 0 quietly).
static int
s_print (bus_event_t *event, bool json)
{
    char *line = json? bus_event_json (event, true): bus_event_text (event);
    if (!line) {
        s_dropped ("'%s' event could not be formatted", event->topic);
        return -1;
    }
    bool ok = fputs (line, stdout) >= 0 && fputc ('\n', stdout) != EOF
           && fflush (stdout) == 0;
    free (line);
    if (ok)
        return -1;
    if (errno == EPIPE)
        return 0;
    fprintf (stderr, "dtchat-tap: cannot write: %s\n", strerror (errno));
    return 1;
}

//  Print events from SUB until --count, --timeout or a signal; returns
//  the exit status.
static int
s_run (zsock_t *sub, const s_options_t *options)
{
    zpoller_t *poller = zpoller_new (sub, NULL);
    if (!poller) {
        fprintf (stderr, "dtchat-tap: cannot poll: %s\n", strerror (errno));
        return 1;
    }
    int64_t deadline = options->timeout_ms >= 0
                     ? zclock_mono () + options->timeout_ms: -1;
    uint64_t printed = 0;
    int status = -1;
    while (status < 0) {
        int64_t wait = -1;
        if (deadline >= 0) {
            wait = deadline - zclock_mono ();
            if (wait <= 0) {
                if (options->count) {
                    fprintf (stderr, "dtchat-tap: timed out with %" PRIu64
                             " of %" PRIu64 " events\n", printed,
                             options->count);
                    status = 1;
                }
                else
                    status = 0;
                break;
            }
        }
        void *which = zpoller_wait (poller, wait > INT_MAX? INT_MAX
                                                           : (int) wait);
        if (which == sub) {
            bus_event_t *event = s_receive (sub);
            if (event) {
                status = s_print (event, options->json);
                bus_event_destroy (&event);
                if (status < 0 && options->count
                &&  ++printed == options->count)
                    status = 0;
            }
        }
        if (zsys_interrupted)
            status = 0;         //  SIGINT / SIGTERM: a normal way to stop
    }
    zpoller_destroy (&poller);
    return status;
}

int
main (int argc, char *argv [])
{
    s_options_t options;
    int status = s_parse_options (&options, argc, argv);
    if (status >= 0)
        return status;
    //  a reader that went away is an end, not a crash
    signal (SIGPIPE, SIG_IGN);
    char *endpoint = options.endpoint
                   ? s_endpoint_from_argument (options.endpoint, &status)
                   : s_find_instance (&status);
    if (!endpoint)
        return status;
    options.topics [options.topic_count] = NULL;
    zsock_t *sub = event_bus_subscriber (endpoint,
                                         options.topic_count? options.topics
                                                            : NULL);
    if (!sub)
        status = s_bad_argument ("cannot attach to '%.200s': %s", endpoint,
                                 zmq_strerror (zmq_errno ()));
    else {
        fprintf (stderr, "dtchat-tap: attached to %s\n", endpoint);
        status = s_run (sub, &options);
    }
    zsock_destroy (&sub);
    zstr_free (&endpoint);
    return status;
}
