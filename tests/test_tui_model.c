/*  test_tui_model.c: the curses ui's screen model and layout, no curses.

    Pane layout at every size from the minimum up (and "too small" below
    it), message lines (status, both clocks, sender, wrapped text, FAILED
    hints) at widths from 1 column up, the message list built from bus
    events, gap detection and resync bookkeeping, the log rings, /clear,
    /resend lookups, eviction, and scrolling by lines.
*/
#include "dtchat.h"
#include "bus_event.h"
#include "tui_model.h"
#include "tui_text.h"
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <time.h>
#include <cmocka.h>

#define S_NOW       INT64_C (1700000000000)     //  2023-11-14 22:13:20 UTC

//  A "msg" event.
static bus_event_t *
s_msg (const char *uuid, msg_status_t status, bool outgoing,
       const char *sender, const char *text)
{
    bus_event_t *event = bus_event_new (BUS_EVENT_MSG, TOPIC_MSG);
    assert_non_null (event);
    event->uuid = strdup (uuid);
    event->status = status;
    event->outgoing = outgoing;
    event->sender = strdup (sender);
    event->text = strdup (text);
    event->send_time = S_NOW;
    event->receive_time = status == MSG_ACKED || status == MSG_RECEIVED?
                          S_NOW + 1000: 0;
    event->attempts = 1;
    return event;
}

//  Apply a "msg" event and return the flags.
static int
s_apply_msg (tui_model_t *model, const char *uuid, msg_status_t status,
             bool outgoing, const char *text)
{
    bus_event_t *event = s_msg (uuid, status, outgoing,
                                outgoing? "you": "peer", text);
    int flags = tui_model_apply (model, event, S_NOW + 2000);
    bus_event_destroy (&event);
    return flags;
}

//  Apply a "sys" event and return the flags.
static int
s_apply_sys (tui_model_t *model, const char *kind, const char *token,
             uint64_t pending, uint64_t failed, uint64_t total)
{
    bus_event_t *event = bus_event_new (BUS_EVENT_SYS, TOPIC_SYS);
    event->sys_kind = strdup (kind);
    event->token = strdup (token);
    event->pending = pending;
    event->failed = failed;
    event->total = total;
    int flags = tui_model_apply (model, event, S_NOW);
    bus_event_destroy (&event);
    return flags;
}

//  Line LINE of MSG at WIDTH as text (caller frees).
static char *
s_line (const tui_msg_t *msg, int width, size_t line)
{
    tui_line_t lines [1];
    tui_layout_msg (msg, width, line, lines, 1);
    return tui_line_text (&lines [0]);
}

//  Check line LINE of MSG at WIDTH.
static void
s_check_line (const tui_msg_t *msg, int width, size_t line,
              const char *expect)
{
    char *text = s_line (msg, width, line);
    assert_string_equal (text, expect);
    free (text);
}

