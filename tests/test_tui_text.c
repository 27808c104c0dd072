/*  test_tui_text.c: UTF-8, display widths, wrapping, fitting and times.

    No terminal: tui_text is pure. Covers CJK, emoji, combining marks,
    invalid UTF-8, widths of 1 to 3 columns and words longer than a line,
    plus a randomised check of the wrapping invariants (every line starts
    and ends on a character boundary, is no wider than the width unless it
    holds one too-wide character, and only breaking spaces are dropped).
*/
#include "dtchat.h"
#include "tui_text.h"
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <time.h>
#include <cmocka.h>

//  Wrap TEXT at WIDTH and compare the lines with the NULL-ended EXPECT.
static void
s_check_wrap (const char *text, int width, const char **expect)
{
    size_t size = strlen (text);
    tui_span_t spans [64];
    size_t count = tui_text_wrap (text, size, width, 0, spans, 64);
    size_t want = 0;
    while (expect [want])
        want++;
    if (count != want) {
        for (size_t index = 0; index < count && index < 64; index++)
            print_message ("line %zu: '%.*s'\n", index,
                           (int) spans [index].size,
                           text + spans [index].offset);
    }
    assert_int_equal (count, want);
    for (size_t index = 0; index < count; index++) {
        char line [256];
        assert_true (spans [index].size < sizeof line);
        memcpy (line, text + spans [index].offset, spans [index].size);
        line [spans [index].size] = 0;
        assert_string_equal (line, expect [index]);
        assert_int_equal (spans [index].width,
                          (int) tui_text_width (line, strlen (line)));
    }
}

static void
test_decode (void **state)
{
    uint32_t cp;
    bool valid;
    assert_int_equal (tui_utf8_decode ("A", 1, &cp, &valid), 1);
    assert_int_equal (cp, 'A');
    assert_true (valid);
    assert_int_equal (tui_utf8_decode ("\xc3\xa9", 2, &cp, &valid), 2);
    assert_int_equal (cp, 0xE9);
    assert_int_equal (tui_utf8_decode ("\xe4\xb8\xad", 3, &cp, &valid), 3);
    assert_int_equal (cp, 0x4E2D);
    assert_int_equal (tui_utf8_decode ("\xf0\x9f\x98\x80", 4, &cp, &valid),
                      4);
    assert_int_equal (cp, 0x1F600);
    assert_true (valid);
    //  Each bad sequence takes one byte and gives U+FFFD
    const char *bad [] = {
        "\xc0\x80",             //  overlong NUL
        "\xc1\xbf",             //  overlong
        "\xe0\x80\x80",         //  overlong
        "\xed\xa0\x80",         //  surrogate
        "\xf4\x90\x80\x80",     //  above U+10FFFF
        "\xf5\x80\x80\x80",
        "\x80",                 //  lone continuation
        "\xff", "\xfe",
        "\xe4\xb8",             //  cut short
        "\xe4\x41\x41",         //  bad continuation
        "\xf0\x9f\x98",
    };
    for (size_t index = 0; index < sizeof bad / sizeof *bad; index++) {
        assert_int_equal (tui_utf8_decode (bad [index], strlen (bad [index]),
                                           &cp, &valid), 1);
        assert_int_equal (cp, TUI_REPLACEMENT);
        assert_false (valid);
        assert_false (tui_utf8_valid (bad [index], strlen (bad [index])));
    }
    assert_int_equal (tui_utf8_decode ("", 0, &cp, NULL), 0);
    assert_true (tui_utf8_valid ("h\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80", 10));
}

static void
test_encode (void **state)
{
    uint32_t samples [] = { 0x41, 0xE9, 0x7FF, 0x800, 0x4E2D, 0xFFFD,
                            0x10000, 0x1F600, 0x10FFFF };
    for (size_t index = 0; index < sizeof samples / sizeof *samples;
         index++) {
        char buf [4];
        size_t size = tui_utf8_encode (samples [index], buf);
        uint32_t cp;
        bool valid;
        assert_int_equal (tui_utf8_decode (buf, size, &cp, &valid), size);
        assert_true (valid);
        assert_int_equal (cp, samples [index]);
    }
    char buf [4];
    assert_int_equal (tui_utf8_encode (0xD800, buf), 3);
    assert_memory_equal (buf, "\xef\xbf\xbd", 3);
    assert_int_equal (tui_utf8_encode (0x110000, buf), 3);
}

