"""Gradients: the same derivative by PyTorch autograd, MLX's ``mx.grad``, and NumPy by hand.

NumPy has no automatic differentiation, so its column computes the gradient two ways:
the analytic formula, and central finite differences with :func:`central_difference`,
whose source is pasted into the NumPy cell (the code shown is this function, which the
tests check). Nothing here imports streamlit.
"""
from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..cells import Example
from .inputs import as_lists, read_literal, real, shown


def central_difference(f, x, h=1e-5):
    """df/dx, one element at a time: (f(x+h) - f(x-h)) / 2h."""
    x = np.asarray(x, dtype=float)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = h
        grad[i] = (f(x + step) - f(x - step)) / (2 * h)
    return grad


CENTRAL_DIFFERENCE_SOURCE = inspect.getsource(central_difference).strip()

NUMPY_LOG_SOFTMAX = '''def log_softmax(x):
    shifted = x - x.max(axis=-1, keepdims=True)  # subtract the max so exp cannot overflow
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))'''


@dataclass(frozen=True)
class Function:
    key: str
    label: str  # what the picker shows
    formula: str  # LaTeX for y
    derivative: str  # LaTeX for dy/dx
    numpy_y: str  # NumPy expression of x
    numpy_grad: str  # the analytic gradient, a NumPy expression of x
    torch_y: str
    mlx_y: str
    numpy_prelude: str = ""  # helper definitions the NumPy expressions need
    uses_target: bool = False  # a class index ($target) picks the correct logit

    def example(self) -> Example:
        numpy_code = "\n\n".join(p for p in (
            self.numpy_prelude,
            f"def f(x):\n    return {self.numpy_y}",
            CENTRAL_DIFFERENCE_SOURCE,
            f"x = np.array($x)\ny = f(x)\nanalytic = {self.numpy_grad}\n"
            "numeric = central_difference(f, x, h=$h)\ny, analytic, numeric",
        ) if p)
        torch_code = (f"x = torch.tensor($x, requires_grad=True, device=$device)\ny = {self.torch_y}\n"
                      "y.backward()  # fills x.grad\ny, x.grad")
        mlx_code = (f"def f(x):\n    return {self.mlx_y}\n\nx = mx.array($x)\n"
                    "with mx.stream($device):  # where the work runs\n"
                    "    # the value and the gradient in one call\n    y, dy_dx = mx.value_and_grad(f)(x)\n"
                    "    # mx.grad(f) is a new function: x -> df/dx\n    again = mx.grad(f)(x)\ny, dy_dx, again")
        return Example(key=f"grad_{self.key}", title=self.label,
                       code={"numpy": numpy_code, "torch": torch_code, "mlx": mlx_code})


CUBE = Function(
    key="cube",
    label="y = sum(x³)  (the notebook's example)",
    formula=r"y = \sum_i x_i^3",
    derivative=r"\frac{\partial y}{\partial x_i} = 3 x_i^2",
    numpy_y="(x ** 3).sum()",
    numpy_grad="3 * x ** 2",
    torch_y="(x ** 3).sum()",
    mlx_y="(x ** 3).sum()",
)

SINE = Function(
    key="sin",
    label="y = sum(sin(x))",
    formula=r"y = \sum_i \sin x_i",
    derivative=r"\frac{\partial y}{\partial x_i} = \cos x_i",
    numpy_y="np.sin(x).sum()",
    numpy_grad="np.cos(x)",
    torch_y="torch.sin(x).sum()",
    mlx_y="mx.sin(x).sum()",
)

