"""Refuse memory-hungry sizes before anything is allocated, against the memory really available.

psutil's ``available`` is right on Linux (MemAvailable). On macOS it counts only free and
inactive pages, far below what the system can hand out: a Mac keeps much of its memory as file
cache and purgeable pages it gives back on demand, so a guard built on it refuses sizes that fit.
On macOS the figure here is what Activity Monitor calls free: the total less the memory in use
(app memory, wired and compressed), read from ``vm_stat``.
"""
from __future__ import annotations

import platform
import re
import subprocess
from dataclasses import dataclass

import psutil

# Never let one request take more than this share of the memory available now:
# the app, the libraries and the browser need the rest.
SAFE_FRACTION = 0.5
VM_STAT = "/usr/bin/vm_stat"


class TooLarge(ValueError):
    """A request that would not fit in memory; its message says how much it needed."""


@dataclass(frozen=True)
class Available:
    bytes: int
    method: str  # how the figure was obtained, for the About page


def macos_available(vm_stat: str, total: int) -> int | None:
    """Bytes macOS can hand out now, from ``vm_stat``'s output: total − (app memory + wired +
    compressed), app memory being anonymous pages less purgeable ones (Activity Monitor's
    "Memory Used"). None when the output lacks a figure."""
    size = re.search(r"page size of (\d+) bytes", vm_stat)
    pages = {m.group(1).strip().lower(): int(m.group(2))
             for m in re.finditer(r'^"?([A-Za-z][^:"]*)"?:\s+(\d+)\.?\s*$', vm_stat, re.M)}
    needed = ("anonymous pages", "pages purgeable", "pages wired down", "pages occupied by compressor")
    if size is None or any(k not in pages for k in needed):
        return None
    page = int(size.group(1))
    app = max(pages["anonymous pages"] - pages["pages purgeable"], 0)
    used = (app + pages["pages wired down"] + pages["pages occupied by compressor"]) * page
    return max(total - used, 0)


def available() -> Available:
    """The memory available now, and how it was measured."""
    total = total_bytes()
    if platform.system() == "Darwin":
        try:
            out = subprocess.run([VM_STAT], capture_output=True, text=True, timeout=2).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        mac = macos_available(out, total)
        if mac is not None:
            return Available(mac, "macOS: total − (app memory + wired + compressed), from vm_stat, "
                                  "as Activity Monitor counts it")
        return Available(int(psutil.virtual_memory().available),
                         "psutil (vm_stat unreadable): free + inactive pages only, an underestimate on macOS")
    return Available(int(psutil.virtual_memory().available), "psutil: the kernel's MemAvailable"
                     if platform.system() == "Linux" else "psutil")


def available_bytes() -> int:
    return available().bytes


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
