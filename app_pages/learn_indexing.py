"""Learn: indexing and updates — views, repeated indices, the dropped update, masks, refusals."""
import numpy as np
import pandas as pd
import streamlit as st

from kernels.examples import indexing as ix
from kernels.examples.inputs import and_list
from ui import lesson
from ui.panel import backends, library_panel, record_panel
from ui.safe import inline_code as code
from ui.safe import plain

st.title("Indexing and updates")
lesson.begin("Indexing and updates")
lesson.text(
    "Porting NumPy or PyTorch code to MLX rarely fails on the maths; it fails on a line that reads or "
    "writes part of an array. A slice you write through, an index that repeats, an update whose result "
    "is not kept, a boolean mask: each library answers differently, and several of the differences "
    "raise no error. Every output below was computed just now on this machine."
)

libs = backends()


def labels(names) -> str:
    return and_list([libs[n].label for n in names]) or "none"


# --- controls -------------------------------------------------------------------------------------
lo, hi = ix.SIZES
c1, c2 = st.columns(2)
with c1:
    n = st.slider("n: length of the array a = arange(n)", lo, hi, ix.DEFAULT_N, key="indexing_n")
with c2:
    start, stop = st.slider("The slice a[start:stop]", 0, hi, ix.DEFAULT_SLICE, key="indexing_slice",
                            help="stop is cut to n when it is larger.")
c3, c4 = st.columns(2)
with c3:
    text = st.text_input("Indices to add 1 at (repeats allowed)", value=ix.DEFAULT_INDICES, key="indexing_indices",
                         help=f"Up to {ix.MAX_INDICES} whole numbers from −n to n − 1, e.g. [0, 0, 2].")
