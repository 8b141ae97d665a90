"""Measuring right: synchronisation once per call, MLX evaluated inside the clock, refusals,
unsupported combinations as rows, and the runner's streaming."""
from __future__ import annotations

import time
import types

import numpy as np
import pytest

from kernels import backends as kb
from kernels.backends import mlx_backend, torch_backend
from kernels.bench import OPS, Settings, measure, plan, run, runner
from kernels.measure import timing
from kernels.measure.timing import Stopped, Timing
from tests.bench_fakes import QUICK, counting, pretend_gpu, spy
from tests.devices import PAIR_IDS, PAIRS, host_only

# --- measure() ---------------------------------------------------------------------------------

def test_measure_syncs_each_call_once_with_its_own_result():
    events = []

    def fn():
        result = object()
        events.append(("call", id(result)))
        return result

    t = measure(fn, lambda r: events.append(("sync", id(r))), budget_s=0.0, warmup=3,
                min_block_s=0.0, min_repeats=4, max_repeats=4)
    assert t.repeats == 4 and t.number == 1
    assert len(events) == 2 * (3 + 4)
    for call, sync in zip(events[::2], events[1::2]):
        assert call[0] == "call" and sync == ("sync", call[1])


def test_measure_grows_blocks_for_fast_calls_and_keeps_to_its_limits():
    calls = []
    t = measure(lambda: calls.append(1), lambda r: None, budget_s=0.0, warmup=0,
                min_block_s=2e-4, min_repeats=3, max_repeats=3)
    assert t.number >= 10 and t.repeats == 3
    start = time.perf_counter()
    t = measure(lambda: None, lambda r: None, budget_s=0.05, warmup=0, min_block_s=0.0, max_repeats=10**9)
    assert 0.04 < time.perf_counter() - start < 1.0 and t.repeats > 3


def test_timing_statistics():
    t = Timing((1.0, 2.0, 3.0, 4.0, 100.0), number=1)
    assert (t.median, t.min, t.max, t.repeats) == (3.0, 1.0, 100.0, 5)
    assert t.iqr == pytest.approx(2.0)  # 4 - 2: the outlier does not move it
    assert Timing((0.5,), 1).iqr == 0.0
    assert "median" in str(t) and timing.format_seconds(2.5e-6) == "2.5 µs"
    assert t.quartiles == (2.0, 4.0) and t.fields()["q3_s"] == 4.0 and t.fields()["calls_per_repeat"] == 1


def test_measure_stops_between_blocks_when_asked():
    """Stop is honoured between timed blocks (never inside one): a measurement with a long budget
    ends at the next block once stop is asked for."""
    asked = []
    start = time.perf_counter()
    with pytest.raises(Stopped):
        measure(lambda: time.sleep(0.01), lambda r: None, budget_s=60.0, warmup=0, min_block_s=0.0,
                should_stop=lambda: bool(asked) or (time.perf_counter() - start > 0.2 and not asked.append(1)))
    assert time.perf_counter() - start < 1.0


# --- The runner's synchronisation, with a fake device that counts ---------------------------

@pytest.mark.parametrize("lib,device,kind", PAIRS, ids=PAIR_IDS)
def test_runner_syncs_once_per_call_on_every_library(libs, monkeypatch, lib, device, kind):
    events = []
    backend, impl = counting(libs[lib], events)
    monkeypatch.setitem(OPS["matmul"].impls, lib, spy(OPS["matmul"].impls[lib], events))
    settings = Settings(budget_s=60.0, warmup=2, min_repeats=3, max_repeats=3, min_block_s=0.0)
    (step,) = run(plan(["matmul"], [8], {lib: backend}, devices=[device]), {lib: backend}, settings)
    assert step.row["status"] == "ok", step.row["message"]
    calls = [e for e in events if e[0] == "call"]
    assert len(calls) == 1 + 2 + 3  # checked first call, warm-up, samples (the first also sizes blocks)
    after_first_call = events[events.index(calls[0]):]
    assert after_first_call[::2] == calls
    assert after_first_call[1::2] == [("sync", c[1]) for c in calls]  # each call's own result


