/*  endpoint.c: parse, format and compare dtchat endpoint texts.

    Everyone who takes an endpoint from a user, a config file or the wire
    (the command line, the config loader, chat-model reading a message's
    source_endpoint, the transports) goes through endpoint_parse. It is
    pure: hosts are numeric literals or "localhost", never resolved by DNS,
    so a hostile source_endpoint cannot make us wait on a resolver. Every
    error names the part that was wrong and quotes the whole input.
*/
#include "endpoint.h"
#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <netinet/in.h>

//  Most words we split an endpoint into ("bp EID via mtcp:H:P" is four).
#define S_WORDS_MAX 5

//  The input may hold control characters: keep the reason one line.
static void
s_one_line (char *reason)
{
    for (char *p = reason; *p; p++)
        if ((unsigned char) *p < 0x20 || *p == 0x7F)
            *p = '?';
}

//  Write a reason of the form "<what> in '<text>'" into REASON.
static void
s_fail (char *reason, size_t reason_size, const char *text,
        const char *format, ...)
{
    if (!reason || reason_size == 0)
        return;
    char what [DTCHAT_ENDPOINT_MAX + 64];
    va_list args;
    va_start (args, format);
    vsnprintf (what, sizeof what, format, args);
    va_end (args);
    snprintf (reason, reason_size, "%s in '%.*s'", what,
              DTCHAT_ENDPOINT_MAX, text);
    s_one_line (reason);
}

//  True if WORD equals LOWER, ignoring the case of WORD.
static bool
s_word_is (const char *word, const char *lower)
{
    return strcasecmp (word, lower) == 0;
}

//  Parse a decimal port "0".."65535"; returns 0 or -1.
static int
s_parse_port (const char *text, uint16_t *port_p)
{
    size_t len = strlen (text);
    if (len == 0 || len > 5)
        return -1;
    unsigned long value = 0;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit ((unsigned char) text [i]))
            return -1;
        value = value * 10 + (unsigned long) (text [i] - '0');
    }
    if (value > 65535)
        return -1;
    *port_p = (uint16_t) value;
    return 0;
}

//  Parse HOST:PORT (IPv4, [IPv6] or localhost) into a socket address.
//  WHOLE is the full endpoint text, for the reason. Returns 0 or -1.
static int
s_parse_hostport (const char *hostport, const char *whole,
                  struct sockaddr_storage *addr, socklen_t *addrlen,
                  char *reason, size_t reason_size)
{
    char host [DTCHAT_ENDPOINT_MAX];
    const char *port_text;
    if (hostport [0] == '[') {
        const char *close = strchr (hostport, ']');
        if (!close) {
            s_fail (reason, reason_size, whole,
                    "missing ']' after IPv6 address '%s'", hostport);
            return -1;
        }
        size_t len = (size_t) (close - hostport - 1);
        if (len == 0 || len >= sizeof host) {
            s_fail (reason, reason_size, whole,
                    "bad IPv6 address '%s'", hostport);
            return -1;
        }
        memcpy (host, hostport + 1, len);
        host [len] = 0;
        if (close [1] != ':') {
            s_fail (reason, reason_size, whole,
                    "missing ':PORT' after '%.*s'",
                    (int) (close - hostport + 1), hostport);
            return -1;
        }
        port_text = close + 2;
    }
    else {
        const char *colon = strrchr (hostport, ':');
        if (!colon) {
            s_fail (reason, reason_size, whole,
                    "missing ':PORT' in address '%s'", hostport);
            return -1;
        }
        size_t len = (size_t) (colon - hostport);
        if (len >= sizeof host)
            len = sizeof host - 1;
        memcpy (host, hostport, len);
        host [len] = 0;
        if (strchr (host, ':')) {
            s_fail (reason, reason_size, whole,
                    "IPv6 address '%s' needs brackets ([%s]:PORT)",
                    host, host);
            return -1;
        }
        port_text = colon + 1;
    }
    uint16_t port;
    if (s_parse_port (port_text, &port)) {
        s_fail (reason, reason_size, whole, "bad port '%s'", port_text);
        return -1;
    }
    memset (addr, 0, sizeof *addr);
    bool bracketed = hostport [0] == '[';
    if (!bracketed && (s_word_is (host, "localhost")
                   ||  strchr (host, '.') || host [0] == 0)) {
        struct sockaddr_in *in4 = (struct sockaddr_in *) addr;
        in4->sin_family = AF_INET;
        in4->sin_port = htons (port);
        const char *literal = s_word_is (host, "localhost")? "127.0.0.1": host;
        //  inet_pton takes only the dotted quad, no "127.1" shorthands
        if (inet_pton (AF_INET, literal, &in4->sin_addr) != 1) {
            s_fail (reason, reason_size, whole, "bad host '%s'", host);
            return -1;
        }
        *addrlen = sizeof (struct sockaddr_in);
        return 0;
    }
    if (!bracketed) {
        s_fail (reason, reason_size, whole, "bad host '%s'", host);
        return -1;
    }
    //  AI_NUMERICHOST: a literal only, never a DNS query; takes %scope too
    struct addrinfo hints, *result = NULL;
    memset (&hints, 0, sizeof hints);
    hints.ai_family = AF_INET6;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    if (getaddrinfo (host, port_text, &hints, &result) != 0 || !result
    ||  result->ai_addrlen > sizeof *addr) {
        if (result)
            freeaddrinfo (result);
        s_fail (reason, reason_size, whole, "bad IPv6 address '%s'", host);
        return -1;
    }
    memcpy (addr, result->ai_addr, result->ai_addrlen);
    *addrlen = result->ai_addrlen;
    freeaddrinfo (result);
    return 0;
}

