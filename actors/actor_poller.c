/*  actor_poller.c: an actor's poll set that costs one poll () per wakeup.

    See actor_poller.h for why, for the marking rule and for the spin.
    Each item is a zmq socket (polled through its ZMQ_FD for POLLIN) or a
    raw descriptor (polled for what the caller asks); the poll set is
    built afresh on each wait, which for a handful of items costs less
    than keeping it in step.
*/
#include "actor_poller.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>

typedef struct {
    zsock_t *sock;              //  NULL for a raw descriptor
    int fd;                     //  ZMQ_FD of SOCK, or the raw descriptor
    short events;               //  raw: what to poll for
    short revents;              //  raw: what the last wait saw
    bool watched;               //  socket: poll it
    bool marked;                //  socket: may have input (or room)
    int slot;                   //  index in the poll set, -1 = not polled
} s_item_t;

struct _actor_poller_t {
    s_item_t items [ACTOR_POLLER_MAX];
    size_t count;
    struct pollfd set [ACTOR_POLLER_MAX];
    int spin_us;                //  see actor_poller.h
};

//  The spin the environment asks for (DTCHAT_SPIN_US), else the default.
static int
s_spin_from_env (void)
{
    const char *text = getenv ("DTCHAT_SPIN_US");
    if (!text || !*text)
        return ACTOR_POLLER_SPIN_US;
    char *end = NULL;
    long value = strtol (text, &end, 10);
    if (*end || value < 0 || value > ACTOR_POLLER_SPIN_US_MAX)
        return ACTOR_POLLER_SPIN_US;        //  not a number we take
    return (int) value;
}

//  An empty poller.
actor_poller_t *
actor_poller_new (void)
{
    actor_poller_t *self = (actor_poller_t *) calloc (1,
                                                sizeof (actor_poller_t));
    if (self)
        self->spin_us = s_spin_from_env ();
    return self;
}

//  Set how long a wait spins before it sleeps.
void
actor_poller_set_spin (actor_poller_t *self, int spin_us)
{
    assert (self);
    assert (spin_us >= 0 && spin_us <= ACTOR_POLLER_SPIN_US_MAX);
    self->spin_us = spin_us;
}

//  How long a wait spins before it sleeps.
int
actor_poller_spin (actor_poller_t *self)
{
    assert (self);
    return self->spin_us;
}

//  Destroy the poller; idempotent.
void
actor_poller_destroy (actor_poller_t **self_p)
{
    assert (self_p);
    free (*self_p);
    *self_p = NULL;
}

//  The item for SOCK, or NULL.
static s_item_t *
s_sock_item (actor_poller_t *self, zsock_t *sock)
{
    for (size_t index = 0; index < self->count; index++)
        if (self->items [index].sock == sock)
            return &self->items [index];
    return NULL;
}

//  The item for raw descriptor FD, or NULL.
static s_item_t *
s_fd_item (actor_poller_t *self, int fd)
{
    for (size_t index = 0; index < self->count; index++)
        if (!self->items [index].sock && self->items [index].fd == fd)
            return &self->items [index];
    return NULL;
}

//  Watch SOCK, marked ready.
int
actor_poller_add (actor_poller_t *self, zsock_t *sock)
{
    assert (self && sock);
    assert (!s_sock_item (self, sock));
    int fd = zsock_fd (sock);
    if (self->count == ACTOR_POLLER_MAX || fd < 0)
        return -1;
    self->items [self->count++] = (s_item_t) {
        .sock = sock, .fd = fd, .watched = true, .marked = true,
        .slot = -1 };
    return 0;
}

//  Stop watching SOCK.
void
actor_poller_remove (actor_poller_t *self, zsock_t *sock)
{
    assert (self);
    s_item_t *item = sock? s_sock_item (self, sock): NULL;
    if (item) {
        size_t index = (size_t) (item - self->items);
        memmove (item, item + 1,
                 (self->count - index - 1) * sizeof (s_item_t));
        self->count--;
    }
}

//  Watch SOCK or not; watching again marks it.
void
actor_poller_watch (actor_poller_t *self, zsock_t *sock, bool watch)
{
    assert (self);
    s_item_t *item = s_sock_item (self, sock);
    assert (item);
    if (watch && !item->watched)
        item->marked = true;
    item->watched = watch;
}

//  Mark SOCK ready.
void
actor_poller_mark (actor_poller_t *self, zsock_t *sock)
{
    assert (self);
    s_item_t *item = s_sock_item (self, sock);
    assert (item);
    item->marked = true;
}

//  Take SOCK's mark.
bool
actor_poller_ready (actor_poller_t *self, zsock_t *sock)
{
    assert (self);
    s_item_t *item = s_sock_item (self, sock);
    assert (item);
    bool ready = item->marked && item->watched;
    if (ready)
        item->marked = false;
    return ready;
}

//  Watch raw descriptor FD.
int
actor_poller_add_fd (actor_poller_t *self, int fd, short events)
{
    assert (self && fd >= 0);
    assert (!s_fd_item (self, fd));
    if (self->count == ACTOR_POLLER_MAX)
        return -1;
    self->items [self->count++] = (s_item_t) {
        .fd = fd, .events = events, .slot = -1 };
    return 0;
}

//  Change what FD is watched for.
void
actor_poller_set_fd (actor_poller_t *self, int fd, short events)
{
    assert (self);
    s_item_t *item = s_fd_item (self, fd);
    assert (item);
    item->events = events;
}

//  What the last wait saw on FD.
short
actor_poller_fd_events (actor_poller_t *self, int fd)
{
    assert (self);
    s_item_t *item = s_fd_item (self, fd);
    assert (item);
    return item->revents;
}

//  poll () the set of SIZE without sleeping for up to spin_us, giving
//  the vCPU to any other runnable thread between looks, then sleep for
//  what is left of TIMEOUT (ms, -1 = for ever). Returns what poll does.
static int
s_spin_then_sleep (actor_poller_t *self, nfds_t size, int timeout)
{
    int64_t start = zclock_usecs ();
    int64_t spent = 0;
    while (spent < self->spin_us) {
        int rc = poll (self->set, size, 0);
        if (rc != 0)
            return rc;
        sched_yield ();
        spent = zclock_usecs () - start;
    }
    if (timeout > 0) {
        int64_t left = timeout - spent / 1000;
        timeout = left > 0? (int) left: 0;
    }
    return poll (self->set, size, timeout);
}

//  Wait for a socket or a descriptor; see actor_poller.h.
int
actor_poller_wait (actor_poller_t *self, int timeout)
{
    assert (self);
    nfds_t size = 0;
    bool marked = false;
    for (size_t index = 0; index < self->count; index++) {
        s_item_t *item = &self->items [index];
        item->slot = -1;
        item->revents = 0;
        short events = item->sock? (item->watched? POLLIN: 0): item->events;
        if (!events)
            continue;
        if (item->sock && item->marked)
            marked = true;
        item->slot = (int) size;
        self->set [size++] = (struct pollfd) { item->fd, events, 0 };
    }
    int rc = marked || timeout == 0? poll (self->set, size, 0)
           : s_spin_then_sleep (self, size, timeout);
    if (rc == -1 && errno != EINTR)
        return -1;
    int ready = 0;
    for (size_t index = 0; index < self->count; index++) {
        s_item_t *item = &self->items [index];
        short revents = rc > 0 && item->slot != -1?
                        self->set [item->slot].revents: 0;
        if (item->sock) {
            if (revents)
                item->marked = true;
            ready += item->marked && item->watched;
        }
        else {
            item->revents = revents;
            ready += revents != 0;
        }
    }
    return ready;
}
