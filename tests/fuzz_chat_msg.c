/*  fuzz_chat_msg.c: libFuzzer target for the ProtoMessage codec.

    Feeds arbitrary bytes to chat_msg_decode; whatever decodes is
    validated, encoded, decoded again and must come back field for field
    (the fuzzer's sanitizers catch crashes, overreads and leaks). Built
    only with -DDTCHAT_FUZZ=ON and CC=clang; seed it with testdata/wire.
*/
#include "dtchat.h"
#include "chat_msg.h"

//  True if two optional strings hold the same text (NULL == "").
static bool
s_same (const char *a, const char *b)
{
    return streq (a? a: "", b? b: "");
}

//  Abort if COPY differs from MSG in any field.
static void
s_compare (const chat_msg_t *msg, const chat_msg_t *copy)
{
    bool same = msg->kind == copy->kind
        && msg->timestamp == copy->timestamp
        && s_same (msg->uuid, copy->uuid)
        && s_same (msg->sender_uuid, copy->sender_uuid)
        && s_same (msg->room_uuid, copy->room_uuid)
        && s_same (msg->source_endpoint, copy->source_endpoint)
        && s_same (msg->text, copy->text)
        && s_same (msg->ack_uuid, copy->ack_uuid)
        && s_same (msg->file_name, copy->file_name)
        && msg->file_size == copy->file_size
        && (msg->file_size == 0
            || memcmp (msg->file_data, copy->file_data, msg->file_size) == 0);
    if (!same)
        abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

//  One input: decode, validate, encode, decode, compare.
int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char reason [512];
    chat_msg_t *msg = chat_msg_decode (data, size, reason, sizeof reason);
    if (!msg) {
        //  a refusal always says why
        if (!*reason)
            abort ();
        return 0;
    }
    chat_msg_validate (msg, reason, sizeof reason);
    size_t out_size = 0;
    byte *out = chat_msg_encode (msg, &out_size);
    if (!out)
        abort ();
    chat_msg_t *copy = chat_msg_decode (out, out_size, reason, sizeof reason);
    if (!copy)
        abort ();
    s_compare (msg, copy);
    //  and the canonical bytes are a fixed point
    size_t again_size = 0;
    byte *again = chat_msg_encode (copy, &again_size);
    if (!again || again_size != out_size || memcmp (again, out, out_size))
        abort ();
    free (again);
    free (out);
    chat_msg_destroy (&copy);
    chat_msg_destroy (&msg);
    return 0;
}
