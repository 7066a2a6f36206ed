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
