"""The Altair charts of small-model results: steps per second across sizes (or per run at one size),
the loss curves, and steps per second across machines for Compare machines. Each takes the records of
``kernels.models.report`` (one per finished run) and returns a chart with the exact numbers in tooltips.
"""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from kernels.models import report
from kernels.models.results import ModelsRow

C = ModelsRow.col  # the row columns the charts encode (the report's tables keep their names)
HEIGHT = 320
SCHEME = "tableau10"


def _tooltip(extra=()) -> list:
    return [*extra, "run", "size", alt.Tooltip(f"{C.steps_per_s}:Q", format=",.1f", title="steps/s"),
            alt.Tooltip("step_ms:Q", format=".3f", title="ms/step (median)"),
            alt.Tooltip("iqr_ms:Q", format=".3f", title="IQR ms"), alt.Tooltip(f"{C.noisy}:N", title="noisy")]


def speed_chart(rows, dim: str | None) -> alt.Chart:
    """Steps per second: a line per run across ``dim`` (log axes) when it varies, else bars."""
    data = pd.DataFrame(report.speed_table(rows))
    y = alt.Y(f"{C.steps_per_s}:Q", title="training steps per second (higher is faster)")
    if dim and data[dim].nunique() > 1:
        x = alt.X(f"{dim}:Q", title=report.DIM_WORDS[dim], scale=alt.Scale(type="log", base=2),
                  axis=alt.Axis(values=sorted(data[dim].unique().tolist())))
        chart = alt.Chart(data).mark_line(point=True).encode(
            x=x, y=y.scale(type="log"), color=alt.Color("run:N", scale=alt.Scale(scheme=SCHEME)), tooltip=_tooltip())
    else:
        chart = alt.Chart(data).mark_bar().encode(
            x=alt.X("run:N", title=None, sort="-y"), y=y, color=alt.Color("run:N", scale=alt.Scale(scheme=SCHEME)),
            tooltip=_tooltip())
    return chart.properties(height=HEIGHT)


def loss_chart(rows) -> alt.Chart:
    data = pd.DataFrame(report.loss_table(rows))
    return alt.Chart(data).mark_line(strokeWidth=2, opacity=0.8).encode(
        x=alt.X("step:Q", title="step", axis=alt.Axis(tickMinStep=1, format="d")),
        y=alt.Y("loss:Q", title="training loss", scale=alt.Scale(zero=False)),
        color=alt.Color("run:N", scale=alt.Scale(scheme=SCHEME)), strokeDash="run:N",
        tooltip=["run", "step", alt.Tooltip("loss:Q", format=".6f")]).properties(height=280)


def machines_chart(rows) -> alt.Chart:
    """Compare machines: steps per second of each library · device · variant, grouped by machine."""
    data = pd.DataFrame(report.speed_table(rows, extra=("machine",)))
    return alt.Chart(data).mark_bar().encode(
        x=alt.X(f"{C.steps_per_s}:Q", title="training steps per second (higher is faster)"),
        y=alt.Y("run:N", title=None),
        color=alt.Color("machine:N", title=None, scale=alt.Scale(scheme=SCHEME), legend=alt.Legend(orient="top")),
        yOffset="machine:N",
        tooltip=_tooltip(("machine",)),
    ).properties(height=alt.Step(18))

# How the page formats its table of every run (kernels report run_table's columns).
TABLE_FORMAT = {"steps/s": st.column_config.NumberColumn(format="%.1f"),
                "ms/step": st.column_config.NumberColumn(format="%.3f"),
                "IQR ms": st.column_config.NumberColumn(format="%.3f"),
                "first loss": st.column_config.NumberColumn(format="%.5f"),
                "last loss": st.column_config.NumberColumn(format="%.5f"),
                "note": st.column_config.TextColumn(width="large")}
