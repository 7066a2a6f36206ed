"""Crash durability: pgtrackd killed with SIGKILL in the middle of a stream of changes.

After every restart: each change that got a reply is in the ledger, the schedule is the
one those changes give, the database is sound, and the feed on disk is whole.
"""
import os
import random
import signal
import sqlite3
import threading
import time

import pytest

from conftest import Daemon, Home, varlink_call

TRIALS = int(os.environ.get("PGTRACK_CRASH_TRIALS", "25"))
CHANGE_KINDS = ("skip", "done", "reopen", "reschedule", "undo")


def random_call(rng):
    week, day = rng.randint(1, 20), rng.randint(1, 5)
    slot = f"w{week:02d}d{day}"
    kind = rng.choice(["Skip", "Complete", "Reopen", "Reschedule", "Undo"])
    if kind == "Undo":
        return kind, {}
    if kind == "Reschedule":
        # Saturdays of 2031: far from every plan slot, so most moves are accepted.
        hour = rng.randint(6, 20)
        return kind, {"slot": slot, "start": f"2031-0{rng.randint(1, 9)}-0{rng.randint(1, 9)}T{hour:02d}:00:00+00:00"}
    return kind, {"slot": slot}


def ledger_changes(db_path):
    db = sqlite3.connect(db_path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return [(r[0], r[1]) for r in db.execute(
            "SELECT id, kind FROM event WHERE kind IN ('skip','done','reopen','reschedule','undo') ORDER BY id")]
    finally:
        db.close()


def check_feed(home, slots):
    feed = home.root / "data" / "pgtrack" / "pgtrack.ics"
    if not feed.exists():
        return
    data = feed.read_bytes()
    assert data.startswith(b"BEGIN:VCALENDAR\r\n") and data.endswith(b"END:VCALENDAR\r\n"), "a truncated feed"
    if slots is not None:
        assert data.count(b"BEGIN:VEVENT") == len(slots)


def test_acknowledged_changes_survive_sigkill(home):
    rng = random.Random(int(os.environ.get("PGTRACK_CRASH_SEED", "20261124")))
    daemon = Daemon(home)
    acked_total = 0
    kinds = {"Skip": "skip", "Complete": "done", "Reopen": "reopen", "Reschedule": "reschedule", "Undo": "undo"}
    try:
        for trial in range(TRIALS):
            prior = len(ledger_changes(home.state_db))
            acked = []
            stop = threading.Event()

            def client():
                while not stop.is_set():
                    kind, params = random_call(rng)
                    try:
                        reply = varlink_call(daemon.socket, kind, timeout=2.0, **params)
                    except (OSError, ConnectionError, ValueError):
                        return  # the daemon died under us
                    if "error" not in reply:
                        acked.append(kind)
            t = threading.Thread(target=client)
            t.start()
            time.sleep(rng.uniform(0.05, 0.4))
            daemon.process.send_signal(signal.SIGKILL)
            daemon.process.wait()
            stop.set()
            t.join(timeout=10)
            before = ledger_changes(home.state_db)
            check_feed(home, None)
            # Restart on the same state.
            daemon = Daemon(home)
            changes = ledger_changes(home.state_db)
            assert changes == before, "the restart changed the ledger"
            acked_total += len(acked)
            # Every acknowledged change is there, in order; at most one more was committed
            # when the kill came, before its reply went out.
            new = [k for _, k in changes[prior:]]
            expected = [kinds[a] for a in acked]
            assert new[:len(expected)] == expected and len(new) - len(expected) in (0, 1), \
                f"trial {trial}: acknowledged {expected}, the ledger has {new}"
            slots = daemon.ctl_json("agenda", "--all")
            check_feed(home, slots)
            # The schedule served after the crash is the one the recorded changes give:
            # a fresh daemon on a copy of the ledger computes the same slots.
            replica = Home(home.root / f"replica-{trial}")
            import shutil
            (replica.root / "state" / "pgtrack").mkdir(parents=True)
            db = sqlite3.connect(home.state_db)
            db.execute(f"VACUUM INTO '{replica.root / 'state' / 'pgtrack' / 'pgtrack.sqlite'}'")
            db.close()
            other = Daemon(replica)
            try:
                assert other.ctl_json("agenda", "--all") == slots
            finally:
                other.stop()
                shutil.rmtree(replica.root, ignore_errors=True)
    finally:
        daemon.stop()
    assert acked_total > TRIALS, f"only {acked_total} changes were acknowledged in {TRIALS} trials"
    print(f"{acked_total} acknowledged changes over {TRIALS} kills")
