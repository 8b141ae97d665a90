"""The Learn examples that go to the GPU, run on every device this machine has: each library's
version agrees with NumPy's on every device, and each result says where it lives.

Here only CPUs exist, so each runs on the CPU (the page then says it would run on `mps` / the Metal
GPU on a Mac); on a Mac or an NVIDIA machine the same tests run the GPU paths for real.
"""
from __future__ import annotations

import numpy as np
import pytest

from kernels import cells
from kernels.examples import broadcasting as bc
from kernels.examples import creating, scaling
from kernels.examples import dimensions as dims
from kernels.examples import gradients as grads
from tests.apptest import column_headers, open_page
from tests.devices import FLOAT32, PAIR_IDS, PAIRS

# (example, parameters, the value to compare: a function of (result, library backend) -> ndarray)
CASES = {
    "array": (creating.ARRAY, {"values": [1.5, 2.0, 3.25]}, lambda r, b: b.to_numpy(r.value)),
    "broadcast": (bc.ADD_PRINTED, bc.params((6, 5), (1, 5)), lambda r, b: b.to_numpy(r.value)),
    "stats": (dims.STATS_DDOF, {"values": [0.5, 1, 3, 4], "ddof": 0},
              lambda r, b: np.array([float(b.to_numpy(v)) for v in r.value])),
    "scale": (scaling.IMAGE, scaling.image_params(8, 12, (0.5, 1.5, 1.0)),
              lambda r, b: b.to_numpy(r.namespace["result"])),
    "gradient": (grads.FUNCTIONS["cube"].example(), {"x": [[5.0, 8.0], [4.0, 6.0]], "h": 1e-4, "target": 0},
                 lambda r, b: b.to_numpy(r.value[1])),
}


@pytest.mark.parametrize("lib, device, kind", PAIRS, ids=PAIR_IDS)
@pytest.mark.parametrize("case", list(CASES))
def test_device_examples_agree_with_numpy_on_every_device(libs, case, lib, device, kind):
    example, params, value_of = CASES[case]
    assert example.uses_device, f"{case} should run where the page sends it"
    reference = cells.run(example, libs["numpy"], params)
    got = cells.run(example, libs[lib], params, device)
    assert reference.ok and got.ok, (reference.error, got.error)
    want = value_of(reference, libs["numpy"]).astype(np.float64)
    np.testing.assert_allclose(value_of(got, libs[lib]).astype(np.float64), want, **FLOAT32[kind])
    # The result says where it ran, and the code shown names that device.
    assert got.device == (device if example.takes_device(lib) else libs[lib].implicit_device())
    if example.takes_device(lib):
        assert libs[lib].device_expr(device) in got.source


@pytest.mark.parametrize("lib, device, kind", PAIRS, ids=PAIR_IDS)
def test_float64_on_a_device_works_where_the_device_has_it(libs, lib, device, kind):
    """On the CPU every library answers float64; MPS and MLX's GPU refuse it, each in its own words.
    The expectation comes from the backend's own capability data, so it holds on every machine."""
    got = cells.run(creating.FLOAT64_ON_DEVICE, libs[lib], None, device)
    if libs[lib].dtype_support(device, "float64") is None:
        assert got.ok and creating.dtype_name(got.value) == "float64", got.error
    else:
        assert got.status == "error" and got.error


def test_learn_columns_say_where_the_code_ran_and_why_not_on_a_gpu(libs):
    """The column header names the device the example really ran on, and where this machine has
    no GPU the page says the example ran on the CPU and where it would run on a Mac."""
    at = open_page("app_pages/learn_broadcasting.py")
    captions = [c.value for c in at.caption]
    assert any("ran on `cpu`" in h for h in column_headers(at))
    assert not any("running on" in c for c in captions)
    if all(d == "cpu" for d in cells.gpu_devices(libs).values()):
        assert any("on a Mac with Apple silicon it runs on `mps`" in c for c in captions)
        assert any("on a Mac with Apple silicon it runs on `gpu`" in c for c in captions)
