"""Fakes shared by the benchmark tests: a backend whose synchronisation counts, a pretend GPU."""
from __future__ import annotations

import contextlib
import dataclasses

from kernels.backends import Backend, Device
from kernels.bench import Settings

# As little timing as the harness allows: tests check the plumbing, not the speed.
QUICK = Settings(budget_s=0.0, warmup=1, min_repeats=2, max_repeats=2, min_block_s=0.0)


class CountingImpl:
    """A backend module that delegates to a real one, recording every synchronisation."""

    def __init__(self, real, events: list | None = None, host: str | None = None):
        self.real = real
        self.events = [] if events is None else events
        self.host = host  # run a pretend device's work on this real device

    def __getattr__(self, name):
        return getattr(self.real, name)

    def _where(self, device):
        return self.host or device

    def synchronize(self, lib, device, result):
        self.events.append(("sync", id(result)))
        self.real.synchronize(lib, self._where(device), result)

    def from_numpy(self, lib, array, device, dtype):
        return self.real.from_numpy(lib, array, self._where(device), dtype)

    def device_scope(self, lib, device):
        return self.real.device_scope(lib, self._where(device)) if device else contextlib.nullcontext()

    @property
    def syncs(self) -> int:
        return sum(1 for e in self.events if e[0] == "sync")


def counting(backend: Backend, events: list | None = None) -> tuple[Backend, CountingImpl]:
    impl = CountingImpl(backend.impl, events)
    return dataclasses.replace(backend, impl=impl), impl


def pretend_gpu(backend: Backend, name: str = "gpu", events: list | None = None) -> tuple[Backend, CountingImpl]:
    """``backend`` with one available device of kind "gpu" (not the host), whose work really runs
    on the CPU, and whose synchronisations are counted."""
    impl = CountingImpl(backend.impl, events, host="cpu")
    device = Device(name, "Pretend GPU", "gpu", True)
    return dataclasses.replace(backend, impl=impl, devices=(device,), default_device=name), impl


def spy(fn, events: list, tag: str = "call"):
    """Wrap an operation's function so each call and its result are recorded."""

    def wrapper(*args, **kwargs):
        result = fn(*args, **kwargs)
        events.append((tag, id(result)))
        return result

    return wrapper
