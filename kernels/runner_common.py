"""What the two runners (``kernels.bench.runner``, ``kernels.models.runner``) share: the progress
they yield after each row, why a library or device cannot run here, and a library's error in its
own words."""
from __future__ import annotations

from dataclasses import dataclass

from .backends import Backend


@dataclass(frozen=True)
class Progress:
    """What a runner's ``run`` yields after each row: how far it is, the row, the time so far.
    Each runner subclasses it for its own :meth:`line`."""

    done: int
    total: int
    row: dict
    elapsed_s: float

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0

    def head(self, what: str) -> str:
        """``[3/12] <what>: ok``: the start of every :meth:`line`."""
        return f"[{self.done}/{self.total}] {what}: {self.row['status']}"

    def line(self) -> str:
        raise NotImplementedError


def error_message(exc: BaseException) -> str:
    """``TypeError: <the first line of what the library said>``, for a row with status ``error``."""
    first_line = (str(exc).strip().splitlines() or [""])[0][:300]
    return f"{type(exc).__name__}: {first_line}"


def device_unavailable(backend: Backend, device: str) -> str | None:
    """Why ``backend`` cannot run on ``device`` here (the library or the device is missing), or None."""
    if not backend.available:
        return f"{backend.label} is not installed here ({backend.error}); install it with: {backend.install}"
    found = next((d for d in backend.devices if d.name == device), None)
    if found is None:
        return f"{backend.label} has no device {device!r}"
    if not found.available:
        return f"{backend.label} on {found.name} is not available here: {found.note}"
    return None
