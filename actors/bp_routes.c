/*  bp_routes.c: the next-hop table of native BP (see bp_routes.h).

    bp_native.c looks up the next hop of every bundle here, for our own
    bundles and for those it relays. Patterns and vias are checked when
    they are added (they come from the command line, a config file, or a
    SEND endpoint text), so a lookup is a plain scan of at most
    BP_ROUTES_MAX entries.
*/
#include "bp_routes.h"
#include "endpoint.h"

typedef struct {
    char *pattern;
    char *via;
    bool learned;
} s_route_t;

struct _bp_routes_t {
    s_route_t routes [BP_ROUTES_MAX];
    size_t size;
};

//  New empty table.
bp_routes_t *
bp_routes_new (void)
{
    return (bp_routes_t *) calloc (1, sizeof (bp_routes_t));
}

//  Destroy; idempotent.
void
bp_routes_destroy (bp_routes_t **self_p)
{
    assert (self_p);
    bp_routes_t *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->size; i++) {
        free (self->routes [i].pattern);
        free (self->routes [i].via);
    }
    free (self);
    *self_p = NULL;
}

//  Parse VIA into an address and its canonical text.
int
bp_via_parse (const char *via, struct sockaddr_storage *addr,
              socklen_t *addrlen, char *canonical, size_t size)
{
    if (!via || strncasecmp (via, "mtcp:", 5) != 0
    ||  strlen (via) >= DTCHAT_ENDPOINT_MAX - 8)
        return -1;
    char text [DTCHAT_ENDPOINT_MAX];
    snprintf (text, sizeof text, "tcp %s", via + 5);
    endpoint_t endpoint;
    if (endpoint_parse (&endpoint, text, NULL, 0)
    ||  endpoint.proto != ENDPOINT_TCP)
        return -1;
    if (addr)
        *addr = endpoint.addr;
    if (addrlen)
        *addrlen = endpoint.addrlen;
    if (canonical) {
        endpoint_format (&endpoint, text, sizeof text);
        snprintf (canonical, size, "mtcp:%s", text + 4);
    }
    return 0;
}

//  Check a pattern: "*", or an ipn:/dtn: EID text, maybe ending in '*'.
static bool
s_pattern_valid (const char *pattern)
{
    size_t length = strlen (pattern);
    if (length == 0 || length >= DTCHAT_ENDPOINT_MAX)
        return false;
    if (streq (pattern, "*"))
        return true;
    if (strncmp (pattern, "ipn:", 4) != 0
    &&  strncmp (pattern, "dtn://", 6) != 0)
        return false;
    for (size_t i = 0; i < length; i++)
        if (pattern [i] <= ' ' || pattern [i] > '~'
        ||  (pattern [i] == '*' && i != length - 1))
            return false;
    return true;
}

//  Store a route, replacing one with the same pattern.
static int
s_store (bp_routes_t *self, const char *pattern, const char *via,
         bool learned)
{
    for (size_t i = 0; i < self->size; i++)
        if (streq (self->routes [i].pattern, pattern)) {
            char *copy = strdup (via);
            if (!copy)
                return -1;
            free (self->routes [i].via);
            self->routes [i].via = copy;
            self->routes [i].learned = learned;
            return 0;
        }
    if (self->size == BP_ROUTES_MAX) {
        //  full: a learned route may push out the oldest learned one
        size_t i;
        for (i = 0; i < self->size && !self->routes [i].learned; i++)
            ;
        if (!learned || i == self->size)
            return -1;
        free (self->routes [i].pattern);
        free (self->routes [i].via);
        memmove (&self->routes [i], &self->routes [i + 1],
                 (self->size - i - 1) * sizeof (s_route_t));
        self->size--;
    }
    s_route_t *route = &self->routes [self->size];
    route->pattern = strdup (pattern);
    route->via = strdup (via);
    route->learned = learned;
    if (!route->pattern || !route->via) {
        free (route->pattern);
        free (route->via);
        return -1;
    }
    self->size++;
    return 0;
}

