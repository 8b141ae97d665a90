"""NumPy: the MLP written out by hand, forward and backward, as the reference.

NumPy has no autograd, so the backward pass and the optimisers are written here, line by line:
this is what ``loss.backward()`` / ``nn.value_and_grad`` and ``torch.optim.Adam`` /
``mlx.optimizers.Adam`` do for the other two. The tiny transformer is left to the libraries with
autograd. Same shape as ``torch_models`` and ``mlx_models``.
"""
from __future__ import annotations

import numpy as np

from . import config

NAME = "numpy"
MODELS = ("mlp",)
UNSUPPORTED = "NumPy has no autograd: the tiny transformer's backward pass is not written out by hand here"
VARIANTS = ("eager",)
VARIANT_NOTES = {"eager": "hand-written forward, backward and optimiser"}


class MLP:
    def __init__(self, n_in: int, width: int, n_out: int, depth: int):
        sizes = [n_in] + [width] * depth + [n_out]
        self.n = len(sizes) - 1
        self.params = {}
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            self.params[f"layers.{i}.weight"] = np.zeros((b, a), np.float32)  # (out, in) as nn.Linear
            self.params[f"layers.{i}.bias"] = np.zeros(b, np.float32)

    def __call__(self, x):
        return self.forward(x)[-1]

    def forward(self, x):
        """Every layer's output (the backward pass needs them); the last one is the logits."""
        outs = [x]
        for i in range(self.n):
            z = outs[-1] @ self.params[f"layers.{i}.weight"].T + self.params[f"layers.{i}.bias"]
            outs.append(np.maximum(z, 0) if i < self.n - 1 else z)
        return outs

    def backward(self, outs, d):
        """Gradients of every parameter, given d = dloss/dlogits, from the last layer back."""
        grads = {}
        for i in reversed(range(self.n)):
            grads[f"layers.{i}.weight"] = d.T @ outs[i]
            grads[f"layers.{i}.bias"] = d.sum(axis=0)
            if i > 0:  # back through layer i's weights, then through the ReLU that made outs[i]
                d = (d @ self.params[f"layers.{i}.weight"]) * (outs[i] > 0)
        return grads


def cross_entropy(logits, y):
    """Mean cross-entropy, and its gradient with respect to the logits: softmax - one_hot(y), / n."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(len(y))
    loss = -log_probs[rows, y].mean()
    d = np.exp(log_probs)
    d[rows, y] -= 1
    return loss, d / len(y)


def loss_fn(model, x, y):
    return cross_entropy(model(x), y)[0]


def value_and_grad(model, x, y):
    outs = model.forward(x)
    loss, d = cross_entropy(outs[-1], y)
    return loss, model.backward(outs, d)


class Adam:
    """torch.optim.Adam's update written out: two moments, bias-corrected, eps after the sqrt."""

    def __init__(self, lr: float, betas: tuple[float, float], eps: float):
        self.lr, (self.b1, self.b2), self.eps = lr, betas, eps
        self.m, self.v, self.t = {}, {}, 0

    def update(self, params, grads):
        self.t += 1
        for k, g in grads.items():
            m = self.m[k] = self.b1 * self.m.get(k, 0) + (1 - self.b1) * g
            v = self.v[k] = self.b2 * self.v.get(k, 0) + (1 - self.b2) * g * g
            m_hat = m / (1 - self.b1 ** self.t)
            v_hat = v / (1 - self.b2 ** self.t)
            params[k] -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


class SGD:
    """SGD with momentum, as torch.optim.SGD and mlx.optimizers.SGD run it (no dampening)."""

    def __init__(self, lr: float, momentum: float):
        self.lr, self.momentum, self.v = lr, momentum, {}

    def update(self, params, grads):
        for k, g in grads.items():
            v = self.v[k] = self.momentum * self.v.get(k, 0) + g
            params[k] -= self.lr * v


def make_optimizer(model, name: str, lr: float):
    if name == "adam":
        return Adam(lr, config.ADAM_BETAS, config.ADAM_EPS)
    return SGD(lr, config.SGD_MOMENTUM)


def train_step(model, optimizer, x, y):
    loss, grads = value_and_grad(model, x, y)
    optimizer.update(model.params, grads)
    return loss


SHOWN = {
    "mlp": (MLP, cross_entropy, value_and_grad, Adam, SGD, train_step),
}


# --- what the runner drives (same names in every library module) --------------------------

def build_model(spec: config.RunSpec) -> MLP:
    if spec.model != "mlp":
        raise ValueError(UNSUPPORTED)
    return MLP(config.MLP_INPUTS, spec.width, config.MLP_CLASSES, spec.depth)


class Trainer:
    """The hand-written MLP, loaded with the shared weights, with its hand-written optimiser."""

    def __init__(self, spec: config.RunSpec, weights: dict[str, np.ndarray], device: str = "cpu",
                 variant: str = "eager"):
        self.spec, self.device = spec, device
        self.model = build_model(spec)
        if set(weights) != set(self.model.params):
            raise ValueError(f"weights do not match the model: {sorted(set(weights) ^ set(self.model.params))}")
        self.model.params = {k: np.array(v, dtype=np.float32, copy=True) for k, v in weights.items()}
        self.optimizer = make_optimizer(self.model, spec.optimizer, spec.learning_rate)

    def batch(self, x: np.ndarray, y: np.ndarray):
        return x, y.astype(np.intp)

    def step(self, x, y):
        return train_step(self.model, self.optimizer, x, y)

    def sync_target(self, loss):
        return loss

    def loss_value(self, loss) -> float:
        return float(loss)

    def parameters(self) -> dict[str, np.ndarray]:
        return {k: v.copy() for k, v in self.model.params.items()}

    def loss_and_grads(self, x, y) -> tuple[float, dict[str, np.ndarray]]:
        loss, grads = value_and_grad(self.model, x, y)
        return float(loss), grads
