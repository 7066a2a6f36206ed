"""The feed reads everywhere: a standing matrix of independent iCalendar parsers.

Every parser installable here reads every variant — the feed file, the same bytes
served over HTTP, and one vdir file, of a plan after a skip, a done and a reschedule
across a DST change, with a task title full of `;,\\"` and emoji — and what it reports
is compared field by field with the schedule pgtrackd serves (`export --format json`):
count, UID, start and end in UTC, status, summary. A parser that cannot express a field
is compared on the fields it has; none may fail. Evolution Data Server reads the served
feed in test_evolution.py.

The matrix is data: PARSERS below, one row per parser (its name, the fields it
reports, how to run it). Adding a parser is adding a row.
"""
import json
import os
import shutil
import signal
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest

from conftest import BIN, Home, require_tool, vdirsyncer_pull, wait_for_path

HERE = Path(__file__).parent
TITLE = 'Ünïcode; "quoted", plan 🐘'
TRICKY = 'Semi;colon, comma "quote" \\ back\\slash 🐘 emoji'
PLAN = f"""# {TITLE}

### Week 1
- [ ] {TRICKY}
- [ ] Second task
- [ ] Third task
- [ ] Fourth task

### Week 2
- [ ] Fifth task
- [ ] Sixth task
"""
# Week 1 is the week before Europe's 2027 spring change (Sunday 28 March).
CONFIG = """[plan]
file = "{plan}"
start = "2027-03-22"
[schedule]
timezone = "Europe/Berlin"
[calendar]
vdir = "{vdir}"
[http]
listen = "127.0.0.1:0"
"""


@pytest.fixture(scope="module")
def feeds(tmp_path_factory):
    root = tmp_path_factory.mktemp("interop")
    home = Home(root / "home")
    plan, vdir = root / "plan.md", root / "vdir"
    plan.write_text(PLAN)
    home.write_config(CONFIG.format(plan=plan, vdir=vdir))
    daemon = home.start("pgtrackd")
    sock = Path(home.env["XDG_RUNTIME_DIR"]) / "pgtrack" / "control.sock"
    feed = root / "home" / "data" / "pgtrack" / "pgtrack.ics"
    env = dict(home.env, PGTRACK_SOCKET=str(sock))

    def ctl(*args):
        r = subprocess.run([str(BIN / "pgtrackctl"), *args], env=env, capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        return r.stdout

    try:
        wait_for_path(sock)
        ctl("skip", "w01d2", "--reason", 'dentist; "urgent", sorry')
        ctl("done", "w01d1")
        ctl("reschedule", "w01d5", "2027-03-29 07:00")  # Friday CET -> Monday CEST
        expected = json.loads(ctl("export", "--format", "json"))
        import time
        deadline = time.time() + 10
        while time.time() < deadline and b"20270329T070000" not in feed.read_bytes():
            time.sleep(0.05)
        import urllib.request
        served = root / "served.ics"
        served.write_bytes(urllib.request.urlopen(json.loads(ctl("feed", "--json"))["url"], timeout=10).read())
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=10)
    variants = {"feed": feed, "vdir file": vdir / "w01d5-20270322@pgtrack.ics", "served over HTTP": root / "served.ics"}
    return {"variants": variants, "slots": expected["slots"], "root": root}


# MARK: - What each parser reports: dicts with some of uid, start, end (UTC datetimes),
# status (RFC 5545 word) and summary.

def utc(dt):
    return dt.astimezone(timezone.utc).replace(microsecond=0)


