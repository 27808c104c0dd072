/*  test_chat_msg.c: the ProtoMessage codec against the Rust DTChat's bytes.

    Every capture in testdata/wire decodes to the values its README lists
    and encodes back to the same bytes; hostile input (invalid UTF-8, NUL
    bytes, truncation, random bytes) fails cleanly and never crashes.
*/
#include "dtchat.h"
#include "chat_msg.h"
#include "testutil.h"

#include <dirent.h>
#include <pthread.h>
#include <sys/wait.h>

#define WIRE_DIR DTCHAT_TESTDATA "/wire"

//  Marks the 3300-byte text, built by s_long_text.
#define LONG_TEXT "@long"

typedef struct {
    const char *file;
    const char *uuid;
    const char *sender;
    int64_t timestamp;
    const char *room;               //  NULL: absent on the wire
    const char *source;
    chat_msg_kind_t kind;
    const char *text;               //  CHAT_MSG_TEXT
    const char *ack;                //  CHAT_MSG_ACK
    const char *file_name;          //  CHAT_MSG_FILE
    const char *file_data;
    size_t file_size;
} wire_t;

static const wire_t s_wire [] = {
    { "udp-text-ascii.bin", "4e3db6da-dd73-4875-9290-feeab4b1423e", "1",
      1795679149529, "room", "udp 127.0.0.1:17550", CHAT_MSG_TEXT,
      "hello world", NULL, NULL, NULL, 0 },
    { "input-udp-text-python.bin", "0f8fad5b-d9cb-469f-a165-70867728950e",
      "2", 1795679163371, "room", "udp 127.0.0.1:17551", CHAT_MSG_TEXT,
      "ping from python", NULL, NULL, NULL, 0 },
    { "udp-ack.bin", "3181ca78-3164-41ce-94ae-51ef44c54e90", "1",
      1795679163376, "room", "udp 127.0.0.1:17550", CHAT_MSG_ACK,
      NULL, "0f8fad5b-d9cb-469f-a165-70867728950e", NULL, NULL, 0 },
    { "udp-text-utf8.bin", "d130db1b-2ee4-4a58-a5df-3db2f4167340", "1",
      1795679166042, "room", "udp 127.0.0.1:17550", CHAT_MSG_TEXT,
      "h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93 \xe6\x97\xa5\xe6\x9c\xac",
      NULL, NULL, NULL, 0 },
    { "input-udp-text-empty-room-python.bin",
      "7c9e6679-7425-40de-944b-e07fc1f90ae7", "2", 1795679171134, NULL,
      "udp 127.0.0.1:17551", CHAT_MSG_TEXT, "no room", NULL, NULL, NULL, 0 },
    { "udp-ack-empty-room.bin", "9715c567-99ef-436b-959f-dcfdf15d9b86", "1",
      1795679171144, NULL, "udp 127.0.0.1:17550", CHAT_MSG_ACK, NULL,
      "7c9e6679-7425-40de-944b-e07fc1f90ae7", NULL, NULL, 0 },
    { "udp-file.bin", "e47e863d-faa2-4853-a752-705e44e15582", "1",
      1795679172184, "room", "udp 127.0.0.1:17550", CHAT_MSG_FILE, NULL,
      NULL, "note.txt", "tiny file\0\1\2\xff\n", 14 },
    { "tcp-text-short.bin", "2b09c546-c54a-4593-bc34-c8f5a46c562a", "1",
      1795679193309, "room", "tcp 127.0.0.1:17560", CHAT_MSG_TEXT,
      "hello tcp", NULL, NULL, NULL, 0 },
    { "tcp-text-long.bin", "0978faa5-8201-4e26-aa6e-50607fac6d1e", "1",
      1795679195325, "room", "tcp 127.0.0.1:17560", CHAT_MSG_TEXT,
      LONG_TEXT, NULL, NULL, NULL, 0 },
    { "input-tcp-text-python.bin", "9b2e4c1a-3f5d-4e6b-8a7c-0d1e2f3a4b5c",
      "2", 1795679204501, "room", "tcp 127.0.0.1:17561", CHAT_MSG_TEXT,
      "ping over tcp", NULL, NULL, NULL, 0 },
    { "tcp-ack.bin", "803e6dc6-4a74-49e8-9524-c9d116da6b78", "1",
      1795679204513, "room", "tcp 127.0.0.1:17560", CHAT_MSG_ACK, NULL,
      "9b2e4c1a-3f5d-4e6b-8a7c-0d1e2f3a4b5c", NULL, NULL, 0 },
    { "input-udp-text-tcp-source-python.bin",
      "66666666-7777-4888-9999-aaaaaaaaaaaa", "2", 1795679501121, "room",
      "tcp 127.0.0.1:17561", CHAT_MSG_TEXT, "ack me over tcp", NULL, NULL,
      NULL, 0 },
    { "tcp-ack-no-local-tcp.bin", "c729eab7-4aa4-4eee-a83b-1187ab0c4e06",
      "1", 1795679501122, "room", "??", CHAT_MSG_ACK, NULL,
      "66666666-7777-4888-9999-aaaaaaaaaaaa", NULL, NULL, 0 },
    { "input-udp-text-bad-endpoint-python.bin",
      "11111111-2222-4333-8444-555555555555", "2", 1795679500091, "room",
      "garbage", CHAT_MSG_TEXT, "bad endpoint", NULL, NULL, NULL, 0 },
};
#define WIRE_COUNT (sizeof s_wire / sizeof s_wire [0])

