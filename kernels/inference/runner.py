"""Generating with the decoder and timing it: :func:`plan` what to run, :func:`run` it row by row.

Every row starts from the same weights (``config.init_weights``) and the same prompt
(``config.prompt_tokens``), and is checked against one float64 NumPy generation (the reference,
made once per size). A row, in order:

0. for torch.compile, a first compile in a process of its own within a budget (:func:`precompile`):
   a compiler slower than that makes the row say so, and is ended, instead of timing it;
1. the prompt's logits, recomputed without timing, against the reference's (``logits_err``);
2. an untimed warm-up generation of the full length: the prompt and as many decode steps as will
   be timed (compilation, lazy allocation, caches, and a graph per cache length where a library
   builds one), its seconds kept as ``warmup_s``;
3. the prompt ``PREFILL_REPEATS`` times, each from an empty cache and timed up to the first new
   token on the host (the device's synchronisation, then ``.item()``): the median is the time to
   first token, and the prompt's length over it the prompt tokens per second;
4. one token at a time after the last of those, each step timed the same way; generation tokens
   per second is one over the median step (statistics by ``kernels.measure.timing.Timing``).

``should_stop()`` is checked between tokens, so Stop ends even a long generation at once. A
combination that cannot run is a row too (``unsupported`` with the reason, ``refused`` when it would
not fit in memory, ``error`` with the library's words), never an exception.
"""
from __future__ import annotations

import importlib
import json
import math
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..backends import Backend
from ..measure.rows import Progress, device_label, device_names, device_unavailable, outcome, row_label, run_tasks
from ..measure.timing import Stopped, Timing, format_seconds
from ..memory import TooLarge, check_fits
from . import config
from .numpy_model import Reference, reference
from .results import InferenceRow

NAMES = ("torch", "mlx")  # the libraries timed; NumPy is the reference
PREFILL_REPEATS = 3
# At most this often, the tokens so far go to ``on_tokens`` (a page draws them). A page redrawing
# competes with the timed steps for the cores: the first tokens go out only once the steps have run
# this long, so a short generation is drawn when it ends, and a long one twice a second.
PUBLISH_S = 0.5
COMPILE_BUDGET_S = 120.0  # how long a compiler may take before its row says so instead
ROOT = Path(__file__).resolve().parents[2]

# How close a library's logits must come to the float64 reference, as a share of the largest logit:
# a few hundred units in the last place of the dtype (float32 2⁻²⁴, float16 2⁻¹¹, bfloat16 2⁻⁸),
# for rounding that piles up through the layers. Stated once here, never loosened to make a test pass.
LOGITS_TOLERANCE = {"float32": 2e-5, "float16": 2e-2, "bfloat16": 1e-1}


def library_module(name: str):
    """The decoder module of one library (``kernels.inference.torch_model``, ...): same names in
    each. Import it only when the library is installed."""
    return importlib.import_module(f"{__package__}.{name}_model")


@dataclass(frozen=True)
class Task:
    """One generation: a model at a size, in one library, on one device, as one variant and dtype."""

    spec: config.Spec
    backend: str
    device: str  # "" when the library is missing
    variant: str  # "eager", "compiled"
    dtype: str

    def __str__(self) -> str:
        where = "/".join(p for p in (self.backend, self.device, self.variant, self.dtype) if p)
        return f"{self.spec.size_name} {where}"


def run_label(row: Mapping) -> str:
    """``PyTorch · cpu · float32``, ``MLX · gpu · compiled · float16``."""
    return f"{row_label(row)} · {row['dtype']}" if row.get("dtype") else row_label(row)


def size_text(row: Mapping) -> str:
    """``tiny (width 128 · 4 layers · 4 heads)``."""
    dims = (f"width {row['width']} · {row['layers']} layer{'s' * (row['layers'] != 1)} · "
            f"{row['heads']} head{'s' * (row['heads'] != 1)}")
    return f"{row['preset']} ({dims})" if row.get("preset") != "custom" else f"custom: {dims}"


