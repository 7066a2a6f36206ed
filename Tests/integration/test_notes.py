"""Issue 26: notes and minutes per slot, start and done, the journal, and where they show:
agenda --json, the feed's DESCRIPTION, the progress page; undone like any change."""
import json
import sqlite3
import subprocess
import urllib.request

import pytest

from conftest import FUTURE, Daemon, wait_until

NOTE = 'Read <script>alert(1)</script> & "MVCC";\nnext: chapter 3, \\ part 2'


def slots(daemon, week=1):
    return {s["id"]: s for s in daemon.ctl_json("agenda", "--week", str(week))}


def test_done_with_a_note_and_minutes_shows_in_agenda_json(daemon):
    r = daemon.ctl("done", "w01d1", "--note", NOTE, "--minutes", "40")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("Done: w01d1 · 1.1 ") and r.stdout.endswith(" · 40 min\n")
    w = slots(daemon)
    assert w["w01d1"]["studyNote"] == NOTE and w["w01d1"]["minutesSpent"] == 40
    assert "note" not in w["w01d1"], "the busy calendar's note is another field"
    # Slots without any of it keep the old shape.
    assert set(w["w01d2"]) == {"id", "week", "day", "start", "end", "state", "task"}
    # Refused before anything is sent, with the daemon's rule.
    for args, message in [(("--minutes", "2000"), "minutes spent must be 0 to 1440"),
                          (("--note", "x" * 5000), "at most 4096 bytes")]:
        bad = daemon.ctl("done", "w01d2", *args)
        assert bad.returncode == 64 and message in bad.stderr, bad.stderr
    # Through Varlink with the daemon's own check too.
    from conftest import varlink_call
    assert varlink_call(daemon.socket, "Complete", slot="w01d2", minutes=-1)["error"] == "io.pgtrack.Tracker.InvalidTime"


def test_start_then_done_measures_the_minutes(home):
    daemon = Daemon(home)
    try:
        r = daemon.ctl("start")  # no slot runs or is left today (the plan starts in 2030): the next one
        assert r.returncode == 0 and r.stdout.startswith("Started w01d1 at "), r.stdout + r.stderr
        started = slots(daemon)["w01d1"]
        assert started["state"] == "scheduled" and started["startedAt"]
        quick = daemon.ctl_json("done", "w01d1")
        assert quick["minutesSpent"] in (0, 1)  # seconds after the start
        daemon.ctl_json("undone", "w01d1")
        daemon.ctl_json("start", "w01d2")
    finally:
        daemon.stop()
    # The start as if made 40 minutes ago: the daemon measures with its own clock.
    with sqlite3.connect(home.state_db) as db:
        db.execute("UPDATE event SET time = time - 2400 WHERE kind = 'started' AND slot = 'w01d2'")
    daemon = Daemon(home)
    try:
        r = daemon.ctl("done", "w01d2")
        assert r.returncode == 0 and r.stdout.endswith(" · 40 min since the start\n"), r.stdout + r.stderr
        assert slots(daemon)["w01d2"]["minutesSpent"] == 40
        # --minutes wins over the measure.
        daemon.ctl_json("start", "w01d3")
        assert daemon.ctl_json("done", "w01d3", "--minutes", "55")["minutesSpent"] == 55
    finally:
        daemon.stop()


def test_start_is_undone_and_refused_on_a_done_slot(daemon):
    daemon.ctl_json("start", "w01d4")
    r = daemon.ctl("undo")
    assert r.returncode == 0 and r.stdout == "Undid start of w01d4.\n"
    assert "startedAt" not in slots(daemon)["w01d4"]
    daemon.ctl_json("done", "w01d4")
    refused = daemon.ctl("start", "w01d4")
    assert refused.returncode == 1 and "w01d4 is done" in refused.stderr


