"""The Debian package and the tarball (make deb, make tarball): built, checked by lintian,
unpacked, and run from where they unpack; the binaries' linkage."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from conftest import BIN, FUTURE, ROOT, require_tool

BUILD_DIR = os.environ.get("PGTRACK_BUILD_DIR", ".build")
UNITS = ["pgtrackd.service", "pgtrackd.socket", "pgtrackd@.service", "pgtrackd@.socket"]
# The glibc the tarball's install.sh asks for (arc4random, from the static libstdc++).
MIN_GLIBC = (2, 36)


def make(*targets, timeout=1800):
    r = subprocess.run([require_tool("make"), "-C", str(ROOT), *targets, f"BUILD_DIR={BUILD_DIR}"],
                       capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    return r


def version():
    return subprocess.run([str(ROOT / "scripts" / "version")], capture_output=True, text=True, check=True).stdout.strip()


def arch():
    return subprocess.run([require_tool("dpkg"), "--print-architecture"], capture_output=True, text=True,
                          check=True).stdout.strip()


@pytest.fixture(scope="module")
def deb(tmp_path_factory):
    """make deb, once: the .deb, its -dbgsym package, lintian's output, and the unpacked tree."""
    for tool in ("dpkg-deb", "dpkg-buildpackage", "dh", "lintian", "fakeroot"):
        require_tool(tool)
    make("deb")
    v, a = version(), arch()
    path = ROOT / "dist" / f"pgtrack_{v}_{a}.deb"
    dbgsym = ROOT / "dist" / f"pgtrack-dbgsym_{v}_{a}.deb"
    assert path.exists() and dbgsym.exists(), sorted(p.name for p in (ROOT / "dist").iterdir())
    root = tmp_path_factory.mktemp("deb") / "root"
    subprocess.run(["dpkg-deb", "-x", str(path), str(root)], check=True)
    control = tmp_path_factory.mktemp("deb-control")
    subprocess.run(["dpkg-deb", "-e", str(path), str(control)], check=True)
    lintian = subprocess.run(["lintian", str(path)], capture_output=True, text=True)
    return {"path": path, "dbgsym": dbgsym, "root": root, "control": control, "lintian": lintian}


def test_deb_is_named_from_git_describe_and_holds_every_file(deb):
    assert re.fullmatch(r"pgtrack_[0-9][0-9A-Za-z.+~]*_[a-z0-9]+\.deb", deb["path"].name)
    root = deb["root"]
    for path in ["usr/bin/pgtrackd", "usr/bin/pgtrackctl",
                 *[f"usr/lib/systemd/user/{u}" for u in UNITS],
                 "usr/share/man/man1/pgtrackctl.1.gz", "usr/share/man/man8/pgtrackd.8.gz",
                 "usr/share/man/man5/pgtrack.toml.5.gz",
                 "usr/share/bash-completion/completions/pgtrackctl", "usr/share/zsh/vendor-completions/_pgtrackctl",
                 "usr/share/fish/vendor_completions.d/pgtrackctl.fish",
                 "usr/share/doc/pgtrack/README.md", "usr/share/doc/pgtrack/pgtrack.toml",
                 "usr/share/doc/pgtrack/copyright"]:
        assert (root / path).is_file(), path
    for exe in ("pgtrackd", "pgtrackctl"):
        assert (root / "usr/bin" / exe).stat().st_mode & 0o777 == 0o755


def test_depends_come_from_shlibdeps_and_name_no_swift(deb):
    fields = subprocess.run(["dpkg-deb", "-f", str(deb["path"]), "Depends"], capture_output=True, text=True,
                            check=True).stdout
    names = {d.strip().split()[0] for d in fields.split(",")}
    assert {"libc6", "libsystemd0", "libical3", "libsqlite3-0", "libmicrohttpd12"} <= names, names
    assert not any("swift" in n for n in names), names


def test_lintian_reports_no_error_and_every_warning_is_explained(deb):
    out = deb["lintian"].stdout
    assert not [line for line in out.splitlines() if line.startswith("E:")], out
    decisions = (ROOT / "docs" / "DECISIONS.md").read_text()
    for tag in {line.split()[2] for line in out.splitlines() if line.startswith("W:")}:
        assert f"`{tag}`" in decisions, f"lintian warning {tag} is not explained in docs/DECISIONS.md"


