"""The Benchmarks page through Streamlit's AppTest: controls render, a tiny run fills the charts,
the table and the downloads, results survive reruns, a stopped run keeps its rows, and a
missing library is listed, not fatal."""
from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from kernels.measure.live import LiveRun
from kernels.measure.results import load
from tests import apptest
from tests.apptest import charts, open_section
from tests.devices import FOUND, PAIRS
from tests.test_bench_report import row
from ui.nav import PAGES

PAGE = "app_pages/benchmarks.py"
# Every (library, device) this machine has, as the page names them: all checked by default.
SERIES = {f"{FOUND[b].label} · {d}" for b, d, _kind in PAIRS}


def open_page() -> AppTest:
    return apptest.open_page(PAGE, timeout=60)


def tiny(at: AppTest, ops=("matmul", "softmax")) -> AppTest:
    at.multiselect(key="benchmarks_ops").set_value(list(ops))
    at.select_slider(key="benchmarks_sizes").set_value((16, 32))
    at.select_slider(key="benchmarks_budget").set_value(0.01)
    return at.run()




def texts(elements) -> str:
    return "\n".join(e.value for e in elements)


def test_in_the_measure_section_before_small_models_inference_and_compare():
    order = [p.url_path for p in PAGES]
    measure = [p.url_path for p in PAGES if p.section == "Measure"]
    assert (measure == ["benchmarks", "models", "inference", "compare"]
            and order.index("benchmarks") < order.index("compare"))
    spec = next(p for p in PAGES if p.path == PAGE)
    assert (spec.title, spec.section, spec.icon) == ("Benchmarks", "Measure", ":material/speed:")


def test_controls_render_with_defaults_an_estimate_and_the_timing_code():
    at = open_page()
    assert [t.value for t in at.title] == ["Benchmarks"]
    assert at.multiselect(key="benchmarks_ops").value == ["matmul", "softmax", "layer_norm"]
    assert at.select_slider(key="benchmarks_sizes").value == (128, 1024)
    assert at.selectbox(key="benchmarks_dtype").value == "float32"
    assert at.select_slider(key="benchmarks_budget").value == 0.2
    for lib in ("numpy", "torch", "mlx"):
        assert at.checkbox(key=f"benchmarks_use_{lib}_cpu").value is True
    run = at.button(key="benchmarks_run")
    assert run.label.startswith("Run · about ") and not run.disabled
    captions = texts(at.caption)
    assert f"{12 * len(PAIRS)} measurements: 3 operations × 4 sizes × {len(PAIRS)} library/device pairs" in captions
    assert "estimate" in captions
    missing = [(b, d) for b in FOUND.values() if b.available for d in b.devices if not d.available]
    assert missing  # no machine has every device: mps and cuda never meet
    for b, d in missing:  # missing devices, with why
        assert f"{b.label} · `{d.name}`" in captions and d.note.split(" (")[0] in captions
    assert not at.code, "the code is drawn when opened"
    open_section(at, "benchmarks_code_open")
    codes = texts(at.code)
    assert "def measure(fn: Callable[[], Any], sync: Callable[[Any], None]" in codes  # inspect.getsource
    assert "sync(fn())" in codes
    assert "def numpy_matmul(a, b):" in codes and "def mlx_matmul(a, b):" in codes
    assert "mx.eval" in texts(at.markdown)
    assert not at.get("vega_lite_chart") and not at.get("download_button")


def test_the_estimate_follows_the_settings():
    at = open_page()
    default = at.button(key="benchmarks_run").label
    assert re.fullmatch(r"Run · about \d+ s", default), default
    at.select_slider(key="benchmarks_budget").set_value(2.0).run()  # 36 measurements × at least 2 s
    slower = at.button(key="benchmarks_run").label
    assert re.fullmatch(r"Run · about \d+ min", slower), slower
    assert "Stop keeps what has finished" in at.warning[0].value


def test_nothing_chosen_disables_run():
    at = open_page()
    at.multiselect(key="benchmarks_ops").set_value([]).run()
    assert at.button(key="benchmarks_run").disabled
    assert "Pick at least one operation" in texts(at.caption)


def test_tiny_run_fills_charts_table_summary_and_downloads():
    at = tiny(open_page())
    # under a second of measuring (a little more for each pair past three), plus child.START_S to start
    # the measuring process
    assert at.button(key="benchmarks_run").label in [f"Run · about {s} s" for s in range(2, len(PAIRS) + 1)]
    at.button(key="benchmarks_run").click().run()
    assert not at.exception, at.exception
    n = 2 * 2 * len(PAIRS)
    assert [s.value for s in at.success][0].startswith(f"Finished {n} measurements in")

    drawn = charts(at)
    assert len(drawn) == 7  # time, throughput, speedup for each of the two operations, then the roofline
    titles = [spec["title"] for spec, _ in drawn]
    assert titles[:3] == ["Time per call (lower is faster)", "GFLOP/s (higher is faster)", "Speedup over NumPy · cpu"]
    assert titles[4] == "GB/s (higher is faster)" and titles[6].startswith("Roofline")
    time_spec, (time_rows, *_) = drawn[0]
    assert {r["series"] for r in time_rows} == SERIES
    assert sorted({r["size"] for r in time_rows}) == [16, 32] and all(r["op"] == "matmul" for r in time_rows)
    assert all(r["low_ms"] <= r["time_ms"] <= r["high_ms"] for r in time_rows)
    line = time_spec["layer"][1]["encoding"]
    assert line["x"]["scale"]["type"] == "log" and line["y"]["scale"]["type"] == "log"
    assert any(t["field"] == "median_text" for t in line["tooltip"])

    (table,) = at.dataframe
    assert len(table.value) == n and set(table.value["status"]) == {"ok"}
    assert {"max abs error", "correct", "why / message"} <= set(table.value.columns)
    summary = texts(at.markdown)
    assert "**Matrix multiply** (float32): At the largest size, n = 32" in summary
    assert "matched the float64 NumPy reference" in summary
    assert "Intel" in summary or "Apple" in summary or "cores" in summary  # the machine

    downloads = {b.proto.label: b for b in at.get("download_button")}
    assert set(downloads) == {"Download JSON (result file)", "Download CSV"}
    live = at.session_state["benchmarks_live"]
    loaded = load(live.result_file().to_json())
    assert len(loaded.results) == n and loaded.machine["cores"]


