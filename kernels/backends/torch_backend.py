"""PyTorch: ``cpu`` always; ``mps`` on Apple silicon; ``cuda`` on NVIDIA GPUs.

Torch launches GPU kernels asynchronously, so timing or reading a result on
``mps``/``cuda`` needs ``torch.mps.synchronize()`` / ``torch.cuda.synchronize()``.
"""
from __future__ import annotations

import contextlib
import importlib
from typing import Any

from .common import PINS, Device, MemoryReading, Output, plain_describe

NAME = "torch"
LABEL = "PyTorch"
IMPORT_LINE = "import torch"
PREFERENCE = ("mps", "cuda", "cpu")


def install_command(system: str, machine: str) -> str:
    return f"pip install torch=={PINS['torch']}"


def load():
    return importlib.import_module("torch")


def version(lib) -> str:
    return lib.__version__.split("+")[0]


def devices(lib) -> tuple[Device, ...]:
    found = [Device("cpu", "CPU", "cpu", True, f"{lib.get_num_threads()} threads")]

    mps = getattr(lib.backends, "mps", None)
    if mps is not None and mps.is_available():
        found.append(Device("mps", "Apple GPU (Metal Performance Shaders)", "gpu", True))
    else:
        built = mps is not None and mps.is_built()
        why = (
            "this build has MPS but no Metal device is usable here"
            if built
            else "needs a Mac with Apple silicon and the macOS build of torch"
        )
        found.append(Device("mps", "Apple GPU (Metal Performance Shaders)", "gpu", False, why))

    if lib.cuda.is_available():
        name = lib.cuda.get_device_name(0)
        count = lib.cuda.device_count()
        note = f"{count} device{'s' if count != 1 else ''}" if count > 1 else ""
        found.append(Device("cuda", f"{name} (CUDA)", "gpu", True, note))
    else:
        why = (
            "this torch was built without CUDA"
            if lib.version.cuda is None
            else "no NVIDIA GPU or driver found"
        )
        found.append(Device("cuda", "NVIDIA GPU (CUDA)", "gpu", False, why))
    return tuple(found)


def synchronize(lib, device: str | None, result: Any) -> None:
    """Block until every kernel queued on ``device`` has finished."""
    kind = (device or "cpu").split(":")[0]
    if kind == "mps":
        lib.mps.synchronize()
    elif kind == "cuda":
        lib.cuda.synchronize()
    # cpu: torch's CPU ops run on the calling thread and are finished on return.


def is_array(lib, value: Any) -> bool:
    return isinstance(value, lib.Tensor)


def describe(lib, value: Any) -> Output:
    if isinstance(value, lib.Tensor):
        return Output(
            repr(value),
            "Tensor",
            tuple(value.shape),
            str(value.dtype).removeprefix("torch."),
            str(value.device),
        )
    if isinstance(value, lib.Size):
        return Output(repr(value), "Size", None, None, None)
    return plain_describe(value)


def to_numpy(lib, value: Any):
    t = value.detach()
    if t.dtype == lib.bfloat16:  # NumPy has no bfloat16
        t = t.float()
    return t.cpu().numpy().copy()


def dtype_support(lib, device: str | None, dtype: str) -> str | None:
    """``None`` when Torch can compute in ``dtype`` on ``device``; otherwise the reason."""
    if not isinstance(getattr(lib, dtype, None), lib.dtype):
        return f"PyTorch has no {dtype} type"
    if (device or "cpu").split(":")[0] == "mps" and dtype == "float64":
        return "the MPS backend (Apple GPU) has no float64; use float32, or Torch on the CPU"
    return None


def from_numpy(lib, array, device: str | None, dtype: str):
    """``array`` as a tensor of ``dtype`` on ``device``, copied there and finished."""
    import numpy as np

    tensor = lib.from_numpy(np.array(array, order="C", copy=True))
    tensor = tensor.to(device=device or "cpu", dtype=getattr(lib, dtype))
    synchronize(lib, device, tensor)
    return tensor


def device_scope(lib, device: str | None):
    """Torch runs an operation where its tensors are: nothing to switch."""
    return contextlib.nullcontext()


def reference_blas(lib, device: str | None) -> bool:
    return False  # NumPy and PyTorch wheels ship an optimised BLAS (OpenBLAS, MKL, Accelerate)


def caveat(lib, device: str | None) -> str:
    return ""


def device_expr(device: str) -> str:
    return repr(device)


def implicit_device(lib) -> str:
    """``torch.get_default_device()``: the CPU unless a program changes it."""
    return str(lib.get_default_device()).split(":")[0]


def _kind(device: str | None) -> str:
    return (device or "cpu").split(":")[0]


def memory_in_use(lib, device: str | None) -> MemoryReading:
    kind = _kind(device)
    if kind == "mps":
        return MemoryReading(int(lib.mps.current_allocated_memory()),
                             "torch.mps.current_allocated_memory(): bytes Torch's tensors hold on the Apple GPU")
    if kind == "cuda":
        return MemoryReading(int(lib.cuda.memory_allocated()),
                             "torch.cuda.memory_allocated(): bytes Torch's tensors hold on the NVIDIA GPU")
    from .numpy_backend import process_rss

    return process_rss()


def reset_peak_memory(lib, device: str | None) -> None:
    if _kind(device) == "cuda":
        lib.cuda.reset_peak_memory_stats()


def peak_memory(lib, device: str | None) -> MemoryReading:
    kind = _kind(device)
    if kind == "cuda":
        return MemoryReading(int(lib.cuda.max_memory_allocated()),
                             "torch.cuda.max_memory_allocated(): the most Torch's tensors held on the GPU")
    if kind == "mps":
        return MemoryReading(None, "n/a: torch.mps reports current allocations only "
                                   "(current_allocated_memory, driver_allocated_memory), not a peak")
    return MemoryReading(None, "n/a: PyTorch does not track peak memory on the CPU")


def precision(lib) -> dict:
    """``torch.get_float32_matmul_precision()``: "highest" (the default) keeps float32 matmuls in
    float32; "high" allows TF32 on CUDA."""
    value = lib.get_float32_matmul_precision()
    return {"setting": f"torch.get_float32_matmul_precision() = {value!r}",
            "float32_matmul": "float32" if value == "highest" else f"may use TF32 or bfloat16 ({value})"}
