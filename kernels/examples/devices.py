"""Devices and unified memory: where a result lives, what moving it costs, and what NumPy needs to read it.

PyTorch puts a tensor on a device and moves it with ``.to(device)`` / ``.cpu()`` (a copy, unless it
is already there: then ``.to`` hands back the same tensor); NumPy reads only tensors in CPU memory.
MLX arrays have no device: on Apple silicon they live in one memory the CPU and GPU share, and each
operation says where it runs (``stream=mx.gpu``, ``with mx.stream(...)``), so nothing is copied.
MLX's CUDA build has no such memory: it keeps a GPU result in GPU memory and moves it to managed
memory when the host first reads it (``Backend.memory_words`` says which build this is).

The examples are templates run through :mod:`kernels.cells`. The timing demo defines, per library,
a few functions in a cell that is shown and executed (:data:`MOVE`); :func:`time_moves` times each
with :func:`kernels.measure.timing.measure` (warm-up, the device's synchronisation, median and
spread), and the page shows that function too.
"""
from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .. import memory
from ..backends import Backend
from ..cells import CellResult, Example, Status, execute, format_error
from ..measure.timing import Timing, measure

SIZES_MIB = (1, 256)  # smallest and largest array in the timing demo
DEFAULT_MIB = 16
BUDGET_S = 0.05  # timing budget per step, after warm-up (at least 3 samples are taken regardless)


# --- 1. where each result lives ----------------------------------------------------------------

WHERE = Example(
    key="where",
    title="Where each array lives, and where the work runs",
    code={
        "numpy": (
            "x = np.arange(4.0)\n"
            "y = x * 2\n"
            "print('x on', x.device, '· y on', y.device)   # NumPy has only the CPU\n"
            "y"
        ),
        "torch": (
            "x = torch.arange(4.0)        # made in CPU memory\n"
            "y = x.to($device)            # a copy on the device, or x itself if it is already there\n"
            "z = y * 2                    # runs where y lives\n"
            "print('x on', x.device, '· y on', y.device, '· z on', z.device)\n"
            "print('y is x:', y is x)\n"
            "z"
        ),
        "mlx": (
            "a = mx.arange(4.0)                      # no device: an array is not tied to one\n"
            "b = mx.multiply(a, 2, stream=$device)   # each operation names where it runs\n"
            "c = mx.add(b, 1, stream=mx.cpu)         # the next one on the CPU (on a Mac, no copy)\n"
            "print('default device:', mx.default_device())\n"
            "print('an array has a .device:', hasattr(a, 'device'))\n"
            "c"
        ),
    },
    note="PyTorch moves data to where the work is; MLX sends the work to where it should run and "
         "leaves the data where it is.",
)

# --- 2. what NumPy needs --------------------------------------------------------------------------

TO_NUMPY = Example(
    key="to_numpy",
    title="What a result on the GPU needs before NumPy can read it",
    code={
        "numpy": (
            "x = np.arange(4.0)\n"
            "np.asarray(x) is x           # already NumPy: nothing to do"
        ),
        "torch": (
            "t = torch.arange(4.0, device=$device)\n"
            "try:\n"
            "    t.numpy()                 # only for a tensor in CPU memory\n"
            "    print('t.numpy() worked: t is on', t.device)\n"
            "except TypeError as e:\n"
            "    print('t.numpy() raised TypeError:', e)\n"
            "t.cpu().numpy()               # .cpu() copies to host memory first: works anywhere"
        ),
        "mlx": (
            "import numpy as np\n"
            "a = mx.arange(4.0, stream=$device)\n"
            "np.asarray(a)                 # NumPy reads MLX's memory in place"
        ),
    },
)

EXAMPLES = (WHERE, TO_NUMPY)

# On a Mac: what `t.numpy()` says for a tensor on the Apple GPU. This is the message format of
# PyTorch's tensor-to-NumPy conversion ("can't convert {device} device type tensor to numpy. ...").
MPS_NUMPY_ERROR = ("TypeError: can't convert mps:0 device type tensor to numpy. "
                   "Use Tensor.cpu() to copy the tensor to host memory first.")


# --- 3. what moving costs, timed ---------------------------------------------------------------------

@dataclass(frozen=True)
class Step:
    function: str  # the name the cell defines
    what: str  # what a person reads: "host → device"
    moves: bool  # whether it copies the array's bytes, as the library documents it
    source: str = ""  # the array it starts from: where both expose an address, the harness checks


MOVE: dict[str, tuple[str, tuple[Step, ...]]] = {
    "numpy": (
        "n = $n  # float32 values: $mib MiB\n"
        "x = np.ones(n, dtype=np.float32)\n"
        "\n"
        "def view():\n"
        "    return np.asarray(x)  # no copy: the same array\n"
        "\n"
        "def copy_on_host():\n"
        "    return x.copy()  # a copy in CPU memory, for scale",
        (Step("view", "np.asarray(x)", False, "x"),
         Step("copy_on_host", "x.copy(): a copy in CPU memory", True, "x")),
    ),
    "torch": (
        "n = $n  # float32 values: $mib MiB\n"
        "device = $device\n"
        "x = torch.ones(n)  # in CPU memory\n"
        "y = x.to(device)  # on the device (x itself if the device is the CPU)\n"
        "\n"
        "def to_device():\n"
        "    return x.to(device)  # host → device\n"
        "\n"
        "def to_host():\n"
        "    return y.cpu()  # device → host (waits for y's work first)\n"
        "\n"
        "def to_numpy():\n"
        "    return y.cpu().numpy()  # what NumPy needs\n"
        "\n"
        "def copy_on_host():\n"
        "    return x.clone()  # a copy in CPU memory, for scale",
        (Step("to_device", "x.to(device): host → device", True, "x"),
         Step("to_host", "y.cpu(): device → host", True, "y"),
         Step("to_numpy", "y.cpu().numpy(): device → NumPy", True, "y"),
         Step("copy_on_host", "x.clone(): a copy in CPU memory", True, "x")),
    ),
    "mlx": (
        "import numpy as np\n"
        "n = $n  # float32 values: $mib MiB\n"
        "a = mx.ones(n, stream=$device)  # made by the device (on a Mac, in unified memory)\n"
        "mx.eval(a)\n"
        "\n"
        "def to_numpy():\n"
        "    return np.asarray(a)  # reads MLX's buffer in place (mlx[cuda]: once a first read moved it)\n"
        "\n"
        "def copy_to_numpy():\n"
        "    return np.array(a)  # an explicit copy, for scale",
        (Step("to_numpy", "np.asarray(a): the device's result → NumPy", False),
         Step("copy_to_numpy", "np.array(a): an explicit copy", True)),
    ),
}


