/*  tui_model.h: what the curses ui's screen shows, with no curses.

    The messages (in arrival order, by uuid), the recent "net" and "app"
    events, the counts for the status bar, the scroll position, and the
    resync bookkeeping, all built from bus_event_t values the ui receives
    on its SUB. tui_app.c feeds it events and tui_draw.c draws from it.

    Missed events. The bus may drop; tui_model detects it three ways:
    - a "msg" event for a uuid it never saw, in a status that cannot be
      a message's first (SENT, ACKED, FAILED): its earlier events were lost;
    - at every "sys" sync (or stats) event the model's counters must match
      ours: every event published before it has arrived by then, so a
      different pending or failed count (or message total, while neither
      side has forgotten old messages) means we lost some;
    - after a resync of ours (SYNC TOKEN: the chat-model publishes a sync
      marker with its counters, then every message's current status) the
      messages refreshed must be as many as the marker said, with the same
      pending and failed counts.
    Each reports TUI_GAP; the ui then resyncs (and tells the user).
*/
#ifndef TUI_MODEL_H_INCLUDED
#define TUI_MODEL_H_INCLUDED

#include "dtchat.h"
#include "bus_event.h"
#include "tui_layout.h"
#include "tui_logs.h"

#define TUI_MSG_MAX         100000  //  messages kept (as the chat-model)
#define TUI_LOG_MAX         500     //  "net" / "app" events kept, each

//  What tui_model_apply found (bit flags).
#define TUI_CHANGED         1       //  the screen needs a redraw
#define TUI_GAP             2       //  events were missed: resync
#define TUI_SYNC_MARK       4       //  the marker of our SYNC arrived
#define TUI_SYNC_DONE       8       //  our resync finished and checks out

typedef enum {
    TUI_PANE_NET = 0,
    TUI_PANE_APP = 1
} tui_pane_t;

typedef struct _tui_model_t tui_model_t;

//  New empty model. NULL only if out of memory.
tui_model_t *
    tui_model_new (void);
void
    tui_model_destroy (tui_model_t **self_p);

//  Take in one event from the bus; NOW is our clock (ms). Returns
//  TUI_* flags.
int
    tui_model_apply (tui_model_t *self, const bus_event_t *event,
                     int64_t now);

//  A resync starts: our SYNC carries TOKEN (copied). A later call
//  replaces it: only the newest token's marker counts. With REBUILD the
//  messages are forgotten at the marker and rebuilt, in the order the
//  chat-model re-publishes them (the first sync, /order); without, they
//  are updated in place and the unknown ones added at the end.
void
    tui_model_sync_start (tui_model_t *self, const char *token,
                          bool rebuild);

//  Give up the resync running (its marker never came).
void
    tui_model_sync_stop (tui_model_t *self);

//  True from tui_model_sync_start until TUI_SYNC_DONE or a TUI_GAP.
bool
    tui_model_syncing (tui_model_t *self);

//  Add a notice of our own (a refused command, help, "resynced") to a
//  pane, with a printf-style text.
void
    tui_model_log (tui_model_t *self, tui_pane_t pane, log_level_t level,
                   int64_t now, const char *format, ...)
    __attribute__ ((format (printf, 5, 6)));

//  /clear: hide every message known so far and empty both panes.
void
    tui_model_clear (tui_model_t *self);

//  Messages: indexes FIRST .. COUNT - 1 are shown (those before FIRST
//  were cleared). Get returns NULL for an index out of range.
size_t
    tui_model_msg_count (tui_model_t *self);
size_t
    tui_model_msg_first (tui_model_t *self);
const tui_msg_t *
    tui_model_msg_get (tui_model_t *self, size_t index);

//  The lines of PANE (borrowed).
tui_logs_t *
    tui_model_logs (tui_model_t *self, tui_pane_t pane);

//  Our outgoing messages waiting for an ack (SENDING, SENT) / FAILED.
size_t
    tui_model_pending (tui_model_t *self);
size_t
    tui_model_failed (tui_model_t *self);

//  The newest FAILED outgoing message (for "/resend"), or NULL.
const tui_msg_t *
    tui_model_last_failed (tui_model_t *self);

//  The outgoing message whose uuid starts with PREFIX (an exact uuid
//  wins), or NULL; *MATCHES gets how many matched.
const tui_msg_t *
    tui_model_find_outgoing (tui_model_t *self, const char *prefix,
                             size_t *matches);

//  Scrolling the message pane, ROWS rows of WIDTH columns. LINES > 0
//  scrolls back (up), < 0 forward; reaching the end returns to live.
//  The view never scrolls past the first message's first line.
void
    tui_model_scroll (tui_model_t *self, int lines, int width, int rows);

//  Back to live: the newest messages at the bottom, following new ones.
void
    tui_model_scroll_live (tui_model_t *self);

//  True when live (not scrolled back).
bool
    tui_model_live (tui_model_t *self);

//  The bottom of the view: the index of the message on the bottom row
//  and how many of its lines (at WIDTH) are hidden below the pane.
//  False when there is no message to show.
bool
    tui_model_view (tui_model_t *self, int width, size_t *index,
                    size_t *hidden);

//  Messages below the view (0 when live).
size_t
    tui_model_below (tui_model_t *self);

#endif
