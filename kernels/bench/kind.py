"""Benchmarks and this machine's ceilings as kinds of measurement (``kernels.measure.kinds``): what
the Benchmarks page, ``python -m kernels.bench`` and Compare machines ask of this engine. Light to
import: the engine's pieces (which import every library) are imported where they are used."""
from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ..measure.kinds import MeasureKind, PageInfo
from .ceiling_results import CeilingRow
from .results import BenchRow


def _timing():
    from .runner import Settings
    return Settings()


@dataclass(frozen=True)
class Request:
    """One sweep: operations × sizes × dtypes on the libraries and devices chosen, each timed with
    ``timing`` (``kernels.bench.runner.Settings``)."""

    ops: tuple[str, ...]
    sizes: tuple[int, ...]
    dtypes: tuple[str, ...] = ("float32",)
    backends: tuple[str, ...] = ("numpy", "torch", "mlx")
    devices: str | tuple[str, ...] = "auto"
    timing: object = field(default_factory=_timing)
    pairs: tuple[tuple[str, str], ...] | None = None  # only these (library, device) pairs (the page's checkboxes)

    def as_dict(self) -> dict:
        return {**self.timing.as_dict(), "ops": list(self.ops), "sizes": list(self.sizes), "dtypes": list(self.dtypes),
                "backends": list(self.backends),
                "devices": self.devices if isinstance(self.devices, str) else list(self.devices)}


class Benchmarks(MeasureKind):
    name = "bench"
    title = "Benchmarks"
    what = "benchmark results"
    row = BenchRow
    settings_type = Request
    order = 10
    page = PageInfo("app_pages/benchmarks.py", "Benchmarks", ":material/speed:", "benchmarks")
    file_name = "results.json"
    device_words = ("auto", "all")  # "all": unavailable devices too, each a row saying why

    def plan(self, settings: Request, backends: Mapping) -> list:
        from .runner import plan
        tasks = plan(settings.ops, settings.sizes, backends, settings.devices, settings.dtypes)
        return [t for t in tasks if settings.pairs is None or (t.backend, t.device) in settings.pairs]

    def job(self, tasks: Sequence, backends: Mapping, settings: Request):
        from ..measure.child import Job
        from .runner import run
        return Job.of(run, tasks, backends, settings.timing)

    def estimate(self, tasks: Sequence, backends: Mapping, settings: Request, known: Iterable[Mapping] = ()):
        from .estimate import estimate
        return estimate(tasks, backends, settings.timing, known=known)

    def run_title(self, settings: Request) -> str:
        from .report import op_title
        sizes = f"{min(settings.sizes)}–{max(settings.sizes)}" if len(settings.sizes) > 1 else f"{settings.sizes[0]}"
        return f"{', '.join(op_title(o) for o in settings.ops)} · n = {sizes} · {', '.join(settings.dtypes)}"

    def live_fields(self, settings: Request, tasks: Sequence) -> dict:
        """Each operation asked for has its place on the page from the start; each (library, device)
        its colour."""
        pairs = list(dict.fromkeys((t.backend, t.device) for t in tasks))
        return {"groups": list(settings.ops), "series": pairs}

    def verdict(self, rows: Sequence[Mapping], machine: Mapping | None = None) -> list[str]:
        from .report import summary
        return summary(rows, machine)

    def like_key(self, row: Mapping) -> Hashable:
        """The operation and dtype: Compare machines charts them across every size each file timed."""
        return row.get("op"), row.get("dtype")

    def like_text(self, key: Hashable) -> str:
        from .report import op_title
        op, dtype = key
        return f"{op_title(op)} · {dtype}"


class Ceilings(MeasureKind):
    """Measured on the Benchmarks page and with ``python -m kernels.bench --ceilings``; no page or
    Compare section of its own (a benchmark file carries its ceilings in each row's roofline fields)."""

    name = "ceilings"
    title = "Ceilings"
    what = "ceiling rows"
    noun = "ceiling"
    row = CeilingRow
    settings_type = Request  # the dtypes, libraries and devices of the benchmark it serves
    order = 11
    compared = False

    def plan(self, settings, backends: Mapping) -> list:
        from . import ceilings
        return ceilings.plan(backends, settings.devices, settings.dtypes, series=settings.pairs)

    def job(self, tasks: Sequence, backends: Mapping, settings):
        from ..measure.child import Job
        from . import ceilings
        return Job.of(ceilings.run, tasks, backends, ceilings.DEFAULT)

    def estimate(self, tasks: Sequence, backends: Mapping, settings, known: Iterable[Mapping] = ()):
        from ..measure.estimate import Estimate
        from . import ceilings
        return Estimate(ceilings.estimate_seconds(tasks, backends, ceilings.DEFAULT), len(tasks), 0, None)

    def verdict(self, rows: Sequence[Mapping], machine: Mapping | None = None) -> list[str]:
        from .roofline import ceiling_lines
        return ceiling_lines(rows)


BENCH = Benchmarks()
CEILINGS = Ceilings()
KIND = BENCH
KINDS = (BENCH, CEILINGS)
