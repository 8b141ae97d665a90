"""MLX: ``gpu`` (Metal on a Mac, CUDA with the ``mlx[cuda]`` build) and ``cpu``.

MLX is lazy: operations build a graph and nothing is computed until ``mx.eval``
(or printing, or converting to NumPy) forces it. ``mx.eval(result)`` is the
synchronisation point.
"""
from __future__ import annotations

import contextlib
import importlib
import os
import platform
from typing import Any

from .common import GPU_TURN, PINS, Device, MemoryReading, Output, plain_describe

NAME = "mlx"
LABEL = "MLX"
IMPORT_LINE = "import mlx.core as mx"
PREFERENCE = ("gpu", "cpu")


def device_install(device: str, system: str, machine: str) -> str:
    """What brings ``device``: the hardware it needs, then the command (as a shell comment and line)."""
    pin = PINS["mlx"]
    if device != "gpu":
        return ""
    if system == "Darwin" and machine == "arm64":
        return f"# on this Mac: MLX's Metal build\npip install mlx=={pin}"
    return (f"# on a Mac with Apple silicon (Metal):\npip install mlx=={pin}\n"
            f"# or on Linux with an NVIDIA GPU and its driver (CUDA):\npip install \"mlx[cuda]=={pin}\"")


def install_command(system: str, machine: str) -> str:
    pin = PINS["mlx"]
    if system == "Darwin":
        if machine != "arm64":
            return "MLX needs a Mac with Apple silicon (M1 or newer); there is no Intel-Mac build"
        return f"pip install mlx=={pin}"
    if system == "Linux":
        return f'pip install "mlx[cpu]=={pin}"  (or "mlx[cuda]=={pin}" on a machine with an NVIDIA GPU)'
    return f"MLX has no {system} build: use a Mac with Apple silicon, or Linux with pip install \"mlx[cpu]=={pin}\""


def load():
    return importlib.import_module("mlx.core")


def version(lib) -> str:
    return lib.__version__


def gpu_backend(lib) -> str | None:
    """``"metal"``, ``"cuda"`` or None: which GPU backend this MLX build has here."""
    if lib.metal.is_available():
        return "metal"
    cuda = getattr(lib, "cuda", None)
    if cuda is not None and cuda.is_available():
        return "cuda"
    return None


def gpu_info(lib) -> dict:
    """``mx.device_info(mx.gpu)``: name, architecture, memory size (``{}`` without a GPU).
    (``mx.metal.device_info()`` is deprecated since MLX 0.31 and prints a warning.)"""
    if gpu_backend(lib) is None:
        return {}
    try:
        return dict(lib.device_info(lib.gpu))
    except Exception:  # a device probe must never take the library down
        return {}


def _gpu_label(lib) -> str | None:
    kind = gpu_backend(lib)
    if kind is None:
        return None
    name = str(gpu_info(lib).get("device_name", "")).strip()
    if kind == "metal":
        return f"{name} GPU (Metal)" if name else "Apple GPU (Metal)"
    return f"{name} (CUDA)" if name else "NVIDIA GPU (CUDA)"


def reference_blas(lib, device: str | None, system: str | None = None) -> bool:
    """Whether MLX computes on ``device`` with a reference (unoptimised) BLAS: its Linux wheels do on
    the CPU, so their matmul, and all that builds on it, is far slower than NumPy's there. A fact
    about this build, not about MLX on a Mac (Accelerate on the CPU, Metal on the GPU)."""
    return (system or platform.system()) == "Linux" and (device or "cpu") == "cpu"


def caveat(lib, device: str | None, system: str | None = None) -> str:
    """What a reader of MLX's timings on ``device`` must know, or ""."""
    if reference_blas(lib, device, system):
        return ("MLX's Linux CPU build (mlx[cpu]) uses a reference BLAS, so its matmul-heavy work is far slower "
                "than NumPy's here; on a Mac, MLX uses Accelerate on the CPU and Metal on the GPU")
    return ""


def devices(lib) -> tuple[Device, ...]:
    gpu = _gpu_label(lib)
    if gpu:
        gpu_dev = Device("gpu", gpu, "gpu", True)
    else:
        gpu_dev = Device(
            "gpu", "GPU (Metal or CUDA)", "gpu", False,
            "this MLX build has no GPU backend here (Metal needs a Mac with Apple silicon; CUDA needs mlx[cuda] and an "
            "NVIDIA GPU)",
        )
    return (gpu_dev, Device("cpu", "CPU", "cpu", True, caveat(lib, "cpu")))


def synchronize(lib, device: str | None, result: Any) -> None:
    """Force the lazy graph behind ``result`` to be computed, and wait for it."""
    if result is None:
        lib.synchronize()
    else:
        lib.eval(result)


def is_array(lib, value: Any) -> bool:
    return isinstance(value, lib.array)


def device_name(lib, device) -> str:
    """``"gpu"`` or ``"cpu"`` for an ``mx.Device`` (MLX arrays live in unified memory;
    the device is where the operations that made them ran)."""
    return "gpu" if device.type == lib.gpu else "cpu"


CUDA_MEMORY = "GPU memory (mlx[cuda])"


def memory_place(lib) -> str:
    """Where MLX arrays live: one memory the CPU and GPU share on Apple silicon, so an array has no
    device; with ``mlx[cuda]``, the GPU's own memory (an array moves to managed memory when the host
    first reads it); plain host memory on the CPU build."""
    kind = gpu_backend(lib)
    return {"metal": "unified memory", "cuda": CUDA_MEMORY}.get(kind, "cpu")


