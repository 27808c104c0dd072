"""dtchat_it.py: shared helpers for dtchat's integration tests (it_*.py).

The tests run real dtchat / dtchat-tap processes on loopback. They find the
programs in $DTCHAT_BIN and the captured wire bytes in $DTCHAT_TESTDATA (ctest
sets both). Everything here waits with a bounded deadline on a selector
(never a bare sleep) and kills every child it started when the test ends,
passed or failed. Standard library only.

    with dtchat_it.Group("it_example") as group:
        a = group.dtchat("a", "udp 127.0.0.1:0", "udp 127.0.0.1:9")
        group.wait_for(a.ready, "a ready")
        a.send_line("hi")
        group.wait_for(lambda: a.msg(status="SENT", text="hi"), "SENT")

It also holds a tiny protobuf encoder/decoder for the six fields of the
wire's ProtoMessage (see tests/testdata/wire/README.md).
"""

import json
import os
import selectors
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid as uuidlib

# Generous: the suite also runs under AddressSanitizer on two busy cores.
DEADLINE = float(os.environ.get("DTCHAT_IT_DEADLINE", "60"))


class Fail(Exception):
    """A test expectation that did not hold."""


def bin_path(name):
    """Path of a program in the build directory."""
    base = os.environ.get("DTCHAT_BIN")
    if not base:
        raise Fail("set DTCHAT_BIN to the build directory")
    return os.path.join(base, name)


def testdata(path):
    """Bytes of a file in the test data directory."""
    base = os.environ.get("DTCHAT_TESTDATA")
    if not base:
        raise Fail("set DTCHAT_TESTDATA to tests/testdata")
    with open(os.path.join(base, path), "rb") as data:
        return data.read()


def free_port(kind=socket.SOCK_DGRAM, host="127.0.0.1"):
    """A port the kernel just called free (bound with port 0, no reuse)."""
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 0)
        sock.bind((host, 0))
        return sock.getsockname()[1]


