"""``python -m kernels.doctor``: the self-check to run first on a new machine, and to attach to a bug report.

For each library × device pair (NumPy cpu; PyTorch cpu, mps, cuda; MLX gpu, cpu) it either says why
the pair is unavailable here, or runs small checks on that device: the import, a float32 computation
against a float64 NumPy reference, that synchronisation really waits, the memory counters, values
crossing threads (Streamlit runs each script run in a new thread), and the conversion routes of the
"Moving data" page. Every check is a plain dict row (backend, device, check, status, message, and
sometimes numbers); a check that raises becomes a ``failed`` row with the library's own first line.
No Streamlit here: the About page calls :func:`run_checks`, :func:`report` and :func:`table_text`.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np

from . import cells
from .backends import Backend, discover, mps_rules
from .bench.ops import OPS
from .bench.runner import TOLERANCE
from .dtypes import EPS
from .examples import conversions, lazy
from .machine import machine_info
from .measure.cli import Parser, progress_printer, run_main, status_counts, write_out
from .measure.rows import error_message
from .measure.timing import format_seconds
from .memory import human_bytes

PROG = "python -m kernels.doctor"
SCHEMA = 1
PAIRS: tuple[tuple[str, str], ...] = (
    ("numpy", "cpu"), ("torch", "cpu"), ("torch", "mps"), ("torch", "cuda"), ("mlx", "gpu"), ("mlx", "cpu"),
)
STATUSES = ("ok", "unavailable", "failed")
CHECKS = ("import", "compute", "synchronize", "memory", "threads", "conversions")
COLUMNS = ("backend", "device", "check", "status", "message")

COMPUTE_SIZE = 64  # softmax(a @ b) on 64×64 float32: milliseconds everywhere, MLX's slow CPU BLAS included
CPU_SYNC_SIZE = 256  # big enough that MLX's lazy call and its evaluation are far apart; quick on a CPU
GPU_SYNC_SIZE = 2048  # a GPU finishes a smaller matmul about as fast as the call returns
SYNC_REPEATS = 3
SYNC_FACTOR = 2.0  # synchronised time at least this many times the naive one: synchronisation waited
# Relative rounding step of the reduced precisions a GPU may use for float32 matmuls.
REDUCED_EPS = {"tf32": 2.0**-10}
COARSEST_EPS = 2.0**-7  # bfloat16: the worst a library's "reduced precision" setting allows
CONVERSION_DTYPE = "float32"
CONVERSION_VALUES = [0.5, 1, 2, 3]

clock = time.perf_counter  # the synchronize check's clock (tests replace it to simulate a GPU)


def row(backend: str, device: str, check: str, status: str, message: str, **numbers: Any) -> dict:
    """One check as a plain dict: the five columns, then any numbers it measured."""
    return {"backend": backend, "device": device, "check": check, "status": status, "message": message,
            **numbers}


# --- which pairs can run ------------------------------------------------------------------------

def first_line(text: str | None) -> str:
    return (str(text or "").strip().splitlines() or [""])[0]


def unavailable_row(backend: Backend, device: str) -> dict | None:
    """The one row for a pair that cannot run here, or None when it can.

    A library that is not installed is ``unavailable``; one that is installed but fails to import
    (a broken native extension, a wrong wheel) is ``failed``: that is worth a bug report."""
    if not backend.available:
        error = first_line(backend.error)
        if error.startswith("ModuleNotFoundError"):
            return row(backend.name, device, "import", "unavailable",
                       f"{backend.label} is not installed ({error}); install it with: {backend.install}")
        return row(backend.name, device, "import", "failed", f"{backend.label} does not import: {error}")
    found = next((d for d in backend.devices if d.name == device), None)
    if found is None:
        probe = next((d.note for d in backend.devices if d.note.startswith("device probe failed")), "")
        if probe:
            return row(backend.name, device, "device", "failed", first_line(probe))
        return row(backend.name, device, "device", "unavailable", f"{backend.label} knows no device {device!r}")
    if not found.available:
        return row(backend.name, device, "device", "unavailable", found.note)
    return None


# --- the checks, one function each: (backend, device) -> the row's status, message and numbers ---

def check_import(backend: Backend, device: str) -> dict:
    dev = backend.device(device)
    return {"status": "ok", "message": f"{backend.label} {backend.version} · {device}: {dev.label}",
            "version": backend.version}


def tolerance_eps(backend: Backend, device: str) -> tuple[float, str]:
    """The rounding step the compute check allows, and why: float32's, unless the library is set to
    run float32 matmuls in reduced precision on this GPU (MLX uses TF32 by default on GPUs that
    have it), when a float32 tolerance would report a setting as a fault."""
    matmul = backend.precision().get("float32_matmul", "float32")
    if backend.device(device).kind != "gpu" or matmul == "float32":
        return EPS["float32"], "float32"
    return REDUCED_EPS.get(matmul, COARSEST_EPS), f"reduced precision: {matmul}"


def compute_inputs(n: int = COMPUTE_SIZE) -> tuple[np.ndarray, np.ndarray]:
    """Seeded float32 inputs; ``b`` is scaled by 1/√n so ``a @ b`` stays near 1 and the softmax
    is not one-hot (a one-hot softmax would hide errors in the matmul)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32) / np.float32(math.sqrt(n))
    return a, b


