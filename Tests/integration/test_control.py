"""The control API and pgtrackctl against a running pgtrackd."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from datetime import datetime, timedelta, timezone
from conftest import BIN, ROOT, Daemon, require_tool, varlink_call

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("PGTRACK_UPDATE_GOLDEN") == "1"

SLOT_KEYS = {"id", "week", "day", "start", "end", "state", "task"}
TASK_KEYS = {"id", "title", "stage"}


def golden(name, text):
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert text == path.read_text(), f"{name} differs from its golden file"


def check_slot(slot):
    assert set(slot) == SLOT_KEYS
    assert slot["task"] is None or set(slot["task"]) == TASK_KEYS
    assert slot["state"] in {"scheduled", "done", "skipped", "missed", "catch-up"}


def test_status_json_field_by_field(daemon):
    s = daemon.ctl_json("status")
    assert s["plan"].startswith("PostgreSQL Mastery Tracker")
    assert s["timezone"] == "Europe/Berlin"
    assert s["start"] == "2030-01-07"
    assert (s["week"], s["weeks"], s["done"], s["total"], s["due"], s["behind"]) == (0, 20, 0, 90, 0, 0)  # before the start
    assert s["current"] is None
    assert s["next"]["id"] == "w01d1"
    assert s["next"]["start"] == "2030-01-07T18:00:00+01:00"
    assert s["next"]["end"] == "2030-01-07T18:30:00+01:00"
    assert s["next"]["task"] == {"id": "1.1", "title": "Read Chapters 1–2 of *The Art of PostgreSQL*",
                                 "stage": "📦 Stage 1: Foundations (Weeks 1–5)"}
    assert s["finish"] == "2030-05-23T18:30:00+02:00"  # w20d4, after the DST change
    assert [(x["number"], x["done"], x["total"]) for x in s["stages"]] == [(1, 0, 25), (2, 0, 20), (3, 0, 25), (4, 0, 20)]
    assert s["stage"] == "📦 Stage 1: Foundations (Weeks 1–5)"
    check_slot(s["next"])
    # `until` is the next instant the answer can change with time alone: here, midnight.
    import datetime
    assert datetime.datetime.fromisoformat(s["until"]) > datetime.datetime.now(datetime.timezone.utc)
    s["until"] = "(the next midnight)"
    golden("status.json", json.dumps(s, indent=2, ensure_ascii=False) + "\n")


def test_agenda_next_and_progress_json(daemon):
    week = daemon.ctl_json("agenda", "--week", "13")
    assert [x["id"] for x in week] == ["w13d1", "w13d2", "w13d3", "w13d4", "w13d5"]
    assert [x["state"] for x in week] == ["scheduled"] * 3 + ["catch-up"] * 2
    for x in week:
        check_slot(x)
    golden("agenda-week-13.json", json.dumps(week, indent=2, ensure_ascii=False) + "\n")
    everything = daemon.ctl_json("agenda", "--all")
    assert len(everything) == 100
    assert daemon.ctl_json("next")["id"] == "w01d1"
    assert daemon.ctl_json("agenda") == []  # nothing in the next 7 days: the plan starts in 2030
    progress = daemon.ctl_json("progress")
    assert len(progress["slots"]) == 100 and len(progress["stages"]) == 4


def test_skip_slides_the_plan_and_undo_restores_it(daemon):
    before = daemon.ctl_json("agenda", "--all")
    skipped = daemon.ctl_json("skip", "w01d3", "--reason", "dentist")
    assert skipped["id"] == "w01d3" and skipped["state"] == "skipped" and skipped["task"] is None
    after = {x["id"]: x for x in daemon.ctl_json("agenda", "--all")}
    assert after["w01d4"]["task"]["id"] == "1.3"
    assert after["w02d1"]["task"]["id"] == "1.5"
    assert after["w13d1"]["task"]["id"] == "12.5"
    assert after["w13d4"]["task"]["id"] == "13.3"
    assert after["w13d5"]["state"] == "catch-up"
    assert [after[x["id"]] for x in before if x["week"] >= 14] == [x for x in before if x["week"] >= 14]
    assert daemon.ctl_json("status")["behind"] == 0  # 1.1 is still where the plan put it
    undo = daemon.ctl_json("undo")
    assert undo["kind"] == "skip" and undo["slot"]["id"] == "w01d3"
    assert daemon.ctl_json("agenda", "--all") == before
    r = daemon.ctl("undo")
    assert r.returncode == 1 and r.stderr.strip() == "pgtrackctl: nothing to undo"


def test_reschedule_onto_another_slot_is_refused_naming_it(daemon):
    r = daemon.ctl("reschedule", "w01d1", "2030-01-08 18:10")
    assert r.returncode == 1
    assert "w01d2" in r.stderr and "overlap" in r.stderr
    moved = daemon.ctl_json("reschedule", "w01d1", "2030-01-12 10:00")
    assert moved["start"] == "2030-01-12T10:00:00+01:00" and moved["task"]["id"] == "1.1"
    again = daemon.ctl_json("reschedule", "w01d1", "+90m")
    assert again["start"] == "2030-01-12T11:30:00+01:00"
    past = daemon.ctl("reschedule", "w01d2", "2020-01-01 10:00")
    assert past.returncode == 1 and "in the past" in past.stderr
    bad = daemon.ctl("reschedule", "w01d2", "someday")
    assert bad.returncode == 64 and "cannot read the time 'someday'" in bad.stderr


def test_done_undone_snooze_export_reload(daemon, tmp_path):
    done = daemon.ctl_json("done", "w01d1")
    assert done["state"] == "done" and done["task"]["id"] == "1.1"
    assert daemon.ctl_json("status")["done"] == 1
    r = daemon.ctl("done", "w01d1")
    assert r.returncode == 1 and "is done" in r.stderr
    assert daemon.ctl_json("undone", "w01d1")["state"] == "scheduled"
    # Nothing runs or starts within the hour (the plan starts in 2030): snooze refuses.
    far = daemon.ctl("snooze", "15m")
    assert far.returncode == 1 and "nothing to snooze" in far.stderr and "the next is w01d1" in far.stderr
    soon = (datetime.now(timezone.utc) + timedelta(minutes=30)).replace(microsecond=0).isoformat()
    assert "error" not in varlink_call(daemon.socket, "Reschedule", slot="w01d1", start=soon)
    snoozed = daemon.ctl_json("snooze", "15m")
    assert snoozed["id"] == "w01d1"
    ics = tmp_path / "out.ics"
    assert daemon.ctl_json("export", "--format", "ics", "-o", str(ics))["file"] == str(ics)
    assert ics.read_text().count("BEGIN:VEVENT") == 100
    exported = json.loads(daemon.ctl("export", "--format", "json").stdout)
    assert len(exported["slots"]) == 100 and exported["timezone"] == "Europe/Berlin"
    md = daemon.ctl("export", "--format", "markdown").stdout
    assert md.startswith("# PostgreSQL Mastery Tracker") and md.count("- [ ] ") == 90
    assert "reloaded" in daemon.ctl_json("reload")["summary"]
    nothing = daemon.ctl("skip", "w99d1")
    assert nothing.returncode == 1 and "no slot w99d1" in nothing.stderr
    alias = daemon.ctl("skip", "yesterday")
    assert alias.returncode == 64 and "is not a slot" in alias.stderr


def test_human_output_is_plain_without_a_terminal(daemon):
    r = daemon.ctl("agenda", "--week", "1")
    assert r.returncode == 0 and "\x1b[" not in r.stdout
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["SLOT", "WHEN", "STATE", "TASK", "TITLE"]
    assert lines[1].startswith("w01d1  Mon 2030-01-07 18:00–18:30  scheduled  1.1   Read Chapters 1–2 of The Art")
    status = daemon.ctl("status").stdout
    assert "Next: w01d1 Mon 2030-01-07 18:00–18:30 · 1.1 Read Chapters 1–2 of The Art of PostgreSQL" in status
    grid = daemon.ctl("progress").stdout
    assert "Week  d1  d2  d3  d4  d5" in grid and "  13   ·   ·   ·   ○   ○" in grid


def test_colour_only_on_a_terminal_and_never_with_no_color(daemon):
    script = require_tool("script")
    cmd = f"{BIN}/pgtrackctl agenda --week 1"
    env = dict(daemon.home.env, PGTRACK_SOCKET=str(daemon.socket), TERM="xterm")
    tty = subprocess.run([script, "-qec", cmd, "/dev/null"], env=env, capture_output=True, text=True, timeout=30)
    assert "\x1b[1m" in tty.stdout
    env["NO_COLOR"] = "1"
    plain = subprocess.run([script, "-qec", cmd, "/dev/null"], env=env, capture_output=True, text=True, timeout=30)
    assert "\x1b[" not in plain.stdout and "w01d1" in plain.stdout


def test_monitor_sees_a_change_made_by_another_client(daemon):
    env = dict(daemon.home.env, PGTRACK_SOCKET=str(daemon.socket))
    mon = subprocess.Popen([str(BIN / "pgtrackctl"), "monitor", "--json"], env=env, stdout=subprocess.PIPE, text=True)
    try:
        first = json.loads(mon.stdout.readline())
        assert first["kind"] == "subscribed"
        assert daemon.ctl("skip", "w02d2").returncode == 0
        event = json.loads(mon.stdout.readline())
        assert event["kind"] == "skip" and event["slot"] == "w02d2"
    finally:
        mon.kill()
        mon.wait()
    assert daemon.ctl_json("status")["total"] == 90  # the daemon is fine after the monitor vanished


def test_status_fast_path_prints_what_the_parser_path_prints(daemon):
    # `pgtrackctl`, `status` and `status --json` skip ArgumentParser; with --socket
    # (same socket) the same command goes through it. Both must agree, byte for byte.
    sock = str(daemon.socket)
    for fast, parsed in [((), ("status", "--socket", sock)), (("status",), ("status", "--socket", sock)),
                         (("status", "--json"), ("status", "--json", "--socket", sock))]:
        a, b = daemon.ctl(*fast), daemon.ctl(*parsed)
        assert (a.returncode, a.stdout, a.stderr) == (b.returncode, b.stdout, b.stderr), fast
        assert a.returncode == 0 and "Next: w01d1" in a.stdout or a.stdout.startswith("{")


def test_unreachable_daemon_exits_69_with_a_hint(home, tmp_path):
    env = dict(home.env, PGTRACK_SOCKET=str(tmp_path / "nobody.sock"))
    for args in [("status",), ("status", "--json"), ("agenda",)]:  # the fast path and the parser path
        r = subprocess.run([str(BIN / "pgtrackctl"), *args], env=env, capture_output=True, text=True)
        assert r.returncode == 69, args
        assert "cannot reach pgtrackd" in r.stderr and "systemctl --user start pgtrackd" in r.stderr


@pytest.mark.parametrize("command", ["", "status", "agenda", "next", "skip", "reschedule", "start", "done", "undone", "note", "snooze",
                                     "pause", "resume", "undo", "progress", "journal", "export", "feed", "sync", "plans", "reload", "monitor"])
def test_help_output_is_exact(command, home):
    args = [command, "--help"] if command else ["--help"]
    r = subprocess.run([str(BIN / "pgtrackctl"), *args], env=dict(home.env, COLUMNS="100"), capture_output=True, text=True)
    assert r.returncode == 0
    golden(f"help/{command or 'pgtrackctl'}.txt", r.stdout)


def test_python_varlink_client(daemon):
    import varlink
    with varlink.Client(address=f"unix:{daemon.socket}") as client:
        with client.open("io.pgtrack.Tracker", namespaced=False) as tracker:
            status = tracker.Status()["status"]
            assert status["next"]["id"] == "w01d1"
            assert tracker.Skip("w01d4", "travel")["slot"]["state"] == "skipped"
            with pytest.raises(varlink.VarlinkError) as e:
                tracker.Skip("w01d4", None)
            assert e.value.error() == "io.pgtrack.Tracker.SlotSkipped"
    # The package's command-line tool prints errors but exits 0: assert on what it prints.
    cli = [sys.executable, "-m", "varlink.cli"]
    info = subprocess.run(cli + ["info", f"unix:{daemon.socket}"], capture_output=True, text=True, timeout=30)
    assert "Vendor: pgtrack" in info.stdout and "io.pgtrack.Tracker" in info.stdout, info.stdout + info.stderr
    desc = subprocess.run(cli + ["help", f"unix:{daemon.socket}/io.pgtrack.Tracker"], capture_output=True, text=True, timeout=30)
    assert "method Skip(slot: string, reason: ?string) -> (slot: Slot)" in desc.stdout, desc.stdout + desc.stderr
    call = subprocess.run(cli + ["call", f"unix:{daemon.socket}/io.pgtrack.Tracker.Skip", '{"slot": "w01d4"}'],
                          capture_output=True, text=True, timeout=30)
    assert "io.pgtrack.Tracker.SlotSkipped" in call.stdout + call.stderr
    ok = subprocess.run(cli + ["call", f"unix:{daemon.socket}/io.pgtrack.Tracker.Status", "{}"],
                        capture_output=True, text=True, timeout=30)
    assert '"summary"' in ok.stdout


# MARK: - Abuse

def raw_call(path, payload: bytes, timeout=1.0):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(str(path))
    s.sendall(payload)
    data = b""
    while not data.endswith(b"\0"):
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return data


def timed_status(daemon):
    start = time.monotonic()
    reply = json.loads(raw_call(daemon.socket, b'{"method":"io.pgtrack.Tracker.Status"}\0').rstrip(b"\0"))
    elapsed = time.monotonic() - start
    assert "status" in reply["parameters"]
    assert elapsed < 1.0, f"a normal client waited {elapsed:.2f}s"


@pytest.mark.parametrize("payload,error", [
    (b"{not json}\0", "org.varlink.service.InvalidParameter"),
    (b'"just a string"\0', "org.varlink.service.InvalidParameter"),
    (b'{"method":"io.pgtrack.Tracker.Nope"}\0', "org.varlink.service.MethodNotFound"),
    (b'{"method":"com.example.Other.Call"}\0', "org.varlink.service.InterfaceNotFound"),
    (b'{"method":"io.pgtrack.Tracker.Skip","parameters":{"slot":3}}\0', "org.varlink.service.InvalidParameter"),
    (b'{"method":"io.pgtrack.Tracker.Skip","parameters":{"slot":"w01d1","bogus":1}}\0', "org.varlink.service.InvalidParameter"),
    (b'{"method":"io.pgtrack.Tracker.Skip","parameters":{}}\0', "org.varlink.service.InvalidParameter"),
    (b'{"method":"io.pgtrack.Tracker.Skip","parameters":{"slot":"w01d1"},"extra":1}\0', "org.varlink.service.InvalidParameter"),
    (b'{"method":"io.pgtrack.Tracker.Status","parameters":{"s":"\xff\xfe"}}\0', "org.varlink.service.InvalidParameter"),
    (b"[" * 5000 + b"]" * 5000 + b"\0", "org.varlink.service.InvalidParameter"),
    (b'{"method":"io.pgtrack.Tracker.Monitor"}\0', "org.varlink.service.ExpectedMore"),
    (b'{"method":"io.pgtrack.Tracker.Reschedule","parameters":{"slot":"w02d1","start":"tomorrow"}}\0',
     "io.pgtrack.Tracker.InvalidTime"),
])
def test_malformed_requests_get_varlink_errors(daemon, payload, error):
    reply = json.loads(raw_call(daemon.socket, payload).rstrip(b"\0"))
    assert reply["error"] == error
    timed_status(daemon)


def test_invalid_parameter_names_the_parameter(daemon):
    reply = json.loads(raw_call(daemon.socket, b'{"method":"io.pgtrack.Tracker.Reschedule","parameters":{"slot":"w01d1","start":5}}\0').rstrip(b"\0"))
    assert reply == {"parameters": {"parameter": "start"}, "error": "org.varlink.service.InvalidParameter"}


def test_pipelined_calls_are_answered_in_order(daemon):
    calls = b"".join(b'{"method":"io.pgtrack.Tracker.ListSlots","parameters":{"week":%d}}\0' % w for w in range(1, 11))
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(str(daemon.socket))
    s.sendall(calls)
    data = b""
    while data.count(b"\0") < 10:
        data += s.recv(1 << 20)
    s.close()
    weeks = [json.loads(m)["parameters"]["slots"][0]["week"] for m in data.split(b"\0") if m]
    assert weeks == list(range(1, 11))


def test_oversized_message_gets_an_error_and_the_daemon_keeps_serving(daemon):
    big = b'{"method":"io.pgtrack.Tracker.Status","parameters":{"x":"' + b"a" * (70 * 1024) + b'"}}\0'
    reply = json.loads(raw_call(daemon.socket, big).rstrip(b"\0"))
    assert reply["error"] == "org.varlink.service.InvalidParameter"
    assert "larger than 65536" in reply["parameters"]["message"]
    timed_status(daemon)


def test_garbage_idle_connections_and_killed_clients(daemon):
    import random
    rng = random.Random(7)
    for i in range(1000):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(str(daemon.socket))
        if i % 100 == 0:
            s.sendall(b"x" * (65 * 1024))  # oversized, no terminator
        else:
            s.sendall(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200))) + b"\0")
        s.close()
    timed_status(daemon)
    idle = []
    for _ in range(200):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(str(daemon.socket))
        idle.append(s)
    timed_status(daemon)
    # A client killed in the middle of sending a request.
    code = ("import socket,os,signal;s=socket.socket(socket.AF_UNIX);s.connect(%r);"
            "s.sendall(b'{\"method\":\"io.pgtrack.Tracker.Sta');os.kill(os.getpid(),signal.SIGKILL)") % str(daemon.socket)
    assert subprocess.run([sys.executable, "-c", code]).returncode == -signal.SIGKILL
    timed_status(daemon)
    for s in idle:
        s.close()
    assert daemon.process.poll() is None


def test_other_uid_is_refused(home):
    setpriv = require_tool("setpriv")
    if os.getuid() != 0:
        pytest.skip("needs root to run a client as another uid")
    import tempfile
    public = Path(tempfile.mkdtemp(prefix="pgtrack-uid-"))
    os.chmod(public, 0o755)
    from conftest import FUTURE
    daemon = Daemon(home, FUTURE + f'[control]\nsocket = "{public}/run/control.sock"\n', socket=public / "run" / "control.sock")
    # The 0600 socket in a 0700 folder already keeps others out; open both up to
    # reach the daemon's own SO_PEERCRED check.
    os.chmod(daemon.socket.parent, 0o755)
    os.chmod(daemon.socket, 0o666)
    # The server answers at accept and hangs up, so the call may meet a closed socket
    # (EPIPE) when the server was quicker: the answer is read all the same.
    code = ("import socket\ns=socket.socket(socket.AF_UNIX)\ns.settimeout(5)\ns.connect(%r)\n"
            "try:\n    s.sendall(b'{\"method\":\"io.pgtrack.Tracker.Status\"}\\0')\nexcept OSError:\n    pass\n"
            "print(s.recv(4096))") % str(daemon.socket)
    try:
        r = subprocess.run([setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups", "/usr/bin/python3", "-c", code],
                           capture_output=True, text=True, timeout=30)
        assert "org.varlink.service.PermissionDenied" in r.stdout, r.stdout + r.stderr
        assert "status" not in r.stdout
        timed_status(daemon)
    finally:
        daemon.stop()
