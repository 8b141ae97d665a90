"""Facts about this machine: OS, chip, memory, Python, libraries and their devices."""
from __future__ import annotations

import functools
import os
import platform
import re
import subprocess
import sys
from collections.abc import Mapping

from . import memory
from .backends import Backend

SYSCTL = "/usr/sbin/sysctl"  # by its path: a PATH without /usr/sbin (a venv, a launchd job) must not hide it
SYSTEM_PROFILER = "/usr/sbin/system_profiler"


def cpu_name() -> str:
    """The chip's marketing name: ``Apple M3 Pro`` on a Mac, the model name on Linux."""
    system = platform.system()
    if system == "Darwin":
        try:
            out = subprocess.run([SYSCTL, "-n", "machdep.cpu.brand_string"], capture_output=True,
                                 text=True, timeout=2)
            if out.stdout.strip():
                return out.stdout.strip()
        except (OSError, subprocess.SubprocessError):
            pass
    elif system == "Linux":
        try:
            with open("/proc/cpuinfo", encoding="utf-8") as fh:
                for line in fh:
                    if line.lower().startswith("model name"):
                        return line.split(":", 1)[1].strip()
        except OSError:
            pass
    return platform.processor() or platform.machine() or "unknown"


@functools.lru_cache(maxsize=1)
def gpu_cores() -> int | None:
    """The Apple GPU's core count on a Mac ("Total Number of Cores" in ``system_profiler
    SPDisplaysDataType``): which variant of the chip this is (an M3 Max has 30 or 40). None elsewhere,
    or when it cannot be read. Asked once per process: the command takes a moment."""
    if platform.system() != "Darwin":
        return None
    try:
        out = subprocess.run([SYSTEM_PROFILER, "SPDisplaysDataType"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r"Total Number of Cores:\s*(\d+)", out.stdout or "")
    return int(found.group(1)) if found else None


def os_name() -> str:
    system = platform.system()
    if system == "Darwin":
        release = platform.mac_ver()[0]
        return f"macOS {release}" if release else "macOS"
    if system == "Linux":
        try:
            with open("/etc/os-release", encoding="utf-8") as fh:
                for line in fh:
                    if line.startswith("PRETTY_NAME="):
                        return f"Linux ({line.split('=', 1)[1].strip().strip(chr(34))})"
        except OSError:
            pass
        return f"Linux {platform.release()}"
    return f"{system} {platform.release()}"


def machine_info(backends: Mapping[str, Backend]) -> dict:
    """Everything a result file or the About page says about where it ran."""
    return {
        "os": os_name(),
        "platform": platform.platform(),
        "arch": platform.machine(),
        "cpu": cpu_name(),
        "gpu_cores": gpu_cores(),  # picks the chip's variant on the spec sheet (kernels.bench.chips)
        "cores": os.cpu_count(),
        "memory_bytes": memory.total_bytes(),
        "python": sys.version.split()[0],
        "libraries": {name: (b.version if b.available else None) for name, b in backends.items()},
        "devices": {
            name: [d.name for d in b.available_devices] for name, b in backends.items() if b.available
        },
        # What changes float32 results: MLX computes float32 matmuls in TF32 on GPUs that have it
        # unless MLX_ENABLE_TF32=0; Torch keeps float32 unless its matmul precision is lowered.
        "precision": {name: _precision(b) for name, b in backends.items() if b.available},
        # What a reader of these timings must know about a library's build on a device.
        "caveats": {f"{name}/{d.name}": b.caveat(d.name) for name, b in backends.items() if b.available
                    for d in b.available_devices if b.caveat(d.name)},
    }


def _precision(backend: Backend) -> dict:
    try:
        return backend.precision()
    except Exception as exc:  # a probe must not break a result file
        return {"error": f"{type(exc).__name__}: {exc}"}