CROSS_ENTROPY = Function(
    key="cross_entropy",
    label="softmax cross-entropy (each row is one sample's logits)",
    formula=r"y = -\frac{1}{R}\sum_{r=1}^{R} \log \mathrm{softmax}(x_r)_{t}",
    derivative=r"\frac{\partial y}{\partial x_{r,j}} = \frac{\mathrm{softmax}(x_r)_j - [j = t]}{R}",
    numpy_y="-log_softmax(x)[..., $target].mean()",
    numpy_grad="(np.exp(log_softmax(x)) - np.eye(x.shape[-1])[$target]) / (x.size // x.shape[-1])",
    torch_y="-torch.log_softmax(x, dim=-1)[..., $target].mean()",
    mlx_y="-(x - mx.logsumexp(x, axis=-1, keepdims=True))[..., $target].mean()",
    numpy_prelude=NUMPY_LOG_SOFTMAX,
    uses_target=True,
)

FUNCTIONS: dict[str, Function] = {f.key: f for f in (CUBE, SINE, CROSS_ENTROPY)}

# What each output after ``y`` is, per library (data, so the page never branches on a name).
GRADIENT_LABELS: dict[str, tuple[str, ...]] = {
    "numpy": ("NumPy analytic formula", "NumPy finite differences"),
    "torch": ("PyTorch autograd (x.grad)",),
    "mlx": ("MLX mx.value_and_grad", "MLX mx.grad"),
}
REFERENCE = "NumPy analytic formula"

NOTEBOOK_X = [[5.0, 8.0], [4.0, 6.0]]
NOTEBOOK_X_TEXT = "[[5, 8], [4, 6]]"
FINITE = "NumPy finite differences"
STEPS = tuple(float(f"1e-{k}") for k in range(1, 13))  # finite-difference step h: 0.1 ... 1e-12
DEFAULT_STEP = 1e-5
MAX_VALUES = 64
MAX_ABS = 1e4


def parse_points(text: str, limit: int = MAX_VALUES, max_abs: float = MAX_ABS) -> list:
    """The x a user typed: a 1-D or 2-D list of numbers, returned as floats; ValueError with a plain message."""
    value = as_lists(read_literal(text, "a list of numbers", "[[5, 8], [4, 6]]"))
    if not isinstance(value, list) or not value:
        raise ValueError("type a non-empty list, e.g. [1, 2, 3] or [[5, 8], [4, 6]]")

    def number(v):
        out = real(v)
        if abs(out) > max_abs:
            raise ValueError(f"{shown(v)} is too large: keep values within ±{max_abs:g} so float32 has room for x³")
        return out

    if all(isinstance(v, list) for v in value):
        widths = {len(r) for r in value}
        if len(widths) != 1 or 0 in widths:
            lengths = [len(r) for r in value]
            raise ValueError(f"every row needs the same, non-zero number of values (got row lengths {shown(lengths)})")
        if any(isinstance(v, list) for r in value for v in r):
            raise ValueError("use one or two dimensions: [1, 2, 3] or [[5, 8], [4, 6]]")
        count = len(value) * len(value[0])
    elif any(isinstance(v, list) for v in value):
        raise ValueError("mix of numbers and lists: use [1, 2, 3] or [[5, 8], [4, 6]]")
    else:
        count = len(value)
    if count > limit:
        raise ValueError(f"keep it to {limit} numbers or fewer (got {count})")
    return [[number(v) for v in r] for r in value] if isinstance(value[0], list) else [number(v) for v in value]


def last_dim(x: Sequence) -> int:
    """The size of the last dimension of a 1-D or 2-D nested list (the number of classes)."""
    return len(x[0]) if isinstance(x[0], (list, tuple)) else len(x)


def gradients_by_method(results: Mapping[str, Any], to_numpy: Mapping[str, Any]) -> tuple[dict, dict]:
    """From each library's cell result, the value y and the gradient(s), by method label.

    ``results``: name -> CellResult; ``to_numpy``: name -> callable turning that library's array
    into NumPy. Libraries that did not run are skipped.
    Returns ({library label: y}, {method label: gradient}).
    """
    ys: dict[str, float] = {}
    grads: dict[str, np.ndarray] = {}
    for name, res in results.items():
        if not getattr(res, "ok", False) or name not in GRADIENT_LABELS:
            continue
        conv = to_numpy[name]
        y, *gs = res.value
        labels = GRADIENT_LABELS[name]
        for label, g in zip(labels, gs):
            grads[label] = np.asarray(conv(g), dtype=np.float64)
        ys[getattr(res, "label", name)] = float(np.asarray(conv(y)))
    return ys, grads


