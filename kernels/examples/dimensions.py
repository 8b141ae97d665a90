"""Operations across dimensions: reductions (mean, std, max, min) over all or one axis.

The examples are written once per library; the helpers below are the pure logic the
page uses around them (parsing input, the std by hand, the shape a reduction leaves,
the size guard, the picture of which axis collapses). Nothing here imports streamlit.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..cells import Example
from ..memory import TooLarge, check_fits
from .inputs import as_lists, plural, read_literal, real, shown

# --- 1-D summary statistics -------------------------------------------------------------

STATS = Example(
    key="stats_default",
    title="Mean, std, max and min with each library's defaults",
    code={
        "numpy": "n = np.array($values)\n(np.mean(n), np.std(n),\n np.max(n), np.min(n))",
        "torch": ("t = torch.tensor($values, device=$device)\n(torch.mean(t), torch.std(t),\n"
                  " torch.max(t), torch.min(t))"),
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
    value = as_lists(read_literal(text, "a list of numbers", "[0.5, 1, 3, 4]"))
    if not isinstance(value, list) or not value:
        raise ValueError("type a non-empty list of numbers, e.g. [0.5, 1, 3, 4]")
    if len(value) > limit:
        raise ValueError(f"keep it to {limit} numbers or fewer (got {len(value)})")
    if any(isinstance(v, list) for v in value):
        raise ValueError("this example is one-dimensional: a flat list like [0.5, 1, 3, 4], not a nested one")
    return [real(v) for v in value]


def parse_matrix(text: str, limit: int = 64) -> list[list[float]]:
    """A rectangular list of lists of numbers, e.g. ``[[3, 9], [7, 2]]``; ValueError with a plain message."""
    value = as_lists(read_literal(text, "a list of lists of numbers", "[[3, 9], [7, 2]]"))
    if not isinstance(value, list) or not value or not all(isinstance(r, list) for r in value):
        raise ValueError("type a matrix as a list of rows, e.g. [[3, 9], [7, 2]]")
    widths = {len(r) for r in value}
    if len(widths) != 1 or 0 in widths:
        lengths = [len(r) for r in value]
        raise ValueError(f"every row needs the same, non-zero number of values (got row lengths {shown(lengths)})")
    if len(value) * widths.pop() > limit:
        raise ValueError(f"keep it to {limit} numbers or fewer")
    for row in value:
        for v in row:
            if isinstance(v, list):
                raise ValueError("a matrix is a list of rows of numbers, e.g. [[3, 9], [7, 2]], not deeper")
            real(v)
    return value


def std_by_hand(values: Sequence[float], ddof: int) -> float:
    """sqrt(sum((x - mean)**2) / (N - ddof)) in plain Python: nan when N - ddof <= 0, inf when the
    std itself is past float64's largest number. Computed on values scaled into [-1, 1], so huge
    inputs (``[1e308, -1e308]``) never overflow on the way (``x**2`` would raise OverflowError)."""
    n = len(values)
    if n - ddof <= 0:
        return math.nan
    scale = max(abs(v) for v in values)
    if scale == 0:
        return 0.0
    scaled = [v / scale for v in values]
    mean = math.fsum(scaled) / n
    return math.sqrt(math.fsum((v - mean) ** 2 for v in scaled) / (n - ddof)) * scale


def overflows(values: Sequence[float], dtype: str = "float32") -> bool:
    """Whether a std in ``dtype`` can overflow on these values: a value past the dtype's largest
    number, a sum of the values (for the mean) past it, or squared deviations whose sum passes it."""
    big = float(_finfo(dtype).max)
    n = len(values)
    mean = math.fsum(v / n for v in values)
    return (any(abs(v) > big for v in values) or math.fsum(abs(v) / n for v in values) > big / n
            or max(abs(v - mean) for v in values) > math.sqrt(big / n))


def _finfo(dtype: str):
    try:
        return np.finfo(dtype)
    except (TypeError, ValueError):
        return np.finfo(np.float64)


POPULATION, SAMPLE = "ddof=0 (population)", "ddof=1 (sample, Bessel)"


def which_correction(std: float, values: Sequence[float], dtype: str = "float64", tol: float = 1e-5) -> str:
    """Name the correction a computed std (in ``dtype``) matches, and say so when it cannot be told:
    'ddof=0 (population)', 'ddof=1 (sample, Bessel)', 'either: ...' when both rules give the same
    std here, 'NaN: ...'/'neither: ...' with the reason."""
    if not math.isfinite(std):
        return _non_finite(std, values, dtype)
    pop, sample = std_by_hand(values, 0), std_by_hand(values, 1)
    slack = float(_finfo(dtype).eps) * max(abs(v) for v in values)  # the dtype's rounding of the values

    def near(ref: float) -> bool:
        return math.isfinite(ref) and abs(std - ref) <= tol * abs(ref) + slack

    if near(pop) and near(sample):
        if pop == 0:
            return "either: every value is the same, so the std is 0 with both"
        return f"either: in {dtype} ddof=0 and ddof=1 are too close to tell apart here"
    if near(pop):
        return POPULATION
    if near(sample):
        return SAMPLE
    return f"neither: ddof=0 gives {format_stat(pop)}, ddof=1 {format_stat(sample)}"


def _non_finite(std: float, values: Sequence[float], dtype: str) -> str:
    word = format_stat(std)
    if overflows(values, dtype):
        return f"neither: {word}, overflow in {dtype}"
    if math.isnan(std) and len(values) == 1:
        return "NaN: ddof=1 divides by N − 1 = 0"
    return f"neither: {word}"


def format_stat(value: float, digits: int = 6) -> str:
    """A statistic as the table shows it: ``1.430690``, ``1.000000e+308``, ``NaN``, ``inf``."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value != 0 and not 1e-4 <= abs(value) < 1e6:
        return f"{value:.{digits}e}"
    return f"{value:.{digits}f}"


