"""it_tcp_pair.py: two dtchat processes chat over TCP on loopback.

A = dtchat "tcp 127.0.0.1:PA" "tcp 127.0.0.1:PB", B its mirror. 300 lines
and one line of 100 kB written to A's stdin must each be ACKED on A and
RECEIVED on B exactly once with the text intact (between two dtchats the
framed, persistent mode carries them). Then B is killed: lines typed into A
meanwhile cannot go (their attempts fail), and once B runs again on the
same port the ack-tracker's retries get every one of them ACKED. Closing
the stdins ends both with status 0.
"""

import signal
import socket

import dtchat_it as it


def texts():
    """300 distinct lines, some with UTF-8 and JSON look-alikes."""
    specials = ["plain", "héllo wörld ✓ 日本", '{"event":"msg"}',
                "back\\slash", "tab\there"]
    return [f"t{index:03d} {specials[index % len(specials)]}"
            for index in range(300)]


def big_text():
    """A 100 kB line whose every part is distinct, so a cut shows."""
    pieces = []
    index = 0
    while sum(len(piece) for piece in pieces) < 100_000:
        pieces.append(f"[{index:05d}]")
        index += 1
    return "".join(pieces)[:100_000]


def texts_of(proc, status):
    return [e["text"] for e in proc.msgs(status=status)]


def check_once(proc, status, group):
    """Each uuid reached STATUS once (no duplicates shown)."""
    seen = {}
    for event in proc.msgs(status=status):
        seen[event["uuid"]] = seen.get(event["uuid"], 0) + 1
    twice = {uuid: count for uuid, count in seen.items() if count > 1}
    it.check(not twice, f"{proc.name}: {status} more than once: {twice}",
             group)


def test():
    lines = texts()
    big = big_text()
    with it.Group("it_tcp_pair") as group:
        pa = it.free_port(socket.SOCK_STREAM)
        pb = it.free_port(socket.SOCK_STREAM)
        while pb == pa:
            pb = it.free_port(socket.SOCK_STREAM)
        ea, eb = f"tcp 127.0.0.1:{pa}", f"tcp 127.0.0.1:{pb}"
        # a long lifetime: B is away for a while in the second half
        a = group.dtchat("a", ea, eb,
                         extra=["--id", "alice", "--lifetime", "300"])
        b = group.dtchat("b", eb, ea, extra=["--id", "bob"])
        group.wait_for(lambda: a.ready() and b.ready(), "both ready")

        a.send("".join(line + "\n" for line in lines) + big + "\n")
        wanted = set(lines) | {big}
        group.wait_for(lambda: set(texts_of(a, "ACKED")) >= wanted
                       and set(texts_of(b, "RECEIVED")) >= wanted,
                       "301 ACKED on A and RECEIVED on B")
        got = {e["text"]: e for e in b.msgs(status="RECEIVED")}
        it.check(len(got[big]["text"]) == 100_000, "the big text was cut",
                 group)
        for event in got.values():
            it.check(event["sender"] == "alice" and not event["outgoing"],
                     f"B: odd RECEIVED event {str(event)[:200]}", group)
        acked = {e["text"]: e["uuid"] for e in a.msgs(status="ACKED")}
        it.check(all(acked[text] == got[text]["uuid"] for text in wanted),
                 "A's and B's uuids for the same texts differ", group)
        check_once(a, "ACKED", group)
        check_once(b, "RECEIVED", group)
        it.check(not a.msgs(status="FAILED"), "A: FAILED messages", group)

        # B goes away; what A sends meanwhile waits for the retries
        b.kill()
        later = [f"while away {index}" for index in range(5)]
        a.send("".join(line + "\n" for line in later))
        group.wait_for(lambda: len([e for e in a.events
                                    if e.get("event") == "net"
                                    and "refused" in e.get("text", "")])
                       >= 2, "A's attempts refused while B is away")
        it.check(not set(later) & set(texts_of(a, "ACKED")),
                 "ACKED while the peer was away", group)
        b2 = group.dtchat("b2", eb, ea, extra=["--id", "bob"])
        group.wait_for(lambda: set(texts_of(a, "ACKED")) >= set(later)
                       and set(texts_of(b2, "RECEIVED")) >= set(later),
                       "the messages sent while B was away ACKED")
        check_once(b2, "RECEIVED", group)

        a.close_stdin()
        status = a.wait_exit()
        it.check(status == 0, f"A exited {status}", group)
        b2.close_stdin()
        status = b2.wait_exit()
        it.check(status == 0, f"B exited {status}", group)
        for proc in (a, b2):
            it.check(not proc.bad_lines,
                     f"{proc.name}: non-JSON stdout {proc.bad_lines[:3]}",
                     group)
        # a killed peer is a signal's doing, not a crash of ours
        it.check(b.popen.returncode == -signal.SIGKILL,
                 f"B ended {b.popen.returncode}", group)


if __name__ == "__main__":
    it.main(test)
