"""Reading benchmark rows (summary, crossovers, speedups, chart tables), estimating a run's time,
the live run that survives a Stop, and loading several result files for the Compare page."""
from __future__ import annotations

import json
import time

import pytest

from kernels import backends as kb
from kernels.bench import OPS, Settings, plan, report, run
from kernels.bench import compare as bench_compare
from kernels.bench import estimate as E
from kernels.bench.kind import BENCH
from kernels.measure import compare
from kernels.measure.compare import choices as compare_choices
from kernels.measure.results import load
from kernels.measure.words import about, machine_lines


def row(op="matmul", size=256, backend="numpy", device="cpu", median=1e-3, status="ok", dtype="float32",
        correct=True, message="", iqr=None, lo=None, hi=None):
    ok = status == "ok"
    return {
        "op": op, "size": size, "shape": f"a {size}×{size}", "dtype": dtype, "backend": backend,
        "version": "1", "device": device, "device_label": device.upper(), "status": status, "message": message,
        "median_s": median if ok else None, "iqr_s": (iqr if iqr is not None else median / 10) if ok else None,
        "min_s": (lo or median * 0.9) if ok else None, "max_s": (hi or median * 1.5) if ok else None,
        "repeats": 5 if ok else 0, "calls_per_repeat": 1 if ok else None, "flops": 2 * size**3, "bytes": 12 * size**2,
        "unit": OPS[op].unit if op in OPS else "GFLOP/s", "gflops": 2 * size**3 / median / 1e9 if ok else None,
        "gbps": 12 * size**2 / median / 1e9 if ok else None, "max_abs_err": 1e-6 if ok else None,
        "tolerance": 1e-4 if ok else None, "correct": correct if ok else None,
    }


def sweep():
    """NumPy wins small sizes, MLX wins large; Torch in between; one unsupported row."""
    return [
        row(size=128, backend="numpy", median=1e-4), row(size=128, backend="torch", median=2e-4),
        row(size=128, backend="mlx", median=5e-4),
        row(size=512, backend="numpy", median=4e-3), row(size=512, backend="torch", median=3e-3),
        row(size=512, backend="mlx", median=1e-3),
        row(size=1024, backend="numpy", median=3e-2), row(size=1024, backend="torch", median=2e-2),
        row(size=1024, backend="mlx", median=5e-3),
        row(size=1024, backend="torch", device="mps", status="unsupported", message="needs a Mac"),
    ]


# --- summary --------------------------------------------------------------------------------------

def test_summary_names_the_winner_its_lead_and_the_crossover():
    text = report.op_summary(sweep(), "matmul", "float32")
    assert text.startswith("**Matrix multiply** (float32)")
    assert "n = 1024, **MLX · cpu** is fastest" in text
    assert "4.0× as fast as PyTorch · cpu" in text and "6.0× as fast as NumPy · cpu" in text
    assert "fastest is NumPy · cpu at n = 128, then MLX · cpu at n = 512 and 1024" in text
    assert "crossover between n = 128 and n = 512" in text
    assert "Not timed: 1 unsupported" in text


def test_a_leader_about_even_at_some_sizes_is_not_said_to_be_ahead_there():
    """Fastest at every size, but within 10% at the largest: the summary says where it is ahead and
    where the two are about even, never "about even" and then "ahead by 1.0–2.2×"."""
    rows = [row(size=n, backend=b, median=m) for n, b, m in
            [(64, "numpy", 1.0), (64, "torch", 2.2), (128, "numpy", 1.0), (128, "torch", 1.5),
             (256, "numpy", 1.0), (256, "torch", 1.02)]]
    text = report.op_summary(rows, "matmul", "float32")
    assert "are about even (within 10%)" in text
    assert ("NumPy · cpu is fastest at every size tried (n = 64–256): ahead by 1.5–2.2× at n = 64 and 128, "
            "about even (within 10%) at n = 256") in text
    assert "ahead by 1.0" not in text


def test_summary_one_leader_about_even_single_series_and_nothing():
    rows = [row(size=n, backend=b, median=m) for n, b, m in
            [(64, "numpy", 1.0), (64, "torch", 2.0), (128, "numpy", 1.0), (128, "torch", 3.0)]]
    assert ("NumPy · cpu leads at every size tried (n = 64 and 128), ahead by 2.0–3.0×"
            in report.op_summary(rows, "matmul", "float32"))
    even = [row(backend="numpy", median=1.0), row(backend="torch", median=1.05)]
    assert "are about even (within 10%)" in report.op_summary(even, "matmul", "float32")
    alone = [row(backend="numpy"), row(backend="mlx", status="error", message="RuntimeError: boom")]
    text = report.op_summary(alone, "matmul", "float32")
    assert "only NumPy · cpu was timed" in text and "1 error" in text
    assert "nothing was timed" in report.op_summary([row(status="refused", message="too big")], "matmul", "float32")
    assert report.summary([]) == ["Nothing has been measured yet."]


