"""Measure: time NumPy, PyTorch and MLX operations on every device found here, live, with the results
streaming into charts, a plain-words verdict, the roofline, the timing code, and downloads. The shell
(ui/measure_page.py) draws the estimate, Run, Stop, the verdict and the downloads; this page is its
controls and its charts (drawn by ui/bench_sections.py)."""
import pandas as pd
import streamlit as st

from kernels import bench
from kernels.bench import report, roofline
from kernels.bench.kind import BENCH, Request
from kernels.machine import machine_info
from kernels.measure.live import LiveRun
from ui import bench_sections as sections
from ui import live as live_ui
from ui.measure_page import Chosen, View, device_picker, measure_page

CEILINGS_KEY = "benchmarks_ceilings"  # the latest measurement of this machine's ceilings: kept in the session
SIZES = [2**k for k in range(4, 14)]  # 16 … 8192
BUDGETS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0]
DEFAULT_OPS = ["matmul", "softmax", "layer_norm"]
# On a machine with few cores the browser's drawing competes with the timing. So after each row the run
# waits for this page to have drawn it, then for the machine to be quiet, at most PAUSE_S after an
# operation's first row (its charts are created) and ROW_PAUSE_S after the others.
PAUSE_S, ROW_PAUSE_S = live_ui.chart_pause_s(), live_ui.row_pause_s()
PAGE_COST_S = 0.08 + min(ROW_PAUSE_S, 0.3)  # per measurement: redrawing the page, then a quiet machine
NOTHING = "Pick at least one operation and one library/device to measure."
SPREAD_WORDS = {"iqr": "IQR band", "minmax": "min – max band"}
INTRO = ("Is MLX faster **here**? Pick operations and sizes, press Run, and watch each library time the same inputs on "
         "every device this machine has, one measurement at a time. Every call is synchronised before the clock "
         "reads, repeated until the time budget is spent, and its answer is checked against a float64 NumPy "
         "reference. The same sweep runs headless with `python -m kernels.bench`, which writes the same result file "
         "this page downloads.")


def controls(libs, busy: bool) -> Chosen:
    left, right = st.columns([3, 2], gap="large")
    ops = left.multiselect("Operations", list(bench.OPS), default=DEFAULT_OPS, key="benchmarks_ops", disabled=busy,
                           format_func=lambda name: bench.OPS[name].title,
                           help="What size n means for each is listed under the controls.")
    low, high = left.select_slider("Sizes n: every power of two from … to …", SIZES, value=(128, 1024),
                                   key="benchmarks_sizes", disabled=busy)
    dtype = right.selectbox("dtype", bench.DTYPES, key="benchmarks_dtype", disabled=busy,
                            help="float32 is the common ground. NumPy has no bfloat16 and some devices lack float64 "
                                 "or float16: such combinations become 'unsupported' rows saying why.")
    budget = right.select_slider("Time budget per measurement", BUDGETS, value=0.2, key="benchmarks_budget",
                                 disabled=busy, format_func=lambda s: f"{s:g} s",
                                 help="Timed repeats continue until this much time is spent (at least 3 samples, "
                                      "after 2 warm-up calls). More budget, steadier medians.")
    pairs = device_picker(libs, busy, "benchmarks_use")
    if ops:
        st.caption("Size n means: " + " · ".join(f"**{bench.OPS[o].title}**: {bench.OPS[o].size_means}" for o in ops))
    request = Request(tuple(ops), tuple(n for n in SIZES if low <= n <= high), (dtype,),
                      tuple(n for n, b in libs.items() if b.available), timing=bench.Settings(budget_s=float(budget)),
                      pairs=tuple(pairs))
    return Chosen(request, None if ops and pairs else NOTHING)


def describe(request: Request, guess) -> str:
    if guess is None:
        return NOTHING
    n, ops, sizes, pairs = guess.timed, len(request.ops), len(request.sizes), len(request.pairs)
    total = ops * sizes * pairs
    based = (f"scaled from your last runs' timings for {guess.calibrated} of them" if guess.calibrated
             else "from each operation's FLOPs and bytes at rates assumed for a slow CPU")
    return (f"{total} measurements: {ops} operation{'s' * (ops != 1)} × {sizes} size{'s' * (sizes != 1)} × {pairs} "
            f"library/device pair{'s' * (pairs != 1)}" + (f" ({total - n} unsupported here, not timed)" if total > n
                                                        else "")
            + f". Time is an estimate, {based}, and the budget, warm-up and at least 3 samples per measurement; it "
              "can be off several times on an unfamiliar machine.")


