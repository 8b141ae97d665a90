"""How long a planned sweep will take, before it runs: what the Run button promises.

An estimate, not a measurement. Each call's time comes from the operation's FLOPs and bytes at
rates assumed for the device's kind and the library's BLAS (an optimised one, or MLX's Linux
reference BLAS, several times slower), on the slow side of a laptop so the figure errs long; or,
better, from rows already measured
here for the same operation, library, device and dtype, scaled by the work. Then
the runner's rules are followed: one checked call, warm-up calls, blocks of calls at least
``min_block_s`` long, repeated until the time budget is spent and at least ``min_repeats`` times.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from ..backends import Backend
from ..dtypes import ITEMSIZE
from ..measure.estimate import Estimate, add_up
from .ops import OPS
from .runner import Settings, Task, unsupported_reason

# (FLOP/s, bytes/s, seconds of overhead per call) assumed for one library on a device of this kind:
# a CPU with an optimised BLAS, one with a reference BLAS (MLX's Linux build), a GPU.
RATES = {"cpu": (2e10, 2e9, 2e-5), "cpu-reference-blas": (4e9, 1e9, 2e-5), "gpu": (1e12, 1e11, 2e-4)}
REFERENCE_RATES = (1e10, 2e9)  # the float64 NumPy reference and the inputs, made once per (op, size)
PER_MEASUREMENT_S = 0.03  # converting, checking and bookkeeping around each measurement
SKEW = 1.2  # slow repeats pull the mean above the median a measured row records




def work(op_name: str, n: int, dtype: str) -> float:
    """What the operation's time grows with: FLOPs for compute-bound ops, bytes for the others."""
    op = OPS[op_name]
    if op.unit == "GFLOP/s" and op.flops:
        return float(op.flops(n))
    return float(op.moved(n) * ITEMSIZE[dtype])


def assumed_call_seconds(task: Task, kind: str) -> float:
    op = OPS[task.op]
    flop_rate, byte_rate, overhead = RATES.get(kind, RATES["cpu"])
    flops = op.flops(task.size) if op.flops else 0
    nbytes = op.moved(task.size) * ITEMSIZE[task.dtype]
    return overhead + max(flops / flop_rate, nbytes / byte_rate)


MIN_CALIBRATION_S = 2e-4  # shorter calls are mostly overhead: scaling them by the work would mislead


def calibrated_call_seconds(task: Task, known: Iterable[Mapping]) -> float | None:
    """A call's time from a measured row of the same op, library, device and dtype at the
    nearest size, scaled by the work; None when there is none (or only calls too short to scale)."""
    same = [r for r in known if r.get("status") == "ok" and (r.get("median_s") or 0) >= MIN_CALIBRATION_S
            and (r["op"], r["backend"], r["device"], r["dtype"]) == (task.op, task.backend, task.device, task.dtype)]
    if not same:
        return None
    nearest = min(same, key=lambda r: abs(math.log(r["size"] / task.size)))
    scale = work(task.op, task.size, task.dtype) / max(work(task.op, nearest["size"], task.dtype), 1.0)
    return SKEW * max(nearest["median_s"] * scale, 1e-6)


def measurement_seconds(call_s: float, settings: Settings) -> float:
    """The runner's time for one measurement of a call lasting ``call_s`` (see ``runner._measure``
    and ``timing.measure``)."""
    slow = call_s > settings.budget_s
    warmup = min(settings.warmup, 1) if slow else settings.warmup
    number = 1  # calls per block: grown tenfold until a block lasts min_block_s, as timing.measure does
    while call_s * number < settings.min_block_s and number < 1_000_000:
        number *= 10
    block = max(call_s * number, 1e-9)
    sizing = block * 1.111 if number > 1 else block  # the blocks of 1, 10, … calls tried on the way
    repeats = max(settings.budget_s, (settings.min_repeats - 1) * block)
    repeats = min(repeats, max(settings.max_repeats - 1, 1) * block)
    return call_s * (1 + warmup) + sizing + repeats


def estimate(tasks: Sequence[Task], backends: Mapping[str, Backend], settings: Settings = Settings(),
             known: Iterable[Mapping] = (), per_row_s: float = 0.0) -> Estimate:
    """The sweep's time: every measurement, plus inputs and reference once per (op, size), plus
    ``per_row_s`` for whatever the caller does with each row (a page redrawing its charts)."""
    known = list(known)
    flop_rate, byte_rate = REFERENCE_RATES
    references = 0.0
    for op_name, n in dict.fromkeys((t.op, t.size) for t in tasks):
        op = OPS[op_name]
        inputs, output = op.elements(n)
        references += (op.flops(n) if op.flops else 0) / flop_rate + 8 * (inputs + output) / byte_rate

    def row_seconds(task: Task) -> tuple[float, bool] | None:
        backend = backends.get(task.backend)
        if backend is None or unsupported_reason(OPS[task.op], backend, task):
            return None
        device = next((d for d in backend.devices if d.name == task.device), None)
        call = calibrated_call_seconds(task, known)
        calibrated = call is not None
        if not calibrated:
            kind = device.kind if device else "cpu"
            slow = kind == "cpu" and backend.reference_blas(task.device)
            call = assumed_call_seconds(task, "cpu-reference-blas" if slow else kind)
        op = OPS[task.op]
        convert = sum(op.elements(task.size)) * ITEMSIZE[task.dtype] / REFERENCE_RATES[1]
        return measurement_seconds(call, settings) + convert + PER_MEASUREMENT_S, calibrated

    return add_up(tasks, row_seconds, references + per_row_s * len(tasks))
