"""Numbers a verdict may use: a row whose IQR is over NOISY_SPREAD of its median, or with fewer than
MIN_SAMPLES timed samples, is marked noisy (Timing, the row, the file, the tables) and every verdict
leaves it out and says so."""
from __future__ import annotations

import json

from kernels.bench import report as bench_report
from kernels.inference import report as inference_report
from kernels.measure import compare
from kernels.measure.results import load, new_result_file
from kernels.measure.rows import is_noisy, noise, steady_rows
from kernels.measure.timing import MIN_SAMPLES, NOISY_SPREAD, Timing
from kernels.models import report as models_report
from tests import test_bench_report as bench_rows
from tests import test_inference_runner as inference_rows
from tests import test_models_runner as models_rows


def test_the_rule_reads_the_spread_and_the_samples():
    assert NOISY_SPREAD == 0.25 and MIN_SAMPLES == 3
    steady = Timing((1.0, 1.0, 1.1, 1.0, 1.05))
    wild = Timing((1.0, 3.0, 1.0, 3.0, 2.0))
    few = Timing((1.0, 1.0))
    assert not steady.noisy and wild.noisy and few.noisy
    assert steady.fields()["noisy"] is False and wild.fields()["noisy"] is True
    row = {"status": "ok", **wild.fields()}
    assert noise(row).startswith("IQR ") and "over 25%" in noise(row)
    assert "2 samples, fewer than 3" == noise({"status": "ok", **few.fields()})
    assert noise({"status": "error", "median_s": None}) is None
    assert noise({"status": "ok", "median_s": 1.0, "iqr_s": 0.25, "repeats": 5}) is None  # at the line: steady
    assert noise({"status": "ok", "median_s": 1.0, "iqr_s": 0.253, "repeats": 5}).startswith("IQR 25.3% ")


def noisy_bench():
    """MLX wins n = 1024, the largest size, only through a row whose spread is half its median."""
    rows = bench_rows.sweep()
    for r in rows:
        if r["backend"] == "mlx" and r["size"] == 1024:
            r["iqr_s"], r["min_s"], r["max_s"] = r["median_s"] * 0.5, r["median_s"] * 0.5, r["median_s"] * 2
    return rows


def test_a_benchmark_verdict_is_never_built_on_a_noisy_row_and_names_it():
    rows = noisy_bench()
    mlx = next(r for r in rows if r["backend"] == "mlx" and r["size"] == 1024)
    assert is_noisy(mlx) and mlx not in steady_rows(rows)
    text = " ".join(bench_report.summary(rows))
    last = bench_report.leaders(rows, "matmul", "float32")[-1]
    assert last["size"] == 1024 and last["winner"] == ("torch", "cpu")  # the noisy MLX row won before
    assert "Left out as noisy" in text and "MLX · cpu on Matrix multiply at n = 1024 (float32) (IQR 50%" in text
    table = bench_report.table_rows(rows)
    assert [t["noisy"] != "" for t in table] == [is_noisy(r) for r in rows]
    assert any(r["noisy"] != "no" for r in bench_report.chart_table(rows))


def test_only_noisy_timings_give_no_verdict():
    rows = [bench_rows.row(backend=b, median=1e-3, iqr=1e-3) for b in ("numpy", "torch")]
    text = bench_report.op_summary(rows, "matmul", "float32")
    assert "every timing was noisy, so there is no verdict" in text


def test_the_models_verdict_leaves_a_noisy_run_out():
    fake = models_rows.fake
    rows = [fake("torch", "PyTorch", 8, 1000), fake("mlx", "MLX", 8, 500)]
    for r in rows:
        r["repeats"] = 5
    rows[0]["iqr_s"] = rows[0]["median_s"]  # PyTorch "won" with a spread as large as its median
    text = " ".join(models_report.verdict(rows))
    assert "PyTorch** trains fastest" not in text and "Left out as noisy" in text and "only MLX trained it" in text
    assert any(t["noisy"].startswith("IQR 100%")
               for t in models_report.machine_table([{**r, "machine": "m"} for r in rows]))


def test_the_inference_verdict_leaves_a_noisy_generation_out():
    fake = inference_rows.fake
    rows = [fake("mlx", "MLX", 190, device="gpu"), fake("torch", "PyTorch", 100, device="mps")]
    rows[0]["repeats"], rows[1]["repeats"] = 2, 5  # MLX timed only two decode steps
    text = " ".join(inference_report.verdict(rows))
    assert "generates **1.9×**" not in text and "only **PyTorch** generated" in text
    assert "MLX · gpu · float16" in text.split("Left out as noisy")[1] and "2 samples, fewer than 3" in text


def test_files_say_which_rows_are_noisy_and_old_files_are_judged_by_the_same_rule():
    rows = noisy_bench()
    doc = json.loads(new_result_file("bench", rows, {"os": "Linux"}).to_json())
    for r in doc["results"]:
        r.pop("noisy", None)  # a file written before rows said so
    loaded = load(json.dumps(doc).encode())
    assert [r.get("noisy") for r in loaded.results] == [is_noisy(r) if r["status"] == "ok" else None for r in rows]
    assert "noisy" in new_result_file("bench", rows, {}).to_csv().decode().splitlines()[0].split(",")


def test_compare_marks_noisy_rows():
    loaded = compare.load_many([], samples=compare.SAMPLES)
    rows = compare.combined_rows(loaded, "bench")
    assert all("noisy" in r for r in rows if r["status"] == "ok")
    from kernels.bench import compare as bench_compare
    from kernels.bench.kind import BENCH
    from kernels.measure.compare import choices as compare_choices

    op, dtype = compare_choices(BENCH, rows)[0]
    size = bench_compare.largest_common_size(rows, op, dtype)
    table = bench_compare.compare_table(rows, op, dtype, size)
    at = [r for r in rows if r["status"] == "ok" and (r["op"], r["dtype"], r["size"]) == (op, dtype, size)]
    assert sorted(t["noisy"] for t in table) == sorted(noise(r) or "" for r in at)
