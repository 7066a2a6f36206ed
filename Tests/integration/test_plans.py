"""Several plans side by side: `pgtrackd --plan NAME` beside the default instance, each
with its own config, ledger, feed, socket and HTTP port; `pgtrackctl plans` finds both."""
import json
import subprocess
from pathlib import Path

from conftest import BIN, FUTURE, Daemon

GO_PLAN = "# Learn Go\n\n### Week 1\n- [ ] Tour of Go\n- [ ] Effective Go\n\n### Week 2\n- [ ] Write a CLI\n"


def ctl(home, *args, env=None):
    """pgtrackctl with the home's environment only (no PGTRACK_SOCKET): it finds sockets itself."""
    e = dict(home.env, **(env or {}))
    e.pop("PGTRACK_SOCKET", None)
    return subprocess.run([str(BIN / "pgtrackctl"), *args], env=e, capture_output=True, text=True, timeout=30)


def go_plan_config(home):
    """The go plan's file and config (NAME.toml); returns the runtime folder of the sockets."""
    plan = home.root / "go.md"
    plan.write_text(GO_PLAN)
    config_dir = Path(home.env["XDG_CONFIG_HOME"]) / "pgtrack"
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "go.toml").write_text(FUTURE.replace('[plan]\n', f'[plan]\nfile = "{plan}"\n'))
    return Path(home.env["XDG_RUNTIME_DIR"]) / "pgtrack"


def test_two_instances_side_by_side(home):
    runtime = go_plan_config(home)
    default = Daemon(home)
    go = Daemon(home, FUTURE, args=("--plan", "go"), socket=runtime / "go.sock")
    try:
        assert ctl(home, "status", "--json").returncode == 0
        mine = json.loads(ctl(home, "status", "--json").stdout)
        theirs = json.loads(ctl(home, "status", "--plan", "go", "--json").stdout)
        assert mine["plan"].startswith("PostgreSQL") and mine["total"] == 90
        assert theirs["plan"] == "Learn Go" and theirs["total"] == 3
        assert json.loads(ctl(home, "status", "--json", env={"PGTRACK_PLAN": "go"}).stdout)["plan"] == "Learn Go"
        # Each its own ledger, feed and HTTP port.
        assert ctl(home, "skip", "w01d1", "--plan", "go").returncode == 0
        assert json.loads(ctl(home, "agenda", "--week", "1", "--json").stdout)[0]["state"] == "scheduled"
        data, state = Path(home.env["XDG_DATA_HOME"]) / "pgtrack", Path(home.env["XDG_STATE_HOME"]) / "pgtrack"
        assert (state / "go.sqlite").exists() and (state / "pgtrack.sqlite").exists()
        assert "Learn Go" in (data / "go.ics").read_bytes().decode() and "Learn Go" not in (data / "pgtrack.ics").read_bytes().decode()
        urls = {json.loads(ctl(home, "feed", "--json", *a).stdout)["url"] for a in ((), ("--plan", "go"))}
        assert len(urls) == 2 and all(u and u.endswith("/pgtrack.ics") for u in urls)
        assert (state / "go.http-token").exists() and (state / "http-token").exists()
        # pgtrackctl plans: both, running, with their status lines.
        plans = json.loads(ctl(home, "plans", "--json").stdout)
        assert [(p["plan"], p["running"]) for p in plans] == [(None, True), ("go", True)]
        assert plans[1]["socket"] == str(runtime / "go.sock") and plans[1]["config"] == str(Path(home.env["XDG_CONFIG_HOME"]) / "pgtrack" / "go.toml")
        text = ctl(home, "plans").stdout
        assert "(default)" in text and "go" in text and "running" in text
        go.stop()
        plans = json.loads(ctl(home, "plans", "--json").stdout)
        assert [(p["plan"], p["running"]) for p in plans] == [(None, True), ("go", False)]
    finally:
        go.stop()
        default.stop()


def test_plan_names_are_checked(home):
    for bad in ("Go", "a_b", "x" * 33, "pgtrack", "control", ""):
        r = home.run("pgtrackd", "--plan", bad)
        assert r.returncode == 64, (bad, r.stderr)
        assert "plan" in r.stderr
    r = ctl(home, "status", "--plan", "Go")
    assert r.returncode == 64 and "a plan name is 1 to 32 of a-z, 0-9 and '-'" in r.stderr
    r = ctl(home, "status", "--plan", "nothere")
    assert r.returncode == 69 and "pgtrackd@nothere.socket" in r.stderr and "pgtrackd --plan nothere" in r.stderr


def test_a_bad_plan_name_reaches_no_plan(home):
    # Issue 23, finding 5: an invalid PGTRACK_PLAN was ignored by pgtrackctl, which then
    # skipped in the default plan; and pgtrackd took `-`, `--` and `-a` for names.
    default = Daemon(home)
    try:
        for bad in ("Rust", "../x", "-a"):
            for args in (("skip", "w01d1"), ("status",), ()):
                r = ctl(home, *args, env={"PGTRACK_PLAN": bad})
                assert r.returncode == 64 and "PGTRACK_PLAN" in r.stderr, (bad, args, r.stderr)
        assert all(s["state"] != "skipped" for s in json.loads(ctl(home, "agenda", "--all", "--json").stdout))
        assert ctl(home, "status", env={"PGTRACK_PLAN": ""}).returncode == 0  # empty: the default plan
    finally:
        default.stop()
    for bad in ("-", "--", "-a", "-x-"):
        r = home.run("pgtrackd", "--plan=" + bad)
        assert r.returncode == 64 and "starting with a letter or digit" in r.stderr, (bad, r.stderr)
    state = Path(home.env["XDG_STATE_HOME"]) / "pgtrack"
    assert not list(state.glob("-*"))


def test_global_options_before_the_subcommand(home):
    # Issue 22: the README's `pgtrackctl --plan rust status` exited 64.
    runtime = go_plan_config(home)
    go = Daemon(home, FUTURE, args=("--plan", "go"), socket=runtime / "go.sock")
    try:
        for args in (("--plan", "go", "status", "--json"), ("--plan=go", "--json", "status"), ("--json", "--plan", "go"),
                     ("--socket", str(runtime / "go.sock"), "--json", "status")):
            r = ctl(home, *args)
            assert r.returncode == 0 and json.loads(r.stdout)["plan"] == "Learn Go", (args, r.stderr)
        r = ctl(home, "--plan", "go", "skip", "w01d1")
        assert r.returncode == 0, r.stderr
        assert json.loads(ctl(home, "--plan", "go", "--json", "agenda", "--week", "1").stdout)[0]["state"] == "skipped"
        r = ctl(home, "--plan", "Go", "status")
        assert r.returncode == 64, r.stderr
    finally:
        go.stop()
