"""GNOME Calendar and Evolution in one command: `pgtrackctl feed --add-to-evolution`, then
Evolution Data Server — its source registry and calendar factory, started here on a
private bus with a private home, after the source was written — reads every slot through
ECal.Client, both for the HTTP source and the --file source, and sees a skip after its
refresh."""
import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from conftest import Daemon, require_tool

HERE = Path(__file__).parent
LIBEXEC = Path("/usr/libexec")


def eds_binary(name):
    path = LIBEXEC / name
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is not installed (make test installs evolution-data-server)")
        pytest.skip(f"{path} is not installed")
    return str(path)


class EDS:
    """evolution-source-registry and evolution-calendar-factory on a private session bus."""

    def __init__(self, home, bus):
        self.env = dict(home.env, DBUS_SESSION_BUS_ADDRESS=bus, GIO_USE_VFS="local", GSETTINGS_BACKEND="memory",
                        XDG_CACHE_HOME=str(home.root / "cache"), GIO_USE_NETWORK_MONITOR="base",
                        E2K_DEBUG="0", WEBDAV_DEBUG="1", ECAL_HTTP_DEBUG="1")
        self.logs = home.root / "eds.log"
        out = self.logs.open("w")
        self.processes = [subprocess.Popen([eds_binary(b)], env=self.env, stdout=out, stderr=subprocess.STDOUT)
                          for b in ("evolution-source-registry", "evolution-calendar-factory")]

    def read(self, want, refresh=False):
        python = require_tool("/usr/bin/python3")
        r = subprocess.run([python, str(HERE / "eds_read.py"), "pgtrack", str(want), "refresh" if refresh else "once"],
                           env=self.env, capture_output=True, text=True, timeout=90)
        assert r.returncode == 0, r.stderr + self.logs.read_text()[-3000:]
        events = [json.loads(line) for line in r.stdout.splitlines()]
        assert len(events) >= want, r.stderr[-2000:]
        return events

    def stop(self):
        for p in self.processes:
            p.terminate()
            p.wait(timeout=10)


def check_events(events, daemon):
    slots = {s["id"]: s for s in daemon.ctl_json("agenda", "--all")}
    assert len(events) == len(slots) == 100
    for e in events:
        slot = slots[e["uid"].split("-")[0]]
        local = slot["start"][:16].replace("-", "").replace(":", "")  # 2030-01-07T18:00 -> 20300107T1800
        assert e["start"].startswith(local), (e, slot["start"])
        assert e["tzid"] == "Europe/Berlin"


def test_the_http_source(home, session_bus):
    daemon = Daemon(home)
    r = daemon.ctl("feed", "--add-to-evolution")
    assert r.returncode == 0, r.stderr
    eds = EDS(home, session_bus)
    try:
        source = home.root / "config" / "evolution" / "sources" / "pgtrack.source"
        text = source.read_text()
        assert "BackendName=webcal" in text and "Parent=webcal-stub" in text
        check_events(eds.read(100, refresh=True), daemon)
        # A skip reaches EDS with its next refresh.
        daemon.ctl_json("skip", "w01d1")
        deadline = time.time() + 60
        while time.time() < deadline:
            events = {e["uid"].split("-")[0]: e for e in eds.read(100, refresh=True)}
            if "cancel" in events["w01d1"]["status"].lower():
                break
            time.sleep(1)
        assert "cancel" in events["w01d1"]["status"].lower(), events["w01d1"]
        r = daemon.ctl("feed", "--remove-from-evolution")
        assert r.returncode == 0 and not source.exists()
    finally:
        eds.stop()
        daemon.stop()


def test_the_file_source(home, session_bus):
    daemon = Daemon(home)
    r = daemon.ctl("feed", "--add-to-evolution", "--file")
    assert r.returncode == 0, r.stderr
    eds = EDS(home, session_bus)
    try:
        text = (home.root / "config" / "evolution" / "sources" / "pgtrack.source").read_text()
        assert "BackendName=local" in text and "CustomFile=file:///" in text and "Writable=false" in text
        check_events(eds.read(100), daemon)
    finally:
        eds.stop()
        daemon.stop()