def check_compute(backend: Backend, device: str) -> dict:
    """softmax(a @ b) on the device, against float64 NumPy: the library computes, and computes right."""
    a, b = compute_inputs()
    matmul, softmax = OPS["matmul"], OPS["softmax"]
    with backend.device_scope(device):
        x, y = backend.from_numpy(a, device), backend.from_numpy(b, device)
        result = softmax.impls[backend.name](matmul.impls[backend.name](x, y))
        backend.synchronize(device, result)
    got = np.asarray(backend.to_numpy(result), dtype=np.float64)
    expected = softmax.reference(matmul.reference(a.astype(np.float64), b.astype(np.float64)))
    if got.shape != expected.shape:
        return {"status": "failed", "message": f"the result has shape {got.shape}, expected {expected.shape}"}
    eps, basis = tolerance_eps(backend, device)
    tolerance = TOLERANCE * eps * math.sqrt(COMPUTE_SIZE) * float(np.abs(expected).max())
    error = float(np.abs(got - expected).max())
    what = f"softmax(a @ b), {COMPUTE_SIZE}×{COMPUTE_SIZE} float32, vs NumPy float64"
    numbers = {"max_abs_err": error if math.isfinite(error) else None, "tolerance": tolerance}
    if not math.isfinite(error):
        return {"status": "failed", "message": f"{what}: the result contains NaN or infinity", **numbers}
    verdict = "within" if error <= tolerance else "exceeds"
    message = f"{what}: max abs error {error:.3g} {verdict} the {basis} tolerance {tolerance:.3g}"
    return {"status": "ok" if error <= tolerance else "failed", "message": message, **numbers}


def waits_for_work(backend: Backend, device: str) -> bool:
    """Whether a call on this device returns before its result exists: any GPU (asynchronous
    launches), and a lazy library everywhere (MLX records a graph on the CPU too)."""
    kind = backend.device(device).kind
    return kind == "gpu" or lazy.MODEL.get(backend.name, {}).get(kind, "").startswith("lazy")


def check_synchronize(backend: Backend, device: str) -> dict:
    """Time a matmul naive (just the call) and synchronised: where work is deferred, the
    synchronised time must be clearly longer, or timings on this device measure only the launch."""
    if backend.device(device).note == mps_rules.LABEL:
        return {"status": "unavailable", "message": "mps is imitated on the CPU here (the MPS-rules mode), where work "
                                                    "finishes before a call returns: whether synchronize() waits "
                                                    "for the GPU can only be checked on a Mac"}
    waits = waits_for_work(backend, device)
    n = GPU_SYNC_SIZE if backend.device(device).kind == "gpu" else CPU_SYNC_SIZE
    rng = np.random.default_rng(1)
    with backend.device_scope(device):
        a, b = (backend.from_numpy(rng.standard_normal((n, n), dtype=np.float32), device) for _ in range(2))
        naive, synced, _ = lazy.compare(lambda: a @ b, lambda r: backend.synchronize(device, r),
                                        repeats=SYNC_REPEATS, warmup=1, clock=clock)
    ratio = synced.median / naive.median if naive.median > 0 else None
    numbers = {"size": n, "naive_s": naive.median, "synced_s": synced.median, "ratio": ratio}
    times = (f"{n}×{n} matmul, median of {SYNC_REPEATS}: naive {format_seconds(naive.median)}, "
             f"synchronised {format_seconds(synced.median)}")
    if not waits:
        return {"status": "ok", "message": f"computes on the calling thread, nothing to wait for ({times})",
                **numbers}
    if ratio is None or ratio >= SYNC_FACTOR:
        how = "no measurable naive time" if ratio is None else f"{ratio:.0f}× the naive time"
        return {"status": "ok", "message": f"synchronisation waits for the work ({times}; {how})", **numbers}
    return {"status": "failed", "message": f"synchronisation did not wait: {times}, only {ratio:.1f}× the naive "
                                           f"time (expected ≥ {SYNC_FACTOR:.0f}×)", **numbers}


def memory_text(reading) -> str:
    if reading.bytes is None:
        return reading.what
    return f"{human_bytes(reading.bytes)} ({reading.what})"


