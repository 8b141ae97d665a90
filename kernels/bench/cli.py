"""``python -m kernels.bench``: the Benchmarks page's sweep, headless.

Progress goes to stderr, one line per measurement; the result file (the same format the
page downloads) goes to ``--out``. Bad flags get one line naming the valid choices, exit 2.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import textwrap
from collections.abc import Sequence

from ..machine import machine_info
from ..measure.cli import (
    UsageError,
    backends_asked,
    collect,
    comma_list,
    kind_main,
    progress_printer,
    status_counts,
    whole_numbers,
    write_out,
)
from ..measure.rows import STATUSES
from . import ceilings, chips, report, roofline
from .kind import BENCH, Request
from .ops import OPS
from .runner import DTYPES, Settings, method, result_file

PROG = "python -m kernels.bench"
EPILOG = f"""\
operations (--ops), size n means:
{chr(10).join(f"  {name:<14}{op.title}: {op.size_means}" for name, op in OPS.items())}

how it measures (with the default settings):
{chr(10).join(textwrap.fill(line, 96, initial_indent="  - ", subsequent_indent="    ") for line in method(Settings()))}

Combinations that cannot run here are rows with status "unsupported" (with the reason)
or "refused" (too big for memory), not failures.

ceilings (--ceilings), per library × device × dtype, measured with the same timing and checks:
  compute          the best GFLOP/s of matmul, n from {ceilings.DEFAULT.compute_sizes[0]} \
doubling until a call would take
                   over {ceilings.DEFAULT.max_call_s:g} s (or the memory guard refuses)
  bandwidth        GB/s (read + written) of add \
