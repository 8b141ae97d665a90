"""``python -m kernels.inference``: the Local inference page's generations, headless.

Progress goes to stderr, one line per generation; a table, the tokens and the verdict to stdout;
the result file (the same format the page downloads) to ``--out``. Bad flags get one line naming
the valid choices, exit 2.
"""
from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence

from ..measure.cli import UsageError, comma_list, kind_main
from ..measure.timing import format_seconds
from ..memory import human_bytes
from . import config, report
from .kind import KIND, Settings
from .runner import COMPILE_BUDGET_S, PREFILL_REPEATS, run_label

PRESET_LINES = "\n".join(
    f"  {p.name:<7} width {p.width}, {p.layers} layers, {p.heads} heads, context {p.context}: "
    f"{config.param_count(config.Spec.from_preset(p.name)) / 1e6:.1f} M parameters"
    for p in config.PRESETS.values())
EPILOG = """\
presets (--width, --layers, --heads change one):
{PRESET_LINES}

The model: a decoder-only transformer over bytes (vocabulary {config.VOCAB}): token and position
embeddings, pre-norm blocks of causal multi-head attention and a GELU MLP, a final norm and an output
head. Weights come from a seeded NumPy generator, the same in every library; nothing is downloaded.
The prompt is the bytes of a fixed sentence, repeated to --prompt-len.

Each row: the prompt's logits against a float64 NumPy reference; an untimed warm-up generation of
the full length (compilation and every cache length included: warmup_s); \
the prompt {PREFILL_REPEATS} times from an empty cache, each timed to the
first new token on the host (time to first token, prompt tokens/s); then one token at a time with
the KV cache, greedy, each step ending with the device's synchronisation (mx.eval for MLX,
torch.mps/cuda.synchronize for Torch) and the token read back: generation tokens/s is one over the
median step. Memory: mx.get_peak_memory() for MLX; torch.cuda.max_memory_allocated() on cuda,
torch.accelerator.max_memory_allocated() on mps (where this torch keeps it; otherwise
torch.mps.current_allocated_memory() at the end, and the row says so), the process's RSS on the CPU
for Torch. GB/s: the bytes
one decode step reads (weights and cache) over the median step.

Variants: eager; compiled (mx.compile / torch.compile of the decode step). torch.compile compiles
first in a separate process, given --compile-budget seconds; slower than that, its row says so.

example:
  {prog} --preset tiny --prompt-len 32 --new-tokens 32 --backends torch,mlx --out gen.json
"""


def positive(flag: str):
    lo, hi = config.LIMITS[flag.removeprefix("--").replace("-", "_")]

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"{flag} needs a whole number from {lo} to {hi} (got {text!r})")
        return value
    return parse


def add_arguments(p: argparse.ArgumentParser) -> None:
    """This kind's flags (kernels.measure.cli.kind_parser adds --backends, --devices, --out, --quiet)."""
    p.description = ("Generate tokens with the same small decoder in PyTorch and MLX (same weights, same prompt), "
                     "check them against a NumPy reference, time the first token, prompt and generation tokens per "
                     "second, read memory, and write a result file.")
    p.epilog = EPILOG.format(config=config, prog=p.prog, PRESET_LINES=PRESET_LINES, PREFILL_REPEATS=PREFILL_REPEATS)
    p.add_argument("--preset", choices=config.PRESET_NAMES, default="tiny", help="model size (default: tiny)")
    p.add_argument("--width", type=positive("--width"), help="model width (default: the preset's)")
    p.add_argument("--layers", type=positive("--layers"), help="blocks (default: the preset's)")
    p.add_argument("--heads", type=positive("--heads"), help="attention heads; the width must be a multiple "
                   "(default: the preset's)")
    p.add_argument("--prompt-len", type=positive("--prompt-len"), default=32, help="prompt tokens (default: 32)")
    p.add_argument("--new-tokens", type=positive("--new-tokens"), default=32, help="tokens to generate (default: 32)")
    p.add_argument("--dtype", default="float32",
                   help=f"dtype(s), comma-separated: {', '.join(config.DTYPES)} (default: float32)")
    p.add_argument("--variants", default="eager,compiled", help="eager, compiled, comma-separated (default: both)")
    p.add_argument("--compile-budget", type=float, default=COMPILE_BUDGET_S,
                   help=f"seconds torch.compile may take to compile before its row says so instead (default: "
                        f"{COMPILE_BUDGET_S:.0f})")
    p.add_argument("--seed", type=int, default=0, help="seed of the weights (default: 0)")


def settings_from(args: argparse.Namespace, backends: tuple[str, ...], devices) -> Settings:
    dtypes = comma_list(args.dtype, config.DTYPES, "dtype")
    variants = comma_list(args.variants, ("eager", "compiled"), "variant")
    if not args.compile_budget > 0:
        raise UsageError(f"--compile-budget needs a positive number of seconds (got {args.compile_budget})")
    try:
        spec = config.Spec.from_preset(args.preset, width=args.width, layers=args.layers, heads=args.heads,
                                       prompt_len=args.prompt_len, new_tokens=args.new_tokens, seed=args.seed)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return Settings(spec, tuple(dtypes), tuple(variants), backends, devices, args.compile_budget)


def main(argv: Sequence[str] | None = None) -> int:
    return kind_main(KIND, argv)


def summary_text(rows: Sequence[Mapping], machine: Mapping | None = None) -> str:
    """A fixed-width table of the generations, the tokens, then the verdict without its markdown."""
    lines = [f"{'run':<34} {'first token':>11} {'prompt tok/s':>12} {'gen tok/s':>10} {'GB/s':>7} "
             f"{'peak memory':>11} {'warm-up':>9}  tokens"]
    for r in rows:
        if r["status"] == "ok":
            peak = human_bytes(r["peak_bytes"]) if r["peak_bytes"] is not None else "n/a"
            same = "same as the reference" if r["tokens_match"] else f"parted at token {r['first_mismatch'] + 1}"
            lines.append(f"{run_label(r):<34} {format_seconds(r['ttft_s']):>11} {r['prefill_tok_s']:>12,.0f} "
                         f"{r['decode_tok_s']:>10,.1f} {r['gbps']:>7.3g} {peak:>11} "
                         f"{format_seconds(r['warmup_s']):>9}  {same}")
        else:
            lines.append(f"{run_label(r):<34} {r['status']}: {r['message']}")
    ok = [r for r in rows if r["status"] == "ok"]
    if ok:
        lines += ["", f"reference (NumPy, float64): {config.token_text(ok[0]['reference_tokens'])!r}"]
        lines += [f"{run_label(r):<26} {config.token_text(r['tokens'])!r}" for r in ok]
        lines += ["", "memory: " + "; ".join(dict.fromkeys(f"{r['label']}: {r['memory_note']}" for r in ok))]
        compiled = [r for r in rows if r.get("compile_s")]
        lines += [f"{run_label(r)}: the first compile took {r['compile_s']:.1f} s in a process of its own; the "
                  f"warm-up here (compiling again, from its cache) {format_seconds(r['warmup_s'])}" for r in compiled
                  if r["status"] == "ok"]
    lines.append("")
    lines += [p.replace("**", "") for p in report.verdict(rows, machine)]
    return "\n".join(lines)
