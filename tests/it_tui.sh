#!/usr/bin/env bash
# it_tui.sh: the curses ui in a real terminal (tmux), against a line-mode peer.
#
# A dtchat --no-tui --json peer runs in the background (its stdin a fifo we
# write lines to, its stdout a file); the curses dtchat runs in a detached
# tmux session (100x30) on a private tmux socket. The test types with
# send-keys and reads the screen with capture-pane, polling with a bounded
# loop: typed UTF-8 text shows ACKED (and reaches the peer intact), the
# peer's message shows RECEIVED, Up recalls the last line, the screen
# survives 40x10, says "terminal too small" below that and redraws at
# 120x40, PgUp shows the scroll-back marker and End returns to live, /quit
# ends with status 0 and gives the terminal back (no alternate screen, the
# shell's line after it shows), and a second run shows the history from
# its store and ends with status 130 on Ctrl-C.
set -u
: "${DTCHAT_BIN:?set DTCHAT_BIN to the build directory}"
if ! command -v tmux >/dev/null; then
    echo "it_tui: SKIP: tmux is not installed"
    exit 0
fi
work=$(mktemp -d)
sock="dtchat-it-tui-$$"
# (fd 3, the peer's input, must not leak into the tmux server: the peer
# would never see the end of its input)
tmx () { tmux -L "$sock" -f /dev/null "$@" 3>&-; }
peer_pid=""
cleanup () {
    tmx kill-server 2>/dev/null
    exec 3>&- 2>/dev/null
    if [ -n "$peer_pid" ] && kill -0 "$peer_pid" 2>/dev/null; then
        kill "$peer_pid" 2>/dev/null
        wait "$peer_pid" 2>/dev/null
    fi
    rm -rf "$work"
}
trap cleanup EXIT

fail () {
    echo "it_tui: FAIL: $*" >&2
    echo "--- screen:" >&2
    tmx capture-pane -p -t tui >&2 2>/dev/null
    echo "--- peer stdout:" >&2
    cat "$work/peer.out" >&2 2>/dev/null
    echo "--- peer stderr:" >&2
    cat "$work/peer.err" >&2 2>/dev/null
    exit 1
}

screen () { tmx capture-pane -p -t tui 2>/dev/null; }

# Wait (bounded) until the screen has a line matching every fixed string
# given (all on the same line).
wait_screen () {
    local what="$*" tries=0
    while [ $tries -lt 300 ]; do
        local lines
        lines=$(screen)
        for word in "$@"; do
            lines=$(printf '%s\n' "$lines" | grep -F -- "$word")
        done
        [ -n "$lines" ] && return 0
        tries=$((tries + 1))
        sleep 0.1
    done
    fail "the screen never showed: $what"
}

# Wait (bounded) until the screen no longer has TEXT.
wait_gone () {
    local tries=0
    while [ $tries -lt 300 ]; do
        screen | grep -F -q -- "$1" || return 0
        tries=$((tries + 1))
        sleep 0.1
    done
    fail "the screen still shows: $1"
}

# Wait (bounded) until the peer's JSON output has TEXT.
wait_peer () {
    local tries=0
    while [ $tries -lt 300 ]; do
        grep -F -q -- "$1" "$work/peer.out" 2>/dev/null && return 0
        tries=$((tries + 1))
        sleep 0.1
    done
    fail "the peer never printed: $1"
}

ports=$(python3 -c '
import socket
socks = []
for _ in range(2):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))')
set -- $ports
tui_ep="udp 127.0.0.1:$1"
peer_ep="udp 127.0.0.1:$2"

# The peer: line mode, fed through a fifo we keep open
mkfifo "$work/peer.in"
"$DTCHAT_BIN/dtchat" --no-tui --json --quiet --bus none --id peer \
    --db :memory: "$peer_ep" "$tui_ep" <"$work/peer.in" >"$work/peer.out" \
    2>"$work/peer.err" &
peer_pid=$!
exec 3>"$work/peer.in"

# The curses ui, in a shell that reports how it ended
run="'$DTCHAT_BIN/dtchat' --bus none --id me --db '$work/tui.db'"
run="$run '$tui_ep' '$peer_ep'"
tmx new-session -d -s tui -x 100 -y 30 \
    "sh -c \"$run; echo dtchat exited \\\$?; exec sleep 300\""
wait_screen "messages"
wait_screen "$tui_ep" "pending" "failed"

# Typed UTF-8 text goes out and comes back ACKED; the peer gets it intact
text="héllo wörld 世界 😀"
tmx send-keys -t tui -l "$text"
tmx send-keys -t tui Enter
wait_screen "ACKED" "me:" "$text"
wait_peer "\"text\":\"$text\""

# The peer's message
echo "from the peer ✓" >&3
wait_screen "RECEIVED" "peer:" "from the peer ✓"

# History: Up brings the last line back
tmx send-keys -t tui Up
wait_screen "> $text"
tmx send-keys -t tui C-u
wait_gone "> $text"

# Small, too small, large
tmx resize-window -t tui -x 40 -y 10
wait_screen "pending" "failed"
wait_screen "from the peer"
tmx resize-window -t tui -x 30 -y 8
wait_screen "terminal too small"
tmx resize-window -t tui -x 120 -y 40
wait_screen "status, sent (sender's clock)"
wait_screen "RECEIVED" "from the peer ✓"

# Scroll back: enough messages to fill the pane, PgUp, then End
for n in $(seq 1 40); do echo "line $n of many" >&3; done
wait_screen "line 40 of many"
tmx send-keys -t tui PPage
wait_screen "more below"
tmx send-keys -t tui End
wait_gone "more below"
wait_screen "line 40 of many"

# /quit: status 0, the terminal given back
tmx send-keys -t tui -l "/quit"
tmx send-keys -t tui Enter
wait_screen "dtchat exited 0"
[ "$(tmx display -p -t tui '#{alternate_on}')" = "0" ] \
    || fail "/quit left the terminal in the alternate screen"
screen | grep -F -q "more below" && fail "/quit left the ui on the screen"

# A second run shows the history from its store, and ends with Ctrl-C:
# status 130, terminal given back
tmx kill-session -t tui
tmx new-session -d -s tui -x 100 -y 30 \
    "sh -c \"$run; echo dtchat exited \\\$?; exec sleep 300\""
wait_screen "messages"
wait_screen "RECEIVED" "line 40 of many"
tmx send-keys -t tui C-c
wait_screen "dtchat exited 130"
[ "$(tmx display -p -t tui '#{alternate_on}')" = "0" ] \
    || fail "Ctrl-C left the terminal in the alternate screen"

# The peer drains and ends cleanly at end of input
exec 3>&-
tries=0
while kill -0 "$peer_pid" 2>/dev/null && [ $tries -lt 300 ]; do
    tries=$((tries + 1))
    sleep 0.1
done
kill -0 "$peer_pid" 2>/dev/null && fail "the peer did not end at end of input"
wait "$peer_pid"
status=$?
peer_pid=""
[ "$status" -eq 0 ] || fail "the peer ended with status $status"
echo "it_tui: ok"
