/*  bp_afbp.c: transport-bp through the Linux bp-socket module (AF_BP).

    With --bp-agent af_bp, dtchat opens an AF_BP datagram socket (the
    bp-socket kernel module, which hands bundles to ION or uD3TN through
    its daemon), binds it to the local ipn EID and sends and receives one
    payload per datagram. The address layout is the one in DESIGN.md:
    { sa_family_t bp_family; u32 bp_scheme (IPN = 1); u32 node;
    u32 service }. On a kernel without the module, socket() fails (with
    EAFNOSUPPORT: family 28 has no protocol) and START fails with a
    message that names bp-socket. Driven by the transport-bp actor
    through bp_backend.h.
*/
#include "bp_backend.h"
#include "bus_event.h"

#define S_AF_BP         28
#define S_BP_SCHEME_IPN 1

struct s_sockaddr_bp {
    sa_family_t bp_family;
    uint32_t bp_scheme;
    uint32_t node;
    uint32_t service;
};

typedef struct {
    bp_config_t config;
    int fd;
    byte *buffer;               //  one datagram, max_message + 1
} s_afbp_t;

//  Parse "ipn:N.S" with 32-bit numbers into ADDR. Returns 0 or -1.
static int
s_ipn_addr (const char *eid, struct s_sockaddr_bp *addr)
{
    uint64_t node, service;
    if (endpoint_ipn_split (eid, &node, &service)
    ||  node > UINT32_MAX || service > UINT32_MAX)
        return -1;
    memset (addr, 0, sizeof *addr);
    addr->bp_family = S_AF_BP;
    addr->bp_scheme = S_BP_SCHEME_IPN;
    addr->node = (uint32_t) node;
    addr->service = (uint32_t) service;
    return 0;
}

//  Destroy the backend state.
static void
s_destroy (void **self_p)
{
    s_afbp_t *self = (s_afbp_t *) *self_p;
    if (!self)
        return;
    if (self->fd >= 0)
        close (self->fd);
    free (self->buffer);
    free (self);
    *self_p = NULL;
}

//  SEND: one datagram to the endpoint's ipn EID.
static void
s_send (void *self_v, const char *token, const char *text,
        const byte *data, size_t size)
{
    s_afbp_t *self = (s_afbp_t *) self_v;
    endpoint_t remote;
    struct s_sockaddr_bp addr;
    char why [DTCHAT_ENDPOINT_MAX + 64];
    if (bp_backend_remote (&remote, text, why, sizeof why)) {
        bp_model_failed (self->config.model, token, why);
        return;
    }
    if (s_ipn_addr (remote.eid, &addr)) {
        bp_model_failed (self->config.model, token, "bp-socket reaches "
                         "ipn EIDs with 32-bit numbers only");
        return;
    }
    if (size > self->config.max_message) {
        bp_model_failed (self->config.model, token,
                         "message over the size limit");
        return;
    }
    if (sendto (self->fd, data, size, MSG_DONTWAIT | MSG_NOSIGNAL,
                (struct sockaddr *) &addr, sizeof addr) == (ssize_t) size)
        bp_model_sent (self->config.model, token);
    else {
        snprintf (why, sizeof why, "bp-socket: %s",
                  strerror (errno? errno: EIO));
        bp_model_failed (self->config.model, token, why);
    }
}

//  Poll the socket.
static size_t
s_poll_items (void *self_v, zmq_pollitem_t *items, size_t max)
{
    s_afbp_t *self = (s_afbp_t *) self_v;
    if (max == 0)
        return 0;
    items [0] = (zmq_pollitem_t) { NULL, self->fd, ZMQ_POLLIN, 0 };
    return 1;
}

//  A datagram came: RECV it from its source EID.
static void
s_handle (void *self_v, zmq_pollitem_t *items, size_t count)
{
    s_afbp_t *self = (s_afbp_t *) self_v;
    if (count == 0 || !(items [0].revents & ZMQ_POLLIN))
        return;
    struct s_sockaddr_bp from;
    socklen_t fromlen = sizeof from;
    memset (&from, 0, sizeof from);
    ssize_t rc = recvfrom (self->fd, self->buffer,
                           self->config.max_message + 1,
                           MSG_DONTWAIT | MSG_TRUNC,
                           (struct sockaddr *) &from, &fromlen);
    if (rc < 0)
        return;
    if ((size_t) rc > self->config.max_message) {
        bus_log (self->config.pub, TOPIC_NET, LOG_WARN, NULL, "bp-socket: "
                 "a %zd-byte bundle payload is over the limit: dropped", rc);
        return;
    }
    char source [64];
    if (fromlen >= sizeof from && from.bp_scheme == S_BP_SCHEME_IPN)
        snprintf (source, sizeof source, "bp ipn:%u.%u",
                  from.node, from.service);
    else
        snprintf (source, sizeof source, "bp ipn:0.0");
    bp_model_recv (self->config.model, source, self->buffer, (size_t) rc);
}

//  Nothing is ever due.
static int64_t
s_timeout (void *self_v)
{
    return -1;
}

//  Nothing to do.
static void
s_tick (void *self_v)
{
}

//  Start bp-socket (see bp_backend.h).
int
bp_afbp_start (bp_backend_t *backend, const bp_config_t *config,
               char *bound, size_t bound_size,
               char *reason, size_t reason_size)
{
    struct s_sockaddr_bp addr;
    if (s_ipn_addr (config->local.eid, &addr)) {
        snprintf (reason, reason_size, "bp %s: bp-socket (af_bp) takes "
                  "ipn:NODE.SERVICE EIDs with 32-bit numbers only",
                  config->local.eid);
        return -1;
    }
    int fd = socket (S_AF_BP, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        if (errno == EAFNOSUPPORT || errno == EPROTONOSUPPORT
        ||  errno == ESOCKTNOSUPPORT)
            snprintf (reason, reason_size, "bp: AF_BP sockets are not "
                      "available (the bp-socket kernel module is not "
                      "loaded)");
        else
            snprintf (reason, reason_size, "bp: cannot open an AF_BP "
                      "socket (%s); is the bp-socket kernel module "
                      "loaded?", strerror (errno));
        return -1;
    }
    if (bind (fd, (struct sockaddr *) &addr, sizeof addr)) {
        snprintf (reason, reason_size, "bp %s: bp-socket bind: %s",
                  config->local.eid, strerror (errno));
        close (fd);
        return -1;
    }
    s_afbp_t *self = (s_afbp_t *) calloc (1, sizeof *self);
    if (self)
        self->buffer = (byte *) malloc (config->max_message + 1);
    if (!self || !self->buffer) {
        free (self);
        close (fd);
        snprintf (reason, reason_size, "out of memory");
        return -1;
    }
    self->config = *config;
    self->fd = fd;
    //  *BACKEND owns SELF from here: its destroy frees it
    *backend = (bp_backend_t) {
        self, "af_bp", "", s_send, s_poll_items, s_handle, s_timeout,
        s_tick, s_destroy
    };
    snprintf (bound, bound_size, "bp %.240s", config->local.eid);
    bus_log (config->pub, TOPIC_NET, LOG_INFO, bound,
             "bp %s: bound through bp-socket (AF_BP)", config->local.eid);
    // cppcheck-suppress memleak ; SELF went to *BACKEND above
    return 0;
}