def test_summary_flags_wrong_answers_and_errors():
    rows = sweep() + [row(op="softmax", backend="mlx", correct=False, message="max abs error 1 exceeds 0.1"),
                      row(op="softmax", backend="numpy"),
                      row(op="softmax", backend="torch", status="error", message="RuntimeError: no kernel")]
    paragraphs = report.summary(rows)
    assert paragraphs[0].startswith("**Matrix multiply**") and paragraphs[1].startswith("**Softmax")
    assert any(p.startswith("**Outside tolerance**") and "MLX · cpu on Softmax over the last axis at n = 256" in p
               for p in paragraphs)
    assert any(p.startswith("**Errors**") and "no kernel" in p for p in paragraphs)
    assert "matched the float64 NumPy reference" in report.summary(sweep())[-1]


def test_leaders_and_crossovers():
    entries = report.leaders(sweep(), "matmul", "float32")
    assert [(e["size"], e["winner"]) for e in entries] == [(128, ("numpy", "cpu")), (512, ("mlx", "cpu")),
                                                           (1024, ("mlx", "cpu"))]
    assert report.crossovers(entries) == [(128, 512, ("numpy", "cpu"), ("mlx", "cpu"))]


# --- speedups and tables ----------------------------------------------------------------------------

def test_speedups_over_a_series_tell_devices_apart():
    rows = [row(backend="torch", device="cpu", median=4.0), row(backend="torch", device="mps", median=1.0),
            row(backend="numpy", median=2.0), row(backend="mlx", status="unsupported")]
    assert report.speedups(rows, ("torch", "cpu")) == [1.0, 4.0, 2.0, None]
    assert report.speedups(rows) == [0.5, 2.0, 1.0, None]
    assert report.baselines(rows) == [("numpy", "cpu"), ("torch", "cpu"), ("torch", "mps")]


def test_chart_table_spreads_and_fields():
    r = row(median=1e-3, iqr=4e-4, lo=9e-4, hi=2e-3)
    (iqr,) = report.chart_table([r], spread="iqr")
    assert (iqr["time_ms"], iqr["low_ms"], iqr["high_ms"]) == pytest.approx((1.0, 0.9, 1.2))  # clipped at min
    (mm,) = report.chart_table([r], spread="minmax")
    assert (mm["low_ms"], mm["high_ms"]) == pytest.approx((0.9, 2.0))
    assert mm["series"] == "NumPy · cpu" and mm["median_text"] == "1 ms" and mm["speedup"] == 1.0
    assert report.chart_table(sweep(), baseline=None)[0]["speedup"] is None
    assert len(report.chart_table(sweep())) == 9  # the unsupported row has nothing to draw
    with pytest.raises(ValueError, match="unknown spread"):
        report.chart_table([r], spread="stddev")
    mixed = report.chart_table([r, {**r, "dtype": "float16"}])
    assert {m["series"] for m in mixed} == {"NumPy · cpu · float32", "NumPy · cpu · float16"}


def test_table_rows_keep_every_row_with_its_reason():
    table = report.table_rows(sweep())
    assert len(table) == 10
    last = table[-1]
    assert last["status"] == "unsupported" and last["why / message"] == "needs a Mac" and last["median"] == ""
    assert table[0]["× NumPy · cpu"] == 1.0 and table[0]["correct"] == "yes"


def test_machine_lines():
    lines = machine_lines({"cpu": "Apple M3 Pro", "cores": 12, "memory_bytes": 36 * 2**30, "os": "macOS 14.5",
                                  "arch": "arm64", "python": "3.12.4",
                                  "libraries": {"numpy": "2.4.6", "torch": "2.13.0", "mlx": None},
                                  "devices": {"numpy": ["cpu"], "torch": ["cpu", "mps"]}})
    assert lines[0] == "Apple M3 Pro, 12 cores, 36.0 GiB memory"
    assert "MLX: not installed" in lines[2] and "PyTorch cpu, mps" in lines[3]


# --- estimate --------------------------------------------------------------------------------------

def test_measurement_time_follows_the_runner_rules():
    s = Settings(budget_s=0.5, warmup=2, min_repeats=3)
    fast = E.measurement_seconds(1e-5, s)
    assert 0.5 < fast < 0.6  # the budget dominates
    slow = E.measurement_seconds(2.0, s)
    assert slow == pytest.approx(2.0 * (1 + 1) + 2.0 + 2 * 2.0)  # checked call, 1 warm-up, sizing, 2 more samples
    assert about(0.4) == "under a second" and about(14) == "about 15 s" and about(150) == "about 2 min"


