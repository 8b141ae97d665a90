"""Is the first measurement of a run as fast as the same measurement later in the run?

    .venv/bin/python -m scripts.first_measurement [--runs 5] [--size 128] [--budget 0.2]

Each run is a fresh measuring process (``kernels.measure.child``, as a page's run is): a small matmul
on every library and device found, then a softmax and a layer norm of the same size, then the same
matmuls again. Per library it prints the first matmul's median over the repeated one's, per run and
their median. A ratio above 1 means the first row of a run pays for something later rows do not
(a process that has just started: thread pools, caches, the clock speed rising).
"""
from __future__ import annotations

import argparse
import statistics

from kernels import bench
from kernels.backends import discover
from kernels.measure.child import Job, steps_in_child


def one_run(libs, size: int, budget: float) -> dict[str, float]:
    first = bench.plan(["matmul"], [size], libs)
    between = bench.plan(["softmax", "layer_norm"], [size], libs)
    steps = steps_in_child(Job.of(bench.run, first + between + first, libs, bench.Settings(budget_s=budget)))
    rows = [p.row for p in steps(lambda: False)]
    ratios = {}
    for task in first:
        mine = [r for r in rows if (r["op"], r["backend"], r["device"]) == ("matmul", task.backend, task.device)
                and r["status"] == "ok"]
        if len(mine) == 2:
            ratios[f"{task.backend}/{task.device}"] = mine[0]["median_s"] / mine[1]["median_s"]
    return ratios


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--budget", type=float, default=0.2)
    args = parser.parse_args(argv)
    libs = discover()
    runs = [one_run(libs, args.size, args.budget) for _ in range(args.runs)]
    print(f"matmul n={args.size}: the run's first measurement over the same measurement at the run's end")
    for series in runs[0]:
        values = [r[series] for r in runs if series in r]
        print(f"{series:12s} " + " ".join(f"{v:5.2f}" for v in values) + f"   median {statistics.median(values):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
