/*  config_reader.c: a strict, bounded pull reader over libyaml events.

    config.c drives it with its grammar of keys. It uses libyaml's event
    parser, never the document loader, so nothing is built from the file
    beyond the one current event: an alias (the "billion laughs" trick),
    a nesting deeper than CONFIG_READER_DEPTH_MAX, a key that is not a
    scalar or a string past CONFIG_READER_STRING_MAX stops the read with
    a one-line reason that names the file and line.
*/
#include "config_reader.h"

struct _config_reader_t {
    yaml_parser_t parser;
    yaml_event_t event;
    bool have_event;
    int depth;
    const char *name;
    char *reason;
    size_t reason_size;
    bool failed;
};

//  Start reading TEXT; see config_reader.h.
config_reader_t *
config_reader_new (const char *text, size_t size, const char *name,
                   char *reason, size_t reason_size)
{
    config_reader_t *self = (config_reader_t *) calloc (1, sizeof *self);
    if (!self)
        return NULL;
    if (!yaml_parser_initialize (&self->parser)) {
        free (self);
        return NULL;
    }
    yaml_parser_set_input_string (&self->parser, (const unsigned char *) text,
                                  size);
    //  no UTF-16 guessing from a BOM: a config file is UTF-8
    yaml_parser_set_encoding (&self->parser, YAML_UTF8_ENCODING);
    self->name = name? name: "config";
    self->reason = reason;
    self->reason_size = reason? reason_size: 0;
    return self;
}

//  Free the parser; idempotent.
void
config_reader_destroy (config_reader_t **self_p)
{
    assert (self_p);
    config_reader_t *self = *self_p;
    if (!self)
        return;
    if (self->have_event)
        yaml_event_delete (&self->event);
    yaml_parser_delete (&self->parser);
    free (self);
    *self_p = NULL;
}

//  The first error wins: later ones are consequences of it.
int
config_reader_fail (config_reader_t *self, size_t line,
                    const char *format, ...)
{
    if (self->failed)
        return -1;
    self->failed = true;
    if (self->reason_size == 0)
        return -1;
    char what [512];
    va_list args;
    va_start (args, format);
    vsnprintf (what, sizeof what, format, args);
    va_end (args);
    snprintf (self->reason, self->reason_size, "%s:%zu: %s", self->name,
              line, what);
    //  keys and values come from the file: keep the reason one line
    for (char *c = self->reason; *c; c++)
        if ((unsigned char) *c < 0x20 || *c == 0x7F)
            *c = '?';
    return -1;
}

//  Step; refuse aliases and nesting beyond what a config needs.
int
config_reader_next (config_reader_t *self)
{
    if (self->failed)
        return -1;
    if (self->have_event)
        yaml_event_delete (&self->event);
    self->have_event = false;
    if (!yaml_parser_parse (&self->parser, &self->event)) {
        yaml_parser_t *parser = &self->parser;
        return config_reader_fail (self, parser->problem_mark.line + 1,
                                   "bad YAML: %s%s%s",
                                   parser->problem? parser->problem: "error",
                                   parser->context? " ": "",
                                   parser->context? parser->context: "");
    }
    self->have_event = true;
    yaml_event_type_t type = self->event.type;
    size_t line = config_reader_line (self);
    if (type == YAML_ALIAS_EVENT)
        return config_reader_fail (self, line, "aliases are not allowed");
    if (type == YAML_SEQUENCE_START_EVENT || type == YAML_MAPPING_START_EVENT)
        if (++self->depth > CONFIG_READER_DEPTH_MAX)
            return config_reader_fail (self, line, "nested too deep");
    if (type == YAML_SEQUENCE_END_EVENT || type == YAML_MAPPING_END_EVENT)
        self->depth--;
    return 0;
}

//  Type of the current event (YAML_NO_EVENT before the first step).
yaml_event_type_t
config_reader_type (config_reader_t *self)
{
    return self->have_event? self->event.type: YAML_NO_EVENT;
}

//  Line of the current event, 1-based.
size_t
config_reader_line (config_reader_t *self)
{
    return self->have_event? self->event.start_mark.line + 1: 1;
}

//  A word for the current event, for "a list where a scalar belongs".
const char *
config_reader_kind (config_reader_t *self)
{
    switch (config_reader_type (self)) {
        case YAML_SCALAR_EVENT:         return "a scalar";
        case YAML_SEQUENCE_START_EVENT: return "a list";
        case YAML_MAPPING_START_EVENT:  return "a mapping";
        default:                        return "nothing";
    }
}

