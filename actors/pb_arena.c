/*  pb_arena.c: a protobuf-c allocator over a buffer on the stack; see
    pb_arena.h.
*/
#include "pb_arena.h"

//  protobuf-c's alloc: the next aligned block of the arena, else malloc.
static void *
s_alloc (void *data, size_t size)
{
    pb_arena_t *arena = (pb_arena_t *) data;
    size_t align = alignof (max_align_t);
    size_t rounded = size? (size + align - 1) & ~(align - 1): align;
    if (rounded >= size && rounded <= PB_ARENA_SIZE - arena->used) {
        void *block = arena->bytes + arena->used;
        arena->used += rounded;
        return block;
    }
    return malloc (size);
}

//  protobuf-c's free: nothing for a block of the arena (it goes away with
//  the caller's frame), free () for what came from malloc.
static void
s_free (void *data, void *pointer)
{
    pb_arena_t *arena = (pb_arena_t *) data;
    uintptr_t at = (uintptr_t) pointer;
    uintptr_t start = (uintptr_t) arena->bytes;
    if (at < start || at >= start + PB_ARENA_SIZE)
        free (pointer);
}

//  Empty the arena and point its allocator at it.
void
pb_arena_init (pb_arena_t *arena)
{
    assert (arena);
    arena->used = 0;
    arena->allocator = (ProtobufCAllocator) {
        .alloc = s_alloc, .free = s_free, .allocator_data = arena
    };
}
