"""Each Learn page in headless Chromium: move a control, see the output change; pictures really drawn."""
from __future__ import annotations

import pytest

from ui.nav import PAGES

from . import harness

LEARN = [p for p in PAGES if p.section == "Learn" and not p.default]




def rerun_after(page, action) -> None:
    """Do ``action`` and wait for the script run it triggers to finish.

    A run counts as started when any change of the script state went to or from "running". The
    observer's callback comes after a batch of changes: a quick run (a cached page) can go running
    and back before it, so the state read at that point may already say notRunning."""
    page.evaluate("() => { window.__ran = false; const app = document.querySelector('[data-testid=\"stApp\"]');"
                  " new MutationObserver(records => { if (records.some(r => r.oldValue === 'running')"
                  " || app.getAttribute('data-test-script-state') === 'running') window.__ran = true; })"
                  ".observe(app, {attributes: true, attributeFilter: ['data-test-script-state'],"
                  " attributeOldValue: true}); }")
    action()
    page.wait_for_function("() => window.__ran === true", timeout=30_000)
    harness.wait_for_run(page)


def nudge_first_slider(page):
    thumb = page.locator('[data-testid="stSlider"] input[type="range"]').first
    thumb.focus()
    thumb.press("ArrowRight")


def fill(label: str, text: str):
    def act(page):
        box = page.get_by_role("textbox", name=label)
        box.fill(text)
        box.press("Enter")
    return act


def in_section(title: str, then):
    """Open a section that runs only when opened (ui.lesson.section), then do ``then`` inside it."""
    def act(page):
        summary = page.locator('[data-testid="stExpander"] summary', has_text=title).first
        # The page keeps a section's state for the session: an earlier test may have opened it already,
        # and a click would close it.
        if not summary.evaluate("s => s.closest('details').open"):
            rerun_after(page, summary.click)
        then(page)
    return act


ACTIONS = {
    "creating": nudge_first_slider,
    "scaling": nudge_first_slider,
    "dimensions": in_section("2 · Reducing one axis of a matrix", nudge_first_slider),
    "lazy": in_section("2 · The same matmul, timed naively and synced", nudge_first_slider),
    "gradients": fill("x (a list, or a list of rows)", "[[1, 2], [3, 7]]"),
    "broadcasting": fill("Shape of b (up to 6 sizes, e.g. 5,6,1,3,1,2)", "7,5"),
    "conversions": fill("Values of the source array (a Python list)", "[4, 5, 6]"),
    "indexing": in_section("2 · Updates at repeated indices",
                           fill("Indices to add 1 at (repeats allowed)", "[1, 1, 1, 3]")),
    "random": nudge_first_slider,
    "devices": in_section("3 · What moving costs, timed", nudge_first_slider),
    "compilation": in_section("2 · What breaks tracing", fill("Input lengths, one call each", "4, 8, 8")),
}


def test_every_learn_page_has_an_action():
    assert {p.url_path for p in LEARN} == set(ACTIONS)


@pytest.mark.parametrize("spec", LEARN, ids=lambda p: p.url_path)
def test_moving_a_control_changes_the_output(page, spec):
    harness.open_from_nav(page, spec.title)
    before = harness.main_text(page)
    rerun_after(page, lambda: ACTIONS[spec.url_path](page))
    assert harness.exceptions(page) == []
    assert harness.main_text(page) != before
    assert page.locator('[data-testid="stCode"]').count() >= 3, "the three columns show code"


def test_scaling_page_draws_its_pictures(page):
    harness.open_from_nav(page, "Scaling by different amounts")
    in_section("A batch", lambda page: None)(page)  # the batch's pictures come with its section
    images = page.locator('[data-testid="stImage"] img, [data-testid="stFullScreenFrame"] img')
    images.first.wait_for()
    page.wait_for_function("() => [...document.querySelectorAll('[data-testid=\"stMain\"] img')]"
                           ".filter(i => i.complete && i.naturalWidth > 0).length >= 1 + 3 + 2 + 12",
                           timeout=30_000)
    sizes = images.evaluate_all("imgs => imgs.map(i => [i.complete, i.naturalWidth, i.naturalHeight])")
    assert len(sizes) >= 1 + 3 + 2 + 12, sizes  # one picture before and three after; the batch's 2 and 12
    assert all(ok and w > 0 and h > 0 for ok, w, h in sizes), sizes


def test_notebook_download_is_built_on_click_and_holds_the_page_as_shown(page, tmp_path):
    """The notebook is made when the button is pressed (not on every run of the page): what arrives
    is a valid notebook holding the code the page shows, with the value just typed."""
    from kernels.notebook import code_cells

    harness.open_from_nav(page, "Broadcasting")
    rerun_after(page, lambda: fill("Shape of b (up to 6 sizes, e.g. 5,6,1,3,1,2)", "6,1")(page))
    with page.expect_download() as info:
        page.get_by_role("button", name="Download as a Jupyter notebook").click()
    download = info.value
    assert download.suggested_filename == "broadcasting.ipynb"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    cells = code_cells(path.read_bytes())
    shown = page.locator('[data-testid="stCode"]').all_inner_texts()
    typed = [c for c in cells if "(6, 1)" in c]
    assert typed, (cells, shown)
    assert {c.strip() for c in typed} <= {s.strip() for s in shown}, (typed, shown)


LEARN_CHART_DRAWN = """() => {
    const charts = [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stVegaLiteChart"]')];
    return charts.length >= 1 && charts.every(c => [...c.querySelectorAll('canvas, svg.marks')]
        .some(el => el.getBoundingClientRect().width > 0 && el.getBoundingClientRect().height > 0));
}"""


CHART_SECTIONS = {"Operations across dimensions": "2 · Reducing one axis of a matrix",
                  "Lazy and asynchronous execution": "2 · The same matmul, timed naively and synced",
                  "Gradients": "How the step h decides the finite differences"}  # drawn when opened


@pytest.mark.parametrize("title", ["Operations across dimensions", "Gradients", "Lazy and asynchronous execution"])
def test_learn_charts_are_drawn(page, title):
    """The charts built in ui/learn_charts.py (two from a kept Vega-Lite spec) really draw."""
    harness.open_from_nav(page, title)
    if title in CHART_SECTIONS:
        in_section(CHART_SECTIONS[title], lambda page: None)(page)
    page.wait_for_function(LEARN_CHART_DRAWN, timeout=30_000)
    assert harness.exceptions(page) == []
