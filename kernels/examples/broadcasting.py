"""Broadcasting: the rule as a checker, and ``a + b`` run in each library.

The rule (NumPy's, and Torch's and MLX's too): line the two shapes up at their
trailing (right-most) dimensions; a missing dimension counts as 1; two sizes are
compatible when they are equal or one of them is 1, and the result takes the
larger. :func:`check` does this dimension by dimension so a page can show the
alignment table and the dimension that fails; the libraries then run the real
operation and either agree with it or refuse in their own words.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..cells import Example
from ..memory import TooLarge, check_fits
from .inputs import and_list, grouped

# Results up to this many elements are printed in full; beyond it only the shape is shown.
PRINT_LIMIT = 120
# Keep one request small enough that the page answers at once, whatever the memory.
MAX_ELEMENTS = 50_000_000


def format_shape(shape: tuple[int, ...]) -> str:
    """``(6, 5)``, ``(5,)``: the shape as NumPy prints it."""
    return repr(tuple(shape))


@dataclass(frozen=True)
class Dimension:
    """One row of the alignment table (a result axis, counted from the right)."""

    from_right: int  # -1 for the trailing dimension
    a: int | None  # None: a has fewer dimensions, so this one counts as 1
    b: int | None
    ok: bool
    size: int | None  # the result's size here, when ok
    why: str

    def as_row(self) -> dict[str, object]:
        return {
            "dim (from the right)": self.from_right,
            "a": "·" if self.a is None else str(self.a),
            "b": "·" if self.b is None else str(self.b),
            "rule": self.why,
            "result": str(self.size) if self.ok else "✗",
        }


@dataclass(frozen=True)
class Check:
    a: tuple[int, ...]
    b: tuple[int, ...]
    dims: tuple[Dimension, ...]  # left to right, as the result's axes

    @property
    def ok(self) -> bool:
        return all(d.ok for d in self.dims)

    @property
    def result(self) -> tuple[int, ...] | None:
        return tuple(d.size for d in self.dims) if self.ok else None

    @property
    def failing(self) -> list[Dimension]:
        return [d for d in self.dims if not d.ok]

    def rows(self) -> list[dict[str, object]]:
        return [d.as_row() for d in self.dims]

    def verdict(self) -> str:
        if self.ok:
            return f"{format_shape(self.a)} and {format_shape(self.b)} broadcast to {format_shape(self.result)}."
        first = self.failing[-1]  # the right-most failure: where NumPy's comparison stops
        return (
            f"{format_shape(self.a)} and {format_shape(self.b)} do not broadcast: at dimension "
            f"{first.from_right} (counting from the right) a has {first.a} and b has {first.b}; "
            "they differ and neither is 1."
        )


def _stretched(size: int) -> str:
    """What happens to a 1 broadcast to ``size``: a 1 broadcasts to 0 too, with nothing to repeat."""
    return f"stretched to {size}" if size else "the result has size 0 here (nothing to repeat)"


def _dimension(from_right: int, a: int | None, b: int | None) -> Dimension:
    if a is None:
        return Dimension(from_right, a, b, True, b, f"a has no dim here: counts as 1, {_stretched(b)}")
    if b is None:
        return Dimension(from_right, a, b, True, a, f"b has no dim here: counts as 1, {_stretched(a)}")
    if a == b:
        return Dimension(from_right, a, b, True, a, "equal")
    if a == 1:
        return Dimension(from_right, a, b, True, b, f"a is 1: {_stretched(b)}")
    if b == 1:
        return Dimension(from_right, a, b, True, a, f"b is 1: {_stretched(a)}")
    return Dimension(from_right, a, b, False, None, f"{a} ≠ {b} and neither is 1")


def check(a: tuple[int, ...], b: tuple[int, ...]) -> Check:
    """Apply the broadcasting rule dimension by dimension, trailing dimensions first."""
    n = max(len(a), len(b))
    dims = []
    for i in range(1, n + 1):
        da = a[-i] if i <= len(a) else None
        db = b[-i] if i <= len(b) else None
        dims.append(_dimension(-i, da, db))
    return Check(tuple(a), tuple(b), tuple(reversed(dims)))


def elements(shape: tuple[int, ...]) -> int:
    return math.prod(shape)


def bytes_needed(a: tuple[int, ...], b: tuple[int, ...], *, itemsize: int = 8, libraries: int = 3) -> int:
    """What running ``a + b`` in every library could take: both inputs and the result, each
    at the widest dtype used (NumPy's float64), once per library."""
    result = check(a, b).result
    per_library = elements(a) + elements(b) + (elements(result) if result is not None else 0)
    return per_library * itemsize * libraries


def refuse_if_too_large(a: tuple[int, ...], b: tuple[int, ...], *, libraries: int = 3,
                        available: int | None = None) -> None:
    """Raise :class:`kernels.memory.TooLarge` (a ValueError) before anything is allocated."""
    result = check(a, b).result
    biggest = max(elements(a), elements(b), elements(result) if result is not None else 0)
    if biggest > MAX_ELEMENTS:
        raise TooLarge(
            f"That is {biggest:,} elements in one array; this page keeps each array under "
            f"{MAX_ELEMENTS:,} so it answers at once. Choose smaller sizes."
        )
    check_fits(bytes_needed(a, b, libraries=libraries),
               f"Computing a + b for {format_shape(a)} and {format_shape(b)}", available=available)


def prints_in_full(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    result = check(a, b).result
    return elements(result if result is not None else max(a, b, key=elements)) <= PRINT_LIMIT


ADD_PRINTED = Example(
    key="broadcast_add",
    title="a + b, printed in full",
    code={
        "numpy": "a = np.ones($a)\nb = np.arange($b_size).reshape($b)\na + b",
        "torch": "a = torch.ones($a, device=$device)\nb = torch.arange($b_size, device=$device).reshape($b)\na + b",
        "mlx": "a = mx.ones($a)\nb = mx.arange($b_size).reshape($b)\na + b",
    },
    note="a is all ones, b counts up, so you can see which of b's values were repeated where. PyTorch makes "
         "its tensors on the GPU, where this machine has one; MLX adds on its default device, the GPU on a Mac.",
)

ADD_SHAPE = Example(
    key="broadcast_add_shape",
    title="a + b: the result's shape",
    code={
        "numpy": "a = np.ones($a)\nb = np.arange($b_size).reshape($b)\nc = a + b\nc.shape, c.dtype",
        "torch": ("a = torch.ones($a, device=$device)\nb = torch.arange($b_size, device=$device).reshape($b)\n"
                  "c = a + b\nc.shape, c.dtype"),
        "mlx": "a = mx.ones($a)\nb = mx.arange($b_size).reshape($b)\nc = a + b\nc.shape, c.dtype",
    },
    note=f"Too many elements to print (more than {PRINT_LIMIT}), so each library shows the result's shape and dtype.",
)


def example_for(a: tuple[int, ...], b: tuple[int, ...]) -> Example:
    return ADD_PRINTED if prints_in_full(a, b) else ADD_SHAPE


def params(a: tuple[int, ...], b: tuple[int, ...]) -> dict[str, object]:
    return {"a": tuple(a), "b": tuple(b), "b_size": elements(b)}


def outcome(example: Example, value: Any) -> tuple[tuple[int, ...], str]:
    """(shape, dtype name) of one library's ``a + b``: from the array when it was printed in full,
    from the ``(shape, dtype)`` pair :data:`ADD_SHAPE` returns otherwise."""
    shape, dtype = value if example is ADD_SHAPE else (value.shape, value.dtype)
    return tuple(int(s) for s in shape), str(dtype).rsplit(".", 1)[-1]


def summary(checked: Check, example: Example, results: Mapping[str, Any]) -> str:
    """What the libraries really did with ``a + b``, against the checker: who gave which shape and
    dtype, who refused; every clause computed from the cells' results."""
    done = {r.label: outcome(example, r.value) for r in results.values() if r.ok}
    refused = [r.label for r in results.values() if r.status == "error"]
    if checked.ok:
        return _accepted(checked, done, refused)
    parts = []
    if refused:
        parts.append(f"{and_list(refused)} {'refuses' if len(refused) == 1 else 'refuse'} this pair, as the "
                     "checker does, each in its own words (in its column above).")
    if done:
        parts.append(f"{and_list(done)} computed a result for a pair the checker refuses.")
    return " ".join(parts)


def _accepted(checked: Check, done: Mapping[str, tuple], refused: list[str]) -> str:
    expected = format_shape(checked.result)
    agree = [label for label, (shape, _) in done.items() if shape == checked.result]
    parts = []
    if agree:
        parts.append(f"{and_list(agree)} {'gives' if len(agree) == 1 else 'give'} shape {expected}, "
                     "as the checker says.")
    parts += [f"{label} gives shape {format_shape(shape)} where the checker says {expected}."
              for label, (shape, _) in done.items() if shape != checked.result]
    if refused:
        parts.append(f"{and_list(refused)} refused a pair the checker accepts.")
    if done:
        parts.append(f"Result dtypes: {grouped({label: dtype for label, (_, dtype) in done.items()})} "
                     "(`ones` is each library's default float, and adding an integer `arange` keeps it).")
    return " ".join(parts)


# Ready-made pairs: (button label, a, b, what it shows). The first two are the notebook's.
PRESETS: tuple[tuple[str, str, str, str], ...] = (
    ("Notebook: (6,5) + (1,5)", "6, 5", "1, 5", "ones((6,5)) + arange(5).reshape((1,5)), printed in full"),
    ("Notebook: six dims", "1, 6, 4, 1, 7, 2", "5, 6, 1, 3, 1, 2", "(1,6,4,1,7,2) with (5,6,1,3,1,2)"),
    ("Image × scale", "256, 256, 3", "3", "a 256×256 RGB image times one factor per channel"),
    ("Column + row", "4, 1", "3", "(4,1) with (3,): both are stretched, into a 4×3 table"),
    ("Incompatible", "2, 3", "4", "(2,3) with (4,): 3 and 4 differ and neither is 1"),
)
