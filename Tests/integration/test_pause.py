"""pgtrackctl pause / resume: the paused slots in agenda, the feed and the API; undo."""
from conftest import Daemon


def states(daemon, week):
    return {s["id"]: s["state"] for s in daemon.ctl_json("agenda", "--week", str(week))}


def test_pause_undo_and_resume(home):
    daemon = Daemon(home)
    try:
        before = {s["id"]: s["task"] for s in daemon.ctl_json("agenda", "--all")}
        r = daemon.ctl("pause", "2030-01-14", "2030-01-15", "--reason", "conference")
        assert r.returncode == 0, r.stderr
        assert r.stdout == "Paused 2030-01-14 to 2030-01-15: w02d1, w02d2. Their tasks moved on.\n"
        assert states(daemon, 2) == {"w02d1": "paused", "w02d2": "paused", "w02d3": "scheduled", "w02d4": "scheduled",
                                     "w02d5": "scheduled"}
        after = {s["id"]: s["task"] for s in daemon.ctl_json("agenda", "--all")}
        assert after["w02d3"] == before["w02d1"]  # the tasks slid on
        text = daemon.ctl("agenda", "--week", "2").stdout
        assert "w02d1" in text and "paused" in text and "(paused)" in text
        # The feed: each paused slot CANCELLED and transparent, saying why.
        feed = (home.root / "data" / "pgtrack" / "pgtrack.ics").read_bytes().decode()
        event = feed.split("UID:w02d1-20300107@pgtrack\r\n")[1].split("END:VEVENT")[0]
        assert "STATUS:CANCELLED\r\n" in event and "TRANSP:TRANSPARENT\r\n" in event
        assert "Paused (conference)" in event.replace("\r\n ", "")
        # undo reverts it.
        assert daemon.ctl_json("undo")["kind"] == "pause"
        assert set(states(daemon, 2).values()) == {"scheduled"}
        # A plan week; then resume (today is before the plan: every pause from today on ends).
        assert daemon.ctl("pause", "--week", "3").returncode == 0
        assert set(states(daemon, 3).values()) == {"paused"}
        assert daemon.ctl_json("resume")["slots"][0]["id"] == "w03d1"
        assert set(states(daemon, 3).values()) == {"scheduled"}
        r = daemon.ctl("resume")
        assert r.returncode == 1 and "no pause is in effect" in r.stderr
        r = daemon.ctl("pause", "2020-01-01")
        assert r.returncode == 1 and "a pause must not end before today" in r.stderr
        assert daemon.ctl("pause", "2030-01-14", "--week", "2").returncode == 64
    finally:
        daemon.stop()
