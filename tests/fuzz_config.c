/*  fuzz_config.c: libFuzzer target for the YAML config loader.

    Feeds arbitrary bytes to config_parse. A config that loads must hold
    what the getters promise (a local endpoint, a peer with a name and an
    endpoint, rooms naming known peers); one that fails must leave a
    one-line reason that starts with the name. The sanitizers catch
    crashes, overreads and leaks. Built only with -DDTCHAT_FUZZ=ON and
    CC=clang; seed it with a few config files (tests/test_config.c has
    some).
*/
#include "dtchat.h"
#include "config.h"

//  Abort unless the loaded SELF keeps the config's promises.
static void
s_check (config_t *self)
{
    const char **locals = config_locals (self);
    if (!locals [0] || config_peer_count (self) == 0)
        abort ();
    for (size_t i = 0; i < config_peer_count (self); i++)
        if (!config_peer_name (self, i) || !config_peer_endpoint (self, i))
            abort ();
    for (size_t r = 0; r < config_room_count (self); r++) {
        const char **peers = config_room_peers (self, r);
        if (!config_room_name (self, r) || !peers [0])
            abort ();
        for (size_t i = 0; peers [i]; i++) {
            bool known = false;
            for (size_t j = 0; j < config_peer_count (self); j++)
                known = known || streq (peers [i],
                                        config_peer_name (self, j));
            if (!known)
                abort ();
        }
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

//  One input: it loads and keeps its promises, or fails with a reason.
int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char reason [256];
    memset (reason, 'x', sizeof reason);
    config_t *config = config_parse ((const char *) data, size, "fuzz",
                                     reason, sizeof reason);
    if (config) {
        s_check (config);
        config_destroy (&config);
    }
    else
    if (!memchr (reason, '\0', sizeof reason)
    ||  strncmp (reason, "fuzz:", 5) != 0 || strchr (reason, '\n'))
        abort ();
    return 0;
}
