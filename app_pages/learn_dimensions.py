"""Learn: operations across dimensions (mean, std, max, min; over all axes or one)."""
from __future__ import annotations

import numpy as np
import streamlit as st

from kernels.examples import dimensions as dims
from kernels.memory import TooLarge
from ui import learn_charts, lesson
from ui.panel import backends, library_panel, record_panel
from ui.safe import markdown_table, plain

st.title("Operations across dimensions")
lesson.begin("Operations across dimensions")
lesson.text(
    "Most of the work in a model is a reduction: a mean over a batch, a max over classes, a norm "
    "over features. The three libraries name the same reductions alike, but their defaults differ "
    "in ways that change numbers (the standard deviation), dtypes (the mean of integers) and return "
    "types (max with indices). Every output below was computed just now on this machine."
)

libs = backends()


def numbers(results, index: int) -> dict[str, np.ndarray]:
    """Output ``index`` of every library that ran, as NumPy, keyed by the library's label."""
    return {r.label: libs[name].to_numpy(r.value[index]) for name, r in results.items() if r.ok}


# --- 1. one dimension ------------------------------------------------------------------
lesson.header("1 · Mean, std, max and min of a vector", divider="gray")
left, right = st.columns([3, 2])
with left:
    text = st.text_input("Values (a flat Python list)", value="[0.5, 1, 3, 4]", key="dimensions_values",
                         help="The notebook's example is [0.5, 1, 3, 4]. Up to 32 numbers.")
with right:
    ddof = st.radio(
        "Correction for the standard deviation", options=[None, 0, 1], key="dimensions_ddof", horizontal=True,
        format_func=lambda d: "each library's default" if d is None else f"ddof = {d}",
        help="ddof = 0 divides by N (population); ddof = 1 divides by N − 1 (sample, Bessel's correction). "
             "NumPy and MLX call it `ddof`, PyTorch calls it `correction`.",
    )
try:
    values = dims.parse_vector(text)
except ValueError as exc:
    st.error(f"Can't use that input: {plain(exc)}.")
    values = None

if values is not None:
    params = {"values": values} if ddof is None else {"values": values, "ddof": ddof}
    results = library_panel(dims.stats_example(ddof), params, libs)
    ran = {name: r for name, r in results.items() if r.ok}
    if ran:
        rows = []
        for name, r in ran.items():
            got = [float(libs[name].to_numpy(v)) for v in r.value]
            row = {"library": r.label, **{k: dims.format_stat(v) for k, v in zip(dims.STAT_NAMES, got)}}
            row["std matches"] = dims.which_correction(got[1], values, r.outputs[1].dtype or "float64")
            rows.append(row)
        st.markdown("**What differs, and why it matters**")
        st.markdown(markdown_table(rows))
        st.markdown(dims.correction_text(values))
        if any("overflow" in row["std matches"] for row in rows):
            st.caption("Overflow: a value, their sum or the sum of squared deviations is past the largest "
                       "number the dtype holds (float32 about 3.4e38, float64 about 1.8e308), so that "
                       "library's std is inf or NaN; the table shows what each one really returned.")
        st.info(
            "The notebook computed MLX's std by hand, `(sum((m.mean()-m)**2)/len(m))**0.5`, because it "
            "said MLX had no `std`. Current MLX has `mx.std(x, axis=..., ddof=...)` and `mx.var`; "
            "choose *ddof = 1* above to see it agree with PyTorch.",
            icon=":material/update:",
        )

# --- 2. one axis of a matrix, 3. N dimensions, 4. max with indices: below the fold, each run when opened ----
AXIS_DEFAULT = {"rows": 5, "cols": 4, "axis": 0}
AXIS_DIFFERS = (
    "**What differs.** MLX's `arange` gives **int32** where NumPy and PyTorch give int64. The mean "
    "of an integer array is **float64** in NumPy, **float32** in MLX, and an **error** in PyTorch, "
    "which asks for a floating dtype (choose *integer* above to see all three). `float64` works in "
    "MLX only on the CPU: its GPU has no float64 (on this machine: "
    + ", ".join(f"{b.label} runs on `{b.implicit_device()}`" for b in libs.values() if b.available)
    + "). PyTorch names the axis "
    "`dim`; `torch.max`/`torch.min` with a `dim` return values *and* indices, hence `.values`."
)
with lesson.section(
    "2 · Reducing one axis of a matrix", key="dimensions_axis_open",
    intro="Taking the mean of each column is \"taking the mean across the rows\": the axis you name is "
          "the one that **disappears**. `axis=0` collapses the rows (one value per column); `axis=1` "
          "collapses the columns (one value per row). Open this to pick the shape, the axis, the reduction "
          "and the dtype, and see the picture of what collapses.",
) as opened:
    if not opened:  # what it runs open, with its controls as they start
        record_panel(dims.axis_example(dims.REDUCTIONS[0], dims.DTYPES[0]), AXIS_DEFAULT, libs)
        lesson.note(AXIS_DIFFERS)
    else:
        c1, c2, c3, c4, c5 = st.columns(5)
        rows_n = c1.slider("Rows", 1, 8, AXIS_DEFAULT["rows"], key="dimensions_rows")
        cols_n = c2.slider("Columns", 1, 8, AXIS_DEFAULT["cols"], key="dimensions_cols")
        axis = c3.radio("Axis", [0, 1], key="dimensions_axis", horizontal=True)
        op = c4.selectbox("Reduction", dims.REDUCTIONS, key="dimensions_op")
        dtype = c5.selectbox("dtype", dims.DTYPES, key="dimensions_dtype",
                             format_func=lambda d: "integer (each library's default)" if d == "integer" else d)

        results = library_panel(dims.axis_example(op, dtype), {"rows": rows_n, "cols": cols_n, "axis": axis}, libs)
        ran = [(name, r) for name, r in results.items() if r.ok]
        if ran:
            name, ref = ran[0]
            matrix = libs[name].to_numpy(ref.value[0]).tolist()
            reduced = libs[name].to_numpy(ref.value[1]).tolist()
            cells, out = dims.collapse_records(matrix, reduced, axis)
            st.vega_lite_chart(spec=learn_charts.axis_collapse(cells, out, axis, rows_n, cols_n, op), width="content")
            st.caption(f"Picture drawn from {ref.label}'s output above.")
        story = dims.dtype_story(op, results)
        if story:
            st.caption(story)
        lesson.text(AXIS_DIFFERS)

