"""Cold start and per-page render time of the real app in headless Chromium.

    .venv/bin/python -m scripts.measure_startup [--runs 3]

Cold start: from launching `streamlit run app.py` to the first page fully rendered in the
browser (script run finished, title shown). Page render: from clicking a page's link in the
sidebar to that page's script run finishing. Prints the median and range over the runs.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time

from tests.browser import harness
from ui.nav import PAGES


def one_run(chromium: str) -> dict[str, float]:
    times: dict[str, float] = {}
    with harness.streamlit_server() as (url, started):
        times["server answers health check"] = time.perf_counter() - started
        with harness.chromium(chromium) as browser:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            harness.wait_for_run(page)
            times["cold start (launch → first page rendered)"] = time.perf_counter() - started
            for spec in sorted(PAGES, key=lambda s: s.default):  # Home last: the start page is Home
                t0 = time.perf_counter()
                harness.open_from_nav(page, spec.title)
                times[f"page: {spec.title}"] = time.perf_counter() - t0
                if harness.exceptions(page):
                    raise RuntimeError(f"{spec.title} shows an exception")
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="cold starts to measure (default 3)")
    args = parser.parse_args(argv)
    chromium = harness.find_chromium()
    if chromium is None:
        print("no Chromium found: install it or set CHROMIUM=/path/to/chromium", file=sys.stderr)
        return 2
    runs = [one_run(chromium) for _ in range(args.runs)]
    print(f"{'measurement':52s} {'median':>8s} {'min':>8s} {'max':>8s}   ({args.runs} runs)")
    for key in runs[0]:
        values = [r[key] for r in runs]
        print(f"{key:52s} {statistics.median(values):7.2f}s {min(values):7.2f}s {max(values):7.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
