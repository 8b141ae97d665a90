"""MLX: the MLP and the tiny transformer with ``mlx.nn``, trained with ``mlx.optimizers``.

Same shape as ``torch_models`` and ``numpy_models``. MLX differs in three places a reader should
see: gradients come from ``nn.value_and_grad`` (no ``.backward()``), the optimiser returns new
arrays instead of writing into ``.grad``-holding tensors, and nothing is computed until
``mx.eval(model.parameters(), optimizer.state, loss)``. ``mx.compile`` of the whole step is a
second variant, reported as its own row.
"""
from __future__ import annotations

from functools import partial

import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim
import numpy as np
from mlx.utils import tree_flatten

from . import config

NAME = "mlx"
MODELS = ("mlp", "transformer")
UNSUPPORTED = ""  # every model runs here
VARIANTS = ("eager", "compiled")
VARIANT_NOTES = {
    "eager": "mlx.nn + mlx.optimizers, graph built and evaluated every step",
    "compiled": "the same step wrapped in mx.compile",
}


class MLP(nn.Module):
    def __init__(self, n_in: int, width: int, n_out: int, depth: int):
        super().__init__()
        sizes = [n_in] + [width] * depth + [n_out]
        self.layers = [nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])]

    def __call__(self, x):
        for layer in self.layers[:-1]:
            x = nn.relu(layer(x))
        return self.layers[-1](x)


class Attention(nn.Module):
    def __init__(self, dims: int, heads: int):
        super().__init__()
        self.heads = heads
        self.query = nn.Linear(dims, dims)
        self.key = nn.Linear(dims, dims)
        self.value = nn.Linear(dims, dims)
        self.out = nn.Linear(dims, dims)

    def __call__(self, x):
        B, T, C = x.shape

        def split(t):  # (B, T, C) -> (B, heads, T, C // heads)
            return t.reshape(B, T, self.heads, C // self.heads).transpose(0, 2, 1, 3)

        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scale = (C // self.heads) ** -0.5
        o = mx.fast.scaled_dot_product_attention(q, k, v, scale=scale, mask="causal")
        return self.out(o.transpose(0, 2, 1, 3).reshape(B, T, C))


class Block(nn.Module):
    """Pre-norm: x + attention(norm(x)), then x + MLP(norm(x))."""

    def __init__(self, dims: int, heads: int, mlp_ratio: int):
        super().__init__()
        self.norm1 = nn.LayerNorm(dims)
        self.attn = Attention(dims, heads)
        self.norm2 = nn.LayerNorm(dims)
        self.fc1 = nn.Linear(dims, mlp_ratio * dims)
        self.fc2 = nn.Linear(mlp_ratio * dims, dims)

    def __call__(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.fc2(nn.gelu(self.fc1(self.norm2(x))))


class TinyTransformer(nn.Module):
    def __init__(self, vocab: int, dims: int, heads: int, depth: int, seq_len: int, mlp_ratio: int):
        super().__init__()
        self.tok_embed = nn.Embedding(vocab, dims)
        self.pos_embed = nn.Embedding(seq_len, dims)
        self.blocks = [Block(dims, heads, mlp_ratio) for _ in range(depth)]
        self.norm = nn.LayerNorm(dims)
        self.head = nn.Linear(dims, vocab)

    def __call__(self, tokens):
        positions = mx.arange(tokens.shape[1])
        x = self.tok_embed(tokens) + self.pos_embed(positions)
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x))


def loss_fn(model, x, y):
    logits = model(x)  # (B, classes) or (B, T, vocab)
    return nn.losses.cross_entropy(logits, y, reduction="mean")


def make_optimizer(model, name: str, lr: float):
    if name == "adam":  # MLX's Adam skips bias correction unless asked; torch's always does it
        return optim.Adam(learning_rate=lr, betas=list(config.ADAM_BETAS), eps=config.ADAM_EPS, bias_correction=True)
    return optim.SGD(learning_rate=lr, momentum=config.SGD_MOMENTUM)


def make_train_step(model, optimizer, compiled: bool = False):
    loss_and_grad = nn.value_and_grad(model, loss_fn)

    def train_step(x, y):
        loss, grads = loss_and_grad(model, x, y)
        optimizer.update(model, grads)
        return loss  # still lazy: mx.eval(model.parameters(), optimizer.state, loss) runs it

    if compiled:  # the model and optimiser state are inputs and outputs of the compiled graph
        state = [model.state, optimizer.state]
        train_step = partial(mx.compile, inputs=state, outputs=state)(train_step)
    return train_step


SHOWN = {
    "mlp": (MLP, loss_fn, make_optimizer, make_train_step),
    "transformer": (Attention, Block, TinyTransformer, loss_fn, make_optimizer, make_train_step),
}


# --- what the runner drives (same names in every library module) --------------------------

def build_model(spec: config.RunSpec) -> nn.Module:
    if spec.model == "mlp":
        return MLP(config.MLP_INPUTS, spec.width, config.MLP_CLASSES, spec.depth)
    return TinyTransformer(config.VOCAB, spec.width, config.HEADS, spec.depth, spec.seq_len, config.MLP_RATIO)


class Trainer:
    """One model, loaded with the shared weights, with its optimiser and its (compiled) step.

    MLX runs operations on the device of the stream in use: the runner enters
    ``Backend.device_scope(device)`` around everything a Trainer does.
    """

    def __init__(self, spec: config.RunSpec, weights: dict[str, np.ndarray], device: str, variant: str = "eager"):
        self.spec, self.device = spec, device
        self.model = build_model(spec)
        self.model.load_weights([(k, mx.array(v)) for k, v in weights.items()], strict=True)
        self.optimizer = make_optimizer(self.model, spec.optimizer, spec.learning_rate)
        self.optimizer.init(self.model.trainable_parameters())
        mx.eval(self.model.parameters(), self.optimizer.state)
        self._step = make_train_step(self.model, self.optimizer, compiled=variant == "compiled")

    def batch(self, x: np.ndarray, y: np.ndarray):
        xs, ys = mx.array(x), mx.array(y)
        mx.eval(xs, ys)
        return xs, ys

    def step(self, x, y):
        return self._step(x, y)

    def sync_target(self, loss):
        return [self.model.parameters(), self.optimizer.state, loss]

    def loss_value(self, loss) -> float:
        return float(loss.item())

    def parameters(self) -> dict[str, np.ndarray]:
        return {k: np.array(v) for k, v in tree_flatten(self.model.parameters())}

    def loss_and_grads(self, x, y) -> tuple[float, dict[str, np.ndarray]]:
        """The loss and every parameter's gradient at the current weights, without an update."""
        loss, grads = nn.value_and_grad(self.model, loss_fn)(self.model, x, y)
        mx.eval(loss, grads)
        return float(loss.item()), {k: np.array(v) for k, v in tree_flatten(grads)}