def test_mlx_result_is_evaluated_inside_the_timed_region(libs, monkeypatch):
    """Would catch a forgotten mx.eval: every call is followed by mx.eval of its result before
    the clock is read again."""
    import mlx.core as mx

    events = []
    real_eval = mx.eval
    monkeypatch.setattr(mx, "eval", lambda *arrays: (events.append(("eval", id(arrays[0]))), real_eval(*arrays)))
    monkeypatch.setattr(timing, "time", types.SimpleNamespace(
        perf_counter=lambda: (events.append(("clock",)), time.perf_counter())[1]))
    monkeypatch.setitem(OPS["softmax"].impls, "mlx", spy(OPS["softmax"].impls["mlx"], events))

    (step,) = run(plan(["softmax"], [16], libs, dtypes=["float32"], devices=["cpu"])[2:3], libs, QUICK)
    assert step.row["status"] == "ok" and step.row["backend"] == "mlx"
    timed = events[events.index(("clock",)):]  # from the first clock read on
    calls = [i for i, e in enumerate(timed) if e[0] == "call"]
    assert len(calls) >= QUICK.warmup + QUICK.min_repeats
    for i in calls:
        assert timed[i + 1] == ("eval", timed[i][1])  # the lazy result is computed right away
        assert ("clock",) in timed[i + 2:] or i == calls[-1]
    assert timed[-1] == ("clock",) and timed[-2][0] == "eval"  # the clock stops after the last eval


def test_mlx_timing_includes_the_computation(libs):
    """A harness that skipped mx.eval would time only the graph building: microseconds."""
    import mlx.core as mx

    (step,) = run(plan(["matmul"], [192], {"mlx": libs["mlx"]}, devices=["cpu"]), libs,
                  Settings(budget_s=0.0, warmup=1, min_repeats=2, max_repeats=2))
    a = mx.random.normal((192, 192))
    with mx.stream(mx.cpu):
        mx.eval(a)
        tic = time.perf_counter()
        for _ in range(3):
            a @ a  # lazy: nothing computed
        lazy = (time.perf_counter() - tic) / 3
        tic = time.perf_counter()
        for _ in range(3):
            mx.eval(a @ a)
        evaluated = (time.perf_counter() - tic) / 3
    assert evaluated > 5 * lazy  # the trap is real here
    assert step.row["median_s"] > 0.3 * evaluated
    assert step.row["min_s"] > 3 * lazy


# --- Unsupported, refused, error: rows, never exceptions ----------------------------------------

def test_bfloat16_in_numpy_is_an_unsupported_row(libs):
    rows = [p.row for p in run(plan(["add"], [4], libs, dtypes=["bfloat16"]), libs, QUICK)]
    by_lib = {r["backend"]: r for r in rows}
    assert by_lib["numpy"]["status"] == "unsupported"
    assert "bfloat16" in by_lib["numpy"]["message"] and by_lib["numpy"]["median_s"] is None
    assert by_lib["torch"]["status"] == by_lib["mlx"]["status"] == "ok"


def test_float64_on_a_gpu_is_unsupported(libs, monkeypatch):
    import mlx.core as mx
    import torch

    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    monkeypatch.setattr(mx.metal, "is_available", lambda: True)
    backends = {"torch": kb.discover_one(torch_backend), "mlx": kb.discover_one(mlx_backend)}
    tasks = plan(["matmul"], [4], backends, devices=["mps", "gpu"], dtypes=["float64"])
    assert [(t.backend, t.device) for t in tasks] == [("torch", "mps"), ("mlx", "gpu")]
    rows = [p.row for p in run(tasks, backends, QUICK)]  # nothing runs on the pretend devices
    assert [r["status"] for r in rows] == ["unsupported", "unsupported"]
    assert "MPS" in rows[0]["message"] and "float64" in rows[0]["message"]
    assert "GPU" in rows[1]["message"] and "float64" in rows[1]["message"]


def test_unavailable_devices_and_missing_libraries_say_why(libs, hide_library):
    here = host_only(libs)
    tasks = plan(["add"], [4], {"torch": here["torch"]}, devices="all")
    assert [t.device for t in tasks] == ["cpu", "mps", "cuda"]
    rows = [p.row for p in run(tasks, here, QUICK)]
    assert [r["status"] for r in rows] == ["ok", "unsupported", "unsupported"]
    assert "not available here" in rows[1]["message"]

    hide_library("mlx")
    missing = {"mlx": kb.discover_one(mlx_backend)}
    (step,) = run(plan(["add"], [4], missing), missing, QUICK)
    assert step.row["status"] == "unsupported" and step.row["device"] == ""
    assert "not installed" in step.row["message"] and "pip install" in step.row["message"]


def test_an_oversized_request_is_refused_before_anything_is_allocated(libs, monkeypatch):
    monkeypatch.setattr(runner._Data, "inputs", property(lambda self: pytest.fail("inputs were made")))
    rows = [p.row for p in run(plan(["matmul"], [2_000_000], libs), libs, QUICK)]
    assert {r["status"] for r in rows} == {"refused"}
    assert "needs about" in rows[0]["message"] and "TiB" in rows[0]["message"]
    assert rows[0]["flops"] == 2 * 2_000_000**3  # the row still says what was asked


