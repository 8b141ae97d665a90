"""Refuse memory-hungry sizes before anything is allocated."""
from __future__ import annotations

import psutil

# Never let one request take more than this share of the memory available now:
# the app, the libraries and the browser need the rest.
SAFE_FRACTION = 0.5


class TooLarge(ValueError):
    """A request that would not fit in memory; its message says how much it needed."""


def available_bytes() -> int:
    return int(psutil.virtual_memory().available)


def total_bytes() -> int:
    return int(psutil.virtual_memory().total)


def human_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


def check_fits(nbytes: int, what: str = "this request", *, available: int | None = None,
               fraction: float = SAFE_FRACTION) -> None:
    """Raise :class:`TooLarge` if ``nbytes`` exceeds ``fraction`` of the memory available now."""
    avail = available_bytes() if available is None else available
    limit = int(avail * fraction)
    if nbytes > limit:
        raise TooLarge(
            f"{what} needs about {human_bytes(nbytes)}, more than the {human_bytes(limit)} allowed "
            f"({fraction:.0%} of the {human_bytes(avail)} available now); choose a smaller size."
        )