def test_finished_results_survive_changing_chart_options():
    at = tiny(open_page(), ops=("softmax",))
    at.button(key="benchmarks_run").click().run()
    rows = list(at.session_state["benchmarks_live"].rows)
    at.radio(key="benchmarks_spread").set_value("minmax").run()
    at.selectbox(key="benchmarks_baseline").set_value("torch/cpu").run()
    assert not at.exception, at.exception
    assert at.session_state["benchmarks_live"].rows == rows and at.session_state["benchmarks_live"].state == "done"
    drawn = charts(at)
    assert len(drawn) == 4 and drawn[2][0]["title"] == "Speedup over PyTorch · cpu"  # and the roofline
    ups = {(r["series"], r["size"]): r["speedup"] for r in drawn[2][1][1]}
    assert ups[("PyTorch · cpu", 32)] == pytest.approx(1.0)
    assert "× PyTorch · cpu" in at.dataframe[0].value.columns
    assert len(at.get("download_button")) == 2
    # a new setting does not discard the run either (until Run is pressed again)
    at.select_slider(key="benchmarks_budget").set_value(0.05).run()
    assert at.session_state["benchmarks_live"].rows == rows and len(charts(at)) == 4


def test_unsupported_rows_are_in_the_table_with_their_reason():
    at = open_page()
    at.multiselect(key="benchmarks_ops").set_value(["add"])
    at.select_slider(key="benchmarks_sizes").set_value((16, 16))
    at.select_slider(key="benchmarks_budget").set_value(0.01)
    at.selectbox(key="benchmarks_dtype").set_value("bfloat16").run()
    at.button(key="benchmarks_run").click().run()
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    numpy_row = table[table["library · device"] == "NumPy · cpu"].iloc[0]
    assert numpy_row["status"] == "unsupported" and "bfloat16" in numpy_row["why / message"]
    assert "unsupported" in texts(at.markdown)
    # NumPy has no bfloat16 timings: the speedups are over a series that has them
    assert "× PyTorch · cpu" in table.columns and "× NumPy · cpu" not in table.columns


def stopped(at: AppTest, why: str) -> AppTest:
    """A run that ended after 2 of 6 measurements: what the session holds after Stop or a closed tab."""
    live = LiveRun(kind="bench", total=6, machine={"cpu": "Test chip", "os": "Linux"}, settings={"budget_s": 0.01},
                   groups=["matmul", "softmax"], series=[("numpy", "cpu"), ("torch", "cpu")],
                   title="Matrix multiply · n = 16–64", state="stopped", why=why,
                   rows=[row(size=16, backend="numpy", median=1e-5), row(size=16, backend="torch", median=2e-5)],
                   started="2026-01-01T00:00:00.000+00:00", finished="2026-01-01T00:00:01.000+00:00")
    at.session_state["benchmarks_live"] = live
    at.session_state["benchmarks_runs"] = [live]  # the session's runs, this one the latest
    return at.run()


@pytest.mark.parametrize("why", ["Stop was pressed", "the tab was closed"])
def test_a_stopped_run_keeps_what_it_measured(why):
    at = stopped(open_page(), why)
    assert not at.exception, at.exception
    (warning,) = [w for w in at.warning if w.value.startswith("Stopped")]
    assert warning.value.startswith("Stopped after 2 of 6 measurements") and why in warning.value
    assert len(at.dataframe[0].value) == 2
    assert len(charts(at)) == 4 and len(at.get("download_button")) == 2
    assert not [b for b in at.button if b.key == "benchmarks_stop"]  # nothing is running any more
    headings = [h.value for h in at.subheader]
    assert "Matrix multiply" in headings and "Softmax over the last axis" not in headings  # never measured
    assert not at.button(key="benchmarks_run").disabled  # the controls are back


def test_missing_mlx_is_listed_and_the_rest_runs(mlx_missing):
    at = tiny(open_page(), ops=("matmul",))
    assert "MLX" in texts(at.markdown) and "not installed" in texts(at.markdown)
    assert "pip install" in texts(at.caption)
    at.button(key="benchmarks_run").click().run()
    assert not at.exception, at.exception
    rest = {s for s in SERIES if not s.startswith("MLX")}
    assert len(at.dataframe[0].value) == 2 * len(rest) and set(at.dataframe[0].value["library · device"]) == rest
