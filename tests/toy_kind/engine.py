"""The throwaway kind's engine: time numpy.sum of n numbers (tests/test_kinds.py)."""
from __future__ import annotations

from kernels.measure.rows import run_tasks
from kernels.measure.timing import measure

from .kind import ToyRow


def run(tasks, backends, *, should_stop=None):
    import numpy as np

    def one(task) -> dict:
        backend, device, n = task
        x = np.ones(n, dtype=np.float32)
        timing = measure(lambda: x.sum(), lambda out: None, budget_s=0.01, should_stop=should_stop or (lambda: False))
        return ToyRow.blank(backend=backend, device=device, n=n, status="ok", message="",
                            sums_per_s=1 / timing.median, **timing.fields())

    return run_tasks(tasks, one, lambda row: f"sum of {row['n']}: ok", should_stop)
