"""Running a sweep: which measurements to make (:func:`plan`), and making them one by one
(:func:`run`, a generator that yields each result row as soon as it is measured).

Every row is a plain dict (the fields in :data:`kernels.bench.results.ROW_FIELDS`): a result
is a value that can be saved, loaded and compared. A combination that cannot run here becomes
a row too, with status ``unsupported`` (and the reason), ``refused`` (it would not fit in
memory: how much it needed) or ``error`` (what the library said), never an exception.
"""
from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from ..backends import Backend, discover
from ..dtypes import EPS, ITEMSIZE
from ..machine import machine_info
from ..measure.results import ResultFile, new_result_file
from ..measure.rows import Progress, device_label, device_names, device_unavailable, outcome, run_tasks
from ..measure.timing import format_seconds, measure
from ..memory import check_fits
from .kind import BENCH
from .op import Op
from .ops import OPS
from .results import BenchRow

DTYPES = ("float32", "float16", "bfloat16", "float64")  # each one's size and epsilon: kernels.dtypes
# A result is correct when max |result - reference| <= TOLERANCE * eps * sqrt(k) * max |reference|,
# k being the longest sum behind one output value (rounding errors grow like its square root).
TOLERANCE = 8


@dataclass(frozen=True)
class Settings:
    """How hard to measure: the time budget per measurement and the repeat limits."""

    budget_s: float = 0.5  # time spent repeating one measurement, after warm-up
    warmup: int = 2  # untimed calls before the clock starts (besides the checked first call)
    min_repeats: int = 3
    max_repeats: int = 500
    min_block_s: float = 1e-3  # a timed block of calls lasts at least this long
    seed: int = 0  # the inputs' random generator

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Task:
    """One measurement: an operation at a size, in a dtype, on one library's device."""

    op: str
    size: int
    dtype: str
    backend: str
    device: str  # "" when the library itself is missing

    def __str__(self) -> str:
        where = f"{self.backend}/{self.device}" if self.device else self.backend
        return f"{self.op} n={self.size} {self.dtype} {where}"


def progress_text(r: Mapping) -> str:
    """``matmul n=512 float32 torch/cpu: ok 1.2 ms (IQR 30 µs, 40×1) · 220 GFLOP/s``"""
    where = f"{r['backend']}/{r['device']}" if r["device"] else r["backend"]
    head = f"{r['op']} n={r['size']} {r['dtype']} {where}: {r['status']}"
    if r["status"] != "ok":
        return f"{head}: {r['message']}"
    speed = r["gflops"] if r["unit"] == "GFLOP/s" else r["gbps"]
    speed = f"{speed:.3g} {r['unit']}" if speed else f"? {r['unit']}"
    check = "" if r["correct"] else f" · OUTSIDE TOLERANCE: {r['message']}"
    return (f"{head} {format_seconds(r['median_s'])} (IQR {format_seconds(r['iqr_s'])}, "
            f"{r['repeats']}×{r['calls_per_repeat']}) · {speed}{check}")


# --- Planning ---------------------------------------------------------------------------------

def plan(ops: Iterable[str], sizes: Iterable[int], backends: Mapping[str, Backend],
         devices: str | Sequence[str] = "auto", dtypes: Iterable[str] = ("float32",)) -> list[Task]:
    """Every (op, size, dtype, library, device) to measure, grouped so inputs are made once.

    ``devices``: ``"auto"`` (every available device), ``"all"`` (every device a library knows,
    unavailable ones becoming ``unsupported`` rows that say why) or a list of device names.
    """
    ops, sizes, dtypes = list(ops), [int(n) for n in sizes], list(dtypes)
    for kind, given, valid in (("operation", ops, OPS), ("dtype", dtypes, DTYPES)):
        unknown = [x for x in given if x not in valid]
        if unknown:
            raise ValueError(f"unknown {kind} {', '.join(map(str, unknown))}; choose from {', '.join(valid)}")
    if any(n < 1 for n in sizes):
        raise ValueError("sizes must be positive integers")
    return [Task(op, n, dtype, b.name, device)
            for op in ops for n in sizes for dtype in dtypes
            for b in backends.values() for device in device_names(b, devices)]



