#!/usr/bin/env python3
"""pgtrack's benchmarks, each side by side with its anchors measured in the same run.

    python3 bench/run.py [SECTION ...]     # sections: export idle api cli reminders memory hostile http page sync pauses leaks crash doors follow config package engine planfile

Each section writes bench/results/SECTION.json (figures, machine, date);
bench/RESULTS.md is then rewritten from every results file. `make bench` runs all.
"""
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(os.environ.get("PGTRACK_BIN", ROOT / ".build" / "release"))
RESULTS = ROOT / "bench" / "results"
VENV_PY = ROOT / ".venv" / "bin" / "python"
IDLE_SECONDS = int(os.environ.get("BENCH_IDLE_SECONDS", "60"))


def machine():
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = int(Path("/proc/meminfo").read_text().split()[1]) // 1024 // 1024
    return f"{cpu}, {os.cpu_count()} cores, {mem} GiB, {platform.system()} {platform.release()}"


def run_json(cmd, **kw):
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, **kw).stdout
    return json.loads(out.strip().splitlines()[-1])


class Home:
    """Private XDG folders for one daemon."""

    def __init__(self, config=""):
        self.root = Path(tempfile.mkdtemp(prefix="pgtrack-bench-"))
        self.env = dict(os.environ)
        for name in ("CONFIG", "DATA", "STATE"):
            (self.root / name.lower()).mkdir()
            self.env[f"XDG_{name}_HOME"] = str(self.root / name.lower())
        (self.root / "run").mkdir(mode=0o700)
        self.env["XDG_RUNTIME_DIR"] = str(self.root / "run")
        self.env["HOME"] = str(self.root)
        for v in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "LISTEN_FDS", "INVOCATION_ID", "JOURNAL_STREAM"):
            self.env.pop(v, None)
        (self.root / "config" / "pgtrack").mkdir()
        (self.root / "config" / "pgtrack" / "pgtrack.toml").write_text(config)
        self.socket = self.root / "run" / "pgtrack" / "control.sock"

    def start(self, bin_dir=None):
        """Starts pgtrackd from `bin_dir` (PGTRACK_BIN by default); returns once its socket answers."""
        p = subprocess.Popen([str(Path(bin_dir or BIN) / "pgtrackd")], env=self.env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                s = socket.socket(socket.AF_UNIX)
                s.connect(str(self.socket))
                s.close()
                return p
            except OSError:
                time.sleep(0.01)
        raise RuntimeError("pgtrackd did not start")

    def cleanup(self):
        shutil.rmtree(self.root, ignore_errors=True)


def smaps_kb(pid):
    """Private_Dirty and Pss of a process, in kB, from /proc/PID/smaps_rollup: what it
    owns and its fair share of what it maps, not VmRSS (which counts every shared clean
    page of the binary and libraries that was ever read)."""
    os.sync()  # a just-linked binary's dirty page-cache pages would count as Private_Dirty
    text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    field = lambda name: int(re.search(rf"^{name}:\s+(\d+) kB", text, re.M).group(1))
    return {"private_dirty": field("Private_Dirty"), "pss": field("Pss")}


def mb(kb):
    return f"{kb / 1024:.2f} MB"


def swift_hello():
    """Builds and starts the static Swift hello anchor (bench/anchors/hello.swift)."""
    out = ROOT / ".build" / "bench-hello"
    src = ROOT / "bench" / "anchors" / "hello.swift"
    if not out.exists() or out.stat().st_mtime < src.stat().st_mtime:
        out.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["swiftc", "-O", "-static-stdlib", "-Xlinker", "-z", "-Xlinker", "now", str(src), "-o", str(out)],
                       check=True, capture_output=True)
    p = subprocess.Popen([str(out)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    p.stdout.readline()
    return p


def strace_count(pid, seconds):
    """System calls made by pid (and its threads) over `seconds`, counted by strace."""
    out = tempfile.mktemp(prefix="strace-")
    st = subprocess.Popen(["strace", "-f", "-c", "-p", str(pid), "-o", out], stderr=subprocess.DEVNULL)
    time.sleep(seconds)
    st.send_signal(signal.SIGINT)
    st.wait(timeout=30)
    text = Path(out).read_text()
    os.unlink(out)
    m = re.search(r"^100\.00\s+\S+\s+\S+\s+\S+\s+(\d+)", text, re.M) or re.search(r"total\s*$", text, re.M)
    total = 0
    for line in text.splitlines():
        if line.strip().endswith("total"):
            nums = line.split()
            total = int(nums[3]) if len(nums) >= 5 else int(nums[2])
    return total, text


# MARK: - Sections

def bench_export():
    ours_default = run_json([str(BIN / "pgtrack-bench"), "export", "0", "50"])
    ours_big = run_json([str(BIN / "pgtrack-bench"), "export", "10000", "5"])
    py_default = run_json([str(VENV_PY), str(ROOT / "bench" / "python_export.py"), "100", "20"])
    py_big = run_json([str(VENV_PY), str(ROOT / "bench" / "python_export.py"), "10000", "2"])
    return {
        "title": "Export time (build + serialise the feed)",
        "rows": [
            ["default plan (100 slots), median", f"{ours_default['median_ms']:.2f} ms", "Python icalendar 7.3.2",
             f"{py_default['median_ms']:.1f} ms", f"{py_default['median_ms'] / ours_default['median_ms']:.1f}× faster"],
            ["10,000 slots, median", f"{ours_big['median_ms']:.0f} ms", "Python icalendar 7.3.2",
             f"{py_big['median_ms']:.0f} ms", f"{py_big['median_ms'] / ours_big['median_ms']:.1f}× faster"],
        ],
        "goals": [f"default plan under 5 ms: {ours_default['median_ms']:.2f} ms",
                  f"at least 5× Python icalendar at 10,000 slots: {py_big['median_ms'] / ours_big['median_ms']:.1f}×"],
    }


def bench_idle():
    home = Home()
    daemon = home.start()
    work = Path(tempfile.mkdtemp(prefix="anchors-"))
    rem = work / "reminders.rem"
    rem.write_text("REM Mon Tue Wed Thu Fri AT 18:00 MSG Study PostgreSQL\n")
    remind = subprocess.Popen(["remind", "-z1", str(rem)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    hello = swift_hello()
    # The window starts 2 s after a status call: the daemon has answered and must then
    # make no call at all until its next deadline (in 2030 for this plan).
    subprocess.run([str(BIN / "pgtrackctl"), "status"], env=dict(home.env, PGTRACK_SOCKET=str(home.socket)),
                   capture_output=True, check=True)
    time.sleep(2)
    results = {}
    threads = []
    procs = {"pgtrackd": daemon.pid, "remind -z1": remind.pid}

    def measure(name, pid):
        calls, _ = strace_count(pid, IDLE_SECONDS)
        results[name] = {"calls": calls, **smaps_kb(pid)}
    for name, pid in procs.items():
        t = threading.Thread(target=measure, args=(name, pid))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    hello_mem = smaps_kb(hello.pid)
    daemon.send_signal(signal.SIGTERM)
    daemon.wait()
    remind.kill()
    hello.kill()
    # Exec to READY=1, over 20 starts.
    ready = []
    for _ in range(20):
        h = Home()
        ns = h.root / "notify.sock"
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        listener.bind(str(ns))
        listener.settimeout(10)
        env = dict(h.env, NOTIFY_SOCKET=str(ns))
        t0 = time.perf_counter()
        p = subprocess.Popen([str(BIN / "pgtrackd")], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while b"READY=1" not in listener.recv(4096):
            pass
        ready.append(time.perf_counter() - t0)
        p.send_signal(signal.SIGTERM)
        p.wait()
        listener.close()
        h.cleanup()
    ready.sort()
    home.cleanup()
    ours, rem_ = results["pgtrackd"], results["remind -z1"]
    rows = [["system calls while idle", f"{ours['calls']} in {IDLE_SECONDS} s", "remind -z1", f"{rem_['calls']}", "—"],
            ["private memory (Private_Dirty)", mb(ours["private_dirty"]), "remind -z1", mb(rem_["private_dirty"]),
             f"{ours['private_dirty'] / max(1, rem_['private_dirty']):.1f}×"],
            ["private memory (Private_Dirty)", mb(ours["private_dirty"]), "static Swift hello (PIE)",
             mb(hello_mem["private_dirty"]), f"{ours['private_dirty'] / max(1, hello_mem['private_dirty']):.1f}×"],
            ["proportional set size (PSS)", mb(ours["pss"]), "remind -z1", mb(rem_["pss"]),
             f"{ours['pss'] / max(1, rem_['pss']):.1f}×"],
            ["proportional set size (PSS)", mb(ours["pss"]), "static Swift hello (PIE)", mb(hello_mem["pss"]),
             f"{ours['pss'] / max(1, hello_mem['pss']):.1f}×"],
            ["exec to READY=1, median of 20", f"{ready[len(ready) // 2] * 1000:.1f} ms", "", "", ""]]
    notes = ("The window starts 2 s after a `pgtrackctl status`. Private_Dirty is the memory the process alone holds; "
             "PSS adds its share of the pages it maps (a page shared by n processes counts 1/n). pgtrackd and the "
             "hello are position-independent with full RELRO (-z relro -z now): the relocated data and GOT are private "
             "dirty pages, the price of ASLR. remind is C with no runtime.")
    return {"title": f"Idle cost over {IDLE_SECONDS} s (default plan, watchdog off)", "rows": rows, "notes": notes,
            "goals": [f"0 system calls in the idle window: {ours['calls']}",
                      f"Private_Dirty ≤ 6 MB idle: {mb(ours['private_dirty'])}",
                      f"exec to READY=1 ≤ 100 ms: {ready[len(ready) // 2] * 1000:.1f} ms"]}


def redis_ping(sock, clients, requests):
    out = subprocess.run(["redis-benchmark", "-s", str(sock), "-t", "ping_mbulk", "-n", str(requests), "-c", str(clients)],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"([\d.]+) requests per second", out).group(1))
    lat = re.search(r"avg\s+min\s+p50\s+p95\s+p99\s+max\s*\n\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", out)
    return {"rps": rps, "p50_us": float(lat.group(3)) * 1000, "p99_us": float(lat.group(5)) * 1000}


def bench_api():
    home = Home()
    daemon = home.start()
    # One client process with 1 or 8 connections, as redis-benchmark -c 1 / -c 8 runs.
    one = run_json([str(BIN / "pgtrack-bench"), "api-load", str(home.socket), "1", "50000"])
    eight = run_json([str(BIN / "pgtrack-bench"), "api-load", str(home.socket), "8", "100000"])
    eight_rps = eight["rps"]
    daemon.send_signal(signal.SIGTERM)
    daemon.wait()
    home.cleanup()
    work = Path(tempfile.mkdtemp(prefix="redis-"))
    rsock = work / "redis.sock"
    redis = subprocess.Popen(["redis-server", "--port", "0", "--unixsocket", str(rsock), "--save", "", "--appendonly", "no"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        if rsock.exists():
            break
        time.sleep(0.05)
    r1 = redis_ping(rsock, 1, 50000)
    r8 = redis_ping(rsock, 8, 100000)
    redis.terminate()
    redis.wait()
    return {"title": "Control API: Status over the Unix socket vs redis PING", "rows": [
        ["p50 latency, 1 client", f"{one['p50_us']:.0f} µs", "redis-benchmark PING", f"{r1['p50_us']:.0f} µs",
         f"{one['p50_us'] / r1['p50_us']:.1f}×"],
        ["p99 latency, 1 client", f"{one['p99_us']:.0f} µs", "redis-benchmark PING", f"{r1['p99_us']:.0f} µs",
         f"{one['p99_us'] / r1['p99_us']:.1f}×"],
        ["throughput, 1 client", f"{one['rps']:.0f}/s", "redis-benchmark PING", f"{r1['rps']:.0f}/s", f"{one['rps'] / r1['rps']:.2f}×"],
        ["p99 latency, 8 clients", f"{eight['p99_us']:.0f} µs", "redis-benchmark PING", f"{r8['p99_us']:.0f} µs",
         f"{eight['p99_us'] / r8['p99_us']:.1f}×"],
        ["throughput, 8 clients", f"{eight_rps:.0f}/s", "redis-benchmark PING", f"{r8['rps']:.0f}/s", f"{eight_rps / r8['rps']:.2f}×"],
    ], "goals": [f"p99 ≤ 1 ms: {one['p99_us'] / 1000:.2f} ms",
                 f"throughput ≥ half of redis PING (8 clients): {eight_rps / r8['rps']:.2f}×"]}


def hyperfine(commands, env=None):
    out = tempfile.mktemp(suffix=".json")
    subprocess.run(["hyperfine", "-N", "--warmup", "20", "--runs", "200", "--export-json", out, *commands],
                   capture_output=True, check=True, env=env)
    data = json.loads(Path(out).read_text())["results"]
    os.unlink(out)
    return [r["median"] * 1000 for r in data]


def bench_cli():
    home = Home()
    daemon = home.start()
    work = Path(tempfile.mkdtemp(prefix="cli-"))
    cal_dir = work / "calcurse"
    cal_dir.mkdir()
    subprocess.run(["calcurse", "-D", str(cal_dir), "-i", str(home.root / "data" / "pgtrack" / "pgtrack.ics")],
                   capture_output=True, stdin=subprocess.DEVNULL)
    rem = work / "plan.rem"
    rem.write_text("".join(f"REM {d} AT 18:00 DURATION 0:30 MSG Study slot {i}\n"
                           for i, d in enumerate(["Mon", "Tue", "Wed", "Thu", "Fri"] * 20)))
    env = dict(home.env, PGTRACK_SOCKET=str(home.socket))
    ours, cal, remind = hyperfine([f"{BIN}/pgtrackctl status", f"calcurse -D {cal_dir} -a", f"remind -n {rem}"], env=env)
    daemon.send_signal(signal.SIGTERM)
    daemon.wait()
    home.cleanup()
    return {"title": "CLI wall time (hyperfine, median of 200 runs)", "rows": [
        ["pgtrackctl status", f"{ours:.2f} ms", "calcurse -a", f"{cal:.2f} ms", f"{ours / cal:.2f}×"],
        ["pgtrackctl status", f"{ours:.2f} ms", "remind -n", f"{remind:.2f} ms", f"{ours / remind:.2f}×"],
    ], "goals": [f"pgtrackctl status ≤ 1.5 × calcurse -a: {ours / cal:.2f}×"],
        "notes": "pgtrackctl is a position-independent executable with full RELRO (BIND_NOW). Since #25 it links "
                 "libstdc++ and libgcc in and loads only libc and libm; before, loading libstdc++.so and libgcc_s.so "
                 "(whose constructor runs cpuid) took a third of its start. The package section measures it in "
                 "interleaved rounds with calcurse, before and after."}


def private_bus(work):
    conf = work / "session.conf"
    conf.write_text((ROOT / "Tests" / "integration" / "conftest.py").read_text()
                    .split('SESSION_CONF = """', 1)[1].split('"""', 1)[0])
    addr = work / "addr"
    runner = subprocess.Popen(["dbus-run-session", f"--config-file={conf}", "--", "sh", "-c",
                               f'echo "$DBUS_SESSION_BUS_ADDRESS" > {addr}.t && mv {addr}.t {addr} && exec sleep 3600'],
                              start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not addr.exists():
        time.sleep(0.02)
    return runner, addr.read_text().strip()


def bench_reminders():
    """Lateness: from a reminder's due instant to dunst's rule script logging it."""
    work = Path(tempfile.mkdtemp(prefix="reminders-"))
    runner, address = private_bus(work)
    sys.path.insert(0, str(ROOT / "Tests" / "integration"))
    from conftest import start_xvfb
    xvfb, display = start_xvfb(work / "xvfb.err")
    log = work / "notes.log"
    script = work / "log.sh"
    script.write_text(f"#!/bin/sh\necho \"$(date +%s.%N) $3\" >> {log}\n")
    script.chmod(0o755)
    (work / "dunstrc").write_text(f"[log]\n    appname = *\n    script = {script}\n")
    env = dict(os.environ, DISPLAY=f":{display}", DBUS_SESSION_BUS_ADDRESS=address)
    def on_bus():
        return subprocess.run(["gdbus", "call", "--session", "--dest", "org.freedesktop.DBus", "--object-path",
                               "/org/freedesktop/DBus", "--method", "org.freedesktop.DBus.NameHasOwner",
                               "org.freedesktop.Notifications"], env=env, capture_output=True, text=True).stdout.startswith("(true")
    # dunst gives up at once while a fresh Xvfb does not accept clients yet: retry.
    deadline = time.time() + 30
    while True:
        dunst = subprocess.Popen(["dunst", "-config", str(work / "dunstrc")], env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        started = time.time()
        while time.time() < started + 10 and dunst.poll() is None and not on_bus():
            time.sleep(0.05)
        if dunst.poll() is None and on_bus():
            break
        if time.time() > deadline:
            raise RuntimeError("dunst did not start")
        time.sleep(0.5)
    offsets = [i for i in range(20)]
    home = Home("[plan]\nstart = \"2030-01-07\"\n[schedule]\nminutes = 5\n[reminders]\nat = [" +
                ", ".join(f'"{o}s"' for o in offsets) + "]\n")
    home.env["DBUS_SESSION_BUS_ADDRESS"] = address
    daemon = home.start()
    time.sleep(1)
    start = int(time.time()) + 3
    from datetime import datetime as _dt, timezone as _tz
    s = socket.socket(socket.AF_UNIX)
    s.connect(str(home.socket))
    s.sendall(json.dumps({"method": "io.pgtrack.Tracker.Reschedule", "parameters": {
        "slot": "w01d1", "start": _dt.fromtimestamp(start, _tz.utc).isoformat()}}).encode() + b"\0")
    s.recv(65536)
    s.close()
    time.sleep(start + offsets[-1] + 3 - time.time())
    logged = [float(line.split()[0]) for line in log.read_text().splitlines()] if log.exists() else []
    late = sorted((t - (start + o)) * 1000 for t, o in zip(logged, offsets))
    daemon.send_signal(signal.SIGTERM)
    daemon.wait()
    dunst.terminate()
    xvfb.terminate()
    os.killpg(runner.pid, signal.SIGTERM)
    # The anchor: remind -z1 running a command for a reminder at the next minute.
    rem = work / "anchor.rem"
    due = (int(time.time()) // 60 + 1) * 60
    hhmm = time.strftime("%H:%M", time.localtime(due))
    rem.write_text(f"REM AT {hhmm} MSG pgtrack anchor\n")
    anchor_log = work / "remind.out"
    stamp = work / "stamp.sh"  # remind puts the message in place of %s in -k's command
    stamp.write_text(f"#!/bin/sh\ndate +%s.%N >> {anchor_log}\n")
    stamp.chmod(0o755)
    remind = subprocess.Popen(["remind", "-z1", f"-k{stamp} %s", str(rem)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while time.time() < due + 70 and not (anchor_log.exists() and anchor_log.read_text().strip()):
        time.sleep(0.5)
    remind.kill()
    anchor = (float(anchor_log.read_text().split()[0]) - due) * 1000 if anchor_log.exists() and anchor_log.read_text().strip() else None
    home.cleanup()
    p50, p99 = late[len(late) // 2], late[min(len(late) - 1, int(len(late) * 0.99))]
    return {"title": "Reminder lateness (due instant to dunst's rule script)", "rows": [
        [f"p50 over {len(late)} reminders", f"{p50:.1f} ms", "remind -z1 (one reminder)",
         f"{anchor:.0f} ms" if anchor is not None else "did not fire", f"{anchor / p50:.0f}× later" if anchor else "—"],
        [f"p99 over {len(late)} reminders", f"{p99:.1f} ms", "", "", ""],
        ["max", f"{late[-1]:.1f} ms", "", "", ""],
    ], "goals": [f"p99 ≤ 50 ms: {p99:.1f} ms ({len(late)} of {len(offsets)} reminders logged)"],
        "notes": "remind and calcurse check their queues on minute boundaries; remind's figure is one reminder set for the next minute."}


def wrk(url, headers=(), seconds=5, connections=8):
    """Requests/s and p99 (ms) from wrk with --latency, one thread."""
    args = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for h in headers:
        args += ["-H", h]
    out = subprocess.run(args + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    m = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    p99 = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
    status_errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p99_ms": p99, "bad": int(status_errors.group(1)) if status_errors else 0}


def bench_http():
    """The feed over HTTP: pgtrackd (libmicrohttpd on its loop) against lighttpd serving
    the same bytes as a static file, full GETs and 304 revalidations."""
    import urllib.request
    http_any = '[http]\nlisten = "127.0.0.1:0"\n'
    future = "[plan]\nstart = \"2030-01-07\"\n[schedule]\ntimezone = \"Europe/Berlin\"\n"
    home = Home(future + http_any)
    daemon = home.start()
    env = dict(home.env, PGTRACK_SOCKET=str(home.socket))
    url = json.loads(subprocess.run([str(BIN / "pgtrackctl"), "feed", "--json"], env=env, capture_output=True,
                                    text=True, check=True).stdout)["url"]
    with urllib.request.urlopen(url) as r:
        body, etag = r.read(), r.headers["ETag"]
    ours_get = wrk(url)
    ours_304 = wrk(url, [f"If-None-Match: {etag}"])
    # Idle with the listener open: no connection, no call.
    time.sleep(2)
    idle_calls, _ = strace_count(daemon.pid, 20)
    on_pd = smaps_kb(daemon.pid)["private_dirty"]
    daemon.send_signal(signal.SIGTERM)
    daemon.wait()
    home.cleanup()
    off = Home(future + '[http]\nenabled = false\n')
    d = off.start()
    time.sleep(2)
    off_pd = smaps_kb(d.pid)["private_dirty"]
    d.send_signal(signal.SIGTERM)
    d.wait()
    off.cleanup()
    # lighttpd with the same bytes.
    work = Path(tempfile.mkdtemp(prefix="lighttpd-"))
    (work / "www").mkdir()
    (work / "www" / "pgtrack.ics").write_bytes(body)
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    (work / "lighttpd.conf").write_text(f'server.document-root = "{work}/www"\nserver.port = {port}\nserver.bind = "127.0.0.1"\n'
                                        'mimetype.assign = (".ics" => "text/calendar; charset=utf-8")\n'
                                        f'server.errorlog = "{work}/error.log"\nserver.max-connections = 64\n')
    lighttpd = subprocess.Popen(["lighttpd", "-D", "-f", str(work / "lighttpd.conf")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    anchor_url = f"http://127.0.0.1:{port}/pgtrack.ics"
    for _ in range(100):
        try:
            with urllib.request.urlopen(anchor_url) as r:
                anchor_etag = r.headers["ETag"]
            break
        except OSError:
            time.sleep(0.05)
    anchor_get = wrk(anchor_url)
    anchor_304 = wrk(anchor_url, [f"If-None-Match: {anchor_etag}"])
    lighttpd.terminate()
    lighttpd.wait()
    shutil.rmtree(work, ignore_errors=True)
    ratio = lambda a, b: f"{a / b:.2f}×"
    return {"title": f"The feed over HTTP ({len(body) // 1024} KiB), wrk -t1 -c8, against lighttpd serving the same bytes", "rows": [
        ["full GET, throughput", f"{ours_get['rps']:.0f}/s", "lighttpd 1.4", f"{anchor_get['rps']:.0f}/s", ratio(ours_get["rps"], anchor_get["rps"])],
        ["full GET, p99", f"{ours_get['p99_ms']:.2f} ms", "lighttpd 1.4", f"{anchor_get['p99_ms']:.2f} ms", ratio(ours_get["p99_ms"], anchor_get["p99_ms"])],
        ["304 revalidation, throughput", f"{ours_304['rps']:.0f}/s", "lighttpd 1.4", f"{anchor_304['rps']:.0f}/s", ratio(ours_304["rps"], anchor_304["rps"])],
        ["304 revalidation, p99", f"{ours_304['p99_ms']:.2f} ms", "lighttpd 1.4", f"{anchor_304['p99_ms']:.2f} ms", ratio(ours_304["p99_ms"], anchor_304["p99_ms"])],
        ["Private_Dirty, HTTP on", mb(on_pd), "HTTP off", mb(off_pd), f"+{(on_pd - off_pd) / 1024:.2f} MB"],
        ["system calls, 20 s idle with the listener open", str(idle_calls), "", "", ""],
    ], "goals": [f"throughput ≥ 0.5× lighttpd: GET {ours_get['rps'] / anchor_get['rps']:.2f}×, 304 {ours_304['rps'] / anchor_304['rps']:.2f}×",
                 f"p99 ≤ 1 ms for 304s: {ours_304['p99_ms']:.2f} ms", f"Private_Dirty with HTTP on ≤ 1 MB above off: +{(on_pd - off_pd) / 1024:.2f} MB",
                 f"0 idle system calls with the listener open: {idle_calls}"],
        "notes": "Non-2xx/3xx responses: pgtrack " + f"{ours_get['bad'] + ours_304['bad']}, lighttpd {anchor_get['bad'] + anchor_304['bad']}."}


def sse_connect(page):
    """A raw /<token>/events connection, its request sent."""
    from urllib.parse import urlsplit
    u = urlsplit(page)
    sock = socket.create_connection((u.hostname, u.port))
    sock.sendall(f"GET {u.path}events HTTP/1.1\r\nHost: {u.netloc}\r\n\r\n".encode())
    return sock


def monitor_connect(path):
    """A Varlink Monitor connection, its call sent."""
    sock = socket.socket(socket.AF_UNIX)
    sock.connect(str(path))
    sock.sendall(json.dumps({"method": "io.pgtrack.Tracker.Monitor", "more": True}).encode() + b"\0")
    return sock


def change_latencies(control, sse, monitor, changes, settle=0.3):
    """Sends `changes` Varlink calls one at a time and, in one thread with select (no
    thread switches in the figures), notes when the event stream's event and the Monitor
    reply for each arrive; returns both lists of latencies in ms. First each stream's
    greeting is read, `settle` seconds after connecting (0: already read)."""
    import select
    for sock in (sse, monitor):
        sock.setblocking(False)
        time.sleep(settle)
        try:
            sock.recv(1 << 20)  # the greeting: retry and the first event, or "subscribed"
        except BlockingIOError:
            pass
    sse_ms, mon_ms = [], []
    for method, params in changes:
        c = socket.socket(socket.AF_UNIX)
        c.connect(str(control))
        sent = time.monotonic()
        c.sendall(json.dumps({"method": "io.pgtrack.Tracker." + method, "parameters": params}).encode() + b"\0")
        got = {}
        deadline = sent + 5
        while len(got) < 2 and time.monotonic() < deadline:
            ready, _, _ = select.select([sse, monitor], [], [], 0.5)
            for sock in ready:
                data = sock.recv(1 << 20)
                at = time.monotonic()
                if sock is sse and b"data: " in data:
                    got.setdefault("sse", at)
                elif sock is monitor and b'"kind"' in data:
                    got.setdefault("monitor", at)
        c.close()
        assert len(got) == 2, f"{method}: heard only {list(got)}"
        sse_ms.append((got["sse"] - sent) * 1000)
        mon_ms.append((got["monitor"] - sent) * 1000)
    return sse_ms, mon_ms


def percentiles(values):
    values = sorted(values)
    pick = lambda p: values[min(len(values) - 1, max(0, int(len(values) * p + 0.999999) - 1))]
    return pick(0.5), pick(0.99)


def bench_page():
    """The progress page: server render time beside the feed export, Chromium's
    DOMContentLoaded beside the same page opened as a file, change-to-event latency
    beside the Varlink Monitor stream, and 100 open event streams."""
    rendered = run_json([str(BIN / "pgtrack-bench"), "page", "1000"])
    config = '[plan]\nstart = "2030-01-07"\n[schedule]\ntimezone = "Europe/Berlin"\n[http]\nlisten = "127.0.0.1:0"\nmax_connections = 256\n'
    home = Home(config)
    daemon = home.start()
    env = dict(home.env, PGTRACK_SOCKET=str(home.socket))
    ctl = lambda *a: subprocess.run([str(BIN / "pgtrackctl"), *a], env=env, capture_output=True, text=True, check=True).stdout
    page = json.loads(ctl("feed", "--json"))["page"]
    export = home.root / "progress.html"
    ctl("export", "--format", "html", "-o", str(export))
    # Chromium: DOMContentLoaded of the served page and of the same page as a file.
    out = subprocess.run([str(VENV_PY), "-c", """
import json, sys, statistics
from playwright.sync_api import sync_playwright
with sync_playwright() as p:
    b = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
    pg = b.new_page()
    res = {}
    for name, url in (("served", sys.argv[1]), ("file", sys.argv[2])):
        times = []
        for i in range(25):
            pg.goto(url)
            times.append(pg.evaluate("performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"))
        res[name] = statistics.median(times[5:])
    b.close()
print(json.dumps(res))
""", page, export.as_uri()], capture_output=True, text=True, check=True).stdout
    dcl = json.loads(out.strip().splitlines()[-1])
    # Change → event: an event-stream client and a Monitor client, the same 100 changes.
    sse, monitor = sse_connect(page), monitor_connect(home.socket)
    changes = [("Skip", {"slot": "w10d1"}) if i % 2 == 0 else ("Undo", {}) for i in range(100)]
    sse_ms, mon_ms = change_latencies(home.socket, sse, monitor, changes)
    sse.close()
    monitor.close()
    sse_p50, sse_p99 = percentiles(sse_ms)
    mon_p50, mon_p99 = percentiles(mon_ms)
    # 100 open streams: private memory and idle system calls.
    time.sleep(2)
    before = smaps_kb(daemon.pid)["private_dirty"]
    streams = [sse_connect(page) for _ in range(100)]
    for st in streams:
        # Each is told at once of the page it did not name.
        st.settimeout(5)
        heard = b""
        while b"data: " not in heard:
            chunk = st.recv(1 << 16)
            assert chunk, "a stream closed"
            heard += chunk
    time.sleep(2)
    with_streams = smaps_kb(daemon.pid)["private_dirty"]
    idle_calls, _ = strace_count(daemon.pid, 20)
    for st in streams:
        st.close()
    daemon.send_signal(signal.SIGTERM)
    daemon.wait()
    home.cleanup()
    ratio = lambda a, b: f"{a / b:.2f}×"
    return {"title": "The progress page: render, load, live events", "rows": [
        ["server render, median", f"{rendered['median_ms']:.2f} ms", "feed export of the same schedule", f"{rendered['feed_median_ms']:.2f} ms",
         ratio(rendered["median_ms"], rendered["feed_median_ms"])],
        ["server render, p99", f"{rendered['p99_ms']:.2f} ms", "feed export of the same schedule", f"{rendered['feed_p99_ms']:.2f} ms",
         ratio(rendered["p99_ms"], rendered["feed_p99_ms"])],
        ["page size", f"{rendered['bytes'] / 1024:.1f} KiB", "the feed", f"{rendered['feed_bytes'] / 1024:.1f} KiB",
         ratio(rendered["bytes"], rendered["feed_bytes"])],
        ["Chromium DOMContentLoaded, median of 20", f"{dcl['served']:.1f} ms", "the same page as a file", f"{dcl['file']:.1f} ms",
         ratio(dcl["served"], dcl["file"])],
        ["change → event, p50", f"{sse_p50:.2f} ms", "Varlink Monitor, same changes", f"{mon_p50:.2f} ms", ratio(sse_p50, mon_p50)],
        ["change → event, p99", f"{sse_p99:.2f} ms", "Varlink Monitor, same changes", f"{mon_p99:.2f} ms", ratio(sse_p99, mon_p99)],
        ["Private_Dirty with 100 open event streams", mb(with_streams), "no stream", mb(before), f"+{(with_streams - before) / 1024:.2f} MB"],
        ["system calls, 20 s idle with 100 open streams", str(idle_calls), "", "", ""],
    ], "goals": [f"render ≤ 5 ms: {rendered['median_ms']:.2f} ms median, {rendered['p99_ms']:.2f} ms p99",
                 f"DOMContentLoaded ≤ 100 ms: {dcl['served']:.1f} ms", f"change → event p99 ≤ 20 ms: {sse_p99:.2f} ms",
                 f"100 idle streams add 0 idle wake-ups: {idle_calls} system calls"],
        "notes": "The page is the default plan in week 8 for the render figures (pgtrack-bench page), and the daemon's live "
                 "page for the rest. The change → event time runs from sending the Varlink call to the event's arrival, so it "
                 "includes the call itself, the feed's publication and the page's new render; the Monitor stream hears of the "
                 "change before either."}


def work_calendar(start, extra=""):
    """A year of a work calendar from `start` (a date): ten meetings a week, every other
    weekday one across the 18:00 slots; as pgtrack-bench pauses writes it."""
    out = ["BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\n"]
    n = 0
    for week in range(50):
        for day in range(5):
            d = (start + timedelta(days=week * 7 + day)).strftime("%Y%m%d")
            meetings = [("0900", "1000")]
            meetings.append((f"1730", f"18{15 + day * 5:02d}") if day % 2 == week % 2 else ("1300", "1400"))
            for a, b in meetings:
                n += 1
                out.append(f"BEGIN:VEVENT\r\nUID:m{n}@bench\r\nDTSTAMP:20270101T000000Z\r\nSUMMARY:Meeting {n}\r\n"
                           f"DTSTART;TZID=Europe/Berlin:{d}T{a}00\r\nDTEND;TZID=Europe/Berlin:{d}T{b}00\r\nEND:VEVENT\r\n")
    return "".join(out) + extra + "END:VCALENDAR\r\n"


def wait_changed(path, before, timeout=5.0):
    """Polls `path` (every 0.2 ms) until its content differs from `before`; the new content."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            now = path.read_bytes()
        except FileNotFoundError:
            now = before
        if now != before:
            return now
        time.sleep(0.0002)
    raise RuntimeError(f"{path} did not change")


def bench_pauses():
    """Schedule computation with 20 pauses, and with those and 500 busy events, beside the
    plain default plan in the same run; and the re-flow from a busy-file write to the new
    feed on disk, beside a skip's path from the Varlink call to the feed."""
    r = run_json([str(BIN / "pgtrack-bench"), "pauses", "1000"])
    per_slot = lambda ms, slots: ms * 1000 / slots
    start = date(2030, 1, 7)
    home = Home(f'[plan]\nstart = "{start}"\n[schedule]\ntimezone = "Europe/Berlin"\nbusy = ["~/work.ics"]\n[http]\nenabled = false\n'
                f'[reminders]\nenabled = false\n')
    work = home.root / "work.ics"
    work.write_text(work_calendar(start))
    feed = home.root / "data" / "pgtrack" / "pgtrack.ics"
    proc = home.start()
    reflow, skip = [], []
    try:
        wait_changed(feed, b"")
        open_slots = [x["id"] for x in call(home.socket, "ListSlots")["parameters"]["slots"]
                      if x["state"] == "scheduled" and x["week"] >= 12]
        late = ("BEGIN:VEVENT\r\nUID:late@bench\r\nDTSTAMP:20270101T000000Z\r\nSUMMARY:Late meeting\r\n"
                "DTSTART;TZID=Europe/Berlin:{d}T174500\r\nDTEND;TZID=Europe/Berlin:{d}T191500\r\nEND:VEVENT\r\n")
        for i in range(50):
            # Every other edit adds a late meeting over a Tuesday slot in weeks 11-19, the next takes it away.
            day = (start + timedelta(days=70 + (i // 2) % 9 * 7 + 1)).strftime("%Y%m%d")
            text = work_calendar(start, late.format(d=day) if i % 2 == 0 else "")
            before = feed.read_bytes()
            tmp = home.root / ".work.ics.tmp"
            tmp.write_text(text)
            t0 = time.perf_counter()
            os.replace(tmp, work)
            try:
                wait_changed(feed, before)
            except RuntimeError:
                raise RuntimeError(f"edit {i}: no new feed; {call(home.socket, 'Status')['parameters']['status']['busy']}")
            reflow.append((time.perf_counter() - t0) * 1000)
            # The anchor: a change through the API (skip, then undo) to the feed on disk.
            before = feed.read_bytes()
            t0 = time.perf_counter()
            reply = call(home.socket, "Skip", slot=open_slots[i % len(open_slots)]) if i % 2 == 0 else call(home.socket, "Undo")
            assert "error" not in reply, reply
            wait_changed(feed, before)
            skip.append((time.perf_counter() - t0) * 1000)
    finally:
        proc.terminate()
        proc.wait()
        home.cleanup()
    r50, r99 = percentiles(reflow)
    s50, s99 = percentiles(skip)
    ratio = r["busy_median_ms"] / r["plain_median_ms"]
    return {"title": "Laying out the schedule with 20 pauses and 500 busy events; re-flow after a busy-file write (#16)", "rows": [
        ["default plan + 20 pauses of 1–5 days, median", f"{r['paused_median_ms']:.3f} ms", "the plain default plan",
         f"{r['plain_median_ms']:.3f} ms", f"{r['paused_median_ms'] / r['plain_median_ms']:.2f}×"],
        ["default plan + 20 pauses + 500 busy events, median", f"{r['busy_median_ms']:.3f} ms", "the plain default plan",
         f"{r['plain_median_ms']:.3f} ms", f"{ratio:.2f}×"],
        ["default plan + 20 pauses + 500 busy events, p99", f"{r['busy_p99_ms']:.3f} ms", "the plain default plan",
         f"{r['plain_p99_ms']:.3f} ms", f"{r['busy_p99_ms'] / r['plain_p99_ms']:.2f}×"],
        ["the same per slot laid out, median", f"{per_slot(r['busy_median_ms'], r['busy_slots']):.2f} µs ({r['busy_slots']} slots, "
         f"{r['busy_moved']} moved)", "the plain plan per slot", f"{per_slot(r['plain_median_ms'], r['plain_slots']):.2f} µs "
         f"({r['plain_slots']} slots)", f"{per_slot(r['busy_median_ms'], r['busy_slots']) / per_slot(r['plain_median_ms'], r['plain_slots']):.2f}×"],
        ["reading the 500-event .ics (libical), median", f"{r['read_median_ms']:.2f} ms ({r['read_bytes'] // 1024} KiB)",
         "laying out with its events", f"{r['busy_median_ms']:.3f} ms", f"{r['read_median_ms'] / r['busy_median_ms']:.0f}×"],
        ["busy-file write → new feed on disk, p50 / p99 (50 edits)", f"{r50:.1f} / {r99:.1f} ms", "Skip/Undo call → new feed on disk",
         f"{s50:.1f} / {s99:.1f} ms", f"{r50 / s50:.2f}× / {r99 / s99:.2f}×"],
    ], "goals": [f"layout ≤ 2× the plain time and ≤ 5 ms: {ratio:.2f}×, {r['busy_median_ms']:.3f} ms",
                 f"re-flow p99 ≤ 200 ms: {r99:.1f} ms"],
        "notes": "The layout ratio compares a 145-slot schedule (the pauses push the plan out by 45 slots) with a 100-slot one, "
                 "so the per-slot row is the fairer view of what the busy rule costs. A re-flow's own cost is mostly reading the "
                 "file again with libical, which the layout figures leave out and the write → feed figure includes, with the "
                 "feed's write and fsync. The busy file is replaced by rename, as editors and sync tools write it."}


def bench_sync():
    """The CalDAV sync against Radicale: skip → CANCELLED on the server with the default
    debounce; an edit on the server → the plan, with the sync forced; a first full sync
    beside vdirsyncer syncing the same files that pgtrack did not write."""
    sys.path.insert(0, str(ROOT / "Tests" / "integration"))
    import caldav_server
    from datetime import timedelta
    work = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    radicale = caldav_server.Radicale(work)
    radicale.calendar()
    http_any = '[http]\nlisten = "127.0.0.1:0"\n'
    future = '[plan]\nstart = "2030-01-07"\n[schedule]\ntimezone = "Europe/Berlin"\n'
    home = Home("")
    vdir = home.root / "vdir"
    conf = caldav_server.vdirsyncer_setup(work, vdir, radicale)
    (home.root / "config" / "pgtrack" / "pgtrack.toml").write_text(
        future + http_any + f'[calendar]\nvdir = "{vdir}"\n[sync]\nenabled = true\n'
        f'command = ["vdirsyncer", "-c", "{conf}", "sync", "pgtrack"]\ninterval = "1h"\n')
    daemon = home.start()
    env = dict(home.env, PGTRACK_SOCKET=str(home.socket))
    ctl = lambda *a: json.loads(subprocess.run([str(BIN / "pgtrackctl"), *a, "--json"], env=env, capture_output=True,
                                               text=True, check=True).stdout)
    # The first full sync: 100 new events up.
    t0 = time.monotonic()
    first = ctl("sync")
    full_ms = (time.monotonic() - t0) * 1000
    # Its floor: vdirsyncer syncing the same 100 files, not written by pgtrack, to a new collection.
    floor = work / "floor"
    floor.mkdir()
    plain = floor / "vdir"
    plain.mkdir()
    for f in vdir.glob("*.ics"):
        (plain / f.name).write_bytes(f.read_bytes())
    import caldav
    principal = caldav.DAVClient(url=radicale.url, username="phone", password=caldav_server.PASSWORD).principal()
    principal.make_calendar(name="Floor", cal_id="floor")
    floor_conf = floor / "vdirsyncer.conf"
    floor_conf.write_text(conf.read_text().replace(str(vdir), str(plain)).replace("/phone/pgtrack/", "/phone/floor/")
                          .replace(f"{work}/vdirsyncer-status/", f"{floor}/status/"))
    subprocess.run(["vdirsyncer", "-c", str(floor_conf), "discover", "pgtrack"], check=True, capture_output=True)
    t0 = time.monotonic()
    subprocess.run(["vdirsyncer", "-c", str(floor_conf), "sync", "pgtrack"], check=True, capture_output=True)
    floor_ms = (time.monotonic() - t0) * 1000
    # skip → CANCELLED on the server (debounce 2 s, the default), 50 rounds.
    calendar = radicale.calendar()
    uid = "w10d1-20300107@pgtrack"

    def server_status():
        comp = calendar.event_by_uid(uid).icalendar_instance.walk("VEVENT")[0]
        return str(comp.get("STATUS"))
    up_ms = []
    for i in range(50):
        want = "CANCELLED" if i % 2 == 0 else "CONFIRMED"
        t0 = time.monotonic()
        ctl("skip", "w10d1") if i % 2 == 0 else ctl("undo")
        while server_status() != want:
            if time.monotonic() - t0 > 30:
                raise RuntimeError("the server did not follow")
            time.sleep(0.02)
        up_ms.append((time.monotonic() - t0) * 1000)
    # An edit on the server → pgtrackctl agenda, with the sync forced; vdirsyncer's own run time beside.
    down_ms, own_ms = [], []
    for i in range(50):
        hours = 1 if i % 2 == 0 else -1
        radicale.edit(uid.replace("w10d1", "w12d2"), lambda c: (c["DTSTART"].__setattr__("dt", c["DTSTART"].dt + timedelta(hours=hours)),
                                                                  c["DTEND"].__setattr__("dt", c["DTEND"].dt + timedelta(hours=hours))))
        t0 = time.monotonic()
        run = ctl("sync")
        slot = ctl("agenda", "--week", "12")[1]
        elapsed = (time.monotonic() - t0) * 1000
        assert slot["id"] == "w12d2"
        down_ms.append(elapsed)
        own_ms.append(elapsed - run["seconds"] * 1000)
        ctl("sync")  # the write-back of the new revision goes up before the next round
    daemon.send_signal(signal.SIGTERM)
    daemon.wait()
    home.cleanup()
    radicale.stop()
    shutil.rmtree(work, ignore_errors=True)
    up50, up99 = percentiles(up_ms)
    down50, down99 = percentiles(down_ms)
    own50, own99 = percentiles(own_ms)
    share = sum(own_ms) / sum(down_ms)
    return {"title": "The CalDAV sync against Radicale 3.9 through vdirsyncer 0.19", "rows": [
        ["first full sync (100 events up), via pgtrackctl sync", f"{full_ms:.0f} ms", "vdirsyncer alone, the same 100 files",
         f"{floor_ms:.0f} ms", f"{full_ms / floor_ms:.2f}×"],
        ["skip → CANCELLED on the server, p50", f"{up50:.0f} ms", "the debounce", "2000 ms", f"{up50 / 2000:.2f}×"],
        ["skip → CANCELLED on the server, p99", f"{up99:.0f} ms", "the debounce", "2000 ms", f"{up99 / 2000:.2f}×"],
        ["edit on the server → agenda (sync forced), p50", f"{down50:.0f} ms", "of which pgtrack's own", f"{own50:.0f} ms", f"{own50 / down50:.0%}"],
        ["edit on the server → agenda (sync forced), p99", f"{down99:.0f} ms", "of which pgtrack's own", f"{own99:.0f} ms", f"{own99 / down99:.0%}"],
    ], "goals": [f"pgtrack's own share ≤ 10 % of the round trip: {share:.0%} (all 50 rounds together)",
                 f"skip → server p99 ≤ debounce + 2 s: {up99 / 1000:.2f} s"],
        "notes": "pgtrack's own share is the round trip (edit saved on the server → the moved slot in `pgtrackctl agenda`) "
                 "minus the vdirsyncer run's own time, as the Sync reply reports it: the Varlink calls, reading the file with "
                 "libical, the change, the write-back and the CLI's start. The skip figure is dominated by the 2 s debounce "
                 "that gathers a burst of changes into one run; the first sync's ratio is pgtrack's start of the run and the "
                 "reading of its result over vdirsyncer's work."}


def send_garbage(sock, count):
    """`count` connections, each sending 64 random bytes and a NUL, reading what comes back."""
    import random
    rng = random.Random(1)
    for _ in range(count):
        g = socket.socket(socket.AF_UNIX)
        g.connect(str(sock))
        g.sendall(bytes(rng.randrange(256) for _ in range(64)) + b"\0")
        try:
            g.recv(4096)
        except OSError:
            pass
        g.close()


def bench_memory():
    """Private memory across 100,000 Status calls and 10,000 rejected messages."""
    home = Home()
    daemon = home.start()
    time.sleep(3)  # start-up done, and its heap trimmed a second after
    start = smaps_kb(daemon.pid)
    run_json([str(BIN / "pgtrack-bench"), "api-load", str(home.socket), "8", "100000"])
    calls = smaps_kb(daemon.pid)
    send_garbage(home.socket, 10000)
    garbage = smaps_kb(daemon.pid)
    time.sleep(2)
    quiet = smaps_kb(daemon.pid)
    daemon.send_signal(signal.SIGTERM)
    daemon.wait()
    home.cleanup()
    row = lambda label, m: [label, f"{mb(m['private_dirty'])} (PSS {mb(m['pss'])})", "", "",
                            f"{m['private_dirty'] / start['private_dirty']:.2f}× start"]
    worst = max(calls["private_dirty"], garbage["private_dirty"], quiet["private_dirty"])
    return {"title": "Private memory under load (Private_Dirty, and PSS)", "rows": [
        row("after start", start), row("after 100,000 Status calls", calls), row("after 10,000 rejected messages", garbage),
        row("2 s later, quiet", quiet),
    ], "goals": [f"Private_Dirty ≤ 6 MB after 100,000 calls: {mb(worst)}"],
        "notes": "A second after the loop's last activity the daemon calls malloc_trim; nothing is advised away: these are the pages it holds."}


def call(sock, method, **params):
    """One io.pgtrack.Tracker call on a fresh connection; the reply."""
    c = socket.socket(socket.AF_UNIX)
    c.settimeout(10)
    c.connect(str(sock))
    c.sendall(json.dumps({"method": "io.pgtrack.Tracker." + method, "parameters": params}).encode() + b"\0")
    data = b""
    while not data.endswith(b"\0"):
        chunk = c.recv(1 << 20)
        if not chunk:
            break
        data += chunk
    c.close()
    return json.loads(data[:-1]) if data else {"error": "closed"}


def bench_hostile():
    """What the daemon does with hostile input, and its private memory after each."""
    rows = []
    future = "[plan]\nstart = \"2030-01-07\"\n[schedule]\ntimezone = \"Europe/Berlin\"\n"
    home = Home(future)
    daemon = home.start()
    time.sleep(1)
    pid = daemon.pid
    pd = lambda: mb(smaps_kb(pid)["private_dirty"])
    rows.append(["(after start)", "serving", pd(), "", ""])

    # 60 connections streaming Monitor, each then pipelining 8 MiB of 60 KB calls.
    request = json.dumps({"method": "io.pgtrack.Tracker.Status", "parameters": {"pad": "x" * 60000}}).encode() + b"\0"
    monitor = json.dumps({"method": "io.pgtrack.Tracker.Monitor", "more": True}).encode() + b"\0"
    conns, accepted = [], 0
    for _ in range(60):
        c = socket.socket(socket.AF_UNIX)
        c.connect(str(home.socket))
        c.setblocking(False)
        c.sendall(monitor)
        sent = 0
        while sent < 8 << 20:
            try:
                sent += c.send(request * 4)
            except BlockingIOError:
                break
        accepted += sent
        conns.append(c)
    time.sleep(1)
    rows.append(["60 Monitor streams + 8 MiB of queued calls each", f"stopped reading after {accepted / 60 / 1024:.0f} KiB a connection",
                 pd(), "", ""])
    for c in conns:
        c.close()
    time.sleep(2)
    rows.append(["… those 60 connections closed, 2 s later", "bounded; malloc keeps the fragmented heap", pd(), "", ""])

    # 200 calls pipelined in one write.
    c = socket.socket(socket.AF_UNIX)
    c.connect(str(home.socket))
    c.settimeout(10)
    c.sendall((json.dumps({"method": "io.pgtrack.Tracker.Status"}).encode() + b"\0") * 200)
    data = b""
    while data.count(b"\0") < 200:
        chunk = c.recv(1 << 20)
        if not chunk:
            break
        data += chunk
    c.close()
    rows.append(["200 calls pipelined in one write", f"{data.count(bytes(1))} replies", pd(), "", ""])

    # 1,500 skip + undo pairs with the longest reason allowed, and one over it.
    over = call(home.socket, "Skip", slot="w01d1", reason="x" * 60000)
    for i in range(1500):
        call(home.socket, "Skip", slot="w01d1", reason="r" * 300)
        call(home.socket, "Undo")
    ledger = home.root / "state" / "pgtrack" / "pgtrack.sqlite"
    rows.append(["1,500 skip+undo pairs, 300-character reasons; a 60 KB reason",
                 f"ledger {ledger.stat().st_size / 1e6:.1f} MB; 60 KB: {over.get('error', 'accepted').rsplit('.', 1)[-1]}", pd(), "", ""])

    # A reschedule to the year 3500 and 10,000 garbage messages.
    far = call(home.socket, "Reschedule", slot="w01d1", start="3500-01-01T18:00:00+01:00")
    send_garbage(home.socket, 10000)
    rows.append(["reschedule to 3500; 10,000 random messages", f"{far.get('error', 'accepted').rsplit('.', 1)[-1]}; still serving: "
                 + ("yes" if "parameters" in call(home.socket, "Status") else "NO"), pd(), "", ""])
    daemon.send_signal(signal.SIGTERM)
    daemon.wait()
    home.cleanup()

    # A reply over 1 MiB: 52 weeks of 5 tasks with 4 KB titles.
    work = Path(tempfile.mkdtemp(prefix="hostile-"))
    plan = work / "long.md"
    plan.write_text("# Long\n" + "".join(f"### Week {w}\n" + "".join(f"- [ ] {'x' * 4000} {w}.{t}\n" for t in range(1, 6))
                                        for w in range(1, 53)))
    home = Home(future.replace("[plan]\n", f'[plan]\nfile = "{plan}"\n'))
    daemon = home.start()
    big = call(home.socket, "ListSlots")
    rows.append(["ListSlots of a plan with 4 KB titles (1.1 MB)", big.get("error", "sent").rsplit(".", 1)[-1],
                 mb(smaps_kb(daemon.pid)["private_dirty"]), "", ""])
    daemon.send_signal(signal.SIGTERM)
    daemon.wait()
    home.cleanup()

    # A holidays file with one all-day event to 2999, repeating daily from 1900.
    bomb = work / "bomb.ics"
    bomb.write_bytes(b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:b\r\nDTSTART;VALUE=DATE:19000101\r\n"
                     b"DTEND;VALUE=DATE:29991231\r\nRRULE:FREQ=DAILY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    starts = {}
    for name in ("plain", "bomb"):
        config = future.replace('timezone = "Europe/Berlin"', 'timezone = "Europe/Berlin"' + (f'\nholidays = "{bomb}"' if name == "bomb" else ""))
        times = []
        for _ in range(5):
            h = Home(config)
            t0 = time.perf_counter()
            d = h.start()
            times.append(time.perf_counter() - t0)
            d.send_signal(signal.SIGTERM)
            d.wait()
            h.cleanup()
        starts[name] = sorted(times)[2]
    rows.append(["holidays: one event to 2999, daily from 1900", f"start to socket {starts['bomb'] * 1000:.0f} ms",
                 "", "same plan, no holidays", f"{starts['plain'] * 1000:.0f} ms"])

    # Out of descriptors: 120 clients against a limit of 64.
    h = Home(future + "[control]\nmax_connections = 4096\n")
    d = subprocess.Popen(["prlimit", "--nofile=64", str(BIN / "pgtrackd")], env=h.env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    while not h.socket.exists():
        time.sleep(0.01)
    clients = []
    for _ in range(120):
        c = socket.socket(socket.AF_UNIX)
        c.setblocking(False)
        try:
            c.connect(str(h.socket))
        except OSError:
            pass
        clients.append(c)
    time.sleep(0.5)
    ticks = lambda: sum(int(x) for x in open(f"/proc/{d.pid}/stat").read().rsplit(")", 1)[1].split()[11:13])
    t0 = ticks()
    time.sleep(2)
    used = ticks() - t0
    rows.append(["120 clients at RLIMIT_NOFILE 64", f"{used * 10} ms of CPU in 2 s", mb(smaps_kb(d.pid)["private_dirty"]), "", ""])
    for c in clients:
        c.close()
    d.terminate()
    d.wait()
    h.cleanup()
    shutil.rmtree(work, ignore_errors=True)
    return {"title": "Hostile input", "rows": rows,
            "columns": ["input", "what pgtrackd did", "Private_Dirty after", "anchor", "anchor's figure"],
            "notes": "The holidays row's anchor is the same start without the holidays file. "
                     "Every config that used to kill it (durations past their bounds, headers toml++ asserted on before the config had its own parser) exits 78 at start and is refused on reload: Tests/integration/test_hostile.py."}


def bench_leaks():
    r = subprocess.run([sys.executable, str(ROOT / "bench" / "leaks.py")], capture_output=True, text=True, env=dict(os.environ, PGTRACK_BIN=str(BIN)))
    data = json.loads(r.stdout.strip().splitlines()[0])
    return {"title": "Leak check (valgrind --leak-check=full, scripted session of every API call and 3 reminders)", "rows": [
        ["definitely lost at exit", f"{data['definitely_lost_bytes']} bytes in {data['blocks']} blocks", "", "", ""],
        ["  malloc'd by pgtrack's code", f"{data['project_malloc_bytes']} bytes", "", "", ""],
        ["  malloc'd by dependencies", f"{data['dependency_bytes']} bytes", ", ".join(data["dependency_sites"]), "", ""],
        ["  Swift objects behind tagged pointers", f"{data['swift_tagged_bytes']} bytes", "", "", ""],
        ["reminders delivered during the run", str(data["reminders"]), "", "", ""],
    ], "goals": ["no definite leak from project code: " + ("none" if r.returncode == 0 else "FOUND")],
        "notes": "The config is parsed by pgtrack's own TOML target since issue 23; TOMLKit 0.6.0, used before, leaked about 1 KB per config load. Swift objects reachable only through tag-bit pointers (indirect enums of the parsed Varlink interface, weak side tables) are allocated once; RssAnon stays flat under load (see above)."}


def bench_crash():
    trials = 100
    env = dict(os.environ, PGTRACK_CRASH_TRIALS=str(trials), PGTRACK_BIN=str(BIN))
    t0 = time.time()
    r = subprocess.run([str(ROOT / ".venv" / "bin" / "pytest"), "-q", "-s", str(ROOT / "Tests" / "integration" / "test_crash.py")],
                       env=env, capture_output=True, text=True, cwd=ROOT)
    m = re.search(r"(\d+) acknowledged changes over (\d+) kills", r.stdout)
    ok = r.returncode == 0
    return {"title": "Crash trials (SIGKILL during a stream of changes)", "rows": [
        [f"{trials} kills", "passed" if ok else "FAILED", "", "", ""],
        ["acknowledged changes checked", m.group(1) if m else "?", "", "", ""],
        ["wall time", f"{time.time() - t0:.0f} s", "", "", ""],
    ], "goals": ["every acknowledged change survives: " + ("yes" if ok else "NO")]}


def paired_runs(commands, env, runs=300):
    """Wall time of each command, interleaved in a fresh random order every round so that
    the machine's load falls on all of them alike; each command's times in ms, by round."""
    import random
    times = {name: [] for name in commands}

    def once(argv):
        t0 = time.perf_counter()
        pid = os.posix_spawn(argv[0], argv, env, file_actions=[(os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0)])
        os.waitpid(pid, 0)
        return time.perf_counter() - t0
    for argv in commands.values():
        for _ in range(10):
            once(argv)
    for _ in range(runs):
        order = list(commands)
        random.shuffle(order)
        for name in order:
            times[name].append(once(commands[name]))
    return {name: [x * 1000 for x in t] for name, t in times.items()}


def median(values):
    return sorted(values)[len(values) // 2]


def paired_ratio(ours, anchor):
    """The median over rounds of ours ÷ anchor in the same round."""
    return median([a / b for a, b in zip(ours, anchor)])


def elf_facts(path):
    """File size, the text/data split (size -A groups), and whether ICU's data is inside."""
    out = subprocess.run(["size", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()[1].split()
    syms = subprocess.run(["nm", str(path)], capture_output=True, text=True).stdout
    return {"bytes": path.stat().st_size, "text": int(out[0]), "data": int(out[1]), "icu": "icudt" in syms}


def ready_ms(daemons, runs=20):
    """Exec to READY=1 of each daemon, the daemons alternating in random order; medians, ms."""
    import random
    times = {name: [] for name in daemons}
    for _ in range(runs):
        order = list(daemons)
        random.shuffle(order)
        for name in order:
            times[name].append(ready_once(daemons[name]))
    return {name: median(t) * 1000 for name, t in times.items()}


def ready_once(daemon):
    """Seconds from exec to the READY=1 datagram, for one start in fresh folders."""
    h = Home()
    ns = h.root / "notify.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(str(ns))
    listener.settimeout(10)
    t0 = time.perf_counter()
    p = subprocess.Popen([str(daemon)], env=dict(h.env, NOTIFY_SOCKET=str(ns)), stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    while b"READY=1" not in listener.recv(4096):
        pass
    elapsed = time.perf_counter() - t0
    p.send_signal(signal.SIGTERM)
    p.wait()
    listener.close()
    h.cleanup()
    return elapsed


def idle_memory(daemon, ctl):
    home = Home()
    p = subprocess.Popen([str(daemon)], env=home.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while not home.socket.exists() and time.time() < deadline:
        time.sleep(0.01)
    subprocess.run([str(ctl), "status"], env=dict(home.env, PGTRACK_SOCKET=str(home.socket)), capture_output=True,
                   check=True)
    time.sleep(2)
    mem = smaps_kb(p.pid)
    p.send_signal(signal.SIGTERM)
    p.wait()
    home.cleanup()
    return mem


def bench_package():
    """What the package ships, before and after issue 25: sizes, idle memory, start to
    READY=1, and pgtrackctl status beside calcurse -a and remind -n, in one run. The
    "before" binaries are PGTRACK_BEFORE_BIN (a build of the commit before); without it
    only "after" is measured. "After" is the release build stripped as dh_strip does."""
    work = Path(tempfile.mkdtemp(prefix="package-"))
    before_dir = os.environ.get("PGTRACK_BEFORE_BIN")
    builds = {}
    if before_dir:
        builds["before"] = Path(before_dir)
    stripped = work / "after"
    stripped.mkdir()
    for exe in ("pgtrackd", "pgtrackctl"):
        subprocess.run(["strip", "--strip-unneeded", "--remove-section=.comment", "--remove-section=.note",
                        "-o", str(stripped / exe), str(BIN / exe)], check=True)
    builds["after"] = stripped
    os.sync()
    hello = swift_hello()
    hello_mem = smaps_kb(hello.pid)
    hello.kill()
    rem = work / "reminders.rem"
    rem.write_text("REM Mon Tue Wed Thu Fri AT 18:00 MSG Study PostgreSQL\n")
    remind = subprocess.Popen(["remind", "-z1", str(rem)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    remind_mem = smaps_kb(remind.pid)
    remind.kill()
    facts, memory = {}, {}
    for name, d in builds.items():
        facts[name] = {exe: elf_facts(d / exe) for exe in ("pgtrackd", "pgtrackctl")}
        # nm on a stripped file finds nothing: ask the unstripped build whether ICU is inside.
        if name == "after":
            for exe in ("pgtrackd", "pgtrackctl"):
                facts[name][exe]["icu"] = elf_facts(BIN / exe)["icu"]
        memory[name] = idle_memory(d / "pgtrackd", d / "pgtrackctl")
    ready = ready_ms({name: d / "pgtrackd" for name, d in builds.items()})
    # The CLI against calcurse and remind, every client in the same rounds.
    home = Home()
    daemon = subprocess.Popen([str(builds["after"] / "pgtrackd")], env=home.env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while not home.socket.exists() and time.time() < deadline:
        time.sleep(0.01)
    cal_dir = work / "calcurse"
    cal_dir.mkdir()
    subprocess.run(["calcurse", "-D", str(cal_dir), "-i", str(home.root / "data" / "pgtrack" / "pgtrack.ics")],
                   capture_output=True, stdin=subprocess.DEVNULL)
    plan = work / "plan.rem"
    plan.write_text("".join(f"REM {d} AT 18:00 DURATION 0:30 MSG Study slot {i}\n"
                            for i, d in enumerate(["Mon", "Tue", "Wed", "Thu", "Fri"] * 20)))
    commands = {f"{name}": [str(d / "pgtrackctl"), "status"] for name, d in builds.items()}
    commands["calcurse -a"] = [shutil.which("calcurse"), "-D", str(cal_dir), "-a"]
    commands["remind -n"] = [shutil.which("remind"), "-n", str(plan)]
    rounds = paired_runs(commands, dict(home.env, PGTRACK_SOCKET=str(home.socket)))
    cli = {name: median(t) for name, t in rounds.items()}
    daemon.send_signal(signal.SIGTERM)
    daemon.wait()
    home.cleanup()
    shutil.rmtree(work, ignore_errors=True)

    remind_bin = Path(shutil.which("remind"))
    hello_bin = ROOT / ".build" / "bench-hello"
    rows = []
    for exe in ("pgtrackd", "pgtrackctl"):
        for name in builds:
            f = facts[name][exe]
            rows.append([f"{exe} file ({name})", f"{f['bytes'] / 1e6:.1f} MB", "remind", f"{remind_bin.stat().st_size / 1e6:.2f} MB",
                         f"text {f['text'] / 1e6:.1f} MB, data {f['data'] / 1e6:.1f} MB, ICU data {'inside' if f['icu'] else 'none'}"])
    rows.append(["static Swift hello (PIE) file", f"{hello_bin.stat().st_size / 1e6:.1f} MB", "", "", ""])
    for name in builds:
        m = memory[name]
        rows.append([f"pgtrackd idle PSS ({name})", mb(m["pss"]), "remind -z1", mb(remind_mem["pss"]),
                     f"{m['pss'] / max(1, remind_mem['pss']):.1f}× (Swift hello {mb(hello_mem['pss'])}: {m['pss'] / max(1, hello_mem['pss']):.1f}×)"])
        rows.append([f"pgtrackd idle Private_Dirty ({name})", mb(m["private_dirty"]), "remind -z1", mb(remind_mem["private_dirty"]),
                     f"{m['private_dirty'] / max(1, remind_mem['private_dirty']):.1f}× (Swift hello {mb(hello_mem['private_dirty'])}: "
                     f"{m['private_dirty'] / max(1, hello_mem['private_dirty']):.1f}×)"])
    for name in builds:
        rows.append([f"exec to READY=1, median of 20 ({name})", f"{ready[name]:.1f} ms", "", "", ""])
    for name in builds:
        for anchor in ("calcurse -a", "remind -n"):
            rows.append([f"pgtrackctl status ({name})", f"{cli[name]:.2f} ms", anchor, f"{cli[anchor]:.2f} ms",
                         f"{paired_ratio(rounds[name], rounds[anchor]):.2f}×"])
    after = facts["after"]
    return {"title": "The package: sizes, idle memory, start, and the CLI beside calcurse (#25)", "rows": rows,
            "columns": ["measure", "pgtrack", "anchor", "anchor's figure", "ratio / note"],
            "goals": [f"pgtrackctl status ≤ 1.5 × calcurse -a: {paired_ratio(rounds['after'], rounds['calcurse -a']):.2f}×",
                      f"no ICU data in pgtrackctl: {'no' if after['pgtrackctl']['icu'] else 'yes'}",
                      f"no ICU data in pgtrackd: {'no (GRDB links full Foundation; docs/DECISIONS.md)' if after['pgtrackd']['icu'] else 'yes'}"],
            "notes": "Wall times are medians of 300 rounds in which every client runs once, in a random order, against "
                     "one daemon; a ratio is the median over rounds of the two clients' times in the same round. 'Before' is "
                     "PGTRACK_BEFORE_BIN as make install installed it (unstripped); 'after' is as packaged (stripped; "
                     "debug symbols in pgtrack-dbgsym); both binaries are "
                     "PIE with full RELRO. Memory is smaps_rollup after a sync, 2 s after a status call; remind and the "
                     "hello are measured in the same run."}


def cpu_seconds(pid):
    """User and system CPU time of a process so far, from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def doors_trials(bin_dir):
    """Idle, 33 idle HTTP connections left to time out, and a busy-file storm (100
    rewrites a second for 10 s), on one daemon: CPU share and Private_Dirty of each, and
    whether the feed is still served after the connections closed."""
    import http.client
    from urllib.parse import urlsplit
    config = ("[plan]\nstart = \"2030-01-07\"\n[schedule]\ntimezone = \"Europe/Berlin\"\nbusy = [\"~/work.ics\"]\n"
              "[http]\nlisten = \"127.0.0.1:0\"\ntimeout = \"2s\"\n")
    home = Home(config)
    work = home.root / "work.ics"
    head, tail = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//b//EN\r\n", "END:VCALENDAR\r\n"
    work.write_text(head + tail)
    daemon = home.start(bin_dir)
    pid = daemon.pid
    out = {}
    try:
        env = dict(home.env, PGTRACK_SOCKET=str(home.socket))
        url = json.loads(subprocess.run([str(Path(bin_dir) / "pgtrackctl"), "feed", "--json"], env=env,
                                        capture_output=True, text=True).stdout)["url"]
        u = urlsplit(url)

        def trial(seconds, action=None):
            c0, t0 = cpu_seconds(pid), time.monotonic()
            if action:
                action(seconds)
            else:
                time.sleep(seconds)
            return (cpu_seconds(pid) - c0) / (time.monotonic() - t0), smaps_kb(pid)["private_dirty"]

        time.sleep(1)
        out["idle"] = trial(5)

        def connections(seconds):
            idle = [socket.create_connection((u.hostname, u.port), timeout=2) for _ in range(33)]
            time.sleep(seconds)
            for c in idle:
                c.close()
        out["http"] = trial(4, connections)
        try:
            c = http.client.HTTPConnection(u.hostname, u.port, timeout=3)
            c.request("GET", u.path)
            out["served"] = c.getresponse().status == 200
        except OSError:
            out["served"] = False

        pad = "X-PAD:" + "\r\n ".join(["x" * 70] * 700) + "\r\n"

        def storm(seconds):
            end = time.monotonic() + seconds
            i = 0
            while time.monotonic() < end:
                m = 10 + i % 150
                event = (f"BEGIN:VEVENT\r\nUID:s@b\r\nDTSTAMP:20300101T000000Z\r\nDTSTART;TZID=Europe/Berlin:20300108T173000\r\n"
                         f"DTEND;TZID=Europe/Berlin:20300108T{18 + m // 60:02d}{m % 60:02d}00\r\nSUMMARY:Storm {i}\r\n{pad}END:VEVENT\r\n")
                tmp = home.root / ".work.tmp"
                tmp.write_text(head + event + tail)
                os.replace(tmp, work)
                i += 1
                time.sleep(0.01)
            out["writes"] = i
        out["storm"] = trial(10, storm)
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait()
        home.cleanup()
    return out


def bench_doors():
    """Issue 23's trials: CPU and Private_Dirty while idle, under 33 idle HTTP connections
    and under a busy-file storm; with PGTRACK_BASE_BIN, the code before the fixes beside."""
    now = doors_trials(BIN)
    base_dir = os.environ.get("PGTRACK_BASE_BIN")
    before = doors_trials(base_dir) if base_dir else None
    pct = lambda t: f"{t[0] * 100:.1f} % CPU, {mb(t[1])} Private_Dirty"
    rows = [["idle, 5 s", pct(now["idle"]), "", pct(before["idle"]) if before else "", ""],
            ["33 idle HTTP connections, left to time out (2 s)", pct(now["http"]), "",
             pct(before["http"]) if before else "", ""],
            ["… the feed served after they closed", "yes" if now["served"] else "NO (wedged)", "",
             ("yes" if before["served"] else "no (wedged)") if before else "", ""],
            [f"busy-file storm: {now['writes']} rewrites of 51 KB in 10 s", pct(now["storm"]), "idle: " + pct(now["idle"]),
             pct(before["storm"]) if before else "",
             f"{now['storm'][0] / before['storm'][0]:.2f}× the CPU before" if before and before["storm"][0] else ""]]
    return {"title": "Doors under hostile input (issue 23)", "rows": rows,
            "columns": ["trial", "pgtrack now", "anchor", "before the fixes (same run)", "ratio"],
            "notes": "CPU is the daemon's user+system time over the trial's wall time; Private_Dirty from "
                     "smaps_rollup after each trial. The storm rewrites the busy file (renamed over) every 10 ms; "
                     "each version moves a slot. Before: each write was read and re-flowed; now a change is read "
                     "after 300 ms of quiet and never sooner than ten times the last read's cost."}


def bench_follow():
    """The status-bar follower (`pgtrackctl status --follow`): from a change's call to the
    follower's line on its stdout, beside the Monitor stream's reply for the same change
    (the follower reads that stream, then asks Status on a second connection)."""
    import select
    home = Home('[plan]\nstart = "2030-01-07"\n[schedule]\ntimezone = "Europe/Berlin"\n[reminders]\nenabled = false\n')
    daemon = home.start()
    env = dict(home.env, PGTRACK_SOCKET=str(home.socket))
    follower = subprocess.Popen([str(BIN / "pgtrackctl"), "status", "--follow", "--format", "waybar"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        out = follower.stdout
        ready, _, _ = select.select([out], [], [], 5)
        assert ready, "no first line"
        os.read(out.fileno(), 1 << 16)
        monitor = monitor_connect(home.socket)
        time.sleep(0.3)
        monitor.recv(1 << 16)  # "subscribed"
        monitor.setblocking(False)
        follow_ms, mon_ms = [], []
        changes = 200
        for i in range(changes):
            method = "Complete" if i % 2 == 0 else "Reopen"
            c = socket.socket(socket.AF_UNIX)
            c.connect(str(home.socket))
            sent = time.monotonic()
            c.sendall(json.dumps({"method": "io.pgtrack.Tracker." + method, "parameters": {"slot": "w01d1"}}).encode() + b"\0")
            got = {}
            deadline = sent + 5
            while len(got) < 2 and time.monotonic() < deadline:
                ready, _, _ = select.select([out, monitor], [], [], 0.5)
                for r in ready:
                    at = time.monotonic()
                    if r is out:
                        os.read(out.fileno(), 1 << 16)
                        got.setdefault("follow", at)
                    else:
                        monitor.recv(1 << 16)
                        got.setdefault("monitor", at)
            c.close()
            assert len(got) == 2, f"{method}: heard only {list(got)}"
            follow_ms.append((got["follow"] - sent) * 1000)
            mon_ms.append((got["monitor"] - sent) * 1000)
        idle_calls, _ = strace_count(follower.pid, 10)
    finally:
        follower.terminate()
        follower.wait(timeout=5)
        daemon.terminate()
        daemon.wait(timeout=10)
        home.cleanup()
    f50, f99 = percentiles(follow_ms)
    m50, m99 = percentiles(mon_ms)
    return {"title": "Status-bar follower: change to line, beside the Monitor stream",
            "columns": ["measure", "follower (waybar line)", "Monitor reply", "ratio"],
            "rows": [["change → line, p50", f"{f50:.2f} ms", f"{m50:.2f} ms", f"{f50 / m50:.1f}×"],
                     ["change → line, p99", f"{f99:.2f} ms", f"{m99:.2f} ms", f"{f99 / m99:.1f}×"],
                     ["system calls while idle, 10 s", str(idle_calls), "–", "–"]],
            "notes": f"{changes} changes (done and undone of w01d1, one at a time) on the default plan. The follower's "
                     "line comes after the Monitor reply it reads plus a Status call on a fresh connection and the render."}


def bench_config():
    """Config load time for config/pgtrack.toml: the TOML target beside TOMLKit (toml++),
    interleaved in one run (fuzz/Sources/bench-toml, built in release without sanitizers:
    TOMLKit lives only in the fuzz package now)."""
    fuzz = ROOT / "fuzz"
    swift = shutil.which("swift") or "/opt/swift/usr/bin/swift"
    subprocess.run([swift, "build", "-c", "release", "--product", "bench-toml", "--scratch-path", str(fuzz / ".build-bench")],
                   cwd=fuzz, check=True, capture_output=True)
    out = subprocess.run([str(fuzz / ".build-bench" / "release" / "bench-toml")], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    ours = re.search(r"TOML \(Swift\):\s+median ([\d.]+) ms, p99 ([\d.]+) ms", out)
    theirs = re.search(r"TOMLKit \(toml\+\+\):\s+median ([\d.]+) ms, p99 ([\d.]+) ms", out)
    m1, p1, m2, p2 = (float(x) for x in (ours.group(1), ours.group(2), theirs.group(1), theirs.group(2)))
    rows = [["config/pgtrack.toml, median per load", f"{m1:.3f} ms", "TOMLKit 0.6.0 (toml++ 3.4)", f"{m2:.3f} ms", f"{m1 / m2:.2f}×"],
            ["… p99", f"{p1:.3f} ms", "TOMLKit 0.6.0 (toml++ 3.4)", f"{p2:.3f} ms", f"{p1 / p2:.2f}×"]]
    return {"title": "Config parsing: the TOML target beside TOMLKit", "rows": rows,
            "notes": "Parse only (the loader's checks of every key come after). Fuzzing of the new parser, "
                     "this session: fuzz-toml (differential against toml++, which sees only input ours "
                     "accepted, or runs in a forked child) about 18 minutes, at least 200,000 runs, two "
                     "findings fixed or named (docs/DECISIONS.md); fuzz-config 842 s, 5,527,268 runs, none. "
                     "`make fuzz FUZZ_SECONDS=N` repeats them."}


class SectionSkipped(Exception):
    """A section that cannot run here (a build it compares with is not named): `make bench`
    (no section named) prints the reason and goes on; naming the section makes it an error."""


def before_build(variable, purpose):
    """The folder of an earlier build named by `variable`, with the three programs in it."""
    folder = os.environ.get(variable)
    if not folder:
        raise SectionSkipped(f"{variable} is not set: {purpose}")
    folder = Path(folder)
    missing = [exe for exe in ("pgtrackd", "pgtrackctl", "pgtrack-bench") if not os.access(folder / exe, os.X_OK)]
    if missing:
        raise RuntimeError(f"{variable}={folder}: no executable {', '.join(missing)} there")
    return folder


def drain(sock, quiet):
    """Reads and drops what arrives on a non-blocking socket until `quiet` seconds pass with nothing."""
    import select
    while select.select([sock], [], [], quiet)[0]:
        if not sock.recv(1 << 20):
            raise RuntimeError("a stream closed")


def await_events(sse, monitor, timeout=5.0):
    """Reads the event stream and the Monitor stream until each has told of a change (as
    change_latencies hears them), untimed: so that a change timed otherwise leaves nothing
    behind for the next one."""
    import select
    heard, deadline = set(), time.monotonic() + timeout
    while len(heard) < 2 and time.monotonic() < deadline:
        for sock in select.select([sse, monitor], [], [], 0.5)[0]:
            data = sock.recv(1 << 20)
            if sock is sse and b"data: " in data:
                heard.add("sse")
            elif sock is monitor and b'"kind"' in data:
                heard.add("monitor")
    assert len(heard) == 2, f"heard only {heard}"


ENGINE_IDLE_SECONDS = 10


def bench_engine():
    """Issue 22 (Manager → Engine): the daemon before the refactor (PGTRACK_BEFORE_BIN)
    and after it (PGTRACK_BIN) side by side in one run, in their own private folders, the
    work alternating between them: change → feed file, change → page event, idle system
    calls, private memory and export time."""
    import random
    builds = {"after": BIN, "before": before_build(
        "PGTRACK_BEFORE_BIN", "the engine section compares with a build of the commit before issue 22's refactor "
        "(a folder with its pgtrackd, pgtrackctl and pgtrack-bench)")}
    config = '[plan]\nstart = "2030-01-07"\n[schedule]\ntimezone = "Europe/Berlin"\n[http]\nlisten = "127.0.0.1:0"\n'
    rounds = 250  # each round, each daemon: one change timed to its feed file, one to its page's event
    homes, daemons, streams = {}, {}, {}
    feed_ms = {name: [] for name in builds}
    sse_ms = {name: [] for name in builds}
    mon_ms = {name: [] for name in builds}
    export_ms = {name: [] for name in builds}
    idle, memory = {}, {}
    changes = {name: 0 for name in builds}

    def next_change(name):
        """Skip of w10d1 and Undo, alternating, as the page section makes them."""
        changes[name] += 1
        return ("Skip", {"slot": "w10d1"}) if changes[name] % 2 == 1 else ("Undo", {})

    def feed_change(name):
        """The call, then polling the feed file until its content differs."""
        sse, monitor = streams[name]
        method, params = next_change(name)
        before = feeds[name].read_bytes()
        t0 = time.perf_counter()
        reply = call(homes[name].socket, method, **params)
        assert "error" not in reply, reply
        wait_changed(feeds[name], before)
        feed_ms[name].append((time.perf_counter() - t0) * 1000)
        await_events(sse, monitor)

    def event_change(name):
        """The page's event stream and the Monitor stream, timed as the page section does;
        then, untimed, the feed file's new content (which may come after the event), so that
        the next change timed to the file starts from this one's."""
        sse, monitor = streams[name]
        before = feeds[name].read_bytes()
        s_ms, m_ms = change_latencies(homes[name].socket, sse, monitor, [next_change(name)], settle=0)
        wait_changed(feeds[name], before)
        sse_ms[name] += s_ms
        mon_ms[name] += m_ms

    def idle_window(label):
        """Both daemons traced at once for ENGINE_IDLE_SECONDS, 2 s after a Status call;
        then their memory."""
        for name in builds:
            assert "parameters" in call(homes[name].socket, "Status")
        time.sleep(2)
        counted = {}

        def trace(name):
            counted[name] = strace_count(daemons[name].pid, ENGINE_IDLE_SECONDS)[0]
        threads = [threading.Thread(target=trace, args=(name,)) for name in builds]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        idle[label] = counted
        memory[label] = {name: smaps_kb(daemons[name].pid) for name in builds}

    try:
        for name, folder in builds.items():
            homes[name] = Home(config)
            daemons[name] = homes[name].start(folder)
        feeds = {name: homes[name].root / "data" / "pgtrack" / "pgtrack.ics" for name in builds}
        for name in builds:
            wait_changed(feeds[name], b"")
        idle_window("start")
        for name in builds:
            page = call(homes[name].socket, "Feed")["parameters"]["page"]
            streams[name] = (sse_connect(page), monitor_connect(homes[name].socket))
        for sse, monitor in streams.values():
            for st in (sse, monitor):
                st.setblocking(False)
                drain(st, 0.3)  # the greeting: retry and the first event, or "subscribed"
        for r in range(rounds):
            # Skip and Undo take turns in each daemon, and the two kinds of timing take turns in
            # going first, so that each times as many skips as undos.
            for timed in ((feed_change, event_change) if r % 2 == 0 else (event_change, feed_change)):
                order = list(builds)
                random.shuffle(order)
                for name in order:
                    timed(name)
        for name in builds:
            assert "parameters" in call(homes[name].socket, "Status")
        time.sleep(1)  # the heap trimmed a second after the last change, before the window's own 2 s
        idle_window("changes")
        for sse, monitor in streams.values():
            sse.close()
            monitor.close()
        # Export over Varlink: one call on a fresh connection, reply read and parsed, the daemons alternating.
        for _ in range(300):
            order = list(builds)
            random.shuffle(order)
            for name in order:
                t0 = time.perf_counter()
                reply = call(homes[name].socket, "Export", format="ics")
                export_ms[name].append((time.perf_counter() - t0) * 1000)
                assert reply["parameters"]["content"].startswith("BEGIN:VCALENDAR"), reply
    finally:
        for name, d in daemons.items():
            d.send_signal(signal.SIGTERM)
            d.wait(timeout=10)
        for h in homes.values():
            h.cleanup()
    # pgtrack-bench export, as the export section runs it, the builds alternating.
    bench_export_ms = {size: {name: [] for name in builds} for size in ("default", "big")}
    for size, args, times in (("default", ["0", "20"], 21), ("big", ["10000", "3"], 7)):
        for _ in range(times):
            order = list(builds)
            random.shuffle(order)
            for name in order:
                bench_export_ms[size][name].append(run_json([str(builds[name] / "pgtrack-bench"), "export", *args])["median_ms"])

    changed = len(feed_ms["after"]) + len(sse_ms["after"])
    ratio = lambda a, b: f"{a / b:.2f}×" if b else ("—" if not a else "∞")
    rows = []

    def latency_rows(label, values):
        after, before = percentiles(values["after"]), percentiles(values["before"])
        for i, p in enumerate(("p50", "p99")):
            rows.append([f"{label}, {p} ({len(values['after'])} changes)", f"{after[i]:.2f} ms", f"{before[i]:.2f} ms",
                         ratio(after[i], before[i])])
        return after[1] / before[1]
    feed_p99 = latency_rows("change → feed file on disk", feed_ms)
    sse_p99 = latency_rows("change → page event (SSE)", sse_ms)
    latency_rows("change → Monitor reply (same changes)", mon_ms)
    for label, when in (("after start", "start"), (f"after the {changed} changes, event stream and Monitor open", "changes")):
        a, b = idle[when]["after"], idle[when]["before"]
        rows.append([f"system calls, {ENGINE_IDLE_SECONDS} s idle {label}", str(a), str(b), ratio(a, b)])
    for label, when in (("idle after start", "start"), (f"after the {changed} changes", "changes")):
        for field, name in (("private_dirty", "Private_Dirty"), ("pss", "PSS")):
            a, b = memory[when]["after"][field], memory[when]["before"][field]
            rows.append([f"{name}, {label}", mb(a), mb(b), ratio(a, b)])
    ea, eb = median(export_ms["after"]), median(export_ms["before"])
    rows.append([f"Export ics over Varlink, median of {len(export_ms['after'])} calls", f"{ea:.2f} ms", f"{eb:.2f} ms", ratio(ea, eb)])
    for size, label in (("default", "default plan (100 slots)"), ("big", "10,000 slots")):
        a, b = median(bench_export_ms[size]["after"]), median(bench_export_ms[size]["before"])
        rows.append([f"pgtrack-bench export, {label}, median of {len(bench_export_ms[size]['after'])} runs' medians",
                     f"{a:.2f} ms", f"{b:.2f} ms", ratio(a, b)])
    pd_ratio = memory["changes"]["after"]["private_dirty"] / memory["changes"]["before"]["private_dirty"]
    return {"title": "One engine (issue 22): before and after the refactor, side by side", "rows": rows,
            "columns": ["measure", "after (now)", "before", "ratio after ÷ before"],
            "goals": [f"no regression (after ÷ before): change → feed p99 {feed_p99:.2f}×, change → page event p99 "
                      f"{sse_p99:.2f}×, Private_Dirty after the changes {pd_ratio:.2f}×, Export {ea / eb:.2f}×",
                      "0 idle system calls: after " + ", ".join(str(idle[w]["after"]) for w in ("start", "changes"))
                      + "; before " + ", ".join(str(idle[w]["before"]) for w in ("start", "changes"))],
            "notes": "Both builds ran in the same run on the same machine: 'after' is PGTRACK_BIN, 'before' "
                     "PGTRACK_BEFORE_BIN, a build of the commit before the refactor. The two daemons ran side by side, "
                     "each in its own private XDG folders with the same config (the default plan from 2030-01-07, HTTP "
                     "on), and took turns change by change: in each of "
                     f"{rounds} rounds each daemon, in a random order, got a change timed to its feed file, then each, in "
                     "a random order, one timed to its page's event stream (every other round the other way round), so "
                     "one daemon worked while the other waited. A change is a Skip of w10d1 or an Undo, alternating in "
                     "each daemon, on a fresh Varlink connection; the feed time "
                     "runs from sending the call to the file's content differing (polled every 0.2 ms, as the pauses "
                     "section does), the event time to the SSE event's arrival (the page section's method; the Monitor "
                     "stream is timed on the same changes). After each change the rest of what it causes (the streams' "
                     "events, or the new file) is awaited untimed, so no timing starts with a change still in flight. "
                     "Idle system calls are strace -f -c over "
                     f"{ENGINE_IDLE_SECONDS} s on both daemons at once, 2 s after a Status call; memory is "
                     "smaps_rollup at the end of each window. PSS splits the shared libraries' pages between the two "
                     "daemons, so it is lower than a lone daemon's (idle section); Private_Dirty is not shared. Export "
                     "is the Export call for ics, timed in the client from sending to the parsed reply, the daemons "
                     "alternating; pgtrack-bench export is the export section's in-process figure, each build's "
                     "binary in turn."}


class Varlink:
    """One persistent io.pgtrack.Tracker connection, for calls made one after another."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.settimeout(10)
        self.sock.connect(str(path))
        self.buffer = b""

    def call(self, method, **params):
        self.sock.sendall(json.dumps({"method": "io.pgtrack.Tracker." + method, "parameters": params}).encode() + b"\0")
        while b"\0" not in self.buffer:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise RuntimeError("the control connection closed")
            self.buffer += chunk
        reply, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(reply)

    def close(self):
        self.sock.close()


def wait_bytes(path, want, timeout=5.0):
    """Polls `path` (every 0.2 ms, as wait_changed) until it holds exactly `want`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if path.read_bytes() == want:
                return
        except FileNotFoundError:
            pass
        time.sleep(0.0002)
    raise RuntimeError(f"{path} did not come to the bytes awaited")


PLANFILE_POLL = 0.0005  # the sleep between two ListSlots polls


def bench_planfile():
    """Issue 26, the plan's Markdown file kept live, both ways: a Complete (Reopen) call to
    its box ticked (unticked) in the file on disk, and a box ticked (unticked) in an
    editor, saved in place or renamed over, to the slot done (not done) in ListSlots;
    beside a Skip (Undo) call to the new feed file on disk, in the same rounds."""
    import random
    rounds, warmup = 200, 3
    # A plan as Tests/integration/test_plan_file.py writes one: four weeks of five tasks.
    text = ("# PostgreSQL in a month\n\n" + "".join(
        f"## Stage {s}: {name}\n\n" + "".join(
            f"### Week {w}\n" + "".join(f"- [ ] Task {w}.{t}\n" for t in range(1, 6)) + "\n" for w in weeks)
        for s, name, weeks in ((1, "Basics", (1, 2)), (2, "Internals", (3, 4))))).encode()
    done_slot, done_box = "w01d1", b"- [ ] Task 1.1\n"      # ticked by Complete, unticked by Reopen
    edit_slot, edit_box = "w01d2", b"- [ ] Task 1.2\n"      # ticked and unticked in the "editor"
    skip_slot = "w03d1"                                     # the anchor's Skip, then Undo
    tick = lambda box: text.replace(box, box.replace(b"[ ]", b"[x]"), 1)
    home = Home("")
    plan = home.root / "notes" / "plan.md"
    plan.parent.mkdir()
    plan.write_bytes(text)
    (home.root / "config" / "pgtrack" / "pgtrack.toml").write_text(
        f'[plan]\nstart = "2030-01-07"\nfile = "{plan}"\n[schedule]\ntimezone = "Europe/Berlin"\n'
        '[http]\nenabled = false\n[reminders]\nenabled = false\n')
    feed = home.root / "data" / "pgtrack" / "pgtrack.ics"
    times = {k: [] for k in ("tick_file", "untick_file", "tick_inplace", "tick_rename", "untick_inplace",
                             "untick_rename", "skip", "undo", "tick_reply", "untick_reply", "skip_reply", "undo_reply")}
    polls, quiet_rtt, quiet_period, busy_period = [], [], [], []
    keep = [True]

    def timed(key, ms):
        if keep[0]:
            times[key].append(ms)

    def done_to_file():
        """Complete, timed to the box ticked on disk; Reopen, timed to it unticked. Each
        change's new feed (written after the plan file) is awaited untimed."""
        for method, want, key in (("Complete", tick(done_box), "tick_file"), ("Reopen", text, "untick_file")):
            before = feed.read_bytes()
            t0 = time.perf_counter()
            reply = call(home.socket, method, slot=done_slot)
            timed(key.replace("_file", "_reply"), (time.perf_counter() - t0) * 1000)
            assert "error" not in reply, reply
            wait_bytes(plan, want)
            timed(key, (time.perf_counter() - t0) * 1000)
            wait_changed(feed, before)

    def slot_done():
        """One ListSlots poll on the persistent connection: whether edit_slot is done, when
        the poll was sent, and its round trip in ms."""
        t = time.perf_counter()
        slots = control.call("ListSlots", week=1)["parameters"]["slots"]
        return next(s for s in slots if s["id"] == edit_slot)["state"] == "done", t, (time.perf_counter() - t) * 1000

    def file_to_agenda(r):
        """The box ticked, then unticked, as an editor saves: in place in even rounds, by a
        new file renamed over the plan in odd ones; each timed to ListSlots showing the
        slot done (not done), then its new feed awaited untimed."""
        how = "inplace" if r % 2 == 0 else "rename"
        for content, want, key in ((tick(edit_box), True, "tick"), (text, False, "untick")):
            # The polling's own granularity, with nothing to see: three polls as the timed
            # loop makes them, just before the save.
            last = None
            for _ in range(3):
                done, sent, rtt = slot_done()
                assert done != want, f"{edit_slot} already {'done' if want else 'open'} before the {key}"
                if keep[0]:
                    quiet_rtt.append(rtt)
                    if last is not None:
                        quiet_period.append((sent - last) * 1000)
                last = sent
                time.sleep(PLANFILE_POLL)
            before = feed.read_bytes()
            if how == "rename":
                tmp = plan.with_name(".plan.md.swp")
                tmp.write_bytes(content)
                t0 = time.perf_counter()
                os.rename(tmp, plan)
            else:
                t0 = time.perf_counter()
                plan.write_bytes(content)
            deadline, n, last = t0 + 5, 0, None
            while True:
                done, sent, _ = slot_done()
                n += 1
                if last is not None and keep[0]:
                    busy_period.append((sent - last) * 1000)
                last = sent
                if done == want:
                    break
                if time.perf_counter() > deadline:
                    raise RuntimeError(f"{edit_slot} not {'done' if want else 'open'} after the {key} ({how})")
                time.sleep(PLANFILE_POLL)
            timed(f"{key}_{how}", (time.perf_counter() - t0) * 1000)
            if keep[0]:
                polls.append(n)
            wait_changed(feed, before)

    def skip_to_feed():
        """The anchor: Skip, then Undo, each timed from the call to the new feed on disk."""
        for method, params, key in (("Skip", {"slot": skip_slot}, "skip"), ("Undo", {}, "undo")):
            before = feed.read_bytes()
            t0 = time.perf_counter()
            reply = call(home.socket, method, **params)
            timed(key + "_reply", (time.perf_counter() - t0) * 1000)
            assert "error" not in reply, reply
            wait_changed(feed, before)
            timed(key, (time.perf_counter() - t0) * 1000)

    daemon = home.start()
    control = None
    try:
        wait_changed(feed, b"")
        control = Varlink(home.socket)
        for r in range(warmup + rounds):
            keep[0] = r >= warmup
            blocks = [done_to_file, lambda: file_to_agenda(r), skip_to_feed]
            random.shuffle(blocks)
            for block in blocks:
                block()
        # Every change was undone: the file is the plan as written, no slot is done.
        assert plan.read_bytes() == text
        assert all(s["state"] == "scheduled" for s in control.call("ListSlots", week=1)["parameters"]["slots"])
    finally:
        if control:
            control.close()
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=10)
        home.cleanup()

    anchor = times["skip"] + times["undo"]
    a50, a99 = percentiles(anchor)
    rows = []

    def row(label, values, anchor=(a50, a99), what=""):
        p50, p99 = percentiles(values)
        rows.append([f"{label} ({len(values)})", f"{p50:.2f} ms", f"{p99:.2f} ms", f"{what}{anchor[0]:.2f} / {anchor[1]:.2f} ms",
                     f"{p50 / anchor[0]:.2f}×"])
    row("Complete call → box ticked in the file on disk", times["tick_file"])
    row("Reopen call → box unticked in the file on disk", times["untick_file"])
    row("box ticked in the editor → ListSlots shows done, both saves", times["tick_inplace"] + times["tick_rename"])
    row("box unticked in the editor → ListSlots shows not done, both saves",
        times["untick_inplace"] + times["untick_rename"])
    row("… saved in place, tick and untick", times["tick_inplace"] + times["untick_inplace"])
    row("… new file renamed over, tick and untick", times["tick_rename"] + times["untick_rename"])
    row("the anchor alone: Skip call → new feed on disk", times["skip"])
    row("the anchor alone: Undo call → new feed on disk", times["undo"])
    # The box is written before the reply (kill -9 keeps an acknowledged undone): what that
    # costs the caller, beside a change that touches no box, in the same rounds.
    reply_anchor = percentiles(times["skip_reply"] + times["undo_reply"])
    row("Complete/Reopen call → reply, the box written before it", times["tick_reply"] + times["untick_reply"],
        reply_anchor, "Skip/Undo call → reply: ")
    rtt50, rtt99 = percentiles(quiet_rtt)
    per50, per99 = percentiles(quiet_period)
    first = sum(1 for n in polls if n == 1)
    busy = (f"; when it took more, polls went out every {percentiles(busy_period)[0]:.2f} ms p50 "
            f"({percentiles(busy_period)[1]:.2f} ms p99)") if busy_period else ""
    return {"title": "The live plan file (issue 26): done → box on disk, editor save → agenda", "rows": rows,
            "columns": ["measure (changes)", "p50", "p99", "anchor: Skip/Undo call → new feed on disk, p50 / p99",
                        "ratio p50 (÷ anchor)"],
            "notes": f"One daemon (PGTRACK_BIN), the default schedule from 2030-01-07 with `[plan] file` a 4-week plan of "
                     f"5 tasks a week (sync_checkboxes on, the default), HTTP and reminders off. {rounds} rounds after "
                     f"{warmup} untimed ones; each round runs three blocks in a random order: Complete of {done_slot} then "
                     f"Reopen, each a call on a fresh Varlink connection timed until the plan file's bytes are exactly "
                     f"those with its box ticked (unticked), polled every 0.2 ms as the feed is; the box of "
                     f"{edit_slot}'s task ticked then unticked as an editor saves, in place (open, truncate, write, "
                     f"close: timed from the open) in even rounds and by a new file renamed over the plan (timed from "
                     f"the rename, the new file written before) in odd ones, each timed until ListSlots (week 1, "
                     f"on one persistent connection) shows the slot done (not done); and the anchor, Skip of "
                     f"{skip_slot} then Undo, each timed from the call to the feed file's content differing (polled "
                     f"every 0.2 ms, as the pauses and engine sections do). The anchor column is all "
                     f"{len(anchor)} Skip and Undo calls. After every change its new feed is awaited untimed (each "
                     f"change writes the feed once, after the plan file), so no timing starts with a write in flight. "
                     f"Polling ListSlots: the first poll goes out right after the save, then one after each "
                     f"{PLANFILE_POLL * 1000:.1f} ms sleep. Three polls just before each save, with nothing to see, "
                     f"took {rtt50 * 1000:.0f} µs p50 ({rtt99 * 1000:.0f} µs p99) a round trip and went out every "
                     f"{per50:.2f} ms p50 ({per99:.2f} ms p99): a poll that missed the change by a hair costs up to "
                     f"that period. But {first} of {len(polls)} saves were seen by the first poll (p99 "
                     f"{percentiles(polls)[1]} polls){busy}: the daemon's one loop usually takes the folder watch's "
                     f"event before that poll, and answers the poll only after recording the change and writing its "
                     f"outputs (the feed with its fsyncs), so the editor figures include that work, as the anchor's "
                     f"do. The plan file and the feed are polled by reading them, which the daemon's folder "
                     f"watch does not hear. The last row times the calls to their reply: a Complete or Reopen "
                     f"writes the plan file (with its fsyncs) before answering, a Skip or Undo does not; both "
                     f"answer before the feed is written."}


SECTIONS = {"export": bench_export, "idle": bench_idle, "api": bench_api, "cli": bench_cli,
            "reminders": bench_reminders, "memory": bench_memory, "hostile": bench_hostile, "http": bench_http, "page": bench_page, "sync": bench_sync, "pauses": bench_pauses, "leaks": bench_leaks,
            "crash": bench_crash, "doors": bench_doors, "follow": bench_follow, "config": bench_config, "package": bench_package,
            "engine": bench_engine, "planfile": bench_planfile}


def render():
    parts = ["# Benchmark results", "",
             "Written by `make bench` (`bench/run.py`); every figure is measured side by side with its",
             "anchor in the same run, on the machine named in its section. Ratios are ours ÷ anchor",
             "for times and memory, and the speed-up where it says so.", ""]
    for name in SECTIONS:
        path = RESULTS / f"{name}.json"
        if not path.exists():
            continue
        r = json.loads(path.read_text())
        columns = r.get("columns", ["measure", "pgtrack", "anchor", "anchor's figure", "ratio"])
        parts += [f"## {r['title']}", "", f"Measured {r['date']} on {r['machine']}.", "",
                  "| " + " | ".join(columns) + " |", "| " + " | ".join("---" for _ in columns) + " |"]
        parts += ["| " + " | ".join(row) + " |" for row in r["rows"]]
        if r.get("goals"):
            parts += ["", "Goals: " + "; ".join(r["goals"]) + "."]
        if r.get("notes"):
            parts += ["", r["notes"]]
        parts.append("")
    (ROOT / "bench" / "RESULTS.md").write_text("\n".join(parts))


def main():
    named = sys.argv[1:]
    RESULTS.mkdir(exist_ok=True)
    for name in named or list(SECTIONS):
        print(f"bench: {name} ...", flush=True)
        try:
            result = SECTIONS[name]()
        except SectionSkipped as why:
            if named:
                render()
                sys.exit(f"bench: {name} cannot run: {why}")
            print(f"    skipped: {why}", flush=True)
            continue
        result["date"] = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        result["machine"] = machine()
        (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        for row in result["rows"]:
            print("   ", " | ".join(row))
    render()


if __name__ == "__main__":
    main()
