"""Measure: time NumPy, PyTorch and MLX operations on every device found here, live, with the
results streaming into charts, a plain-words summary, the timing code, and downloads. The run
itself happens in kernels.measure.live (a worker thread); this page lays out controls and draws."""
import dataclasses
import inspect

import pandas as pd
import streamlit as st

from kernels import bench
from kernels.bench import ceilings, chips, report, roofline
from kernels.bench import compare as bench_compare
from kernels.bench.estimate import estimate
from kernels.bench.kind import KIND
from kernels.machine import machine_info
from kernels.measure import compare as kc
from kernels.measure.child import Job
from kernels.measure.live import LiveRun
from kernels.measure.words import about
from ui import bench_charts as charts
from ui import lesson
from ui import live as live_ui
from ui.panel import backends, column_header, missing_notice
from ui.safe import markdown_table, plain

LIVE = "benchmarks_live"  # the latest run (kernels.measure.live.LiveRun): kept in the session
CEILINGS = "benchmarks_ceilings"  # the latest measurement of this machine's ceilings: kept in the session
SIZES = [2**k for k in range(4, 14)]  # 16 … 8192
BUDGETS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0]
DEFAULT_OPS = ["matmul", "softmax", "layer_norm"]
DEFAULT_SIZES = (128, 1024)
DEFAULT_BUDGET = 0.2
# On a machine with few cores the browser's drawing competes with the timing. So after each row the
# run waits for this page to have drawn it, then for the machine to be quiet, at most PAUSE_S after
# an operation's first row (its charts are created) and ROW_PAUSE_S after the others.
PAUSE_S = live_ui.chart_pause_s()
ROW_PAUSE_S = live_ui.row_pause_s()
PAGE_COST_S = 0.08 + min(ROW_PAUSE_S, 0.3)  # per measurement: redrawing the page, then a quiet machine
SPREAD_WORDS = {"iqr": "IQR band", "minmax": "min – max band"}