# --- Running ----------------------------------------------------------------------------------

def run(tasks: Sequence[Task], backends: Mapping[str, Backend], settings: Settings = Settings(), *,
        should_stop: Callable[[], bool] | None = None) -> Iterator[Progress]:
    """Measure each task in turn, yielding a :class:`Progress` (with its row) as each finishes.

    Stop early by breaking out of the loop, or with ``should_stop()`` returning True: it is checked
    before each measurement and between the timed blocks of one, so even a long measurement ends
    within about a second. Inputs and the reference are made once per (op, size).
    """
    stop = should_stop or (lambda: False)
    data: list[_Data] = []  # the current (op, size)'s; the previous one is freed when it changes

    def measure_one(task: Task) -> dict:
        if not data or (data[0].op.name, data[0].size) != (task.op, task.size):
            data[:] = [_Data(OPS[task.op], task.size, settings.seed)]
        return measure_task(task, backends[task.backend], data[0], settings, stop)

    return run_tasks(tasks, measure_one, progress_text, should_stop)


class _Data:
    """The inputs and float64 reference answer for one (op, size): made on first use, shared
    by every library, dtype and device, so all compute on the same numbers."""

    def __init__(self, op: Op, size: int, seed: int):
        self.op, self.size, self.seed = op, size, seed

    @functools.cached_property
    def inputs(self) -> dict[str, np.ndarray]:
        return self.op.inputs(self.op.shapes(self.size), np.random.default_rng(self.seed))

    @functools.cached_property
    def reference(self) -> np.ndarray:
        return np.asarray(self.op.reference(*(x.astype(np.float64) for x in self.inputs.values())))


def measure_task(task: Task, backend: Backend, data: _Data, settings: Settings,
                 should_stop: Callable[[], bool] = lambda: False) -> dict:
    """One result row; never raises (but :class:`kernels.measure.timing.Stopped` ends the run)."""
    op, n = OPS[task.op], task.size

    def work() -> dict:
        check_fits(op.memory_bytes(n, ITEMSIZE[task.dtype]), f"{op.name} at n={n} in {task.dtype}")
        return _measure(op, backend, task, data, settings, should_stop)

    return outcome(empty_row(task, backend, op), unsupported_reason(op, backend, task), work)


def _measure(op: Op, backend: Backend, task: Task, data: _Data, settings: Settings,
             should_stop: Callable[[], bool]) -> dict:
    """Convert the inputs, check the first result, then time: the part that runs the libraries."""
    fn, sync = prepare(op, backend, task, data.inputs)
    with backend.device_scope(task.device):
        start = time.perf_counter()
        first = fn()  # checked below; it is also the first warm-up call
        sync(first)
        slow = time.perf_counter() - start > settings.budget_s  # then one more warm-up is enough
        result = backend.to_numpy(first)
        del first
        timing = measure(fn, sync, budget_s=settings.budget_s,
                         warmup=min(settings.warmup, 1) if slow else settings.warmup,
                         min_block_s=settings.min_block_s, min_repeats=settings.min_repeats,
                         max_repeats=settings.max_repeats, should_stop=should_stop)
    layout = op.layouts.get(backend.name)
    if layout is not None:
        result = layout.output(result)
    fields = check(result, data.reference, task.dtype, op.reduction(task.size))
    if not fields["correct"] and fields["max_abs_err"] is not None:
        fields["message"] += tf32_note(backend, task)
    seconds = timing.median
    flops, nbytes = op.flops(task.size) if op.flops else None, op.moved(task.size) * ITEMSIZE[task.dtype]
    return {
        **fields,
        "status": "ok",
        **timing.fields(),
        "gflops": flops / seconds / 1e9 if flops and seconds > 0 else None,
        "gbps": nbytes / seconds / 1e9 if seconds > 0 else None,
    }


