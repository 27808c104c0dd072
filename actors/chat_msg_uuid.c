/*  chat_msg_uuid.c: fresh random uuids (v4) for chat messages.

    Part of the chat_msg class (see chat_msg.h): the chat-model names
    every message it sends, texts and acks alike, with one of these, so
    an acked message costs two. The random bytes come from a per-thread
    pool that one getrandom () fills for 32 uuids: libuuid's
    uuid_generate_random makes five system calls per uuid (it reseeds
    random () from pid, uid and the time each time), and even one
    getrandom per uuid was two system calls per acked message. libuuid
    remains the fallback when getrandom fails.
*/
#include "chat_msg.h"
#include <uuid/uuid.h>
#include <sys/random.h>
#include <pthread.h>

//  Random bytes one getrandom () fetches: 32 uuids. Up to 256 bytes
//  never come back short; more can, when a signal lands, and
//  s_random_16 copes with that.
#define S_POOL_SIZE 512

//  Each thread's random bytes for uuids. Thread-local: actors are
//  threads, and one shared pool would need a lock.
typedef struct {
    byte bytes [S_POOL_SIZE];
    size_t next;                //  first unused byte
    size_t end;                 //  bytes the last refill got
} s_pool_t;

static _Thread_local s_pool_t s_pool;

//  In a forked child: forget the pool, or parent and child would hand out
//  the same uuids. Only the forking thread lives on in the child, and
//  this handler runs in it, so its pool is the only one left.
static void
s_pool_forget (void)
{
    s_pool.next = s_pool.end = 0;
}

//  Register s_pool_forget once, when the program loads. dtchat itself
//  never forks without exec (bench_mem.c uses posix_spawn), but tests
//  and future code may: this costs nothing per uuid, unlike a getpid ().
__attribute__ ((constructor)) static void
s_pool_register (void)
{
    pthread_atfork (NULL, NULL, s_pool_forget);
}

//  Fill OUT with 16 random bytes from this thread's pool, refilling it
//  with one getrandom () when empty. Returns 0, or -1 if getrandom fails.
static int
s_random_16 (byte *out)
{
    s_pool_t *pool = &s_pool;
    if (pool->end - pool->next < 16) {
        ssize_t got = getrandom (pool->bytes, sizeof pool->bytes, 0);
        pool->next = 0;
        pool->end = got > 0? (size_t) got: 0;
        if (pool->end < 16) {
            pool->end = 0;
            return -1;
        }
    }
    memcpy (out, pool->bytes + pool->next, 16);
    pool->next += 16;
    return 0;
}

//  Fill BUF (37 bytes) with a new random uuid v4, lowercase.
void
chat_msg_uuid_new (char *buf)
{
    assert (buf);
    uuid_t uuid;
    if (s_random_16 (uuid) == 0) {
        uuid [6] = (uuid [6] & 0x0f) | 0x40;    //  version 4: random
        uuid [8] = (uuid [8] & 0x3f) | 0x80;    //  variant 1 (RFC 4122)
    }
    else
        uuid_generate_random (uuid);
    uuid_unparse_lower (uuid, buf);
}
