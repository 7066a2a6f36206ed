"""pgtrackd as a systemd service: notify protocol, socket activation, signals, units."""
import os
import signal
import socket
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest

from conftest import BIN, FIXED, ROOT, require_tool, wait_for_path


def socket_activated(home, notify, sock_path, *args):
    activate = require_tool("systemd-socket-activate")
    env = dict(home.env, NOTIFY_SOCKET=str(notify.path))
    # systemd-socket-activate passes on only the variables named with -E.
    passed = [f"-E{name}" for name in ("NOTIFY_SOCKET", "HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME",
                                       "XDG_STATE_HOME", "XDG_RUNTIME_DIR", "PATH")]
    return subprocess.Popen([activate, "-l", str(sock_path), "--fdname=varlink", *passed, str(BIN / "pgtrackd"), *args],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(str(path))
    return s


def start_activated(home, notify, sock):
    """pgtrackd under systemd-socket-activate, started by a first connection (that is
    when systemd-socket-activate execs it); returns it and the index of READY=1."""
    p = socket_activated(home, notify, sock)
    try:
        wait_for_path(sock)
        connect(sock).close()
        return p, notify.wait_for("READY=1")
    except BaseException:
        p.kill()
        raise


def test_notify_ready_status_reload_and_stopping(home, notify, tmp_path):
    home.write_config(FIXED)
    p, ready = start_activated(home, notify, tmp_path / "control.sock")
    try:
        status = notify.wait_for("STATUS=", after=ready)
        assert "next slot" in notify.assignments()[status]

        home.write_config(FIXED + '\n[reminders]\nenabled = false\n')
        p.send_signal(signal.SIGHUP)
        reloading = notify.wait_for("RELOADING=1", after=status)
        notify.wait_for("READY=1", after=reloading)

        p.send_signal(signal.SIGTERM)
        notify.wait_for("STOPPING=1", after=reloading)
        assert p.wait(timeout=10) == 0
        err = p.stderr.read()
        assert "control socket passed by the service manager" in err
        assert "reloaded config" in err
    finally:
        if p.poll() is None:
            p.kill()


def test_reload_with_a_broken_config_keeps_running(home, notify, tmp_path):
    home.write_config(FIXED)
    p, ready = start_activated(home, notify, tmp_path / "control.sock")
    try:
        home.write_config('[schedule]\ntime = "late"\n')
        p.send_signal(signal.SIGHUP)
        notify.wait_for("READY=1", after=ready + 1)
        assert p.poll() is None
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=10) == 0
        err = p.stderr.read()
        assert f'reload failed, keeping the last good config and plan: {home.config_file}:2: schedule.time' in err
    finally:
        if p.poll() is None:
            p.kill()


def test_broken_config_exits_78_under_the_service_manager(home, notify):
    path = home.write_config('[schedule]\nminutes = "thirty"\n')
    env = dict(home.env, NOTIFY_SOCKET=str(notify.path))
    r = subprocess.run([str(BIN / "pgtrackd")], env=env, capture_output=True, text=True, timeout=30)
    assert r.returncode == 78
    assert f"{path}:2: schedule.minutes: expected an integer, found a string" in r.stderr
    assert "READY=1" not in notify.assignments()


def test_creates_its_socket_and_refuses_a_second_instance(home):
    home.write_config(FIXED)
    p = home.start("pgtrackd")
    sock = Path(home.env["XDG_RUNTIME_DIR"]) / "pgtrack" / "control.sock"
    try:
        wait_for_path(sock)
        assert (sock.parent.stat().st_mode & 0o777) == 0o700
        assert (sock.stat().st_mode & 0o777) == 0o600
        second = home.run("pgtrackd")
        assert second.returncode == 1
        assert "already running" in second.stderr
        assert p.poll() is None, "the first instance keeps running"
    finally:
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=10) == 0


