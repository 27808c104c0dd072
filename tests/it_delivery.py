"""it_delivery.py: nothing lost, nothing shown twice, across outages and
crashes (dtchat's durable store and retries).

Each dtchat keeps its store under a private XDG_STATE_HOME (the test's
temp dir), found by its command line alone. Three scenes:

1. Peer down, then up: A sends 20 lines while B is not running (A retries,
   the ICMP errors are warnings); B starts; all 20 are ACKED on A and each
   is RECEIVED exactly once on B.
2. The same datagram three times: a Python peer sends one text three
   times; dtchat acks it three times and shows it once. After a restart
   (same command line, same store) a fourth copy is acked again and still
   not shown again (only the history shows it, once).
3. A crash: A sends 10 lines while B is down and is SIGKILLed with all 10
   unacked; B starts; A restarts with the same command line and resends
   the 10 with their original uuids: all ACKED, each RECEIVED once on B;
   A exits 0 at end of input. Started a third time, A shows the 10 as
   ACKED history and sends nothing.
"""

import os
import signal

import dtchat_it as it


def env_for(group):
    """The environment of every dtchat here: stores in the test's dir."""
    env = dict(os.environ)
    env["XDG_STATE_HOME"] = os.path.join(group.tmp, "state")
    return env


def two_ports():
    pa = it.free_port()
    pb = it.free_port()
    while pb == pa:
        pb = it.free_port()
    return f"udp 127.0.0.1:{pa}", f"udp 127.0.0.1:{pb}"


def counts(proc, status):
    """uuid -> how many STATUS events PROC printed."""
    found = {}
    for event in proc.msgs(status=status):
        found[event["uuid"]] = found.get(event["uuid"], 0) + 1
    return found


def check_once(proc, status, uuids, group, name):
    """Each of UUIDS has exactly one STATUS event on PROC."""
    seen = counts(proc, status)
    wrong = {u: seen.get(u, 0) for u in uuids if seen.get(u, 0) != 1}
    it.check(not wrong, f"{name}: {status} not exactly once: {wrong}", group)


def scene_down_then_up():
    with it.Group("it_delivery_down") as group:
        env = env_for(group)
        ea, eb = two_ports()
        a = group.dtchat("a", ea, eb, env=env,
                         extra=["--id", "alice", "--lifetime", "120"])
        group.wait_for(a.ready, "A ready")
        lines = [f"down-{index:02d}" for index in range(20)]
        a.send("".join(line + "\n" for line in lines))
        group.wait_for(lambda: len({e["text"] for e in
                                    a.msgs(status="SENDING")}) == 20,
                       "A shows 20 SENDING")
        # B is down: A must try again before B comes up
        group.wait_for(lambda: any(e.get("attempts", 0) >= 2
                                   for e in a.msgs()),
                       "A retries while B is down")
        b = group.dtchat("b", eb, ea, env=env, extra=["--id", "bob"])
        group.wait_for(lambda: {e["text"] for e in a.msgs(status="ACKED")}
                       >= set(lines), "20 ACKED on A", timeout=120)
        group.wait_for(lambda: {e["text"] for e in b.msgs(status="RECEIVED")}
                       >= set(lines), "20 RECEIVED on B")
        uuids = {e["uuid"] for e in a.msgs(status="ACKED")}
        it.check(len(uuids) == 20, f"A acked {len(uuids)} uuids", group)
        check_once(b, "RECEIVED", uuids, group, "B")
        check_once(a, "ACKED", uuids, group, "A")
        retries = max(e.get("attempts", 0) for e in a.msgs(status="ACKED"))
        a.close_stdin()
        it.check(a.wait_exit() == 0, "A did not exit 0", group)
        b.close_stdin()
        it.check(b.wait_exit() == 0, "B did not exit 0", group)
        print(f"down then up: 20 messages ACKED, each RECEIVED once; "
              f"up to {retries} attempts")


