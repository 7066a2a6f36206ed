"""The feed and the vdir written by pgtrackd, read by independent clients."""
import http.server
import signal
import subprocess
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from conftest import FIXED, Home, require_tool, vdirsyncer_pull, wait_for_path

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """Runs pgtrackd once on the default plan from 2027-01-04 (Berlin) with a vdir."""
    root = tmp_path_factory.mktemp("published")
    home = Home(root)
    vdir = root / "vdir"
    home.write_config(FIXED + f'[calendar]\nvdir = "{vdir}"\n')
    table = home.run("pgtrackd", "--print-schedule")
    assert table.returncode == 0, table.stderr
    p = home.start("pgtrackd")
    feed = root / "data" / "pgtrack" / "pgtrack.ics"
    try:
        wait_for_path(feed)
        deadline = time.time() + 10
        while len(list(vdir.glob("*.ics"))) < 100 and time.time() < deadline:
            time.sleep(0.05)
    finally:
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=10) == 0
    slots = {}
    for line in table.stdout.splitlines():
        if line.startswith("w"):
            f = line.split()
            start, end = f[3].split("–")
            day = datetime.strptime(f[2], "%Y-%m-%d").date()
            slots[f[0]] = {
                "start": datetime.combine(day, datetime.strptime(start, "%H:%M").time(), BERLIN),
                "end": datetime.combine(day, datetime.strptime(end, "%H:%M").time(), BERLIN),
                "state": f[4],
                "title": line.split(None, 6)[6],
            }
    return {"feed": feed, "vdir": vdir, "slots": slots, "root": root}


def test_python_icalendar_reads_every_slot(published):
    import icalendar
    icalendar.Component.ignore_exceptions = False
    cal = icalendar.Calendar.from_ical(published["feed"].read_bytes())
    events = list(cal.walk("VEVENT"))
    slots = published["slots"]
    assert len(events) == len(slots) == 100
    assert cal["X-WR-CALNAME"].startswith("PostgreSQL Mastery Tracker")
    assert "METHOD" not in cal
    for e in events:
        uid = str(e["UID"])
        slot_id = uid.split("-")[0]
        s = slots[slot_id]
        assert uid == f"{slot_id}-20270104@pgtrack"
        assert e.decoded("DTSTART").astimezone(timezone.utc) == s["start"].astimezone(timezone.utc), slot_id
        assert e.decoded("DTEND").astimezone(timezone.utc) == s["end"].astimezone(timezone.utc), slot_id
        assert str(e["STATUS"]) == ("TENTATIVE" if s["state"] == "catch-up" else "CONFIRMED")
        assert str(e["SUMMARY"]).endswith(s["title"]), slot_id
        assert e["DTSTART"].params["TZID"] == "Europe/Berlin"


def khal_config(root: Path, path: Path) -> Path:
    conf = root / f"khal-{path.name}.conf"
    conf.write_text(f"""
[calendars]
[[study]]
path = {path}
type = calendar
[locale]
timeformat = %H:%M
dateformat = %Y-%m-%d
longdateformat = %Y-%m-%d
datetimeformat = %Y-%m-%d %H:%M
longdatetimeformat = %Y-%m-%d %H:%M
local_timezone = Europe/Berlin
default_timezone = Europe/Berlin
""")
    return conf


def khal_list(conf: Path):
    khal = require_tool("khal")
    r = subprocess.run([khal, "-c", str(conf), "list", "--format", "{start} {end} {title}", "--day-format", "",
                        "2027-03-24", "7d"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return [l for l in r.stdout.splitlines() if l.strip()]


# Slots on both sides of the 2027-03-28 DST change in Berlin, all at 18:00 local.
AROUND_DST = [("2027-03-24", "w12d3"), ("2027-03-25", "w12d4"), ("2027-03-26", "w12d5"),
              ("2027-03-29", "w13d1"), ("2027-03-30", "w13d2")]


def check_around_dst(lines, slots):
    assert len(lines) == len(AROUND_DST), lines
    for line, (day, slot_id) in zip(lines, AROUND_DST):
        assert line.startswith(f"{day} 18:00 {day} 18:30 PostgreSQL · "), line
        assert slots[slot_id]["title"] in line


def test_khal_reads_the_vdir(published):
    check_around_dst(khal_list(khal_config(published["root"], published["vdir"])), published["slots"])


def test_khal_imports_the_feed(published, tmp_path):
    khal = require_tool("khal")
    target = tmp_path / "imported"
    target.mkdir()
    conf = khal_config(tmp_path, target)
    r = subprocess.run([khal, "-c", str(conf), "import", "--batch", "-a", "study", str(published["feed"])],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert len(list(target.glob("*.ics"))) == 100
    check_around_dst(khal_list(conf), published["slots"])


def test_calcurse_imports_the_feed(published, tmp_path):
    calcurse = require_tool("calcurse")
    data = tmp_path / "calcurse"
    data.mkdir()
    env = {"TZ": "Europe/Berlin", "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    r = subprocess.run([calcurse, "-D", str(data), "-i", str(published["feed"])], env=env,
                       capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stdout + r.stderr
    q = subprocess.run([calcurse, "-D", str(data), "--input-datefmt", "4", "-Q", "--filter-type", "apt",
                        "--from", "2027-03-24", "--days", "7",
                        "--format-apt", "%(start:%Y-%m-%d %H:%M) %(end:%H:%M) %m\\n"],
                       env=env, capture_output=True, text=True, timeout=60)
    assert q.returncode == 0, q.stderr
    import re
    lines = [l.strip() for l in q.stdout.splitlines() if re.match(r"\s*\d{4}-", l)]
    assert len(lines) == len(AROUND_DST), q.stdout
    for line, (day, slot_id) in zip(lines, AROUND_DST):
        assert line.startswith(f"{day} 18:00 18:30 PostgreSQL · "), line
    everything = subprocess.run([calcurse, "-D", str(data), "--input-datefmt", "4", "-Q", "--filter-type", "apt",
                                 "--from", "2027-01-01",
                                 "--days", "200", "--format-apt", "%(start:%Y-%m-%d %H:%M)\\n"],
                                env=env, capture_output=True, text=True, timeout=60)
    starts = [l.strip() for l in everything.stdout.splitlines() if re.match(r"\s*\d{4}-", l)]
    assert len(starts) == 100
    assert all(s.endswith("18:00") for s in starts)


def test_vdirsyncer_subscribes_over_http(published, tmp_path):
    directory = str(published["feed"].parent)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=directory, **kw)

        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        local = vdirsyncer_pull(tmp_path, f'type = "http"\nurl = "http://127.0.0.1:{server.server_address[1]}/pgtrack.ics"')
        files = list(local.glob("*.ics"))
        assert len(files) == 100
        # vdirsyncer's http storage always replaces UIDs with content hashes (its
        # _ignore_uids), so compare what each event says instead.
        import icalendar

        def keyed(events):
            return sorted((str(e["DTSTART"].to_ical()), str(e["SUMMARY"])) for e in events)
        synced = [e for f in files for e in icalendar.Calendar.from_ical(f.read_bytes()).walk("VEVENT")]
        original = icalendar.Calendar.from_ical(published["feed"].read_bytes()).walk("VEVENT")
        assert keyed(synced) == keyed(original)
    finally:
        server.shutdown()
