"""MLX: the decoder with ``mlx.nn``, generating greedily with a KV cache.

Same shape as ``torch_model`` and ``numpy_model``. MLX differs where a reader should see it:
nothing is computed until ``mx.eval`` (``.item()`` forces it too); ``mx.fast.scaled_dot_product_attention``'s
``"causal"`` mask aligns the last query with the last key (lower right), so it is right for a prompt
on an empty cache and for a chunk against a cache alike; and ``mx.compile`` of the decode step is a
second variant, its cache passed in and out as state.
"""
from __future__ import annotations

import mlx.core as mx
import mlx.nn as nn
import numpy as np
from mlx.utils import tree_flatten

from ..backends.common import MemoryReading
from . import config

NAME = "mlx"
VARIANTS = ("eager", "compiled")
VARIANT_NOTES = {
    "eager": "mlx.nn, a graph built and evaluated for every token; attention reads the cache up to the "
             "current position",
    "compiled": "the decode step in mx.compile; one shape for every step, so attention reads the whole cache "
                "with a mask; the prompt runs eagerly",
}


class KVCache:
    """Every layer's keys and values, allocated once for the prompt and every new token."""

    def __init__(self, layers: int, heads: int, head_dim: int, capacity: int, dtype):
        self.k = [mx.zeros((1, heads, capacity, head_dim), dtype=dtype) for _ in range(layers)]
        self.v = [mx.zeros((1, heads, capacity, head_dim), dtype=dtype) for _ in range(layers)]
        self.static = False  # True: the same shapes at every step, as a compiled step needs

    @property
    def state(self) -> list:
        return [self.k, self.v]

    def update(self, layer: int, k, v, pos):
        """Write this step's keys and values at positions ``pos .. pos + T - 1``; return the keys and
        values attention reads and the mask it needs."""
        T = k.shape[2]
        if not self.static:  # pos is an int: read only the positions written so far
            self.k[layer][:, :, pos:pos + T, :] = k
            self.v[layer][:, :, pos:pos + T, :] = v
            mask = "causal" if T > 1 else None  # MLX's causal mask aligns to the lower right
            return self.k[layer][:, :, :pos + T, :], self.v[layer][:, :, :pos + T, :], mask
        self.k[layer] = mx.slice_update(self.k[layer], k, pos, axes=(2,))  # pos is an array: one graph for all
        self.v[layer] = mx.slice_update(self.v[layer], v, pos, axes=(2,))
        visible = mx.arange(self.k[layer].shape[2]) <= (pos + mx.arange(T))[:, None]
        return self.k[layer], self.v[layer], visible


