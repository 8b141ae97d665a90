"""A kind of measurement is one package and one page (kernels.measure.kinds): a throwaway kind,
copied into a temporary ``kernels/toy`` on the path, is found by the result-file loader, Compare
machines, the command-line scaffold, the live run in its own process, the navigation and the
Measure page shell, with nothing else edited."""
from __future__ import annotations

import dataclasses
import json
import os
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import kernels
from kernels.measure import compare as kc
from kernels.measure import kinds
from kernels.measure.cli import kind_main
from kernels.measure.results import load, new_result_file, parse

TOY = Path(__file__).resolve().parent / "toy_kind"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def toy(tmp_path, monkeypatch):
    """The toy kind registered as a package of its own, here and in any Python started from here."""
    shutil.copytree(TOY, tmp_path / "kernels" / "toy", ignore=shutil.ignore_patterns("toy_page.py", "__pycache__"))
    shutil.copy(TOY / "toy_page.py", tmp_path / "toy_page.py")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")])))
    monkeypatch.setattr(kernels, "__path__", pkgutil.extend_path(list(kernels.__path__), "kernels"))
    kinds.forget()
    yield kinds.get("toy")
    kinds.forget()
    for name in [m for m in sys.modules if m == "kernels.toy" or m.startswith("kernels.toy.")]:
        del sys.modules[name]


def toy_rows(n: int = 100, machine: str | None = None) -> list[dict]:
    from kernels.toy.kind import ToyRow
    row = ToyRow.blank(backend="numpy", device="cpu", n=n, status="ok", message="", sums_per_s=1e6, median_s=1e-6,
                       iqr_s=0.0, min_s=1e-6, max_s=1e-6, repeats=5, calls_per_repeat=100)
    return [row | ({"machine": machine} if machine else {})]


def test_the_registry_finds_every_kind_by_its_package(toy):
    found = kinds.registered()
    assert list(found)[:4] == ["bench", "ceilings", "models", "inference"] and list(found)[-1] == "toy"
    assert toy.rows.fields == toy.row.columns() and toy.row.unit("sums_per_s") == "sums/s"
    for kind in found.values():  # each declares its row and its settings: a dataclass that says what it asked
        assert dataclasses.is_dataclass(kind.settings_type) and hasattr(kind.settings_type, "as_dict"), kind
        assert dataclasses.is_dataclass(kind.row) and "status" in kind.row.columns(), kind


def test_the_loader_reads_and_checks_a_new_kinds_file(toy):
    data = new_result_file("toy", toy_rows(), {"cpu": "Toy chip"}, {"n": 100}).to_json()
    loaded = parse(data)
    assert loaded.kind == "toy" and loaded.results[0]["n"] == 100 and loaded.settings == {"n": 100}
    doc = json.loads(data)
    doc["results"][0]["n"] = 0
    with pytest.raises(ValueError, match="n = 0, which should be a positive whole number"):
        parse(json.dumps(doc).encode())


def test_compare_machines_groups_a_new_kind_like_for_like(toy):
    files = [(f"{name}.json", new_result_file("toy", toy_rows(n), {"cpu": name, "os": "Linux"}).to_json())
             for name, n in (("A", 100), ("B", 100), ("C", 200))]
    loaded = kc.load_many(files)
    rows = kc.combined_rows(loaded, "toy")
    assert kc.choices(toy, rows) == [100, 200]
    assert {r["machine"] for r in kc.like_for_like(toy, rows, 100)} == {"A · Linux", "B · Linux"}


def test_the_command_line_scaffold_runs_a_new_kind(toy, tmp_path, capsys):
    out = tmp_path / "toy.json"
    assert kind_main(toy, ["--n", "50", "--out", str(out), "--quiet"]) == 0
    result = load(out)
    assert result.kind == "toy" and result.settings["n"] == 50 and [r["status"] for r in result.results] == ["ok"]
    assert "1 toy sums timed." in capsys.readouterr().out
    assert kind_main(toy, ["--n", "0", "--out", str(out)]) == 2
    assert "python -m kernels.toy: error: n must be from 1 to a million" in capsys.readouterr().err


def test_python_dash_m_runs_the_new_kinds_package(toy, tmp_path):
    out = tmp_path / "cli.json"
    done = subprocess.run([sys.executable, "-m", "kernels.toy", "--n", "20", "--out", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert load(out).results[0]["n"] == 20 and "[1/1] sum of 20: ok" in done.stderr


def test_the_navigation_and_the_page_shell_run_a_new_kind_live(toy):
    from ui import nav
    measure = [p.title for p in nav.pages() if p.section == "Measure"]
    assert measure == ["Benchmarks", "Small models", "Local inference", "Toy sums", "Compare machines"]
    at = AppTest.from_file(toy.page.script, default_timeout=60).run()
    assert not at.exception and at.title[0].value == "Toy sums"
    at.button(key="toy_run").click().run()  # the page follows the run until it ends
    assert not at.exception and any("1 toy sums timed." in m.value for m in at.markdown)
    assert [b for b in at.get("download_button")], "the session's result file is offered"
    runs = at.session_state["toy_runs"]
    assert runs[-1].rows[0]["n"] == 1000 and runs[-1].settings["n"] == 1000


def test_why_rows_did_not_run_is_said_once_per_library_and_reason_then_per_row():
    from kernels.measure.rows import notices

    rows = [{"backend": "numpy", "device": "cpu", "status": "unsupported", "message": "no transformer", "n": n}
            for n in (8, 16)]
    rows += [{"backend": "torch", "device": "cpu", "status": "refused", "message": "needs 9 GB", "n": 16},
             {"backend": "mlx", "device": "cpu", "status": "ok", "message": "", "n": 16}]
    said = notices(rows, size=lambda r: f"n = {r['n']}")
    assert [(n.status, n.name, n.size, n.message) for n in said] == [
        ("unsupported", "NumPy · cpu", "", "no transformer"), ("refused", "PyTorch · cpu", "n = 16", "needs 9 GB")]
