"""Layer norm over the last axis of an n×n array, with a learned scale and shift (as in a transformer)."""
from ..op import Op
from ._libs import F, mx, np, torch  # noqa: F401

EPS = 1e-5


def numpy_layer_norm(x, weight, bias):
    mean = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + EPS) * weight + bias


def torch_layer_norm(x, weight, bias):
    return F.layer_norm(x, x.shape[-1:], weight, bias, eps=EPS)


def mlx_layer_norm(x, weight, bias):
    return mx.fast.layer_norm(x, weight, bias, eps=EPS)


OP = Op(
    name="layer_norm",
    title="Layer norm",
    size_means="n × n array, each row normalised, then scaled and shifted",
    shapes=lambda n: {"x": (n, n), "weight": (n,), "bias": (n,)},
    output_shape=lambda n: (n, n),
    reference=numpy_layer_norm,  # the right answer: NumPy's own function on float64 copies
    impls={"numpy": numpy_layer_norm, "torch": torch_layer_norm, "mlx": mlx_layer_norm},
    flops=lambda n: 8 * n * n,
    moved=lambda n: 2 * n * n + 2 * n,
    unit="GB/s",
    reduction=lambda n: n,
    workspace=lambda n: 2 * n * n,  # NumPy's temporaries
)