def udp_socket(host="127.0.0.1"):
    """A bound UDP socket on an ephemeral port, non-blocking."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((host, 0))
    sock.setblocking(False)
    return sock


def endpoint_of(sock):
    """The dtchat endpoint text of a bound UDP socket."""
    host, port = sock.getsockname()[:2]
    return f"udp {host}:{port}"


# --- protobuf: ProtoMessage{uuid=1 sender_uuid=2 timestamp=3 room_uuid=4
#     source_endpoint=5 oneof{text=6 ack=7 file=8}} ------------------------

def _varint(value):
    value &= (1 << 64) - 1          # int64: negatives are ten bytes
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _bytes(value):
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


def _field(number, data):
    data = _bytes(data)
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def encode_message(uuid=None, sender=None, timestamp=None, room=None,
                   source=None, text=None, ack=None, file=None):
    """Encode a ProtoMessage like prost does (empty fields left out).
    TEXT may be bytes (to send invalid UTF-8); FILE is (name, data)."""
    out = b""
    if uuid:
        out += _field(1, uuid)
    if sender:
        out += _field(2, sender)
    if timestamp:
        out += _varint(3 << 3 | 0) + _varint(timestamp)
    if room:
        out += _field(4, room)
    if source:
        out += _field(5, source)
    if text is not None:
        out += _field(6, _field(1, text) if _bytes(text) else b"")
    if ack is not None:
        out += _field(7, _field(1, ack))
    if file is not None:
        out += _field(8, _field(1, file[0]) + _field(2, file[1]))
    return out


def _parse(data):
    """(field number, wire type, value) triples; ValueError if malformed."""
    fields = []
    at = 0

    def varint():
        nonlocal at
        value = shift = 0
        while True:
            if at >= len(data) or shift > 63:
                raise ValueError("truncated varint")
            byte = data[at]
            at += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return value
    while at < len(data):
        key = varint()
        number, kind = key >> 3, key & 7
        if kind == 0:
            fields.append((number, kind, varint()))
        elif kind == 2:
            size = varint()
            if at + size > len(data):
                raise ValueError("truncated field")
            fields.append((number, kind, bytes(data[at:at + size])))
            at += size
        else:
            raise ValueError(f"unexpected wire type {kind}")
    return fields


def decode_message(data):
    """Decode a ProtoMessage into a dict (strings decoded as UTF-8)."""
    message = {}
    names = {1: "uuid", 2: "sender", 4: "room", 5: "source"}
    for number, kind, value in _parse(data):
        if number == 3 and kind == 0:
            message["timestamp"] = value
        elif number in names and kind == 2:
            message[names[number]] = value.decode("utf-8")
        elif number in (6, 7, 8) and kind == 2:
            inner = {n: v for n, k, v in _parse(value) if k == 2}
            if number == 6:
                message["text"] = inner.get(1, b"").decode("utf-8")
            elif number == 7:
                message["ack"] = inner.get(1, b"").decode("utf-8")
            else:
                message["file"] = (inner.get(1, b"").decode("utf-8"),
                                   inner.get(2, b""))
    return message


def now_ms():
    return int(time.time() * 1000)


def new_uuid():
    return str(uuidlib.uuid4())


def ack_for(message, source, sender="py"):
    """The bytes of an ack for a decoded text MESSAGE, from SOURCE."""
    return encode_message(uuid=new_uuid(), sender=sender, timestamp=now_ms(),
                          room=message.get("room"), source=source,
                          ack=message["uuid"])


def parse_udp_endpoint(text):
    """("127.0.0.1", 7777) from "udp 127.0.0.1:7777" (IPv4 only)."""
    scheme, _, address = text.partition(" ")
    if scheme.lower() != "udp":
        raise ValueError(f"not a udp endpoint: {text!r}")
    host, _, port = address.rpartition(":")
    return host, int(port)


# --- a fake event bus: ZMTP 3.0 PUB over a Unix socket ----------------

class FakeBus:
    """A minimal ZeroMQ PUB peer (ZMTP 3.0, NULL mechanism) bound at an ipc
    path, so a test can put any frames on a dtchat-tap's SUB: the tap must
    treat the bus as input. One subscriber at a time."""

    def __init__(self, group, path):
        self.group = group
        self.path = path
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(path)
        self.server.listen(1)
        self.server.setblocking(False)
        self.conn = None
        self.inbox = b""            # what the subscriber sent us
        group.add_socket(self.server, self._on_accept)

    def endpoint(self):
        return f"ipc://{self.path}"

    def _on_accept(self, server):
        try:
            conn, _ = server.accept()
        except BlockingIOError:
            return
        conn.setblocking(True)
        conn.settimeout(DEADLINE)
        # greeting: signature, version 3.0, NULL, as-server 0, filler
        greeting = (b"\xff" + b"\x00" * 8 + b"\x7f" + b"\x03\x00"
                    + b"NULL".ljust(20, b"\x00") + b"\x00" + b"\x00" * 31)
        conn.sendall(greeting)
        ready = (b"\x05READY" + b"\x0bSocket-Type"
                 + (3).to_bytes(4, "big") + b"PUB")
        conn.sendall(b"\x04" + bytes([len(ready)]) + ready)
        self.conn = conn
        self.conn.setblocking(False)
        self.group.add_socket(conn, self._on_data)

    def _on_data(self, conn):
        try:
            data = conn.recv(65536)
        except BlockingIOError:
            return
        if not data:
            self.group.selector.unregister(conn)
            return
        self.inbox += data

    def subscribed(self):
        """True once the peer's greeting, READY and a subscription came
        (ZMTP 3.0: a message, not a command, whose body starts with 1)."""
        at = 64
        data = self.inbox
        while at + 2 <= len(data):
            flags = data[at]
            if flags & 0x02:
                if at + 9 > len(data):
                    return False
                size, at = int.from_bytes(data[at + 1:at + 9], "big"), at + 9
            else:
                size, at = data[at + 1], at + 2
            body, at = data[at:at + size], at + size
            if len(body) < size:
                return False
            if not flags & 0x04 and body[:1] == b"\x01":
                return True
        return False

    def send(self, *frames):
        """Send one message of FRAMES (bytes)."""
        out = b""
        for index, frame in enumerate(frames):
            more = 0x01 if index + 1 < len(frames) else 0
            if len(frame) > 255:
                out += bytes([more | 0x02]) + len(frame).to_bytes(8, "big")
            else:
                out += bytes([more, len(frame)])
            out += frame
        self.conn.setblocking(True)
        self.conn.sendall(out)
        self.conn.setblocking(False)


def log_event(level, text):
    """Body of a LogEvent (proto/events.proto): level 0 info .. 2 error."""
    return (_varint(1 << 3) + _varint(level) if level else b"") \
        + _field(2, text)


# --- processes ---------------------------------------------------------

class Proc:
    """A child process whose stdout (JSON lines) and stderr are collected
    as they come, through the group's selector."""

    def __init__(self, group, name, argv, env=None):
        self.group = group
        self.name = name
        self.argv = argv
        self.popen = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=env, cwd=group.tmp)
        self.pid = self.popen.pid
        self.out_lines = []          # every stdout line (str)
        self.events = []             # the ones that were JSON objects
        self.bad_lines = []          # the ones that were not
        self.err_lines = []
        self._partial = {}
        self._open = 0
        for stream in (self.popen.stdout, self.popen.stderr):
            os.set_blocking(stream.fileno(), False)
            group.selector.register(stream, selectors.EVENT_READ,
                                    (self._on_readable, stream))
            self._partial[stream] = b""
            self._open += 1
        os.set_blocking(self.popen.stdin.fileno(), False)

    def _on_readable(self, stream):
        try:
            data = os.read(stream.fileno(), 65536)
        except BlockingIOError:
            return
        if not data:
            self.group.selector.unregister(stream)
            self._open -= 1
            rest = self._partial[stream]
            if rest:
                self._line(stream, rest)
            return
        data = self._partial[stream] + data
        *lines, self._partial[stream] = data.split(b"\n")
        for line in lines:
            self._line(stream, line)

    def _line(self, stream, raw):
        text = raw.decode("utf-8", errors="replace")
        if stream is self.popen.stderr:
            self.err_lines.append(text)
            return
        self.out_lines.append(text)
        try:
            event = json.loads(raw.decode("utf-8"))
            if not isinstance(event, dict):
                raise ValueError("not an object")
            self.events.append(event)
        except ValueError:
            self.bad_lines.append(text)

    def send(self, data, deadline=None):
        """Write DATA (str or bytes) to stdin, pumping output meanwhile."""
        data = _bytes(data)
        deadline = deadline or time.monotonic() + DEADLINE
        fd = self.popen.stdin.fileno()
        while data:
            try:
                written = os.write(fd, data)
                data = data[written:]
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise Fail(f"{self.name}: stdin stuck")
                self.group.pump(0.05)

    def send_line(self, text):
        self.send(_bytes(text) + b"\n")

    def close_stdin(self):
        if not self.popen.stdin.closed:
            try:
                self.popen.stdin.close()
            except BrokenPipeError:
                pass

    def running(self):
        return self.popen.poll() is None

    def wait_exit(self, timeout=None, what=None):
        """Wait (pumping output) for the exit; returns the status, which is
        negative when a signal killed it."""
        self.group.wait_for(lambda: not self.running() and self._open == 0,
                            what or f"{self.name} exits", timeout)
        return self.popen.returncode

    def signal(self, signo):
        if self.running():
            self.popen.send_signal(signo)

    def kill(self):
        if self.running():
            self.popen.kill()
        try:
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass

    # --- looking at events
    def msgs(self, **match):
        """msg events whose keys equal MATCH."""
        return [e for e in self.events if e.get("event") == "msg"
                and all(e.get(k) == v for k, v in match.items())]

    def msg(self, **match):
        found = self.msgs(**match)
        return found[0] if found else None

    def ready(self):
        """True once dtchat printed its "bus: ENDPOINT" banner on stderr:
        its sockets are bound then (its line-mode ui reads stdin only once
        it is subscribed to the bus, so input written earlier waits)."""
        return any(line.startswith("bus: ") for line in self.err_lines)

    def bus_endpoint(self):
        """The endpoint from the "bus:" banner, or None."""
        for line in self.err_lines:
            if line.startswith("bus: "):
                return line[5:].strip()
        return None

    def errors(self):
        """net/app events of level error."""
        return [e for e in self.events if e.get("event") in ("net", "app")
                and e.get("level") == "error"]

    def describe(self, lines=15):
        """The tail of what it said, for a failure message."""
        status = self.popen.poll()
        tail = "\n".join(f"    err| {line}" for line in
                         self.err_lines[-lines:])
        out = "\n".join(f"    out| {line[:300]}" for line in
                        self.out_lines[-lines:])
        return (f"  {self.name} (pid {self.pid}, "
                f"{'running' if status is None else f'exit {status}'}): "
                f"{' '.join(self.argv)}\n{out}\n{tail}")