def test_units_name_usr_bin_and_pass_systemd_analyze_verify(deb, tmp_path):
    analyze = require_tool("systemd-analyze")
    root = deb["root"]
    for unit in UNITS:
        text = (root / "usr/lib/systemd/user" / unit).read_text()
        assert "@BINDIR@" not in text and "@DOCDIR@" not in text, unit
        if unit.endswith(".service"):
            assert re.search(r"^ExecStart=/usr/bin/pgtrackd( --plan %i)?$", text, re.M), text
        assert "Documentation=file:///usr/share/doc/pgtrack/README.md" in text
    assert (root / "usr/share/doc/pgtrack/README.md").exists()  # kept uncompressed for Documentation=
    # verify checks that ExecStart exists on this machine: point copies at the unpacked binary.
    units = tmp_path / "units"
    units.mkdir()
    for unit in UNITS:
        text = (root / "usr/lib/systemd/user" / unit).read_text().replace("/usr/bin/", f"{root}/usr/bin/")
        (units / unit).write_text(text)
    env = dict(os.environ, XDG_RUNTIME_DIR=str(tmp_path))
    r = subprocess.run([analyze, "--user", "verify", *(str(units / u) for u in ["pgtrackd.service", "pgtrackd.socket"]),
                        str(units / "pgtrackd@study.service"), str(units / "pgtrackd@study.socket")],
                       capture_output=True, text=True, env=env, cwd=units)
    assert r.returncode == 0, r.stdout + r.stderr
    # A broken unit fails the same check, so the pass above means something.
    (units / "pgtrackd.service").write_text((units / "pgtrackd.service").read_text().replace(
        "ExecStart=", "ExecStart=/nonexistent/pgtrackd\n#"))
    r = subprocess.run([analyze, "--user", "verify", str(units / "pgtrackd.service")], capture_output=True, text=True,
                       env=env, cwd=units)
    assert r.returncode != 0


def test_user_units_are_installed_not_enabled_by_the_maintainer_scripts(deb):
    postinst = (deb["control"] / "postinst").read_text()
    postrm = (deb["control"] / "postrm").read_text()
    assert "deb-systemd-helper --user" in postinst and "pgtrackd.socket" in postinst
    # dh_installsystemduser --no-enable: unmask, keep an earlier enablement, never enable anew.
    assert "was-enabled" in postinst and "update-state" in postinst
    assert "deb-systemd-helper --user purge" in postrm


def test_binaries_are_stripped_with_their_debug_symbols_in_dbgsym(deb, tmp_path):
    readelf = require_tool("readelf")
    dbg = tmp_path / "dbgsym"
    subprocess.run(["dpkg-deb", "-x", str(deb["dbgsym"]), str(dbg)], check=True)
    for exe in ("pgtrackd", "pgtrackctl"):
        path = deb["root"] / "usr/bin" / exe
        sections = subprocess.run([readelf, "-S", "-W", str(path)], capture_output=True, text=True, check=True).stdout
        assert ".symtab" not in sections and ".debug_info" not in sections, exe
        build_id = re.search(r"Build ID: ([0-9a-f]+)", subprocess.run([readelf, "-n", str(path)], capture_output=True,
                                                                         text=True, check=True).stdout).group(1)
        debug = dbg / "usr/lib/debug/.build-id" / build_id[:2] / f"{build_id[2:]}.debug"
        assert debug.exists(), exe
        assert ".debug_info" in subprocess.run([readelf, "-S", "-W", str(debug)], capture_output=True, text=True).stdout


def env_for(tmp_path):
    tmp_path.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    for name in ("CONFIG", "DATA", "STATE"):
        d = tmp_path / name.lower()
        d.mkdir(exist_ok=True)
        env[f"XDG_{name}_HOME"] = str(d)
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env.update(XDG_RUNTIME_DIR=str(runtime), HOME=str(tmp_path), COLUMNS="100")
    for name in ("NOTIFY_SOCKET", "DBUS_SESSION_BUS_ADDRESS", "LISTEN_FDS", "PGTRACK_SOCKET", "PGTRACK_PLAN"):
        env.pop(name, None)
    config = tmp_path / "config" / "pgtrack" / "pgtrack.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(FUTURE)
    return env


