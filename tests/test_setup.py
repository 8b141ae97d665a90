"""Setting up: the interpreters make accepts (scripts/check_python.py); the Mac pin check's parsing."""
from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scripts import check_mac_pins
from scripts.check_python import NEWEST, OLDEST, OLDEST_MACOS, problem

ROOT = Path(__file__).resolve().parents[1]
CHECK = ROOT / "scripts" / "check_python.py"


def v(minor, micro=0):
    return (3, minor, micro, "final", 0)


@pytest.mark.parametrize("version,system,machine,release", [
    (v(11), "Darwin", "arm64", "14.0"),
    (v(12, 4), "Darwin", "arm64", "14.6.1"),
    (v(13), "Darwin", "arm64", "15.1"),
    (v(14), "Darwin", "arm64", "26.0"),
    (v(11), "Linux", "x86_64", ""),
    (v(14), "Linux", "aarch64", ""),
    (v(12), "Windows", "AMD64", ""),
    (v(13), "Darwin", "arm64", ""),        # release unknown: not held against it
])
def test_accepted(version, system, machine, release):
    assert problem(version, system, machine, release) is None


@pytest.mark.parametrize("version,system,machine,release,words", [
    ((2, 7, 18, "final", 0), "Darwin", "arm64", "14.0", ["Python 2.7.18 is too old", "streamlit 1.67", "3.11"]),
    (v(9, 6), "Darwin", "arm64", "14.0", ["Python 3.9.6 is too old", "streamlit 1.67 needs Python 3.11"]),
    (v(10, 13), "Linux", "x86_64", "", ["Python 3.10.13 is too old", "3.11-3.14"]),
    (v(15), "Linux", "x86_64", "", ["Python 3.15.0 is too new", "untested", "no wheels", "3.11-3.14"]),
    (v(16, 1), "Darwin", "arm64", "15.0", ["Python 3.16.1 is too new"]),
    (v(12), "Darwin", "x86_64", "14.5", ["x86_64", "Rosetta", "arm64 Python", "python.org",
                                         "`brew` under /opt/homebrew"]),
    (v(12), "Darwin", "x86_64", "12.7", ["install an arm64 Python"]),   # the arch first: it decides the wheels
    (v(13), "Darwin", "arm64", "13.6.1", ["macOS 13.6.1", "torch 2.13 and mlx 0.32 need macOS 14 or newer"]),
    (v(11), "Darwin", "arm64", "10.16", ["macOS 10.16", "macOS 14 or newer"]),
])
def test_refused_with_one_sentence_saying_what_to_do(version, system, machine, release, words):
    why = problem(version, system, machine, release)
    assert why is not None
    for w in words:
        assert w in why, (w, why)
    assert why.endswith(".") and "\n" not in why
    assert len(re.findall(r"\.\s+[A-Z]", why)) == 0, f"more than one sentence: {why}"


def test_the_range_is_3_11_to_3_14_on_macos_14():
    assert (OLDEST, NEWEST, OLDEST_MACOS) == ((3, 11), (3, 14), (14, 0))


def test_check_python_runs_on_old_pythons():
    """No syntax newer than 3.6, so an old python3 can still say it is too old."""
    source = CHECK.read_text()
    ast.parse(source, feature_version=(3, 6))
    assert not re.search(r"""\bf["']""", source), "no f-strings"
    assert source.isascii()


