"""This machine's ceilings, measured: the best each library × device × dtype reaches here.

- ``compute``: the best GFLOP/s of the benchmark's own matmul, swept from n = 64 upwards, doubling
  until the next size would take longer than ``max_call_s`` per call (or the memory guard refuses it);
- ``bandwidth``: GB/s (bytes read + written) of the benchmark's element-wise add at the first size
  whose three arrays fill ``memory_bytes`` (far beyond any cache: the memory plateau), and
- ``cache_bandwidth``: the best add at any size of that sweep (from n = 128: data in the caches);
- ``host_to_device``: the best of the benchmark's transfer, for a device that is not the host.

A ceiling is the best rate reached: each point's rate is taken at its fastest sample (the convention
of STREAM, which reports its best rate), the median and spread kept beside it in the row. A maximum
is what a ceiling is, and another process stealing the CPU for a moment only ever lowers it.

Every point is a benchmark measurement (:func:`kernels.bench.runner.measure_task`): the same
timing (synchronised, warmed up, median and spread), the same check against the float64 reference,
the same memory guard before anything is allocated, the same ``should_stop`` between timed blocks
(so Stop ends a sweep within about a second). A row says which size gave its value and what every
size tried reached (``sweep``). Sizes are measured size by size across the libraries, so each
size's inputs and reference are made once. No Streamlit here.
"""
from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from ..backends import Backend
from ..dtypes import ITEMSIZE
from ..machine import machine_info
from ..measure.results import ResultFile, new_result_file
from ..measure.rows import Progress, device_label, device_names
from ..measure.timing import Stopped, format_seconds
from ..memory import human_bytes
from .ceiling_results import CEILINGS, POINT_FIELDS, CeilingRow
from .estimate import assumed_call_seconds, measurement_seconds
from .kind import CEILINGS as KIND
from .ops import OPS
from .runner import Settings, Task, _Data, measure_task, unsupported_reason

SWEEP_OP = {"compute": "matmul", "bandwidth": "add", "cache_bandwidth": "add", "host_to_device": "transfer"}


@dataclass(frozen=True)
class Config:
    """How far each sweep goes. The defaults reach the plateau on a laptop and keep the whole
    measurement to well under a minute on a slow 2-core machine (MLX's reference-BLAS CPU matmul
    stops at n = 512 there, NumPy's and PyTorch's at 1024–2048; a Mac's GPU goes on to 8192)."""

    # from small sizes up: a library whose GFLOP/s fall with size (MLX's reference BLAS on Linux) peaks early
    compute_sizes: tuple[int, ...] = (64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384)
    bandwidth_sizes: tuple[int, ...] = (128, 256, 512, 1024, 2048, 4096, 8192, 16384)
    transfer_sizes: tuple[int, ...] = (512, 1024, 2048, 4096, 8192)
    memory_bytes: int = 192 * 2**20  # an add this large (3 arrays) is past every cache: the memory plateau
    transfer_bytes: int = 64 * 2**20  # a host → device copy this large has reached its plateau
    max_call_s: float = 0.5  # a sweep stops before a size whose calls would take longer than this
    settings: Settings = field(default_factory=lambda: Settings(budget_s=0.2))

    def sizes(self, sweep: str, dtype: str) -> tuple[int, ...]:
        """The ladder of ``sweep``, cut after the first size that reaches its byte target."""
        if sweep == "compute":
            return self.compute_sizes
        ladder, target = ((self.bandwidth_sizes, self.memory_bytes) if sweep == "bandwidth"
                          else (self.transfer_sizes, self.transfer_bytes))
        op, out = OPS[SWEEP_OP[sweep]], []
        for n in ladder:
            out.append(n)
            if op.moved(n) * ITEMSIZE[dtype] >= target:
                break
        return tuple(out)


DEFAULT = Config()


@dataclass(frozen=True)
class CeilingTask:
    """One ceiling row to measure."""

    backend: str
    device: str
    dtype: str
    ceiling: str

    @property
    def series(self) -> tuple[str, str, str]:
        return self.backend, self.device, self.dtype

    def __str__(self) -> str:
        where = f"{self.backend}/{self.device}" if self.device else self.backend
        return f"{self.ceiling} ceiling {self.dtype} {where}"


def applies(ceiling: str, backend: Backend, device: str) -> bool:
    """Host → device only where the device is not the host; the others everywhere."""
    if ceiling != "host_to_device":
        return True
    found = next((d for d in backend.devices if d.name == device), None) if backend.available else None
    return found is not None and found.kind != "cpu" and backend.name in OPS["transfer"].impls


def plan(backends: Mapping[str, Backend], devices: str | Sequence[str] = "auto",
         dtypes: Iterable[str] = ("float32",), series: Iterable[tuple[str, str]] | None = None) -> list[CeilingTask]:
    """Every ceiling row of every library × device × dtype (``series``: only these (library, device))."""
    wanted = set(series) if series is not None else None
    return [CeilingTask(b.name, device, dtype, ceiling)
            for dtype in dtypes for b in backends.values() for device in device_names(b, devices)
            if wanted is None or (b.name, device) in wanted
            for ceiling in CEILINGS if applies(ceiling, b, device)]


