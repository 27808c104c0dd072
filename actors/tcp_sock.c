/*  tcp_sock.c: listen, accept, connect and SO_ERROR for transport-tcp.

    Thin wrappers over the BSD socket calls that transport_tcp.c and
    tcp_conn.c share, so neither repeats the flags and the address
    conversions. See tcp_sock.h.
*/
#include "dtchat.h"
#include "tcp_sock.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

//  Listen on LOCAL; see tcp_sock.h.
int
tcp_sock_listen (const endpoint_t *local, char *bound, size_t bound_size,
                 char *reason, size_t reason_size)
{
    char name [DTCHAT_ENDPOINT_MAX];
    endpoint_format (local, name, sizeof (name));
    endpoint_t actual = *local;
    int on = 1;
    int fd = socket (local->addr.ss_family,
                     SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    actual.addrlen = sizeof (actual.addr);
    if (fd == -1
    ||  setsockopt (fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof (on))
    ||  bind (fd, (const struct sockaddr *) &local->addr, local->addrlen)
    ||  listen (fd, SOMAXCONN)
    ||  getsockname (fd, (struct sockaddr *) &actual.addr, &actual.addrlen)) {
        snprintf (reason, reason_size, "%s: %s", name, strerror (errno));
        if (fd != -1)
            close (fd);
        return -1;
    }
    endpoint_format (&actual, bound, bound_size);
    return fd;
}

//  The endpoint text of an accepted peer, IPv4-mapped as plain IPv4.
static void
s_peer_text (const struct sockaddr_storage *ss, socklen_t len, char *buf,
             size_t size)
{
    endpoint_t peer = { .proto = ENDPOINT_TCP, .addrlen = len };
    memcpy (&peer.addr, ss, sizeof (peer.addr));
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *) ss;
    if (ss->ss_family == AF_INET6
    &&  IN6_IS_ADDR_V4MAPPED (&in6->sin6_addr)) {
        struct sockaddr_in in4 = { .sin_family = AF_INET };
        in4.sin_port = in6->sin6_port;
        memcpy (&in4.sin_addr, &in6->sin6_addr.s6_addr [12], 4);
        memset (&peer.addr, 0, sizeof (peer.addr));
        memcpy (&peer.addr, &in4, sizeof (in4));
        peer.addrlen = sizeof (in4);
    }
    endpoint_format (&peer, buf, size);
}

//  Accept one connection; see tcp_sock.h.
int
tcp_sock_accept (int listener, char *peer, size_t peer_size)
{
    struct sockaddr_storage ss = { .ss_family = AF_UNSPEC };
    socklen_t len = sizeof (ss);
    int fd = accept4 (listener, (struct sockaddr *) &ss, &len,
                      SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd == -1)
        return -1;
    int on = 1;
    setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof (on));
    s_peer_text (&ss, len, peer, peer_size);
    return fd;
}

//  Start connecting; see tcp_sock.h.
int
tcp_sock_connect (const endpoint_t *addr, const char *name,
                  char *reason, size_t reason_size)
{
    int fd = socket (addr->addr.ss_family,
                     SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd == -1) {
        snprintf (reason, reason_size, "%s: %s", name, strerror (errno));
        return -1;
    }
    int on = 1;
    setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof (on));
    if (connect (fd, (const struct sockaddr *) &addr->addr, addr->addrlen)
        == -1 && errno != EINPROGRESS) {
        snprintf (reason, reason_size, "%s: %s", name, strerror (errno));
        close (fd);
        return -1;
    }
    return fd;
}

//  The pending error; see tcp_sock.h.
int
tcp_sock_error (int fd)
{
    int error = 0;
    socklen_t size = sizeof (error);
    if (getsockopt (fd, SOL_SOCKET, SO_ERROR, &error, &size) == -1)
        return errno;
    return error;
}
