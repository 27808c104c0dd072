/*  bp_aap.c: transport-bp through a uD3TN agent over AAPv1 (in work).
*/
#include "bp_backend.h"

//  Start the AAP backend (see bp_backend.h).
int
bp_aap_start (bp_backend_t *backend, const bp_config_t *config,
              char *bound, size_t bound_size,
              char *reason, size_t reason_size)
{
    snprintf (reason, reason_size, "bp: AAP agents are not supported yet");
    return -1;
}
