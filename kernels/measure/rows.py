"""Result rows, whatever is measured: the status words, which devices a plan covers, why a
combination cannot run, a library's error in its own words, a row's label, and the progress an
engine yields after each row.

Every engine (``kernels.bench``, ``kernels.models``) makes rows with these pieces, so a row says
``unsupported`` / ``refused`` / ``error`` the same way everywhere, and :func:`outcome` is the one
place that turns an exception into a row.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from ..backends import MODULES, Backend
from ..memory import TooLarge
from . import timing
from .timing import Stopped

# ok: measured; unsupported: cannot run here (the reason says why); refused: would not fit in
# memory (how much it needed); error: the library raised (its own words).
STATUSES = ("ok", "unsupported", "refused", "error")
LABELS = {m.NAME: m.LABEL for m in MODULES}  # "torch" -> "PyTorch"


def label(backend: str) -> str:
    return LABELS.get(backend, backend)


def row_label(row: Mapping) -> str:
    """``PyTorch · cpu``, ``MLX · gpu · compiled``, ``MLX`` (a missing library has no device)."""
    parts = [label(row["backend"])]
    if row.get("device"):
        parts.append(row["device"])
    if row.get("variant") and row["variant"] != "eager":
        parts.append(row["variant"])
    return " · ".join(parts)


def ok_rows(rows: Iterable[Mapping]) -> list[Mapping]:
    """The rows that were measured: status ok and a positive median."""
    return [r for r in rows if r.get("status") == "ok" and r.get("median_s")]


def noise(row: Mapping) -> str | None:
    """Why a measured row is too unsteady for a verdict (``IQR 34% of the median, over 25%``), or
    None: worked out from the row's own median, IQR and samples, so a file from before rows said so
    is judged by the same rule."""
    if row.get("status") != "ok":
        return None
    return timing.noise(row.get("median_s"), row.get("iqr_s"), row.get("repeats"))


def is_noisy(row: Mapping) -> bool:
    return noise(row) is not None


def steady_rows(rows: Iterable[Mapping]) -> list[Mapping]:
    """The measured rows a verdict may use: :func:`ok_rows` less the noisy ones."""
    return [r for r in ok_rows(rows) if not is_noisy(r)]


def left_out(rows: Iterable[Mapping], describe: Callable[[Mapping], str] = row_label, limit: int = 6) -> str:
    """The sentence a verdict ends with when it left noisy rows out ("" when none was), each row
    named by ``describe`` with its reason."""
    noisy = [r for r in ok_rows(rows) if is_noisy(r)]
    if not noisy:
        return ""
    items = "; ".join(f"{describe(r)} ({noise(r)})" for r in noisy[:limit])
    more = f" and {len(noisy) - limit} more" if len(noisy) > limit else ""
    rule = (f"a spread (IQR) over {timing.NOISY_SPREAD:.0%} of the median, or fewer than "
            f"{timing.MIN_SAMPLES} timed samples")
    return (f"**Left out as noisy** ({rule}; measure again on a quieter machine): {items}{more}. "
            f"They are in the table and the charts, marked noisy, but no comparison above uses them.")


@dataclass(frozen=True)
class Notice:
    """Why one row (or one library's rows) did not run, for a page to say."""

    status: str  # "unsupported", "refused" or "error"
    name: str  # the row in words: "NumPy · cpu"
    size: str  # where it was asked to run: "batch 32 · width 128" ("" for unsupported: any size)
    message: str  # the reason, in the engine's or the library's words


def notices(rows: Iterable[Mapping], name: Callable[[Mapping], str] = row_label,
            size: Callable[[Mapping], str] = lambda row: "") -> list[Notice]:
    """Why rows did not run: one notice per library and reason for those unsupported here (NumPy has
    no transformer at any size: said once), then one per row refused (memory) or failed."""
    rows = list(rows)
    unsupported = {(r["backend"], r["message"]): r for r in rows if r["status"] == "unsupported"}
    return ([Notice("unsupported", name(r), "", r["message"]) for r in unsupported.values()]
            + [Notice(r["status"], name(r), size(r), r["message"]) for r in rows
               if r["status"] in ("refused", "error")])


def error_message(exc: BaseException) -> str:
    """``TypeError: <the first line of what the library said>``, for a row with status ``error``."""
    first_line = (str(exc).strip().splitlines() or [""])[0][:300]
    return f"{type(exc).__name__}: {first_line}"


def device_names(backend: Backend, devices: str | Sequence[str] = "auto") -> list[str]:
    """The devices of ``backend`` a plan covers: ``auto`` every available one, ``all`` also the
    unavailable ones (each gets a row saying why), or the names given. ``[""]`` for a missing
    library, so it gets a row too."""
    if not backend.available:
        return [""]
    if devices == "auto":
        return [d.name for d in backend.available_devices]
    if devices == "all":
        return [d.name for d in backend.devices]
    return [d.name for d in backend.devices if d.name in devices]


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


def device_label(backend: Backend, device: str) -> str:
    found = next((d for d in backend.devices if d.name == device), None)
    return found.label if found else ""


def outcome(row: dict, unsupported: str | None, work: Callable[[], dict]) -> dict:
    """``row`` completed: ``unsupported`` with the reason, or ``work()``'s fields, or ``refused``
    (it would not fit in memory) or ``error`` (the library's own words). Never raises, except
    :class:`Stopped`, which ends the whole run."""
    if unsupported:
        return {**row, "status": "unsupported", "message": unsupported}
    try:
        return {**row, **work()}
    except Stopped:
        raise
    except (TooLarge, MemoryError) as exc:
        return {**row, "status": "refused", "message": str(exc) or "out of memory"}
    except Exception as exc:  # the library's own error, in its own words
        return {**row, "status": "error", "message": error_message(exc)}


@dataclass(frozen=True)
class Progress:
    """What an engine's ``run`` yields after each row: how far it is, the row, the time so far,
    and the row in words (made by the engine)."""

    done: int
    total: int
    row: dict
    elapsed_s: float
    text: str  # "matmul n=512 float32 torch/cpu: ok 1.2 ms (IQR 30 µs, 40×1) · 220 GFLOP/s"

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0

    @property
    def line(self) -> str:
        """``[3/12] matmul n=512 …``: one progress line for a terminal or a page."""
        return f"[{self.done}/{self.total}] {self.text}"


def run_tasks(tasks: Sequence, measure_one: Callable[[object], dict], describe: Callable[[Mapping], str],
              should_stop: Callable[[], bool] | None = None) -> Iterator[Progress]:
    """Measure each task in turn (``measure_one(task)`` returns its row), yielding a
    :class:`Progress` as each finishes. ``should_stop()`` is checked before each task; inside a
    long one the engine checks it too and raises :class:`Stopped`, which ends the run here."""
    start = time.perf_counter()
    for done, task in enumerate(tasks, 1):
        if should_stop is not None and should_stop():
            return
        try:
            row = measure_one(task)
        except Stopped:
            return
        yield Progress(done, len(tasks), row, time.perf_counter() - start, describe(row))
