"""Measure: time NumPy, PyTorch and MLX operations on every device found here, live, with the
results streaming into charts, a plain-words summary, the timing code, and downloads. The run
itself happens in kernels.measure.live (a worker thread); this page lays out controls and draws."""
import dataclasses
import inspect
import os

import pandas as pd
import streamlit as st

from kernels import bench
from kernels.bench import report
from kernels.bench.estimate import estimate
from kernels.machine import machine_info
from kernels.measure.live import LiveRun
from ui import bench_charts as charts
from ui import live as live_ui
from ui.panel import backends, column_header, missing_notice

LIVE = "benchmarks_live"  # the latest run (kernels.measure.live.LiveRun): kept in the session
SIZES = [2**k for k in range(4, 14)]  # 16 … 8192
BUDGETS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0]
DEFAULT_OPS = ["matmul", "softmax", "layer_norm"]
DEFAULT_SIZES = (128, 1024)
DEFAULT_BUDGET = 0.2
# On a machine with few cores the browser's drawing competes with the timing. So the run pauses
# while the browser draws: longest after an operation's first row (its charts are created),
# briefly after every other row. The run also waits for this page to have drawn each row.
FEW_CORES = (os.cpu_count() or 1) <= 4
PAUSE_S = float(os.environ.get("BENCH_PAGE_PAUSE_S", 0.6 if FEW_CORES else 0.0))
ROW_PAUSE_S = float(os.environ.get("BENCH_PAGE_ROW_PAUSE_S", 0.15 if FEW_CORES else 0.0))
PAGE_COST_S = 0.08 + ROW_PAUSE_S  # per measurement: redrawing the charts, the table and the summary
SPREAD_WORDS = {"iqr": "IQR band", "minmax": "min – max band"}

live: LiveRun | None = st.session_state.get(LIVE)
busy = live is not None and live.active  # what is measured cannot change while it is measured

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
guess = dataclasses.replace(guess, seconds=guess.seconds + PAUSE_S * (1 + len(ops)))
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
        skipped = len(tasks) - guess.measurements
        based = (f"scaled from your last run's timings for {guess.calibrated} of them"
                 if guess.calibrated else "from each operation's FLOPs and bytes at rates assumed for a slow CPU")
        st.caption(
            f"{len(tasks)} measurements: {len(ops)} operation{'s' * (len(ops) != 1)} × {len(sizes)} "
            f"size{'s' * (len(sizes) != 1)} × {len(chosen)} library/device pair{'s' * (len(chosen) != 1)}"
            + (f" ({skipped} unsupported here, not timed)" if skipped else "")
            + f". Time is an estimate, {based}, and the budget, warm-up and at least 3 samples per "
              "measurement; it can be off several times on an unfamiliar machine.")
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


def pause(row) -> float:
    """Seconds the run rests after ``row`` so the browser can draw it (longest when an operation's
    charts first appear)."""
    first_of_op = row["status"] == "ok" and sum(r["op"] == row["op"] and r["status"] == "ok" for r in live.rows) == 1
    return PAUSE_S if first_of_op else ROW_PAUSE_S


if clicked and tasks and not busy:
    live = LiveRun(kind=bench.KIND.name, total=len(tasks), machine=machine_info(libs), settings=settings.as_dict(),
                   estimate_s=guess.seconds, groups=list(ops), page="Benchmarks",
                   series=[s for s in chosen if any((t.backend, t.device) == s for t in tasks)],
                   title=f"{', '.join(bench.OPS[o].title for o in ops)} · n = {low}–{high} · {dtype}")
    live_ui.start(LIVE, live, lambda should_stop: bench.run(tasks, libs, settings, should_stop=should_stop), pause)


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
    slot.dataframe(pd.DataFrame(report.table_rows(rows, baseline)), hide_index=True, width="stretch",
                   column_config={"throughput": st.column_config.NumberColumn(format="%.3g"),
                                  speed_col: st.column_config.NumberColumn(format="%.3g×"),
                                  "max abs error": st.column_config.NumberColumn(format="%.2e"),
                                  "tolerance": st.column_config.NumberColumn(format="%.2e")})


def draw_summary(slot, rows, machine) -> None:
    with slot.container():
        for paragraph in report.summary(rows, machine):
            st.markdown(paragraph)


def draw_downloads(slot, run: LiveRun) -> None:
    if not run.rows:
        return
    result = run.result_file()
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
                                                   "median. Min – max: the fastest and slowest sample.")

    st.subheader("Summary")
    summary_slot = st.empty()
    op_slots = {}
    # While running, every chosen operation gets its place; once ended, only those measured.
    for op in dict.fromkeys((live.groups if live.active else []) + report.ordered_ops(live.rows)):
        op_def = bench.OPS[op]
        st.subheader(op_def.title)
        st.caption(f"n: {op_def.size_means}. Throughput in {op_def.unit}. {op_def.note}".strip())
        op_slots[op] = tuple(col.empty() for col in st.columns(3, gap="medium"))
    st.subheader("Every measurement")
    st.caption("Every row, including the combinations that could not run here (`unsupported`, `refused` "
               "for memory, `error`) with the reason, and the check against the float64 reference.")
    table_slot = st.empty()
    downloads_slot = st.empty()

    def draw() -> None:
        rows = list(live.rows)
        for op, slots in op_slots.items():
            draw_op(op, slots, rows, baseline, spread, live.series)
        draw_table(table_slot, rows, baseline)
        draw_summary(summary_slot, rows, live.machine)

    live_ui.follow(live, draw, status_slot, stop_slot, "benchmarks_stop")
    draw_downloads(downloads_slot, live)

    st.subheader("The machine these results belong to")
    st.markdown("  \n".join(report.machine_lines(live.machine)))
    with st.expander("Settings of this run"):
        st.json(live.settings)

# --- how we measure ----------------------------------------------------------------------------------
st.header("How we measure", divider="gray")
words = bench.method(settings, machine_info(libs))
if PAUSE_S or ROW_PAUSE_S:
    words.append(f"This page on a machine with few cores: drawing the charts competes with the timing, so the run "
                 f"waits until each row is drawn, then rests {ROW_PAUSE_S:g} s ({PAUSE_S:g} s when an operation's "
                 "charts first appear) before the next measurement.")
words.append("One run at a time: a run started in another tab waits until this one ends, and says so, so the two "
             "never time each other.")
st.markdown("\n".join(f"- {line}" for line in words))
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
