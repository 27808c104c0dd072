/*  tcp_sock.h: the plain socket calls of transport-tcp, in one place.

    transport_tcp.c listens and accepts with these, tcp_conn.c connects
    and asks for errors. Every socket is non-blocking, close-on-exec and,
    for connections, TCP_NODELAY (we write whole messages; Nagle would
    only hold back the last small piece of one). Addresses come and go as
    dtchat endpoints; an IPv4-mapped IPv6 peer reads as plain IPv4.
*/
#ifndef TCP_SOCK_H_INCLUDED
#define TCP_SOCK_H_INCLUDED

#include "dtchat.h"
#include "endpoint.h"

//  Listen on LOCAL (SO_REUSEADDR, so a restarted dtchat gets its port
//  back). Returns the socket and its canonical endpoint text in BOUND,
//  or -1 with "ENDPOINT: why" in REASON.
int
    tcp_sock_listen (const endpoint_t *local, char *bound, size_t bound_size,
                     char *reason, size_t reason_size);

//  Accept one connection: the socket and the peer's endpoint text in
//  PEER, or -1 with errno (EAGAIN when there is none).
int
    tcp_sock_accept (int listener, char *peer, size_t peer_size);

//  Start connecting to ADDR (NAME is its text, for the reason). Returns
//  the socket (connected or connecting), or -1 with "NAME: why".
int
    tcp_sock_connect (const endpoint_t *addr, const char *name,
                      char *reason, size_t reason_size);

//  The socket's pending error (SO_ERROR), 0 if none; reading clears it.
int
    tcp_sock_error (int fd);

#endif