//  Add PATTERN -> VIA after checking both.
int
bp_routes_add (bp_routes_t *self, const char *pattern, const char *via,
               char *reason, size_t reason_size)
{
    assert (self);
    char canonical [DTCHAT_ENDPOINT_MAX];
    if (!pattern || !s_pattern_valid (pattern)) {
        snprintf (reason, reason_size, "bad route pattern '%.80s' (want *, "
                  "an EID, or an EID prefix ending in *)",
                  pattern? pattern: "");
        return -1;
    }
    if (bp_via_parse (via, NULL, NULL, canonical, sizeof canonical)) {
        snprintf (reason, reason_size, "bad next hop '%.80s' (want "
                  "mtcp:HOST:PORT)", via? via: "");
        return -1;
    }
    if (s_store (self, pattern, canonical, false)) {
        snprintf (reason, reason_size, "too many routes");
        return -1;
    }
    return 0;
}

//  Add a route from "PATTERN mtcp:HOST:PORT".
int
bp_routes_add_text (bp_routes_t *self, const char *text,
                    char *reason, size_t reason_size)
{
    assert (self);
    char pattern [DTCHAT_ENDPOINT_MAX], via [DTCHAT_ENDPOINT_MAX];
    char extra;
    if (!text || strlen (text) >= DTCHAT_ENDPOINT_MAX
    ||  sscanf (text, "%255s %255s %c", pattern, via, &extra) != 2) {
        snprintf (reason, reason_size, "bad route '%.80s' (want \"PATTERN "
                  "mtcp:HOST:PORT\")", text? text: "");
        return -1;
    }
    return bp_routes_add (self, pattern, via, reason, reason_size);
}

//  Write EID's node part into BUF.
int
bp_eid_node (const char *eid, char *buf, size_t size)
{
    assert (eid);
    if (strncmp (eid, "ipn:", 4) == 0) {
        const char *dot = strchr (eid + 4, '.');
        if (!dot || dot == eid + 4)
            return -1;
        snprintf (buf, size, "%.*s", (int) (dot - eid), eid);
        return 0;
    }
    if (strncmp (eid, "dtn://", 6) == 0) {
        const char *slash = strchr (eid + 6, '/');
        if (!slash || slash == eid + 6)
            return -1;
        snprintf (buf, size, "%.*s", (int) (slash - eid), eid);
        return 0;
    }
    return -1;
}

//  Learn a route to EID's node via VIA.
int
bp_routes_learn (bp_routes_t *self, const char *eid, const char *via)
{
    assert (self);
    char node [DTCHAT_ENDPOINT_MAX], canonical [DTCHAT_ENDPOINT_MAX];
    if (bp_eid_node (eid, node, sizeof node - 2)
    ||  bp_via_parse (via, NULL, NULL, canonical, sizeof canonical))
        return -1;
    char pattern [DTCHAT_ENDPOINT_MAX + 2];
    snprintf (pattern, sizeof pattern, "%s%s",
              node, strncmp (node, "ipn:", 4) == 0? ".*": "/*");
    return s_store (self, pattern, canonical, true);
}

//  Next hop for EID, or NULL.
const char *
bp_routes_lookup (bp_routes_t *self, const char *eid)
{
    assert (self);
    assert (eid);
    const char *best = NULL;
    size_t best_length = 0;
    const char *fallback = NULL;
    for (size_t i = 0; i < self->size; i++) {
        const char *pattern = self->routes [i].pattern;
        size_t length = strlen (pattern);
        if (streq (pattern, "*"))
            fallback = self->routes [i].via;
        else
        if (pattern [length - 1] != '*') {
            if (streq (pattern, eid))
                return self->routes [i].via;
        }
        else
        if (strncmp (pattern, eid, length - 1) == 0
        &&  length > best_length) {
            best = self->routes [i].via;
            best_length = length;
        }
    }
    return best? best: fallback;
}

//  Number of routes.
size_t
bp_routes_size (bp_routes_t *self)
{
    assert (self);
    return self->size;
}
