/*  dtchat.h: the one header every dtchat source includes first.

    It pulls in CZMQ and declares the small things all actors share: the
    version, limits, and the contracts in dtchat_verbs.h. Each class has its
    own header beside this one.
*/
#ifndef DTCHAT_H_INCLUDED
#define DTCHAT_H_INCLUDED

#include <czmq.h>
#include <stdbool.h>
#include <stdint.h>

#ifndef DTCHAT_VERSION
#define DTCHAT_VERSION "0.1.0"
#endif

//  Largest UDP payload we send or accept (IPv4: 65535 - 8 - 20).
#define DTCHAT_UDP_MAX          65507
//  Default limit for one message over TCP or BP (--max-message).
#define DTCHAT_MAX_MESSAGE_DEFAULT  (16 * 1024 * 1024)
//  Default lifetime of an unacked message over IP (--lifetime), in ms.
#define DTCHAT_LIFETIME_DEFAULT_MS  (60 * 1000)
//  Longest endpoint text we accept ("bp dtn://... via mtcp:...").
#define DTCHAT_ENDPOINT_MAX     256
//  Longest uuid / sender / room string we accept from the wire.
#define DTCHAT_ID_MAX           256

#include "dtchat_verbs.h"

//  Milliseconds since the Unix epoch, from the wall clock.
static inline int64_t
dtchat_now_ms (void)
{
    return zclock_time ();
}

#endif
