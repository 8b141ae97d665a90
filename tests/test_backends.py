"""The backend layer: discovery, device selection, synchronisation, description."""
from __future__ import annotations

import types

import numpy as np
import pytest

from kernels import backends as kb
from kernels.backends import mlx_backend, numpy_backend, torch_backend


def test_discover_finds_all_three_in_order(libs):
    assert list(libs) == ["numpy", "torch", "mlx"]
    for b in libs.values():
        assert b.available, b.error
        assert b.version
        assert any(d.name == "cpu" and d.available for d in b.devices)
        assert b.default_device in {d.name for d in b.available_devices}


def test_unknown_backend_is_a_clear_error():
    with pytest.raises(ValueError, match="choose from numpy, torch, mlx"):
        kb.discover(["numpy", "jax"])


def test_versions_match_the_pins(libs):
    for name, b in libs.items():
        assert b.version == kb.PINS[name]


def test_numpy_describe_and_synchronize_is_a_no_op(libs):
    b = libs["numpy"]
    out = b.describe(np.arange(6, dtype=np.int32).reshape(2, 3))
    assert (out.type_name, out.shape, out.dtype, out.device) == ("ndarray", (2, 3), "int32", "cpu")
    assert out.text == repr(np.arange(6, dtype=np.int32).reshape(2, 3))
    assert b.synchronize("cpu") is None
    assert b.describe(3).text == "3" and b.describe(3).shape is None


def test_torch_describe_reports_shape_dtype_device(libs):
    import torch

    out = libs["torch"].describe(torch.ones(2, 3, dtype=torch.bfloat16))
    assert (out.type_name, out.shape, out.dtype, out.device) == ("Tensor", (2, 3), "bfloat16", "cpu")
    assert out.text.startswith("tensor(")
    assert "Size" in libs["torch"].describe(torch.ones(2).shape).type_name


def test_mlx_describe_reports_shape_dtype_device(libs):
    import mlx.core as mx

    out = libs["mlx"].describe(mx.array([1, 2, 3]))
    assert (out.type_name, out.shape, out.dtype) == ("array", (3,), "int32")
    assert out.device in {"cpu", "gpu"}
    assert out.text == "array([1, 2, 3], dtype=int32)"
    assert out.facts() == f"array · shape (3,) · int32 · {out.device}"


def test_to_numpy_handles_bfloat16(libs):
    import mlx.core as mx
    import torch

    t = libs["torch"].to_numpy(torch.tensor([1.5, 2.0], dtype=torch.bfloat16))
    m = libs["mlx"].to_numpy(mx.array([1.5, 2.0], dtype=mx.bfloat16))
    np.testing.assert_array_equal(t, [1.5, 2.0])
    np.testing.assert_array_equal(m, [1.5, 2.0])


# --- Torch device selection and synchronisation, with faked devices -------------------------------

class Counter:
    def __init__(self):
        self.calls = []

    def __call__(self, *args, **kwargs):
        self.calls.append(args)


@pytest.fixture
def torch_syncs(monkeypatch):
    import torch

    mps, cuda = Counter(), Counter()
    monkeypatch.setattr(torch.mps, "synchronize", mps)
    monkeypatch.setattr(torch.cuda, "synchronize", cuda)
    return mps, cuda


def test_torch_on_a_mac_picks_mps_and_synchronises_it(monkeypatch, torch_syncs):
    import torch

    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    b = kb.discover_one(torch_backend)
    assert b.default_device == "mps"
    assert b.device("mps").available and b.device("mps").kind == "gpu"
    assert not b.device("cuda").available

    mps, cuda = torch_syncs
    b.synchronize()  # default device
    b.synchronize("mps")
    b.synchronize("cpu")
    assert len(mps.calls) == 2 and cuda.calls == []


def test_torch_with_nvidia_picks_cuda_and_synchronises_it(monkeypatch, torch_syncs):
    import torch

    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)  # a Linux box (and not the MPS-rules mode)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda i=0: "NVIDIA H100 80GB HBM3")
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    b = kb.discover_one(torch_backend)
    assert b.default_device == "cuda"
    assert b.device("cuda").label == "NVIDIA H100 80GB HBM3 (CUDA)"

    mps, cuda = torch_syncs
    b.synchronize("cuda:0")
    b.synchronize()
    assert len(cuda.calls) == 2 and mps.calls == []


def test_torch_cpu_only_says_why_gpus_are_missing(monkeypatch):
    import torch

    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    b = kb.discover_one(torch_backend)
    assert b.default_device == "cpu"
    for name in ("mps", "cuda"):
        assert not b.device(name).available and b.device(name).note


# --- MLX -------------------------------------------------------------------------------------------

