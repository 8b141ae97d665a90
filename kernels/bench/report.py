"""Reading benchmark rows: who wins each operation and where the lead changes (:func:`summary`),
speedups over a baseline the user picks, and the long tables the charts draw (:func:`chart_table`).

Rows are the engine's plain dicts (:data:`kernels.bench.ROW_FIELDS`), from a run on this page or
from a loaded result file. A *series* is one library on one device (``PyTorch · cpu``): what a
chart draws as one line. Nothing here imports Streamlit or Altair.
"""
from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence

from ..measure.rows import LABELS, label, left_out, noise, ok_rows, row_label, steady_rows
from ..measure.timing import format_seconds
from ..measure.words import EVEN, caveats, ratio_text
from . import roofline
from .ops import OPS

DEFAULT_BASELINE = ("numpy", "cpu")
SPREADS = {"iqr": "IQR (middle half of the repeats, drawn around the median)",
           "minmax": "min – max of the repeats"}

Series = tuple[str, str]  # (backend, device)


def series_of(row: Mapping) -> Series:
    return row["backend"], row["device"]


def series_label(series: Series) -> str:
    """``PyTorch · cpu`` (``MLX`` alone when the library is missing and has no device)."""
    backend, device = series
    return f"{label(backend)} · {device}" if device else label(backend)


def op_title(name: str) -> str:
    return OPS[name].title if name in OPS else name


def throughput(row: Mapping) -> float | None:
    """GFLOP/s or GB/s, whichever the operation's unit says matters."""
    return row.get("gflops") if row.get("unit") == "GFLOP/s" else row.get("gbps")


def first_of_its_op(row: Mapping, rows: Iterable[Mapping]) -> bool:
    """Whether ``row`` is its operation's first timed row among ``rows`` (its charts appear with it)."""
    return row["status"] == "ok" and sum(r["op"] == row["op"] and r["status"] == "ok" for r in rows) == 1


def ordered_ops(rows: Iterable[Mapping]) -> list[str]:
    """The operations in ``rows``, in the catalogue's order (unknown ones last)."""
    return in_catalogue_order(r["op"] for r in rows)


def in_catalogue_order(names: Iterable[str]) -> list[str]:
    """Operation names, each once, in the catalogue's order (unknown ones last)."""
    order = {name: i for i, name in enumerate(OPS)}
    return sorted(dict.fromkeys(names), key=lambda n: order.get(n, len(order)))


def why_untimed(rows: Iterable[Mapping], op: str) -> str:
    """Why nothing of ``op`` was timed: its rows' reasons, each once (``""`` when they give none)."""
    return "; ".join(dict.fromkeys(r["message"] for r in rows if r["op"] == op and r["message"]))


def baselines(rows: Iterable[Mapping]) -> list[Series]:
    """Series that can serve as the speedup baseline (they have timings), NumPy first."""
    found = list(dict.fromkeys(series_of(r) for r in ok_rows(rows)))
    return sorted(found, key=lambda s: (s != DEFAULT_BASELINE, list(LABELS).index(s[0]) if s[0] in LABELS else 9))


def resolve_baseline(rows: Iterable[Mapping], chosen: Series) -> Series:
    """``chosen`` if it has timings in ``rows``; otherwise the first series that has (NumPy has
    no bfloat16 timings, say); ``chosen`` again when nothing has been timed yet."""
    timed = baselines(rows)
    return chosen if chosen in timed or not timed else timed[0]


def speedups(rows: Sequence[Mapping], baseline: Series = DEFAULT_BASELINE) -> list[float | None]:
    """For each row, how many times faster than ``baseline`` (a library on a device) it ran the
    same operation, size and dtype (> 1: faster); None where either has no time. The baseline is a
    series, not just a library, so "over Torch on cpu" is not mixed up with "over Torch on mps"."""
    base = {(r["op"], r["size"], r["dtype"]): r["median_s"] for r in ok_rows(rows) if series_of(r) == tuple(baseline)}
    out = []
    for r in rows:
        b = base.get((r["op"], r["size"], r["dtype"]))
        out.append(b / r["median_s"] if b and r.get("status") == "ok" and r.get("median_s") else None)
    return out


# --- chart-ready tables ---------------------------------------------------------------------------

