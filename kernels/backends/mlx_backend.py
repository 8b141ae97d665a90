"""MLX: ``gpu`` (Metal on a Mac, CUDA with the ``mlx[cuda]`` build) and ``cpu``.

MLX is lazy: operations build a graph and nothing is computed until ``mx.eval``
(or printing, or converting to NumPy) forces it. ``mx.eval(result)`` is the
synchronisation point.
"""
from __future__ import annotations

import importlib
from typing import Any

from .common import PINS, Device, Output, plain_describe

NAME = "mlx"
LABEL = "MLX"
IMPORT_LINE = "import mlx.core as mx"
PREFERENCE = ("gpu", "cpu")


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


def _gpu_label(lib) -> str | None:
    if lib.metal.is_available():
        name = ""
        try:
            name = lib.metal.device_info().get("device_name", "")
        except Exception:  # older MLX builds lack device_info; the label is enough
            pass
        return f"{name} GPU (Metal)".strip() if name else "Apple GPU (Metal)"
    cuda = getattr(lib, "cuda", None)
    if cuda is not None and cuda.is_available():
        return "NVIDIA GPU (CUDA)"
    return None


def devices(lib) -> tuple[Device, ...]:
    gpu = _gpu_label(lib)
    if gpu:
        gpu_dev = Device("gpu", gpu, "gpu", True)
    else:
        gpu_dev = Device(
            "gpu", "GPU (Metal or CUDA)", "gpu", False,
            "this MLX build has no GPU backend here (Metal needs a Mac with Apple silicon; CUDA needs mlx[cuda] and an NVIDIA GPU)",
        )
    return (gpu_dev, Device("cpu", "CPU", "cpu", True))


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


def describe(lib, value: Any) -> Output:
    if isinstance(value, lib.array):
        return Output(
            repr(value),
            "array",
            tuple(value.shape),
            str(value.dtype).removeprefix("mlx.core."),
            device_name(lib, lib.default_device()),
        )
    return plain_describe(value)


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


def device_scope(lib, device: str | None):
    """MLX arrays live in unified memory; the device is where operations run:
    ``with mx.stream(mx.gpu):`` (or ``mx.cpu``) sends the operations inside to it."""
    return lib.stream(getattr(lib, device or "gpu"))
