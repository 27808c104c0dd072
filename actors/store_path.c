/*  store_path.c: where a peer's store lives when --db does not say.

    dtchat's main asks store_default_path for the file of a peer with
    given local endpoints: $XDG_STATE_HOME/dtchat/ (an absolute
    XDG_STATE_HOME only, as the XDG spec says; else ~/.local/state/dtchat/)
    and a name built from the local endpoints in canonical form, sorted
    (so their order on the command line does not matter), sanitised to a
    safe file name, and a hash of the canonical text (so two sets of
    endpoints that sanitise alike still get different files). The same
    command line finds the same store after a restart; two instances with
    different local endpoints never share one (and two with the same ones
    are kept apart by the store's lock).
*/
#include "store.h"
#include "endpoint.h"
#include <sys/stat.h>

#define S_NAME_MAX      96      //  sanitised part of the file name
#define S_LOCALS_MAX    16      //  more local endpoints than protocols
#define S_TEXT_MAX      (2 * DTCHAT_ENDPOINT_MAX + 16)

//  Write a one-line reason, if the caller gave room.
static void
s_reason (char *reason, size_t size, const char *format, ...)
{
    if (!reason || size == 0)
        return;
    va_list args;
    va_start (args, format);
    vsnprintf (reason, size, format, args);
    va_end (args);
}

//  Order two endpoint texts for qsort.
static int
s_compare (const void *a, const void *b)
{
    return strcmp (*(const char * const *) a, *(const char * const *) b);
}

//  64-bit FNV-1a of TEXT: small, stable across builds and machines.
static uint64_t
s_hash (const char *text)
{
    uint64_t hash = 0xcbf29ce484222325ULL;
    for (; *text; text++) {
        hash ^= (unsigned char) *text;
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

//  mkdir -p PATH with mode 0700 for what we create. 0 or -1 (errno).
static int
s_make_dirs (char *path)
{
    for (char *slash = strchr (path + 1, '/'); ; slash = strchr (slash + 1,
                                                                '/')) {
        if (slash)
            *slash = 0;
        int rc = mkdir (path, 0700);
        int error = errno;
        if (slash)
            *slash = '/';
        if (rc == -1 && error != EEXIST) {
            errno = error;
            return -1;
        }
        if (!slash)
            break;
    }
    struct stat info;
    if (stat (path, &info) == -1)
        return -1;
    if (!S_ISDIR (info.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

//  The directory the stores live in, created. NULL with a reason.
static char *
s_directory (char *reason, size_t size)
{
    const char *state = getenv ("XDG_STATE_HOME");
    const char *home = getenv ("HOME");
    char *dir = NULL;
    if (state && state [0] == '/')
        dir = zsys_sprintf ("%s/dtchat", state);
    else
    if (home && home [0] == '/')
        dir = zsys_sprintf ("%s/.local/state/dtchat", home);
    else {
        s_reason (reason, size, "no store directory: neither "
                  "XDG_STATE_HOME nor HOME is an absolute path "
                  "(give --db PATH)");
        return NULL;
    }
    if (!dir) {
        s_reason (reason, size, "out of memory");
        return NULL;
    }
    if (s_make_dirs (dir)) {
        s_reason (reason, size, "cannot create the store directory %s: %s",
                  dir, strerror (errno));
        zstr_free (&dir);
    }
    return dir;
}

//  The default store path for LOCALS: see store.h.
char *
store_default_path (const char **locals, char *reason, size_t reason_size)
{
    char texts [S_LOCALS_MAX][S_TEXT_MAX];
    const char *sorted [S_LOCALS_MAX];
    size_t count = 0;
    for (; locals && locals [count]; count++) {
        if (count == S_LOCALS_MAX) {
            s_reason (reason, reason_size, "more than %d local endpoints",
                      S_LOCALS_MAX);
            return NULL;
        }
        endpoint_t endpoint;
        if (endpoint_parse (&endpoint, locals [count], NULL, 0) == 0)
            endpoint_format (&endpoint, texts [count], S_TEXT_MAX);
        else
            snprintf (texts [count], S_TEXT_MAX, "%s", locals [count]);
        sorted [count] = texts [count];
    }
    if (count == 0) {
        s_reason (reason, reason_size, "no local endpoint to name a store");
        return NULL;
    }
    qsort (sorted, count, sizeof sorted [0], s_compare);
    char joined [S_LOCALS_MAX * (S_TEXT_MAX + 1)] = "";
    size_t used = 0;
    for (size_t index = 0; index < count; index++)
        used += (size_t) snprintf (joined + used, sizeof joined - used,
                                   "%s%s", index? "+": "", sorted [index]);
    //  Letters, digits, '.', '-' stay; any other run becomes one '_'
    char name [S_NAME_MAX + 1];
    size_t length = 0;
    for (const char *p = joined; *p && length < S_NAME_MAX; p++) {
        bool keep = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
                 || (*p >= '0' && *p <= '9') || *p == '.' || *p == '-';
        if (keep)
            name [length++] = *p;
        else
        if (length > 0 && name [length - 1] != '_')
            name [length++] = '_';
    }
    while (length > 0 && name [length - 1] == '_')
        length--;
    name [length] = 0;
    char *dir = s_directory (reason, reason_size);
    if (!dir)
        return NULL;
    char *path = zsys_sprintf ("%s/%s-%012" PRIx64 ".db", dir,
                               length? name: "peer",
                               s_hash (joined) & 0xffffffffffffULL);
    zstr_free (&dir);
    if (!path)
        s_reason (reason, reason_size, "out of memory");
    return path;
}
