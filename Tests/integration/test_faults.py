"""Faults: a notification server that keeps dying, a read-only calendar folder, a full
disk under the state, and a plan broken while the daemon runs."""
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import FUTURE, Daemon, FakeNotificationServer, require_tool, wait_until
from conftest import with_bus
from test_reminders import move_slot


@pytest.fixture
def mounts():
    """tmpfs mounts made by the test (root only), unmounted afterwards."""
    mount, umount = require_tool("mount"), require_tool("umount")
    made = []

    def make(path: Path, size: str):
        if os.getuid() != 0:
            if os.environ.get("CI") == "true":
                pytest.fail("the fault tests need root to mount a tmpfs")
            pytest.skip("needs root to mount a tmpfs")
        path.mkdir(parents=True, exist_ok=True)
        subprocess.run([mount, "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)], check=True)
        made.append(path)
        return path
    yield make
    for path in reversed(made):
        subprocess.run([umount, "-l", str(path)])


def test_notification_server_killed_and_restarted_ten_times(home, session_bus, tmp_path):
    with_bus(home, session_bus)
    # One slot, a reminder every two seconds for 24 seconds.
    offsets = ", ".join(f'"{2 * i}s"' for i in range(12))
    config = FUTURE.replace('timezone = "Europe/Berlin"', 'timezone = "Europe/Berlin"\nminutes = 5') + \
        f'[reminders]\nat = [{offsets}]\n'
    log = tmp_path / "notify.log"
    server = FakeNotificationServer(session_bus, log)
    daemon = Daemon(home, config)
    try:
        start = move_slot(daemon, "w01d1", 2)
        for _ in range(10):
            time.sleep(1.3)
            server.process.send_signal(signal.SIGKILL)
            server.process.wait()
            time.sleep(0.9)
            server = FakeNotificationServer(session_bus, log)
        wait_until(lambda: time.time() > start.timestamp() + 24, timeout=40, what="the last reminder's time")
        time.sleep(2)
        assert daemon.process.poll() is None
    finally:
        daemon.stop()
        server.stop()
    import sqlite3
    fired = [r[0] for r in sqlite3.connect(home.state_db).execute(
        "SELECT text FROM event WHERE kind = 'reminder-fired' ORDER BY id")]
    assert len(fired) == len(set(fired)), "a reminder was recorded twice"
    assert len(fired) == 12, f"{len(fired)} of 12 reminders delivered"


def test_read_only_calendar_folder(home, mounts):
    data = mounts(home.root / "data" / "pgtrack", "4m")
    daemon = Daemon(home)
    feed = data / "pgtrack.ics"
    try:
        wait_until(feed.exists, what="the feed")
        subprocess.run([require_tool("mount"), "-o", "remount,ro", str(data)], check=True)
        skipped = daemon.ctl_json("skip", "w02d2")  # acknowledged although the feed cannot be written
        assert skipped["state"] == "skipped"
        assert daemon.ctl_json("status")["total"] == 90
        assert b"STATUS:CANCELLED" not in feed.read_bytes()
        subprocess.run([require_tool("mount"), "-o", "remount,rw", str(data)], check=True)
        wait_until(lambda: b"STATUS:CANCELLED" in feed.read_bytes(), timeout=15, what="the feed written again")
    finally:
        daemon.stop()
    err = daemon.process.stderr.read()
    assert err.count("cannot write the calendar files, will retry") == 1, err
    assert "calendar files written again" in err


def test_full_disk_under_the_state_refuses_changes_and_loses_nothing(home, mounts):
    state = mounts(home.root / "state" / "pgtrack", "4m")
    daemon = Daemon(home)
    filler = state / "filler"
    try:
        assert daemon.ctl_json("skip", "w01d2")["state"] == "skipped"
        try:
            with open(filler, "wb") as f:
                while True:
                    f.write(b"\0" * 4096)
                    f.flush()
        except OSError:
            pass  # full
        refused = 0
        for slot in ("w03d1", "w03d2", "w03d3", "w03d4", "w03d5", "w04d1", "w04d2", "w04d3"):
            r = daemon.ctl("skip", slot)
            if r.returncode != 0:
                refused += 1
                assert r.returncode == 1 and "cannot record the change" in r.stderr, r.stderr
        assert refused > 0, "the full disk refused nothing"
        assert daemon.ctl_json("status")["total"] == 90  # still serving
        acknowledged = [x["id"] for x in daemon.ctl_json("agenda", "--all") if x["state"] == "skipped"]
        filler.unlink()
        assert daemon.ctl_json("skip", "w05d1")["state"] == "skipped"
    finally:
        daemon.stop()
    daemon = Daemon(home)
    try:
        after = [x["id"] for x in daemon.ctl_json("agenda", "--all") if x["state"] == "skipped"]
        assert after == sorted(acknowledged + ["w05d1"])
    finally:
        daemon.stop()


def test_plan_broken_while_running_keeps_the_last_good_one(home, tmp_path):
    from conftest import ROOT
    plan = tmp_path / "plan.md"
    shutil.copy(ROOT / "Sources" / "PGTrackCore" / "Plan" / "Resources" / "postgresql-20-weeks.md", plan)
    daemon = Daemon(home, FUTURE.replace('[plan]\n', f'[plan]\nfile = "{plan}"\n'))
    try:
        assert daemon.ctl_json("status")["total"] == 90
        plan.write_text(plan.read_text().replace("### Week 7", "### Week 8", 1))
        r = daemon.ctl("reload")
        assert r.returncode == 1
        assert f"{plan}:" in r.stderr and "expected '### Week 7'" in r.stderr and "keeping the last good" in r.stderr
        daemon.process.send_signal(signal.SIGHUP)
        time.sleep(0.5)
        assert daemon.process.poll() is None
        assert daemon.ctl_json("status")["total"] == 90
        assert daemon.ctl_json("skip", "w01d1")["state"] == "skipped"
    finally:
        daemon.stop()
    assert "reload failed, keeping the last good config and plan" in daemon.process.stderr.read()
