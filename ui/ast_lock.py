"""One ``ast.parse`` at a time in this process.

CPython 3.11's ``ast.parse`` keeps its recursion count in interpreter-wide state, so two threads
parsing at once can fail with "SystemError: AST constructor recursion depth mismatch" (python/cpython
gh-106905; seen here when the background imports of ui/warmup.py ran beside a page's cells). Importing
pandas, PyTorch or Dynamo parses source too, and Streamlit parses each page it runs. Before starting
a thread that imports, the app wraps ``ast.parse`` in a lock, so parses from any thread (a page's
cells, Streamlit's, a library's) take turns; a parse takes microseconds to milliseconds.
"""
from __future__ import annotations

import ast
import functools
import threading

_LOCK = threading.RLock()


def install() -> None:
    """Wrap ``ast.parse`` in the lock, once per process (a second call does nothing)."""
    if getattr(ast.parse, "_one_at_a_time", False):
        return
    parse = ast.parse

    @functools.wraps(parse)
    def one_at_a_time(*args, **kwargs):
        with _LOCK:
            return parse(*args, **kwargs)

    one_at_a_time._one_at_a_time = True
    ast.parse = one_at_a_time
