/*  config_grammar.c: the grammar of a dtchat configuration file.

    Part of the config_t class (see config_private.h): config_parse hands
    it a config_reader on the file's text, and it walks libyaml's events
    with a fixed grammar, filling the config as it goes: the first thing
    that does not fit (an unknown or repeated key, a list where a scalar
    belongs, an alias, too deep, too many, too long, an endpoint that does
    not parse, a room naming an unknown peer) stops it with a one-line
    reason "FILE:LINE: ...". Sizes are capped before anything is kept.
*/
#include "config_private.h"
#include "endpoint.h"

//  One parse in progress: the reader and the config being filled.
typedef struct {
    config_reader_t *reader;
    config_t *config;
} s_parse_t;

//  The current event as an endpoint in canonical form (new string).
static char *
s_take_endpoint (s_parse_t *p, const char *what)
{
    char *text = config_reader_string (p->reader, what);
    if (!text)
        return NULL;
    endpoint_t endpoint;
    char why [DTCHAT_ENDPOINT_MAX + 128];
    char *canonical = NULL;
    if (endpoint_parse (&endpoint, text, why, sizeof why) == 0) {
        char buf [DTCHAT_ENDPOINT_MAX * 2 + 16];
        canonical = strdup (endpoint_format (&endpoint, buf, sizeof buf));
        if (!canonical)
            config_reader_fail (p->reader, config_reader_line (p->reader),
                                "out of memory");
    }
    else
        config_reader_fail (p->reader, config_reader_line (p->reader),
                            "'%s': %s", what, why);
    free (text);
    return canonical;
}

//  Step and read a string value of KEY into *TARGET.
static int
s_string (s_parse_t *p, const char *key, char **target)
{
    if (config_reader_next (p->reader))
        return -1;
    *target = config_reader_string (p->reader, key);
    return *target? 0: -1;
}

//  Step and read 'order': send or receive.
static int
s_order (s_parse_t *p)
{
    if (s_string (p, "order", &p->config->order))
        return -1;
    const char *order = p->config->order;
    if (streq (order, "send") || streq (order, "receive"))
        return 0;
    return config_reader_fail (p->reader, config_reader_line (p->reader),
                               "'order' is send or receive, not '%s'",
                               order);
}

//  A list of strings into ITEMS (at most MAX); endpoints if ENDPOINTS.
static int
s_string_list (s_parse_t *p, const char *key, const char **items, size_t max,
               bool endpoints)
{
    config_reader_t *reader = p->reader;
    if (config_reader_list (reader, key))
        return -1;
    size_t count = 0;
    while (true) {
        if (config_reader_next (reader))
            return -1;
        size_t line = config_reader_line (reader);
        yaml_event_type_t type = config_reader_type (reader);
        if (type == YAML_SEQUENCE_END_EVENT)
            break;
        if (type != YAML_SCALAR_EVENT)
            return config_reader_fail (reader, line, "'%s' entries must be "
                                       "scalars, not %s", key,
                                       config_reader_kind (reader));
        if (count == max)
            return config_reader_fail (reader, line, "too many entries in "
                                       "'%s' (at most %zu)", key, max);
        char *item = endpoints? s_take_endpoint (p, key)
                              : config_reader_string (reader, key);
        if (!item)
            return -1;
        items [count++] = item;
        for (size_t i = 0; i + 1 < count; i++)
            if (streq (items [i], item))
                return config_reader_fail (reader, line, "'%s' repeats "
                                           "'%s'", key, item);
    }
    if (count == 0)
        return config_reader_fail (reader, config_reader_line (reader),
                                   "'%s' is an empty list", key);
    return 0;
}

//  One entry of 'peers': {name, endpoint}.
static int
s_peer (s_parse_t *p, config_peer_t *peer)
{
    static const char *keys [] = { "name", "endpoint", NULL };
    config_reader_t *reader = p->reader;
    size_t line = config_reader_line (reader);
    unsigned seen = 0;
    const char *key;
    int more;
    while ((more = config_reader_key (reader, &key)) == 1) {
        int index = config_reader_key_index (reader, key, keys, &seen,
                                             " in a peer");
        if (index == 0 && s_string (p, "name", &peer->name))
            return -1;
        if (index == 1) {
            //  the key is gone once we step: name it ourselves
            if (config_reader_next (reader))
                return -1;
            peer->endpoint = s_take_endpoint (p, "endpoint");
            if (!peer->endpoint)
                return -1;
        }
        if (index < 0)
            return -1;
    }
    if (more < 0)
        return -1;
    if (!peer->name)
        return config_reader_fail (reader, line, "a peer without 'name'");
    if (!peer->endpoint)
        return config_reader_fail (reader, line, "peer '%s' has no "
                                   "'endpoint'", peer->name);
    return 0;
}

