"""it_tap.py: dtchat-tap attached to running dtchats.

1. A dtchat (line mode, --bus ipc://TMP/a.bus) talks to a Python peer that
   acks over UDP. Taps attach: `--json` (all topics), `--json --topic msg
   --count 3`, and the text form. A message typed into dtchat shows on the
   JSON tap as the same objects dtchat --json prints, plus "topic":"msg";
   the msg-only tap prints exactly 3 msg events and exits 0 while net
   errors (from a garbage datagram) go only to the others. SIGINT ends a
   tap with 0; --timeout ends one (1 when --count was not reached).
2. A fake bus (tests/dtchat_it.py's ZMTP PUB) feeds a tap frames no dtchat
   would send: each gets one stderr line and the tap keeps going.
3. Without ENDPOINT, with XDG_RUNTIME_DIR set to a temp dir: the tap finds
   the one running dtchat (started without --bus), ignores a stale
   socket, lists several and exits 2, and exits 1 when none runs.
"""

import os
import signal
import socket

import dtchat_it as it


class Acker:
    """A Python UDP peer that acks every text it gets."""

    def __init__(self, group):
        self.sock = it.udp_socket()
        self.endpoint = it.endpoint_of(self.sock)
        self.texts = []
        group.add_socket(self.sock, self._on_datagram)

    def _on_datagram(self, sock):
        while True:
            try:
                data, _ = sock.recvfrom(70000)
            except BlockingIOError:
                return
            message = it.decode_message(data)
            if "text" in message:
                self.texts.append(message)
                host, port = it.parse_udp_endpoint(message["source"])
                sock.sendto(it.ack_for(message, self.endpoint), (host, port))


def tap(group, name, *args, env=None):
    return group.start(name, [it.bin_path("dtchat-tap")] + list(args),
                       env=env)


def attached(proc):
    return any(line.startswith("dtchat-tap: attached to ")
               for line in proc.err_lines)


def warm_up(group, chat, condition, what, hostile_to=None):
    """Send lines to CHAT (and garbage to HOSTILE_TO) until CONDITION():
    a SUB socket cannot tell when its subscription has reached the
    publisher, so the first events may pass before the tap hears them."""
    for round_ in range(int(it.DEADLINE * 2)):
        chat.send_line(f"warm-up {round_}")
        if hostile_to:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.sendto(b"\x00garbage", hostile_to)
        try:
            return group.wait_for(condition, what, timeout=0.5)
        except it.Fail:
            pass
    raise it.Fail(f"never: {what}\n{group.describe()}")


def part_attach(group):
    acker = Acker(group)
    port = it.free_port()
    chat = group.dtchat("a", f"udp 127.0.0.1:{port}", acker.endpoint,
                        extra=["--id", "alice"])
    group.wait_for(chat.ready, "dtchat ready")
    bus = group.bus("a")
    tap_all = tap(group, "tap-all", "--json", bus)
    tap_msg = tap(group, "tap-msg", "--json", "--topic", "msg", "--count",
                  "3", bus)
    tap_text = tap(group, "tap-text", bus)
    group.wait_for(lambda: all(attached(t) for t in (tap_all, tap_msg,
                                                     tap_text)),
                   "three taps attached")
    warm_up(group, chat,
            lambda: not tap_msg.running()
            and any(e.get("topic") == "net" for e in tap_all.events)
            and tap_all.msgs() and tap_text.out_lines,
            "every tap printing (and the msg tap done)",
            hostile_to=("127.0.0.1", port))

    # the msg-only tap: exactly 3 msg events, then exit 0
    status = tap_msg.wait_exit()
    it.check(status == 0, f"--count 3 tap exited {status}", group)
    it.check(len(tap_msg.out_lines) == 3 and len(tap_msg.events) == 3,
             f"--count 3 tap printed {len(tap_msg.out_lines)} lines", group)
    for event in tap_msg.events:
        it.check(event.get("topic") == "msg" and event.get("event") == "msg",
                 f"--topic msg tap printed {event}", group)

    # a real message: the tap's objects are dtchat's plus "topic"
    text = 'tap me: "quoted" \\ ✓'
    chat.send_line(text)
    group.wait_for(lambda: tap_all.msg(text=text, status="ACKED")
                   and chat.msg(text=text, status="ACKED"),
                   "the message ACKED on dtchat and on the tap")
    for status_name in ("SENDING", "SENT", "ACKED"):
        mine = chat.msg(text=text, status=status_name)
        seen = tap_all.msg(text=text, status=status_name)
        it.check(mine and seen, f"no {status_name} event on both", group)
        it.check(seen.get("topic") == "msg",
                 f"tap event without topic msg: {seen}", group)
        without = {k: v for k, v in seen.items() if k != "topic"}
        it.check(without == mine,
                 f"tap and dtchat differ:\n  {seen}\n  {mine}", group)
    for event in tap_all.events:
        it.check(event.get("topic") == event.get("event"),
                 f"topic and event differ: {event}", group)
    group.wait_for(lambda: any(text in line and "ACKED" in line
                               for line in tap_text.out_lines),
                   "the text tap showing the message ACKED")
    it.check(not tap_all.bad_lines, f"non-JSON: {tap_all.bad_lines}", group)

    # SIGINT ends a tap cleanly
    for proc in (tap_all, tap_text):
        proc.signal(signal.SIGINT)
        status = proc.wait_exit()
        it.check(status == 0, f"{proc.name} exited {status} on SIGINT",
                 group)

    # --timeout alone ends with 0; with an unreached --count, with 1
    quiet = tap(group, "tap-timeout", "--timeout", "0.3", bus)
    status = quiet.wait_exit()
    it.check(status == 0, f"--timeout tap exited {status}", group)
    short = tap(group, "tap-short", "--topic", "nothing-is-called-this",
                "--count", "5", "--timeout", "0.3", bus)
    status = short.wait_exit()
    it.check(status == 1 and any("timed out" in line
                                 for line in short.err_lines),
             f"--count 5 --timeout tap exited {status}", group)

    chat.close_stdin()
    status = chat.wait_exit()
    it.check(status == 0, f"dtchat exited {status}", group)