class Attention(nn.Module):
    def __init__(self, dims: int, heads: int, layer: int):
        super().__init__()
        self.heads, self.layer = heads, layer
        self.query = nn.Linear(dims, dims)
        self.key = nn.Linear(dims, dims)
        self.value = nn.Linear(dims, dims)
        self.out = nn.Linear(dims, dims)

    def __call__(self, x, cache: KVCache, pos):
        B, T, C = x.shape

        def split(t):  # (B, T, C) -> (B, heads, T, C // heads)
            return t.reshape(B, T, self.heads, C // self.heads).transpose(0, 2, 1, 3)

        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        k, v, mask = cache.update(self.layer, k, v, pos)
        o = mx.fast.scaled_dot_product_attention(q, k, v, scale=(C // self.heads) ** -0.5, mask=mask)
        return self.out(o.transpose(0, 2, 1, 3).reshape(B, T, C))


class Block(nn.Module):
    """Pre-norm: x + attention(norm(x)), then x + MLP(norm(x))."""

    def __init__(self, dims: int, heads: int, layer: int):
        super().__init__()
        self.norm1 = nn.LayerNorm(dims, eps=config.NORM_EPS)
        self.attn = Attention(dims, heads, layer)
        self.norm2 = nn.LayerNorm(dims, eps=config.NORM_EPS)
        self.fc1 = nn.Linear(dims, config.MLP_RATIO * dims)
        self.fc2 = nn.Linear(config.MLP_RATIO * dims, dims)

    def __call__(self, x, cache, pos):
        x = x + self.attn(self.norm1(x), cache, pos)
        return x + self.fc2(nn.gelu_approx(self.fc1(self.norm2(x))))  # the tanh approximation, as GPT-2


class Decoder(nn.Module):
    def __init__(self, spec: config.Spec):
        super().__init__()
        self.spec = spec
        self.tok_embed = nn.Embedding(config.VOCAB, spec.width)
        self.pos_embed = nn.Embedding(spec.context, spec.width)
        self.blocks = [Block(spec.width, spec.heads, i) for i in range(spec.layers)]
        self.norm = nn.LayerNorm(spec.width, eps=config.NORM_EPS)
        self.head = nn.Linear(spec.width, config.VOCAB)

    def __call__(self, tokens, cache: KVCache, pos):
        """Logits (B, T, vocab) of ``tokens`` (B, T) at positions ``pos .. pos + T - 1``."""
        positions = pos + mx.arange(tokens.shape[1])
        x = self.tok_embed(tokens) + self.pos_embed(positions)
        for block in self.blocks:
            x = block(x, cache, pos)
        return self.head(self.norm(x))

    def new_cache(self) -> KVCache:
        s = self.spec
        return KVCache(s.layers, s.heads, s.head_dim, s.capacity, self.head.weight.dtype)


def make_decode_step(model: Decoder, cache: KVCache, compiled: bool = False):
    """One token in, the next (greedy) out, against the cache."""
    def decode_step(token, pos):
        return mx.argmax(model(token, cache, pos)[:, -1:], axis=-1)

    if compiled:  # fixed shapes: pos is an array and attention reads the whole cache, masked
        cache.static = True
        return mx.compile(decode_step, inputs=[model.state, cache.state], outputs=cache.state)
    return decode_step


def generate(model: Decoder, prompt, new_tokens: int) -> list[int]:
    cache = model.new_cache()
    token = mx.argmax(model(prompt, cache, 0)[:, -1:], axis=-1)  # prefill: the whole prompt in one step
    tokens = [token.item()]  # .item() evaluates the lazy graph and waits for it
    step = make_decode_step(model, cache)
    for pos in range(prompt.shape[1], prompt.shape[1] + new_tokens - 1):
        token = step(token, pos)  # decode: one token against the cache
        tokens.append(token.item())
    return tokens


SHOWN = (KVCache, Attention, Block, Decoder, make_decode_step, generate)


# --- what the runner drives (same names in every library module) --------------------------

ASSUMED_COMPILE_S = {"cpu": 10.0, "gpu": 1.0}  # a first compile, for the estimate (the CPU build JITs C++)


def compile_problem(device: str) -> str | None:
    """Why mx.compile cannot run on ``device`` here, or None: it needs no compiler of its own."""
    return None


class Generator:
    """The decoder in ``dtype``, loaded with the shared weights, with its cache.

    MLX runs operations on the device of the stream in use: the runner enters
    ``Backend.device_scope(device)`` around everything a Generator does.
    """

    def __init__(self, spec: config.Spec, weights: dict[str, np.ndarray], device: str, dtype: str,
                 variant: str = "eager"):
        self.spec, self.device, self.variant = spec, device, variant
        self.model = Decoder(spec)
        self.model.load_weights([(k, mx.array(v)) for k, v in weights.items()], strict=True)
        self.model.set_dtype(getattr(mx, dtype))
        self.cache = self.model.new_cache()
        mx.eval(self.model.parameters(), self.cache.state)
        self._step = make_decode_step(self.model, self.cache, compiled=variant == "compiled")
        self.pos = 0

    def prefill(self, prompt: np.ndarray):
        """The prompt in one step, from an empty cache: the first new token (lazy)."""
        self.cache.static = False
        token = mx.argmax(self.model(mx.array(prompt), self.cache, 0)[:, -1:], axis=-1)
        self.pos = prompt.shape[1]
        self.cache.static = self.variant == "compiled"
        return token

    def step(self, token):
        """One decode step: the token after ``token`` (lazy)."""
        pos = mx.array([self.pos]) if self.cache.static else self.pos
        token = self._step(token, pos)
        self.pos += 1
        return token

    def sync_target(self, token):
        return [token, self.cache.state]

    def token_id(self, token) -> int:
        return int(token.item())

    def logits(self, tokens: np.ndarray) -> np.ndarray:
        """Logits (T, vocab) of the whole sequence, recomputed from an empty cache, as float64."""
        out = self.model(mx.array(tokens), self.model.new_cache(), 0)[0]
        return np.array(out.astype(mx.float32)).astype(np.float64)

    def cached_logits(self, tokens: np.ndarray, prompt_len: int) -> np.ndarray:
        """Logits (T, vocab) of ``tokens``: the first ``prompt_len`` in one step, then one at a time
        against the cache (the decode path), as float64."""
        cache = self.model.new_cache()
        t = mx.array(tokens)
        out = [self.model(t[:, :prompt_len], cache, 0)[0]]
        for pos in range(prompt_len, tokens.shape[1]):
            out.append(self.model(t[:, pos:pos + 1], cache, pos)[0])
            mx.eval(out[-1], cache.state)
        return np.array(mx.concatenate(out).astype(mx.float32)).astype(np.float64)

    def parameters(self) -> dict[str, np.ndarray]:
        return {k: np.array(v.astype(mx.float32)) for k, v in tree_flatten(self.model.parameters())}


def memory(backend, device: str) -> MemoryReading:
    """``mx.get_peak_memory()`` since the runner reset it: weights, cache and every temporary."""
    return backend.peak_memory(device)