//  The 3300-byte text of tcp-text-long.bin, as its README describes it.
static char *
s_long_text (void)
{
    char *text = (char *) malloc (8192);
    assert_non_null (text);
    size_t len = (size_t) sprintf (text, "LONG-TCP-TEXT 3300 bytes; ");
    for (int i = 0; len < 3299; i++)
        len += (size_t) sprintf (text + len,
            "[%04d] the quick brown fox jumps over the lazy dog. ", i);
    text [3299] = '!';
    text [3300] = 0;
    return text;
}

//  Compare a string field: EXPECTED NULL means absent (NULL or "").
static void
s_check_str (const char *file, const char *name, const char *actual,
             const char *expected)
{
    if (!expected) {
        if (actual && *actual)
            fail_msg ("%s: %s is '%s', want absent", file, name, actual);
        return;
    }
    if (!actual || strcmp (actual, expected))
        fail_msg ("%s: %s is '%s', want '%s'", file, name,
                  actual? actual: "(null)", expected);
}

//  Check a decoded message against its README values.
static void
s_check_wire (const wire_t *w, const chat_msg_t *msg)
{
    s_check_str (w->file, "uuid", msg->uuid, w->uuid);
    s_check_str (w->file, "sender_uuid", msg->sender_uuid, w->sender);
    assert_true (msg->timestamp == w->timestamp);
    s_check_str (w->file, "room_uuid", msg->room_uuid, w->room);
    s_check_str (w->file, "source_endpoint", msg->source_endpoint,
                 w->source);
    assert_int_equal (msg->kind, w->kind);
    if (w->kind == CHAT_MSG_TEXT) {
        assert_non_null (msg->text);
        if (streq (w->text, LONG_TEXT)) {
            char *text = s_long_text ();
            assert_int_equal (strlen (msg->text), 3300);
            assert_string_equal (msg->text, text);
            assert_memory_equal (msg->text, "LONG-TCP-TEXT 3300 bytes; [0000]"
                                 " the qui", 40);
            assert_string_equal (msg->text + 3300 - 20,
                                 "ps over the lazy do!");
            free (text);
        }
        else
            s_check_str (w->file, "text", msg->text, w->text);
        assert_null (msg->ack_uuid);
        assert_null (msg->file_name);
    }
    else
    if (w->kind == CHAT_MSG_ACK) {
        s_check_str (w->file, "ack uuid", msg->ack_uuid, w->ack);
        assert_null (msg->text);
    }
    else {
        s_check_str (w->file, "file name", msg->file_name, w->file_name);
        assert_int_equal (msg->file_size, w->file_size);
        assert_memory_equal (msg->file_data, w->file_data, w->file_size);
        assert_null (msg->text);
    }
}