ND_DEFAULT = (5, 64, 64, 3, 2, 2)
MATRIX_DEFAULT = "[[3, 9, 1, 4], [7, 2, 8, 5], [6, 0, 6, 2]]"


def notebook_shape():
    st.session_state["dimensions_nd"] = 4
    for i, size in enumerate((5, 256, 256, 3)):
        st.session_state[f"dimensions_size_{i}"] = size


with lesson.section(
    "3 · Any number of dimensions", key="dimensions_nd_open",
    intro="The rule is the same for an image batch of shape (batch, height, width, channels): reducing "
          "axis 0 averages over the batch, `axis=-1` over the channels. Pick a shape and an axis; each "
          "library reports the shape that is left.",
) as opened:
    if not opened:  # what it runs open, with its controls as they start
        record_panel(dims.ND_MEAN, {"shape": ND_DEFAULT[:4], "axis": 0, "keepdims": False}, libs)
    else:
        top = st.columns([2, 2, 1, 2])
        nd = top[0].slider("Number of dimensions", 1, dims.MAX_ND, 4, key="dimensions_nd")
        axis_options = [None, *range(nd), -1]
        if st.session_state.get("dimensions_nd_axis", 0) not in axis_options:
            st.session_state["dimensions_nd_axis"] = 0
        nd_axis = top[1].selectbox("Axis to reduce", axis_options, index=1, key="dimensions_nd_axis",
                                   format_func=lambda a: "None (every axis)" if a is None else str(a))
        keepdims = top[2].checkbox("keepdims", key="dimensions_keepdims",
                                   help="Keep the reduced axis with size 1, so the result still broadcasts "
                                        "against the input.")
        top[3].button("The notebook's (5, 256, 256, 3)", on_click=notebook_shape, key="dimensions_notebook_shape")
        size_cols = st.columns(dims.MAX_ND)
        shape = tuple(size_cols[i].slider(f"Size of axis {i}", 1, 512, ND_DEFAULT[i], key=f"dimensions_size_{i}")
                      for i in range(nd))
        try:
            dims.check_nd_size(shape, copies=sum(b.available for b in libs.values()))
        except (TooLarge, ValueError) as exc:
            st.error(str(exc))
        else:
            results = library_panel(dims.ND_MEAN, {"shape": shape, "axis": nd_axis, "keepdims": keepdims}, libs)
            expected = dims.reduced_shape(shape, nd_axis, keepdims)
            got = {r.label: dims.as_shape(r.value[1]) for r in results.values() if r.ok}
            agree = all(g == expected for g in got.values())
            (st.success if agree else st.warning)(
                f"Mean over {'every axis' if nd_axis is None else f'axis {nd_axis}'} of shape {shape} "
                f"{'with' if keepdims else 'without'} keepdims: expected {expected}; "
                + ", ".join(f"{k} {v}" for k, v in got.items())
                + (" — all agree." if agree else " — they differ."),
                icon=":material/check_circle:" if agree else ":material/warning:",
            )
            st.caption(
                "MLX answers without computing anything: it is lazy, and a shape is known before any value "
                "is (see *Lazy and asynchronous execution*). PyTorch prints shapes as `torch.Size([...])`, a "
                "tuple subclass."
            )

with lesson.section(
    "4 · The maximum and where it is", key="dimensions_max_open",
    intro="`torch.max` with a `dim` returns the values and their positions at once; NumPy and MLX ask for "
          "the positions separately, with `argmax`.",
) as opened:
    if not opened:
        record_panel(dims.MAX_WITH_INDEX, {"matrix": dims.parse_matrix(MATRIX_DEFAULT), "axis": 1}, libs)
    else:
        m1, m2 = st.columns([3, 1])
        mtext = m1.text_input("Matrix (a list of rows)", value=MATRIX_DEFAULT,
                              key="dimensions_matrix", help="Up to 64 numbers; every row the same length.")
        max_axis = m2.radio("Axis", [0, 1], index=1, key="dimensions_max_axis", horizontal=True)
        try:
            matrix = dims.parse_matrix(mtext)
        except ValueError as exc:
            st.error(f"Can't use that input: {plain(exc)}.")
        else:
            results = library_panel(dims.MAX_WITH_INDEX, {"matrix": matrix, "axis": max_axis}, libs)
            values, indices = numbers(results, 0), numbers(results, 1)
            if indices:
                first = next(iter(indices.values()))
                same = all(np.array_equal(i, first) for i in indices.values()) and all(
                    np.array_equal(v, next(iter(values.values()))) for v in values.values())
                st.markdown(
                    "**What differs.** `torch.max(t, dim=...)` returns a named tuple `(values, indices)`; "
                    "NumPy and MLX return only the values and ask for the position with `argmax`. "
                    + dims.index_dtypes(results)
                    + " Here the values and indices "
                    + ("**agree** in every library that ran." if same else "**differ** between libraries.")
                    + (" " + dims.ties_text(matrix, max_axis, indices)).rstrip()
                )

lesson.download_button("dimensions_notebook")
