"""Has every pin in requirements.txt a wheel for an Apple-silicon Mac, on each Python make accepts?

    .venv/bin/python scripts/check_mac_pins.py          # Python 3.11-3.14 (scripts/check_python.py)
    .venv/bin/python scripts/check_mac_pins.py 3.15     # any versions named instead

For each Python version it asks uv (pinned in requirements-test.txt) to resolve requirements.txt
from PyPI for macOS 14 on arm64, wheels only, and checks that every pin whose environment marker
applies to that Mac (mlx included) comes out at its pinned version.  When a version fails it
resolves each pin on its own to name the pins that have no wheel there.  Needs the network (PyPI);
exits 1 on any failure.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_python import NEWEST, OLDEST, OLDEST_MACOS  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = ROOT / "requirements.txt"
PLATFORM = "aarch64-apple-darwin"
MACOS = f"{OLDEST_MACOS[0]}.{OLDEST_MACOS[1]}"
WHERE = f"macOS {MACOS} on arm64"
INDEX = "https://pypi.org/simple"


def mac_environment(python: str) -> dict[str, str]:
    """The marker environment of CPython `python` ('3.12') on an Apple-silicon Mac."""
    return {"sys_platform": "darwin", "platform_system": "Darwin", "platform_machine": "arm64",
            "os_name": "posix", "platform_python_implementation": "CPython",
            "implementation_name": "cpython", "python_version": python,
            "python_full_version": f"{python}.0", "extra": ""}


def mac_pins(text: str, python: str) -> list[Requirement]:
    """The requirements in `text` (requirements.txt's lines) that apply on a Mac with `python`."""
    pins = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate(mac_environment(python)):
            pins.append(req)
    return pins


def pinned_version(req: Requirement) -> str:
    (spec,) = req.specifier
    assert spec.operator == "==", f"not an exact pin: {req}"
    return spec.version


def compile_for_mac(requirements: str, python: str) -> subprocess.CompletedProcess:
    """`uv pip compile` of `requirements` (file text) for `python` on macOS 14 arm64, wheels."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "requirements.in"
        path.write_text(requirements)
        cmd = [sys.executable, "-m", "uv", "pip", "compile", str(path),
               "--python-platform", PLATFORM, "--python-version", python,
               "--only-binary", ":all:", "--default-index", INDEX,
               "--no-config", "--no-python-downloads", "--no-header", "--no-annotate", "--quiet"]
        env = dict(os.environ, MACOSX_DEPLOYMENT_TARGET=MACOS)
        return subprocess.run(cmd, capture_output=True, text=True, env=env)


def resolved(stdout: str) -> dict[str, str]:
    """{canonical name: version} from `uv pip compile` output."""
    out = {}
    for line in stdout.splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            out[canonicalize_name(name.split("[")[0])] = version.split(";")[0].strip()
    return out


def uv_reason(stderr: str) -> str:
    """uv's own explanation, on one line."""
    lines = [ln.strip() for ln in stderr.splitlines()
             if ln.strip() and not ln.lstrip().startswith("warning:")]
    return " ".join(lines) or "(uv said nothing)"


def check(python: str, text: str) -> list[str]:
    """Failure sentences for `python` on the Mac; [] when every Mac pin resolves to a wheel."""
    pins = mac_pins(text, python)
    if not any(canonicalize_name(p.name) == "mlx" for p in pins):
        return [f"Python {python}, {WHERE}: requirements.txt pins no mlx for the Mac "
                "(check its environment marker)."]
    run = compile_for_mac(text, python)
    if run.returncode != 0:
        failures = []
        for pin in pins:
            alone = compile_for_mac(f"{pin}\n", python)
            if alone.returncode != 0:
                failures.append(f"Python {python}, {WHERE}: {pin.name}=={pinned_version(pin)} "
                                "does not install there from wheels. "
                                f"uv: {uv_reason(alone.stderr)}")
        if not failures:
            failures.append(f"Python {python}, {WHERE}: each pin has a wheel on its own but "
                            f"together they do not resolve. uv: {uv_reason(run.stderr)}")
        return failures
    got = resolved(run.stdout)
    failures = []
    for pin in pins:
        want = pinned_version(pin)
        have = got.get(canonicalize_name(pin.name))
        if have != want:
            failures.append(f"Python {python}, {WHERE}: {pin.name} resolved to "
                            f"{have or 'nothing'}, not the pinned {want}.")
    if not failures:
        shown = ", ".join(f"{p.name}=={got[canonicalize_name(p.name)]}" for p in pins)
        print(f"mac-pins: ok   Python {python}, {WHERE}: {len(got)} packages, all wheels; "
              f"pins: {shown}")
    return failures


def main(argv: list[str]) -> int:
    versions = argv or [f"{OLDEST[0]}.{m}" for m in range(OLDEST[1], NEWEST[1] + 1)]
    text = REQUIREMENTS.read_text()
    failures = []
    for python in versions:
        failures += check(python, text)
    for failure in failures:
        print(f"mac-pins: FAIL {failure}", file=sys.stderr)
    if failures:
        print(f"mac-pins: requirements.txt does not install on every Python {' '.join(versions)} "
              f"on {WHERE}; change the pin, or the Python range in scripts/check_python.py and "
              "the README.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
