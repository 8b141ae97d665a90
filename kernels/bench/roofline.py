"""Where each benchmark result stands against what the hardware can do: the roofline model.

An operation that does ``F`` FLOPs while moving ``B`` bytes (read + written, each input read once
and the output written once: ``Op.moved``) has the arithmetic intensity ``I = F / B`` FLOP per
byte. On a library × device whose measured ceilings (``kernels.bench.ceilings``) are ``C`` GFLOP/s
(a large matmul) and ``W`` GB/s (a large element-wise add), it cannot run faster than
``min(C, I × W)`` GFLOP/s: below the ridge point ``I = C / W`` memory bandwidth bounds it, above it
arithmetic does. :func:`annotate` gives every row its intensity, the ceilings of its library ×
device × dtype, the percentage of each it reached, its ``bound``, the percentage of the chip's
published peak where the spec sheet (``kernels.bench.chips``) has one, and ``suspect``: why the
timing cannot be right.

A row is suspect, a measurement error and not a fast result, when even its slow quartile beats the
roof (a ceiling is a best rate: its fastest sample) by more than :data:`ABOVE_ROOF` (the margin for
the machine being quieter now than when the ceiling was measured; the in-cache roof counts: data that fits in
the caches legitimately moves faster than memory allows), or when a GPU call took less than
:data:`GPU_LAUNCH_FLOOR_S` (no kernel launch and wait for the device is that short: the timing did
not wait). Nothing here imports Streamlit or a library.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from ..measure.rows import LABELS, label, ok_rows, row_label
from ..measure.timing import format_seconds
from . import chips
from .ops import OPS

# This many times the roof (at the row's slow quartile) is an error: a busy machine's load can change
# the same measurement by tens of percent between two moments, while a timing that did not wait for
# the device, or counts the wrong work, is off by several times.
ABOVE_ROOF = 1.5
# A benchmark result up to this many times its measured ceiling lifts that ceiling instead (a ceiling
# is the best rate there is; on a busy machine a sweep can miss the plateau by half): beyond it, the
# result cannot be real (an unsynchronised timing is off by orders of magnitude) and keeps its flag.
LIFT_LIMIT = 3.0
GPU_LAUNCH_FLOOR_S = 1e-6  # a synchronised GPU call (launch, run, wait) takes longer than this

Key = tuple[str, str, str]  # (backend, device, dtype)


@dataclass(frozen=True)
class Roofs:
    """The ceilings of one library × device × dtype (each the best rate measured)."""

    compute: float | None = None  # GFLOP/s
    bandwidth: float | None = None  # GB/s, memory
    cache: float | None = None  # GB/s, the best at any size (in the caches)
    host_to_device: float | None = None  # GB/s

    def top(self, name: str) -> float | None:
        return getattr(self, name) or None

    @property
    def ridge(self) -> float | None:
        """FLOP per byte where the two roofs meet."""
        return self.compute / self.bandwidth if self.compute and self.bandwidth else None

    def attainable(self, intensity: float | None) -> float | None:
        """GFLOP/s the roofline allows at ``intensity``."""
        if not intensity:
            return None
        limits = [x for x in (self.compute, intensity * self.bandwidth if self.bandwidth else None) if x]
        return min(limits) if limits else None

    @property
    def empty(self) -> bool:
        return not any((self.compute, self.bandwidth, self.cache, self.host_to_device))


CEILING_ATTR = {"compute": "compute", "bandwidth": "bandwidth", "cache_bandwidth": "cache",
                "host_to_device": "host_to_device"}


def roofs_from_ceilings(rows: Iterable[Mapping]) -> dict[Key, Roofs]:
    """The :class:`Roofs` of each library × device × dtype in a ceilings run's rows."""
    values: dict[Key, dict] = {}
    for r in ok_rows(rows):
        attr = CEILING_ATTR.get(r.get("ceiling"))
        if attr is None or not r.get("value"):
            continue
        values.setdefault((r["backend"], r["device"], r["dtype"]), {})[attr] = float(r["value"])
    return {key: Roofs(**v) for key, v in values.items()}


def roofs_from_rows(rows: Iterable[Mapping]) -> dict[Key, Roofs]:
    """The :class:`Roofs` recorded in benchmark rows (a loaded result file's ``*_ceiling`` fields)."""
    found: dict[Key, dict] = {}
    for r in rows:
        key = (r.get("backend"), r.get("device"), r.get("dtype"))
        mine = found.setdefault(key, {})
        transfer = _host_to_device(r)
        for field, attr in (("compute_ceiling", "compute"), ("cache_ceiling", "cache"),
                            ("bandwidth_ceiling", "host_to_device" if transfer else "bandwidth")):
            if isinstance(r.get(field), (int, float)) and r[field] > 0 and attr not in mine:
                mine[attr] = float(r[field])
    return {key: Roofs(**v) for key, v in found.items() if v}


