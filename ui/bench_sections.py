"""What the Benchmarks page draws besides its controls: one operation's three charts, the table of
every measurement, the roofline, this machine's ceilings, the precision notices, the chip's published
figures, and the section of Compare machines. Charts themselves are ``ui.bench_charts``."""
from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence

import pandas as pd
import streamlit as st

from kernels import bench
from kernels.bench import chips, report, roofline
from kernels.bench import compare as bench_compare
from kernels.bench.kind import BENCH, CEILINGS
from kernels.machine import machine_info
from kernels.measure import compare as kc
from kernels.measure.live import LiveRun
from ui import bench_charts as charts
from ui import lesson
from ui import live as live_ui
from ui.panel import column_header, missing_notice
from ui.safe import markdown_table, plain

NUMBER = st.column_config.NumberColumn
TABLE_WORDS = ("Every row, including the combinations that could not run here (`unsupported`, `refused` for memory, "
               "`error`) with the reason, and the check against the float64 reference.")


def draw_op(op: str, slots, rows, baseline, spread: str, planned=()) -> None:
    """The three charts of one operation; ``planned`` series keep their colours as rows arrive."""
    baseline = report.resolve_baseline(rows, baseline)
    records = report.chart_table(rows, baseline, spread, op=op)
    time_slot, speed_slot, up_slot = slots
    if not records:
        why = report.why_untimed(rows, op)
        if why:
            time_slot.info(plain("Nothing timed: " + why, 600), icon=":material/remove:")
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


def draw_table(slot, rows, baseline) -> None:
    baseline = report.resolve_baseline(rows, baseline)
    percent = NUMBER(format="%.1f%%")
    slot.dataframe(pd.DataFrame(report.table_rows(rows, baseline)), hide_index=True, width="stretch",
                   column_config={"throughput": NUMBER(format="%.3g"),
                                  f"× {report.series_label(baseline)}": NUMBER(format="%.3g×"),
                                  "FLOP/byte": NUMBER(format="%.3g"), "% of compute roof": percent,
                                  "% of memory roof": percent, "% of published peak": percent,
                                  "max abs error": NUMBER(format="%.2e"), "tolerance": NUMBER(format="%.2e")})


def draw_roofline(slot, rows, ceiling_rows, machine, planned=()) -> None:
    """Every result on the roofline of its library · device, with the roofs once ceilings are measured."""
    points, lines = roofline.chart_data(rows, ceiling_rows, machine)
    if not points and not lines:
        slot.info("Nothing with a FLOP count has been timed yet.", icon=":material/remove:")
        return
    domain = list(dict.fromkeys([report.series_label(s) for s in planned] + [p["series"] for p in points]
                                + [line["series"] for line in lines]))
    slot.altair_chart(charts.roofline_chart(points, lines, domain=domain), width="stretch")


def ceilings_section(run: LiveRun) -> None:
    """This machine's ceilings as they are measured, then their file to download."""
    st.header("This machine's ceilings", divider="gray")
    status, stop, table = st.empty(), st.empty(), st.empty()

    def draw() -> None:
        if run.rows:
            table.dataframe(pd.DataFrame(roofline.ceiling_table(run.rows)), hide_index=True, width="stretch",
                            column_config={"value": NUMBER(format="%.3g")})

    live_ui.follow(run, draw, status, stop, "benchmarks_ceilings_stop")
    if run.rows:
        st.download_button("Download the ceilings (JSON)", run.result_file().to_json(),
                           key="benchmarks_ceilings_download", mime="application/json", icon=":material/download:",
                           file_name=f"ceilings-{run.created[:16].replace(':', '-')}.json")
    st.caption("The same measurement headless: `python -m kernels.bench --ceilings --out ceilings.json`; with "
               "`--ops … --sizes …` it also fills every benchmark row's roofline fields.")