def scene_three_copies():
    with it.Group("it_delivery_copies") as group:
        env = env_for(group)
        listener = it.udp_socket()
        me = it.endpoint_of(listener)
        acks = []

        def on_datagram(sock):
            while True:
                try:
                    data, _ = sock.recvfrom(70000)
                except BlockingIOError:
                    return
                message = it.decode_message(data)
                if "ack" in message:
                    acks.append(message["ack"])
        group.add_socket(listener, on_datagram)
        port = it.free_port()
        eb = f"udp 127.0.0.1:{port}"
        argv = [eb, me]
        b = group.dtchat("b", *argv, env=env, extra=["--id", "bob"])
        group.wait_for(b.ready, "B ready")
        uuid = it.new_uuid()
        data = it.encode_message(uuid=uuid, sender="py", timestamp=it.now_ms(),
                                 room="room", source=me, text="thrice")
        for copy in range(3):
            listener.sendto(data, ("127.0.0.1", port))
            group.wait_for(lambda: len(acks) == copy + 1,
                           f"ack {copy + 1} of 3")
        it.check(acks == [uuid] * 3, f"odd acks {acks}", group)
        # a sync point: a later message shows, so the copies came first
        marker = it.encode_message(uuid=it.new_uuid(), sender="py",
                                   timestamp=it.now_ms(), room="room",
                                   source=me, text="marker")
        listener.sendto(marker, ("127.0.0.1", port))
        group.wait_for(lambda: b.msg(status="RECEIVED", text="marker"),
                       "marker shown")
        check_once(b, "RECEIVED", [uuid], group, "B")
        b.close_stdin()
        it.check(b.wait_exit() == 0, "B did not exit 0", group)

        # restart: the store still knows the uuid
        again = group.dtchat("b2", *argv, env=env, extra=["--id", "bob"])
        group.wait_for(again.ready, "B ready again")
        group.wait_for(lambda: again.msg(status="RECEIVED", text="thrice"),
                       "history shows the text")
        listener.sendto(data, ("127.0.0.1", port))
        group.wait_for(lambda: len(acks) == 4, "fourth ack")
        marker2 = it.encode_message(uuid=it.new_uuid(), sender="py",
                                    timestamp=it.now_ms(), room="room",
                                    source=me, text="marker 2")
        listener.sendto(marker2, ("127.0.0.1", port))
        group.wait_for(lambda: again.msg(status="RECEIVED", text="marker 2"),
                       "second marker shown")
        check_once(again, "RECEIVED", [uuid], group, "B after restart")
        again.close_stdin()
        it.check(again.wait_exit() == 0, "B2 did not exit 0", group)
        print("three copies: 3 acks, shown once; a 4th after a restart: "
              "acked, not shown again")


def scene_crash():
    with it.Group("it_delivery_crash") as group:
        env = env_for(group)
        ea, eb = two_ports()
        argv_a = [ea, eb]
        extra_a = ["--id", "alice", "--lifetime", "120"]
        a = group.dtchat("a", *argv_a, env=env, extra=extra_a)
        group.wait_for(a.ready, "A ready")
        lines = [f"crash-{index:02d}" for index in range(10)]
        a.send("".join(line + "\n" for line in lines))
        group.wait_for(lambda: len({e["text"] for e in
                                    a.msgs(status="SENDING")}) == 10,
                       "A shows 10 SENDING")
        first = {e["text"]: e["uuid"] for e in a.msgs(status="SENDING")}
        it.check(not a.msgs(status="ACKED"), "acked with B down?", group)
        a.popen.send_signal(signal.SIGKILL)
        status = a.wait_exit()
        it.check(status == -signal.SIGKILL, f"A exit {status}", group)
        stores = os.listdir(os.path.join(group.tmp, "state", "dtchat"))
        it.check(any(name.endswith(".db") for name in stores),
                 f"no store in the state dir: {stores}", group)

        b = group.dtchat("b", eb, ea, env=env, extra=["--id", "bob"])
        group.wait_for(b.ready, "B ready")
        a2 = group.dtchat("a2", *argv_a, env=env, extra=extra_a)
        group.wait_for(lambda: {e["text"] for e in a2.msgs(status="ACKED")}
                       >= set(lines), "10 ACKED after the restart")
        group.wait_for(lambda: {e["text"] for e in b.msgs(status="RECEIVED")}
                       >= set(lines), "10 RECEIVED on B")
        again = {e["text"]: e["uuid"] for e in a2.msgs(status="ACKED")}
        it.check(again == first, "uuids changed across the restart", group)
        check_once(b, "RECEIVED", first.values(), group, "B")
        for event in b.msgs(status="RECEIVED"):
            it.check(event["sender"] == "alice", f"odd sender {event}", group)
        a2.close_stdin()
        it.check(a2.wait_exit() == 0, "A2 did not exit 0", group)
        # once more: the history shows all 10 ACKED, nothing is sent again
        a3 = group.dtchat("a3", *argv_a, env=env, extra=extra_a)
        a3.close_stdin()
        it.check(a3.wait_exit() == 0, "A3 did not exit 0", group)
        history = {e["text"]: e["uuid"] for e in a3.msgs(status="ACKED")}
        it.check(history == first, "the history after a clean exit is not "
                 "the 10 ACKED messages", group)
        it.check(not a3.msgs(status="SENDING"), "A3 sent again", group)
        check_once(b, "RECEIVED", first.values(), group, "B")
        b.close_stdin()
        it.check(b.wait_exit() == 0, "B did not exit 0", group)
        print("crash: 10 unacked at SIGKILL, all 10 ACKED after the "
              "restart, same uuids, each RECEIVED once")


def test():
    scene_down_then_up()
    scene_three_copies()
    scene_crash()


if __name__ == "__main__":
    it.main(test)
