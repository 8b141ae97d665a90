"""The Compare machines page through Streamlit's AppTest: the examples show first, uploads are
labelled by their machine, a broken or foreign file gets an error naming it while the good files
still show, and the pickers and labels change the chart."""
from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from kernels.measure import compare
from tests import apptest
from tests.apptest import charts, tables
from tests.test_bench_page import texts
from tests.test_bench_report import result_bytes, row
from ui.nav import PAGES

PAGE = "app_pages/compare.py"
EXAMPLE_LABELS = {s.label for s in compare.SAMPLES if "models" not in s.filename}  # the benchmark samples
M3 = f"compare_label_{len(compare.SAMPLES)}_m3.json"  # the first upload comes after the samples


def open_page() -> AppTest:
    return apptest.open_page(PAGE, timeout=60)


def m3_file() -> bytes:
    rows = [row(size=n, backend=b, device=d, median=m * n / 512) for n in (256, 512)
            for b, d, m in (("numpy", "cpu", 2e-3), ("torch", "mps", 5e-4), ("mlx", "gpu", 2.5e-4))]
    return result_bytes({"cpu": "Apple M3 Pro", "os": "macOS 15.1", "cores": 12}, rows)


def upload(at: AppTest, *files: tuple[str, bytes]) -> AppTest:
    at.file_uploader(key="compare_files").set_value([(name, data, "application/json") for name, data in files])
    return at.run()


def chart_rows(at: AppTest) -> list[dict]:
    """The benchmark chart's rows (the first chart; the small-models chart follows it)."""
    spec, datasets = charts(at)[0]
    return datasets[0]


def test_in_the_measure_section_and_titled_as_in_the_nav():
    spec = next(p for p in PAGES if p.path == PAGE)
    assert (spec.title, spec.section, spec.url_path, spec.icon) == ("Compare machines", "Measure", "compare",
                                                                    ":material/compare:")
    at = open_page()
    assert [t.value for t in at.title] == ["Compare machines"]


def test_the_examples_show_first_labelled_as_examples():
    at = open_page()
    assert at.toggle(key="compare_samples").value is True
    assert not at.error
    assert texts(at.caption).count("**Sample**") == 3 and "not a second machine" in texts(at.caption)
    rows = chart_rows(at)
    assert {r["machine"] for r in rows} == EXAMPLE_LABELS
    assert {r["op"] for r in rows} == {"matmul"} and {r["size"] for r in rows} == {64, 128, 256, 512}
    spec = charts(at)[0][0]
    line = spec["layer"][1]["encoding"]
    assert line["color"]["field"] == "machine" and line["strokeDash"]["field"] == "series"
    assert line["x"]["scale"]["type"] == "log" and line["y"]["scale"]["type"] == "log"
    assert "**At n = 512**" in texts(at.markdown)
    table = tables(at)[0]
    assert len(table) == 6 and set(table["machine"]) == EXAMPLE_LABELS
    assert table["speedup"].notna().all()


def test_a_second_kind_of_file_is_drawn_when_opened():
    """With the samples on, the benchmark files are compared at once; the small-models file's chart and
    table (below the fold) are drawn when their section is opened."""
    at = open_page()
    assert len(charts(at)) == 1 and len(tables(at)) == 1
    assert not [s for s in at.selectbox if s.key == "compare_models_setting"]
    apptest.open_section(at, "compare_models_open")
    assert len(charts(at)) == 2 and len(tables(at)) == 2
    assert at.selectbox(key="compare_models_setting").value


def test_examples_off_and_nothing_uploaded_says_what_to_do():
    at = open_page()
    at.toggle(key="compare_samples").set_value(False).run()
    assert not at.exception
    assert "No result file loaded yet" in at.info[0].value
    assert not at.get("vega_lite_chart")


def test_uploaded_file_is_labelled_by_its_machine_and_charted_with_the_rest():
    at = upload(open_page(), ("m3.json", m3_file()))
    assert not at.exception and not at.error
    assert at.text_input(key=M3).value == "Apple M3 Pro · macOS 15.1"
    rows = chart_rows(at)
    assert {r["machine"] for r in rows} == EXAMPLE_LABELS | {"Apple M3 Pro · macOS 15.1"}
    assert ({r["series"] for r in rows if r["machine"].startswith("Apple")}
            == {"NumPy · cpu", "PyTorch · mps", "MLX · gpu"})
    assert "**At n = 512**" in texts(at.markdown)  # the largest size all three files timed

    at.text_input(key=M3).set_value("Ana's M3").run()
    assert "Ana's M3" in {r["machine"] for r in chart_rows(at)}
    at.selectbox(key="compare_op").set_value("softmax").run()
    assert {r["op"] for r in chart_rows(at)} == {"softmax"}  # the M3 file has no softmax; the examples do


