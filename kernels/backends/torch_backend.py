"""PyTorch: ``cpu`` always; ``mps`` on Apple silicon; ``cuda`` on NVIDIA GPUs.

Torch launches GPU kernels asynchronously, so timing or reading a result on
``mps``/``cuda`` needs ``torch.mps.synchronize()`` / ``torch.cuda.synchronize()``.
"""
from __future__ import annotations

import contextlib
import importlib
from typing import Any

from . import mps_rules
from .common import GPU_TURN, PINS, Device, MemoryReading, Output, plain_describe

NAME = "torch"
LABEL = "PyTorch"
IMPORT_LINE = "import torch"
PREFERENCE = ("mps", "cuda", "cpu")


def install_command(system: str, machine: str) -> str:
    return f"pip install torch=={PINS['torch']}"


def device_install(device: str, system: str, machine: str) -> str:
    """What brings ``device``: the hardware it needs, then the command (as a shell comment and line)."""
    pin = PINS["torch"]
    if device == "mps":
        return f"# on a Mac with Apple silicon: the macOS build of torch has MPS\npip install torch=={pin}"
    if device == "cuda":
        return (f"# on Linux or Windows with an NVIDIA GPU and its driver: PyPI's Linux build of torch has CUDA\n"
                f"pip install torch=={pin}")
    return ""


def load():
    lib = importlib.import_module("torch")
    if mps_rules.requested():  # the test suite's imitation of a Mac's mps device (mps_rules.py)
        mps_rules.install(lib)
    return lib


def version(lib) -> str:
    return lib.__version__.split("+")[0]


def devices(lib) -> tuple[Device, ...]:
    found = [Device("cpu", "CPU", "cpu", True, f"{lib.get_num_threads()} threads")]

    mps = getattr(lib.backends, "mps", None)
    if mps is not None and mps.is_available():
        found.append(Device("mps", "Apple GPU (Metal Performance Shaders)", "gpu", True,
                            mps_rules.LABEL if mps_rules.active() else ""))
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
    """Torch runs an operation where its tensors are: nothing to switch. On a GPU the scope is this
    thread's turn (:data:`~.common.GPU_TURN`): two threads running MPS work at once can abort the process."""
    return GPU_TURN if takes_turns(lib, device) else contextlib.nullcontext()


def memory_words(lib) -> str:
    return ("A tensor lives on one device: .to(device) copies it there (a GPU's memory on mps or cuda), and "
            "NumPy reads only tensors in host memory.")


def takes_turns(lib, device: str | None) -> bool:
    """Work on ``mps`` or ``cuda`` takes turns with other threads'; on the CPU it need not."""
    return _kind(device) in ("mps", "cuda")


def reference_blas(lib, device: str | None) -> bool:
    return False  # NumPy and PyTorch wheels ship an optimised BLAS (OpenBLAS, MKL, Accelerate)


def caveat(lib, device: str | None) -> str:
    """What a reader of this device's timings must know: under the MPS-rules mode, that ``mps`` is
    the CPU keeping a Mac's rules (a result file made so must never pass for a Mac's)."""
    if device == "mps" and mps_rules.active():
        return ("PyTorch's `mps` here is the CPU imitating a Mac's rules (the MPS-rules mode, "
                "PLAYGROUND_MPS_RULES=1): its times are the CPU's and say nothing about an Apple GPU")
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
    kind = _kind(device)
    if kind == "cuda":
        lib.cuda.reset_peak_memory_stats()
    elif kind == "mps":
        try:  # torch 2.13's MPS allocator keeps peak statistics behind torch.accelerator
            lib.accelerator.reset_peak_memory_stats()
        except Exception:  # an older torch: peak_memory says there is no peak
            pass


def peak_memory(lib, device: str | None) -> MemoryReading:
    kind = _kind(device)
    if kind == "cuda":
        return MemoryReading(int(lib.cuda.max_memory_allocated()),
                             "torch.cuda.max_memory_allocated(): the most Torch's tensors held on the GPU")
    if kind == "mps":
        return _mps_peak(lib)
    return MemoryReading(None, "n/a: PyTorch does not track peak memory on the CPU")


def _mps_peak(lib) -> MemoryReading:
    """``torch.accelerator.max_memory_allocated()`` on mps, where this torch keeps it (2.13 does). An
    allocator without statistics answers 0 while tensors are held: that is no peak, and is said so."""
    try:
        peak = int(lib.accelerator.max_memory_allocated())
    except Exception as exc:
        return MemoryReading(None, f"n/a: this torch keeps no peak on mps ({type(exc).__name__}: {exc}); "
                                   "torch.mps.current_allocated_memory() is the figure it has")
    if peak == 0 and int(lib.mps.current_allocated_memory()) > 0:
        return MemoryReading(None, "n/a: this torch's MPS allocator keeps no peak statistics "
                                   "(torch.accelerator.max_memory_allocated() answers 0 while tensors are held)")
    return MemoryReading(peak, "torch.accelerator.max_memory_allocated(): the most Torch's tensors held on the "
                               "Apple GPU since the last reset (the same figure as torch.cuda.max_memory_allocated)")


def precision(lib, cuda: bool | None = None) -> dict:
    """``torch.get_float32_matmul_precision()``: "highest" (the default) keeps float32 matmuls in
    float32; "high" allows TF32 on CUDA. Convolutions follow cuDNN's own setting,
    ``torch.backends.cudnn.conv.fp32_precision``, which is "tf32" by default in torch 2.13: on an
    NVIDIA GPU from Ampere on, float32 convolutions run in TF32 unless it is set to "ieee"."""
    value = lib.get_float32_matmul_precision()
    conv = conv_precision(lib)
    cuda = lib.cuda.is_available() if cuda is None else cuda
    return {"setting": f"torch.get_float32_matmul_precision() = {value!r}; "
                       f"torch.backends.cudnn.conv.fp32_precision = {conv!r}",
            "float32_matmul": "float32" if value == "highest" else f"may use TF32 or bfloat16 ({value})",
            "float32_conv": "tf32" if cuda and conv == "tf32" else "float32"}


def conv_precision(lib) -> str:
    """cuDNN's float32 convolution precision: "tf32" or "ieee" (torch ≥ 2.9's setting; on an older
    torch, ``torch.backends.cudnn.allow_tf32``)."""
    setting = getattr(getattr(lib.backends.cudnn, "conv", None), "fp32_precision", None)
    if setting in (None, "none"):  # "none": inherit torch.backends.cudnn / torch.backends settings
        inherited = getattr(lib.backends.cudnn, "fp32_precision", "none")
        if inherited not in (None, "none"):
            return inherited
        return "tf32" if lib.backends.cudnn.allow_tf32 else "ieee"
    return setting
