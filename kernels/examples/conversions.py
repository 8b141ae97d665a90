"""Moving data between libraries: every route from each library to each other, run live.

Each route is one line of source (``dst = torch.from_numpy(src)``) inside a small
cell that makes ``src`` in the chosen dtype: that cell is both shown and executed.
Whether the result is a copy or shares the source's memory is *proved*, not
asserted: a second run writes a sentinel through one side and reads the other.
MLX's own ``a[0] = v`` is lazy (see :data:`MLX_SETITEM`), so an MLX side is
written directly into its memory through a NumPy view of its buffer.

Nothing here raises for a result it cannot print or convert: on a Mac some routes hand back a
tensor on ``mps`` that Torch cannot even print in float64, and the page must still say so.
"""
from __future__ import annotations

import math
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..backends import GPU_TURN, Backend, Output
from ..cells import execute, render
from ..measure.rows import error_message
from .inputs import code_span

DTYPES = ("float32", "float64", "float16", "bfloat16", "int32", "int64")


@dataclass(frozen=True)
class Side:
    """How the page makes one library's array and writes into its memory."""

    make: str  # template for the source array, with $values and $dtype
    write: str  # template for an in-place write of $sentinel into element 0 of $var


SIDES: dict[str, Side] = {
    "numpy": Side("src = np.array($values, dtype=np.$dtype)", "$var[0] = $sentinel"),
    "torch": Side("src = torch.tensor($values, dtype=torch.$dtype)", "$var[0] = $sentinel"),
    # MLX's own `a[0] = v` is lazy (it runs at the next evaluation, and whether it reuses the old
    # buffer is MLX's choice), so the probe writes into MLX's memory directly, through a NumPy view.
    "mlx": Side("src = mx.array($values, dtype=mx.$dtype)", "np.asarray($var)[0] = $sentinel"),
}


@dataclass(frozen=True)
class Route:
    source: str  # library name the data starts in
    target: str  # library name it ends in
    code: str  # one line, e.g. "dst = torch.from_numpy(src)"; may use $dtype
    note: str = ""

    @property
    def key(self) -> str:
        return f"{self.source}->{self.target}: {self.code}"


# On a Mac, MLX exports an array through DLPack as Metal memory (device type 8) unless the consumer
# asks for the CPU (``dl_device=(1, 0)``): Torch then makes an ``mps`` tensor, and NumPy refuses.
METAL_EXPORT = "on a Mac, MLX exports Metal memory through DLPack unless the consumer asks for the CPU"