def sweep_of(ceiling: str) -> str:
    return "bandwidth" if ceiling == "cache_bandwidth" else ceiling


# --- rows ----------------------------------------------------------------------------------------

def base_row(task: CeilingTask, backend: Backend) -> dict:
    return CeilingRow.blank(
        backend=task.backend, version=backend.version, device=task.device,
        device_label=device_label(backend, task.device) if backend.available else "", dtype=task.dtype,
        ceiling=task.ceiling, status="", message="", unit="GFLOP/s" if task.ceiling == "compute" else "GB/s",
        op=SWEEP_OP[task.ceiling], shape="", repeats=0, sweep="")


def throughput(point: Mapping, ceiling: str) -> float | None:
    """The point's best rate: GFLOP/s (compute) or GB/s at its fastest sample."""
    fastest = point.get("min_s") or point.get("median_s")
    work = point.get("flops") if ceiling == "compute" else point.get("bytes")
    return work / fastest / 1e9 if work and fastest else None


def sweep_text(points: Sequence[Mapping], ceiling: str) -> str:
    """``n = 256: 41.2, 512: 55 GFLOP/s; n = 4096 refused (memory)``: every size tried."""
    unit = "GFLOP/s" if ceiling == "compute" else "GB/s"
    timed = [f"{p['size']}: {throughput(p, ceiling):.3g}" for p in points
             if p["status"] == "ok" and throughput(p, ceiling)]
    other = [f"n = {p['size']} {p['status']}" for p in points if p["status"] != "ok"]
    text = (f"n = {', '.join(timed)} {unit}" if timed else "")
    return "; ".join(x for x in (text, *other) if x)


def ceiling_row(task: CeilingTask, backend: Backend, points: Sequence[Mapping], config: Config,
                unsupported: str | None = None, ended: str = "") -> dict:
    """The row of one ceiling from the sweep's points: the best (compute, in-cache, host → device)
    or the largest size measured (memory), correct answers first; ``ended`` says why the sweep stopped."""
    row = base_row(task, backend)
    if unsupported:
        return {**row, "status": "unsupported", "message": unsupported}
    timed = [p for p in points if p["status"] == "ok" and throughput(p, task.ceiling)]
    row["sweep"] = sweep_text(points, task.ceiling)
    if not timed:
        last = points[-1] if points else None
        status = last["status"] if last is not None else "error"
        return {**row, "status": status if status != "ok" else "error",
                "message": (last or {}).get("message") or "nothing was measured"}
    pool = [p for p in timed if p.get("correct") is not False] or timed
    if task.ceiling == "bandwidth":
        chosen = max(pool, key=lambda p: p["size"])
    else:
        chosen = max(pool, key=lambda p: throughput(p, task.ceiling))
    notes = []
    if task.ceiling == "bandwidth":
        working = chosen["bytes"]
        if working < config.memory_bytes:
            notes.append(f"the largest size measured moves {human_bytes(working)}, less than the "
                         f"{human_bytes(config.memory_bytes)} meant to be past every cache, so this may be a cache's "
                         "bandwidth rather than memory's")
    if ended:
        notes.append(ended)
    if chosen.get("correct") is False:
        notes.append(f"outside tolerance: {chosen.get('message')}")
    return {**row, **{k: chosen.get(k) for k in POINT_FIELDS}, "status": "ok",
            "value": throughput(chosen, task.ceiling), "message": "; ".join(notes)}


def progress_text(r: Mapping) -> str:
    """``compute ceiling float32 numpy/cpu: 68.2 GFLOP/s (matmul n = 2048, best 1.1 ms, median 1.2 ms, 9×1) ·
    n = 256: …``"""
    where = f"{r['backend']}/{r['device']}" if r["device"] else r["backend"]
    head = f"{r['ceiling']} ceiling {r['dtype']} {where}: "
    if r["status"] != "ok":
        return head + f"{r['status']}: {r['message']}"
    return (head + f"{r['value']:.3g} {r['unit']} ({r['op']} n = {r['size']}, best {format_seconds(r['min_s'])}, "
                   f"median {format_seconds(r['median_s'])}, "
            f"{r['repeats']}×{r['calls_per_repeat']})" + (f" · {r['sweep']}" if r["sweep"] else "")
            + (f" · {r['message']}" if r["message"] else ""))


# --- running --------------------------------------------------------------------------------------

