"""Compilation: ``mx.compile`` and ``torch.compile`` on the same small function, measured here, and
what breaks tracing.

Both compile on the first call: MLX traces the function with placeholder arrays and fuses the
graph; PyTorch's Dynamo traces the Python bytecode and Inductor generates code (C++ for the CPU,
which needs a C++ compiler; Triton for NVIDIA GPUs; Metal for ``mps``). The demo cell per library
defines ``plain()`` and ``compiled()`` and is shown and executed; :func:`time_compile` times the
first call of ``compiled()`` and then both steadily with :func:`kernels.measure.timing.measure`.

The "what breaks" examples are templates run through :mod:`kernels.cells`. Their PyTorch cells give
``torch.compile`` a backend that only counts the graphs Dynamo hands it (or ``"eager"``): Dynamo's
tracing, guards and recompilations are the same whatever backend compiles the graph, and the cells
then run in a second instead of waiting for C++ code to build.
"""
from __future__ import annotations

import os
import re
import shutil
import string
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import memory
from ..backends import Backend
from ..cells import CellResult, Example, Status, execute, format_error
from ..measure.timing import Timing, measure

ROWS = (16, 4096)  # the input is rows × COLS float32
DEFAULT_ROWS = 256
COLS = 1024
BUDGET_S = 0.3
MAX_SIZES = 12

# --- the function, written in each library -------------------------------------------------------

FUNCTIONS: dict[str, dict[str, str]] = {
    "gelu": {
        "title": "GELU (tanh approximation)",
        "numpy": "def f(x):\n    return 0.5 * x * (1 + np.tanh(0.7978845608 * (x + 0.044715 * x ** 3)))",
        "torch": "def f(x):\n    return 0.5 * x * (1 + torch.tanh(0.7978845608 * (x + 0.044715 * x ** 3)))",
        "mlx": "def f(x):\n    return 0.5 * x * (1 + mx.tanh(0.7978845608 * (x + 0.044715 * x ** 3)))",
    },
    "layer_norm": {
        "title": "Layer norm over the last axis (no weights)",
        "numpy": ("def f(x):\n"
                  "    mean = x.mean(axis=-1, keepdims=True)\n"
                  "    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)\n"
                  "    return (x - mean) / np.sqrt(var + 1e-5)"),
        "torch": ("def f(x):\n"
                  "    mean = x.mean(dim=-1, keepdim=True)\n"
                  "    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)\n"
                  "    return (x - mean) / torch.sqrt(var + 1e-5)"),
        "mlx": ("def f(x):\n"
                "    mean = mx.mean(x, axis=-1, keepdims=True)\n"
                "    var = mx.mean((x - mean) ** 2, axis=-1, keepdims=True)\n"
                "    return (x - mean) / mx.sqrt(var + 1e-5)"),
    },
}

_INPUT = "np.random.default_rng(0).standard_normal(($rows, $cols), dtype=np.float32)"

DEMO: dict[str, str] = {
    "numpy": (
        "$function\n\n"
        f"x = {_INPUT}\n\n"
        "def plain():\n"
        "    return f(x)  # NumPy has no compiler: every operation makes a temporary array"
    ),
    "torch": (
        "import numpy as np\n\n"
        "$function\n\n"
        f"x = torch.from_numpy({_INPUT}).to($device)\n"
        "fast = torch.compile(f)  # nothing is compiled yet: that waits for the first call\n\n"
        "def plain():\n"
        "    return f(x)\n\n"
        "def compiled():\n"
        "    return fast(x)"
    ),
    "mlx": (
        "import numpy as np\n\n"
        "$function\n\n"
        f"x = mx.array({_INPUT})\n"
        "fast = mx.compile(f)  # nothing is compiled yet: that waits for the first call\n\n"
        "def plain():\n"
        "    with mx.stream($device):\n"
        "        return f(x)\n\n"
        "def compiled():\n"
        "    with mx.stream($device):\n"
        "        return fast(x)"
    ),
}


def check_params(function: str, rows: int) -> None:
    if function not in FUNCTIONS:
        raise ValueError(f"unknown function {function!r}; choose from {', '.join(FUNCTIONS)}")
    lo, hi = ROWS
    if not lo <= rows <= hi:
        raise ValueError(f"rows must be between {lo} and {hi}; got {rows}")