//  Every .bin in wire/ is in the table, decodes to its values and
//  re-encodes to the same bytes.
static void
test_wire_files (void **state)
{
    DIR *dir = opendir (WIRE_DIR);
    assert_non_null (dir);
    bool seen [WIRE_COUNT] = { false };
    size_t files = 0;
    struct dirent *entry;
    while ((entry = readdir (dir))) {
        size_t len = strlen (entry->d_name);
        if (len < 4 || strcmp (entry->d_name + len - 4, ".bin"))
            continue;
        size_t i;
        for (i = 0; i < WIRE_COUNT; i++)
            if (streq (s_wire [i].file, entry->d_name))
                break;
        if (i == WIRE_COUNT)
            fail_msg ("%s has no expected values in this test",
                      entry->d_name);
        seen [i] = true;
        files++;
        size_t size;
        byte *data = testutil_load ("wire",entry->d_name, &size);
        char reason [256] = "";
        chat_msg_t *msg = chat_msg_decode (data, size, reason, sizeof reason);
        if (!msg)
            fail_msg ("%s: %s", entry->d_name, reason);
        s_check_wire (&s_wire [i], msg);
        size_t out_size = 0;
        byte *out = chat_msg_encode (msg, &out_size);
        assert_non_null (out);
        assert_int_equal (out_size, size);
        assert_memory_equal (out, data, size);
        free (out);
        chat_msg_destroy (&msg);
        assert_null (msg);
        chat_msg_destroy (&msg);
        free (data);
    }
    closedir (dir);
    assert_int_equal (files, WIRE_COUNT);
    for (size_t i = 0; i < WIRE_COUNT; i++)
        assert_true (seen [i]);
}

//  A message built from fields encodes to the Rust program's bytes.
static void
test_encode_from_fields (void **state)
{
    chat_msg_t *msg = chat_msg_new ();
    assert_non_null (msg);
    chat_msg_set (&msg->uuid, "4e3db6da-dd73-4875-9290-feeab4b1423e");
    chat_msg_set (&msg->sender_uuid, "1");
    msg->timestamp = 1795679149529;
    chat_msg_set (&msg->room_uuid, "room");
    chat_msg_set (&msg->source_endpoint, "udp 127.0.0.1:17550");
    msg->kind = CHAT_MSG_TEXT;
    chat_msg_set (&msg->text, "hello world");
    size_t size, expected_size;
    byte *data = chat_msg_encode (msg, &size);
    byte *expected = testutil_load ("wire","udp-text-ascii.bin",
                                    &expected_size);
    assert_int_equal (size, 90);
    assert_int_equal (size, expected_size);
    assert_memory_equal (data, expected, size);
    free (data);
    free (expected);
    chat_msg_destroy (&msg);

    //  an ack built with chat_msg_new_ack matches udp-ack.bin once its
    //  own uuid and clock are the captured ones
    byte *input = testutil_load ("wire","input-udp-text-python.bin", &size);
    chat_msg_t *text = chat_msg_decode (input, size, NULL, 0);
    assert_non_null (text);
    chat_msg_t *ack = chat_msg_new_ack (text, "1", "udp 127.0.0.1:17550");
    assert_non_null (ack);
    chat_msg_set (&ack->uuid, "3181ca78-3164-41ce-94ae-51ef44c54e90");
    ack->timestamp = 1795679163376;
    data = chat_msg_encode (ack, &size);
    expected = testutil_load ("wire","udp-ack.bin", &expected_size);
    assert_int_equal (size, expected_size);
    assert_memory_equal (data, expected, size);
    free (data);
    free (expected);
    free (input);
    chat_msg_destroy (&ack);
    chat_msg_destroy (&text);
}

//  Decode a wire file and run chat_msg_validate on it.
static int
s_validate_file (const char *name, char *reason, size_t reason_size)
{
    size_t size;
    byte *data = testutil_load ("wire",name, &size);
    chat_msg_t *msg = chat_msg_decode (data, size, NULL, 0);
    assert_non_null (msg);
    int rc = chat_msg_validate (msg, reason, reason_size);
    chat_msg_destroy (&msg);
    free (data);
    return rc;
}