def prepare(op: Op, backend: Backend, task: Task, inputs: Mapping[str, np.ndarray]):
    """``fn()`` (the operation on this library's copy of the inputs, placed on the device) and
    ``sync(result)`` (the device's synchronisation). All the copying happens here, untimed."""
    layout = op.layouts.get(backend.name)
    arrays = list((layout.inputs(**inputs) if layout else inputs).values())
    impl = op.impls[backend.name]
    if op.host_to_device:  # the data stays a NumPy array on the host; each call moves it
        host = [np.ascontiguousarray(a, dtype=task.dtype) for a in arrays]
        fn = functools.partial(impl, *host, device=task.device)
    else:
        placed = [backend.from_numpy(a, task.device, task.dtype) for a in arrays]
        fn = functools.partial(impl, *placed)
    sync = functools.partial(backend.synchronize, task.device)  # sync(result)
    return fn, sync


def check(result: np.ndarray, reference: np.ndarray, dtype: str, reduction: int) -> dict:
    """Compare with the float64 reference: max absolute error, the dtype's tolerance, a verdict."""
    if result.shape != reference.shape:
        raise ValueError(f"the result has shape {result.shape}, the reference {reference.shape}")
    error = float(np.max(np.abs(result.astype(np.float64) - reference), initial=0.0))
    scale = float(np.max(np.abs(reference), initial=0.0)) or 1.0
    tolerance = TOLERANCE * EPS[dtype] * math.sqrt(reduction) * scale
    if not math.isfinite(error):
        return {"max_abs_err": None, "tolerance": tolerance, "correct": False,
                "message": "the result contains NaN or infinity"}
    correct = error <= tolerance
    message = "" if correct else (f"max abs error {error:.3g} exceeds the {dtype} tolerance "
                                  f"{tolerance:.3g}")
    return {"max_abs_err": error, "tolerance": tolerance, "correct": correct, "message": message}


TF32_OFF = {"mlx": "start the app with MLX_ENABLE_TF32=0 for full float32",
            "torch": "set torch.backends.cudnn.conv.fp32_precision = 'ieee' (convolutions) or "
                     "torch.set_float32_matmul_precision('highest') (matmuls) for full float32"}


def tf32_note(backend: Backend, task: Task) -> str:
    """Why a float32 result on a GPU may miss the float32 tolerance: the library computed it in TF32
    (MLX's matrix products by default on GPUs that have it; PyTorch's convolutions on CUDA by
    default). Empty otherwise."""
    if task.dtype != "float32" or backend.device(task.device).kind != "gpu":
        return ""
    setting = backend.precision()
    kind = "conv" if task.op == "conv2d" and "float32_conv" in setting else "matmul"
    if setting.get(f"float32_{kind}") != "tf32":
        return ""
    what = "convolution" if kind == "conv" else "matrix products"
    return (f": {backend.label} computed the float32 {what} in TF32 ({setting.get('setting')}; about 10 bits of "
            "mantissa instead of 23), so this is not a float32 result to compare with the others; "
            + TF32_OFF.get(backend.name, "switch TF32 off for full float32"))


def unsupported_reason(op: Op, backend: Backend, task: Task) -> str | None:
    """Why this combination cannot run here, or None. Capabilities come from the backend layer."""
    reason = device_unavailable(backend, task.device)
    if reason is not None:
        return reason
    device = backend.device(task.device)
    if backend.name not in op.impls:
        return op.absent.get(backend.name) or f"{op.title} has no {backend.label} version"
    if op.host_to_device and device.kind == "cpu":
        return f"{backend.label}'s {device.name} device is the host itself: nothing to transfer"
    if op.dtypes is not None and task.dtype not in op.dtypes:
        return f"{op.title} is measured in {', '.join(op.dtypes)} only. {op.note}".strip()
    if task.size < op.min_size:
        return f"{op.title} needs n ≥ {op.min_size}"
    return backend.dtype_support(task.device, task.dtype)


