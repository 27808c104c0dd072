/*  test_tui_input.c: the input line editor without a terminal.

    Key actions on UTF-8 lines (CJK, emoji, combining marks), the
    readline/irssi control keys, kill and yank, history with a draft, the
    length limit, and the horizontal view that keeps the cursor visible.
*/
#include "dtchat.h"
#include "tui_input.h"
#include "tui_text.h"
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

//  Type TEXT (UTF-8) into INPUT, character by character.
static void
s_type (tui_input_t *input, const char *text)
{
    size_t size = strlen (text), pos = 0;
    while (pos < size) {
        uint32_t cp;
        pos += tui_utf8_decode (text + pos, size - pos, &cp, NULL);
        assert_int_equal (tui_input_key (input, TUI_KEY_CHAR, cp),
                          TUI_INPUT_CHANGED);
    }
}

//  Apply KEY COUNT times.
static void
s_keys (tui_input_t *input, tui_key_t key, int count)
{
    while (count-- > 0)
        tui_input_key (input, key, 0);
}

//  Take the line and check it.
static void
s_take (tui_input_t *input, const char *expect)
{
    char *line = tui_input_take (input);
    assert_non_null (line);
    assert_string_equal (line, expect);
    free (line);
    assert_string_equal (tui_input_text (input), "");
}

static void
test_insert_move (void **state)
{
    tui_input_t *input = tui_input_new ();
    assert_non_null (input);
    s_type (input, "h\xc3\xa9llo");
    assert_string_equal (tui_input_text (input), "h\xc3\xa9llo");
    assert_int_equal (tui_input_cursor (input), 6);
    assert_true (tui_input_at_end (input));
    s_keys (input, TUI_KEY_LEFT, 4);
    assert_int_equal (tui_input_cursor (input), 1);      //  before é
    s_type (input, "\xe4\xb8\xad");                      //  中
    assert_string_equal (tui_input_text (input), "h\xe4\xb8\xad\xc3\xa9llo");
    assert_int_equal (tui_input_key (input, TUI_KEY_HOME, 0),
                      TUI_INPUT_CHANGED);
    assert_int_equal (tui_input_key (input, TUI_KEY_HOME, 0),
                      TUI_INPUT_IGNORED);
    assert_int_equal (tui_input_key (input, TUI_KEY_LEFT, 0),
                      TUI_INPUT_IGNORED);
    assert_int_equal (tui_input_key (input, TUI_KEY_BACKSPACE, 0),
                      TUI_INPUT_IGNORED);
    s_keys (input, TUI_KEY_RIGHT, 2);
    assert_int_equal (tui_input_cursor (input), 4);      //  after 中
    assert_int_equal (tui_input_key (input, TUI_KEY_END, 0),
                      TUI_INPUT_CHANGED);
    assert_int_equal (tui_input_key (input, TUI_KEY_RIGHT, 0),
                      TUI_INPUT_IGNORED);
    assert_int_equal (tui_input_key (input, TUI_KEY_DELETE, 0),
                      TUI_INPUT_IGNORED);
    //  Controls and surrogates are not inserted
    assert_int_equal (tui_input_key (input, TUI_KEY_CHAR, 0x1B),
                      TUI_INPUT_IGNORED);
    assert_int_equal (tui_input_key (input, TUI_KEY_CHAR, 0x9B),
                      TUI_INPUT_IGNORED);
    assert_int_equal (tui_input_key (input, TUI_KEY_CHAR, 0xD800),
                      TUI_INPUT_IGNORED);
    assert_int_equal (tui_input_key (input, TUI_KEY_ENTER, 0),
                      TUI_INPUT_SUBMIT);
    s_take (input, "h\xe4\xb8\xad\xc3\xa9llo");
    tui_input_destroy (&input);
    tui_input_destroy (&input);
    assert_null (input);
}

static void
test_combining_emoji (void **state)
{
    tui_input_t *input = tui_input_new ();
    //  a, e + U+0301, 😀, b: four units
    s_type (input, "ae\xcc\x81\xf0\x9f\x98\x80" "b");
    s_keys (input, TUI_KEY_LEFT, 2);
    assert_int_equal (tui_input_cursor (input), 4);      //  before 😀
    s_keys (input, TUI_KEY_LEFT, 1);
    assert_int_equal (tui_input_cursor (input), 1);      //  before e´
    tui_input_key (input, TUI_KEY_DELETE, 0);
    assert_string_equal (tui_input_text (input), "a\xf0\x9f\x98\x80" "b");
    tui_input_key (input, TUI_KEY_RIGHT, 0);
    tui_input_key (input, TUI_KEY_BACKSPACE, 0);
    assert_string_equal (tui_input_text (input), "ab");
    //  A mark typed after a letter joins it: Backspace removes both
    tui_input_set (input, "");
    s_type (input, "xe\xcc\x81");
    tui_input_key (input, TUI_KEY_BACKSPACE, 0);
    assert_string_equal (tui_input_text (input), "x");
    //  Transpose swaps whole units
    tui_input_set (input, "a\xe4\xb8\xad");
    tui_input_key (input, TUI_KEY_TRANSPOSE, 0);
    assert_string_equal (tui_input_text (input), "\xe4\xb8\xad" "a");
    tui_input_destroy (&input);
}

