/*  ack_tracker.c: which sent messages still wait for an ack, and when to act.

    ack_tracker_t is pure timing logic driven by the caller's clock (no I/O,
    no clock reads): each tracked uuid has one next action (RESEND, or
    EXPIRED at its deadline) kept in a zhashx (uuid -> entry) and in a
    binary min-heap on the action time whose entries know their own heap
    index, so track, acked and due are O(log n) and next_due is O(1). Its
    one user is ack_tracker_actor.c, which runs it for the chat-model; the
    tests drive it with a fake clock.
*/
#include "ack_tracker.h"

//  One tracked uuid. It is always in the heap: its next action is either
//  a RESEND or, when the next resend would not come before the deadline,
//  the EXPIRED at the deadline.
typedef struct {
    char *uuid;             //  owned; also the key in the table
    int64_t due;            //  when the next action is due
    int64_t deadline;       //  when the uuid expires
    int64_t base;           //  un-jittered delay of the next resend
    uint64_t seq;           //  tie-break: FIFO among equal due times
    uint32_t attempts;      //  sends so far, the first one included
    bool expiring;          //  the next action is EXPIRED, not RESEND
    size_t index;           //  where it is in the heap
} entry_t;

struct _ack_tracker_t {
    int64_t initial_ms;     //  first resend delay
    int64_t cap_ms;         //  largest un-jittered delay
    uint64_t prng;          //  splitmix64 state for the jitter
    zhashx_t *table;        //  uuid -> entry_t *, borrows the keys
    entry_t **heap;         //  min-heap on (due, seq)
    size_t heap_size;
    size_t heap_max;
    uint64_t seq;           //  last sequence number handed out
    uint32_t last_attempts; //  of the uuid ack_tracker_due last returned
};

