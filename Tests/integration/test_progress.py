"""True figures on every surface (issue 24): behind in tasks, a finished plan, the week
line before the start, and the status-bar follower."""
import datetime
import json
import os
import select
import subprocess
import time
import urllib.request
from zoneinfo import ZoneInfo

from conftest import BIN, FUTURE, Daemon, require_tool

BERLIN = ZoneInfo("Europe/Berlin")
GRACE = datetime.timedelta(hours=2)


def page_html(daemon):
    with urllib.request.urlopen(daemon.ctl_json("feed")["page"], timeout=10) as r:
        return r.read().decode()


def test_week_eight_is_behind_in_tasks_on_cli_json_and_page(home):
    """Week 8, three skips and two missed slots: '5 tasks behind', and the catch-up slots
    absorb it, where status used to say '23 slots behind' beside 'on time'."""
    from test_page import plan_under_way
    daemon = plan_under_way(home)
    try:
        now = datetime.datetime.now(datetime.timezone.utc)
        slots = daemon.ctl_json("export", "--format", "json")["slots"]
        # In weeks 1-8 every slot of the untouched plan holds a task: a task is late once
        # its slot ended more than the grace ago. Those slots are the ones plan_under_way
        # marked: all done but three skipped and two missed.
        due = sum(1 for s in slots if datetime.datetime.fromisoformat(s["end"]) + GRACE <= now)
        s = daemon.ctl_json("status")
        done = due - 5
        assert (s["week"], s["weeks"], s["done"], s["due"]) == (8, 20, done, due)
        assert s["behind"] == due - done == 5
        assert s["finished"] is None and s["oldest"] is not None
        behind = f"{s['behind']} tasks behind · the catch-up slots absorb it · finish on time · oldest open: {s['oldest']} from week {s['oldest'].split('.')[0]}"
        text = daemon.ctl("status").stdout
        assert f"Behind: {behind}\n" in text, text
        assert "slots behind" not in text
        assert "planned (on time)" in text and "Week: 8 of 20 · started" in text
        assert s["summary"].endswith(f" · {s['behind']} tasks behind")
        html = page_html(daemon)
        assert f"<dt>Behind</dt><dd>{behind}</dd>" in html
        assert "Week 8 of 20 · started" in html
    finally:
        daemon.stop()


def test_a_finished_plan_says_so_everywhere(home):
    """All 90 tasks of a plan begun 2026-05-04 done today: finished, on the CLI, in
    --json, next, agenda and the page; the week stops at the plan's last week."""
    start = datetime.date(2026, 5, 4)
    daemon = Daemon(home, FUTURE.replace('start = "2030-01-07"', f'start = "{start}"'))
    try:
        for w in range(1, 21):
            for d in range(1, 6):
                daemon.ctl("done", f"w{w:02d}d{d}")  # the catch-up slots refuse: no task
        s = daemon.ctl_json("status")
        today = datetime.datetime.now(BERLIN).date()
        assert (s["done"], s["total"], s["week"], s["finish"], s["next"]) == (90, 90, 20, None, None)
        finished = datetime.datetime.fromisoformat(s["finished"]).astimezone(BERLIN).date()
        assert finished == today
        late = (today - datetime.date(2026, 9, 17)).days  # w20d4, the untouched plan's last task
        line = f"{today:%a} {today} · 90/90 · {late} days after the planned finish"
        text = daemon.ctl("status").stdout
        assert f"Finished: {line}\n" in text, text
        assert "Week: 20 of 20 · started 2026-05-04 · finished\n" in text
        assert "projected" not in text and "Behind:" not in text and "Week: 31" not in text
        assert s["summary"] == f"Finished {line}"
        r = daemon.ctl("next")
        assert (r.returncode, r.stdout) == (0, f"The plan is finished: {line}.\n")
        assert daemon.ctl("agenda", "--days", "3").stdout == f"No slots. The plan is finished: {line}.\n"
        html = page_html(daemon)
        assert f"<dt>Finished</dt><dd>{line}</dd>" in html
        assert "Week 20 of 20 · started 2026-05-04 · finished" in html
        bar = json.loads(daemon.ctl("status", "--format", "waybar").stdout)
        assert (bar["text"], bar["class"], bar["percentage"]) == ("finished 90/90", ["finished"], 100)
    finally:
        daemon.stop()


def test_before_the_start_the_week_and_an_empty_agenda_say_when_it_starts(daemon):
    today = datetime.datetime.now(BERLIN).date()
    days = (datetime.date(2030, 1, 7) - today).days
    text = daemon.ctl("status").stdout
    assert f"Week: starts Mon 2030-01-07, in {days} days\n" in text, text
    assert daemon.ctl_json("status")["week"] == 0
    r = daemon.ctl("agenda", "--days", "3")
    assert r.stdout.startswith(f"No slots yet: the plan starts Mon 2030-01-07, in {days} days. First: w01d1 Mon 2030-01-07 18:00–18:30 · 1.1 ")


def read_line(process, timeout):
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    assert ready, f"no line within {timeout} s"
    return process.stdout.readline()


def test_follower_prints_a_line_per_change_sleeps_between_and_exits_with_the_daemon(daemon):
    strace = require_tool("strace")
    env = dict(daemon.home.env, PGTRACK_SOCKET=str(daemon.socket))
    f = subprocess.Popen([str(BIN / "pgtrackctl"), "status", "--follow", "--format", "waybar"], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = json.loads(read_line(f, 5))
        assert set(first) == {"text", "tooltip", "class", "percentage"}
        assert first["class"] == ["next"] and first["text"] == "1.1 2030-01-07 18:00"
        # A change: a line within a second.
        t = time.monotonic()
        assert daemon.ctl("done", "w01d1").returncode == 0
        line = json.loads(read_line(f, 1.0))
        assert time.monotonic() - t < 1.0
        assert line["text"] == "1.2 2030-01-08 18:00 · 1 ahead" and line["class"] == ["next", "ahead"] and line["percentage"] == 1
        assert daemon.ctl("undo").returncode == 0
        assert json.loads(read_line(f, 1.0))["text"] == "1.1 2030-01-07 18:00"
        # Idle: no system call at all (the next slot is years away, so no countdown).
        out = daemon.home.root / "follow.strace"
        st = subprocess.Popen([strace, "-f", "-p", str(f.pid), "-o", str(out)], stderr=subprocess.DEVNULL)
        time.sleep(3)
        st.terminate()
        st.wait(timeout=10)
        lines = [l for l in out.read_text().splitlines() if l.strip() and "detached" not in l]
        # strace shows at most the one poll the follower sleeps in.
        assert len(lines) <= 1 and all(l.split()[-1].startswith("poll(") or "poll(" in l for l in lines), lines
        # The daemon stops: a last line, then the follower exits.
        daemon.stop()
        last = json.loads(read_line(f, 5))
        assert last["class"] == ["stopped"]
        assert f.wait(timeout=5) == 69
    finally:
        if f.poll() is None:
            f.kill()


def test_bar_formats(daemon):
    i3 = json.loads(daemon.ctl("status", "--format", "i3bar").stdout)
    assert i3 == {"icon": "tasks", "state": "Idle", "text": "1.1 2030-01-07 18:00"}
    assert daemon.ctl("status", "--format", "polybar").stdout == "%{F#a0a0a6}1.1 2030-01-07 18:00%{F-}\n"
    j = json.loads(daemon.ctl("status", "--format", "json").stdout)
    assert j["status"]["week"] == 0 and j["class"] == ["next"]