//  What must be there to show and ack a message.
static void
test_validate (void **state)
{
    char reason [512] = "";
    for (size_t i = 0; i < WIRE_COUNT; i++)
        if (!streq (s_wire [i].file, "input-udp-text-bad-endpoint-python.bin")
        &&  s_validate_file (s_wire [i].file, reason, sizeof reason))
            fail_msg ("%s: %s", s_wire [i].file, reason);
    assert_int_equal (s_validate_file (
        "input-udp-text-bad-endpoint-python.bin", reason, sizeof reason), -1);
    assert_non_null (strstr (reason, "source_endpoint"));
    assert_non_null (strstr (reason, "'garbage'"));

    chat_msg_t *msg = chat_msg_new_text ("alice", "room", "??", "hi");
    assert_non_null (msg);
    assert_int_equal (chat_msg_validate (msg, reason, sizeof reason), -1);
    assert_non_null (strstr (reason, "'?\?'"));
    chat_msg_set (&msg->source_endpoint, NULL);
    assert_int_equal (chat_msg_validate (msg, reason, sizeof reason), -1);
    assert_non_null (strstr (reason, "source_endpoint"));
    chat_msg_set (&msg->source_endpoint, "bp ipn:2.1");
    assert_int_equal (chat_msg_validate (msg, reason, sizeof reason), 0);
    //  a file needs a source too
    msg->kind = CHAT_MSG_FILE;
    chat_msg_set (&msg->source_endpoint, "nowhere");
    assert_int_equal (chat_msg_validate (msg, NULL, 0), -1);
    chat_msg_set (&msg->source_endpoint, "udp 1.2.3.4:5");
    assert_int_equal (chat_msg_validate (msg, NULL, 0), 0);
    //  no uuid
    msg->kind = CHAT_MSG_TEXT;
    chat_msg_set (&msg->uuid, NULL);
    assert_int_equal (chat_msg_validate (msg, reason, sizeof reason), -1);
    assert_non_null (strstr (reason, "uuid"));
    chat_msg_set (&msg->uuid, "");
    assert_int_equal (chat_msg_validate (msg, reason, sizeof reason), -1);
    //  an ack needs the acked uuid, not a real source
    chat_msg_set (&msg->uuid, "x");
    msg->kind = CHAT_MSG_ACK;
    chat_msg_set (&msg->source_endpoint, "??");
    assert_int_equal (chat_msg_validate (msg, reason, sizeof reason), -1);
    assert_non_null (strstr (reason, "ack"));
    chat_msg_set (&msg->ack_uuid, "y");
    assert_int_equal (chat_msg_validate (msg, reason, sizeof reason), 0);
    msg->kind = CHAT_MSG_NONE;
    assert_int_equal (chat_msg_validate (msg, reason, sizeof reason), -1);
    chat_msg_destroy (&msg);
}

//  Encode MSG, decode it again; returns the decoded message or NULL.
static chat_msg_t *
s_reencode (const chat_msg_t *msg, char *reason, size_t reason_size)
{
    size_t size;
    byte *data = chat_msg_encode (msg, &size);
    assert_non_null (data);
    chat_msg_t *copy = chat_msg_decode (data, size, reason, reason_size);
    free (data);
    return copy;
}