def correction_text(values: Sequence[float]) -> str:
    """The paragraph under the std table, every number and claim computed from these values."""
    n = len(values)
    pop, sample = std_by_hand(values, 0), std_by_hand(values, 1)
    these = f"this {n} value" if n == 1 else f"these {n} values"
    why_nan = "; with one value N − 1 = 0 leaves nothing to divide by" if n == 1 else ""
    text = (f"The standard deviation divides the summed squared deviations by **N − ddof**. With {these}, "
            f"ddof = 0 gives **{format_stat(pop, 4)}** (the population std) and ddof = 1 gives "
            f"**{format_stat(sample, 4)}** (the sample std, with Bessel's correction, the unbiased "
            f"estimate when the values are a sample of something larger{why_nan}). **PyTorch applies the correction "
            "by default** (`correction=1`); **NumPy and MLX do not** (`ddof=0`). The *std matches* column "
            "is computed from the outputs above")
    if n == 1:
        text += ": with one value, PyTorch's default has nothing to divide by and gives NaN."
    elif overflows(values, "float32"):  # the libraries' dtypes: NumPy's float64, PyTorch's and MLX's float32
        where = [who for who, dtype in (("NumPy in float64", "float64"), ("PyTorch and MLX in float32", "float32"))
                 if overflows(values, dtype)]
        text += (f". Computed exactly, as here, they are {format_stat(pop, 4)} and {format_stat(sample, 4)}; but "
                 f"{' and '.join(where)} overflow on these values (the values, their sum or their squared "
                 "deviations pass the dtype's largest number), so those outputs above are inf or NaN whichever "
                 "rule was used: the dtype's range, not the rule.")
    elif pop == 0:
        text += (": here every value is the same, so both rules give 0 and the outputs cannot show which "
                 "one each library used.")
    else:
        text += ", so it shows which rule each library used here."
    return text + " " + porting_text(n, pop)


