"""The Altair charts of benchmark results, shared by the Benchmarks and Compare machines pages.

Each function takes the records of :func:`kernels.bench.report.chart_table` (one per timed row)
and returns a chart: time against size on log-log axes with the spread as a band, throughput, and
speedup over a baseline; and the roofline (:func:`roofline_chart`, from
:func:`kernels.bench.roofline.chart_data`). Tooltips carry the exact numbers. ``domain`` fixes the colours, so one
series keeps its colour in every chart of a page (each chart draws the legend, so their plots line up).

Compare machines draws its charts from files that do not change between reruns, so it takes their
Vega-Lite specs, kept per data and options (:func:`time_spec`, :func:`roofline_spec`, as
``ui.learn_charts`` does): building and validating an Altair chart cost that page about 0.1 s a
visit. The data go into a chart as values (:func:`_data`), so a spec of any size can be built
outside ``st.altair_chart`` (Altair's own conversion refuses more than 5,000 rows).
"""
from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd
import streamlit as st

from kernels.bench.results import BenchRow

C = BenchRow.col  # the row columns the charts encode (kernels.bench.report's chart tables keep their names)
HEIGHT = 320
SCHEME = "tableau10"  # distinct hues that survive a projector


def _frame(records) -> pd.DataFrame:
    return records if isinstance(records, pd.DataFrame) else pd.DataFrame(list(records))


def _data(frame: pd.DataFrame) -> dict:
    """A chart's data as values (NaN as null), which Altair passes through whatever their number of
    rows, and Streamlit ships as Arrow like any dataset."""
    return alt.to_values(frame)


def _x(data: pd.DataFrame) -> alt.X:
    sizes = sorted(int(s) for s in data[C.size].unique())
    return alt.X(f"{C.size}:Q", title="size n (log)", scale=alt.Scale(type="log", base=2, nice=False,
                                                                 domain=[min(sizes), max(sizes)]),
                 axis=alt.Axis(values=sizes, format="d", labelFlush=True))


def _color(field: str, domain: Sequence[str] | None, legend: bool) -> alt.Color:
    scale = alt.Scale(domain=list(domain), scheme=SCHEME) if domain else alt.Scale(scheme=SCHEME)
    return alt.Color(f"{field}:N", title=None, scale=scale,
                     legend=alt.Legend(orient="top", columns=2, labelLimit=240, symbolOpacity=1) if legend else None)


def _tooltip(extra: Sequence = ()) -> list:
    return [*extra, alt.Tooltip("series:N", title="library · device"), alt.Tooltip(f"{C.size}:Q", title="n"),
            alt.Tooltip(f"{C.shape}:N", title="inputs"), alt.Tooltip(f"{C.dtype}:N"),
            alt.Tooltip("median_text:N", title="median"), alt.Tooltip("iqr_text:N", title="IQR"),
            alt.Tooltip("range_text:N", title="min – max"), alt.Tooltip("repeats_text:N", title="samples"),
            alt.Tooltip(f"{C.noisy}:N", title="noisy"),
            alt.Tooltip("throughput:Q", title="throughput", format=",.4g"), alt.Tooltip(f"{C.unit}:N", title="unit"),
            alt.Tooltip("speedup:Q", title="speedup ×", format=".3g"),
            alt.Tooltip(f"{C.correct}:N", title="correct"),
            alt.Tooltip(f"{C.max_abs_err}:Q", title="max abs error", format=".3g")]


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
    base = alt.Chart(_data(data))
    line = base.mark_line(point=_points(), strokeWidth=2.5).encode(
        y=alt.Y("time_ms:Q", title="ms per call (log)", scale=alt.Scale(type="log"), axis=alt.Axis(tickCount=6)),
        tooltip=_tooltip(extra_tooltip), **enc)
    layers = [line]
    if C.noisy in data and (data[C.noisy] != "no").any():  # a grey ring round each point no verdict uses
        layers.append(base.transform_filter(alt.datum[C.noisy] != "no").mark_point(
            size=320, filled=False, strokeWidth=1.5, color="gray").encode(
            x=enc["x"], y=alt.Y("time_ms:Q", scale=alt.Scale(type="log")), tooltip=_tooltip(extra_tooltip)))
    if not spread:
        return alt.layer(*layers).properties(height=HEIGHT, title=title)
    band_enc = {k: v for k, v in enc.items() if k not in ("strokeDash", "shape")}
    band = base.mark_area(opacity=0.2).encode(
        y=alt.Y("low_ms:Q", scale=alt.Scale(type="log"), stack=None), y2="high_ms:Q", **band_enc)
    return alt.layer(band, *layers).properties(height=HEIGHT, title=title)


def throughput_chart(records, unit: str, domain: Sequence[str] | None = None, legend: bool = True) -> alt.Chart:
    data = _frame(records)
    return alt.Chart(_data(data)).mark_line(point=_points(), strokeWidth=2.5).encode(
        x=_x(data), y=alt.Y("throughput:Q", title=unit), color=_color("series", domain, legend),
        tooltip=_tooltip(),
    ).properties(height=HEIGHT, title=f"{unit} (higher is faster)")


