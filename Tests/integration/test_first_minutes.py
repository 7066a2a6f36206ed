"""What a new user meets in the first minutes (issue 27): refusals that name the way
forward, a start-up that says what to do next, and a clean stop. Golden texts, with a
plan that starts in 2030 so that "today" has no slot whatever the date."""
import os
import re
import signal
import subprocess

from conftest import BIN, FUTURE, Daemon, wait_until


def test_done_before_the_plan_starts_names_the_next_slot(daemon):
    r = daemon.ctl("done")
    assert r.returncode == 1
    assert r.stderr == ("pgtrackctl: no slot today; the next is w01d1 on Mon 2030-01-07 18:00–18:30 "
                        "(`pgtrackctl done next` marks it done ahead of time)\n")
    r = daemon.ctl("skip", "today")
    assert r.returncode == 1 and r.stderr.endswith("(`pgtrackctl skip next` skips it)\n"), r.stderr
    assert daemon.ctl("done", "next").returncode == 0


def test_undone_of_an_open_slot_says_what_it_is(daemon):
    r = daemon.ctl("undone", "w01d1")
    assert r.returncode == 1
    assert r.stderr == ("pgtrackctl: w01d1 is not done: it is scheduled, Mon 2030-01-07 18:00–18:30; "
                        "nothing to reopen (`pgtrackctl done w01d1` marks it done)\n")


def test_snooze_with_nothing_near_refuses_and_names_the_next_slot(daemon):
    r = daemon.ctl("snooze", "15m")
    assert r.returncode == 1
    assert r.stderr == ("pgtrackctl: nothing to snooze: no slot is running or starts within the hour; "
                        "the next is w01d1 on Mon 2030-01-07 18:00–18:30\n")


def test_start_up_says_where_the_urls_are_and_a_stop_removes_the_socket(home):
    daemon = Daemon(home)
    assert daemon.socket.exists()
    daemon.process.send_signal(signal.SIGINT)
    daemon.process.wait(timeout=10)
    log = daemon.process.stderr.read()
    assert "under a secret path; `pgtrackctl feed` gives their URLs" in log, log
    assert "pgtrackd: [pgtrackd]" not in log and "  from" not in log
    assert re.search(r"^\S+ info ready: ", log, re.M), log
    assert not daemon.socket.exists()


def test_a_pause_is_logged_without_a_double_space(daemon):
    assert daemon.ctl("pause", "2030-02-04", "2030-02-08").returncode == 0
    daemon.stop()
    log = daemon.process.stderr.read()
    assert "info pause from control" in log, log


def test_a_daemon_without_xdg_runtime_dir_is_found(home, tmp_path):
    env = dict(home.env)
    env.pop("XDG_RUNTIME_DIR")
    home.write_config(FUTURE)
    process = subprocess.Popen([str(BIN / "pgtrackd")], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    fallback = f"/tmp/pgtrack-{os.getuid()}/control.sock"
    try:
        wait_until(lambda: os.path.exists(fallback), what="the fallback socket")
        r = subprocess.run([str(BIN / "pgtrackctl"), "status"], env=home.env, capture_output=True, text=True, timeout=30)
        assert r.returncode == 69
        assert f"but a pgtrackd is listening at {fallback}: it was started without XDG_RUNTIME_DIR" in r.stderr, r.stderr
        assert f"pgtrackctl --socket {fallback}" in r.stderr
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
