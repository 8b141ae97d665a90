"""Learn 6: moving data between NumPy, PyTorch and MLX: every route, run live, copy or shared proved.

What the user typed, and any library's message, reaches Markdown only escaped (:func:`plain`) or in
a code span (:func:`code_span`): it is shown, never rendered. A library's message is cut at
:data:`MESSAGE` characters: whole enough to read, never a wall of text."""
import pandas as pd
import streamlit as st

from kernels.examples import conversions as conv
from kernels.examples.inputs import code_span, parse_values
from ui import lesson
from ui.panel import backends
from ui.safe import markdown_table, plain

st.title("Moving data between libraries")
lesson.begin("Moving data between libraries")
lesson.text(
    "Real projects mix the three: data loaded with NumPy, a model in PyTorch, a port to MLX. Every hop "
    "either **copies** the data (safe, but costs time and memory) or **shares** the same buffer (free, "
    "but a write through one library silently changes the other), and some hops change the **dtype** "
    "or do not work at all. Below, every route is run on this machine, and copy-or-shared is "
    "**proved by writing through one side and reading the other**."
)

libs = backends()
MESSAGE = 400  # characters of a library's message shown
left, right = st.columns([1, 2])
with left:
    dtype = st.selectbox("dtype of the source array", conv.DTYPES, key="conversions_dtype",
                         help="bfloat16 has no NumPy equivalent; float64 is where MLX quietly narrows.")
with right:
    text = st.text_input("Values of the source array (a Python list)", value="[0.1, 1, 2, 3]", key="conversions_values",
                         help="Up to 16 numbers, flat or nested, e.g. [[1, 2], [3, 4]].")

try:
    values = parse_values(text, limit=16)
except ValueError as exc:
    values = None
    st.error(f"Can't use that input: {code_span(str(exc))}", icon=":material/error:")


def yes_no(flag) -> str:
    return "—" if flag is None else ("yes" if flag else "no")


def line_of(r) -> str:
    """A route's conversion as a code span, with the dtype filled in: `torch.from_numpy(src)`."""
    return code_span(r.route.code.removeprefix("dst = ").replace("$dtype", r.dtype))


def listing(results) -> str:
    """Routes as ``code (From→To)``, comma-separated, or ``none``."""
    return ", ".join(f"{line_of(r)} ({libs[r.route.source].label}→{libs[r.route.target].label})"
                     for r in results) or "none"