//  Invalid UTF-8, NUL bytes, over-long ids and no oneof are refused.
static void
test_decode_strict (void **state)
{
    const char *bad_utf8 [] = {
        "\xc0\x80", "\xe0\x80\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80",
        "\xf5\x80\x80\x80", "a\x80", "\xe2\x9c", "\xff", "ok\xc3",
    };
    chat_msg_t *msg = chat_msg_new_text ("alice", "room",
                                         "udp 127.0.0.1:1", "hi");
    assert_non_null (msg);
    char reason [256];
    char **fields [] = { &msg->uuid, &msg->sender_uuid, &msg->room_uuid,
                         &msg->source_endpoint, &msg->text };
    const char *names [] = { "uuid", "sender_uuid", "room_uuid",
                             "source_endpoint", "text" };
    for (size_t f = 0; f < 5; f++)
        for (size_t b = 0; b < sizeof bad_utf8 / sizeof bad_utf8 [0]; b++) {
            char *saved = strdup (*fields [f]);
            chat_msg_set (fields [f], bad_utf8 [b]);
            chat_msg_t *copy = s_reencode (msg, reason, sizeof reason);
            if (copy)
                fail_msg ("bad UTF-8 #%zu in %s decoded", b, names [f]);
            assert_non_null (strstr (reason, "UTF-8"));
            assert_non_null (strstr (reason, names [f]));
            chat_msg_set (fields [f], saved);
            free (saved);
        }
    //  valid non-ASCII everywhere is fine
    chat_msg_set (&msg->sender_uuid, "\xe6\x97\xa5\xf0\x9f\x98\x80");
    chat_msg_t *copy = s_reencode (msg, reason, sizeof reason);
    assert_non_null (copy);
    assert_string_equal (copy->sender_uuid, msg->sender_uuid);
    chat_msg_destroy (&copy);

    //  ids up to DTCHAT_ID_MAX bytes, not one more
    char id [DTCHAT_ID_MAX + 2];
    memset (id, 'i', sizeof id);
    id [DTCHAT_ID_MAX] = 0;
    chat_msg_set (&msg->room_uuid, id);
    copy = s_reencode (msg, reason, sizeof reason);
    assert_non_null (copy);
    chat_msg_destroy (&copy);
    id [DTCHAT_ID_MAX] = 'i';
    id [DTCHAT_ID_MAX + 1] = 0;
    char **ids [] = { &msg->uuid, &msg->sender_uuid, &msg->room_uuid };
    for (size_t f = 0; f < 3; f++) {
        char *saved = strdup (*ids [f]);
        chat_msg_set (ids [f], id);
        assert_null (s_reencode (msg, reason, sizeof reason));
        assert_non_null (strstr (reason, "too long"));
        chat_msg_set (ids [f], saved);
        free (saved);
    }
    //  a text has no size cap here (the transport bounds it)
    char *big = (char *) malloc (100001);
    memset (big, 'x', 100000);
    big [100000] = 0;
    chat_msg_set (&msg->text, big);
    free (big);
    copy = s_reencode (msg, reason, sizeof reason);
    assert_non_null (copy);
    assert_int_equal (strlen (copy->text), 100000);
    chat_msg_destroy (&copy);

    //  an ack's uuid is an id too
    msg->kind = CHAT_MSG_ACK;
    chat_msg_set (&msg->ack_uuid, id);
    assert_null (s_reencode (msg, reason, sizeof reason));
    assert_non_null (strstr (reason, "too long"));
    //  no oneof member
    msg->kind = CHAT_MSG_NONE;
    assert_null (s_reencode (msg, reason, sizeof reason));
    assert_non_null (strstr (reason, "no message type"));
    chat_msg_destroy (&msg);
    assert_null (chat_msg_decode ((const byte *) "", 0, reason,
                                  sizeof reason));
    assert_null (chat_msg_decode (NULL, 0, NULL, 0));
}

//  A NUL byte inside a string would silently cut it short: refused.
static void
test_decode_nul (void **state)
{
    size_t size;
    byte *data = testutil_load ("wire","udp-text-ascii.bin", &size);
    char reason [256];
    //  text "hello world" starts at offset 79; uuid at 2; source at 56
    const size_t offsets [] = { 79 + 5, 2 + 3, 56 + 4, 50 };
    for (size_t i = 0; i < 4; i++) {
        byte saved = data [offsets [i]];
        data [offsets [i]] = 0;
        assert_null (chat_msg_decode (data, size, reason, sizeof reason));
        assert_non_null (strstr (reason, "NUL"));
        data [offsets [i]] = saved;
    }
    chat_msg_t *msg = chat_msg_decode (data, size, NULL, 0);
    assert_non_null (msg);
    chat_msg_destroy (&msg);
    free (data);
    //  but a NUL in file data is just a byte (udp-file.bin has one)
    data = testutil_load ("wire","udp-file.bin", &size);
    msg = chat_msg_decode (data, size, NULL, 0);
    assert_non_null (msg);
    chat_msg_destroy (&msg);
    free (data);
}

//  Every proper prefix of every capture fails (the oneof comes last).
static void
test_truncated (void **state)
{
    for (size_t i = 0; i < WIRE_COUNT; i++) {
        size_t size;
        byte *data = testutil_load ("wire",s_wire [i].file, &size);
        for (size_t len = 0; len < size; len++) {
            //  a fresh copy of exactly LEN bytes so ASan sees overreads
            byte *prefix = (byte *) malloc (len? len: 1);
            memcpy (prefix, data, len);
            char reason [256] = "";
            chat_msg_t *msg = chat_msg_decode (prefix, len, reason,
                                               sizeof reason);
            if (msg)
                fail_msg ("%s: prefix of %zu bytes decoded",
                          s_wire [i].file, len);
            assert_true (strlen (reason) > 0);
            free (prefix);
        }
        free (data);
    }
}

