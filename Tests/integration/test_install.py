"""What make install ships beside the binaries: man page, completions, units."""
import os
import subprocess
from pathlib import Path

from conftest import BIN, ROOT, require_tool

SUBCOMMANDS = ["status", "agenda", "next", "skip", "reschedule", "done", "undone", "snooze", "undo", "progress",
               "export", "feed", "reload", "monitor"]


def test_man_page_is_generated_from_the_commands():
    man = Path(os.environ.get("PGTRACK_MAN", ROOT / ".build" / "man")) / "pgtrackctl.1"
    text = man.read_text()
    assert ".Nm pgtrackctl" in text or "pgtrackctl" in text.splitlines()[0]
    for sub in SUBCOMMANDS:
        assert sub in text, sub
    render = subprocess.run([require_tool("man"), "-l", str(man)], capture_output=True, text=True,
                            env=dict(os.environ, MANWIDTH="100"))
    assert render.returncode == 0 and "Control the pgtrack study-plan daemon." in render.stdout


def test_completion_scripts_for_bash_zsh_and_fish(tmp_path):
    for shell in ("bash", "zsh", "fish"):
        r = subprocess.run([str(BIN / "pgtrackctl"), "--generate-completion-script", shell], capture_output=True, text=True)
        assert r.returncode == 0 and "reschedule" in r.stdout, shell
        if shell == "bash":
            script = tmp_path / "pgtrackctl.bash"
            script.write_text(r.stdout)
            check = subprocess.run([require_tool("bash"), "-n", str(script)], capture_output=True, text=True)
            assert check.returncode == 0, check.stderr


def test_make_install_and_uninstall(tmp_path):
    make = require_tool("make")
    env = dict(os.environ, HOME=str(tmp_path))
    prefix = tmp_path / "prefix"
    units = tmp_path / "units"
    build = f"BUILD_DIR={os.environ.get('PGTRACK_BUILD_DIR', '.build')}"
    r = subprocess.run([make, "-C", str(ROOT), "install-files", f"PREFIX={prefix}", f"UNITDIR={units}", build],
                       env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    for path in ["bin/pgtrackd", "bin/pgtrackctl", "share/man/man1/pgtrackctl.1",
                 "share/bash-completion/completions/pgtrackctl", "share/doc/pgtrack/pgtrack.toml"]:
        assert (prefix / path).exists(), path
    service = (units / "pgtrackd.service").read_text()
    assert f"ExecStart={prefix}/bin/pgtrackd" in service and "@" not in service.split("ExecStart=")[1].split()[0]
    assert "systemctl --user enable --now pgtrackd.socket" in r.stdout
    r = subprocess.run([make, "-C", str(ROOT), "uninstall", f"PREFIX={prefix}", f"UNITDIR={units}"],
                       env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert not (prefix / "bin" / "pgtrackd").exists() and not (units / "pgtrackd.service").exists()
