"""Are the page's numbers the command line's? The Benchmarks page's default sweep and Local
inference's default generation, run through the page (the real app in headless Chromium: click,
watch the charts draw, download the result file) and through the command line, each twice.

    .venv/bin/python -m scripts.page_vs_cli [--runs 2] [--only bench|inference] [--keep DIR]

The runs alternate (page, command line, page, command line) so a drift of the machine reaches both.
Per row (a benchmark's operation · size · library · device; a generation's library · device ·
variant, its decode step and its time to first token) it prints the page's median over the
command line's (each the geometric mean of its runs) beside the command line's second run over its
first. The verdict: the median page/CLI ratio must lie within 0.9–1.1, and no row's page/CLI ratio
may lie further from 1 than the command line's own run-to-run ratios reach (the widest CLI/CLI of
any row, either way). Exits 1 when either fails.
"""
from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.browser import harness
from tests.browser.bench_helpers import click_run_and_wait

ROOT = Path(__file__).resolve().parents[1]
BENCH_CLI = ["-m", "kernels.bench", "--ops", "matmul,softmax,layer_norm", "--sizes", "128,256,512,1024",
             "--dtype", "float32", "--budget", "0.2", "--quiet"]  # the page's defaults
INFERENCE_CLI = ["-m", "kernels.inference", "--preset", "tiny", "--prompt-len", "32", "--new-tokens", "32",
                 "--dtype", "float32", "--variants", "eager,compiled", "--quiet"]
INFERENCE_DONE = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    const main = document.querySelector('[data-testid="stMain"]');
    return !!app && app.getAttribute('data-test-script-state') === 'notRunning' && !!main
        && /Finished \\d+ generation/.test(main.innerText)
        && main.querySelectorAll('[data-testid="stDownloadButton"]').length > 0;
}"""


def bench_rows(result: dict) -> dict[str, float]:
    return {f"{r['op']} n={r['size']} {r['backend']}/{r['device']}": r["median_s"]
            for r in result["results"] if r["status"] == "ok"}


def inference_rows(result: dict) -> dict[str, float]:
    found = {}
    for r in result["results"]:
        if r["status"] == "ok":
            where = f"{r['backend']}/{r['device']} {r['variant']}"
            found[f"{where}: decode step"] = r["median_s"]
            found[f"{where}: first token"] = r["ttft_s"]
    return found


def cli(args: list[str], out: Path) -> dict:
    subprocess.run([sys.executable, *args, "--out", str(out)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return json.loads(out.read_text())


def download(page, button_text: str, out: Path) -> dict:
    with page.expect_download() as info:
        page.locator('[data-testid="stDownloadButton"] button', has_text=button_text).first.click()
    info.value.save_as(out)
    return json.loads(out.read_text())


def page_bench(browser, url: str, out: Path) -> dict:
    page = fresh_page(browser, url, "Benchmarks")
    click_run_and_wait(page, timeout_ms=600_000)
    result = download(page, "Download JSON", out)
    page.context.close()
    return result


def page_inference(browser, url: str, out: Path) -> dict:
    page = fresh_page(browser, url, "Local inference")
    page.locator('[data-testid="stMain"] button', has_text="Generate and time").first.click()
    page.wait_for_function(INFERENCE_DONE, timeout=900_000, polling=200)
    result = download(page, "Download the result file", out)
    page.context.close()
    return result


def fresh_page(browser, url: str, title: str):
    page = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True).new_page()
    page.goto(url)
    harness.wait_for_run(page)
    harness.open_from_nav(page, title)
    return page


def geomean(values: list[float]) -> float:
    return math.exp(statistics.fmean(math.log(v) for v in values))


def compare(name: str, pages: list[dict[str, float]], clis: list[dict[str, float]]) -> bool:
    keys = [k for k in pages[0] if all(k in run for run in pages + clis)]
    rows = []
    for key in keys:
        page_cli = geomean([run[key] for run in pages]) / geomean([run[key] for run in clis])
        cli_cli = clis[-1][key] / clis[0][key]
        rows.append((key, page_cli, cli_cli))
    reach = max(abs(math.log(c)) for _, _, c in rows) if rows else 0.0
    print(f"\n{name}: {len(rows)} rows, page/CLI and CLI/CLI (median time ratios; 1.00 = the same)")
    print(f"{'row':44s} {'page/CLI':>9s} {'CLI/CLI':>8s}")
    out = []
    for key, page_cli, cli_cli in rows:
        outside = abs(math.log(page_cli)) > reach + 1e-12
        out.append(outside)
        print(f"{key:44s} {page_cli:9.2f} {cli_cli:8.2f}" + ("   <- outside the CLI's own spread" if outside else ""))
    middle = statistics.median(p for _, p, _ in rows)
    print(f"median page/CLI {middle:.3f} (goal 0.9–1.1); the CLI's own run-to-run ratios reach "
          f"{math.exp(-reach):.2f}–{math.exp(reach):.2f}; rows outside that: {sum(out)} of {len(rows)}")
    return 0.9 <= middle <= 1.1 and not any(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=2, help="runs of each, page and command line (default 2)")
    parser.add_argument("--only", choices=("bench", "inference"), help="one of the two comparisons")
    parser.add_argument("--keep", help="a folder to keep every result file in")
    args = parser.parse_args(argv)
    chromium = harness.chromium_for_script()
    if chromium is None:
        return 2
    folder = Path(args.keep or tempfile.mkdtemp(prefix="page_vs_cli-"))
    folder.mkdir(parents=True, exist_ok=True)
    kinds = [k for k in ("bench", "inference") if args.only in (None, k)]
    good = True
    with harness.streamlit_server() as (url, _), harness.chromium(chromium) as browser:
        for kind in kinds:
            pages, clis = [], []
            for i in range(args.runs):
                began = time.perf_counter()
                if kind == "bench":
                    pages.append(bench_rows(page_bench(browser, url, folder / f"bench-page-{i}.json")))
                    clis.append(bench_rows(cli(BENCH_CLI, folder / f"bench-cli-{i}.json")))
                else:
                    pages.append(inference_rows(page_inference(browser, url, folder / f"inference-page-{i}.json")))
                    clis.append(inference_rows(cli(INFERENCE_CLI, folder / f"inference-cli-{i}.json")))
                print(f"{kind} run {i + 1}: page and command line in {time.perf_counter() - began:.0f} s", flush=True)
            good &= compare("Benchmarks, default sweep" if kind == "bench" else "Local inference, default generation",
                            pages, clis)
    print(f"\nresult files: {folder}")
    return 0 if good else 1


if __name__ == "__main__":
    raise SystemExit(main())