//  YAML's null: an empty scalar, or a plain null word.
bool
config_reader_null (config_reader_t *self)
{
    if (config_reader_type (self) != YAML_SCALAR_EVENT)
        return false;
    const char *value = (const char *) self->event.data.scalar.value;
    if (self->event.data.scalar.length == 0)
        return true;
    return self->event.data.scalar.style == YAML_PLAIN_SCALAR_STYLE
        && (streq (value, "~") || streq (value, "null")
            || streq (value, "Null") || streq (value, "NULL"));
}

//  The current scalar as a new, checked string; see config_reader.h.
char *
config_reader_string (config_reader_t *self, const char *what)
{
    size_t line = config_reader_line (self);
    if (self->failed)
        return NULL;
    if (config_reader_type (self) != YAML_SCALAR_EVENT) {
        config_reader_fail (self, line, "'%s' must be a scalar, not %s",
                            what, config_reader_kind (self));
        return NULL;
    }
    const char *value = (const char *) self->event.data.scalar.value;
    size_t length = self->event.data.scalar.length;
    if (config_reader_null (self))
        config_reader_fail (self, line, "'%s' has no value", what);
    else
    if (length > CONFIG_READER_STRING_MAX)
        config_reader_fail (self, line, "'%s' is too long (%zu bytes, at "
                            "most %d)", what, length,
                            CONFIG_READER_STRING_MAX);
    else
    if (memchr (value, '\0', length))
        config_reader_fail (self, line, "'%s' contains a NUL byte", what);
    else {
        char *copy = strdup (value);
        if (!copy)
            config_reader_fail (self, line, "out of memory");
        return copy;
    }
    return NULL;
}

//  Step and read a bounded positive integer; see config_reader.h.
int
config_reader_integer (config_reader_t *self, const char *what, int64_t max,
                       const char *unit, int64_t *value_p)
{
    if (config_reader_next (self))
        return -1;
    size_t line = config_reader_line (self);
    if (config_reader_type (self) != YAML_SCALAR_EVENT)
        return config_reader_fail (self, line, "'%s' must be a scalar, not "
                                   "%s", what, config_reader_kind (self));
    const char *text = (const char *) self->event.data.scalar.value;
    size_t length = self->event.data.scalar.length;
    //  no sign, no leading zero (YAML 1.1 reads "010" as octal), no 1e3
    bool digits = length > 0 && text [0] != '0';
    for (size_t i = 0; digits && i < length; i++)
        digits = text [i] >= '0' && text [i] <= '9';
    if (!digits)
        return config_reader_fail (self, line, "'%s' must be a positive "
                                   "integer of %s, not '%.40s'", what, unit,
                                   text);
    int64_t value = 0;
    for (size_t i = 0; i < length; i++) {
        int digit = text [i] - '0';
        if (value > (max - digit) / 10)
            return config_reader_fail (self, line, "'%s' is too large (at "
                                       "most %lld %s)", what,
                                       (long long) max, unit);
        value = value * 10 + digit;
    }
    *value_p = value;
    return 0;
}

//  Step and expect the start of a list.
int
config_reader_list (config_reader_t *self, const char *what)
{
    if (config_reader_next (self))
        return -1;
    if (config_reader_type (self) != YAML_SEQUENCE_START_EVENT)
        return config_reader_fail (self, config_reader_line (self),
                                   "'%s' must be a list, not %s", what,
                                   config_reader_kind (self));
    return 0;
}

//  Step to the next key of a mapping; see config_reader.h.
int
config_reader_key (config_reader_t *self, const char **key_p)
{
    if (config_reader_next (self))
        return -1;
    yaml_event_type_t type = config_reader_type (self);
    if (type == YAML_MAPPING_END_EVENT)
        return 0;
    if (type != YAML_SCALAR_EVENT)
        return config_reader_fail (self, config_reader_line (self),
                                   "a key must be a scalar, not %s",
                                   config_reader_kind (self));
    *key_p = (const char *) self->event.data.scalar.value;
    return 1;
}

//  Which of KEYS this key is, once only; see config_reader.h.
int
config_reader_key_index (config_reader_t *self, const char *key,
                         const char **keys, unsigned *seen,
                         const char *where)
{
    size_t line = config_reader_line (self);
    for (int index = 0; keys [index]; index++) {
        assert (index < 32);
        if (streq (key, keys [index])) {
            if (*seen & (1u << index))
                return config_reader_fail (self, line, "duplicate key "
                                           "'%s'%s", key, where);
            *seen |= 1u << index;
            return index;
        }
    }
    return config_reader_fail (self, line, "unknown key '%.64s'%s", key,
                               where);
}
