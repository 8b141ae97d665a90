"""PyTorch: the MLP and the tiny transformer with ``torch.nn``, trained with ``torch.optim``.

Same shape as ``mlx_models`` and ``numpy_models``: the model classes, ``loss_fn``,
``make_optimizer`` and the training step are what the page shows; ``Trainer`` and the memory
functions are what the runner drives.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from . import config

NAME = "torch"
MODELS = ("mlp", "transformer")
UNSUPPORTED = ""  # every model runs here
VARIANTS = ("eager",)
VARIANT_NOTES = {"eager": "torch.nn + torch.optim, run op by op"}


class MLP(nn.Module):
    def __init__(self, n_in: int, width: int, n_out: int, depth: int):
        super().__init__()
        sizes = [n_in] + [width] * depth + [n_out]
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:]))

    def forward(self, x):
        for layer in self.layers[:-1]:
            x = F.relu(layer(x))
        return self.layers[-1](x)


class Attention(nn.Module):
    def __init__(self, dims: int, heads: int):
        super().__init__()
        self.heads = heads
        self.query = nn.Linear(dims, dims)
        self.key = nn.Linear(dims, dims)
        self.value = nn.Linear(dims, dims)
        self.out = nn.Linear(dims, dims)

    def forward(self, x):
        B, T, C = x.shape

        def split(t):  # (B, T, C) -> (B, heads, T, C // heads)
            return t.view(B, T, self.heads, C // self.heads).transpose(1, 2)

        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        o = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.out(o.transpose(1, 2).reshape(B, T, C))


class Block(nn.Module):
    """Pre-norm: x + attention(norm(x)), then x + MLP(norm(x))."""

    def __init__(self, dims: int, heads: int, mlp_ratio: int):
        super().__init__()
        self.norm1 = nn.LayerNorm(dims)
        self.attn = Attention(dims, heads)
        self.norm2 = nn.LayerNorm(dims)
        self.fc1 = nn.Linear(dims, mlp_ratio * dims)
        self.fc2 = nn.Linear(mlp_ratio * dims, dims)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))


class TinyTransformer(nn.Module):
    def __init__(self, vocab: int, dims: int, heads: int, depth: int, seq_len: int, mlp_ratio: int):
        super().__init__()
        self.tok_embed = nn.Embedding(vocab, dims)
        self.pos_embed = nn.Embedding(seq_len, dims)
        self.blocks = nn.ModuleList(Block(dims, heads, mlp_ratio) for _ in range(depth))
        self.norm = nn.LayerNorm(dims)
        self.head = nn.Linear(dims, vocab)

    def forward(self, tokens):
        positions = torch.arange(tokens.shape[1], device=tokens.device)
        x = self.tok_embed(tokens) + self.pos_embed(positions)
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x))


def loss_fn(model, x, y):
    logits = model(x)  # (B, classes) or (B, T, vocab)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


def make_optimizer(model, name: str, lr: float):
    if name == "adam":  # always bias-corrected in torch
        return torch.optim.Adam(model.parameters(), lr=lr, betas=config.ADAM_BETAS, eps=config.ADAM_EPS)
    return torch.optim.SGD(model.parameters(), lr=lr, momentum=config.SGD_MOMENTUM)


def train_step(model, optimizer, x, y):
    optimizer.zero_grad()
    loss = loss_fn(model, x, y)
    loss.backward()
    optimizer.step()
    return loss


# What the page shows for each model: the code that ran, in the order it reads best.
SHOWN = {
    "mlp": (MLP, loss_fn, make_optimizer, train_step),
    "transformer": (Attention, Block, TinyTransformer, loss_fn, make_optimizer, train_step),
}


# --- what the runner drives (same names in every library module) --------------------------

def build_model(spec: config.RunSpec) -> nn.Module:
    if spec.model == "mlp":
        return MLP(config.MLP_INPUTS, spec.width, config.MLP_CLASSES, spec.depth)
    return TinyTransformer(config.VOCAB, spec.width, config.HEADS, spec.depth, spec.seq_len, config.MLP_RATIO)


class Trainer:
    """One model on one device, loaded with the shared weights, with its optimiser."""

    def __init__(self, spec: config.RunSpec, weights: dict[str, np.ndarray], device: str, variant: str = "eager"):
        self.spec, self.device = spec, device
        self.model = build_model(spec)
        self.model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()}, strict=True)
        self.model.to(device)
        self.optimizer = make_optimizer(self.model, spec.optimizer, spec.learning_rate)

    def batch(self, x: np.ndarray, y: np.ndarray):
        """Inputs and targets on the device; token ids and class labels as int64, as torch wants."""
        xs = torch.from_numpy(x).to(self.device)
        if xs.dtype == torch.int32:
            xs = xs.long()
        return xs, torch.from_numpy(y).to(self.device).long()

    def step(self, x, y):
        return train_step(self.model, self.optimizer, x, y)

    def sync_target(self, loss):
        return loss  # torch: waiting on the device is enough (Backend.synchronize)

    def loss_value(self, loss) -> float:
        return float(loss.item())

    def parameters(self) -> dict[str, np.ndarray]:
        return {k: v.detach().cpu().numpy().copy() for k, v in self.model.state_dict().items()}

    def loss_and_grads(self, x, y) -> tuple[float, dict[str, np.ndarray]]:
        """The loss and every parameter's gradient at the current weights, without an update."""
        self.model.zero_grad()
        loss = loss_fn(self.model, x, y)
        loss.backward()
        grads = {k: p.grad.detach().cpu().numpy().copy() for k, p in self.model.named_parameters()}
        self.model.zero_grad()
        return float(loss.item()), grads
