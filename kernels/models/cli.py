"""``python -m kernels.models``: the Small models page's training runs, headless.

Progress goes to stderr, one line per run; a table and the verdict to stdout; the result file
(the same format the page downloads) to ``--out``. Bad flags get one line naming the valid
choices, exit 2.
"""
from __future__ import annotations

import argparse
import itertools
from collections.abc import Mapping, Sequence

from ..measure.cli import UsageError, kind_main, whole_numbers
from ..measure.rows import row_label
from . import config, report
from .kind import KIND, Settings
from .runner import size_text

EPILOG = """\
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
  {prog} --model mlp --batch 32,128 --width 128 --steps 20 --backends torch,mlx --out models.json
"""


def int_list(text: str, flag: str) -> list[int]:
    lo, hi = config.LIMITS[flag.removeprefix("--").replace("-", "_")]
    values = whole_numbers(text)
    if not values or any(not lo <= v <= hi for v in values):
        raise UsageError(f"{flag} needs whole numbers from {lo} to {hi}, separated by commas, like {lo * 8},{lo * 32} "
                         f"(got {text!r})")
    return values


def add_arguments(p: argparse.ArgumentParser) -> None:
    """This kind's flags (kernels.measure.cli.kind_parser adds --backends, --devices, --out, --quiet)."""
    p.description = ("Train a small MLP or a tiny transformer block in NumPy, PyTorch and MLX from the same "
                     "weights, time steps per second on every device found, and write a result file.")
    p.epilog = EPILOG.format(config=config, prog=p.prog)
    p.add_argument("--model", choices=config.MODELS, default="mlp", help="mlp (default) or transformer")
    p.add_argument("--batch", default="32", help="batch size(s), comma-separated for a sweep (default: 32)")
    p.add_argument("--width", default="128",
                   help=f"hidden width / model dimension(s), comma-separated (default: 128; a multiple of "
                        f"{config.HEADS} for the transformer)")
    p.add_argument("--seq-len", default="32",
                   help="sequence length(s) for the transformer, comma-separated (default: 32)")
    p.add_argument("--steps", type=int, default=20, help="training steps per run, warm-up included (default: 20)")
    p.add_argument("--depth", type=int, default=2, help="MLP hidden layers / transformer blocks (default: 2)")
    p.add_argument("--optimizer", choices=config.OPTIMIZERS, default="adam",
                   help="adam (default; bias-corrected in every library) or sgd (momentum 0.9)")
    p.add_argument("--lr", type=float, default=None,
                   help=f"learning rate (default: {config.DEFAULT_LR['adam']} for adam, "
                        f"{config.DEFAULT_LR['sgd']} for sgd)")
    p.add_argument("--seed", type=int, default=0, help="seed of the weights and batches (default: 0)")


def settings_from(args: argparse.Namespace, backends: tuple[str, ...], devices) -> Settings:
    """Every combination of the sizes given, in one run."""
    batches, widths = int_list(args.batch, "--batch"), int_list(args.width, "--width")
    seq_lens = int_list(args.seq_len, "--seq-len") if args.model == "transformer" else [config.RunSpec.seq_len]
    specs = tuple(config.RunSpec(model=args.model, batch=b, width=w, seq_len=t, steps=args.steps, depth=args.depth,
                                 optimizer=args.optimizer, lr=args.lr, seed=args.seed)
                  for b, w, t in itertools.product(batches, widths, seq_lens))
    return Settings(specs, backends, devices)


def main(argv: Sequence[str] | None = None) -> int:
    return kind_main(KIND, argv)


def summary_text(rows: Sequence[Mapping], machine: Mapping | None = None) -> str:
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
