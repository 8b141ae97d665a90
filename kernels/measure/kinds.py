"""A kind of measurement, declared once: the interface every Measure engine implements, and the
registry that finds them.

A kind (benchmarks, small models, local inference...) is one package under ``kernels/`` whose
``kind`` module holds ``KINDS``, a tuple of :class:`MeasureKind` objects. Nothing else names it:
the result-file loader (``kernels.measure.results``), Compare machines (``kernels.measure.compare``
and its page), the live run (``kernels.measure.live``), the command-line scaffold
(``kernels.measure.cli.kind_main``) and the navigation (``ui.nav``) loop over :func:`registered`,
the way mlx-lm finds a model's code by its module name. Adding a kind is one package and one page.

The ``kind`` module must stay light to import (no library, no runner at its top): the navigation
and the loader read it at start. The engine's pieces are imported inside the methods.

No Streamlit here.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import pkgutil
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from types import ModuleType
from typing import Any, ClassVar

from .columns import Row
from .results import Kind


@dataclass(frozen=True)
class PageInfo:
    """Where a kind is measured in the app: its page script and how the navigation shows it."""

    script: str  # relative to the repository root ("app_pages/models.py"), or absolute
    title: str
    icon: str  # ":material/model_training:"
    url_path: str


class MeasureKind:
    """What a kind of measurement provides. Subclasses set the class attributes and implement the
    methods that raise :class:`NotImplementedError`; the rest have defaults.

    Settings are the kind's own frozen dataclass (:attr:`settings_type`) with ``as_dict()``: what
    was asked for, as the result file keeps it (the page's file and the command line's are the same);
    ``plan``, ``job`` and ``estimate`` take one, and its ``backends`` names the libraries asked for.
    """

    name: ClassVar[str]  # the result file's "kind": "models"
    title: ClassVar[str]  # "Small models"
    what: ClassVar[str]  # how a sentence names its rows: "small-model results"
    noun: ClassVar[str] = "measurement"  # one row, in words: "training run"
    row: ClassVar[type[Row]]  # the row dataclass (kernels.measure.columns)
    settings_type: ClassVar[type]  # the settings dataclass: what one run asks for
    renamed: ClassVar[Mapping[str, str]] = {}  # a row field's old name -> today's, for files written before
    timed: ClassVar[str] = "median_s"  # an ok row must have this positive
    order: ClassVar[int] = 100  # where its page goes among the Measure pages
    page: ClassVar[PageInfo | None] = None  # its page, if it has one of its own
    file_name: ClassVar[str] = "results.json"  # the download's and the command line's default name
    libraries: ClassVar[tuple[str, ...]] = ("numpy", "torch", "mlx")  # those it can time
    compared: ClassVar[bool] = True  # Compare machines has a section for it
    device_words: ClassVar[tuple[str, ...]] = ("auto",)  # what --devices takes besides device names

    @cached_property
    def rows(self) -> Kind:
        """What the result-file loader checks each row against, read from :attr:`row`."""
        return Kind.of(self.name, self.what, self.row, renamed=self.renamed, timed=self.timed)

    # --- measuring ---------------------------------------------------------------------------

    def plan(self, settings: Any, backends: Mapping) -> list:
        """The tasks of one run, one row each (unsupported combinations included: they become rows
        saying why). A ValueError says in words what cannot be planned."""
        raise NotImplementedError

    def job(self, tasks: Sequence, backends: Mapping, settings: Any):
        """What the live run measures in its own process (``kernels.measure.child.Job``)."""
        raise NotImplementedError

    def run(self, tasks: Sequence, backends: Mapping, settings: Any) -> Iterator:
        """The rows, here, one ``Progress`` at a time: the command line's loop. By default the
        job's engine called in this process."""
        job = self.job(tasks, backends, settings)
        module, _, function = job.engine.partition(":")
        engine = getattr(importlib.import_module(module), function)
        return engine(job.tasks, backends, *job.args, **job.kwargs)

    def estimate(self, tasks: Sequence, backends: Mapping, settings: Any, known: Iterable[Mapping] = ()):
        """How long the run will take (``kernels.measure.estimate.Estimate``), scaled from ``known``
        rows measured here where it can be."""
        raise NotImplementedError

    def memory_refusal(self, settings: Any) -> str | None:
        """``None`` when the largest row fits in memory now, else the sentence saying why not:
        checked before anything is allocated."""
        return None

    def run_title(self, settings: Any) -> str:
        """What was asked for, in words: a run's title on the page."""
        return self.title

    def live_fields(self, settings: Any, tasks: Sequence) -> dict:
        """What a live run of these tasks should know besides its rows, for drawing them as they
        arrive (``kernels.measure.live.LiveRun``: ``groups``, ``series``)."""
        return {}

    # --- reading the rows ---------------------------------------------------------------------

    def row_name(self, row: Mapping) -> str:
        """A row in words: ``PyTorch · mps · compiled``."""
        from .rows import row_label
        return row_label(row)

    def size_text(self, row: Mapping) -> str:
        """The size a row ran at, in words (``batch 32 · width 128``)."""
        return ""

    def verdict(self, rows: Sequence[Mapping], machine: Mapping | None = None) -> list[str]:
        """Paragraphs (Markdown) saying which library did better here and how sure that is."""
        raise NotImplementedError

    def like_key(self, row: Mapping) -> Hashable:
        """What two rows must share to be compared across machines (the same model and size...)."""
        raise NotImplementedError

    def like_text(self, key: Hashable) -> str:
        """A :meth:`like_key` in words, for the Compare page's chooser."""
        return " · ".join(str(part) for part in key) if isinstance(key, tuple) else str(key)

    # --- the command line ---------------------------------------------------------------------
    # By default each of these is the function of the same name in the package's ``cli`` module,
    # where a kind writes its flags (found by module name, as the kind itself is).

    def command_line(self) -> ModuleType | None:
        """The package's ``cli`` module (``kernels.models.cli``), if it has one."""
        name = f"{type(self).__module__.rpartition('.')[0]}.cli"
        return importlib.import_module(name) if importlib.util.find_spec(name) is not None else None

    def _cli(self, function: str):
        module = self.command_line()
        return getattr(module, function, None) if module is not None else None

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """The kind's own flags (the scaffold adds --backends, --devices, --out and --quiet)."""
        if add := self._cli("add_arguments"):
            add(parser)

    def settings_from(self, args: argparse.Namespace, backends: tuple[str, ...], devices: Any) -> Any:
        """The settings the flags ask for (``backends``: the library names given; ``devices``: the
        device names or word); ``kernels.measure.cli.UsageError`` for a bad value."""
        if read := self._cli("settings_from"):
            return read(args, backends, devices)
        raise NotImplementedError(f"{self.name} has no settings_from")

    def main(self, args: argparse.Namespace) -> int:
        """The command line once its flags are parsed: the ``cli`` module's ``command(args)`` if it
        has one, else plan, measure, write the result file and print the summary
        (``kernels.measure.cli.measure_and_write``)."""
        if command := self._cli("command"):
            return command(args)
        from .cli import measure_and_write
        return measure_and_write(self, args)

    def preamble(self, settings: Any) -> str:
        """A line said before the run starts (the model's size), or ``""``."""
        return ""

    def summary_text(self, rows: Sequence[Mapping], machine: Mapping | None = None) -> str:
        """What the command line prints when the run ends: a table, then the verdict in plain text."""
        if summary := self._cli("summary_text"):
            return summary(rows, machine)
        return "\n".join(p.replace("**", "") for p in self.verdict(rows, machine))

    def __repr__(self) -> str:
        return f"<MeasureKind {self.name}>"