def main() -> None:
    live: LiveRun | None = st.session_state.get(LIVE)
    ceiling_run: LiveRun | None = st.session_state.get(CEILINGS)
    # what is measured cannot change while it is measured (the benchmark or the ceilings)
    busy = any(run is not None and run.active for run in (live, ceiling_run))

    st.title("Benchmarks")
    st.markdown(
        "Is MLX faster **here**? Pick operations and sizes, press Run, and watch each library time the "
        "same inputs on every device this machine has, one measurement at a time. Every call is "
        "synchronised before the clock reads, repeated until the time budget is spent, and its answer "
        "is checked against a float64 NumPy reference. The same sweep runs headless with "
        "`python -m kernels.bench`, which writes the same result file this page downloads."
    )
    libs = backends()

    # --- settings ----------------------------------------------------------------------------------
    left, right = st.columns([3, 2], gap="large")
    with left:
        ops = st.multiselect("Operations", list(bench.OPS), default=DEFAULT_OPS, key="benchmarks_ops", disabled=busy,
                             format_func=lambda name: bench.OPS[name].title,
                             help="What size n means for each is listed under the controls.")
        low, high = st.select_slider("Sizes n: every power of two from … to …", SIZES, value=DEFAULT_SIZES,
                                     key="benchmarks_sizes", disabled=busy)
    with right:
        dtype = st.selectbox("dtype", bench.DTYPES, key="benchmarks_dtype", disabled=busy,
                             help="float32 is the common ground. NumPy has no bfloat16 and some devices lack "
                                  "float64 or float16: such combinations become 'unsupported' rows saying why.")
        budget = st.select_slider("Time budget per measurement", BUDGETS, value=DEFAULT_BUDGET, key="benchmarks_budget",
                                  disabled=busy,
                                  format_func=lambda s: f"{s:g} s",
                                  help="Timed repeats continue until this much time is spent (at least 3 samples, "
                                       "after 2 warm-up calls). More budget, steadier medians.")

    st.markdown("**Libraries and devices found here**")
    chosen: list[tuple[str, str]] = []
    for col, (name, b) in zip(st.columns(len(libs)), libs.items()):
        with col:
            if not b.available:
                st.markdown(f":gray[**{b.label}**] · not installed")
                st.caption(f"{b.error}. Install it with `{b.install}`")
                continue
            for d in b.devices:
                if d.available:
                    if st.checkbox(f"{b.label} · `{d.name}`", value=True, key=f"benchmarks_use_{name}_{d.name}", disabled=busy,
                                   help=f"{d.label}" + (f": {d.note}" if d.note else "")):
                        chosen.append((name, d.name))
                else:
                    st.caption(f":gray[{b.label} · `{d.name}` ({d.label})]: not here, {d.note}")

    sizes = [n for n in SIZES if low <= n <= high]
    settings = bench.Settings(budget_s=float(budget))
    tasks = [t for t in bench.plan(ops, sizes, libs, "auto", [dtype]) if (t.backend, t.device) in chosen]
    guess = estimate(tasks, libs, settings, known=live.rows if live else (), per_row_s=PAGE_COST_S)
    guess = dataclasses.replace(guess, seconds=guess.seconds + min(PAUSE_S, 1.5) * (1 + len(ops)))
    if ops:
        st.caption("Size n means: " + " · ".join(f"**{bench.OPS[o].title}**: {bench.OPS[o].size_means}" for o in ops))

    run_col, about_col = st.columns([1, 3], vertical_alignment="center")
    with run_col:
        clicked = st.button(f"Run · {guess.words()}" if tasks else "Run", type="primary", key="benchmarks_run",
                            icon=":material/play_arrow:", disabled=not tasks or busy, width="stretch")
    with about_col:
        if not tasks:
            st.caption("Pick at least one operation and one library/device to measure.")
        else:
            skipped = len(tasks) - guess.timed
            based = (f"scaled from your last run's timings for {guess.calibrated} of them"
                     if guess.calibrated else "from each operation's FLOPs and bytes at rates assumed for a slow CPU")
            st.caption(
                f"{len(tasks)} measurements: {len(ops)} operation{'s' * (len(ops) != 1)} × {len(sizes)} "
                f"size{'s' * (len(sizes) != 1)} × {len(chosen)} library/device pair{'s' * (len(chosen) != 1)}"
                + (f" ({skipped} unsupported here, not timed)" if skipped else "")
                + f". Time is an estimate, {based}, and the budget, warm-up and at least 3 samples per "
                  "measurement; it can be off several times on an unfamiliar machine.")
    ceiling_tasks = ceilings.plan(libs, "auto", [dtype], series=chosen)
    ceiling_guess = ceilings.estimate_seconds(ceiling_tasks, libs, ceilings.DEFAULT)
    ceil_col, ceil_about = st.columns([1, 3], vertical_alignment="center")
    with ceil_col:
        measure_ceilings = st.button(f"Measure this machine's ceilings · {about(ceiling_guess)}" if ceiling_tasks
                                     else "Measure this machine's ceilings", key="benchmarks_ceilings_run",
                                     icon=":material/roofing:", disabled=not ceiling_tasks or busy, width="stretch")
    with ceil_about:
        st.caption("How close to the hardware: the best GFLOP/s of a large matmul and the GB/s of a large element-wise "
                   f"add, per library · device in {dtype}, timed the same way. They give every result its roofline: "
                   "% of each ceiling, and whether memory or arithmetic bounds it. Kept for this session.")
    if tasks and guess.seconds > 60:
        st.warning(f"This run will take {guess.words()} (the slowest measurement, {guess.slowest[0]}, about "
                   f"{guess.slowest[1]:.0f} s). Stop keeps what has finished.", icon=":material/schedule:")

    tf32 = [b.label for b in libs.values() if b.available and b.precision().get("float32_matmul") == "tf32"]
    if tf32 and dtype == "float32":
        st.info(f"{' and '.join(tf32)} computes float32 matrix products in **TF32** on this GPU (about 10 bits of "
                "mantissa instead of 23): faster, but its float32 matmul, attention and convolution rows will miss "
                "the float32 tolerance and do not compare like for like with the others. For full float32, quit and "
                "start the app with `MLX_ENABLE_TF32=0 make run` (MLX reads the variable when it starts).",
                icon=":material/precision_manufacturing:")
    tf32_conv = [b.label for b in libs.values() if b.available and b.label not in tf32
                 and b.precision().get("float32_conv") == "tf32"]
    if tf32_conv and dtype == "float32" and "conv2d" in ops:
        st.info(f"{' and '.join(tf32_conv)} computes float32 **convolutions** in TF32 on this GPU (cuDNN's default, "
                "`torch.backends.cudnn.conv.fp32_precision = 'tf32'`): its float32 convolution rows will miss the "
                "float32 tolerance. Its matrix products stay in float32.", icon=":material/precision_manufacturing:")


    def pause(row) -> float:
        """At most how long the run waits after ``row`` for the machine to be quiet, the browser having
        drawn it (longest when an operation's charts first appear)."""
        first_of_op = row["status"] == "ok" and sum(r["op"] == row["op"] and r["status"] == "ok" for r in live.rows) == 1
        return PAUSE_S if first_of_op else ROW_PAUSE_S


    if clicked and tasks and not busy:
        live = LiveRun(kind=KIND.name, total=len(tasks), machine=machine_info(libs), settings=settings.as_dict(),
                       estimate_s=guess.seconds, groups=list(ops), page="Benchmarks",
                       series=[s for s in chosen if any((t.backend, t.device) == s for t in tasks)],
                       title=f"{', '.join(bench.OPS[o].title for o in ops)} · n = {low}–{high} · {dtype}")
        live_ui.start(LIVE, live, Job.of(bench.run, tasks, libs, settings), pause)
        busy = True

    if measure_ceilings and ceiling_tasks and not busy:
        config = ceilings.DEFAULT
        ceiling_run = LiveRun(kind="ceilings", total=len(ceiling_tasks), machine=machine_info(libs),
                              settings=ceilings.settings_of(config), estimate_s=ceiling_guess, page="Benchmarks",
                              noun="ceiling", series=list(dict.fromkeys((t.backend, t.device) for t in ceiling_tasks)),
                              title=f"This machine's ceilings · {dtype}")
        live_ui.start(CEILINGS, ceiling_run, Job.of(ceilings.run, ceiling_tasks, libs, config))


    def ceiling_rows() -> list[dict] | None:
        """The session's measured ceilings (None until some are measured)."""
        return list(ceiling_run.rows) if ceiling_run is not None and ceiling_run.rows else None


    # --- results ---------------------------------------------------------------------------------------
    def draw_op(op: str, slots, rows, chosen_baseline, spread, planned=()) -> None:
        baseline = report.resolve_baseline(rows, chosen_baseline)
        """The three charts of one operation; ``planned`` series keep their colours as rows arrive."""
        records = [r for r in report.chart_table(rows, baseline, spread) if r["op"] == op]
        time_slot, speed_slot, up_slot = slots
        if not records:
            mine = [r for r in rows if r["op"] == op]
            if mine:
                time_slot.info("Nothing timed: " + "; ".join(dict.fromkeys(r["message"] for r in mine if r["message"]))[:600],
                               icon=":material/remove:")
            return
        data = pd.DataFrame(records)
        domain = list(dict.fromkeys([report.series_label(s) for s in planned] + data["series"].tolist()))
        time_slot.altair_chart(charts.time_chart(data, spread=True, domain=domain), width="stretch")
        speed_slot.altair_chart(charts.throughput_chart(data, bench.OPS[op].unit, domain=domain), width="stretch")
        ups = data[data["speedup"].notna()]
        if ups.empty:
            up_slot.info(f"No {report.series_label(baseline)} timing at these sizes to compare with.",
                         icon=":material/remove:")
        else:
            up_slot.altair_chart(charts.speedup_chart(ups, report.series_label(baseline), domain=domain), width="stretch")


    def draw_table(slot, rows, chosen_baseline) -> None:
        baseline = report.resolve_baseline(rows, chosen_baseline)
        speed_col = f"× {report.series_label(baseline)}"
        percent = st.column_config.NumberColumn(format="%.1f%%")
        slot.dataframe(pd.DataFrame(report.table_rows(rows, baseline)), hide_index=True, width="stretch",
                       column_config={"throughput": st.column_config.NumberColumn(format="%.3g"),
                                      speed_col: st.column_config.NumberColumn(format="%.3g×"),
                                      "FLOP/byte": st.column_config.NumberColumn(format="%.3g"),
                                      "% of compute roof": percent, "% of memory roof": percent,
                                      "% of published peak": percent,
                                      "max abs error": st.column_config.NumberColumn(format="%.2e"),
                                      "tolerance": st.column_config.NumberColumn(format="%.2e")})


    def draw_roofline(slot, rows, machine, planned=()) -> None:
        """Every result on the roofline of its library · device, with the roofs once ceilings are measured."""
        points, lines = roofline.chart_data(rows, ceiling_rows(), machine)
        if not points and not lines:
            slot.info("Nothing with a FLOP count has been timed yet.", icon=":material/remove:")
            return
        domain = list(dict.fromkeys([report.series_label(s) for s in planned] + [p["series"] for p in points]
                                    + [line["series"] for line in lines]))
        slot.altair_chart(charts.roofline_chart(points, lines, domain=domain), width="stretch")


    def draw_summary(slot, rows, machine) -> None:
        with slot.container():
            for paragraph in report.summary(rows, machine):
                st.markdown(paragraph)


    def draw_downloads(slot, run: LiveRun) -> None:
        if not run.rows:
            return
        result = run.result_file()
        result.results = roofline.annotate(result.results, ceiling_rows(), run.machine)  # the roofline fields
        stamp = run.created[:16].replace(":", "-")
        with slot.container():
            a, b, _ = st.columns([1, 1, 2])
            a.download_button("Download JSON (result file)", result.to_json(), file_name=f"benchmarks-{stamp}.json",
                              mime="application/json", icon=":material/download:", key="benchmarks_download_json",
                              width="stretch")
            b.download_button("Download CSV", result.to_csv(), file_name=f"benchmarks-{stamp}.csv", mime="text/csv",
                              icon=":material/download:", key="benchmarks_download_csv", width="stretch")
            st.caption("The JSON is the engine's result file (machine, settings and every row): load it on the "
                       "Compare machines page. The CSV has the rows only.")


    if live is not None:
        st.header("Results", divider="gray")
        status_slot, stop_slot = st.empty(), st.empty()
        st.caption(f"Run: {live.title}" + (f" · measured from {live.started[11:23]} to {live.finished[11:23]} UTC"
                                             if live.started and live.finished else ""))

        series = list(dict.fromkeys(live.series + report.baselines(live.rows)))
        keys = [f"{b}/{d}" for b, d in series] or ["numpy/cpu"]
        o1, o2, _ = st.columns([2, 2, 3])
        with o1:  # display controls: changing them redraws, never stops the run
            default = keys.index("numpy/cpu") if "numpy/cpu" in keys else 0
            base_key = st.selectbox("Speedup over", keys, index=default, key="benchmarks_baseline",
                                    format_func=lambda k: report.series_label(tuple(k.split("/", 1))))
            baseline = tuple(base_key.split("/", 1))
        with o2:
            spread = st.radio("Spread of the repeats", list(SPREAD_WORDS), format_func=SPREAD_WORDS.get, horizontal=True,
                              key="benchmarks_spread", help="IQR: the middle half of the timed samples, drawn around the "
                                                       "median. Min – max: the fastest and slowest sample. A grey ring marks a "
                                                       "noisy point (IQR over 25% of the median, or under 3 samples): "
                                                       "no verdict uses it.")

        st.subheader("Summary")
        summary_slot = st.empty()
        op_slots = {}
        # While running, every chosen operation gets its place; once ended, only those measured.
        for op in dict.fromkeys((live.groups if live.active else []) + report.ordered_ops(live.rows)):
            op_def = bench.OPS[op]
            st.subheader(op_def.title)
            st.caption(f"n: {op_def.size_means}. Throughput in {op_def.unit}. {op_def.note}".strip())
            op_slots[op] = tuple(col.empty() for col in st.columns(3, gap="medium"))
        st.subheader("Roofline")
        st.caption("Each point is one result: the GFLOP/s it reached against its arithmetic intensity (FLOPs per byte "
                   "it must read and write). The roofs are this machine's measured ceilings for each library · device: "
                   "left of where the two lines meet memory bandwidth bounds an operation, right of it arithmetic does. "
                   "A point above the in-cache roof, or a GPU call faster than a launch, is a measurement error (a "
                   "cross), not a result."
                   + ("" if ceiling_rows() else " **No roofs yet:** press *Measure this machine's ceilings* above."))
        roof_slot = st.empty()
        st.subheader("Every measurement")
        st.caption("Every row, including the combinations that could not run here (`unsupported`, `refused` "
                   "for memory, `error`) with the reason, and the check against the float64 reference.")
        table_slot = st.empty()
        downloads_slot = st.empty()

        def draw() -> None:
            rows = roofline.annotate(live.rows, ceiling_rows(), live.machine)
            for op, slots in op_slots.items():
                draw_op(op, slots, rows, baseline, spread, live.series)
            draw_roofline(roof_slot, rows, live.machine, live.series)
            draw_table(table_slot, rows, baseline)
            draw_summary(summary_slot, rows, live.machine)

        live_ui.follow(live, draw, status_slot, stop_slot, "benchmarks_stop")
        draw_downloads(downloads_slot, live)

        st.subheader("The machine these results belong to")
        st.markdown("  \n".join(report.machine_lines(live.machine)))
        with st.expander("Settings of this run"):
            st.json(live.settings)

    # --- this machine's ceilings ----------------------------------------------------------------------------
    def draw_ceilings(slot) -> None:
        rows = list(ceiling_run.rows)
        if not rows:
            return
        table = [{"library · device": report.series_label((r["backend"], r["device"])), "dtype": r["dtype"],
                  "ceiling": r["ceiling"].replace("_", " "), "value": r["value"], "unit": r["unit"], "status": r["status"],
                  "measured with": f"{r['op']} n = {r['size']}" if r.get("size") else "",
                  "median": bench.format_seconds(r["median_s"]) if r.get("median_s") else "",
                  "sizes tried": r.get("sweep", ""), "note": r.get("message", "")} for r in rows]
        slot.dataframe(pd.DataFrame(table), hide_index=True, width="stretch",
                       column_config={"value": st.column_config.NumberColumn(format="%.3g")})


    if ceiling_run is not None:
        st.header("This machine's ceilings", divider="gray")
        ceiling_status, ceiling_stop = st.empty(), st.empty()
        ceiling_table = st.empty()
        live_ui.follow(ceiling_run, lambda: draw_ceilings(ceiling_table), ceiling_status, ceiling_stop,
                       "benchmarks_ceilings_stop")
        if ceiling_run.rows:
            result = ceiling_run.result_file()
            st.download_button("Download the ceilings (JSON)", result.to_json(), key="benchmarks_ceilings_download",
                               file_name=f"ceilings-{ceiling_run.created[:16].replace(':', '-')}.json",
                               mime="application/json", icon=":material/download:")
        st.caption("The same measurement headless: `python -m kernels.bench --ceilings --out ceilings.json`; with "
                   "`--ops … --sizes …` it also fills every benchmark row's roofline fields.")

    match = chips.detect(machine_info(libs))
    if match.known:
        with st.expander(f"Published figures for this chip: {match.message}"):
            st.dataframe(pd.DataFrame(chips.table(match.variants)), hide_index=True, width="stretch")

    # --- how we measure ----------------------------------------------------------------------------------
    st.header("How we measure", divider="gray")
    words = bench.method(settings, machine_info(libs))
    if PAUSE_S or ROW_PAUSE_S:
        words.append(f"This page on a machine with few cores: drawing the charts competes with the timing, so the run "
                     f"waits until each row is drawn, then until the machine is quiet (less than half a core busy) for "
                     f"at most {ROW_PAUSE_S:g} s ({PAUSE_S:g} s when an operation's charts first appear) before the next "
                     "measurement.")
    words.append("Measured in a process of its own, started for the run (the same engine as `python -m kernels.bench`): "
                 "this page's server only draws. One run at a time: a run started in another tab waits until this one "
                 "ends, and says so, so the two never time each other.")
    words.append(f"Ceilings (the roofs): the best GFLOP/s of the same matmul swept from n = {ceilings.DEFAULT.compute_sizes[0]} "
                 f"upwards until a call would take over {ceilings.DEFAULT.max_call_s:g} s, and the GB/s (bytes read + written) "
                 f"of the same element-wise add once its arrays fill {ceilings.DEFAULT.memory_bytes // 2**20} MiB (memory), and "
                 "at its best size (the caches); each point timed and checked like any row, within the memory guard. A result "
                 f"more than {roofline.ABOVE_ROOF:g}× above its roof even at its slow quartile, or a GPU call under "
                 f"{bench.format_seconds(roofline.GPU_LAUNCH_FLOOR_S)}, is reported as a measurement error.")
    st.markdown("\n".join(f"- {line}" for line in words))
    # The code below the words is drawn when opened: the timing function and three libraries' functions,
    # highlighted, cost the browser more than the rest of the page before a run.
    with lesson.details("The timing function and each operation's code, exactly as they ran",
                        key="benchmarks_code_open") as opened:
        if opened:
            st.markdown("**The timing function** (`kernels/measure/timing.py`), exactly as it ran:")
            st.code(inspect.getsource(bench.measure), language="python")

            shown_ops = ops or DEFAULT_OPS
            shown = st.selectbox("The operation's code", shown_ops, format_func=lambda n: bench.OPS[n].title, key="benchmarks_code_op")
            op_def = bench.OPS[shown]
            st.caption(f"{op_def.title}: {op_def.size_means}. Each function is called with that library's copy of the "
                       "inputs, already on the device; the runner wraps it as `fn` above.")
            for col, (name, b) in zip(st.columns(len(libs), gap="medium"), libs.items()):
                with col:
                    column_header(b)
                    if not b.available:
                        missing_notice(b)
                    elif name not in op_def.impls:
                        st.info(f"{op_def.title} has no {b.label} version. {op_def.note}".strip(), icon=":material/remove:")
                    else:
                        st.code(inspect.getsource(op_def.impls[name]), language="python")
                        if name in op_def.layouts and op_def.layouts[name].note:
                            st.caption(op_def.layouts[name].note)