def progress_text(r: Mapping) -> str:
    """``tiny PyTorch · cpu · float32: ok · first token 3.1 ms · prompt 10,304 tok/s · generation 451 tok/s ·
    32 of 32 tokens as the reference``"""
    head = f"{r['preset']} {run_label(r)}: {r['status']}"
    if r["status"] != "ok":
        return f"{head}: {r['message']}"
    return (f"{head} · first token {format_seconds(r['ttft_s'])} · prompt {r['prefill_tok_s']:,.0f} tok/s · "
            f"generation {r['decode_tok_s']:,.1f} tok/s · {match_words(r)}")


def match_words(r: Mapping) -> str:
    n = len(r.get("reference_tokens") or [])
    if r.get("tokens_match"):
        return f"the reference's {n} tokens"
    return f"the reference's first {r.get('first_mismatch') or 0} of {n} tokens, then others"


# --- Planning ---------------------------------------------------------------------------------

def plan(specs: Iterable[config.Spec], backends: Mapping[str, Backend], devices: str | Sequence[str] = "auto",
         variants: Sequence[str] = ("eager", "compiled"), dtypes: Sequence[str] = ("float32",)) -> list[Task]:
    """Every (size, dtype, library, device, variant) to run, sizes outermost, then dtypes. Raises
    ``ValueError`` for a setting out of range (before anything runs)."""
    specs = list(specs)
    for s in specs:
        config.validate(s)
    for d in dtypes:
        if d not in config.DTYPES:
            raise ValueError(f"unknown dtype {d!r}; choose from {', '.join(config.DTYPES)}")
    return [Task(s, b.name, device, variant, dtype)
            for s in specs for dtype in dtypes for b in backends.values()
            for device in device_names(b, devices) for variant in (variants if b.available else [""])]


def unsupported_reason(task: Task, backend: Backend) -> str | None:
    """Why this combination cannot run here, or None. Capabilities come from the backends and the
    library modules."""
    reason = device_unavailable(backend, task.device)
    if reason is not None:
        return reason
    module = library_module(backend.name)
    if task.variant not in module.VARIANTS:
        return f"{backend.label} has no {task.variant!r} variant; it has {', '.join(module.VARIANTS)}"
    reason = backend.dtype_support(task.device, task.dtype)
    if reason is not None:
        return reason
    if task.variant == "compiled":
        return module.compile_problem(task.device)
    return None


def memory_refusal(spec: config.Spec, dtype: str = "float32") -> str | None:
    """``None`` when one row of ``spec`` in ``dtype`` fits in memory now, else the sentence that says why not."""
    try:
        check_fits(config.estimate_bytes(spec, dtype), f"the {spec.size_label()} decoder in {dtype} "
                                                       f"({spec.lengths_label()})")
    except TooLarge as exc:
        return str(exc)
    return None


# --- Running ----------------------------------------------------------------------------------

def run(tasks: Sequence[Task], backends: Mapping[str, Backend], *, should_stop: Callable[[], bool] | None = None,
        on_tokens: Callable[[dict], None] | None = None, compile_budget_s: float = COMPILE_BUDGET_S
        ) -> Iterator[Progress]:
    """Generate and time each task in turn, yielding a :class:`Progress` (with its row) as each
    finishes. Weights and the reference are made once per size and shared by every row.
    ``on_tokens(values)``, when given, hears the tokens of the generation in progress (at most every
    ``PUBLISH_S`` seconds, and at its end): a page shows them before the row is done."""
    stop = should_stop or (lambda: False)
    publish = on_tokens or (lambda values: None)
    data: dict = {}  # the current size's weights and reference; the previous size's are freed first

    def one(task: Task) -> dict:
        if data.get("spec") != task.spec:
            data.clear()
            data["spec"], data["weights"], data["reference"] = task.spec, None, None
        backend = backends[task.backend]
        if data["reference"] is None and unsupported_reason(task, backend) is None \
                and memory_refusal(task.spec, task.dtype) is None:
            data["weights"] = config.init_weights(task.spec)
            publish({"reference": [], "computing_reference": True})
            data["reference"] = reference(task.spec, data["weights"], stop, throttled(
                lambda tokens: publish({"reference": list(tokens), "computing_reference": True})))
            publish({"reference": data["reference"].tokens})
        return generate_row(task, backend, data["weights"], data["reference"], stop,
                            lambda values: publish({"reference": data["reference"].tokens, **values}),
                            compile_budget_s)

    return run_tasks(tasks, one, progress_text, should_stop)


