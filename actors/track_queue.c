/*  track_queue.c: the TRACKs the chat-model holds back; see the header.

    A ring buffer of fixed-size items that doubles when full, so a push
    or a pop allocates nothing in the steady state.
*/
#include "track_queue.h"

typedef struct {
    char uuid [TRACK_QUEUE_UUID_MAX + 1];
    int64_t due;
    int64_t since;
    int64_t deadline;
} s_item_t;

struct _track_queue_t {
    s_item_t *items;
    size_t room;                //  slots in ITEMS
    size_t head;                //  the oldest item
    size_t size;
};

//  An empty queue.
track_queue_t *
track_queue_new (void)
{
    return (track_queue_t *) calloc (1, sizeof (track_queue_t));
}

//  Destroy the queue; idempotent.
void
track_queue_destroy (track_queue_t **self_p)
{
    assert (self_p);
    track_queue_t *self = *self_p;
    if (self) {
        free (self->items);
        free (self);
        *self_p = NULL;
    }
}

//  Double the ring, keeping the order; -1 if out of memory.
static int
s_grow (track_queue_t *self)
{
    size_t room = self->room? self->room * 2: 64;
    s_item_t *items = (s_item_t *) malloc (room * sizeof (s_item_t));
    if (!items)
        return -1;
    for (size_t index = 0; index < self->size; index++)
        items [index] = self->items [(self->head + index) % self->room];
    free (self->items);
    self->items = items;
    self->room = room;
    self->head = 0;
    return 0;
}

//  Append an item.
int
track_queue_push (track_queue_t *self, const char *uuid, int64_t due,
                  int64_t since, int64_t deadline)
{
    assert (self && uuid);
    size_t length = strlen (uuid);
    if (length > TRACK_QUEUE_UUID_MAX
    ||  (self->size == self->room && s_grow (self)))
        return -1;
    s_item_t *item = &self->items [(self->head + self->size) % self->room];
    memcpy (item->uuid, uuid, length + 1);
    //  FIFO: a due time never goes back, so the head is always the first
    int64_t newest = self->size? self->items [(self->head + self->size - 1)
                                              % self->room].due: due;
    item->due = due < newest? newest: due;
    item->since = since;
    item->deadline = deadline;
    self->size++;
    return 0;
}

//  When the oldest falls due.
int64_t
track_queue_next_due (track_queue_t *self)
{
    assert (self);
    return self->size? self->items [self->head].due: -1;
}

//  Take the oldest if due.
bool
track_queue_pop_due (track_queue_t *self, int64_t now, char *uuid,
                     int64_t *since_p, int64_t *deadline_p)
{
    assert (self && uuid && since_p && deadline_p);
    if (!self->size || self->items [self->head].due > now)
        return false;
    s_item_t *item = &self->items [self->head];
    memcpy (uuid, item->uuid, strlen (item->uuid) + 1);
    *since_p = item->since;
    *deadline_p = item->deadline;
    self->head = (self->head + 1) % self->room;
    self->size--;
    return true;
}

//  How many wait.
size_t
track_queue_size (track_queue_t *self)
{
    assert (self);
    return self->size;
}