def _host_to_device(row: Mapping) -> bool:
    op = OPS.get(row.get("op"))
    return bool(op and op.host_to_device)


def device_kind(device: str | None) -> str:
    """``cpu`` for the host, ``gpu`` for ``gpu``, ``mps``, ``cuda``: what a row's device name says."""
    return "cpu" if device in ("cpu", None, "") else "gpu"


def intensity(row: Mapping) -> float | None:
    """FLOP per byte moved: the row's own, or from its FLOPs and bytes."""
    if isinstance(row.get("intensity"), (int, float)) and row["intensity"] > 0:
        return float(row["intensity"])
    flops, nbytes = row.get("flops"), row.get("bytes")
    return flops / nbytes if flops and nbytes else None


def op_intensity(op_name: str, n: int, itemsize: int) -> float | None:
    """The intensity of ``op_name`` at size ``n`` for a dtype of ``itemsize`` bytes."""
    op = OPS[op_name]
    return op.flops(n) / (op.moved(n) * itemsize) if op.flops else None


def pct_of_roof(row: Mapping) -> float | None:
    """The percentage of the roof that bounds the row (its ``bound``'s ceiling)."""
    if row.get("bound") == "compute":
        return row.get("pct_of_compute")
    if row.get("bound") == "bandwidth":
        return row.get("pct_of_bandwidth")
    return None


def annotate(rows: Sequence[Mapping], ceilings: Iterable[Mapping] | None = None,
             machine: Mapping | None = None) -> list[dict]:
    """Each row with the roofline fields filled in (a new dict; the rows are not changed): from a
    ceilings run's rows when given, otherwise from the ceilings the rows already record. ``machine``
    (a result file's) picks the chip's published figures for ``pct_of_spec``."""
    rows = list(rows)
    measured = roofs_from_ceilings(ceilings) if ceilings is not None else {}
    recorded = roofs_from_rows(rows)
    match = chips.detect(machine) if machine else None
    out = []
    series: dict[Key, Roofs] = {}
    for r in rows:
        key = (r.get("backend"), r.get("device"), r.get("dtype"))
        if key not in series:
            series[key] = raised(measured.get(key) or recorded.get(key) or Roofs(),
                                 [x for x in rows if (x.get("backend"), x.get("device"), x.get("dtype")) == key])
        out.append(annotate_row(r, series[key], match))
    return out


# The operations whose best rate is itself a ceiling: a large matmul is the compute ceiling and an
# element-wise add (or multiply) the bandwidth one, measured the same way.
CEILING_OPS = {"compute": ("matmul",), "cache": ("add", "multiply")}


def raised(roofs: Roofs, rows: Sequence[Mapping]) -> Roofs:
    """``roofs`` lifted to the best matmul (compute) and element-wise (in-cache bandwidth) result the
    rows of the same library × device × dtype reached, when that is within LIFT_LIMIT of the measured
    ceiling: a ceiling is the best rate there is, and a sweep that missed the plateau (another size,
    a busier moment) must not call a real result an error. Beyond that factor the roof stays, and the
    row is flagged as the measurement error it is."""
    lifted = {}
    for attr, ops in CEILING_OPS.items():
        roof = getattr(roofs, attr)
        rate = "gflops" if attr == "compute" else "gbps"
        best = max((r[rate] for r in ok_rows(rows) if r.get("op") in ops and r.get("correct") is not False
                    and r.get(rate)), default=None)
        if roof and best and roof < best <= LIFT_LIMIT * roof:
            lifted[attr] = best
    return replace(roofs, **lifted) if lifted else roofs


def annotate_row(row: Mapping, roofs: Roofs, match: chips.Match | None = None) -> dict:
    new = dict(row)
    transfer = _host_to_device(row)
    new["intensity"] = intensity(row)
    new["compute_ceiling"] = roofs.compute
    new["bandwidth_ceiling"] = roofs.host_to_device if transfer else roofs.bandwidth
    new["cache_ceiling"] = None if transfer else roofs.cache
    for key in ("pct_of_compute", "pct_of_bandwidth", "bound", "pct_of_spec"):
        new[key] = None
    new["suspect"] = ""
    if row.get("status") != "ok" or not row.get("median_s"):
        return new
    gflops, gbps = row.get("gflops"), row.get("gbps")
    if roofs.compute and gflops:
        new["pct_of_compute"] = 100 * gflops / roofs.compute
    if new["bandwidth_ceiling"] and gbps:
        new["pct_of_bandwidth"] = 100 * gbps / new["bandwidth_ceiling"]
    if transfer or new["intensity"] is None:
        new["bound"] = "bandwidth" if new["bandwidth_ceiling"] else None
    elif roofs.compute and roofs.bandwidth:
        new["bound"] = "compute" if new["intensity"] >= roofs.ridge else "bandwidth"
    new["pct_of_spec"] = pct_of_spec(new, match)
    new["suspect"] = suspect(new, roofs)
    return new