//  Parse a decimal uint64 from *TEXT_P up to a non-digit; -1 on overflow.
static int
s_parse_u64 (const char **text_p, uint64_t *value_p)
{
    const char *p = *text_p;
    uint64_t value = 0;
    if (!isdigit ((unsigned char) *p))
        return -1;
    while (isdigit ((unsigned char) *p)) {
        unsigned digit = (unsigned) (*p - '0');
        if (value > (UINT64_MAX - digit) / 10)
            return -1;
        value = value * 10 + digit;
        p++;
    }
    *text_p = p;
    *value_p = value;
    return 0;
}

//  Parse "NODE.SERVICE", the numbers of an ipn EID, to its very end;
//  the outputs are written only on success.
static int
s_ipn_numbers (const char *text, uint64_t *node_p, uint64_t *service_p)
{
    const char *p = text;
    uint64_t node, service;
    if (s_parse_u64 (&p, &node) || *p++ != '.'
    ||  s_parse_u64 (&p, &service) || *p != 0)
        return -1;
    *node_p = node;
    *service_p = service;
    return 0;
}

//  Split a canonical ipn EID into its numbers; see endpoint.h.
int
endpoint_ipn_split (const char *eid, uint64_t *node, uint64_t *service)
{
    assert (eid && node && service);
    if (strncmp (eid, "ipn:", 4) != 0)
        return -1;
    return s_ipn_numbers (eid + 4, node, service);
}

//  Check a BP EID and write its canonical form into EID. Returns 0 or -1.
static int
s_parse_eid (const char *text, const char *whole, char *eid, size_t size,
             char *reason, size_t reason_size)
{
    if (strncasecmp (text, "ipn:", 4) == 0) {
        uint64_t node, service;
        if (s_ipn_numbers (text + 4, &node, &service)) {
            s_fail (reason, reason_size, whole,
                    "bad EID '%s' (want ipn:NODE.SERVICE)", text);
            return -1;
        }
        snprintf (eid, size, "ipn:%" PRIu64 ".%" PRIu64, node, service);
        return 0;
    }
    if (s_word_is (text, "dtn:none")) {
        s_fail (reason, reason_size, whole,
                "EID '%s' is the null endpoint, not a chat peer", text);
        return -1;
    }
    if (strncasecmp (text, "dtn://", 6) == 0) {
        const char *node = text + 6;
        const char *slash = strchr (node, '/');
        bool printable = true;
        for (const char *p = text; *p; p++)
            if (*p <= ' ' || *p > '~')
                printable = false;
        if (!slash || slash == node || !printable) {
            s_fail (reason, reason_size, whole,
                    "bad EID '%s' (want dtn://NODE/DEMUX)", text);
            return -1;
        }
        //  RFC 9171 4.2.5.1.1: "dtn://node/" (empty demux) is the node ID,
        //  the node's administrative endpoint, not an application's: no
        //  chat peer lives there, and an agent could not register it
        if (!slash [1]) {
            s_fail (reason, reason_size, whole,
                    "EID '%s' is a node ID: a chat endpoint needs a demux "
                    "(dtn://NODE/DEMUX)", text);
            return -1;
        }
        snprintf (eid, size, "dtn://%s", node);
        return 0;
    }
    s_fail (reason, reason_size, whole,
            "bad EID '%s' (want ipn:N.S or dtn://NODE/DEMUX)", text);
    return -1;
}

