"""Hostile input (issue: nothing a file, a client or the session bus sends may crash,
hang or bloat pgtrackd). Each test here failed against the release before its fix."""
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from conftest import BIN, FUTURE, Daemon, varlink_call, wait_until

# Each of these killed the daemon with a signal, at start or at the first calendar write.
CRASHING_CONFIGS = [
    ('[control]\nidle_timeout = "999999999d"\n', "control.idle_timeout"),
    ('[calendar]\nrefresh = "999999999w"\n', "calendar.refresh"),
    ('[calendar]\nalarm = "-999999999w"\n', "calendar.alarm"),
    ('[schedule]\ngrace = "' + "999999999w" * 16000 + '"\n', "schedule.grace"),
    ('[#\n', ""),
    ('[sched\x01]\n', ""),
    ('[\u00f9schedule]\n', ""),
]


IDS = ["idle-timeout", "refresh", "alarm", "grace-overflow", "hash-header", "control-char", "non-ascii-header"]


@pytest.mark.parametrize("text,key", CRASHING_CONFIGS, ids=IDS)
def test_crashing_configs_exit_78_at_start(home, text, key):
    path = home.write_config(text)
    r = home.run("pgtrackd")
    assert r.returncode == 78, (r.returncode, r.stderr[-500:])
    assert r.stderr.startswith(f"pgtrackd: {path}:"), r.stderr[:300]
    if key:
        assert f": {key}: " in r.stderr


@pytest.mark.parametrize("text,key", CRASHING_CONFIGS, ids=IDS)
def test_crashing_configs_on_reload_keep_the_daemon_running(home, text, key):
    daemon = Daemon(home)
    try:
        home.write_config(text)
        r = daemon.ctl("reload")
        assert r.returncode == 1 and "keeping the last good" in r.stderr, r.stderr
        daemon.process.send_signal(signal.SIGHUP)
        time.sleep(0.3)
        assert daemon.process.poll() is None
        assert daemon.ctl_json("status")["total"] == 90
        assert daemon.ctl_json("skip", "w01d2")["state"] == "skipped"
    finally:
        daemon.stop()
    assert daemon.process.returncode == 0


def special_file(kind, path: Path):
    if kind == "fifo":
        os.mkfifo(path)
    else:
        os.mknod(path, 0o600 | __import__("stat").S_IFCHR, os.makedev(1, 3))  # /dev/null's numbers; root only


@pytest.mark.parametrize("kind", ["fifo", "chardev"])
def test_a_special_file_as_the_feed_is_refused_and_left_alone(home, tmp_path, kind):
    if kind == "chardev" and os.geteuid() != 0:
        pytest.skip("mknod needs root")
    target = tmp_path / "feed-here"
    special_file(kind, target)
    before = os.lstat(target)
    home.write_config(FUTURE + f'[calendar]\nfile = "{target}"\n')
    r = home.run("pgtrackd")
    assert r.returncode == 78, r.stderr
    assert f"calendar.file: {target} is a" in r.stderr and "only a regular file" in r.stderr
    # On reload too: the running daemon keeps its feed and the special file is untouched.
    daemon = Daemon(home, FUTURE)
    try:
        home.write_config(FUTURE + f'[calendar]\nfile = "{target}"\n')
        assert daemon.ctl("reload").returncode == 1
        daemon.ctl_json("skip", "w01d2")
        feed = home.root / "data" / "pgtrack" / "pgtrack.ics"
        wait_until(lambda: b"STATUS:CANCELLED" in feed.read_bytes(), what="the old feed updated")
    finally:
        daemon.stop()
    after = os.lstat(target)
    assert (after.st_mode, after.st_ino, after.st_rdev) == (before.st_mode, before.st_ino, before.st_rdev)