def show_matrix(values, dtype: str, results) -> None:
    lesson.header("The matrix at a glance", level=3)
    st.caption(f"Rows: where the data starts; columns: where it ends up. Source dtype **{dtype}**, "
               f"values {code_span(str(values))}. Computed just now on this machine.")
    grid = conv.summary(results, libs)  # from -> to -> what happened, in the libraries' order
    ends = [b.label for b in libs.values()]
    st.markdown(markdown_table([{"from": source, **{t: row.get(t) or None for t in ends}}
                                for source, row in grid.items()]))

    lesson.header("Every route", level=3)
    st.caption(
        "**copy or shared** comes from two runs of each route: one writes a number into the source and "
        "reads the result, the other writes into the result and reads the source. *shared*: the other "
        "side changed; *copy*: a write landed and the other side did not change; *unproven*: no write "
        "could be made (the proof column says why). **result lives on**: the device the result's memory "
        "is on, read from the result itself; *(the GPU)* means NumPy cannot read it without a copy back."
    )
    table = pd.DataFrame(conv.table_rows(results, libs))
    st.dataframe(
        table, hide_index=True, width="stretch",
        column_config={
            "route": st.column_config.TextColumn("route (the line that ran)", width="medium"),
            "result lives on": st.column_config.TextColumn(width="small"),
            "proof (write through one side, read the other)": st.column_config.TextColumn(width="large"),
            "error or warning": st.column_config.TextColumn(width="large"),
        },
    )

    lesson.header("One route in full", level=3)
    labels = {f"{libs[r.route.source].label} → {libs[r.route.target].label}:  "
              f"{r.route.code.replace('$dtype', dtype)}": r for r in results}
    # A new dtype opens on a route that works in it (NumPy has no bfloat16 to start from); a route the
    # user picks stays picked, failing or not.
    if st.session_state.get("conversions_route_dtype") != dtype:
        st.session_state["conversions_route_dtype"] = dtype
        current = labels.get(st.session_state.get("conversions_route"))
        working = next((label for label, r in labels.items() if r.ok), None)
        if working is not None and (current is None or not current.ok):
            st.session_state["conversions_route"] = working
    choice = st.selectbox("Route", list(labels), key="conversions_route")
    res = labels[choice]
    code_col, out_col = st.columns(2, gap="medium")
    with code_col:
        st.markdown("**The cell that ran**")
        st.code(res.source, language="python")
        if res.ok:
            lesson.code(res.source)
        if res.route.note:
            st.caption(res.route.note)
    with out_col:
        st.markdown("**What it gave**")
        for change in res.source_changes:
            st.error(f"**The source is not what you typed:** {plain(change)}.", icon=":material/warning:")
        if res.status == "ok":
            st.code(res.output.text, language=None)
            st.caption(f"{res.output.facts()} · from {res.src_dtype}: dtype kept **{yes_no(res.dtype_kept)}**, "
                       f"shape kept **{yes_no(res.shape_kept)}**, values kept **{yes_no(res.values_kept)}**")
            if res.on_gpu:
                st.warning(f"**The result lands on {res.lives_on}.** NumPy cannot read it as it is: copy it back "
                           "with `.cpu()` first (see *A tensor on a GPU* below).", icon=":material/memory:")
            for w in res.warnings:
                st.warning(plain(w), icon=":material/warning:")
            st.markdown(f"**Copy or shared: {res.sharing}**")
            for probe in res.probes:
                st.code(probe.statement, language="python")
                st.caption(probe.describe())
        elif res.status == "missing":
            st.warning(plain(res.error, MESSAGE), icon=":material/block:")
        else:
            what = "Making the source array failed" if res.status == "no-source" else "The conversion failed"
            st.error(f"{what}: {code_span(res.error)}", icon=":material/error:")
    return results


def show_findings(results) -> None:
    lesson.header("What differs, and why it matters", level=3)
    changes = conv.all_source_changes(results)
    if changes:
        st.error("**The source array does not hold what you typed**: " + "; ".join(plain(c) for c in changes)
                 + ". Every route from that source starts from the wrong number, however well it works.",
                 icon=":material/warning:")
    ok = [r for r in results if r.ok]
    shared, copies = [r for r in ok if r.sharing == "shared"], [r for r in ok if r.sharing == "copy"]
    failed = [r for r in results if r.status == "error"]
    gpu = [r for r in ok if r.on_gpu]
    lines = [
        f"- **Shared here** ({len(shared)} routes): {listing(shared)}. Free, even for "
        "a huge array, but the two names are one buffer: an in-place update through either library "
        "(an optimiser step, `x += 1`, `x[i] = v`) changes what the other sees.",
        f"- **Copies here** ({len(copies)} routes): {listing(copies)}. Safe to mutate "
        "independently; each costs time and memory proportional to the array.",
        f"- **Fail here** ({len(failed)} of {len(results)} routes in {dtype}): {listing(failed)}. "
        "Each one's own error is in the table.",
    ]
    lines += [f"- **Could not start** ({len(group)} routes): {listing(group)}: {plain(why, MESSAGE)}."
              for why, group in conv.could_not_start(results, libs).items()]
    if gpu:
        lines.append(f"- **Land on the GPU here** ({len(gpu)} routes): "
                     + ", ".join(f"{line_of(r)} lands on {r.lives_on}" for r in gpu)
                     + ". NumPy cannot read a GPU tensor as it is: `.cpu()` copies it back first.")
    st.markdown("\n".join(lines))
    if dtype != "bfloat16" and "bfloat16" in matrices:
        bf = matrices["bfloat16"]
        numpy_label = libs["numpy"].label
        touching = [r for r in bf if "numpy" in (r.route.source, r.route.target)]
        others = [r for r in bf if "numpy" not in (r.route.source, r.route.target)]
        st.caption(
            f"Try **bfloat16**: here {sum(not r.ok for r in touching)} of the {len(touching)} routes into or out "
            f"of {numpy_label} fail in bfloat16, and {sum(r.ok for r in others)} of the {len(others)} others work."
        )


