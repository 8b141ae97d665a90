"""Lazy and asynchronous execution: why timing without a synchronisation point lies.

MLX records a graph and computes nothing until ``mx.eval`` (or printing, or
``np.array``) forces it. PyTorch on a GPU queues kernels and returns before they
finish. NumPy (and PyTorch on the CPU) compute on the calling thread. The demo
times the same matmul twice per library: *naive* (just the call) and *synced*
(the call, then the backend's own synchronisation: ``Backend.synchronize``).
The cells are rendered from one template and both shown and executed; the timing
harness is shown with ``inspect.getsource``.
"""
from __future__ import annotations

import gc
import string
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .. import memory
from ..backends import Backend
from ..cells import CellResult, Status, execute, format_error, render
from ..measure.timing import Timing

SIZES = (64, 1024, 64)  # min, max, step of the matrix size n (n x n float32)
DEFAULT_SIZE = 256  # big enough for MLX's deferred work to dwarf the call, quick to draw
REPEATS = (3, 9)
DEFAULT_REPEATS = 5
WARMUP = 1
LIES_FACTOR = 10.0  # naive median this many times below the synced one: the naive number lies
AGREE_FACTOR = 2.0  # medians within this factor of each other (either way) agree

# One matmul per library. $n and $device are literals, $device_name a plain name (mx.cpu / mx.gpu).
MATMUL: dict[str, str] = {
    "numpy": (
        "n = $n\n"
        "rng = np.random.default_rng(0)\n"
        "a = rng.standard_normal((n, n), dtype=np.float32)\n"
        "b = rng.standard_normal((n, n), dtype=np.float32)\n"
        "\n"
        "def matmul():\n"
        "    # computed on this thread before it returns\n"
        "    return a @ b"
    ),
    "torch": (
        "n = $n\n"
        "device = $device\n"
        "a = torch.randn(n, n, device=device)\n"
        "b = torch.randn(n, n, device=device)\n"
        "\n"
        "def matmul():\n"
        "    # on a GPU: queues the kernel and returns\n"
        "    return a @ b"
    ),
    "mlx": (
        "n = $n\n"
        "device = mx.$device_name\n"
        "a = mx.random.normal((n, n), stream=device)\n"
        "b = mx.random.normal((n, n), stream=device)\n"
        "mx.eval(a, b)\n"
        "\n"
        "def matmul():\n"
        "    # records a graph node; computes nothing\n"
        "    return mx.matmul(a, b, stream=device)"
    ),
}

# How each library is meant to behave, to set beside what the timings show.
MODEL: dict[str, dict[str, str]] = {
    "numpy": {"cpu": "eager: the result is computed before the call returns"},
    "torch": {"cpu": "eager on the CPU: the call returns when the result is ready",
              "gpu": "asynchronous: the call queues a kernel and returns; synchronize() waits for it"},
    "mlx": {"cpu": "lazy: the call records a graph node; mx.eval (or printing, or np.array) computes it",
            "gpu": "lazy: the call records a graph node; mx.eval (or printing, or np.array) computes it"},
}


def matrix_bytes(n: int, libraries: int = 3) -> int:
    """Memory the demo needs: a, b and the product as float32, per library, plus one spare product."""
    return (3 * libraries + 1) * n * n * 4


def check_size(n: int, libraries: int = 3) -> None:
    """Refuse a size outside the slider's range, or one that would not fit, before allocating anything."""
    lo, hi, _step = SIZES
    if not lo <= n <= hi:
        raise ValueError(f"n must be between {lo} and {hi}; got {n}")
    memory.check_fits(matrix_bytes(n, libraries), f"three {n}×{n} float32 matrices per library")


def matmul_source(backend: Backend, n: int, device: str) -> str:
    body = render(MATMUL[backend.name], raw={"device_name": device}, literal={"n": n, "device": device})
    return f"{backend.import_line}\n\n{body}\n"


def compare(op: Callable[[], Any], sync: Callable[[Any], None], *,
            repeats: int = DEFAULT_REPEATS, warmup: int = WARMUP,
            clock: Callable[[], float] = time.perf_counter) -> tuple[Timing, Timing, Any]:
    """Time ``op()`` naively (until the call returns) and synced (until its result is ready).

    Warm-up calls run untimed first. Then each repeat times one naive call, waits for it
    untimed (so its queued work cannot land in the next timing), and times one synced call.
    Alternating the two keeps a busy machine from favouring one of them.
    """
    for _ in range(warmup):
        sync(op())
    naive, synced = [], []
    result = None
    for _ in range(repeats):
        start = clock()
        result = op()
        naive.append(clock() - start)
        sync(result)  # untimed

        start = clock()
        result = op()
        sync(result)
        synced.append(clock() - start)
    return Timing(tuple(naive)), Timing(tuple(synced)), result