def precision_notices(libs: Mapping, dtype: str, ops: Sequence[str]) -> None:
    """Where a library computes float32 in TF32 on this GPU, its rows will miss the float32 tolerance: say so."""
    if dtype != "float32":
        return
    tf32 = [b.label for b in libs.values() if b.available and b.precision().get("float32_matmul") == "tf32"]
    if tf32:
        st.info(f"{' and '.join(tf32)} computes float32 matrix products in **TF32** on this GPU (about 10 bits of "
                "mantissa instead of 23): faster, but its float32 matmul, attention and convolution rows will miss "
                "the float32 tolerance and do not compare like for like with the others. For full float32, quit and "
                "start the app with `MLX_ENABLE_TF32=0 make run` (MLX reads the variable when it starts).",
                icon=":material/precision_manufacturing:")
    conv = [b.label for b in libs.values() if b.available and b.label not in tf32
            and b.precision().get("float32_conv") == "tf32"]
    if conv and "conv2d" in ops:
        st.info(f"{' and '.join(conv)} computes float32 **convolutions** in TF32 on this GPU (cuDNN's default, "
                "`torch.backends.cudnn.conv.fp32_precision = 'tf32'`): its float32 convolution rows will miss the "
                "float32 tolerance. Its matrix products stay in float32.", icon=":material/precision_manufacturing:")


def chip_figures(machine: Mapping) -> None:
    match = chips.detect(machine)
    if match.known:
        with st.expander(f"Published figures for this chip: {match.message}"):
            st.dataframe(pd.DataFrame(chips.table(match.variants)), hide_index=True, width="stretch")


