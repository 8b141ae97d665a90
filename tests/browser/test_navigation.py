"""Every page, opened from the sidebar in headless Chromium: it renders fully and shows no exception."""
from __future__ import annotations

import pytest

from tests.devices import torch_shown
from ui.nav import PAGES

from . import harness
from .test_offline import favicons, outside


def test_every_page_opens_from_the_navigation_and_asks_no_other_host(page, app_url, screenshots):
    """Every page renders fully with no exception, and nothing it loads comes from another host
    (the app works offline: a ':material/...' favicon once fetched an SVG from fonts.gstatic.com)."""
    urls: list[str] = []
    page.context.on("request", lambda request: urls.append(request.url))
    nav_titles = page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()
    icons = {}
    for spec in sorted(PAGES, key=lambda s: s.default):  # Home last: we start there
        assert any(spec.title in t for t in nav_titles), f"{spec.title} missing from {nav_titles}"
        harness.open_from_nav(page, spec.title)
        assert harness.exceptions(page) == [], f"{spec.title}: exception on the page"
        if spec.url_path and not spec.default:
            assert page.url.rstrip("/").endswith(spec.url_path)
        icons[spec.title] = favicons(page)
        page.screenshot(path=str(screenshots / f"{spec.url_path}.png"), full_page=True)
    assert urls, "no request was recorded at all"
    bad = outside(urls, app_url)
    assert bad == [], "requests to hosts other than the app's own server:\n" + "\n".join(bad)
    assert {where: hrefs for where, hrefs in icons.items() if outside(hrefs, app_url)} == {}


def test_a_fresh_server_opens_a_page_from_its_own_address(browser):
    """The first visit after `make run` may be a page's own address (a bookmark, or the tab left open
    on /benchmarks across a restart). Streamlit reads a folder named pages/ as the legacy page list
    until st.navigation first runs, and that first visit said "Page not found" over the page; the
    scripts live in app_pages/ so the first run already knows the app's own addresses."""
    spec = next(s for s in PAGES if s.url_path == "dimensions")
    with harness.streamlit_server() as (url, _):  # a server no session has visited yet
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        try:
            pg = context.new_page()
            pg.goto(f"{url}/{spec.url_path}")
            harness.wait_for_run(pg, timeout_ms=90_000)
            heading = pg.locator('[data-testid="stMain"] h1').first.inner_text()
            assert spec.title in heading
            assert "Page not found" not in pg.locator("body").inner_text()
            assert harness.exceptions(pg) == []
        finally:
            context.close()
    assert not (harness.ROOT / "pages").exists(), "a pages/ folder next to app.py brings the bug back"


def test_home_shows_three_live_columns_and_reacts_to_input(page):
    codes = page.locator('[data-testid="stCode"]').all_inner_texts()
    joined = "\n".join(codes)
    for expected in ("np.array([1, 2, 3])", "torch.tensor([1, 2, 3], device=", "mx.array([1, 2, 3])",
                     torch_shown("tensor([1, 2, 3])"), "array([1, 2, 3], dtype=int32)"):
        assert expected in joined

    box = page.get_by_role("textbox", name="Values (a Python list)")
    box.fill("[0.5, 1, 3, 4]")
    box.press("Enter")
    page.wait_for_selector(f'text={torch_shown("tensor([0.5000, 1.0000, 3.0000, 4.0000])")}')  # the whole block
    harness.wait_for_run(page)
    assert "array([0.5, 1, 3, 4], dtype=float32)" in "\n".join(
        page.locator('[data-testid="stCode"]').all_inner_texts())
    assert harness.exceptions(page) == []


@pytest.mark.parametrize("bad", ["[1, 'a']", "import os"])
def test_bad_input_shows_a_message_not_a_traceback(page, bad):
    box = page.get_by_role("textbox", name="Values (a Python list)")
    box.fill(bad)
    box.press("Enter")
    page.wait_for_selector("text=Can't use that input")
    assert harness.exceptions(page) == []


def test_about_page_shows_versions_and_devices(page):
    harness.open_from_nav(page, "About this machine")
    text = page.locator('[data-testid="stMain"]').inner_text()
    for expected in ("Python", "Memory", "Chip / CPU", "Devices per library", "NumPy", "PyTorch", "MLX",
                     "2.13.0", "0.32.4"):
        assert expected in text
    assert page.locator('[data-testid="stTable"]').count() == 3


def test_the_home_page_answers_at_its_own_address_too(page, app_url):
    """Home is served at "/"; its own address, /home, used to say "Page not found"."""
    page.goto(f"{app_url}/home")
    harness.wait_for_run(page)
    assert "NumPy · PyTorch · MLX" in page.locator('[data-testid="stMain"] h1').first.inner_text()
    assert page.get_by_text("Page not found").count() == 0
    assert harness.exceptions(page) == []
