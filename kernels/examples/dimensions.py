"""Operations across dimensions: reductions (mean, std, max, min) over all or one axis.

The examples are written once per library; the helpers below are the pure logic the
page uses around them (parsing input, the std by hand, the shape a reduction leaves,
the size guard, the picture of which axis collapses). Nothing here imports streamlit.
"""
from __future__ import annotations

import ast
import math
from typing import Any, Sequence

from ..cells import Example
from ..memory import TooLarge, check_fits

# --- 1-D summary statistics -------------------------------------------------------------

STATS = Example(
    key="stats_default",
    title="Mean, std, max and min with each library's defaults",
    code={
        "numpy": "n = np.array($values)\n(np.mean(n), np.std(n),\n np.max(n), np.min(n))",
        "torch": "t = torch.tensor($values, device=$device)\n(torch.mean(t), torch.std(t),\n torch.max(t), torch.min(t))",
        "mlx": ("m = mx.array($values)\nwith mx.stream($device):\n"
                "    stats = (mx.mean(m), mx.std(m),\n             mx.max(m), mx.min(m))\nstats"),
    },
    note="The same four calls, no options: look at the second output. PyTorch and MLX compute on the GPU "
         "where this machine has one.",
)

STATS_DDOF = Example(
    key="stats_ddof",
    title="Mean, std, max and min with the correction set explicitly",
    code={
        "numpy": "n = np.array($values)\n(np.mean(n), np.std(n, ddof=$ddof),\n np.max(n), np.min(n))",
        "torch": ("t = torch.tensor($values, device=$device)\n"
                  "(torch.mean(t), torch.std(t, correction=$ddof),\n torch.max(t), torch.min(t))"),
        "mlx": ("m = mx.array($values)\nwith mx.stream($device):\n"
                "    stats = (mx.mean(m), mx.std(m, ddof=$ddof),\n             mx.max(m), mx.min(m))\nstats"),
    },
    note="NumPy and MLX call it `ddof`, PyTorch calls it `correction`; with the same value all three agree.",
)

STAT_NAMES = ("mean", "std", "max", "min")


def stats_example(ddof: int | None) -> Example:
    """The library defaults (``None``) or an explicit correction (0 or 1)."""
    return STATS if ddof is None else STATS_DDOF


def parse_vector(text: str, limit: int = 32) -> list[float]:
    """A flat list of numbers typed by a user, e.g. ``[0.5, 1, 3, 4]``; ValueError with a plain message."""
    try:
        value = ast.literal_eval(text.strip())
    except (ValueError, SyntaxError):
        raise ValueError(f"{text!r} is not a list of numbers; type something like [0.5, 1, 3, 4]") from None
    if isinstance(value, tuple):
        value = list(value)
    if not isinstance(value, list) or not value:
        raise ValueError("type a non-empty list of numbers, e.g. [0.5, 1, 3, 4]")
    if len(value) > limit:
        raise ValueError(f"keep it to {limit} numbers or fewer (got {len(value)})")
    for v in value:
        if isinstance(v, list):
            raise ValueError("this example is one-dimensional: a flat list like [0.5, 1, 3, 4], not a nested one")
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ValueError(f"{v!r} is not a number; use ints or floats only")
        if not math.isfinite(v):
            raise ValueError(f"{v!r} is not a finite number")
    return [float(v) for v in value]


def parse_matrix(text: str, limit: int = 64) -> list[list[float]]:
    """A rectangular list of lists of numbers, e.g. ``[[3, 9], [7, 2]]``; ValueError with a plain message."""
    try:
        value = ast.literal_eval(text.strip())
    except (ValueError, SyntaxError):
        raise ValueError(f"{text!r} is not a list of lists of numbers; type something like [[3, 9], [7, 2]]") from None
    if not isinstance(value, (list, tuple)) or not value or not all(isinstance(r, (list, tuple)) for r in value):
        raise ValueError("type a matrix as a list of rows, e.g. [[3, 9], [7, 2]]")
    widths = {len(r) for r in value}
    if len(widths) != 1 or 0 in widths:
        raise ValueError(f"every row needs the same, non-zero number of values (got row lengths {[len(r) for r in value]})")
    if len(value) * widths.pop() > limit:
        raise ValueError(f"keep it to {limit} numbers or fewer")
    for row in value:
        for v in row:
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise ValueError(f"{v!r} is not a number; use ints or floats only")
            if not math.isfinite(v):
                raise ValueError(f"{v!r} is not a finite number")
    return [list(r) for r in value]