def fake_metal(monkeypatch, info=None):
    """MLX as on a Mac: Metal available, ``mx.device_info(mx.gpu)`` answering with ``info``, and the
    deprecated ``mx.metal.device_info()`` (which prints a warning in 0.32) failing if called."""
    import mlx.core as mx

    def deprecated():
        raise AssertionError("mx.metal.device_info() is deprecated: use mx.device_info()")

    monkeypatch.setattr(mx.metal, "is_available", lambda: True)
    monkeypatch.setattr(mx.metal, "device_info", deprecated)
    monkeypatch.setattr(mx, "device_info", lambda d=None: dict(info or {"device_name": "Apple M3 Pro",
                                                                        "architecture": "applegpu_g15s"}))
    return mx


def test_mlx_with_metal_picks_the_gpu(monkeypatch):
    fake_metal(monkeypatch)
    b = kb.discover_one(mlx_backend)
    assert b.default_device == "gpu"
    assert b.device("gpu").label == "Apple M3 Pro GPU (Metal)"


def test_mlx_arrays_on_a_mac_live_in_unified_memory(monkeypatch, libs):
    """An MLX array has no device (the device is where each operation runs): on Metal its facts say
    so, instead of naming the default device."""
    mx = fake_metal(monkeypatch)
    out = libs["mlx"].describe(mx.array([1, 2]))
    assert out.device == "unified memory" and "unified memory" in out.facts()


def test_mlx_on_the_cpu_build_describes_host_memory(libs):
    import mlx.core as mx

    assert libs["mlx"].describe(mx.array([1])).device == "cpu"


@pytest.mark.parametrize("info, release, expected", [
    ({"architecture": "applegpu_g17s"}, "26.2", "tf32"),      # M5-class on macOS 26.2: TF32 by default
    ({"architecture": "applegpu_g17s"}, "26.1", "float32"),   # too old a macOS for the neural accelerators
    ({"architecture": "applegpu_g16s"}, "26.3", "float32"),   # M4: no TF32 hardware
    ({"architecture": "applegpu_g17p"}, "26.3", "float32"),   # a phone-class GPU needs generation 18
])
def test_mlx_tf32_on_metal_follows_the_gpu_and_the_os(monkeypatch, libs, info, release, expected):
    fake_metal(monkeypatch, info)
    got = mlx_backend.precision(libs["mlx"].lib, environ={}, system="Darwin", mac_release=release)
    assert got["float32_matmul"] == expected
    assert got["tf32_allowed"] is True and "unset" in got["setting"]


@pytest.mark.parametrize("value, allowed", [("0", False), ("1", True), ("", False), ("yes", False)])
def test_mlx_tf32_can_be_switched_off(monkeypatch, libs, value, allowed):
    fake_metal(monkeypatch, {"architecture": "applegpu_g17s"})
    got = mlx_backend.precision(libs["mlx"].lib, environ={"MLX_ENABLE_TF32": value}, system="Darwin",
                                mac_release="26.2")
    assert got["tf32_allowed"] is allowed  # MLX reads the variable with atoi
    assert got["float32_matmul"] == ("tf32" if allowed else "float32")
    assert got["setting"] == f"MLX_ENABLE_TF32={value}"


def test_mlx_tf32_on_cuda_needs_ampere(monkeypatch, libs):
    import mlx.core as mx

    monkeypatch.setattr(mx.metal, "is_available", lambda: False)
    monkeypatch.setattr(mx.cuda, "is_available", lambda: True)
    for major, expected in ((8, "tf32"), (7, "float32")):
        monkeypatch.setattr(mx, "device_info", lambda d=None, m=major: {"compute_capability_major": m})
        assert mlx_backend.precision(mx, environ={})["float32_matmul"] == expected


def test_the_cpu_build_has_no_tf32(libs):
    assert libs["mlx"].precision()["float32_matmul"] == "float32"
    assert libs["torch"].precision()["float32_matmul"] == "float32"


def test_device_expressions_name_the_device_as_code_does(libs):
    assert libs["torch"].device_expr("mps") == "'mps'"
    assert libs["mlx"].device_expr("gpu") == "mx.gpu"
    assert libs["numpy"].device_expr("cpu") == "'cpu'"
    assert {n: b.implicit_device() for n, b in libs.items()} == {"numpy": "cpu", "torch": "cpu", "mlx": "cpu"}


def test_memory_readings_say_what_they_count(libs):
    import mlx.core as mx

    held = mx.ones((256, 256))
    mx.eval(held)
    reading = libs["mlx"].memory_in_use("cpu")
    assert reading.bytes >= 256 * 256 * 4 and "mx.get_active_memory" in reading.what
    libs["mlx"].reset_peak_memory("cpu")
    made_after_reset = held + 1
    mx.eval(made_after_reset)
    assert libs["mlx"].peak_memory("cpu").bytes >= 256 * 256 * 4
    assert libs["torch"].memory_in_use("cpu").bytes > 0 and "RSS" in libs["torch"].memory_in_use("cpu").what
    assert libs["torch"].peak_memory("cpu").bytes is None and libs["numpy"].peak_memory("cpu").bytes is None


