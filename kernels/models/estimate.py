"""How long a planned set of training runs will take, before it runs: what the Train button promises.

An estimate, not a measurement. One step's time comes from its arithmetic (forward and backward are
about 6 FLOPs per parameter per example, plus attention's for the transformer) at a rate assumed for
the library and the device's kind, plus a per-step overhead; or, better, from a run already measured
here with the same model, library, device and variant, scaled by the work. The rates are those of a
slow library on a laptop CPU (MLX's reference-BLAS CPU build), so a first guess errs long.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from ..backends import Backend
from ..measure.estimate import Estimate, add_up
from . import config
from .runner import Task, unsupported_reason

# (FLOP/s, seconds of overhead per step) assumed for one library on a device of this kind.
RATES = {"cpu": (3e9, 2e-3), "gpu": (5e11, 5e-3)}
SETUP_S = 0.3  # building the model and optimiser, the batches, compiling: per run


def step_flops(spec: config.RunSpec) -> float:
    """Floating-point operations in one training step (forward + backward ≈ 3 × forward)."""
    per_example = 2 * config.param_count(spec)
    if spec.model == "transformer":
        per_example = spec.seq_len * (2 * config.param_count(spec) + 4 * spec.depth * spec.seq_len * spec.width)
    return 3.0 * per_example * spec.batch


def assumed_step_seconds(task: Task, kind: str) -> float:
    rate, overhead = RATES.get(kind, RATES["cpu"])
    return overhead + step_flops(task.spec) / rate


def calibrated_step_seconds(task: Task, known: Iterable[Mapping]) -> float | None:
    """A step's time from a measured run of the same model, library, device and variant at the
    nearest size, scaled by the work; None when there is none."""
    same = [r for r in known if r.get("status") == "ok" and r.get("median_s")
            and (r["model"], r["backend"], r["device"], r.get("variant")) ==
            (task.spec.model, task.backend, task.device, task.variant)]
    if not same:
        return None
    work = step_flops(task.spec)

    def spec_of(r):
        return task.spec.with_(batch=r["batch"], width=r["width"], seq_len=r.get("seq_len") or task.spec.seq_len,
                               depth=r.get("depth") or task.spec.depth)

    nearest = min(same, key=lambda r: abs(math.log(max(step_flops(spec_of(r)), 1.0) / max(work, 1.0))))
    return nearest["median_s"] * work / max(step_flops(spec_of(nearest)), 1.0)


def estimate(tasks: Sequence[Task], backends: Mapping[str, Backend], known: Iterable[Mapping] = ()) -> Estimate:
    known = list(known)

    def row_seconds(task: Task) -> tuple[float, bool] | None:
        backend = backends.get(task.backend)
        if backend is None or unsupported_reason(task, backend):
            return None
        device = next((d for d in backend.devices if d.name == task.device), None)
        step = calibrated_step_seconds(task, known)
        calibrated = step is not None
        if not calibrated:
            step = assumed_step_seconds(task, device.kind if device else "cpu")
        return SETUP_S + step * task.spec.steps, calibrated

    return add_up(tasks, row_seconds)
