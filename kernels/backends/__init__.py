"""The one place that knows the three libraries.

``discover()`` imports each library (never failing: a missing one is a Backend
with ``available=False`` and the import error), lists its devices here, picks a
default device, and knows how to synchronise it and how to describe its values.
Capabilities are data: pages render these objects and never branch on a name.
"""
from __future__ import annotations

import platform
from collections.abc import Iterable

from . import mlx_backend, numpy_backend, torch_backend
from .common import GPU_TURN, PINS, Backend, BackendModule, Device, MemoryReading, Output, pick_default

MODULES = (numpy_backend, torch_backend, mlx_backend)
NAMES = tuple(m.NAME for m in MODULES)

__all__ = ["GPU_TURN", "Backend", "BackendModule", "Device", "MemoryReading", "Output", "PINS", "NAMES", "discover",
           "discover_one", "by_name", "missing"]


def discover_one(module, system: str | None = None, machine: str | None = None) -> Backend:
    """Find one library on this machine; never raises."""
    system = system or platform.system()
    machine = machine or platform.machine()
    base = dict(
        name=module.NAME,
        label=module.LABEL,
        import_line=module.IMPORT_LINE,
        install=module.install_command(system, machine),
        impl=module,
    )
    try:
        lib = module.load()
    except Exception as exc:  # ImportError, or a broken native extension (OSError)
        return Backend(available=False, error=f"{type(exc).__name__}: {exc}", **base)
    try:
        devs = module.devices(lib)
    except Exception as exc:  # a device probe must not take the library down with it
        devs = (Device("cpu", "CPU", "cpu", True, f"device probe failed: {exc}"),)
    return Backend(
        available=True,
        version=module.version(lib),
        devices=devs,
        default_device=pick_default(devs, module.PREFERENCE),
        lib=lib,
        **base,
    )


def missing(name: str, error: str, system: str | None = None, machine: str | None = None) -> Backend:
    """The library ``name`` as on a machine where importing it failed with ``error`` (a measuring
    process is told which libraries the server lacks, so both see the same machine)."""
    module = next(m for m in MODULES if m.NAME == name)
    return Backend(name=module.NAME, label=module.LABEL, import_line=module.IMPORT_LINE, available=False,
                   install=module.install_command(system or platform.system(), machine or platform.machine()),
                   impl=module, error=error)


def discover(names: Iterable[str] = NAMES) -> dict[str, Backend]:
    """Every requested library, in the fixed order NumPy, PyTorch, MLX."""
    wanted = set(names)
    unknown = wanted - set(NAMES)
    if unknown:
        raise ValueError(f"unknown backend(s) {sorted(unknown)}; choose from {', '.join(NAMES)}")
    return {m.NAME: discover_one(m) for m in MODULES if m.NAME in wanted}


def by_name(name: str) -> Backend:
    return discover([name])[name]
