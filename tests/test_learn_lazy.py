"""Learn 7, lazy and asynchronous execution: the harness on fake devices, MLX's laziness, and the page."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from types import SimpleNamespace

import pytest

from kernels import memory
from kernels.backends import mlx_backend, numpy_backend, torch_backend
from kernels.examples import lazy
from tests.apptest import open_page, open_section

PAGE = "app_pages/learn_lazy.py"


# --- the harness, on devices we control ---------------------------------------------------------

class FakeClockDevice:
    """A device on a fake clock: launching costs 1 tick, the work 100 ticks, paid only when synced."""

    def __init__(self):
        self.now = 0.0
        self.pending = 0
        self.launched = 0
        self.synced = 0

    def clock(self):
        return self.now

    def op(self):
        self.now += 1
        self.pending += 1
        self.launched += 1
        return self.launched

    def sync(self, _result):
        self.now += 100 * self.pending  # waits for everything queued
        self.pending = 0
        self.synced += 1


def test_compare_times_the_launch_naively_and_the_work_when_synced():
    dev = FakeClockDevice()
    naive, synced, result = lazy.compare(dev.op, dev.sync, repeats=4, warmup=2, clock=dev.clock)
    assert naive.samples == (1, 1, 1, 1)
    assert synced.samples == (101, 101, 101, 101)  # the naive call's queued work was drained, untimed
    assert dev.launched == 2 + 4 * 2 and dev.pending == 0 and result == dev.launched
    assert dev.synced == 2 + 4 * 2  # every warm-up and every timed synced call waited, plus each drain


class ThreadedAsyncDevice:
    """A real asynchronous device: work runs on a worker thread; the call returns a future at once."""

    WORK = 0.05

    def __init__(self):
        self.pool = ThreadPoolExecutor(max_workers=1)

    def op(self):
        return self.pool.submit(time.sleep, self.WORK)

    @staticmethod
    def sync(future):
        future.result()


def test_compare_on_a_threaded_async_device():
    dev = ThreadedAsyncDevice()
    try:
        naive, synced, last = lazy.compare(dev.op, dev.sync, repeats=3, warmup=1)
    finally:
        dev.pool.shutdown(wait=True)
    assert last.done()
    assert synced.min >= dev.WORK  # a synced timing can never beat the work it waited for
    assert naive.median < synced.median


def test_run_demo_synchronises_every_timed_call_on_the_chosen_device(libs):
    calls = []

    def recording_sync(lib, device, result):
        calls.append(device)
        torch_backend.synchronize(lib, device, result)

    fake_impl = SimpleNamespace(**{k: getattr(torch_backend, k)
                                   for k in ("describe", "is_array", "to_numpy", "takes_turns")},
                                synchronize=recording_sync)
    fake = replace(libs["torch"], impl=fake_impl)
    res = lazy.run_demo(fake, 64, "cpu", repeats=3, warmup=1)
    assert res.status == "ok", res.error
    assert calls == ["cpu"] * (1 + 2 * 3)  # warm-up, then per repeat: the drain and the synced call
    assert res.naive.repeats == res.synced.repeats == 3
    assert res.device == "cpu" and res.device_kind == "cpu" and res.result_device == "cpu"


def test_backend_synchronize_routes_to_the_right_device():
    seen = []
    fake_torch = SimpleNamespace(mps=SimpleNamespace(synchronize=lambda: seen.append("mps")),
                                 cuda=SimpleNamespace(synchronize=lambda: seen.append("cuda")))
    torch_backend.synchronize(fake_torch, "mps", None)
    torch_backend.synchronize(fake_torch, "cuda:0", None)
    torch_backend.synchronize(fake_torch, "cpu", None)
    assert seen == ["mps", "cuda"]
    evaluated = []
    mlx_backend.synchronize(SimpleNamespace(eval=evaluated.append, synchronize=lambda: None), "gpu", "graph")
    assert evaluated == ["graph"]
    assert numpy_backend.synchronize(None, "cpu", object()) is None


def test_run_demo_reports_a_missing_library(libs):
    res = lazy.run_demo(replace(libs["mlx"], available=False, error="ImportError: no mlx"), 64)
    assert res.status == "missing" and "no mlx" in res.error


def test_run_demo_on_every_library_here(libs):
    for b in libs.values():
        res = lazy.run_demo(b, 64, repeats=3)
        assert res.status == "ok", res.error
        assert res.naive.median > 0 and res.synced.median > 0
        assert "n = 64" in res.source and "def matmul():" in res.source


# --- MLX laziness, witnessed by MLX's own memory counter ----------------------------------------

def test_an_mlx_matmul_allocates_nothing_until_forced(libs):
    for force in ("mx.eval(c)", "np.array(c)", "print(c)"):
        res = lazy.mlx_force_demo(libs, 256, force)
        assert res.status == "ok", res.error
        assert res.after_call == 0 and not res.computed_by_call, force
        assert res.after_force >= res.nbytes == 256 * 256 * 4, force
    assert lazy.mlx_force_demo(libs, 256, "print(c)").stdout.startswith("array(")


@pytest.mark.parametrize("force", ["c.shape (does not force)", "nothing"])
def test_reading_the_shape_does_not_force(libs, force):
    res = lazy.mlx_force_demo(libs, 256, force)
    assert res.status == "ok" and res.after_force == 0 and not res.computed_by_force


def test_unknown_force_is_refused(libs):
    with pytest.raises(ValueError):
        lazy.mlx_force_demo(libs, 64, "os.system('ls')")


def test_the_lazy_call_returns_an_unevaluated_array(libs):
    mx = libs["mlx"].lib
    a = mx.random.normal((512, 512))
    mx.eval(a)
    start = mx.get_active_memory()
    c = a @ a
    assert mx.get_active_memory() == start  # recorded only
    mx.eval(c)
    assert mx.get_active_memory() - start >= c.nbytes


def test_check_size_bounds_and_memory(monkeypatch):
    lazy.check_size(lazy.SIZES[0])
    with pytest.raises(ValueError):
        lazy.check_size(lazy.SIZES[1] + 1)
    monkeypatch.setattr(memory, "available_bytes", lambda: 1024 * 1024)
    with pytest.raises(memory.TooLarge):
        lazy.check_size(512)


def test_shown_source_is_the_source_that_ran(libs):
    res = lazy.run_demo(libs["torch"], 128, "cpu", repeats=3)
    assert res.source == lazy.matmul_source(libs["torch"], 128, "cpu")
    assert "device = 'cpu'" in res.source
    assert "device = mx.cpu" in lazy.matmul_source(libs["mlx"], 128, "cpu")


# --- the page -------------------------------------------------------------------------------

def codes(at) -> str:
    return "\n".join(c.value for c in at.code)


def test_page_renders_states_the_devices_and_every_control_works_at_both_ends(libs):
    at = open_page(PAGE)
    assert at.title[0].value == "Lazy and asynchronous execution"
    assert not at.dataframe and not at.button, "the timing demo runs when its section is opened"
    open_section(at, "lazy_timing_open")
    table = at.dataframe[0].value
    assert list(table["library"]) == [b.label for b in libs.values() if b.available]
    has_gpu = any(d.kind == "gpu" for b in libs.values() for d in b.available_devices)
    notes = " ".join(m.value for m in (at.info if not has_gpu else at.success))
    assert ("No GPU here" in notes and "synchronous" in notes) if not has_gpu else "GPU devices found" in notes
    mlx_row = table[table["library"] == "MLX"].iloc[0]
    assert mlx_row["verdict"] == "naive number lies"  # MLX is lazy on any device
    assert "def compare(" not in codes(at)  # the code behind is drawn when its expander is opened
    open_section(at, "lazy_harness_code")
    for name in libs:
        if libs[name].available:
            open_section(at, f"lazy_sync_code_{name}")
    assert "def compare(" in codes(at) and "def synchronize(" in codes(at)

    lo, hi, _ = lazy.SIZES
    at.slider(key="lazy_n").set_value(lo).run()
    assert not at.exception and f"n = {lo}\n" in codes(at)
    for reps in reversed(lazy.REPEATS):
        at.slider(key="lazy_repeats").set_value(reps).run()
        assert not at.exception
        assert set(at.dataframe[0].value["repeats"]) == {reps}

    seen = set()
    for force in lazy.FORCES:
        at.radio(key="lazy_force").set_value(force).run()
        assert not at.exception
        assert lazy.FORCES[force] in codes(at)
        seen.add(" ".join(m.value for m in at.markdown if "right after" in m.value))
    assert len(seen) >= 2  # forced and not forced read differently

    at.radio(key="lazy_force").set_value("nothing").run()  # the cheapest: no extra product
    at.slider(key="lazy_n").set_value(hi).run()  # repeats is at its minimum now
    assert not at.exception and f"n = {hi}\n" in codes(at) and f"n = {lo}\n" not in codes(at)
    assert set(at.dataframe[0].value["n"]) == {hi}


def test_a_size_that_does_not_fit_is_an_error_not_a_traceback(monkeypatch):
    monkeypatch.setattr(memory, "available_bytes", lambda: 1024 * 1024)
    at = open_page(PAGE)
    assert any("Can't run this size" in e.value for e in at.error)
    assert not at.dataframe


def test_page_without_mlx_still_times_the_others(mlx_missing):
    at = open_section(open_page(PAGE), "lazy_timing_open")
    assert list(at.dataframe[0].value["library"]) == ["NumPy", "PyTorch"]
    assert any("MLX is not available" in m.value for m in at.info)


@pytest.mark.parametrize("naive,synced,verdict", [
    (1e-5, 1e-2, "lies"), (1e-3, 1.2e-3, "agree"), (1.2e-3, 1e-3, "agree"),
    (1e-3, 9.97e-3, "noisy"), (15.7e-3, 1.27e-3, "noisy"),
])
def test_verdict_never_calls_far_apart_timings_agreeing(naive, synced, verdict):
    from types import SimpleNamespace

    res = lazy.DemoResult("numpy", "NumPy", device="cpu", device_kind="cpu")
    res.naive, res.synced = SimpleNamespace(median=naive), SimpleNamespace(median=synced)
    assert res.verdict == verdict


@pytest.mark.parametrize("naive,synced,verdict", [
    (1e-3, 3e-3, "lies"), (1e-3, 9.97e-3, "lies"), (1e-5, 1e-2, "lies"), (1e-3, 1.5e-3, "agree"),
    (3e-3, 1e-3, "noisy"),
])
def test_on_a_gpu_a_gap_is_the_asynchrony_not_a_busy_machine(naive, synced, verdict):
    """Torch on mps/cuda returns once the kernel is queued: a synced time 2-10x the naive one is the
    asynchronous GPU at work, and the page must say the naive number lies, not blame a busy machine."""
    from types import SimpleNamespace

    res = lazy.DemoResult("torch", "PyTorch", device="mps", device_kind="gpu")
    res.naive, res.synced = SimpleNamespace(median=naive), SimpleNamespace(median=synced)
    assert res.verdict == verdict


def test_memory_is_read_after_the_gpu_has_released_finished_buffers(libs):
    """On Metal, buffers of finished work are released at synchronisation: the first memory reading
    comes after mx.synchronize(), so it does not count them."""
    source = lazy.force_source(libs, 64, "mx.eval(c)")
    assert source.index("mx.synchronize()") < source.index("start = mx.get_active_memory()")


def test_a_revisit_shows_the_kept_timings_and_time_again_retimes(monkeypatch):
    """The same settings are timed once per session (the page says when); Time again and any change
    of what is measured time anew."""
    calls = []
    real = lazy.run_demo
    monkeypatch.setattr(lazy, "run_demo", lambda *a, **k: calls.append(a[1]) or real(*a, **k))
    at = open_page(PAGE)
    assert calls == [], "closed, the timing section times nothing"
    open_section(at, "lazy_timing_open")
    first = len(calls)
    assert first >= 2 and any("Timed at" in c.value for c in at.caption)
    at.run()  # a rerun with the same settings, as a revisit is
    assert len(calls) == first and not at.exception
    at.button(key="lazy_again").click().run()
    assert len(calls) == 2 * first
    lo, _hi, _ = lazy.SIZES
    at.slider(key="lazy_n").set_value(lo).run()
    assert len(calls) == 3 * first and set(calls[-first:]) == {lo}
