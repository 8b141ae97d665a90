"""The Learn pages' charts: the collapsing axis (Operations across dimensions), finite-difference
error against the step (Gradients), naive against synchronised times (Lazy); and the pictures of
Scaling by different amounts as PNG files.

The first two depend only on what the page computed from its controls, so their Vega-Lite specs are
kept (``st.cache_data``): building and validating an Altair chart costs about 0.1 s here, which a
revisited page no longer pays. Each is drawn with ``st.vega_lite_chart``, from plain records.
"""
from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st


def _grid(records: Sequence[Mapping], title: str, width: int, height: int) -> alt.LayerChart:
    colour = alt.Color("group:N", legend=None, scale=alt.Scale(scheme="tableau10"))
    base = alt.Chart(pd.DataFrame(list(records))).encode(
        x=alt.X("col:O", title="column", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("row:O", title="row"))
    return (base.mark_rect(stroke="white", strokeWidth=2).encode(color=colour, tooltip=["row", "col", "value"])
            + base.mark_text(fontSize=14, color="white").encode(text=alt.Text("value:Q", format=".4~g"))
            ).properties(title=title, width=width, height=height)


@st.cache_data(show_spinner=False, max_entries=64)
def axis_collapse(cells: list[dict], out: list[dict], axis: int, rows: int, cols: int, op: str) -> dict:
    """The input grid coloured by the output element each value goes into, and the reduced result
    beside it (axis 1) or under it (axis 0); ``cells``/``out`` from ``dims.collapse_records``."""
    kept = cols if axis == 0 else rows
    source = _grid(cells, f"input {rows}×{cols}: the colour is the output element each value goes into",
                   44 * cols, 36 * rows)
    result = _grid(out, f"{op} over axis {axis} → shape ({kept},)",
                   44 * (cols if axis == 0 else 1), 36 * (1 if axis == 0 else rows))
    chart = alt.vconcat(source, result) if axis == 0 else alt.hconcat(source, result)
    return chart.configure_view(strokeWidth=0).to_dict()


@st.cache_data(show_spinner=False, max_entries=64)
def step_errors(curve: list[dict], h: float) -> dict:
    """Max |finite difference − formula| against the step h, log–log, h decreasing to the right; the
    chosen h as a red point. Rows with an error of 0 are left out (no place on a log scale)."""
    df = pd.DataFrame(curve)
    df["chosen"] = df["h"] == h
    plotted = df[df["max abs error"] > 0]
    base = alt.Chart(plotted).encode(
        x=alt.X("h:Q", scale=alt.Scale(type="log", reverse=True), title="step h (log scale)",
                axis=alt.Axis(format=".0e")),
        y=alt.Y("max abs error:Q", scale=alt.Scale(type="log"), title="max |finite difference − formula|",
                axis=alt.Axis(format=".0e")),
        tooltip=[alt.Tooltip("h:Q", format=".0e"), alt.Tooltip("max abs error:Q", format=".2e")],
    )
    chart = base.mark_line(point=True) + base.transform_filter(alt.datum.chosen).mark_point(
        size=200, color="red", filled=True)
    return chart.properties(height=260).to_dict()


def naive_vs_synced(rows: Sequence[Mapping]) -> alt.LayerChart:
    """One row per library (``label``, ``naive`` and ``synced`` median seconds): both marks on a log
    axis, joined by a rule: the gap is what a stopwatch without synchronisation misses."""
    points = pd.DataFrame([{"library": r["label"], "timing": kind, "seconds": r[kind]}
                           for r in rows for kind in ("naive", "synced")])
    spans = pd.DataFrame([{"library": r["label"], "naive": r["naive"], "synced": r["synced"]} for r in rows])
    x = alt.X("seconds:Q", scale=alt.Scale(type="log"), title="median seconds (log scale)")
    y = alt.Y("library:N", title=None, sort=[r["label"] for r in rows])
    return alt.layer(
        alt.Chart(spans).mark_rule(color="gray", strokeWidth=2).encode(
            x=alt.X("naive:Q", scale=alt.Scale(type="log")), x2="synced:Q", y=y),
        alt.Chart(points).mark_point(filled=True, size=160).encode(
            x=x, y=y, color=alt.Color("timing:N", title="timing"), shape="timing:N",
            tooltip=["library", "timing", alt.Tooltip("seconds:Q", format=".3g")]),
    ).properties(height=60 * len(rows) + 40)


@st.cache_data(show_spinner=False, max_entries=256)
def png(pixels: np.ndarray) -> bytes:
    """An (H, W, 3) uint8 picture as a PNG file for ``st.image``, kept per picture: handed an array,
    ``st.image`` encodes it at every run (about 3 ms a picture here, 18 on Scaling); a revisit or a
    control that leaves a picture as it was now reuses the file. Fast compression: it never leaves
    this machine."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels, dtype=np.uint8)).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()
