"""Machine facts, the memory guard, and the pins in requirements.txt."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from kernels import machine, memory
from kernels.backends import PINS

ROOT = Path(__file__).resolve().parents[1]


def test_machine_info_has_what_a_result_file_needs(libs):
    info = machine.machine_info(libs)
    for key in ("os", "cpu", "cores", "memory_bytes", "python", "libraries", "devices", "arch"):
        assert info[key], key
    assert info["libraries"] == {n: PINS[n] for n in ("numpy", "torch", "mlx")}
    assert "cpu" in info["devices"]["torch"]


def test_cpu_name_on_a_mac_reads_the_chip(monkeypatch):
    monkeypatch.setattr(machine.platform, "system", lambda: "Darwin")
    monkeypatch.setattr(machine.subprocess, "run",
                        lambda *a, **k: subprocess.CompletedProcess(a, 0, stdout="Apple M3 Pro\n"))
    assert machine.cpu_name() == "Apple M3 Pro"


def test_os_name_on_a_mac(monkeypatch):
    monkeypatch.setattr(machine.platform, "system", lambda: "Darwin")
    monkeypatch.setattr(machine.platform, "mac_ver", lambda: ("15.1", ("", "", ""), "arm64"))
    assert machine.os_name() == "macOS 15.1"


def test_memory_guard_refuses_with_the_numbers():
    with pytest.raises(memory.TooLarge, match=r"needs about 8\.0 GiB.*4\.0 GiB allowed.*8\.0 GiB available"):
        memory.check_fits(8 * 2**30, "a 32768×65536 float32 array", available=8 * 2**30)
    memory.check_fits(2**30, available=8 * 2**30)  # fits: no exception


def test_memory_guard_uses_live_memory():
    with pytest.raises(memory.TooLarge):
        memory.check_fits(memory.total_bytes() * 2)


@pytest.mark.parametrize("n,text", [(512, "512 B"), (1536, "1.5 KiB"), (3 * 2**30, "3.0 GiB")])
def test_human_bytes(n, text):
    assert memory.human_bytes(n) == text


def test_requirements_pin_exact_versions_with_platform_markers():
    lines = [ln.split("#")[0].strip() for ln in (ROOT / "requirements.txt").read_text().splitlines()]
    lines = [ln for ln in lines if ln]
    for ln in lines:
        assert re.match(r"^[A-Za-z0-9_.\[\]-]+==[0-9][^;\s]*(\s*;.+)?$", ln), f"not an exact pin: {ln}"
    assert f"torch=={PINS['torch']}" in lines
    assert f"numpy=={PINS['numpy']}" in lines
    mlx = [ln for ln in lines if ln.startswith("mlx")]
    assert any(ln.startswith(f"mlx=={PINS['mlx']};") and "darwin" in ln for ln in mlx)
    assert any(ln.startswith(f"mlx[cpu]=={PINS['mlx']};") and "linux" in ln for ln in mlx)


def test_kernels_never_imports_streamlit():
    offenders = [p.relative_to(ROOT).as_posix() for p in (ROOT / "kernels").rglob("*.py")
                 if re.search(r"^\s*(import|from)\s+streamlit", p.read_text(), re.M)]
    assert offenders == []


def test_server_listens_on_localhost_only():
    config = (ROOT / ".streamlit" / "config.toml").read_text()
    assert re.search(r'^address\s*=\s*"localhost"', config, re.M)
    assert re.search(r"^gatherUsageStats\s*=\s*false", config, re.M)