//  The names in a room's 'peers' list (checked against peers at the end).
static int
s_room_peers (s_parse_t *p, config_room_t *room)
{
    config_reader_t *reader = p->reader;
    if (config_reader_list (reader, "peers"))
        return -1;
    while (true) {
        if (config_reader_next (reader))
            return -1;
        if (config_reader_type (reader) == YAML_SEQUENCE_END_EVENT)
            break;
        size_t line = config_reader_line (reader);
        if (room->peer_count == CONFIG_PEERS_MAX)
            return config_reader_fail (reader, line, "too many peers in a "
                                       "room (at most %d)", CONFIG_PEERS_MAX);
        char *name = config_reader_string (reader, "peers");
        if (!name)
            return -1;
        room->peer_lines [room->peer_count] = line;
        room->peers [room->peer_count++] = name;
        for (size_t i = 0; i + 1 < room->peer_count; i++)
            if (streq (room->peers [i], name))
                return config_reader_fail (reader, line, "room names peer "
                                           "'%s' twice", name);
    }
    return 0;
}

//  One entry of 'rooms': {name, peers}.
static int
s_room (s_parse_t *p, config_room_t *room)
{
    static const char *keys [] = { "name", "peers", NULL };
    config_reader_t *reader = p->reader;
    size_t line = config_reader_line (reader);
    unsigned seen = 0;
    const char *key;
    int more;
    while ((more = config_reader_key (reader, &key)) == 1) {
        int index = config_reader_key_index (reader, key, keys, &seen,
                                             " in a room");
        if (index == 0 && s_string (p, "name", &room->name))
            return -1;
        if (index == 1 && s_room_peers (p, room))
            return -1;
        if (index < 0)
            return -1;
    }
    if (more < 0)
        return -1;
    if (!room->name)
        return config_reader_fail (reader, line, "a room without 'name'");
    if (room->peer_count == 0)
        return config_reader_fail (reader, line, "room '%s' has no 'peers'",
                                   room->name);
    return 0;
}

//  A list of mappings: 'peers' (ROOMS false) or 'rooms'.
static int
s_entries (s_parse_t *p, const char *key, bool rooms)
{
    config_reader_t *reader = p->reader;
    config_t *config = p->config;
    size_t *count = rooms? &config->room_count: &config->peer_count;
    //  NOLINTNEXTLINE(bugprone-branch-clone): equal today, not by law
    size_t max = rooms? CONFIG_ROOMS_MAX: CONFIG_PEERS_MAX;
    if (config_reader_list (reader, key))
        return -1;
    while (true) {
        if (config_reader_next (reader))
            return -1;
        yaml_event_type_t type = config_reader_type (reader);
        size_t line = config_reader_line (reader);
        if (type == YAML_SEQUENCE_END_EVENT)
            break;
        if (type != YAML_MAPPING_START_EVENT)
            return config_reader_fail (reader, line, "'%s' entries must be "
                                       "mappings, not %s", key,
                                       config_reader_kind (reader));
        if (*count == max)
            return config_reader_fail (reader, line, "too many %s (at most "
                                       "%zu)", key, max);
        //  counted first, so destroy frees a half-read entry
        size_t index = (*count)++;
        if (rooms? s_room (p, &config->rooms [index])
                 : s_peer (p, &config->peers [index]))
            return -1;
        const char *name = rooms? config->rooms [index].name
                                : config->peers [index].name;
        for (size_t i = 0; i < index; i++)
            if (streq (name, rooms? config->rooms [i].name
                                  : config->peers [i].name))
                return config_reader_fail (reader, line, "two %s named "
                                           "'%s'", key, name);
    }
    if (*count == 0)
        return config_reader_fail (reader, config_reader_line (reader),
                                   "'%s' is an empty list", key);
    return 0;
}

