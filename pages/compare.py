"""Measure: load benchmark result files from several machines and chart one operation across them."""
import pandas as pd
import streamlit as st

from kernels.bench import OPS, compare, report
from ui import bench_charts as charts

st.title("Compare machines")
st.markdown(
    "Run the **Benchmarks** page on each machine and download its JSON result file (or run "
    "`python -m kernels.bench --out results.json` there), then load the files here: a colleague's M1, "
    "your M3, a Linux box with a GPU. Each file is labelled by the machine it says it ran on; rename "
    "them as you like. The charts put one operation's timings from every file side by side."
)

uploads = st.file_uploader("Result files (.json from the Benchmarks page or `python -m kernels.bench`)",
                           accept_multiple_files=True, key="compare_files")
show_examples = st.toggle("Include the two example files", value=True, key="compare_examples",
                          help="Recorded while this app was built, on a 2-core Linux VM: one file as it is, one "
                               "with one thread per library. Examples, not Mac numbers.")

loaded = compare.load_many([(f.name, f.getvalue()) for f in uploads or []],
                           examples=compare.EXAMPLES if show_examples else ())
for item in loaded:
    if not item.ok:
        st.error(f"**{item.name}** could not be loaded: {item.error}", icon=":material/error:")

good = [item for item in loaded if item.ok]
if not good:
    st.info("No result file loaded yet: upload one or more, or switch the examples on.", icon=":material/upload_file:")
    st.stop()

st.subheader("Files")
typed = {}
for i, item in enumerate(good):
    name_col, about_col = st.columns([2, 5], vertical_alignment="center")
    with name_col:
        typed[item.label] = st.text_input("Label", value=item.label, key=f"compare_label_{i}_{item.name}",
                                          label_visibility="collapsed", help="How the charts name this file.")
    with about_col:
        result = item.result
        timed = len(report.ok_rows(result.results))
        if item.example:
            st.caption(f"**Example** · `{item.name}`: {item.example.description} {timed} timed rows.")
        else:
            st.caption(f"`{item.name}` · created {result.created} · {len(result.results)} rows ({timed} timed) · "
                       + " · ".join(report.machine_lines(result.machine)[:3]).replace("**", ""))

rows = compare.combined_rows(good, typed)
pairs = compare.choices(rows)
if not pairs:
    st.info("The files loaded have no timed rows to compare.", icon=":material/remove:")
    st.stop()

st.subheader("One operation across machines")
ops = report.ordered_ops([{"op": o} for o, _ in pairs])
a, b, c = st.columns([3, 2, 2])
with a:
    op = st.selectbox("Operation", ops, format_func=report.op_title, key="compare_op")
with b:
    dtypes = [d for o, d in pairs if o == op]
    dtype = st.selectbox("dtype", dtypes, key="compare_dtype")
with c:
    spread = st.toggle("Show the spread (IQR band)", value=True, key="compare_spread")

chosen = [r for r in rows if r["op"] == op and r["dtype"] == dtype]
records = report.chart_table(chosen, baseline=None, spread="iqr", extra={"machine": "machine"})
data = pd.DataFrame(records)
machines = data["machine"].nunique()
spec = OPS.get(op)
st.caption((f"n: {spec.size_means}. " if spec else "") + f"{machines} file{'s' * (machines != 1)}; colour is the "
           "file (machine), line style and point shape the library and device.")
machine_names = list(dict.fromkeys(r["machine"] for r in rows))  # every file keeps its colour across operations
st.altair_chart(charts.time_chart(data, color="machine", dash="series", spread=spread, domain=machine_names,
                                  extra_tooltip=["machine:N"], title="Time per call across machines (lower is faster)"),
                width="stretch")

size = compare.largest_common_size(rows, op, dtype)
if size is None:
    st.info("No size was timed in every file, so there is no like-for-like table; the chart still shows each.",
            icon=":material/remove:")
else:
    st.markdown(f"**At n = {size}**, the largest size every file timed:")
    keys = compare.series_keys(rows, op, dtype, size)
    default = next((i for i, k in enumerate(keys) if k[1:] == ("numpy", "cpu")), 0)
    picked = st.selectbox("Speedup over", range(len(keys)), index=default, key=f"compare_baseline_{op}_{dtype}_{size}",
                          format_func=lambda i: f"{keys[i][0]} — {report.series_label(keys[i][1:])}")
    baseline = keys[picked]
    table = pd.DataFrame(compare.compare_table(rows, op, dtype, size, baseline)).drop(columns=["median_s"])
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={"throughput": st.column_config.NumberColumn(format="%.3g"),
                                "speedup": st.column_config.NumberColumn("speedup", format="%.3g×")})
