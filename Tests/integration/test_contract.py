"""The wire contract from outside: every method's reply and error from the running
daemon, and every pgtrackctl --json document, checked against the interface the daemon
serves (GetInterfaceDescription) and the file in interfaces/, which must be the same."""
import json
import socket

import pytest

from conftest import ROOT, Daemon, varlink_call
from varlink_types import Interface


def raw_call(sock_path, method, **params):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(5)
    s.connect(str(sock_path))
    s.sendall(json.dumps({"method": method, "parameters": params}).encode() + b"\0")
    data = b""
    while not data.endswith(b"\0"):
        chunk = s.recv(1 << 20)
        assert chunk, "the daemon closed the connection"
        data += chunk
    s.close()
    return json.loads(data[:-1])


@pytest.fixture
def interface(daemon):
    served = raw_call(daemon.socket, "org.varlink.service.GetInterfaceDescription", interface="io.pgtrack.Tracker")
    text = served["parameters"]["description"]
    assert text == (ROOT / "interfaces" / "io.pgtrack.Tracker.varlink").read_text()
    return Interface(text)


def test_every_reply_and_error_from_the_daemon(daemon, interface):
    def ok(method, **params):
        r = raw_call(daemon.socket, "io.pgtrack.Tracker." + method, **params)
        assert "error" not in r, (method, r)
        interface.check_reply(method, r.get("parameters", {}))
        return r["parameters"]

    def refused(method, expected, **params):
        r = raw_call(daemon.socket, "io.pgtrack.Tracker." + method, **params)
        assert r.get("error") == "io.pgtrack.Tracker." + expected, (method, r)
        interface.check_error(r["error"], r.get("parameters", {}))

    status = ok("Status")["status"]
    first = status["next"]
    ok("ListSlots")
    ok("ListSlots", week=2)
    ok("ListSlots", **{"from": first["start"], "to": status["finish"]})
    ok("Skip", slot="w02d1", reason="ill")
    ok("Undo")
    ok("Reschedule", slot="w02d1", start="2030-01-18T07:00:00+01:00")
    ok("Snooze", slot="w02d1", until="2030-01-18T07:05:00+01:00")
    assert [s["state"] for s in ok("Pause", **{"from": "2030-02-04", "to": "2030-02-05", "reason": "away"})["slots"]] == ["paused"] * 2
    ok("Resume")
    refused("Resume", "NotPaused")
    assert ok("Start", slot="w01d1")["slot"]["startedAt"]
    assert ok("Note", slot="w01d1", text="a note")["slot"]["studyNote"] == "a note"
    done = ok("Complete", slot="w01d1", note="done, with a note", minutes=35)["slot"]
    assert (done["studyNote"], done["minutesSpent"]) == ("done, with a note", 35)
    refused("Note", "InvalidNote", slot="w01d1", text="a\0b")
    refused("Start", "AlreadyDone", slot="w01d1")
    for fmt in ("ics", "json", "markdown", "html"):
        ok("Export", format=fmt)
    ok("Reload")
    refused("Skip", "NoSuchSlot", slot="w60d1")
    refused("Reschedule", "SlotInPast", slot="w02d2", start="2020-01-01T07:00:00+01:00")
    refused("Reschedule", "Overlap", slot="w02d2", start="2030-01-18T07:10:00+01:00")
    refused("Reschedule", "InvalidTime", slot="w02d2", start="soon")
    refused("Reopen", "NotDone", slot="w02d2")
    refused("Export", "InvalidFormat", format="pdf")
    refused("Snooze", "NoTask", slot="w20d5", until="2030-06-01T07:00:00+02:00")
    # Sync is off in this config; test_caldav.py checks a run's reply against the interface.
    refused("Sync", "SyncFailed")


def test_every_command_json_fits_the_interface(daemon, interface):
    slot = interface.types["Slot"]
    interface.check(daemon.ctl_json("status"), "Overview", "status")
    for args in (("agenda",), ("agenda", "--week", "3"), ("agenda", "--all"), ("agenda", "--days", "30")):
        interface.check(daemon.ctl_json(*args), ("array", slot), " ".join(args))
    interface.check(daemon.ctl_json("next"), ("maybe", slot), "next")
    interface.check(daemon.ctl_json("skip", "w01d2", "--reason", "busy"), slot, "skip")
    interface.check_reply("Undo", daemon.ctl_json("undo"))
    interface.check(daemon.ctl_json("reschedule", "w01d3", "+1h"), slot, "reschedule")
    # Snooze acts on a slot that runs or starts within the hour: move one there first.
    from datetime import datetime, timedelta, timezone
    soon = (datetime.now(timezone.utc) + timedelta(minutes=30)).replace(microsecond=0).isoformat()
    assert "error" not in varlink_call(daemon.socket, "Reschedule", slot="w01d4", start=soon)
    interface.check(daemon.ctl_json("snooze", "5m"), slot, "snooze")
    interface.check(daemon.ctl_json("start", "w01d1"), slot, "start")
    interface.check(daemon.ctl_json("done", "w01d1", "--note", "n", "--minutes", "20"), slot, "done")
    interface.check(daemon.ctl_json("note", "w01d1", "replaced"), slot, "note")
    interface.check(daemon.ctl_json("undone", "w01d1"), slot, "undone")
    journal = daemon.ctl_json("journal")
    assert set(journal) == {"weeks", "stages", "total"}
    progress = daemon.ctl_json("progress")
    interface.check(progress["stages"], ("array", interface.types["StageProgress"]), "progress.stages")
    interface.check(progress["slots"], ("array", slot), "progress.slots")
    exported = daemon.ctl_json("export", "--format", "json")
    assert set(exported) == {"plan", "timezone", "start", "slots"}
    interface.check(exported["slots"], ("array", slot), "export.slots")
    interface.check_reply("Reload", daemon.ctl_json("reload"))


def test_monitor_json_lines_fit_the_interface(daemon, interface):
    import subprocess
    import os
    from conftest import BIN
    env = dict(daemon.home.env, PGTRACK_SOCKET=str(daemon.socket))
    monitor = subprocess.Popen([str(BIN / "pgtrackctl"), "monitor", "--json"], env=env, stdout=subprocess.PIPE, text=True)
    try:
        first = json.loads(monitor.stdout.readline())
        assert first["kind"] == "subscribed"
        daemon.ctl("skip", "w03d1")
        event = json.loads(monitor.stdout.readline())
        assert (event["kind"], event["slot"]) == ("skip", "w03d1")
        for e in (first, event):
            interface.check_reply("Monitor", e)
    finally:
        monitor.terminate()
        monitor.wait()
