"""Desktop reminders: a real dunst, a scripted notification server, no server, downtime."""
import os
import sqlite3
import subprocess
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from conftest import FUTURE, Daemon, FakeNotificationServer, require_tool, varlink_call, wait_until, with_bus

# Five-minute slots and reminders a few seconds apart, so that a test sees all three.
def quick_config(extra=""):
    # FUTURE already has a [schedule] table; merge the keys into it.
    return FUTURE.replace('timezone = "Europe/Berlin"', 'timezone = "Europe/Berlin"\nminutes = 5') + \
        '[reminders]\nat = ["-5s", "0m", "end-290s"]\n' + extra


def move_slot(daemon, slot, seconds_from_now):
    start = (datetime.now(timezone.utc) + timedelta(seconds=seconds_from_now)).replace(microsecond=0)
    reply = varlink_call(daemon.socket, "Reschedule", slot=slot, start=start.isoformat())
    assert "error" not in reply, reply
    return start


def test_three_reminders_reach_dunst_once_each_across_a_restart(home, session_bus, dunst):
    with_bus(home, session_bus)
    daemon = Daemon(home, quick_config())
    try:
        move_slot(daemon, "w01d1", 8)
        wait_until(lambda: len(dunst.notes()) >= 1, what="the first reminder")
        # Restart between the reminders: nothing may be repeated.
        assert daemon.stop() == 0
        daemon = Daemon(home, quick_config())
        wait_until(lambda: len(dunst.notes()) >= 3, timeout=25, what="three reminders")
        time.sleep(3)
        notes = dunst.notes()
        assert len(notes) == 3, notes
        title = "Week 1 · Read Chapters 1–2 of The Art of PostgreSQL"
        assert all(n[0] == "pgtrack" and n[1] == title and n[3] == "NORMAL" for n in notes), notes
        assert notes[0][2].startswith("Starts in 5s · ")
        assert notes[1][2].startswith("Now · ")
        assert notes[2][2].startswith("Ended at ") and "pgtrackctl done w01d1" in notes[2][2]
        assert "Stage 1: Foundations · task 1.1" in notes[1][2]
        assert daemon.ctl_json("status")["notifications"].startswith("delivering to the notification server")
    finally:
        daemon.stop()
    fired = sqlite3.connect(home.state_db).execute("SELECT count(*) FROM event WHERE kind = 'reminder-fired'").fetchone()[0]
    assert fired == 3


def test_actions_done_skip_snooze_and_a_forged_signal(home, session_bus, tmp_path):
    with_bus(home, session_bus)
    server = FakeNotificationServer(session_bus, tmp_path / "notify.log")
    daemon = Daemon(home, FUTURE + '[reminders]\nat = ["0m"]\n')
    try:
        move_slot(daemon, "w01d1", 2)
        first = wait_until(lambda: server.calls(), what="a Notify")[0]
        assert first["app"] == "pgtrack" and first["category"] == "x-pgtrack.reminder" and first["urgency"] == 1
        assert first["actions"] == ["start", "Start", "done", "Done", "skip", "Skip", "snooze", "Snooze 10 min", "default", "Details"]
        assert first["resident"] is True
        # A forged ActionInvoked from another connection is ignored.
        subprocess.run([require_tool("gdbus"), "emit", "--session", "--object-path", "/org/freedesktop/Notifications",
                        "--signal", "org.freedesktop.Notifications.ActionInvoked", str(first["id"]), "skip"],
                       env=dict(os.environ, DBUS_SESSION_BUS_ADDRESS=session_bus), check=True)
        time.sleep(1)
        assert daemon.ctl_json("agenda", "--week", "1")[0]["state"] == "scheduled"
        # The real server's clicks: snooze, then skip, on the first bubble.
        server.invoke(first["id"], "snooze")
        wait_until(lambda: sqlite3.connect(home.state_db).execute(
            "SELECT count(*) FROM event WHERE kind = 'snooze' AND slot = 'w01d1'").fetchone()[0] == 1, what="snooze")
        server.invoke(first["id"], "skip")
        wait_until(lambda: daemon.ctl_json("agenda", "--week", "1")[0]["state"] == "skipped", what="skip from the bubble")
        wait_until(lambda: any(c["id"] == first["id"] for c in server.calls("CloseNotification")), what="CloseNotification")
        # A skipped slot's time is free again: the next slot can take it, and its bubble's "done" works.
        move_slot(daemon, "w01d2", 2)
        second = wait_until(lambda: server.calls()[1:], what="a second Notify")[0]
        assert second["summary"] == "Week 1 · Read Chapters 1–2 of The Art of PostgreSQL"  # 1.1 slid to w01d2
        # Start times the session: done then records the minutes since.
        server.invoke(second["id"], "start")
        wait_until(lambda: daemon.ctl_json("agenda", "--week", "1")[1].get("startedAt"), what="started from the bubble")
        server.invoke(second["id"], "done")
        wait_until(lambda: daemon.ctl_json("agenda", "--week", "1")[1]["state"] == "done", what="done from the bubble")
        assert daemon.ctl_json("status")["done"] == 1
        assert daemon.ctl_json("agenda", "--week", "1")[1]["minutesSpent"] == 0  # clicked within the minute
        origins = sqlite3.connect(home.state_db).execute("SELECT kind, origin FROM event WHERE slot = 'w01d2'").fetchall()
        assert ("started", "reminder") in origins and ("done", "reminder") in origins
    finally:
        daemon.stop()
        server.stop()


