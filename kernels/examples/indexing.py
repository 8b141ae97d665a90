"""Indexing and updates: where NumPy, PyTorch and MLX part ways when code reads or writes parts of an array.

A slice is a view in NumPy and PyTorch and a new array in MLX; ``a[idx] += 1`` with a repeated index
counts once everywhere, while ``np.add.at``, ``index_add_``/``scatter_add_`` and MLX's ``a.at[idx].add``
count every occurrence, the last one returning a new array that is easy to throw away; a boolean
mask selects in NumPy and PyTorch and is refused by MLX (which takes it for assignment); and each
library refuses different things. Every example is one template per library, shown and executed
(:mod:`kernels.cells`); the words the page says about an output are computed from that output here.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..cells import CellResult, Example

SIZES = (4, 12)  # smallest and largest array length n
DEFAULT_N = 6
DEFAULT_SLICE = (1, 4)
DEFAULT_INDICES = "[0, 0, 2]"
MAX_INDICES = 16
SENTINEL = 100  # written through a slice; larger than any value arange(n) holds

# Plain digits, signs, commas, brackets and spaces: nothing the parser could recurse on.
_INDEX_TEXT = re.compile(r"\s*[\[(]?\s*(-?\d{1,3}\s*(,\s*-?\d{1,3}\s*)*)?,?\s*[\])]?\s*")


def parse_indices(text: str, n: int) -> list[int]:
    """A list of whole-number positions into an array of length ``n`` (repeats allowed, negative
    counting from the end); ValueError with a plain message otherwise.

    Every index is checked here because MLX does not check: an index past the end reads (or, for
    ``.at[...].add``, writes) memory it does not own."""
    text = str(text)
    if len(text) > 200 or not _INDEX_TEXT.fullmatch(text):
        raise ValueError("type whole numbers separated by commas, e.g. [0, 0, 2]")
    values = [int(v) for v in re.findall(r"-?\d+", text)]
    if not values:
        raise ValueError("type at least one index, e.g. [0, 0, 2]")
    if len(values) > MAX_INDICES:
        raise ValueError(f"keep it to {MAX_INDICES} indices or fewer")
    bad = [v for v in values if not -n <= v < n]
    if bad:
        raise ValueError(f"{bad[0]} is not a position in an array of length {n} "
                         f"(use {-n} to {n - 1})")
    return values


def check_params(n: int, start: int, stop: int) -> None:
    lo, hi = SIZES
    if not lo <= n <= hi:
        raise ValueError(f"n must be between {lo} and {hi}; got {n}")
    if not 0 <= start < stop <= n:
        raise ValueError(f"pick a slice with at least one element inside 0…{n}; got {start}:{stop}")


def params(n: int, start: int, stop: int, indices: list[int]) -> dict[str, Any]:
    """The values every template of this page is filled with."""
    check_params(n, start, stop)
    return {"n": int(n), "start": int(start), "stop": int(stop), "idx": [int(i) for i in indices],
            "half": int(n) // 2, "sentinel": SENTINEL}


def once(n: int, indices: list[int]) -> np.ndarray:
    """What ``a[idx] += 1`` gives on zeros: 1 at every position named at least once."""
    out = np.zeros(n)
    out[np.asarray(indices)] = 1
    return out


def counts(n: int, indices: list[int]) -> np.ndarray:
    """What an accumulating update gives on zeros: how many times each position is named."""
    return np.bincount(np.asarray(indices) % n, minlength=n).astype(float)


def repeated(indices: list[int], n: int) -> list[int]:
    """The positions named more than once (after negative indices are counted from the end)."""
    seen = np.bincount(np.asarray(indices) % n, minlength=n)
    return [int(i) for i in np.flatnonzero(seen > 1)]


# --- 1. a slice: a view or a new array ------------------------------------------------------

SLICE = Example(
    key="slice",
    title="Write through a slice: does the original change?",
    code={
        "numpy": (
            "a = np.arange($n)\n"
            "s = a[$start:$stop]  # a view of a's memory\n"
            "s[0] = $sentinel\n"
            "print('a:', a)\n"
            "print('s:', s)\n"
            "a_changed = bool(a[$start] == $sentinel)\n"
            "a_changed"
        ),
        "torch": (
            "a = torch.arange($n)\n"
            "s = a[$start:$stop]  # a view, as in NumPy\n"
            "s[0] = $sentinel\n"
            "print('a:', a)\n"
            "print('s:', s)\n"
            "a_changed = bool(a[$start] == $sentinel)\n"
            "a_changed"
        ),
        "mlx": (
            "a = mx.arange($n)\n"
            "s = a[$start:$stop]  # a new array, not a view\n"
            "s[0] = $sentinel\n"
            "print('a:', a)\n"
            "print('s:', s)\n"
            "a_changed = bool(a[$start] == $sentinel)\n"
            "a_changed"
        ),
    },
    note="The same three lines in each library: slice, write into the slice, look at the original.",
)

# --- 2. repeated indices: applied once, or accumulated ---------------------------------------

REPEATED = Example(
    key="repeated",
    title="Add 1 at these indices, where an index repeats",
    code={
        "numpy": (
            "idx = np.array($idx)\n"
            "once = np.zeros($n)\n"
            "once[idx] += 1  # buffered: a repeated index counts once\n"
            "every = np.zeros($n)\n"
            "np.add.at(every, idx, 1)  # unbuffered: every occurrence counts\n"
            "once, every"
        ),
        "torch": (
            "idx = torch.tensor($idx, device=$device)\n"
            "once = torch.zeros($n, device=$device)\n"
            "once[idx] += 1  # counts once, as in NumPy\n"
            "ones = torch.ones(len(idx), device=$device)\n"
            "every = torch.zeros($n, device=$device).index_add_(0, idx, ones)\n"
            "also = torch.zeros($n, device=$device).scatter_add_(0, idx, ones)\n"
            "once, every, also"
        ),
        "mlx": (
            "idx = mx.array($idx)\n"
            "with mx.stream($device):  # MLX picks the device per operation\n"
            "    once = mx.zeros($n)\n"
            "    once[idx] += 1  # counts once, as in NumPy\n"
            "    every = mx.zeros($n).at[idx].add(1)  # a new array, every occurrence counted\n"
            "once, every"
        ),
    },
    note="`a[idx] += 1` reads a[idx], adds 1 and writes the result back: a position named twice is "
         "written twice with the same value. The accumulating forms add once per occurrence. PyTorch "
         "works on the GPU and MLX picks it per operation, where this machine has one.",
)

# --- 3. the update that was thrown away -------------------------------------------------------

FORGOTTEN = Example(
    key="forgotten",
    title="The update that was thrown away",
    code={
        "numpy": (
            "idx = np.array($idx)\n"
            "forgot = np.zeros($n)\n"
            "returned = np.add.at(forgot, idx, 1)  # in place: there is nothing to keep\n"
            "forgot, returned"
        ),
        "torch": (
            "idx = torch.tensor($idx)\n"
            "ones = torch.ones(len(idx))\n"
            "forgot = torch.zeros($n)\n"
            "forgot.index_add(0, idx, ones)  # no underscore: a new tensor, dropped\n"
            "kept = torch.zeros($n)\n"
            "kept = kept.index_add(0, idx, ones)  # the result kept\n"
            "forgot, kept"
        ),
        "mlx": (
            "idx = mx.array($idx)\n"
            "forgot = mx.zeros($n)\n"
            "forgot.at[idx].add(1)  # a new array, dropped: forgot is unchanged\n"
            "kept = mx.zeros($n)\n"
            "kept = kept.at[idx].add(1)  # the result kept\n"
            "forgot, kept"
        ),
    },
    note="No error, no warning: the dropped line is valid code that computes a new array and lets it go.",
)

# --- 4. boolean masks --------------------------------------------------------------------------

MASK_SELECT = Example(
    key="mask_select",
    title="Select with a boolean mask: a[a > t]",
    code={
        "numpy": "a = np.arange($n) - $half\na[a > $t]",
        "torch": "a = torch.arange($n) - $half\na[a > $t]",
        "mlx": "a = mx.arange($n) - $half\na[a > $t]",
    },
    note="How many elements pass depends on the data, so the result's shape is only known once the "
         "values are.",
)

MASK_INSTEAD = Example(
    key="mask_instead",
    title="What works in all three: assign through the mask, keep the shape with where, count with sum",
    code={
        "numpy": (
            "a = np.arange($n) - $half\n"
            "a[a < $t] = $t  # assignment through a mask\n"
            "b = np.arange($n) - $half\n"
            "kept = np.where(b > $t, b, 0)  # same shape, 0 where the mask is False\n"
            "passed = int((b > $t).sum())\n"
            "a, kept, passed"
        ),
        "torch": (
            "a = torch.arange($n) - $half\n"
            "a[a < $t] = $t\n"
            "b = torch.arange($n) - $half\n"
            "kept = torch.where(b > $t, b, 0)\n"
            "passed = int((b > $t).sum())\n"
            "a, kept, passed"
        ),
        "mlx": (
            "import numpy as np\n"
            "a = mx.arange($n) - $half\n"
            "a[a < $t] = $t  # MLX takes a mask for assignment\n"
            "b = mx.arange($n) - $half\n"
            "kept = mx.where(b > $t, b, 0)\n"
            "passed = int((b > $t).sum())\n"
            "selected = np.array(b)[np.array(b > $t)]  # selecting needs the values: do it in NumPy\n"
            "a, kept, passed, selected"
        ),
    },
)

# --- 5. fancy indexing --------------------------------------------------------------------------

FANCY = Example(
    key="fancy",
    title="Index arrays: pairs of positions, a block of rows × columns, and a copy",
    code={
        "numpy": (
            "m = np.arange(12).reshape(3, 4)\n"
            "pairs = m[np.array([0, 2]), np.array([1, 3])]  # m[0, 1] and m[2, 3]\n"
            "block = m[np.array([[0], [2]]), np.array([1, 3])]  # rows 0, 2 × columns 1, 3\n"
            "block[0, 0] = -1  # a copy: m is unchanged\n"
            "pairs, block, int(m[0, 1])"
        ),
        "torch": (
            "m = torch.arange(12).reshape(3, 4)\n"
            "pairs = m[torch.tensor([0, 2]), torch.tensor([1, 3])]\n"
            "block = m[torch.tensor([[0], [2]]), torch.tensor([1, 3])]\n"
            "block[0, 0] = -1\n"
            "pairs, block, int(m[0, 1])"
        ),
        "mlx": (
            "m = mx.arange(12).reshape(3, 4)\n"
            "pairs = m[mx.array([0, 2]), mx.array([1, 3])]\n"
            "block = m[mx.array([[0], [2]]), mx.array([1, 3])]\n"
            "block[0, 0] = -1\n"
            "pairs, block, int(m[0, 1])"
        ),
    },
    note="Index arrays broadcast against each other the same way in all three; the result is always a "
         "new array (NumPy and PyTorch copy, as MLX always does).",
)

# --- 6. what each library refuses ----------------------------------------------------------------

REFUSALS_EXPRESSIONS = ("a[::-1]", "a[$n]", "a[a > 0]", "a[[0, 0, 1]]")


def _refusals(make: str, comment: str = "") -> str:
    exprs = ", ".join(repr(e) for e in REFUSALS_EXPRESSIONS)
    return (
        f"a = {make}{comment}\n"
        f"for expr in [{exprs}]:\n"
        "    try:\n"
        "        print(expr, '->', eval(expr))\n"
        "    except Exception as e:\n"
        "        print(expr, '->', type(e).__name__ + ':', e)"
    )


REFUSALS = Example(
    key="refusals",
    title="Four indexing expressions, and which library refuses which",
    code={
        "numpy": _refusals("np.arange($n) - $half"),
        "torch": _refusals("torch.arange($n) - $half"),
        "mlx": _refusals("mx.arange($n) - $half", "  # MLX does not check bounds: see a[$n]"),
    },
    note="A reversed slice, one position past the end, a boolean mask, a repeated index list. "
         "MLX reads past the end without complaint: the number it prints is whatever lies in memory "
         "there (undefined behaviour), so it changes from run to run.",
)

EXAMPLES = (SLICE, REPEATED, FORGOTTEN, MASK_SELECT, MASK_INSTEAD, FANCY, REFUSALS)


# --- what the outputs say, in words computed from them -------------------------------------------

def as_float_list(value: Any, backend) -> list[float]:
    return [float(v) for v in np.asarray(backend.to_numpy(value), dtype=np.float64).ravel()]


def slice_changed(results: Mapping[str, CellResult]) -> dict[str, bool]:
    """For each library that ran the slice example: did writing into the slice change the original?"""
    return {name: bool(r.value) for name, r in results.items() if r.ok}


def refusal_lines(result: CellResult) -> dict[str, str]:
    """The refusals example's printed lines, by expression: ``{"a[::-1]": "ValueError: step must…"}``."""
    out = {}
    for line in result.stdout.splitlines():
        expr, sep, rest = line.partition(" -> ")
        if sep:
            out[expr] = rest
    return out


def refused(outcome: str) -> bool:
    """Whether a printed outcome is an exception (``IndexError: …``) rather than a value."""
    return bool(re.match(r"^[A-Z][A-Za-z]*(Error|Exception):", outcome))