static void
test_screen (void **state)
{
    tui_screen_t screen;
    tui_layout_screen (30, 100, true, true, &screen);
    assert_false (screen.too_small);
    assert_int_equal (screen.msg_title.top, 0);
    assert_int_equal (screen.msgs.top, 1);
    assert_int_equal (screen.net.rows, 5);
    assert_int_equal (screen.app.rows, 3);
    assert_int_equal (screen.status.top, 28);
    assert_int_equal (screen.input.top, 29);
    tui_layout_screen (10, 40, true, true, &screen);
    assert_false (screen.too_small);
    assert_int_equal (screen.msgs.rows, 3);
    assert_int_equal (screen.net.rows, 1);
    assert_int_equal (screen.app.rows, 1);
    tui_layout_screen (10, 39, true, true, &screen);
    assert_true (screen.too_small);
    tui_layout_screen (9, 40, true, true, &screen);
    assert_true (screen.too_small);
    tui_layout_screen (0, 0, true, true, &screen);
    assert_true (screen.too_small);
    tui_layout_screen (30, 100, false, false, &screen);
    assert_int_equal (screen.msgs.rows, 27);
    assert_int_equal (screen.net.rows, 0);
    assert_int_equal (screen.app.rows, 0);
    //  Every size: the boxes tile the screen from top to bottom
    for (int rows = TUI_MIN_ROWS; rows < 90; rows++)
    for (int show = 0; show < 4; show++) {
        tui_layout_screen (rows, 80, show & 1, show & 2, &screen);
        assert_false (screen.too_small);
        assert_true (screen.msgs.rows >= 3);
        int top = 0;
        tui_box_t boxes [] = { screen.msg_title, screen.msgs,
                               screen.net_title, screen.net,
                               screen.app_title, screen.app,
                               screen.status, screen.input };
        for (size_t index = 0; index < 8; index++) {
            if (boxes [index].rows == 0)
                continue;
            assert_int_equal (boxes [index].top, top);
            top += boxes [index].rows;
        }
        assert_int_equal (top, rows);
        assert_true ((screen.net.rows > 0) == (screen.net_title.rows > 0));
        if (!(show & 1))
            assert_int_equal (screen.net.rows, 0);
    }
}

static void
test_msg_lines (void **state)
{
    tui_model_t *model = tui_model_new ();
    assert_non_null (model);
    s_apply_msg (model, "aaaaaaaa-1111", MSG_ACKED, true, "hello");
    const tui_msg_t *msg = tui_model_msg_get (model, 0);
    assert_non_null (msg);
    assert_int_equal (tui_layout_msg (msg, 80, 0, NULL, 0), 1);
    s_check_line (msg, 80, 0, "ACKED    22:13:20 22:13:21 you: hello");
    //  Narrow: one time only
    s_check_line (msg, 50, 0, "ACKED    22:13:20 you: hello");
    //  Long text wraps under itself
    s_apply_msg (model, "bbbbbbbb-2222", MSG_RECEIVED, false,
                 "one two three four five six seven eight nine ten");
    msg = tui_model_msg_get (model, 1);
    assert_int_equal (tui_layout_msg (msg, 50, 0, NULL, 0), 2);
    s_check_line (msg, 50, 0,
                  "RECEIVED 22:13:20 peer: one two three four five");
    s_check_line (msg, 50, 1,
                  "                        six seven eight nine ten");
    assert_int_equal (tui_layout_msg (msg, 40, 0, NULL, 0), 4);
    s_check_line (msg, 40, 0, "RECEIVED 22:13:20 peer: one two three");
    s_check_line (msg, 40, 2, "                        seven eight nine");
    s_check_line (msg, 40, 3, "                        ten");
    //  FAILED: a line with the resend command and why
    bus_event_t *event = s_msg ("cccccccc-3333", MSG_FAILED, true, "you",
                                "lost");
    event->reason = strdup ("no ack after 60 s");
    tui_model_apply (model, event, S_NOW);
    bus_event_destroy (&event);
    msg = tui_model_msg_get (model, 2);
    assert_int_equal (tui_layout_msg (msg, 60, 0, NULL, 0), 2);
    s_check_line (msg, 60, 0, "FAILED   22:13:20 --:--:-- you: lost");
    s_check_line (msg, 60, 1, "  /resend cccccccc - no ack after 60 s");
    s_check_line (msg, 100, 1,
                  "                                /resend cccccccc - "
                  "no ack after 60 s");
    //  A long sender is cut with an ellipsis; at 40 columns the text
    //  goes below the prefix
    event = s_msg ("dddd", MSG_RECEIVED, false, "a-very-long-sender-name",
                   "hi there");
    tui_model_apply (model, event, S_NOW);
    bus_event_destroy (&event);
    msg = tui_model_msg_get (model, 3);
    s_check_line (msg, 80, 0, "RECEIVED 22:13:20 22:13:21 "
                  "a-very-long-sen" TUI_ELLIPSIS ": hi there");
    s_check_line (msg, 40, 0, "RECEIVED 22:13:20 a-very-lo" TUI_ELLIPSIS
                  ": ");
    s_check_line (msg, 40, 1, "  hi there");
    tui_model_destroy (&model);
}

