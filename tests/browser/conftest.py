"""Fixtures for real-browser tests: one `streamlit run app.py` server and one headless Chromium per session.

Without a Chromium the tests skip with a message saying how to get one, except where
REQUIRE_BROWSER=1 (CI), where a missing browser is a failure.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from . import harness

SCREENSHOTS = harness.ROOT / "artifacts" / "screenshots"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in Path(item.fspath).as_posix():
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium_path():
    path = harness.find_chromium()
    if path is None:
        message = ("no Chromium found: install it (Debian/Ubuntu: 'sudo apt-get install chromium'; "
                   "macOS: install Google Chrome) or set CHROMIUM=/path/to/chromium")
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message + " (REQUIRE_BROWSER=1: browser tests must run)")
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def app_url():
    with harness.streamlit_server() as (url, _):
        yield url


@pytest.fixture(scope="session")
def browser(chromium_path):
    with harness.chromium(chromium_path) as b:
        yield b


@pytest.fixture
def page(browser, app_url):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    pg.goto(app_url)
    harness.wait_for_run(pg)
    yield pg
    context.close()


@pytest.fixture(scope="session")
def screenshots():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