def pct_of_spec(row: Mapping, match: chips.Match | None) -> float | None:
    """The row's throughput as a percentage of the roof drawn from the chip's published figures: the
    FP32 TFLOPS (GPU rows in float32 only: Apple publishes no CPU FLOPS) and the memory bandwidth."""
    if match is None or not match.known or _host_to_device(row) or row.get("status") != "ok":
        return None
    tflops, bandwidth = match.value("fp32_tflops"), match.value("bandwidth_gbps")
    level = intensity(row)
    gpu_float32 = device_kind(row.get("device")) == "gpu" and row.get("dtype") == "float32"
    if gpu_float32 and tflops and bandwidth and level and row.get("gflops"):
        return 100 * row["gflops"] / min(1000 * tflops, level * bandwidth)
    bandwidth_bound = row.get("bound") == "bandwidth" or (row.get("bound") is None and row.get("unit") == "GB/s")
    if bandwidth and bandwidth_bound and row.get("gbps"):
        return 100 * row["gbps"] / bandwidth
    return None


def suspect(row: Mapping, roofs: Roofs) -> str:
    """Why this timing cannot be right, or "": faster than a GPU launch, or above its roof."""
    median = row["median_s"]
    if device_kind(row.get("device")) == "gpu" and median < GPU_LAUNCH_FLOOR_S:
        return (f"faster than a GPU kernel launch can be ({format_seconds(median)} per call): the timing did not "
                "wait for the device")
    slow = max(row.get("q3_s") or median, median)  # the slow quartile: the lowest speed the row claims
    level = intensity(row)
    if _host_to_device(row):
        memory = roofs.top("host_to_device")
    else:
        memory = max([x for x in (roofs.top("bandwidth"), roofs.top("cache")) if x], default=None)
    if row.get("flops") and level:
        limits = [x for x in (roofs.top("compute"), level * memory if memory else None) if x]
        roof, achieved, unit = (min(limits) if limits else None), row["flops"] / slow / 1e9, "GFLOP/s"
    else:
        roof, achieved, unit = memory, (row.get("bytes") or 0) / slow / 1e9, "GB/s"
    if roof and achieved > ABOVE_ROOF * roof:
        return (f"above its roof: {achieved:.3g} {unit} even at its slow quartile, where this library · device "
                f"reaches at most {roof:.3g} {unit} at this intensity ({achieved / roof:.1f}× the roof): a "
                "measurement error (an unsynchronised timing, or fewer operations than counted), not a fast result")
    return ""


# --- in words ---------------------------------------------------------------------------------------

def _pct(value: float | None) -> str:
    return "?" if value is None else (f"{value:.0f}%" if value >= 9.5 else f"{value:.1f}%")


def roof_sentence(rows: Sequence[Mapping], op: str, dtype: str) -> str:
    """Where ``op`` stands on the roofline here, at the largest size timed: memory- or compute-bound,
    and how close each library · device comes to its roof (and to the chip's published peak)."""
    mine = [r for r in ok_rows(rows)
            if r["op"] == op and r["dtype"] == dtype and r.get("bound") and not r.get("suspect")]
    if not mine:
        return ""
    size = max(r["size"] for r in mine)
    at = sorted((r for r in mine if r["size"] == size), key=lambda r: -(pct_of_roof(r) or 0))
    bounds = dict.fromkeys(r["bound"] for r in at)
    level = intensity(at[0])
    where = f"intensity {level:.3g} FLOP/byte" if level else "it moves data and computes nothing"
    words = {"compute": "compute-bound", "bandwidth": "memory-bound"}
    if len(bounds) == 1:
        head = f"on the roofline at n = {size} it is **{words[next(iter(bounds))]}** here ({where})"
    else:
        head = (f"on the roofline at n = {size} ({where}) it is "
                + ", ".join(f"{words[r['bound']]} on {row_label(r)}" for r in at))
    parts = []
    for r in at:
        text = (f"{row_label(r)} reaches {_pct(pct_of_roof(r))} of its "
                f"{'compute' if r['bound'] == 'compute' else 'memory'} roof")
        if r["bound"] == "bandwidth" and (r.get("pct_of_bandwidth") or 0) > 100:
            text += " (above it: the data fits in the caches)"
        elif r["bound"] == "compute" and (r.get("pct_of_compute") or 0) > 100:
            text += " (above it, within the margin for a machine whose load changed between the two measurements)"
        if r.get("pct_of_spec") is not None:
            text += f", {_pct(r['pct_of_spec'])} of the chip's published peak"
        parts.append(text)
    return head + "; " + "; ".join(parts)


