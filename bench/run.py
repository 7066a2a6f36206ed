#!/usr/bin/env python3
"""pgtrack's benchmarks, each side by side with its anchors measured in the same run.

    python3 bench/run.py [SECTION ...]     # sections: export idle api cli reminders crash

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
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(os.environ.get("PGTRACK_BIN", ROOT / ".build" / "release"))
RESULTS = ROOT / "bench" / "results"
VENV_PY = ROOT / ".venv" / "bin" / "python"
IDLE_SECONDS = int(os.environ.get("BENCH_IDLE_SECONDS", "120"))


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

    def start(self):
        p = subprocess.Popen([str(BIN / "pgtrackd")], env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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


def rss_kb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


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
    cal_dir = work / "calcurse"
    cal_dir.mkdir()
    feed = home.root / "data" / "pgtrack" / "pgtrack.ics"
    subprocess.run(["calcurse", "-D", str(cal_dir), "-i", str(feed)], capture_output=True, stdin=subprocess.DEVNULL)
    subprocess.run(["calcurse", "-D", str(cal_dir), "--daemon"], capture_output=True, stdin=subprocess.DEVNULL)
    time.sleep(1)
    pidfile = cal_dir / ".calcurse.pid"
    calcurse_pid = int(pidfile.read_text().strip()) if pidfile.exists() else None
    time.sleep(2)
    results = {}
    threads = []
    procs = {"pgtrackd": daemon.pid, "remind -z1": remind.pid}
    if calcurse_pid:
        procs["calcurse --daemon"] = calcurse_pid

    def measure(name, pid):
        calls, _ = strace_count(pid, IDLE_SECONDS)
        results[name] = {"calls": calls, "rss_kb": rss_kb(pid)}
    for name, pid in procs.items():
        t = threading.Thread(target=measure, args=(name, pid))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    daemon.send_signal(signal.SIGTERM)
    daemon.wait()
    remind.kill()
    if calcurse_pid:
        os.kill(calcurse_pid, signal.SIGTERM)
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
    ours = results["pgtrackd"]
    rows = [["system calls while idle", f"{ours['calls']} in {IDLE_SECONDS} s", "remind -z1",
             f"{results['remind -z1']['calls']}", "—"],
            ["resident memory (VmRSS)", f"{ours['rss_kb'] / 1024:.1f} MB", "remind -z1",
             f"{results['remind -z1']['rss_kb'] / 1024:.1f} MB", f"{ours['rss_kb'] / max(1, results['remind -z1']['rss_kb']):.1f}×"]]
    if "calcurse --daemon" in results:
        c = results["calcurse --daemon"]
        rows.insert(1, ["system calls while idle", f"{ours['calls']} in {IDLE_SECONDS} s", "calcurse --daemon", f"{c['calls']}", "—"])
        rows.append(["resident memory (VmRSS)", f"{ours['rss_kb'] / 1024:.1f} MB", "calcurse --daemon",
                     f"{c['rss_kb'] / 1024:.1f} MB", f"{ours['rss_kb'] / max(1, c['rss_kb']):.1f}×"])
    rows.append(["exec to READY=1, median of 20", f"{ready[len(ready) // 2] * 1000:.1f} ms", "", "", ""])
    return {"title": f"Idle cost over {IDLE_SECONDS} s (default plan, watchdog off)", "rows": rows,
            "goals": [f"0 system calls between deadlines: {ours['calls']}", f"RSS ≤ 8 MB: {ours['rss_kb'] / 1024:.1f} MB",
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
    one = run_json([str(BIN / "pgtrack-bench"), "api", str(home.socket), "20000"])
    workers = [subprocess.Popen([str(BIN / "pgtrack-bench"), "api", str(home.socket), "5000"], stdout=subprocess.PIPE, text=True)
               for _ in range(8)]
    t0 = time.perf_counter()
    outs = [json.loads(w.communicate()[0].strip()) for w in workers]
    eight_rps = sum(o["calls"] for o in outs) / (time.perf_counter() - t0)
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
    ], "goals": [f"pgtrackctl status ≤ 1.5 × calcurse -a: {ours / cal:.2f}×"]}


SECTIONS = {"export": bench_export, "idle": bench_idle, "api": bench_api, "cli": bench_cli}


def render():
    parts = ["# Benchmark results", "",
             "Written by `make bench` (`bench/run.py`); every figure is measured side by side with its",
             "anchor in the same run, on the machine named in its section. Ratios are ours ÷ anchor",
             "for times and memory, and the speed-up where it says so.", ""]
    for name in list(SECTIONS) + ["reminders", "crash"]:
        path = RESULTS / f"{name}.json"
        if not path.exists():
            continue
        r = json.loads(path.read_text())
        parts += [f"## {r['title']}", "", f"Measured {r['date']} on {r['machine']}.", "",
                  "| measure | pgtrack | anchor | anchor's figure | ratio |", "| --- | --- | --- | --- | --- |"]
        parts += ["| " + " | ".join(row) + " |" for row in r["rows"]]
        if r.get("goals"):
            parts += ["", "Goals: " + "; ".join(r["goals"]) + "."]
        if r.get("notes"):
            parts += ["", r["notes"]]
        parts.append("")
    (ROOT / "bench" / "RESULTS.md").write_text("\n".join(parts))


def main():
    names = sys.argv[1:] or list(SECTIONS)
    RESULTS.mkdir(exist_ok=True)
    for name in names:
        print(f"bench: {name} ...", flush=True)
        result = SECTIONS[name]()
        result["date"] = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        result["machine"] = machine()
        (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        for row in result["rows"]:
            print("   ", " | ".join(row))
    render()


if __name__ == "__main__":
    main()
