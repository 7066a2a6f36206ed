"""Busy calendars (schedule.busy): slots move past the meetings in the files, the files
are watched (a write re-flows the schedule with no reload), a broken file keeps its last
good version and says so, and another plan's feed keeps two plans apart."""
import json
import os
import time
from pathlib import Path

import subprocess

from conftest import FUTURE, Daemon, require_tool, wait_until

# The plan starts Monday 2030-01-07, slots 18:00-18:30 Berlin time.
HEAD = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//work//EN\r\n"
TAIL = "END:VCALENDAR\r\n"


def vevent(uid, start, end, summary, extra=""):
    return (f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20300101T000000Z\r\nDTSTART;TZID=Europe/Berlin:{start}\r\n"
            f"DTEND;TZID=Europe/Berlin:{end}\r\nSUMMARY:{summary}\r\n{extra}END:VEVENT\r\n")


LATE = vevent("late@work", "20300108T173000", "20300108T190000", "Late meeting")
# Thursdays 17:45-18:10, three times; the first Thursday's is transparent (not blocking) in a copy below.
WEEKLY = vevent("sync@work", "20300110T174500", "20300110T181000", "Thursday sync", "RRULE:FREQ=WEEKLY;COUNT=3\r\n")
FOCUS = vevent("focus@work", "20300107T170000", "20300107T200000", "Focus time", "TRANSP:TRANSPARENT\r\n")
OFFSITE = ("BEGIN:VEVENT\r\nUID:offsite@work\r\nDTSTAMP:20300101T000000Z\r\nDTSTART;VALUE=DATE:20300109\r\n"
           "DTEND;VALUE=DATE:20300110\r\nSUMMARY:Offsite\r\nEND:VEVENT\r\n")


def write(path: Path, text: str):
    """As editors and sync tools do: a new file renamed over the old one."""
    tmp = path.with_name("." + path.name + ".tmp")
    tmp.write_bytes(text.encode())
    os.replace(tmp, path)


def slots(daemon, week=1):
    return {s["id"]: s for s in daemon.ctl_json("agenda", "--week", str(week))}


def feed(home, name="pgtrack.ics"):
    return (Path(home.env["XDG_DATA_HOME"]) / "pgtrack" / name).read_bytes().decode().replace("\r\n ", "")


def event_text(text, slot):
    return text.split(f"UID:{slot}-")[1].split("END:VEVENT")[0]


def test_slots_move_past_meetings_and_follow_edits(home):
    work = home.root / "work.ics"
    write(work, HEAD + LATE + WEEKLY + FOCUS + TAIL)
    config = FUTURE.replace('timezone = "Europe/Berlin"\n', 'timezone = "Europe/Berlin"\nbusy = ["~/work.ics"]\n')
    daemon = Daemon(home, config)
    try:
        week = slots(daemon)
        assert week["w01d1"]["start"] == "2030-01-07T18:00:00+01:00" and "note" not in week["w01d1"]  # transparent: ignored
        assert week["w01d2"]["start"] == "2030-01-08T19:00:00+01:00" and week["w01d2"]["note"] == "after Late meeting"
        assert week["w01d4"]["start"] == "2030-01-10T18:10:00+01:00" and week["w01d4"]["note"] == "after Thursday sync"
        assert slots(daemon, 2)["w02d4"]["start"] == "2030-01-17T18:10:00+01:00"  # the recurrence, a week on
        # Agenda, feed, page and status say why.
        text = daemon.ctl("agenda", "--week", "1").stdout
        assert "19:00–19:30" in text and "(after Late meeting)" in text
        described = event_text(feed(home), "w01d2")
        assert "DTSTART;TZID=Europe/Berlin:20300108T190000" in described
        assert "Moved after Late meeting (a busy calendar)." in described.replace("\\n", "\n").replace("\\,", ",")
        page = daemon.ctl("export", "--format", "html").stdout
        assert "after Late meeting" in page
        status = daemon.ctl_json("status")
        assert status["busy"] == "work.ics: 4 busy times · 4 slots moved, 0 given up"
        assert "Busy: work.ics: 4 busy times" in daemon.ctl("status").stdout

        # Not polled: to re-flow within a second by polling, the daemon would have to wake at
        # least once a second; in 3 s idle it makes no system call at all.
        strace = require_tool("strace")
        time.sleep(2)  # past the malloc_trim a second after the last call
        trace = subprocess.run(["timeout", "-s", "INT", "3", strace, "-f", "-c", "-p", str(daemon.process.pid)],
                               capture_output=True, text=True)
        assert "total" not in trace.stderr, f"system calls while idle with a busy calendar:\n{trace.stderr}"

        # An edit re-flows the schedule: no reload, inotify, within a second.
        tasks_before = {s["id"]: s["task"]["id"] if s["task"] else None for s in daemon.ctl_json("agenda", "--all")}
        write(work, HEAD + LATE + WEEKLY + FOCUS + OFFSITE + TAIL)
        t0 = time.monotonic()
        wait_until(lambda: "UID:w01d3-" not in feed(home), timeout=1.0, what="the feed without the Offsite day's slot")
        print(f"re-flow after a busy-file write: {(time.monotonic() - t0) * 1000:.1f} ms (including the polling)")
        week = slots(daemon)
        assert "w01d3" not in week  # lost to the all-day event; its task slid on
        tasks_after = {s["id"]: s["task"]["id"] if s["task"] else None for s in daemon.ctl_json("agenda", "--all")}
        assert tasks_after["w01d4"] == tasks_before["w01d3"]
        assert daemon.ctl_json("status")["busy"] == "work.ics: 5 busy times · 4 slots moved, 1 given up"

        # A reschedule onto a busy time is refused, naming the meeting.
        r = daemon.ctl("reschedule", "w01d5", "2030-01-08T18:00")
        assert r.returncode == 1 and "Late meeting" in r.stderr and "busy calendar" in r.stderr

        # Broken: the last good version stays in use, and status says so.
        write(work, HEAD + LATE.replace("END:VEVENT\r\n", ""))
        wait_until(lambda: "cannot use it" in (daemon.ctl_json("status")["busy"] or ""), timeout=5, what="status naming the problem")
        busy = daemon.ctl_json("status")["busy"]
        assert "incomplete" in busy and "5 busy times read" in busy and "still in use" in busy
        assert "w01d3" not in slots(daemon) and slots(daemon)["w01d2"]["note"] == "after Late meeting"
        # Deleted: the same.
        work.unlink()
        wait_until(lambda: "cannot open it" in daemon.ctl_json("status")["busy"], timeout=5, what="status: cannot open it")
        assert "w01d3" not in slots(daemon)
        # Back, without the meetings: the slots return to 18:00.
        write(work, HEAD + TAIL)
        wait_until(lambda: daemon.ctl_json("status")["busy"] == "work.ics: 0 busy times · 0 slots moved, 0 given up", timeout=5, what="status: readable")
        week = slots(daemon)
        assert all(s["start"].endswith("T18:00:00+01:00") and "note" not in s for s in week.values())
        assert daemon.process.poll() is None
    finally:
        daemon.stop()