def test_check_python_accepts_this_interpreter():
    run = subprocess.run([sys.executable, str(CHECK)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout == run.stderr == ""


def makefile_candidates() -> list[str]:
    text = (ROOT / "Makefile").read_text()
    m = re.search(r"^CANDIDATES\s*:?=\s*(.+)$", text, re.M)
    assert m, "Makefile has no CANDIDATES list"
    return m.group(1).split()


def test_makefile_tries_3_14_first_and_never_3_10():
    names = makefile_candidates()
    assert names == ["python3.14", "python3.13", "python3.12", "python3.11", "python3"]
    text = (ROOT / "Makefile").read_text()
    assert "python3.10" not in text and "3, 10" not in text
    assert "scripts/check_python.py" in text


def fake_bin(tmp_path: Path, *names: str) -> Path:
    """A PATH folder whose interpreters are all this (accepted) Python under other names."""
    d = tmp_path / "bin"
    d.mkdir()
    for name in names:
        (d / name).symlink_to(sys.executable)
    return d


def make_n(path_dir: Path, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    make = shutil.which("make")
    if make is None:
        pytest.skip("no make on this machine")
    env = {k: val for k, val in os.environ.items() if k not in ("PYTHON", "MAKEFLAGS", "VENV")}
    env["PATH"] = str(path_dir)
    return subprocess.run([make, "-n", f"VENV={tmp_path / 'venv'}", *extra, "run"], cwd=ROOT,
                          env=env, capture_output=True, text=True)


def test_make_picks_python3_14_before_the_others(tmp_path):
    d = fake_bin(tmp_path, "python3", "python3.11", "python3.12", "python3.13", "python3.14")
    run = make_n(d, tmp_path)
    assert run.returncode == 0, run.stderr
    assert f"{d / 'python3.14'} -m venv {tmp_path / 'venv'}" in run.stdout


def test_make_never_tries_python3_10(tmp_path):
    d = fake_bin(tmp_path, "python3.10")
    run = make_n(d, tmp_path)
    assert "python3.10 -m venv" not in run.stdout
    assert 'if [ -z "" ]' in run.stdout   # nothing found: the recipe would explain and stop


def test_make_skips_a_candidate_that_fails_when_run(tmp_path):
    """Like a pyenv shim for an inactive version: on PATH, but running it fails."""
    d = fake_bin(tmp_path, "python3.12")
    shim = d / "python3.14"
    shim.write_text("#!/bin/sh\necho 'pyenv: python3.14: command not found' >&2\nexit 127\n")
    shim.chmod(0o755)
    run = make_n(d, tmp_path)
    assert run.returncode == 0, run.stderr
    assert f"{d / 'python3.12'} -m venv" in run.stdout


def test_make_stops_with_the_reason_when_only_an_old_python_is_found(tmp_path):
    d = tmp_path / "bin"
    d.mkdir()
    fake = d / "python3"   # runs, but stands for a 3.9: check_python.py's refusal must reach the user
    fake.write_text(f"#!{sys.executable}\n"
                    "import sys\n"
                    f"sys.path.insert(0, {str(CHECK.parent)!r})\n"
                    "import check_python\n"
                    "if sys.argv[1:2] == ['-c']:\n"
                    "    sys.exit(0)\n"
                    "why = check_python.problem((3, 9, 6, 'final', 0), 'Darwin', 'arm64', '14.0')\n"
                    "sys.stderr.write('/usr/bin/python3: ' + why + '\\n')\n"
                    "sys.exit(1)\n")
    fake.chmod(0o755)
    make = shutil.which("make")
    if make is None:
        pytest.skip("no make on this machine")
    env = {k: val for k, val in os.environ.items() if k not in ("PYTHON", "MAKEFLAGS", "VENV")}
    env["PATH"] = str(d)
    run = subprocess.run([make, f"VENV={tmp_path / 'venv'}", "run"], cwd=ROOT, env=env,
                         capture_output=True, text=True)
    assert run.returncode != 0
    assert "No usable Python among: python3.14 python3.13 python3.12 python3.11 python3." in run.stderr
    assert "/usr/bin/python3: Python 3.9.6 is too old" in run.stderr
    assert "make PYTHON=/path/to/python3.13 run" in run.stderr
    assert not (tmp_path / "venv").exists()


MAC_TEXT = """\
streamlit==1.67.0
torch==2.13.0  # a comment
mlx==0.32.4; sys_platform == "darwin" and platform_machine == "arm64"
mlx[cpu]==0.32.4; sys_platform == "linux"
"""


def test_mac_pins_keep_mlx_for_the_mac_and_drop_the_linux_build():
    pins = check_mac_pins.mac_pins(MAC_TEXT, "3.12")
    assert [str(p) for p in pins] == ["streamlit==1.67.0", "torch==2.13.0",
                                      'mlx==0.32.4; sys_platform == "darwin" and platform_machine == "arm64"']
    assert [check_mac_pins.pinned_version(p) for p in pins] == ["1.67.0", "2.13.0", "0.32.4"]


def test_mac_pins_of_the_real_requirements_include_mlx():
    text = (ROOT / "requirements.txt").read_text()
    for python in ("3.11", "3.14"):
        names = [p.name for p in check_mac_pins.mac_pins(text, python)]
        assert "mlx" in names and "torch" in names and "streamlit" in names
        assert not any(p.extras for p in check_mac_pins.mac_pins(text, python))   # not mlx[cpu]


def test_a_mac_pin_check_without_mlx_fails_before_asking_uv(monkeypatch):
    monkeypatch.setattr(check_mac_pins, "compile_for_mac",
                        lambda *a: pytest.fail("uv should not be run"))
    failures = check_mac_pins.check("3.12", 'mlx[cpu]==0.32.4; sys_platform == "linux"\n')
    assert failures and "pins no mlx for the Mac" in failures[0]


def test_resolved_reads_uv_output():
    out = "mlx==0.32.4\nmlx-metal==0.32.4\n    # via mlx\nTyping_Extensions==4.16.0\n"
    assert check_mac_pins.resolved(out) == {"mlx": "0.32.4", "mlx-metal": "0.32.4",
                                            "typing-extensions": "4.16.0"}