def part_fake_bus(group):
    bus = it.FakeBus(group, os.path.join(group.tmp, "fake.bus"))
    proc = tap(group, "tap-fake", "--json", "--count", "1", bus.endpoint())
    group.wait_for(bus.subscribed, "the tap subscribed to the fake bus")
    bad = [(b"msg",), (b"msg", b"\xff\xfe garbage"), (b"x" * 40, b""),
           (b"", b""), (b"app", b"a", b"b"), (b"sys", b"\x0a\xff\xff")]
    for frames in bad:
        bus.send(*frames)
    bus.send(b"app", it.log_event(2, "the fake bus works"))
    status = proc.wait_exit()
    it.check(status == 0, f"fake-bus tap exited {status}", group)
    dropped = [line for line in proc.err_lines if "dropped" in line]
    it.check(len(dropped) == len(bad),
             f"{len(dropped)} 'dropped' lines for {len(bad)} bad messages",
             group)
    it.check(proc.events == [{"topic": "app", "event": "app",
                              "level": "error",
                              "text": "the fake bus works"}],
             f"fake-bus tap printed {proc.out_lines}", group)


def part_discover(group):
    xdg = os.path.join(group.tmp, "xdg")
    os.mkdir(xdg, 0o700)
    env = dict(os.environ, XDG_RUNTIME_DIR=xdg)
    acker = Acker(group)
    first = group.dtchat("first", "udp 127.0.0.1:0", acker.endpoint,
                         bus=False, env=env)
    group.wait_for(first.ready, "first dtchat ready")
    socket_dir = os.path.join(xdg, "dtchat")
    want = f"ipc://{socket_dir}/{first.pid}.bus"

    # a stale socket: a pid that does not exist
    dead = 4194000
    while True:
        try:
            os.kill(dead, 0)
            dead -= 1
        except ProcessLookupError:
            break
        except PermissionError:
            dead -= 1
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(os.path.join(socket_dir, f"{dead}.bus"))
    stale.close()

    found = tap(group, "tap-found", "--json", "--topic", "msg", "--count",
                "1", env=env)
    group.wait_for(lambda: attached(found), "the tap attached")
    it.check(any(line == f"dtchat-tap: attached to {want}"
                 for line in found.err_lines),
             f"the tap did not attach to {want}", group)
    warm_up(group, first, lambda: not found.running(), "the found tap done")
    status = found.wait_exit()
    it.check(status == 0 and len(found.events) == 1
             and found.events[0].get("topic") == "msg",
             f"found tap: exit {status}, {found.out_lines}", group)

    second = group.dtchat("second", "udp 127.0.0.1:0", acker.endpoint,
                          bus=False, env=env)
    group.wait_for(second.ready, "second dtchat ready")
    several = tap(group, "tap-several", env=env)
    status = several.wait_exit()
    line = " ".join(several.err_lines)
    it.check(status == 2 and len(several.err_lines) == 1
             and "several dtchat instances" in line
             and f"/{first.pid}.bus" in line
             and f"/{second.pid}.bus" in line
             and f"/{dead}.bus" not in line,
             f"several: exit {status}: {several.err_lines}", group)

    # killed dtchats leave stale sockets behind: none is running
    for chat in (first, second):
        chat.kill()
    none = tap(group, "tap-none", env=env)
    status = none.wait_exit()
    it.check(status == 1 and any("no running dtchat" in line
                                 for line in none.err_lines),
             f"none: exit {status}: {none.err_lines}", group)


def test():
    with it.Group("it_tap") as group:
        part_attach(group)
    with it.Group("it_tap") as group:
        part_fake_bus(group)
    with it.Group("it_tap") as group:
        part_discover(group)


if __name__ == "__main__":
    it.main(test)
