"""The Measure pages in headless Chromium: run the default benchmark and see the charts, the table
and the downloads; download the JSON, load it on Compare machines and see it charted; a broken
file gets a message naming it; a file that records its machine's ceilings shows its roofline."""
from __future__ import annotations

import json

from kernels.measure.results import load
from tests.devices import PAIRS

from . import bench_helpers, harness
from .bench_helpers import click_run_and_wait


def test_default_run_then_compare_its_file(page, screenshots, tmp_path):
    harness.open_from_nav(page, "Benchmarks")
    assert harness.exceptions(page) == []
    _, _, charts = click_run_and_wait(page)  # how long it takes: scripts/measure_benchmarks_page.py
    assert charts == 10  # three default operations, three charts each, and the roofline
    text = harness.main_text(page)
    n = 3 * 4 * len(PAIRS)  # operations × sizes × every (library, device) here
    assert f"Finished {n} measurements" in text and "Verdict" in text and "Matrix multiply (float32)" in text
    assert "Roofline" in text and "No roofs yet" in text  # the points, waiting for the ceilings
    assert page.locator('[data-testid="stVegaLiteChart"]').count() == 10
    assert page.locator('[data-testid="stDataFrame"]').count() == 1
    assert page.locator('[data-testid="stDownloadButton"]').count() == 2
    assert harness.exceptions(page) == []
    page.locator('[data-testid="stVegaLiteChart"]').first.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "benchmarks-run.png"))

    with page.expect_download() as info:
        page.locator('[data-testid="stDownloadButton"] button', has_text="Download JSON").click()
    download = info.value
    assert download.suggested_filename.startswith("benchmarks-") and download.suggested_filename.endswith(".json")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    result = load(path)
    assert len(result.results) == n and result.machine["cores"]

    harness.open_from_nav(page, "Compare machines")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    page.get_by_text(download.suggested_filename).first.wait_for()
    harness.wait_for_run(page)
    page.wait_for_function("""() => [...document.querySelectorAll('[data-testid="stTextInput"] input')]
                               .some(i => i.value.includes('· Linux') || i.value.includes('· macOS'))""")
    assert page.locator('[data-testid="stVegaLiteChart"]').count() == 1  # the benchmark chart; the models' when opened
    assert harness.exceptions(page) == [] and page.locator('[data-testid="stAlertContentError"]').count() == 0
    text = harness.main_text(page)
    assert "At n = " in text and "Sample · Linux VM, 2 threads" in text

    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        files=[{"name": "broken.json", "mimeType": "application/json", "buffer": b'{"schema": 1, "machine": '}])
    page.get_by_text("broken.json could not be loaded").wait_for()
    harness.wait_for_run(page)
    error = page.locator('[data-testid="stAlertContentError"]').first.inner_text()
    assert "The file is not valid JSON" in error
    assert page.locator('[data-testid="stVegaLiteChart"]').count() == 1  # the good files still show
    page.screenshot(path=str(screenshots / "compare-upload.png"))
    assert harness.exceptions(page) == []
    json.loads(path.read_bytes())  # the download is plain JSON too


def test_stop_keeps_what_was_measured(page):
    harness.open_from_nav(page, "Benchmarks")
    bench_helpers.run_button(page).click()
    page.wait_for_function(bench_helpers.SCRIPT_RUNNING, timeout=10_000)
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for()  # some rows have arrived
    page.locator(".st-key-benchmarks_stop").get_by_role("button", name="Stop", exact=True).click()
    page.get_by_text("Stop was pressed").wait_for(timeout=30_000)
    harness.wait_for_run(page)
    text = harness.main_text(page)
    assert "Stopped after" in text and f"of {3 * 4 * len(PAIRS)} measurements" in text
    assert page.locator(".st-key-benchmarks_stop").count() == 0
    assert page.locator('[data-testid="stDataFrame"]').count() == 1
    assert page.locator('[data-testid="stDownloadButton"]').count() == 2
    assert harness.exceptions(page) == []


DRAWN = """(n) => {
    const charts = [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stVegaLiteChart"]')];
    return charts.length >= n && charts.every(c => [...c.querySelectorAll('canvas, svg.marks')]
        .some(el => el.getBoundingClientRect().width > 0 && el.getBoundingClientRect().height > 0));
}"""


def test_a_file_with_ceilings_shows_its_roofline(page, screenshots, tmp_path, monkeypatch):
    """Measure tiny ceilings and a tiny benchmark with the command line, load the file on Compare
    machines, and see its roofline drawn beside the benchmark chart."""
    from kernels.bench import Settings, ceilings
    from kernels.bench.cli import main

    monkeypatch.setattr(ceilings, "DEFAULT", ceilings.Config(
        compute_sizes=(32, 64), bandwidth_sizes=(32, 64), memory_bytes=64 * 64 * 12,
        settings=Settings(budget_s=0.01, warmup=1)))
    path = tmp_path / "with-ceilings.json"
    assert main(["--ops", "matmul,softmax,add", "--sizes", "32,64", "--ceilings", "--budget", "0.01", "--quiet",
                 "--out", str(path)]) == 0
    assert all(r["bound"] for r in load(path).results)

    harness.open_from_nav(page, "Compare machines")
    page.get_by_text("Include the sample files").click()  # only this file
    harness.wait_for_run(page)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    page.get_by_text("Rooflines, one per file").wait_for(timeout=60_000)
    harness.wait_for_run(page)
    page.wait_for_function(DRAWN, arg=2, timeout=60_000)  # the benchmark chart and the roofline
    assert page.locator('[data-testid="stVegaLiteChart"]').count() == 2
    assert harness.exceptions(page) == [] and page.locator('[data-testid="stAlertContentError"]').count() == 0
    page.locator('[data-testid="stVegaLiteChart"]').nth(1).scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "compare-roofline.png"))