def utc_minute(text):
    """`2027-03-22T17:00`, as khal and calcurse print a time with TZ=UTC."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M").replace(tzinfo=timezone.utc)


def read_libical(path, work):
    cc = require_tool("cc")
    binary = work / "libical_read"
    if not binary.exists():
        flags = subprocess.run(["pkg-config", "--cflags", "--libs", "libical"], capture_output=True, text=True, check=True).stdout.split()
        subprocess.run([cc, "-O1", "-o", str(binary), str(HERE / "interop" / "libical_read.c"), *flags], check=True)
    out = subprocess.run([str(binary), str(path)], capture_output=True, text=True, check=True).stdout
    events = []
    for line in out.splitlines():
        uid, start, end, status, summary = line.split("\t", 4)
        events.append({"uid": uid, "start": datetime.fromtimestamp(int(start), timezone.utc),
                       "end": datetime.fromtimestamp(int(end), timezone.utc), "status": status, "summary": summary})
    return events


def read_icalendar(path, work):
    import icalendar
    icalendar.Component.ignore_exceptions = False  # strict: any property it cannot parse fails
    cal = icalendar.Calendar.from_ical(path.read_bytes())
    return [{"uid": str(e["UID"]), "start": utc(e.decoded("DTSTART")), "end": utc(e.decoded("DTEND")),
             "status": str(e["STATUS"]), "summary": str(e["SUMMARY"])} for e in cal.walk("VEVENT")]


def read_vobject(path, work):
    import vobject
    cal = vobject.readOne(path.read_text(encoding="utf-8"))
    return [{"uid": e.uid.value, "start": utc(e.dtstart.value), "end": utc(e.dtend.value),
             "status": e.status.value, "summary": e.summary.value} for e in cal.vevent_list]


def read_ics(path, work):
    import ics
    cal = ics.Calendar(path.read_text(encoding="utf-8"))
    return [{"uid": e.uid, "start": utc(e.begin.datetime), "end": utc(e.end.datetime),
             "status": e.status, "summary": e.name} for e in cal.events]


def read_recurring(path, work):
    import icalendar
    import recurring_ical_events
    cal = icalendar.Calendar.from_ical(path.read_bytes())
    found = recurring_ical_events.of(cal).between(datetime(2027, 1, 1, tzinfo=timezone.utc), datetime(2028, 1, 1, tzinfo=timezone.utc))
    return [{"uid": str(e["UID"]), "start": utc(e["DTSTART"].dt), "end": utc(e["DTEND"].dt), "status": str(e["STATUS"]),
             "summary": str(e["SUMMARY"])} for e in found]


def khal_conf(work, target):
    conf = work / f"khal-{target.name}.conf"
    conf.write_text(f"[calendars]\n[[study]]\npath = {target}\ntype = calendar\n[locale]\n"
                    "timeformat = %H:%M\ndateformat = %Y-%m-%d\nlongdateformat = %Y-%m-%d\n"
                    "datetimeformat = %Y-%m-%dT%H:%M\nlongdatetimeformat = %Y-%m-%dT%H:%M\n"
                    "local_timezone = UTC\ndefault_timezone = UTC\n")
    return conf


def read_khal(path, work):
    khal = require_tool("khal")
    target = work / f"khal-{path.stem}"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir()
    conf = khal_conf(work, target)
    r = subprocess.run([khal, "-c", str(conf), "import", "--batch", "-a", "study", str(path)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([khal, "-c", str(conf), "list", "--format", "{uid}\t{start}\t{end}\t{status}\t{title}", "--day-format", "",
                        "2027-01-01", "365d"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    events = []
    for line in r.stdout.splitlines():
        if not line.strip():
            continue
        uid, start, end, status, title = line.split("\t", 4)
        # khal shows a cancelled event's status as the word CANCELLED and nothing for others.
        events.append({"uid": uid, "start": utc_minute(start), "end": utc_minute(end), "summary": title,
                       **({"status": "CANCELLED"} if status.strip() == "CANCELLED" else {})})
    return events


def read_calcurse(path, work):
    calcurse = require_tool("calcurse")
    import re
    data = work / f"calcurse-{path.stem}"
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir()
    env = {"TZ": "UTC", "HOME": str(work), "PATH": "/usr/bin:/bin"}
    r = subprocess.run([calcurse, "-D", str(data), "-i", str(path)], env=env, capture_output=True, text=True, timeout=60,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stdout + r.stderr
    q = subprocess.run([calcurse, "-D", str(data), "--input-datefmt", "4", "-Q", "--filter-type", "apt", "--from", "2027-01-01",
                        "--days", "365", "--format-apt", "%(start:%Y-%m-%dT%H:%M)\t%(end:%Y-%m-%dT%H:%M)\t%m\\n"],
                       env=env, capture_output=True, text=True, timeout=60)
    assert q.returncode == 0, q.stderr
    events = []
    for line in q.stdout.splitlines():
        line = line.strip()
        if not re.match(r"\d{4}-", line):
            continue
        start, end, summary = line.split("\t", 2)
        events.append({"start": utc_minute(start), "end": utc_minute(end), "summary": summary})
    return events


def read_vdirsyncer(path, work):
    base = work / f"vdirsyncer-{path.stem}"
    shutil.rmtree(base, ignore_errors=True)
    local = vdirsyncer_pull(base, f'type = "singlefile"\npath = "{path}"')
    events = []
    for f in sorted(local.glob("*.ics")):
        events += read_icalendar(f, work)
    return events


# name, fields it can report, how to run it
PARSERS = [
    ("libical", {"uid", "start", "end", "status", "summary"}, read_libical),
    ("icalendar (strict)", {"uid", "start", "end", "status", "summary"}, read_icalendar),
    ("vobject", {"uid", "start", "end", "status", "summary"}, read_vobject),
    ("ics (ics.py)", {"uid", "start", "end", "status", "summary"}, read_ics),
    ("recurring-ical-events", {"uid", "start", "end", "status", "summary"}, read_recurring),
    ("khal", {"uid", "start", "end", "status", "summary"}, read_khal),
    ("calcurse -i", {"start", "end", "summary"}, read_calcurse),
    ("vdirsyncer (singlefile)", {"uid", "start", "end", "status", "summary"}, read_vdirsyncer),
]

STATUS = {"skipped": "CANCELLED", "catch-up": "TENTATIVE"}


def expected_events(slots, variant):
    wanted = [s for s in slots if variant != "vdir file" or s["id"] == "w01d5"]
    out = []
    for s in wanted:
        parse = lambda t: utc(datetime.fromisoformat(t))
        out.append({"uid": f"{s['id']}-20270322@pgtrack", "start": parse(s["start"]), "end": parse(s["end"]),
                    "status": STATUS.get(s["state"], "CONFIRMED"), "slot": s})
    return sorted(out, key=lambda e: e["uid"])


def summary_matches(summary, slot):
    """The summary names the plan, the week and what the slot holds."""
    if not summary.startswith(f"Ünïcode · W{slot['week']} · "):
        return False
    if slot["state"] == "skipped":
        return summary.endswith("(skipped)")
    if slot["task"]:
        return slot["task"]["title"] in summary and summary.endswith(" (done)") == (slot["state"] == "done")
    return summary.endswith(f"Catch-up: Week {slot['week']}")


@pytest.mark.parametrize("variant", ["feed", "vdir file", "served over HTTP"])
@pytest.mark.parametrize("name,fields,read", PARSERS, ids=[p[0] for p in PARSERS])
def test_every_parser_reads_every_variant(feeds, tmp_path, variant, name, fields, read):
    path = feeds["variants"][variant]
    got = read(path, tmp_path)
    want = expected_events(feeds["slots"], variant)
    assert len(got) == len(want), f"{name} read {len(got)} events of {len(want)}"
    # Match by UID where the parser has it, else by start time.
    key = (lambda e: e["uid"]) if "uid" in fields else (lambda e: (e["start"], e["summary"]))
    got = sorted(got, key=key)
    want = sorted(want, key=(lambda e: e["uid"]) if "uid" in fields else (lambda e: (e["start"], e["slot"]["id"])))
    for g, w in zip(got, want):
        slot = w["slot"]
        if "uid" in fields:
            assert g["uid"] == w["uid"], (name, g, w)
        assert g["start"] == w["start"] and g["end"] == w["end"], (name, slot["id"], g, w)
        if "status" in fields and name != "khal":
            assert g["status"] == w["status"], (name, slot["id"], g["status"])
        if name == "khal":
            assert ("status" in g) == (w["status"] == "CANCELLED"), (name, slot["id"])
        assert summary_matches(g["summary"], slot), (name, slot["id"], g["summary"])


def test_the_tricky_title_and_the_dst_move_survive(feeds):
    """The parsers above agree; here the two hard cases are pinned once."""
    events = {e["uid"]: e for e in read_icalendar(feeds["variants"]["feed"], feeds["root"])}
    first = events["w01d1-20270322@pgtrack"]
    assert TRICKY in first["summary"] and first["summary"].endswith("(done)")
    moved = events["w01d5-20270322@pgtrack"]
    assert moved["start"] == datetime(2027, 3, 29, 5, 0, tzinfo=timezone.utc)  # 07:00 CEST