def bytes_needed(rows: int, libraries: int = 3) -> int:
    """The input and a handful of temporaries (the unfused function makes one per operation), float32."""
    return 12 * libraries * rows * COLS * 4


def check_size(rows: int, libraries: int = 3) -> None:
    memory.check_fits(bytes_needed(rows, libraries), f"{rows} × {COLS} float32 inputs and their temporaries")


def demo_source(backend: Backend, function: str, rows: int, device: str) -> str:
    check_params(function, rows)
    body = string.Template(DEMO[backend.name]).substitute(
        function=FUNCTIONS[function][backend.name], rows=repr(int(rows)), cols=repr(COLS),
        device=backend.device_expr(device))
    return f"{backend.import_line}\n\n{body}\n"


# --- whether torch.compile can build code here ----------------------------------------------------

def inductor_compiler() -> tuple[str, str | None]:
    """The C++ compiler Inductor looks for on the CPU (``$CXX``, else ``clang++`` on macOS and ``g++``
    elsewhere, as ``torch._inductor.config.cpp.cxx`` says), and its path here, or None."""
    name = os.environ.get("CXX") or ("clang++" if sys.platform == "darwin" else "g++")
    return name, shutil.which(name)


def torch_cannot_compile(device_kind: str, finder: Callable[[], tuple[str, str | None]] | None = None) -> str:
    """Why ``torch.compile`` cannot build code for ``device_kind`` here, or "" when it may."""
    if device_kind != "cpu":
        return ""
    name, path = (finder or inductor_compiler)()
    if path:
        return ""
    return (f"no C++ compiler here: Inductor, torch.compile's default backend, writes C++ for the CPU and "
            f"builds it with `{name}`, which is not on the PATH (set CXX to another compiler, or install one: "
            "`xcode-select --install` on a Mac, `apt install g++` on Debian or Ubuntu)")


# --- the timing harness ---------------------------------------------------------------------------

@dataclass
class CompileResult(CellResult):  # status also "cannot" (cannot compile here) or "skipped" (not asked to)
    first_call_s: float | None = None  # the compiled function's first call: tracing and compiling
    plain: Timing | None = None
    compiled: Timing | None = None
    max_abs_diff: float | None = None  # compiled against plain, the same input
    notes: list[str] = field(default_factory=list)  # what the library's own counters said
    measured_at: str = ""

    @property
    def speedup(self) -> float | None:
        if self.plain is None or self.compiled is None or self.compiled.median <= 0:
            return None
        return self.plain.median / self.compiled.median


def _inductor_counters() -> dict[str, int]:
    try:
        from torch._dynamo.utils import counters
    except Exception:
        return {}
    return {k: int(v) for k, v in counters["inductor"].items() if k.startswith("fxgraph_cache")}


def time_compile(backend: Backend, function: str, rows: int, device: str | None = None, *,
                 budget_s: float | None = None, measure_fn: Callable[..., Timing] | None = None,
                 cannot: str = "", run: bool = True) -> CompileResult:
    """Run the library's demo cell, time the first call of ``compiled()``, check it against
    ``plain()``, then time both; never raises. ``cannot``: why this library cannot compile here, and
    ``run=False``: not asked to; either way its cell is made to be shown, and nothing runs."""
    res = CompileResult(backend.name, backend.label, measured_at=time.strftime("%H:%M:%S"))
    budget_s = BUDGET_S if budget_s is None else budget_s
    measure_fn = measure_fn or measure
    device = res.place(backend, device)
    if device is None:
        return res
    try:
        res.source = demo_source(backend, function, rows, device)
    except Exception as exc:
        res.status, res.error = Status.ERROR, format_error(exc)
        return res
    if cannot:
        res.status, res.error = Status.CANNOT, cannot
        return res
    if not run:
        res.status = Status.SKIPPED
        return res

    def sync(result: Any) -> None:
        backend.synchronize(device, result)

    with backend.turn(device):  # a GPU, or MLX's process-wide default device: one thread at a time
        try:
            _value, _stdout, ns = execute(res.source)
            plain, compiled = ns["plain"], ns.get("compiled")
            if compiled is not None:
                before = _inductor_counters() if backend.name == "torch" else {}
                start = time.perf_counter()
                sync(compiled())
                res.first_call_s = time.perf_counter() - start
                after = _inductor_counters() if backend.name == "torch" else {}
                hits = after.get("fxgraph_cache_hit", 0) - before.get("fxgraph_cache_hit", 0)
                misses = after.get("fxgraph_cache_miss", 0) - before.get("fxgraph_cache_miss", 0)
                if hits or misses:
                    res.notes.append(f"Inductor's FX-graph cache: {hits} hit{'s' if hits != 1 else ''}, "
                                     f"{misses} miss{'es' if misses != 1 else ''} during the first call")
                got = np.asarray(backend.to_numpy(compiled()), dtype=np.float64)
                want = np.asarray(backend.to_numpy(plain()), dtype=np.float64)
                res.max_abs_diff = float(np.max(np.abs(got - want))) if got.size else 0.0
            res.plain = measure_fn(plain, sync, budget_s=budget_s, warmup=1)
            if compiled is not None:
                res.compiled = measure_fn(compiled, sync, budget_s=budget_s, warmup=1)
        except Exception as exc:
            res.status, res.error = Status.ERROR, format_error(exc)
    return res