//  Decode, validate, re-encode, decode again: the same fields.
static void
s_round_trip (const byte *data, size_t size)
{
    char reason [256];
    chat_msg_t *msg = chat_msg_decode (data, size, reason, sizeof reason);
    if (!msg)
        return;
    chat_msg_validate (msg, reason, sizeof reason);
    chat_msg_t *copy = s_reencode (msg, reason, sizeof reason);
    assert_non_null (copy);
    assert_int_equal (copy->kind, msg->kind);
    assert_true (copy->timestamp == msg->timestamp);
    const char *a [] = { msg->uuid, msg->sender_uuid, msg->room_uuid,
                         msg->source_endpoint, msg->text, msg->ack_uuid,
                         msg->file_name };
    const char *b [] = { copy->uuid, copy->sender_uuid, copy->room_uuid,
                         copy->source_endpoint, copy->text, copy->ack_uuid,
                         copy->file_name };
    for (size_t i = 0; i < 7; i++)
        assert_string_equal (a [i]? a [i]: "", b [i]? b [i]: "");
    assert_int_equal (copy->file_size, msg->file_size);
    if (msg->file_size)
        assert_memory_equal (copy->file_data, msg->file_data,
                             msg->file_size);
    chat_msg_destroy (&copy);
    chat_msg_destroy (&msg);
}

//  Random bytes and mutated captures never crash the decoder.
static void
test_random (void **state)
{
    unsigned int seed = 20261126;
    byte buf [512];
    for (int round = 0; round < 20000; round++) {
        size_t size = (size_t) (rand_r (&seed) % sizeof buf);
        for (size_t i = 0; i < size; i++)
            buf [i] = (byte) rand_r (&seed);
        s_round_trip (buf, size);
    }
    size_t decoded = 0;
    for (size_t i = 0; i < WIRE_COUNT; i++) {
        size_t size;
        byte *data = testutil_load ("wire",s_wire [i].file, &size);
        byte *copy = (byte *) malloc (size);
        for (int round = 0; round < 1000; round++) {
            memcpy (copy, data, size);
            int flips = 1 + rand_r (&seed) % 4;
            for (int f = 0; f < flips; f++)
                copy [(size_t) rand_r (&seed) % size] = (byte) rand_r (&seed);
            chat_msg_t *msg = chat_msg_decode (copy, size, NULL, 0);
            decoded += msg != NULL;
            chat_msg_destroy (&msg);
            s_round_trip (copy, size);
        }
        free (copy);
        free (data);
    }
    //  mutations mostly hit text bytes, so many still decode
    assert_true (decoded > 0);
}

//  The UTF-8 checker itself.
static void
test_utf8 (void **state)
{
    const char *good [] = { "", "abc", "\xc3\xa9", "\xe2\x9c\x93",
                            "\xe6\x97\xa5\xe6\x9c\xac", "\xf4\x8f\xbf\xbf",
                            "\xf0\x90\x80\x80", "\xef\xbf\xbd", "\x7f" };
    for (size_t i = 0; i < sizeof good / sizeof good [0]; i++)
        assert_true (chat_msg_utf8_valid (good [i], strlen (good [i])));
    assert_true (chat_msg_utf8_valid ("\0", 1));
    const char *bad [] = { "\xc0\x80", "\xc1\xbf", "\xe0\x80\x80",
                           "\xe0\x9f\xbf", "\xed\xa0\x80", "\xed\xbf\xbf",
                           "\xf0\x80\x80\x80", "\xf4\x90\x80\x80",
                           "\xf5\x80\x80\x80", "\x80", "\xbf", "\xe2\x9c",
                           "\xe2\x9c\x41", "\xfe", "\xff", "a\xc3" };
    for (size_t i = 0; i < sizeof bad / sizeof bad [0]; i++)
        if (chat_msg_utf8_valid (bad [i], strlen (bad [i])))
            fail_msg ("bad UTF-8 #%zu passed", i);
    //  the size is honoured: a valid sequence cut short is invalid
    assert_false (chat_msg_utf8_valid ("\xe2\x9c\x93", 2));
}

//  Check S is a lowercase uuid v4 text.
static void
s_check_uuid (const char *s)
{
    assert_non_null (s);
    assert_int_equal (strlen (s), 36);
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23)
            assert_int_equal (s [i], '-');
        else
            assert_non_null (strchr ("0123456789abcdef", s [i]));
    }
    assert_int_equal (s [14], '4');
    assert_non_null (strchr ("89ab", s [19]));
}

