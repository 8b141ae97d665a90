"""How long the Benchmarks page's default run takes, from the click on Run to the last chart drawn,
in the real app in headless Chromium.

    .venv/bin/python -m scripts.measure_benchmarks_page [--runs 3] [--screenshot PATH]

Each run opens a fresh browser page on one `streamlit run app.py` server, goes to Benchmarks,
reads the estimate on the Run button, clicks it with the default settings, and stops the clock
when the script run has finished, the page says "Finished", and every chart has been drawn
(three per operation, each with a non-empty canvas or SVG). Prints each run, then the median.
"""
from __future__ import annotations

import argparse
import statistics
import sys

from tests.browser import harness
from tests.browser.bench_helpers import click_run_and_wait


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="clicks to time, each on a fresh page (default 3)")
    parser.add_argument("--screenshot", help="save a screenshot of the last run's results here")
    args = parser.parse_args(argv)
    chromium = harness.chromium_for_script()
    if chromium is None:
        return 2
    times = []
    with harness.streamlit_server() as (url, _), harness.chromium(chromium) as browser:
        for i in range(args.runs):
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            page.goto(url)
            harness.wait_for_run(page)
            harness.open_from_nav(page, "Benchmarks")
            seconds, label, charts = click_run_and_wait(page)
            if harness.exceptions(page):
                raise RuntimeError("the Benchmarks page shows an exception")
            times.append(seconds)
            print(f"run {i + 1}: {seconds:.1f} s from click to the last of {charts} charts (button said '{label}')",
                  flush=True)
            if args.screenshot and i == args.runs - 1:
                page.locator('[data-testid="stVegaLiteChart"]').first.scroll_into_view_if_needed()
                page.screenshot(path=args.screenshot)
            context.close()
    print(f"median {statistics.median(times):.1f} s, min {min(times):.1f} s, max {max(times):.1f} s "
          f"over {len(times)} runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