def run_daemon_and_client(bindir: Path, tmp_path: Path):
    """--print-schedule, then a daemon and `pgtrackctl status` against it, all from bindir."""
    env = env_for(tmp_path)
    r = subprocess.run([str(bindir / "pgtrackd"), "--print-schedule"], env=env, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("# PostgreSQL") and "w01d1" in r.stdout and "2030-01-07" in r.stdout
    daemon = subprocess.Popen([str(bindir / "pgtrackd")], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True)
    sock = Path(env["XDG_RUNTIME_DIR"]) / "pgtrack" / "control.sock"
    try:
        deadline = time.time() + 15
        while True:
            try:
                with socket.socket(socket.AF_UNIX) as s:
                    s.connect(str(sock))
                break
            except OSError:
                assert daemon.poll() is None, daemon.stderr.read()
                assert time.time() < deadline, "pgtrackd did not open its socket"
                time.sleep(0.02)
        r = subprocess.run([str(bindir / "pgtrackctl"), "status"], env=env, capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        assert "PostgreSQL" in r.stdout and "2030-01-07" in r.stdout
        r = subprocess.run([str(bindir / "pgtrackctl"), "next", "--json"], env=env, capture_output=True, text=True,
                           timeout=30)
        assert r.returncode == 0 and json.loads(r.stdout)["id"] == "w01d1", r.stdout + r.stderr
    finally:
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=10) == 0


def test_unpacked_binaries_run_a_daemon_and_its_client(deb, tmp_path):
    run_daemon_and_client(deb["root"] / "usr/bin", tmp_path)


def test_man_pages_render_without_warnings_and_follow_the_code(deb):
    man = require_tool("man")
    root = deb["root"]
    for page in ["man1/pgtrackctl.1.gz", "man8/pgtrackd.8.gz", "man5/pgtrack.toml.5.gz"]:
        r = subprocess.run([man, "--warnings", "-l", str(root / "usr/share/man" / page)], capture_output=True, text=True,
                           env=dict(os.environ, MANWIDTH="100"))
        assert r.returncode == 0 and r.stdout, page
        assert r.stderr == "", page + ": " + r.stderr
    # pgtrackd.8 names every option pgtrackd --help lists.
    help_text = subprocess.run([str(BIN / "pgtrackd"), "--help"], capture_output=True, text=True).stdout
    page = (ROOT / "man" / "pgtrackd.8").read_text().replace("\\-", "-")
    for option in re.findall(r"^\s+(--[a-z-]+)", help_text, re.M):
        assert option in page, option
    # pgtrack.toml.5 is scripts/man-config's rendering of config/pgtrack.toml, key by key.
    check = subprocess.run([str(ROOT / "scripts" / "man-config"), "--check"])
    assert check.returncode == 0, "man/pgtrack.toml.5 is stale: run scripts/man-config"


def glibc_versions(path):
    out = subprocess.run([require_tool("objdump"), "-T", str(path)], capture_output=True, text=True, check=True).stdout
    return {tuple(int(p) for p in v.split(".")) for v in re.findall(r"GLIBC_([0-9]+\.[0-9]+(?:\.[0-9]+)?)", out)}


def test_linkage_no_foundation_in_the_cli_and_hardening_in_both():
    readelf, nm = require_tool("readelf"), require_tool("nm")
    for exe in ("pgtrackd", "pgtrackctl"):
        path = BIN / exe
        header = subprocess.run([readelf, "-h", "-l", "-d", "-W", str(path)], capture_output=True, text=True,
                                check=True).stdout
        assert "DYN (Position-Independent Executable" in header, exe
        assert "GNU_RELRO" in header and "BIND_NOW" in header, exe  # full RELRO
        assert "RUNPATH" not in header and "RPATH" not in header, exe
        assert max(glibc_versions(path)) <= MIN_GLIBC, exe
    ctl = subprocess.run([readelf, "-d", str(BIN / "pgtrackctl")], capture_output=True, text=True, check=True).stdout
    needed = set(re.findall(r"NEEDED.*\[(.+)\]", ctl))
    assert needed <= {"libc.so.6", "libm.so.6", "ld-linux-x86-64.so.2"}, needed  # no libstdc++.so or libgcc_s
    symbols = subprocess.run([nm, str(BIN / "pgtrackctl")], capture_output=True, text=True, check=True).stdout
    for marker in ("icudt", "$s10Foundation", "30FoundationInternationalization", "CoreFoundation"):
        assert marker not in symbols, marker


def test_tarball_install_sh_into_a_prefix(tmp_path):
    make("tarball")
    v, a = version(), arch()
    tarball = ROOT / "dist" / f"pgtrack-{v}-{a}.tar.gz"
    assert tarball.exists() and (ROOT / "dist" / f"pgtrack-{v}-{a}-debug.tar.gz").exists()
    unpack = tmp_path / "unpack"
    unpack.mkdir()
    subprocess.run(["tar", "-C", str(unpack), "-xzf", str(tarball)], check=True)
    top = unpack / f"pgtrack-{v}"
    prefix, units = tmp_path / "prefix", tmp_path / "units"
    r = subprocess.run([str(top / "install.sh"), str(prefix)], capture_output=True, text=True,
                       env=dict(os.environ, UNITDIR=str(units)))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "systemctl --user enable --now pgtrackd.socket" in r.stdout
    for path in ["bin/pgtrackd", "bin/pgtrackctl", "share/man/man1/pgtrackctl.1", "share/man/man8/pgtrackd.8",
                 "share/man/man5/pgtrack.toml.5", "share/bash-completion/completions/pgtrackctl",
                 "share/zsh/site-functions/_pgtrackctl", "share/fish/vendor_completions.d/pgtrackctl.fish",
                 "share/doc/pgtrack/README.md", "share/doc/pgtrack/copyright", "share/doc/pgtrack/pgtrack.toml"]:
        assert (prefix / path).is_file(), path
    for unit in UNITS:
        text = (units / unit).read_text()
        assert "@" not in "".join(line for line in text.splitlines() if line.startswith(("ExecStart", "Documentation")))
        if unit.endswith(".service"):
            assert f"ExecStart={prefix}/bin/pgtrackd" in text
    assert max(glibc_versions(prefix / "bin" / "pgtrackd") | glibc_versions(prefix / "bin" / "pgtrackctl")) <= MIN_GLIBC
    run_daemon_and_client(prefix / "bin", tmp_path / "home")


def test_tarball_install_sh_refuses_a_relative_prefix(tmp_path):
    # Runs on the tarball tree the test above unpacked only if present; install.sh itself is in scripts/.
    r = subprocess.run([str(ROOT / "scripts" / "install.sh"), "relative/prefix"], capture_output=True, text=True)
    assert r.returncode == 2 and "absolute" in r.stderr