ROUTES: tuple[Route, ...] = (
    Route("numpy", "torch", "dst = torch.from_numpy(src)"),
    Route("numpy", "torch", "dst = torch.as_tensor(src)"),
    Route("numpy", "torch", "dst = torch.tensor(src)"),
    Route("numpy", "torch", "dst = torch.from_dlpack(src)"),
    Route("numpy", "mlx", "dst = mx.array(src)"),
    Route("numpy", "mlx", "dst = mx.array(memoryview(src))"),
    Route("numpy", "mlx", "dst = mx.from_dlpack(src)"),
    Route("torch", "numpy", "dst = src.numpy()"),
    Route("torch", "numpy", "dst = np.asarray(src)"),
    Route("torch", "numpy", "dst = np.array(src)"),
    Route("torch", "numpy", "dst = np.array(src, copy=False)"),
    Route("torch", "numpy", "dst = np.from_dlpack(src)"),
    Route("torch", "numpy", "dst = np.asarray(memoryview(src))"),
    Route("torch", "mlx", "dst = mx.array(src)"),
    Route("torch", "mlx", "dst = mx.array(memoryview(src))",
          "the notebook's route: it says PyTorch needs an explicit memoryview"),
    Route("torch", "mlx", "dst = mx.array(src.numpy())"),
    Route("torch", "mlx", "dst = mx.from_dlpack(src)"),
    Route("mlx", "numpy", "dst = np.array(src)"),
    Route("mlx", "numpy", "dst = np.asarray(src)"),
    Route("mlx", "numpy", "dst = np.array(src, copy=False)"),
    Route("mlx", "numpy", "dst = np.from_dlpack(src)",
          f"{METAL_EXPORT}: NumPy asks for no device, so there it fails with "
          "\"RuntimeError: Unsupported device in DLTensor.\""),
    Route("mlx", "numpy", 'dst = np.from_dlpack(src, device="cpu")',
          f"{METAL_EXPORT}: device=\"cpu\" asks for the CPU, so this works on a Mac too"),
    Route("mlx", "numpy", "dst = np.asarray(memoryview(src))"),
    Route("mlx", "torch", "dst = torch.tensor(memoryview(src))", "the notebook's route"),
    Route("mlx", "torch", "dst = torch.tensor(src)"),
    Route("mlx", "torch", "dst = torch.as_tensor(src)",
          f"{METAL_EXPORT}: on a Mac this tensor lands on mps:0 (the GPU), where float64 cannot live"),
    Route("mlx", "torch", "dst = torch.from_dlpack(src)",
          f"{METAL_EXPORT}: on a Mac this tensor lands on mps:0 (the GPU), where float64 cannot live"),
    Route("mlx", "torch", "dst = torch.from_numpy(np.array(src, copy=False))"),
    Route("mlx", "torch", "dst = torch.frombuffer(memoryview(src), dtype=torch.$dtype)"),
)


def route(source: str, target: str, code: str) -> Route:
    """Look up one route by its ends and its line of code (with ``$dtype`` left in)."""
    for r in ROUTES:
        if (r.source, r.target, r.code) == (source, target, code):
            return r
    raise KeyError(f"no route {source} -> {target}: {code}")


def alias(backend: Backend) -> str:
    """``np`` from ``import numpy as np``; ``torch`` from ``import torch``."""
    return backend.import_line.split()[-1]


def libraries_used(code: str, libs: Mapping[str, Backend]) -> list[str]:
    """The libraries a piece of code names, in the fixed library order."""
    return [name for name, b in libs.items() if re.search(rf"\b{re.escape(alias(b))}\.", code)]


def cell_source(libs: Mapping[str, Backend], *lines: str) -> str:
    """Import lines for every library the lines use, then the lines: the source that is shown and run."""
    body = "\n".join(lines)
    imports = [libs[name].import_line for name in libraries_used(body, libs)]
    return "\n".join(imports) + "\n\n" + body + "\n"


def sentinel(values: Any, dtype: str) -> int | float:
    """A number to write that differs from every value given (so a write is always visible)."""
    flat: list[float] = []

    def walk(v):
        if isinstance(v, (list, tuple)):
            for item in v:
                walk(item)
        else:
            flat.extend([v, int(v) if abs(v) < 1e18 else v, round(v) if abs(v) < 1e18 else v])

    walk(values)
    k = 100
    while k in flat:
        k += 1
    return k if dtype.startswith("int") else float(k)


def owner(value: Any, libs: Mapping[str, Backend]) -> Backend | None:
    for b in libs.values():
        if b.is_array(value):
            return b
    return None


def snapshot(value: Any, libs: Mapping[str, Backend]) -> bytes:
    """The bytes of a value's contents, read through the library that owns it."""
    b = owner(value, libs)
    if b is None:
        import numpy as np

        return np.asarray(value).tobytes()
    return b.to_numpy(value).tobytes()


def as_float64(value: Any, libs: Mapping[str, Backend]):
    import numpy as np

    b = owner(value, libs)
    data = b.to_numpy(value) if b is not None else np.asarray(value)
    return np.asarray(data, dtype=np.float64).ravel()


def _attribute(value: Any, name: str, convert) -> Any:
    """``convert(value.<name>)``, or None when the value has no such attribute or reading it raises."""
    try:
        return convert(getattr(value, name))
    except Exception:
        return None


