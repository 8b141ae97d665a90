"""Softmax over the last axis of an n×n array: exp(x - max) / sum(exp(x - max)), row by row."""
from ..op import Op
from ._libs import mx, np, torch  # noqa: F401


def numpy_softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))  # subtract the max so exp cannot overflow
    return e / e.sum(axis=-1, keepdims=True)


def torch_softmax(x):
    return torch.softmax(x, dim=-1)


def mlx_softmax(x):
    return mx.softmax(x, axis=-1)


OP = Op(
    name="softmax",
    title="Softmax over the last axis",
    size_means="n × n array, softmax of each row",
    shapes=lambda n: {"x": (n, n)},
    output_shape=lambda n: (n, n),
    reference=numpy_softmax,  # the right answer: NumPy's own function on float64 copies
    impls={"numpy": numpy_softmax, "torch": torch_softmax, "mlx": mlx_softmax},
    flops=lambda n: 5 * n * n,  # max, subtract, exp, sum, divide
    moved=lambda n: 2 * n * n,
    unit="GB/s",
    reduction=lambda n: n,
    workspace=lambda n: n * n,  # NumPy's exp(x - max) temporary
)
