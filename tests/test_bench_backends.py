"""What the benchmark engine added to the backend layer: dtype support as data, placing data
on a device in a dtype, and the scope that sends operations to a device."""
from __future__ import annotations

import numpy as np
import pytest

from kernels import backends as kb
from kernels.backends import mlx_backend, torch_backend


def test_every_backend_module_has_the_same_new_functions():
    for module in kb.MODULES:
        for name in ("dtype_support", "from_numpy", "device_scope"):
            assert callable(getattr(module, name)), (module.NAME, name)


@pytest.mark.parametrize("lib,device,dtype,expected", [
    ("numpy", "cpu", "float32", None),
    ("numpy", "cpu", "float16", None),
    ("numpy", "cpu", "bfloat16", "NumPy has no bfloat16"),
    ("torch", "cpu", "bfloat16", None),
    ("torch", "mps", "float64", "MPS"),
    ("torch", "cuda", "float64", None),
    ("torch", "cpu", "float8", "no float8"),
    ("mlx", "cpu", "float64", None),
    ("mlx", "gpu", "float64", "GPU has no float64"),
    ("mlx", "gpu", "bfloat16", None),
])
def test_dtype_support_is_data(libs, lib, device, dtype, expected):
    reason = libs[lib].dtype_support(device, dtype)
    assert reason is None if expected is None else expected in reason


@pytest.mark.parametrize("lib", ["numpy", "torch", "mlx"])
@pytest.mark.parametrize("dtype", ["float32", "float16", "float64"])
def test_from_numpy_copies_in_the_dtype(libs, lib, dtype):
    source = np.arange(6, dtype=np.float32).reshape(2, 3)
    backend = libs[lib]
    value = backend.from_numpy(source, "cpu", dtype)
    assert backend.describe(value).dtype == dtype and backend.describe(value).shape == (2, 3)
    np.testing.assert_array_equal(backend.to_numpy(value), source)
    source[0, 0] = 99  # a copy: the library's array does not change with the source
    assert backend.to_numpy(value)[0, 0] == 0


def test_from_numpy_bfloat16(libs):
    for lib in ("torch", "mlx"):
        value = libs[lib].from_numpy(np.array([1.5, 2.0], np.float32), "cpu", "bfloat16")
        assert libs[lib].describe(value).dtype == "bfloat16"


def test_mlx_device_scope_sends_work_to_the_device(libs):
    import mlx.core as mx

    with libs["mlx"].device_scope("cpu"):
        assert mx.default_device() == mx.cpu
    for lib in ("numpy", "torch"):
        with libs[lib].device_scope("cpu"):
            pass


def test_mlx_from_numpy_is_evaluated(libs, monkeypatch):
    import mlx.core as mx

    evaluated = []
    real = mx.eval
    monkeypatch.setattr(mx, "eval", lambda *a: (evaluated.append(a), real(*a)))
    libs["mlx"].from_numpy(np.ones(3, np.float32), "cpu", "float16")
    assert len(evaluated) == 1  # the conversion is done now, not inside the first timed call


def test_torch_from_numpy_places_on_the_device(monkeypatch):
    import torch

    calls = []
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    monkeypatch.setattr(torch.mps, "synchronize", lambda: calls.append("mps"))
    monkeypatch.setattr(torch.Tensor, "to", lambda self, device=None, dtype=None: calls.append(device) or self)
    b = kb.discover_one(torch_backend)
    b.from_numpy(np.ones(2, np.float32), "mps", "float32")
    assert calls == ["mps", "mps"]  # moved there, then waited for


def test_missing_library_refuses_the_new_calls(hide_library):
    hide_library("mlx")
    b = kb.discover_one(mlx_backend)
    with pytest.raises(RuntimeError, match="not available"):
        b.from_numpy(np.ones(2))
