"""NumPy: the decoder written out by hand in float64, the reference every library is checked against.

Same shape as ``torch_model`` and ``mlx_model`` (``Attention``, ``Block``, ``Decoder``, ``KVCache``,
``generate``); it is not timed. Attention masks explicitly: query ``t`` of a step that starts at
position ``pos`` sees the keys at positions ``0 .. pos + t``, whatever the step's length.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..measure.timing import Stopped
from . import config

NAME = "numpy"


def layer_norm(x, weight, bias, eps=config.NORM_EPS):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def gelu(x):  # the tanh approximation, as GPT-2 (torch: approximate="tanh"; MLX: nn.gelu_approx)
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


class KVCache:
    """Every layer's keys and values, allocated once for the prompt and every new token."""

    def __init__(self, layers: int, heads: int, head_dim: int, capacity: int, dtype=np.float64):
        self.k = np.zeros((layers, 1, heads, capacity, head_dim), dtype)
        self.v = np.zeros_like(self.k)

    def update(self, layer: int, k, v, pos: int):
        """Write this step's keys and values at ``pos ..``; return positions ``0 .. pos + T - 1``."""
        T = k.shape[2]
        self.k[layer, :, :, pos:pos + T] = k
        self.v[layer, :, :, pos:pos + T] = v
        return self.k[layer, :, :, :pos + T], self.v[layer, :, :, :pos + T]


class Attention:
    def __init__(self, p: dict, prefix: str, heads: int, layer: int):
        self.p, self.prefix, self.heads, self.layer = p, prefix, heads, layer

    def linear(self, name, x):
        return x @ self.p[f"{self.prefix}.{name}.weight"].T + self.p[f"{self.prefix}.{name}.bias"]

    def __call__(self, x, cache: KVCache, pos: int):
        B, T, C = x.shape

        def split(t):  # (B, T, C) -> (B, heads, T, C // heads)
            return t.reshape(B, T, self.heads, C // self.heads).transpose(0, 2, 1, 3)

        q, k, v = split(self.linear("query", x)), split(self.linear("key", x)), split(self.linear("value", x))
        k, v = cache.update(self.layer, k, v, pos)
        scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(C // self.heads)  # (B, heads, T, pos + T)
        visible = np.arange(pos + T)[None, :] <= pos + np.arange(T)[:, None]  # causal, wherever the step starts
        o = softmax(np.where(visible, scores, -np.inf)) @ v
        return self.linear("out", o.transpose(0, 2, 1, 3).reshape(B, T, C))


class Block:
    """Pre-norm: x + attention(norm(x)), then x + MLP(norm(x))."""

    def __init__(self, p: dict, i: int, heads: int):
        self.p, self.prefix = p, f"blocks.{i}"
        self.attn = Attention(p, f"{self.prefix}.attn", heads, i)

    def __call__(self, x, cache, pos):
        p, b = self.p, self.prefix
        x = x + self.attn(layer_norm(x, p[f"{b}.norm1.weight"], p[f"{b}.norm1.bias"]), cache, pos)
        h = layer_norm(x, p[f"{b}.norm2.weight"], p[f"{b}.norm2.bias"])
        h = gelu(h @ p[f"{b}.fc1.weight"].T + p[f"{b}.fc1.bias"])
        return x + h @ p[f"{b}.fc2.weight"].T + p[f"{b}.fc2.bias"]


class Decoder:
    def __init__(self, spec: config.Spec, weights: dict[str, np.ndarray], dtype=np.float64):
        self.spec = spec
        self.p = {k: np.asarray(v, dtype=dtype) for k, v in weights.items()}
        self.blocks = [Block(self.p, i, spec.heads) for i in range(spec.layers)]

    def __call__(self, tokens, cache: KVCache, pos: int):
        """Logits (B, T, vocab) of ``tokens`` (B, T) at positions ``pos .. pos + T - 1``."""
        T = tokens.shape[1]
        x = self.p["tok_embed.weight"][tokens] + self.p["pos_embed.weight"][pos + np.arange(T)]
        for block in self.blocks:
            x = block(x, cache, pos)
        x = layer_norm(x, self.p["norm.weight"], self.p["norm.bias"])
        return x @ self.p["head.weight"].T + self.p["head.bias"]

    def new_cache(self) -> KVCache:
        s = self.spec
        return KVCache(s.layers, s.heads, s.head_dim, s.capacity, next(iter(self.p.values())).dtype)


def generate(model: Decoder, prompt, new_tokens: int):
    """Greedy generation with the cache: the prompt in one step (prefill), then one token at a time.
    Returns the tokens and each step's logits (1, vocab)."""
    cache = model.new_cache()
    logits = model(prompt, cache, 0)[:, -1]
    tokens, all_logits = [int(logits.argmax(-1)[0])], [logits]
    for pos in range(prompt.shape[1], prompt.shape[1] + new_tokens - 1):
        logits = model(np.array([[tokens[-1]]]), cache, pos)[:, -1]
        tokens.append(int(logits.argmax(-1)[0]))
        all_logits.append(logits)
    return tokens, all_logits


SHOWN = (KVCache, Attention, Block, Decoder, generate)


@dataclass(frozen=True)
class Reference:
    """What every library's run is checked against: the tokens NumPy generates in float64, how far
    apart the two best logits were at each (a near-tie is where a lower precision may choose the
    other token), and the prompt's logits."""

    tokens: list[int]
    margins: list[float]
    prompt_logits: np.ndarray  # (T, vocab), float64

    @property
    def scale(self) -> float:
        return float(np.abs(self.prompt_logits).max())


def reference(spec: config.Spec, weights: dict[str, np.ndarray], should_stop=lambda: False,
              on_token=lambda tokens: None) -> Reference:
    """The float64 reference generation of ``spec`` (prefill, then one token at a time);
    ``on_token(tokens so far)`` after each token."""
    model = Decoder(spec, weights)
    prompt = config.prompt_tokens(spec)
    cache = model.new_cache()
    prompt_logits = model(prompt, cache, 0)[0]
    steps = [prompt_logits[-1]]
    token = int(steps[-1].argmax())
    tokens = [token]
    on_token(tokens)
    for pos in range(spec.prompt_len, spec.capacity - 1):
        if should_stop():  # between tokens: Stop ends even a long reference at once
            raise Stopped
        steps.append(model(np.array([[token]]), cache, pos)[0, -1])
        token = int(steps[-1].argmax())
        tokens.append(token)
        on_token(tokens)
    margins = [float(np.diff(np.sort(s)[-2:])[0]) for s in steps]
    return Reference(tokens, margins, prompt_logits)
