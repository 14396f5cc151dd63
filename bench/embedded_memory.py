"""Benchmark: the memory of `make run`'s embedded stack, as PSS, against a bare Python process.

Starts the embedded stack (`python -m ordning_shared.devstack`) on a fresh data folder, waits until
every service is ready and the demo municipality is seeded, asks each service (and the web its sign-in
page) a few questions (so what a first request imports is in), then sums PSS (/proc/<pid>/smaps_rollup: each page shared by n
processes counts 1/n) over the launcher and all its descendants. The baseline, in the same run:
a bare `python -c "import flask, sqlalchemy, kombu"` process, the floor of any one service process.
Target (issue 8): the whole stack under 600 MB with every service of the day running.
Run: make bench BENCH=memory   (needs nothing but the venv: SQLite and the filesystem bus)
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

TARGET_MB = 600
SETTLE_SECONDS = float(os.environ.get("BENCH_SETTLE_SECONDS", "3"))


def pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def descendants(pid: int) -> list[int]:
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                text = Path(f"/proc/{entry}/stat").read_text()
            except FileNotFoundError:
                continue
            parents[int(entry)] = int(text[text.rindex(")") + 2:].split()[1])
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, ppid in parents.items() if ppid == parent]
        found += children
        frontier += children
    return found


def command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except FileNotFoundError:
        return "(gone)"


def free_port_base() -> int:
    for base in range(21000, 32000, 10):
        try:
            for port in range(base, base + 5):  # the web, processes, deviations, risks, reporting
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
    raise SystemExit("no five free ports found")


def get(url: str, token: str | None = None) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()
        return response.status


def baseline_kb() -> int:
    process = subprocess.Popen([sys.executable, "-c", "import flask, sqlalchemy, kombu, sys; sys.stdin.read()"],
                               stdin=subprocess.PIPE)
    try:
        time.sleep(1.5)  # the imports are done well within this
        return pss_kb(process.pid)
    finally:
        process.stdin.close()
        process.wait(timeout=10)


def main() -> None:
    base = free_port_base()
    with tempfile.TemporaryDirectory(prefix="ordning-bench-memory-") as folder:
        env = {name: value for name, value in os.environ.items() if not name.startswith("ORDNING_")}
        env.update(ORDNING_DATA_DIR=str(Path(folder) / "var"), ORDNING_RUN_PORT_BASE=str(base),
                   ORDNING_LOG_LEVEL="WARNING")
        started = time.monotonic()
        launcher = subprocess.Popen([sys.executable, "-m", "ordning_shared.devstack"], env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                    start_new_session=True)
        output: list[str] = []
        threading.Thread(target=lambda: output.extend(iter(launcher.stdout.readline, "")), daemon=True).start()
        try:
            while not any("Ordning is running" in line for line in output):
                if launcher.poll() is not None or time.monotonic() - started > 120:
                    raise SystemExit("the stack did not start:\n" + "".join(output))
                time.sleep(0.1)
            ready = time.monotonic() - started
            token = json.loads(urllib.request.urlopen(urllib.request.Request(
                f"http://127.0.0.1:{base + 1}/dev/token?user=erik", method="POST"), timeout=10).read())["access_token"]
            for port in (base + 1, base + 2):
                get(f"http://127.0.0.1:{port}/openapi.json")
                get(f"http://127.0.0.1:{port}/metrics")
            get(f"http://127.0.0.1:{base + 2}/api/v1/deviations", token)
            get(f"http://127.0.0.1:{base + 1}/api/v1/org-units", token)
            get(f"http://127.0.0.1:{base + 4}/api/v1/figures?unit_id=27460a56-bb16-57e0-90af-507fac38efb8", token)
            get(f"http://127.0.0.1:{base}/")  # the web's sign-in page
            time.sleep(SETTLE_SECONDS)
            pids = [launcher.pid, *descendants(launcher.pid)]
            figures = [(pid, pss_kb(pid), command(pid)) for pid in pids]
        finally:
            os.killpg(launcher.pid, signal.SIGINT)
            launcher.wait(timeout=60)
    floor = baseline_kb()
    total = sum(kb for _, kb, _ in figures)
    services = len(figures) - 1
    print(f"embedded stack ready and seeded in {ready:.1f} s; {len(figures)} processes (the launcher and {services} more)")
    for pid, kb, line in figures:
        print(f"  {kb / 1024:7.1f} MB  {pid:>7}  {line[:100]}")
    print(f"whole stack PSS:        {total / 1024:7.1f} MB   (target < {TARGET_MB} MB with every service running)")
    mean = (total - figures[0][1]) / services
    print(f"per process of a service: {mean / 1024:5.1f} MB   (mean)")
    print(f"projected for five services and the web at that mean: {(figures[0][1] + 6 * mean) / 1024:.0f} MB")
    print(f"baseline (bare python -c 'import flask, sqlalchemy, kombu'): {floor / 1024:.1f} MB")
    print(f"stack / (services x baseline): {total / (services * floor):.2f}")
    print("within target" if total / 1024 < TARGET_MB else "OVER TARGET")


if __name__ == "__main__":
    main()
