"""it_udp_pair.py: two dtchat processes chat over UDP on loopback.

A = dtchat "udp 127.0.0.1:PA" "udp 127.0.0.1:PB", B its mirror. Fifty lines
written to A's stdin (UTF-8, quotes, backslashes, JSON look-alikes, a
2000-character line) must each be ACKED on A and RECEIVED on B exactly once
with the text intact; statuses only move forward. Closing A's stdin makes A
wait for its acks and exit 0; closing B's makes B exit 0. Both print JSON
only on stdout.
"""

import dtchat_it as it

STATUS_ORDER = {"SENDING": 0, "SENT": 1, "FAILED": 2, "ACKED": 3}


def texts():
    """Fifty distinct lines that are hard to carry intact."""
    specials = [
        "héllo wörld ✓ 日本 🙂",
        'quotes "double" and \'single\'',
        "back\\slash \\n is not a newline \\\\ \\u0041",
        '{"event":"msg","status":"ACKED"}',
        "x" * 2000,
        "tab\tinside",
        "<>&;|$(echo no)`",
        "Ω≈ç√∫˜µ≤≥÷ ﷽ ‮ right-to-left",
    ]
    lines = []
    for index in range(50):
        special = specials[index % len(specials)]
        lines.append(f"m{index:02d} {special}")
    return lines


def once_per_epoch(proc, status):
    """uuid -> count of STATUS events, where a resync (a sys sync marker
    other than "drain") may legitimately publish a status again: the count
    is the largest number seen between two markers."""
    worst = {}
    current = {}
    for event in proc.events:
        if event.get("event") == "sys" and event.get("kind") == "sync" \
                and event.get("token") != "drain":
            current = {}
        elif event.get("event") == "msg" and event.get("status") == status:
            uuid = event.get("uuid")
            current[uuid] = current.get(uuid, 0) + 1
            worst[uuid] = max(worst.get(uuid, 0), current[uuid])
    return worst


def forward_only(proc, group):
    """Outgoing statuses for each uuid never move backwards (a resync
    re-publishes the current status, which is no step back either)."""
    last = {}
    for event in proc.msgs(outgoing=True):
        rank = STATUS_ORDER.get(event["status"])
        it.check(rank is not None, f"odd outgoing status {event}", group)
        it.check(rank >= last.get(event["uuid"], -1),
                 f"status went backwards: {event}", group)
        last[event["uuid"]] = rank


def test():
    lines = texts()
    with it.Group("it_udp_pair") as group:
        pa, pb = it.free_port(), it.free_port()
        while pb == pa:
            pb = it.free_port()
        ea, eb = f"udp 127.0.0.1:{pa}", f"udp 127.0.0.1:{pb}"
        a = group.dtchat("a", ea, eb, extra=["--id", "alice"])
        b = group.dtchat("b", eb, ea, extra=["--id", "bob"])
        group.wait_for(lambda: a.ready() and b.ready(), "both uis ready")

        a.send("".join(line + "\n" for line in lines))

        def all_acked():
            acked = {e["text"] for e in a.msgs(status="ACKED")}
            return acked >= set(lines)

        def all_received():
            got = {e["text"] for e in b.msgs(status="RECEIVED")}
            return got >= set(lines)
        group.wait_for(lambda: all_acked() and all_received(),
                       "50 ACKED on A and 50 RECEIVED on B")

        # each exactly once, texts intact, both sides agree on uuids
        acked = a.msgs(status="ACKED")
        received = b.msgs(status="RECEIVED")
        sent_uuids = {e["text"]: e["uuid"] for e in acked}
        got_uuids = {e["text"]: e["uuid"] for e in received}
        it.check(len(sent_uuids) == 50 and set(sent_uuids) == set(lines),
                 f"A acked {len(sent_uuids)} distinct texts", group)
        it.check(sent_uuids == got_uuids,
                 "A's and B's uuids for the same texts differ", group)
        it.check(len(set(sent_uuids.values())) == 50, "uuids repeat", group)
        for name, proc, status in (("A", a, "ACKED"), ("B", b, "RECEIVED")):
            counts = once_per_epoch(proc, status)
            twice = {u: n for u, n in counts.items() if n != 1}
            it.check(not twice, f"{name}: {status} more than once: {twice}",
                     group)
        for event in received:
            it.check(event["sender"] == "alice" and not event["outgoing"],
                     f"B: odd RECEIVED event {event}", group)
            it.check(isinstance(event["send_time"], int)
                     and isinstance(event["receive_time"], int),
                     f"B: RECEIVED without times: {event}", group)
        for event in acked:
            it.check(event["outgoing"] and event["sender"] == "alice",
                     f"A: odd ACKED event {event}", group)
            it.check(isinstance(event["receive_time"], int),
                     f"A: ACKED without receive_time: {event}", group)
        it.check(not a.msgs(status="FAILED"), "A: FAILED messages", group)
        forward_only(a, group)

        # end of input: A has nothing pending, exits 0; then B
        a.close_stdin()
        status = a.wait_exit()
        it.check(status == 0, f"A exited {status}", group)
        b.close_stdin()
        status = b.wait_exit()
        it.check(status == 0, f"B exited {status}", group)
        for name, proc in (("A", a), ("B", b)):
            it.check(not proc.bad_lines,
                     f"{name}: non-JSON stdout: {proc.bad_lines[:3]}", group)


if __name__ == "__main__":
    it.main(test)
