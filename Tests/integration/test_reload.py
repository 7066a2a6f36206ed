"""A reload applies every key — reminders, the control socket's limits, the calendar
paths — or, when any file is broken, none of them."""
import socket
import time

from conftest import FUTURE, Daemon, FakeNotificationServer, wait_until
from conftest import Dunst, with_bus
from test_reminders import move_slot


def config(extra="", schedule=""):
    return FUTURE.replace('timezone = "Europe/Berlin"', 'timezone = "Europe/Berlin"\n' + schedule) + extra


def reload(daemon, text):
    daemon.home.write_config(text)
    r = daemon.ctl("reload")
    return r


def test_reminders_switched_on_by_a_reload_reach_dunst(home, session_bus, tmp_path):
    with_bus(home, session_bus)
    dunst = Dunst(session_bus, tmp_path)
    daemon = Daemon(home, config('[reminders]\nenabled = false\nat = ["0m"]\n'))
    try:
        assert daemon.ctl_json("status")["notifications"] == "disabled in the config"
        move_slot(daemon, "w01d1", 2)
        time.sleep(3)
        assert dunst.notes() == []  # off: nothing is shown
        daemon.ctl_json("skip", "w01d1")  # so no reminder of it is still due when they come on
        assert reload(daemon, config('[reminders]\nenabled = true\nat = ["0m"]\n')).returncode == 0
        wait_until(lambda: daemon.ctl_json("status")["notifications"].startswith("delivering"), what="reminders on")
        move_slot(daemon, "w01d2", 3)  # w01d1's task slid here
        wait_until(lambda: dunst.notes(), what="the reminder after the reload")
        time.sleep(1)
        notes = dunst.notes()
        assert len(notes) == 1, notes
        assert notes[0][1] == "Week 1 · Read Chapters 1–2 of The Art of PostgreSQL" and notes[0][2].startswith("Now · "), notes
    finally:
        daemon.stop()
        dunst.stop()


def test_reminders_switched_off_withdraw_their_bubbles(home, session_bus, tmp_path):
    with_bus(home, session_bus)
    server = FakeNotificationServer(session_bus, tmp_path / "notify.log")
    daemon = Daemon(home, config('[reminders]\nat = ["0m"]\n'))
    try:
        move_slot(daemon, "w01d1", 2)
        bubble = wait_until(lambda: server.calls(), what="a Notify")[0]
        assert reload(daemon, config('[reminders]\nenabled = false\nat = ["0m"]\n')).returncode == 0
        wait_until(lambda: any(c["id"] == bubble["id"] for c in server.calls("CloseNotification")), what="the bubble withdrawn")
        assert daemon.ctl_json("status")["notifications"] == "disabled in the config"
        daemon.ctl_json("skip", "w01d1")
        move_slot(daemon, "w01d2", 2)
        time.sleep(4)
        assert len(server.calls()) == 1  # nothing new while off
    finally:
        daemon.stop()
        server.stop()


def test_a_moved_feed_is_written_at_once(daemon, tmp_path):
    old = daemon.home.root / "data" / "pgtrack" / "pgtrack.ics"
    wait_until(old.exists, what="the feed")
    new = tmp_path / "elsewhere" / "plan.ics"
    vdir = tmp_path / "vdir"
    assert reload(daemon, config(f'[calendar]\nfile = "{new}"\nvdir = "{vdir}"\n')).returncode == 0
    wait_until(new.exists, timeout=1.0, what="the feed at its new path within a second")
    assert new.read_bytes().startswith(b"BEGIN:VCALENDAR\r\n")
    assert len(list(vdir.glob("*@pgtrack.ics"))) == 100
    daemon.ctl_json("skip", "w02d1")
    wait_until(lambda: b"STATUS:CANCELLED" in new.read_bytes(), timeout=2, what="the change in the new feed")
    assert b"STATUS:CANCELLED" not in old.read_bytes()  # the old path is no longer written


def idle_connection(path):
    s = socket.socket(socket.AF_UNIX)
    s.connect(str(path))
    s.settimeout(0.2)
    return s


def closed_by_server(s, within=3.0):
    deadline = time.time() + within
    while time.time() < deadline:
        try:
            if s.recv(1) == b"":
                return True
        except socket.timeout:
            continue
        except ConnectionResetError:
            return True
    return False


def test_new_socket_limits_apply_to_new_connections(daemon):
    before = [idle_connection(daemon.socket) for _ in range(3)]
    assert not closed_by_server(before[0], within=0.5)
    assert reload(daemon, config('[control]\nmax_connections = 2\nidle_timeout = "1s"\n')).returncode == 0
    a, b = idle_connection(daemon.socket), idle_connection(daemon.socket)
    # Past the cap, the connection idle the longest makes room; all idle ones time out.
    assert closed_by_server(before[0])
    assert closed_by_server(a, within=4.0) and closed_by_server(b, within=4.0)
    assert daemon.ctl_json("status")["total"] == 90


def test_a_broken_file_changes_nothing(home, session_bus, tmp_path):
    with_bus(home, session_bus)
    server = FakeNotificationServer(session_bus, tmp_path / "notify.log")
    good = config('[reminders]\nat = ["0m"]\n[control]\nmax_connections = 64\n')
    daemon = Daemon(home, good)
    feed = home.root / "data" / "pgtrack" / "pgtrack.ics"
    moved = tmp_path / "moved.ics"
    try:
        wait_until(feed.exists, what="the feed")
        broken = good.replace("max_connections = 64", f"max_connections = 1\n[calendar]\nfile = \"{moved}\"") \
            .replace('at = ["0m"]', 'enabled = false\nat = ["0m"]').replace('timezone =', 'time = "25:00"\ntimezone =')
        r = reload(daemon, broken)
        assert r.returncode == 1 and "schedule.time" in r.stderr and "keeping the last good" in r.stderr
        # The old feed path, the reminders and the limits all stay.
        daemon.ctl_json("skip", "w02d1")
        wait_until(lambda: b"STATUS:CANCELLED" in feed.read_bytes(), timeout=2, what="the old feed updated")
        assert not moved.exists()
        conns = [idle_connection(daemon.socket) for _ in range(3)]
        assert not closed_by_server(conns[0], within=0.5)
        move_slot(daemon, "w01d1", 2)
        wait_until(lambda: server.calls(), what="a reminder after the refused reload")
        assert daemon.ctl_json("status")["notifications"].startswith("delivering")
    finally:
        daemon.stop()
        server.stop()
