/*  track_queue.h: the TRACKs the chat-model holds back from its tracker.

    Most messages are acked within milliseconds, long before the
    ack-tracker's first resend (ACK_TRACKER_INITIAL_MS). Telling the
    tracker about each one the moment it goes out, and again when its
    ack comes, costs two thread wake-ups per message for nothing. So the
    chat-model queues each new send here, due a short delay later, and
    hands the tracker only the ones still pending when they fall due,
    many per message; an ack that comes first cancels the TRACK (the
    entry is simply no longer pending when it falls due). A FIFO: every
    item has the same delay, so due times only grow.
*/
#ifndef TRACK_QUEUE_H_INCLUDED
#define TRACK_QUEUE_H_INCLUDED

#include "dtchat.h"

//  Longest uuid the queue holds (ours are 36 characters).
#define TRACK_QUEUE_UUID_MAX    63

typedef struct _track_queue_t track_queue_t;

//  An empty queue, or NULL if out of memory.
track_queue_t *
    track_queue_new (void);

//  Destroy the queue; idempotent, nulls *self_p.
void
    track_queue_destroy (track_queue_t **self_p);

//  Hold back UUID until DUE (monotonic ms; not before the newest item's
//  due time), to be tracked from SINCE until DEADLINE (the model's
//  clock, as TRACK carries them). Returns 0, or -1 if out of memory or
//  UUID is too long.
int
    track_queue_push (track_queue_t *self, const char *uuid, int64_t due,
                      int64_t since, int64_t deadline);

//  When the oldest item falls due, or -1 if the queue is empty.
int64_t
    track_queue_next_due (track_queue_t *self);

//  Take the oldest item if it is due at NOW: its uuid into UUID (room
//  for TRACK_QUEUE_UUID_MAX + 1), its since and deadline. False if none
//  is due.
bool
    track_queue_pop_due (track_queue_t *self, int64_t now, char *uuid,
                         int64_t *since_p, int64_t *deadline_p);

//  How many items wait.
size_t
    track_queue_size (track_queue_t *self);

#endif
