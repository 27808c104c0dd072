/*  bus_event_print.c: the printed forms of a bus event.

    The ui's line mode (--json), dtchat-tap and the tests print events
    with bus_event_json (one JSON object, the shape scripts rely on) and
    bus_event_text (one line for a human). Event strings come from peers,
    so both forms escape them: JSON escapes control characters and turns
    invalid UTF-8 into U+FFFD; the text line replaces them so a message can
    never break a line or drive the terminal. What counts as UTF-8 is
    the wire codec's rule (chat_msg_utf8_len).
*/
#include "bus_event.h"
#include "chat_msg.h"

//  Write S to FILE as a JSON string literal.
static void
s_put_quoted (FILE *file, const char *s)
{
    fputc ('"', file);
    const byte *p = (const byte *) (s? s: "");
    size_t left = strlen ((const char *) p);
    while (left) {
        size_t len = chat_msg_utf8_len (p, left);
        if (len == 0) {
            fputs ("\\ufffd", file);
            len = 1;
        }
        else
        if (*p == '"' || *p == '\\')
            fprintf (file, "\\%c", *p);
        else
        if (*p < 0x20)
            fprintf (file, "\\u%04x", *p);
        else
            fwrite (p, 1, len, file);
        p += len;
        left -= len;
    }
    fputc ('"', file);
}

//  Write S to FILE for a terminal: blanks for control characters, '?'
//  for invalid UTF-8.
static void
s_put_plain (FILE *file, const char *s)
{
    const byte *p = (const byte *) (s? s: "");
    size_t left = strlen ((const char *) p);
    while (left) {
        size_t len = chat_msg_utf8_len (p, left);
        if (len == 0) {
            fputc ('?', file);
            len = 1;
        }
        else
        if (*p < 0x20 || *p == 0x7F)
            fputc (' ', file);
        else
            fwrite (p, 1, len, file);
        p += len;
        left -= len;
    }
}

//  Close the memory stream and return its buffer, or NULL if it failed.
//  The stream only stores the buffer's address in *BUF_P when it closes.
static char *
s_finish (FILE *file, char **buf_p)
{
    bool failed = ferror (file) != 0;
    if (fclose (file) != 0)
        failed = true;
    if (failed) {
        free (*buf_p);
        *buf_p = NULL;
    }
    return *buf_p;
}

//  S as a JSON string literal, caller frees.
char *
json_quote (const char *s)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *file = open_memstream (&buf, &size);
    if (!file)
        return NULL;
    s_put_quoted (file, s);
    return s_finish (file, &buf);
}

//  Name of a log level, as JSON and the text line print it.
static const char *
s_level_name (log_level_t level)
{
    return level == LOG_ERROR? "error": level == LOG_WARN? "warn": "info";
}

//  Write "KEY":<quoted VALUE> with a leading comma.
static void
s_put_field (FILE *file, const char *key, const char *value)
{
    fprintf (file, ",\"%s\":", key);
    s_put_quoted (file, value);
}

//  Write "KEY":N or "KEY":null (for 0) with a leading comma.
static void
s_put_time_field (FILE *file, const char *key, int64_t ms)
{
    if (ms)
        fprintf (file, ",\"%s\":%" PRId64, key, ms);
    else
        fprintf (file, ",\"%s\":null", key);
}

//  One JSON object for SELF, no newline; caller frees.
char *
bus_event_json (const bus_event_t *self, bool with_topic)
{
    assert (self);
    char *buf = NULL;
    size_t size = 0;
    FILE *file = open_memstream (&buf, &size);
    if (!file)
        return NULL;
    fputc ('{', file);
    if (with_topic) {
        fputs ("\"topic\":", file);
        s_put_quoted (file, self->topic);
        fputc (',', file);
    }
    fputs ("\"event\":", file);
    s_put_quoted (file, self->topic);
    if (self->kind == BUS_EVENT_MSG) {
        s_put_field (file, "status", msg_status_name (self->status));
        s_put_field (file, "uuid", self->uuid);
        s_put_field (file, "sender", self->sender);
        s_put_field (file, "room", self->room);
        s_put_field (file, "text", self->text);
        s_put_time_field (file, "send_time", self->send_time);
        s_put_time_field (file, "receive_time", self->receive_time);
        s_put_field (file, "peer", self->peer);
        fprintf (file, ",\"outgoing\":%s,\"attempts\":%" PRIu32,
                 self->outgoing? "true": "false", self->attempts);
        if (self->reason && *self->reason)
            s_put_field (file, "reason", self->reason);
    }
    else
    if (self->kind == BUS_EVENT_LOG) {
        s_put_field (file, "level", s_level_name (self->level));
        s_put_field (file, "text", self->text);
        if (self->endpoint && *self->endpoint)
            s_put_field (file, "endpoint", self->endpoint);
    }
    else {
        s_put_field (file, "kind", self->sys_kind);
        s_put_field (file, "token", self->token);
        fprintf (file, ",\"pending\":%" PRIu64 ",\"failed\":%" PRIu64
                 ",\"total\":%" PRIu64, self->pending, self->failed,
                 self->total);
    }
    fputc ('}', file);
    return s_finish (file, &buf);
}

//  Write MS (since the epoch) as local HH:MM:SS.mmm.
static void
s_put_time (FILE *file, int64_t ms)
{
    struct tm tm;
    time_t secs = (time_t) (ms / 1000);
    if (ms <= 0 || !localtime_r (&secs, &tm)) {
        fputs ("--:--:--.---", file);
        return;
    }
    fprintf (file, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec,
             (int) (ms % 1000));
}

//  Write the text line of a message event.
static void
s_put_msg_text (FILE *file, const bus_event_t *self)
{
    fprintf (file, "[%-8s] ", msg_status_name (self->status));
    s_put_time (file, self->send_time);
    fputc (' ', file);
    s_put_plain (file, self->sender);
    fputs (": ", file);
    s_put_plain (file, self->text);
    if (self->status == MSG_ACKED) {
        fputs ("  (ack ", file);
        s_put_time (file, self->receive_time);
        fputs (" local clock)", file);
    }
    else
    if (self->status == MSG_RECEIVED) {
        fputs ("  (received ", file);
        s_put_time (file, self->receive_time);
        fputs (" local clock)", file);
    }
    else
    if (self->status == MSG_FAILED) {
        fputs ("  (failed: ", file);
        s_put_plain (file, self->reason && *self->reason?
                           self->reason: "no reason given");
        fputc (')', file);
    }
}

//  One human-readable line for SELF, no newline; caller frees.
char *
bus_event_text (const bus_event_t *self)
{
    assert (self);
    char *buf = NULL;
    size_t size = 0;
    FILE *file = open_memstream (&buf, &size);
    if (!file)
        return NULL;
    if (self->kind == BUS_EVENT_MSG)
        s_put_msg_text (file, self);
    else
    if (self->kind == BUS_EVENT_LOG) {
        fputc ('[', file);
        s_put_plain (file, self->topic);
        fprintf (file, "] %s: ", s_level_name (self->level));
        s_put_plain (file, self->text);
        if (self->endpoint && *self->endpoint) {
            fputs (" (", file);
            s_put_plain (file, self->endpoint);
            fputc (')', file);
        }
    }
    else {
        fputs ("[sys] ", file);
        s_put_plain (file, self->sys_kind);
        fputs (" token=", file);
        s_put_plain (file, self->token);
        fprintf (file, " pending=%" PRIu64 " failed=%" PRIu64
                 " total=%" PRIu64, self->pending, self->failed,
                 self->total);
    }
    return s_finish (file, &buf);
}