def test_a_broken_file_at_start_is_not_fatal(home):
    (home.root / "work.ics").write_text("not a calendar")
    os.mkfifo(home.root / "fifo.ics")  # opened and read, it would wait for a writer forever
    config = FUTURE.replace('timezone = "Europe/Berlin"\n', f'timezone = "Europe/Berlin"\nbusy = ["{home.root}/work.ics", '
                            f'"/nonexistent/x.ics", "~/fifo.ics"]\n')
    daemon = Daemon(home, config)
    try:
        busy = daemon.ctl_json("status")["busy"]
        assert busy.startswith("work.ics: cannot use it (not iCalendar")
        assert "x.ics: cannot use it (cannot open it (No such file or directory))" in busy
        assert "fifo.ics: cannot use it (it is a FIFO, not a regular file)" in busy
        assert len(slots(daemon)) == 5
    finally:
        daemon.stop()


def test_own_feed_is_refused_and_another_plans_feed_keeps_plans_apart(home):
    data = Path(home.env["XDG_DATA_HOME"]) / "pgtrack"
    # A plan never reads its own feed.
    home.write_config(FUTURE.replace('timezone = "Europe/Berlin"\n', f'timezone = "Europe/Berlin"\nbusy = ["{data}/pgtrack.ics"]\n'))
    r = home.run("pgtrackd")
    assert r.returncode == 78 and "schedule.busy" in r.stderr and "own feed" in r.stderr

    # The go plan studies at 18:00 too; the default plan reads go's feed as busy.
    plan = home.root / "go.md"
    plan.write_text("# Learn Go\n\n### Week 1\n- [ ] Tour of Go\n- [ ] Effective Go\n")
    config_dir = Path(home.env["XDG_CONFIG_HOME"]) / "pgtrack"
    (config_dir / "go.toml").write_text(FUTURE.replace('[plan]\n', f'[plan]\nfile = "{plan}"\n'))
    runtime = Path(home.env["XDG_RUNTIME_DIR"]) / "pgtrack"
    go = Daemon(home, FUTURE, args=("--plan", "go"), socket=runtime / "go.sock")
    wait_until(lambda: (data / "go.ics").exists(), timeout=5, what="go's feed")
    default = Daemon(home, FUTURE.replace('timezone = "Europe/Berlin"\n', 'timezone = "Europe/Berlin"\nbusy = ["~/data/pgtrack/go.ics"]\n'))
    try:
        # XDG_DATA_HOME is $HOME/data in these tests: ~/ is expanded with HOME.
        assert str(data).startswith(home.env["HOME"])
        week = slots(default)
        assert week["w01d1"]["start"] == "2030-01-07T18:30:00+01:00" and week["w01d1"]["note"] == "after Learn · W1 · Tour of Go"
        # Catch-up slots of go (no task) are tentative but still time go keeps free: they block too.
        assert all(s["start"].endswith("T18:30:00+01:00") for s in week.values())
        # go skips Monday: its event turns CANCELLED, and the default plan's slot goes back to 18:00.
        r = go.ctl("skip", "w01d1")
        assert r.returncode == 0, r.stderr
        wait_until(lambda: slots(default)["w01d1"]["start"] == "2030-01-07T18:00:00+01:00", timeout=5,
                   what="the default plan back at 18:00 after go's skip")
        assert "note" not in slots(default)["w01d1"]
    finally:
        default.stop()
        go.stop()