static void
test_cut (void **state)
{
    const char *text = "a\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80";   //  aé中😀
    size_t size = strlen (text);
    assert_int_equal (tui_utf8_cut (text, size, 0), 0);
    assert_int_equal (tui_utf8_cut (text, size, 1), 1);
    assert_int_equal (tui_utf8_cut (text, size, 2), 1);
    assert_int_equal (tui_utf8_cut (text, size, 3), 3);
    assert_int_equal (tui_utf8_cut (text, size, 5), 3);
    assert_int_equal (tui_utf8_cut (text, size, 6), 6);
    assert_int_equal (tui_utf8_cut (text, size, 9), 6);
    assert_int_equal (tui_utf8_cut (text, size, 10), 10);
    assert_int_equal (tui_utf8_cut (text, size, 99), 10);
    //  Invalid bytes are one character each
    assert_int_equal (tui_utf8_cut ("\xff\xfe\xfd", 3, 2), 2);
}

static void
test_width (void **state)
{
    assert_int_equal (tui_text_width ("abc", 3), 3);
    assert_int_equal (tui_text_width ("\xe4\xb8\xad\xe6\x96\x87", 6), 4);
    assert_int_equal (tui_text_width ("\xf0\x9f\x98\x80", 4), 2);
    assert_int_equal (tui_text_width ("e\xcc\x81", 3), 1);    //  e + U+0301
    assert_int_equal (tui_text_width ("\xff", 1), 1);
    assert_int_equal (tui_text_width ("\t", 1), 1);
    assert_int_equal (tui_text_width ("\n\r", 2), 0);
    assert_int_equal (tui_text_width ("\x1b[31m", 5), 5);   //  ESC shown
    assert_int_equal (tui_text_width ("\xc2\x9b", 2), 1);   //  C1 CSI
    assert_int_equal (tui_cp_width (0x1B), -1);
    assert_int_equal (tui_cp_width (0x9B), -1);
    assert_int_equal (tui_cp_width (0x301), 0);
    assert_int_equal (tui_cp_width (0xFF21), 2);             //  fullwidth A

    tui_char_t ch;
    tui_char_next ("\x1b", 1, &ch);
    assert_int_equal (ch.cp, TUI_REPLACEMENT);
    assert_int_equal (ch.width, 1);
    tui_char_next ("\n", 1, &ch);
    assert_true (ch.newline);
    assert_int_equal (ch.cp, 0);
    tui_char_next ("\t", 1, &ch);
    assert_int_equal (ch.cp, ' ');
    tui_char_next ("\xe4\xb8\xad", 3, &ch);
    assert_int_equal (ch.width, 2);
    assert_int_equal (ch.size, 3);
    tui_char_next ("\xed\xa0\x80", 3, &ch);
    assert_int_equal (ch.cp, TUI_REPLACEMENT);
    assert_int_equal (ch.size, 1);
}

static void
test_wrap_words (void **state)
{
    s_check_wrap ("hello world", 11, (const char *[]) { "hello world",
                                                        NULL });
    s_check_wrap ("hello world", 5, (const char *[]) { "hello", "world",
                                                       NULL });
    s_check_wrap ("hello world", 8, (const char *[]) { "hello", "world",
                                                       NULL });
    s_check_wrap ("aaa bbb ccc", 7, (const char *[]) { "aaa bbb", "ccc",
                                                       NULL });
    s_check_wrap ("hello world", 3, (const char *[]) { "hel", "lo",
                                                       "wor", "ld", NULL });
    s_check_wrap ("a  b", 2, (const char *[]) { "a ", "b", NULL });
    s_check_wrap ("", 5, (const char *[]) { "", NULL });
    s_check_wrap ("a\nb", 5, (const char *[]) { "a", "b", NULL });
    s_check_wrap ("\n", 5, (const char *[]) { "", "", NULL });
    s_check_wrap ("one two\nthree", 3, (const char *[]) { "one", "two",
                                                          "thr", "ee",
                                                          NULL });
    s_check_wrap (" lead", 3, (const char *[]) { " le", "ad", NULL });
}

static void
test_wrap_long_word (void **state)
{
    char word [101];
    memset (word, 'a', 100);
    word [100] = 0;
    tui_span_t spans [20];
    assert_int_equal (tui_text_wrap (word, 100, 7, 0, spans, 20), 15);
    for (size_t index = 0; index < 14; index++) {
        assert_int_equal (spans [index].offset, index * 7);
        assert_int_equal (spans [index].size, 7);
    }
    assert_int_equal (spans [14].size, 2);
    //  A window onto the lines gives the same spans
    tui_span_t window [3];
    assert_int_equal (tui_text_wrap (word, 100, 7, 12, window, 3), 15);
    assert_int_equal (window [0].offset, 84);
    assert_int_equal (window [2].offset, 98);
    assert_int_equal (tui_text_wrap (word, 100, 7, 0, NULL, 0), 15);
    //  "see " then a word longer than the line
    s_check_wrap ("see aaaaaaaa", 4, (const char *[]) { "see", "aaaa",
                                                        "aaaa", NULL });
}