static void
test_msg_lines_fit (void **state)
{
    //  Whatever the text and width, no line is wider than the pane
    //  (but for a lone wide character at widths below 2), and a window
    //  of lines is the same as those lines of the whole
    static const char *texts [] = {
        "", "x", "hello world", "\xe4\xb8\xad\xe6\x96\x87\xe5\xad\x97"
        "\xe4\xb8\xad\xe6\x96\x87", "\xf0\x9f\x98\x80 emoji \xf0\x9f\x98\x81",
        "e\xcc\x81\xcc\x81 marks", "bad \xff\xfe utf-8 \xe4\xb8",
        "line\nbreaks\r\nand\ttabs \x1b[31m escapes",
        "averyveryveryveryveryveryveryveryveryveryveryverylongword"
    };
    tui_model_t *model = tui_model_new ();
    for (size_t index = 0; index < sizeof texts / sizeof *texts; index++) {
        char uuid [16];
        snprintf (uuid, sizeof uuid, "u%zu", index);
        s_apply_msg (model, uuid, index % 2? MSG_FAILED: MSG_RECEIVED,
                     index % 2, texts [index]);
    }
    for (size_t index = 0; index < tui_model_msg_count (model); index++) {
        const tui_msg_t *msg = tui_model_msg_get (model, index);
        for (int width = 1; width <= 120; width++) {
            size_t count = tui_layout_msg (msg, width, 0, NULL, 0);
            assert_true (count >= 1);
            tui_line_t *lines = (tui_line_t *) calloc (count,
                                                       sizeof (tui_line_t));
            assert_int_equal (tui_layout_msg (msg, width, 0, lines, count),
                              count);
            for (size_t line = 0; line < count; line++) {
                char *text = tui_line_text (&lines [line]);
                assert_true (tui_utf8_valid (text, strlen (text)));
                size_t cols = tui_text_width (text, strlen (text));
                if (width >= TUI_MIN_COLS)
                    assert_true (cols <= (size_t) width);
                char *again = s_line (msg, width, line);
                assert_string_equal (text, again);
                free (again);
                free (text);
            }
            free (lines);
        }
    }
    tui_model_destroy (&model);
}

static void
test_statuses_counts (void **state)
{
    tui_model_t *model = tui_model_new ();
    assert_int_equal (s_apply_msg (model, "m1", MSG_SENDING, true, "a"),
                      TUI_CHANGED);
    assert_int_equal (tui_model_pending (model), 1);
    assert_int_equal (s_apply_msg (model, "m1", MSG_SENT, true, "a"),
                      TUI_CHANGED);
    assert_int_equal (tui_model_pending (model), 1);
    s_apply_msg (model, "m1", MSG_ACKED, true, "a");
    assert_int_equal (tui_model_pending (model), 0);
    assert_int_equal (tui_model_msg_count (model), 1);
    assert_int_equal (tui_model_msg_get (model, 0)->status, MSG_ACKED);
    s_apply_msg (model, "m2", MSG_SENDING, true, "b");
    s_apply_msg (model, "m2", MSG_FAILED, true, "b");
    assert_int_equal (tui_model_failed (model), 1);
    assert_int_equal (tui_model_pending (model), 0);
    //  /resend moves it back to SENDING
    s_apply_msg (model, "m2", MSG_SENDING, true, "b");
    assert_int_equal (tui_model_failed (model), 0);
    assert_int_equal (tui_model_pending (model), 1);
    assert_int_equal (s_apply_msg (model, "r1", MSG_RECEIVED, false, "c"),
                      TUI_CHANGED);
    assert_int_equal (tui_model_msg_count (model), 3);
    //  No uuid: ignored
    bus_event_t *event = bus_event_new (BUS_EVENT_MSG, TOPIC_MSG);
    assert_int_equal (tui_model_apply (model, event, S_NOW), 0);
    bus_event_destroy (&event);
    assert_int_equal (tui_model_msg_count (model), 3);
    //  A long text is kept up to TUI_TEXT_SHOWN, cut on a boundary
    size_t size = (TUI_TEXT_SHOWN + 3000) / 3 * 3;
    char *text = (char *) malloc (size + 1);
    for (size_t index = 0; index < size; index += 3)
        memcpy (text + index, "\xe4\xb8\xad", 3);
    text [size] = 0;
    s_apply_msg (model, "big", MSG_RECEIVED, false, text);
    const tui_msg_t *msg = tui_model_msg_get (model, 3);
    assert_true (msg->text_size <= TUI_TEXT_SHOWN);
    assert_int_equal (msg->text_size % 3, 0);
    assert_int_equal (msg->full_size, size);
    char more [64];
    snprintf (more, sizeof more, "[%zu more bytes not shown]",
              size - msg->text_size);
    assert_string_equal (msg->more, more);
    free (text);
    tui_model_destroy (&model);
}