def describe_result(value: Any, libs: Mapping[str, Backend]) -> Output:
    """The owning library's description of ``value``. When printing it raises (Torch has no kernels
    to print a float64 tensor on ``mps``), the facts are read from its attributes and the text says
    why it cannot be shown: one odd result must not take the page down."""
    b = owner(value, libs)
    try:
        return b.describe(value) if b is not None else Output(repr(value), type(value).__name__)
    except Exception as exc:
        return Output(
            f"cannot be printed: {error_message(exc)}",
            type(value).__name__,
            _attribute(value, "shape", tuple),
            _attribute(value, "dtype", lambda d: str(d).rsplit(".", 1)[-1]),
            _attribute(value, "device", str),
        )


def place(device: str | None, backend: Backend | None) -> tuple[str, bool]:
    """Where a result's memory is, in words, and whether it is a GPU's: ``("mps:0 (the GPU)", True)``.
    ``device`` is the result's own (:attr:`Output.device`): a Torch tensor's ``.device``, ``cpu`` for
    NumPy, and for MLX the memory its arrays live in (unified memory is no one device's)."""
    if not device:
        return "", False
    kinds = {d.name: d.kind for d in backend.devices} if backend is not None else {}
    if kinds.get(device.split(":")[0]) == "gpu":
        return f"{device} (the GPU)", True
    return device, False


def _number(x: float) -> str:
    """The shorter of a number's plain and scientific forms: ``-2147483648``, ``1e+10``, ``0.1``."""
    import numpy as np

    if isinstance(x, int):
        return str(x)
    return min(np.format_float_positional(x, trim="-"), np.format_float_scientific(x, trim="-"), key=len)


def _change(typed: float, stored: float, dtype: str) -> str | None:
    """None when ``stored`` is ``typed`` as ``dtype`` holds it (rounded to its precision, or an int's
    fraction cut off); ``"overflow"`` when ``typed`` is beyond its range; ``"changed"`` otherwise."""
    import numpy as np

    if stored == typed:
        return None
    if dtype.startswith("int"):
        info = np.iinfo(dtype)
        if not info.min <= typed <= info.max:
            return "overflow"
        return None if abs(stored - typed) < 1 else "changed"
    if math.isinf(stored) and not math.isinf(typed):
        return "overflow"
    if dtype == "bfloat16":  # NumPy has no bfloat16: 8 significant bits, float32's exponent range
        eps, tiny = 2.0 ** -7, 2.0 ** -126
    else:
        eps, tiny = float(np.finfo(dtype).eps), float(np.finfo(dtype).smallest_normal)
    return None if abs(stored - typed) <= max(eps * abs(typed), tiny) else "changed"


def source_changes(src: Any, values: Any, dtype: str, libs: Mapping[str, Backend],
                   warned: Sequence[str] = ()) -> list[str]:
    """Each typed number the source does not hold beyond what ``dtype`` rounds away, e.g.
    ``"MLX stored -2147483648 for 1e+10: silent overflow"``: a library that makes the source anyway
    hands every route a number nobody typed. ``warned``: the warnings making the source raised."""
    import numpy as np

    b = owner(src, libs)
    if b is None:
        return []
    try:
        typed = np.asarray(values, dtype=np.float64).ravel().tolist()
        stored = as_float64(src, libs).tolist()
        exact = b.to_numpy(src).ravel().tolist()  # ints as ints: int64's extremes are not floats
    except Exception:  # a number too big for float64, or a source NumPy cannot read: nothing to compare
        return []
    if not len(typed) == len(stored) == len(exact):
        return []
    overflow_warnings = [w for w in warned if "overflow" in w.lower()]
    how = {"overflow": f"overflow ({overflow_warnings[0]})" if overflow_warnings else "silent overflow",
           "changed": "a different number"}
    found = [f"{b.label} stored {_number(e)} for {_number(t)}: {how[kind]}"
             for t, s, e in zip(typed, stored, exact) if (kind := _change(t, s, dtype))]
    return list(dict.fromkeys(found))