def std_by_hand(values: Sequence[float], ddof: int) -> float:
    """sqrt(sum((x - mean)**2) / (N - ddof)) in plain Python: nan when N - ddof <= 0."""
    n = len(values)
    if n - ddof <= 0:
        return math.nan
    mean = math.fsum(values) / n
    return math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - ddof))


def which_correction(std: float, values: Sequence[float], tol: float = 1e-5) -> str:
    """Name the correction a computed std matches: 'ddof=0 (population)', 'ddof=1 (sample, Bessel)' or '?'."""
    for ddof, name in ((0, "ddof=0 (population)"), (1, "ddof=1 (sample, Bessel)")):
        ref = std_by_hand(values, ddof)
        if math.isnan(ref) and math.isnan(std):
            return name
        if not math.isnan(ref) and math.isclose(std, ref, rel_tol=tol, abs_tol=tol):
            return name
    return "?"


# --- reducing one axis of a matrix ------------------------------------------------------

REDUCTIONS = ("mean", "sum", "max", "min")
DTYPES = ("float32", "float64", "integer")  # integer: each library's default integer type


def _arange(lib: str, dtype: str) -> str:
    prefix = {"numpy": "np", "torch": "torch", "mlx": "mx"}[lib]
    if dtype == "integer":
        return f"{prefix}.arange($rows * $cols)"
    return f"{prefix}.arange($rows * $cols, dtype={prefix}.{dtype})"


def axis_example(op: str, dtype: str) -> Example:
    """``arange(rows*cols).reshape(rows, cols)`` and ``op`` over one axis, in the given dtype."""
    if op not in REDUCTIONS:
        raise ValueError(f"unknown reduction {op!r}; choose from {', '.join(REDUCTIONS)}")
    if dtype not in DTYPES:
        raise ValueError(f"unknown dtype {dtype!r}; choose from {', '.join(DTYPES)}")
    # torch.max(t, dim=...) returns (values, indices); .values keeps the output one array like the others
    torch_call = f"torch.{op}(t, dim=$axis)" + (".values" if op in ("max", "min") else "")
    return Example(
        key=f"axis_{op}_{dtype}",
        title=f"{op.capitalize()} over one axis of a matrix ({dtype})",
        code={
            "numpy": f"a = {_arange('numpy', dtype)}\na = a.reshape($rows, $cols)\na, a.{op}(axis=$axis)",
            "torch": f"t = {_arange('torch', dtype)}\nt = t.reshape($rows, $cols)\nt, {torch_call}",
            "mlx": f"m = {_arange('mlx', dtype)}\nm = m.reshape($rows, $cols)\nm, m.{op}(axis=$axis)",
        },
    )


def collapse_records(matrix, result, axis: int) -> tuple[list[dict], list[dict]]:
    """Cells for the picture: every input cell tagged with the output element it is reduced into.

    ``matrix`` is 2-D, ``result`` is the 1-D reduction over ``axis`` (0: down the rows, so one
    value per column; 1: along each row, so one value per row). Returns (input cells, output cells),
    each a dict with row, col, value and group (the output index, used for the colour).
    """
    rows, cols = len(matrix), len(matrix[0])
    if axis not in (0, 1, -1, -2):
        raise ValueError(f"axis {axis} is out of range for a 2-D array")
    axis %= 2
    expected = cols if axis == 0 else rows
    if len(result) != expected:
        raise ValueError(f"a reduction over axis {axis} of a {rows}x{cols} matrix has {expected} values, not {len(result)}")
    cells = [
        {"row": r, "col": c, "value": float(matrix[r][c]), "group": c if axis == 0 else r}
        for r in range(rows) for c in range(cols)
    ]
    out = [
        {"row": 0 if axis == 0 else i, "col": i if axis == 0 else 0, "value": float(v), "group": i}
        for i, v in enumerate(result)
    ]
    return cells, out