def porting_text(n: int, pop: float) -> str:
    """What forgetting ``correction=0`` does to features standardised as ``(x - mean) / std``: the
    std grows by √(N/(N−1)), so the features shrink by √((N−1)/N), named for this N."""
    start = "Port a normalisation `(x − mean) / std` from NumPy to PyTorch without passing `correction=0`"
    if n == 1:
        return start + " and, for a single value, PyTorch's std is NaN, so every standardised feature is NaN."
    factor = math.sqrt((n - 1) / n)
    text = (f"{start} and PyTorch's std comes out √(N/(N−1)) = {1 / factor:.3f} times NumPy's for N = {n}, so "
            f"your standardised features come out multiplied by √((N−1)/N) = **{factor:.3f}** "
            f"({1 - factor:.1%} smaller): tiny for a big batch, large for a small one.")
    if pop == 0:
        text += " (With every value the same, both stds are 0 and standardising divides by 0 in either library.)"
    return text


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


def dtype_story(op: str, results: Mapping[str, Any]) -> str:
    """``Here: NumPy int64 → mean float64 · PyTorch refused (its message is in its column) · ...``,
    from the cells' own outputs (the matrix is output 0, the reduction output 1)."""
    parts = []
    for r in results.values():
        if r.ok and len(r.outputs) > 1:
            parts.append(f"{r.label} {r.outputs[0].dtype} → {op} {r.outputs[1].dtype}")
        elif r.status == "error":
            parts.append(f"{r.label} refused (its message is in its column)")
    return "Here: " + " · ".join(parts) + "." if parts else ""


def index_dtypes(results: Mapping[str, Any]) -> str:
    """The dtypes of the indices each library returned, and whether they differ, computed."""
    found = {r.label: r.outputs[1].dtype for r in results.values() if r.ok and len(r.outputs) > 1}
    if not found:
        return ""
    verb = "differ too" if len(set(found.values())) > 1 else "are the same here"
    return f"The index dtypes {verb}: " + ", ".join(f"{label} `{dtype}`" for label, dtype in found.items()) + "."


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
        raise ValueError(f"a reduction over axis {axis} of a {rows}x{cols} matrix has {expected} values, "
                         f"not {len(result)}")
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
        raise ValueError(f"axis {axis} is out of range for an array with {plural(nd, 'dimension')}")
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
        raise ValueError(f"Every dimension needs a size of at least 1 (got {tuple(shape)})")
    count = math.prod(int(s) for s in shape)
    what = (f"A float32 array of shape {tuple(shape)} ({plural(count, 'element')}) in "
            f"{plural(copies, 'library', 'libraries')}")
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


DOCUMENTS_FIRST = ("NumPy", "PyTorch")  # their argmax / max(dim=) documentation says: the first of ties


def ties_text(matrix, axis: int, indices: Mapping[str, Any]) -> str:
    """What the page says when a row (or column) has its maximum twice: what NumPy's and PyTorch's
    documentation promise (the first index), and, for a library whose documentation says nothing
    about ties (MLX), what it returned here, as observed. ``indices``: each library's (label) output."""
    ties = tied_maxima(matrix, axis)
    if not ties:
        return ""
    where = f"{ties} {'row' if axis % 2 == 1 else 'column'}{'' if ties == 1 else 's'}"
    text = f"{where} {'has' if ties == 1 else 'have'} a tie for the maximum."
    documented = [label for label in DOCUMENTS_FIRST if label in indices]
    if documented:
        text += (f" {' and '.join(documented)} document that {'they return' if len(documented) > 1 else 'it returns'}"
                 " the index of the first one.")
    first = np.argmax(np.asarray(matrix), axis=axis % 2)
    for label, found in indices.items():
        if label not in DOCUMENTS_FIRST:
            same = np.array_equal(np.asarray(found), first)
            text += (f" {label}'s documentation says nothing about ties; here it returned "
                     + ("the first one too." if same else "another one: do not rely on which."))
    return text

