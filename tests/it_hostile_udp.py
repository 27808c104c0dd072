"""it_hostile_udp.py: one dtchat under fire from hostile UDP datagrams.

Python sends a running dtchat, one kind at a time: an empty datagram, a
truncated valid ProtoMessage, a text without source_endpoint, a text whose
UTF-8 is invalid, 65507 bytes of garbage (the largest UDP payload), a
ProtoMessage whose text claims 2 GiB, the Rust-era capture whose
source_endpoint is "garbage", then a burst of seeded random datagrams.
After each kind dtchat must still run and its --json output must show one
more error event (event "net" or "app", level "error"). Then valid texts
must still work: a 65507-byte text and the captured Python text (with
source_endpoint pointing at our listener) are shown RECEIVED and acked to
the listener with a well-formed ack.
"""

import random

import dtchat_it as it

UDP_MAX = 65507                 # the largest UDP payload over IPv4


def truncated(data):
    return data[:len(data) // 2]


def test():
    capture = it.testdata("wire/input-udp-text-python.bin")
    bad_endpoint = it.testdata("wire/input-udp-text-bad-endpoint-python.bin")
    base = it.decode_message(capture)
    with it.Group("it_hostile_udp") as group:
        listener = it.udp_socket()
        me = it.endpoint_of(listener)
        received = []           # decoded datagrams from dtchat

        def on_datagram(sock):
            while True:
                try:
                    data, _ = sock.recvfrom(70000)
                except BlockingIOError:
                    return
                try:
                    received.append(it.decode_message(data))
                except (ValueError, UnicodeDecodeError) as error:
                    raise it.Fail(f"dtchat sent a bad datagram: {error}: "
                                  f"{data[:80]!r}")
        group.add_socket(listener, on_datagram)

        port = it.free_port()
        target = ("127.0.0.1", port)
        dtchat_endpoint = f"udp 127.0.0.1:{port}"
        chat = group.dtchat("hostile", dtchat_endpoint, me,
                            extra=["--id", "victim"])
        group.wait_for(chat.ready, "dtchat ready")
        # its ui subscribes to the bus a moment after the banner, and an
        # error event published before that is lost (PUB/SUB): poke it
        # with garbage until one error shows
        for _ in range(int(it.DEADLINE * 2)):
            listener.sendto(b"\x00warm-up", target)
            try:
                group.wait_for(chat.errors, "a first error event", 0.5)
                break
            except it.Fail:
                pass
        it.check(chat.errors(), "no error event for warm-up garbage", group)

        def text_message(**fields):
            values = dict(uuid=it.new_uuid(), sender="2",
                          timestamp=it.now_ms(), room="room", source=me,
                          text="hello")
            values.update(fields)
            return it.encode_message(**values)

        # a length-delimited text field that claims 2 GiB but stops short
        huge_claim = (text_message(text=None)
                      + b"\x32" + b"\xff\xff\xff\xff\x07" + b"\x0a\x05hello")
        hostile = [
            ("an empty datagram", b""),
            ("a truncated ProtoMessage", truncated(capture)),
            ("a text without source_endpoint", text_message(source=None)),
            ("a text of invalid UTF-8", text_message(text=b"bad \xff\xfe")),
            ("a text with a NUL byte", text_message(text=b"nul\x00here")),
            ("65507 bytes of garbage", random.Random(7).randbytes(UDP_MAX)),
            ("a text claiming 2 GiB", huge_claim),
            ("the bad-endpoint capture", bad_endpoint),
        ]
        for what, data in hostile:
            before = len(chat.errors())
            listener.sendto(data, target)
            group.wait_for(lambda: len(chat.errors()) > before
                           or not chat.running(),
                           f"an error event for {what}")
            it.check(chat.running(), f"dtchat died after {what}", group)
            it.check(not chat.msgs(status="RECEIVED"),
                     f"dtchat showed {what} as RECEIVED", group)

        # a burst of seeded random datagrams
        before = len(chat.errors())
        rng = random.Random(20261126)
        for _ in range(200):
            listener.sendto(rng.randbytes(rng.randint(1, 1500)), target)
        # an ack for nothing we sent may be ignored, but must not hurt
        listener.sendto(it.encode_message(uuid=it.new_uuid(), sender="2",
                                          timestamp=it.now_ms(), room="room",
                                          source=me, ack=it.new_uuid()),
                        target)
        group.wait_for(lambda: len(chat.errors()) > before
                       or not chat.running(), "error events for the burst")
        it.check(chat.running(), "dtchat died from random datagrams", group)
        it.check(not received, f"dtchat answered garbage: {received[:3]}",
                 group)

        # the largest valid datagram is still a message
        big_uuid = it.new_uuid()
        stamp = it.now_ms()
        size = 65000
        big = text_message(uuid=big_uuid, timestamp=stamp, text="B" * size)
        size += UDP_MAX - len(big)
        big = text_message(uuid=big_uuid, timestamp=stamp, text="B" * size)
        it.check(len(big) == UDP_MAX, f"built {len(big)} bytes, not 65507")
        listener.sendto(big, target)
        group.wait_for(lambda: chat.msg(uuid=big_uuid, status="RECEIVED"),
                       "the 65507-byte text RECEIVED")

        # and the captured text, pointed at our listener, gets its ack
        uuid = it.new_uuid()
        good = it.encode_message(uuid=uuid, sender=base["sender"],
                                 timestamp=base["timestamp"],
                                 room=base["room"], source=me,
                                 text=base["text"])
        listener.sendto(good, target)
        shown = group.wait_for(lambda: chat.msg(uuid=uuid,
                                                status="RECEIVED"),
                               "the valid text RECEIVED")
        it.check(shown["text"] == base["text"] and shown["room"] == "room"
                 and shown["sender"] == base["sender"]
                 and shown["send_time"] == base["timestamp"]
                 and not shown["outgoing"],
                 f"RECEIVED event does not match the text: {shown}", group)
        ack = group.wait_for(
            lambda: next((m for m in received if m.get("ack") == uuid), None),
            "an ack for the valid text")
        it.check(len(ack.get("uuid", "")) == 36 and ack["uuid"] != uuid,
                 f"the ack needs its own uuid: {ack}", group)
        it.check(ack.get("sender") == "victim",
                 f"ack sender is not our --id: {ack}", group)
        it.check(ack.get("source") == dtchat_endpoint,
                 f"ack source_endpoint is not dtchat's own: {ack}", group)
        it.check(ack.get("room") == "room", f"ack room not copied: {ack}",
                 group)
        it.check(abs(ack.get("timestamp", 0) - it.now_ms()) < 3600_000,
                 f"ack timestamp is not the acker's clock in ms: {ack}",
                 group)
        group.wait_for(lambda: any(m.get("ack") == big_uuid
                                   for m in received),
                       "an ack for the 65507-byte text")
        it.check(len([m for m in received if m.get("ack") == uuid]) >= 1
                 and all("text" not in m for m in received),
                 f"dtchat sent texts nobody typed: {received}", group)

        chat.close_stdin()
        status = chat.wait_exit()
        it.check(status == 0, f"dtchat exited {status}", group)
        it.check(not chat.bad_lines,
                 f"non-JSON stdout: {chat.bad_lines[:3]}", group)


if __name__ == "__main__":
    it.main(test)
