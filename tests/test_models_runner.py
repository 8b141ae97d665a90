"""Small models: planning, rows that never raise, the verdict computed from rows, the result file."""
from __future__ import annotations

import dataclasses
import json
import math

import pytest

from kernels import memory
from kernels.measure.results import load, new_result_file
from kernels.models import ROW_FIELDS, config, plan, report, run, runner

TINY = config.RunSpec(model="mlp", batch=4, width=8, steps=4)


def one_size(names=("numpy", "torch", "mlx")) -> list[tuple[str, str, str]]:
    """(library, device, variant) of one size's runs, in order: every device this machine has of each
    library in ``names``, eager, and for MLX also compiled."""
    from tests.devices import PAIRS

    return [(b, d, v) for b, d, _kind in PAIRS if b in names
            for v in (("eager", "compiled") if b == "mlx" else ("eager",))]


def rows_for(spec, backends):
    return [p.row for p in run(plan([spec], backends), backends)]


def test_plan_covers_every_library_device_and_variant(libs):
    tasks = plan(config.sweep(TINY.with_(batch=16), "batch"), libs)
    runs = one_size()
    assert runs[:2] == [("numpy", "cpu", "eager"), ("torch", "cpu", "eager")]
    assert [t.spec.batch for t in tasks[::len(runs)]] == [4, 8, 16]
    assert [(t.backend, t.device, t.variant) for t in tasks] == runs * 3


@pytest.mark.parametrize("bad,words", [
    (dict(batch=0), "batch must be a whole number from 1 to 4096"),
    (dict(model="cnn"), "unknown model 'cnn'; choose from mlp, transformer"),
    (dict(optimizer="lion"), "choose from adam, sgd"),
    (dict(model="transformer", width=30), "multiple of 4"),
    (dict(lr=-1.0), "positive number"),
])
def test_plan_refuses_bad_settings_before_running(bad, words, libs):
    with pytest.raises(ValueError, match=words):
        plan([TINY.with_(**bad)], libs)


def test_rows_have_every_field_and_numbers(libs):
    rows = rows_for(TINY, libs)
    assert [r["status"] for r in rows] == ["ok"] * len(one_size())
    for r in rows:
        assert tuple(r) == ROW_FIELDS
        assert r["steps_per_s"] > 0 and r["repeats"] == TINY.steps - TINY.warmup
        assert r["initial_loss"] == r["losses"][0] and r["final_loss"] == r["losses"][-1]
        assert r["params"] == config.param_count(TINY)
    peaks = {(r["backend"], r["device"]): (r["peak_memory_bytes"], r["memory_note"]) for r in rows}
    assert peaks["mlx", "cpu"][0] > 0 and "mx.get_peak_memory" in peaks["mlx", "cpu"][1]
    assert peaks["torch", "cpu"][0] is None and peaks["torch", "cpu"][1].startswith("n/a")
    for device in ("mps", "cuda"):  # a GPU keeps a peak: the same statistic on both
        if ("torch", device) in peaks:
            assert peaks["torch", device][0] > 0 and "max_memory_allocated" in peaks["torch", device][1]


def test_numpy_has_no_transformer_and_says_why(libs):
    spec = config.RunSpec(model="transformer", batch=2, width=8, seq_len=4, steps=2, depth=1)
    row = rows_for(spec, {"numpy": libs["numpy"]})[0]
    assert row["status"] == "unsupported" and "no autograd" in row["message"]


def test_missing_library_is_a_row_with_the_install_command(libs):
    gone = dataclasses.replace(libs["mlx"], available=False, error="ModuleNotFoundError: No module named 'mlx'",
                               devices=(), default_device=None, lib=None)
    rows = rows_for(TINY, {"torch": libs["torch"], "mlx": gone})
    assert [r["status"] for r in rows] == ["ok"] * len(one_size(["torch"])) + ["unsupported"]
    assert rows[-1]["device"] == "" and "not installed" in rows[-1]["message"] and "pip install" in rows[-1]["message"]


def test_a_size_that_would_not_fit_is_refused(monkeypatch, libs):
    monkeypatch.setattr(memory, "available_bytes", lambda: 1 << 20)
    big = TINY.with_(batch=4096, width=4096)
    assert "needs about" in runner.memory_refusal(big)
    rows = rows_for(big, {"torch": libs["torch"]})
    assert rows[0]["status"] == "refused" and "choose a smaller size" in rows[0]["message"]


def test_a_library_error_becomes_an_error_row(monkeypatch, libs):
    module = runner.library_module("torch")

    class Broken(module.Trainer):
        def step(self, x, y):
            raise RuntimeError("mat1 and mat2 shapes cannot be multiplied\nsecond line")

    monkeypatch.setattr(module, "Trainer", Broken)
    row = rows_for(TINY, {"torch": libs["torch"]})[0]
    assert row["status"] == "error" and row["message"] == "RuntimeError: mat1 and mat2 shapes cannot be multiplied"


def test_sweep_halves_down_from_the_chosen_size():
    assert [s.batch for s in config.sweep(TINY.with_(batch=64), "batch")] == [16, 32, 64]
    assert [s.width for s in config.sweep(config.RunSpec(model="transformer", width=8), "width")] == [4, 8]
    assert config.sweep(TINY, "seq_len") == [TINY] and config.sweep(TINY, None) == [TINY]


# --- the verdict ------------------------------------------------------------------------------