//  chat_msg_new_text and chat_msg_new_ack fill what they promise.
static void
test_new (void **state)
{
    int64_t before = dtchat_now_ms ();
    chat_msg_t *text = chat_msg_new_text ("alice", "room",
                                          "udp 127.0.0.1:7777", "hello");
    int64_t after = dtchat_now_ms ();
    assert_non_null (text);
    s_check_uuid (text->uuid);
    assert_string_equal (text->sender_uuid, "alice");
    assert_string_equal (text->room_uuid, "room");
    assert_string_equal (text->source_endpoint, "udp 127.0.0.1:7777");
    assert_string_equal (text->text, "hello");
    assert_int_equal (text->kind, CHAT_MSG_TEXT);
    assert_true (text->timestamp >= before && text->timestamp <= after);
    assert_int_equal (chat_msg_validate (text, NULL, 0), 0);

    chat_msg_t *other = chat_msg_new_text ("alice", NULL, "bp ipn:1.1",
                                           NULL);
    assert_non_null (other);
    assert_string_not_equal (other->uuid, text->uuid);
    assert_null (other->room_uuid);
    assert_string_equal (other->text, "");

    before = dtchat_now_ms ();
    chat_msg_t *ack = chat_msg_new_ack (text, "bob", NULL);
    after = dtchat_now_ms ();
    assert_non_null (ack);
    s_check_uuid (ack->uuid);
    assert_string_not_equal (ack->uuid, text->uuid);
    assert_int_equal (ack->kind, CHAT_MSG_ACK);
    assert_string_equal (ack->ack_uuid, text->uuid);
    assert_string_equal (ack->room_uuid, "room");
    assert_string_equal (ack->sender_uuid, "bob");
    assert_string_equal (ack->source_endpoint, "??");
    assert_true (ack->timestamp >= before && ack->timestamp <= after);
    assert_null (ack->text);
    assert_int_equal (chat_msg_validate (ack, NULL, 0), 0);
    chat_msg_destroy (&ack);

    //  the room is copied, absent included; the source when given
    ack = chat_msg_new_ack (other, "bob", "tcp [::1]:5");
    assert_non_null (ack);
    assert_null (ack->room_uuid);
    assert_string_equal (ack->source_endpoint, "tcp [::1]:5");
    size_t size;
    byte *data = chat_msg_encode (ack, &size);
    chat_msg_t *copy = chat_msg_decode (data, size, NULL, 0);
    assert_non_null (copy);
    assert_string_equal (copy->ack_uuid, other->uuid);
    assert_null (copy->room_uuid);
    free (data);
    chat_msg_destroy (&copy);
    chat_msg_destroy (&ack);
    chat_msg_destroy (&other);
    chat_msg_destroy (&text);

    //  chat_msg_set copies and clears; an empty message encodes to nothing
    chat_msg_t *msg = chat_msg_new ();
    char value [] = "abc";
    chat_msg_set (&msg->uuid, value);
    value [0] = 'x';
    assert_string_equal (msg->uuid, "abc");
    chat_msg_set (&msg->uuid, NULL);
    assert_null (msg->uuid);
    data = chat_msg_encode (msg, &size);
    assert_non_null (data);
    assert_int_equal (size, 0);
    free (data);
    chat_msg_destroy (&msg);

    char buf [37];
    chat_msg_uuid_new (buf);
    s_check_uuid (buf);
}

//  Append a length-delimited field (wire type 2, one-byte tag and
//  length) to BUF at *USED.
static void
s_put_field (byte *buf, size_t *used, int field, const char *value)
{
    size_t len = strlen (value);
    assert_true (len < 128);
    buf [(*used)++] = (byte) (field << 3 | 2);
    buf [(*used)++] = (byte) len;
    memcpy (buf + *used, value, len);
    *used += len;
}

