"""Every (library, device) pair this machine has, for conformance tests, and the tolerances each
kind of device is held to.

Here (Linux, CPU builds) that is NumPy, PyTorch and MLX on the CPU; on a Mac it adds Torch `mps`
and MLX's Metal GPU; on an NVIDIA machine Torch `cuda` and, with mlx[cuda], MLX's CUDA GPU. A
conformance test parametrised over :data:`PAIRS` tests each of them for real, never a hard-coded
`cpu`.
"""
from __future__ import annotations

from kernels.backends import discover

FOUND = discover()

# (library, device, kind) for every available device of every installed library.
PAIRS = [(name, d.name, d.kind) for name, b in FOUND.items() if b.available for d in b.available_devices]
PAIR_IDS = [f"{name}-{device}" for name, device, _kind in PAIRS]

# How close a float32 result must come to the float64 reference, by device kind. CPUs round each
# operation once; GPUs (Metal, CUDA) reorder sums across threads and use fused multiply-adds and
# fast approximations of exp/log, so their float32 results may differ in the last bits more often.
# Stated once here, never loosened in a test to make it pass.
FLOAT32 = {
    "cpu": dict(rtol=1e-6, atol=1e-7),
    "gpu": dict(rtol=1e-5, atol=1e-6),
}


def gpu_of(name: str) -> str | None:
    """The library's available GPU device here, or None."""
    b = FOUND[name]
    return next((d.name for d in b.available_devices if d.kind == "gpu"), None) if b.available else None


def devices_by_library() -> list[dict[str, str]]:
    """Device assignments that together put every available device of every library to work:
    first each library's CPU, then each one's GPU (where it has one; the CPU again where not)."""
    cpu = {name: "cpu" for name, b in FOUND.items() if b.available}
    gpu = {name: gpu_of(name) or "cpu" for name in cpu}
    return [cpu] if gpu == cpu else [cpu, gpu]


DEVICE_SETS = devices_by_library()
DEVICE_SET_IDS = ["+".join(f"{n}-{d}" for n, d in s.items()) for s in DEVICE_SETS]


def torch_shown(text: str, device: str | None = None) -> str:
    """``text``, a tensor's repr on the CPU, as PyTorch prints it on ``device`` (default: the device
    a Learn page puts PyTorch's tensors on here): ``tensor([1, 2, 3], device='mps:0')`` on a Mac.
    PyTorch names a device other than the CPU first among the suffixes, before dtype and grad."""
    import re

    device = device or (FOUND["torch"].default_device if FOUND["torch"].available else "cpu")
    if device == "cpu":
        return text
    m = re.fullmatch(r"(tensor\((?:\[.*\]|[^,()]+))(.*)\)", text, re.S)
    assert m, f"not a tensor's repr: {text!r}"
    return f"{m[1]}, device='{device if ':' in device else device + ':0'}'{m[2]})"


def host_only(backends: dict) -> dict:
    """``backends`` as a machine without a GPU has them: each library's GPUs known but not available
    (the test of what a host-only machine does, run the same on a Mac or an NVIDIA box)."""
    import dataclasses

    def cpu(b):
        if not b.available:
            return b
        hidden = "hidden by the test: a machine without a GPU"
        devices = tuple(d if d.kind == "cpu" else dataclasses.replace(d, available=False, note=hidden)
                        for d in b.devices)
        return dataclasses.replace(b, devices=devices, default_device="cpu")

    return {name: cpu(b) for name, b in backends.items()}
