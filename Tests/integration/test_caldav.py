"""Two-way CalDAV sync: a real Radicale (from the test venv) on 127.0.0.1 with htpasswd
auth, Debian's vdirsyncer run by pgtrackd's [sync], and the Python caldav client as the
phone. What the plan does reaches the server; what the phone does reaches the plan."""
import json
import random
import signal
import sqlite3
import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from caldav_server import PASSWORD, Radicale, vdirsyncer_setup
from conftest import FUTURE, Daemon, require_tool, wait_until, with_bus

UID = "{}-20300107@pgtrack"


def sync_config(vdir, conf, extra=""):
    return FUTURE + (f'[calendar]\nvdir = "{vdir}"\n[sync]\nenabled = true\ncommand = ["vdirsyncer", "-c", "{conf}", "sync", "pgtrack"]\n'
                     'debounce = "1s"\ninterval = "1h"\n' + extra)


class Setup:
    def __init__(self, home, tmp, extra="", bus=None):
        self.radicale = Radicale(tmp)
        self.radicale.calendar()
        self.vdir = home.root / "vdir"
        self.conf = vdirsyncer_setup(tmp, self.vdir, self.radicale)
        if bus:
            with_bus(home, bus)
        self.home = home
        self.config = sync_config(self.vdir, self.conf, extra)
        self.start()

    def start(self):
        """The daemon, its log copied to pgtrackd.log as it comes (a pipe nobody reads
        would fill up and block it)."""
        import threading
        self.daemon = Daemon(self.home, self.config)
        log = (self.home.root / "pgtrackd.log").open("a")
        threading.Thread(target=lambda p=self.daemon.process: [log.write(line) or log.flush() for line in p.stderr],
                         daemon=True).start()

    def sync(self):
        r = self.daemon.ctl("sync", "--json", timeout=60)
        assert r.returncode == 0, r.stdout + r.stderr
        return r

    def agenda(self):
        return {s["id"]: s for s in self.daemon.ctl_json("agenda", "--all")}

    def stop(self):
        self.daemon.stop()
        self.radicale.stop()


@pytest.fixture
def setup(home, tmp_path):
    s = Setup(home, tmp_path)
    yield s
    s.stop()


def parse(t):
    return datetime.fromisoformat(t)


