"""Drive the real app: start `streamlit run app.py` on a free port and open it in headless Chromium.

Used by the browser tests and by scripts/measure_startup.py, so both measure the same thing.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--disable-quic", "--no-first-run",
]
MAC_CHROME = "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"


def find_chromium() -> str | None:
    """$CHROMIUM, then Debian's chromium, then a Chrome on a Mac."""
    candidates = [os.environ.get("CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium",
                  shutil.which("chromium-browser"), shutil.which("google-chrome"), MAC_CHROME]
    return next((c for c in candidates if c and os.path.exists(c)), None)


def chromium_for_script() -> str | None:
    """:func:`find_chromium` for a script: None, once it has said on stderr what to install."""
    found = find_chromium()
    if found is None:
        print("no Chromium found: install it or set CHROMIUM=/path/to/chromium", file=sys.stderr)
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def streamlit_server(timeout: float = 90.0):
    """Yields (base_url, started_at) once the app's server answers its health check."""
    return streamlit_script_server("app.py", timeout)


@contextmanager
def chromium(executable: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def wait_for_run(page, timeout_ms: float = 60_000) -> None:
    """Wait until the script run that the last action started has finished.

    Streamlit marks its root with data-test-script-state; a run is done when it reads
    "notRunning" with the page's title drawn and no element still waiting for its lazily
    loaded code (a stSkeleton placeholder), and still does a moment later (a first visit
    can chain two runs: the navigation's, then the page's).
    """
    for _ in range(3):
        page.wait_for_function(RENDERED, timeout=timeout_ms)
        page.wait_for_timeout(250)
        if page.evaluate(RENDERED):
            return
    page.wait_for_function(RENDERED, timeout=timeout_ms)


RENDERED = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    return !!app && app.getAttribute('data-test-script-state') === 'notRunning'
        && !!document.querySelector('[data-testid="stMain"] h1')
        && !document.querySelector('[data-testid="stSkeleton"], [data-testid="stAppSkeleton"]');
}"""


def open_from_nav(page, title: str, timeout_ms: float = 60_000) -> None:
    """Click a page's link in the sidebar navigation and wait for that page to finish rendering."""
    page.locator('[data-testid="stSidebarNav"] a', has_text=title).first.click()
    page.wait_for_function(
        """(t) => {
            const h1 = document.querySelector('[data-testid="stMain"] h1');
            return !!h1 && h1.innerText.includes(t);
        }""",
        arg=title_heading(title), timeout=timeout_ms,
    )
    wait_for_run(page, timeout_ms)


def title_heading(title: str) -> str:
    """The h1 a page shows for its navigation title (Home's heading is the app's name)."""
    return "NumPy · PyTorch · MLX" if title == "Home" else title


def exceptions(page) -> list[str]:
    return page.locator('[data-testid="stException"]').all_inner_texts()


def main_text(page) -> str:
    """The text of the page's main area (the sidebar left out)."""
    return page.locator('[data-testid="stMain"]').inner_text()


@contextmanager
def streamlit_script_server(script: str | os.PathLike, timeout: float = 90.0):
    """`streamlit run SCRIPT` from the repository root (so the same .streamlit/config.toml and flags
    apply, on a free port); yields (base_url, started_at) once it answers its health check. The app
    runs this way (streamlit_server), and so does scripts/measure_startup.py's one-line app."""
    port = free_port()
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
         "--server.headless", "true", "--server.fileWatcherType", "none"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    url = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{proc.stdout.read()}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"streamlit did not answer on {url} within {timeout:.0f} s")
            time.sleep(0.1)
        yield url, started
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def rendered_at(page, condition: str = RENDERED, arg=None, timeout_ms: float = 60_000) -> float:
    """time.perf_counter() when `condition` (a JS predicate, RENDERED by default) became true for good.

    The same settling rule as wait_for_run (still true 250 ms later, up to three tries), but the time
    returned is when the condition was first seen in its final stretch, so a measurement does not
    include the 250 ms spent confirming it.
    """
    for _ in range(3):
        page.wait_for_function(condition, arg=arg, timeout=timeout_ms)
        seen = time.perf_counter()
        page.wait_for_timeout(250)
        if page.evaluate(condition, arg):
            return seen
    page.wait_for_function(condition, arg=arg, timeout=timeout_ms)
    return time.perf_counter()


SHOWS_TEXT = """(text) => {
    const app = document.querySelector('[data-testid="stApp"]');
    const main = document.querySelector('[data-testid="stMain"]');
    return !!app && app.getAttribute('data-test-script-state') === 'notRunning'
        && !!main && main.innerText.includes(text)
        && !document.querySelector('[data-testid="stSkeleton"], [data-testid="stAppSkeleton"]');
}"""


def click_nav_timed(page, title: str, timeout_ms: float = 60_000) -> float:
    """Seconds from clicking a page's sidebar link to that page rendered (see rendered_at)."""
    link = page.locator('[data-testid="stSidebarNav"] a', has_text=title).first
    link.wait_for()
    t0 = time.perf_counter()
    link.click()
    page.wait_for_function(
        """(t) => {
            const h1 = document.querySelector('[data-testid="stMain"] h1');
            return !!h1 && h1.innerText.includes(t);
        }""",
        arg=title_heading(title), timeout=timeout_ms,
    )
    return rendered_at(page, timeout_ms=timeout_ms) - t0
