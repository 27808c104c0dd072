/*  ack_tracker.h: which sent messages wait for an ack, and when to act.

    ack_tracker_t is the pure timing logic, driven by an injected clock (the
    NOW arguments), so its tests need no sleeps: exponential backoff with
    jitter and a cap between resends, FAILED when the deadline passes.
    ack_tracker_actor wraps it: it talks to the chat-model over one PAIR
    (TRACK, ACKED in; RESEND, EXPIRED out, see dtchat_verbs.h) and sleeps
    in zpoller_wait until the next due time.

    START  ""  replies "is": 0 and "", or -1 and why.
*/
#ifndef ACK_TRACKER_H_INCLUDED
#define ACK_TRACKER_H_INCLUDED

#include "dtchat.h"

typedef struct _ack_tracker_t ack_tracker_t;

typedef enum {
    ACK_TRACKER_IDLE = 0,       //  nothing due now
    ACK_TRACKER_RESEND = 1,     //  send UUID again
    ACK_TRACKER_EXPIRED = 2     //  UUID's deadline passed: FAILED
} ack_tracker_action_t;

//  Default first resend delay and cap, ms.
#define ACK_TRACKER_INITIAL_MS  250
#define ACK_TRACKER_CAP_MS      10000

//  New tracker: first resend after INITIAL_MS, doubling (with up to 25%
//  random jitter from SEED) up to CAP_MS.
ack_tracker_t *
    ack_tracker_new (int64_t initial_ms, int64_t cap_ms, uint32_t seed);
void
    ack_tracker_destroy (ack_tracker_t **self_p);

//  Start (or restart, with a fresh backoff) tracking UUID at NOW, failing
//  at DEADLINE (ms, same clock).
void
    ack_tracker_track (ack_tracker_t *self, const char *uuid,
                       int64_t now, int64_t deadline);

//  UUID was acked: forget it. Returns true if it was tracked.
bool
    ack_tracker_acked (ack_tracker_t *self, const char *uuid);

//  The earliest time anything is due, or -1 when nothing is tracked.
int64_t
    ack_tracker_next_due (ack_tracker_t *self);

//  Take the next action due at NOW, if any: sets *UUID_P to a new string
//  the caller frees. A RESEND reschedules the uuid; an EXPIRED forgets it.
ack_tracker_action_t
    ack_tracker_due (ack_tracker_t *self, int64_t now, char **uuid_p);

//  How many messages are tracked.
size_t
    ack_tracker_size (ack_tracker_t *self);

//  How many times the uuid that ack_tracker_due last returned has been
//  sent, the first send and that RESEND included (0 before any); the
//  actor puts it in the EXPIRED reason.
uint32_t
    ack_tracker_attempts (ack_tracker_t *self);

typedef struct {
    const char *model_endpoint;     //  connects: PAIR to the chat-model
    const char *bus_endpoint;       //  connects: PUB to the bus frontend
    int64_t initial_ms;             //  0 = ACK_TRACKER_INITIAL_MS
    int64_t cap_ms;                 //  0 = ACK_TRACKER_CAP_MS
} ack_tracker_args_t;

//  The actor. ARGS is an ack_tracker_args_t, borrowed.
void
    ack_tracker_actor (zsock_t *pipe, void *args);

#endif
