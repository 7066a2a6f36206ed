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
        wait_until(lambda: len(list(vdir.glob("w*@pgtrack.ics"))) >= 90, what="the default plan's vdir")
        mine = set(p.name for p in vdir.glob("w*@pgtrack.ics"))
        go = Daemon(home, with_vdir(FUTURE, vdir), args=("--plan", "go"), socket=runtime / "go.sock")
        wait_until(lambda: len(set(p.name for p in vdir.glob("w*@pgtrack.ics")) - mine) >= 3, what="the go plan's vdir files")
        theirs = set(p.name for p in vdir.glob("w*@pgtrack.ics")) - mine
        assert all(name.endswith("-go@pgtrack.ics") for name in theirs), theirs
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
