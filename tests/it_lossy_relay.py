"""it_lossy_relay.py: 200 messages through a UDP relay that drops 30%.

A Python relay sits between two dtchats and forwards datagrams both ways,
dropping 30% in each direction (a seeded generator, so a run can be
repeated). A's remote is the relay; the relay rewrites each text's
source_endpoint to its own B-facing socket, so B's acks come back through
the relay too (and are dropped 30% of the time). A sends 200 lines: every
one must end ACKED on A (the ack-tracker resends with the same uuid) and be
RECEIVED exactly once on B (a resend whose ack was lost is acked again and
not shown again). The relay's counters show the loss was real and that B
did get copies.
"""

import os
import random

import dtchat_it as it

DROP = 0.30
COUNT = 200


class Relay:
    """Two sockets: A-facing (A sends here) and B-facing (it sends to B,
    B answers here). Drops DROP of the datagrams each way."""

    def __init__(self, group, seed):
        self.random = random.Random(seed)
        self.a_side = it.udp_socket()
        self.b_side = it.udp_socket()
        self.a_addr = None           # where A's datagrams come from
        self.b_addr = None
        self.stats = {"a_to_b": 0, "a_to_b_dropped": 0, "b_to_a": 0,
                      "b_to_a_dropped": 0}
        self.copies = {}            # uuid -> copies forwarded to B
        group.add_socket(self.a_side, self._from_a)
        group.add_socket(self.b_side, self._from_b)

    def _drop(self, key):
        if self.random.random() < DROP:
            self.stats[key + "_dropped"] += 1
            return True
        self.stats[key] += 1
        return False

    def _from_a(self, sock):
        while True:
            try:
                data, addr = sock.recvfrom(70000)
            except BlockingIOError:
                return
            self.a_addr = addr
            if self._drop("a_to_b"):
                continue
            message = it.decode_message(data)
            if "text" in message:
                # acks must come back through us
                message["source"] = it.endpoint_of(self.b_side)
                uuid = message["uuid"]
                self.copies[uuid] = self.copies.get(uuid, 0) + 1
                data = it.encode_message(
                    uuid=message["uuid"], sender=message.get("sender"),
                    timestamp=message.get("timestamp"),
                    room=message.get("room"), source=message["source"],
                    text=message["text"])
            self.b_side.sendto(data, self.b_addr)

    def _from_b(self, sock):
        while True:
            try:
                data, _ = sock.recvfrom(70000)
            except BlockingIOError:
                return
            if self.a_addr is None or self._drop("b_to_a"):
                continue
            self.a_side.sendto(data, self.a_addr)


def test():
    with it.Group("it_lossy_relay") as group:
        env = dict(os.environ)
        env["XDG_STATE_HOME"] = os.path.join(group.tmp, "state")
        relay = Relay(group, seed=20261126)
        pa = it.free_port()
        pb = it.free_port()
        while pb == pa:
            pb = it.free_port()
        ea, eb = f"udp 127.0.0.1:{pa}", f"udp 127.0.0.1:{pb}"
        relay.b_addr = ("127.0.0.1", pb)
        a = group.dtchat("a", ea, it.endpoint_of(relay.a_side), env=env,
                         extra=["--id", "alice", "--lifetime", "280"])
        b = group.dtchat("b", eb, it.endpoint_of(relay.b_side), env=env,
                         extra=["--id", "bob"])
        group.wait_for(lambda: a.ready() and b.ready(), "both ready")
        lines = [f"lossy {index:03d}" for index in range(COUNT)]
        a.send("".join(line + "\n" for line in lines))

        def progress():
            acked = {e["text"] for e in a.msgs(status="ACKED")}
            received = {e["text"] for e in b.msgs(status="RECEIVED")}
            return acked >= set(lines) and received >= set(lines)
        # backoff up to its 10 s cap: the unluckiest message needs ~10 tries
        group.wait_for(progress, f"{COUNT} ACKED on A and RECEIVED on B",
                       timeout=240)
        acked = {e["text"]: e["uuid"] for e in a.msgs(status="ACKED")}
        it.check(len(acked) == COUNT, f"A acked {len(acked)}", group)
        seen = {}
        for event in b.msgs(status="RECEIVED"):
            seen[event["uuid"]] = seen.get(event["uuid"], 0) + 1
        twice = {u: n for u, n in seen.items() if n != 1}
        it.check(not twice, f"B shows some more than once: {twice}", group)
        it.check(set(seen) == set(acked.values()),
                 "B's uuids are not A's", group)
        it.check(not a.msgs(status="FAILED"), "A: FAILED messages", group)
        stats = relay.stats
        it.check(stats["a_to_b_dropped"] > 0 and stats["b_to_a_dropped"] > 0,
                 f"the relay dropped nothing: {stats}", group)
        again = sum(1 for n in relay.copies.values() if n > 1)
        it.check(again > 0, "B never got a second copy: dedup untested",
                 group)
        attempts = max(e.get("attempts", 0) for e in a.msgs(status="ACKED"))
        a.close_stdin()
        it.check(a.wait_exit() == 0, "A did not exit 0", group)
        b.close_stdin()
        it.check(b.wait_exit() == 0, "B did not exit 0", group)
        print(f"{COUNT} messages ACKED, each RECEIVED once; relay "
              f"A->B {stats['a_to_b']} passed {stats['a_to_b_dropped']} "
              f"dropped, B->A {stats['b_to_a']} passed "
              f"{stats['b_to_a_dropped']} dropped; {again} texts reached "
              f"B more than once; up to {attempts} attempts")


if __name__ == "__main__":
    it.main(test)
