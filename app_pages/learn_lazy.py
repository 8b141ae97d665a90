"""Learn 7: lazy (MLX) and asynchronous (PyTorch on a GPU) execution, and how naive timing lies."""
import inspect

import pandas as pd
import streamlit as st

from kernels import memory
from kernels.examples import lazy
from kernels.measure.timing import format_seconds
from ui import learn_charts, lesson
from ui import live as live_ui
from ui.nav import PAGES
from ui.panel import backends, kept_results, machine_gpus, result_columns

st.title("Lazy and asynchronous execution")
lesson.begin("Lazy and asynchronous execution")
lesson.text(
    "`c = a @ b` does not always mean *the product is ready*. MLX only **records** the operation and "
    "computes it when something needs the values; PyTorch on a GPU **queues** the kernel and returns "
    "at once. Both are what makes them fast, and both make a stopwatch around the call measure almost "
    "nothing. This page shows it on this machine."
)

libs = backends()


# --- where this runs ----------------------------------------------------------------------------
lesson.header("What this machine has", level=3)
machine_gpus(libs, found="Pick them below to see asynchronous execution.",
             none="Everything below runs on the CPU, where PyTorch (like NumPy) is **synchronous**: a call returns "
                  "when its result is ready, so its naive and synced timings agree. The asynchronous GPU effect "
                  "cannot be shown on this machine; MLX's laziness can, because it does not depend on the device.",
             missing="Its part of the demo is skipped.")

KEPT = "lazy_timed"  # (settings, results, when): the last timings, plain numbers and text

# --- controls -----------------------------------------------------------------------------------
lo, hi, step = lazy.SIZES
c1, c2 = st.columns(2)
with c1:
    n = st.slider("Matrix size n (n × n float32)", lo, hi, lazy.DEFAULT_SIZE, step, key="lazy_n",
                  help="Bigger matrices make the gap easier to see; the largest takes a few seconds on a slow CPU.")
with c2:
    repeats = st.slider("Timed repeats (the median is shown)", *lazy.REPEATS, lazy.DEFAULT_REPEATS, key="lazy_repeats")

available = {name: b for name, b in libs.items() if b.available}
devices: dict[str, str] = {}
dev_cols = st.columns(max(len(available), 1))
for col, (name, b) in zip(dev_cols, available.items()):
    with col:
        options = [d.name for d in b.available_devices]
        devices[name] = st.selectbox(f"{b.label} device", options, index=options.index(b.default_device)
                                     if b.default_device in options else 0, key=f"lazy_device_{name}")

try:
    lazy.check_size(n, libraries=max(len(available), 1))
except ValueError as exc:  # memory.TooLarge is a ValueError
    size_ok = False
    st.error(f"Can't run this size: {exc}", icon=":material/error:")
else:
    size_ok = True

# --- 1. MLX records a graph ---------------------------------------------------------------------
lesson.header("1 · MLX records a graph until something forces it", level=3)
if "mlx" not in available:
    st.info("MLX is not available here, so its laziness cannot be shown.", icon=":material/block:")
elif size_ok:
    force = st.radio("What comes after `c = a @ b`", list(lazy.FORCES), horizontal=True, key="lazy_force")
    fr = lazy.mlx_force_demo(libs, n, force)
    lesson.code(fr.source)
    code_col, out_col = st.columns(2, gap="medium")
    code_col.code(fr.source, language="python")
    with out_col:
        if fr.status != "ok":
            st.error(fr.error, icon=":material/error:")
        else:
            if fr.stdout:
                with lesson.details("What print(c) wrote", key="lazy_print_out") as opened:
                    if opened:
                        st.code(fr.stdout, language=None)
            st.code(f"({fr.after_call}, {fr.after_force}, {fr.nbytes})", language=None)
            st.markdown(
                f"- right after `c = a @ b`: **{memory.human_bytes(fr.after_call)}** allocated "
                f"({'the product exists' if fr.computed_by_call else 'nothing computed yet'})\n"
                f"- after `{lazy.FORCES[force].strip()}`: **{memory.human_bytes(fr.after_force)}** "
                f"(the product needs {memory.human_bytes(fr.nbytes)}: "
                f"{'it has been computed' if fr.computed_by_force else 'still not computed'})"
            )
            st.caption("MLX's own memory counter (`mx.get_active_memory()`) is the witness: a computed "
                       "n × n float32 product takes n·n·4 bytes, a recorded one takes none.")