def compare(rows) -> None:
    """Compare machines: one operation's time per call across machines, each file's roofline, and a
    like-for-like table at the largest size every file timed."""
    pairs = kc.choices(KIND, rows)
    if not pairs:
        st.info("The benchmark files loaded have no timed rows to compare.", icon=":material/remove:")
        return
    ops = report.ordered_ops([{"op": o} for o, _ in pairs])
    a, b, c = st.columns([3, 2, 2])
    with a:
        op = st.selectbox("Operation", ops, format_func=lambda o: plain(report.op_title(o), 60), key="compare_op")
    with b:
        dtypes = [d for o, d in pairs if o == op]
        dtype = st.selectbox("dtype", dtypes, key="compare_dtype")
    with c:
        spread = st.toggle("Show the spread (IQR band)", value=True, key="compare_spread")

    chosen = [r for r in rows if r["op"] == op and r["dtype"] == dtype]
    data = pd.DataFrame(report.chart_table(chosen, baseline=None, spread="iqr", extra={"machine": "machine"}))
    machines = data["machine"].nunique()
    op_def = bench.OPS.get(op)
    st.caption((f"n: {op_def.size_means}. " if op_def else "") + f"{machines} file{'s' * (machines != 1)}; colour is "
               "the file (machine), line style and point shape the library and device.")
    machine_names = list(dict.fromkeys(r["machine"] for r in rows))  # every file keeps its colour across operations
    st.vega_lite_chart(spec=charts.time_spec(data, color="machine", dash="series", spread=spread, domain=machine_names,
                                             extra_tooltip=["machine:N"],
                                             title="Time per call across machines (lower is faster)"),
                       width="stretch")

    rooflines(rows)

    size = bench_compare.largest_common_size(rows, op, dtype)
    if size is None:
        st.info("No size was timed in every file, so there is no like-for-like table; the chart still shows each.",
                icon=":material/remove:")
        return
    st.markdown(f"**At n = {size}**, the largest size every file timed:")
    keys = bench_compare.series_keys(rows, op, dtype, size)
    default = next((i for i, k in enumerate(keys) if k[1:] == ("numpy", "cpu")), 0)
    # The key names the labels too: a file renamed is a new choice, never a stale label kept on screen.
    picked = st.selectbox("Speedup over", range(len(keys)), index=default,
                          key=f"compare_baseline_{op}_{dtype}_{size}_{abs(hash(tuple(keys)))}",
                          format_func=lambda i: f"{keys[i][0]} — {report.series_label(keys[i][1:])}")
    table = [{k: v for k, v in r.items() if k != "median_s"}
             for r in bench_compare.compare_table(rows, op, dtype, size, keys[picked])]
    st.markdown(markdown_table(table, {"throughput": "{:.3g}", "speedup": "{:.3g}×"}))