def speedup_chart(records, baseline_label: str, domain: Sequence[str] | None = None,
                  legend: bool = True) -> alt.LayerChart:
    """How many times faster than the baseline (log scale, a dashed rule at 1×)."""
    data = _frame(records)
    data = data[data["speedup"].notna()]
    line = alt.Chart(_data(data)).mark_line(point=_points(), strokeWidth=2.5).encode(
        x=_x(data), y=alt.Y("speedup:Q", title="× (log)", scale=alt.Scale(type="log"), axis=alt.Axis(tickCount=6)),
        color=_color("series", domain, legend), tooltip=_tooltip(),
    )
    one = alt.Chart(_data(pd.DataFrame({"speedup": [1.0]}))).mark_rule(strokeDash=[4, 4], color="gray").encode(
        y="speedup:Q")
    return alt.layer(one, line).properties(height=HEIGHT, title=f"Speedup over {baseline_label}")


ROOF_DASH = {"measured roof": [1, 0], "in-cache roof": [6, 4], "published": [2, 3]}


def roofline_chart(points, lines, domain: Sequence[str] | None = None, legend: bool = True,
                   title: str = "Roofline: achieved GFLOP/s against arithmetic intensity") -> alt.LayerChart:
    """The roofline model, log-log: one point per timed row (GFLOP/s against FLOP per byte), the
    roofs of each library · device as lines (``min(compute, intensity × bandwidth)``: solid measured,
    dashed in-cache, dotted the chip's published peak), colour by library · device; a measurement
    error is drawn as a cross. Records from :func:`kernels.bench.roofline.chart_data`."""
    points, lines = _frame(points), _frame(lines)
    x = alt.X(f"{C.intensity}:Q", title="arithmetic intensity (FLOP per byte moved, log)",
              scale=alt.Scale(type="log"), axis=alt.Axis(tickCount=6))
    y = alt.Y(f"{C.gflops}:Q", title="GFLOP/s (log)", scale=alt.Scale(type="log"), axis=alt.Axis(tickCount=6))
    color = _color("series", domain, legend)
    layers = []
    if not lines.empty:
        kinds = [k for k in ROOF_DASH if k in set(lines["roof"])]  # the legend names only the roofs drawn
        layers.append(alt.Chart(_data(lines)).mark_line(strokeWidth=2, opacity=0.8).encode(
            x=x, y=y, color=color, detail="line:N",
            strokeDash=alt.StrokeDash("roof:N", title=None,
                                      scale=alt.Scale(domain=kinds, range=[ROOF_DASH[k] for k in kinds]),
                                      legend=alt.Legend(orient="bottom") if legend else None),
            tooltip=[alt.Tooltip("series:N", title="library · device"), alt.Tooltip("roof:N"),
                     alt.Tooltip("text:N", title="ceilings")]))
    if not points.empty:
        shapes = {"ok": "circle", "measurement error": "cross"}
        statuses = [k for k in shapes if k in set(points["mark"])]
        layers.append(alt.Chart(_data(points)).mark_point(size=90, filled=True, opacity=0.9).encode(
            x=x, y=y, color=color,
            shape=alt.Shape("mark:N", title=None,
                            scale=alt.Scale(domain=statuses, range=[shapes[k] for k in statuses]),
                            legend=alt.Legend(orient="bottom") if legend and len(statuses) > 1 else None),
            tooltip=[alt.Tooltip("op_title:N", title="operation"), alt.Tooltip("series:N", title="library · device"),
                     alt.Tooltip(f"{C.size}:Q", title="n"), alt.Tooltip(f"{C.dtype}:N"),
                     alt.Tooltip("median_text:N", title="time per call"),
                     alt.Tooltip(f"{C.gflops}:Q", title="GFLOP/s", format=",.4g"),
                     alt.Tooltip(f"{C.gbps}:Q", title="GB/s", format=",.4g"),
                     alt.Tooltip(f"{C.intensity}:Q", title="FLOP/byte", format=".3g"),
                     alt.Tooltip(f"{C.bound}:N", title="bound"), alt.Tooltip("pct_text:N", title="% of roof"),
                     alt.Tooltip("spec_text:N", title="% of published peak"), alt.Tooltip("check:N", title="check")]))
    return alt.layer(*layers).properties(height=HEIGHT + 60, title=title)


@st.cache_data(show_spinner=False, max_entries=64)
def time_spec(records: pd.DataFrame, **options) -> dict:
    """:func:`time_chart`'s Vega-Lite spec (for ``st.vega_lite_chart``), kept per data and options."""
    return time_chart(records, **options).to_dict()


@st.cache_data(show_spinner=False, max_entries=64)
def roofline_spec(points: pd.DataFrame, lines: pd.DataFrame, **options) -> dict:
    """:func:`roofline_chart`'s Vega-Lite spec, kept per data and options."""
    return roofline_chart(points, lines, **options).to_dict()
