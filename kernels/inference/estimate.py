"""How long a planned set of generations will take, before it runs: what the Run button promises.

An estimate, not a measurement. A prompt's time comes from its arithmetic (2 FLOPs per weight per
token, plus attention's) at a rate assumed for the device's kind; a decode step's from the bytes it
reads (the weights and the cache) at an assumed bandwidth, plus a per-layer overhead; compiling from
what each library module assumes. Better, a row already measured here with the same library, device,
variant and dtype is scaled by the work. The rates are those of a slow CPU, so a first guess errs long.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from ..backends import Backend
from ..measure.estimate import Estimate, add_up
from . import config
from .runner import COMPILE_BUDGET_S, PREFILL_REPEATS, Task, library_module, unsupported_reason

# Assumed for one library on a device of this kind: FLOP/s, bytes/s, seconds of overhead per layer per step.
RATES = {"cpu": (5e9, 4e9, 3e-4), "gpu": (2e12, 1e11, 1.5e-4)}
REFERENCE_RATES = (2e9, 1e9)  # NumPy in float64, once per size: FLOP/s for the prompt, bytes/s for each token
SETUP_S = 1.0  # building the model, loading the weights, checking the logits, warming up


def prefill_flops(spec: config.Spec) -> float:
    matrices = config.param_count(spec) - (config.VOCAB + spec.context) * spec.width
    return 2.0 * matrices * spec.prompt_len + 2.0 * spec.layers * spec.prompt_len ** 2 * spec.width


def decode_bytes(spec: config.Spec, dtype: str) -> float:
    return (config.decode_weights_read(spec, dtype)
            + config.kv_cache_bytes(spec, dtype, spec.prompt_len + spec.new_tokens // 2))


def reference_seconds(spec: config.Spec) -> float:
    """The float64 reference: its prompt's arithmetic, then each token reading every weight (8 bytes)."""
    flops, bandwidth = REFERENCE_RATES
    per_token = config.decode_weights_read(spec, "float64") + config.kv_cache_bytes(spec, "float64")
    return prefill_flops(spec) / flops + per_token * (spec.new_tokens - 1) / bandwidth


def assumed(task: Task, kind: str) -> tuple[float, float, float]:
    """(prompt seconds, decode step seconds, warm-up seconds) from the assumed rates."""
    flops, bandwidth, per_layer = RATES.get(kind, RATES["cpu"])
    spec = task.spec
    prefill = prefill_flops(spec) / flops + spec.layers * per_layer
    step = decode_bytes(spec, task.dtype) / bandwidth + spec.layers * per_layer
    warmup = 0.0
    if task.variant == "compiled":
        warmup = getattr(library_module(task.backend), "ASSUMED_COMPILE_S", {}).get(kind, 5.0)
    return prefill, step, warmup


def calibrated(task: Task, known: Iterable[Mapping]) -> tuple[float, float, float] | None:
    """The same three from a row measured here with the same library, device, variant and dtype,
    the nearest in work, scaled by the work; None when there is none."""
    same = [r for r in known if r.get("status") == "ok" and r.get("median_s") and r.get("ttft_s")
            and (r["backend"], r["device"], r.get("variant"), r["dtype"]) ==
            (task.backend, task.device, task.variant, task.dtype)]
    if not same:
        return None
    spec = task.spec

    def spec_of(r):
        return spec.with_(width=r["width"], layers=r["layers"], heads=r["heads"],
                          context=r.get("context") or spec.context,
                          prompt_len=r["prompt_len"], new_tokens=r["new_tokens"])

    work = decode_bytes(spec, task.dtype)
    nearest = min(same, key=lambda r: abs(math.log(max(decode_bytes(spec_of(r), task.dtype), 1.0) / max(work, 1.0))))
    other = spec_of(nearest)
    step = nearest["median_s"] * work / max(decode_bytes(other, task.dtype), 1.0)
    prefill = nearest["ttft_s"] * prefill_flops(spec) / max(prefill_flops(other), 1.0)
    warmup = nearest.get("warmup_s") or 0.0
    return prefill, step, warmup


def estimate(tasks: Sequence[Task], backends: Mapping[str, Backend], known: Iterable[Mapping] = (),
             compile_budget_s: float = COMPILE_BUDGET_S) -> Estimate:
    known = list(known)
    references = sum(reference_seconds(spec) for spec in dict.fromkeys(t.spec for t in tasks))

    def row_seconds(task: Task) -> tuple[float, bool] | None:
        backend = backends.get(task.backend)
        if backend is None or unsupported_reason(task, backend):
            return None
        device = next((d for d in backend.devices if d.name == task.device), None)
        times = calibrated(task, known)
        was_calibrated = times is not None
        if not was_calibrated:
            times = assumed(task, device.kind if device else "cpu")
        prefill, step, warmup = times
        spec = task.spec
        return (SETUP_S + min(warmup, compile_budget_s) + prefill * (PREFILL_REPEATS + 2)
                + step * (spec.warmup_steps + spec.new_tokens - 1)), was_calibrated

    return add_up(tasks, row_seconds, references)
