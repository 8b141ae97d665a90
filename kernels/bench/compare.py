"""Several result files side by side: load each (a bad one says what is wrong and the others still
load), label each by its machine, and put their rows in one table for the Compare machines page.

The shipped examples (``examples/``) were produced on the machine this app was developed on, a
2-core Linux virtual machine without a GPU, with ``python -m kernels.bench``; the second is the
same machine with one thread per library, a different configuration, not a different machine.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from .report import ok_rows, row_label, series_of, throughput
from .results import ResultFile, load_results
from .timing import format_seconds

EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"
EXAMPLE_COMMAND = ("python -m kernels.bench --ops matmul,softmax,layer_norm,add "
                   "--sizes 64,128,256,512 --budget 0.2")


@dataclass(frozen=True)
class Example:
    filename: str
    label: str
    description: str

    @property
    def path(self) -> Path:
        return EXAMPLES_DIR / self.filename


EXAMPLES = (
    Example("linux-x86-2-threads.json", "Example · Linux VM, 2 threads",
            f"`{EXAMPLE_COMMAND}` on the 2-core Linux x86 virtual machine this app was built on "
            "(no GPU; MLX's CPU build with its reference BLAS)."),
    Example("linux-x86-1-thread.json", "Example · Linux VM, 1 thread",
            f"The same machine and command with `OMP_NUM_THREADS=1`, so PyTorch and NumPy's OpenBLAS use "
            "one thread: a second configuration, not a second machine."),
)


@dataclass
class Loaded:
    """One file given to the page: its result, or what is wrong with it."""

    name: str  # the file's name as given
    result: ResultFile | None
    error: str | None = None
    example: Example | None = None
    label: str = ""  # the machine label shown on the charts

    @property
    def ok(self) -> bool:
        return self.result is not None


def clean_chip(cpu: str) -> str:
    """``Intel Xeon Processor`` from ``Intel(R) Xeon(R) Processor``; ``Apple M3 Pro`` unchanged."""
    text = re.sub(r"\((R|TM|tm|r)\)", "", cpu or "")
    text = re.sub(r"\s*@\s*[\d.]+\s*GHz\s*$", "", text)
    text = re.sub(r"\s+CPU\b", "", text)
    return re.sub(r"\s+", " ", text).strip() or "unknown chip"


def short_os(os_name: str) -> str:
    """``Linux`` from ``Linux (Debian GNU/Linux 12 (bookworm))``; ``macOS 14.5`` unchanged."""
    os_name = (os_name or "").strip()
    if os_name.startswith("Linux"):
        return "Linux"
    return os_name or "unknown OS"


def machine_label(machine: Mapping) -> str:
    """``Apple M3 Pro · macOS 14.5``: the chip and the OS a result file says it ran on."""
    return f"{clean_chip(str(machine.get('cpu', '')))} · {short_os(str(machine.get('os', '')))}"


def unique(labels: Sequence[str]) -> list[str]:
    """The labels with repeats told apart: ``A``, ``A (2)``, ``A (3)``."""
    seen: dict[str, int] = {}
    out = []
    taken = set(labels)
    for text in labels:
        seen[text] = seen.get(text, 0) + 1
        if seen[text] == 1:
            out.append(text)
            continue
        k = seen[text]
        while f"{text} ({k})" in taken:
            k += 1
        out.append(f"{text} ({k})")
        taken.add(out[-1])
    return out


def load_one(name: str, data: bytes, example: Example | None = None) -> Loaded:
    try:
        result = load_results(data)
    except ValueError as exc:
        return Loaded(name, None, str(exc), example)
    return Loaded(name, result, None, example)


def load_many(files: Iterable[tuple[str, bytes]], examples: Iterable[Example] = ()) -> list[Loaded]:
    """The examples, then the given ``(name, bytes)`` files, each loaded on its own; the good
    ones labelled by their machine (examples by their own label), repeats told apart."""
    loaded = [load_one(e.filename, e.path.read_bytes(), e) for e in examples]
    loaded += [load_one(name, data) for name, data in files]
    good = [item for item in loaded if item.ok]
    labels = unique([item.example.label if item.example else machine_label(item.result.machine) for item in good])
    for item, text in zip(good, labels):
        item.label = text
    return loaded


def combined_rows(loaded: Iterable[Loaded], labels: Mapping[str, str] | None = None) -> list[dict]:
    """Every row of every good file, with ``machine`` (its label) added. ``labels`` maps a file's
    default label to the one the user typed; labels that collide are told apart again."""
    good = [item for item in loaded if item.ok]
    names = unique([(labels or {}).get(item.label, item.label).strip() or item.label for item in good])
    return [{**row, "machine": name} for item, name in zip(good, names) for row in item.result.results]


def choices(rows: Iterable[Mapping]) -> list[tuple[str, str]]:
    """The (op, dtype) pairs with at least one timed row, most machines first."""
    count: dict[tuple[str, str], set] = {}
    for r in ok_rows(rows):
        count.setdefault((r["op"], r["dtype"]), set()).add(r["machine"])
    return sorted(count, key=lambda k: -len(count[k]))


def largest_common_size(rows: Iterable[Mapping], op: str, dtype: str) -> int | None:
    """The largest size of ``op`` in ``dtype`` that every machine with such rows has timed."""
    sizes: dict[str, set[int]] = {}
    for r in ok_rows(rows):
        if r["op"] == op and r["dtype"] == dtype:
            sizes.setdefault(r["machine"], set()).add(r["size"])
    if not sizes:
        return None
    common = set.intersection(*sizes.values())
    return max(common) if common else None


def compare_table(rows: Sequence[Mapping], op: str, dtype: str, size: int,
                  baseline: tuple[str, str, str] | None = None) -> list[dict]:
    """At one size: each machine × library · device, its time, throughput and speedup over
    ``baseline`` (machine, backend, device); fastest first."""
    at = [r for r in ok_rows(rows) if r["op"] == op and r["dtype"] == dtype and r["size"] == size]
    base = None
    if baseline:
        base = next((r["median_s"] for r in at if (r["machine"], *series_of(r)) == tuple(baseline)), None)
    out = []
    for r in sorted(at, key=lambda r: r["median_s"]):
        out.append({
            "machine": r["machine"], "library · device": row_label(r),
            "median": format_seconds(r["median_s"]), "median_s": r["median_s"],
            "throughput": throughput(r), "unit": r.get("unit", ""),
            "speedup": base / r["median_s"] if base else None,
            "correct": "yes" if r.get("correct") else ("NO" if r.get("correct") is False else ""),
        })
    return out


def series_keys(rows: Iterable[Mapping], op: str, dtype: str, size: int) -> list[tuple[str, str, str]]:
    """(machine, backend, device) of every timed row of ``op`` at ``size``: baseline choices."""
    return list(dict.fromkeys((r["machine"], *series_of(r)) for r in ok_rows(rows)
                              if r["op"] == op and r["dtype"] == dtype and r["size"] == size))
