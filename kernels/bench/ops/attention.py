"""Scaled dot-product attention: softmax(q @ kᵀ / √d) @ v, for batch 1, 8 heads, head dim 64."""
import math

from ..op import Op
from ._libs import F, mx, np, torch  # noqa: F401

BATCH, HEADS, HEAD_DIM = 1, 8, 64
SCALE = 1 / math.sqrt(HEAD_DIM)


def numpy_attention(q, k, v):
    scores = q @ k.swapaxes(-1, -2) * SCALE  # (batch, heads, seq, seq)
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights /= weights.sum(axis=-1, keepdims=True)
    return weights @ v


def torch_attention(q, k, v):
    return F.scaled_dot_product_attention(q, k, v, scale=SCALE)


def mlx_attention(q, k, v):
    return mx.fast.scaled_dot_product_attention(q, k, v, scale=SCALE)


def _qkv(n):
    return {name: (BATCH, HEADS, n, HEAD_DIM) for name in ("q", "k", "v")}


OP = Op(
    name="attention",
    title="Scaled dot-product attention",
    size_means=f"sequence length n (batch {BATCH}, {HEADS} heads, head dim {HEAD_DIM})",
    shapes=_qkv,
    output_shape=lambda n: (BATCH, HEADS, n, HEAD_DIM),
    reference=numpy_attention,  # the right answer: NumPy's own function on float64 copies
    impls={"numpy": numpy_attention, "torch": torch_attention, "mlx": mlx_attention},
    flops=lambda n: 4 * BATCH * HEADS * n * n * HEAD_DIM,  # q @ kᵀ and weights @ v
    moved=lambda n: 4 * BATCH * HEADS * n * HEAD_DIM,
    reduction=lambda n: max(n, HEAD_DIM),
    workspace=lambda n: 2 * BATCH * HEADS * n * n,  # the (seq × seq) scores and weights
)
