"""Runs on the Measure pages live in their own thread, in a real browser: two tabs that press Run
together are timed one after the other (the second says it waits), a display control changed mid-run
does not stop the run, and a small-models file from the command line charts on Compare machines."""
from __future__ import annotations

import subprocess
import sys
from datetime import datetime

from kernels.measure.results import load
from tests.devices import PAIRS

from . import bench_helpers, harness


def only_matmul(page) -> None:
    """Leave one operation (matmul) in the Benchmarks page's multiselect, at the smallest time budget:
    a short run."""
    box = page.locator('[data-testid="stMultiSelect"] input').first
    while bench_helpers.chosen_ops(page) > 1:
        box.click()
        box.press("Backspace")
        harness.wait_for_run(page)
    page.keyboard.press("Escape")
    budget = page.locator('[data-testid="stSlider"]', has_text="Time budget").get_by_role("slider")
    budget.focus()
    budget.press("Home")  # the first of the budgets on offer
    page.wait_for_function("""() => [...document.querySelectorAll('[data-testid="stSlider"]')]
        .filter(s => s.innerText.includes('Time budget'))
        .some(s => [...s.querySelectorAll('[data-testid="stSliderThumbValue"]')]
                   .some(v => v.innerText.trim() === '0.01 s'))""")
    harness.wait_for_run(page)


def finished(page, timeout_ms: float = 120_000) -> None:
    """Wait for the run to end and the page to have drawn its end (the downloads come last)."""
    page.wait_for_function(bench_helpers.CHARTS_DRAWN, arg=1, timeout=timeout_ms, polling=100)
    harness.wait_for_run(page, timeout_ms)


def download_json(page, tmp_path, name: str):
    with page.expect_download() as info:
        page.locator('[data-testid="stDownloadButton"] button', has_text="Download JSON").click()
    path = tmp_path / name
    info.value.save_as(path)
    return load(path)


def test_two_tabs_pressing_run_together_are_timed_one_after_the_other(browser, app_url, tmp_path):
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
                for _ in range(2)]
    try:
        pages = []
        for context in contexts:
            page = context.new_page()
            page.set_default_timeout(60_000)
            page.goto(app_url)
            harness.wait_for_run(page)
            harness.open_from_nav(page, "Benchmarks")
            only_matmul(page)
            pages.append(page)
        for page in pages:
            bench_helpers.run_button(page).click()
        # One of them measures, the other says it is waiting for it.
        waiting = pages[1].get_by_text("Waiting for the run in progress elsewhere").first
        waiting.wait_for(timeout=30_000)
        pages[1].get_by_text("Benchmarks: Matrix multiply").first.wait_for(timeout=10_000)  # whose run it waits for
        for page in pages:
            finished(page)
            assert harness.exceptions(page) == []
        first, second = (download_json(page, tmp_path, f"tab{i}.json") for i, page in enumerate(pages))
        spans = sorted((datetime.fromisoformat(r.settings["started"]), datetime.fromisoformat(r.settings["finished"]))
                       for r in (first, second))
        assert spans[0][1] <= spans[1][0], spans  # the later run started only once the earlier had finished
        assert len(first.results) == len(second.results) == 4 * len(PAIRS)  # 4 sizes × every (library, device)
    finally:
        for context in contexts:
            context.close()


def test_a_display_control_changed_mid_run_does_not_stop_it(page):
    harness.open_from_nav(page, "Benchmarks")
    only_matmul(page)
    bench_helpers.run_button(page).click()
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for()  # rows are arriving
    page.get_by_text("min – max band").click()  # a display control: redraws, never restarts the run
    finished(page)
    text = harness.main_text(page)
    assert f"Finished {4 * len(PAIRS)} measurements" in text and "Stopped after" not in text
    assert harness.exceptions(page) == []


def test_a_small_models_file_from_the_command_line_charts_on_compare(page, tmp_path):
    out = tmp_path / "models.json"
    done = subprocess.run([sys.executable, "-m", "kernels.models", "--model", "mlp", "--batch", "4", "--width", "8",
                           "--steps", "4", "--backends", "numpy,torch", "--quiet", "--out", str(out)],
                          cwd=harness.ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    harness.open_from_nav(page, "Compare machines")
    page.get_by_text("Include the sample files").click()  # only the uploaded file
    page.get_by_text("No result file loaded yet").wait_for()  # what only the toggle's rerun shows
    harness.wait_for_run(page)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(out))
    page.get_by_text("Small models · models.json").wait_for()  # what only the upload's rerun shows
    harness.wait_for_run(page)
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0
    chart = page.locator('[data-testid="stVegaLiteChart"]')
    assert chart.count() == 1
    page.wait_for_function("""() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
        .some(c => [...c.querySelectorAll('canvas, svg.marks')].some(el => el.getBoundingClientRect().width > 0))""")
    text = harness.main_text(page)
    assert "MLP · batch 4 · width 8" in text and "Small models · models.json" in text
    assert harness.exceptions(page) == []