# --- N-D arrays: the shape a reduction leaves --------------------------------------------

ND_MEAN = Example(
    key="nd_mean",
    title="Mean over an axis of an N-D array: the shape that is left",
    code={
        "numpy": "x = np.random.random($shape)\nm = np.mean(x, axis=$axis, keepdims=$keepdims)\nx.shape, m.shape",
        "torch": "x = torch.rand($shape)\nm = torch.mean(x, dim=$axis, keepdim=$keepdims)\nx.shape, m.shape",
        "mlx": "x = mx.random.uniform(shape=$shape)\nm = mx.mean(x, axis=$axis, keepdims=$keepdims)\nx.shape, m.shape",
    },
    note="PyTorch calls the axis `dim` and the flag `keepdim` (it also accepts NumPy's `axis`/`keepdims`).",
)

MAX_ND = 6
MAX_ELEMENTS = 1 << 24  # 16.7 million: a page that answers in well under a second on a laptop


def reduced_shape(shape: Sequence[int], axis: int | None, keepdims: bool = False) -> tuple[int, ...]:
    """The shape left after reducing ``axis`` (None: every axis). ValueError for an axis out of range."""
    shape = tuple(int(s) for s in shape)
    if axis is None:
        return tuple(1 for _ in shape) if keepdims else ()
    nd = len(shape)
    if not -nd <= axis < nd:
        raise ValueError(f"axis {axis} is out of range for an array with {nd} dimension{'s' if nd != 1 else ''}")
    axis %= nd
    if keepdims:
        return shape[:axis] + (1,) + shape[axis + 1:]
    return shape[:axis] + shape[axis + 1:]


def check_nd_size(shape: Sequence[int], copies: int = 3, itemsize: int = 4) -> int:
    """Refuse, before anything is allocated, a shape too big for memory or for a quick page.

    ``copies``: how many libraries will each hold one float32 array of this shape.
    Returns the element count when it is acceptable; raises :class:`TooLarge` otherwise.
    """
    if not shape or any(int(s) < 1 for s in shape):
        raise ValueError(f"every dimension needs a size of at least 1 (got {tuple(shape)})")
    count = math.prod(int(s) for s in shape)
    what = f"a float32 array of shape {tuple(shape)} ({count:,} elements) in {copies} librar{'ies' if copies != 1 else 'y'}"
    check_fits(count * itemsize * max(copies, 1), what)
    if count > MAX_ELEMENTS:
        raise TooLarge(f"{what} is more than this page's {MAX_ELEMENTS:,} elements per array; choose smaller sizes.")
    return count


def as_shape(value: Any) -> tuple[int, ...]:
    """``(5, 4)`` from a NumPy/MLX shape tuple or a ``torch.Size``."""
    return tuple(int(s) for s in value)


# --- max with indices ------------------------------------------------------------------

MAX_WITH_INDEX = Example(
    key="max_with_index",
    title="The largest value along an axis, and where it is",
    code={
        "numpy": "n = np.array($matrix)\nn.max(axis=$axis), n.argmax(axis=$axis)",
        "torch": "t = torch.tensor($matrix)\nvalues, indices = torch.max(t, dim=$axis)\nvalues, indices",
        "mlx": "m = mx.array($matrix)\nm.max(axis=$axis), m.argmax(axis=$axis)",
    },
    note="PyTorch's max over a dimension returns both values and indices; NumPy and MLX ask for the index with argmax.",
)


def tied_maxima(matrix, axis: int) -> int:
    """How many slices along ``axis`` have their maximum in more than one place (where indices may differ)."""
    rows, cols = len(matrix), len(matrix[0])
    axis %= 2
    lines = ([[matrix[r][c] for r in range(rows)] for c in range(cols)] if axis == 0 else [list(r) for r in matrix])
    return sum(1 for line in lines if line.count(max(line)) > 1)