static void
test_control_keys (void **state)
{
    assert_int_equal (tui_input_control_key (0x01), TUI_KEY_HOME);
    assert_int_equal (tui_input_control_key (0x05), TUI_KEY_END);
    assert_int_equal (tui_input_control_key (0x15), TUI_KEY_KILL_START);
    assert_int_equal (tui_input_control_key (0x0B), TUI_KEY_KILL_END);
    assert_int_equal (tui_input_control_key (0x17), TUI_KEY_KILL_WORD);
    assert_int_equal (tui_input_control_key (0x7F), TUI_KEY_BACKSPACE);
    assert_int_equal (tui_input_control_key (0x0D), TUI_KEY_ENTER);
    assert_int_equal (tui_input_control_key (0x03), TUI_KEY_NONE);
    assert_int_equal (tui_input_control_key ('a'), TUI_KEY_NONE);

    tui_input_t *input = tui_input_new ();
    s_type (input, "hello big world");
    tui_input_key (input, tui_input_control_key (0x17), 0);      //  Ctrl-W
    assert_string_equal (tui_input_text (input), "hello big ");
    tui_input_key (input, tui_input_control_key (0x17), 0);
    assert_string_equal (tui_input_text (input), "hello ");
    tui_input_key (input, tui_input_control_key (0x19), 0);      //  Ctrl-Y
    assert_string_equal (tui_input_text (input), "hello big ");
    tui_input_key (input, tui_input_control_key (0x01), 0);      //  Ctrl-A
    assert_int_equal (tui_input_cursor (input), 0);
    tui_input_key (input, TUI_KEY_WORD_RIGHT, 0);
    assert_int_equal (tui_input_cursor (input), 5);
    tui_input_key (input, tui_input_control_key (0x0B), 0);      //  Ctrl-K
    assert_string_equal (tui_input_text (input), "hello");
    tui_input_key (input, tui_input_control_key (0x05), 0);      //  Ctrl-E
    tui_input_key (input, TUI_KEY_WORD_LEFT, 0);
    assert_int_equal (tui_input_cursor (input), 0);
    tui_input_key (input, TUI_KEY_WORD_RIGHT, 0);
    tui_input_key (input, TUI_KEY_LEFT, 0);
    tui_input_key (input, tui_input_control_key (0x15), 0);      //  Ctrl-U
    assert_string_equal (tui_input_text (input), "o");
    assert_int_equal (tui_input_cursor (input), 0);
    tui_input_key (input, TUI_KEY_YANK, 0);
    assert_string_equal (tui_input_text (input), "hello");
    tui_input_destroy (&input);
}

static void
test_history (void **state)
{
    tui_input_t *input = tui_input_new ();
    assert_int_equal (tui_input_key (input, TUI_KEY_UP, 0),
                      TUI_INPUT_IGNORED);
    s_type (input, "one");
    s_take (input, "one");
    s_type (input, "two");
    s_take (input, "two");
    s_take (input, "");                 //  empty lines are not kept
    s_type (input, "two");
    s_take (input, "two");              //  nor a repeat
    assert_int_equal (tui_input_history_size (input), 2);
    s_type (input, "dra");
    tui_input_key (input, TUI_KEY_UP, 0);
    assert_string_equal (tui_input_text (input), "two");
    assert_true (tui_input_at_end (input));
    tui_input_key (input, TUI_KEY_UP, 0);
    assert_string_equal (tui_input_text (input), "one");
    assert_int_equal (tui_input_key (input, TUI_KEY_UP, 0),
                      TUI_INPUT_IGNORED);
    tui_input_key (input, TUI_KEY_DOWN, 0);
    assert_string_equal (tui_input_text (input), "two");
    tui_input_key (input, TUI_KEY_DOWN, 0);
    assert_string_equal (tui_input_text (input), "dra");
    assert_int_equal (tui_input_key (input, TUI_KEY_DOWN, 0),
                      TUI_INPUT_IGNORED);
    //  Sending a recalled line puts it last
    tui_input_key (input, TUI_KEY_UP, 0);
    tui_input_key (input, TUI_KEY_UP, 0);
    s_take (input, "one");
    tui_input_key (input, TUI_KEY_UP, 0);
    assert_string_equal (tui_input_text (input), "one");
    tui_input_destroy (&input);

    //  The history is bounded: the oldest lines go
    input = tui_input_new ();
    for (int index = 0; index < TUI_HISTORY_MAX + 100; index++) {
        char line [32];
        snprintf (line, sizeof line, "line %d", index);
        tui_input_set (input, line);
        char *taken = tui_input_take (input);
        free (taken);
    }
    assert_int_equal (tui_input_history_size (input), TUI_HISTORY_MAX);
    s_keys (input, TUI_KEY_UP, TUI_HISTORY_MAX + 5);
    assert_string_equal (tui_input_text (input), "line 100");
    tui_input_destroy (&input);
}

