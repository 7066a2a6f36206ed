"""The vdir under hostile neighbours: another plan writing into the same folder, files
that are not pgtrack's, odd entries where a slot's file should be (issue 23, findings 4
and 6). pgtrackd touches only the files it wrote, and reads nothing else as an edit."""
import json
import os
import subprocess
import time
from pathlib import Path

from conftest import BIN, FUTURE, Daemon, wait_until

GO_PLAN = "# Learn Go\n\n### Week 1\n- [ ] Tour of Go\n- [ ] Effective Go\n\n### Week 2\n- [ ] Write a CLI\n"


def with_vdir(config: str, vdir: Path) -> str:
    # Sync on (a command that does nothing), so that edits in the vdir are read back.
    return config + f'[calendar]\nvdir = "{vdir}"\n[sync]\nenabled = true\ncommand = ["true"]\ninterval = "1d"\n'


def ctl_json(home, *args):
    e = dict(home.env)
    e.pop("PGTRACK_SOCKET", None)
    r = subprocess.run([str(BIN / "pgtrackctl"), *args, "--json"], env=e, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def skipped(home, *plan):
    return [s["id"] for s in ctl_json(home, "agenda", "--all", *plan) if s["state"] == "skipped"]


def test_two_plans_share_a_vdir_without_touching_each_others_files(home):
    vdir = home.root / "vdir"
    vdir.mkdir()
    # Files that are not pgtrack's slots, though named like its files, and a slot file
    # of another plan instance: none is pgtrack's to remove.
    for i in range(50):
        (vdir / f"junk{i}@pgtrack.ics").write_text("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    plan = home.root / "go.md"
    plan.write_text(GO_PLAN)
    config_dir = Path(home.env["XDG_CONFIG_HOME"]) / "pgtrack"
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "go.toml").write_text(with_vdir(FUTURE.replace("[plan]\n", f'[plan]\nfile = "{plan}"\n'), vdir))
    runtime = Path(home.env["XDG_RUNTIME_DIR"]) / "pgtrack"
    default = Daemon(home, with_vdir(FUTURE, vdir))
    go = None
    try:
        def files(suffix):
            return set(p.name for p in vdir.glob("w*" + suffix))
        wait_until(lambda: len(files("-20300107@pgtrack.ics")) == 100, what="the default plan's vdir")
        mine = files("-20300107@pgtrack.ics")
        go = Daemon(home, with_vdir(FUTURE, vdir), args=("--plan", "go"), socket=runtime / "go.sock")
        wait_until(lambda: len(files("-20300107-go@pgtrack.ics")) == 10, what="the go plan's vdir files")
        theirs = files("-20300107-go@pgtrack.ics")
        assert files("@pgtrack.ics") == mine | theirs
        time.sleep(1.5)  # a deletion read back as a cancellation would show by now
        assert skipped(home) == [] and skipped(home, "--plan", "go") == []
        assert mine | theirs <= set(p.name for p in vdir.glob("w*@pgtrack.ics"))
        # A restart of each leaves the other's files, and the junk, where they are.
        default.stop()
        default = Daemon(home, with_vdir(FUTURE, vdir))
        go.stop()
        go = Daemon(home, with_vdir(FUTURE, vdir), args=("--plan", "go"), socket=runtime / "go.sock")
        assert default.ctl("sync").returncode == 0
        time.sleep(1.5)
        names = set(p.name for p in vdir.glob("*.ics"))
        assert mine | theirs <= names
        assert all(f"junk{i}@pgtrack.ics" in names for i in range(50))
        assert skipped(home) == [] and skipped(home, "--plan", "go") == []
        # An edit of the go plan's file is the go plan's: the default plan ignores it.
        victim = sorted(theirs)[0]
        (vdir / victim).unlink()
        wait_until(lambda: skipped(home, "--plan", "go") == [victim.split("-")[0]], what="the go plan reads its deletion")
        assert skipped(home) == []
    finally:
        default.stop()
        if go:
            go.stop()


def event_file(uid: str, cancelled=False) -> str:
    status = "STATUS:CANCELLED\r\n" if cancelled else ""
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:{uid}\r\nDTSTAMP:20300101T000000Z\r\nSEQUENCE:50\r\n{status}"
            "DTSTART:20300107T170000Z\r\nDTEND:20300107T173000Z\r\nSUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def replace(path: Path, make):
    """Puts what `make(temp)` creates at `path` in one rename, as a sync tool would."""
    temp = path.parent / (".new-" + path.name)
    make(temp)
    os.rename(temp, path)


def test_odd_entries_at_slot_names_stall_nothing(home):
    vdir = home.root / "vdir"
    vdir.mkdir()
    config = with_vdir(FUTURE, vdir)
    daemon = Daemon(home, config)
    wait_until(lambda: len(list(vdir.glob("w*@pgtrack.ics"))) == 100, what="the vdir")
    daemon.stop()
    names = sorted(p.name for p in vdir.glob("w*@pgtrack.ics"))
    folder, fifo, link, big = names[1], names[2], names[3], names[20]  # w01d2, w01d3, w01d4, w05d1
    (vdir / folder).unlink()
    (vdir / folder).mkdir()
    (vdir / fifo).unlink()
    os.mkfifo(vdir / fifo)
    daemon = Daemon(home, config)
    try:
        time.sleep(1)  # past the first publish, after which the vdir is watched
        # A link to a cancelled event outside the vdir is not read as an edit.
        outside = home.root / "outside.ics"
        outside.write_bytes(event_file(link[:-4], cancelled=True).encode())
        replace(vdir / link, lambda t: t.symlink_to(outside))
        # Nor is a slot file over 1 MiB.
        replace(vdir / big, lambda t: t.write_bytes(event_file(big[:-4], cancelled=True).encode()
                                                    + b"X-PAD:" + b"x" * (1 << 20) + b"\r\n"))
        time.sleep(1)
        assert skipped(home) == []
        # Every slot changes (a skip moves the tasks on), and the other files keep up at once.
        before = (vdir / names[10]).read_bytes()
        for slot in ("w01d2", "w01d3", "w01d4", "w01d5"):
            assert daemon.ctl("skip", slot).returncode == 0
        wait_until(lambda: (vdir / names[10]).read_bytes() != before, timeout=5, what="the other files rewritten")
        assert (vdir / folder).is_dir() and (vdir / link).is_symlink() and os.path.exists(vdir / fifo)
        assert outside.read_bytes() == event_file(link[:-4], cancelled=True).encode()
        assert daemon.ctl("undo").returncode == 0
        assert daemon.process.poll() is None
    finally:
        daemon.stop()
    log = daemon.process.stderr.read()
    for name in (folder, fifo, link):
        assert log.count(f"cannot write {vdir}/{name}") == 1, log
    assert f"ignoring {link}: it is a symbolic link" in log, log
    assert f"ignoring {big}: it is larger than 1 MiB" in log, log


def test_an_edit_holding_another_slots_event_is_written_back_above_its_sequence(home):
    # Issue 23, finding 10: the write-back used SEQUENCE 1, below the phone's 50, so the
    # calendar kept the wrong event.
    vdir = home.root / "vdir"
    vdir.mkdir()
    daemon = Daemon(home, with_vdir(FUTURE, vdir))
    try:
        wait_until(lambda: len(list(vdir.glob("w*@pgtrack.ics"))) == 100, what="the vdir")
        time.sleep(1)  # past the first publish, after which the vdir is watched
        target = vdir / "w01d2-20300107@pgtrack.ics"
        replace(target, lambda t: t.write_bytes(event_file("w01d3-20300107@pgtrack").encode()))
        wait_until(lambda: b"UID:w01d2-20300107@pgtrack" in target.read_bytes(), timeout=5, what="the plan's event written back")
        sequence = int(target.read_bytes().decode().split("SEQUENCE:")[1].split("\r\n")[0])
        assert sequence > 50, sequence
        assert skipped(home) == []
    finally:
        daemon.stop()
