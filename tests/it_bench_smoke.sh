#!/usr/bin/env bash
# it_bench_smoke.sh: dtchat-bench runs and reports what it promises.
#
# Runs dtchat-bench briefly over each transport with --json and checks the
# shape of what it prints: one object per transport with the agreed keys,
# messages > 0, lost == 0 (proven by the model's DRAINED, not by the bus),
# then one "system" object with the bus and memory figures. It never
# checks a speed: the machine may be slow or busy. Also: --help exits 0,
# a bad argument gets one line on stderr and exit 2.
set -u
: "${DTCHAT_BIN:?set DTCHAT_BIN to the build directory}"
bench="$DTCHAT_BIN/dtchat-bench"
work=$(mktemp -d /tmp/it_bench_smoke-XXXXXX)
trap 'rm -rf "$work"' EXIT
ulimit -c 0
failures=0

fail () { echo "it_bench_smoke: FAIL: $*" >&2; failures=$((failures + 1)); }

# check TRANSPORT FILE: the JSON lines in FILE describe TRANSPORT
check () {
    python3 - "$1" "$2" <<'EOF'
import json, sys
transport, path = sys.argv[1], sys.argv[2]
lines = [line for line in open(path) if line.strip()]
objects = [json.loads(line) for line in lines]
problems = []
runs = [o for o in objects if o.get("kind") == "transport"]
system = [o for o in objects if o.get("kind") == "system"]
if len(runs) != 1 or runs[0].get("transport") != transport:
    problems.append("want one %s object, got %r" % (transport, runs))
for o in runs:
    for key in ("transport", "messages", "lost", "rtt_p50_us", "rtt_p99_us",
                "baseline_rtt_p50_us", "acked_per_s", "baseline_per_s",
                "rtt_ratio", "per_s_ratio", "drained"):
        if key not in o:
            problems.append("%s: no key %s" % (transport, key))
    if not o.get("messages", 0) > 0:
        problems.append("%s: messages %r" % (transport, o.get("messages")))
    if o.get("lost") != 0:
        problems.append("%s: lost %r" % (transport, o.get("lost")))
    if o.get("drained") is not True:
        problems.append("%s: not drained" % transport)
    for key in ("rtt_p50_us", "baseline_rtt_p50_us", "acked_per_s",
                "baseline_per_s"):
        if not isinstance(o.get(key), (int, float)) or o[key] <= 0:
            problems.append("%s: %s is %r" % (transport, key, o.get(key)))
if len(system) != 1:
    problems.append("want one system object, got %d" % len(system))
for o in system:
    for key in ("bus_events_per_s", "bus_dropped", "raw_pubsub_per_s",
                "bus_ratio", "startup_ms", "rss_idle_kib",
                "rss_history_kib", "rss_bench_kib"):
        if key not in o:
            problems.append("system: no key %s" % key)
    if not o.get("bus_events_per_s", 0) > 0:
        problems.append("system: no bus events")
for problem in problems:
    print(problem)
sys.exit(1 if problems else 0)
EOF
}

# The exact run the docs name, then the other transports without the
# slow memory part, then udp with the peers' stores on disk
runs=("udp --seconds 1 --json"
      "tcp --seconds 1 --json --history 0"
      "bp --seconds 1 --json --history 0"
      "udp --seconds 1 --json --history 0 --store file")
index=0
for args in "${runs[@]}"; do
    transport=${args%% *}
    out="$work/run$index"
    index=$((index + 1))
    # shellcheck disable=SC2086
    timeout -k 5 240 "$bench" --transport $args >"$out.json" 2>"$out.err"
    status=$?
    if [ "$status" -ne 0 ]; then
        fail "--transport $args: exit $status: $(tail -3 "$out.err")"
        continue
    fi
    if ! why=$(check "$transport" "$out.json"); then
        fail "--transport $args: $why"
    fi
done

# The udp run fed a real dtchat: its memory figures are numbers
python3 - "$work/run0.json" <<'EOF' || fail "udp: no dtchat memory figures"
import json, sys
system = [json.loads(l) for l in open(sys.argv[1]) if '"system"' in l][0]
ok = all(isinstance(system.get(k), int) and system[k] > 0
         for k in ("rss_idle_kib", "rss_history_kib"))
sys.exit(0 if ok and system.get("dtchat_exit") == 0 else 1)
EOF

# The command line
timeout 10 "$bench" --help >"$work/help" 2>&1 || fail "--help: exit $?"
grep -q -- "--transport" "$work/help" || fail "--help: no usage text"
for bad in "--transport carrier-pigeon" "--seconds 0" "--seconds x" \
           "--window 0" "--nonsense" "extra"; do
    # shellcheck disable=SC2086
    timeout 10 "$bench" $bad >"$work/out" 2>"$work/err"
    status=$?
    [ "$status" -eq 2 ] || fail "'$bad': exit $status, want 2"
    [ "$(wc -l <"$work/err")" -eq 1 ] || fail "'$bad': not one line on stderr"
    [ -s "$work/out" ] && fail "'$bad': wrote to stdout"
done

if [ "$failures" -ne 0 ]; then
    echo "it_bench_smoke: $failures failure(s)" >&2
    exit 1
fi
echo "it_bench_smoke: ok"