def show_dtype_surprises(rows) -> None:
    if not rows:
        st.success("Every route that works here keeps the dtype, in every dtype tried.")
        return
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    why = []
    if any("memoryview" in r["route"] and r["to"] == libs["torch"].label for r in rows):
        why.append("A `memoryview` handed to `torch.tensor` is read number by number as Python ints and floats, "
                   "so Torch applies its own defaults for them (int64 for ints, float32 for floats).")
    narrowed = sorted({r["route"] for r in rows if r["to"] == libs["mlx"].label and r["source dtype"] == "float64"})
    if narrowed:
        why.append("A float64 array going into MLX comes back float32: `mx.array` narrows float64 unless you ask "
                   "for it (and MLX's GPU has no float64 at all).")
    if why:
        st.caption(" ".join(why))


def show_mlx_write() -> None:
    st.markdown(
        "NumPy and PyTorch write into memory at once (`x[0] = v`). MLX is lazy: `m[0] = v` is recorded "
        "and runs at the next evaluation, and whether it reuses the old buffer is MLX's choice. So for "
        "the proofs above the page writes into MLX's memory directly, through `np.asarray(m)` (a NumPy "
        "view of MLX's buffer, itself shown to be shared in the table). This cell shows MLX's own write:"
    )
    source, value, error = conv.mlx_setitem_demo(libs)
    c1, c2 = st.columns(2, gap="medium")
    c1.code(source, language="python")
    with c2:
        if error:
            st.warning(f"Not run here: {plain(error, MESSAGE)}", icon=":material/block:")
            return
        before, view, m = value
        st.code(f"{before!r}\n{view!r}\n{m!r}", language=None)
        lesson.code(source)
        changed_before = int(before.flat[0]) == 100
        changed_after = int(view.flat[0]) == 100
        st.caption(
            f"Before `mx.eval` the buffer {'already' if changed_before else 'still'} held "
            f"{int(before.flat[0])}: the write had {'already' if changed_before else 'not yet'} happened. "
            + ("After it, the NumPy view shows 100: MLX ran the update in the same buffer, so a NumPy "
               "view of an MLX array can change when MLX next evaluates."
               if changed_after else
               "After it, the NumPy view still shows the old value: MLX wrote the update into a new buffer.")
        )


def side_by_side(cells: list[tuple[str, str, str]]) -> None:
    """(source, output, error) per column: the code, then what it returned or the error it raised."""
    for column, (source, output, error) in zip(st.columns(len(cells), gap="medium"), cells):
        with column:
            st.code(source, language="python")
            if error:
                st.error(code_span(error), icon=":material/error:")
            else:
                st.code(output, language=None)


def show_gpu() -> None:
    results = conv.gpu_to_host(libs)
    by_lib: dict[str, list] = {}
    for r in results:
        by_lib.setdefault(r.library, []).append(r)
    for name, case in conv.GPU_TO_HOST.items():
        b = libs.get(name)
        if b is None:
            continue
        st.markdown(f"**{b.label}**: {case.explain}")
        for r in by_lib.get(b.label, []):
            if not r.observable:
                if r.naive_source:
                    st.info(f"`{r.device}`: not observable on this machine ({r.why_not}). This is the code "
                            "that would show it:", icon=":material/visibility_off:")
                    st.code(r.naive_source, language="python")
                else:
                    st.info(f"Not observable here: {r.why_not}.", icon=":material/visibility_off:")
                continue
            side_by_side([(r.naive_source, r.naive_output, r.naive_error),
                          (r.fixed_source, r.fixed_output, r.fixed_error)])