# --- what breaks tracing ------------------------------------------------------------------------------

_COUNTING_BACKEND = (
    "graphs = []\n"
    "def count_graphs(gm, example_inputs):  # a torch.compile backend that only counts\n"
    "    graphs.append([tuple(t.shape) if isinstance(t, torch.Tensor) else t for t in example_inputs])\n"
    "    return gm.forward  # and runs the traced graph as it is\n\n"
)

SIDE_EFFECT = Example(
    key="side_effect",
    title="A Python side effect inside the function",
    code={
        "torch": (
            _COUNTING_BACKEND
            + "calls = []\n"
            "def f(x):\n"
            "    calls.append(1)  # a Python side effect\n"
            "    return x * 2\n\n"
            "fast = torch.compile(f, backend=count_graphs)\n"
            "x = torch.ones(4)\n"
            "for _ in range($calls):\n"
            "    fast(x)\n"
            "print('calls:', len(calls), '· compilations:', len(graphs))\n"
            "len(calls), len(graphs)"
        ),
        "mlx": (
            "calls = []\n"
            "def f(x):\n"
            "    calls.append(1)  # runs only while MLX traces f\n"
            "    return x * 2\n\n"
            "fast = mx.compile(f)\n"
            "x = mx.ones(4)\n"
            "for _ in range($calls):\n"
            "    mx.eval(fast(x))\n"
            "print('calls:', len(calls))\n"
            "len(calls)"
        ),
    },
    note="The function is called the same number of times in both. PyTorch keeps Python's meaning (the "
         "list grows on every call) by guarding on the list, so every call that changes it compiles "
         "again, until Dynamo's recompile limit (8) makes it give up and run the function uncompiled. "
         "MLX runs the Python only while tracing: the list grows once.",
)

SHAPES = Example(
    key="shapes",
    title="Inputs whose shape changes from call to call",
    code={
        "torch": (
            "torch._dynamo.reset()  # forget the sizes earlier runs of this cell taught torch.compile\n"
            + _COUNTING_BACKEND
            + "def f(x):\n"
            "    return x * 2 + 1\n\n"
            "fast = torch.compile(f, backend=count_graphs)\n"
            "for n in $sizes:\n"
            "    fast(torch.ones(n))\n"
            "for i, inputs in enumerate(graphs):\n"
            "    print(f'compilation {i + 1}: inputs {inputs}')\n"
            "len(graphs)"
        ),
        "mlx": (
            "traced = []\n"
            "def f(x):\n"
            "    traced.append(x.shape)  # runs once per trace\n"
            "    return x * 2 + 1\n\n"
            "fast = mx.compile(f)\n"
            "for n in $sizes:\n"
            "    mx.eval(fast(mx.ones(n)))\n"
            "traced_any = []\n"
            "def g(x):\n"
            "    traced_any.append(x.shape)\n"
            "    return x * 2 + 1\n\n"
            "fast_any = mx.compile(g, shapeless=True)\n"
            "for n in $sizes:\n"
            "    mx.eval(fast_any(mx.ones(n)))\n"
            "print('mx.compile traced for', traced)\n"
            "print('shapeless=True traced for', traced_any)\n"
            "len(traced), len(traced_any)"
        ),
    },
    note="PyTorch compiles for the first shape, and when a second one comes compiles once more with the "
         "size as a symbol (s…) that later sizes reuse; it remembers that a size varied, so the same "
         "function compiled again in this process starts with the symbol (hence the reset). MLX traces "
         "once per new shape unless told shapeless=True.",
)

