"""A run in progress, of any kind, measured in a thread of its own: what a page shows live.

A Streamlit script run is interrupted by any click (a chart option, leaving the page), so the
measuring cannot live in the script: :meth:`LiveRun.measure` hands a :class:`~.child.Job` to a
process of its own (``kernels.measure.child``: the command lines' engine, with nothing of the
server's in its interpreter), and a worker thread here follows it; each script run only reads
the :class:`LiveRun` (kept in the session) and draws it. A click redraws; it never aborts the
run. Stop (:meth:`LiveRun.request_stop`) and a closed tab (the ``alive`` check) end it within a
second: the child is asked to stop, then killed, whatever it is doing.

One run at a time in the whole server (:data:`SLOT`): a second run waits, says for whom, and
starts when the first ends (its child has exited), so two tabs never time each other. Only plain
rows come back from the child: no array of any library crosses a thread or a process.

Pure Python: no Streamlit here (``ui/live.py`` draws a LiveRun on a page).
"""
from __future__ import annotations

import atexit
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .child import Job, steps_in_child
from .results import ResultFile, new_result_file
from .rows import Progress, error_message
from .words import about

STATES = ("waiting", "running", "done", "stopped", "failed")
ACTIVE = ("waiting", "running")
DRAW_WAIT_S = 1.0  # after a row, how long the worker waits for the page to draw it before going on


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class Slot:
    """The process-wide right to measure: held by one run at a time."""

    def __init__(self):
        self._lock = threading.Lock()
        self.holder: LiveRun | None = None

    def acquire(self, run: LiveRun, should_stop: Callable[[], bool], poll_s: float = 0.1) -> bool:
        """Wait for the slot (saying who holds it on ``run``); False if asked to stop first."""
        while not self._lock.acquire(timeout=poll_s):
            holder = self.holder
            run.waiting_for = holder.describe() if holder is not None else "another run"
            if should_stop():
                return False
        self.holder = run
        run.waiting_for = ""
        return True

    def release(self, run: LiveRun) -> None:
        if self.holder is run:
            self.holder = None
            self._lock.release()

    def hold(self, description: str, should_stop: Callable[[], bool] = lambda: False, owner: str = ""):
        """A context manager for a short measurement made in the caller's thread (the Lazy page's
        demo): it waits its turn like any run. ``owner``: whose it is (a browser session)."""
        run = LiveRun(kind="", total=0, machine={}, settings={}, title=description, owner=owner)
        return _Held(self, run, should_stop)


class _Held:
    def __init__(self, slot: Slot, run: LiveRun, should_stop):
        self.slot, self.run, self.should_stop = slot, run, should_stop

    def __enter__(self) -> LiveRun:
        self.run.state = "running"
        if not self.slot.acquire(self.run, self.should_stop):
            self.run.state = "stopped"
        self.run.started = now_iso()
        return self.run

    def __exit__(self, *exc) -> None:
        self.slot.release(self.run)


SLOT = Slot()
_RUNNING: weakref.WeakSet = weakref.WeakSet()  # runs whose worker has not ended


@atexit.register
def _stop_all_at_exit(timeout_s: float = 5.0) -> None:
    """At interpreter exit, stop every worker and let it finish its step: a daemon thread killed
    inside a library's native code (MLX) aborts the process."""
    runs = list(_RUNNING)
    for run in runs:
        run.request_stop()
    deadline = time.monotonic() + timeout_s
    for run in runs:
        run.join(max(0.0, deadline - time.monotonic()))


