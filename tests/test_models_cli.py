"""``python -m kernels.models``: end to end at tiny sizes, --help, and bad flags (one line, exit 2)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kernels.measure.results import load
from kernels.models.cli import main
from tests.test_models_runner import one_size

ROOT = Path(__file__).resolve().parents[1]
FIELDS = ("model", "backend", "device", "batch", "width", "steps", "status", "initial_loss", "final_loss",
          "steps_per_s", "message", "losses", "peak_memory_bytes")


def test_command_end_to_end(tmp_path):
    out = tmp_path / "models.json"
    proc = subprocess.run(
        [sys.executable, "-m", "kernels.models", "--model", "mlp", "--batch", "4,8", "--width", "8", "--steps", "4",
         "--backends", "torch,mlx", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    doc = load(out)
    assert doc.kind == "models" and doc.machine["libraries"]["torch"]
    rows = doc.results
    runs = one_size(["torch", "mlx"])
    assert [(r["backend"], r["device"], r["variant"], r["batch"]) for r in rows] == [
        (*run, batch) for batch in (4, 8) for run in runs]
    for r in rows:
        assert all(k in r for k in FIELDS)
        assert r["status"] == "ok" and r["steps_per_s"] > 0 and len(r["losses"]) == 4
    assert f"[{len(rows)}/{len(rows)}]" in proc.stderr and "written to" in proc.stderr
    assert "steps/s" in proc.stdout  # a verdict, or the tiny runs named as too noisy for one
    assert any(words in proc.stdout for words in ("trains fastest", "about even", "Left out as noisy"))


def test_transformer_in_process(tmp_path, capsys):
    out = tmp_path / "t.json"
    code = main(["--model", "transformer", "--batch", "2", "--width", "8", "--seq-len", "4", "--steps", "3",
                 "--depth", "1", "--backends", "numpy,torch", "--optimizer", "sgd", "--quiet", "--out", str(out)])
    assert code == 0
    rows = load(out).results
    assert [r["status"] for r in rows] == ["unsupported"] + ["ok"] * len(one_size(["torch"]))
    assert rows[1]["seq_len"] == 4 and rows[1]["optimizer"] == "sgd"
    captured = capsys.readouterr()
    assert captured.err == "" and "Tiny transformer" in captured.out


def test_help_lists_models_and_example(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert "--model {mlp,transformer}" in text and "--out models.json" in text and "mx.compile" in text


@pytest.mark.parametrize("argv,words", [
    (["--model", "cnn"], ("invalid choice: 'cnn'", "mlp", "transformer")),
    (["--backends", "torch,jax"], "unknown backend 'jax'; valid backends: numpy, torch, mlx"),
    (["--devices", "tpu"], "unknown device 'tpu'; valid devices:"),
    (["--batch", "0"], "--batch needs whole numbers from 1 to 4096"),
    (["--width", "big"], "--width needs whole numbers from 4 to 4096"),
    (["--model", "transformer", "--width", "30"], "multiple of 4"),
    (["--steps", "1"], "steps must be a whole number from 2 to 5000"),
    (["--optimizer", "lion"], ("invalid choice: 'lion'", "adam", "sgd")),
    (["--frobnicate"], "unrecognized arguments: --frobnicate"),
])
def test_bad_flags_get_one_line_and_exit_2(argv, words, capsys, tmp_path):
    assert main([*argv, "--out", str(tmp_path / "x.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("python -m kernels.models: error: ") and err.count("\n") == 1
    for w in (words,) if isinstance(words, str) else words:  # argparse quotes choices or not, by version
        assert w in err
    assert not (tmp_path / "x.json").exists()