//  Next 64 random bits (splitmix64: tiny, seedable, good enough for jitter).
static uint64_t
s_random (ack_tracker_t *self)
{
    self->prng += 0x9E3779B97F4A7C15ULL;
    uint64_t z = self->prng;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

//  BASE times a random factor in [1.0, 1.25), so that peers that lost the
//  same packet do not resend in lockstep.
static int64_t
s_jitter (ack_tracker_t *self, int64_t base)
{
    double unit = (double) (s_random (self) >> 11) * 0x1.0p-53;
    return base + (int64_t) ((double) base * 0.25 * unit);
}

//  A + B for B >= 0, saturating instead of overflowing on absurd clocks.
static int64_t
s_add (int64_t a, int64_t b)
{
    return a > INT64_MAX - b? INT64_MAX: a + b;
}

//  True if A's next action comes before B's.
static bool
s_before (const entry_t *a, const entry_t *b)
{
    return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

//  Put ENTRY at heap slot INDEX, keeping its back-pointer right.
static void
s_heap_place (ack_tracker_t *self, entry_t *entry, size_t index)
{
    self->heap [index] = entry;
    entry->index = index;
}

//  Move the entry at INDEX towards the root while it beats its parent.
static void
s_heap_up (ack_tracker_t *self, size_t index)
{
    entry_t *entry = self->heap [index];
    while (index > 0) {
        size_t parent = (index - 1) / 2;
        if (!s_before (entry, self->heap [parent]))
            break;
        s_heap_place (self, self->heap [parent], index);
        index = parent;
    }
    s_heap_place (self, entry, index);
}

//  Move the entry at INDEX towards the leaves while a child beats it.
static void
s_heap_down (ack_tracker_t *self, size_t index)
{
    entry_t *entry = self->heap [index];
    while (true) {
        size_t child = 2 * index + 1;
        if (child >= self->heap_size)
            break;
        if (child + 1 < self->heap_size
        &&  s_before (self->heap [child + 1], self->heap [child]))
            child++;
        if (!s_before (self->heap [child], entry))
            break;
        s_heap_place (self, self->heap [child], index);
        index = child;
    }
    s_heap_place (self, entry, index);
}

//  Restore heap order after the key of the entry at INDEX changed.
static void
s_heap_fix (ack_tracker_t *self, size_t index)
{
    if (index > 0 && s_before (self->heap [index],
                               self->heap [(index - 1) / 2]))
        s_heap_up (self, index);
    else
        s_heap_down (self, index);
}

//  Append ENTRY to the heap (growing it) and sift it into place.
static void
s_heap_push (ack_tracker_t *self, entry_t *entry)
{
    if (self->heap_size == self->heap_max) {
        size_t max = self->heap_max? self->heap_max * 2: 64;
        entry_t **heap = (entry_t **) realloc (self->heap,
                                               max * sizeof (entry_t *));
        assert (heap);              //  out of memory, as CZMQ does
        self->heap = heap;
        self->heap_max = max;
    }
    s_heap_place (self, entry, self->heap_size++);
    s_heap_up (self, entry->index);
}

//  Take ENTRY out of the heap and the table; the caller frees it.
static void
s_remove (ack_tracker_t *self, entry_t *entry)
{
    size_t index = entry->index;
    assert (index < self->heap_size && self->heap [index] == entry);
    size_t last = --self->heap_size;
    if (index != last) {
        s_heap_place (self, self->heap [last], index);
        s_heap_fix (self, index);
    }
    zhashx_delete (self->table, entry->uuid);
}

//  Set ENTRY's next action: a resend DELAY after NOW, or the expiry if
//  that resend would not come before the deadline.
static void
s_schedule (ack_tracker_t *self, entry_t *entry, int64_t now, int64_t delay)
{
    int64_t resend = s_add (now, delay);
    entry->expiring = resend >= entry->deadline;
    entry->due = entry->expiring? entry->deadline: resend;
    entry->seq = ++self->seq;
}

//  The un-jittered delay after BASE: doubled, but never above the cap.
static int64_t
s_next_base (ack_tracker_t *self, int64_t base)
{
    return base > self->cap_ms / 2? self->cap_ms: base * 2;
}

//  New, empty tracker; see ack_tracker.h.
ack_tracker_t *
ack_tracker_new (int64_t initial_ms, int64_t cap_ms, uint32_t seed)
{
    if (initial_ms < 1 || cap_ms < initial_ms)
        return NULL;
    ack_tracker_t *self = (ack_tracker_t *) zmalloc (sizeof (ack_tracker_t));
    if (!self)
        return NULL;
    self->initial_ms = initial_ms;
    self->cap_ms = cap_ms;
    self->prng = seed;
    self->table = zhashx_new ();
    if (!self->table) {
        free (self);
        return NULL;
    }
    //  Keys are the entries' own uuid strings: no copies to keep in step
    zhashx_set_key_duplicator (self->table, NULL);
    zhashx_set_key_destructor (self->table, NULL);
    return self;
}

//  Destroy with every entry; idempotent.
void
ack_tracker_destroy (ack_tracker_t **self_p)
{
    assert (self_p);
    ack_tracker_t *self = *self_p;
    if (!self)
        return;
    zhashx_destroy (&self->table);
    for (size_t index = 0; index < self->heap_size; index++) {
        free (self->heap [index]->uuid);
        free (self->heap [index]);
    }
    free (self->heap);
    free (self);
    *self_p = NULL;
}

//  Track UUID (again: with a fresh backoff) until DEADLINE.
void
ack_tracker_track (ack_tracker_t *self, const char *uuid,
                   int64_t now, int64_t deadline)
{
    assert (self);
    assert (uuid);
    entry_t *entry = (entry_t *) zhashx_lookup (self->table, uuid);
    bool fresh = entry == NULL;
    if (fresh) {
        entry = (entry_t *) zmalloc (sizeof (entry_t));
        assert (entry);
        entry->uuid = strdup (uuid);
        assert (entry->uuid);
        int rc = zhashx_insert (self->table, entry->uuid, entry);
        assert (rc == 0);
    }
    entry->deadline = deadline;
    entry->attempts = 1;
    entry->base = s_next_base (self, self->initial_ms);
    s_schedule (self, entry, now, s_jitter (self, self->initial_ms));
    if (fresh)
        s_heap_push (self, entry);
    else
        s_heap_fix (self, entry->index);
}

//  Stop tracking UUID; false if it was not tracked.
bool
ack_tracker_acked (ack_tracker_t *self, const char *uuid)
{
    assert (self);
    assert (uuid);
    entry_t *entry = (entry_t *) zhashx_lookup (self->table, uuid);
    if (!entry)
        return false;
    s_remove (self, entry);
    free (entry->uuid);
    free (entry);
    return true;
}

//  When the earliest entry is due, -1 if none: the actor's poll timeout.
int64_t
ack_tracker_next_due (ack_tracker_t *self)
{
    assert (self);
    return self->heap_size? self->heap [0]->due: -1;
}

//  Take the earliest entry due at NOW: a RESEND (rescheduled) or EXPIRED.
ack_tracker_action_t
ack_tracker_due (ack_tracker_t *self, int64_t now, char **uuid_p)
{
    assert (self);
    assert (uuid_p);
    *uuid_p = NULL;
    if (self->heap_size == 0 || self->heap [0]->due > now)
        return ACK_TRACKER_IDLE;

    entry_t *entry = self->heap [0];
    //  A late caller may be past the deadline: that is an expiry too
    if (entry->expiring || now >= entry->deadline) {
        s_remove (self, entry);
        self->last_attempts = entry->attempts;
        *uuid_p = entry->uuid;      //  hand the string over
        free (entry);
        return ACK_TRACKER_EXPIRED;
    }
    //  Count from NOW, not from the due time, so a late caller does not
    //  get a burst of catch-up resends
    entry->attempts++;
    self->last_attempts = entry->attempts;
    int64_t delay = s_jitter (self, entry->base);
    entry->base = s_next_base (self, entry->base);
    s_schedule (self, entry, now, delay);
    s_heap_down (self, 0);
    *uuid_p = strdup (entry->uuid);
    assert (*uuid_p);
    return ACK_TRACKER_RESEND;
}

//  Entries tracked.
size_t
ack_tracker_size (ack_tracker_t *self)
{
    assert (self);
    return self->heap_size;
}

//  Attempts of the entry the last ack_tracker_due returned.
uint32_t
ack_tracker_attempts (ack_tracker_t *self)
{
    assert (self);
    return self->last_attempts;
}
