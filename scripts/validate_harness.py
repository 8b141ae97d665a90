"""Check the benchmark harness against independent timers, in one run.

matmul (n×n @ n×n, float32) at n = 512 and 1024, on each library's default device, timed by
  * the harness (kernels.bench: warm-up, sync after every call, median of the samples), and
  * an independent timer: ``timeit`` for NumPy; ``torch.utils.benchmark.Timer`` for Torch,
    with the same thread count (its default is num_threads=1) and, on mps, a synchronise in the
    statement (Timer only synchronises CUDA); for MLX, the plain loop of MLX's own benchmarks,
    ``mx.eval`` on every result.
Harness and timer take turns for a few rounds so that a busy machine affects both alike;
each figure is the median over rounds (the best round is printed too). Prints the ratios
harness / reference; exits 1 if any is off by more than 15%.

    .venv/bin/python scripts/validate_harness.py [--budget SECONDS] [--rounds N]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from kernels import backends as kb  # noqa: E402
from kernels.bench import Settings, format_seconds, plan, run  # noqa: E402

SIZES = (512, 1024)
LIMIT = 0.15


def inputs(n: int, seed: int = 0):
    """The same numbers the harness uses (its matmul draws a, then b, from default_rng(seed))."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, n), dtype=np.float32), rng.standard_normal((n, n), dtype=np.float32)


def harness(backends, name: str, device: str, n: int, budget: float) -> float:
    tasks = plan(["matmul"], [n], {name: backends[name]}, [device], ["float32"])
    (step,) = run(tasks, backends, Settings(budget_s=budget))
    if step.row["status"] != "ok":
        raise SystemExit(f"harness failed for {name}/{device}: {step.row['message']}")
    return step.row["median_s"]


def numpy_timeit(n: int, budget: float) -> float:
    a, b = inputs(n)
    timer = timeit.Timer("a @ b", globals={"a": a, "b": b})
    number, _ = timer.autorange()  # calls per repeat, so one repeat takes >= 0.2 s
    repeats = max(3, int(budget / 0.2))
    return statistics.median(timer.repeat(repeat=repeats, number=number)) / number


def torch_timer(device: str, n: int, budget: float) -> float:
    import torch
    import torch.utils.benchmark as benchmark

    a, b = (torch.from_numpy(x).to(device) for x in inputs(n))
    stmt = "a @ b; torch.mps.synchronize()" if device == "mps" else "a @ b"  # Timer syncs CUDA itself
    timer = benchmark.Timer(stmt=stmt, globals={"a": a, "b": b, "torch": torch},
                            num_threads=torch.get_num_threads())
    return timer.blocked_autorange(min_run_time=budget).median


def mlx_loop(device: str, n: int, budget: float) -> float:
    import mlx.core as mx

    with mx.stream(getattr(mx, device)):
        a, b = (mx.array(x) for x in inputs(n))
        mx.eval(a, b)
        tic = time.perf_counter()
        for _ in range(2):  # warm-up
            mx.eval(a @ b)
        iters = max(3, int(budget / ((time.perf_counter() - tic) / 2)))
        tic = time.perf_counter()
        for _ in range(iters):
            mx.eval(a @ b)
        return (time.perf_counter() - tic) / iters


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget", type=float, default=0.5, help="seconds per measurement (default 0.5)")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds (default 5)")
    args = parser.parse_args(argv)

    backends = kb.discover()
    references = {
        "numpy": ("timeit", lambda dev, n: numpy_timeit(n, args.budget)),
        "torch": ("torch.utils.benchmark.Timer", lambda dev, n: torch_timer(dev, n, args.budget)),
        "mlx": ("loop with mx.eval", lambda dev, n: mlx_loop(dev, n, args.budget)),
    }
    for b in backends.values():
        print(b.summary())
    try:
        import torch
        print(f"torch threads: {torch.get_num_threads()} (passed to Timer as num_threads)")
    except ImportError:
        pass
    print(f"matmul float32, {args.rounds} alternating rounds, budget {args.budget:g} s per measurement\n")
    print(f"{'library/device':<16}{'n':>6}  {'harness':>10}  {'reference':>10}  {'ratio':>6}  "
          f"{'best-round ratio':>16}  reference timer")

    failures = 0
    for n in SIZES:
        for name, (label, reference) in references.items():
            backend = backends[name]
            if not backend.available:
                print(f"{name:<16}{n:>6}  skipped: {backend.error}")
                continue
            device = backend.default_device
            ours, theirs = [], []
            for _ in range(args.rounds):
                ours.append(harness(backends, name, device, n, args.budget))
                theirs.append(reference(device, n))
            h, r = statistics.median(ours), statistics.median(theirs)
            ratio, best = h / r, min(ours) / min(theirs)
            ok = abs(ratio - 1) <= LIMIT
            failures += not ok
            print(f"{name + '/' + device:<16}{n:>6}  {format_seconds(h):>10}  {format_seconds(r):>10}  "
                  f"{ratio:>6.3f}  {best:>16.3f}  {label}{'' if ok else '  <-- off by more than 15%'}", flush=True)
    print("\nall within 15%" if not failures else f"\n{failures} outside 15%")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
