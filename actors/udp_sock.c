/*  udp_sock.c: the OS side of transport-udp, one non-blocking UDP socket.

    transport_udp.c is its only caller: it keeps the actor's loop free of
    socket details. One socket both listens and sends, so datagrams leave
    from our own port and a peer can answer where they came from. A
    dual-stack IPv6 socket sees IPv4 peers as ::ffff:a.b.c.d; we name them
    in plain IPv4 and map them back when sending, so a peer's address
    reads the same whichever socket heard it.
*/
#include "udp_sock.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

//  Socket buffers we ask for: a burst of small datagrams must fit.
#define S_SOCKBUF  (4 * 1024 * 1024)

//  Turn an IPv4-mapped IPv6 address back into IPv4.
static void
s_unmap (endpoint_t *peer)
{
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &peer->addr;
    if (peer->addr.ss_family != AF_INET6
    ||  !IN6_IS_ADDR_V4MAPPED (&in6->sin6_addr))
        return;
    struct sockaddr_in in4 = { .sin_family = AF_INET };
    in4.sin_port = in6->sin6_port;
    memcpy (&in4.sin_addr, &in6->sin6_addr.s6_addr [12], 4);
    memset (&peer->addr, 0, sizeof (peer->addr));
    memcpy (&peer->addr, &in4, sizeof (in4));
    peer->addrlen = sizeof (in4);
}

//  Write an IPv4 address as IPv4-mapped IPv6, for an IPv6 socket.
static void
s_map (endpoint_t *peer)
{
    struct sockaddr_in in4;
    memcpy (&in4, &peer->addr, sizeof (in4));
    struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };
    in6.sin6_port = in4.sin_port;
    in6.sin6_addr.s6_addr [10] = 0xff;
    in6.sin6_addr.s6_addr [11] = 0xff;
    memcpy (&in6.sin6_addr.s6_addr [12], &in4.sin_addr, 4);
    memset (&peer->addr, 0, sizeof (peer->addr));
    memcpy (&peer->addr, &in6, sizeof (in6));
    peer->addrlen = sizeof (in6);
}

//  Ask for big socket buffers; the forced form works when privileged,
//  the plain one up to the system's limit. Failure only costs bursts.
static void
s_set_buffers (int fd)
{
    int size = S_SOCKBUF;
    if (setsockopt (fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof (size)))
        setsockopt (fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof (size));
    if (setsockopt (fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof (size)))
        setsockopt (fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof (size));
}

//  Bind a non-blocking socket to LOCAL; see udp_sock.h.
int
udp_sock_bind (const endpoint_t *local, endpoint_t *bound, char *reason,
               size_t reason_size)
{
    assert (local && bound);
    char name [DTCHAT_ENDPOINT_MAX];
    endpoint_format (local, name, sizeof (name));
    int fd = socket (local->addr.ss_family,
                     SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd == -1) {
        snprintf (reason, reason_size, "%s: %s", name, strerror (errno));
        return -1;
    }
    s_set_buffers (fd);
    *bound = *local;
    bound->addrlen = sizeof (bound->addr);
    if (bind (fd, (const struct sockaddr *) &local->addr, local->addrlen)
    ||  getsockname (fd, (struct sockaddr *) &bound->addr,
                     &bound->addrlen)) {
        snprintf (reason, reason_size, "%s: %s", name, strerror (errno));
        close (fd);
        return -1;
    }
    return fd;
}

//  Send one datagram; see udp_sock.h.
int
udp_sock_send (int fd, int family, const endpoint_t *peer, const void *data,
               size_t size, bool *refused)
{
    endpoint_t to = *peer;
    s_unmap (&to);
    if (family == AF_INET6 && to.addr.ss_family == AF_INET)
        s_map (&to);
    //  A refusal reported here is an ICMP error for an earlier datagram:
    //  reporting it consumed it, so this one may go now.
    for (int attempt = 0; attempt < 4; attempt++) {
        ssize_t rc = sendto (fd, data, size, 0,
                             (const struct sockaddr *) &to.addr, to.addrlen);
        if (rc == (ssize_t) size)
            return 0;
        if (rc >= 0) {
            errno = EMSGSIZE;           //  UDP sends all or nothing
            return -1;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
            return 1;
        if (errno == ECONNREFUSED)
            *refused = true;
        else
        if (errno != EINTR)
            return -1;
    }
    return -1;
}

//  Receive one datagram; see udp_sock.h.
ssize_t
udp_sock_recv (int fd, void *buffer, size_t size, endpoint_t *peer)
{
    memset (peer, 0, sizeof (*peer));
    peer->proto = ENDPOINT_UDP;
    peer->addrlen = sizeof (peer->addr);
    //  MSG_TRUNC: the true length, so an oversize datagram shows as such
    ssize_t rc = recvfrom (fd, buffer, size, MSG_TRUNC,
                           (struct sockaddr *) &peer->addr, &peer->addrlen);
    if (rc >= 0)
        s_unmap (peer);
    return rc;
}
