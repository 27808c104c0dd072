/*  tui_logs.c: a bounded ring of pane lines (see include/tui_logs.h).

    tui_model owns two, for the "net" and "app" panes of the curses ui.
*/
#include "tui_logs.h"
#include "tui_text.h"

struct _tui_logs_t {
    tui_log_t *lines;
    size_t max;
    size_t start;               //  the oldest line's slot
    size_t count;
};

//  New empty ring.
tui_logs_t *
tui_logs_new (size_t max)
{
    assert (max > 0);
    tui_logs_t *self = (tui_logs_t *) calloc (1, sizeof (tui_logs_t));
    if (!self)
        return NULL;
    self->lines = (tui_log_t *) calloc (max, sizeof (tui_log_t));
    if (!self->lines) {
        free (self);
        return NULL;
    }
    self->max = max;
    return self;
}

//  Destroy the ring; idempotent.
void
tui_logs_destroy (tui_logs_t **self_p)
{
    tui_logs_t *self = *self_p;
    if (!self)
        return;
    tui_logs_clear (self);
    free (self->lines);
    free (self);
    *self_p = NULL;
}

//  Add the newest line; the oldest goes when full.
void
tui_logs_add (tui_logs_t *self, int64_t time, log_level_t level,
              const char *text)
{
    size_t size = tui_utf8_cut (text, strlen (text), TUI_LOGS_TEXT_MAX);
    char *copy = strndup (text, size);
    if (!copy)
        return;
    size_t slot;
    if (self->count == self->max) {
        slot = self->start;
        self->start = (slot + 1) % self->max;
        free (self->lines [slot].text);
    }
    else
        slot = (self->start + self->count++) % self->max;
    self->lines [slot] = (tui_log_t) { time, level, copy };
}

//  Lines kept.
size_t
tui_logs_count (tui_logs_t *self)
{
    return self->count;
}

//  One line, 0 = oldest.
const tui_log_t *
tui_logs_get (tui_logs_t *self, size_t index)
{
    if (index >= self->count)
        return NULL;
    return &self->lines [(self->start + index) % self->max];
}

//  Forget every line.
void
tui_logs_clear (tui_logs_t *self)
{
    for (size_t index = 0; index < self->count; index++)
        free (self->lines [(self->start + index) % self->max].text);
    self->start = self->count = 0;
}