def test_undo_removes_a_note(daemon):
    daemon.ctl_json("note", "w01d3", "first")
    assert daemon.ctl("note", "w01d3", "second").stdout == "Replaced the note of w01d3.\n"
    r = daemon.ctl("undo")
    assert r.returncode == 0 and r.stdout == "Undid note of w01d3.\n"
    assert slots(daemon)["w01d3"]["studyNote"] == "first"
    daemon.ctl("undo")
    assert "studyNote" not in slots(daemon)["w01d3"]
    # --clear removes it as a change of its own, undone like the others.
    daemon.ctl_json("note", "w01d3", "third")
    assert daemon.ctl("note", "w01d3", "--clear").stdout == "Removed the note of w01d3.\n"
    assert "studyNote" not in slots(daemon)["w01d3"]
    again = daemon.ctl("note", "w01d3", "--clear")
    assert again.returncode == 1 and "w01d3 has no note" in again.stderr
    daemon.ctl("undo")
    assert slots(daemon)["w01d3"]["studyNote"] == "third"
    # Undoing a noted done takes the done, its note and its minutes together.
    daemon.ctl_json("done", "w01d1", "--note", "with the done", "--minutes", "30")
    daemon.ctl("undo")
    first = slots(daemon)["w01d1"]
    assert first["state"] == "scheduled" and "studyNote" not in first and "minutesSpent" not in first