//  The top-level mapping, key by key.
static int
s_top (s_parse_t *p)
{
    static const char *keys [] = { "id", "room", "lifetime", "max_message",
        "local", "peers", "rooms", "bp_agent", "bp_routes", "db", "order",
        NULL };
    config_reader_t *reader = p->reader;
    config_t *config = p->config;
    unsigned seen = 0;
    const char *key;
    int more;
    while ((more = config_reader_key (reader, &key)) == 1) {
        int index = config_reader_key_index (reader, key, keys, &seen, "");
        int64_t value = 0;
        int rc = -1;
        switch (index) {
            case 0: rc = s_string (p, "id", &config->id); break;
            case 1: rc = s_string (p, "room", &config->room); break;
            case 2: rc = config_reader_integer (reader, "lifetime",
                                                CONFIG_LIFETIME_MAX, "seconds",
                                                &value);
                    config->lifetime_ms = value * 1000;
                    break;
            case 3: rc = config_reader_integer (reader, "max_message",
                                                CONFIG_MESSAGE_MAX, "bytes",
                                                &value);
                    config->max_message = (size_t) value;
                    break;
            case 4: rc = s_string_list (p, "local", config->locals,
                                        CONFIG_LOCALS_MAX, true);
                    break;
            case 5: rc = s_entries (p, "peers", false); break;
            case 6: rc = s_entries (p, "rooms", true); break;
            case 7: rc = s_string (p, "bp_agent", &config->bp_agent); break;
            case 8: rc = s_string_list (p, "bp_routes", config->bp_routes,
                                        CONFIG_ROUTES_MAX, false);
                    break;
            case 9: rc = s_string (p, "db", &config->db); break;
            case 10: rc = s_order (p); break;
            default: break;
        }
        if (rc)
            return -1;
    }
    if (more < 0)
        return -1;
    if (!(seen & (1u << 4)))
        return config_reader_fail (reader, 1, "missing 'local' (our "
                                   "endpoints)");
    if (!(seen & (1u << 5)))
        return config_reader_fail (reader, 1, "missing 'peers'");
    return 0;
}

//  Every room must name known peers (they may be listed after the rooms).
static int
s_check_rooms (s_parse_t *p)
{
    config_t *config = p->config;
    for (size_t r = 0; r < config->room_count; r++) {
        config_room_t *room = &config->rooms [r];
        for (size_t i = 0; i < room->peer_count; i++) {
            bool known = false;
            for (size_t j = 0; j < config->peer_count && !known; j++)
                known = streq (room->peers [i], config->peers [j].name);
            if (!known)
                return config_reader_fail (p->reader, room->peer_lines [i],
                                           "room '%s' names unknown peer "
                                           "'%s'", room->name,
                                           room->peers [i]);
        }
    }
    return 0;
}

//  The stream: exactly one document whose root is the top mapping.
static int
s_stream (s_parse_t *p)
{
    config_reader_t *reader = p->reader;
    //  STREAM-START, then DOCUMENT-START (or STREAM-END: nothing at all)
    //  NOLINTNEXTLINE(misc-redundant-expression): two reads, two events
    if (config_reader_next (reader) || config_reader_next (reader))
        return -1;
    yaml_event_type_t type = config_reader_type (reader);
    if (type == YAML_DOCUMENT_START_EVENT) {
        if (config_reader_next (reader))
            return -1;
        type = config_reader_type (reader);
    }
    if (type == YAML_STREAM_END_EVENT || config_reader_null (reader))
        return config_reader_fail (reader, 1, "empty file: 'local' and "
                                   "'peers' are required");
    if (type != YAML_MAPPING_START_EVENT)
        return config_reader_fail (reader, config_reader_line (reader),
                                   "the top level must be a mapping of "
                                   "keys, not %s",
                                   config_reader_kind (reader));
    //  the mapping, DOCUMENT-END, then STREAM-END
    if (s_top (p) || config_reader_next (reader)
    ||  config_reader_next (reader))
        return -1;
    if (config_reader_type (reader) != YAML_STREAM_END_EVENT)
        return config_reader_fail (reader, config_reader_line (reader),
                                   "only one YAML document is allowed");
    return s_check_rooms (p);
}

//  Walk a whole stream into CONFIG: see config_private.h.
int
config_grammar (config_reader_t *reader, config_t *config)
{
    s_parse_t p = { reader, config };
    return s_stream (&p);
}