static void
test_gaps (void **state)
{
    tui_model_t *model = tui_model_new ();
    //  A message first seen as ACKED: its earlier events were lost
    assert_int_equal (s_apply_msg (model, "m1", MSG_ACKED, true, "a"),
                      TUI_CHANGED | TUI_GAP);
    //  An incoming message may start with RECEIVED, ours with SENDING
    assert_int_equal (s_apply_msg (model, "m2", MSG_RECEIVED, false, "b"),
                      TUI_CHANGED);
    assert_int_equal (s_apply_msg (model, "m3", MSG_SENDING, true, "c"),
                      TUI_CHANGED);
    //  Checkpoints: counters that agree, then ones that do not
    assert_int_equal (s_apply_sys (model, "sync", "drain", 1, 0, 3), 0);
    assert_int_equal (s_apply_sys (model, "stats", "", 2, 0, 4), TUI_GAP);
    assert_int_equal (s_apply_sys (model, "sync", "x", 1, 0, 4), TUI_GAP);
    assert_int_equal (s_apply_sys (model, "sync", "x", 1, 1, 3), TUI_GAP);
    assert_int_equal (s_apply_sys (model, "hello", "x", 9, 9, 9), 0);
    //  While a resync runs, nothing is reported as a gap
    tui_model_sync_start (model, "tui-1", false);
    assert_true (tui_model_syncing (model));
    assert_int_equal (s_apply_msg (model, "m4", MSG_SENT, true, "d"),
                      TUI_CHANGED);
    assert_int_equal (s_apply_sys (model, "sync", "other", 9, 9, 9), 0);
    assert_true (tui_model_syncing (model));
    tui_model_destroy (&model);
}

