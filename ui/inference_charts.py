"""The Altair charts of local-inference results: tokens per second (or time to first token) per
library · device · variant · dtype, generation tokens per second across context length, and tokens
per second across machines for Compare machines. Each takes rows of the ``inference`` kind and
returns a chart with the exact numbers in tooltips. And the tokens as they are generated
(:func:`tokens_view`), each library beside the float64 reference.
"""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from kernels.inference import config, report
from kernels.inference.results import InferenceRow, TokensSoFar
from ui.safe import plain

C = InferenceRow.col  # the row columns the charts encode (the report's tables keep their names)
HEIGHT = 300
SCHEME = "tableau10"
METRICS = {
    C.decode_tok_s: "generation tokens per second (higher is faster)",
    C.prefill_tok_s: "prompt tokens per second (higher is faster)",
    "ttft_ms": "time to first token, ms (lower is faster)",
    C.gbps: "bandwidth achieved while generating, GB/s",
}


def _tooltip(extra=()) -> list:
    return [*extra, "run", "size", alt.Tooltip(f"{C.decode_tok_s}:Q", format=",.1f", title="generation tok/s"),
            alt.Tooltip("step_ms:Q", format=".3f", title="ms per token (median)"),
            alt.Tooltip("iqr_ms:Q", format=".3f", title="IQR ms"), alt.Tooltip(f"{C.noisy}:N", title="noisy"),
            alt.Tooltip(f"{C.prefill_tok_s}:Q", format=",.0f", title="prompt tok/s"),
            alt.Tooltip("ttft_ms:Q", format=".2f", title="first token ms"),
            alt.Tooltip(f"{C.gbps}:Q", format=".3g", title="GB/s")]


def speed_chart(rows, metric: str = C.decode_tok_s) -> alt.Chart:
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
        x=alt.X("context_len:Q", title="context length (tokens in the cache)", scale=alt.Scale(zero=False)),
        y=alt.Y("tok_s:Q", title="generation tokens per second", scale=alt.Scale(zero=False)),
        color=alt.Color("run:N", scale=alt.Scale(scheme=SCHEME)),
        strokeDash="library:N",
        tooltip=["run", "context_len",
                 alt.Tooltip("tok_s:Q", format=",.1f", title=f"tok/s (median of {report.CONTEXT_WINDOW})"),
                 alt.Tooltip("step_ms:Q", format=".3f", title="this step, ms")],
    ).properties(height=HEIGHT)


def machines_chart(rows) -> alt.Chart:
    """Compare machines: generation tokens per second of each run, grouped by machine."""
    data = pd.DataFrame(report.speed_table(rows, extra=("machine",)))
    return alt.Chart(data).mark_bar().encode(
        x=alt.X(f"{C.decode_tok_s}:Q", title=METRICS[C.decode_tok_s]),
        y=alt.Y("run:N", title=None),
        color=alt.Color("machine:N", title=None, scale=alt.Scale(scheme=SCHEME), legend=alt.Legend(orient="top")),
        yOffset="machine:N",
        tooltip=_tooltip(("machine",)),
    ).properties(height=alt.Step(18))

CONTEXT_WORDS = ("Each point: one over the median of the decode steps around that context length. Eager attention "
                 "reads the cached keys and values up to the current token, so its rate falls as the cache grows (most "
                 "visibly with long prompts and wide models); a compiled step reads the whole cache every time, "
                 "masked, so it stays flat.")
MEMORY_WORDS = ("Each library counts memory its own way, so compare a library with itself across sizes and dtypes "
                "more than with the other: MLX's `mx.get_peak_memory()` counts its arrays only; Torch's figure on "
                "the CPU is the whole process's RSS (every library, the app). The weights and KV cache are computed "
                "from the sizes.")


def token_block(tokens, as_ids: bool, cursor: bool = False) -> None:
    text = " ".join(str(t) for t in tokens) if as_ids else config.token_text(tokens)
    st.code(text + (" ▌" if cursor else ""), language=None, wrap_lines=True)


def tokens_view(latest, libs):
    """The tokens as they are generated, each library beside the float64 reference: drawn again
    each time the engine reports a token."""
    st.subheader("Tokens as they are generated")
    st.caption("The weights are random (one seeded generator, nothing downloaded), so the text is gibberish by "
               "design: what counts is that every library generates the reference's tokens, one for one.")
    as_ids = st.radio("Show tokens as", ["text", "ids"], horizontal=True, key="inference_token_view",
                      help="The vocabulary is bytes: text shows each printable byte as its character and any other "
                           "as \\xNN; ids shows the numbers.") == "ids"
    slot = st.empty()
    names = [n for n in libs if n in (latest.settings.get("backends") or libs)]

    def draw() -> None:
        rows, partial = list(latest.rows), TokensSoFar.of(latest.partial)
        reference = partial.reference or report.reference_tokens(rows)
        computing = partial.computing_reference and latest.active
        with slot.container():
            cols = st.columns(1 + len(names), gap="medium")
            cols[0].markdown("**NumPy** · the reference")
            cols[0].caption("float64, the same weights and prompt" + (" · computing…" if computing else ""))
            with cols[0]:
                if reference:
                    token_block(reference, as_ids, cursor=computing)
            for col, name in zip(cols[1:], names):
                with col:
                    st.markdown(f"**{libs[name].label}**")
                    for run, row in report.token_columns(rows, name):
                        st.caption(plain(run) + ("" if row.status == "ok" else f": {row.status}"))
                        if row.status == "ok":
                            token_block(row.tokens, as_ids)
                            st.caption(f":material/check: the reference's {len(row.tokens)} tokens" if row.tokens_match
                                       else f":material/close: the reference's first {row.first_mismatch} tokens, "
                                            "then others (see the verdict)")
                    if partial.backend == name and not partial.done and latest.active:
                        st.caption(f"{plain(partial.run)} · generating…")
                        token_block(partial.tokens, as_ids, cursor=True)
    return draw

# How the page formats its table of every run (kernels report run_table's columns).
NUMBER = st.column_config.NumberColumn
TABLE_FORMAT = {"first token ms": NUMBER(format="%.2f"), "prompt tok/s": NUMBER(format="%.0f"),
                "generation tok/s": NUMBER(format="%.1f"), "IQR ms": NUMBER(format="%.3f"),
                "GB/s": NUMBER(format="%.3g"),
                "warm-up s": NUMBER(format="%.2f", help="The untimed warm-up generation, compiling included"),
                "first compile s": NUMBER(format="%.1f", help="torch.compile: the first compile, in a process of its "
                                                              "own, before the run"),
                "note": st.column_config.TextColumn(width="large")}
