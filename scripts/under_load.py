"""The browser tests, run N times while a busy loop holds one CPU core: do they still pass?

    .venv/bin/python -m scripts.under_load [--runs 3] [-- PYTEST ARGS...]

Starts one CPU-bound process (`while True: pass`, pinned to one core where the OS allows it), runs
`pytest tests/browser` N times one after the other (REQUIRE_BROWSER=1, so a missing Chromium is a
failure, not a skip), then kills the busy loop. Prints pass/fail and the time of each run, the
failing tests' summary lines, and how much CPU the busy loop actually took. Each run's full output
is kept in artifacts/under_load/<start time>/run-<n>.log. Exits 1 if any run failed.

Arguments after `--` go to pytest instead of the default `tests/browser`, e.g.
`-- tests/browser/test_navigation.py -x`.
"""
from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOGS = ROOT / "artifacts" / "under_load"
BUSY_LOOP = "while True:\n    pass\n"


def start_busy_loop() -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-c", BUSY_LOOP])
    where = "not pinned (the OS scheduler places it)"
    if hasattr(os, "sched_setaffinity"):
        cpus = sorted(os.sched_getaffinity(0))
        if len(cpus) > 1:
            os.sched_setaffinity(proc.pid, {cpus[-1]})
            where = f"pinned to CPU {cpus[-1]} of {len(cpus)}"
    return proc, where


def stop_busy_loop(proc: subprocess.Popen) -> float | None:
    """Kill the busy loop (this script's own child, by its pid); return the CPU seconds it used."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    try:
        _, _, usage = os.wait4(proc.pid, 0)
        return usage.ru_utime + usage.ru_stime
    except ChildProcessError:  # already reaped
        proc.wait()
        return None


def load_average() -> str:
    """The 1-minute load average (other work on a shared machine shows here), or '?'."""
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except (AttributeError, OSError):
        return "?"


def run_tests(pytest_args: list[str], log: Path) -> tuple[bool, float, list[str], str]:
    env = {**os.environ, "REQUIRE_BROWSER": "1"}
    t0 = time.perf_counter()
    with log.open("w") as out:
        rc = subprocess.run([sys.executable, "-m", "pytest", *pytest_args, "-ra", "-p", "no:cacheprovider"],
                            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT).returncode
    elapsed = time.perf_counter() - t0
    text = log.read_text(errors="replace")
    failures = [line for line in text.splitlines() if re.match(r"(FAILED|ERROR) ", line)]
    summary = next((line.strip("= ") for line in reversed(text.splitlines())
                    if re.search(r"\b(passed|failed|error|skipped|no tests ran)\b", line)), f"pytest exited {rc}")
    return rc == 0, elapsed, failures, summary


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    pytest_args = ["tests/browser"]
    if "--" in argv:
        cut = argv.index("--")
        argv, pytest_args = argv[:cut], argv[cut + 1:] or pytest_args
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", "-n", type=int, default=3, help="times to run the tests (default 3)")
    args = parser.parse_args(argv)
    logs = LOGS / time.strftime("%Y%m%d-%H%M%S")
    logs.mkdir(parents=True, exist_ok=True)

    print(f"{os.cpu_count()} CPU cores, load average {load_average()} before; pytest {' '.join(pytest_args)}, "
          f"{args.runs} run(s) under load", flush=True)
    busy, where = start_busy_loop()
    print(f"busy loop: pid {busy.pid}, {where}", flush=True)
    started = time.perf_counter()
    results: list[bool] = []
    try:
        for n in range(1, args.runs + 1):
            log = logs / f"run-{n}.log"
            ok, elapsed, failures, summary = run_tests(pytest_args, log)
            results.append(ok)
            print(f"run {n}: {'PASS' if ok else 'FAIL'}  {elapsed:6.1f} s  {summary}  (log: {log.relative_to(ROOT)})",
                  flush=True)
            for line in failures:
                print(f"    {line}", flush=True)
    finally:
        cpu = stop_busy_loop(busy)
        wall = time.perf_counter() - started
        if cpu is not None:
            print(f"busy loop killed: {cpu:.0f} s of CPU in {wall:.0f} s ({cpu / wall:.0%} of one core); "
                  f"load average {load_average()} at the end")
    failed = results.count(False)
    print(f"{len(results) - failed} of {len(results)} run(s) passed")
    return 1 if failed or not results else 0


if __name__ == "__main__":
    sys.exit(main())