def difference_matrix(grads: Mapping[str, np.ndarray]) -> tuple[list[str], list[list[float]]]:
    """max |a - b| for every pair of gradients (labels, square matrix; 0 on the diagonal)."""
    labels = list(grads)
    arrays = [np.asarray(grads[k], dtype=np.float64) for k in labels]
    for k, a in zip(labels, arrays):
        if a.shape != arrays[0].shape:
            raise ValueError(f"{k} has shape {a.shape}, {labels[0]} has {arrays[0].shape}")
    return labels, [[float(np.max(np.abs(a - b))) if a.size else 0.0 for b in arrays] for a in arrays]


def against_reference(grads: Mapping[str, np.ndarray], reference: str = REFERENCE) -> list[dict]:
    """One row per method: its largest absolute difference from the reference, that difference
    relative to the reference's largest element (the rounding of the dtype it ran in shows here),
    and the largest difference of an element relative to itself (larger for a small element, whose
    rounding error comes from the larger terms it was computed from)."""
    if reference not in grads:
        return []
    ref = np.asarray(grads[reference], dtype=np.float64)
    scale = np.maximum(np.abs(ref), np.finfo(np.float32).tiny)
    rows = []
    for label, g in grads.items():
        if label == reference:
            continue
        diff = np.abs(np.asarray(g, dtype=np.float64) - ref)
        largest = float(np.abs(ref).max()) if ref.size else 0.0
        rows.append({"method": label, "max abs difference": float(diff.max()),
                     "relative to the largest": float(diff.max()) / largest if largest else float(diff.max()),
                     "max relative difference": float((diff / scale).max())})
    return rows


def accumulation_example(fn: Function) -> Example:
    """PyTorch adds every backward() into x.grad; MLX's mx.grad is a pure function. NumPy has neither."""
    return Example(
        key=f"accumulate_{fn.key}",
        title="",
        code={
            "torch": (f"def f(x):\n    return {fn.torch_y}\n\nx = torch.tensor($x, requires_grad=True)\n"
                      "f(x).backward()\nfirst = x.grad.clone()\n# a second backward() adds to x.grad\n"
                      "f(x).backward()\nfirst, x.grad"),
            "mlx": (f"def f(x):\n    return {fn.mlx_y}\n\nx = mx.array($x)\ndfdx = mx.grad(f)\n"
                    "# a pure function: the same answer every call\ndfdx(x), dfdx(x)"),
        },
        note="PyTorch accumulates gradients into `x.grad` (which is why training loops call "
             "`optimizer.zero_grad()` or `x.grad.zero_()`); MLX returns a fresh gradient from a function.",
    )


def step_errors(namespace: Mapping[str, Any], reference: np.ndarray, steps: Sequence[float] = STEPS) -> list[dict]:
    """Largest error of central differences against ``reference`` for every step h.

    ``namespace`` is a NumPy cell's namespace that defines ``f``, ``x`` and ``central_difference``;
    returns [] when it does not. Shows the trade-off: big h, truncation error; tiny h, rounding error.
    """
    needed = ("f", "x", "central_difference")
    if not all(k in namespace for k in needed):
        return []
    f, x, cd = (namespace[k] for k in needed)
    ref = np.asarray(reference, dtype=np.float64)
    rows = []
    for h in steps:
        err = float(np.max(np.abs(np.asarray(cd(f, x, h=h), dtype=np.float64) - ref)))
        rows.append({"h": float(h), "max abs error": err})
    return rows