@dataclass(eq=False)  # a run is itself: compared and hashed by identity
class LiveRun:
    kind: str  # what the rows are: "bench", "models" (kernels.measure.results.KINDS)
    total: int  # rows planned
    machine: dict  # where it runs (kernels.machine.machine_info)
    settings: dict  # what was asked for, as saved in the result file
    title: str = ""  # what was asked for, in words
    page: str = ""  # where it was started, for a run waiting on it ("Benchmarks")
    noun: str = "measurement"  # what one row is, in words ("training run")
    owner: str = ""  # whose it is, where that matters (the browser session of a short measurement)
    estimate_s: float | None = None
    groups: list[str] = field(default_factory=list)  # sections planned in order (a benchmark's operations)
    series: list[tuple] = field(default_factory=list)  # the (library, device) pairs planned
    rows: list[dict] = field(default_factory=list)
    state: str = "waiting"
    why: str = ""  # why it ended early: "Stop was pressed", "the tab was closed", an error
    line: str = ""  # the latest progress line
    waiting_for: str = ""  # while waiting: who holds the slot
    created: str = field(default_factory=now_iso)  # when Run was pressed
    started: str = ""  # when it got the slot and began measuring
    finished: str = ""
    drawn: int = 0  # rows the page has drawn (the worker waits for it: drawing never overlaps timing)
    partial: dict = field(default_factory=dict)  # the engine's news from inside the row in progress (plain values)
    partial_version: int = 0  # how many times ``partial`` was replaced
    _stop: threading.Event = field(default_factory=threading.Event, repr=False)
    _changed: threading.Condition = field(default_factory=threading.Condition, repr=False)
    _start: float = field(default_factory=time.perf_counter, repr=False)
    _began: float | None = field(default=None, repr=False)
    _ended: float | None = field(default=None, repr=False)
    _alive: Callable[[], bool] = field(default=lambda: True, repr=False)

    # --- running -----------------------------------------------------------------------------

    def measure(self, job: Job, *, pause: Callable[[Mapping], float] = lambda row: 0.0, **start) -> LiveRun:
        """Measure ``job`` in a child process (:mod:`kernels.measure.child`), its rows arriving
        here one by one; ``start`` as for :meth:`start`. After a row, the child waits up to
        ``pause(row)`` seconds for the machine to be quiet (a browser drawing it) before the next."""
        def ready(seconds: float) -> None:
            with self._changed:
                self.line = f"the measuring process is ready ({seconds:.1f} s to import the libraries)"
                self._changed.notify_all()
        return self.start(steps_in_child(job, on_partial=self.set_partial, on_ready=ready, wait_quiet=pause), **start)

    def start(self, steps: Callable[[Callable[[], bool]], Iterable[Progress]], *,
              alive: Callable[[], bool] = lambda: True, pause: Callable[[Mapping], float] = lambda row: 0.0,
              slot: Slot = SLOT, wait_for_drawing: bool = True) -> LiveRun:
        """Measure in a worker thread: wait for ``slot``, then take each row of ``steps(should_stop)``.
        ``alive()`` false (the page's tab closed) stops the run like Stop; ``pause(row)`` seconds
        after a row let a browser draw before the next is timed (:meth:`measure` lets its child
        wait for a quiet machine instead)."""
        self._alive = alive
        _RUNNING.add(self)
        thread = threading.Thread(target=self._work, args=(steps, pause, slot, wait_for_drawing),
                                  name=f"measure-{self.kind}", daemon=True)
        thread.start()
        return self

    def _work(self, steps, pause, slot: Slot, wait_for_drawing: bool) -> None:
        try:
            if not slot.acquire(self, self.should_stop):
                self._end("stopped")
                return
            try:
                self._begin()
                for step in steps(self.should_stop):
                    self._add(step)
                    if wait_for_drawing:
                        self._wait_drawn(len(self.rows))
                    rest = pause(step.row)
                    if rest > 0 and not self.should_stop():
                        time.sleep(rest)
                self._end("stopped" if self.should_stop() else "done")
            finally:
                slot.release(self)
        except Exception as exc:  # an engine bug: the run ends and says so; the page lives on
            self.why = error_message(exc)
            self._end("failed")

    def should_stop(self) -> bool:
        """Stop pressed, or nobody is watching any more (the tab was closed)."""
        if self._stop.is_set():
            return True
        if not self._alive():
            self.why = self.why or "the tab was closed"
            self._stop.set()
            return True
        return False

    def request_stop(self) -> None:
        """The Stop button: the worker ends within about a second, keeping finished rows."""
        if self.state in ACTIVE:
            self.why = self.why or ("Stop was pressed" if self.state == "running" else "cancelled while waiting")
            self._stop.set()
            with self._changed:
                self._changed.notify_all()

    def set_partial(self, values: Mapping) -> None:
        """What the engine reports from inside the row being measured (the tokens generated so far),
        as plain values: a page can show it before the row is done. Called from the worker thread;
        an engine calls it sparingly (a few times a second), since a page redraws each time."""
        with self._changed:
            self.partial = dict(values)
            self.partial_version += 1
            self._changed.notify_all()

    def _begin(self) -> None:
        with self._changed:
            self.state, self.started, self._began = "running", now_iso(), time.perf_counter()
            self.line = self.line or "starting a process of its own to measure in"
            self._changed.notify_all()

    def _add(self, step: Progress) -> None:
        with self._changed:
            self.rows.append(dict(step.row))
            self.line = step.line
            self._changed.notify_all()

    def _end(self, state: str) -> None:
        with self._changed:
            self.state, self.finished, self._ended = state, now_iso(), time.perf_counter()
            self._changed.notify_all()
        _RUNNING.discard(self)

    def _wait_drawn(self, count: int) -> None:
        deadline = time.monotonic() + DRAW_WAIT_S
        with self._changed:
            while self.drawn < count and not self._stop.is_set():
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._changed.wait(left)

    # --- watching ----------------------------------------------------------------------------

    def mark_drawn(self, count: int) -> None:
        """The page has drawn ``count`` rows: the worker may time the next."""
        with self._changed:
            self.drawn = max(self.drawn, count)
            self._changed.notify_all()

    def wait_for_change(self, seen_rows: int, seen_state: str, timeout: float = 0.5,
                        seen_partial: int | None = None) -> None:
        """Block until a row is added or the state changes (or ``timeout`` passes); with
        ``seen_partial``, also until ``partial`` is replaced after that version."""
        with self._changed:
            if (len(self.rows) == seen_rows and self.state == seen_state
                    and (seen_partial is None or self.partial_version == seen_partial)):
                self._changed.wait(timeout)

    def join(self, timeout: float = 60.0) -> bool:
        """Wait until the run has ended; True if it did."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self.active and time.monotonic() < deadline:
                self.drawn = len(self.rows)  # nobody draws: let the worker go on
                self._changed.notify_all()
                self._changed.wait(0.05)
        return not self.active

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    @property
    def stopping(self) -> bool:
        """Stop was asked for and the worker is finishing the step in progress."""
        return self.active and self._stop.is_set()

    @property
    def done(self) -> int:
        return len(self.rows)

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0

    @property
    def elapsed_s(self) -> float:
        if self._began is None:
            return 0.0
        return (self._ended or time.perf_counter()) - self._began

    def describe(self) -> str:
        """Who holds the slot, for a run waiting on it: ``Benchmarks: Matrix multiply · n = 16–64
        (started 12:00:01, 5 of 12 measured)``."""
        where = f"{self.page}: " if self.page else ""
        since = f"started {self.started[11:19]} UTC" if self.started else ""
        if not self.total:  # a short measurement made in a page's script: no rows to count
            return f"{where}{self.title}" + (f" ({since})" if since else "")
        return f"{where}{self.title} ({since + ', ' if since else ''}{self.done} of {self.total} {self.noun}s done)"

    def status_text(self) -> str:
        """One line for the page: how far it got and why it ended."""
        took = f"{self.elapsed_s:.1f} s"
        guess = f" (estimated {about(self.estimate_s)})" if self.estimate_s else ""
        if self.state == "waiting":
            return (f"Waiting for the run in progress elsewhere to finish: {self.waiting_for or 'another run'}. "
                    "This run starts when it ends, so the two never time each other.")
        if self.state == "running" and self._stop.is_set():
            return (f"Stopping after {self.done} of {self.total}: the {self.noun} in progress ends at its next "
                    "step (a library call cannot be cut short); what it had not finished is not kept.")
        if self.state == "running":
            return f"Measured {self.done} of {self.total}" + (f" · {self.line}" if self.line else "")
        if self.state == "done":  # the rows that ran, as the estimate counted them; then those that could not
            skipped = sum(r.get("status") == "unsupported" for r in self.rows)
            ran = len(self.rows) - skipped
            return (f"Finished {ran} {self.noun}{'s' if ran != 1 else ''} in {took}{guess}."
                    + (f" {skipped} could not run here (the notes say why)." if skipped else ""))
        if self.state == "failed":
            return f"The run failed after {self.done} of {self.total} ({took}): {self.why}."
        if not self.started:
            return f"Cancelled before it started: {self.why or 'Stop was pressed'}."
        return (f"Stopped after {self.done} of {self.total} {self.noun}s ({took}): {self.why or 'Stop was pressed'}. "
                f"The {self.done} finished are kept; the rest were not measured.")

    def recorded_settings(self) -> dict:
        """What was asked for and when it was measured, as the result file keeps it."""
        return {**self.settings, "started": self.started, "finished": self.finished}

    def result_file(self) -> ResultFile:
        """The result file for what has been measured so far (the download)."""
        return new_result_file(self.kind, self.rows, self.machine, self.recorded_settings(), created=self.created)


def session_file(runs: Sequence[LiveRun], rows: Iterable[Mapping] | None = None) -> ResultFile:
    """A page's runs this session in one result file: their rows (``rows``: as the page shows them,
    by default as measured), the latest run's machine and settings (as the command line writes
    them, with when it was measured), and, when there were several runs, each one's title and
    settings under ``runs``."""
    latest = runs[-1]
    settings = latest.recorded_settings()
    if len(runs) > 1:
        settings["runs"] = [{"title": run.title, "settings": run.recorded_settings()} for run in runs]
    rows = [r for run in runs for r in run.rows] if rows is None else list(rows)
    return new_result_file(latest.kind, rows, latest.machine, settings, created=runs[0].created)
