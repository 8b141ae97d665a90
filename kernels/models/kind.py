"""Small models as a kind of measurement (``kernels.measure.kinds``): what the Small models page,
``python -m kernels.models`` and Compare machines ask of this engine. Light to import: the engine's
pieces are imported where they are used."""
from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..measure.kinds import MeasureKind, PageInfo
from .results import ModelsRow

if TYPE_CHECKING:  # the config imports NumPy: this module stays light
    from .config import RunSpec

SWEEP_WORDS = {"batch": "batch sizes", "width": "widths", "seq_len": "sequence lengths", None: "this size only"}


@dataclass(frozen=True)
class Settings:
    """One run: the specs trained (a sweep: one per size), on which libraries and devices."""

    specs: tuple[RunSpec, ...]  # smallest first
    backends: tuple[str, ...] = ("numpy", "torch", "mlx")
    devices: str | tuple[str, ...] = "auto"
    sweep: str | None = None  # the dimension the page swept, if it did

    def as_dict(self) -> dict:
        """As the result file keeps it: the first spec's settings, each size dimension's values."""
        first = self.specs[0]
        out = {k: v for k, v in first.as_dict().items() if k not in ("batch", "width", "seq_len")}
        values: dict[str, Any] = {dim: list(dict.fromkeys(getattr(s, dim) for s in self.specs))
                                  for dim in ("batch", "width", "seq_len")}
        if not first.uses_seq_len:
            values["seq_len"] = None
        return {**out, **values, "sweep": self.sweep, "sizes": [s.size_label() for s in self.specs],
                "backends": list(self.backends), "devices": self.devices if isinstance(self.devices, str)
                else list(self.devices)}


class SmallModels(MeasureKind):
    name = "models"
    title = "Small models"
    what = "small-model results"
    noun = "training run"
    row = ModelsRow
    settings_type = Settings
    # Files written before the measurement core named the step statistics like the benchmarks'.
    renamed = {"step_s_median": "median_s", "step_s_iqr": "iqr_s", "timed_steps": "repeats"}
    order = 20
    page = PageInfo("app_pages/models.py", "Small models", ":material/model_training:", "models")
    file_name = "models.json"
    like_fields = ("model", "batch", "width", "seq_len", "depth", "optimizer", "steps")

    def plan(self, settings: Settings, backends: Mapping) -> list:
        from .runner import plan
        return plan(settings.specs, backends, settings.devices)

    def job(self, tasks: Sequence, backends: Mapping, settings: Settings):
        from ..measure.child import Job
        from .runner import run
        return Job.of(run, tasks, backends)

    def estimate(self, tasks: Sequence, backends: Mapping, settings: Settings, known: Iterable[Mapping] = ()):
        from .estimate import estimate
        return estimate(tasks, backends, known=known)

    def memory_refusal(self, settings: Settings) -> str | None:
        from .runner import memory_refusal
        return memory_refusal(settings.specs[-1])  # the largest size of the sweep

    def run_title(self, settings: Settings) -> str:
        from .config import MODEL_TITLES
        last = settings.specs[-1]
        if len(settings.specs) > 1:
            return f"{MODEL_TITLES[last.model]}, {SWEEP_WORDS[settings.sweep]} up to {last.size_label()}"
        return f"{MODEL_TITLES[last.model]} at {last.size_label()}"

    def verdict(self, rows: Sequence[Mapping], machine: Mapping | None = None) -> list[str]:
        from .report import verdict
        return verdict(rows, machine)

    def size_text(self, row: Mapping) -> str:
        from .runner import size_text
        return size_text(row)

    def like_key(self, row: Mapping) -> Hashable:
        return tuple(row.get(k) for k in self.like_fields)

    def like_text(self, key: Hashable) -> str:
        from .report import choice_text
        return choice_text(dict(zip(self.like_fields, key)))


KIND = SmallModels()
KINDS = (KIND,)
