"""Measure: load result files of every kind from several machines and compare like with like:
benchmark operations across machines, training steps per second across machines."""
import pandas as pd
import streamlit as st

from kernels.bench import OPS, report, roofline
from kernels.bench import compare as bench_compare
from kernels.measure import compare
from kernels.measure.rows import ok_rows
from kernels.models import report as models_report
from ui import bench_charts as charts
from ui import lesson, model_charts
from ui.safe import markdown_table, plain

KIND_TITLES = {"bench": "Benchmarks", "models": "Small models", "ceilings": "Ceilings", "inference": "Local inference"}

st.title("Compare machines")
st.markdown(
    "Run the **Benchmarks** or **Small models** page on each machine and download its JSON result file "
    "(or run `python -m kernels.bench --out results.json` / `python -m kernels.models --out models.json` "
    "there), then load the files here: a colleague's M1, your M3, a Linux box with a GPU. Each file is "
    "labelled by the machine it says it ran on; rename them as you like. Files of each kind are compared "
    "with their own kind: operations with operations, training runs with training runs."
)

uploads = st.file_uploader("Result files (.json from the Benchmarks or Small models page, or the command lines)",
                           accept_multiple_files=True, key="compare_files")
show_samples = st.toggle("Include the sample files", value=True, key="compare_samples",
                         help="Recorded while this app was built, on a 2-core Linux VM: two benchmark files (one "
                              "with one thread per library) and one small-models file. Samples, not Mac numbers.")

loaded = compare.load_many([(f.name, f.getvalue()) for f in uploads or []],
                           samples=compare.SAMPLES if show_samples else ())
for item in loaded:
    if not item.ok:  # the file's name and what is wrong with it, as text: never rendered
        st.error(f"**{plain(item.name, 80)}** could not be loaded: {plain(item.error, 300)}", icon=":material/error:")

good = [item for item in loaded if item.ok]
if not good:
    st.info("No result file loaded yet: upload one or more, or switch the samples on.", icon=":material/upload_file:")
    st.stop()

st.subheader("Files")
typed = {}
for i, item in enumerate(good):
    name_col, about_col = st.columns([2, 5], vertical_alignment="center")
    with name_col:
        typed[item.label] = st.text_input("Label", value=item.label, key=f"compare_label_{i}_{item.name}",
                                          label_visibility="collapsed", max_chars=60,
                                          help="How the charts name this file.")
    with about_col:
        result = item.result
        timed = len(ok_rows(result.results))
        what = KIND_TITLES.get(result.kind, result.kind)
        if item.sample:
            st.caption(f"**Sample** · {what} · `{item.name}`: {item.sample.description} {timed} timed rows.")
        else:
            facts = " · ".join(report.machine_lines(result.machine)[:3])
            st.caption(f"{what} · {plain(item.name, 80)} · created {plain(result.created, 40)} · "
                       f"{len(result.results)} rows ({timed} timed) · {plain(facts, 300)}")


def bench_section(rows) -> None:
    pairs = bench_compare.choices(rows)
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
    op_def = OPS.get(op)
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


def models_section(rows) -> None:
    choices = models_report.machine_choices(rows)
    if not choices:
        st.info("The small-model files loaded have no finished training runs to compare.", icon=":material/remove:")
        return
    key = st.selectbox("Model and size", choices, format_func=models_report.choice_text, key="compare_model_size",
                       help="Only runs of the same model, size, depth, optimiser and steps compare like for like.")
    same = models_report.like_for_like(rows, key)
    machines = len({r["machine"] for r in same})
    st.caption(f"{machines} file{'s' * (machines != 1)} trained {models_report.choice_text(key)}; each bar is one "
               "library · device · variant on one machine (median step, synchronised).")
    st.altair_chart(model_charts.machines_chart(same), width="stretch")
    st.markdown(markdown_table(models_report.machine_table(same),
                               {"steps/s": "{:.1f}", "ms/step": "{:.3f}", "peak memory (bytes)": "{:,}"}))


def inference_section(rows) -> None:
    from kernels.inference import report as inference_report
    from ui import inference_charts

    choices = inference_report.machine_choices(rows)
    if not choices:
        st.info("The local-inference files loaded have no finished generations to compare.", icon=":material/remove:")
        return
    key = st.selectbox("Model, dtype and lengths", choices, format_func=inference_report.choice_text,
                       key="compare_inference_setting",
                       help="Only generations of the same model size, dtype, prompt length and number of new tokens "
                            "compare like for like.")
    same = inference_report.like_for_like(rows, key)
    machines = len({r["machine"] for r in same})
    st.caption(f"{machines} file{'s' * (machines != 1)} generated {inference_report.choice_text(key)}; each bar is one "
               "library · device · variant · dtype on one machine (median decode step, synchronised).")
    st.altair_chart(inference_charts.machines_chart(same), width="stretch")
    st.markdown(markdown_table(inference_report.machine_table(same),
                               {"generation tok/s": "{:.1f}", "prompt tok/s": "{:.0f}", "first token ms": "{:.2f}",
                                "GB/s": "{:.3g}"}))


SECTIONS = {"bench": ("One operation across machines", bench_section),
            "models": ("Training steps per second across machines", models_section),
            "inference": ("Local inference across machines", inference_section)}
# The first kind loaded is drawn; each other kind is drawn when its expander is opened (charts and tables
# below the fold: with the samples on, a visit drew two charts and two tables).
present = [(kind, heading, section, rows) for kind, (heading, section) in SECTIONS.items()
           if (rows := compare.combined_rows(loaded, kind, typed))]
for i, (kind, heading, section, kind_rows) in enumerate(present):
    if i == 0:
        st.subheader(heading)
        section(kind_rows)
        continue
    with lesson.details(f"**{heading}**", key=f"compare_{kind}_open") as opened:
        if opened:
            section(kind_rows)
