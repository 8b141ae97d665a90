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
