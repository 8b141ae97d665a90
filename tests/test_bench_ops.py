"""The operation catalogue: every operation's three libraries agree with the float64 reference."""
from __future__ import annotations

import inspect
import json
import math

import numpy as np
import pytest

from kernels import bench
from kernels.bench import OPS, Task, check, prepare
from kernels.bench.ops import conv2d
from tests.devices import PAIR_IDS, PAIRS

COMPUTE_OPS = [name for name, op in OPS.items() if not op.host_to_device]
LIBRARIES = ("numpy", "torch", "mlx")
# MLX 0.32's float64 (CPU only) computes these with float32 precision; the harness flags it.
MLX_FLOAT64_AT_FLOAT32_PRECISION = {"softmax", "layer_norm", "attention", "conv2d"}


def result_of(op, backend, task, inputs):
    """Run one library's function once, outside any timing, and bring its result back."""
    fn, sync = prepare(op, backend, task, inputs)
    with backend.device_scope(task.device):
        out = fn()
        sync(out)
    result = backend.to_numpy(out)
    layout = op.layouts.get(backend.name)
    return layout.output(result) if layout else result


@pytest.mark.parametrize("lib, device, kind", PAIRS, ids=PAIR_IDS)
@pytest.mark.parametrize("name", COMPUTE_OPS)
def test_every_library_agrees_with_the_reference(libs, name, lib, device, kind):
    op, n = OPS[name], 6
    inputs = op.inputs(op.shapes(n), np.random.default_rng(0))
    reference = op.reference(*(x.astype(np.float64) for x in inputs.values()))
    assert reference.shape == op.output_shape(n)
    task = Task(name, n, "float32", lib, device)
    result = result_of(op, libs[lib], task, inputs)
    verdict = check(result, reference, "float32", op.reduction(n))
    if not verdict["correct"] and libs[lib].precision().get("float32_matmul") == "tf32" and kind == "gpu":
        # MLX's default TF32 on M5-class / Ampere GPUs: the harness flags it (tested in test_bench_runner)
        assert verdict["max_abs_err"] < 2.0**-9 * math.sqrt(op.reduction(n)) * np.abs(reference).max()
        return
    assert verdict["correct"], (lib, device, verdict)
    np.testing.assert_allclose(result, reference, rtol=1e-4, atol=1e-4 * np.abs(reference).max())


@pytest.mark.parametrize("lib, device, kind", PAIRS, ids=PAIR_IDS)
@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float64"])
@pytest.mark.parametrize("name", ["matmul", "softmax", "layer_norm", "sum", "attention", "conv2d"])
def test_low_and_high_precision_stay_within_their_tolerance(libs, name, dtype, lib, device, kind):
    op, n = OPS[name], 8
    inputs = op.inputs(op.shapes(n), np.random.default_rng(1))
    reference = op.reference(*(x.astype(np.float64) for x in inputs.values()))
    backend, task = libs[lib], Task(name, n, dtype, lib, device)
    reason = backend.dtype_support(device, dtype)
    if reason:  # NumPy's bfloat16, float64 on an Apple GPU: an `unsupported` row saying why
        assert dtype in reason
        return
    verdict = check(result_of(op, backend, task, inputs), reference, dtype, op.reduction(n))
    if dtype == "float64" and lib == "mlx" and name in MLX_FLOAT64_AT_FLOAT32_PRECISION:
        assert not verdict["correct"] and verdict["max_abs_err"] < 1e-4
        return
    assert verdict["correct"], (lib, device, verdict)


def test_a_wrong_answer_is_flagged():
    reference = np.ones((4, 4))
    assert check(reference + 1e-7, reference, "float32", 4)["correct"]
    bad = check(reference * 1.01, reference, "float32", 4)
    assert not bad["correct"] and "exceeds the float32 tolerance" in bad["message"]
    assert check(reference * np.nan, reference, "float32", 4)["max_abs_err"] is None
    with pytest.raises(ValueError, match="shape"):
        check(np.ones(3), reference, "float32", 1)


