#!/usr/bin/env bash
# it_demo.sh: the no-argument demo, end to end, as a user runs it.
#
# `echo hi | dtchat --no-tui --json` starts two peers in one process (the
# second answered by demo_bot), sends "hi", waits for its ack and exits 0.
# Its stdout must be JSON only, hold an ACKED msg event for "hi" and the
# bot's RECEIVED answer ("echo: hi"); the banner goes to stderr.
set -u
: "${DTCHAT_BIN:?set DTCHAT_BIN to the build directory}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail () { echo "it_demo: FAIL: $*" >&2; exit 1; }

echo hi | timeout 30 "$DTCHAT_BIN/dtchat" --no-tui --json \
    >"$work/out" 2>"$work/err"
status=$?
[ "$status" -eq 0 ] || { cat "$work/err" >&2; fail "exit status $status"; }

python3 - "$work/out" <<'PY' || fail "bad output (see above)"
import json, sys
acked = received = False
with open(sys.argv[1], encoding="utf-8") as out:
    for number, line in enumerate(out, 1):
        try:
            event = json.loads(line)
        except ValueError:
            sys.exit(f"line {number} is not JSON: {line!r}")
        if event.get("event") != "msg":
            continue
        for key in ("status", "uuid", "sender", "room", "text",
                    "send_time", "receive_time"):
            if key not in event:
                sys.exit(f"line {number} has no {key!r}: {line!r}")
        if event["status"] == "ACKED" and event["text"] == "hi" \
                and event["outgoing"] and event["sender"] == "you":
            acked = True
        if event["status"] == "RECEIVED" and event["text"] == "echo: hi" \
                and event["sender"] == "demo-bot":
            received = True
if not acked:
    sys.exit("no ACKED msg event for 'hi'")
if not received:
    sys.exit("no RECEIVED answer 'echo: hi' from the demo bot")
PY

grep -q '^demo: you are udp 127.0.0.1:' "$work/err" \
    || fail "no demo banner on stderr"

# /quit ends at once, with status 0, even with input left
printf '/quit\nnot sent\n' | timeout 30 "$DTCHAT_BIN/dtchat" --no-tui \
    --json --quiet >"$work/out2" 2>"$work/err2"
status=$?
[ "$status" -eq 0 ] || fail "/quit: exit status $status"
grep -q '"not sent"' "$work/out2" && fail "/quit: a line after it was sent"
[ -s "$work/err2" ] && fail "--quiet: stderr is not empty"
echo "it_demo: ok"
