"""Local inference as a kind of measurement (``kernels.measure.kinds``): what the Local inference
page, ``python -m kernels.inference`` and Compare machines ask of this engine. Light to import: the
engine's pieces are imported where they are used."""
from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..measure.kinds import MeasureKind, PageInfo
from .results import InferenceRow

if TYPE_CHECKING:  # the config imports NumPy: this module stays light
    from .config import Spec


@dataclass(frozen=True)
class Settings:
    """One run: one decoder size and lengths, in some dtypes and variants, on which libraries and devices."""

    spec: Spec
    dtypes: tuple[str, ...] = ("float32",)
    variants: tuple[str, ...] = ("eager", "compiled")
    backends: tuple[str, ...] = ("torch", "mlx")
    devices: str | tuple[str, ...] = "auto"
    compile_budget_s: float = 60.0  # how long torch.compile may compile before its row says so

    def as_dict(self) -> dict:
        return {**self.spec.as_dict(), "dtypes": list(self.dtypes), "variants": list(self.variants),
                "backends": list(self.backends),
                "devices": self.devices if isinstance(self.devices, str) else list(self.devices),
                "compile_budget_s": self.compile_budget_s}


class LocalInference(MeasureKind):
    name = "inference"
    title = "Local inference"
    what = "inference results"
    noun = "generation"
    row = InferenceRow
    settings_type = Settings
    order = 30
    page = PageInfo("app_pages/inference.py", "Local inference", ":material/chat:", "inference")
    file_name = "inference.json"
    libraries = ("torch", "mlx")  # NumPy is the reference, not timed

    def plan(self, settings: Settings, backends: Mapping) -> list:
        from .runner import plan
        return plan([settings.spec], backends, settings.devices, settings.variants, settings.dtypes)

    def job(self, tasks: Sequence, backends: Mapping, settings: Settings):
        from ..measure.child import Job
        from .runner import run
        return Job.of(run, tasks, backends, partial="on_tokens", compile_budget_s=settings.compile_budget_s)

    def estimate(self, tasks: Sequence, backends: Mapping, settings: Settings, known: Iterable[Mapping] = ()):
        from .estimate import estimate
        return estimate(tasks, backends, known=known, compile_budget_s=settings.compile_budget_s)

    def memory_refusal(self, settings: Settings) -> str | None:
        from .runner import memory_refusal
        return next((r for r in (memory_refusal(settings.spec, d) for d in settings.dtypes) if r), None)

    def run_title(self, settings: Settings) -> str:
        spec = settings.spec
        return f"{spec.size_label()}, {spec.lengths_label()}, {', '.join(settings.dtypes)}"

    def verdict(self, rows: Sequence[Mapping], machine: Mapping | None = None) -> list[str]:
        from .report import verdict
        return verdict(rows, machine)

    def row_name(self, row: Mapping) -> str:
        from .runner import run_label
        return run_label(row)

    def size_text(self, row: Mapping) -> str:
        from .runner import size_text
        return size_text(row)

    def like_key(self, row: Mapping) -> Hashable:
        from .report import setting_key
        return setting_key(row)

    def like_text(self, key: Hashable) -> str:
        from .report import choice_text
        return choice_text(key)

    def preamble(self, settings: Settings) -> str:
        from .config import param_count
        spec = settings.spec
        return f"{spec.size_label()}: {param_count(spec):,} parameters; {spec.lengths_label()}"


KIND = LocalInference()
KINDS = (KIND,)
