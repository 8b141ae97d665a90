"""``python -m kernels.bench``: end to end at tiny sizes, and bad flags."""
from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from kernels.bench import OPS
from kernels.bench.cli import main
from kernels.measure.results import load
from tests.devices import PAIRS

ROOT = Path(__file__).resolve().parents[1]
TINY = ["--sizes", "4,8", "--budget", "0", "--warmup", "1", "--min-repeats", "1", "--max-repeats", "2"]


def test_writes_the_result_file_and_shows_progress(tmp_path, capsys):
    out = tmp_path / "results.json"
    code = main(["--ops", "matmul,softmax", "--backends", "numpy,torch,mlx", "--devices", "auto",
                 "--dtype", "float32", *TINY, "--out", str(out)])
    assert code == 0
    result = load(out)
    rows = result.results
    pairs = [(b, d) for b, d, _kind in PAIRS]  # "auto": every available device of every library
    n = 2 * 2 * len(pairs)
    assert len(rows) == n
    assert {(r["op"], r["size"], r["backend"], r["device"]) for r in rows} == {
        (op, size, b, d) for op in ("matmul", "softmax") for size in (4, 8) for b, d in pairs}
    assert all(r["status"] == "ok" and r["correct"] for r in rows)
    assert result.machine["libraries"]["torch"] and result.settings["budget_s"] == 0.0
    err = capsys.readouterr().err
    last = rows[-1]
    assert f"[{n}/{n}] softmax n=8 float32 {last['backend']}/{last['device']}: ok" in err
    assert f"{n} rows ({n} ok) written to" in err


def test_csv_by_flag_or_extension(tmp_path, capsys):
    for args, name in ((["--format", "csv"], "a.out"), ([], "b.csv")):
        out = tmp_path / name
        assert main(["--ops", "add", "--backends", "numpy", *TINY, "--quiet", "--out", str(out), *args]) == 0
        rows = list(csv.DictReader(io.StringIO(out.read_text())))
        assert [(r["op"], r["size"], r["status"]) for r in rows] == [("add", "4", "ok"), ("add", "8", "ok")]
    assert capsys.readouterr().err == ""  # --quiet


def test_unsupported_combinations_are_rows_not_failures(tmp_path):
    out = tmp_path / "r.json"
    assert main(["--ops", "transfer,add", "--dtype", "bfloat16", "--devices", "all", *TINY, "--quiet",
                 "--out", str(out)]) == 0
    rows = load(out).results
    assert {r["status"] for r in rows if r["op"] == "transfer"} == {"unsupported"}
    numpy_add = [r for r in rows if r["op"] == "add" and r["backend"] == "numpy"]
    assert numpy_add and all("bfloat16" in r["message"] for r in numpy_add)


@pytest.mark.parametrize("argv,words", [
    (["--ops", "matmul,fft"], "unknown op 'fft'; valid ops: " + ", ".join(OPS)),
    (["--backends", "numpy,jax"], "unknown backend 'jax'; valid backends: numpy, torch, mlx"),
    (["--dtype", "int8"], "unknown dtype 'int8'; valid dtypes: float32, float16, bfloat16, float64"),
    (["--devices", "tpu"], "unknown device 'tpu'; valid devices: cpu, cuda, gpu, mps"),
    (["--sizes", "256,big"], "--sizes needs positive whole numbers"),
    (["--sizes", "0"], "--sizes needs positive whole numbers"),
    (["--budget", "soon"], "invalid float value"),
    (["--format", "xml"], "invalid choice"),
    (["--frobnicate"], "unrecognized arguments: --frobnicate"),
    (["--min-repeats", "5", "--max-repeats", "2"], "min-repeats"),
])
def test_bad_flags_get_one_line_and_exit_2(argv, words, capsys, tmp_path):
    assert main([*argv, "--out", str(tmp_path / "never.json")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("python -m kernels.bench: error: ")
    assert words in err
    assert not (tmp_path / "never.json").exists()


def test_help_explains_every_flag(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for flag in ("--ops", "--sizes", "--backends", "--devices", "--dtype", "--budget", "--out", "--format",
                 "--warmup", "--min-repeats", "--max-repeats", "--seed", "--quiet"):
        assert flag in text
    for name, op in OPS.items():
        assert name in text and op.size_means in text
    assert "mx.eval" in text and "unsupported" in text


def test_module_entry_point_writes_to_stdout():
    proc = subprocess.run(
        [sys.executable, "-m", "kernels.bench", "--ops", "add", "--backends", "numpy,mlx", "--sizes", "4",
         "--budget", "0", "--min-repeats", "1", "--max-repeats", "1", "--out", "-", "--format", "csv"],
        cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert [(r["backend"], r["status"]) for r in rows] == [("numpy", "ok"), ("mlx", "ok")]
    assert "[2/2] add n=4 float32 mlx/cpu: ok" in proc.stderr