def suspects(rows: Iterable[Mapping]) -> list[Mapping]:
    return [r for r in ok_rows(rows) if r.get("suspect")]


def ceiling_lines(rows: Iterable[Mapping]) -> list[str]:
    """``NumPy · cpu · float32: compute 68.2 GFLOP/s (matmul n = 2048), memory 9.6 GB/s (add n = 4096), …``"""
    grouped: dict[Key, list[Mapping]] = {}
    for r in rows:
        grouped.setdefault((r["backend"], r["device"], r["dtype"]), []).append(r)
    names = {"compute": "compute", "bandwidth": "memory", "cache_bandwidth": "in-cache",
             "host_to_device": "host → device"}
    order = list(LABELS)
    lines = []
    for (backend, device, dtype), group in sorted(grouped.items(), key=lambda kv: (
            kv[0][2], order.index(kv[0][0]) if kv[0][0] in order else len(order), kv[0][1])):
        parts = []
        for r in group:
            if r["status"] == "ok":
                parts.append(f"{names.get(r['ceiling'], r['ceiling'])} {r['value']:.3g} {r['unit']} "
                             f"({r['op']} n = {r['size']})")
            else:
                parts.append(f"{names.get(r['ceiling'], r['ceiling'])}: {r['status']} ({r['message']})")
        where = f"{label(backend)} · {device}" if device else label(backend)
        lines.append(f"{where} · {dtype}: " + ", ".join(parts))
    return lines


ROOFLINE_WORDS = ("Each point is one result: the GFLOP/s it reached against its arithmetic intensity (FLOPs per byte "
                  "it must read and write). The roofs are this machine's measured ceilings for each library · device: "
                  "left of where the two lines meet memory bandwidth bounds an operation, right of it arithmetic "
                  "does. A point above the in-cache roof, or a GPU call faster than a launch, is a measurement error "
                  "(a cross), not a result.")


def ceiling_table(rows: Iterable[Mapping]) -> list[dict]:
    """One line per ceiling row, as the Benchmarks page lists this machine's ceilings."""
    return [{"library · device": f"{label(r['backend'])} · {r['device']}" if r["device"] else label(r["backend"]),
             "dtype": r["dtype"], "ceiling": r["ceiling"].replace("_", " "), "value": r["value"], "unit": r["unit"],
             "status": r["status"], "measured with": f"{r['op']} n = {r['size']}" if r.get("size") else "",
             "median": format_seconds(r["median_s"]) if r.get("median_s") else "",
             "sizes tried": r.get("sweep", ""), "note": r.get("message", "")} for r in rows]


def has_ceilings(rows: Iterable[Mapping]) -> bool:
    """Whether benchmark rows carry their machine's measured ceilings (a file written with --ceilings)."""
    return any(r.get("compute_ceiling") or r.get("bandwidth_ceiling") for r in rows)


# --- chart-ready tables -------------------------------------------------------------------------------

def series_name(row: Mapping, many_dtypes: bool) -> str:
    return row_label(row) + (f" · {row['dtype']}" if many_dtypes else "")


def points(rows: Sequence[Mapping]) -> list[dict]:
    """One record per timed row with FLOPs: what the roofline chart draws as a point."""
    rows = [r for r in ok_rows(rows) if r.get("gflops") and intensity(r)]
    many = len({r["dtype"] for r in rows}) > 1
    out = []
    for r in rows:
        roof = pct_of_roof(r)
        out.append({
            "series": series_name(r, many), "op": r["op"],
            "op_title": OPS[r["op"]].title if r["op"] in OPS else r["op"], "size": r["size"], "dtype": r["dtype"],
            "intensity": intensity(r), "gflops": r["gflops"], "gbps": r.get("gbps"),
            "median_text": format_seconds(r["median_s"]),
            "bound": {"compute": "compute-bound", "bandwidth": "memory-bound"}.get(
                r.get("bound"), "ceilings not measured"),
            "pct_of_roof": roof, "pct_text": _pct(roof) if roof is not None else "—",
            "pct_of_spec": r.get("pct_of_spec"),
            "spec_text": _pct(r["pct_of_spec"]) if r.get("pct_of_spec") is not None else "—",
            "check": "MEASUREMENT ERROR: " + r["suspect"] if r.get("suspect") else "ok",
            "mark": "measurement error" if r.get("suspect") else "ok",  # a cross or a circle
        })
    return out


