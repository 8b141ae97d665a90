#!/usr/bin/env python3
"""Can this interpreter install the pinned requirements?  Used by the Makefile.

Run it with the interpreter in question: `python3.13 scripts/check_python.py`.  It prints nothing
and exits 0 when the interpreter will do, else prints one sentence (what is wrong, what to do) and
exits 1.  Standard library only, and no syntax newer than Python 3.6 (no f-strings either), so that
an old `python3` still runs it far enough to say it is too old.
"""
import platform
import subprocess
import sys

# streamlit 1.67 needs Python 3.11+; the pinned wheels go up to 3.14 (scripts/check_mac_pins.py).
OLDEST = (3, 11)
NEWEST = (3, 14)
# torch 2.13's and mlx 0.32's macOS wheels are macosx_14_0_arm64 only.
OLDEST_MACOS = (14, 0)

RANGE = "{0}.{1}-{2}.{3}".format(OLDEST[0], OLDEST[1], NEWEST[0], NEWEST[1])


def _release_tuple(release):
    """'14.5' -> (14, 5); '' or anything unreadable -> None."""
    try:
        parts = tuple(int(p) for p in str(release).split(".")[:2])
    except ValueError:
        return None
    if not parts:
        return None
    return parts + (0,) * (2 - len(parts))


def problem(version_info, system, machine, mac_release):
    """One sentence saying why this interpreter cannot run the app, or None if it can.

    version_info: sys.version_info or any (major, minor, micro, ...) tuple;
    system: platform.system() ('Darwin', 'Linux', 'Windows');
    machine: platform.machine() ('arm64', 'x86_64', ...);
    mac_release: platform.mac_ver()[0] ('14.5'; '' where unknown or not a Mac).
    """
    found = ".".join(str(p) for p in tuple(version_info)[:3])
    minor = tuple(version_info)[:2]
    if minor < OLDEST:
        return ("Python {0} is too old: streamlit 1.67 needs Python {1}.{2} or newer, so install "
                "Python {3} (python.org, or e.g. `brew install python@3.13`) and run make with "
                "PYTHON=/path/to/it.").format(found, OLDEST[0], OLDEST[1], RANGE)
    if minor > NEWEST:
        return ("Python {0} is too new: the pins are untested on {1}.{2} and the pinned torch, mlx "
                "and numpy have no wheels for it, so install Python {3} and run make with "
                "PYTHON=/path/to/it.").format(found, minor[0], minor[1], RANGE)
    if system == "Darwin":
        if machine != "arm64":
            return ("This Python runs as {0}, not arm64 (an Intel build, or under Rosetta), and "
                    "torch 2.13 and mlx 0.32 have macOS wheels for arm64 only: install an arm64 "
                    "Python, e.g. from python.org or `brew` under /opt/homebrew, and run make with "
                    "PYTHON=/path/to/it.").format(machine or "an unknown machine type")
        release = _release_tuple(mac_release)
        if release is not None and release < OLDEST_MACOS:
            return ("This Mac runs macOS {0}, and torch 2.13 and mlx 0.32 need macOS {1} or newer: "
                    "update macOS (System Settings > General > Software Update)."
                    ).format(mac_release, OLDEST_MACOS[0])
    return None


def mac_release():
    """The real macOS version, '' off a Mac.

    A Python built against an old SDK reports 10.16 for every macOS from 11 on; asking again with
    SYSTEM_VERSION_COMPAT=0 (as pip's `packaging` does) gets the real number.
    """
    release = platform.mac_ver()[0]
    if release.startswith("10.16"):
        try:
            import os
            env = dict(os.environ, SYSTEM_VERSION_COMPAT="0")
            out = subprocess.check_output(
                [sys.executable, "-sS", "-c", "import platform; print(platform.mac_ver()[0])"],
                env=env, universal_newlines=True)
            release = out.strip() or release
        except (OSError, subprocess.CalledProcessError):
            pass
    return release


def main():
    why = problem(sys.version_info, platform.system(), platform.machine(), mac_release())
    if why is None:
        return 0
    sys.stderr.write("{0}: {1}\n".format(sys.executable, why))
    return 1


if __name__ == "__main__":
    sys.exit(main())
