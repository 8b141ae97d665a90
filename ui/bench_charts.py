"""The Altair charts of benchmark results, shared by the Benchmarks and Compare machines pages.

Each function takes the records of :func:`kernels.bench.report.chart_table` (one per timed row)
and returns a chart: time against size on log-log axes with the spread as a band, throughput, and
speedup over a baseline. Tooltips carry the exact numbers. ``domain`` fixes the colours, so one
series keeps its colour in every chart of a page (each chart draws the legend, so their plots line up).
"""
from __future__ import annotations

from typing import Sequence

import altair as alt
import pandas as pd

HEIGHT = 320
SCHEME = "tableau10"  # distinct hues that survive a projector


def _frame(records) -> pd.DataFrame:
    return records if isinstance(records, pd.DataFrame) else pd.DataFrame(list(records))


def _x(data: pd.DataFrame) -> alt.X:
    sizes = sorted(int(s) for s in data["size"].unique())
    return alt.X("size:Q", title="size n (log)", scale=alt.Scale(type="log", base=2, nice=False,
                                                                 domain=[min(sizes), max(sizes)]),
                 axis=alt.Axis(values=sizes, format="d", labelFlush=True))


def _color(field: str, domain: Sequence[str] | None, legend: bool) -> alt.Color:
    scale = alt.Scale(domain=list(domain), scheme=SCHEME) if domain else alt.Scale(scheme=SCHEME)
    return alt.Color(f"{field}:N", title=None, scale=scale,
                     legend=alt.Legend(orient="top", columns=2, labelLimit=240, symbolOpacity=1) if legend else None)


def _tooltip(extra: Sequence = ()) -> list:
    return [*extra, alt.Tooltip("series:N", title="library · device"), alt.Tooltip("size:Q", title="n"),
            alt.Tooltip("shape:N", title="inputs"), alt.Tooltip("dtype:N"),
            alt.Tooltip("median_text:N", title="median"), alt.Tooltip("iqr_text:N", title="IQR"),
            alt.Tooltip("range_text:N", title="min – max"), alt.Tooltip("repeats_text:N", title="samples"),
            alt.Tooltip("throughput:Q", title="throughput", format=",.4g"), alt.Tooltip("unit:N", title="unit"),
            alt.Tooltip("speedup:Q", title="speedup ×", format=".3g"),
            alt.Tooltip("correct:N", title="correct"), alt.Tooltip("max_abs_err:Q", title="max abs error", format=".3g")]


def _points():
    return alt.OverlayMarkDef(size=70, filled=True)


def time_chart(records, color: str = "series", dash: str | None = None, spread: bool = True,
               domain: Sequence[str] | None = None, legend: bool = True, extra_tooltip: Sequence = (),
               title: str = "Time per call (lower is faster)") -> alt.LayerChart:
    """Median time per call against size, log-log, one line per ``color`` (and ``dash``) value,
    the spread (``low_ms`` to ``high_ms``) as a translucent band."""
    data = _frame(records)
    detail = [alt.Detail(f"{f}:N") for f in [color] + ([dash] if dash else [])]
    enc = {"x": _x(data), "color": _color(color, domain, legend), "detail": detail}
    if dash:
        enc["strokeDash"] = alt.StrokeDash(f"{dash}:N", title=None,
                                           legend=alt.Legend(orient="top", columns=3, labelLimit=240))
        enc["shape"] = alt.Shape(f"{dash}:N", title=None, legend=None)
    base = alt.Chart(data)
    line = base.mark_line(point=_points(), strokeWidth=2.5).encode(
        y=alt.Y("time_ms:Q", title="ms per call (log)", scale=alt.Scale(type="log"), axis=alt.Axis(tickCount=6)),
        tooltip=_tooltip(extra_tooltip), **enc)
    if not spread:
        return alt.layer(line).properties(height=HEIGHT, title=title)
    band_enc = {k: v for k, v in enc.items() if k not in ("strokeDash", "shape")}
    band = base.mark_area(opacity=0.2).encode(
        y=alt.Y("low_ms:Q", scale=alt.Scale(type="log"), stack=None), y2="high_ms:Q", **band_enc)
    return alt.layer(band, line).properties(height=HEIGHT, title=title)


def throughput_chart(records, unit: str, domain: Sequence[str] | None = None, legend: bool = True) -> alt.Chart:
    data = _frame(records)
    return alt.Chart(data).mark_line(point=_points(), strokeWidth=2.5).encode(
        x=_x(data), y=alt.Y("throughput:Q", title=unit), color=_color("series", domain, legend),
        tooltip=_tooltip(),
    ).properties(height=HEIGHT, title=f"{unit} (higher is faster)")


def speedup_chart(records, baseline_label: str, domain: Sequence[str] | None = None,
                  legend: bool = True) -> alt.LayerChart:
    """How many times faster than the baseline (log scale, a dashed rule at 1×)."""
    data = _frame(records)
    data = data[data["speedup"].notna()]
    line = alt.Chart(data).mark_line(point=_points(), strokeWidth=2.5).encode(
        x=_x(data), y=alt.Y("speedup:Q", title="× (log)", scale=alt.Scale(type="log"), axis=alt.Axis(tickCount=6)),
        color=_color("series", domain, legend), tooltip=_tooltip(),
    )
    one = alt.Chart(pd.DataFrame({"speedup": [1.0]})).mark_rule(strokeDash=[4, 4], color="gray").encode(y="speedup:Q")
    return alt.layer(one, line).properties(height=HEIGHT, title=f"Speedup over {baseline_label}")