# --- 2. timing with and without synchronisation -------------------------------------------------
# Below the fold and the costliest part of the page (a timing run per setting), run when opened.
with lesson.section(
    "2 · The same matmul, timed naively and synced", key="lazy_timing_open",
    intro=f"For each library the cell below defines `matmul()`. The harness times it {repeats} times each way "
          f"after {lazy.WARMUP} warm-up call: **naive** stops the clock when the call returns; **synced** first "
          "waits for the result with the library's own synchronisation (shown under each column).",
) as opened:
    if size_ok and not opened:  # the notebook gets each library's cell either way
        for name, b in available.items():
            lesson.code(lazy.matmul_source(b, n, devices[name]))
    elif size_ok:  # (a size that does not fit has its error above)
        # The timings of these settings are kept for this session (plain numbers and text, no arrays): a
        # page revisited shows them, with the time they were taken, instead of timing again on every visit.
        again = st.button("Time again", key="lazy_again", icon=":material/refresh:",
                          help="Each control change times anew; this times the same settings once more.")

        def time_each() -> dict[str, lazy.DemoResult]:
            with live_ui.turn("Lazy and asynchronous execution: the timing demo"), st.spinner("Timing…"):
                return {name: lazy.run_demo(b, n, devices.get(name), repeats=repeats) for name, b in libs.items()}

        results, when = kept_results(KEPT, (n, repeats, tuple(sorted(devices.items()))), time_each, now=again,
                                     auto=True)
        st.caption(f"Timed at {when} in this session, with the settings above.")

        def timings(res: lazy.DemoResult) -> None:
            b = libs[res.backend]
            lesson.note(f"**{b.label}** on `{res.device}`: `matmul()` is timed with and without synchronising")
            lesson.code(res.source)
            st.markdown(f"naive: **{format_seconds(res.naive.median)}** · "
                        f"synced: **{format_seconds(res.synced.median)}**")
            if res.verdict == "lies":
                st.warning(f"The naive number is {res.ratio:,.0f}× too small: it timed recording or queuing "
                           "the work, not doing it.", icon=":material/warning:")
            elif res.verdict == "agree":
                st.success("Naive and synced agree: the result was ready when the call returned.",
                           icon=":material/check_circle:")
            else:
                st.info(f"Naive and synced differ by {max(res.ratio, 1 / res.ratio):,.1f}×, more than timing "
                        f"noise should allow but less than the {lazy.LIES_FACTOR:g}× that deferred work gives: "
                        "the machine is probably busy. Press **Time again**.", icon=":material/help:")
            st.caption(f"ran on `{res.device}` ({res.device_kind}); result reports `{res.result_device}`. "
                       f"Expected here: {res.model}.")
            if b.caveat(res.device):  # why this build's numbers are what they are
                st.caption(b.caveat(res.device)[0].upper() + b.caveat(res.device)[1:] + ".")
            with lesson.details("Its synchronisation (the code that ran)",
                                key=f"lazy_sync_code_{res.backend}") as shown:
                if shown:
                    st.code(inspect.getsource(b.impl.synchronize), language="python")

        result_columns(results, libs, timings)

        ok = [r for r in results.values() if r.status == "ok"]
        if ok:
            st.dataframe(pd.DataFrame([{
                "library": r.label,
                "device": f"{r.device} ({r.device_kind})",
                "naive median": format_seconds(r.naive.median),
                "naive min–max": f"{format_seconds(r.naive.min)} – {format_seconds(r.naive.max)}",
                "synced median": format_seconds(r.synced.median),
                "synced min–max": f"{format_seconds(r.synced.min)} – {format_seconds(r.synced.max)}",
                "synced ÷ naive": f"{r.ratio:,.1f}×" if r.ratio else "—",
                "verdict": {"lies": "naive number lies", "agree": "agree",
                            "noisy": "unclear (busy machine?)"}[r.verdict],
                "repeats": r.synced.repeats,
                "n": n,
            } for r in ok]), hide_index=True, width="stretch")
            st.altair_chart(learn_charts.naive_vs_synced(
                [{"label": r.label, "naive": r.naive.median, "synced": r.synced.median} for r in ok]), width="stretch")
            st.caption("The gap between the two marks is what a stopwatch without synchronisation misses.")
        with lesson.details("The timing harness (the function that ran)", key="lazy_harness_code") as shown:
            if shown:
                st.code(inspect.getsource(lazy.compare), language="python")

# --- what the benchmarks do, what differs -------------------------------------------------------
lesson.header("What the Benchmarks page does about it", level=3)
lesson.text(
    "- **Warm-up** calls first, untimed: the first call pays for compiling kernels, allocating memory and "
    "spinning up threads.\n"
    "- **Synchronise every timed call**: each timing ends with the library's synchronisation "
    "(`mx.eval` for MLX, `torch.mps.synchronize()` / `torch.cuda.synchronize()` for PyTorch on a GPU), "
    "so the clock measures the work, not the queuing.\n"
    "- **Median and spread** of several repeats, not one number: one run can be slowed by anything else "
    "the machine does.\n"
    "- **A correctness check** of every result against a float64 NumPy reference: a fast wrong answer, or "
    "one that was never computed, does not count."
)
bench = [p for p in PAGES if p.section == "Measure" and "bench" in (p.url_path + p.path)]
if bench:
    st.page_link(bench[0].path, label=bench[0].title, icon=bench[0].icon)

lesson.header("What differs, and why it matters", level=3)
lesson.text(
    "- **NumPy** is eager: when a call returns, the work is done. Timing it naively is fine.\n"
    "- **PyTorch** is eager on the CPU, asynchronous on `mps` and `cuda`: the Python call returns once the "
    "kernel is queued. Reading a value (`.item()`, `.cpu()`, `print`) waits for it, so a slow step can "
    "show up in the wrong line of a profile.\n"
    "- **MLX** is lazy on every device: it builds a graph and runs it at `mx.eval`, printing, `np.array`, "
    "or `.item()`. That lets it fuse and skip work, but an un-evaluated graph grows until you evaluate it: "
    "call `mx.eval` once per training step.\n"
    "- For your own timings: warm up, synchronise inside the timed region, take the median of several "
    "runs, and check the answer."
)

lesson.download_button("lazy_notebook")
