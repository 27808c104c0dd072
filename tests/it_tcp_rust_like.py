"""it_tcp_rust_like.py: dtchat and a Python peer that speaks TCP like the
Rust DTChat, both ways.

The Python peer does what the Rust DTChat does on TCP (see
tests/testdata/wire/README.md, facts 7, 9, 10): it sends each message on a
fresh connection (connect, write the bare ProtoMessage, shut down, close)
and receives each message as one whole connection, reading to EOF; it
never writes a byte on a connection it accepted.

1. Python -> dtchat: the captured stimulus input-tcp-text-python.bin, its
   source_endpoint re-pointed at the Python listener, arrives at dtchat,
   which shows it RECEIVED, writes nothing back on that connection, and
   acks it on a fresh connection to that listener: one bare ProtoMessage,
   an ack of the right uuid, from dtchat's own TCP endpoint.
2. dtchat -> Python: typed lines leave dtchat as bare ProtoMessages, one
   per connection (no greeting, no length prefix: the first byte is the
   protobuf tag 0x0a), each smaller than the 1024 bytes the Rust receiver
   decodes at once; the Python peer acks each Rust-style and dtchat shows
   them ACKED.
"""

import socket

import dtchat_it as it


class RustLike:
    """A TCP listener that reads each accepted connection to EOF and keeps
    its bytes, as the Rust DTChat receiver does; and a sender that opens one
    connection per message."""

    def __init__(self, group):
        self.group = group
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(16)
        self.server.setblocking(False)
        self.endpoint = "tcp 127.0.0.1:%d" % self.server.getsockname()[1]
        self.received = []          # bytes of each whole connection
        self.partial = {}
        group.add_socket(self.server, self._on_accept)

    def _on_accept(self, server):
        try:
            conn, _ = server.accept()
        except BlockingIOError:
            return
        conn.setblocking(False)
        self.partial[conn] = b""
        self.group.selector.register(conn, it.selectors.EVENT_READ,
                                     (self._on_data, conn))

    def _on_data(self, conn):
        try:
            data = conn.recv(65536)
        except BlockingIOError:
            return
        except ConnectionError:
            data = b""
        if data:
            self.partial[conn] += data
            return
        self.received.append(self.partial.pop(conn))
        self.group.selector.unregister(conn)
        conn.close()

    def send(self, endpoint, data):
        """One connection for one message, like the Rust sender; returns
        what the other side wrote back on it (nothing, if it is right)."""
        scheme, _, address = endpoint.partition(" ")
        if scheme != "tcp":
            raise it.Fail(f"not a tcp endpoint: {endpoint!r}")
        host, _, port = address.rpartition(":")
        with socket.create_connection((host, int(port)),
                                      timeout=it.DEADLINE) as conn:
            conn.sendall(data)
            conn.shutdown(socket.SHUT_WR)
            back = b""
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    return back
                back += chunk


def test():
    capture = it.testdata("wire/input-tcp-text-python.bin")
    stimulus = it.decode_message(capture)
    # our encoder writes the capture's bytes exactly: re-pointing its
    # source_endpoint changes nothing else
    fields = dict(uuid=stimulus["uuid"], sender=stimulus["sender"],
                  timestamp=stimulus["timestamp"], room=stimulus["room"],
                  text=stimulus["text"])
    if it.encode_message(source=stimulus["source"], **fields) != capture:
        raise it.Fail("the test encoder does not reproduce the capture")
    with it.Group("it_tcp_rust_like") as group:
        rust = RustLike(group)
        port = it.free_port(socket.SOCK_STREAM)
        mine = f"tcp 127.0.0.1:{port}"
        chat = group.dtchat("dtchat", mine, rust.endpoint,
                            extra=["--id", "c-side"])
        group.wait_for(chat.ready, "dtchat ready")

        # 1. Python -> dtchat, acked on a fresh connection
        data = it.encode_message(source=rust.endpoint, **fields)
        back = rust.send(mine, data)
        it.check(back == b"", f"dtchat wrote {back[:40]!r} to a Rust-like "
                 "sender", group)
        shown = group.wait_for(
            lambda: chat.msg(status="RECEIVED", uuid=stimulus["uuid"]),
            "the stimulus RECEIVED")
        it.check(shown["text"] == "ping over tcp" and shown["sender"] == "2",
                 f"odd RECEIVED event {shown}", group)
        group.wait_for(lambda: rust.received, "dtchat's ack")
        raw = rust.received.pop(0)
        it.check(raw[:1] == b"\x0a", f"ack starts {raw[:8]!r}", group)
        try:
            ack = it.decode_message(raw)
        except (ValueError, UnicodeDecodeError) as error:
            raise it.Fail(f"the ack is not one bare ProtoMessage: {error}")
        it.check(ack.get("ack") == stimulus["uuid"],
                 f"ack names {ack.get('ack')}", group)
        it.check(ack.get("source") == mine and ack.get("sender") == "c-side"
                 and ack.get("room") == "room" and ack.get("uuid")
                 and ack["uuid"] != stimulus["uuid"],
                 f"odd ack {ack}", group)

        # 2. dtchat -> Python, acked Rust-style
        lines = [f"to rust {index} ✓" for index in range(3)]
        chat.send("".join(line + "\n" for line in lines))
        group.wait_for(lambda: len(rust.received) >= len(lines),
                       "three connections, one message each")
        for raw in rust.received:
            it.check(raw[:1] == b"\x0a" and len(raw) < 1024,
                     f"not a bare small ProtoMessage: {raw[:16]!r} "
                     f"({len(raw)} bytes)", group)
            message = it.decode_message(raw)
            it.check(message.get("source") == mine
                     and message.get("text") in lines,
                     f"odd message {message}", group)
            back = rust.send(message["source"],
                             it.ack_for(message, rust.endpoint, "2"))
            it.check(back == b"", f"dtchat wrote {back[:40]!r} back", group)
        texts = {it.decode_message(raw)["text"] for raw in rust.received}
        it.check(texts == set(lines), f"got {texts}", group)
        group.wait_for(lambda: {e["text"] for e in chat.msgs(status="ACKED")}
                       >= set(lines), "dtchat's lines ACKED")

        chat.close_stdin()
        status = chat.wait_exit()
        it.check(status == 0, f"dtchat exited {status}", group)
        it.check(not chat.bad_lines, f"non-JSON stdout {chat.bad_lines[:3]}",
                 group)


if __name__ == "__main__":
    it.main(test)