static void
test_wrap_wide (void **state)
{
    const char *cjk = "\xe4\xb8\xad\xe6\x96\x87\xe5\xad\x97";  //  中文字
    s_check_wrap (cjk, 3, (const char *[]) { "\xe4\xb8\xad", "\xe6\x96\x87",
                                             "\xe5\xad\x97", NULL });
    s_check_wrap (cjk, 4, (const char *[]) { "\xe4\xb8\xad\xe6\x96\x87",
                                             "\xe5\xad\x97", NULL });
    s_check_wrap (cjk, 2, (const char *[]) { "\xe4\xb8\xad", "\xe6\x96\x87",
                                             "\xe5\xad\x97", NULL });
    //  Width 1: a wide character still gets a line of its own, never cut
    tui_span_t spans [8];
    assert_int_equal (tui_text_wrap (cjk, 9, 1, 0, spans, 8), 3);
    assert_int_equal (spans [1].offset, 3);
    assert_int_equal (spans [1].size, 3);
    assert_int_equal (spans [1].width, 2);
    //  a中b at width 2: "a" then "中" then "b"
    s_check_wrap ("a\xe4\xb8\xad" "b", 2, (const char *[]) { "a",
                  "\xe4\xb8\xad", "b", NULL });
    //  Emoji
    const char *smiles = "\xf0\x9f\x98\x80\xf0\x9f\x98\x81\xf0\x9f\x98\x82";
    s_check_wrap (smiles, 3, (const char *[]) { "\xf0\x9f\x98\x80",
                  "\xf0\x9f\x98\x81", "\xf0\x9f\x98\x82", NULL });
    s_check_wrap (smiles, 5, (const char *[]) {
                  "\xf0\x9f\x98\x80\xf0\x9f\x98\x81", "\xf0\x9f\x98\x82",
                  NULL });
}

static void
test_wrap_combining_invalid (void **state)
{
    //  e + U+0301 three times: marks stay with their letter
    const char *accents = "e\xcc\x81" "e\xcc\x81" "e\xcc\x81";
    s_check_wrap (accents, 1, (const char *[]) { "e\xcc\x81", "e\xcc\x81",
                                                 "e\xcc\x81", NULL });
    s_check_wrap (accents, 2, (const char *[]) { "e\xcc\x81" "e\xcc\x81",
                                                 "e\xcc\x81", NULL });
    //  Invalid bytes: one column each, never merged with a neighbour
    s_check_wrap ("\xff\xfe" "a", 1, (const char *[]) { "\xff", "\xfe", "a",
                                                        NULL });
    s_check_wrap ("ab\xe4\xb8", 3, (const char *[]) { "ab\xe4", "\xb8",
                                                      NULL });
    //  A cut-short sequence before a valid character
    s_check_wrap ("\xe4\xb8\xe4\xb8\xad", 2, (const char *[]) {
                  "\xe4\xb8", "\xe4\xb8\xad", NULL });
}

//  True if OFFSET is a character boundary of TEXT.
static bool
s_boundary (const char *text, size_t size, size_t offset)
{
    size_t pos = 0;
    while (pos < offset) {
        uint32_t cp;
        pos += tui_utf8_decode (text + pos, size - pos, &cp, NULL);
    }
    return pos == offset;
}

static void
test_wrap_random (void **state)
{
    static const char *pieces [] = {
        "a", "b", "z", " ", " ", "  ", "\n", "\t", "\xc3\xa9", "e\xcc\x81",
        "\xe4\xb8\xad", "\xf0\x9f\x98\x80", "\xff", "\xe4\xb8", "\x1b",
        "\xe2\x9d\xa4\xef\xb8\x8f", "word", "longerword"
    };
    size_t piece_count = sizeof pieces / sizeof *pieces;
    unsigned seed = 12345;
    for (int round = 0; round < 2000; round++) {
        char text [256];
        size_t size = 0;
        int count = (int) (rand_r (&seed) % 20);
        for (int index = 0; index < count; index++) {
            const char *piece = pieces [rand_r (&seed) % piece_count];
            memcpy (text + size, piece, strlen (piece));
            size += strlen (piece);
        }
        int width = 1 + (int) (rand_r (&seed) % 12);
        tui_span_t spans [256];
        size_t lines = tui_text_wrap (text, size, width, 0, spans, 256);
        assert_true (lines >= 1 && lines <= 256);
        size_t expect = 0;
        for (size_t line = 0; line < lines; line++) {
            tui_span_t *span = &spans [line];
            //  Between lines only a breaking space or a newline is dropped
            assert_true (span->offset >= expect);
            size_t gap = span->offset - expect;
            assert_true (gap <= 1);
            if (gap == 1)
                assert_true (text [expect] == ' ' || text [expect] == '\t'
                          || text [expect] == '\n');
            assert_true (s_boundary (text, size, span->offset));
            assert_true (s_boundary (text, size, span->offset + span->size));
            assert_int_equal ((size_t) span->width,
                              tui_text_width (text + span->offset,
                                              span->size));
            if (span->width > width) {
                //  Only one too-wide character (maybe with marks)
                tui_char_t ch;
                tui_char_next (text + span->offset, span->size, &ch);
                assert_true (ch.width > width);
            }
            expect = span->offset + span->size;
        }
        assert_true (expect == size || (expect + 1 == size
                     && strchr (" \t\n", text [expect])));
    }
}

