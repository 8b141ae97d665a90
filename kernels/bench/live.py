"""A sweep in progress on a page, kept where it survives the page's reruns (Streamlit's session).

A Streamlit page that is running a sweep is interrupted by any click (the Stop button, or a
setting changed mid-run): the script stops at its next Streamlit call and starts again from the
top. So each finished row goes into the :class:`LiveRun` as it arrives, and the next run of the
script calls :meth:`LiveRun.settle`, which turns a run that never reached :meth:`finish` into a
stopped one that keeps what it measured. Pure Python: no Streamlit here.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Mapping

from .estimate import about
from .results import ResultFile, new_result_file

STATES = ("running", "done", "stopped", "interrupted")


@dataclass
class LiveRun:
    total: int  # measurements planned
    machine: dict  # where it runs (kernels.machine.machine_info)
    settings: dict  # Settings.as_dict()
    estimate_s: float | None = None
    title: str = ""  # what was asked for, in words
    ops: list[str] = field(default_factory=list)  # the operations planned, in order
    series: list[tuple[str, str]] = field(default_factory=list)  # the (library, device) pairs planned
    rows: list[dict] = field(default_factory=list)
    state: str = "running"
    elapsed_s: float = 0.0
    current: str = ""  # the measurement's name in progress, or the last one finished
    created: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    _start: float = field(default_factory=time.perf_counter, repr=False)

    def add(self, row: Mapping, elapsed_s: float | None = None) -> None:
        """A finished measurement (``Progress.row``), kept at once."""
        if self.state != "running":
            raise RuntimeError(f"this run is {self.state}; start a new one")
        self.rows.append(dict(row))
        self.elapsed_s = time.perf_counter() - self._start if elapsed_s is None else elapsed_s

    def finish(self) -> None:
        if self.state == "running":
            self.state = "done"
            self.elapsed_s = time.perf_counter() - self._start

    def stop(self, by_user: bool = True) -> None:
        """End a run early, keeping its rows: ``stopped`` (the Stop button) or ``interrupted``
        (another control changed while it ran)."""
        if self.state == "running":
            self.state = "stopped" if by_user else "interrupted"

    def settle(self, stop_requested: bool) -> bool:
        """Called at the top of every script run. A run still marked running did not reach
        :meth:`finish`: the script was interrupted. Returns True if it was."""
        if self.state != "running":
            return False
        self.stop(by_user=stop_requested)
        return True

    @property
    def done(self) -> int:
        return len(self.rows)

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0

    @property
    def complete(self) -> bool:
        return self.state == "done"

    def status_text(self) -> str:
        """One line for the page: how far it got and why it ended."""
        took = f"{self.elapsed_s:.1f} s"
        guess = f" (estimated {about(self.estimate_s)})" if self.estimate_s else ""
        if self.state == "running":
            return f"Measured {self.done} of {self.total}" + (f" · now: {self.current}" if self.current else "")
        if self.state == "done":
            return f"Finished {self.total} measurement{'s' if self.total != 1 else ''} in {took}{guess}."
        why = ("Stop was pressed" if self.state == "stopped"
               else "a control was changed while it ran, which restarts the page")
        return (f"Stopped after {self.done} of {self.total} measurements ({took}): {why}. "
                f"The {self.done} finished are kept below; the rest were not measured.")

    def result_file(self) -> ResultFile:
        """The engine's result file for what has been measured so far (the download)."""
        result = new_result_file(self.rows, self.machine, self.settings)
        result.created = self.created
        return result

