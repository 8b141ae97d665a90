"""The Altair charts of local-inference results: tokens per second (or time to first token) per
library · device · variant · dtype, generation tokens per second across context length, and tokens
per second across machines for Compare machines. Each takes rows of the ``inference`` kind and
returns a chart with the exact numbers in tooltips.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from kernels.inference import report

HEIGHT = 300
SCHEME = "tableau10"
METRICS = {
    "decode_tok_s": "generation tokens per second (higher is faster)",
    "prefill_tok_s": "prompt tokens per second (higher is faster)",
    "ttft_ms": "time to first token, ms (lower is faster)",
    "gbps": "bandwidth achieved while generating, GB/s",
}


def _tooltip(extra=()) -> list:
    return [*extra, "run", "size", alt.Tooltip("decode_tok_s:Q", format=",.1f", title="generation tok/s"),
            alt.Tooltip("step_ms:Q", format=".3f", title="ms per token (median)"),
            alt.Tooltip("iqr_ms:Q", format=".3f", title="IQR ms"), alt.Tooltip("noisy:N", title="noisy"),
            alt.Tooltip("prefill_tok_s:Q", format=",.0f", title="prompt tok/s"),
            alt.Tooltip("ttft_ms:Q", format=".2f", title="first token ms"),
            alt.Tooltip("gbps:Q", format=".3g", title="GB/s")]


def speed_chart(rows, metric: str = "decode_tok_s") -> alt.Chart:
    """One bar per finished generation (library · device · variant · dtype)."""
    data = pd.DataFrame(report.speed_table(rows))
    order = "y" if metric == "ttft_ms" else "-y"
    return alt.Chart(data).mark_bar().encode(
        x=alt.X("run:N", title=None, sort=order, axis=alt.Axis(labelAngle=-30, labelLimit=240)),
        y=alt.Y(f"{metric}:Q", title=METRICS[metric]),
        color=alt.Color("library:N", scale=alt.Scale(scheme=SCHEME)),
        tooltip=_tooltip(),
    ).properties(height=HEIGHT)


def context_chart(rows) -> alt.Chart:
    """Generation tokens per second at each context length (a running median of a few steps), a
    line per generation: it falls as the cache grows, where attention reads only what is cached."""
    data = pd.DataFrame(report.context_table(rows))
    return alt.Chart(data).mark_line(point=alt.OverlayMarkDef(size=14), strokeWidth=2, opacity=0.85).encode(
        x=alt.X("context:Q", title="context length (tokens in the cache)", scale=alt.Scale(zero=False)),
        y=alt.Y("tok_s:Q", title="generation tokens per second", scale=alt.Scale(zero=False)),
        color=alt.Color("run:N", scale=alt.Scale(scheme=SCHEME)),
        strokeDash="library:N",
        tooltip=["run", "context", alt.Tooltip("tok_s:Q", format=",.1f", title=f"tok/s (median of {report.CONTEXT_WINDOW})"),
                 alt.Tooltip("step_ms:Q", format=".3f", title="this step, ms")],
    ).properties(height=HEIGHT)


def machines_chart(rows) -> alt.Chart:
    """Compare machines: generation tokens per second of each run, grouped by machine."""
    data = pd.DataFrame(report.speed_table(rows, extra=("machine",)))
    return alt.Chart(data).mark_bar().encode(
        x=alt.X("decode_tok_s:Q", title=METRICS["decode_tok_s"]),
        y=alt.Y("run:N", title=None),
        color=alt.Color("machine:N", title=None, scale=alt.Scale(scheme=SCHEME), legend=alt.Legend(orient="top")),
        yOffset="machine:N",
        tooltip=_tooltip(("machine",)),
    ).properties(height=alt.Step(18))