once its arrays fill {ceilings.DEFAULT.memory_bytes // 2**20} MiB: memory
  cache_bandwidth  the best add at any size of that sweep (data in the caches)
  host_to_device   the best transfer to a device that is not the host
With --ops or --sizes, the benchmark runs too and every row gets its roofline fields: intensity,
pct_of_compute, pct_of_bandwidth, bound, pct_of_spec, suspect. Without them, --ceilings writes a
result file of kind "ceilings".

examples:
  {PROG} --ops matmul,softmax --sizes 256,512,1024 --backends numpy,torch,mlx \\
      --devices auto --dtype float32 --out results.json
  {PROG} --ceilings --out ceilings.json
  {PROG} --ops matmul,add --sizes 256,1024 --ceilings --out r.json
  {PROG} --spec "Apple M1 Pro"
"""


def parse_sizes(text: str) -> list[int]:
    sizes = whole_numbers(text)
    if not sizes or any(n < 1 for n in sizes):
        raise UsageError(f"--sizes needs positive whole numbers separated by commas, like 256,512,1024 "
                         f"(got {text!r})")
    return sizes


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The benchmark's flags (kernels.measure.cli.kind_parser adds --backends, --devices, --out, --quiet)."""
    p.description = ("Time NumPy, PyTorch and MLX operations on every device found here, check each result "
                     "against a float64 NumPy reference, and write a result file.")
    p.epilog = EPILOG
    p.add_argument("--ops", default=None,
                   help=f"operations, comma-separated, or 'all' (default: {DEFAULT_OPS}); one of: {', '.join(OPS)}")
    p.add_argument("--sizes", default=None,
                   help=f"sizes n, comma-separated (default: {DEFAULT_SIZES}); what n means depends on the "
                        "operation (below)")
    p.add_argument("--dtype", default="float32",
                   help=f"data type(s), comma-separated (default: float32); one of: {', '.join(DTYPES)}")
    p.add_argument("--budget", type=float, default=0.5, metavar="SECONDS",
                   help="time spent repeating each measurement after warm-up (default: 0.5)")
    p.add_argument("--warmup", type=int, default=2, help="untimed warm-up calls before timing (default: 2)")
    p.add_argument("--min-repeats", type=int, default=3,
                   help="timed samples at least, even past the budget (default: 3)")
    p.add_argument("--max-repeats", type=int, default=500, help="timed samples at most (default: 500)")
    p.add_argument("--seed", type=int, default=0, help="seed of the inputs' random generator (default: 0)")
    p.add_argument("--format", choices=("json", "csv"), default=None,
                   help="json (default; records the machine too) or csv (one line per row); "
                        "by default taken from --out's extension")
    p.add_argument("--ceilings", action="store_true",
                   help="measure this machine's ceilings (below); alone, write them as a 'ceilings' result file; with "
                        "--ops or --sizes, fill in every benchmark row's roofline fields from them")
    p.add_argument("--ceiling-budget", type=float, default=ceilings.DEFAULT.settings.budget_s, metavar="SECONDS",
                   help="time spent repeating each ceiling measurement "
                        f"(default: {ceilings.DEFAULT.settings.budget_s:g})")
    p.add_argument("--spec", metavar="CHIP",
                   help='print the spec-sheet rows of an Apple-silicon chip as JSON, e.g. --spec "Apple M1 Pro", '
                        'and exit')


DEFAULT_OPS = "matmul,softmax"
DEFAULT_SIZES = "256,512,1024"


def print_spec(text: str) -> int:
    """``--spec``: the chip's rows as JSON on stdout, or why there are none on stderr (exit 1)."""
    match = chips.lookup(text)
    if not match.known:
        print(f"{PROG}: {match.message}", file=sys.stderr)
        return 1
    print(json.dumps(match.as_dict(), indent=1, ensure_ascii=False))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return kind_main(BENCH, argv)


def command(args: argparse.Namespace) -> int:
    """The benchmark's command line once its flags are parsed: besides the sweep, --spec prints a
    chip's spec sheet, and --ceilings measures this machine's ceilings first (alone: writes them)."""
    if args.spec is not None:
        return print_spec(args.spec)
    ceilings_only = args.ceilings and args.ops is None and args.sizes is None
    ops_text = DEFAULT_OPS if args.ops is None else args.ops
    ops = list(OPS) if ops_text.strip() == "all" else comma_list(ops_text, list(OPS), "op")
    sizes = parse_sizes(DEFAULT_SIZES if args.sizes is None else args.sizes)
    dtypes = comma_list(args.dtype, DTYPES, "dtype")
    if args.budget < 0 or args.warmup < 0 or args.min_repeats < 1 or args.max_repeats < args.min_repeats:
        raise UsageError("--budget and --warmup must be ≥ 0, and 1 ≤ --min-repeats ≤ --max-repeats")
    if args.ceiling_budget < 0:
        raise UsageError("--ceiling-budget must be ≥ 0")
    fmt = args.format or ("csv" if args.out.lower().endswith(".csv") else "json")

    backends, devices = backends_asked(BENCH, args)
    settings = Settings(budget_s=args.budget, warmup=args.warmup, min_repeats=args.min_repeats,
                        max_repeats=args.max_repeats, seed=args.seed)
    request = Request(tuple(ops), tuple(sizes), tuple(dtypes), tuple(backends), devices, settings)
    say = progress_printer(args.quiet)

    ceiling_rows: list[dict] | None = None
    if args.ceilings:
        config = dataclasses.replace(ceilings.DEFAULT,
                                     settings=dataclasses.replace(settings, budget_s=args.ceiling_budget))
        tasks = ceilings.plan(backends, devices, dtypes)
        ceiling_rows, code = collect(ceilings.run(tasks, backends, config), len(tasks), backends, say, "ceilings")
        for line in roofline.ceiling_lines(ceiling_rows):
            say(f"ceilings: {line}")
        if ceilings_only or code:
            result = ceilings.result_file(ceiling_rows, backends, config)
            write_out(result.to_csv() if fmt == "csv" else result.to_json(), args.out)
            say(f"{len(ceiling_rows)} ceiling rows ({status_counts(ceiling_rows, STATUSES)}) written to {args.out} "
                f"as {fmt}")
            return code

    tasks = BENCH.plan(request, backends)
    rows, code = collect(BENCH.run(tasks, backends, request), len(tasks), {} if args.ceilings else backends, say,
                         "measurements")

    machine = machine_info(backends)
    rows = roofline.annotate(rows, ceiling_rows, machine)
    result = result_file(rows, backends, request)
    write_out(result.to_csv() if fmt == "csv" else result.to_json(), args.out)
    if ceiling_rows is not None:
        for op in report.ordered_ops(rows):
            for dtype in dict.fromkeys(r["dtype"] for r in rows if r["op"] == op):
                sentence = roofline.roof_sentence(rows, op, dtype)
                if sentence:
                    say(f"{op} ({dtype}): {sentence.replace('**', '')}")
    for r in roofline.suspects(rows):
        say(f"MEASUREMENT ERROR: {r['op']} n={r['size']} {r['dtype']} {r['backend']}/{r['device']}: {r['suspect']}")
    wrong = sum(r["correct"] is False for r in rows)
    say(f"{len(rows)} rows ({status_counts(rows, STATUSES)}"
        f"{f', {wrong} outside tolerance' if wrong else ''}) written to {args.out} as {fmt}")
    return code