def test_broken_and_foreign_files_get_an_error_naming_them_while_good_files_still_show():
    at = upload(open_page(), ("broken.json", b'{"schema": 1, "machine": '), ("m3.json", m3_file()),
                ("export.csv", b"op,size,shape\nmatmul,16,a\n"), ("notes.json", json.dumps({"a": 1}).encode()))
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 3  # the names and the reasons are shown as text (escaped), never as Markdown
    assert errors[0].startswith(r"**broken\.json** could not be loaded: The file is not valid JSON")
    assert errors[1].startswith(r"**export\.csv** could not be loaded:") and "CSV export" in errors[1]
    assert errors[2].startswith(r"**notes\.json** could not be loaded:") and "schema" in errors[2]
    assert "Apple M3 Pro · macOS 15.1" in {r["machine"] for r in chart_rows(at)}


def test_the_same_file_twice_gets_two_labels():
    at = upload(open_page(), ("a.json", m3_file()), ("b.json", m3_file()))
    machines = {r["machine"] for r in chart_rows(at)}
    assert {"Apple M3 Pro · macOS 15.1", "Apple M3 Pro · macOS 15.1 (2)"} <= machines


def test_files_with_no_common_size_still_chart():
    small = result_bytes({"cpu": "Small", "os": "Linux"}, [row(size=8, backend="numpy")])
    at = open_page()
    at.toggle(key="compare_samples").set_value(False).run()
    at = upload(at, ("small.json", small), ("m3.json", m3_file()))
    assert not at.exception
    assert "No size was timed in every file" in texts(at.info)
    assert len(charts(at)) == 1


def test_a_revisit_reuses_the_charts_spec_and_a_new_choice_builds_its_own(monkeypatch):
    """The files do not change between reruns: the chart's Vega-Lite spec is kept per data and options
    (building and validating it took about 0.1 s a visit), and a toggle that changes it builds anew."""
    from ui import bench_charts

    built = []
    real = bench_charts.time_chart
    monkeypatch.setattr(bench_charts, "time_chart", lambda *a, **k: built.append(k["spread"]) or real(*a, **k))
    bench_charts.time_spec.clear()
    at = open_page()
    at.run()
    assert built == [True] and len(charts(at)) == 1
    at.toggle(key="compare_spread").set_value(False).run()
    assert built == [True, False] and "area" not in marks(charts(at)[0][0])  # the band is gone
    at.toggle(key="compare_spread").set_value(True).run()
    assert built == [True, False] and "area" in marks(charts(at)[0][0])


def marks(spec) -> list[str]:
    return [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in spec["layer"]]


def test_a_chart_of_more_rows_than_altair_converts_by_itself_is_built():
    """Altair's own data conversion refuses more than 5,000 rows; a file may hold more for one operation."""
    import pandas as pd

    from ui import bench_charts

    records = pd.DataFrame([{"size": 2 ** (i % 12 + 1), "time_ms": 1.0 + i, "low_ms": 0.5 + i, "high_ms": 1.5 + i,
                             "series": f"s{i // 12}"} for i in range(6000)])
    spec = bench_charts.time_spec(records, spread=True)
    assert [len(values) for values in spec["datasets"].values()] == [6000]


def test_an_uploaded_files_machine_reads_as_text_with_no_markup_shown():
    """The caption under an uploaded file says what its machine block says, as text: no literal ``**``
    or backticks from the way the Measure pages lay the same facts out."""
    at = upload(open_page(), ("m3.json", m3_file()))
    (caption,) = [c.value for c in at.caption if "m3" in c.value and "created" in c.value]
    shown = apptest.unescaped(caption)
    assert "Apple M3 Pro, 12 cores" in shown and "**" not in shown.replace("**Sample**", "") and "`" not in shown


def test_the_intro_names_every_kind_a_file_can_hold_and_its_command():
    from kernels.measure.kinds import with_pages

    at = open_page()
    intro = at.markdown[0].value + " " + at.get("file_uploader")[0].proto.label
    for kind in with_pages():
        assert kind.title in intro and f"python -m {type(kind).__module__.rpartition('.')[0]}" in intro
