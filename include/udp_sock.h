/*  udp_sock.h: the OS side of transport-udp, one non-blocking UDP socket.

    Used only by transport_udp.c (only transports touch OS sockets). It
    binds with big buffers, sends with the IPv4/IPv6 address mapping a
    dual-stack socket needs, and receives with the true datagram size and
    the peer's address in its plain IPv4 form when it is one.
*/
#ifndef UDP_SOCK_H_INCLUDED
#define UDP_SOCK_H_INCLUDED

#include "dtchat.h"
#include "endpoint.h"

//  Bind a non-blocking UDP socket to LOCAL (port 0: an ephemeral one).
//  Returns the fd and the bound address in *BOUND, or -1 with a one-line
//  reason naming the endpoint ("udp 127.0.0.1:7777: Address already in
//  use").
int
    udp_sock_bind (const endpoint_t *local, endpoint_t *bound,
                   char *reason, size_t reason_size);

//  Send SIZE bytes to PEER from FD, a socket of FAMILY (AF_INET6 maps
//  IPv4 peers). Returns 0 when the OS took it all, 1 when the socket is
//  full (try again when writable), or -1 with errno.
//  A refusal that belongs to an earlier datagram (ICMP) is consumed and
//  the send retried; *REFUSED is then set, so the caller can say a peer
//  is down.
int
    udp_sock_send (int fd, int family, const endpoint_t *peer,
                   const void *data, size_t size, bool *refused);

//  Receive one datagram into BUFFER of SIZE bytes. Returns its true size
//  (more than SIZE if it was cut) with the sender in *PEER, or -1 with
//  errno (EAGAIN: nothing more).
ssize_t
    udp_sock_recv (int fd, void *buffer, size_t size, endpoint_t *peer);

#endif
