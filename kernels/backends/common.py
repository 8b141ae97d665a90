"""What every backend module shares: the value types it returns.

Each library has a module of the same shape (``numpy_backend``, ``torch_backend``,
``mlx_backend``); callers never branch on a library's name, they read these values.
"""
from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, runtime_checkable

# Exact versions the project is pinned to; ``tests/test_requirements.py`` keeps
# this in step with requirements.txt so install hints never drift.
PINS = {
    "numpy": "2.4.6",
    "torch": "2.13.0",
    "mlx": "0.32.4",
}


# One thread at a time in this process runs work on a GPU or changes MLX's default device. Two threads
# running MPS work at once can abort the process (pytorch issue 197805), and ``with mx.stream(...)``
# sets MLX's default device for the whole process, not the thread (its StreamContext sets the one
# static default of mlx/device.cpp): a Learn cell in one session could move another's work, or a
# timing, to another device. Streamlit runs every session's script in a thread of its own, so the
# server's Learn cells, demos and self-check take turns (:meth:`Backend.turn`); a Measure page's run
# is in a process of its own. Reentrant: a turn may run code that asks for a turn.
GPU_TURN = threading.RLock()


@dataclass(frozen=True)
class Device:
    """One compute device a library can use on this machine (or could, elsewhere)."""

    name: str  # what the library calls it: "cpu", "mps", "cuda", "gpu"
    label: str  # what a person reads: "Apple GPU (Metal)", "NVIDIA H100 (CUDA)"
    kind: str  # "cpu" or "gpu"
    available: bool
    note: str = ""  # why it is not available, or a detail when it is

    def as_row(self) -> dict[str, Any]:
        return {
            "device": self.name,
            "what": self.label,
            "kind": self.kind,
            "available": self.available,
            "note": self.note,
        }


@dataclass(frozen=True)
class Output:
    """A value an example produced, made displayable: its repr and its facts."""

    text: str  # the library's own repr, exactly as it prints
    type_name: str
    shape: tuple[int, ...] | None = None
    dtype: str | None = None
    device: str | None = None

    def facts(self) -> str:
        """A one-line summary such as ``shape (3,) · int64 · cpu``."""
        parts = [self.type_name]
        if self.shape is not None:
            parts.append(f"shape {self.shape}")
        if self.dtype is not None:
            parts.append(self.dtype)
        if self.device is not None:
            parts.append(self.device)
        return " · ".join(parts)


@dataclass(frozen=True)
class MemoryReading:
    """Bytes a library reports, and what that figure counts (each library counts differently)."""

    bytes: int | None  # None: the library keeps no such figure here
    what: str  # "mx.get_peak_memory(): ..." or why there is none


@runtime_checkable
class BackendModule(Protocol):
    """What each library's module (``numpy_backend``, ``torch_backend``, ``mlx_backend``) provides:
    the declared interface :class:`Backend` calls. ``lib`` is the imported library; ``device`` is
    one of the names its ``devices`` lists (``None``: its default). A module may take more keyword
    arguments after these (a test's probe); ``tests/test_backends.py`` checks every module against
    this, parameter by parameter."""

    NAME: ClassVar[str]  # "torch"
    LABEL: ClassVar[str]  # "PyTorch"
    IMPORT_LINE: ClassVar[str]  # "import torch"
    PREFERENCE: ClassVar[tuple[str, ...]]  # its devices, best first: the default is the first available

    def install_command(self, system: str, machine: str) -> str: ...
    def device_install(self, device: str, system: str, machine: str) -> str: ...  # hardware, then command
    def load(self) -> Any: ...  # import the library (raising if it cannot)
    def version(self, lib) -> str: ...
    def devices(self, lib) -> tuple[Device, ...]: ...
    def synchronize(self, lib, device: str | None, result: Any) -> None: ...
    def is_array(self, lib, value: Any) -> bool: ...
    def describe(self, lib, value: Any) -> Output: ...
    def to_numpy(self, lib, value: Any) -> Any: ...
    def dtype_support(self, lib, device: str | None, dtype: str) -> str | None: ...
    def from_numpy(self, lib, array, device: str | None, dtype: str) -> Any: ...
    def device_scope(self, lib, device: str | None) -> Any: ...  # a context manager
    def memory_words(self, lib) -> str: ...
    def takes_turns(self, lib, device: str | None) -> bool: ...
    def reference_blas(self, lib, device: str | None) -> bool: ...
    def caveat(self, lib, device: str | None) -> str: ...
    def device_expr(self, device: str) -> str: ...
    def implicit_device(self, lib) -> str: ...
    def memory_in_use(self, lib, device: str | None) -> MemoryReading: ...
    def reset_peak_memory(self, lib, device: str | None) -> None: ...
    def peak_memory(self, lib, device: str | None) -> MemoryReading: ...
    def precision(self, lib) -> dict: ...