_REGISTRY: dict[str, MeasureKind] = {}


def registered() -> dict[str, MeasureKind]:
    """Every kind of measurement, found by module name: each package ``kernels.<name>`` with a
    ``kind`` module contributes its ``KINDS``; ordered by their :attr:`~MeasureKind.order`."""
    if not _REGISTRY:
        import kernels

        found: list[MeasureKind] = []
        for info in sorted(pkgutil.iter_modules(kernels.__path__), key=lambda m: m.name):
            if not info.ispkg or importlib.util.find_spec(f"kernels.{info.name}.kind") is None:
                continue
            module = importlib.import_module(f"kernels.{info.name}.kind")
            found += [k for k in getattr(module, "KINDS", ()) if isinstance(k, MeasureKind)]
        names = [k.name for k in found]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise RuntimeError(f"two kinds of measurement are named {', '.join(twice)}")
        _REGISTRY.update((k.name, k) for k in sorted(found, key=lambda k: (k.order, k.name)))
    return _REGISTRY


def get(name: str) -> MeasureKind:
    try:
        return registered()[name]
    except KeyError:
        raise ValueError(f"unknown kind {name!r}; known: {', '.join(registered())}") from None


def with_pages() -> list[MeasureKind]:
    """The kinds with a Measure page of their own, in navigation order."""
    return [k for k in registered().values() if k.page is not None]


def forget() -> None:
    """Find the kinds again on the next :func:`registered` (a test that adds a package)."""
    _REGISTRY.clear()
