"""Element-wise add and multiply of two n×n arrays: limited by memory bandwidth, not arithmetic."""
from ..op import Op
from ._libs import mx, np, torch  # noqa: F401


def numpy_add(a, b):
    return a + b


def torch_add(a, b):
    return a + b


def mlx_add(a, b):
    return a + b


def numpy_multiply(a, b):
    return a * b


def torch_multiply(a, b):
    return a * b


def mlx_multiply(a, b):
    return a * b


def _elementwise(name, title, impls):
    return Op(
        name=name,
        title=title,
        size_means="two n × n arrays",
        shapes=lambda n: {"a": (n, n), "b": (n, n)},
        output_shape=lambda n: (n, n),
        reference=impls["numpy"],  # the right answer: NumPy's own function on float64 copies
        impls=impls,
        flops=lambda n: n * n,
        moved=lambda n: 3 * n * n,
        unit="GB/s",
    )


ADD = _elementwise("add", "Element-wise add",
                   {"numpy": numpy_add, "torch": torch_add, "mlx": mlx_add})
MULTIPLY = _elementwise("multiply", "Element-wise multiply",
                        {"numpy": numpy_multiply, "torch": torch_multiply, "mlx": mlx_multiply})
