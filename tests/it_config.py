"""it_config.py: dtchat --config: peers, rooms, db from a file.

A's file names two peers, both of them B (bob-udp over UDP, the default
remote as the first peer, and bob-tcp over TCP), two rooms and a db path;
B's file names A and a relative db path. A's input: a line (to bob-udp in
the default room), /peers (the file's peers and rooms), "/peer bob-tcp"
(later lines go over TCP), a line, "/room lobby", a line, an unknown peer
name and a peer with no transport (each refused once, nothing sent). Every
line is ACKED on A, sent over the transport its peer names, and RECEIVED
once on B in its room; the stores are the files the configs name. End of
input ends A with status 0.
"""

import os
import socket

import dtchat_it as it


def ports():
    """Four distinct free ports: udp and tcp for A, then for B."""
    chosen = []
    while len(chosen) < 4:
        kind = socket.SOCK_DGRAM if len(chosen) % 2 == 0 \
            else socket.SOCK_STREAM
        port = it.free_port(kind)
        if port not in chosen:
            chosen.append(port)
    return chosen


def write(group, name, text):
    path = os.path.join(group.tmp, name)
    with open(path, "w", encoding="utf-8") as file:
        file.write(text)
    return path


def notes(proc, level, needle):
    """app events of LEVEL whose text holds NEEDLE."""
    return [e for e in proc.events if e.get("event") == "app"
            and e.get("level") == level and needle in e.get("text", "")]


def test():
    with it.Group("it_config") as group:
        ua, ta, ub, tb = ports()
        a_db = os.path.join(group.tmp, "a.db")
        a_file = write(group, "a.yaml", f"""\
# A chats with B over UDP first, then over TCP
id: alice
room: main
local:
  - udp 127.0.0.1:{ua}
  - tcp 127.0.0.1:{ta}
peers:
  - name: bob-udp
    endpoint: udp 127.0.0.1:{ub}
  - name: bob-tcp
    endpoint: TCP 127.0.0.1:{tb}
rooms:
  - name: main
    peers: [bob-udp, bob-tcp]
  - name: lobby
    peers: [bob-tcp]
db: {a_db}
order: receive
""")
        b_file = write(group, "b.yaml", f"""\
id: bob
local: [udp 127.0.0.1:{ub}, tcp 127.0.0.1:{tb}]
peers:
  - {{name: alice, endpoint: udp 127.0.0.1:{ua}}}
db: b.db
""")
        b = group.dtchat("b", extra=["--config", b_file])
        a = group.dtchat("a", extra=["--config", a_file])
        # the "store:" banner comes right after the "bus:" one
        group.wait_for(lambda: all(any(line.startswith("store: ")
                                       for line in proc.err_lines)
                                   for proc in (a, b)), "both ready")
        it.check(f"store: {a_db}" in a.err_lines, "A's store is not the "
                 "file's db", group)
        it.check("store: b.db" in b.err_lines, "B's store is not the "
                 "file's db", group)

        a.send("via udp\n/peers\n/peer bob-tcp\nvia tcp\n/room lobby\n"
               "in lobby\n/peer nobody\n/peer bp ipn:9.1\n")
        a.close_stdin()
        status = a.wait_exit()
        it.check(status == 0, f"A exited {status}", group)

        udp_b, tcp_b = f"udp 127.0.0.1:{ub}", f"tcp 127.0.0.1:{tb}"
        wanted = {"via udp": (udp_b, "main"), "via tcp": (tcp_b, "main"),
                  "in lobby": (tcp_b, "lobby")}
        for text, (peer, room) in wanted.items():
            acked = a.msgs(status="ACKED", text=text)
            it.check(len(acked) == 1, f"A: '{text}' ACKED "
                     f"{len(acked)} times", group)
            it.check(acked[0]["peer"] == peer and acked[0]["room"] == room,
                     f"A: '{text}' went to {acked[0]['peer']} in "
                     f"{acked[0]['room']}, not {peer} in {room}", group)
        group.wait_for(lambda: all(b.msgs(status="RECEIVED", text=text)
                                   for text in wanted),
                       "B received the three lines")
        for text, (_, room) in wanted.items():
            got = b.msgs(status="RECEIVED", text=text)
            it.check(len(got) == 1 and got[0]["room"] == room
                     and got[0]["sender"] == "alice",
                     f"B: '{text}' received as {got}", group)

        # /peers lists the file; /peer's change is announced once
        for line in (f"peer bob-udp: {udp_b}", f"peer bob-tcp: {tcp_b}",
                     "rooms: main, lobby"):
            it.check(notes(a, "info", line), f"A: /peers did not show "
                     f"'{line}'", group)
        switched = notes(a, "info", f"messages go to {tcp_b}")
        it.check(len(switched) == 1,
                 f"A: the switch to bob-tcp shown as {switched}", group)
        # each refusal shown once: the ui's own, and the model's ERROR
        it.check(len(notes(a, "error", "unknown peer 'nobody'")) == 1,
                 "A: the unknown peer not refused once", group)
        it.check(len(notes(a, "error", "no bp transport")) == 1,
                 "A: the bp peer not refused once", group)
        sent = {e["uuid"] for e in a.msgs(status="SENDING")}
        it.check(len(sent) == 3, f"A: sent {len(sent)} messages, not the "
                 "three lines", group)
        it.check(os.path.exists(a_db)
                 and os.path.exists(os.path.join(group.tmp, "b.db")),
                 "the stores are not where the configs put them", group)

        b.close_stdin()
        status = b.wait_exit()
        it.check(status == 0, f"B exited {status}", group)
        for proc in (a, b):
            it.check(not proc.bad_lines,
                     f"{proc.name}: non-JSON stdout {proc.bad_lines[:3]}",
                     group)


if __name__ == "__main__":
    it.main(test)
