/*  actor_poller.c: an actor's poll set that costs one poll () per wakeup.

    See actor_poller.h for why, for the marking rule and for the spin.
    Each item is a zmq socket (polled through its ZMQ_FD for POLLIN) or a
    raw descriptor (polled for what the caller asks); the poll set is
    built afresh on each wait, which for a handful of items costs less
    than keeping it in step. The item array grows on demand (a TCP
    transport has a descriptor per connection); lookups start where the
    last one ended, so a caller that walks its items in the order it
    added them pays one comparison per call.
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
    s_item_t *items;            //  ROOM of them, COUNT used
    struct pollfd *set;         //  ROOM of them
    size_t count;
    size_t room;
    size_t max;                 //  most items allowed
    size_t hint;                //  where the next lookup starts
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
    if (self) {
        self->spin_us = s_spin_from_env ();
        self->max = ACTOR_POLLER_MAX;
    }
    return self;
}

//  Allow up to MAX items.
void
actor_poller_set_max (actor_poller_t *self, size_t max)
{
    assert (self);
    self->max = max > self->count? max: self->count;
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
    actor_poller_t *self = *self_p;
    if (self) {
        free (self->items);
        free (self->set);
        free (self);
        *self_p = NULL;
    }
}

//  The item for SOCK, or for raw descriptor FD when SOCK is NULL; NULL
//  if absent. The search starts at the hint and wraps around.
static s_item_t *
s_find (actor_poller_t *self, zsock_t *sock, int fd)
{
    size_t index = self->hint < self->count? self->hint: 0;
    for (size_t seen = 0; seen < self->count; seen++) {
        s_item_t *item = &self->items [index];
        if (item->sock == sock && (sock || item->fd == fd)) {
            self->hint = index + 1;
            return item;
        }
        if (++index == self->count)
            index = 0;
    }
    return NULL;
}

//  The item for SOCK, or NULL.
static s_item_t *
s_sock_item (actor_poller_t *self, zsock_t *sock)
{
    return s_find (self, sock, -1);
}

//  The item for raw descriptor FD, or NULL.
static s_item_t *
s_fd_item (actor_poller_t *self, int fd)
{
    return s_find (self, NULL, fd);
}

//  Room for one more item: 0, or -1 if the poller is full or out of
//  memory.
static int
s_make_room (actor_poller_t *self)
{
    if (self->count >= self->max)
        return -1;
    if (self->count < self->room)
        return 0;
    size_t room = self->room? self->room * 2: 8;
    s_item_t *items = (s_item_t *) realloc (self->items,
                                            room * sizeof (s_item_t));
    if (!items)
        return -1;
    self->items = items;
    struct pollfd *set = (struct pollfd *) realloc (self->set,
                                            room * sizeof (struct pollfd));
    if (!set)
        return -1;              //  the items keep their larger block
    self->set = set;
    self->room = room;
    return 0;
}

//  Forget ITEM, keeping the others in the order they were added.
static void
s_remove (actor_poller_t *self, s_item_t *item)
{
    size_t index = (size_t) (item - self->items);
    memmove (item, item + 1, (self->count - index - 1) * sizeof (s_item_t));
    self->count--;
    self->hint = index;
}

//  Watch SOCK, marked ready.
int
actor_poller_add (actor_poller_t *self, zsock_t *sock)
{
    assert (self && sock);
    assert (!s_sock_item (self, sock));
    int fd = zsock_fd (sock);
    if (fd < 0 || s_make_room (self))
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
    if (item)
        s_remove (self, item);
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
    if (s_make_room (self))
        return -1;
    self->items [self->count++] = (s_item_t) {
        .fd = fd, .events = events, .slot = -1 };
    return 0;
}

//  Stop watching raw descriptor FD.
void
actor_poller_remove_fd (actor_poller_t *self, int fd)
{
    assert (self);
    s_item_t *item = s_fd_item (self, fd);
    if (item)
        s_remove (self, item);
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

//  Read the creator's commands until there is none; see the header.
bool
actor_poller_commands (actor_poller_t *self, zsock_t *pipe,
                       actor_command_fn *handler, void *arg)
{
    assert (self && pipe && handler);
    zmsg_t *msg;
    while ((msg = zmsg_recv (pipe))) {
        char *verb = zmsg_popstr (msg);
        bool end = verb && streq (verb, VERB_TERM);
        if (!end) {
            handler (arg, verb? verb: "", msg);
            actor_poller_mark (self, pipe);
        }
        zstr_free (&verb);
        zmsg_destroy (&msg);
        if (end)
            return true;
    }
    return zmq_errno () != EAGAIN;      //  interrupted: the context ends
}
