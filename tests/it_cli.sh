#!/usr/bin/env bash
# it_cli.sh: dtchat's command line as users and scripts meet it.
#
# --help and --version exit 0; every bad argument gets ONE line on stderr
# that names it, nothing on stdout, exit 2; a UDP port already in use is a
# runtime failure: a clear message, exit 1. Nothing may crash (a status of
# 128 or more would be a signal) or dump core. dtchat-tap's own command
# line gets the same checks.
set -u
: "${DTCHAT_BIN:?set DTCHAT_BIN to the build directory}"
dtchat="$DTCHAT_BIN/dtchat"
tap="$DTCHAT_BIN/dtchat-tap"
work=$(mktemp -d /tmp/it_cli-XXXXXX)
holder_pid=
cleanup () {
    [ -n "$holder_pid" ] && kill "$holder_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1
ulimit -c 0
failures=0

fail () { echo "it_cli: FAIL: $*" >&2; failures=$((failures + 1)); }

# run LABEL PROGRAM ARGS...: run with stdin from /dev/null and a time
# limit; sets $status, $out, $err (file names)
run () {
    local label=$1; shift
    out="$work/out" err="$work/err"
    timeout -k 5 30 "$@" </dev/null >"$out" 2>"$err"
    status=$?
    if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
        fail "$label: timed out"
    elif [ "$status" -ge 128 ]; then
        fail "$label: killed by signal $((status - 128))"
    fi
}

# bad WANT-IN-STDERR ARGS...: dtchat must refuse ARGS: exit 2, nothing on
# stdout, exactly one stderr line containing WANT
bad () {
    local want=$1; shift
    bad_with "$dtchat" "$want" "$@"
}

bad_with () {
    local program=$1 want=$2; shift 2
    local label="$(basename "$program") $*"
    run "$label" "$program" "$@"
    local lines
    lines=$(wc -l <"$err")
    if [ "$status" -ne 2 ]; then
        fail "$label: exit $status, want 2 (stderr: $(head -c 300 "$err"))"
    elif [ "$lines" -ne 1 ]; then
        fail "$label: $lines stderr lines, want 1: $(head -c 600 "$err")"
    elif ! grep -qF -- "$want" "$err"; then
        fail "$label: stderr does not name '$want': $(cat "$err")"
    elif [ -s "$out" ]; then
        fail "$label: wrote to stdout: $(head -c 200 "$out")"
    fi
}

# --- help and version
for flag in --help -h; do
    run "dtchat $flag" "$dtchat" "$flag"
    [ "$status" -eq 0 ] || fail "dtchat $flag: exit $status"
    grep -q '^usage: dtchat' "$out" || fail "dtchat $flag: no usage on stdout"
    grep -q -- '--json' "$out" || fail "dtchat $flag: does not list --json"
done
for flag in --version -V; do
    run "dtchat $flag" "$dtchat" "$flag"
    [ "$status" -eq 0 ] || fail "dtchat $flag: exit $status"
    grep -Eq '^dtchat [0-9]+\.[0-9]+' "$out" \
        || fail "dtchat $flag: no version: $(cat "$out")"
done

# --- bad arguments: one line naming the argument, exit 2
ok_local="udp 127.0.0.1:0"
ok_remote="udp 127.0.0.1:9"
bad "--bogus" --bogus "$ok_local" "$ok_remote"
bad "-x" -x "$ok_local" "$ok_remote"
bad "udp 1.2.3.4" "udp 1.2.3.4" "$ok_remote"
bad "udp 1.2.3.4" "$ok_local" "udp 1.2.3.4"
bad "foo" "foo 1.2.3.4:5" "$ok_remote"
bad "99999" "udp 127.0.0.1:99999" "$ok_remote"
bad "-1" "$ok_local" "udp 127.0.0.1:-1"
bad "example.com" "$ok_local" "udp example.com:5"
bad "1 argument" "$ok_local"
bad "3 arguments" "$ok_local" "$ok_remote" "udp 127.0.0.1:10"
bad "tcp" "$ok_local" "tcp 127.0.0.1:5"
bad "--lifetime" --lifetime abc "$ok_local" "$ok_remote"
bad "abc" --lifetime abc "$ok_local" "$ok_remote"
bad "--lifetime" --lifetime 0 "$ok_local" "$ok_remote"
bad "--lifetime" --lifetime -5 "$ok_local" "$ok_remote"
bad "--lifetime" --lifetime 1e99 "$ok_local" "$ok_remote"
bad "--lifetime" "$ok_local" "$ok_remote" --lifetime
bad "--max-message" --max-message 0 "$ok_local" "$ok_remote"
bad "--bus" --bus "foo://x" "$ok_local" "$ok_remote"
bad "--id" --id "" "$ok_local" "$ok_remote"
bad "--json" --json --tui "$ok_local" "$ok_remote"
bad "$work/missing.yaml" --config "$work/missing.yaml"
printf 'local: [udp 127.0.0.1:0]\npeers: [{name: b, endpoint: udp 127.0.0.1:9}]\ncolour: red\n' \
    >"$work/typo.yaml"
bad "$work/typo.yaml:3" --config "$work/typo.yaml"
bad "colour" --config "$work/typo.yaml"
printf 'local: [udp 127.0.0.1:0]\npeers:\n  - name: b\n' >"$work/noend.yaml"
bad "endpoint" --config "$work/noend.yaml"
head -c 2000000 /dev/zero | tr '\0' '#' >"$work/big.yaml"
bad "too big" --config "$work/big.yaml"
bad "--config" --config "$work/typo.yaml" "$ok_local" "$ok_remote"

# --- a good command line with nothing to say ends at once with 0
run "dtchat, empty input" "$dtchat" --no-tui --json --bus none \
    "$ok_local" "$ok_remote"
[ "$status" -eq 0 ] || fail "empty input: exit $status: $(head -c 300 "$err")"
printf 'local: [udp 127.0.0.1:0]\npeers: [{name: b, endpoint: udp 127.0.0.1:9}]\n' \
    >"$work/good.yaml"
run "dtchat --config good" "$dtchat" --no-tui --json --bus none \
    --config "$work/good.yaml"
[ "$status" -eq 0 ] || fail "--config good: exit $status: $(head -c 300 "$err")"

# --- port in use: a runtime failure, exit 1, a clear message
coproc holder {
    exec python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
sys.stdin.read()            # hold the port until the test ends
'
}
holder_pid=$holder_PID
port=
read -r -t 30 port <&"${holder[0]}"
if [ -z "$port" ]; then
    fail "could not hold a UDP port"
else
    run "port in use" "$dtchat" --no-tui --json --bus none \
        "udp 127.0.0.1:$port" "$ok_remote"
    if [ "$status" -ne 1 ]; then
        fail "port in use: exit $status, want 1: $(head -c 300 "$err")"
    elif ! grep -q "$port" "$err" || ! grep -qi "in use" "$err"; then
        fail "port in use: unclear message: $(cat "$err")"
    fi
fi

# --- dtchat-tap's command line
for flag in --help -h; do
    run "dtchat-tap $flag" "$tap" "$flag"
    [ "$status" -eq 0 ] || fail "dtchat-tap $flag: exit $status"
    grep -q '^usage: dtchat-tap' "$out" || fail "dtchat-tap $flag: no usage"
done
run "dtchat-tap -V" "$tap" -V
[ "$status" -eq 0 ] && grep -Eq '^dtchat-tap [0-9]' "$out" \
    || fail "dtchat-tap -V: exit $status: $(cat "$out")"
bad_with "$tap" "--bogus" --bogus
bad_with "$tap" "--count" --count
bad_with "$tap" "abc" --count abc ipc:///nonexistent
bad_with "$tap" "--count" --count 0 ipc:///nonexistent
bad_with "$tap" "--timeout" --timeout -1 ipc:///nonexistent
bad_with "$tap" "xyz" --timeout xyz ipc:///nonexistent
bad_with "$tap" "second" first second
bad_with "$tap" "foo://bar" foo://bar
# no dtchat there: a runtime failure, exit 1
run "dtchat-tap, no bus" "$tap" "ipc://$work/none.bus"
[ "$status" -eq 1 ] && grep -q "none.bus" "$err" \
    || fail "dtchat-tap, no bus: exit $status: $(cat "$err")"
mkdir -m 700 "$work/xdg"
run "dtchat-tap, no dtchat" env XDG_RUNTIME_DIR="$work/xdg" "$tap"
[ "$status" -eq 1 ] && grep -q "no running dtchat" "$err" \
    || fail "dtchat-tap, no dtchat running: exit $status: $(cat "$err")"

# --- no core dumps anywhere
if compgen -G "$work/core*" >/dev/null; then
    fail "core dumped"
fi

if [ "$failures" -ne 0 ]; then
    echo "it_cli: $failures failure(s)" >&2
    exit 1
fi
echo "it_cli: PASS"