@dataclass
class Probe:
    """One write through one side of a conversion, and what the other side saw."""

    side: str  # "source" or "result"
    statement: str  # the write that ran, e.g. "src[0] = 100.0"
    landed: bool | None = None  # did the written side itself change?
    seen: bool | None = None  # did the other side change?
    error: str = ""  # the library's message: why the write, or reading a side back, raised
    unreadable: str = ""  # "source" or "result" when that side could not be read back (nothing written)

    def describe(self, markdown: bool = True) -> str:
        """One line: Markdown with the code and the library's message in code spans, or plain text
        for a table cell."""
        quote = code_span if markdown else str
        code = quote(self.statement)
        if self.unreadable:
            return f"{code} not tried: the {self.unreadable} cannot be read back: {quote(self.error)}"
        if self.error:
            return f"{code} refused: {quote(self.error)}"
        if not self.landed:
            return f"{code} did not change the {self.side}"
        other = "result" if self.side == "source" else "source"
        return f"{code} → the {other} {'changed' if self.seen else 'did not change'}"


@dataclass
class RouteResult:
    route: Route
    source: str  # the cell that ran (make the source, convert)
    status: str  # "ok", "error" (the conversion raised), "no-source" (the source could not be made), "missing"
    dtype: str = ""  # the dtype asked for
    error: str = ""  # the library's message, its first line only
    warnings: list[str] = field(default_factory=list)
    output: Output | None = None
    src_dtype: str | None = None
    dst_dtype: str | None = None
    dtype_kept: bool | None = None
    shape_kept: bool | None = None
    values_kept: bool | None = None
    probes: list[Probe] = field(default_factory=list)
    sharing: str = ""  # "shared", "copy", "unproven", or "" when it did not run
    source_changes: list[str] = field(default_factory=list)  # typed numbers the source does not hold
    lives_on: str = ""  # where the result's memory is, in words: "cpu", "mps:0 (the GPU)"
    on_gpu: bool = False  # the result is in a GPU's memory (NumPy cannot read it as it is)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def proof(self) -> str:
        return "; ".join(p.describe(markdown=False) for p in self.probes)


def _run_cell(source: str) -> tuple[Any, dict[str, Any], list[str]]:
    with GPU_TURN, warnings.catch_warnings(record=True) as caught:  # a route may run on a GPU: one thread at a time
        warnings.simplefilter("always")
        value, _stdout, namespace = execute(source)
    seen: list[str] = []
    for w in caught:
        text = f"{w.category.__name__}: {str(w.message).strip()}"
        if text not in seen:
            seen.append(text)
    return value, namespace, seen


def _probe(source: str, side: str, lib: str, dtype: str, values: Any, libs: Mapping[str, Backend]) -> Probe:
    """Run the conversion afresh, write through one side, and read both sides."""
    var, other = ("src", "dst") if side == "source" else ("dst", "src")
    statement = render(SIDES[lib].write, raw={"var": var}, literal={"sentinel": sentinel(values, dtype)})
    probe = Probe(side, statement)
    try:
        _value, ns, _w = _run_cell(source)
    except Exception as exc:
        probe.error = error_message(exc)
        return probe
    before = {}
    for name in ("src", "dst"):  # a tensor on a GPU may not copy back (a float64 one on mps): no proof then
        try:
            before[name] = snapshot(ns[name], libs)
        except Exception as exc:
            probe.unreadable, probe.error = ("source" if name == "src" else "result"), error_message(exc)
            return probe
    written_before, other_before = before[var], before[other]
    try:
        for name in libraries_used(statement, libs):  # the write may name a library the cell did not import
            exec(libs[name].import_line, ns)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(compile(statement, "<probe>", "exec"), ns)
        probe.landed = snapshot(ns[var], libs) != written_before
        probe.seen = snapshot(ns[other], libs) != other_before
    except Exception as exc:
        probe.error = error_message(exc)
    return probe