//  Parse a "via" word: only "mtcp:HOST:PORT"; writes the canonical form.
static int
s_parse_via (const char *text, const char *whole, char *via, size_t size,
             char *reason, size_t reason_size)
{
    if (strncasecmp (text, "mtcp:", 5) != 0) {
        s_fail (reason, reason_size, whole,
                "bad via '%s' (want mtcp:HOST:PORT)", text);
        return -1;
    }
    struct sockaddr_storage addr;
    socklen_t addrlen;
    if (s_parse_hostport (text + 5, whole, &addr, &addrlen,
                          reason, reason_size))
        return -1;
    endpoint_t tmp;
    memset (&tmp, 0, sizeof tmp);
    tmp.proto = ENDPOINT_TCP;
    tmp.addr = addr;
    tmp.addrlen = addrlen;
    char buf [DTCHAT_ENDPOINT_MAX + 8];
    endpoint_format (&tmp, buf, sizeof buf);
    //  buf is "tcp HOST:PORT": keep the HOST:PORT part (it fits: the
    //  whole endpoint text was shorter than DTCHAT_ENDPOINT_MAX)
    snprintf (via, size, "mtcp:%.*s", (int) (size - 6), buf + 4);
    return 0;
}

//  Parse TEXT into *SELF. Returns 0, or -1 with a one-line reason.
int
endpoint_parse (endpoint_t *self, const char *text,
                char *reason, size_t reason_size)
{
    assert (self);
    memset (self, 0, sizeof *self);
    if (reason && reason_size)
        reason [0] = 0;
    if (!text || !*text) {
        if (reason && reason_size)
            snprintf (reason, reason_size, "empty endpoint");
        return -1;
    }
    if (strnlen (text, DTCHAT_ENDPOINT_MAX) >= DTCHAT_ENDPOINT_MAX) {
        if (reason && reason_size) {
            snprintf (reason, reason_size,
                      "endpoint too long (over %d bytes) '%.40s...'",
                      DTCHAT_ENDPOINT_MAX - 1, text);
            s_one_line (reason);
        }
        return -1;
    }
    //  Split on blanks; copy so we can terminate the words in place
    char copy [DTCHAT_ENDPOINT_MAX];
    snprintf (copy, sizeof copy, "%s", text);
    char *words [S_WORDS_MAX];
    int nwords = 0;
    char *p = copy;
    while (*p) {
        while (*p == ' ' || *p == '\t')
            *p++ = 0;
        if (!*p)
            break;
        if (nwords == S_WORDS_MAX) {
            s_fail (reason, reason_size, text, "too many words");
            return -1;
        }
        words [nwords++] = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
    }
    if (nwords == 0) {
        s_fail (reason, reason_size, text, "empty endpoint");
        return -1;
    }
    const char *scheme = words [0];
    if (s_word_is (scheme, "udp") || s_word_is (scheme, "tcp")) {
        if (nwords < 2) {
            s_fail (reason, reason_size, text, "missing address");
            return -1;
        }
        if (nwords > 2) {
            s_fail (reason, reason_size, text,
                    "unexpected '%s' after the address", words [2]);
            return -1;
        }
        if (s_parse_hostport (words [1], text, &self->addr, &self->addrlen,
                              reason, reason_size))
            return -1;
        self->proto = s_word_is (scheme, "udp")? ENDPOINT_UDP: ENDPOINT_TCP;
        return 0;
    }
    if (s_word_is (scheme, "bp")) {
        if (nwords < 2) {
            s_fail (reason, reason_size, text, "missing EID");
            return -1;
        }
        if (s_parse_eid (words [1], text, self->eid, sizeof self->eid,
                         reason, reason_size))
            return -1;
        if (nwords >= 3) {
            if (!s_word_is (words [2], "via")) {
                s_fail (reason, reason_size, text,
                        "unexpected '%s' after the EID (want 'via')",
                        words [2]);
                return -1;
            }
            if (nwords == 3) {
                s_fail (reason, reason_size, text,
                        "missing address after 'via'");
                return -1;
            }
            if (nwords > 4) {
                s_fail (reason, reason_size, text,
                        "unexpected '%s' after the via address", words [4]);
                return -1;
            }
            if (s_parse_via (words [3], text, self->via, sizeof self->via,
                             reason, reason_size))
                return -1;
        }
        self->proto = ENDPOINT_BP;
        memset (&self->addr, 0, sizeof self->addr);
        self->addrlen = 0;
        return 0;
    }
    s_fail (reason, reason_size, text,
            "bad scheme '%s' (want udp, tcp or bp)", scheme);
    memset (self, 0, sizeof *self);
    return -1;
}

