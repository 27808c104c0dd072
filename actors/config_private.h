/*  config_private.h: what config.c shares with config_grammar.c.

    The config_t class is split in two files to keep each short: config.c
    loads a file, hands it to the grammar and answers the getters;
    config_grammar.c walks the YAML events and fills the struct declared
    here (see config_reader.h for the reader it walks with).
*/
#ifndef CONFIG_PRIVATE_H_INCLUDED
#define CONFIG_PRIVATE_H_INCLUDED

#include "config.h"
#include "config_reader.h"

#define CONFIG_FILE_MAX     (1024 * 1024)   //  bytes in a config file
#define CONFIG_PEERS_MAX    64
#define CONFIG_ROOMS_MAX    64
#define CONFIG_LOCALS_MAX   8       //  a few protocols, a few families
#define CONFIG_ROUTES_MAX   64
#define CONFIG_LIFETIME_MAX (10LL * 365 * 24 * 3600)    //  ten years, s
#define CONFIG_MESSAGE_MAX  (1024LL * 1024 * 1024)      //  1 GiB

typedef struct {
    char *name;
    char *endpoint;
} config_peer_t;

typedef struct {
    char *name;
    const char *peers [CONFIG_PEERS_MAX + 1];   //  owned, NULL-terminated
    size_t peer_lines [CONFIG_PEERS_MAX];       //  where each was named
    size_t peer_count;
} config_room_t;

struct _config_t {
    char *id;
    char *room;
    char *bp_agent;
    char *db;
    char *order;
    int64_t lifetime_ms;
    size_t max_message;
    const char *locals [CONFIG_LOCALS_MAX + 1]; //  owned, NULL-terminated
    const char *bp_routes [CONFIG_ROUTES_MAX + 1];
    config_peer_t peers [CONFIG_PEERS_MAX];
    size_t peer_count;
    config_room_t rooms [CONFIG_ROOMS_MAX];
    size_t room_count;
    //  borrowed from peers and rooms, NULL-terminated, made after a parse
    const char *peer_names [CONFIG_PEERS_MAX + 1];
    const char *peer_endpoints [CONFIG_PEERS_MAX + 1];
    const char *room_names [CONFIG_ROOMS_MAX + 1];
};

//  Walk READER's events (a whole stream) into CONFIG: 0, or -1 with the
//  reason recorded in the reader.
int
    config_grammar (config_reader_t *reader, config_t *config);

#endif
