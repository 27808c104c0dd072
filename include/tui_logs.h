/*  tui_logs.h: a bounded ring of "net" or "app" lines for the curses ui.

    tui_model keeps one per pane; when full, the oldest line goes. Lines
    are copied and cut (on a character boundary) at TUI_LOGS_TEXT_MAX
    bytes; they are cleaned of control characters only when drawn.
*/
#ifndef TUI_LOGS_H_INCLUDED
#define TUI_LOGS_H_INCLUDED

#include "dtchat.h"
#include "bus_event.h"

#define TUI_LOGS_TEXT_MAX   1024    //  bytes of a line kept

//  One line as shown.
typedef struct {
    int64_t time;           //  our clock when it arrived, ms
    log_level_t level;
    char *text;
} tui_log_t;

typedef struct _tui_logs_t tui_logs_t;

//  New empty ring of at most MAX lines (MAX >= 1). NULL if no memory.
tui_logs_t *
    tui_logs_new (size_t max);
void
    tui_logs_destroy (tui_logs_t **self_p);

//  Add a copy of TEXT (cut at TUI_LOGS_TEXT_MAX) as the newest line.
void
    tui_logs_add (tui_logs_t *self, int64_t time, log_level_t level,
                  const char *text);

//  Lines kept; line INDEX (0 = oldest), or NULL out of range.
size_t
    tui_logs_count (tui_logs_t *self);
const tui_log_t *
    tui_logs_get (tui_logs_t *self, size_t index);

//  Forget every line.
void
    tui_logs_clear (tui_logs_t *self);

#endif
