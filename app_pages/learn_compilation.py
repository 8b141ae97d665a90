"""Learn: compilation — mx.compile and torch.compile on one small function, measured; what breaks tracing."""
import inspect

import pandas as pd
import streamlit as st

from kernels import cells
from kernels.examples import compilation as cp
from kernels.examples.inputs import and_list
from kernels.measure.timing import format_seconds
from ui import lesson
from ui import live as live_ui
from ui.panel import backends, kept_results, library_panel, result_columns
from ui.safe import inline_code as code
from ui.safe import plain

st.title("Compilation")
lesson.begin("Compilation")
lesson.text(
    "Both MLX and PyTorch can trace a Python function once and run a compiled version of it afterwards: "
    "`mx.compile(f)` and `torch.compile(f)`. The first call pays for tracing and code generation; later "
    "calls can be faster, because element-wise operations are fused into one kernel instead of one "
    "pass over memory each. The two compilers also disagree about what a Python function may do. "
    "Everything below is measured on this machine."
)

libs = backends()
gpus = cells.gpu_devices(libs)


def labels(names) -> str:
    return and_list([libs[n].label for n in names]) or "none"


class NotKept(Exception):
    """Carries a failed measurement out of the cache, so that a failure is not remembered."""

    def __init__(self, result: cp.CompileResult):
        super().__init__(result.error)
        self.result = result


KEPT = "compilation_timed"  # (settings, results) of the last "Compile and time": plain numbers, no arrays


@st.cache_data(show_spinner=False, max_entries=32)
def _kept_torch_measurement(function: str, rows: int, device: str) -> cp.CompileResult:
    res = cp.time_compile(backends()["torch"], function, rows, device)
    if res.status != "ok":
        raise NotKept(res)
    return res


def torch_measurement(function: str, rows: int, device: str) -> cp.CompileResult:
    """torch.compile's first call costs seconds here (Dynamo traces, Inductor writes and builds code),
    so a measurement that worked, plain numbers and text only, is kept for this server process."""
    try:
        return _kept_torch_measurement(function, rows, device)
    except NotKept as failed:
        return failed.result


# --- 1. the same function, compiled -----------------------------------------------------------------
lesson.header("1 · The same function, compiled", divider="gray")
c1, c2 = st.columns(2)
with c1:
    function = st.radio("Function", list(cp.FUNCTIONS), format_func=lambda k: cp.FUNCTIONS[k]["title"],
                        key="compilation_function", horizontal=True)
with c2:
    rows = st.select_slider("Input rows (× 1024 float32)", options=[16, 64, 256, 1024, 4096],
                            value=cp.DEFAULT_ROWS, key="compilation_rows")
torch_b = libs["torch"]
run_torch = st.toggle(
    "Run torch.compile too (its first call takes seconds here)", value=False, key="compilation_torch",
    disabled=not torch_b.available,
    help="Inductor, torch.compile's default backend, writes and compiles C++ for the CPU (Triton for NVIDIA "
         "GPUs, Metal for mps) on the first call. Once measured, the result is kept for this server.",
)

try:
    cp.check_size(rows)
except ValueError as exc:
    st.error(f"Can't run this size: {plain(exc, 300)}", icon=":material/error:")
