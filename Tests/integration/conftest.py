"""Shared fixtures for the integration tests: the built binaries and a private XDG home."""
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("PGTRACK_BIN", ROOT / ".build" / "release"))


def require_tool(name):
    """A tool the test needs: fail under CI=true when it is missing, skip elsewhere."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (make test installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


class Home:
    """Temporary XDG directories, and helpers to run the binaries inside them."""

    def __init__(self, root: Path):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.env = dict(os.environ)
        for name in ("CONFIG", "DATA", "STATE"):
            d = root / name.lower()
            d.mkdir()
            self.env[f"XDG_{name}_HOME"] = str(d)
        runtime = root / "runtime"
        runtime.mkdir(mode=0o700)
        self.env["XDG_RUNTIME_DIR"] = str(runtime)
        self.env["HOME"] = str(root)
        self.env.pop("NOTIFY_SOCKET", None)
        self.env.pop("DBUS_SESSION_BUS_ADDRESS", None)  # tests that want a bus start their own
        self.env.pop("LISTEN_FDS", None)
        self.env.pop("INVOCATION_ID", None)
        self.env.pop("JOURNAL_STREAM", None)

    @property
    def config_file(self) -> Path:
        return self.root / "config" / "pgtrack" / "pgtrack.toml"

    @property
    def state_db(self) -> Path:
        return self.root / "state" / "pgtrack" / "pgtrack.sqlite"

    def write_config(self, text: str) -> Path:
        self.config_file.parent.mkdir(parents=True, exist_ok=True)
        self.config_file.write_text(text)
        return self.config_file

    def run(self, program, *args, timeout=30):
        return subprocess.run([str(BIN / program), *args], env=self.env, capture_output=True,
                              text=True, timeout=timeout)

    def start(self, program, *args):
        return subprocess.Popen([str(BIN / program), *args], env=self.env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)


@pytest.fixture
def home(tmp_path):
    return Home(tmp_path)


# Tests listen for HTTP on a port the kernel picks, so that daemons never collide on 8787.
HTTP_ANY_PORT = '[http]\nlisten = "127.0.0.1:0"\n'

FIXED = """
[plan]
start = "2027-01-04"
[schedule]
timezone = "Europe/Berlin"
""" + HTTP_ANY_PORT


class NotifyListener:
    """A NOTIFY_SOCKET datagram listener, as systemd's side of sd_notify."""

    def __init__(self, path: Path):
        import socket
        import threading
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.2)
        self.messages = []
        self.lock = threading.Lock()
        self.running = True
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        import socket
        while self.running:
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            with self.lock:
                self.messages.append(data.decode())

    def assignments(self):
        """Every KEY=VALUE line received, in order."""
        with self.lock:
            return [line for m in self.messages for line in m.split("\n") if line]

    def wait_for(self, line_prefix, after=0, timeout=10.0):
        """Waits for a line starting with line_prefix, at index >= after; returns its index."""
        import time
        deadline = time.time() + timeout
        while time.time() < deadline:
            lines = self.assignments()
            for i in range(after, len(lines)):
                if lines[i].startswith(line_prefix):
                    return i
            time.sleep(0.02)
        raise AssertionError(f"no {line_prefix!r} after #{after} in {self.assignments()}")

    def close(self):
        self.running = False
        self.sock.close()


@pytest.fixture
def notify(tmp_path):
    listener = NotifyListener(tmp_path / "notify.sock")
    yield listener
    listener.close()


def wait_for_path(path: Path, timeout=10.0):
    import time
    deadline = time.time() + timeout
    while time.time() < deadline:
        if path.exists():
            return
        time.sleep(0.02)
    raise AssertionError(f"{path} did not appear")


# A plan far in the future, so that nothing is missed and output does not depend on today.
FUTURE = """
[plan]
start = "2030-01-07"
[schedule]
timezone = "Europe/Berlin"
""" + HTTP_ANY_PORT


