/*  bp_routes.h: where bundles go next, for native BP (MTCP).

    transport_bp's native mode keeps one table: PATTERN -> next hop
    "mtcp:HOST:PORT". A pattern is an exact EID ("ipn:2.1",
    "dtn://b.dtn/chat"), an EID prefix ending in '*' ("ipn:2.*", or
    "dtn://b.dtn/" then '*'), or "*" alone (the default route). Routes come from
    --bp-route, and are learned from every SEND endpoint with a via
    ("bp ipn:2.1 via mtcp:H:P" teaches "ipn:2.* -> mtcp:H:P": a DTN
    node is reached per node, not per service). Lookup picks an exact
    match first, then the longest matching prefix, then "*"; a newer
    route with the same pattern replaces the older one.
*/
#ifndef BP_ROUTES_H_INCLUDED
#define BP_ROUTES_H_INCLUDED

#include "dtchat.h"

//  Most routes kept (a learned route past this replaces the oldest
//  learned one).
#define BP_ROUTES_MAX   256

typedef struct _bp_routes_t bp_routes_t;

bp_routes_t *
    bp_routes_new (void);
void
    bp_routes_destroy (bp_routes_t **self_p);

//  Add PATTERN -> VIA ("mtcp:HOST:PORT"). Both are checked; VIA is kept
//  in its canonical form. Returns 0, or -1 with a reason.
int
    bp_routes_add (bp_routes_t *self, const char *pattern, const char *via,
                   char *reason, size_t reason_size);

//  Add a route from its text "PATTERN mtcp:HOST:PORT" (--bp-route).
int
    bp_routes_add_text (bp_routes_t *self, const char *text,
                        char *reason, size_t reason_size);

//  Learn a route to EID's node via VIA (from a SEND endpoint).
//  Returns 0 or -1.
int
    bp_routes_learn (bp_routes_t *self, const char *eid, const char *via);

//  The next hop for EID ("mtcp:HOST:PORT"), or NULL when no route
//  matches. Borrowed: valid until the table changes.
const char *
    bp_routes_lookup (bp_routes_t *self, const char *eid);

//  Number of routes.
size_t
    bp_routes_size (bp_routes_t *self);

//  Write EID's node ("ipn:2" for "ipn:2.1", "dtn://b.dtn" for
//  "dtn://b.dtn/chat") into BUF. Returns 0, or -1 if EID is neither.
int
    bp_eid_node (const char *eid, char *buf, size_t size);

//  Parse VIA ("mtcp:HOST:PORT") into a socket address; writes the
//  canonical text into CANONICAL (may be NULL). Returns 0 or -1.
int
    bp_via_parse (const char *via, struct sockaddr_storage *addr,
                  socklen_t *addrlen, char *canonical, size_t size);

#endif