def chart_table(rows: Sequence[Mapping], baseline: Series | None = DEFAULT_BASELINE, spread: str = "iqr",
                extra: Mapping[str, str] | None = None, op: str | None = None) -> list[dict]:
    """One record per timed row: what the time, throughput and speedup charts draw.

    ``spread``: ``"iqr"`` (a band of the IQR's width centred on the median, clipped to the
    fastest and slowest sample: the file keeps the IQR, not the quartiles) or ``"minmax"`` (the fastest
    and slowest repeat). Times are in milliseconds; ``*_text`` fields are the exact numbers for
    tooltips. ``extra`` names row fields to copy (the Compare page's ``machine``). ``baseline`` None:
    no speedups (rows from several machines, where "the same size" is not one measurement). ``op``:
    that operation's records only."""
    if spread not in SPREADS:
        raise ValueError(f"unknown spread {spread!r}; choose from {', '.join(SPREADS)}")
    rows = list(rows)
    ups = speedups(rows, baseline) if baseline else [None] * len(rows)
    dtypes = {r["dtype"] for r in rows}
    out = []
    for r, up in zip(rows, ups):
        if r.get("status") != "ok" or not r.get("median_s") or op is not None and r["op"] != op:
            continue
        median, iqr = r["median_s"], r.get("iqr_s") or 0.0
        fastest, slowest = r.get("min_s") or median, r.get("max_s") or median
        if spread == "iqr":  # never past the fastest or slowest sample
            low, high = max(median - iqr / 2, fastest), min(median + iqr / 2, slowest)
        else:
            low, high = fastest, slowest
        series = row_label(r) + (f" · {r['dtype']}" if len(dtypes) > 1 else "")
        speed = throughput(r)
        record = {
            "op": r["op"], "op_title": op_title(r["op"]), "size": r["size"], "shape": r.get("shape", ""),
            "dtype": r["dtype"], "backend": r["backend"], "library": label(r["backend"]), "device": r["device"],
            "series": series,
            "time_ms": 1e3 * median, "low_ms": 1e3 * low, "high_ms": 1e3 * high,
            "median_text": format_seconds(median), "iqr_text": format_seconds(iqr),
            "range_text": f"{format_seconds(r.get('min_s') or median)} – {format_seconds(r.get('max_s') or median)}",
            "repeats_text": f"{r.get('repeats')} × {r.get('calls_per_repeat') or 1} calls",
            "noisy": noise(r) or "no",
            "throughput": speed, "unit": r.get("unit") or "",
            "speedup": up,
            "correct": "yes" if r.get("correct") else ("NO" if r.get("correct") is False else "not checked"),
            "max_abs_err": r.get("max_abs_err"),
        }
        for key, field in (extra or {}).items():
            record[key] = r.get(field)
        out.append(record)
    return out


def table_rows(rows: Sequence[Mapping], baseline: Series = DEFAULT_BASELINE) -> list[dict]:
    """Every row for the results table, unsupported, refused and failed ones included, with the
    reason and the correctness check."""
    ups = speedups(rows, baseline)
    out = []
    for r, up in zip(rows, ups):
        ok = r.get("status") == "ok"
        out.append({
            "operation": op_title(r["op"]),
            "n": r["size"],
            "shapes": r.get("shape", ""),
            "dtype": r["dtype"],
            "library · device": row_label(r),
            "status": r["status"],
            "median": format_seconds(r["median_s"]) if ok else "",
            "IQR": format_seconds(r["iqr_s"]) if ok and r.get("iqr_s") is not None else "",
            "min – max": (f"{format_seconds(r['min_s'])} – {format_seconds(r['max_s'])}"
                          if ok and r.get("min_s") and r.get("max_s") else ""),
            "repeats": f"{r['repeats']} × {r.get('calls_per_repeat') or 1}" if ok else "",
            "noisy": noise(r) or "",
            "throughput": throughput(r) if ok else None,
            "unit": r.get("unit", ""),
            f"× {series_label(tuple(baseline))}": up,
            "FLOP/byte": r.get("intensity"),
            "bound": {"compute": "compute", "bandwidth": "memory"}.get(r.get("bound"), "") if ok else "",
            "% of compute roof": r.get("pct_of_compute") if ok else None,
            "% of memory roof": r.get("pct_of_bandwidth") if ok else None,
            "% of published peak": r.get("pct_of_spec") if ok else None,
            "max abs error": r.get("max_abs_err"),
            "tolerance": r.get("tolerance"),
            "correct": ("yes" if r.get("correct") else "NO") if r.get("correct") is not None else "",
            "measurement error": r.get("suspect") or "",
            "why / message": r.get("message", ""),
        })
    return out