static void
test_limit_set (void **state)
{
    tui_input_t *input = tui_input_new ();
    char *big = (char *) malloc (TUI_INPUT_MAX + 1);
    memset (big, 'x', TUI_INPUT_MAX);
    big [TUI_INPUT_MAX] = 0;
    tui_input_set (input, big);
    assert_int_equal (tui_input_size (input), TUI_INPUT_MAX);
    assert_int_equal (tui_input_key (input, TUI_KEY_CHAR, 'y'),
                      TUI_INPUT_REFUSED);
    tui_input_key (input, TUI_KEY_BACKSPACE, 0);
    assert_int_equal (tui_input_key (input, TUI_KEY_CHAR, 0x4E2D),
                      TUI_INPUT_REFUSED);      //  3 bytes do not fit
    assert_int_equal (tui_input_key (input, TUI_KEY_CHAR, 'y'),
                      TUI_INPUT_CHANGED);
    //  Moving by words over a long line stays quick (no quadratic scans)
    tui_input_key (input, TUI_KEY_KILL_WORD, 0);
    assert_int_equal (tui_input_size (input), 0);
    free (big);
    //  set cleans what it is given
    tui_input_set (input, "a\xff" "b\nc\td");
    assert_string_equal (tui_input_text (input), "a\xef\xbf\xbd" "bc d");
    tui_input_destroy (&input);
}

//  Check VIEW's invariants for INPUT at WIDTH.
static void
s_check_view (tui_input_t *input, int width)
{
    tui_input_view_t view;
    tui_input_view (input, width, &view);
    const char *text = tui_input_text (input);
    size_t cursor = tui_input_cursor (input);
    assert_true (view.offset <= cursor);
    assert_true (view.cursor >= 0 && view.cursor < width);
    assert_int_equal (view.cursor, view.lead
                      + (int) tui_text_width (text + view.offset,
                                              cursor - view.offset));
    int shown = (int) tui_text_width (text + view.offset, view.size);
    assert_true (view.lead + shown <= width);
    assert_true (view.lead == 0 || view.lead == 1);
    //  Never cut inside a character
    assert_true (tui_utf8_cut (text, strlen (text), view.offset)
                 == view.offset);
    assert_true (tui_utf8_cut (text, strlen (text), view.offset + view.size)
                 == view.offset + view.size);
}

static void
test_view (void **state)
{
    tui_input_t *input = tui_input_new ();
    tui_input_view_t view;
    tui_input_view (input, 10, &view);
    assert_int_equal (view.cursor, 0);
    assert_int_equal (view.size, 0);
    s_type (input, "abcdefghijklmnopqrstuvwxyz");
    tui_input_view (input, 10, &view);
    assert_int_equal (view.cursor, 9);
    assert_int_equal (view.offset, 17);
    assert_int_equal (view.size, 9);
    tui_input_key (input, TUI_KEY_HOME, 0);
    tui_input_view (input, 10, &view);
    assert_int_equal (view.offset, 0);
    assert_int_equal (view.cursor, 0);
    assert_int_equal (view.size, 10);
    //  The view stays put while the cursor moves inside it
    s_keys (input, TUI_KEY_RIGHT, 5);
    tui_input_view (input, 10, &view);
    assert_int_equal (view.offset, 0);
    assert_int_equal (view.cursor, 5);
    //  Randomised edits of wide, combining and plain text
    static const uint32_t chars [] = { 'a', ' ', 0x4E2D, 0x1F600, 0x301,
                                       0xE9, 'z' };
    static const tui_key_t keys [] = {
        TUI_KEY_LEFT, TUI_KEY_RIGHT, TUI_KEY_HOME, TUI_KEY_END,
        TUI_KEY_BACKSPACE, TUI_KEY_DELETE, TUI_KEY_WORD_LEFT,
        TUI_KEY_WORD_RIGHT, TUI_KEY_KILL_WORD, TUI_KEY_YANK, TUI_KEY_TRANSPOSE
    };
    unsigned seed = 7;
    tui_input_set (input, "");
    for (int round = 0; round < 5000; round++) {
        if (rand_r (&seed) % 2)
            tui_input_key (input, TUI_KEY_CHAR,
                           chars [rand_r (&seed) % 7]);
        else
            tui_input_key (input, keys [rand_r (&seed) % 11], 0);
        assert_true (tui_utf8_valid (tui_input_text (input),
                                     tui_input_size (input)));
        s_check_view (input, 1 + (int) (rand_r (&seed) % 3));
        s_check_view (input, 7);
        s_check_view (input, 40);
        if (tui_input_size (input) > 300)
            tui_input_set (input, "");
    }
    tui_input_destroy (&input);
}

int
main (void)
{
    setlocale (LC_ALL, "C.UTF-8");
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_insert_move),
        cmocka_unit_test (test_combining_emoji),
        cmocka_unit_test (test_control_keys),
        cmocka_unit_test (test_history),
        cmocka_unit_test (test_limit_set),
        cmocka_unit_test (test_view),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
