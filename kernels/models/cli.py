"""``python -m kernels.models``: the Small models page's training runs, headless.

Progress goes to stderr, one line per run; a table and the verdict to stdout; the result file
(the same format the page downloads) to ``--out``. Bad flags get one line naming the valid
choices, exit 2.
"""
from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Sequence

from ..backends import NAMES, discover
from ..machine import machine_info
from ..measure.cli import (
    Parser,
    UsageError,
    collect,
    comma_list,
    device_list,
    progress_printer,
    run_main,
    status_counts,
    whole_numbers,
    write_out,
)
from ..measure.results import new_result_file
from ..measure.rows import STATUSES, row_label
from . import config, report
from .results import KIND
from .runner import plan, run, size_text

PROG = "python -m kernels.models"
EPILOG = f"""\
models:
  mlp          {config.MLP_INPUTS} inputs -> --depth hidden layers of --width (ReLU) -> {config.MLP_CLASSES} classes,
               cross-entropy on a synthetic classification task
  transformer  token + position embeddings (vocabulary {config.VOCAB}), --depth pre-norm blocks of
               causal attention ({config.HEADS} heads) and a GELU MLP, next-token loss on
               arithmetic sequences of --seq-len tokens; --width is the model dimension

Every library starts from the same weights (seeded NumPy) and trains on the same batches.
Each step (forward, backward, optimiser update) ends with the device's synchronisation
(mx.eval(model.parameters(), optimizer.state, loss) for MLX, torch.mps/cuda.synchronize());
the first steps are warm-up, and steps/s is one over the median of the rest. MLX runs twice:
eagerly and with the step wrapped in mx.compile. NumPy trains the MLP with a hand-written
backward pass; it has no transformer.

example:
  {PROG} --model mlp --batch 32,128 --width 128 --steps 20 --backends torch,mlx --out models.json
"""


NOTHING = "unknown {what} none"  # how an empty list is refused here (kernels.bench: "no {what} given")


def int_list(text: str, flag: str) -> list[int]:
    lo, hi = config.LIMITS[flag.removeprefix("--").replace("-", "_")]
    values = whole_numbers(text)
    if not values or any(not lo <= v <= hi for v in values):
        raise UsageError(f"{flag} needs whole numbers from {lo} to {hi}, separated by commas, like {lo * 8},{lo * 32} "
                         f"(got {text!r})")
    return values


def build_parser() -> argparse.ArgumentParser:
    p = Parser(prog=PROG, description="Train a small MLP or a tiny transformer block in NumPy, PyTorch and MLX "
               "from the same weights, time steps per second on every device found, and write a result file.",
               epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", choices=config.MODELS, default="mlp", help="mlp (default) or transformer")
    p.add_argument("--batch", default="32", help="batch size(s), comma-separated for a sweep (default: 32)")
    p.add_argument("--width", default="128",
                   help=f"hidden width / model dimension(s), comma-separated (default: 128; a multiple of {config.HEADS} "
                        "for the transformer)")
    p.add_argument("--seq-len", default="32",
                   help="sequence length(s) for the transformer, comma-separated (default: 32)")
    p.add_argument("--steps", type=int, default=20, help="training steps per run, warm-up included (default: 20)")
    p.add_argument("--depth", type=int, default=2, help="MLP hidden layers / transformer blocks (default: 2)")
    p.add_argument("--optimizer", choices=config.OPTIMIZERS, default="adam",
                   help="adam (default; bias-corrected in every library) or sgd (momentum 0.9)")
    p.add_argument("--lr", type=float, default=None,
                   help=f"learning rate (default: {config.DEFAULT_LR['adam']} for adam, {config.DEFAULT_LR['sgd']} for sgd)")
    p.add_argument("--backends", default=",".join(NAMES),
                   help=f"libraries, comma-separated (default: {','.join(NAMES)}); a missing one gives a row "
                        "saying how to install it")
    p.add_argument("--devices", default="auto",
                   help="'auto' (every available device: default) or names, comma-separated: cpu, gpu (MLX), mps, "
                        "cuda (Torch)")
    p.add_argument("--seed", type=int, default=0, help="seed of the weights and batches (default: 0)")
    p.add_argument("--out", default="models.json",
                   help="where to write the result file (default: models.json); '-' for stdout")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    return run_main(PROG, _main, argv)


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    batches, widths = int_list(args.batch, "--batch"), int_list(args.width, "--width")
    seq_lens = int_list(args.seq_len, "--seq-len") if args.model == "transformer" else [config.RunSpec.seq_len]
    names = comma_list(args.backends, NAMES, "backend", nothing=NOTHING)
    backends = discover(names)
    devices = device_list(args.devices, backends, nothing=NOTHING)
    specs = [config.RunSpec(model=args.model, batch=b, width=w, seq_len=t, steps=args.steps, depth=args.depth,
                       optimizer=args.optimizer, lr=args.lr, seed=args.seed)
             for b, w, t in itertools.product(batches, widths, seq_lens)]
    try:
        tasks = plan(specs, backends, devices)
    except ValueError as exc:
        raise UsageError(str(exc)) from None

    say = progress_printer(args.quiet)
    rows, code = collect(run(tasks, backends), len(tasks), backends, say, "runs")

    settings = {k: v for k, v in specs[0].as_dict().items() if k not in ("batch", "width", "seq_len")}
    settings.update(batch=batches, width=widths, seq_len=seq_lens if args.model == "transformer" else None,
                    backends=names, devices=devices)
    result = new_result_file(KIND.name, rows, machine_info(backends), settings)
    write_out(result.to_json(), args.out)
    if not args.quiet or args.out != "-":
        print(summary_text(rows, result.machine), file=sys.stderr if args.out == "-" else sys.stdout)
    say(f"{len(rows)} rows ({status_counts(rows, STATUSES)}) written to {args.out}")
    return code


def summary_text(rows: Sequence[dict], machine: dict | None = None) -> str:
    """A fixed-width table of the runs, then the verdict without its markdown."""
    lines = [f"{'run':<26} {'size':<34} {'steps/s':>9} {'ms/step':>9} {'loss first → last':>19}  peak memory"]
    for r in rows:
        if r["status"] == "ok":
            peak = r["peak_memory_bytes"]
            mem = f"{peak / 2**20:.1f} MiB" if peak is not None else "n/a"
            lines.append(f"{row_label(r):<26} {size_text(r):<34} {r['steps_per_s']:>9.1f} "
                         f"{1e3 * r['median_s']:>9.3f} {r['initial_loss']:>8.4f} → {r['final_loss']:<8.4f}  {mem}")
        else:
            lines.append(f"{row_label(r):<26} {size_text(r):<34} {r['status']}: {r['message']}")
    lines.append("")
    lines += [p.replace("**", "") for p in report.verdict(rows, machine)]
    return "\n".join(lines)
