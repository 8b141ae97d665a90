"""Creating arrays: the same constructor in each library, and the dtype each one picks."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..cells import Example
from .inputs import and_list, grouped, plural

# --- Page "Creating arrays" -------------------------------------------------------------

ARRAY = Example(
    key="array",
    title="array: from a Python list",
    code={
        "numpy": "a = np.array($values)\na",
        "torch": "a = torch.tensor($values, device=$device)\na",
        "mlx": "a = mx.array($values)  # no device: one memory for CPU and GPU\na",
    },
    note="The same Python list in each library. NumPy calls it np.array, PyTorch torch.tensor (on the GPU "
         "where there is one: device=...), MLX mx.array, whose arrays live in memory the CPU and GPU share.",
)

LINSPACE = Example(
    key="linspace",
    title="linspace: evenly spaced numbers from start to stop, both included",
    code={
        "numpy": "a = np.linspace($start, $stop, $num)\na",
        "torch": "a = torch.linspace($start, $stop, $num)\na",
        "mlx": "a = mx.linspace($start, $stop, $num)\na",
    },
)

ARANGE_RESHAPE = Example(
    key="arange_reshape",
    title="arange(...).reshape(...): count up, then fold into a shape",
    code={
        "numpy": "a = np.arange($n).reshape($shape)\na",
        "torch": "a = torch.arange($n).reshape($shape)\na",
        "mlx": "a = mx.arange($n).reshape($shape)\na",
    },
)

IMPOSSIBLE_RESHAPE = Example(
    key="impossible_reshape",
    title="A shape that does not fit",
    code=ARANGE_RESHAPE.code,
    note="Each library refuses; read how each one says it.",
)

# The dtype each library picks when you don't say: one cell per library, one output per row.
DTYPE_ROWS: tuple[str, ...] = (
    "integers from a list: array([1, 2, 3])",
    "floats from a list: array([1.0, 2.0, 3.0])",
    "arange(5)",
    "linspace(0, 1, 5)",
    "ones(3)",
    "a NumPy float64 array, passed in",
)

DEFAULT_DTYPES = Example(
    key="default_dtypes",
    title="The dtypes each library picks by default",
    code={
        "numpy": (
            "ints = np.array([1, 2, 3])\n"
            "floats = np.array([1.0, 2.0, 3.0])\n"
            "from_numpy = np.asarray(np.array([0.1, 0.2]))\n"
            "(ints.dtype, floats.dtype, np.arange(5).dtype, np.linspace(0, 1, 5).dtype,\n"
            " np.ones(3).dtype, from_numpy.dtype)"
        ),
        "torch": (
            "import numpy as np\n\n"
            "ints = torch.tensor([1, 2, 3])\n"
            "floats = torch.tensor([1.0, 2.0, 3.0])\n"
            "from_numpy = torch.tensor(np.array([0.1, 0.2]))\n"
            "(ints.dtype, floats.dtype, torch.arange(5).dtype, torch.linspace(0, 1, 5).dtype,\n"
            " torch.ones(3).dtype, from_numpy.dtype)"
        ),
        "mlx": (
            "import numpy as np\n\n"
            "ints = mx.array([1, 2, 3])\n"
            "floats = mx.array([1.0, 2.0, 3.0])\n"
            "from_numpy = mx.array(np.array([0.1, 0.2]))\n"
            "(ints.dtype, floats.dtype, mx.arange(5).dtype, mx.linspace(0, 1, 5).dtype,\n"
            " mx.ones(3).dtype, from_numpy.dtype)"
        ),
    },
)

FLOAT64_ROW = "float64, asked for on the library's GPU (its CPU where there is none)"

FLOAT64_ON_DEVICE = Example(
    key="float64_on_device",
    title="Asking for float64 on each library's GPU (its CPU where there is none)",
    code={
        "numpy": "x = np.ones(3, dtype=np.float64, device=$device)\nx.dtype",
        "torch": "x = torch.ones(3, dtype=torch.float64, device=$device)\nx.dtype",
        # mx.eval makes MLX compute now, on the stream's device.
        "mlx": "x = mx.ones(3, dtype=mx.float64, stream=$device)\nmx.eval(x)\nx.dtype",
    },
)

# Values float32 cannot hold exactly: 0.1, a tiny step above 1, and an integer past 2**24.
PRECISION_VALUES = [0.1, 1.00000001, 16777217.0]

PRECISION = Example(
    key="precision",
    title="What the default float keeps",
    code={
        "numpy": "a = np.array($values)\n# the numbers actually stored, as Python floats:\na.tolist()",
        "torch": "a = torch.tensor($values)\n# the numbers actually stored, as Python floats:\na.tolist()",
        "mlx": "a = mx.array($values)\n# the numbers actually stored, as Python floats:\na.tolist()",
    },
    note="Three numbers float32 cannot hold exactly; what each library stored is under its column.",
)


def dtype_name(dtype) -> str:
    """``int64`` from ``dtype('int64')``, ``torch.int64`` or ``mlx.core.int32``."""
    return str(dtype).rsplit(".", 1)[-1]


def picked_dtypes(results) -> str:
    """``NumPy int64 · PyTorch int64 · MLX int32``: the dtypes the cells really produced (a caption
    under an output is computed from that output, never assumed)."""
    parts = [f"{r.label} {r.outputs[0].dtype}" for r in results.values()
             if r.ok and r.outputs and r.outputs[0].dtype]
    return " · ".join(parts)


def list_values(length: int, kind: str) -> list:
    """The list the ``array`` example is built from: ``[1, 2, 3]`` or ``[0.5, 1.0, 1.5]``."""
    if kind == "floats":
        return [0.5 * i for i in range(1, length + 1)]
    return list(range(1, length + 1))


def reshape_fits(n: int, shape: tuple[int, ...]) -> tuple[bool, str]:
    """Whether ``arange(n)`` can be reshaped to ``shape`` (one -1 allowed), and why, in words."""
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    sizes = " × ".join("?" if s == -1 else str(s) for s in shape)
    if tuple(shape) == (-1,):
        return True, f"-1 alone: one dimension of {n}"
    if -1 in shape:
        if known == 0:
            return False, f"With a 0 in {sizes} there is no size ? that holds {plural(n, 'element')}"
        if n % known:
            return False, f"{sizes} can't hold {plural(n, 'element')}: {n} is not a multiple of {known}"
        return True, f"{sizes} holds {plural(n, 'element')} with ? = {n // known}"
    if known != n:
        return False, f"{sizes} = {plural(known, 'element')}, but arange({n}) has {n}"
    return True, f"{sizes} = {plural(n, 'element')} ✓"


def impossible_target(n: int) -> tuple[int, int]:
    """A two-dimensional shape that cannot hold ``n`` elements: ``(5, 10)`` for 48."""
    rows = next(r for r in range(2, n + 2) if n % r)
    return rows, n // rows + 1


# --- sentences computed from the outputs -------------------------------------------------

def agreement(arrays: Mapping[str, Any]) -> str:
    """Whether the libraries' numbers agree, computed from them: exactly, as the first library's
    numbers rounded to float32, or within float32 rounding (and where they differ); never assumed.

    ``arrays``: library label -> its output as NumPy, the first being the reference."""
    labels = list(arrays)
    if len(labels) < 2:
        return f"Only {labels[0]} ran, so there is nothing to compare." if labels else ""
    ref_label, ref = labels[0], np.asarray(arrays[labels[0]], dtype=np.float64)
    rounded_ref = ref.astype(np.float32).astype(np.float64)
    same, rounded, off, parts = [], [], {}, []
    for label in labels[1:]:
        got = np.asarray(arrays[label], dtype=np.float64)
        if got.shape != ref.shape:
            parts.append(f"{label} has shape {got.shape} where {ref_label} has {ref.shape}.")
        elif np.array_equal(got, ref, equal_nan=True):
            same.append(label)
        elif np.array_equal(got, rounded_ref, equal_nan=True):
            rounded.append(label)
        else:
            off[label] = got
    if same:
        parts.insert(0, f"{and_list([ref_label, *same])} hold exactly the same numbers.")
    if rounded:
        verb = "holds" if len(rounded) == 1 else "hold"
        parts.append(f"{and_list(rounded)} {verb} {ref_label}'s numbers rounded to float32, exactly.")
    if off:
        parts.append(_differences(off, ref_label, ref, rounded_ref))
    return " ".join(parts)


def _differences(off: Mapping[str, np.ndarray], ref_label: str, ref: np.ndarray, rounded_ref: np.ndarray) -> str:
    """Where each library's float32 numbers leave the reference's rounded ones, and whether by
    float32 rounding (a step or two of float32 at the numbers' size) or by more."""
    scale = float(np.nanmax(np.abs(ref))) if ref.size else 0.0
    step = float(np.spacing(np.float32(scale)))
    worst = 0.0
    lines = []
    for label, got in off.items():
        moved = np.flatnonzero(~((got == rounded_ref) | (np.isnan(got) & np.isnan(rounded_ref))))
        gap = float(np.nanmax(np.abs(got - ref))) if np.isfinite(got).all() else float("inf")
        worst = max(worst, gap)
        zero = [i for i in moved if ref.flat[i] == 0]
        example = (f": {got.flat[zero[0]]:.5g} where {ref_label} has 0 (index {zero[0]})" if zero else "")
        lines.append(f"{label} differs from {ref_label}'s numbers rounded to float32 at "
                     f"{moved.size} of {plural(ref.size, 'position')}, by at most {gap:.2g}{example}.")
    if worst <= 2 * step:
        verdict = (f"That is float32 rounding: near {scale:g}, float32 numbers are {step:.2g} apart, and "
                   "each library computes its steps its own way.")
    else:
        verdict = f"That is more than float32 rounding (near {scale:g}, float32 numbers are {step:.2g} apart)."
    return " ".join(lines) + " " + verdict


def stored_sentence(typed: list, stored: Mapping[str, list]) -> str:
    """What each library kept of ``typed`` (its ``tolist()``), computed: who kept every number, and
    what the others stored instead."""
    groups: dict[tuple, list[str]] = {}
    for label, values in stored.items():
        groups.setdefault(tuple(values), []).append(label)
    parts = []
    for values, labels in groups.items():
        if list(values) == list(typed):
            parts.append(f"{and_list(labels)} kept all {len(typed)} exactly")
        else:
            parts.append(f"{and_list(labels)} stored {', '.join(repr(v) for v in values)}")
    return "; ".join(parts) + "."


def refusals(results: Mapping[str, Any]) -> str:
    """Who refused an impossible reshape and who did not, from the cells' statuses."""
    refused = [r.label for r in results.values() if r.status == "error"]
    ran = [r.label for r in results.values() if r.ok]
    parts = []
    if refused:
        parts.append(f"Refused by {and_list(refused)}, each in its own words.")
    if ran:
        parts.append(f"{and_list(ran)} ran it without an error.")
    return " ".join(parts)


def dtype_row(results: Mapping[str, Any], index: int | None = None) -> dict[str, str]:
    """``{label: dtype}`` for the libraries whose cell ran: the dtype of the array it output, or,
    with ``index``, item ``index`` of the tuple of dtypes it output (the default-dtype cell)."""
    out = {}
    for r in results.values():
        if r.ok and index is not None:
            out[r.label] = dtype_name(r.value[index])
        elif r.ok and r.outputs and r.outputs[0].dtype:
            out[r.label] = r.outputs[0].dtype
    return out


def dtypes_in_words(by_label: Mapping[str, str]) -> str:
    """``int64 in NumPy and PyTorch, int32 in MLX``, or ``no library ran``."""
    return grouped(by_label) or "no library ran"
