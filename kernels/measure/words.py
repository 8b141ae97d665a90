"""Plain-words pieces shared by the computed verdicts and estimates of every Measure page."""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

EVEN = 1.10  # closer than this ratio counts as "about even"


def ratio_text(ratios: Sequence[float]) -> str:
    """``2.3×`` for one ratio (or several that round alike), ``1.8–2.4×`` for a range."""
    lo, hi = min(ratios), max(ratios)
    return f"{lo:.1f}×" if f"{lo:.1f}" == f"{hi:.1f}" else f"{lo:.1f}–{hi:.1f}×"


def caveats(rows: Iterable[Mapping], machine: Mapping | None) -> list[str]:
    """The machine's caveats (``machine["caveats"]``, see ``kernels.machine``) for the library ·
    device pairs that ``rows`` timed: a verdict involving MLX's Linux CPU build says why it is slow."""
    notes = (machine or {}).get("caveats") or {}
    timed = dict.fromkeys(f"{r['backend']}/{r['device']}" for r in rows if r.get("status") == "ok")
    found = [notes[key] for key in timed if isinstance(notes.get(key), str) and notes[key]]
    return [note[0].upper() + note[1:] + "." for note in dict.fromkeys(found)]


def about(seconds: float) -> str:
    """``about 15 s``, ``about 2 min``, ``under a second``: an estimate, in words."""
    if seconds < 1:
        return "under a second"
    if seconds < 60:
        return f"about {max(1, round(seconds / 5) * 5) if seconds >= 10 else round(seconds)} s"
    if seconds < 3600:
        return f"about {round(seconds / 60)} min"
    return f"about {seconds / 3600:.1f} h"


def machine_lines(machine: Mapping) -> list[str]:
    """What a result file says about where it ran, as a few lines of plain text (no markup: a page
    shows them through ``ui.safe.plain``, since a file's machine block is another machine's words)."""
    from ..memory import human_bytes
    from .rows import label

    libs = machine.get("libraries") or {}
    devices = machine.get("devices") or {}
    memory = machine.get("memory_bytes")
    chip = machine.get("cpu") or "unknown chip"
    cores = f", {machine['cores']} cores" if machine.get("cores") else ""
    lines = [f"{chip}{cores}" + (f", {human_bytes(memory)} memory" if memory else ""),
             f"{machine.get('os', 'unknown OS')} ({machine.get('arch', '?')}), Python {machine.get('python', '?')}"]
    versions = [f"{label(n)} {v}" if v else f"{label(n)}: not installed" for n, v in libs.items()]
    if versions:
        lines.append("Libraries: " + ", ".join(versions))
    if devices:
        lines.append("Devices used: " + "; ".join(f"{label(n)} {', '.join(ds)}"
                                               for n, ds in devices.items()))
    return lines
