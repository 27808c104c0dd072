/*  cli.h: dtchat's command line, read into the settings of a run.

    cli_new reads the options and the two endpoint arguments (or the
    --config file, whose values the options override), checks every one
    of them and turns them into a node_config_t for node_new and the
    choices the ui needs (which ui actor, --json, --quiet, the file's
    peers and rooms). tools/dtchat.c calls it first and only prints what
    it says when there is nothing to run. It prints nothing itself, so
    tests/test_cli.c can check each outcome.

    The strings a cli_t hands out borrow from ARGV and from the config
    file it holds: keep ARGV alive while the cli_t lives.
*/
#ifndef CLI_H_INCLUDED
#define CLI_H_INCLUDED

#include "dtchat.h"
#include "node.h"
#include "config.h"

typedef struct _cli_t cli_t;

//  A TEXT buffer this big holds all of --help.
#define CLI_TEXT_MAX            4096

//  Parse ARGV. Returns the settings, or NULL when dtchat should not run;
//  then *STATUS_P is the exit status and TEXT what to print: for 0
//  (--help, --version) the text for stdout, for 1 (a runtime failure,
//  such as no room for the default store) and 2 (a bad command line)
//  one line for stderr, without "dtchat: " and without a newline, that
//  names the argument at fault. Uses getopt_long (not thread-safe).
cli_t *
    cli_new (int argc, char **argv, char *text, size_t text_size,
             int *status_p);

//  Destroy the settings. Idempotent.
void
    cli_destroy (cli_t **self_p);

//  The peer to start (node_new; the demo's two peers node_bind it).
//  db_path is always set: a file, or STORE_MEMORY.
const node_config_t *
    cli_node_config (cli_t *self);

//  True for the demo: no endpoints and no --config on the command line.
bool
    cli_demo (cli_t *self);

//  The ui actor to start: the curses ui when stdin and stdout are
//  terminals and neither --no-tui nor --json was given, else line mode.
zactor_fn *
    cli_ui_actor (cli_t *self);

//  --json and --quiet, for the ui.
bool
    cli_json (cli_t *self);
bool
    cli_quiet (cli_t *self);

//  The --config file (its peers and rooms are for the ui), or NULL.
config_t *
    cli_file (cli_t *self);

#endif