@dataclass
class Backend:
    """One library as found on this machine. Pages render this; they never import the library."""

    name: str  # "numpy", "torch", "mlx"
    label: str  # "NumPy", "PyTorch", "MLX"
    import_line: str  # "import numpy as np"
    install: str  # the exact command that installs it here
    available: bool
    error: str | None = None  # the import error, when not available
    version: str | None = None
    devices: tuple[Device, ...] = ()
    default_device: str | None = None
    lib: Any = field(default=None, repr=False)  # the imported module
    impl: BackendModule | None = field(default=None, repr=False)  # the backend module (numpy_backend, ...)

    @property
    def available_devices(self) -> tuple[Device, ...]:
        return tuple(d for d in self.devices if d.available)

    def device(self, name: str) -> Device:
        for d in self.devices:
            if d.name == name:
                return d
        raise KeyError(f"{self.label} has no device {name!r}; it knows {[d.name for d in self.devices]}")

    def synchronize(self, device: str | None = None, result: Any = None) -> None:
        """Wait until ``device`` has finished the work that produced ``result``.

        NumPy: nothing to wait for. Torch: ``torch.mps.synchronize()`` or
        ``torch.cuda.synchronize()``. MLX: ``mx.eval(result)`` (MLX is lazy).
        """
        self._require()
        self.impl.synchronize(self.lib, device or self.default_device, result)

    def describe(self, value: Any) -> Output:
        self._require()
        return self.impl.describe(self.lib, value)

    def is_array(self, value: Any) -> bool:
        return self.available and self.impl.is_array(self.lib, value)

    def to_numpy(self, value: Any):
        """A NumPy copy of one of this library's arrays (for comparisons)."""
        self._require()
        return self.impl.to_numpy(self.lib, value)

    def dtype_support(self, device: str | None, dtype: str) -> str | None:
        """``None`` if this library computes in ``dtype`` on ``device``, else the reason it cannot."""
        self._require()
        return self.impl.dtype_support(self.lib, device or self.default_device, dtype)

    def from_numpy(self, array: Any, device: str | None = None, dtype: str = "float32") -> Any:
        """This library's copy of a NumPy array, in ``dtype``, on ``device``, ready to use."""
        self._require()
        return self.impl.from_numpy(self.lib, array, device or self.default_device, dtype)

    def memory_words(self) -> str:
        """Where this library's arrays live, as this build does it, in one sentence (MLX's Metal and
        CUDA builds differ: unified memory against GPU memory moved on first host access)."""
        self._require()
        return self.impl.memory_words(self.lib)

    def turn(self, device: str | None = None):
        """A context manager holding :data:`GPU_TURN` while this library's code runs on ``device``, if
        that work must take turns (a GPU; MLX, whose default device is process-wide); else nothing."""
        if self.available and self.impl.takes_turns(self.lib, device or self.default_device):
            return GPU_TURN
        return contextlib.nullcontext()

    def device_scope(self, device: str | None = None):
        """A context manager that makes operations run on ``device`` (MLX needs one; the others
        run where their arrays are)."""
        self._require()
        return self.impl.device_scope(self.lib, device or self.default_device)

    def device_expr(self, device: str) -> str:
        """How this library's code names ``device``: ``'mps'`` for Torch, ``mx.gpu`` for MLX."""
        return self.impl.device_expr(device)

    def implicit_device(self) -> str:
        """Where an example runs when its code names no device: Torch and NumPy make arrays on the
        CPU; MLX runs operations on its default device (the GPU when there is one)."""
        self._require()
        return self.impl.implicit_device(self.lib)

    def memory_in_use(self, device: str | None = None):
        """:class:`MemoryReading` of what the library holds now on ``device``."""
        self._require()
        return self.impl.memory_in_use(self.lib, device or self.default_device)

    def reset_peak_memory(self, device: str | None = None) -> None:
        self._require()
        self.impl.reset_peak_memory(self.lib, device or self.default_device)

    def peak_memory(self, device: str | None = None):
        """:class:`MemoryReading` of the most the library held on ``device`` since the last reset."""
        self._require()
        return self.impl.peak_memory(self.lib, device or self.default_device)

    def reference_blas(self, device: str | None = None) -> bool:
        """Whether this library's matrix products on ``device`` use an unoptimised reference BLAS."""
        self._require()
        return self.impl.reference_blas(self.lib, device or self.default_device)

    def caveat(self, device: str | None = None) -> str:
        """What a reader of this library's timings on ``device`` must know about this build ("" if
        nothing): MLX's Linux CPU build and its reference BLAS."""
        self._require()
        return self.impl.caveat(self.lib, device or self.default_device)

    def precision(self) -> dict:
        """Settings that change how this library computes in float32 (TF32 matmuls and the like)."""
        self._require()
        return self.impl.precision(self.lib)

    def device_install(self, device: str) -> str:
        """What brings one of this library's devices to a machine: the hardware it needs (a shell
        comment) and the command; ``""`` when there is none to give."""
        import platform

        return self.impl.device_install(device, platform.system(), platform.machine()) if self.impl else ""

    def summary(self) -> str:
        """One line: ``PyTorch 2.13.0 · devices: cpu`` or ``MLX: not installed``."""
        if not self.available:
            return f"{self.label}: not available ({self.error})"
        devs = ", ".join(d.name for d in self.available_devices)
        return f"{self.label} {self.version} · devices: {devs} · default: {self.default_device}"

    def _require(self) -> None:
        if not self.available:
            raise RuntimeError(f"{self.label} is not available: {self.error}")


def pick_default(devices: tuple[Device, ...], preference: tuple[str, ...]) -> str | None:
    """The first available device in the library's order of preference."""
    available = {d.name for d in devices if d.available}
    for name in preference:
        if name in available:
            return name
    return None


def plain_describe(value: Any) -> Output:
    """Describe a non-array value (a Python number, a tuple of sizes, a string)."""
    return Output(text=repr(value), type_name=type(value).__name__)