def test_a_busy_change_while_stopped_is_not_read_as_a_calendar_edit(home):
    """With sync on, files in the vdir that differ from the plan at start are read as edits
    pulled while pgtrackd was down. A slot moved by a busy calendar that changed meanwhile
    is not such an edit: the file is pgtrackd's own, as it last wrote it."""
    work, vdir = home.root / "work.ics", home.root / "vdir"
    write(work, HEAD + LATE + TAIL)
    config = FUTURE.replace('timezone = "Europe/Berlin"\n', 'timezone = "Europe/Berlin"\nbusy = ["~/work.ics"]\n') + (
        f'[calendar]\nvdir = "{vdir}"\n[sync]\nenabled = true\ncommand = ["true"]\n')
    daemon = Daemon(home, config)
    try:
        assert slots(daemon)["w01d2"]["start"] == "2030-01-08T19:00:00+01:00"
        assert "T190000" in next(vdir.glob("w01d2-*.ics")).read_bytes().decode()
    finally:
        daemon.stop()
    write(work, HEAD + TAIL)  # the meeting was called off while pgtrackd was stopped
    daemon = Daemon(home, config)
    try:
        week = slots(daemon)
        assert week["w01d2"]["start"] == "2030-01-08T18:00:00+01:00" and "note" not in week["w01d2"]
        r = daemon.ctl("undo")
        assert r.returncode == 1 and "nothing to undo" in r.stderr  # no reschedule was recorded
        wait_until(lambda: "T180000" in next(vdir.glob("w01d2-*.ics")).read_bytes().decode(), timeout=5,
                   what="the vdir file rewritten at 18:00")
    finally:
        daemon.stop()


def bytes_read(pid: int) -> int:
    """What a process has read so far (read system calls, files and sockets alike)."""
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("no rchar")


def test_a_rewrite_storm_is_read_in_bounded_steps_and_ends_on_the_last_version(home):
    # Issue 23, finding 8: 100 rewrites a second were each read and re-flowed (71-81 %
    # CPU). Now a change is read after a quiet time: a storm is read a few times, not once
    # per write, and the schedule ends on its last version. Each version carries 48 KB
    # (folded), so what the daemon reads counts the reads.
    work = home.root / "work.ics"
    write(work, HEAD + TAIL)
    config = FUTURE.replace('timezone = "Europe/Berlin"\n', 'timezone = "Europe/Berlin"\nbusy = ["~/work.ics"]\n')
    daemon = Daemon(home, config)
    pad = "X-PAD:" + "\r\n ".join(["x" * 70] * 700) + "\r\n"
    try:
        assert slots(daemon)["w01d2"]["start"] == "2030-01-08T18:00:00+01:00"
        versions = 300
        before = bytes_read(daemon.process.pid)
        for i in range(versions):
            # Each version ends the meeting another minute (18:10 to 20:39): each moves w01d2.
            m = 10 + i % 150
            end = f"20300108T{18 + m // 60:02d}{m % 60:02d}00"
            write(work, HEAD + vevent("storm@work", "20300108T173000", end, f"Storm {i}", pad) + TAIL)
            if i % 50 == 0:
                assert daemon.ctl("status").returncode == 0  # answering all along
            time.sleep(0.01)
        last = versions - 1
        m = 10 + last % 150
        expected = f"2030-01-08T{18 + m // 60:02d}:{m % 60:02d}:00+01:00"
        wait_until(lambda: slots(daemon)["w01d2"]["start"] == expected, what="the storm's last version in force")
        assert slots(daemon)["w01d2"]["note"] == f"after Storm {last}"
        read = bytes_read(daemon.process.pid) - before
        assert read < versions * len(pad) / 5, f"{read} bytes read for {versions} versions of {len(pad)} bytes"
    finally:
        daemon.stop()


def test_an_overlong_line_is_refused_at_once(home):
    work = home.root / "work.ics"
    write(work, HEAD + LATE + TAIL)
    config = FUTURE.replace('timezone = "Europe/Berlin"\n', 'timezone = "Europe/Berlin"\nbusy = ["~/work.ics"]\n')
    daemon = Daemon(home, config)
    try:
        long = HEAD + LATE.replace("SUMMARY:Late meeting\r\n", "SUMMARY:Late meeting\r\nDESCRIPTION:" + "x" * (15 << 20) + "\r\n") + TAIL
        write(work, long)
        wait_until(lambda: "longer than 64 KiB" in (daemon.ctl_json("status").get("busy") or ""), timeout=10,
                   what="the long line refused")
        # The last good version stays in force.
        assert slots(daemon)["w01d2"]["note"] == "after Late meeting"
    finally:
        daemon.stop()