def test_a_started_slot_is_not_told_to_start_but_still_told_when_it_ends(home, session_bus, tmp_path):
    """`pgtrackctl start` before the slot: its "Now" bubble is not sent; the one counted
    from the end still is (DECISIONS, start)."""
    with_bus(home, session_bus)
    server = FakeNotificationServer(session_bus, tmp_path / "notify.log")
    daemon = Daemon(home, quick_config().replace('at = ["-5s", "0m", "end-290s"]', 'at = ["-6s", "0m", "end-290s"]'))
    try:
        start = move_slot(daemon, "w01d1", 9)
        first = wait_until(lambda: server.calls(), what="the -6s reminder")[0]
        assert first["body"].startswith("Starts in 6s · ")
        r = daemon.ctl("start", "w01d1")
        assert r.returncode == 0, r.stderr
        wait_until(lambda: len(server.calls()) >= 2, timeout=25, what="the end-290s reminder")
        time.sleep(1)
        bodies = [c["body"].split(" · ")[0] for c in server.calls()]
        assert len(bodies) == 2 and bodies[0] == "Starts in 6s" and bodies[1].startswith("Ended at"), bodies
        assert datetime.now(timezone.utc) >= start + timedelta(seconds=10)
        assert not any(c["id"] == first["id"] for c in server.calls("CloseNotification")), "the bubble keeps its Done"
    finally:
        daemon.stop()
        server.stop()


def test_no_server_logs_once_and_delivers_when_one_appears(home, session_bus, tmp_path):
    with_bus(home, session_bus)
    config = FUTURE.replace('timezone = "Europe/Berlin"', 'timezone = "Europe/Berlin"\nminutes = 5') + '[reminders]\nat = ["-5s", "0m"]\n'
    daemon = Daemon(home, config)
    try:
        move_slot(daemon, "w01d1", 6)
        time.sleep(8)  # both reminders come due with nobody to show them
        assert daemon.process.poll() is None
        assert daemon.ctl_json("status")["notifications"].startswith("no notification server")
        server = FakeNotificationServer(session_bus, tmp_path / "notify.log")
        try:
            wait_until(lambda: len(server.calls()) >= 2, what="the waiting reminders")
            time.sleep(2)
            bodies = sorted(c["body"].split(" · ")[0] for c in server.calls())
            assert bodies == ["Now", "Starts in 5s"], server.calls()
        finally:
            server.stop()
    finally:
        daemon.stop()
    err = daemon.process.stderr.read()
    # Said once while waiting (not once per reminder); at most once more, if the daemon
    # saw the server leave at the end before it was stopped itself.
    waiting, _, after = err.partition("reminders: delivering to the notification server")
    assert waiting.count("reminders: no notification server on the session bus") == 1, err
    assert after.count("reminders: no notification server on the session bus") <= 1, err


def test_downtime_gives_exactly_one_digest(home, session_bus, tmp_path):
    with_bus(home, session_bus)
    home.write_config(quick_config())
    assert home.run("pgtrackd", "--print-schedule").returncode == 0
    now = time.time()
    db = sqlite3.connect(home.state_db)
    with db:
        for slot, minutes_ago in (("w01d1", 40), ("w01d2", 30)):
            db.execute("INSERT INTO event (time, kind, slot, at) VALUES (?, 'reschedule', ?, ?)",
                       (now - 3600, slot, now - minutes_ago * 60))
    db.close()
    server = FakeNotificationServer(session_bus, tmp_path / "notify.log")
    try:
        daemon = Daemon(home, quick_config())
        try:
            wait_until(lambda: server.calls(), what="the digest")
            time.sleep(2)
        finally:
            daemon.stop()
        calls = server.calls()
        assert len(calls) == 1, calls
        assert calls[0]["summary"] == "pgtrack: 6 reminders missed while away"
        assert "w01d1" in calls[0]["body"] and "w01d2" in calls[0]["body"]
        # Started again, nothing is repeated: the ledger says what fired.
        daemon = Daemon(home, quick_config())
        time.sleep(2)
        daemon.stop()
        assert len(server.calls()) == 1
    finally:
        server.stop()


MARKUP_PLAN = ("# Markup\n\n## Stage 1: Tags <a href=\"http://evil.example/\">click</a> & <b>bold</b>\n\n"
               "### Week 1\n- [ ] First\n- [ ] Second\n")


@pytest.mark.parametrize("capabilities,expected", [
    ("actions,body,body-markup,persistence", "Tags &lt;a href=\"http://evil.example/\"&gt;click&lt;/a&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"),
    ("actions,body,persistence", "Tags <a href=\"http://evil.example/\">click</a> & <b>bold</b>"),
])
def test_a_body_is_plain_text_for_a_markup_server(home, session_bus, tmp_path, capabilities, expected):
    # Issue 23, finding 7: bodies went out unescaped to servers that read markup.
    with_bus(home, session_bus)
    plan = home.root / "markup.md"
    plan.write_text(MARKUP_PLAN)
    server = FakeNotificationServer(session_bus, tmp_path / "notify.log", capabilities)
    daemon = Daemon(home, FUTURE.replace("[plan]\n", f'[plan]\nfile = "{plan}"\n') + '[reminders]\nat = ["0m"]\n')
    try:
        move_slot(daemon, "w01d1", 2)
        body = wait_until(lambda: server.calls(), what="a Notify")[0]["body"]
        assert expected in body, body
    finally:
        daemon.stop()
        server.stop()
