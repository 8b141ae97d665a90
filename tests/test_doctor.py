"""The self-check (``python -m kernels.doctor``): its rows, its report file, its failures, its GPU
branch (on a pretend GPU with a simulated clock), and the About page's Self-check section."""
from __future__ import annotations

import contextlib
import io
import json
import platform
from datetime import datetime

import pytest
import torch

from kernels import backends as kb
from kernels import doctor, memory
from kernels.backends import mlx_backend, mps_rules, torch_backend
from kernels.bench.ops import OPS
from tests.apptest import open_page
from tests.bench_fakes import pretend_gpu

ON_LINUX = platform.system() == "Linux"


@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    """One real run of the command line here: (exit status, stdout, stderr, the report file)."""
    path = tmp_path_factory.mktemp("doctor") / "report.json"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = doctor.main(["--out", str(path)])
    return code, out.getvalue(), err.getvalue(), json.loads(path.read_text(encoding="utf-8"))


def rows_of(checks, backend, device):
    return [c for c in checks if (c["backend"], c["device"]) == (backend, device)]


def test_cli_lists_the_six_pairs_in_order_and_exits_0(cli, libs):
    code, out, err, doc = cli
    assert code == 0, out
    pairs = list(dict.fromkeys((c["backend"], c["device"]) for c in doc["checks"]))
    assert pairs == list(doctor.PAIRS)
    for name, device in doctor.PAIRS:
        rows, found = rows_of(doc["checks"], name, device), libs[name].device(device)
        if not found.available:  # one row, with the library's own reason
            assert [(r["check"], r["status"], r["message"]) for r in rows] == [("device", "unavailable", found.note)]
            continue
        expected = list(doctor.CHECKS if device == libs[name].implicit_device() else doctor.CHECKS[:-1])
        assert [r["check"] for r in rows] == expected
        if found.note == mps_rules.LABEL:  # the MPS-rules mode: nothing runs asynchronously to check
            (sync,) = [r for r in rows if r["check"] == "synchronize"]
            assert sync["status"] == "unavailable" and "only be checked on a Mac" in sync["message"]
            rows = [r for r in rows if r is not sync]
        assert all(r["status"] == "ok" for r in rows), rows
    if ON_LINUX and not mps_rules.active():  # this machine: CPU-only torch and mlx[cpu]
        unavailable = {(c["backend"], c["device"]): c["message"] for c in doc["checks"] if c["status"] == "unavailable"}
        assert set(unavailable) == {("torch", "mps"), ("torch", "cuda"), ("mlx", "gpu")}
        assert unavailable["torch", "mps"].startswith("needs a Mac with Apple silicon")
    lines = out.splitlines()
    assert lines[0].split() == list(doctor.COLUMNS)
    assert len(lines) == len(doc["checks"]) + 3  # header, rule, rows, summary
    assert lines[-1].startswith(f"{len(doc['checks'])} checks: ")
    assert "checking PyTorch on mps…" in err


def test_cli_report_has_the_schema(cli):
    _code, _out, _err, doc = cli
    assert doc["schema"] == 1 and doc["kind"] == "doctor"
    assert {"os", "cpu", "libraries", "devices", "precision"} <= set(doc["machine"])
    datetime.fromisoformat(doc["created"])
    for check in doc["checks"]:
        assert set(doctor.COLUMNS) <= set(check)
        assert check["status"] in doctor.STATUSES


def test_what_each_check_reports_here(cli):
    checks = cli[3]["checks"]
    by = {(c["backend"], c["device"], c["check"]): c for c in checks}
    assert "nothing to wait for" in by["numpy", "cpu", "synchronize"]["message"]
    lazy = by["mlx", "cpu", "synchronize"]  # MLX is lazy on the CPU too: the evaluated call is far slower
    assert lazy["ratio"] >= doctor.SYNC_FACTOR and "waits" in lazy["message"]
    assert "There is no Stream" in by["mlx", "cpu", "threads"]["message"]
    assert by["mlx", "cpu", "threads"]["status"] == "ok"
    assert "mx.get_peak_memory()" in by["mlx", "cpu", "memory"]["message"]
    assert by["torch", "cpu", "import"]["version"] == torch.__version__.split("+")[0]
    conv = by["numpy", "cpu", "conversions"]
    assert conv["working"] <= conv["routes"] and f"{conv['working']} of {conv['routes']} routes" in conv["message"]