else:
    # Compiling costs seconds (mx.compile builds C++ on this CPU build; Inductor too), so it runs when
    # asked, not on every visit; the last results, plain numbers and text, stay for these settings.
    pressed = st.button("Compile and time", key="compilation_run", type="primary", icon=":material/timer:",
                        help="Runs each column's cell: the compiled function's first call, then both timed.")

    def cell(name: str, b, run: bool) -> cp.CompileResult:
        device = gpus.get(name)
        cannot = cp.torch_cannot_compile(b.device(device).kind) if name == "torch" and b.available else ""
        if name == "torch" and b.available and run and not cannot and run_torch:
            return torch_measurement(function, rows, device)
        return cp.time_compile(b, function, rows, device, cannot=cannot, run=run and name != "torch")

    def compile_each() -> dict[str, cp.CompileResult]:
        with live_ui.turn("Compilation: timing compiled and plain calls"), st.spinner("Compiling and timing…"):
            return {name: cell(name, b, run=True) for name, b in libs.items()}

    found = kept_results(KEPT, (function, rows, run_torch), compile_each, now=pressed, auto=False)
    # Until pressed, the cells are shown and nothing runs.
    results = found[0] if found else {name: cell(name, b, run=False) for name, b in libs.items()}

    def timings(res: cp.CompileResult) -> None:
        if res.status == "ok":  # into the notebook: the cells that ran
            lesson.note(f"**{res.label}**")
            lesson.code(res.source)
        if res.status == "skipped":
            if res.backend == "torch" and not run_torch:
                st.info("Not run: switch on **Run torch.compile too** above. This cell has not been compiled, "
                        "so no time is shown for it.", icon=":material/pause_circle:")
            else:
                st.info("Not run yet: press **Compile and time** above (the first compile takes seconds "
                        "here).", icon=":material/pause_circle:")
            return
        if res.status == "cannot":
            st.warning(f"torch.compile cannot run here: {res.error}.", icon=":material/block:")
            return
        if res.first_call_s is not None:
            st.markdown(f"first call of `compiled()`: **{format_seconds(res.first_call_s)}**")
        st.markdown(f"`plain()`: **{format_seconds(res.plain.median)}** (IQR {format_seconds(res.plain.iqr)})")
        if res.compiled is not None:
            st.markdown(f"`compiled()`: **{format_seconds(res.compiled.median)}** "
                        f"(IQR {format_seconds(res.compiled.iqr)})")
            if res.speedup:
                st.caption(f"plain ÷ compiled: {res.speedup:,.2f}× · largest difference from plain(): "
                           f"{res.max_abs_diff:.1e}")
        else:
            st.caption("NumPy has no compiler: its plain time is the reference.")
        for note in res.notes:
            st.caption(note + ".")
        if res.backend == "torch":
            st.caption(f"measured at {res.measured_at} in this server process")

    result_columns(results, libs, timings)

    ran = {n: r for n, r in results.items() if r.status == "ok" and r.compiled is not None}
    if ran:
        table = pd.DataFrame([{
            "library": r.label, "device": f"{r.device} ({r.device_kind})",
            "first call": format_seconds(r.first_call_s), "plain median": format_seconds(r.plain.median),
            "compiled median": format_seconds(r.compiled.median), "speed-up": f"{r.speedup:,.2f}×",
            "calls to repay the first": (
                f"{max(0, r.first_call_s - r.compiled.median) / (r.plain.median - r.compiled.median):,.0f}"
                if r.plain.median > r.compiled.median else "never"),
        } for r in ran.values()])
        st.dataframe(table, hide_index=True, width="stretch")
        faster = [n for n, r in ran.items() if r.speedup and r.speedup > 1.1]
        slower = [n for n, r in ran.items() if r.speedup and r.speedup < 0.9]
        even = [n for n in ran if n not in faster and n not in slower]
        verdicts = ([f"faster in **{labels(faster)}**"] if faster else []) \
            + ([f"slower in **{labels(slower)}**"] if slower else []) \
            + ([f"about as fast (within 10%) in **{labels(even)}**"] if even else [])
        st.markdown(
            f"**Here:** with {rows} × {cp.COLS} inputs, the compiled {cp.FUNCTIONS[function]['title']} was "
            + "; ".join(verdicts) + ". The first call cost "
            + ", ".join(f"{format_seconds(r.first_call_s)} in {r.label}" for r in ran.values())
            + ": compiling pays only for a function called many times, and only where it makes calls faster."
        )
        if "mlx" in slower + even and results["mlx"].device_kind == "cpu":
            st.caption("On MLX's Linux CPU build the compiled kernels are C++ built at run time; on a Mac "
                       "mx.compile fuses into Metal kernels on the GPU, where fusing saves memory traffic.")
    if results.get("torch") is not None and results["torch"].status == "skipped":
        st.caption("PyTorch's column runs only when asked: its first compile here can take tens of seconds "
                   "(once per server; later runs reuse Inductor's caches).")
    name, path = cp.inductor_compiler()
    st.caption(f"C++ compiler Inductor looks for on the CPU: `{name}` → "
               + (f"`{path}`" if path else "not found") + ".")
    with st.expander("The timing harness (the function that ran)"):
        st.code(inspect.getsource(cp.time_compile), language="python")

