"""Nothing leaves the machine: every request the app's pages make goes to the app's own server.

Records every request (and WebSocket) the browser makes and fails on any request to a host other
than the test server (localhost / 127.0.0.1 / ::1 on its port), listing the offending URLs. data:
and blob: URLs never leave the browser and are allowed. The walk through every page from the
navigation is test_navigation's, which records its requests with :func:`outside` too.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from ui.nav import PAGES

from . import harness

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
IN_BROWSER_SCHEMES = {"data", "blob", "about"}


def outside(urls: list[str], app_url: str) -> list[str]:
    """The URLs, in order and without repeats, that go anywhere but the app's own server."""
    port = urlsplit(app_url).port
    bad: list[str] = []
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme in IN_BROWSER_SCHEMES:
            continue
        if parts.hostname in LOCAL_HOSTS and parts.port == port:
            continue
        if url not in bad:
            bad.append(url)
    return bad


def test_outside_lets_only_the_apps_own_server_through():
    app = "http://localhost:8501"
    assert outside(["http://localhost:8501/", "ws://127.0.0.1:8501/_stcore/stream",
                    "http://[::1]:8501/media/x.png", "data:image/svg+xml,<svg/>"], app) == []
    assert outside(["https://fonts.gstatic.com/a.svg", "http://localhost:9999/", "https://fonts.gstatic.com/a.svg",
                    "http://localhost.example.com:8501/"], app) == [
        "https://fonts.gstatic.com/a.svg", "http://localhost:9999/", "http://localhost.example.com:8501/"]


def test_a_page_opened_by_its_address_asks_no_other_host(browser, app_url):
    """A page opened by its own address starts a new session: the favicon is chosen again. (Opening
    every page from the navigation is checked the same way in test_navigation, in its one walk.)"""
    urls: list[str] = []
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.on("request", lambda request: urls.append(request.url))
    try:
        page = context.new_page()
        page.on("websocket", lambda ws: urls.append(ws.url))
        page.set_default_timeout(30_000)
        deep = next(s for s in PAGES if not s.default)
        page.goto(f"{app_url}/{deep.url_path}")
        harness.wait_for_run(page)
        page.wait_for_timeout(500)  # let the favicon <link> that the page config set be fetched
        icons = favicons(page)
    finally:
        context.close()
    assert urls, "no request was recorded at all"
    bad = outside(urls + icons, app_url)
    assert bad == [], "requests to hosts other than the app's own server:\n" + "\n".join(bad)


def favicons(page) -> list[str]:
    return page.evaluate("() => [...document.querySelectorAll('link[rel~=\"icon\"]')].map(l => l.href)")