with c4:
    t = st.slider("t: the mask's threshold (a > t)", -hi // 2, hi // 2, 0, key="indexing_t")

stop_used = min(stop, n)
try:
    indices = ix.parse_indices(text, n)
except ValueError as exc:
    indices = None
    st.error(f"Can't use those indices: {plain(exc)}.", icon=":material/error:")

# --- 1. slicing ---------------------------------------------------------------------------------
lesson.header("1 · A slice: a view, or a new array?", divider="gray")
if stop_used > start:
    if stop_used != stop:
        st.caption(f"stop is {stop}, more than n = {n}: the slice used is a[{start}:{stop_used}].")
    base = ix.params(n, start, stop_used, indices or [0])
    sliced = library_panel(ix.SLICE, base, libs)
    changed = ix.slice_changed(sliced)
    if changed:
        yes = [k for k, v in changed.items() if v]
        no = [k for k, v in changed.items() if not v]
        st.markdown(
            f"**Here:** writing {ix.SENTINEL} into `s` changed `a` in **{labels(yes)}**"
            + (f", and left `a` as it was in **{labels(no)}**." if no else ".")
        )
        if no:
            st.caption("An MLX slice is a new array: to change `a`, write into `a` itself "
                       f"(`a[{start}:{stop_used}] = ...`), which MLX does support.")
else:
    base = None
    st.error(f"Pick a slice with at least one element: a[{start}:{stop_used}] is empty.", icon=":material/error:")

# --- 2. repeated indices ---------------------------------------------------------------------------
if indices is not None:
    p = ix.params(n, 0, 1, indices) | {"t": t}
    twice = ix.repeated(indices, n)
    with lesson.section(
        "2 · Updates at repeated indices", key="indexing_repeated_open",
        intro=f"`a[idx] += 1` with idx = {code(str(indices), 80)} (the indices typed above): when an index "
              "repeats, does the position get 1 added once, or once per occurrence?",
    ) as opened:
        if not opened:
            record_panel(ix.REPEATED, p, libs)
        else:
            rep = library_panel(ix.REPEATED, p, libs)
            once, counts = ix.once(n, indices), ix.counts(n, indices)
            applied_once, accumulated = [], []
            for name, r in rep.items():
                if not r.ok:
                    continue
                got = [np.asarray(libs[name].to_numpy(v), dtype=float) for v in r.value]
                if np.array_equal(got[0], once):
                    applied_once.append(name)
                if all(np.array_equal(g, counts) for g in got[1:]):
                    accumulated.append(name)
            torch_rep = rep.get("torch")
            if torch_rep is not None and torch_rep.status == "error" and any(i < 0 for i in indices):
                st.markdown(f"**Here:** PyTorch refused the negative index: {code(torch_rep.error, 120)}. "
                            "`a[idx] += 1` takes −1 for the last position, but `index_add_` and `scatter_add_` take "
                            "only 0 … n − 1 (`index_put_((idx,), v, accumulate=True)` takes negatives). "
                            "NumPy and MLX count from the end.")
            if twice:
                st.markdown(
                    f"**Here:** position{'s' if len(twice) > 1 else ''} {', '.join(map(str, twice))} "
                    f"{'are' if len(twice) > 1 else 'is'} named more than once. `a[idx] += 1` added 1 once in "
                    f"**{labels(applied_once)}**; `np.add.at`, `index_add_`, `scatter_add_` and `.at[idx].add` "
                    f"counted every occurrence in **{labels(accumulated)}** (most at one position: "
                    f"{int(counts.max())})."
                )
            else:
                st.markdown("**Here:** no index repeats, so both kinds of update agree. Type a repeated index, "
                            "e.g. [0, 0, 2], to see them part.")

    # --- 3. the dropped update, 4. masks, 5. index arrays, 6. refusals: below the fold, each run when opened --
    with lesson.section(
        "3 · The update that silently did nothing", key="indexing_dropped_open",
        intro="MLX arrays are never changed by `.at[idx].add(v)`: it returns a new array, as PyTorch's "
              "`index_add` without the trailing underscore does. Leave out the `x = ` and the work is lost.",
    ) as opened:
        if not opened:
            record_panel(ix.FORGOTTEN, p, libs)
        else:
            dropped = library_panel(ix.FORGOTTEN, p, libs)
            lost = [name for name, r in dropped.items()
                    if r.ok and name != "numpy" and not np.any(libs[name].to_numpy(r.value[0]))]
            if lost:
                st.markdown(f"**Here:** `forgot` is still all zeros in **{labels(lost)}**, with no error and no "
                            "warning; `kept` holds the counts. NumPy's `np.add.at` works in place and returns "
                            "`None`, so there is nothing to drop.")

pm = ix.params(n, 0, 1, [0]) | {"t": t}
with lesson.section(
    "4 · Boolean masks", key="indexing_masks_open",
    intro=f"`a[a > {t}]`: NumPy and PyTorch select the elements a mask picks; MLX cannot, and what to write instead.",
) as opened:
    if not opened:
        record_panel(ix.MASK_SELECT, pm, libs)
        record_panel(ix.MASK_INSTEAD, pm, libs)
    else:
        selected = library_panel(ix.MASK_SELECT, pm, libs)
        ran = [name for name, r in selected.items() if r.ok]
        refused = {name: r.error for name, r in selected.items() if r.status == "error"}
        if ran or refused:
            sizes = {name: len(libs[name].to_numpy(selected[name].value)) for name in ran}
            line = (f"**Here:** {labels(ran)} returned {', '.join(str(v) for v in dict.fromkeys(sizes.values()))} "
                    f"element(s) greater than {t}" if ran else "**Here:** no library selected")
            if refused:
                line += "; " + "; ".join(f"**{libs[k].label}** refused: {code(v, 120)}" for k, v in refused.items())
            st.markdown(line + ".")
        st.caption("MLX builds its graph before it computes, so every shape must be known from shapes alone; "
                   "a[a > t] has a shape only the values decide.")
        library_panel(ix.MASK_INSTEAD, pm, libs)

# --- 5. fancy indexing, 6. refusals: below the fold, each run when opened -----------------------------------
with lesson.section("5 · Index arrays", key="indexing_fancy") as opened:
    if not opened:
        record_panel(ix.FANCY, pm, libs)
    else:
        fancy = library_panel(ix.FANCY, pm, libs)
        untouched = [name for name, r in fancy.items() if r.ok and r.value[2] == 1]
        if untouched:
            st.markdown(f"**Here:** writing −1 into `block` left `m[0, 1]` at 1 in **{labels(untouched)}**: "
                        "indexing with arrays gives a copy.")

with lesson.section("6 · What each library refuses", key="indexing_refusals") as opened:
    if not opened:
        record_panel(ix.REFUSALS, pm, libs)
    else:
        refusals = library_panel(ix.REFUSALS, pm, libs)
        lines = {libs[name].label: ix.refusal_lines(r) for name, r in refusals.items() if r.ok}
        if lines:
            exprs = list(dict.fromkeys(e for per in lines.values() for e in per))
            table = pd.DataFrame([{"expression": e, **{lib: per.get(e, "—") for lib, per in lines.items()}}
                                  for e in exprs])
            st.dataframe(table, hide_index=True, width="stretch")
            for e in exprs:
                said = {lib: per.get(e, "") for lib, per in lines.items()}
                no = [lib for lib, out in said.items() if ix.refused(out)]
                if no and len(no) < len(said):
                    st.caption(f"`{e}`: refused by {and_list(no)}; "
                               f"{and_list([lib for lib in said if lib not in no])} gave a value.")

# --- what differs -------------------------------------------------------------------------------------------
lesson.header("What differs, and why it matters", divider="gray")
lesson.text(
    """
- **Slices.** NumPy and PyTorch slices are views: writing into one writes into the original, and
  code relies on that (filling a buffer row by row). In MLX a slice is a new array; write into the
  original (`a[i:j] = v`) instead of into a slice of it.
- **`a[idx] += v` with repeated indices** counts each position once in all three. To accumulate,
  NumPy has `np.add.at`, PyTorch `index_add_` / `scatter_add_` (or `index_put_(…, accumulate=True)`),
  MLX `a.at[idx].add(v)`.
- **Negative indices** count from the end in `a[idx] += v`, `np.add.at` and MLX's `.at[idx].add`;
  PyTorch's `index_add_` and `scatter_add_` refuse them (`index_put_(…, accumulate=True)` takes them).
- **MLX's `.at[...]` returns a new array.** `a.at[idx].add(v)` on its own line does nothing at all;
  write `a = a.at[idx].add(v)`. PyTorch's out-of-place `index_add` (no underscore) has the same trap.
- **Boolean masks** select in NumPy and PyTorch. MLX takes a mask only for assignment
  (`a[a < 0] = 0`); to select, keep the shape with `mx.where(mask, a, 0)`, count with `mask.sum()`,
  or do the selection in NumPy.
- **Bounds.** NumPy and PyTorch raise `IndexError` for an index past the end. MLX does not check
  (its kernels run on the GPU, where an exception cannot come back): the result is undefined, so
  check indices yourself. PyTorch refuses a negative step (`a[::-1]`): use `torch.flip`.
"""
)

lesson.header("Where the documentation describes it", level=3)
lesson.text(
    """
- NumPy: [Indexing on ndarrays](https://numpy.org/doc/stable/user/basics.indexing.html) (basic
  slicing gives views, advanced indexing copies) ·
  [Copies and views](https://numpy.org/doc/stable/user/basics.copies.html) ·
  [`numpy.ufunc.at`](https://numpy.org/doc/stable/reference/generated/numpy.ufunc.at.html)
  (unbuffered: "`a[[0,0]] += 1` will only increment the first element once")
- PyTorch: [Tensor Views](https://docs.pytorch.org/docs/stable/tensor_view.html) ·
  [`Tensor.index_add_`](https://docs.pytorch.org/docs/stable/generated/torch.Tensor.index_add_.html) ·
  [`Tensor.index_put_`](https://docs.pytorch.org/docs/stable/generated/torch.Tensor.index_put_.html)
  (duplicates without `accumulate` are undefined)
- MLX: [Indexing Arrays](https://ml-explore.github.io/mlx/build/html/usage/indexing.html) (no bounds
  checking; boolean masks for assignment only) ·
  [`array.at`](https://ml-explore.github.io/mlx/build/html/python/_autosummary/mlx.core.array.at.html)
  ("`x[idx] += y` … ignores all but one update")
"""
)

lesson.download_button("indexing_notebook")
