"""Driving the Benchmarks page in a real browser: click Run and wait for the last chart.

Shared by tests/browser/test_measure.py and scripts/measure_benchmarks_page.py, so the test
and the measurement wait for the same thing.
"""
from __future__ import annotations

import time

# Done when the script run has finished, the page says "Finished", the downloads are offered (drawn
# last, in the run that follows the measuring one), and at least ``n`` charts are drawn (a non-empty
# canvas or SVG inside each).
CHARTS_DRAWN = """(n) => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    const main = document.querySelector('[data-testid="stMain"]');
    if (!main || !main.innerText.includes('Finished')) return false;
    if (main.querySelectorAll('[data-testid="stDownloadButton"]').length < 2) return false;
    const charts = [...main.querySelectorAll('[data-testid="stVegaLiteChart"]')];
    if (charts.length < n) return false;
    return charts.every(c => [...c.querySelectorAll('canvas, svg.marks')]
        .some(el => el.getBoundingClientRect().width > 0));
}"""

SCRIPT_RUNNING = """() => document.querySelector('[data-testid="stApp"]')
    .getAttribute('data-test-script-state') === 'running'"""


def run_button(page):
    return page.locator('[data-testid="stMain"] button', has_text="Run ·").first


def chosen_ops(page) -> int:
    """How many operations the multiselect holds (the page draws three charts for each)."""
    return page.locator('[data-testid="stMultiSelectTagsContainer"] [data-tag]').count()


def click_run_and_wait(page, timeout_ms: float = 120_000) -> tuple[float, str, int]:
    """Click Run; return (seconds from the click to the last chart drawn, the button's label, charts)."""
    button = run_button(page)
    label = " ".join(button.inner_text().split()).replace("play_arrow ", "")
    charts = 3 * chosen_ops(page) + 1  # time, throughput and speedup per operation, then the roofline
    start = time.perf_counter()
    button.click()
    page.wait_for_function(SCRIPT_RUNNING, timeout=10_000)
    page.wait_for_function(CHARTS_DRAWN, arg=charts, timeout=timeout_ms, polling=100)
    return time.perf_counter() - start, label, charts