static void
test_fit (void **state)
{
    bool ellipsis;
    int cols;
    assert_int_equal (tui_text_fit ("hello", 5, 5, &ellipsis, &cols), 5);
    assert_false (ellipsis);
    assert_int_equal (cols, 5);
    assert_int_equal (tui_text_fit ("hello", 5, 4, &ellipsis, &cols), 3);
    assert_true (ellipsis);
    assert_int_equal (cols, 3);
    assert_int_equal (tui_text_fit ("ab", 2, 1, &ellipsis, &cols), 0);
    assert_true (ellipsis);
    assert_int_equal (tui_text_fit ("ab", 2, 0, &ellipsis, &cols), 0);
    assert_false (ellipsis);
    const char *cjk = "\xe4\xb8\xad\xe6\x96\x87";      //  中文, 4 columns
    assert_int_equal (tui_text_fit (cjk, 6, 4, &ellipsis, NULL), 6);
    assert_false (ellipsis);
    assert_int_equal (tui_text_fit (cjk, 6, 3, &ellipsis, &cols), 3);
    assert_true (ellipsis);
    assert_int_equal (cols, 2);
    assert_int_equal (tui_text_fit (cjk, 6, 2, &ellipsis, &cols), 0);
    assert_true (ellipsis);
    //  A mark after the last letter that fits stays with it
    assert_int_equal (tui_text_fit ("e\xcc\x81xyz", 6, 2, &ellipsis, NULL),
                      3);
    assert_true (ellipsis);
}

static void
test_truncate (void **state)
{
    char *text = tui_text_truncate ("h\xc3\xa9llo w\xc3\xb6rld", 6);
    assert_string_equal (text, "h\xc3\xa9llo" TUI_ELLIPSIS);
    free (text);
    text = tui_text_truncate ("short", 10);
    assert_string_equal (text, "short");
    free (text);
    text = tui_text_truncate ("a\xff\x1b" "b", 10);
    assert_string_equal (text, "a\xef\xbf\xbd\xef\xbf\xbd" "b");
    free (text);
    text = tui_text_truncate ("\xe4\xb8\xad\xe6\x96\x87", 3);
    assert_string_equal (text, "\xe4\xb8\xad" TUI_ELLIPSIS);
    assert_int_equal (tui_text_width (text, strlen (text)), 3);
    free (text);
    text = tui_text_truncate ("abc", 0);
    assert_string_equal (text, "");
    free (text);
}

static void
test_time (void **state)
{
    char buf [32];
    assert_string_equal (tui_time_format (0, 0, buf, sizeof buf),
                         "--:--:--");
    int64_t at = INT64_C (1700000000123);    //  2023-11-14 22:13:20 UTC
    assert_string_equal (tui_time_format (at, at + 1000, buf, sizeof buf),
                         "22:13:20");
    assert_string_equal (tui_time_format (at, at + 2 * 86400000, buf,
                                          sizeof buf),
                         "2023-11-14 22:13:20");
    //  Too small a buffer gives something short, never an overflow
    char tiny [4];
    tui_time_format (at, at, tiny, sizeof tiny);
    assert_true (strlen (tiny) < sizeof tiny);
}

int
main (void)
{
    setlocale (LC_ALL, "C.UTF-8");
    setenv ("TZ", "UTC", 1);
    tzset ();
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_decode),
        cmocka_unit_test (test_encode),
        cmocka_unit_test (test_cut),
        cmocka_unit_test (test_width),
        cmocka_unit_test (test_wrap_words),
        cmocka_unit_test (test_wrap_long_word),
        cmocka_unit_test (test_wrap_wide),
        cmocka_unit_test (test_wrap_combining_invalid),
        cmocka_unit_test (test_wrap_random),
        cmocka_unit_test (test_fit),
        cmocka_unit_test (test_truncate),
        cmocka_unit_test (test_time),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