def test_stale_socket_is_replaced(home):
    home.write_config(FIXED)
    sock = Path(home.env["XDG_RUNTIME_DIR"]) / "pgtrack" / "control.sock"
    sock.parent.mkdir(mode=0o700)
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(sock))
    stale.close()  # the file stays, nobody listens
    p = home.start("pgtrackd")
    try:
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                connect(sock).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise AssertionError("the daemon did not take over the stale socket")
    finally:
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=10) == 0


def test_no_runtime_dir_falls_back_to_tmp_with_a_warning(home):
    home.write_config(FIXED + '[control]\n')
    del home.env["XDG_RUNTIME_DIR"]
    p = home.start("pgtrackd")
    sock = Path(f"/tmp/pgtrack-{os.getuid()}/control.sock")
    try:
        time.sleep(0.5)
        wait_for_path(sock)
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=10)
    assert "XDG_RUNTIME_DIR is not set" in p.stderr.read()


def test_deadline_fires_on_wall_clock_time(home):
    """A slot moved to a few seconds from now is reported when its start arrives."""
    home.write_config(FIXED)
    assert home.run("pgtrackd", "--print-schedule").returncode == 0  # creates the ledger
    due = time.time() + 3
    db = sqlite3.connect(home.state_db)
    with db:
        db.execute("INSERT INTO event (time, kind, slot, at) VALUES (?, 'reschedule', 'w01d1', ?)", (time.time(), due))
    db.close()
    p = home.start("pgtrackd")
    seen = {}

    def read():
        for line in p.stderr:
            if "slot w01d1 started" in line and "at" not in seen:
                seen["at"] = time.time()
    t = threading.Thread(target=read, daemon=True)
    t.start()
    try:
        deadline = time.time() + 15
        while "at" not in seen and time.time() < deadline:
            time.sleep(0.01)
        assert "at" in seen, "the deadline never fired"
        assert due - 0.05 <= seen["at"] <= due + 1.0
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=10)


def test_units_pass_systemd_analyze_verify(tmp_path):
    analyze = require_tool("systemd-analyze")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "pgtrackd").symlink_to(BIN / "pgtrackd")
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    for unit in ("pgtrackd.service", "pgtrackd.socket", "pgtrackd@.service", "pgtrackd@.socket"):
        text = (ROOT / "systemd" / unit).read_text()
        text = text.replace("@BINDIR@", str(bindir)).replace("@DOCDIR@", str(ROOT))
        (tmp_path / unit).write_text(text)
    # The templates are verified as an instance, plan "go".
    for unit in ("service", "socket"):
        (tmp_path / f"pgtrackd@go.{unit}").symlink_to(tmp_path / f"pgtrackd@.{unit}")
    r = subprocess.run([analyze, "verify", "--user", str(tmp_path / "pgtrackd.socket"), str(tmp_path / "pgtrackd.service"),
                        str(tmp_path / "pgtrackd@go.socket"), str(tmp_path / "pgtrackd@go.service")],
                       env=dict(os.environ, XDG_RUNTIME_DIR=str(runtime)), capture_output=True, text=True, cwd=tmp_path)
    # verify exits 0 on warnings; any output at all is a finding.
    assert r.returncode == 0 and r.stdout == "" and r.stderr == "", r.stdout + r.stderr


def test_watchdog_pings_come_from_the_loop(home, notify):
    """With WATCHDOG_USEC set, sd-event sends WATCHDOG=1 at half the interval."""
    home.write_config(FIXED)
    env = dict(home.env, NOTIFY_SOCKET=str(notify.path), WATCHDOG_USEC="400000")
    p = subprocess.Popen([str(BIN / "pgtrackd")], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        ready = notify.wait_for("READY=1")
        first = notify.wait_for("WATCHDOG=1", after=ready)
        notify.wait_for("WATCHDOG=1", after=first + 1)
        pings = [l for l in notify.assignments() if l == "WATCHDOG=1"]
        assert len(pings) >= 2
    finally:
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=10) == 0
