"""``python -m kernels.bench``: the Benchmarks page's sweep, headless.

Progress goes to stderr, one line per measurement; the result file (the same format the
page downloads) goes to ``--out``. Bad flags get one line naming the valid choices, exit 2.
"""
from __future__ import annotations

import argparse
from typing import Sequence

import textwrap

from ..backends import NAMES, discover
from ..measure.cli import (Parser, UsageError, collect, comma_list, device_list, progress_printer, run_main,
                           status_counts, whole_numbers, write_out)
from ..measure.rows import STATUSES
from .ops import OPS
from .runner import DTYPES, Settings, method, plan, result_file, run

PROG = "python -m kernels.bench"
EPILOG = f"""\
operations (--ops), size n means:
{chr(10).join(f"  {name:<14}{op.title}: {op.size_means}" for name, op in OPS.items())}

how it measures (with the default settings):
{chr(10).join(textwrap.fill(line, 96, initial_indent="  - ", subsequent_indent="    ") for line in method(Settings()))}

Combinations that cannot run here are rows with status "unsupported" (with the reason)
or "refused" (too big for memory), not failures.

example:
  {PROG} --ops matmul,softmax --sizes 256,512,1024 --backends numpy,torch,mlx \\
      --devices auto --dtype float32 --out results.json
"""


def parse_sizes(text: str) -> list[int]:
    sizes = whole_numbers(text)
    if not sizes or any(n < 1 for n in sizes):
        raise UsageError(f"--sizes needs positive whole numbers separated by commas, like 256,512,1024 "
                         f"(got {text!r})")
    return sizes


def build_parser() -> argparse.ArgumentParser:
    p = Parser(prog=PROG, description="Time NumPy, PyTorch and MLX operations on every device found "
               "here, check each result against a float64 NumPy reference, and write a result file.",
               epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ops", default="matmul,softmax",
                   help=f"operations, comma-separated, or 'all' (default: matmul,softmax); one of: {', '.join(OPS)}")
    p.add_argument("--sizes", default="256,512,1024",
                   help="sizes n, comma-separated (default: 256,512,1024); what n means depends on the operation (below)")
    p.add_argument("--backends", default=",".join(NAMES),
                   help=f"libraries, comma-separated (default: {','.join(NAMES)}); a missing one gives rows saying how to install it")
    p.add_argument("--devices", default="auto",
                   help="'auto' (every available device: default), 'all' (also unavailable ones, with the reason), "
                        "or names, comma-separated: cpu, gpu (MLX), mps, cuda (Torch)")
    p.add_argument("--dtype", default="float32",
                   help=f"data type(s), comma-separated (default: float32); one of: {', '.join(DTYPES)}")
    p.add_argument("--budget", type=float, default=0.5, metavar="SECONDS",
                   help="time spent repeating each measurement after warm-up (default: 0.5)")
    p.add_argument("--warmup", type=int, default=2, help="untimed warm-up calls before timing (default: 2)")
    p.add_argument("--min-repeats", type=int, default=3, help="timed samples at least, even past the budget (default: 3)")
    p.add_argument("--max-repeats", type=int, default=500, help="timed samples at most (default: 500)")
    p.add_argument("--seed", type=int, default=0, help="seed of the inputs' random generator (default: 0)")
    p.add_argument("--out", default="results.json",
                   help="where to write the result file (default: results.json); '-' for stdout")
    p.add_argument("--format", choices=("json", "csv"), default=None,
                   help="json (default; records the machine too) or csv (one line per row); "
                        "by default taken from --out's extension")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    return run_main(PROG, _main, argv)


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    ops = list(OPS) if args.ops.strip() == "all" else comma_list(args.ops, list(OPS), "op")
    sizes = parse_sizes(args.sizes)
    names = comma_list(args.backends, NAMES, "backend")
    dtypes = comma_list(args.dtype, DTYPES, "dtype")
    if args.budget < 0 or args.warmup < 0 or args.min_repeats < 1 or args.max_repeats < args.min_repeats:
        raise UsageError("--budget and --warmup must be ≥ 0, and 1 ≤ --min-repeats ≤ --max-repeats")
    fmt = args.format or ("csv" if args.out.lower().endswith(".csv") else "json")

    backends = discover(names)
    devices = device_list(args.devices, backends, ("auto", "all"))
    settings = Settings(budget_s=args.budget, warmup=args.warmup, min_repeats=args.min_repeats,
                        max_repeats=args.max_repeats, seed=args.seed)
    tasks = plan(ops, sizes, backends, devices, dtypes)
    say = progress_printer(args.quiet)
    rows, code = collect(run(tasks, backends, settings), len(tasks), backends, say, "measurements")

    result = result_file(rows, backends, settings)
    write_out(result.to_csv() if fmt == "csv" else result.to_json(), args.out)
    wrong = sum(r["correct"] is False for r in rows)
    say(f"{len(rows)} rows ({status_counts(rows, STATUSES)}"
        f"{f', {wrong} outside tolerance' if wrong else ''}) written to {args.out} as {fmt}")
    return code