//  Parse TEXT as a PROTO endpoint; see endpoint.h.
int
endpoint_parse_for (endpoint_t *self, const char *text,
                    endpoint_proto_t proto, const char *what,
                    char *reason, size_t reason_size)
{
    assert (self && what && reason);
    char why [DTCHAT_ENDPOINT_MAX + 128];
    if (endpoint_parse (self, text, why, sizeof why) == -1) {
        snprintf (reason, reason_size, "bad %s: %s", what, why);
        return -1;
    }
    if (self->proto != proto) {
        snprintf (reason, reason_size, "'%.*s' is not a %s endpoint",
                  DTCHAT_ENDPOINT_MAX, text, endpoint_proto_name (proto));
        return -1;
    }
    return 0;
}

//  Write the canonical text form into BUF; returns BUF.
char *
endpoint_format (const endpoint_t *self, char *buf, size_t size)
{
    assert (self);
    assert (buf && size);
    buf [0] = 0;
    if (self->proto == ENDPOINT_BP) {
        if (*self->via)
            snprintf (buf, size, "bp %s via %s", self->eid, self->via);
        else
            snprintf (buf, size, "bp %s", self->eid);
        return buf;
    }
    if (self->proto != ENDPOINT_UDP && self->proto != ENDPOINT_TCP) {
        snprintf (buf, size, "none");
        return buf;
    }
    const char *scheme = endpoint_proto_name (self->proto);
    char host [NI_MAXHOST] = "?";
    if (self->addr.ss_family == AF_INET) {
        const struct sockaddr_in *in4 =
            (const struct sockaddr_in *) &self->addr;
        inet_ntop (AF_INET, &in4->sin_addr, host, sizeof host);
        snprintf (buf, size, "%s %s:%u", scheme, host,
                  (unsigned) ntohs (in4->sin_port));
    }
    else
    if (self->addr.ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 =
            (const struct sockaddr_in6 *) &self->addr;
        //  getnameinfo keeps a scope ("fe80::1%eth0"); numeric, no DNS
        if (getnameinfo ((const struct sockaddr *) in6, sizeof *in6,
                         host, sizeof host, NULL, 0, NI_NUMERICHOST))
            inet_ntop (AF_INET6, &in6->sin6_addr, host, sizeof host);
        snprintf (buf, size, "%s [%s]:%u", scheme, host,
                  (unsigned) ntohs (in6->sin6_port));
    }
    else
        snprintf (buf, size, "%s ?", scheme);
    return buf;
}

//  The scheme word for PROTO.
const char *
endpoint_proto_name (endpoint_proto_t proto)
{
    switch (proto) {
        case ENDPOINT_UDP: return "udp";
        case ENDPOINT_TCP: return "tcp";
        case ENDPOINT_BP:  return "bp";
        default:           return "none";
    }
}

//  True if A and B name the same place.
bool
endpoint_equal (const endpoint_t *a, const endpoint_t *b)
{
    assert (a && b);
    if (a->proto != b->proto)
        return false;
    if (a->proto == ENDPOINT_BP)
        return strcmp (a->eid, b->eid) == 0;
    if (a->proto == ENDPOINT_NONE)
        return false;               //  an unparsed endpoint names no place
    if (a->addr.ss_family != b->addr.ss_family)
        return false;
    if (a->addr.ss_family == AF_INET) {
        const struct sockaddr_in *x = (const struct sockaddr_in *) &a->addr;
        const struct sockaddr_in *y = (const struct sockaddr_in *) &b->addr;
        return x->sin_port == y->sin_port
            && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    if (a->addr.ss_family == AF_INET6) {
        const struct sockaddr_in6 *x = (const struct sockaddr_in6 *) &a->addr;
        const struct sockaddr_in6 *y = (const struct sockaddr_in6 *) &b->addr;
        return x->sin6_port == y->sin6_port
            && x->sin6_scope_id == y->sin6_scope_id
            && memcmp (&x->sin6_addr, &y->sin6_addr,
                       sizeof x->sin6_addr) == 0;
    }
    return false;
}

//  Port of a udp/tcp endpoint, 0 for bp.
uint16_t
endpoint_port (const endpoint_t *self)
{
    assert (self);
    if (self->proto != ENDPOINT_UDP && self->proto != ENDPOINT_TCP)
        return 0;
    if (self->addr.ss_family == AF_INET)
        return ntohs (((const struct sockaddr_in *) &self->addr)->sin_port);
    if (self->addr.ss_family == AF_INET6)
        return ntohs (((const struct sockaddr_in6 *) &self->addr)->sin6_port);
    return 0;
}