def test_a_library_error_becomes_an_error_row(libs, monkeypatch):
    def broken(a, b):
        raise RuntimeError("kernel exploded\nsecond line")

    monkeypatch.setitem(OPS["add"].impls, "torch", broken)
    rows = {p.row["backend"]: p.row for p in run(plan(["add"], [4], libs), libs, QUICK)}
    assert rows["torch"]["status"] == "error"
    assert rows["torch"]["message"] == "RuntimeError: kernel exploded"
    assert rows["numpy"]["status"] == rows["mlx"]["status"] == "ok"


def test_a_wrong_result_is_measured_but_flagged(libs, monkeypatch):
    monkeypatch.setitem(OPS["add"].impls, "numpy", lambda a, b: a - b)
    (step,) = run(plan(["add"], [8], {"numpy": libs["numpy"]}), libs, QUICK)
    assert step.row["status"] == "ok" and step.row["correct"] is False
    assert "exceeds" in step.row["message"] and "outside tolerance" in step.line.lower()


# --- Host → device transfer ------------------------------------------------------------------

def test_transfer_has_no_runnable_rows_on_a_host_only_machine(libs):
    here = host_only(libs)
    rows = [p.row for p in run(plan(["transfer"], [8], here), here, QUICK)]
    assert len(rows) == 3 and {r["status"] for r in rows} == {"unsupported"}
    assert "host" in rows[0]["message"] and "host" in rows[2]["message"]


def test_transfer_runs_on_a_device_that_is_not_the_host(libs, monkeypatch):
    events = []
    fake, impl = pretend_gpu(libs["torch"], "mps", events)
    real = OPS["transfer"].impls["torch"]
    # The pretend mps device does its work on the CPU: the copy goes there.
    monkeypatch.setitem(OPS["transfer"].impls, "torch", spy(lambda x, device: real(x, "cpu"), events))
    backends = {"torch": fake}
    tasks = plan(["transfer"], [16], backends, dtypes=["float32", "bfloat16"])
    rows = [p.row for p in run(tasks, backends, QUICK)]
    assert rows[0]["status"] == "ok" and rows[0]["correct"], rows[0]
    assert rows[0]["device"] == "mps" and rows[0]["device_label"] == "Pretend GPU"
    assert rows[0]["gbps"] > 0 and rows[0]["bytes"] == 16 * 16 * 4
    assert rows[1]["status"] == "unsupported" and "bfloat16" not in OPS["transfer"].dtypes
    assert impl.syncs == sum(1 for e in events if e[0] == "call")


def test_mlx_on_a_gpu_has_no_transfer_to_time_and_says_why(libs):
    """On unified memory mx.array(x) is a host memcpy, not a copy to the GPU: MLX sits the
    operation out with the reason, instead of being charted beside Torch's copy to mps."""
    fake, impl = pretend_gpu(libs["mlx"], "gpu")
    backends = {"mlx": fake}
    rows = [p.row for p in run(plan(["transfer"], [16], backends), backends, QUICK)]
    assert [r["status"] for r in rows] == ["unsupported"]
    assert "unified memory" in rows[0]["message"] and "host memcpy" in rows[0]["message"]
    assert impl.syncs == 0 and "mlx" not in OPS["transfer"].impls


# --- Planning and streaming ---------------------------------------------------------------------

def test_plan_orders_and_validates(libs):
    tasks = plan(["matmul", "add"], [4, 8], libs, dtypes=["float32", "float16"])
    assert len(tasks) == 2 * 2 * 2 * len(PAIRS)  # operations × sizes × dtypes × (library, device)
    assert (tasks[0].op, tasks[0].size, tasks[0].dtype, tasks[0].backend) == ("matmul", 4, "float32", "numpy")
    assert str(tasks[1]) == "matmul n=4 float32 torch/cpu"
    with pytest.raises(ValueError, match="unknown operation fft; choose from matmul"):
        plan(["fft"], [4], libs)
    with pytest.raises(ValueError, match="unknown dtype int8"):
        plan(["add"], [4], libs, dtypes=["int8"])
    with pytest.raises(ValueError, match="positive"):
        plan(["add"], [0], libs)


def test_run_streams_progress_and_can_be_stopped(libs):
    tasks = plan(["add"], [4, 8], libs)
    steps = list(run(tasks, libs, QUICK))
    total = 2 * len(PAIRS)
    assert [s.done for s in steps] == list(range(1, total + 1)) and steps[-1].fraction == 1.0
    assert steps[0].line.startswith(f"[1/{total}] add n=4 float32 numpy/cpu: ok")

    stopped, kept = [], []
    for step in run(tasks, libs, QUICK, should_stop=lambda: bool(stopped)):
        kept.append(step)
        if len(kept) == 2:
            stopped.append(True)
    assert len(kept) == 2


