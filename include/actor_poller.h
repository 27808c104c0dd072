/*  actor_poller.h: an actor's poll set that costs one poll () per wakeup.

    zpoller_wait and zmq_poll ask ZMQ_EVENTS of every zmq socket in the
    set before they sleep and again after; in libzmq 4.3 each ask is a
    poll () and a getpid () system call, so a loop over n sockets pays
    about 4n + 2 system calls per wakeup, whatever woke it. On the message
    path, where one text wakes a dozen threads, that was a third of
    dtchat's CPU (docs/PERFORMANCE.md).

    actor_poller polls the sockets' ZMQ_FD descriptors itself, with raw
    file descriptors (a UDP socket, a signalfd) in the same poll (), and
    keeps one "ready" mark per zmq socket. libzmq's rule for ZMQ_FD is
    that it signals edges, not levels: it fires when commands reach the
    socket, and any operation on the socket (a send too) may consume that
    signal and leave messages readable with the descriptor quiet. So:

    - a socket is marked ready when it is added, when its descriptor
      fires, and when the caller says it used the socket
      (actor_poller_mark: after every send on it, and after a read batch
      that stopped before the socket said "nothing more");
    - actor_poller_ready takes the mark: the caller then reads the socket
      until a read finds nothing (zero receive timeout), which leaves the
      descriptor armed again, or marks it to come back.

    While any watched socket is marked, actor_poller_wait does not sleep
    (it still polls once, so raw descriptors and other sockets are not
    starved by a busy one).

    Before it sleeps, a wait spins: it looks (poll () with no timeout,
    then sched_yield () so that any other runnable thread goes first)
    for up to ACTOR_POLLER_SPIN_US. One message wakes a dozen threads in
    turn, and a thread that sleeps may leave its vCPU halted: waking a
    halted vCPU costs ~25 us in a VM, more than the work of most hops,
    so a dtchat round trip cost ~4x a raw socket ping-pong; with the spin
    the next message usually finds its thread still looking (1.6x; see
    docs/PERFORMANCE.md). The cost is at most one spin of CPU per thread
    per burst of work, nothing while dtchat is idle. DTCHAT_SPIN_US in
    the environment sets it (0 turns it off, at most
    ACTOR_POLLER_SPIN_US_MAX).
*/
#ifndef ACTOR_POLLER_H_INCLUDED
#define ACTOR_POLLER_H_INCLUDED

#include "dtchat.h"

//  Most sockets and descriptors in one poller, unless actor_poller_set_max
//  allows more (the item array grows as needed).
#define ACTOR_POLLER_MAX    16
//  How long a wait spins before it sleeps, us, by default; the most.
#define ACTOR_POLLER_SPIN_US        50
#define ACTOR_POLLER_SPIN_US_MAX    10000

typedef struct _actor_poller_t actor_poller_t;

//  An empty poller, or NULL if out of memory. Its spin comes from
//  DTCHAT_SPIN_US if that holds a number in range, else it is
//  ACTOR_POLLER_SPIN_US.
actor_poller_t *
    actor_poller_new (void);

//  Set how long a wait spins before it sleeps (0 .. SPIN_US_MAX us).
void
    actor_poller_set_spin (actor_poller_t *self, int spin_us);

//  How long a wait spins before it sleeps, us.
int
    actor_poller_spin (actor_poller_t *self);

//  Allow up to MAX items (at least the ones it holds; default
//  ACTOR_POLLER_MAX): e.g. a transport with a descriptor per connection.
void
    actor_poller_set_max (actor_poller_t *self, size_t max);

//  Destroy the poller (not its sockets); idempotent, nulls *self_p.
void
    actor_poller_destroy (actor_poller_t **self_p);

//  Watch SOCK; it starts marked ready. Returns 0, or -1 if the poller is
//  full (or out of memory) or the socket has no ZMQ_FD.
int
    actor_poller_add (actor_poller_t *self, zsock_t *sock);

//  Stop watching SOCK (before destroying it). No-op if absent.
void
    actor_poller_remove (actor_poller_t *self, zsock_t *sock);

//  Watch SOCK or not (back-pressure: stop reading a source for a while).
//  Watching again marks it ready: a signal may have come meanwhile.
void
    actor_poller_watch (actor_poller_t *self, zsock_t *sock, bool watch);

//  Mark SOCK ready: the caller sent on it, or left input unread.
void
    actor_poller_mark (actor_poller_t *self, zsock_t *sock);

//  Take SOCK's ready mark: true if it was marked (and is watched). The
//  caller then reads SOCK until it finds nothing, or marks it again.
bool
    actor_poller_ready (actor_poller_t *self, zsock_t *sock);

//  Watch raw descriptor FD for EVENTS (POLLIN, POLLOUT; 0 = not now).
//  Returns 0, or -1 if the poller is full (or out of memory).
int
    actor_poller_add_fd (actor_poller_t *self, int fd, short events);

//  Stop watching raw descriptor FD (before closing it). No-op if absent.
void
    actor_poller_remove_fd (actor_poller_t *self, int fd);

//  Change what FD is watched for (0 = nothing for now).
void
    actor_poller_set_fd (actor_poller_t *self, int fd, short events);

//  What the last wait saw on FD (poll's revents), 0 if nothing.
short
    actor_poller_fd_events (actor_poller_t *self, int fd);

//  A command from an actor's creator: VERB (not $TERM; "" if the first
//  frame was empty) and the frames after it in MSG, for ARG (the actor).
typedef void (actor_command_fn) (void *arg, const char *verb, zmsg_t *msg);

//  Read the creator's commands on PIPE, an actor's pipe with a zero
//  receive timeout, until there is none, handing each but $TERM to
//  HANDLER. A handler replies on PIPE, so PIPE is marked after each.
//  Returns true if the actor must end: $TERM came, or the context is
//  ending. Every actor on an actor_poller reads its pipe this way.
bool
    actor_poller_commands (actor_poller_t *self, zsock_t *pipe,
                           actor_command_fn *handler, void *arg);

//  Wait up to TIMEOUT ms (-1 = for ever; 0 if a socket is marked) until
//  a watched socket's descriptor fires or a descriptor is ready. Returns
//  how many sockets are marked plus how many descriptors have events (0
//  on timeout or a signal), or -1 on an error other than EINTR.
int
    actor_poller_wait (actor_poller_t *self, int timeout);

#endif