@pytest.fixture(scope="module")
def libs():
    return kb.discover()


def test_estimate_skips_unsupported_and_calibrates_from_known_rows(libs):
    from tests.devices import host_only

    libs = host_only(libs)  # a CPU-only host: transfer has nothing to time
    tasks = plan(["matmul", "transfer"], [64, 128], libs)
    guess = E.estimate(tasks, libs, Settings(budget_s=0.1))
    timed = [t for t in tasks if t.op == "matmul"]
    assert guess.timed == len(timed) and guess.calibrated == 0  # transfer on a CPU-only host: nothing to time
    known = [row(size=64, backend=t.backend, device=t.device, median=10.0) for t in timed]
    slow = E.estimate(timed, libs, Settings(budget_s=0.1), known=known)
    assert slow.calibrated == len(timed)
    # 10 s at n=64 scales by the work (n³) to 80 s at n=128: five calls of that dominate
    assert slow.seconds > 3 * (5 * 80)
    assert "n=128" in slow.slowest[0]
    overhead_only = [row(size=16, backend=t.backend, device=t.device, median=1e-6) for t in timed]
    assert E.estimate(timed, libs, Settings(budget_s=0.1), known=overhead_only).calibrated == 0  # too short to scale


def test_estimate_is_in_the_right_range_for_a_real_tiny_run(libs):
    """Measured as a page measures: in a process of its own (whose start the estimate counts)."""
    from kernels.measure.child import Job, steps_in_child

    tasks = plan(["matmul", "softmax"], [32, 64], libs)
    settings = Settings(budget_s=0.02)
    guess = E.estimate(tasks, libs, settings)
    start = time.perf_counter()
    for _ in steps_in_child(Job.of(run, tasks, libs, settings))(lambda: False):
        pass
    took = time.perf_counter() - start
    assert took / 4 < guess.seconds < took * 4, (guess.seconds, took)


# --- loading several files -----------------------------------------------------------------------------

def test_labels_from_the_machine():
    assert compare.clean_chip("Intel(R) Xeon(R) CPU E5-2690 v4 @ 2.60GHz") == "Intel Xeon E5-2690 v4"
    assert compare.machine_label({"cpu": "Apple M3 Pro", "os": "macOS 14.5"}) == "Apple M3 Pro · macOS 14.5"
    assert compare.machine_label({"cpu": "Intel(R) Xeon(R) Processor",
                                  "os": "Linux (Debian GNU/Linux 12 (bookworm))"}) == "Intel Xeon Processor · Linux"
    assert compare.machine_label({}) == "unknown chip · unknown OS"
    assert compare.unique(["A", "B", "A", "A", "A (2)"]) == ["A", "B", "A (3)", "A (4)", "A (2)"]


def result_bytes(machine: dict, rows: list[dict]) -> bytes:
    return json.dumps({"schema": 1, "machine": machine, "created": "2025-01-01T00:00:00+00:00",
                       "settings": {}, "results": rows}).encode()


def test_load_many_keeps_good_files_and_explains_bad_ones():
    m3 = result_bytes({"cpu": "Apple M3", "os": "macOS 15.1"}, [row(), row(backend="mlx", device="gpu", median=1e-4)])
    loaded = compare.load_many([("m3.json", m3), ("again.json", m3), ("broken.json", b"{not json"),
                                ("rows.csv", b"op,size\nmatmul,1\n"), ("other.json", b'{"hello": 1}')],
                               samples=compare.SAMPLES)
    assert [item.ok for item in loaded] == [True, True, True, True, True, False, False, False]
    assert [(item.kind, item.label) for item in loaded if item.ok] == [
        ("bench", "Sample · Linux VM, 2 threads"), ("bench", "Sample · Linux VM, 1 thread"),
        ("models", "Sample · Linux VM, 2 threads"), ("bench", "Apple M3 · macOS 15.1"),
        ("bench", "Apple M3 · macOS 15.1 (2)")]
    errors = {item.name: item.error for item in loaded if not item.ok}
    assert errors["broken.json"].startswith("The file is not valid JSON")
    assert "CSV export" in errors["rows.csv"] and '"schema"' in errors["other.json"]

    rows = compare.combined_rows(loaded, "bench", {"Apple M3 · macOS 15.1": "Ana's M3",
                                                   "Apple M3 · macOS 15.1 (2)": "Ana's M3"})
    assert {r["machine"] for r in rows} >= {"Ana's M3", "Ana's M3 (2)", "Sample · Linux VM, 1 thread"}
    assert all("op" in r for r in rows)  # one kind at a time: no training runs among them