def test_stop_ends_a_long_measurement_within_a_second(libs):
    """Stop inside one measurement (a big budget) ends the run at the next timed block."""
    start = time.perf_counter()
    settings = Settings(budget_s=120.0, warmup=0, min_repeats=3, max_repeats=10**6, min_block_s=1e-3)
    steps = list(run(plan(["add"], [64], {"numpy": libs["numpy"]}), libs, settings,
                     should_stop=lambda: time.perf_counter() - start > 0.3))
    assert steps == [] and time.perf_counter() - start < 1.3


def test_inputs_are_made_once_per_op_and_size(libs, monkeypatch):
    made = []
    real = np.random.default_rng
    monkeypatch.setattr(np.random, "default_rng", lambda seed: made.append(seed) or real(seed))
    rows = [p.row for p in run(plan(["add"], [4, 8], libs, dtypes=["float32", "float16"]), libs, QUICK)]
    assert len(rows) == 2 * 2 * len(PAIRS) and len(made) == 2  # shared by 2 dtypes × every (library, device)


def test_every_library_computes_on_the_same_numbers(libs):
    data = runner._Data(OPS["add"], 4, seed=0)
    again = runner._Data(OPS["add"], 4, seed=0)
    for name in data.inputs:
        np.testing.assert_array_equal(data.inputs[name], again.inputs[name])
    assert data.inputs["a"].dtype == np.float32 and data.reference.dtype == np.float64


def test_a_slow_first_call_shortens_the_warm_up(libs, monkeypatch):
    events = []
    backend, impl = counting(libs["numpy"], events)
    monkeypatch.setitem(OPS["add"].impls, "numpy", spy(lambda a, b: (time.sleep(0.002), a + b)[1], events))
    settings = Settings(budget_s=0.001, warmup=5, min_repeats=2, max_repeats=2, min_block_s=0.0)
    (step,) = run(plan(["add"], [4], {"numpy": backend}), {"numpy": backend}, settings)
    assert step.row["status"] == "ok"
    assert sum(e[0] == "call" for e in events) == 1 + 1 + 2  # first call, one warm-up, samples


def test_a_float32_miss_on_a_tf32_gpu_says_why(libs, monkeypatch):
    """MLX computes float32 matmuls in TF32 by default on GPUs that have it (M5-class Metal,
    Ampere CUDA): such a row misses the float32 tolerance, and its message must say that it is a
    TF32 result and how to get float32, not just 'outside tolerance'."""
    fake, impl = pretend_gpu(libs["mlx"], "gpu")
    impl.precision = lambda lib: {"float32_matmul": "tf32", "setting": "MLX_ENABLE_TF32 unset (MLX's default: 1)"}
    real = OPS["matmul"].impls["mlx"]
    monkeypatch.setitem(OPS["matmul"].impls, "mlx", lambda a, b: real(a, b) * (1 + 2.0**-11))  # TF32-sized error
    backends = {"mlx": fake}
    row = next(run(plan(["matmul"], [64], backends), backends, QUICK)).row
    assert row["status"] == "ok" and row["correct"] is False
    assert "TF32" in row["message"] and "MLX_ENABLE_TF32=0" in row["message"]

    impl.precision = lambda lib: {"float32_matmul": "float32"}  # the same miss without TF32: no excuse offered
    row = next(run(plan(["matmul"], [64], backends), backends, QUICK)).row
    assert row["correct"] is False and "TF32" not in row["message"]


def test_a_float32_convolution_miss_on_cuda_blames_cudnns_tf32(libs, monkeypatch):
    """PyTorch on CUDA computes float32 convolutions in TF32 by default while its matmuls stay float32:
    a convolution row that misses says so and how to switch it off; a matmul row is offered no excuse."""
    fake, impl = pretend_gpu(libs["torch"], "cuda")
    impl.precision = lambda lib: {"float32_matmul": "float32", "float32_conv": "tf32",
                                  "setting": "torch.backends.cudnn.conv.fp32_precision = 'tf32'"}
    backends = {"torch": fake}
    for op in ("conv2d", "matmul"):
        real = OPS[op].impls["torch"]
        monkeypatch.setitem(OPS[op].impls, "torch", lambda *a, real=real: real(*a) * (1 + 2.0**-11))
    conv = next(run(plan(["conv2d"], [16], backends), backends, QUICK)).row
    assert conv["correct"] is False and "convolution in TF32" in conv["message"] and "'ieee'" in conv["message"]
    matmul = next(run(plan(["matmul"], [64], backends), backends, QUICK)).row
    assert matmul["correct"] is False and "TF32" not in matmul["message"]