static void
test_resync (void **state)
{
    tui_model_t *model = tui_model_new ();
    //  An empty chat: the marker alone completes the resync
    tui_model_sync_start (model, "tui-1", false);
    assert_int_equal (s_apply_sys (model, "sync", "tui-1", 0, 0, 0),
                      TUI_SYNC_MARK | TUI_SYNC_DONE | TUI_CHANGED);
    assert_false (tui_model_syncing (model));
    //  The same marker again is no longer ours: only a checkpoint
    assert_int_equal (s_apply_sys (model, "sync", "tui-1", 0, 0, 0), 0);

    //  Two messages republished after the marker
    tui_model_sync_start (model, "tui-2", false);
    assert_int_equal (s_apply_sys (model, "sync", "tui-1", 0, 0, 0), 0);
    assert_int_equal (s_apply_sys (model, "sync", "tui-2", 1, 0, 2),
                      TUI_SYNC_MARK | TUI_CHANGED);
    assert_int_equal (s_apply_msg (model, "a", MSG_SENT, true, "x"),
                      TUI_CHANGED);
    assert_true (tui_model_syncing (model));
    assert_int_equal (s_apply_msg (model, "b", MSG_RECEIVED, false, "y"),
                      TUI_CHANGED | TUI_SYNC_DONE);
    assert_false (tui_model_syncing (model));
    assert_int_equal (tui_model_msg_count (model), 2);

    //  A republish that does not add up (one message came twice, one
    //  was lost): a gap, so the ui resyncs again
    tui_model_sync_start (model, "tui-3", false);
    assert_int_equal (s_apply_sys (model, "sync", "tui-3", 1, 0, 2),
                      TUI_SYNC_MARK | TUI_CHANGED);
    s_apply_msg (model, "a", MSG_SENT, true, "x");
    assert_int_equal (s_apply_msg (model, "a", MSG_SENT, true, "x"),
                      TUI_CHANGED | TUI_GAP);
    assert_false (tui_model_syncing (model));

    //  Counters that disagree after the republish: a gap too
    tui_model_sync_start (model, "tui-4", false);
    s_apply_sys (model, "sync", "tui-4", 0, 0, 2);
    s_apply_msg (model, "a", MSG_SENT, true, "x");
    assert_int_equal (s_apply_msg (model, "b", MSG_RECEIVED, false, "y"),
                      TUI_CHANGED | TUI_GAP);

    //  A newer token replaces an older one
    tui_model_sync_start (model, "tui-5", false);
    tui_model_sync_start (model, "tui-6", false);
    assert_int_equal (s_apply_sys (model, "sync", "tui-5", 1, 0, 2), 0);
    assert_int_equal (s_apply_sys (model, "sync", "tui-6", 0, 0, 0),
                      TUI_SYNC_MARK | TUI_SYNC_DONE | TUI_CHANGED);

    //  A rebuild forgets everything at the marker and takes the order
    //  the chat-model re-publishes in; /clear is undone by it
    assert_int_equal (tui_model_msg_count (model), 2);
    tui_model_clear (model);
    tui_model_sync_start (model, "tui-7", true);
    assert_int_equal (tui_model_msg_count (model), 2);
    s_apply_sys (model, "sync", "tui-7", 1, 0, 2);
    assert_int_equal (tui_model_msg_count (model), 0);
    assert_int_equal (tui_model_pending (model), 0);
    s_apply_msg (model, "b", MSG_RECEIVED, false, "y");
    assert_int_equal (s_apply_msg (model, "a", MSG_SENT, true, "x"),
                      TUI_CHANGED | TUI_SYNC_DONE);
    assert_string_equal (tui_model_msg_get (model, 0)->uuid, "b");
    assert_string_equal (tui_model_msg_get (model, 1)->uuid, "a");
    assert_int_equal (tui_model_msg_first (model), 0);
    assert_int_equal (tui_model_pending (model), 1);

    //  A resync given up: gaps are reported again
    tui_model_sync_start (model, "tui-8", false);
    assert_int_equal (s_apply_msg (model, "c", MSG_ACKED, true, "z"),
                      TUI_CHANGED);
    tui_model_sync_stop (model);
    assert_false (tui_model_syncing (model));
    assert_int_equal (s_apply_msg (model, "d", MSG_ACKED, true, "z"),
                      TUI_CHANGED | TUI_GAP);
    tui_model_destroy (&model);
}