def run(tasks: Sequence[CeilingTask], backends: Mapping[str, Backend], config: Config = DEFAULT, *,
        should_stop: Callable[[], bool] | None = None) -> Iterator[Progress]:
    """Measure ``tasks`` (from :func:`plan`), yielding a :class:`Progress` with each ceiling row as
    soon as its sweep ends. Stop early by breaking out, or with ``should_stop()``: checked between
    the timed blocks of every measurement (:class:`Stopped` ends the run, keeping the rows so far)."""
    stop = should_stop or (lambda: False)
    start, done = time.perf_counter(), 0
    settings = config.settings

    def emit(row: dict) -> Progress:
        nonlocal done
        done += 1
        return Progress(done, len(tasks), row, time.perf_counter() - start, progress_text(row))

    try:
        for dtype in dict.fromkeys(t.dtype for t in tasks):
            for sweep in dict.fromkeys(sweep_of(t.ceiling) for t in tasks if t.dtype == dtype):
                mine = [t for t in tasks if t.dtype == dtype and sweep_of(t.ceiling) == sweep]
                op, ladder = OPS[SWEEP_OP[sweep]], config.sizes(sweep, dtype)

                def finished(series, points, unsupported=None, ended="", mine=mine):  # the series' rows of this sweep
                    backend = backends[series[0]]
                    return [emit(ceiling_row(t, backend, points, config, unsupported, ended))
                            for t in mine if t.series == series]

                active: dict[tuple, list[dict]] = {}  # series still sweeping -> its points so far
                for series in dict.fromkeys(t.series for t in mine):
                    reason = unsupported_reason(op, backends[series[0]], Task(op.name, ladder[0], dtype, *series[:2]))
                    if reason:
                        yield from finished(series, [], reason)
                    else:
                        active[series] = []
                for n in ladder:
                    if stop() or not active:
                        break
                    data = _Data(op, n, settings.seed)  # inputs and reference made once for every library
                    for series in list(active):
                        point = measure_task(Task(op.name, n, dtype, *series[:2]), backends[series[0]], data,
                                             settings, stop)
                        active[series].append(point)
                        why = _ends(point, op, n, sweep, dtype, config)
                        if why is not None:
                            yield from finished(series, active.pop(series), ended=why)
                    del data
                if stop():
                    return
                for series in list(active):
                    yield from finished(series, active.pop(series))
    except Stopped:
        return


def _ends(point: Mapping, op, n: int, sweep: str, dtype: str, config: Config) -> str | None:
    """Why a sweep stops after this point (None: it goes on): a refusal or an error, or the next
    size would take too long per call."""
    ladder = config.sizes(sweep, dtype)
    if point["status"] in ("refused", "error"):
        return f"stopped at n = {n}: {point['status']} ({point['message']})"
    if point["status"] != "ok":
        return f"stopped at n = {n}: {point['message']}"
    later = [m for m in ladder if m > n]
    if not later:
        return None
    nxt = later[0]
    work = (lambda m: op.flops(m)) if (sweep == "compute" and op.flops) else (lambda m: op.moved(m))
    predicted = point["median_s"] * work(nxt) / max(work(n), 1)
    if predicted > config.max_call_s:
        return (f"stopped before n = {nxt}: its calls would take about {format_seconds(predicted)} each, more than "
                f"the {config.max_call_s:g} s allowed")
    return None


def estimate_seconds(tasks: Sequence[CeilingTask], backends: Mapping[str, Backend], config: Config = DEFAULT) -> float:
    """How long :func:`run` will take, from rates assumed for each device kind (``kernels.bench.estimate``)
    and the sweeps' stopping rule; errs long like the benchmark's estimate."""
    total = 0.0
    settings = config.settings
    for series in dict.fromkeys(t.series + (sweep_of(t.ceiling),) for t in tasks):
        backend_name, device, dtype, sweep = series
        backend = backends.get(backend_name)
        if backend is None or not backend.available:
            continue
        op = OPS[SWEEP_OP[sweep]]
        found = next((d for d in backend.devices if d.name == device), None)
        kind = found.kind if found else "cpu"
        if kind == "cpu" and backend.reference_blas(device):
            kind = "cpu-reference-blas"
        for n in config.sizes(sweep, dtype):
            task = Task(op.name, n, dtype, backend_name, device)
            if unsupported_reason(op, backend, task):
                break
            call = assumed_call_seconds(task, kind)
            inputs, output = op.elements(n)
            total += measurement_seconds(call, settings) + 0.03 + (inputs + output) * ITEMSIZE[dtype] / 1e9
            later = [m for m in config.sizes(sweep, dtype) if m > n]
            work = op.flops if (sweep == "compute" and op.flops) else op.moved
            if later and call * work(later[0]) / work(n) > config.max_call_s:
                break
    return total


def result_file(rows: Iterable[dict], backends: Mapping[str, Backend], config: Config = DEFAULT) -> ResultFile:
    """The ``ceilings`` result file: the rows, the machine, and the sweep's settings."""
    return new_result_file(KIND.name, rows, machine_info(backends), settings_of(config))


def settings_of(config: Config) -> dict:
    out = dataclasses.asdict(config)
    out["settings"] = config.settings.as_dict()
    return out
