"""Engines for the measuring process's tests (``kernels.measure.child``): each has an engine's
signature, ``run(tasks, backends, *args, should_stop=..., **kwargs)`` yielding Progress rows, and
does something a real engine can do (block in a call that cannot be interrupted, crash, raise)."""
from __future__ import annotations

import os
import sys
import time

from kernels.measure.rows import Progress


def rows(tasks, backends, *args, should_stop=lambda: False, on_news=None, **kwargs):
    """One row per task, saying when it began (the monotonic clock is the machine's, so the parent
    can compare), which libraries the child found, and what it was given."""
    for done, task in enumerate(tasks, 1):
        began = time.monotonic()
        if on_news is not None:
            on_news({"task": task, "pid": os.getpid()})
        print(f"a library printing to stdout during {task}")  # must not garble the protocol
        row = {"task": task, "began": began, "pid": os.getpid(), "args": list(args), "kwargs": kwargs,
               "found": {name: b.available for name, b in backends.items()},
               "errors": {name: b.error for name, b in backends.items()}}
        yield Progress(done, len(tasks), row, 0.0, f"task {task}")


def blocks(tasks, backends, *, should_stop=lambda: False):
    """One row, then a call that ignores Stop (like a library call in native code) for a minute."""
    yield Progress(1, len(tasks), {"task": tasks[0]}, 0.0, "first")
    time.sleep(60)
    yield Progress(2, len(tasks), {"task": tasks[1]}, 0.0, "never")


def crashes(tasks, backends, *, should_stop=lambda: False):
    """A row, then the process aborts (as a GPU driver can)."""
    yield Progress(1, len(tasks), {"task": tasks[0]}, 0.0, "first")
    sys.stderr.write("fatal: the device went away\n")
    sys.stderr.flush()
    os.abort()


def raises(tasks, backends, *, should_stop=lambda: False):
    raise ValueError("an engine bug\nsecond line")
    yield  # a generator


def listens(tasks, backends, *, should_stop=lambda: False):
    """Rows until told to stop, checking between rows like a real engine."""
    done = 0
    while not should_stop():
        done += 1
        yield Progress(done, 10**6, {"task": done}, 0.0, f"row {done}")