def throttled(publish: Callable[[list], None], every_s: float = PUBLISH_S) -> Callable[[list], None]:
    """``publish``, passed on at most every ``every_s`` seconds (the first call always)."""
    last = [-math.inf]

    def maybe(tokens: list) -> None:
        if time.perf_counter() - last[0] >= every_s:
            publish(tokens)
            last[0] = time.perf_counter()
    return maybe


def generate_row(task: Task, backend: Backend, weights: Mapping | None, ref: Reference | None,
                 should_stop: Callable[[], bool] = lambda: False, publish: Callable[[dict], None] = lambda v: None,
                 compile_budget_s: float = COMPILE_BUDGET_S) -> dict:
    """One result row; never raises (but :class:`kernels.measure.timing.Stopped` ends the run)."""
    start = time.perf_counter()

    def work() -> dict:
        refusal = memory_refusal(task.spec, task.dtype)
        if refusal:
            raise TooLarge(refusal)
        compile_s = None
        if task.variant == "compiled":
            late, compile_s = precompile(task, compile_budget_s, should_stop)
            if late:
                return {"status": "unsupported", "message": late, "compile_s": compile_s}
        return {**generate_and_time(task, backend, weights, ref, should_stop, publish), "compile_s": compile_s,
                "wall_s": time.perf_counter() - start}

    return outcome(empty_row(task, backend), unsupported_reason(task, backend), work)


def generate_and_time(task: Task, backend: Backend, weights: Mapping, ref: Reference,
                      should_stop: Callable[[], bool] = lambda: False,
                      publish: Callable[[dict], None] = lambda values: None) -> dict:
    module = library_module(task.backend)
    spec, device = task.spec, task.device
    prompt = config.prompt_tokens(spec)
    label = run_label({"backend": task.backend, "device": device, "variant": task.variant, "dtype": task.dtype})
    where = {"backend": task.backend, "device": device, "variant": task.variant, "dtype": task.dtype, "run": label}

    def finish(token) -> int:  # the device's synchronisation, then the token on the host
        backend.synchronize(device, generator.sync_target(token))
        return generator.token_id(token)

    def check_stop() -> None:
        if should_stop():  # between tokens, never inside a timed step
            raise Stopped

    with backend.device_scope(device):
        generator = module.Generator(spec, weights, device, task.dtype, task.variant)
        logits = generator.logits(prompt)
        logits_err = float(np.abs(logits - ref.prompt_logits).max()) / ref.scale
        backend.reset_peak_memory(device)  # from here: the weights, the cache and what generating needs

        t0 = time.perf_counter()  # warm-up: compilation, lazy allocation, caches
        token = generator.prefill(prompt)
        finish(token)
        for _ in range(spec.warmup_steps):
            check_stop()
            token = generator.step(token)
            finish(token)
        warmup_s = time.perf_counter() - t0

        ttfts = []
        for _ in range(PREFILL_REPEATS):
            check_stop()
            t0 = time.perf_counter()
            token = generator.prefill(prompt)
            first = finish(token)
            ttfts.append(time.perf_counter() - t0)
        tokens, steps, published = [first], [], time.perf_counter()  # not drawn yet: see PUBLISH_S
        for _ in range(spec.new_tokens - 1):
            check_stop()
            t0 = time.perf_counter()
            token = generator.step(token)
            tokens.append(finish(token))
            steps.append(time.perf_counter() - t0)
            if time.perf_counter() - published >= PUBLISH_S:
                publish({**where, "tokens": list(tokens), "done": False})
                published = time.perf_counter()
        peak = module.memory(backend, device)
        generator = None  # the model and its cache go before the next row is built
    publish({**where, "tokens": list(tokens), "done": True})

    timing = Timing(tuple(steps), 1)
    ttft = statistics.median(ttfts)
    static = task.variant == "compiled"  # a compiled step reads the whole cache, masked
    mean_context = spec.prompt_len + (spec.new_tokens) / 2
    cache_read = config.kv_cache_bytes(spec, task.dtype, spec.capacity if static else round(mean_context))
    per_token = config.decode_weights_read(spec, task.dtype) + cache_read
    mismatch = next((i for i, (a, b) in enumerate(zip(tokens, ref.tokens)) if a != b), None)
    return {
        "status": "ok",
        "message": mismatch_message(tokens, ref, mismatch, task.dtype),
        "ttft_s": ttft,
        "prefill_tok_s": spec.prompt_len / ttft,
        "decode_tok_s": 1.0 / timing.median,
        **timing.fields(),
        "step_s": steps,
        "warmup_s": warmup_s,
        "bytes_per_token": per_token,
        "gbps": per_token / timing.median / 1e9,
        "peak_bytes": peak.bytes,
        "memory_note": peak.what,
        "tokens": tokens,
        "reference_tokens": list(ref.tokens),
        "tokens_match": mismatch is None,
        "first_mismatch": mismatch,
        "logits_err": logits_err,
    }