def verdict(probes: list[Probe]) -> str:
    """Shared if any write was seen on the other side; a copy if a write landed and was not seen."""
    if any(p.landed and p.seen for p in probes):
        return "shared"
    if any(p.landed and p.seen is False for p in probes):
        return "copy"
    return "unproven"


def run_route(r: Route, dtype: str, values: Any, libs: Mapping[str, Backend]) -> RouteResult:
    """Run one route live; never raises, even for a result that cannot be printed or converted."""
    if dtype not in DTYPES:
        raise ValueError(f"unknown dtype {dtype!r}; choose from {', '.join(DTYPES)}")
    make = render(SIDES[r.source].make, raw={"dtype": dtype}, literal={"values": values})
    line = render(r.code, raw={"dtype": dtype})
    needed = [r.source, r.target] + libraries_used(line, libs)
    source = cell_source(libs, make, line, "dst")
    result = RouteResult(r, source, "ok", dtype)
    gone = [libs[n] for n in dict.fromkeys(needed) if not libs[n].available]
    if gone:
        result.status = "missing"
        result.error = ", ".join(f"{b.label} is not available ({b.error})" for b in gone)
        return result
    try:
        made, _ns, made_warnings = _run_cell(cell_source(libs, make, "src"))
    except Exception as exc:
        result.status, result.error = "no-source", error_message(exc)
        return result
    result.source_changes = source_changes(made, values, dtype, libs, made_warnings)
    try:
        value, ns, result.warnings = _run_cell(source)
    except Exception as exc:
        result.status, result.error = "error", error_message(exc)
        return result
    src, dst = ns["src"], value
    src_out, result.output = describe_result(src, libs), describe_result(dst, libs)
    result.lives_on, result.on_gpu = place(result.output.device, owner(dst, libs))
    result.src_dtype, result.dst_dtype = src_out.dtype, result.output.dtype
    result.dtype_kept = result.src_dtype == result.dst_dtype
    result.shape_kept = src_out.shape == result.output.shape
    try:
        a, b = as_float64(src, libs), as_float64(dst, libs)
        result.values_kept = a.shape == b.shape and bool((a == b).all())
    except Exception:
        result.values_kept = None
    result.probes = [
        _probe(source, "source", r.source, dtype, values, libs),
        _probe(source, "result", r.target, dtype, values, libs),
    ]
    result.sharing = verdict(result.probes)
    return result


def run_matrix(dtype: str, values: Any, libs: Mapping[str, Backend],
               routes: tuple[Route, ...] | None = None) -> list[RouteResult]:
    """Every route (:data:`ROUTES` as it is when called, so a test can add routes) in one dtype."""
    return [run_route(r, dtype, values, libs) for r in (ROUTES if routes is None else routes)]


def run_all_dtypes(values: Any, libs: Mapping[str, Backend],
                   dtypes: tuple[str, ...] = DTYPES) -> dict[str, list[RouteResult]]:
    return {dtype: run_matrix(dtype, values, libs) for dtype in dtypes}


def dtype_surprises(values: Any, libs: Mapping[str, Backend], dtypes: tuple[str, ...] = DTYPES,
                    matrices: Mapping[str, list[RouteResult]] | None = None) -> list[dict[str, str]]:
    """Every route, in every dtype, that works here but hands back a different dtype."""
    matrices = matrices or run_all_dtypes(values, libs, dtypes)
    rows = []
    for dtype in dtypes:
        for res in matrices[dtype]:
            if res.ok and not res.dtype_kept:
                rows.append({
                    "from": libs[res.route.source].label,
                    "to": libs[res.route.target].label,
                    "route": render(res.route.code, raw={"dtype": dtype}),
                    "source dtype": res.src_dtype or "",
                    "result dtype": res.dst_dtype or "",
                })
    return rows


