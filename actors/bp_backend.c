/*  bp_backend.c: what the three transport-bp backends share.

    bp_native.c, bp_aap.c and bp_afbp.c (see bp_backend.h) answer each
    SEND themselves; they take its endpoint text apart here, so a
    malformed or non-bp endpoint fails the same way whichever backend
    runs.
*/
#include "bp_backend.h"

//  Parse a SEND's endpoint; see bp_backend.h.
int
bp_backend_remote (endpoint_t *remote, const char *text, char *why,
                   size_t why_size)
{
    assert (remote && why);
    if (endpoint_parse (remote, text, why, why_size) == -1)
        return -1;
    if (remote->proto != ENDPOINT_BP) {
        snprintf (why, why_size, "%.200s: not a bp endpoint", text);
        return -1;
    }
    return 0;
}