# --- who wins, and where the lead changes -----------------------------------------------------------

def leaders(rows: Iterable[Mapping], op: str, dtype: str) -> list[dict]:
    """For each size of ``op`` in ``dtype`` timed steadily by at least two series, the fastest series
    and its lead over the next fastest, smallest size first (noisy rows are left out)."""
    out = []
    chosen = sorted((r for r in steady_rows(rows) if r["op"] == op and r["dtype"] == dtype), key=lambda r: r["size"])
    for size, group in itertools.groupby(chosen, key=lambda r: r["size"]):
        best: dict[Series, Mapping] = {}
        for r in group:
            s = series_of(r)
            if s not in best or r["median_s"] < best[s]["median_s"]:
                best[s] = r
        ranked = sorted(best.values(), key=lambda r: r["median_s"])
        if len(ranked) < 2:
            continue
        first, second = ranked[0], ranked[1]
        out.append({"size": size, "winner": series_of(first), "runner_up": series_of(second),
                    "ratio": second["median_s"] / first["median_s"], "ranked": ranked})
    return out


def crossovers(entries: Sequence[Mapping]) -> list[tuple[int, int, Series, Series]]:
    """Where the fastest series changes between two neighbouring sizes:
    ``(size before, size after, leader before, leader after)``."""
    return [(a["size"], b["size"], a["winner"], b["winner"])
            for a, b in zip(entries, entries[1:]) if a["winner"] != b["winner"]]


def _sizes(entries: Sequence[Mapping]) -> str:
    sizes = [e["size"] for e in entries]
    if len(sizes) == 1:
        return f"n = {sizes[0]}"
    return f"n = {sizes[0]}–{sizes[-1]}" if len(sizes) > 2 else f"n = {sizes[0]} and {sizes[1]}"


def op_summary(rows: Sequence[Mapping], op: str, dtype: str) -> str:
    """One paragraph for one operation in one dtype."""
    title = f"**{op_title(op)}** ({dtype})"
    mine = [r for r in rows if r["op"] == op and r["dtype"] == dtype]
    timed, steady = ok_rows(mine), steady_rows(mine)
    series = list(dict.fromkeys(series_of(r) for r in steady))
    noisy = len(timed) - len(steady)
    if not timed:
        return f"{title}: nothing was timed here" + _not_timed(mine) + "."
    entries = leaders(mine, op, dtype)
    if not entries:
        roof = roofline.roof_sentence(mine, op, dtype)
        if not series:
            head = "every timing was noisy, so there is no verdict"
        elif len(series) < 2 and noisy:
            head = (f"only {series_label(series[0])} has steady timings (the other {noisy} "
                    f"{'were' if noisy > 1 else 'was'} noisy), so there is nothing to compare it with")
        elif len(series) < 2:
            head = f"only {series_label(series[0])} was timed, so there is nothing to compare it with"
        else:
            head = f"no size was timed{' steadily' * bool(noisy)} by two libraries, so there is nothing to compare"
        return (f"{title}: {head}" + _not_timed(mine) + "." + (f" {roof[0].upper()}{roof[1:]}." if roof else ""))
    last = entries[-1]
    ranked = last["ranked"]
    first = ranked[0]
    if last["ratio"] < EVEN:
        head = (f"at the largest size, n = {last['size']}, {series_label(last['winner'])} "
                f"({format_seconds(first['median_s'])}) and {series_label(last['runner_up'])} are about even "
                f"(within {EVEN - 1:.0%})")
    else:
        head = (f"at the largest size, n = {last['size']}, **{series_label(last['winner'])}** is fastest "
                f"({format_seconds(first['median_s'])} per call): {last['ratio']:.1f}× "
                f"as fast as {series_label(last['runner_up'])}")
    others = [f"{r['median_s'] / first['median_s']:.1f}× as fast as {row_label(r)}" for r in ranked[2:]]
    if others:
        head += " and " + ", ".join(others)
    sentences = [head]
    runs = [list(g) for _, g in itertools.groupby(entries, key=lambda e: e["winner"])]
    if len(entries) > 1 and len(runs) == 1:
        ahead = [e for e in entries if e["ratio"] >= EVEN]
        even = [e for e in entries if e["ratio"] < EVEN]
        leader = series_label(entries[0]["winner"])
        if not ahead:
            sentences.append(f"{leader} leads at every size tried ({_sizes(entries)}), about even with the next "
                             "at every size")
        elif not even:
            sentences.append(f"{leader} leads at every size tried ({_sizes(entries)}), ahead by "
                             f"{ratio_text([e['ratio'] for e in ahead])}")
        else:  # where it is ahead, and where the two are within noise of each other
            sentences.append(f"{leader} is fastest at every size tried ({_sizes(entries)}): ahead by "
                             f"{ratio_text([e['ratio'] for e in ahead])} at {_sizes(ahead)}, about even "
                             f"(within {EVEN - 1:.0%}) at {_sizes(even)}")
    elif len(runs) > 1:
        parts = [f"{series_label(g[0]['winner'])} at {_sizes(g)}" for g in runs]
        where = "; ".join(f"between n = {a} and n = {b}" for a, b, _, _ in crossovers(entries))
        sentences.append(f"the lead changes with size: fastest is {', then '.join(parts)} "
                         f"(crossover {where})")
    roof = roofline.roof_sentence(mine, op, dtype)
    if roof:
        sentences.append(roof)
    text = f"{title}: " + ". ".join(s[0].upper() + s[1:] for s in sentences) + "."
    return text + _not_timed(mine, sentence=True)