@dataclass
class DemoResult(CellResult):
    naive: Timing | None = None
    synced: Timing | None = None
    result_device: str = ""  # where the result says it lives
    model: str = ""  # what the library is meant to do on this device kind

    @property
    def ratio(self) -> float | None:
        if self.naive is None or self.synced is None or self.naive.median <= 0:
            return None
        return self.synced.median / self.naive.median

    @property
    def verdict(self) -> str | None:
        """``"lies"`` (naive far below synced), ``"agree"`` (within AGREE_FACTOR either way), or
        ``"noisy"``: apart by more than noise allows but less than laziness explains (a busy machine).

        On a GPU the naive call returns once the kernel is queued, so a synced time 2–10× the naive
        one is the asynchrony itself (queuing costs a fair share of a fast kernel), not noise: any
        gap beyond AGREE_FACTOR there is the naive number lying."""
        r = self.ratio
        if r is None:
            return None
        if r >= LIES_FACTOR or (self.device_kind == "gpu" and r > AGREE_FACTOR):
            return "lies"
        return "agree" if 1 / AGREE_FACTOR <= r <= AGREE_FACTOR else "noisy"


def run_demo(backend: Backend, n: int, device: str | None = None, *, repeats: int = DEFAULT_REPEATS,
             warmup: int = WARMUP) -> DemoResult:
    """Time one library's matmul naive and synced on ``device``; never raises."""
    res = DemoResult(backend.name, backend.label)
    device = res.place(backend, device)
    if device is None:
        return res
    res.model = MODEL.get(backend.name, {}).get(res.device_kind, "")
    try:
        res.source = matmul_source(backend, n, device)
        with backend.turn(device):
            _value, _stdout, ns = execute(res.source)
            res.naive, res.synced, result = compare(
                ns["matmul"], lambda r: backend.synchronize(device, r), repeats=repeats, warmup=warmup)
            res.result_device = backend.describe(result).device or ""
    except Exception as exc:
        res.status, res.error = Status.ERROR, format_error(exc)
    return res


# --- what forces an MLX graph ----------------------------------------------------------------

FORCES: dict[str, str] = {
    "mx.eval(c)": "mx.eval(c)",
    "np.array(c)": "np.array(c)",
    "print(c)": "print(c)",
    "c.shape (does not force)": "c.shape",
    "nothing": "# (nothing here forces c)",
}

MLX_MEMORY = (
    "n = $n\n"
    "a = mx.random.normal((n, n))\n"
    "b = mx.random.normal((n, n))\n"
    "mx.eval(a, b)\n"
    "mx.synchronize()  # on a GPU, buffers of finished work are released only now\n"
    "start = mx.get_active_memory()\n"
    "\n"
    "c = a @ b\n"
    "after_call = mx.get_active_memory() - start\n"
    "$force\n"
    "after_force = mx.get_active_memory() - start\n"
    "after_call, after_force, c.nbytes"
)


@dataclass
class ForceResult:
    source: str
    status: str = "ok"
    error: str = ""
    stdout: str = ""
    after_call: int | None = None
    after_force: int | None = None
    nbytes: int | None = None

    @property
    def computed_by_call(self) -> bool | None:
        return None if self.after_call is None else self.after_call >= self.nbytes

    @property
    def computed_by_force(self) -> bool | None:
        return None if self.after_force is None else self.after_force >= self.nbytes


def force_source(libs: Mapping[str, Backend], n: int, force: str) -> str:
    if force not in FORCES:
        raise ValueError(f"unknown way to force {force!r}; choose from {', '.join(FORCES)}")
    body = string.Template(MLX_MEMORY).substitute(n=repr(int(n)), force=FORCES[force])
    imports = [libs["mlx"].import_line]
    if "np." in FORCES[force]:
        imports.insert(0, libs["numpy"].import_line)
    return "\n".join(imports) + "\n\n" + body + "\n"


def mlx_force_demo(libs: Mapping[str, Backend], n: int, force: str) -> ForceResult:
    """Show with MLX's own memory counter that ``c = a @ b`` allocates nothing until something forces it."""
    res = ForceResult(force_source(libs, n, force))
    needed = [libs["mlx"]] + ([libs["numpy"]] if "np." in FORCES[force] else [])
    gone = [b for b in needed if not b.available]
    if gone:
        res.status = Status.MISSING
        res.error = ", ".join(f"{b.label} is not available ({b.error})" for b in gone)
        return res
    try:
        with libs["mlx"].turn():
            # MLX arrays left in reference cycles elsewhere in this process, freed by a collection in the
            # middle of the cell, would lower its memory counter between its two readings: collect first.
            gc.collect()
            value, res.stdout, _ns = execute(res.source)
        res.after_call, res.after_force, res.nbytes = (int(v) for v in value)
    except Exception as exc:
        res.status, res.error = Status.ERROR, format_error(exc)
    return res
