/*  config.h: a dtchat configuration file (YAML, read with libyaml).

    dtchat --config FILE takes its peers and rooms from here instead of
    the command line. The format (every key optional except local and
    peers; unknown keys are an error, so typos do not pass silently):

        id: alice                      # our sender id (else a stable uuid)
        room: room                     # default room
        lifetime: 60                   # seconds an unacked message lives
        max_message: 16777216          # bytes
        local:                         # our endpoints, one per protocol
          - udp 127.0.0.1:7777
          - tcp 127.0.0.1:7777
        peers:                         # the first is the default remote;
          - name: bob                  # the ui's /peer NAME switches
            endpoint: udp 127.0.0.1:6666
        rooms:                         # room name -> peer names (/room
          - name: room                 # NAME sends there; one peer at a
            peers: [bob]               # time, no multicast)
        db: /home/alice/chat.db        # the store, see --db
        order: receive                 # history order, see --order
        bp_agent: aap:127.0.0.1:4242   # optional, see --bp-agent
        bp_routes:                     # optional, see --bp-route
          - "ipn:2.* mtcp:127.0.0.1:4557"

    A file is input: sizes are bounded (1 MiB, 64 peers, 64 rooms, 256
    byte strings), endpoints are parsed with endpoint_parse, order is
    send or receive, and every error names the file, line and key. db is
    a path as --db takes it (":memory:" keeps nothing; a relative path is
    from the working directory, not the file's). Options given on the
    command line win over the file.
*/
#ifndef CONFIG_H_INCLUDED
#define CONFIG_H_INCLUDED

#include "dtchat.h"

typedef struct _config_t config_t;

//  Load and validate PATH. NULL with a one-line reason ("FILE:LINE: ...")
//  on any error.
config_t *
    config_load (const char *path, char *reason, size_t reason_size);

//  Parse YAML text held in memory (NAME is used in reasons).
config_t *
    config_parse (const char *text, size_t size, const char *name,
                  char *reason, size_t reason_size);

void
    config_destroy (config_t **self_p);

//  Scalars; NULL / 0 when not given.
const char *
    config_id (config_t *self);
const char *
    config_room (config_t *self);
int64_t
    config_lifetime_ms (config_t *self);
size_t
    config_max_message (config_t *self);
const char *
    config_bp_agent (config_t *self);
const char *
    config_db (config_t *self);
const char *
    config_order (config_t *self);

//  NULL-terminated arrays owned by the config.
const char **
    config_locals (config_t *self);
const char **
    config_bp_routes (config_t *self);

//  Peers: count, and name / endpoint of the I-th (0 = default remote).
size_t
    config_peer_count (config_t *self);
const char *
    config_peer_name (config_t *self, size_t index);
const char *
    config_peer_endpoint (config_t *self, size_t index);

//  The same as NULL-terminated arrays, owned by the config: the peers'
//  names, their endpoints (in the same order), the rooms' names.
const char **
    config_peer_names (config_t *self);
const char **
    config_peer_endpoints (config_t *self);
const char **
    config_room_names (config_t *self);

//  Rooms: count, name of the I-th, and its NULL-terminated peer names.
size_t
    config_room_count (config_t *self);
const char *
    config_room_name (config_t *self, size_t index);
const char **
    config_room_peers (config_t *self, size_t index);

#endif
