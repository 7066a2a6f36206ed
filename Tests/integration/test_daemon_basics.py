"""pgtrackd as a program: schedule printing, config and plan errors, state errors."""
import shutil
import signal
import time

from conftest import BIN, FIXED


def test_print_schedule_shows_the_twenty_week_plan(home):
    home.write_config(FIXED)
    r = home.run("pgtrackd", "--print-schedule", "--now", "2027-01-01T12:00:00Z")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("# PostgreSQL Mastery Tracker")
    assert "start 2027-01-04, zone Europe/Berlin, 100 slots" in lines[1]
    rows = [l for l in lines if l.startswith("w")]
    assert len(rows) == 100
    assert rows[0].split()[:6] == ["w01d1", "Mon", "2027-01-04", "18:00–18:30", "scheduled", "1.1"]
    assert rows[-1].split()[:5] == ["w20d5", "Fri", "2027-05-21", "18:00–18:30", "catch-up"]
    w03d3 = next(l for l in rows if l.startswith("w03d3"))
    assert w03d3.endswith("Create GIN, composite, and partial indexes")
    # After the March DST change the slots are still at 18:00 local.
    assert all("18:00–18:30" in l for l in rows)


def test_installed_copy_finds_the_built_in_plan(home, tmp_path):
    copy = tmp_path / "elsewhere"
    copy.mkdir()
    shutil.copy(BIN / "pgtrackd", copy / "pgtrackd")
    home.write_config(FIXED)
    import subprocess
    r = subprocess.run([str(copy / "pgtrackd"), "--print-schedule"], env=home.env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "100 slots" in r.stdout


def test_bad_config_exits_78_naming_file_line_and_key(home):
    path = home.write_config('[schedule]\ndays = ["mon"]\ntime = "25:00"\n')
    r = home.run("pgtrackd", "--print-schedule")
    assert r.returncode == 78
    assert r.stderr.strip() == f'pgtrackd: {path}:3: schedule.time: expected a 24-hour time "HH:MM", found "25:00"'


def test_explicit_config_that_does_not_exist_exits_78(home, tmp_path):
    r = home.run("pgtrackd", "--config", str(tmp_path / "nope.toml"), "--print-schedule")
    assert r.returncode == 78
    assert "nope.toml: cannot read the file" in r.stderr


def test_a_fifo_as_config_is_refused_not_waited_on(home, tmp_path):
    import os
    os.mkfifo(tmp_path / "fifo.toml")
    r = home.run("pgtrackd", "--config", str(tmp_path / "fifo.toml"), "--print-schedule", timeout=10)
    assert r.returncode == 78
    assert "fifo.toml: cannot read the file: it is a FIFO, not a regular file" in r.stderr


def test_broken_plan_names_file_and_line(home, tmp_path):
    plan = tmp_path / "plan.md"
    plan.write_text("# My plan\n## Stage\n### Week 1\n- [ ] one\n### Week 3\n")
    home.write_config(f'[plan]\nfile = "{plan}"\n')
    r = home.run("pgtrackd", "--print-schedule")
    assert r.returncode == 78
    assert f"{plan}:5: expected '### Week 2'" in r.stderr
    assert not home.state_db.exists() or home.state_db.stat().st_size >= 0


def test_corrupt_state_is_reported_and_left_alone(home):
    home.state_db.parent.mkdir(parents=True)
    garbage = bytes(range(256)) * 16
    home.state_db.write_bytes(garbage)
    r = home.run("pgtrackd", "--print-schedule")
    assert r.returncode == 1
    assert "cannot open the state database" in r.stderr
    assert home.state_db.read_bytes() == garbage


def test_foreground_daemon_stops_on_sigterm(home):
    home.write_config(FIXED)
    p = home.start("pgtrackd")
    try:
        deadline = time.time() + 10
        while time.time() < deadline and not home.state_db.exists():
            time.sleep(0.05)
        time.sleep(0.3)
        assert p.poll() is None, p.stderr.read()
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=10) == 0
        assert "ready: Starts Mon 2027-01-04 · next slot 2027-01-04 18:00 (w01d1)" in p.stderr.read()
    finally:
        if p.poll() is None:
            p.kill()


def test_a_time_and_length_per_weekday_reach_agenda_and_feed(home):
    from conftest import FUTURE, Daemon
    config = FUTURE.replace('timezone = "Europe/Berlin"', 'timezone = "Europe/Berlin"\ntimes = { fri = "07:00" }\nlengths = { fri = 60 }')
    daemon = Daemon(home, config)
    try:
        week = {s["id"]: s for s in daemon.ctl_json("agenda", "--week", "1")}
        assert (week["w01d4"]["start"], week["w01d4"]["end"]) == ("2030-01-10T18:00:00+01:00", "2030-01-10T18:30:00+01:00")
        assert (week["w01d5"]["start"], week["w01d5"]["end"]) == ("2030-01-11T07:00:00+01:00", "2030-01-11T08:00:00+01:00")
        feed = (home.root / "data" / "pgtrack" / "pgtrack.ics").read_bytes().decode()
        assert "DTSTART;TZID=Europe/Berlin:20300111T070000\r\n" in feed and "DTEND;TZID=Europe/Berlin:20300111T080000\r\n" in feed
    finally:
        daemon.stop()