def test_torch_memory_on_a_gpu_asks_the_gpu(monkeypatch, libs):
    import torch

    monkeypatch.setattr(torch.mps, "current_allocated_memory", lambda: 123)
    monkeypatch.setattr(torch.cuda, "memory_allocated", lambda device=None: 456)
    monkeypatch.setattr(torch.cuda, "max_memory_allocated", lambda device=None: 789)
    monkeypatch.setattr(torch.cuda, "reset_peak_memory_stats", lambda device=None: None)
    b = libs["torch"]
    assert b.memory_in_use("mps").bytes == 123 and "torch.mps.current_allocated_memory" in b.memory_in_use("mps").what
    assert b.memory_in_use("cuda").bytes == 456
    b.reset_peak_memory("cuda")
    assert b.peak_memory("cuda").bytes == 789


def test_torch_peak_memory_on_mps_is_the_accelerators_where_it_keeps_one(monkeypatch, libs):
    """torch 2.13's MPS allocator keeps peak statistics behind torch.accelerator; a torch without them
    raises there, or answers 0 while tensors are held: then there is no peak, and the reading says so."""
    import torch

    resets = []
    monkeypatch.setattr(torch.mps, "current_allocated_memory", lambda: 123)
    monkeypatch.setattr(torch.accelerator, "reset_peak_memory_stats", lambda device=None: resets.append(1))
    monkeypatch.setattr(torch.accelerator, "max_memory_allocated", lambda device=None: 4096)
    b = libs["torch"]
    b.reset_peak_memory("mps")
    peak = b.peak_memory("mps")
    assert resets == [1] and peak.bytes == 4096 and peak.what.startswith("torch.accelerator.max_memory_allocated()")

    monkeypatch.setattr(torch.accelerator, "max_memory_allocated", lambda device=None: 0)
    assert b.peak_memory("mps").bytes is None and "keeps no peak statistics" in b.peak_memory("mps").what

    def unsupported(device=None):
        raise RuntimeError("MPS doesn't support torch.accelerator memory API!")

    monkeypatch.setattr(torch.accelerator, "max_memory_allocated", unsupported)
    monkeypatch.setattr(torch.accelerator, "reset_peak_memory_stats", unsupported)
    b.reset_peak_memory("mps")  # never raises
    assert b.peak_memory("mps").bytes is None and "MPS doesn't support" in b.peak_memory("mps").what


def test_mlx_with_cuda_picks_the_gpu(monkeypatch):
    import mlx.core as mx

    monkeypatch.setattr(mx.metal, "is_available", lambda: False)
    monkeypatch.setattr(mx.cuda, "is_available", lambda: True)
    b = kb.discover_one(mlx_backend)
    assert b.default_device == "gpu"
    assert "CUDA" in b.device("gpu").label


def test_mlx_cpu_build_has_no_gpu(monkeypatch):
    import mlx.core as mx

    monkeypatch.setattr(mx.metal, "is_available", lambda: False)
    monkeypatch.setattr(mx.cuda, "is_available", lambda: False)
    b = kb.discover_one(mlx_backend)
    assert b.default_device == "cpu"
    assert not b.device("gpu").available and "Apple silicon" in b.device("gpu").note


def test_mlx_synchronize_evaluates_the_result(monkeypatch, libs):
    import mlx.core as mx

    evaluated, synced = Counter(), Counter()
    monkeypatch.setattr(mx, "eval", evaluated)
    monkeypatch.setattr(mx, "synchronize", synced)
    result = mx.array([1.0]) + 1
    libs["mlx"].synchronize("gpu", result)
    assert evaluated.calls == [(result,)]
    libs["mlx"].synchronize("gpu")  # no result: wait for the stream instead
    assert len(synced.calls) == 1


def test_mlx_synchronize_really_computes(libs):
    import mlx.core as mx

    x = mx.ones((64, 64)) @ mx.ones((64, 64))
    libs["mlx"].synchronize(None, x)
    assert float(x[0, 0]) == 64.0


# --- A missing library -----------------------------------------------------------------------------

@pytest.mark.parametrize("module,hidden", [(mlx_backend, "mlx"), (torch_backend, "torch"),
                                           (numpy_backend, "numpy")])
def test_missing_library_is_reported_not_raised(hide_library, module, hidden):
    hide_library(hidden)
    b = kb.discover_one(module)
    assert not b.available
    assert "ImportError" in b.error or "ModuleNotFoundError" in b.error
    assert b.install.startswith("pip install") or "MLX" in b.install
    assert b.devices == () and b.default_device is None
    assert "not available" in b.summary()
    with pytest.raises(RuntimeError, match="not available"):
        b.describe(1)
    assert not b.is_array(1)


