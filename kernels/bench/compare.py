"""Benchmark rows from several machines compared like with like (the (operation, dtype) pairs the
files share are ``kernels.measure.compare.choices``): the largest size every file timed, and a
table at that size with speedups over a baseline the user picks. Loading and labelling the files
is ``kernels.measure.compare``'s.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from ..measure.rows import noise, ok_rows, row_label
from ..measure.timing import format_seconds
from .report import series_of, throughput


def largest_common_size(rows: Iterable[Mapping], op: str, dtype: str) -> int | None:
    """The largest size of ``op`` in ``dtype`` that every machine with such rows has timed."""
    sizes: dict[str, set[int]] = {}
    for r in ok_rows(rows):
        if r["op"] == op and r["dtype"] == dtype:
            sizes.setdefault(r["machine"], set()).add(r["size"])
    if not sizes:
        return None
    common = set.intersection(*sizes.values())
    return max(common) if common else None


def compare_table(rows: Sequence[Mapping], op: str, dtype: str, size: int,
                  baseline: tuple[str, str, str] | None = None) -> list[dict]:
    """At one size: each machine × library · device, its time, throughput and speedup over
    ``baseline`` (machine, backend, device); fastest first."""
    at = [r for r in ok_rows(rows) if r["op"] == op and r["dtype"] == dtype and r["size"] == size]
    base = None
    if baseline:
        base = next((r["median_s"] for r in at if (r["machine"], *series_of(r)) == tuple(baseline)), None)
    out = []
    for r in sorted(at, key=lambda r: r["median_s"]):
        out.append({
            "machine": r["machine"], "library · device": row_label(r),
            "median": format_seconds(r["median_s"]),
            "throughput": throughput(r), "unit": r.get("unit", ""),
            "speedup": base / r["median_s"] if base else None,
            "correct": "yes" if r.get("correct") else ("NO" if r.get("correct") is False else ""),
            "noisy": noise(r) or "",
        })
    return out


def series_keys(rows: Iterable[Mapping], op: str, dtype: str, size: int) -> list[tuple[str, str, str]]:
    """(machine, backend, device) of every timed row of ``op`` at ``size``: baseline choices."""
    return list(dict.fromkeys((r["machine"], *series_of(r)) for r in ok_rows(rows)
                              if r["op"] == op and r["dtype"] == dtype and r["size"] == size))