def fake(backend, label, batch, speed, variant="eager", device="cpu", losses=(2.3, 2.2)):
    return {"model": "mlp", "backend": backend, "label": label, "variant": variant, "device": device,
            "batch": batch, "width": 64, "seq_len": None, "depth": 2, "optimizer": "adam", "lr": 1e-3,
            "steps": 2, "status": "ok", "steps_per_s": speed, "median_s": 1 / speed, "iqr_s": 0.0,
            "losses": list(losses), "initial_loss": losses[0], "final_loss": losses[-1]}


def test_verdict_names_the_winner_per_size_and_by_how_much():
    rows = [fake("torch", "PyTorch", 8, 1000), fake("mlx", "MLX", 8, 500), fake("mlx", "MLX", 8, 800, "compiled"),
            fake("torch", "PyTorch", 64, 300), fake("mlx", "MLX", 64, 600, device="gpu"),
            fake("torch", "PyTorch", 256, 100), fake("mlx", "MLX", 256, 250, device="gpu")]
    text = " ".join(report.verdict(rows))
    assert "At batch 8, **PyTorch** trains fastest (on cpu): 1.2× the steps per second of MLX" in text
    assert "At batch 64 and 256, **MLX** trains fastest (on gpu): 2.0–2.5× the steps per second of PyTorch" in text
    assert "width 64" in text and "Adam" in text
    assert "are identical at every step" in text
    entry = report.comparison(rows)[0]
    assert (entry["winner"], entry["runner_up_row"], round(entry["ratio"], 2)) == (
        "torch", "MLX · cpu · compiled", 1.25)


def test_a_winner_on_several_devices_or_variants_says_which_at_which_size():
    """One library fastest at every size, compiled at some and eager at others: each way it ran is
    named once, with its sizes, never run together into one list ("on cpu, compiled, cpu")."""
    rows = [fake("mlx", "MLX", 8, 900, "compiled"), fake("torch", "PyTorch", 8, 500),
            fake("mlx", "MLX", 16, 700), fake("torch", "PyTorch", 16, 400),
            fake("mlx", "MLX", 32, 600), fake("torch", "PyTorch", 32, 300)]
    text = " ".join(report.verdict(rows))
    assert "**MLX** trains fastest (compiled on cpu at batch 8; on cpu at batch 16 and 32)" in text
    assert "cpu, compiled, cpu" not in text


def test_verdict_pairs_three_libraries_and_calls_close_results_even():
    rows = [fake("numpy", "NumPy", 8, 1000), fake("torch", "PyTorch", 8, 950), fake("mlx", "MLX", 8, 400),
            fake("numpy", "NumPy", 32, 200), fake("torch", "PyTorch", 32, 190), fake("mlx", "MLX", 32, 300)]
    text = " ".join(report.verdict(rows))
    assert "At batch 8, NumPy and PyTorch are about even" in text
    assert "At batch 32, **MLX** trains fastest" in text
    assert "PyTorch against MLX: faster at 1 of 2 sizes (2.4×), slower at 1 (1.6×)" in text


def test_verdict_with_nothing_to_compare():
    assert report.verdict([]) == ["No run finished, so there is nothing to compare yet."]
    one = " ".join(report.verdict([fake("mlx", "MLX", 8, 10)]))
    assert "only MLX trained it here" in one
    # A run stopped part way: two libraries, but never at the same size.
    apart_sizes = " ".join(report.verdict([fake("mlx", "MLX", 8, 10), fake("torch", "PyTorch", 16, 10)]))
    assert "only MLX and PyTorch trained it here at any one size" in apart_sizes and "yet" in apart_sizes
    apart = report.verdict([fake("mlx", "MLX", 8, 10, losses=(2.3, 2.0)), fake("torch", "PyTorch", 8, 10)])
    assert "differ by up to 0.2" in apart[-1]


# --- the result file --------------------------------------------------------------------------

def test_result_file_round_trip(tmp_path):
    row = {**fake("mlx", "MLX", 8, 10), "final_loss": math.nan, "losses": [2.3, math.inf], "message": ""}
    path = tmp_path / "models.json"
    path.write_bytes(new_result_file("models", [row], {"os": "test"}, {"steps": 2}).to_json())
    loaded = load(path)
    assert (loaded.schema, loaded.kind, loaded.machine) == (1, "models", {"os": "test"})
    assert loaded.results[0]["final_loss"] is None and loaded.results[0]["losses"] == [2.3, None]
    assert list(loaded.results[0])[:len(ROW_FIELDS)] == list(ROW_FIELDS)


def test_a_models_file_is_read_as_models_and_a_bench_file_as_bench(tmp_path):
    bench = tmp_path / "bench.json"
    bench.write_text(json.dumps({"schema": 1, "machine": {}, "created": "2025-01-01T00:00:00", "results": []}))
    assert load(bench).kind == "bench"
    with pytest.raises(ValueError, match="not valid JSON"):
        load(b"{")
    broken = json.loads(new_result_file("models", [{**fake("mlx", "MLX", 8, 10), "message": ""}], {}).to_json())
    broken["results"][0]["losses"] = "down"
    with pytest.raises(ValueError, match="losses = 'down', which should be a list of numbers"):
        load(json.dumps(broken).encode())


def test_the_verdict_says_why_mlx_on_its_linux_cpu_build_is_slow(libs):
    from kernels.machine import machine_info

    rows = [fake("numpy", "NumPy", 8, 1000), fake("mlx", "MLX", 8, 100)]
    text = " ".join(report.verdict(rows, machine_info(libs)))
    assert ("reference BLAS" in text) == bool(libs["mlx"].caveat("cpu"))
    assert "reference BLAS" not in " ".join(report.verdict(rows, {"caveats": {}}))
