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
    calls = []

    def sysctl(args, **kwargs):
        calls.append(args)
        return subprocess.CompletedProcess(args, 0, stdout="Apple M3 Pro\n")

    monkeypatch.setattr(machine.platform, "system", lambda: "Darwin")
    monkeypatch.setattr(machine.subprocess, "run", sysctl)
    assert machine.cpu_name() == "Apple M3 Pro"
    # By its path: a PATH without /usr/sbin (a venv's activate script, launchd) must not hide it.
    assert calls[0][0] == "/usr/sbin/sysctl"


def test_machine_info_records_what_changes_float32_results(libs):
    precision = machine.machine_info(libs)["precision"]
    assert precision["mlx"]["setting"].startswith("MLX_ENABLE_TF32")
    assert precision["mlx"]["float32_matmul"] == "float32"  # the CPU build has no TF32
    assert "get_float32_matmul_precision" in precision["torch"]["setting"]


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


# vm_stat on a 16 GiB Apple-silicon Mac (16 KiB pages) with a large file cache: psutil's
# "available" (free + inactive) is 3.6 GiB here, while macOS can hand out far more.
VM_STAT = """Mach Virtual Memory Statistics: (page size of 16384 bytes)
Pages free:                                6000.
Pages active:                            380000.
Pages inactive:                          230000.
Pages speculative:                         2000.
Pages throttled:                              0.
Pages wired down:                        150000.
Pages purgeable:                          20000.
"Translation faults":                 987654321.
Pages copy-on-write:                   12345678.
Pages zero filled:                    123456789.
Pages reactivated:                       345678.
Pages purged:                             45678.
File-backed pages:                       330000.
Anonymous pages:                         280000.
Pages stored in compressor:              150000.
Pages occupied by compressor:             50000.
Decompressions:                          123456.
Compressions:                            234567.
Pageins:                                 345678.
Pageouts:                                  4567.
Swapins:                                      0.
Swapouts:                                     0.
"""


def test_macos_available_memory_counts_what_macos_can_hand_out():
    total = 16 * 2**30
    # in use = app memory (anonymous − purgeable) + wired + compressed = (260000 + 150000 + 50000) pages
    expected = total - (260_000 + 150_000 + 50_000) * 16384
    assert memory.macos_available(VM_STAT, total) == expected
    assert expected > (6000 + 230000) * 16384  # more than psutil's free + inactive
    assert memory.macos_available("not vm_stat output", total) is None


def test_the_guard_on_a_mac_uses_vm_stat_not_psutil(monkeypatch):
    monkeypatch.setattr(memory.platform, "system", lambda: "Darwin")
    monkeypatch.setattr(memory, "total_bytes", lambda: 16 * 2**30)
    monkeypatch.setattr(memory.subprocess, "run",
                        lambda args, **k: subprocess.CompletedProcess(args, 0, stdout=VM_STAT))
    found = memory.available()
    assert found.bytes == memory.macos_available(VM_STAT, 16 * 2**30) and "vm_stat" in found.method
    # 4 GiB fits in half of the ~8.98 GiB macOS can hand out; half of psutil's 3.6 GiB would refuse it.
    memory.check_fits(4 * 2**30)


def test_the_guard_on_a_mac_falls_back_to_psutil_and_says_so(monkeypatch):
    monkeypatch.setattr(memory.platform, "system", lambda: "Darwin")

    def no_vm_stat(*a, **k):
        raise FileNotFoundError("vm_stat")

    monkeypatch.setattr(memory.subprocess, "run", no_vm_stat)
    assert "underestimate" in memory.available().method


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
