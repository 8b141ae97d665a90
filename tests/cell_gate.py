"""A gate a Learn cell can wait at (``from tests import cell_gate; cell_gate.inside()``), so a test
can hold one cell in the middle of its run and see what another thread's cell does meanwhile."""
from __future__ import annotations

import threading

entered = threading.Event()  # a cell has reached inside()
release = threading.Event()  # the test lets it go on
log: list[str] = []


def reset() -> None:
    entered.clear()
    release.clear()
    log.clear()


def inside(name: str = "held") -> None:
    log.append(f"{name} in")
    entered.set()
    if not release.wait(60):
        raise TimeoutError("the test never released the cell")
    log.append(f"{name} out")


def mark(name: str) -> None:
    log.append(name)
