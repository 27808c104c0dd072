/*  endpoint.h: parse and format dtchat endpoints.

    The text form is the one users type and the Rust DTChat puts in
    source_endpoint: "udp 127.0.0.1:7777", "tcp [::1]:6666",
    "bp ipn:2.1", "bp dtn://node/chat via mtcp:127.0.0.1:4556".
    The scheme is case-insensitive on input and lowercase on output.
    Parsing is pure (no DNS): hosts are IPv4/IPv6 literals or "localhost".
*/
#ifndef ENDPOINT_H_INCLUDED
#define ENDPOINT_H_INCLUDED

#include "dtchat.h"
#include <sys/socket.h>

typedef enum {
    ENDPOINT_NONE = 0,
    ENDPOINT_UDP = 1,
    ENDPOINT_TCP = 2,
    ENDPOINT_BP = 3
} endpoint_proto_t;

//  A parsed endpoint: a plain value, copy it freely.
typedef struct {
    endpoint_proto_t proto;
    //  udp, tcp: the address, ready for bind / connect / sendto
    struct sockaddr_storage addr;
    socklen_t addrlen;
    //  bp: the EID ("ipn:2.1", "dtn://node/chat") and the optional
    //  "via" convergence layer address ("mtcp:127.0.0.1:4556"), else ""
    char eid [DTCHAT_ENDPOINT_MAX];
    char via [DTCHAT_ENDPOINT_MAX];
} endpoint_t;

//  Parse TEXT into *SELF. Returns 0, or -1 with a one-line reason in
//  REASON (which names what was wrong) when TEXT is not a valid endpoint.
int
    endpoint_parse (endpoint_t *self, const char *text,
                    char *reason, size_t reason_size);

//  Parse TEXT where only a PROTO endpoint will do. Returns 0, or -1 with
//  a one-line reason: "bad WHAT: <why>" when TEXT does not parse (WHAT
//  names its role: "endpoint", "local endpoint"), or "'TEXT' is not a
//  udp endpoint" when it names another protocol.
int
    endpoint_parse_for (endpoint_t *self, const char *text,
                        endpoint_proto_t proto, const char *what,
                        char *reason, size_t reason_size);

//  Write the canonical text form ("udp 127.0.0.1:7777", "udp [::1]:7777",
//  "bp ipn:2.1", "bp ipn:2.1 via mtcp:127.0.0.1:4556") into BUF.
//  Returns BUF.
char *
    endpoint_format (const endpoint_t *self, char *buf, size_t size);

//  The scheme word: "udp", "tcp" or "bp".
const char *
    endpoint_proto_name (endpoint_proto_t proto);

//  True if both name the same place (same proto and address or EID).
bool
    endpoint_equal (const endpoint_t *a, const endpoint_t *b);

//  Split an ipn EID in its canonical form ("ipn:2.1", as endpoint_parse
//  writes it) into its node and service numbers: plain decimal digits,
//  each within 64 bits. Returns 0, or -1 (nothing written) if EID is
//  not one.
int
    endpoint_ipn_split (const char *eid, uint64_t *node, uint64_t *service);

//  Port of a udp/tcp endpoint (0 for bp).
uint16_t
    endpoint_port (const endpoint_t *self);

#endif