def test_conv2d_gives_mlx_channels_last_data(libs):
    op = OPS["conv2d"]
    inputs = op.inputs(op.shapes(5), np.random.default_rng(0))
    fn, _ = prepare(op, libs["mlx"], Task("conv2d", 5, "float32", "mlx", "cpu"), inputs)
    x, w = fn.args
    assert tuple(x.shape) == (1, 5, 5, conv2d.CHANNELS)  # NHWC
    assert tuple(w.shape) == (conv2d.CHANNELS, 3, 3, conv2d.CHANNELS)  # (out, kh, kw, in)
    fn, _ = prepare(op, libs["torch"], Task("conv2d", 5, "float32", "torch", "cpu"), inputs)
    assert tuple(fn.args[0].shape) == (1, conv2d.CHANNELS, 5, 5)  # NCHW


@pytest.mark.parametrize("name", list(OPS))
def test_each_definition_is_complete_and_readable(name):
    op = OPS[name]
    assert op.name == name and op.title and op.size_means
    assert op.unit in ("GFLOP/s", "GB/s")
    assert op.moved(64) > 0 and (op.flops is None or op.flops(64) > 0)
    assert op.memory_bytes(64, 4) > 0 and "×" in op.shape_label(64)
    for lib, fn in op.impls.items():
        assert lib in LIBRARIES
        source = inspect.getsource(fn)  # what the Benchmarks page shows
        assert len(source.strip().splitlines()) <= 6, source
        assert fn.__module__.startswith("kernels.bench.ops.")


def test_throughput_counts():
    assert OPS["matmul"].flops(100) == 2 * 100**3
    assert OPS["attention"].flops(128) == 4 * 1 * 8 * 128 * 128 * 64
    assert OPS["add"].moved(10) == 300
    assert OPS["conv2d"].output_shape(10) == (1, 16, 8, 8)
    inp, out = OPS["matmul"].elements(10)
    assert (inp, out) == (200, 100)


def test_adding_an_operation_is_one_small_definition(libs):
    """A new Op with one function per library runs through the whole harness."""
    cube = bench.Op(
        name="cube", title="x³", size_means="n × n",
        shapes=lambda n: {"x": (n, n)}, output_shape=lambda n: (n, n),
        reference=lambda x: x**3,
        impls={"numpy": lambda x: x**3, "torch": lambda x: x**3, "mlx": lambda x: x**3},
        flops=lambda n: 2 * n * n, moved=lambda n: 2 * n * n, unit="GB/s",
    )
    OPS["cube"] = cube
    try:
        from tests.bench_fakes import QUICK

        rows = [p.row for p in bench.run(bench.plan(["cube"], [4], libs), libs, QUICK)]
    finally:
        del OPS["cube"]
    from tests.devices import PAIRS

    assert [r["status"] for r in rows] == ["ok"] * len(PAIRS)  # every (library, device) here
    assert all(r["correct"] for r in rows) and all(r["gbps"] > 0 for r in rows)
    assert math.isclose(rows[0]["bytes"], 2 * 16 * 4)


def test_the_engine_never_imports_streamlit():
    """Every module of ``kernels`` (its command lines' ``__main__`` aside, which would run them),
    imported in a fresh Python, leaves Streamlit unimported: the engine runs without the app."""
    import subprocess
    import sys
    from pathlib import Path

    program = """
import importlib, json, pkgutil, sys
import kernels
names = [m.name for m in pkgutil.walk_packages(kernels.__path__, "kernels.") if not m.name.endswith("__main__")]
for name in names:
    importlib.import_module(name)
print(json.dumps({"modules": len(names), \
"streamlit": sorted(m for m in sys.modules if m.split(".")[0] == "streamlit")}))
"""
    done = subprocess.run([sys.executable, "-c", program], cwd=Path(__file__).resolve().parents[1],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["modules"] > 40 and got["streamlit"] == []