# --- 2. what breaks tracing ------------------------------------------------------------------------------
# Each cell below runs Dynamo's tracer (about a second in all here): the section runs when opened.
with lesson.section(
    "2 · What breaks tracing: side effects, new shapes, print, captured arrays", key="compilation_breaks",
    intro="A compiler runs your Python once to see what it does. Whatever the trace cannot see, or sees only "
          "once, behaves differently from plain Python. The four examples in this section run in about a "
          "second: their PyTorch cells give `torch.compile` a backend that just counts the graphs Dynamo (its "
          "tracer) hands over, and tracing, guards and recompiling are Dynamo's, whatever backend builds the "
          "code. NumPy has no compiler.",
) as opened:
    if not opened:  # running them to fill the notebook would cost the second this section saves
        lesson.note("*This section's four examples run only when it is opened on the page: open it before "
                    "downloading to have them here, as they ran.*")
    else:
        c3, c4 = st.columns(2)
        with c3:
            calls = st.slider("Calls of the compiled function", *cp.CALLS, cp.DEFAULT_CALLS, key="compilation_calls")
        with c4:
            sizes_text = st.text_input("Input lengths, one call each", value=cp.DEFAULT_SIZES, key="compilation_sizes",
                                       help=f"Up to {cp.MAX_SIZES} whole numbers from 1 to 4096, e.g. 4, 4, 8, 16.")
        try:
            sizes = cp.parse_sizes(sizes_text)
        except ValueError as exc:
            sizes = None
            st.error(f"Can't use those lengths: {plain(exc)}.", icon=":material/error:")

        bp = cp.breaks_params(calls, sizes or [4])
        side = library_panel(cp.SIDE_EFFECT, bp, libs)
        torch_side, mlx_side = side.get("torch"), side.get("mlx")
        if torch_side is not None and torch_side.ok and mlx_side is not None and mlx_side.ok:
            appended, compiled = torch_side.value
            st.markdown(f"**Here:** after {calls} call{'s' if calls != 1 else ''}, "
                        f"the list holds {appended} item(s) in "
                        f"PyTorch, which compiled {compiled} time(s), and {mlx_side.value} in MLX, which traced once.")

        if sizes is not None:
            shapes = library_panel(cp.SHAPES, bp, libs)
            ts, ms = shapes.get("torch"), shapes.get("mlx")
            parts = []
            if ts is not None and ts.ok:
                parts.append(f"PyTorch compiled {ts.value} time(s)")
            if ms is not None and ms.ok:
                parts.append(f"MLX traced {ms.value[0]} time(s), or {ms.value[1]} with shapeless=True")
            if parts:
                st.markdown(f"**Here:** for {len(sizes)} calls with "
                            f"{len(cp.distinct_in_order(sizes))} different length(s), "
                            + "; ".join(parts) + ".")

        printed = library_panel(cp.PRINT, bp, libs)
        tp, mp = printed.get("torch"), printed.get("mlx")
        if tp is not None and mp is not None and (tp.ok or mp.ok):
            st.markdown("**Here:** "
                        + (f"PyTorch printed the real values and ran the function as "
                           f"{len(tp.namespace['graphs'])} graphs; "
                           if tp.ok else f"PyTorch failed: {code(tp.error, 160)}; ")
                        + ("MLX printed too." if mp.ok else f"MLX refused: {code(mp.error, 160)}"))

        captured = library_panel(cp.CAPTURED, bp, libs)
        seen = {n: [float(libs[n].to_numpy(v)[0]) for v in r.value] for n, r in captured.items() if r.ok}
        if seen:
            st.markdown("**Here:** after `scale` changed from 2 to 10, "
                        + "; ".join(f"{libs[n].label} returned {after:g}" for n, (_before, after) in seen.items())
                        + ".")

# --- what differs -----------------------------------------------------------------------------------------
lesson.header("What differs, and why it matters", divider="gray")
lesson.text(
    """
- **Cost of the first call.** Both compile on the first call. `mx.compile` traces and fuses
  element-wise work (on a Mac it generates Metal kernels; the Linux CPU build compiles C++ with the
  system compiler). `torch.compile` runs Dynamo, then Inductor, which writes and builds C++ for the
  CPU: the first call can take many seconds, and caches (in memory, and on disk under
  `/tmp/torchinductor_<user>`) make later first calls cheaper.
- **Python side effects** run on every call in PyTorch (Dynamo keeps Python's meaning, and recompiles
  when what it guards on changes) but only while tracing in MLX. Keep compiled functions pure: arrays
  in, arrays out.
- **New shapes** recompile in MLX each time (or use `shapeless=True` where the function allows it);
  PyTorch recompiles once with a symbolic size and reuses that. Both stop paying once shapes settle.
- **Debugging:** a `print` inside is a graph break in PyTorch (it works, slower) and an error in MLX
  (disable compilation with `mx.disable_compile()` to look inside).
- **Captured arrays** are frozen constants in MLX; pass them as arguments (or `inputs=` / `outputs=`
  to `mx.compile`). PyTorch guards on them and recompiles when they change.
- **Where it cannot run:** `torch.compile` needs a C++ compiler for the CPU (Xcode's command line tools
  on a Mac); this page says so in PyTorch's column instead of claiming a time.
"""
)

lesson.header("Where the documentation describes it", level=3)
lesson.text(
    """
- MLX: [Compilation](https://ml-explore.github.io/mlx/build/html/usage/compile.html) (first call
  builds and caches; recompiling on shape, type or input changes; placeholders you cannot print; pure
  functions; captured inputs are constants; shapeless compilation) ·
  [`mlx.core.compile`](https://ml-explore.github.io/mlx/build/html/python/_autosummary/mlx.core.compile.html)
- PyTorch: [`torch.compile`](https://docs.pytorch.org/docs/stable/generated/torch.compile.html)
  (guard failures, `recompile_limit` of 8, then eager) ·
  [Dealing with Recompilations](https://docs.pytorch.org/docs/stable/compile/programming_model.recompilation.html)
  (`dynamic=None` tries dynamic shapes after the first compilation) ·
  [Dynamo Core Concepts](https://docs.pytorch.org/docs/stable/compile/programming_model.dynamo_core_concepts.html)
  (graph breaks) ·
  [Compile Time Caching Configuration](https://docs.pytorch.org/tutorials/recipes/torch_compile_caching_configuration_tutorial.html)
  (Inductor's on-disk caches)
"""
)

lesson.download_button("compilation_notebook")