//  A message far larger than decoding's stack arena, as a peer may send:
//  a field repeated (the last one wins; protobuf-c frees the others),
//  unknown fields kept aside, a text member given twice. It decodes to
//  the last values, with nothing leaked or freed twice (see ASan).
static void
test_decode_big (void **state)
{
    size_t room = 64 * 1024, used = 0;
    byte *buf = (byte *) malloc (room);
    assert_non_null (buf);
    char uuid [37];
    for (int i = 0; i < 300; i++) {
        chat_msg_uuid_new (uuid);
        s_put_field (buf, &used, 1, uuid);
        s_put_field (buf, &used, 14, "unknown field");
        byte text [40];
        size_t text_used = 0;
        s_put_field (text, &text_used, 1, i % 2? "odd": "even");
        buf [used++] = 6 << 3 | 2;
        buf [used++] = (byte) text_used;
        memcpy (buf + used, text, text_used);
        used += text_used;
    }
    s_put_field (buf, &used, 5, "udp 127.0.0.1:9");
    assert_true (used < room);
    char reason [128] = "";
    chat_msg_t *msg = chat_msg_decode (buf, used, reason, sizeof reason);
    assert_non_null (msg);
    assert_string_equal (msg->uuid, uuid);
    assert_int_equal (msg->kind, CHAT_MSG_TEXT);
    assert_string_equal (msg->text, "odd");
    assert_string_equal (msg->source_endpoint, "udp 127.0.0.1:9");
    chat_msg_destroy (&msg);
    //  and cut anywhere it fails cleanly or decodes, arena or not
    for (size_t cut = 1; cut < used; cut += 97) {
        msg = chat_msg_decode (buf, cut, reason, sizeof reason);
        chat_msg_destroy (&msg);
    }
    free (buf);
}

//  How many uuids each pool test draws: many refills of the pool.
#define S_UUIDS 10000

//  Draw S_UUIDS uuids into ARGS (S_UUIDS * 37 chars); a thread's body.
static void *
s_draw_uuids (void *args)
{
    char *uuids = (char *) args;
    for (int i = 0; i < S_UUIDS; i++)
        chat_msg_uuid_new (uuids + 37 * i);
    return NULL;
}

//  qsort order for 37-char uuid slots.
static int
s_uuid_cmp (const void *a, const void *b)
{
    return strcmp ((const char *) a, (const char *) b);
}

//  Uuids from the per-thread pool: every one version 4 variant 1, and
//  none twice, neither within a thread nor between two threads.
static void
test_uuid_pool (void **state)
{
    char *uuids = (char *) malloc (2 * S_UUIDS * 37);
    assert_non_null (uuids);
    pthread_t thread;
    assert_int_equal (pthread_create (&thread, NULL, s_draw_uuids,
                                      uuids + S_UUIDS * 37), 0);
    s_draw_uuids (uuids);
    assert_int_equal (pthread_join (thread, NULL), 0);
    for (int i = 0; i < 2 * S_UUIDS; i++)
        s_check_uuid (uuids + 37 * i);
    qsort (uuids, 2 * S_UUIDS, 37, s_uuid_cmp);
    for (int i = 1; i < 2 * S_UUIDS; i++)
        assert_string_not_equal (uuids + 37 * (i - 1), uuids + 37 * i);
    free (uuids);
}

//  A forked child does not hand out the uuids its parent will.
static void
test_uuid_fork (void **state)
{
    char parent [37], child [37] = "";
    chat_msg_uuid_new (parent);         //  the pool now holds more
    int fds [2];
    assert_int_equal (pipe (fds), 0);
    pid_t pid = fork ();
    assert_true (pid >= 0);
    if (pid == 0) {
        chat_msg_uuid_new (child);
        _exit (write (fds [1], child, 37) == 37? 0: 1);
    }
    close (fds [1]);
    assert_int_equal (read (fds [0], child, 37), 37);
    close (fds [0]);
    int status = 0;
    assert_int_equal (waitpid (pid, &status, 0), pid);
    assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
    chat_msg_uuid_new (parent);
    s_check_uuid (child);
    s_check_uuid (parent);
    assert_string_not_equal (child, parent);
}

int
main (void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test (test_wire_files),
        cmocka_unit_test (test_encode_from_fields),
        cmocka_unit_test (test_validate),
        cmocka_unit_test (test_decode_strict),
        cmocka_unit_test (test_decode_nul),
        cmocka_unit_test (test_truncated),
        cmocka_unit_test (test_random),
        cmocka_unit_test (test_utf8),
        cmocka_unit_test (test_new),
        cmocka_unit_test (test_decode_big),
        cmocka_unit_test (test_uuid_pool),
        cmocka_unit_test (test_uuid_fork),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
