"""it_bp_pair.py: dtchat processes chat over native BPv7 (MTCP) on loopback.

- ipn pair: A = "bp ipn:1.1 via mtcp:127.0.0.1:PA" talks to
  "bp ipn:2.1 via mtcp:127.0.0.1:PB" and B back; 40 lines written to A are
  each ACKED on A and RECEIVED once on B, text intact. (B's acks go to
  "bp ipn:1.1", the source endpoint in A's messages: dtchat routes its
  REMOTE's EID through the REMOTE's via, so B knows the way back.)
- dtn pair: the same with dtn://a.dtn/chat and dtn://b.dtn/chat.
- relay: A and B only know a relay R (a third dtchat, "bp ipn:3.1") as
  their default route "*"; R forwards by its --bp-route; 40 lines ACKED.
- next hop down, then up: A sends while B is not running yet (the bundles
  wait in A's queue, A says the hop is unreachable); B starts; everything
  is delivered and ACKED.
- dtchat --bp-agent af_bp on a kernel without bp-socket exits 1 with a
  message that names bp-socket.
"""

import socket

import dtchat_it as it

COUNT = 40


def tcp_ports(count):
    """COUNT distinct free TCP ports."""
    ports = set()
    while len(ports) < count:
        ports.add(it.free_port(socket.SOCK_STREAM))
    return sorted(ports)


def lines(tag):
    return [f"{tag} {index:02d} héllo ✓ \"q\" \\ {'x' * index}!"
            for index in range(COUNT)]


def once_per_epoch(proc, status):
    """uuid -> how often STATUS was published for it between two resync
    markers (a "sys" sync other than "drain" re-publishes every status)."""
    worst, current = {}, {}
    for event in proc.events:
        if event.get("event") == "sys" and event.get("kind") == "sync" \
                and event.get("token") != "drain":
            current = {}
        elif event.get("event") == "msg" and event.get("status") == status:
            uuid = event.get("uuid")
            current[uuid] = current.get(uuid, 0) + 1
            worst[uuid] = max(worst.get(uuid, 0), current[uuid])
    return worst


def expect_delivered(group, a, b, texts, what):
    """Every text ACKED on A and RECEIVED exactly once on B."""
    def all_acked():
        return {e["text"] for e in a.msgs(status="ACKED")} >= set(texts)
    group.wait_for(all_acked, f"{what}: all {len(texts)} ACKED on a")
    group.wait_for(lambda: {e["text"] for e in b.msgs(status="RECEIVED")}
                   >= set(texts), f"{what}: all RECEIVED on b")
    counts = once_per_epoch(b, "RECEIVED")
    for event in b.msgs(status="RECEIVED"):
        it.check(counts[event["uuid"]] == 1,
                 f"{what}: {event['text']!r} RECEIVED "
                 f"{counts[event['uuid']]} times", group)
    it.check(len(counts) == len(texts),
             f"{what}: {len(counts)} messages RECEIVED", group)
    failed = a.msgs(status="FAILED")
    it.check(not failed, f"{what}: FAILED messages {failed[:2]}", group)


def finish(group, *procs):
    """Close every stdin; each must drain and exit 0."""
    for proc in procs:
        proc.close_stdin()
    for proc in procs:
        status = proc.wait_exit()
        it.check(status == 0, f"{proc.name} exit status {status}", group)


def pair(name, eid_a, eid_b):
    with it.Group(f"it_bp_pair_{name}") as group:
        pa, pb = tcp_ports(2)
        via_a, via_b = f"mtcp:127.0.0.1:{pa}", f"mtcp:127.0.0.1:{pb}"
        a = group.dtchat("a", f"bp {eid_a} via {via_a}",
                         f"bp {eid_b} via {via_b}", extra=["--id", "alice"])
        b = group.dtchat("b", f"bp {eid_b} via {via_b}",
                         f"bp {eid_a} via {via_a}", extra=["--id", "bob"])
        group.wait_for(lambda: a.ready() and b.ready(), "both ready")
        texts = lines(name)
        a.send("".join(text + "\n" for text in texts))
        expect_delivered(group, a, b, texts, name)
        for event in b.msgs(status="RECEIVED"):
            it.check(event["peer"] == f"bp {eid_a}",
                     f"{name}: peer {event['peer']}", group)
        finish(group, a, b)


def relay():
    with it.Group("it_bp_pair_relay") as group:
        pa, pb, pr = tcp_ports(3)
        via_a, via_b, via_r = (f"mtcp:127.0.0.1:{port}"
                               for port in (pa, pb, pr))
        r = group.dtchat("r", f"bp ipn:3.1 via {via_r}", "bp ipn:2.1",
                         extra=["--id", "relay",
                                "--bp-route", f"ipn:2.* {via_b}",
                                "--bp-route", f"ipn:1.* {via_a}"])
        a = group.dtchat("a", f"bp ipn:1.1 via {via_a}", "bp ipn:2.1",
                         extra=["--id", "alice", "--bp-route",
                                f"* {via_r}"])
        b = group.dtchat("b", f"bp ipn:2.1 via {via_b}", "bp ipn:1.1",
                         extra=["--id", "bob", "--bp-route", f"* {via_r}"])
        group.wait_for(lambda: a.ready() and b.ready() and r.ready(),
                       "three ready")
        texts = lines("relay")
        a.send("".join(text + "\n" for text in texts))
        expect_delivered(group, a, b, texts, "relay")
        it.check(not r.msgs(status="RECEIVED"),
                 "the relay showed a message", group)
        finish(group, a, b, r)


def down_then_up():
    with it.Group("it_bp_pair_down_up") as group:
        pa, pb = tcp_ports(2)
        via_a, via_b = f"mtcp:127.0.0.1:{pa}", f"mtcp:127.0.0.1:{pb}"
        a = group.dtchat("a", f"bp ipn:1.1 via {via_a}",
                         f"bp ipn:2.1 via {via_b}", extra=["--id", "alice"])
        group.wait_for(a.ready, "a ready")
        texts = [f"stored {index}" for index in range(5)]
        a.send("".join(text + "\n" for text in texts))
        group.wait_for(lambda: any("unreachable" in e.get("text", "")
                                   for e in a.events
                                   if e.get("event") == "net"),
                       "a says the next hop is unreachable")
        it.check(not a.msgs(status="SENT"), "SENT while b is down", group)
        b = group.dtchat("b", f"bp ipn:2.1 via {via_b}",
                         f"bp ipn:1.1 via {via_a}", extra=["--id", "bob"])
        expect_delivered(group, a, b, texts, "down then up")
        finish(group, a, b)


def af_bp_absent():
    probe = None
    try:
        probe = socket.socket(28, socket.SOCK_DGRAM, 0)
    except OSError:
        pass
    if probe:
        probe.close()
        print("it_bp_pair: this kernel has AF_BP; af_bp check skipped")
        return
    with it.Group("it_bp_pair_af_bp") as group:
        proc = group.dtchat("c", "bp ipn:1.1", "bp ipn:2.1",
                            extra=["--bp-agent", "af_bp"])
        proc.close_stdin()
        status = proc.wait_exit()
        it.check(status == 1, f"af_bp exit status {status}", group)
        it.check(any("bp-socket" in line for line in proc.err_lines),
                 "no message naming bp-socket", group)


def test():
    pair("ipn", "ipn:1.1", "ipn:2.1")
    pair("dtn", "dtn://a.dtn/chat", "dtn://b.dtn/chat")
    relay()
    down_then_up()
    af_bp_absent()


if __name__ == "__main__":
    it.main(test)