def find(results: list[RouteResult], source: str, target: str, code: str) -> RouteResult:
    for res in results:
        if (res.route.source, res.route.target, res.route.code) == (source, target, code):
            return res
    raise KeyError(f"no result for {source} -> {target}: {code}")


def start_failure(res: RouteResult, libs: Mapping[str, Backend]) -> str:
    """Why a route's source could not be made: the library's own word for a dtype it lacks
    (``NumPy has no bfloat16 type``), else what making it raised."""
    b = libs[res.route.source]
    return b.dtype_support("cpu", res.dtype) or f"making the {b.label} source raised {res.error}"


def could_not_start(results: list[RouteResult], libs: Mapping[str, Backend]) -> dict[str, list[RouteResult]]:
    """The routes whose source could not be made, by why: ``{"NumPy has no bfloat16 type": [...]}``."""
    out: dict[str, list[RouteResult]] = {}
    for res in results:
        if res.status == "no-source":
            out.setdefault(start_failure(res, libs), []).append(res)
    return out


def all_source_changes(results: list[RouteResult]) -> list[str]:
    """Every typed number some source did not hold, once each (see :func:`source_changes`)."""
    return list(dict.fromkeys(change for res in results for change in res.source_changes))


def table_rows(results: list[RouteResult], libs: Mapping[str, Backend]) -> list[dict[str, Any]]:
    """One plain row per route for a table."""
    rows = []
    for res in results:
        works = {"ok": "yes", "error": "no", "no-source": "no source", "missing": "library missing"}[res.status]

        def yn(v):
            return "—" if v is None else ("yes" if v else "no")

        message = "; ".join(res.source_changes + ([res.error] if res.error else res.warnings))
        rows.append({
            "from": libs[res.route.source].label,
            "to": libs[res.route.target].label,
            "route": res.route.code.replace("$dtype", res.dtype or "…"),
            "works": works,
            "copy or shared": res.sharing or "—",
            "result lives on": res.lives_on or "—",
            "result dtype": res.dst_dtype or "—",
            "dtype kept": yn(res.dtype_kept),
            "shape kept": yn(res.shape_kept),
            "values kept": yn(res.values_kept),
            "proof (write through one side, read the other)": res.proof or "—",
            "error or warning": message,
        })
    return rows


def summary(results: list[RouteResult], libs: Mapping[str, Backend]) -> dict[str, dict[str, str]]:
    """from -> to -> ``"4 of 5 work: 3 shared, 1 copy"``: the matrix at a glance. Rows and each row's
    columns come in the order of ``libs`` (a table of it reads NumPy, PyTorch, MLX both ways), a row
    skipping its own library; a pair no route joins is ``""``."""
    sources = {libs[res.route.source].label for res in results}
    labels = [b.label for b in libs.values()]
    out: dict[str, dict[str, str]] = {s: {t: "" for t in labels if t != s} for s in labels if s in sources}
    groups: dict[tuple[str, str], list[RouteResult]] = {}
    for res in results:
        groups.setdefault((libs[res.route.source].label, libs[res.route.target].label), []).append(res)
    for (s, t), group in groups.items():
        ok = [g for g in group if g.ok]
        if all(g.status == "no-source" for g in group):
            out[s][t] = f"could not start: {start_failure(group[0], libs)}"
            continue
        if all(g.status == "missing" for g in group):
            out[s][t] = "library missing"
            continue
        parts = [f"{sum(g.sharing == kind for g in ok)} {kind}" for kind in ("shared", "copy", "unproven")
                 if any(g.sharing == kind for g in ok)]
        cell = f"{len(ok)} of {len(group)} work" + (f": {', '.join(parts)}" if parts else "")
        gpu = [g for g in ok if g.on_gpu]
        if gpu:
            cell += f" · {len(gpu)} land on {', '.join(dict.fromkeys(g.lives_on for g in gpu))}"
        changes = all_source_changes(group)
        if changes:
            cell += f" · the source is not what you typed: {'; '.join(changes)}"
        out[s][t] = cell
    return out