def empty_row(task: Task, backend: Backend, op: Op) -> dict:
    """A row with every field present; measuring fills in the numbers (the roofline's fields,
    ``kernels.bench.roofline.annotate``, once ceilings are known)."""
    n = task.size
    moved = op.moved(n) * ITEMSIZE[task.dtype]
    return BenchRow.blank(
        op=task.op, size=n, shape=op.shape_label(n), dtype=task.dtype, backend=task.backend,
        version=backend.version, device=task.device, device_label=device_label(backend, task.device),
        status="", message="", repeats=0, flops=op.flops(n) if op.flops else None, bytes=moved, unit=op.unit,
        intensity=op.flops(n) / moved if op.flops else None, suspect="")


# --- All at once --------------------------------------------------------------------------------

def result_file(rows: Iterable[dict], backends: Mapping[str, Backend], settings: Settings = Settings()) -> ResultFile:
    """Rows plus the machine they ran on and the settings used: what the page and CLI save."""
    return new_result_file(BENCH.name, rows, machine_info(backends), settings.as_dict())


def benchmark(ops: Iterable[str], sizes: Iterable[int], backends: Mapping[str, Backend] | None = None,
              devices: str | Sequence[str] = "auto", dtypes: Iterable[str] = ("float32",),
              settings: Settings = Settings()) -> ResultFile:
    """Plan, run every measurement and return the result file (no streaming)."""
    backends = discover() if backends is None else backends
    tasks = plan(ops, sizes, backends, devices, dtypes)
    rows = [p.row for p in run(tasks, backends, settings)]
    return result_file(rows, backends, settings)


def method(settings: Settings, machine: Mapping | None = None) -> list[str]:
    """How this sweep measures, in words, read from ``settings`` and the constants in force (never
    typed by hand beside them): the page's "How we measure" and the command's ``--help``."""
    lines = [
        f"Warm-up: the first call is checked against the reference, then {settings.warmup} more run untimed "
        "(compilation, caches, lazy set-up); a call slower than the budget gets one.",
        "Synchronisation: every timed call ends with sync(result): mx.eval(result) for MLX, which is lazy and "
        "would otherwise time only the building of a graph; torch.mps.synchronize() or torch.cuda.synchronize() "
        "for Torch on a GPU, where an operation returns before the GPU has finished it and synchronize() waits "
        "for it; nothing for NumPy and CPU tensors.",
        f"Repeats: calls are grouped in blocks of at least {format_seconds(settings.min_block_s)} for the clock; "
        f"blocks repeat until the {settings.budget_s:g} s budget is spent, at least {settings.min_repeats} and "
        f"at most {settings.max_repeats} times; each row keeps the median and the IQR (the spread of the middle "
        "half), the quartiles, min and max.",
        f"Correctness: every library's first result is compared with the same operation in float64 NumPy; it "
        f"passes within {TOLERANCE} × the dtype's rounding step × √(length of the longest sum) × the answer's "
        "largest value. A wrong answer is flagged, not hidden.",
        f"Same inputs: one generator seeded with {settings.seed} makes each size's inputs once; every library "
        "copies them to its device before the clock starts.",
    ]
    precision = {name: p for name, p in ((machine or {}).get("precision") or {}).items() if isinstance(p, dict)}
    tf32 = [name for name, p in precision.items() if p.get("float32_matmul") == "tf32"]
    if tf32:
        lines.append(f"TF32: on this machine {', '.join(tf32)} computes float32 matrix products in TF32 (10-bit "
                     "mantissa), so its float32 matmul, attention and convolution rows miss the float32 tolerance; "
                     "start with MLX_ENABLE_TF32=0 for full float32.")
    conv = [name for name, p in precision.items() if p.get("float32_conv") == "tf32" and name not in tf32]
    if conv:
        lines.append(f"TF32: on this machine {', '.join(conv)} computes float32 convolutions in TF32 (cuDNN's "
                     "default, torch.backends.cudnn.conv.fp32_precision = 'tf32'), so its float32 convolution rows "
                     "miss the float32 tolerance; set it to 'ieee' for full float32.")
    return lines