static void
test_logs_clear (void **state)
{
    tui_model_t *model = tui_model_new ();
    bus_event_t *event = bus_event_new (BUS_EVENT_LOG, TOPIC_NET);
    event->level = LOG_ERROR;
    event->text = strdup ("peer unreachable");
    event->endpoint = strdup ("udp 1.2.3.4:5");
    assert_int_equal (tui_model_apply (model, event, S_NOW), TUI_CHANGED);
    bus_event_destroy (&event);
    event = bus_event_new (BUS_EVENT_LOG, TOPIC_APP);
    event->text = strdup ("started");
    tui_model_apply (model, event, S_NOW);
    bus_event_destroy (&event);
    tui_logs_t *net = tui_model_logs (model, TUI_PANE_NET);
    tui_logs_t *app = tui_model_logs (model, TUI_PANE_APP);
    assert_int_equal (tui_logs_count (net), 1);
    assert_string_equal (tui_logs_get (net, 0)->text,
                         "peer unreachable (udp 1.2.3.4:5)");
    assert_int_equal (tui_logs_get (net, 0)->level, LOG_ERROR);
    assert_string_equal (tui_logs_get (app, 0)->text, "started");
    assert_null (tui_logs_get (app, 1));
    for (int index = 0; index < TUI_LOG_MAX + 100; index++)
        tui_model_log (model, TUI_PANE_APP, LOG_INFO, S_NOW, "note %d",
                       index);
    assert_int_equal (tui_logs_count (app), TUI_LOG_MAX);
    assert_string_equal (tui_logs_get (app, 0)->text, "note 100");
    assert_string_equal (tui_logs_get (app, TUI_LOG_MAX - 1)->text,
                         "note 599");
    //  /clear hides the messages known and empties the panes
    s_apply_msg (model, "m1", MSG_RECEIVED, false, "old");
    tui_model_clear (model);
    assert_int_equal (tui_logs_count (app), 0);
    assert_int_equal (tui_logs_count (net), 0);
    assert_int_equal (tui_model_msg_first (model), 1);
    size_t index, hidden;
    assert_false (tui_model_view (model, 80, &index, &hidden));
    s_apply_msg (model, "m2", MSG_RECEIVED, false, "new");
    assert_true (tui_model_view (model, 80, &index, &hidden));
    assert_int_equal (index, 1);
    //  An update of a cleared message does not bring it back
    s_apply_msg (model, "m1", MSG_RECEIVED, false, "old");
    assert_int_equal (tui_model_msg_first (model), 1);
    tui_model_destroy (&model);
}

static void
test_find (void **state)
{
    tui_model_t *model = tui_model_new ();
    assert_null (tui_model_last_failed (model));
    s_apply_msg (model, "abc-1", MSG_SENDING, true, "a");
    s_apply_msg (model, "abc-1", MSG_FAILED, true, "a");
    s_apply_msg (model, "abd-2", MSG_SENDING, true, "b");
    s_apply_msg (model, "abd-2", MSG_FAILED, true, "b");
    s_apply_msg (model, "abe-3", MSG_RECEIVED, false, "c");
    assert_string_equal (tui_model_last_failed (model)->uuid, "abd-2");
    size_t matches;
    assert_string_equal (tui_model_find_outgoing (model, "abc", &matches)
                         ->uuid, "abc-1");
    assert_int_equal (matches, 1);
    assert_null (tui_model_find_outgoing (model, "ab", &matches));
    assert_int_equal (matches, 2);
    assert_null (tui_model_find_outgoing (model, "abe", &matches));
    assert_int_equal (matches, 0);
    assert_null (tui_model_find_outgoing (model, "", &matches));
    assert_string_equal (tui_model_find_outgoing (model, "abd-2", &matches)
                         ->uuid, "abd-2");
    tui_model_destroy (&model);
}

static void
test_evict (void **state)
{
    tui_model_t *model = tui_model_new ();
    s_apply_msg (model, "pending", MSG_SENT, true, "waits");
    char uuid [32];
    for (int index = 1; index <= TUI_MSG_MAX; index++) {
        snprintf (uuid, sizeof uuid, "m%d", index);
        s_apply_msg (model, uuid, MSG_RECEIVED, false, "x");
    }
    //  Full at the last one: a tenth went, but not the pending message
    assert_int_equal (tui_model_msg_count (model),
                      TUI_MSG_MAX - TUI_MSG_MAX / 10 + 1);
    assert_string_equal (tui_model_msg_get (model, 0)->uuid, "pending");
    assert_int_equal (tui_model_pending (model), 1);
    snprintf (uuid, sizeof uuid, "m%d", TUI_MSG_MAX / 10 + 1);
    assert_string_equal (tui_model_msg_get (model, 1)->uuid, uuid);
    //  A forgotten message is news again
    assert_int_equal (s_apply_msg (model, "m1", MSG_RECEIVED, false, "x"),
                      TUI_CHANGED);
    tui_model_destroy (&model);
}