def check_memory(backend: Backend, device: str) -> dict:
    """What the library's memory counters say here, and what they count (each counts differently)."""
    in_use, peak = backend.memory_in_use(device), backend.peak_memory(device)
    return {"status": "ok", "message": f"in use: {memory_text(in_use)}; peak: {memory_text(peak)}",
            "bytes_in_use": in_use.bytes, "peak_bytes": peak.bytes}


def in_new_thread(fn: Callable[[], Any]) -> Any:
    """``fn()`` run in a thread of its own, as Streamlit runs each script run; its exception re-raised here."""
    out: dict[str, Any] = {}

    def target():
        try:
            out["value"] = fn()
        except BaseException as exc:  # handed back to the caller's thread
            out["error"] = exc

    worker = threading.Thread(target=target, name="doctor-check")
    worker.start()
    worker.join()
    if "error" in out:
        raise out["error"]
    return out["value"]


def check_threads(backend: Backend, device: str) -> dict:
    """A result synchronised in one thread must be usable in another (the app keeps results across
    script runs). Whether an unsynchronised one can be is reported, not judged: MLX ≥ 0.31.2 keeps
    streams per thread, so its unevaluated graph cannot be evaluated in another thread."""
    start = np.arange(16, dtype=np.float32).reshape(4, 4)

    def make(synchronise: bool):
        with backend.device_scope(device):
            value = backend.from_numpy(start, device) + 1
            if synchronise:
                backend.synchronize(device, value)
        return value

    def use(value):
        with backend.device_scope(device):
            doubled = value * 2
            backend.synchronize(device, doubled)
        return backend.to_numpy(doubled)

    ready = in_new_thread(lambda: make(True))
    got = in_new_thread(lambda: use(ready))
    if not np.array_equal(np.asarray(got, dtype=np.float64), (start.astype(np.float64) + 1) * 2):
        return {"status": "failed", "message": "a value computed in one thread read back wrong in another"}
    return {"status": "ok", "message": "a synchronised value crosses threads; " + unsynchronised_note(
        in_new_thread(lambda: make(False)), use)}


def unsynchronised_note(pending: Any, use: Callable[[Any], Any]) -> str:
    """What happens to an unsynchronised result used in another thread: information, not a verdict."""
    try:
        in_new_thread(lambda: use(pending))
    except Exception as exc:
        note = f"an unsynchronised result made in one thread fails in another: {error_message(exc)}"
        if "no Stream" in str(exc):
            note += (" (expected: MLX keeps streams per thread; evaluate with mx.eval before a result "
                     "leaves its thread, e.g. between Streamlit script runs)")
        return note
    return "an unsynchronised result made in one thread is usable in another too"


CHECK_FUNCTIONS: dict[str, Callable[[Backend, str], dict]] = {
    "import": check_import,
    "compute": check_compute,
    "synchronize": check_synchronize,
    "memory": check_memory,
    "threads": check_threads,
}


def check_row(check: str, backend: Backend, device: str) -> dict:
    """One check as a row; a check that raises is ``failed`` with the library's first line."""
    try:
        result = CHECK_FUNCTIONS[check](backend, device)
    except Exception as exc:
        result = {"status": "failed", "message": error_message(exc)}
    return row(backend.name, device, check, **result)


# --- conversions -----------------------------------------------------------------------------

def run_routes(libs: Mapping[str, Backend]) -> list[tuple[conversions.Route, conversions.RouteResult | None, str]]:
    """Every route of the "Moving data" page in float32, one at a time so that a route which raises
    out of ``run_matrix`` (it never should) is named and the others still run."""
    out = []
    for route in conversions.ROUTES:
        if route.source not in libs or route.target not in libs:  # a caller that passed fewer libraries
            continue
        try:
            result = conversions.run_matrix(CONVERSION_DTYPE, CONVERSION_VALUES, libs, routes=(route,))[0]
            out.append((route, result, ""))
        except Exception as exc:
            out.append((route, None, error_message(exc)))
    return out


def route_name(route: conversions.Route, libs: Mapping[str, Backend]) -> str:
    label = {name: b.label for name, b in libs.items()}
    code = cells.render(route.code, raw={"dtype": CONVERSION_DTYPE})
    return f"{label.get(route.source, route.source)}→{label.get(route.target, route.target)} {code}"