def x_range(records: Sequence[Mapping], roofs: Mapping[str, Roofs]) -> tuple[float, float]:
    """The intensity axis: every point and every ridge, with room on both sides."""
    xs = [p["intensity"] for p in records] + [r.ridge for r in roofs.values() if r.ridge]
    if not xs:
        return 0.01, 100.0
    return min(xs) / 4, max(xs) * 4


def roof_lines(roofs: Mapping[str, Roofs], span: tuple[float, float]) -> list[dict]:
    """The roofs of each series as polylines over ``span`` (log-log, so three points are enough):
    ``min(compute, intensity × memory bandwidth)``, and the in-cache bandwidth where it is higher."""
    lo, hi = span
    out = []
    for series, r in roofs.items():
        for kind, bandwidth in (("measured roof", r.bandwidth), ("in-cache roof", r.cache)):
            if kind == "in-cache roof" and not (r.cache and r.bandwidth and r.cache > 1.05 * r.bandwidth):
                continue
            if not (bandwidth or (kind == "measured roof" and r.compute)):
                continue
            xs = [lo, hi]
            if r.compute and bandwidth and lo < r.compute / bandwidth < hi:
                xs.insert(1, r.compute / bandwidth)
            for x in xs:
                y = min(v for v in (r.compute, x * bandwidth if bandwidth else None) if v)
                out.append({"series": series, "roof": kind, "line": f"{series} · {kind}", "intensity": x, "gflops": y,
                            "text": _roof_text(r)})
    return out


def spec_lines(match: chips.Match | None, span: tuple[float, float]) -> list[dict]:
    """The roof from the chip's published figures (its GPU's FP32 TFLOPS, the chip's bandwidth)."""
    if match is None or not match.known:
        return []
    tflops, bandwidth = match.value("fp32_tflops"), match.value("bandwidth_gbps")
    if not bandwidth:
        return []
    name = f"published peak: Apple {match.chip}" + (" GPU" if tflops else " memory")
    r = Roofs(compute=1000 * tflops if tflops else None, bandwidth=bandwidth)
    lo, hi = span
    xs = [lo, hi]
    if r.ridge and lo < r.ridge < hi:
        xs.insert(1, r.ridge)
    return [{"series": name, "roof": "published", "line": name, "intensity": x,
             "gflops": min(v for v in (r.compute, x * bandwidth) if v), "text": _roof_text(r)} for x in xs]


def _roof_text(r: Roofs) -> str:
    parts = []
    if r.compute:
        parts.append(f"compute {r.compute:.3g} GFLOP/s")
    if r.bandwidth:
        parts.append(f"memory {r.bandwidth:.3g} GB/s")
    if r.cache and r.bandwidth and r.cache > r.bandwidth:
        parts.append(f"in-cache {r.cache:.3g} GB/s")
    if r.ridge:
        parts.append(f"ridge at {r.ridge:.3g} FLOP/byte")
    return ", ".join(parts)


def series_roofs(rows: Sequence[Mapping], ceilings: Iterable[Mapping] | None = None) -> dict[str, Roofs]:
    """Roofs keyed by the chart's series names: from a ceilings run, or as the rows record them."""
    rows = list(rows)
    many = len({r["dtype"] for r in ok_rows(rows)} | {r["dtype"] for r in (ceilings or [])}) > 1
    source = roofs_from_ceilings(ceilings) if ceilings is not None else roofs_from_rows(rows)
    out = {}
    for (backend, device, dtype), r in source.items():
        if r.compute or r.bandwidth:
            out[series_name({"backend": backend, "device": device, "dtype": dtype}, many)] = r
    return out


def chart_data(rows: Sequence[Mapping], ceilings: Iterable[Mapping] | None = None,
               machine: Mapping | None = None) -> tuple[list[dict], list[dict]]:
    """(points, lines) for the roofline chart of ``rows`` (already annotated), with the roofs of a
    ceilings run (or those the rows record) and the chip's published roof."""
    records = points(rows)
    roofs = series_roofs(rows, ceilings)
    span = x_range(records, roofs)
    lines = roof_lines(roofs, span) + spec_lines(chips.detect(machine) if machine else None, span)
    return records, [line for line in lines if line["gflops"] > 0 and math.isfinite(line["gflops"])]
