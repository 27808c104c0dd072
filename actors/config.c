/*  config.c: a dtchat configuration file (YAML), loaded and validated.

    tools/dtchat.c calls config_load for --config FILE and reads peers,
    rooms and options back with the getters. The file is input from
    outside: it is bounded (1 MiB) and read through libyaml's event parser
    (never its document loader; see config_reader.c) by the fixed grammar
    in config_grammar.c, which stops at the first thing that does not fit
    with a one-line reason "FILE:LINE: ...". This file holds the class:
    loading, the parse's result and the getters.
*/
#include "config_private.h"

//  Parse a config from TEXT; see config.h.
config_t *
config_parse (const char *text, size_t size, const char *name,
              char *reason, size_t reason_size)
{
    if (reason && reason_size)
        *reason = '\0';
    if (!name)
        name = "config";
    if (!text || size > CONFIG_FILE_MAX) {
        snprintf (reason, reason_size, "%s:1: too big (at most %d bytes)",
                  name, CONFIG_FILE_MAX);
        return NULL;
    }
    config_reader_t *reader = config_reader_new (text, size, name,
                                                 reason, reason_size);
    config_t *self = (config_t *) calloc (1, sizeof (config_t));
    int rc = -1;
    if (reader && self)
        rc = config_grammar (reader, self);
    else
        snprintf (reason, reason_size, "%s:1: out of memory", name);
    config_reader_destroy (&reader);
    if (rc)
        config_destroy (&self);
    for (size_t i = 0; self && i < self->peer_count; i++) {
        self->peer_names [i] = self->peers [i].name;
        self->peer_endpoints [i] = self->peers [i].endpoint;
    }
    for (size_t i = 0; self && i < self->room_count; i++)
        self->room_names [i] = self->rooms [i].name;
    return self;
}

//  Frees every string and the config.
void
config_destroy (config_t **self_p)
{
    assert (self_p);
    config_t *self = *self_p;
    if (!self)
        return;
    free (self->id);
    free (self->room);
    free (self->bp_agent);
    free (self->db);
    free (self->order);
    for (size_t i = 0; self->locals [i]; i++)
        free ((char *) self->locals [i]);
    for (size_t i = 0; self->bp_routes [i]; i++)
        free ((char *) self->bp_routes [i]);
    for (size_t i = 0; i < self->peer_count; i++) {
        free (self->peers [i].name);
        free (self->peers [i].endpoint);
    }
    for (size_t i = 0; i < self->room_count; i++) {
        free (self->rooms [i].name);
        for (size_t j = 0; j < self->rooms [i].peer_count; j++)
            free ((char *) self->rooms [i].peers [j]);
    }
    free (self);
    *self_p = NULL;
}

//  Read and parse the file at PATH; see config.h.
config_t *
config_load (const char *path, char *reason, size_t reason_size)
{
    if (reason && reason_size)
        *reason = '\0';
    FILE *file = path? fopen (path, "rb"): NULL;
    if (!file) {
        snprintf (reason, reason_size, "%s: cannot open: %s",
                  path? path: "(null)", strerror (path? errno: EINVAL));
        return NULL;
    }
    //  read one byte past the cap to tell "exactly 1 MiB" from "more"
    char *text = (char *) malloc (CONFIG_FILE_MAX + 1);
    size_t size = text? fread (text, 1, CONFIG_FILE_MAX + 1, file): 0;
    int error = ferror (file)? errno: 0;
    fclose (file);
    config_t *self = NULL;
    if (!text)
        snprintf (reason, reason_size, "%s: out of memory", path);
    else
    if (error)
        snprintf (reason, reason_size, "%s: cannot read: %s", path,
                  strerror (error));
    else
    if (size > CONFIG_FILE_MAX)
        snprintf (reason, reason_size, "%s: too big (more than %d bytes)",
                  path, CONFIG_FILE_MAX);
    else
        self = config_parse (text, size, path, reason, reason_size);
    free (text);
    return self;
}

//  Scalars and arrays, borrowed from the config.
const char *config_id (config_t *self)          { return self->id; }
const char *config_room (config_t *self)        { return self->room; }
int64_t config_lifetime_ms (config_t *self)     { return self->lifetime_ms; }
size_t config_max_message (config_t *self)      { return self->max_message; }
const char *config_bp_agent (config_t *self)    { return self->bp_agent; }
const char *config_db (config_t *self)          { return self->db; }
const char *config_order (config_t *self)       { return self->order; }
const char **config_locals (config_t *self)     { return self->locals; }
const char **config_bp_routes (config_t *self)  { return self->bp_routes; }
size_t config_peer_count (config_t *self)       { return self->peer_count; }
size_t config_room_count (config_t *self)       { return self->room_count; }
const char **config_peer_names (config_t *self) { return self->peer_names; }
const char **config_room_names (config_t *self) { return self->room_names; }

//  The peers' endpoints, in the order of config_peer_names.
const char **
config_peer_endpoints (config_t *self)
{
    return self->peer_endpoints;
}

//  Name of the INDEX-th peer (NULL past the end).
const char *
config_peer_name (config_t *self, size_t index)
{
    return index < self->peer_count? self->peers [index].name: NULL;
}

//  Endpoint of the INDEX-th peer, canonical form (NULL past the end).
const char *
config_peer_endpoint (config_t *self, size_t index)
{
    return index < self->peer_count? self->peers [index].endpoint: NULL;
}

//  Name of the INDEX-th room (NULL past the end).
const char *
config_room_name (config_t *self, size_t index)
{
    return index < self->room_count? self->rooms [index].name: NULL;
}

//  Peer names of the INDEX-th room, NULL-terminated (NULL past the end).
const char **
config_room_peers (config_t *self, size_t index)
{
    return index < self->room_count? self->rooms [index].peers: NULL;
}
