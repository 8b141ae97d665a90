"""How long a planned run will take, before it runs: what a Run button promises.

Each engine knows what one of its rows costs (``kernels.bench.estimate``, ``kernels.models.estimate``,
``kernels.inference.estimate``): a time scaled from a row already measured here (calibrated), or
from rates assumed for the device's kind. This is the part they share: adding those up, counting
what will really run, and naming the longest row.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from .child import START_S
from .words import about

T = TypeVar("T")


@dataclass(frozen=True)
class Estimate:
    seconds: float  # the whole run
    timed: int  # rows that will really be measured (the rest are unsupported rows)
    calibrated: int  # of those, how many are scaled from rows measured here before
    slowest: tuple[str, float] | None  # the longest single row: (its name, seconds)

    def words(self) -> str:
        return about(self.seconds)


def add_up(tasks: Iterable[T], row_seconds: Callable[[T], tuple[float, bool] | None],
           overhead_s: float = 0.0) -> Estimate:
    """``row_seconds(task)``: a row's seconds and whether they were calibrated from a measured row,
    or None for a row that will not be measured (unsupported here). ``overhead_s``: seconds the
    run spends besides its rows (a reference computed once); starting the measuring process
    (:data:`~.child.START_S`) is added when anything is measured."""
    total, timed, calibrated, slowest = overhead_s, 0, 0, None
    for task in tasks:
        found = row_seconds(task)
        if found is None:
            continue
        seconds, was_calibrated = found
        total += seconds
        timed += 1
        calibrated += bool(was_calibrated)
        if slowest is None or seconds > slowest[1]:
            slowest = (str(task), seconds)
    return Estimate(total + (START_S if timed else 0.0), timed, calibrated, slowest)