def compare_section(rows) -> None:
    """Compare machines: one operation's time per call across machines, each file's roofline, and a
    like-for-like table at the largest size every file timed."""
    pairs = kc.choices(BENCH, rows)
    if not pairs:
        st.info("The benchmark files loaded have no timed rows to compare.", icon=":material/remove:")
        return
    a, b, c = st.columns([3, 2, 2])
    op = a.selectbox("Operation", report.in_catalogue_order(o for o, _ in pairs),
                     format_func=lambda o: plain(report.op_title(o), 60), key="compare_op")
    dtype = b.selectbox("dtype", [d for o, d in pairs if o == op], key="compare_dtype")
    spread = c.toggle("Show the spread (IQR band)", value=True, key="compare_spread")
    chosen = kc.like_for_like(BENCH, rows, (op, dtype))
    data = pd.DataFrame(report.chart_table(chosen, baseline=None, spread="iqr", extra={"machine": "machine"}))
    machines = data["machine"].nunique()
    op_def = bench.OPS.get(op)
    st.caption((f"n: {op_def.size_means}. " if op_def else "") + f"{machines} file{'s' * (machines != 1)}; colour is "
               "the file (machine), line style and point shape the library and device.")
    names = list(dict.fromkeys(r["machine"] for r in rows))  # every file keeps its colour across operations
    st.vega_lite_chart(spec=charts.time_spec(data, color="machine", dash="series", spread=spread, domain=names,
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
    table = bench_compare.compare_table(rows, op, dtype, size, keys[picked])
    st.markdown(markdown_table(table, {"throughput": "{:.3g}", "speedup": "{:.3g}×"}))


def rooflines(rows) -> None:
    """Each file's roofline side by side: every operation it timed against the ceilings it recorded
    (``python -m kernels.bench … --ceilings``), so a Mac's file shows its roofline here too."""
    files: dict[str, list] = {}
    for r in rows:
        files.setdefault(r["machine"], []).append(r)
    roofed = {name: mine for name, mine in files.items() if roofline.has_ceilings(mine)}
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


def method_words(timing, machine: Mapping, pause_s: float, row_pause_s: float) -> list[str]:
    """How this page measures, in a few lines: the engine's method, then what the page adds."""
    from kernels.bench import ceilings

    words = bench.method(timing, machine)
    if pause_s or row_pause_s:
        words.append(f"This page on a machine with few cores: drawing the charts competes with the timing, so the run "
                     f"waits until each row is drawn, then until the machine is quiet (less than half a core busy) "
                     f"for at most {row_pause_s:g} s ({pause_s:g} s when an operation's charts first appear) before "
                     "the next measurement.")
    words.append("Measured in a process of its own, started for the run (the same engine as "
                 "`python -m kernels.bench`): this page's server only draws. One run at a time: a run started in "
                 "another tab waits until this one ends, and says so, so the two never time each other.")
    config = ceilings.DEFAULT
    words.append("Ceilings (the roofs): the best GFLOP/s of the same matmul swept from "
                 f"n = {config.compute_sizes[0]} upwards until a call would take over {config.max_call_s:g} s, and "
                 "the GB/s (bytes read + written) of "
                 f"the same element-wise add once its arrays fill {config.memory_bytes // 2**20} MiB (memory), and at "
                 "its best size (the caches); each point timed and checked like any row, within the memory guard. A "
                 f"result more than {roofline.ABOVE_ROOF:g}× above its roof even at its slow quartile, or a GPU call "
                 f"under {bench.format_seconds(roofline.GPU_LAUNCH_FLOOR_S)}, is reported as a measurement error.")
    return words


def ceilings_control(libs: Mapping, busy: bool, request, key: str) -> None:
    """Measure this machine's ceilings (the roofs of the roofline) with the same operations and timing;
    the run is kept in the session under ``key``."""
    tasks = CEILINGS.plan(request, libs)
    guess = CEILINGS.estimate(tasks, libs, request)
    left, right = st.columns([1, 3], vertical_alignment="center")
    clicked = left.button(f"Measure this machine's ceilings · {guess.words()}" if tasks else
                          "Measure this machine's ceilings", key="benchmarks_ceilings_run", icon=":material/roofing:",
                          disabled=not tasks or busy, width="stretch")
    right.caption("How close to the hardware: the best GFLOP/s of a large matmul and the GB/s of a large element-wise "
                  f"add, per library · device in {request.dtypes[0]}, timed the same way. They give every result its "
                  "roofline: % of each ceiling, and whether memory or arithmetic bounds it. Kept for this session.")
    if clicked and tasks and not busy:
        run = LiveRun(kind=CEILINGS.name, total=len(tasks), machine=machine_info(libs), settings=request.as_dict(),
                      estimate_s=guess.seconds, page=BENCH.title, noun=CEILINGS.noun,
                      series=list(dict.fromkeys((t.backend, t.device) for t in tasks)),
                      title=f"This machine's ceilings · {request.dtypes[0]}")
        live_ui.start(key, run, CEILINGS.job(tasks, libs, request))


def how_we_measure(libs: Mapping, request, pause_s: float, row_pause_s: float, default_ops: Sequence[str]) -> None:
    """The page's last section: how it measures, then the timing function and each operation's code."""
    words = method_words(request.timing, machine_info(libs), pause_s, row_pause_s)
    st.markdown("\n".join(f"- {line}" for line in words))
    # Drawn when opened: the timing function and three libraries' functions, highlighted.
    with lesson.details("The timing function and each operation's code, exactly as they ran",
                        key="benchmarks_code_open") as opened:
        if not opened:
            return
        st.markdown("**The timing function** (`kernels/measure/timing.py`), exactly as it ran:")
        st.code(inspect.getsource(bench.measure), language="python")
        op = bench.OPS[st.selectbox("The operation's code", request.ops or default_ops, key="benchmarks_code_op",
                                    format_func=lambda n: bench.OPS[n].title)]
        st.caption(f"{op.title}: {op.size_means}. Each function is called with that library's copy of the inputs, "
                   "already on the device; the runner wraps it as `fn` above.")
        for col, (name, b) in zip(st.columns(len(libs), gap="medium"), libs.items()):
            with col:
                column_header(b)
                if not b.available:
                    missing_notice(b)
                elif name not in op.impls:
                    st.info(f"{op.title} has no {b.label} version. {op.note}".strip(), icon=":material/remove:")
                else:
                    st.code(inspect.getsource(op.impls[name]), language="python")
                    if name in op.layouts and op.layouts[name].note:
                        st.caption(op.layouts[name].note)