def memory_words(lib) -> str:
    """What this build does with an array's memory, in a sentence a page can show."""
    kind = gpu_backend(lib)
    if kind == "metal":
        return ("MLX arrays live in unified memory, which the CPU and the GPU share: nothing is copied when one "
                "uses what the other made, and np.asarray(a) reads an array in place.")
    if kind == "cuda":
        return ("This MLX is its CUDA build, which has no unified memory: an array the GPU made stays in GPU "
                "memory, and MLX moves it to managed memory the first time the host reads it (np.asarray, "
                "printing, an operation on mx.cpu), so that first read copies; later reads are in place.")
    return "This MLX has no GPU here: its arrays live in host memory, and np.asarray(a) reads an array in place."


def describe(lib, value: Any) -> Output:
    if isinstance(value, lib.array):
        return Output(
            repr(value),
            "array",
            tuple(value.shape),
            str(value.dtype).removeprefix("mlx.core."),
            memory_place(lib),
        )
    return plain_describe(value)


def device_expr(device: str) -> str:
    """How code names ``device``: ``mx.gpu`` (passed as ``stream=`` or to ``mx.stream``)."""
    return f"mx.{device}"


def implicit_device(lib) -> str:
    """Where an operation runs when the code names no device: ``mx.default_device()``, the GPU
    when there is one."""
    return device_name(lib, lib.default_device())


def to_numpy(lib, value: Any):
    import numpy as np

    if value.dtype == lib.bfloat16:  # NumPy has no bfloat16
        value = value.astype(lib.float32)
    return np.array(value)


def dtype_support(lib, device: str | None, dtype: str) -> str | None:
    """``None`` when MLX can compute in ``dtype`` on ``device``; otherwise the reason."""
    if not isinstance(getattr(lib, dtype, None), lib.Dtype):
        return f"MLX has no {dtype} type"
    if device == "gpu" and dtype == "float64":
        return "MLX's GPU has no float64 (it runs on MLX's CPU device only); use float32"
    return None


def from_numpy(lib, array, device: str | None, dtype: str):
    """``array`` as an MLX array of ``dtype``, converted on ``device`` and evaluated now."""
    with device_scope(lib, device):
        value = lib.array(array, dtype=getattr(lib, dtype))
        lib.eval(value)
    return value


@contextlib.contextmanager
def device_scope(lib, device: str | None):
    """MLX arrays live in unified memory; the device is where operations run:
    ``with mx.stream(mx.gpu):`` (or ``mx.cpu``) sends the operations inside to it. That sets MLX's
    default device for the whole process, so the scope is this thread's turn (:data:`~.common.GPU_TURN`):
    no other thread's MLX work can start, or end a scope, while it lasts."""
    with GPU_TURN, lib.stream(getattr(lib, device or "gpu")):
        yield


def takes_turns(lib, device: str | None) -> bool:
    """Always: any MLX code may change the process-wide default device, or run on the GPU."""
    return True


# --- memory -------------------------------------------------------------------------------------

def memory_in_use(lib, device: str | None) -> MemoryReading:
    """MLX's allocator counts every array it holds, on any device (one pool of unified memory).
    ``mx.synchronize()`` first: on Metal, buffers of finished work are released only then."""
    lib.synchronize()
    return MemoryReading(int(lib.get_active_memory()), "mx.get_active_memory(): bytes MLX's arrays hold, "
                                                       "whole process, every device")


def reset_peak_memory(lib, device: str | None) -> None:
    lib.synchronize()
    lib.reset_peak_memory()


def peak_memory(lib, device: str | None) -> MemoryReading:
    lib.synchronize()
    return MemoryReading(int(lib.get_peak_memory()), "mx.get_peak_memory(): the most MLX's arrays held since "
                                                     "the last reset, whole process, every device")


# --- precision ----------------------------------------------------------------------------------

TF32_VARIABLE = "MLX_ENABLE_TF32"


def tf32_hardware(lib, system: str | None = None, mac_release: str | None = None) -> bool:
    """Whether this GPU computes float32 matmuls in TF32 when allowed: Apple GPUs with neural
    accelerators (architecture generation 17 and later, M5-class, on macOS 26.2 or newer; see
    ``is_nax_available`` in MLX's Metal backend) or NVIDIA GPUs from Ampere (sm_80) on."""
    kind = gpu_backend(lib)
    info = gpu_info(lib)
    if kind == "metal":
        system = system or platform.system()
        release = mac_release if mac_release is not None else platform.mac_ver()[0]
        arch = str(info.get("architecture", ""))
        try:
            generation = int(arch[-3:-1])
            major, minor = (int(x) for x in (release.split(".") + ["0"])[:2])
        except ValueError:
            return False
        needed = 18 if arch.endswith("p") else 17
        return system == "Darwin" and (major, minor) >= (26, 2) and generation >= needed
    if kind == "cuda":
        try:
            return int(info.get("compute_capability_major", 0)) >= 8
        except (TypeError, ValueError):
            return False
    return False


def precision(lib, environ=None, **probe) -> dict:
    """How this MLX computes float32 matrix products on its GPU: ``MLX_ENABLE_TF32`` (read by MLX
    from the environment, default 1) and whether the GPU has TF32 at all. For the result file's
    machine block and the Benchmarks page."""
    environ = os.environ if environ is None else environ
    raw = environ.get(TF32_VARIABLE)
    try:
        allowed = int(raw) != 0 if raw is not None else True
    except ValueError:  # MLX reads it with atoi: anything not a number is 0
        allowed = False
    hardware = tf32_hardware(lib, **probe)
    return {
        "setting": f"{TF32_VARIABLE}={raw}" if raw is not None else f"{TF32_VARIABLE} unset (MLX's default: 1)",
        "tf32_allowed": allowed,
        "gpu_has_tf32": hardware,
        "float32_matmul": "tf32" if allowed and hardware else "float32",
    }