def conversions_check(backend: Backend, device: str, routes, libs: Mapping[str, Backend]) -> dict:
    """Routes to or from this library: ok listing how many work and naming those that do not here;
    failed only when a route raised out of the conversion code."""
    mine = [(r, res, err) for r, res, err in routes if backend.name in (r.source, r.target)]
    raised = [f"{route_name(r, libs)}: {err}" for r, res, err in mine if res is None]
    working = sum(1 for _r, res, _e in mine if res is not None and res.ok)
    others = [f"{route_name(r, libs)} ({res.status}: {first_line(res.error)})"
              for r, res, _e in mine if res is not None and not res.ok]
    head = (f"{working} of {len(mine)} routes to or from {backend.label} work here "
            f"({CONVERSION_DTYPE}, {CONVERSION_VALUES}, run on {device})")
    tail = f"; not here: {'; '.join(others)}" if others else ""
    numbers = {"routes": len(mine), "working": working}
    if raised:
        return row(backend.name, device, "conversions", "failed",
                   f"{len(raised)} route(s) raised out of run_matrix: {'; '.join(raised)}. {head}{tail}", **numbers)
    return row(backend.name, device, "conversions", "ok", head + tail, **numbers)


def conversions_device(backend: Backend) -> str | None:
    """The device the conversion routes run on: where the library puts work that names no device."""
    try:
        return backend.implicit_device()
    except Exception:
        return backend.default_device


# --- running them all -------------------------------------------------------------------------

def pair_rows(backend: Backend, device: str, libs: Mapping[str, Backend], routes: Callable[[], list],
              checks: Sequence[str]) -> Iterator[dict]:
    """The rows of one library × device pair: its unavailability, or each of its checks."""
    missing = unavailable_row(backend, device)
    if missing is not None:
        yield missing
        return
    for check in checks:
        if check in CHECK_FUNCTIONS:
            yield check_row(check, backend, device)
    if "conversions" in checks and device == conversions_device(backend):
        yield conversions_check(backend, device, routes(), libs)


def run_checks(libs: Mapping[str, Backend] | None = None, *, pairs: Iterable[tuple[str, str]] | None = None,
               checks: Sequence[str] | None = None, say: Callable[[str], None] | None = None) -> list[dict]:
    """Every check on every pair (:data:`PAIRS`, in that order), as plain dict rows; never raises.
    ``say(line)`` hears which pair is about to run (progress: a GPU that hangs is then named)."""
    libs = discover() if libs is None else libs
    checks = CHECKS if checks is None else checks
    cache: list = []

    def routes():  # run once, shared by every library's conversions row
        if not cache:
            cache.append(run_routes(libs))
        return cache[0]

    rows = []
    for name, device in (PAIRS if pairs is None else pairs):
        if name not in libs:
            continue
        if say is not None:
            say(f"checking {libs[name].label} on {device}…")
        rows.extend(pair_rows(libs[name], device, libs, routes, checks))
    return rows


def failed(checks: Sequence[Mapping]) -> bool:
    return any(c["status"] == "failed" for c in checks)


def report(checks: Sequence[Mapping], libs: Mapping[str, Backend]) -> dict:
    """The report file: this machine, when, and every check (what to attach to a bug report)."""
    return {"schema": SCHEMA, "kind": "doctor", "machine": machine_info(libs),
            "created": datetime.now(UTC).isoformat(timespec="seconds"), "checks": [dict(c) for c in checks]}


def to_json(doc: Mapping) -> bytes:
    return json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False).encode("utf-8")


def summary(checks: Sequence[Mapping]) -> str:
    """``31 checks: 24 ok, 7 unavailable``."""
    return f"{len(checks)} checks: {status_counts(checks, STATUSES) or 'none'}"


def table_text(checks: Sequence[Mapping]) -> str:
    """A fixed-width table, one line per check; the message column is last and unpadded."""
    widths = {c: max([len(c)] + [len(str(r[c])) for r in checks]) for c in COLUMNS[:-1]}

    def line(values: Mapping) -> str:
        return "  ".join([str(values[c]).ljust(widths[c]) for c in COLUMNS[:-1]] + [str(values["message"])])

    header = line({c: c for c in COLUMNS})
    return "\n".join([header, "  ".join("-" * widths[c] for c in COLUMNS[:-1]) + "  " + "-" * 7]
                     + [line(r) for r in checks])


# --- command line -----------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    p = Parser(prog=PROG, description="Check NumPy, PyTorch and MLX on every device here: import, a float32 "
               "computation against float64 NumPy, that synchronisation waits, memory counters, threads, "
               "conversions. Prints a table; exit status 1 when a check failed.")
    p.add_argument("--out", default=None, metavar="PATH",
                   help="also write the report as JSON to PATH ('-' for stdout; the table then goes to stderr); "
                        "attach it to bug reports")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    return run_main(PROG, _main, argv)


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    libs = discover()
    checks = run_checks(libs, say=progress_printer(args.quiet))
    table = sys.stderr if args.out == "-" else sys.stdout
    print(table_text(checks), file=table)
    print(summary(checks), file=table, flush=True)
    if args.out:
        write_out(to_json(report(checks, libs)), args.out)
    return 1 if failed(checks) else 0


if __name__ == "__main__":
    sys.exit(main())
