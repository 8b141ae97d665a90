"""Several result files side by side, of any kind: load each (a bad one says what is wrong and the
others still load), label each by its machine, and put the rows of one kind in one table for the
Compare machines page. Rows compare like for like when they share the kind's
:meth:`~kernels.measure.kinds.MeasureKind.like_key` (:func:`choices`, :func:`like_for_like`); what
else to compare is the kind's own (``kernels.bench.compare`` for benchmark rows).

The shipped samples (``samples/``) were produced on the machine this app was developed on, a
2-core Linux virtual machine without a GPU, with the command lines named below; the second
benchmark file is the same machine with one thread per library, a different configuration, not a
different machine.
"""
from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .kinds import MeasureKind
from .results import ResultFile, known_kinds, load
from .rows import ok_rows

SAMPLES_DIR = Path(__file__).resolve().parent / "samples"
BENCH_COMMAND = ("python -m kernels.bench --ops matmul,softmax,layer_norm,add "
                 "--sizes 64,128,256,512 --budget 0.2")
MODELS_COMMAND = "python -m kernels.models --model mlp --batch 16,32,64 --width 128 --steps 30"


@dataclass(frozen=True)
class Sample:
    """A result file that ships with the app, so Compare machines shows something at once."""

    filename: str
    label: str
    description: str

    @property
    def path(self) -> Path:
        return SAMPLES_DIR / self.filename


SAMPLES = (
    Sample("linux-x86-2-threads.json", "Sample · Linux VM, 2 threads",
           f"`{BENCH_COMMAND}` on the 2-core Linux x86 virtual machine this app was built on "
           "(no GPU; MLX's CPU build with its reference BLAS)."),
    Sample("linux-x86-1-thread.json", "Sample · Linux VM, 1 thread",
           "The same machine and command with `OMP_NUM_THREADS=1`, so PyTorch and NumPy's OpenBLAS use "
           "one thread: a second configuration, not a second machine."),
    Sample("linux-x86-2-threads-models.json", "Sample · Linux VM, 2 threads",
           f"`{MODELS_COMMAND}` on the same 2-core Linux virtual machine (MLX's CPU build)."),
)


@dataclass
class Loaded:
    """One file given to the page: its result, or what is wrong with it."""

    name: str  # the file's name as given
    result: ResultFile | None
    error: str | None = None
    sample: Sample | None = None
    label: str = ""  # the machine label shown on the charts

    @property
    def ok(self) -> bool:
        return self.result is not None

    @property
    def kind(self) -> str | None:
        return self.result.kind if self.result is not None else None


def clean_chip(cpu: str) -> str:
    """``Intel Xeon Processor`` from ``Intel(R) Xeon(R) Processor``; ``Apple M3 Pro`` unchanged."""
    text = re.sub(r"\((R|TM|tm|r)\)", "", cpu or "")
    text = re.sub(r"\s*@\s*[\d.]+\s*GHz\s*$", "", text)
    text = re.sub(r"\s+CPU\b", "", text)
    return re.sub(r"\s+", " ", text).strip()[:80] or "unknown chip"


def short_os(os_name: str) -> str:
    """``Linux`` from ``Linux (Debian GNU/Linux 12 (bookworm))``; ``macOS 14.5`` unchanged."""
    os_name = (os_name or "").strip()
    if os_name.startswith("Linux"):
        return "Linux"
    return os_name[:40] or "unknown OS"


def machine_label(machine: Mapping) -> str:
    """``Apple M3 Pro · macOS 14.5``: the chip and the OS a result file says it ran on."""
    return f"{clean_chip(str(machine.get('cpu') or ''))} · {short_os(str(machine.get('os') or ''))}"


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


def load_one(name: str, data: bytes, sample: Sample | None = None) -> Loaded:
    try:
        result = load(data)
    except ValueError as exc:
        return Loaded(name, None, str(exc), sample)
    return Loaded(name, result, None, sample)


def load_many(files: Iterable[tuple[str, bytes]], samples: Iterable[Sample] = ()) -> list[Loaded]:
    """The samples, then the given ``(name, bytes)`` files, each loaded on its own; the good ones
    labelled by their machine (samples by their own label), repeats told apart within a kind."""
    loaded = [load_one(s.filename, s.path.read_bytes(), s) for s in samples]
    loaded += [load_one(name, data) for name, data in files]
    for kind in known_kinds():
        good = [item for item in loaded if item.ok and item.kind == kind]
        labels = unique([item.sample.label if item.sample else machine_label(item.result.machine) for item in good])
        for item, text in zip(good, labels):
            item.label = text
    return loaded


def combined_rows(loaded: Iterable[Loaded], kind: str, labels: Mapping[str, str] | None = None) -> list[dict]:
    """Every row of every good file of ``kind``, with ``machine`` (its label) added. ``labels`` maps a
    file's default label to the one the user typed; labels that collide are told apart again."""
    good = [item for item in loaded if item.ok and item.kind == kind]
    names = unique([(labels or {}).get(item.label, item.label).strip() or item.label for item in good])
    return [{**row, "machine": name} for item, name in zip(good, names) for row in item.result.results]


def choices(kind: MeasureKind, rows: Iterable[Mapping]) -> list[Hashable]:
    """The like-for-like keys with timed rows, those found on the most machines first."""
    machines: dict[Hashable, set] = {}
    for r in ok_rows(rows):
        machines.setdefault(kind.like_key(r), set()).add(r.get("machine"))
    return sorted(machines, key=lambda k: -len(machines[k]))  # ties: in the order the files give them


def like_for_like(kind: MeasureKind, rows: Iterable[Mapping], key: Hashable) -> list[Mapping]:
    """The timed rows that share ``key``: those that compare across machines."""
    return [r for r in ok_rows(rows) if kind.like_key(r) == key]