def test_note_from_standard_input_and_the_editor(daemon, tmp_path):
    r = subprocess.run([*daemon_cmd(daemon), "note", "w01d2", "-"], input="from stdin\r\nline two\n", env=ctl_env(daemon),
                       capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout == "Noted w01d2.\n", r.stderr
    assert slots(daemon)["w01d2"]["studyNote"] == "from stdin\nline two"
    # Latin-1 on standard input is refused, not sent with replacement characters.
    r = subprocess.run([*daemon_cmd(daemon), "note", "w01d2", "-"], input="caf\xe9\n".encode("latin-1"), env=ctl_env(daemon),
                       capture_output=True)
    assert r.returncode == 64 and b"not UTF-8 text; nothing changed" in r.stderr, r.stderr
    assert slots(daemon)["w01d2"]["studyNote"] == "from stdin\nline two"
    temp = tmp_path / "tmp"
    temp.mkdir()
    # The editor gets the current note in a private temporary file, and its result is the note.
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nstat -c %a "$1" > "$0.mode"\ncat "$1" > "$0.seen"\nprintf "edited\\n\\n" > "$1"\n')
    editor.chmod(0o755)
    r = daemon.ctl("note", "w01d2", "--edit", env={"EDITOR": str(editor), "VISUAL": "", "TMPDIR": str(temp)})
    assert r.returncode == 0 and r.stdout == "Replaced the note of w01d2.\n", r.stderr
    assert (tmp_path / "editor.sh.seen").read_text() == "from stdin\nline two\n"
    assert (tmp_path / "editor.sh.mode").read_text().strip() == "600"
    assert slots(daemon)["w01d2"]["studyNote"] == "edited"
    # A failing editor, or an empty file, changes nothing (as git commit aborts).
    for command, message in [("false", "the editor (false) exited with status 1; nothing changed"),
                             ("truncate -s 0", "the note is empty; nothing changed")]:
        r = daemon.ctl("note", "w01d2", "--edit", env={"EDITOR": command, "VISUAL": "", "TMPDIR": str(temp)})
        assert r.returncode == 1 and message in r.stderr, r.stderr
        assert slots(daemon)["w01d2"]["studyNote"] == "edited"
    r = daemon.ctl("note", "w01d2", "--edit", env={"EDITOR": "true", "VISUAL": "", "TMPDIR": str(temp)})
    assert r.returncode == 0 and r.stdout == "The note of w01d2 is unchanged.\n"
    assert list(temp.iterdir()) == [], "the temporary files are removed"
    # Exactly one of TEXT, --edit and --clear.
    assert daemon.ctl("note", "w01d2").returncode == 64
    assert daemon.ctl("note", "w01d2", "x", "--clear").returncode == 64


def daemon_cmd(daemon):
    from conftest import BIN
    return [str(BIN / "pgtrackctl")]


def ctl_env(daemon):
    return dict(daemon.home.env, PGTRACK_SOCKET=str(daemon.socket))


def test_the_note_is_in_the_feed_and_on_the_page(daemon):
    daemon.ctl_json("done", "w01d1", "--note", NOTE, "--minutes", "40")
    feed = daemon.home.root / "data" / "pgtrack" / "pgtrack.ics"
    import icalendar

    def description():
        cal = icalendar.Calendar.from_ical(feed.read_bytes())
        event = next(e for e in cal.walk("VEVENT") if str(e["UID"]).startswith("w01d1-"))
        return str(event["DESCRIPTION"])
    text = wait_until(lambda: "Note:" in description() and description(), what="the note in the feed")
    assert f"Done in 40 min (30 planned).\nNote: {NOTE}\nSlot w01d1" in text
    raw = feed.read_bytes().decode().replace("\r\n ", "")
    assert "Note: Read <script>alert(1)</script> & \"MVCC\"\\;\\nnext: chapter 3\\, \\\\ part 2" in raw
    # The page: escaped, and still one script of the page's own.
    page = daemon.ctl_json("feed")["page"]
    with urllib.request.urlopen(page) as response:
        html = response.read().decode()
        policy = response.headers["Content-Security-Policy"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;MVCC&quot;;\nnext: chapter 3, \\ part 2" in html
    assert html.count("<script") == 1 and "alert(1)</script>" not in html
    assert "script-src 'sha256-" in policy and "unsafe-inline" not in policy
    assert '<tr data-journal="w01d1">' in html


def test_the_page_shows_the_note_as_text_in_a_browser(daemon):
    from test_page import Watched, page_url
    chromium = pytest.importorskip("playwright.sync_api")
    from conftest import require_tool
    executable = require_tool("chromium")
    daemon.ctl_json("done", "w01d1", "--note", NOTE, "--minutes", "40")
    with chromium.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            w = Watched(browser)
            w.page.goto(page_url(daemon))
            w.page.wait_for_timeout(300)
            assert w.page.inner_text("[data-journal=w01d1] .note") == NOTE
            assert w.page.evaluate("document.scripts.length") == 1
            assert w.problems() == []  # no CSP violation, nothing ran
            # A new note arrives live.
            daemon.ctl_json("note", "w01d2", "live <b>note</b>")
            w.page.wait_for_selector("[data-journal=w01d2]", state="attached", timeout=2000)
            assert w.page.inner_text("[data-journal=w01d2] .note") == "live <b>note</b>"
            w.close()
        finally:
            browser.close()


def test_journal_text_markdown_and_json(daemon):
    daemon.ctl_json("done", "w01d1", "--note", "MVCC at last\nnext: chapter 3", "--minutes", "45")
    daemon.ctl_json("done", "w01d2")
    daemon.ctl_json("skip", "w01d3")
    daemon.ctl_json("note", "w01d3", "ill | tired")
    # Ahead of time; the skip slid the tasks, so w06d1 holds 5.5, a task of stage 1.
    assert daemon.ctl_json("done", "w06d1", "--minutes", "25")["task"]["id"] == "5.5"
    text = daemon.ctl("journal")
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0] == "Week 1 · Mon 2030-01-07 to Sun 2030-01-13"
    assert lines[1].split() == ["DATE", "SLOT", "PLANNED", "SPENT", "TASK"]
    assert lines[2].startswith("Mon 2030-01-07  w01d1  30 min   45 min  1.1 Read Chapters 1–2 of The Art of PostgreSQL")
    assert lines[3] == " " * 16 + "MVCC at last" and lines[4] == " " * 16 + "next: chapter 3"
    assert "Week 1: 2 sessions · 60 min planned · 45 min spent (1 not timed)" in lines
    assert any(line.startswith("Wed 2030-01-09  w01d3  -") and line.endswith("(skipped)") for line in lines)
    assert " " * 16 + "ill | tired" in lines
    assert lines[-6].split() == ["STAGE", "SESSIONS", "PLANNED", "SPENT"]
    assert lines[-5].startswith("Stage 1: Foundations (Weeks 1–5)  ")
    assert lines[-5].split()[-7:] == ["3", "90", "min", "70", "min", "(1", "not", "timed)"][-7:]
    assert lines[-4].split()[-5:] == ["0", "0", "min", "0", "min"]
    assert lines[-1].split() == ["Total", "3", "90", "min", "70", "min", "(1", "not", "timed)"]

    md = daemon.ctl("journal", "--format", "markdown").stdout
    assert md.startswith("# Learning log\n\n## Week 1 · Mon 2030-01-07 to Sun 2030-01-13\n")
    assert "| Mon 2030-01-07 | w01d1 | 1.1 Read Chapters 1–2 of *The Art of PostgreSQL* | 30 | 45 | MVCC at last<br>next: chapter 3 |" in md
    assert "| Wed 2030-01-09 | w01d3 | (skipped) |  |  | ill \\| tired |" in md

    doc = daemon.ctl_json("journal")
    assert [w["week"] for w in doc["weeks"]] == [1, 6]
    assert [e["slot"] for e in doc["weeks"][0]["entries"]] == ["w01d1", "w01d2", "w01d3"]
    assert doc["weeks"][0]["entries"][0]["note"] == "MVCC at last\nnext: chapter 3"
    assert [(s["number"], s["sessions"], s["spent"]) for s in doc["stages"]] == [(1, 3, 70), (2, 0, 0), (3, 0, 0), (4, 0, 0)]
    assert doc["total"] == {"sessions": 3, "planned": 90, "spent": 70, "untimed": 1}
    assert json.loads(daemon.ctl("journal", "--format", "json").stdout) == doc

    week6 = daemon.ctl_json("journal", "--week", "6")
    assert [w["week"] for w in week6["weeks"]] == [6] and [s["number"] for s in week6["stages"]] == [1]
    stage1 = daemon.ctl_json("journal", "--stage", "1")
    assert [e["slot"] for w in stage1["weeks"] for e in w["entries"]] == ["w01d1", "w01d2", "w06d1"], "a skipped slot is in no stage"
    assert daemon.ctl("journal", "--stage", "3").stdout == "Nothing in the journal for stage 3.\n"
    missing = daemon.ctl("journal", "--stage", "9")
    assert missing.returncode == 1 and "no stage 9: the plan has stages 1 to 4" in missing.stderr
    assert daemon.ctl("journal", "--week", "1", "--stage", "1").returncode == 64

    # export --format markdown: the checklist, then the same journal.
    export = daemon.ctl("export", "--format", "markdown").stdout
    assert export.startswith("# PostgreSQL Mastery Tracker") and "\n## Learning log\n\n### Week 1 · " in export
    assert export.split("## Learning log\n", 1)[1] == md.split("# Learning log\n", 1)[1].replace("\n## ", "\n### ")


def test_an_empty_journal_says_what_to_do(daemon):
    r = daemon.ctl("journal")
    assert r.returncode == 0 and r.stdout.startswith("Nothing in the journal yet: `pgtrackctl done --note TEXT")


def test_python_varlink_client_old_and_new_calls(daemon):
    import varlink
    with varlink.Client(address=f"unix:{daemon.socket}") as client:
        with client.open("io.pgtrack.Tracker", namespaced=False) as tracker:
            assert tracker.Complete("w01d1")["slot"]["state"] == "done"  # as before notes
            assert tracker.Note("w01d1", "via varlink")["slot"]["studyNote"] == "via varlink"
            assert tracker.Start("w01d2")["slot"]["startedAt"]
            done = tracker.Complete("w01d2", "noted", 12)["slot"]
            assert (done["studyNote"], done["minutesSpent"]) == ("noted", 12)
