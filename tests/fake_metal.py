"""A DLPack producer that says its memory is Metal's, as MLX 0.32 does on a Mac.

On Apple silicon ``mx.array.__dlpack_device__()`` is ``(8, 0)`` (kDLMetal) and the capsule's
DLTensor says device type 8 unless the consumer asks for ``dl_device=(1, 0)``: then
``torch.from_dlpack`` hands back an ``mps:0`` tensor and ``np.from_dlpack`` refuses. This
machine has no Metal, so :class:`OnMetal` wraps a real NumPy or MLX array and patches the
device type in its capsule: every consumer then takes the branch it takes on a Mac.
:data:`ROUTES` are conversion routes that start from such a producer, for the page's tests.
"""
from __future__ import annotations

import ctypes

from kernels.examples.conversions import Route

KDL_CPU, KDL_METAL = 1, 8

# Where DLTensor.device.device_type (an int32) sits in the struct each capsule points at:
# DLManagedTensorVersioned = {version (2 x uint32), manager_ctx, deleter, flags (uint64), dl_tensor}
# and DLManagedTensor = {dl_tensor, ...}; DLTensor = {data pointer, device {device_type, device_id}, ...}.
DEVICE_TYPE_OFFSET = {b"dltensor_versioned": 40, b"dltensor": 8}

_api = ctypes.pythonapi
_api.PyCapsule_GetName.restype = ctypes.c_char_p
_api.PyCapsule_GetName.argtypes = [ctypes.py_object]
_api.PyCapsule_GetPointer.restype = ctypes.c_void_p
_api.PyCapsule_GetPointer.argtypes = [ctypes.py_object, ctypes.c_char_p]


def set_device_type(capsule, device_type: int):
    """Rewrite the device type in a fresh (not yet consumed) DLPack capsule, in place."""
    name = _api.PyCapsule_GetName(capsule)
    if name not in DEVICE_TYPE_OFFSET:
        raise ValueError(f"not a fresh DLPack capsule: {name!r}")
    pointer = _api.PyCapsule_GetPointer(capsule, name)
    ctypes.c_int32.from_address(pointer + DEVICE_TYPE_OFFSET[name]).value = device_type
    return capsule


class OnMetal:
    """``array`` exported through DLPack as Metal memory, unless the consumer asks for the CPU."""

    def __init__(self, array):
        self.array = array

    def __dlpack_device__(self):
        return (KDL_METAL, 0)

    def __dlpack__(self, stream=None, max_version=None, dl_device=None, copy=None):
        capsule = self.array.__dlpack__(max_version=max_version, copy=copy)
        if dl_device is not None and tuple(dl_device) == (KDL_CPU, 0):
            return capsule
        return set_device_type(capsule, KDL_METAL)

    def __repr__(self):
        return f"OnMetal({self.array!r})"


_IMPORT = "from tests.fake_metal import OnMetal; "
_NOTE = "test only: src exported as Metal memory, as MLX does on a Mac"

ROUTES: tuple[Route, ...] = (
    Route("mlx", "torch", _IMPORT + "dst = torch.from_dlpack(OnMetal(src))", _NOTE),
    Route("mlx", "torch", _IMPORT + "dst = torch.as_tensor(OnMetal(src))", _NOTE),
    Route("mlx", "torch", _IMPORT + "dst = torch.tensor(OnMetal(src))", _NOTE),
    Route("mlx", "numpy", _IMPORT + "dst = np.from_dlpack(OnMetal(src))", _NOTE),
    Route("mlx", "numpy", _IMPORT + 'dst = np.from_dlpack(OnMetal(src), device="cpu")', _NOTE),
)