def test_common_size_and_compare_table():
    rows = ([{**row(size=n, backend="numpy", median=n / 1e5), "machine": "A"} for n in (128, 256, 512)]
            + [{**row(size=n, backend="mlx", device="gpu", median=n / 1e6), "machine": "B"} for n in (256, 512, 1024)]
            + [{**row(op="softmax", size=64), "machine": "A"}])
    assert bench_compare.largest_common_size(rows, "matmul", "float32") == 512
    assert bench_compare.largest_common_size(rows, "softmax", "float32") == 64
    assert bench_compare.largest_common_size(rows, "attention", "float32") is None
    assert compare_choices(BENCH, rows)[0] == ("matmul", "float32")
    keys = bench_compare.series_keys(rows, "matmul", "float32", 512)
    assert keys == [("A", "numpy", "cpu"), ("B", "mlx", "gpu")]
    table = bench_compare.compare_table(rows, "matmul", "float32", 512, ("A", "numpy", "cpu"))
    assert [(t["machine"], t["library · device"]) for t in table] == [("B", "MLX · gpu"), ("A", "NumPy · cpu")]
    assert table[0]["speedup"] == pytest.approx(10.0) and table[1]["speedup"] == pytest.approx(1.0)


def test_the_shipped_samples_are_real_linux_files():
    for sample in compare.SAMPLES:
        result = load(sample.path)
        assert result.machine["os"].startswith("Linux") and "Apple" not in result.machine["cpu"]
        assert all(r["status"] == "ok" for r in result.results) and "Sample" in sample.label
        if result.kind == "bench":
            assert result.settings["budget_s"] == 0.2
            assert {r["op"] for r in result.results} == {"matmul", "softmax", "layer_norm", "add"}
            assert all(r["correct"] for r in result.results)
        else:
            assert result.kind == "models" and {r["batch"] for r in result.results} == {16, 32, 64}


def test_resolve_baseline_falls_back_to_a_timed_series():
    rows = [row(size=16, backend="numpy", status="unsupported"),
            row(size=16, backend="torch", median=1e-5)]
    assert report.resolve_baseline(rows, ("numpy", "cpu")) == ("torch", "cpu")
    assert report.resolve_baseline(rows, ("torch", "cpu")) == ("torch", "cpu")
    assert report.resolve_baseline([], ("numpy", "cpu")) == ("numpy", "cpu")


def test_a_verdict_involving_mlx_on_its_linux_cpu_build_says_why_it_is_slow(libs):
    """The summary said 'NumPy … 27.4× as fast as MLX · cpu' and nothing else: wherever a verdict
    involves MLX on its Linux CPU build, the reason (a reference BLAS) stands beside it."""
    from kernels.machine import machine_info

    rows = [row(backend="numpy", median=1e-3), row(backend="mlx", median=3e-2)]
    machine = machine_info(libs)
    text = " ".join(report.summary(rows, machine))
    if libs["mlx"].caveat("cpu"):  # this machine: Linux, mlx[cpu]
        assert "reference BLAS" in text and "on a Mac" in text
    assert "reference BLAS" not in " ".join(report.summary([row(backend="numpy"), row(backend="torch")], machine))
    mac = {**machine, "caveats": {}}  # a Mac's file: no such caveat
    assert "reference BLAS" not in " ".join(report.summary(rows, mac))


def test_the_slowest_step_is_the_slowest_library_not_numpy(libs):
    """The warning named 'matmul n=8192 numpy/cpu' as the slowest step although NumPy is the fastest
    library here: a library on a reference BLAS (MLX's Linux CPU build) is assumed slower."""
    tasks = plan(["matmul"], [8192], libs)
    guess = E.estimate(tasks, libs, Settings(budget_s=0.5))
    slow = [t for t in tasks if libs[t.backend].reference_blas(t.device)]
    if slow:  # this machine: MLX's Linux CPU build
        assert guess.slowest[0] == str(slow[0])
    times = {t.backend: E.assumed_call_seconds(t, "cpu-reference-blas" if libs[t.backend].reference_blas(t.device)
                                               else "cpu") for t in tasks}
    assert times["numpy"] == times["torch"] and (not slow or times["mlx"] > 4 * times["numpy"])


def test_the_method_says_a_gpu_call_returns_early_and_synchronize_waits_for_it():
    """The synchronisation sentence: the operation returns before the GPU has finished, and
    synchronize() is what waits; never read as if synchronize() returned early."""
    from kernels.bench.runner import Settings, method

    (sync,) = [line for line in method(Settings()) if line.startswith("Synchronisation")]
    assert "which returns before the kernel finishes" not in sync
    assert "returns before the GPU has finished" in sync and "synchronize() waits for it" in sync
