"""it_store_faults.py: a store that cannot be used is a clear error, never a
crash and never a silently dropped message.

At start (dtchat exits 1 with one line on stderr that names the file):
a file of garbage, a store locked by a running dtchat, a directory we may
not write (run as nobody when the test runs as root), a full disk
(RLIMIT_FSIZE 0, SIGXFSZ ignored, as a full file system answers).
Bad values of --db and --order exit 2. At run time: a disk that fills up
while A sends 60 lines to B: each line is either refused with an error
event that names the file, or shown SENDING and then ACKED; none vanishes.
--db :memory: keeps no file.
"""

import os
import resource
import signal
import subprocess

import dtchat_it as it


def run(argv, preexec=None, timeout=60):
    """Run ARGV to its end with no input; (status, stdout, stderr lines)."""
    done = subprocess.run(argv, stdin=subprocess.DEVNULL,
                          capture_output=True, timeout=timeout,
                          preexec_fn=preexec)
    err = done.stderr.decode("utf-8", "replace").splitlines()
    return done.returncode, done.stdout.decode("utf-8", "replace"), err


def expect_start_error(group, label, argv, want, preexec=None, status=1):
    code, out, err = run(argv, preexec)
    it.check(code == status,
             f"{label}: exit {code}, want {status}: {err}", group)
    it.check(len(err) == 1, f"{label}: {len(err)} stderr lines: {err}",
             group)
    for word in want:
        it.check(word in err[0], f"{label}: '{word}' not in: {err[0]}",
                 group)
    it.check("Traceback" not in out and not out.strip()
             or '"event"' in out, f"{label}: odd stdout {out[:200]}", group)
    return err[0]


def full_disk(limit):
    """A preexec: files may not grow past LIMIT bytes; writing past it
    fails (EFBIG) instead of killing the process."""
    def preexec():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return preexec


def as_nobody():
    os.setgid(65534)
    os.setuid(65534)


def start_faults(group):
    dtchat = it.bin_path("dtchat")
    base = [dtchat, "--no-tui", "--json", "--bus", "none"]
    local = f"udp 127.0.0.1:{it.free_port()}"
    remote = "udp 127.0.0.1:9"

    garbage = os.path.join(group.tmp, "garbage.db")
    with open(garbage, "wb") as out:
        out.write(b"this is not a database, " * 400)
    expect_start_error(group, "garbage", base + ["--db", garbage, local,
                                                 remote],
                       [garbage, "not a dtchat store"])

    held = os.path.join(group.tmp, "held.db")
    holder = group.dtchat("holder", local, remote,
                          extra=["--db", held])
    group.wait_for(holder.ready, "the holder runs")
    other = f"udp 127.0.0.1:{it.free_port()}"
    expect_start_error(group, "locked", base + ["--db", held, other, remote],
                       [held, "locked"])
    holder.close_stdin()
    it.check(holder.wait_exit() == 0, "holder did not exit 0", group)

    closed = os.path.join(group.tmp, "closed")
    os.mkdir(closed, 0o755)
    inside = os.path.join(closed, "x.db")
    if os.geteuid() == 0:
        os.chmod(group.tmp, 0o755)      # nobody must reach the dir
        try:
            expect_start_error(group, "read-only dir",
                               base + ["--db", inside, other, remote],
                               [inside, "ermission"], preexec=as_nobody)
        finally:
            os.chmod(group.tmp, 0o700)  # the bus sockets want it private
    else:
        os.chmod(closed, 0o555)
        expect_start_error(group, "read-only dir",
                           base + ["--db", inside, other, remote],
                           [inside, "ermission"])
        os.chmod(closed, 0o755)

    full = os.path.join(group.tmp, "full.db")
    expect_start_error(group, "full disk", base + ["--db", full, other,
                                                   remote],
                       [full], preexec=full_disk(0))

    expect_start_error(group, "--db ''", base + ["--db", "", local, remote],
                       ["--db"], status=2)
    expect_start_error(group, "--order", base + ["--order", "sideways",
                                                 local, remote],
                       ["--order", "sideways"], status=2)

    code, _, err = run(base + ["--db", ":memory:", local, remote])
    it.check(code == 0, f":memory: exit {code}: {err}", group)
    it.check(not any(name.startswith(":memory:")
                     for name in os.listdir(group.tmp)),
             ":memory: made a file", group)
    print("start: garbage, locked, read-only dir, full disk: exit 1 with "
          "one line naming the file; bad --db/--order: exit 2")


def runtime_full(group):
    """A's disk fills while it sends: refused or delivered, never lost."""
    env = dict(os.environ)
    env["XDG_STATE_HOME"] = os.path.join(group.tmp, "state")
    pa, pb = it.free_port(), it.free_port()
    while pb == pa:
        pb = it.free_port()
    ea, eb = f"udp 127.0.0.1:{pa}", f"udp 127.0.0.1:{pb}"
    b = group.dtchat("b", eb, ea, env=env, extra=["--id", "bob"])
    db = os.path.join(group.tmp, "filling.db")
    # the child inherits the limit (dtchat ignores SIGXFSZ itself, so a
    # write past it fails as on a full disk): set it around the start only
    old_limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (96 * 1024, old_limit[1]))
    try:
        a = group.dtchat("a", ea, eb, env=env,
                         extra=["--id", "alice", "--db", db])
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, old_limit)
        signal.signal(signal.SIGXFSZ, old_handler)
    group.wait_for(lambda: a.ready() and b.ready(), "both ready")
    lines = [f"filling {index:02d}" for index in range(60)]
    for line in lines:
        a.send_line(line)
    def refused():
        """Texts refused: 'not sent: "TEXT": store PATH: why' (the line ui
        may print a refusal twice: from the model's ERROR and its event)."""
        texts = set()
        for event in a.errors():
            if event["text"].startswith('not sent: "'):
                it.check(db in event["text"], f"refusal does not name the "
                         f"db: {event}", group)
                texts.add(event["text"].split('"')[1])
        return texts
    shown = lambda: {e["text"]: e["uuid"] for e in a.msgs(status="SENDING")}
    group.wait_for(lambda: refused() | set(shown()) == set(lines),
                   "every line shown or refused")
    it.check(not refused() & set(shown()), "a line both shown and refused",
             group)
    it.check(refused(), "the disk never filled: raise the line count",
             group)
    it.check(shown(), "nothing was sent at all", group)
    group.wait_for(lambda: {e["uuid"] for e in a.msgs(status="ACKED")}
                   >= set(shown().values()), "every shown line ACKED")
    received = {e["text"] for e in b.msgs(status="RECEIVED")}
    it.check(received == set(shown()), "B got other texts than A showed",
             group)
    a.close_stdin()
    it.check(a.wait_exit() == 0, "A did not exit 0", group)
    b.close_stdin()
    it.check(b.wait_exit() == 0, "B did not exit 0", group)
    print(f"run time: disk full after {len(shown())} of {len(lines)} "
          f"lines; {len(refused())} refused with an error naming the "
          f"file, {len(shown())} ACKED")


def test():
    with it.Group("it_store_faults") as group:
        start_faults(group)
        runtime_full(group)


if __name__ == "__main__":
    it.main(test)
