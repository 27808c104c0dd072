/*  pb_arena.h: a protobuf-c allocator over a buffer on the stack.

    Decoding a protobuf message with protobuf-c mallocs the message and
    each of its strings, all freed again once the codec has copied out
    what it keeps. On the message path (every datagram, every bus event)
    that was a handful of mallocs and frees per decode. A pb_arena_t on
    the decoder's stack serves those blocks instead; what does not fit
    goes to malloc, and free_unpacked with the same allocator frees only
    that. Used by chat_msg.c and bus_event.c.
*/
#ifndef PB_ARENA_H_INCLUDED
#define PB_ARENA_H_INCLUDED

#include "dtchat.h"

#include <stdalign.h>
#include <stddef.h>
#include <protobuf-c/protobuf-c.h>

//  Bytes of one arena: a typical message (a 64-byte text is 178 bytes on
//  the wire, an event ~170) unpacks into ~300.
#define PB_ARENA_SIZE   2048

typedef struct {
    alignas (max_align_t) byte bytes [PB_ARENA_SIZE];
    size_t used;
    ProtobufCAllocator allocator;   //  pass &arena.allocator to unpack
} pb_arena_t;

//  Empty ARENA and point its allocator at it. The arena must outlive
//  every block unpacked with it (free_unpacked before it goes).
void
    pb_arena_init (pb_arena_t *arena);

#endif
