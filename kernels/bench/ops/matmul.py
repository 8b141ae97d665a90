"""Matrix multiply, n×n @ n×n: the core of every dense layer and of attention."""
from ..op import Op
from ._libs import mx, np, torch  # noqa: F401  (each function uses its own library)


def numpy_matmul(a, b):
    return a @ b


def torch_matmul(a, b):
    return a @ b


def mlx_matmul(a, b):
    return a @ b


OP = Op(
    name="matmul",
    title="Matrix multiply",
    size_means="n × n @ n × n",
    shapes=lambda n: {"a": (n, n), "b": (n, n)},
    output_shape=lambda n: (n, n),
    reference=numpy_matmul,  # the right answer: NumPy's own function on float64 copies
    impls={"numpy": numpy_matmul, "torch": torch_matmul, "mlx": mlx_matmul},
    flops=lambda n: 2 * n**3,
    moved=lambda n: 3 * n * n,
    reduction=lambda n: n,
)