def show_notebook(results, surprises) -> None:
    st.markdown('The notebook ends with: *"PyTorch supports the buffer protocol, but required an explicit '
                '`memoryview`."* Here is what that looks like today:')
    try:
        via_mv = conv.find(results, "torch", "mlx", "dst = mx.array(memoryview(src))")
        direct = conv.find(results, "torch", "mlx", "dst = mx.array(src)")
        back = conv.find(results, "mlx", "torch", "dst = torch.tensor(memoryview(src))")
    except KeyError:
        return
    torch_b = libs["torch"]
    if via_mv.status == "missing" or direct.status == "missing":
        st.info(f"Not checkable here: {plain(via_mv.error or direct.error, MESSAGE)}")
        return
    side_by_side([(r.source, r.output.text, "") if r.ok else (r.source, "", r.error or "did not run")
                  for r in (via_mv, direct)])
    if not via_mv.ok and direct.ok:
        st.markdown(
            f"**No longer true** with PyTorch {torch_b.version}: a tensor does not export the buffer protocol, "
            "so `memoryview(tensor)` raises, and `mx.array(tensor)` takes the tensor directly "
            f"(a {direct.sharing} here)."
        )
    elif via_mv.ok:
        st.markdown(f"With PyTorch {torch_b.version} the explicit `memoryview` route still works here.")
    if back.ok:
        keepers = [r for r in results if r.ok and r.dtype_kept
                   and (r.route.source, r.route.target) == ("mlx", "torch")]
        kept = ", ".join(line_of(r) for r in keepers)
        st.markdown(
            f"The other direction, the notebook's `torch.tensor(memoryview(mlx_array))`, works and gave "
            f"**{back.dst_dtype}** from {back.src_dtype} here (dtype kept: **{yes_no(back.dtype_kept)}**). "
            + (f"Routes from MLX to PyTorch that kept {dtype} here: {kept}." if kept else "")
        )
    changed = [f"{r['source dtype']} → **{r['result dtype']}**" for r in surprises
               if r["route"] == "dst = torch.tensor(memoryview(src))"]
    if changed:
        st.markdown("Across all dtypes, that memoryview route changed: " + ", ".join(changed)
                    + " (see the table of dtype changes above).")
    elif back.status != "missing":
        st.markdown(f"The other direction, `torch.tensor(memoryview(mlx_array))`, fails here in {dtype}: "
                    f"{code_span(back.error)}.")


@st.cache_data(show_spinner=False, max_entries=32)
def every_dtype(values, fingerprint: str, _libs) -> dict[str, list[conv.RouteResult]]:
    """Every route in every dtype (the surprises table needs them all): about 170 small cells, most of
    a second here. The results are plain text and flags, the same for the same values, libraries and
    routes (``fingerprint``), so they are kept for this server: a page revisited shows them at once."""
    return conv.run_all_dtypes(values, _libs)


if values is not None:
    fingerprint = repr([(n, b.available, b.version, b.default_device) for n, b in libs.items()]) + repr(conv.ROUTES)
    matrices = every_dtype(values, fingerprint, libs)
    surprises = conv.dtype_surprises(values, libs, matrices=matrices)
    matrix = show_matrix(values, dtype, matrices[dtype])
    show_findings(matrix)
    # Below the fold, each drawn when opened (a visit drew four more tables and panels).
    with lesson.section("Routes that change the dtype (every dtype, this machine)", key="conversions_dtypes_open",
                        intro="Some routes hand back another dtype than the one they were given: which, in "
                              "every dtype, on this machine.") as opened:
        if opened:
            show_dtype_surprises(surprises)
    with lesson.section("How a write into MLX is made", key="conversions_mlx_write_open",
                        intro="MLX is lazy, so a write into an MLX array is not a write into memory at once: "
                              "what `m[0] = v` does, and when.") as opened:
        if opened:
            show_mlx_write()
        else:  # the notebook has the cell either way
            source, _value, error = conv.mlx_setitem_demo(libs)
            if not error:
                lesson.code(source)
    with lesson.section("A tensor on a GPU", key="conversions_gpu_open",
                        intro="What a GPU tensor needs before NumPy can read it, in each library.") as opened:
        if opened:
            show_gpu()
    with lesson.section("Where the notebook differs", key="conversions_notebook_open",
                        intro="The notebook's `memoryview` route between PyTorch and MLX, as it runs today.") as opened:
        if opened:
            show_notebook(matrix, surprises)

lesson.download_button("conversions_notebook")