def test_feed_off_and_private_files(home, tmp_path):
    vdir = tmp_path / "vdir"
    daemon = Daemon(home, FUTURE + f'[calendar]\nfile = "none"\nvdir = "{vdir}"\n')
    try:
        wait_until(lambda: len(list(vdir.glob("*@pgtrack.ics"))) == 100, what="the vdir")
        assert not (home.root / "data" / "pgtrack").exists()  # no feed, and no folder for it
        assert os.stat(vdir).st_mode & 0o777 == 0o700
        assert all(os.stat(f).st_mode & 0o777 == 0o600 for f in vdir.iterdir())
    finally:
        daemon.stop()
    daemon = Daemon(home, FUTURE)
    try:
        feed = home.root / "data" / "pgtrack" / "pgtrack.ics"
        wait_until(feed.exists, what="the feed")
        assert os.stat(feed).st_mode & 0o777 == 0o600
        assert os.stat(feed.parent).st_mode & 0o777 == 0o700
    finally:
        daemon.stop()


def private_home():
    """A home outside /tmp, for tests that mount a tmpfs over /tmp."""
    import tempfile
    from conftest import Home
    return Home(Path(tempfile.mkdtemp(dir="/var/tmp", prefix="pgtrack-home-")) / "h")


def test_a_foreign_tmp_folder_is_refused(tmp_path):
    unshare = __import__("conftest").require_tool("unshare")
    if os.geteuid() != 0:
        pytest.skip("a private mount namespace needs root")
    home = private_home()
    home.write_config(FUTURE)
    env = dict(home.env)
    env.pop("XDG_RUNTIME_DIR")
    uid = os.geteuid()
    # Another user (nobody) made /tmp/pgtrack-UID first, open to everyone.
    script = (f"mount -t tmpfs tmpfs /tmp && mkdir -m 0777 /tmp/pgtrack-{uid} && chown 65534 /tmp/pgtrack-{uid} && "
              f"exec {BIN / 'pgtrackd'}")
    r = subprocess.run([unshare, "-m", "--propagation", "private", "sh", "-c", script], env=env,
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1, r.stderr
    assert f"/tmp/pgtrack-{uid} belongs to uid 65534, not to you" in r.stderr
    # Ours but open to others: refused too, with how to fix it.
    script = f"mount -t tmpfs tmpfs /tmp && mkdir -m 0777 /tmp/pgtrack-{uid} && exec {BIN / 'pgtrackd'}"
    r = subprocess.run([unshare, "-m", "--propagation", "private", "sh", "-c", script], env=env,
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1 and "has mode 777; it must be 0700" in r.stderr, r.stderr


def test_pgtrackctl_believes_only_its_own_users_daemon(tmp_path):
    setpriv = __import__("conftest").require_tool("setpriv")
    if os.geteuid() != 0:
        pytest.skip("serving as another user needs root")
    import tempfile
    folder = Path(tempfile.mkdtemp(dir="/var/tmp", prefix="pgtrack-shared-"))
    folder.chmod(0o777)  # a folder anyone can serve in, as /tmp is
    sock = folder / "control.sock"
    fake = ("import socket,os\ns=socket.socket(socket.AF_UNIX)\ns.bind(%r)\nos.chmod(%r,0o777)\ns.listen(1)\n"
            "c,_=s.accept()\nc.recv(65536)\n"
            "c.sendall(b'{\"parameters\":{\"status\":{}}}\\0')\nimport time; time.sleep(5)\n") % (str(sock), str(sock))
    server = subprocess.Popen([setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", fake])
    try:
        wait_until(sock.exists, what="the fake server")
        r = subprocess.run([str(BIN / "pgtrackctl"), "status"], env=dict(os.environ, PGTRACK_SOCKET=str(sock)),
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 69, r
        assert "it is served by uid 65534, not by you" in r.stderr
    finally:
        server.kill()


def test_a_socket_that_never_accepts_does_not_hang_start_up(home):
    path = Path(home.env["XDG_RUNTIME_DIR"]) / "pgtrack" / "control.sock"
    path.parent.mkdir(mode=0o700)
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(path))
    listener.listen(0)
    queued = []
    while True:  # fill the backlog: from now on a connect would block
        c = socket.socket(socket.AF_UNIX)
        c.setblocking(False)
        try:
            c.connect(str(path))
        except BlockingIOError:
            c.close()
            break
        queued.append(c)
    home.write_config(FUTURE)
    started = time.monotonic()
    r = home.run("pgtrackd", timeout=20)
    assert r.returncode == 1 and "does not accept connections" in r.stderr, r.stderr
    assert time.monotonic() - started < 5
    listener.close()
    for c in queued:
        c.close()