class Daemon:
    """A pgtrackd started by a test, with helpers to drive it."""

    def __init__(self, home: Home, config: str = FUTURE, args=(), socket=None):
        self.home = home
        home.write_config(config)
        self.socket = Path(socket) if socket else Path(home.env["XDG_RUNTIME_DIR"]) / "pgtrack" / "control.sock"
        self.process = home.start("pgtrackd", *args)
        deadline = __import__("time").time() + 15
        import socket as _s
        while True:
            try:
                c = _s.socket(_s.AF_UNIX, _s.SOCK_STREAM)
                c.connect(str(self.socket))
                c.close()
                break
            except OSError:
                if self.process.poll() is not None:
                    raise AssertionError("pgtrackd exited: " + self.process.stderr.read())
                if __import__("time").time() > deadline:
                    raise AssertionError("pgtrackd did not open its socket")
                __import__("time").sleep(0.02)

    def ctl(self, *args, env=None, timeout=30):
        e = dict(self.home.env, PGTRACK_SOCKET=str(self.socket), COLUMNS="100")
        e.pop("NO_COLOR", None)
        if env:
            e.update(env)
        return subprocess.run([str(BIN / "pgtrackctl"), *args], env=e, capture_output=True, text=True, timeout=timeout)

    def ctl_json(self, *args):
        import json
        r = self.ctl(*args, "--json")
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)

    def stop(self):
        import signal as _signal
        if self.process.poll() is None:
            self.process.send_signal(_signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.returncode


@pytest.fixture
def daemon(home):
    d = Daemon(home)
    yield d
    d.stop()


SESSION_CONF = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


@pytest.fixture
def session_bus(tmp_path):
    """A private session bus from dbus-run-session, with no service directories: only
    the servers a test starts itself are on it (no D-Bus activation)."""
    import time as _time
    runner = require_tool("dbus-run-session")
    conf = tmp_path / "session.conf"
    conf.write_text(SESSION_CONF)
    addr = tmp_path / "bus-address"
    p = subprocess.Popen([runner, f"--config-file={conf}", "--", "sh", "-c",
                          f'echo "$DBUS_SESSION_BUS_ADDRESS" > {addr}.tmp && mv {addr}.tmp {addr} && exec sleep 3600'],
                         start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = _time.time() + 10
    while not addr.exists() and _time.time() < deadline:
        _time.sleep(0.02)
    yield addr.read_text().strip()
    import os as _os
    import signal as _signal
    _os.killpg(p.pid, _signal.SIGTERM)
    p.wait()


class FakeNotificationServer:
    def __init__(self, address, log: Path, capabilities="actions,body,persistence"):
        import time as _time
        self.log = log
        self.address = address
        self.process = subprocess.Popen(["/usr/bin/python3", str(Path(__file__).parent / "fake_notification_server.py"),
                                         str(log), capabilities],
                                        env=dict(os.environ, DBUS_SESSION_BUS_ADDRESS=address))
        deadline = _time.time() + 10
        while not (log.exists() and "ready" in log.read_text()) and _time.time() < deadline:
            _time.sleep(0.02)
        assert log.exists(), "the fake notification server did not start"

    def calls(self, kind="Notify"):
        import json as _json
        if not self.log.exists():
            return []
        return [c for c in map(_json.loads, self.log.read_text().splitlines()) if c["call"] == kind]

    def invoke(self, nid, key):
        """Makes the server emit ActionInvoked(nid, key), as a click would."""
        subprocess.run([require_tool("gdbus"), "call", "--session", "--dest", "org.freedesktop.Notifications",
                        "--object-path", "/org/freedesktop/Notifications", "--method", "org.pgtrack.Test.Invoke",
                        str(nid), key], env=dict(os.environ, DBUS_SESSION_BUS_ADDRESS=self.address),
                       check=True, capture_output=True)

    def stop(self):
        self.process.terminate()
        self.process.wait()


def wait_until(predicate, timeout=15.0, what="condition", details=None):
    import time as _time
    deadline = _time.time() + timeout
    while _time.time() < deadline:
        value = predicate()
        if value:
            return value
        _time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}" + (f": {details()}" if details else ""))


def varlink_call(sock_path, method, timeout=5.0, **params):
    """One io.pgtrack.Tracker call on a fresh connection; the reply as a dict."""
    import json as _json
    import socket as _socket
    s = _socket.socket(_socket.AF_UNIX)
    s.settimeout(timeout)
    try:
        s.connect(str(sock_path))
        s.sendall(_json.dumps({"method": "io.pgtrack.Tracker." + method, "parameters": params}).encode() + b"\0")
        data = b""
        while not data.endswith(b"\0"):
            chunk = s.recv(1 << 20)
            if not chunk:
                raise ConnectionError("the daemon closed the connection")
            data += chunk
    finally:
        s.close()
    return _json.loads(data[:-1])


def start_xvfb(errors: Path):
    """An Xvfb on a free display number; returns (process, display number).

    The number is chosen here rather than with -displayfd: Xvfb could not write to an
    inherited descriptor numbered 14 when the test process had many files open."""
    import time as _time
    xvfb = require_tool("Xvfb")
    for n in range(90, 200):
        if Path(f"/tmp/.X11-unix/X{n}").exists() or Path(f"/tmp/.X{n}-lock").exists():
            continue
        p = subprocess.Popen([xvfb, f":{n}", "-screen", "0", "640x480x24", "-nolisten", "tcp"],
                             stdout=subprocess.DEVNULL, stderr=errors.open("w"))
        deadline = _time.time() + 15
        while _time.time() < deadline and p.poll() is None and not Path(f"/tmp/.X11-unix/X{n}").exists():
            _time.sleep(0.05)
        if p.poll() is None and Path(f"/tmp/.X11-unix/X{n}").exists():
            return p, str(n)
        p.kill()
        p.wait()
    raise AssertionError("no free X display: " + errors.read_text())


def vdirsyncer_pull(work: Path, source: str) -> Path:
    """Syncs the storage described by `source` (the lines after `type = …`, e.g.
    `type = "http"\\nurl = "…"`) into a new filesystem vdir with vdirsyncer, as a user's
    pair with `conflict_resolution = "a wins"` does; returns the vdir."""
    vdirsyncer = require_tool("vdirsyncer")
    local = work / "vdirsyncer-local"
    local.mkdir(parents=True)
    conf = work / "vdirsyncer.conf"
    conf.write_text(f"""[general]
status_path = "{work}/vdirsyncer-status/"
[pair study]
a = "study_source"
b = "study_local"
collections = null
conflict_resolution = "a wins"
[storage study_source]
{source}
[storage study_local]
type = "filesystem"
path = "{local}/"
fileext = ".ics"
""")
    for step in (["discover"], ["sync"]):
        r = subprocess.run([vdirsyncer, "-c", str(conf), *step], capture_output=True, text=True, timeout=120, input="y\n" * 4)
        assert r.returncode == 0, r.stdout + r.stderr
    return local


def with_bus(home, address):
    home.env["DBUS_SESSION_BUS_ADDRESS"] = address
    return home


class Dunst:
    """dunst on its own Xvfb display, logging every notification through a rule script."""

    def __init__(self, address, tmp: Path):
        dunst = require_tool("dunst")
        self.log = tmp / "dunst-notes.log"
        script = tmp / "log-notification.sh"
        script.write_text(f"#!/bin/sh\nprintf '%s\\t%s\\t%s\\t%s\\n' \"$1\" \"$2\" \"$3\" \"$5\" >> {self.log}\n")
        script.chmod(0o755)
        rc = tmp / "dunstrc"
        rc.write_text(f"[global]\n    font = Monospace 8\n[log]\n    appname = *\n    script = {script}\n")
        self.xvfb_errors = tmp / "xvfb.err"
        self.xvfb, display = start_xvfb(self.xvfb_errors)
        env = dict(os.environ, DISPLAY=f":{display}", DBUS_SESSION_BUS_ADDRESS=address)
        self.errors = tmp / "dunst.err"

        def on_bus():
            return subprocess.run([require_tool("gdbus"), "call", "--session", "--dest", "org.freedesktop.DBus",
                                   "--object-path", "/org/freedesktop/DBus", "--method", "org.freedesktop.DBus.NameHasOwner",
                                   "org.freedesktop.Notifications"], env=env, capture_output=True, text=True).stdout.startswith("(true")
        # dunst gives up at once when the display does not accept clients yet (a fresh
        # Xvfb may still be compiling its keymap): start it again until it stays up.
        deadline = time.time() + 30
        while True:
            self.dunst = subprocess.Popen([dunst, "-config", str(rc)], env=env, stdout=subprocess.DEVNULL,
                                          stderr=self.errors.open("w"))
            started = time.time()
            while time.time() < started + 10 and self.dunst.poll() is None and not on_bus():
                time.sleep(0.05)
            if self.dunst.poll() is None and on_bus():
                break
            if time.time() > deadline:
                raise AssertionError(f"dunst did not start on :{display}: " + self.errors.read_text() +
                                     "\nXvfb: " + self.xvfb_errors.read_text()[-2000:] + f"\nenv DISPLAY={env['DISPLAY']}")
            time.sleep(0.5)

    def notes(self):
        if not self.log.exists():
            return []
        return [line.split("\t") for line in self.log.read_text().splitlines()]

    def stop(self):
        self.dunst.terminate()
        self.xvfb.terminate()
        self.dunst.wait()
        self.xvfb.wait()


@pytest.fixture
def dunst(session_bus, tmp_path):
    d = Dunst(session_bus, tmp_path)
    yield d
    d.stop()