def test_the_plan_reaches_the_server_and_a_skip_follows(setup):
    from conftest import ROOT
    from varlink_types import Interface
    run = json.loads(setup.sync().stdout)
    Interface((ROOT / "interfaces" / "io.pgtrack.Tracker.varlink").read_text()).check_reply("Sync", run)
    assert run["seconds"] > 0 and run["output"].endswith("w20d5-20300107@pgtrack to pgtrack_remote\n")  # its tail
    events = setup.radicale.events()
    assert len(events) == 100
    assert set(events) == {UID.format(s) for s in setup.agenda()}
    first = events[UID.format("w01d1")]
    assert first["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert first["DTSTART"].dt == datetime(2030, 1, 7, 18, 0, tzinfo=first["DTSTART"].dt.tzinfo)
    assert any(c.name == "VALARM" for c in first.subcomponents)
    # A skip here: on the server, CANCELLED, after the debounce and one run.
    setup.daemon.ctl_json("skip", "w01d3")
    wait_until(lambda: str(setup.radicale.events()[UID.format("w01d3")].get("STATUS")) == "CANCELLED",
               timeout=20, what="w01d3 cancelled on the server")
    # The upload is on the server before vdirsyncer exits: the run may still be going.
    wait_until(lambda: not setup.daemon.ctl_json("status")["sync"].startswith("running"), timeout=20, what="the run's end")
    status = setup.daemon.ctl_json("status")
    assert status["sync"].startswith("last ") and " ok " in status["sync"]
    # The ledger says where the change came from.
    db = sqlite3.connect(setup.home.root / "state" / "pgtrack" / "pgtrack.sqlite")
    assert db.execute("SELECT origin FROM event WHERE kind = 'skip'").fetchall() == [("control",)]


def moved(comp, hours):
    comp["DTSTART"].dt += timedelta(hours=hours)
    comp["DTEND"].dt += timedelta(hours=hours)


def test_phone_edits_reach_the_plan(setup, tmp_path):
    setup.sync()
    before = setup.agenda()
    # Moved two hours later on the phone: moved in the plan, nothing else moves.
    setup.radicale.edit(UID.format("w02d1"), lambda c: moved(c, 2))
    setup.sync()
    after = setup.agenda()
    assert parse(after["w02d1"]["start"]) == parse(before["w02d1"]["start"]) + timedelta(hours=2)
    assert after["w02d1"]["task"] == before["w02d1"]["task"]
    assert {k: v for k, v in after.items() if k != "w02d1"} == {k: v for k, v in before.items() if k != "w02d1"}
    # The server converges on the canonical event: pgtrack's summary, a higher SEQUENCE.
    wait_until(lambda: int(setup.radicale.events()[UID.format("w02d1")]["SEQUENCE"]) >= 2, timeout=20,
               what="the canonical event back on the server")
    # Cancelled on the phone: skipped, its task slides into the week's catch-up slot.
    task = after["w02d2"]["task"]["id"]
    setup.radicale.edit(UID.format("w02d2"), lambda c: c.__setitem__("STATUS", "CANCELLED"))
    setup.sync()
    now = setup.agenda()
    assert now["w02d2"]["state"] == "skipped"
    assert any(s["task"] and s["task"]["id"] == task for s in now.values())
    db = sqlite3.connect(setup.home.root / "state" / "pgtrack" / "pgtrack.sqlite")
    rows = db.execute("SELECT kind, slot, text, origin FROM event WHERE origin = 'calendar' ORDER BY id").fetchall()
    assert [(k, s, o) for k, s, _, o in rows] == [("reschedule", "w02d1", "calendar"), ("skip", "w02d2", "calendar")]
    assert rows[1][2] == "cancelled in the calendar"
    # undo reverts a change that came from the calendar like any other.
    setup.daemon.ctl_json("undo")
    assert setup.agenda()["w02d2"]["state"] == "scheduled"
    # (The undo slid tasks back into later slots too; once that is on the server, the
    # phone's delete is not a conflict with it, which the plan would win.)
    setup.sync()
    # Deleted on the phone: skipped.
    setup.radicale.delete(UID.format("w03d1"))
    setup.sync()
    assert setup.agenda()["w03d1"]["state"] == "skipped"


def test_a_deleted_event_is_restored_when_configured(home, tmp_path):
    s = Setup(home, tmp_path, extra='deleted = "restore"\n')
    try:
        s.sync()
        s.radicale.delete(UID.format("w03d1"))
        s.sync()
        assert s.agenda()["w03d1"]["state"] == "scheduled"
        # Written back, and put back on the server by the next run.
        wait_until(lambda: UID.format("w03d1") in s.radicale.events(), timeout=20, what="w03d1 back on the server")
    finally:
        s.stop()


def test_a_move_the_plan_refuses_is_undone_on_the_server(home, tmp_path, session_bus, dunst):
    s = Setup(home, tmp_path, bus=session_bus)
    try:
        s.sync()
        before = s.agenda()
        # Onto the next slot's time: an overlap.
        target = parse(before["w02d2"]["start"])
        s.radicale.edit(UID.format("w02d1"), lambda c: (c["DTSTART"].__setattr__("dt", target),
                                                       c["DTEND"].__setattr__("dt", target + timedelta(minutes=30))))
        s.sync()
        assert s.agenda() == before
        wait_until(lambda: s.radicale.events()[UID.format("w02d1")]["DTSTART"].dt == parse(before["w02d1"]["start"]),
                   timeout=20, what="the original time back on the server")
        wait_until(lambda: any("Calendar edit not taken" in " ".join(n) for n in dunst.notes()), what="a notification")
        note = next(n for n in dunst.notes() if "Calendar edit not taken" in " ".join(n))
        assert "w02d1" in " ".join(note) and "overlap" in " ".join(note).lower()
    finally:
        s.stop()


def test_random_edits_on_both_sides_converge(setup):
    rng = random.Random(20)
    setup.sync()
    ids = sorted(setup.agenda())[5:60]
    for round in range(20):
        slot = rng.choice(ids)
        state = setup.agenda()[slot]["state"]
        side = rng.choice(["here", "phone"])
        if side == "here":
            if state == "skipped":
                setup.daemon.ctl("undo")
            else:
                setup.daemon.ctl("skip", slot)
        else:
            action = rng.choice(["move", "cancel", "summary"])
            if action == "move":
                setup.radicale.edit(UID.format(slot), lambda c: moved(c, 3))
            elif action == "cancel":
                setup.radicale.edit(UID.format(slot), lambda c: c.__setitem__("STATUS", "CANCELLED"))
            else:
                setup.radicale.edit(UID.format(slot), lambda c: c.__setitem__("SUMMARY", "renamed on the phone"))
        setup.sync()
    # Once more, so that what the last run wrote back goes up too.
    setup.sync()
    setup.sync()
    agree(setup)


def agree(setup):
    """The server holds each slot once, with the plan's time and state."""
    plan = setup.agenda()
    events = setup.radicale.events()
    assert set(events) == {UID.format(s) for s in plan}, "a duplicate or a lost event"
    for slot, s in plan.items():
        e = events[UID.format(slot)]
        assert e["DTSTART"].dt == parse(s["start"]), slot
        assert (str(e.get("STATUS")) == "CANCELLED") == (s["state"] == "skipped"), slot
        assert "renamed on the phone" not in str(e["SUMMARY"])


def test_kill_minus_nine_during_a_sync(home, tmp_path):
    s = Setup(home, tmp_path)
    try:
        s.sync()
        # Acknowledged here, then the daemon killed while its sync runs.
        s.daemon.ctl_json("skip", "w04d1")
        s.radicale.edit(UID.format("w04d2"), lambda c: moved(c, 1))
        runner = subprocess.Popen([str(Path(s.daemon.process.args[0]).parent / "pgtrackctl"), "sync"],
                                  env=dict(s.home.env, PGTRACK_SOCKET=str(s.daemon.socket)),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.3)
        s.daemon.process.send_signal(signal.SIGKILL)
        s.daemon.process.wait()
        runner.wait(timeout=30)
        # vdirsyncer itself killed mid-run, by hand.
        vdirsyncer = subprocess.Popen([require_tool("vdirsyncer"), "-c", str(s.conf), "sync", "pgtrack"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.3)
        vdirsyncer.kill()
        vdirsyncer.wait()
        s.start()
        assert s.agenda()["w04d1"]["state"] == "skipped"  # acknowledged: kept
        s.sync()
        s.sync()
        agree(s)
    finally:
        s.stop()


def test_an_edit_pulled_while_the_daemon_was_stopped_is_read_at_start(home, tmp_path):
    s = Setup(home, tmp_path)
    try:
        s.sync()
        before = s.agenda()
        s.daemon.stop()
        # The phone moves a slot and cancels another; vdirsyncer, run by hand, pulls both.
        s.radicale.edit(UID.format("w05d2"), lambda c: moved(c, 1))
        s.radicale.edit(UID.format("w05d3"), lambda c: c.__setitem__("STATUS", "CANCELLED"))
        r = subprocess.run([require_tool("vdirsyncer"), "-c", str(s.conf), "sync", "pgtrack"], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        s.start()
        after = s.agenda()
        assert parse(after["w05d2"]["start"]) == parse(before["w05d2"]["start"]) + timedelta(hours=1)
        assert after["w05d3"]["state"] == "skipped"
        s.sync()
        agree(s)
    finally:
        s.stop()


def test_a_failing_sync_shows_and_backs_off(home, tmp_path, session_bus, dunst):
    radicale = Radicale(tmp_path)
    radicale.calendar()
    vdir = home.root / "vdir"
    conf = vdirsyncer_setup(tmp_path, vdir, radicale)
    # Wrong password from now on; runs every second, doubling after each failure.
    conf.write_text(conf.read_text().replace(f'password = "{PASSWORD}"', 'password = "wrong"'))
    with_bus(home, session_bus)
    daemon = Daemon(home, sync_config(vdir, conf).replace('interval = "1h"', 'interval = "1s"'))
    try:
        r = daemon.ctl("sync")
        assert r.returncode == 1 and "vdirsyncer failed (exit status 1)" in r.stderr
        status = daemon.ctl_json("status")["sync"]
        # With a 1 s interval the next try may already be under way on a loaded machine.
        assert (status.startswith("failing (") and "next " in status) or (status.startswith("running since ") and "; failing (" in status), status
        time.sleep(8)
        failures = int(daemon.ctl_json("status")["sync"].split("(")[1].split(" ")[0])
        # 1 s, 2 s, 4 s, …: a handful of runs in 8 s, not eight.
        assert 2 <= failures <= 5, failures
        notes = [n for n in dunst.notes() if "Calendar sync failed" in " ".join(n)]
        assert len(notes) == 1, notes
        # The server down: still failing, still one notification.
        radicale.stop()
        daemon.ctl("sync")
        assert len([n for n in dunst.notes() if "Calendar sync failed" in " ".join(n)]) == 1
    finally:
        daemon.stop()
        if radicale.process.poll() is None:
            radicale.stop()


def test_a_work_calendar_on_the_server_is_a_busy_calendar(home, tmp_path):
    """A work calendar on the CalDAV server, pulled by vdirsyncer into one file (its
    `singlefile` storage), as `schedule.busy`: a meeting the phone adds there moves the
    study slot it overlaps, once the file is synced; no reload."""
    require_tool("vdirsyncer")
    import caldav
    radicale = Radicale(tmp_path)
    try:
        principal = caldav.DAVClient(url=radicale.url, username="phone", password=PASSWORD).principal()
        work = principal.make_calendar(name="Work", cal_id="work")

        def meeting(uid, day, start, end, summary):
            work.save_event("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//phone//EN\r\nBEGIN:VEVENT\r\n"
                            f"UID:{uid}\r\nDTSTAMP:20300101T000000Z\r\nDTSTART;TZID=Europe/Berlin:{day}T{start}00\r\n"
                            f"DTEND;TZID=Europe/Berlin:{day}T{end}00\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
        meeting("late@work", "20300108", "1730", "1900", "Late meeting")
        busy_file = home.root / "work.ics"
        busy_file.write_text("")
        conf = tmp_path / "work-vdirsyncer.conf"
        conf.write_text(f'[general]\nstatus_path = "{tmp_path}/work-status/"\n\n[pair work]\na = "work_remote"\n'
                        'b = "work_file"\ncollections = null\nconflict_resolution = "a wins"\n\n[storage work_remote]\n'
                        f'type = "caldav"\nurl = "{radicale.url}phone/work/"\nusername = "phone"\npassword = "{PASSWORD}"\n'
                        f'read_only = true\n\n[storage work_file]\ntype = "singlefile"\npath = "{busy_file}"\n')

        def pull():
            for step in (["discover", "work"], ["sync", "work"]):
                r = subprocess.run(["vdirsyncer", "-c", str(conf), *step], capture_output=True, text=True, timeout=60)
                assert r.returncode == 0, r.stdout + r.stderr
        pull()
        daemon = Daemon(home, FUTURE.replace('timezone = "Europe/Berlin"\n', 'timezone = "Europe/Berlin"\nbusy = ["~/work.ics"]\n'))
        try:
            def slot(sid):
                return next(s for s in daemon.ctl_json("agenda", "--week", "1") if s["id"] == sid)
            assert slot("w01d2")["start"] == "2030-01-08T19:00:00+01:00" and slot("w01d2")["note"] == "after Late meeting"
            assert slot("w01d3")["start"] == "2030-01-09T18:00:00+01:00"
            meeting("planning@work", "20300109", "1745", "1840", "Planning")
            pull()
            wait_until(lambda: slot("w01d3")["start"] == "2030-01-09T18:40:00+01:00", timeout=5,
                       what="w01d3 after the meeting the phone added")
            assert slot("w01d3")["note"] == "after Planning"
            assert daemon.ctl_json("status")["busy"] == "work.ics: 2 busy times · 2 slots moved, 0 given up"
        finally:
            daemon.stop()
    finally:
        radicale.stop()
