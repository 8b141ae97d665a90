"""A throwaway kind of measurement (tests/test_kinds.py copies this package to ``kernels/toy`` in a
temporary folder on the path): one package and one page, nothing else edited."""
from __future__ import annotations

import argparse
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from kernels.measure import columns as c
from kernels.measure.kinds import MeasureKind, PageInfo

ToyRow = c.row_class("ToyRow", [
    c.text("backend", required=True), c.text("device", required=True), c.count("n", required=True, positive=True),
    c.text("status", required=True), c.text("message", required=True),
    c.rate("sums_per_s", "sums/s"), *c.timing(),
], "One sum of n float32 numbers, timed.", __name__)


@dataclass(frozen=True)
class Settings:
    n: int = 1000
    backends: tuple[str, ...] = ("numpy",)
    devices: str | tuple[str, ...] = "auto"

    def as_dict(self) -> dict:
        return {"n": self.n, "backends": list(self.backends), "devices": self.devices}


class Toy(MeasureKind):
    name = "toy"
    title = "Toy sums"
    what = "toy rows"
    noun = "sum"
    row = ToyRow
    settings_type = Settings
    order = 99
    page = PageInfo(str(Path(__file__).resolve().parents[2] / "toy_page.py"), "Toy sums", ":material/add:", "toy")
    file_name = "toy.json"
    libraries = ("numpy",)

    def plan(self, settings: Settings, backends: Mapping) -> list:
        from kernels.measure.rows import device_names
        if not 1 <= settings.n <= 10**6:
            raise ValueError("n must be from 1 to a million")
        return [(name, device, settings.n) for name, b in backends.items() for device in device_names(b, "auto")]

    def job(self, tasks: Sequence, backends: Mapping, settings: Settings):
        from kernels.measure.child import Job

        from .engine import run
        return Job.of(run, tasks, backends)

    def estimate(self, tasks: Sequence, backends: Mapping, settings: Settings, known: Iterable[Mapping] = ()):
        from kernels.measure.estimate import add_up
        return add_up(tasks, lambda task: (0.05, False))

    def verdict(self, rows: Sequence[Mapping], machine: Mapping | None = None) -> list[str]:
        return [f"{sum(r['status'] == 'ok' for r in rows)} toy sums timed."]

    def like_key(self, row: Mapping) -> Hashable:
        return row.get("n")

    def like_text(self, key: Hashable) -> str:
        return f"n = {key}"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.description = "Time a toy sum."
        parser.add_argument("--n", type=int, default=1000, help="numbers summed (default: 1000)")

    def settings_from(self, args: argparse.Namespace, backends: tuple[str, ...], devices) -> Settings:
        return Settings(args.n, backends, devices)


KIND = Toy()
KINDS = (KIND,)