def test_a_failing_device_probe_keeps_the_library(monkeypatch):
    def broken(lib):
        raise RuntimeError("driver exploded")

    monkeypatch.setattr(torch_backend, "devices", broken)
    b = kb.discover_one(torch_backend)
    assert b.available and b.default_device == "cpu"
    assert "driver exploded" in b.device("cpu").note


@pytest.mark.parametrize("system,machine,expected", [
    ("Darwin", "arm64", "pip install mlx==0.32.4"),
    ("Linux", "x86_64", 'pip install "mlx[cpu]==0.32.4"'),
    ("Darwin", "x86_64", "Apple silicon"),
    ("Windows", "AMD64", "no Windows build"),
])
def test_mlx_install_hint_fits_the_platform(system, machine, expected):
    assert expected in mlx_backend.install_command(system, machine)


def test_torch_on_cuda_reads_cudnns_tf32_convolutions_too(libs):
    """torch 2.13 runs float32 convolutions in TF32 on CUDA by default (cuDNN's own setting), whatever
    the matmul setting says: the machine block says so, and only where there is an NVIDIA GPU."""
    import torch

    from kernels.backends import torch_backend

    assert torch.backends.cudnn.conv.fp32_precision == "tf32"  # the default of this torch
    on_cuda = torch_backend.precision(torch, cuda=True)
    assert on_cuda["float32_matmul"] == "float32" and on_cuda["float32_conv"] == "tf32"
    assert "torch.backends.cudnn.conv.fp32_precision = 'tf32'" in on_cuda["setting"]
    assert torch_backend.precision(torch, cuda=False)["float32_conv"] == "float32"  # no cuDNN here
    before = torch.backends.cudnn.conv.fp32_precision
    try:
        torch.backends.cudnn.conv.fp32_precision = "ieee"
        assert torch_backend.precision(torch, cuda=True)["float32_conv"] == "float32"
    finally:
        torch.backends.cudnn.conv.fp32_precision = before


def test_mlx_with_cuda_says_its_arrays_are_in_gpu_memory_not_unified(monkeypatch, libs):
    """MLX's CUDA build keeps a GPU result in GPU memory and moves it to managed memory on the host's
    first read: neither 'unified memory' nor 'nothing is copied' is true there."""
    import mlx.core as mx

    monkeypatch.setattr(mx.metal, "is_available", lambda: False)
    monkeypatch.setattr(mx, "cuda", types.SimpleNamespace(is_available=lambda: True), raising=False)
    monkeypatch.setattr(mx, "device_info", lambda device: {"device_name": "NVIDIA H100"})
    out = libs["mlx"].describe(mx.array([1, 2]))
    assert out.device == "GPU memory (mlx[cuda])" and "unified" not in out.facts()
    words = libs["mlx"].memory_words()
    assert "no unified memory" in words and "first time the host reads it" in words


def test_memory_words_follow_the_build(monkeypatch, libs):
    assert "no GPU here" in libs["mlx"].memory_words()  # this machine's CPU build
    fake_metal(monkeypatch)
    assert "unified memory" in libs["mlx"].memory_words()
    assert libs["numpy"].memory_words() and "host memory" in libs["torch"].memory_words()


INTERFACE = [name for name in dir(kb.BackendModule) if not name.startswith("_")]


@pytest.mark.parametrize("module", kb.MODULES, ids=lambda m: m.NAME)
def test_every_backend_module_implements_the_declared_interface(module):
    """Each library's module has every name of kernels.backends.BackendModule, each function with the
    declared parameters in order (more are allowed only with defaults, after them)."""
    import inspect

    assert isinstance(module, kb.BackendModule)
    for name in INTERFACE:
        declared = getattr(kb.BackendModule, name)
        assert hasattr(module, name), f"{module.NAME} lacks {name}"
        if not callable(declared):
            continue
        want = [p for p in inspect.signature(declared).parameters if p != "self"]
        have = inspect.signature(getattr(module, name)).parameters
        assert list(have)[:len(want)] == want, f"{module.NAME}.{name}{tuple(have)} is not {name}{tuple(want)}"
        extra = list(have.values())[len(want):]
        assert all(p.default is not p.empty or p.kind is p.VAR_KEYWORD for p in extra), (module.NAME, name)


def test_a_module_missing_part_of_the_interface_is_caught():
    lacking = types.SimpleNamespace(**{name: getattr(numpy_backend, name) for name in INTERFACE
                                       if name != "peak_memory"})
    assert not isinstance(lacking, kb.BackendModule)