PRINT = Example(
    key="print",
    title="Printing a value inside the compiled function",
    code={
        "torch": (
            _COUNTING_BACKEND
            + "def f(x):\n"
            "    y = x * 2\n"
            "    print('inside f:', y)  # Dynamo splits the graph here and runs print\n"
            "    return y + 1\n\n"
            "fast = torch.compile(f, backend=count_graphs)\n"
            "out = fast(torch.arange(3.0))\n"
            "print('graphs:', len(graphs))\n"
            "out"
        ),
        "mlx": (
            "def f(x):\n"
            "    y = x * 2\n"
            "    print('inside f:', y)  # y is a placeholder while MLX traces\n"
            "    return y + 1\n\n"
            "fast = mx.compile(f)\n"
            "fast(mx.arange(3.0))"
        ),
    },
    note="A debugging print is a graph break in PyTorch (two graphs instead of one: slower, but it "
         "works) and an error in MLX, which would have to compute the placeholder to print it.",
)

CAPTURED = Example(
    key="captured",
    title="An array read from outside the function, changed after the first call",
    code={
        "torch": (
            "scale = torch.tensor(2.0)\n"
            "def f(x):\n"
            "    return x * scale  # scale is not an argument\n\n"
            "fast = torch.compile(f, backend='eager')  # Dynamo's tracing alone; no code generation\n"
            "before = fast(torch.ones(2))\n"
            "scale = torch.tensor(10.0)\n"
            "after = fast(torch.ones(2))  # Dynamo guards on scale: it sees the new one\n"
            "before, after"
        ),
        "mlx": (
            "scale = mx.array(2.0)\n"
            "def f(x):\n"
            "    return x * scale  # scale is not an argument\n\n"
            "fast = mx.compile(f)\n"
            "before = fast(mx.ones(2))\n"
            "scale = mx.array(10.0)\n"
            "after = fast(mx.ones(2))  # captured as a constant at the first call\n"
            "before, after"
        ),
    },
    note="MLX's fix: pass the array as an argument, or tell mx.compile about it (inputs=[...]).",
)

BREAKS = (SIDE_EFFECT, SHAPES, PRINT, CAPTURED)
CALLS = (1, 20)
DEFAULT_CALLS = 10
DEFAULT_SIZES = "4, 4, 8, 16, 16, 4"

_SIZES_TEXT = re.compile(r"\s*[\[(]?\s*\d{1,4}(\s*,\s*\d{1,4})*\s*,?\s*[\])]?\s*")


def parse_sizes(text: str) -> list[int]:
    """Array lengths typed by a user, e.g. ``4, 4, 8``: 1 to 12 whole numbers from 1 to 4096;
    ValueError with a plain message otherwise."""
    text = str(text)
    if len(text) > 120 or not _SIZES_TEXT.fullmatch(text):
        raise ValueError("type whole numbers separated by commas, e.g. 4, 4, 8, 16")
    sizes = [int(v) for v in re.findall(r"\d+", text)]
    if len(sizes) > MAX_SIZES:
        raise ValueError(f"keep it to {MAX_SIZES} sizes or fewer")
    bad = [s for s in sizes if not 1 <= s <= 4096]
    if bad:
        raise ValueError(f"{bad[0]} is not a size from 1 to 4096")
    return sizes


def breaks_params(calls: int, sizes: list[int]) -> dict[str, Any]:
    lo, hi = CALLS
    if not lo <= calls <= hi:
        raise ValueError(f"calls must be between {lo} and {hi}; got {calls}")
    return {"calls": int(calls), "sizes": [int(s) for s in sizes]}


def distinct_in_order(sizes: list[int]) -> list[int]:
    return list(dict.fromkeys(sizes))


def expected_torch_graphs(sizes: list[int]) -> int:
    """Dynamo's default (``dynamic=None``): one graph for the first shape, one more with a symbolic
    size at the first new shape, then none. What the SHAPES example shows, as a number to check."""
    return min(len(distinct_in_order(sizes)), 2)
