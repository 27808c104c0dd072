/*  dtchat.c: the program. Reads the command line with cli_new (which
    checks it, merges --config and chooses the store), builds a peer with
    node_new (two of them for the no-argument demo, the second answered by
    demo_bot), puts a ui on it and waits for the ui's DONE or a signal,
    then tears everything down in reverse. Exit status: 0 done, 1 runtime
    failure, 2 bad command line (one line on stderr that names the
    argument), 128 + N when signal N (SIGINT, SIGTERM) ended it. Banners go
    to stderr so stdout stays pure (JSON with --json).
*/
#include "dtchat.h"
#include "cli.h"
#include "node.h"
#include "ui.h"
#include "demo_bot.h"
#include "config.h"
#include "store.h"
#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>

#define S_ACTOR_WAIT_MS     10000           //  START replies, FLUSH slack

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

//  Build the peer(s) and the ui that CLI asks for, run until DONE or a
//  signal, tear down.
static int
s_run (cli_t *cli, int sfd)
{
    char reason [512] = "";
    const node_config_t *config = cli_node_config (cli);
    config_t *file = cli_file (cli);
    bool demo = cli_demo (cli);
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
                                     node_events_endpoint (bot_node) };
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
        .bus_endpoint = node_events_endpoint (node),
        .in_fd = STDIN_FILENO, .out_fd = STDOUT_FILENO,
        .json = cli_json (cli), .quiet = cli_quiet (cli),
        .local = local, .remote = node_remote (node),
        .drain_timeout_ms = lifetime + 5000,
        .peer_names = file? config_peer_names (file): NULL,
        .peer_endpoints = file? config_peer_endpoints (file): NULL,
        .rooms = file? config_room_names (file): NULL
    };
    ui = s_start_actor (cli_ui_actor (cli), &ui_args, reason,
                        sizeof reason);
    if (!ui)
        goto done;
    //  The ui's START reply means it is subscribed: we are ready now
    if (!cli_quiet (cli)) {
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

    char text [CLI_TEXT_MAX];
    int status = 0;
    cli_t *cli = cli_new (argc, argv, text, sizeof text, &status);
    if (!cli) {
        if (status == 0)
            fputs (text, stdout);
        else
            fprintf (stderr, "dtchat: %s\n", text);
        return status;
    }
    zsys_init ();
    zsys_handler_set (NULL);        //  the signalfd handles signals
    zsys_set_logstream (stderr);    //  stdout is for events only
    int sfd = signalfd (-1, &signals, SFD_CLOEXEC);
    if (sfd == -1) {
        fprintf (stderr, "dtchat: signalfd: %s\n", strerror (errno));
        cli_destroy (&cli);
        return 1;
    }
    status = s_run (cli, sfd);
    close (sfd);
    cli_destroy (&cli);
    return status;
}
