"""Import what every page needs, in the background, once the first page has drawn.

A page's first visit after the server starts pays for its imports (pandas ≈ 0.9 s, Altair ≈ 0.7 s
here, torch.compile's tracer more): the first click on Creating arrays took 2 s where the second took
0.6 s. The modules the pages import are read from the pages' own source (no list to keep in step),
and imported on a thread while the user reads the first page. The thread imports only while no page
is running (app.py marks each script run with :func:`page_running`): it never competes with a page
for the interpreter, and a page that needs a module mid-import waits for that one import as it would
have waited for its own. Nothing runs but imports: no arrays, no devices, so no library state
outlives a script run.

What was imported lives as long as the server, and the garbage collector need not look at it again:
:func:`settle` moves it out of the collector's sight (``gc.freeze``). Streamlit runs a full collection
after every script run (``runner.postScriptGC``) and holds the interpreter while it does; with PyTorch,
pandas and Altair loaded that collection walked ~370,000 objects and took 0.2-0.5 s here, during which
the server could not send the browser the end of the run, so every page, Home included, waited for it.
"""
from __future__ import annotations

import ast
import gc
import importlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import streamlit as st

from ui import ast_lock
from ui.nav import PAGES

ROOT = Path(__file__).resolve().parents[1]

# Imported inside functions rather than at the top of a page, but costly on a first visit:
# torch.compile's tracer (the Compilation page's first call).
LATER = ("torch._dynamo",)


def page_imports(paths: list[Path] | None = None) -> list[str]:
    """The modules the pages import at their top level, in page order, each once. ``from a import b``
    gives ``a``, and ``a.b`` too where b is one of this app's own modules (a file or package here)."""
    names: list[str] = []
    for path in paths if paths is not None else [ROOT / p.path for p in PAGES]:
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Import):
                names += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.append(node.module)
                folder = ROOT.joinpath(*node.module.split("."))
                names += [f"{node.module}.{alias.name}" for alias in node.names
                          if (folder / f"{alias.name}.py").is_file() or (folder / alias.name / "__init__.py").is_file()]
    return [n for n in dict.fromkeys(names) if n != "__future__"]


_IDLE = threading.Condition()
_running = 0  # script runs in progress, all sessions


@contextmanager
def page_running() -> Iterator[None]:
    """Around a script run: the background imports wait until no run is in progress."""
    global _running
    with _IDLE:
        _running += 1
    try:
        yield
    finally:
        with _IDLE:
            _running -= 1
            _IDLE.notify_all()


def wait_until_idle() -> None:
    with _IDLE:
        _IDLE.wait_for(lambda: _running == 0)


def import_all(names: list[str]) -> list[str]:
    """Import each module that exists, each when no page is running; returns the names that could
    not be imported (a missing library is its page's business: the page says so in its column)."""
    failed = []
    for name in names:
        wait_until_idle()
        try:
            importlib.import_module(name)
        except Exception:  # ImportError, or a library that fails while loading
            failed.append(name)
    wait_until_idle()
    settle()
    return failed


def settle() -> None:
    """Freeze every object alive now (``gc.freeze``): modules, classes and functions that were just
    imported are never garbage, so the full collection after each script run skips them. Called
    after a library is imported (ui.panel) and after the background imports. Objects frozen are
    still freed when nothing refers to them; only a reference cycle among them would stay, and an
    import leaves none worth the 0.2-0.5 s a run would otherwise pay to find it."""
    gc.freeze()


@st.cache_resource(show_spinner=False)
def start() -> threading.Thread:
    """Start the background imports, once per server process."""
    # Importing parses source (pandas, PyTorch, Dynamo do), and pages parse their cells: one parse at
    # a time (ui/ast_lock.py). The pages are read here, on the script's thread.
    ast_lock.install()
    names = page_imports() + list(LATER)
    thread = threading.Thread(target=import_all, args=(names,), name="warm-up imports", daemon=True)
    thread.start()
    return thread
