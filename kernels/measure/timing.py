"""Measuring: warm up, then time calls that each end with the device's synchronisation.

:func:`measure` is the whole method, short enough to read on the Benchmarks page. It
follows ``torch.utils.benchmark``'s ``blocked_autorange``: a sample is a block of calls
long enough for the clock to measure well, and blocks repeat until a time budget is spent;
and MLX's own benchmarks: every result is evaluated (``mx.eval``) inside the timed region.

A :class:`Timing` is the one value every engine stores (a benchmark call, a training step, a
naive-versus-synchronised demo): it keeps its samples and carries its own statistics, and
:meth:`Timing.fields` is how it goes into a result row.
"""
from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# A timing a verdict may use: its spread (IQR) at most this fraction of its median, and at least this many
# samples. torch.utils.benchmark warns at the same fraction ("significant environmental influence").
NOISY_SPREAD = 0.25
MIN_SAMPLES = 3


def noise(median: float | None, iqr: float | None, repeats: int | None) -> str | None:
    """Why a timing is too unsteady for a verdict (``IQR 34% of the median``, ``2 samples``), or None."""
    if repeats is not None and repeats < MIN_SAMPLES:
        return f"{repeats} sample{'s' * (repeats != 1)}, fewer than {MIN_SAMPLES}"
    if median and iqr is not None and iqr > NOISY_SPREAD * median:
        share = f"{iqr / median:.0%}"
        if share == f"{NOISY_SPREAD:.0%}":  # 25.3% is over 25%: say so in the digits too
            share = f"{iqr / median:.1%}"
        return f"IQR {share} of the median, over {NOISY_SPREAD:.0%}"
    return None


class Stopped(Exception):
    """Raised inside a measurement when the run was asked to stop (Stop, or the tab was closed)."""


@dataclass(frozen=True)
class Timing:
    """Seconds per call: one sample per block of ``number`` calls."""

    samples: tuple[float, ...]
    number: int = 1  # calls per sample

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def quartiles(self) -> tuple[float, float]:
        """The first and third quartile (both the one sample when there is one)."""
        if len(self.samples) < 2:
            return self.samples[0], self.samples[0]
        q1, _, q3 = statistics.quantiles(self.samples, n=4, method="inclusive")
        return q1, q3

    @property
    def iqr(self) -> float:
        """Interquartile range: the spread of the middle half of the samples."""
        q1, q3 = self.quartiles
        return q3 - q1

    @property
    def min(self) -> float:
        return min(self.samples)

    @property
    def max(self) -> float:
        return max(self.samples)

    @property
    def repeats(self) -> int:
        return len(self.samples)

    @property
    def noisy(self) -> bool:
        """Too unsteady for a verdict: see :data:`NOISY_SPREAD` and :data:`MIN_SAMPLES`."""
        return noise(self.median, self.iqr, self.repeats) is not None

    def fields(self) -> dict:
        """The statistics a result row keeps, under the same names in every kind of row."""
        q1, q3 = self.quartiles
        return {"median_s": self.median, "iqr_s": self.iqr, "q1_s": q1, "q3_s": q3, "min_s": self.min,
                "max_s": self.max, "repeats": self.repeats, "calls_per_repeat": self.number, "noisy": self.noisy}

    def __str__(self) -> str:
        return (f"{format_seconds(self.median)} median, IQR {format_seconds(self.iqr)} "
                f"({self.repeats} samples × {self.number} call{'s' if self.number != 1 else ''})")


def measure(fn: Callable[[], Any], sync: Callable[[Any], None], *, budget_s: float = 0.5,
            warmup: int = 2, min_block_s: float = 1e-3, min_repeats: int = 3,
            max_repeats: int = 500, should_stop: Callable[[], bool] = lambda: False) -> Timing:
    """Time ``fn()``; every call is finished by ``sync(result)`` before the clock reads."""

    def block(number: int) -> float:  # seconds for `number` calls, each one finished
        if should_stop():  # between blocks, never inside the timed region
            raise Stopped
        start = time.perf_counter()
        for _ in range(number):
            sync(fn())  # mx.eval(result), torch.mps/cuda.synchronize(): the work is done here
        return time.perf_counter() - start

    for _ in range(warmup):  # compilation, caches, lazy initialisation
        block(1)

    number = 1  # calls per sample: grow until one block is long enough for the clock
    while (seconds := block(number)) < min_block_s and number < 1_000_000:
        number *= 10
    samples = [seconds / number]

    deadline = time.perf_counter() + budget_s
    while len(samples) < min_repeats or (len(samples) < max_repeats and time.perf_counter() < deadline):
        samples.append(block(number) / number)
    return Timing(tuple(samples), number)


def format_seconds(seconds: float) -> str:
    """``812 µs``, ``1.23 ms``, ``2.50 s``."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.3g} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.3g} s"