# --- how MLX's own writes behave --------------------------------------------------------------

MLX_SETITEM = (
    "m = mx.array([1, 2, 3, 4])\n"
    "view = np.asarray(m)      # NumPy looks straight at MLX's buffer\n"
    "m[0] = 100                # recorded in MLX's graph, not yet done\n"
    "before_eval = view.copy()\n"
    "mx.eval(m)                # now the update runs\n"
    "before_eval, view, m"
)


def mlx_setitem_demo(libs: Mapping[str, Backend]) -> tuple[str, Any, str]:
    """Run :data:`MLX_SETITEM`; returns (source, (before_eval, view, m) or None, error)."""
    source = cell_source(libs, MLX_SETITEM)
    needed = libraries_used(MLX_SETITEM, libs)
    gone = [libs[n].label for n in needed if not libs[n].available]
    if gone:
        return source, None, f"{', '.join(gone)} not available here"
    try:
        value, _ns, _w = _run_cell(source)
    except Exception as exc:
        return source, None, error_message(exc)
    return source, value, ""


# --- a tensor on a GPU ------------------------------------------------------------------------

@dataclass(frozen=True)
class GpuCase:
    """Getting an array made on a GPU device into NumPy: the naive line and the fix."""

    make: str  # template with $device (a literal string) or $device_name (a plain name)
    naive: str
    fixed: str
    explain: str


GPU_TO_HOST: dict[str, GpuCase] = {
    "torch": GpuCase(
        make="t = torch.arange(4.0, device=$device)",
        naive="t.numpy()",
        fixed="t.cpu().numpy()",
        explain=(
            "A Torch tensor on `mps` or `cuda` lives in memory Torch manages for that device, so "
            "`.numpy()` (and `np.asarray`, DLPack to NumPy) refuse it: call `.cpu()` first, which copies "
            "it to host memory (after waiting for the kernels that produce it). The other way, "
            "`torch.from_numpy(x).to(device)` copies too: nothing is shared across that boundary."
        ),
    ),
    "mlx": GpuCase(
        make="a = mx.arange(4.0, stream=mx.$device_name) * 2",
        naive="np.asarray(a)",
        fixed="np.asarray(a)",
        explain=(
            "MLX arrays have no device: on Apple silicon the CPU and GPU share one memory, and the device "
            "is where each operation runs. So `np.asarray(a)` works whatever device computed `a` "
            "(it waits for the computation first): there is no `.cpu()` step."
        ),
    ),
}


@dataclass
class GpuResult:
    library: str
    device: str
    observable: bool
    why_not: str = ""  # when the device is not available here
    naive_source: str = ""
    naive_output: str = ""
    naive_error: str = ""
    fixed_source: str = ""
    fixed_output: str = ""
    fixed_error: str = ""


def gpu_to_host(libs: Mapping[str, Backend]) -> list[GpuResult]:
    """For every GPU device each library knows: run the naive and the fixed line, or say why not here."""
    results = []
    for name, case in GPU_TO_HOST.items():
        b = libs.get(name)
        if b is None:
            continue
        gpus = [d for d in b.devices if d.kind == "gpu"]
        if not b.available:
            results.append(GpuResult(b.label, "—", False, f"{b.label} is not available ({b.error})"))
            continue
        for d in gpus:
            res = GpuResult(b.label, d.name, d.available, "" if d.available else d.note)
            make = render(case.make, raw={"device_name": d.name}, literal={"device": d.name})
            res.naive_source = cell_source(libs, make, case.naive)
            res.fixed_source = cell_source(libs, make, case.fixed)
            if d.available:
                for attr, src in (("naive", res.naive_source), ("fixed", res.fixed_source)):
                    try:
                        value, _ns, _w = _run_cell(src)
                        setattr(res, f"{attr}_output", repr(value))
                    except Exception as exc:
                        setattr(res, f"{attr}_error", error_message(exc))
            results.append(res)
    return results