def elements(mib: int) -> int:
    return int(mib) * 1024 * 1024 // 4


def bytes_needed(mib: int, libraries: int = 3) -> int:
    """At most four copies of the array alive at once per library (source, device copy, result, spare)."""
    return 4 * libraries * int(mib) * 1024 * 1024


def check_size(mib: int, libraries: int = 3) -> None:
    """Refuse a size outside the slider, or one that would not fit, before anything is allocated."""
    lo, hi = SIZES_MIB
    if not lo <= mib <= hi:
        raise ValueError(f"the size must be between {lo} and {hi} MiB; got {mib}")
    memory.check_fits(bytes_needed(mib, libraries), f"{libraries} × {mib} MiB arrays, four copies each")


def move_source(backend: Backend, mib: int, device: str) -> str:
    template, _steps = MOVE[backend.name]
    body = string.Template(template).substitute(
        n=repr(elements(mib)), mib=str(int(mib)), device=backend.device_expr(device))
    return f"{backend.import_line}\n\n{body}\n"


@dataclass
class StepTiming:
    step: Step
    timing: Timing | None = None
    error: str = ""
    result_device: str = ""  # where the step's result says it lives
    copied: bool | None = None  # did the result get memory of its own (checked where addresses show it)
    checked: bool = False  # whether ``copied`` was checked by address here, not taken from the docs

    def gb_per_s(self, nbytes: int) -> float | None:
        """Bytes copied per second, for a step that copied; None for one that did not."""
        if not self.copied or self.timing is None or self.timing.median <= 0:
            return None
        return nbytes / self.timing.median / 1e9


@dataclass
class MoveResult(CellResult):
    steps: list[StepTiming] = field(default_factory=list)
    same_object: bool | None = None  # Torch: did x.to(device) hand back x itself?
    nbytes: int = 0

    def step(self, function: str) -> StepTiming | None:
        return next((s for s in self.steps if s.step.function == function), None)


def time_moves(backend: Backend, mib: int, device: str | None = None, *, budget_s: float | None = None,
               measure_fn: Callable[..., Timing] | None = None) -> MoveResult:
    """Run the library's cell, then time each of its steps, each call finished by the device's
    synchronisation; never raises."""
    res = MoveResult(backend.name, backend.label)
    budget_s = BUDGET_S if budget_s is None else budget_s
    measure_fn = measure_fn or measure
    device = res.place(backend, device)
    if device is None:
        return res
    res.nbytes = elements(mib) * 4
    with backend.turn(device):  # a GPU, or MLX's process-wide default device: one thread at a time
        try:
            res.source = move_source(backend, mib, device)
            _value, _stdout, ns = execute(res.source)
        except Exception as exc:
            res.status, res.error = Status.ERROR, format_error(exc)
            return res
        if "x" in ns and "y" in ns:
            res.same_object = ns["y"] is ns["x"]

        def sync(result: Any) -> None:
            backend.synchronize(device, result if backend.is_array(result) else None)

        for step in MOVE[backend.name][1]:
            row = StepTiming(step, copied=step.moves)
            try:
                fn = ns[step.function]
                row.timing = measure_fn(fn, sync, budget_s=budget_s, warmup=1)
                result = fn()
                sync(result)
                row.result_device = _where(result, backend)
                start, end = address(ns.get(step.source)), address(result)
                if start is not None and end is not None:
                    row.copied, row.checked = start != end, True
            except Exception as exc:
                row.error = format_error(exc)
            res.steps.append(row)
    return res


def address(value: Any) -> int | None:
    """Where a NumPy array's or a Torch tensor's first element is in memory (for a GPU tensor, in the
    device's memory); None for anything else, or a tensor NumPy could not read."""
    if value is None:
        return None
    interface = getattr(value, "__array_interface__", None)
    if type(value).__module__ == "numpy" and interface:
        return int(interface["data"][0])
    data_ptr = getattr(value, "data_ptr", None)
    if callable(data_ptr) and type(value).__module__.startswith("torch"):
        device = getattr(value, "device", None)
        ptr = int(data_ptr())
        return ptr if getattr(device, "type", "cpu") == "cpu" else -ptr  # never equal to a host address
    return None


def _where(value: Any, backend: Backend) -> str:
    """Where a step's result lives: ``mps:0``, ``cpu``, ``unified memory``, or ``NumPy (host)``."""
    if backend.is_array(value):
        return backend.describe(value).device or ""
    return "NumPy (host memory)" if type(value).__module__ == "numpy" else type(value).__name__
