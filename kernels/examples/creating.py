"""Creating arrays: the same constructor in each library, and the dtype each one picks."""
from __future__ import annotations

import ast

from ..cells import Example


def parse_values(text: str, limit: int = 64) -> list:
    """Read a flat or nested list of numbers typed by a user; ValueError with a plain message otherwise."""
    try:
        value = ast.literal_eval(text.strip() or "[]")
    except (ValueError, SyntaxError):
        raise ValueError(f"{text!r} is not a Python list of numbers, e.g. [1, 2, 3]") from None
    if isinstance(value, tuple):
        value = list(value)
    if not isinstance(value, list) or not value:
        raise ValueError("type a non-empty list of numbers, e.g. [1, 2, 3]")

    count = 0

    def check(v):
        nonlocal count
        if isinstance(v, list):
            for item in v:
                check(item)
        elif isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ValueError(f"{v!r} is not a number; use ints or floats only")
        else:
            count += 1
            if count > limit:
                raise ValueError(f"keep it to {limit} numbers or fewer")

    check(value)
    return value


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
    note="Three numbers float32 cannot hold exactly. NumPy's float64 keeps them; PyTorch's and MLX's float32 rounds.",
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
    if -1 in shape:
        if known == 0:
            return False, f"with a 0 in {sizes} there is no size ? that holds {n} elements"
        if n % known:
            return False, f"{n} elements can't be split into {sizes}: {n} is not a multiple of {known}"
        return True, f"{n} elements fill {sizes} with ? = {n // known}"
    if known != n:
        return False, f"{sizes} = {known} elements, but arange({n}) has {n}"
    return True, f"{sizes} = {n} elements ✓"


def impossible_target(n: int) -> tuple[int, int]:
    """A two-dimensional shape that cannot hold ``n`` elements: ``(5, 10)`` for 48."""
    rows = next(r for r in range(2, n + 2) if n % r)
    return rows, n // rows + 1