def rooflines(rows) -> None:
    """Each file's roofline side by side: every operation it timed against the ceilings it recorded
    (``python -m kernels.bench … --ceilings``), so a Mac's file shows its roofline here too."""
    files: dict[str, list] = {}
    for r in rows:
        files.setdefault(r["machine"], []).append(r)
    roofed = {name: mine for name, mine in files.items()
              if any(r.get("compute_ceiling") or r.get("bandwidth_ceiling") for r in mine)}
    if not roofed:
        st.caption("Rooflines: none of these benchmark files records its machine's ceilings. Measure them with "
                   "`python -m kernels.bench --ops … --sizes … --ceilings`, or with *Measure this machine's ceilings* "
                   "on the Benchmarks page before downloading.")
        return
    st.markdown("**Rooflines, one per file**: each timed operation (all sizes) against that machine's measured roofs; "
                "left of where the lines meet memory bandwidth bounds it, right of it arithmetic.")
    names = list(roofed)
    across = min(2, len(names))  # side by side, two to a row; one file takes the width
    for start in range(0, len(names), across):
        for col, name in zip(st.columns(across, gap="medium"), names[start:start + across]):
            points, lines = roofline.chart_data(roofline.annotate(roofed[name]))
            col.vega_lite_chart(spec=charts.roofline_spec(points, lines, legend=True, title=f"Roofline · {name[:60]}"),
                                width="stretch")


if __name__ == "__main__":
    main()