def mismatch_message(tokens: Sequence[int], ref: Reference, at: int | None, dtype: str) -> str:
    """"" when the tokens are the reference's; else where they part, and how near a tie it was."""
    if at is None:
        return ""
    margin = ref.margins[at]
    text = (f"generated the reference's first {at} tokens, then token {tokens[at]} where the reference has "
            f"{ref.tokens[at]}; there the reference's two best logits are {margin:.2g} apart")
    if dtype != "float32":
        text += f", a near-tie that {dtype}'s rounding can tip"
    return text


def precompile(task: Task, budget_s: float, should_stop: Callable[[], bool]) -> tuple[str | None, float | None]:
    """Compile the library's decode step for ``task`` in a separate process first, so a compiler
    that takes too long can be given up on (and Stop heard) without leaving work behind: the
    process is ended. The library's own compile cache makes the real compile that follows quick.
    Returns (None when it compiled, else the row's message; the seconds it took, None when the
    library needs no such step)."""
    module = library_module(task.backend)
    if not getattr(module, "COMPILE_IN_SUBPROCESS", False):
        return None, None
    args = {**task.spec.as_dict(), "device": task.device, "dtype": task.dtype, "backend": task.backend}
    args = {k: args[k] for k in ("preset", "width", "layers", "heads", "context", "prompt_len", "new_tokens",
                                 "device", "dtype", "backend")}
    proc = subprocess.Popen([sys.executable, "-m", f"{__package__}.compile_probe", json.dumps(args)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=os.name == "posix")  # its own group: its compiler workers too
    began = time.monotonic()
    try:
        while proc.poll() is None:
            if should_stop():
                raise Stopped
            if time.monotonic() - began > budget_s:
                return (f"{module.COMPILER} was still compiling the decode step after {budget_s:g} s on "
                        f"{task.device} here, so this row was not timed: {module.COMPILE_SLOW}"), None
            time.sleep(0.05)
    finally:
        end_group(proc)
    seconds = time.monotonic() - began
    if proc.returncode != 0:
        last = [line for line in (proc.stderr.read() or "").strip().splitlines() if line.strip()]
        return (f"{module.COMPILER} does not work on {task.device} here: "
                f"{last[-1] if last else f'exit {proc.returncode}'}"), seconds
    return None, seconds


def end_group(proc: subprocess.Popen) -> None:
    """End ``proc`` and, on POSIX, every process it started (the C++ compiler, inductor's worker pool),
    which share its process group; wait for it."""
    if os.name == "posix":
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the group this runner made for it, nothing else
        except ProcessLookupError:  # the group has ended
            pass
    elif proc.poll() is None:
        proc.kill()
    proc.wait()


def empty_row(task: Task, backend: Backend) -> dict:
    """A row with every field present; generation fills in the numbers."""
    spec = task.spec
    return InferenceRow.blank(
        backend=task.backend, label=backend.label, version=backend.version, device=task.device,
        device_label=device_label(backend, task.device), variant=task.variant, dtype=task.dtype,
        preset=spec.size_name, width=spec.width, layers=spec.layers, heads=spec.heads, vocab=config.VOCAB,
        context=spec.context, params=config.param_count(spec), prompt_len=spec.prompt_len,
        new_tokens=spec.new_tokens, status="", message="", repeats=0, step_s=[],
        weights_bytes=config.weights_bytes(spec, task.dtype), kv_cache_bytes=config.kv_cache_bytes(spec, task.dtype),
        memory_note="", tokens=[], reference_tokens=[], logits_tol=LOGITS_TOLERANCE[task.dtype])
