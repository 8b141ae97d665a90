"""Run shown cells as a reader would paste them: in a new Python process that cannot import this app.

One process per library (importing PyTorch dominates the cost), started together; inside it each
cell runs in a namespace of its own, as a fresh session would, from a directory outside the
repository and with ``-I`` (isolated: no PYTHONPATH, no current directory on sys.path), so a cell
that leaned on ``kernels`` or ``ui`` fails.

:func:`learn_failures` runs every cell of the four Learn pages added with issue 14 (indexing, random
numbers, devices, compilation) in one such batch, once per test session, and each page's test reads
its own part: three processes instead of twelve.
"""
from __future__ import annotations

import functools
import json
import subprocess
import sys
import tempfile
from pathlib import Path

RUNNER = r"""
import contextlib, io, json, sys, traceback
cells = json.load(sys.stdin)
failed = []
for i, source in enumerate(cells):
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # what a cell prints is not the report
            exec(compile(source, f"<cell {i}>", "exec"), {"__name__": "__main__"})
    except BaseException:
        failed.append([i, traceback.format_exc()])
json.dump(failed, sys.stdout)
"""


# Under the MPS-rules mode (make test-mps) the fresh process runs with the mode on, as the app's would:
# it imports the mode from this checkout, then forgets the checkout, so a cell still cannot import it.
MPS_RULES = r"""
import sys
sys.path.insert(0, {root!r})
from kernels.backends import mps_rules
mps_rules.install()
sys.path.remove({root!r})
for name in [m for m in sys.modules if m == "kernels" or m.startswith("kernels.")]:
    del sys.modules[name]
"""


def prelude() -> str:
    """What a fresh process runs first: nothing, or under the MPS-rules mode the mode's install."""
    from kernels.backends import mps_rules

    return MPS_RULES.format(root=str(Path(__file__).resolve().parent.parent)) if mps_rules.requested() else ""


def runner() -> str:
    return prelude() + RUNNER


def run_cells(by_library: dict[str, list[str]], timeout: float = 240) -> dict[str, list[tuple[int, str]]]:
    """{library: [source, ...]} -> {library: [(index, traceback), ...]} for the cells that raised."""
    procs = {}
    with tempfile.TemporaryDirectory() as outside:
        for name, sources in by_library.items():
            proc = subprocess.Popen([sys.executable, "-I", "-c", runner()], cwd=outside, text=True,
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            proc.stdin.write(json.dumps(sources))  # a few KiB: fits in the pipe, so all start at once
            proc.stdin.close()
            proc.stdin = None
            procs[name] = proc
        failures = {}
        for name, proc in procs.items():
            out, err = proc.communicate(timeout=timeout)
            assert proc.returncode == 0, (name, proc.returncode, err[-2000:])
            failures[name] = [tuple(f) for f in json.loads(out)]
    return failures


def learn_cells() -> dict[str, list[tuple[str, str, str]]]:
    """Every cell of the four pages, per library: (page, example key, source), with each page's
    default settings and its device where this machine has a GPU."""
    from kernels import cells
    from kernels.backends import discover
    from kernels.examples import compilation as cp
    from kernels.examples import devices as dv
    from kernels.examples import indexing as ix
    from kernels.examples import random_numbers as rn

    libs = discover()
    gpus = cells.gpu_devices(libs)
    pages = {
        "indexing": (ix.EXAMPLES, ix.params(ix.DEFAULT_N, *ix.DEFAULT_SLICE, [0, 0, 2]) | {"t": 0}),
        "random": (rn.EXAMPLES, rn.params(rn.DEFAULT_SEED, rn.DEFAULT_COUNT)),
        "devices": (dv.EXAMPLES, {}),
        "compilation": (cp.BREAKS, cp.breaks_params(cp.DEFAULT_CALLS, cp.parse_sizes(cp.DEFAULT_SIZES))),
    }
    out: dict[str, list[tuple[str, str, str]]] = {}
    for name, b in libs.items():
        if not b.available:
            continue
        device = gpus.get(name, "cpu")
        rows = out.setdefault(name, [])
        for page, (examples, params) in pages.items():
            rows += [(page, ex.key, ex.source(b, params, device)) for ex in examples if name in ex.code]
        rows.append(("devices", "move", dv.move_source(b, 1, device)))
        rows += [("compilation", f"demo_{fn}", cp.demo_source(b, fn, 16, device)) for fn in cp.FUNCTIONS]
    return out


@functools.lru_cache(maxsize=1)
def _learn_run() -> tuple[dict, dict]:
    found = learn_cells()
    failed = run_cells({name: [src for _p, _k, src in rows] for name, rows in found.items()})
    return found, failed


def learn_failures(page: str) -> dict[str, dict[str, str]]:
    """{library: {example key: traceback}} for the cells of ``page`` that raised in a fresh Python;
    also checks that no cell of the page names this app's own modules."""
    found, failed = _learn_run()
    out: dict[str, dict[str, str]] = {}
    for name, rows in found.items():
        for _p, _k, src in rows:
            assert "kernels" not in src and "from ui" not in src and "import ui" not in src, src
        out[name] = {rows[i][1]: tb for i, tb in failed[name] if rows[i][0] == page}
    return out


def learn_sources(page: str) -> dict[str, list[str]]:
    """The example keys of ``page`` that were run, per library (to check a page's cells all ran)."""
    found, _failed = _learn_run()
    return {name: [k for p, k, _s in rows if p == page] for name, rows in found.items()}