class Group:
    """The processes and sockets of one test, one selector to wait on, a
    private temporary directory; kills every child on exit."""

    def __init__(self, name):
        self.name = name
        self.selector = selectors.DefaultSelector()
        self.procs = []
        self.sockets = []
        self.tmp = tempfile.mkdtemp(prefix=f"{name}-", dir="/tmp")

    def __enter__(self):
        return self

    def __exit__(self, kind, value, trace):
        for proc in self.procs:
            proc.kill()
            for stream in (proc.popen.stdin, proc.popen.stdout,
                           proc.popen.stderr):
                try:
                    stream.close()
                except OSError:
                    pass
        for sock in self.sockets:
            sock.close()
        self.selector.close()
        shutil.rmtree(self.tmp, ignore_errors=True)
        return False

    def start(self, name, argv, env=None):
        proc = Proc(self, name, argv, env)
        self.procs.append(proc)
        return proc

    def dtchat(self, name, *args, json_mode=True, bus=True, env=None,
               extra=()):
        """Start dtchat --no-tui [--json] [--bus ipc://TMP/NAME.bus]
        EXTRA ARGS."""
        argv = [bin_path("dtchat"), "--no-tui"]
        if json_mode:
            argv.append("--json")
        if bus:
            argv += ["--bus", self.bus(name)]
        argv += list(extra) + list(args)
        return self.start(name, argv, env)

    def bus(self, name):
        return f"ipc://{self.tmp}/{name}.bus"

    def add_socket(self, sock, handler):
        """Call HANDLER(sock) whenever SOCK is readable while we wait."""
        self.sockets.append(sock)
        self.selector.register(sock, selectors.EVENT_READ, (handler, sock))

    def pump(self, timeout):
        """Handle what is readable, waiting at most TIMEOUT seconds."""
        for key, _ in self.selector.select(max(timeout, 0)):
            handler, target = key.data
            handler(target)
        for proc in self.procs:     # reap, so running() is up to date
            proc.popen.poll()

    def wait_for(self, condition, what, timeout=None):
        """Pump until CONDITION() is true; Fail with context after TIMEOUT
        (default DEADLINE) seconds. Returns what CONDITION returned."""
        deadline = time.monotonic() + (timeout or DEADLINE)
        while True:
            result = condition()
            if result:
                return result
            left = deadline - time.monotonic()
            if left <= 0:
                raise Fail(f"timed out waiting for {what}\n"
                           + self.describe())
            self.pump(min(left, 0.25))

    def describe(self):
        return "\n".join(proc.describe() for proc in self.procs)


def main(test):
    """Run TEST(); print PASS or FAIL with context; exit 0 or 1."""
    name = os.path.basename(sys.argv[0]).rsplit(".", 1)[0]
    try:
        test()
    except Fail as failure:
        print(f"{name}: FAIL: {failure}", file=sys.stderr)
        sys.exit(1)
    print(f"{name}: PASS")
    sys.exit(0)


def check(condition, message, group=None):
    """Fail with MESSAGE (and the group's output) unless CONDITION."""
    if not condition:
        raise Fail(message + ("\n" + group.describe() if group else ""))