def describe(row: Mapping) -> str:
    """``PyTorch · cpu on Matrix multiply at n = 128 (float32)``: one benchmark row in words."""
    return f"{row_label(row)} on {op_title(row['op'])} at n = {row['size']} ({row['dtype']})"


def _not_timed(rows: Sequence[Mapping], sentence: bool = False) -> str:
    """``; 3 rows unsupported, 1 refused`` (or as a sentence) for rows that did not run."""
    counts = {s: sum(r["status"] == s for r in rows) for s in ("unsupported", "refused", "error")}
    words = [f"{v} {k}" for k, v in counts.items() if v]
    if not words:
        return ""
    text = ", ".join(words) + " (reasons in the table)"
    return f" Not timed: {text}." if sentence else f"; {text}"


def incorrect(rows: Iterable[Mapping]) -> list[Mapping]:
    """Timed rows whose answer is outside the dtype's tolerance of the float64 reference."""
    return [r for r in rows if r.get("status") == "ok" and r.get("correct") is False]


def summary(rows: Sequence[Mapping], machine: Mapping | None = None) -> list[str]:
    """Plain-words paragraphs computed from ``rows``: per operation (and dtype), who is fastest at
    the largest size and by how much, whether and where the lead changes across sizes; then what
    the ``machine``'s builds mean for them (MLX's Linux CPU build), any result outside tolerance,
    and errors."""
    rows = list(rows)
    if not rows:
        return ["Nothing has been measured yet."]
    paragraphs = []
    for op in ordered_ops(rows):
        for dtype in dict.fromkeys(r["dtype"] for r in rows if r["op"] == op):
            paragraphs.append(op_summary(rows, op, dtype))
    paragraphs += [f"**Read with care:** {note}" for note in caveats(rows, machine)]
    noisy = left_out(rows, describe)
    if noisy:
        paragraphs.append(noisy)
    errors_found = roofline.suspects(rows)
    if errors_found:
        items = "; ".join(f"{row_label(r)} on {op_title(r['op'])} at n = {r['size']}: {r['suspect']}"
                          for r in errors_found[:5])
        more = f" (and {len(errors_found) - 5} more)" if len(errors_found) > 5 else ""
        paragraphs.append(f"**Measurement errors** (impossible timings, not fast results): {items}{more}.")
    wrong = incorrect(rows)
    if wrong:
        items = "; ".join(f"{row_label(r)} on {op_title(r['op'])} at n = {r['size']} ({r['message']})" for r in wrong)
        paragraphs.append(f"**Outside tolerance** (a wrong answer is not a fast one): {items}.")
    elif ok_rows(rows):
        paragraphs.append("Every timed result matched the float64 NumPy reference within its dtype's tolerance.")
    errors = [r for r in rows if r["status"] == "error"]
    if errors:
        items = "; ".join(f"{row_label(r)} on {op_title(r['op'])} at n = {r['size']}: {r['message']}"
                          for r in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        paragraphs.append(f"**Errors**: {items}{more}.")
    return paragraphs


# --- the machine ------------------------------------------------------------------------------------
