"""Broadcast add: an n×n matrix plus a length-n row, the row reused for every line (a bias add)."""
from ..op import Op
from ._libs import mx, np, torch  # noqa: F401


def numpy_broadcast_add(x, row):
    return x + row


def torch_broadcast_add(x, row):
    return x + row


def mlx_broadcast_add(x, row):
    return x + row


OP = Op(
    name="broadcast_add",
    title="Broadcast add (matrix + row)",
    size_means="n × n matrix + length-n row",
    shapes=lambda n: {"x": (n, n), "row": (n,)},
    output_shape=lambda n: (n, n),
    reference=numpy_broadcast_add,  # the right answer: NumPy's own function on float64 copies
    impls={"numpy": numpy_broadcast_add, "torch": torch_broadcast_add, "mlx": mlx_broadcast_add},
    flops=lambda n: n * n,
    moved=lambda n: 2 * n * n + n,
    unit="GB/s",
)