def beside_run(libs, busy: bool, request: Request) -> None:
    sections.ceilings_control(libs, busy, request, CEILINGS_KEY)
    sections.precision_notices(libs, request.dtypes[0], request.ops)


def ceiling_run() -> LiveRun | None:
    return st.session_state.get(CEILINGS_KEY)


def measured_ceilings() -> list[dict] | None:
    """The session's measured ceilings (None until some are measured)."""
    return list(ceiling_run().rows) if ceiling_run() is not None and ceiling_run().rows else None


def layout(latest: LiveRun, libs):
    series = list(dict.fromkeys(latest.series + report.baselines(latest.rows)))
    keys = [f"{b}/{d}" for b, d in series] or ["numpy/cpu"]
    o1, o2, _ = st.columns([2, 2, 3])  # display controls: changing them redraws, never stops the run
    baseline = tuple(o1.selectbox("Speedup over", keys, index=keys.index("numpy/cpu") if "numpy/cpu" in keys else 0,
                                  key="benchmarks_baseline",
                                  format_func=lambda k: report.series_label(tuple(k.split("/", 1)))).split("/", 1))
    spread = o2.radio("Spread of the repeats", list(SPREAD_WORDS), format_func=SPREAD_WORDS.get, horizontal=True,
                      key="benchmarks_spread", help="IQR: the middle half of the timed samples, drawn around the "
                      "median. Min – max: the fastest and slowest sample. A grey ring marks a noisy point (IQR over "
                      "25% of the median, or under 3 samples): no verdict uses it.")
    op_slots = {}
    # While running, every chosen operation gets its place; once ended, only those measured.
    for op in dict.fromkeys((latest.groups if latest.active else []) + report.ordered_ops(latest.rows)):
        st.subheader(bench.OPS[op].title)
        st.caption(f"n: {bench.OPS[op].size_means}. Throughput in {bench.OPS[op].unit}. {bench.OPS[op].note}".strip())
        op_slots[op] = tuple(col.empty() for col in st.columns(3, gap="medium"))
    st.subheader("Roofline")
    st.caption(roofline.ROOFLINE_WORDS + ("" if measured_ceilings() else
                                          " **No roofs yet:** press *Measure this machine's ceilings* above."))
    roof_slot = st.empty()
    st.subheader("Every measurement")
    st.caption(sections.TABLE_WORDS)
    table_slot = st.empty()

    def draw() -> None:
        rows = prepare(list(latest.rows), latest.machine)
        for op, slots in op_slots.items():
            sections.draw_op(op, slots, rows, baseline, spread, latest.series)
        sections.draw_roofline(roof_slot, rows, measured_ceilings(), latest.machine, latest.series)
        sections.draw_table(table_slot, rows, baseline)
    return draw


def prepare(rows: list, machine) -> list:
    """Every row placed on the roofline of the ceilings measured this session (the file keeps them)."""
    return roofline.annotate(rows, measured_ceilings(), machine)


def after_results(libs) -> None:
    if ceiling_run() is not None:
        sections.ceilings_section(ceiling_run())
    sections.chip_figures(machine_info(libs))


def pause(live: LiveRun):
    """After a row, longest when an operation's charts first appear (its first timed row)."""
    return lambda row: PAUSE_S if report.first_of_its_op(row, live.rows) else ROW_PAUSE_S


VIEW = View(INTRO, controls, describe, layout, None,
            lambda libs, request: sections.how_we_measure(libs, request, PAUSE_S, ROW_PAUSE_S, DEFAULT_OPS),
            devices_caption=False, estimate_on_button=True,
            stop_words="Stop keeps what has finished.", pause=pause, prepare=prepare, beside_run=beside_run,
            busy=lambda: ceiling_run() is not None and ceiling_run().active, after_results=after_results,
            code_heading="How we measure",
            earlier_table=lambda rows: pd.DataFrame(report.table_rows(rows)),
            page_cost=lambda request, tasks, guess: (PAGE_COST_S * len(tasks)
                                                     + min(PAUSE_S, 1.5) * (1 + len(request.ops))))
compare = sections.compare_section

if __name__ == "__main__":
    measure_page(BENCH, VIEW)
