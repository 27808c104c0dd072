/*  config_reader.h: a strict, bounded pull reader over libyaml events.

    Used by config.c (and only there) to read a config file as a fixed
    grammar: it steps through libyaml's parser events one at a time,
    refuses aliases and nesting deeper than a config needs, and keeps the
    first error as one line "NAME:LINE: what" in the caller's buffer.
    Every reading method returns -1 (or NULL) once anything failed, so a
    grammar can just return on error.
*/
#ifndef CONFIG_READER_H_INCLUDED
#define CONFIG_READER_H_INCLUDED

#include "dtchat.h"
#include <yaml.h>

//  Deepest nesting of lists and mappings a reader accepts.
#define CONFIG_READER_DEPTH_MAX     8
//  Longest string value, bytes.
#define CONFIG_READER_STRING_MAX    256

typedef struct _config_reader_t config_reader_t;

//  Read TEXT (SIZE bytes, UTF-8, not copied: keep it alive); NAME prefixes
//  reasons, written to REASON (may be NULL). NULL if out of memory.
config_reader_t *
    config_reader_new (const char *text, size_t size, const char *name,
                       char *reason, size_t reason_size);

void
    config_reader_destroy (config_reader_t **self_p);

//  Record an error at LINE unless one is recorded already; returns -1.
int
    config_reader_fail (config_reader_t *self, size_t line,
                        const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

//  Step to the next event. Returns 0, or -1 on a YAML error, an alias or
//  too deep a nesting.
int
    config_reader_next (config_reader_t *self);

//  The current event's type, line (1-based) and a word for it ("a list").
yaml_event_type_t
    config_reader_type (config_reader_t *self);
size_t
    config_reader_line (config_reader_t *self);
const char *
    config_reader_kind (config_reader_t *self);

//  True if the current event is a null scalar ("", "~", "null").
bool
    config_reader_null (config_reader_t *self);

//  The current event as a new string: a scalar, not null or empty, with
//  no NUL byte, at most CONFIG_READER_STRING_MAX bytes. WHAT names it in
//  reasons. NULL on error.
char *
    config_reader_string (config_reader_t *self, const char *what);

//  Step, then read a positive decimal integer of at most MAX (UNIT is for
//  reasons: "seconds"). Returns 0 or -1.
int
    config_reader_integer (config_reader_t *self, const char *what,
                           int64_t max, const char *unit, int64_t *value_p);

//  Step, and expect the start of a list. Returns 0 or -1.
int
    config_reader_list (config_reader_t *self, const char *what);

//  Step inside a mapping: 1 with the key in *KEY_P (borrowed until the
//  next step), 0 at the mapping's end, -1 on error (a key that is not a
//  scalar).
int
    config_reader_key (config_reader_t *self, const char **key_p);

//  Index of KEY in the NULL-terminated KEYS (at most 32), marking it in
//  *SEEN; -1 for an unknown or repeated key. WHERE ends reasons
//  (" in a peer").
int
    config_reader_key_index (config_reader_t *self, const char *key,
                             const char **keys, unsigned *seen,
                             const char *where);

#endif