def test_a_bad_flag_is_one_line_and_exit_2(capsys):
    assert doctor.main(["--bogus"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("python -m kernels.doctor: error:") and "\n" not in err


def test_a_wrong_computation_fails_and_the_cli_exits_1(monkeypatch, capsys):
    monkeypatch.setitem(OPS["softmax"].impls, "torch", lambda x: torch.softmax(x, dim=0))  # the wrong axis
    monkeypatch.setattr(doctor, "PAIRS", (("torch", "cpu"),))
    monkeypatch.setattr(doctor, "CHECKS", ("import", "compute"))
    assert doctor.main(["--quiet"]) == 1
    out, err = capsys.readouterr()
    assert err == ""
    assert "failed" in out and "exceeds the float32 tolerance" in out


def test_a_backend_that_raises_gives_failed_with_its_first_line(libs, monkeypatch):
    def broken(lib, array, device, dtype):
        raise RuntimeError("MPS backend out of memory (MPS allocated: 1 GB)\nTried to allocate 2 GB")

    monkeypatch.setattr(torch_backend, "from_numpy", broken)
    rows = doctor.run_checks(libs, pairs=[("torch", "cpu")], checks=("import", "compute", "threads"))
    assert [r["status"] for r in rows] == ["ok", "failed", "failed"]
    assert rows[1]["message"] == "RuntimeError: MPS backend out of memory (MPS allocated: 1 GB)"
    assert doctor.failed(rows)


def test_a_library_that_is_missing_or_broken(monkeypatch):
    def not_installed():
        raise ModuleNotFoundError("No module named 'mlx'")

    monkeypatch.setattr(mlx_backend, "load", not_installed)
    rows = doctor.run_checks(kb.discover(), pairs=[("mlx", "gpu"), ("mlx", "cpu")])
    assert [(r["check"], r["status"]) for r in rows] == [("import", "unavailable")] * 2
    assert "install it with: pip install" in rows[0]["message"]

    def broken():
        raise OSError("dlopen(libmlx.dylib): Symbol not found\nmore")

    monkeypatch.setattr(mlx_backend, "load", broken)
    (row,) = doctor.run_checks(kb.discover(), pairs=[("mlx", "cpu")])
    assert (row["status"] == "failed"
            and row["message"] == "MLX does not import: OSError: dlopen(libmlx.dylib): Symbol not found")


def simulated_clock(impl, wait_s: float):
    """A clock that advances 0.1 ms per reading, plus ``wait_s`` for each synchronisation since the
    last reading: a GPU whose synchronisation waits for its work (or, with 0, returns at once)."""
    state = {"t": 0.0, "seen": 0}

    def clock():
        state["t"] += 1e-4 + wait_s * (impl.syncs - state["seen"])
        state["seen"] = impl.syncs
        return state["t"]

    return clock


@pytest.mark.parametrize("wait_s, status", [(0.05, "ok"), (0.0, "failed")])
def test_gpu_synchronize_counts_and_needs_the_wait(libs, monkeypatch, wait_s, status):
    gpu, impl = pretend_gpu(libs["numpy"])
    monkeypatch.setattr(doctor, "GPU_SYNC_SIZE", 32)
    monkeypatch.setattr(doctor, "clock", simulated_clock(impl, wait_s))
    row = doctor.check_row("synchronize", gpu, "gpu")
    assert impl.syncs == 1 + 2 * doctor.SYNC_REPEATS  # the warm-up, then one untimed and one timed per repeat
    assert row["status"] == status, row
    assert row["size"] == 32
    if status == "failed":
        assert "synchronisation did not wait" in row["message"]
    else:
        assert row["ratio"] >= doctor.SYNC_FACTOR


def test_gpu_compute_and_threads_run_on_the_device(libs):
    gpu, impl = pretend_gpu(libs["torch"])
    compute = doctor.check_row("compute", gpu, "gpu")
    threads = doctor.check_row("threads", gpu, "gpu")
    assert compute["status"] == "ok" and "float32 tolerance" in compute["message"]
    assert threads["status"] == "ok"
    assert impl.syncs >= 1 + 3  # compute waits once; each thread's step waits


def test_a_tf32_gpu_is_checked_with_a_tf32_tolerance(libs):
    gpu, impl = pretend_gpu(libs["numpy"])
    impl.precision = lambda lib: {"setting": "MLX_ENABLE_TF32 unset", "float32_matmul": "tf32"}
    row = doctor.check_row("compute", gpu, "gpu")
    assert row["status"] == "ok" and "reduced precision: tf32 tolerance" in row["message"]
    assert row["tolerance"] > 1e-3


def test_the_table_is_fixed_width():
    rows = [doctor.row("numpy", "cpu", "import", "ok", "NumPy"),
            doctor.row("torch", "cuda", "device", "unavailable", "no GPU")]
    lines = doctor.table_text(rows).splitlines()
    starts = {line.rindex(word) for line, word in zip(lines, ["message", "-------", "NumPy", "no GPU"])}
    assert len(starts) == 1
    assert doctor.summary(rows) == "2 checks: 1 ok, 1 unavailable"


def test_about_page_shows_memory_method_precision_and_runs_the_self_check():
    at = open_page("app_pages/about.py")
    system = at.table[0].value
    memory_cell = system.iloc[2, 1]
    assert f"measured by {memory.available().method}" in memory_cell
    precision = at.dataframe[0].value
    assert list(precision["library"]) == ["NumPy", "PyTorch", "MLX"]
    assert "MLX_ENABLE_TF32" in precision.set_index("library").loc["MLX", "setting"]
    assert any("MLX_ENABLE_TF32=0" in c.value for c in at.caption)
    assert any("python -m kernels.doctor --out doctor-report.json" in m.value for m in at.markdown)

    next(b for b in at.button if b.label == "Run the self-check").click().run()
    assert not at.exception, at.exception
    table = at.dataframe[1].value
    assert list(table.columns) == list(doctor.COLUMNS)
    assert set(table["status"]) <= set(doctor.STATUSES)
    assert ("torch", "mps", "unavailable") in set(zip(table["backend"], table["device"], table["status"]))
    report = at.session_state["about_doctor_report"]
    assert json.loads(doctor.to_json(report))["checks"] == report["checks"]  # plain data only
    assert any("checks:" in t.value for t in at.text)


def test_about_gives_the_command_that_gets_each_device_missing_here(libs):
    """"What is missing, and how to get it" gives a command for a device as it does for a library:
    the install that brings it, and the hardware it needs."""
    from tests.apptest import open_page

    at = open_page("app_pages/about.py")
    commands = [c.value for c in at.code if c.language == "bash"]
    for b in libs.values():
        for d in b.devices:
            if b.available and not d.available:
                assert b.device_install(d.name) in commands, (b.name, d.name)
    if any(not d.available for d in libs["torch"].devices if d.name == "mps"):
        assert any(f"pip install torch=={libs['torch'].version.split('+')[0]}" in c for c in commands)