//  The bottom of the view at WIDTH, as "index/hidden" or "live".
static void
s_check_view (tui_model_t *model, size_t index, size_t hidden)
{
    size_t at, below;
    assert_true (tui_model_view (model, 80, &at, &below));
    assert_int_equal (at, index);
    assert_int_equal (below, hidden);
}

static void
test_scroll (void **state)
{
    tui_model_t *model = tui_model_new ();
    //  Scrolling an empty or short list changes nothing
    tui_model_scroll (model, 5, 80, 10);
    assert_true (tui_model_live (model));
    char uuid [32];
    for (int index = 0; index < 5; index++) {
        snprintf (uuid, sizeof uuid, "m%d", index);
        s_apply_msg (model, uuid, MSG_RECEIVED, false, "x");
    }
    tui_model_scroll (model, 3, 80, 10);
    assert_true (tui_model_live (model));
    //  50 one-line messages in 10 rows
    for (int index = 5; index < 50; index++) {
        snprintf (uuid, sizeof uuid, "m%d", index);
        s_apply_msg (model, uuid, MSG_RECEIVED, false, "x");
    }
    tui_model_scroll (model, 5, 80, 10);
    assert_false (tui_model_live (model));
    s_check_view (model, 44, 0);
    assert_int_equal (tui_model_below (model), 5);
    //  New messages do not move the view; they wait below
    s_apply_msg (model, "m50", MSG_RECEIVED, false, "x");
    s_check_view (model, 44, 0);
    assert_int_equal (tui_model_below (model), 6);
    //  Not past the first message
    tui_model_scroll (model, 1000, 80, 10);
    s_check_view (model, 9, 0);
    tui_model_scroll (model, -3, 80, 10);
    s_check_view (model, 12, 0);
    tui_model_scroll (model, -1000, 80, 10);
    assert_true (tui_model_live (model));
    assert_int_equal (tui_model_below (model), 0);
    //  A message of many lines scrolls line by line
    char text [400];
    memset (text, 'w', sizeof text - 1);
    text [sizeof text - 1] = 0;
    s_apply_msg (model, "long", MSG_RECEIVED, false, text);
    //  At 80 columns the text has 80 - 33 = 47 columns: 9 lines
    size_t height = tui_layout_msg (tui_model_msg_get (model, 51), 80, 0,
                                    NULL, 0);
    assert_int_equal (height, 9);
    tui_model_scroll (model, 3, 80, 10);
    s_check_view (model, 51, 3);
    tui_model_scroll (model, 6, 80, 10);
    s_check_view (model, 50, 0);
    tui_model_scroll (model, -1, 80, 10);
    s_check_view (model, 51, 8);
    //  At 40 columns it is taller; the view still points into it
    size_t at, below;
    assert_true (tui_model_view (model, 40, &at, &below));
    assert_int_equal (at, 51);
    assert_int_equal (below, 8);
    tui_model_scroll_live (model);
    assert_true (tui_model_live (model));
    s_check_view (model, 51, 0);
    tui_model_destroy (&model);
}

int
main (void)
{
    setlocale (LC_ALL, "C.UTF-8");
    setenv ("TZ", "UTC", 1);
    tzset ();
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_screen),
        cmocka_unit_test (test_msg_lines),
        cmocka_unit_test (test_msg_lines_fit),
        cmocka_unit_test (test_statuses_counts),
        cmocka_unit_test (test_gaps),
        cmocka_unit_test (test_resync),
        cmocka_unit_test (test_logs_clear),
        cmocka_unit_test (test_find),
        cmocka_unit_test (test_evict),
        cmocka_unit_test (test_scroll),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
