"""NumPy: always the CPU, nothing to synchronise."""
from __future__ import annotations

import contextlib
import importlib
from typing import Any

from .common import PINS, Device, MemoryReading, Output, plain_describe

NAME = "numpy"
LABEL = "NumPy"
IMPORT_LINE = "import numpy as np"
PREFERENCE = ("cpu",)


def install_command(system: str, machine: str) -> str:
    return f"pip install numpy=={PINS['numpy']}"


def device_install(device: str, system: str, machine: str) -> str:
    """NumPy has no device but the CPU: nothing to install for one."""
    return ""


def load():
    return importlib.import_module("numpy")


def version(lib) -> str:
    return lib.__version__


def devices(lib) -> tuple[Device, ...]:
    return (Device("cpu", "CPU", "cpu", True, "NumPy runs on the CPU only"),)


def synchronize(lib, device: str | None, result: Any) -> None:
    """NumPy computes eagerly on the calling thread: when a call returns, it is done."""
    return None


def is_array(lib, value: Any) -> bool:
    return isinstance(value, (lib.ndarray, lib.generic))


def describe(lib, value: Any) -> Output:
    if isinstance(value, lib.ndarray):
        return Output(repr(value), "ndarray", tuple(value.shape), str(value.dtype), "cpu")
    if isinstance(value, lib.generic):
        return Output(repr(value), type(value).__name__, (), str(value.dtype), "cpu")
    return plain_describe(value)


def to_numpy(lib, value: Any):
    return lib.array(value)


def dtype_support(lib, device: str | None, dtype: str) -> str | None:
    """``None`` when NumPy can compute in ``dtype``; otherwise the reason it cannot."""
    if dtype == "bfloat16":
        return "NumPy has no bfloat16 type"
    if not hasattr(lib, dtype):
        return f"NumPy has no {dtype} type"
    return None


def from_numpy(lib, array, device: str | None, dtype: str):
    """A contiguous copy of ``array`` in ``dtype`` (NumPy's only device is the host)."""
    return lib.array(array, dtype=getattr(lib, dtype), order="C", copy=True)


def device_scope(lib, device: str | None):
    """Where operations run: NumPy always runs on the calling thread."""
    return contextlib.nullcontext()


def memory_words(lib) -> str:
    return "NumPy arrays live in host memory."


def takes_turns(lib, device: str | None) -> bool:
    """NumPy touches no GPU and no process-wide device: its threads need not take turns."""
    return False


def reference_blas(lib, device: str | None) -> bool:
    return False  # NumPy and PyTorch wheels ship an optimised BLAS (OpenBLAS, MKL, Accelerate)


def caveat(lib, device: str | None) -> str:
    return ""


def device_expr(device: str) -> str:
    return repr(device)


def implicit_device(lib) -> str:
    return "cpu"


def process_rss() -> MemoryReading:
    """The whole process's resident memory: all a CPU library can offer (NumPy keeps no counter)."""
    import psutil

    return MemoryReading(int(psutil.Process().memory_info().rss),
                         "process RSS (psutil): all the memory this Python process holds, every library")


def memory_in_use(lib, device: str | None) -> MemoryReading:
    return process_rss()


def reset_peak_memory(lib, device: str | None) -> None:
    return None


def peak_memory(lib, device: str | None) -> MemoryReading:
    return MemoryReading(None, "n/a: NumPy keeps no peak-memory counter")


def precision(lib) -> dict:
    return {"float32_matmul": "float32"}
