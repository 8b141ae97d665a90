"""PyTorch: the decoder with ``torch.nn``, generating greedily with a KV cache.

Same shape as ``mlx_model`` and ``numpy_model``: ``KVCache``, ``Attention``, ``Block``, ``Decoder``,
``make_decode_step`` and ``generate`` are what the page shows; ``Generator`` is what the runner drives.
"""
from __future__ import annotations

import os
import shutil

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from ..backends.common import MemoryReading
from . import config

NAME = "torch"
VARIANTS = ("eager", "compiled")
VARIANT_NOTES = {
    "eager": "torch.nn op by op; attention reads the cache up to the current position",
    "compiled": "the decode step in torch.compile (inductor); one shape for every step, so attention reads the "
                "whole cache with a mask; the prompt runs eagerly",
}


class KVCache:
    """Every layer's keys and values, allocated once for the prompt and every new token."""

    def __init__(self, layers: int, heads: int, head_dim: int, capacity: int, dtype, device):
        self.k = [torch.zeros(1, heads, capacity, head_dim, dtype=dtype, device=device) for _ in range(layers)]
        self.v = [torch.zeros_like(k) for k in self.k]
        self.static = False  # True: the same shapes at every step, as a compiled step needs

    def update(self, layer: int, k, v, pos):
        """Write this step's keys and values at positions ``pos .. pos + T - 1``; return the keys and
        values attention reads and the mask it needs (None: causal from an empty cache, or one query)."""
        T = k.shape[2]
        if not self.static:  # pos is an int: read only the positions written so far
            self.k[layer][:, :, pos:pos + T] = k
            self.v[layer][:, :, pos:pos + T] = v
            mask = None if T == 1 or pos == 0 else causal_mask(T, pos, k.device)
            return self.k[layer][:, :, :pos + T], self.v[layer][:, :, :pos + T], mask
        at = pos + torch.arange(T, device=k.device)  # pos is a tensor: one graph for every position
        self.k[layer].index_copy_(2, at, k)
        self.v[layer].index_copy_(2, at, v)
        return self.k[layer], self.v[layer], torch.arange(self.k[layer].shape[2], device=k.device) <= at[:, None]


def causal_mask(T: int, pos: int, device):
    """Query ``t`` (at position ``pos + t``) sees keys ``0 .. pos + t``: aligned to the lower right."""
    return torch.ones(T, pos + T, dtype=torch.bool, device=device).tril(pos)


class Attention(nn.Module):
    def __init__(self, dims: int, heads: int, layer: int):
        super().__init__()
        self.heads, self.layer = heads, layer
        self.query = nn.Linear(dims, dims)
        self.key = nn.Linear(dims, dims)
        self.value = nn.Linear(dims, dims)
        self.out = nn.Linear(dims, dims)

    def forward(self, x, cache: KVCache, pos):
        B, T, C = x.shape

        def split(t):  # (B, T, C) -> (B, heads, T, C // heads)
            return t.view(B, T, self.heads, C // self.heads).transpose(1, 2)

        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        k, v, mask = cache.update(self.layer, k, v, pos)
        # is_causal=True aligns the mask to the upper left (query i sees keys 0..i): right for the
        # prompt on an empty cache, wrong for one new token against a cache, which must see every key.
        o = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=mask is None and T > 1)
        return self.out(o.transpose(1, 2).reshape(B, T, C))


class Block(nn.Module):
    """Pre-norm: x + attention(norm(x)), then x + MLP(norm(x))."""

    def __init__(self, dims: int, heads: int, layer: int):
        super().__init__()
        self.norm1 = nn.LayerNorm(dims, eps=config.NORM_EPS)
        self.attn = Attention(dims, heads, layer)
        self.norm2 = nn.LayerNorm(dims, eps=config.NORM_EPS)
        self.fc1 = nn.Linear(dims, config.MLP_RATIO * dims)
        self.fc2 = nn.Linear(config.MLP_RATIO * dims, dims)

    def forward(self, x, cache, pos):
        x = x + self.attn(self.norm1(x), cache, pos)
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x)), approximate="tanh"))


class Decoder(nn.Module):
    def __init__(self, spec: config.Spec):
        super().__init__()
        self.spec = spec
        self.tok_embed = nn.Embedding(config.VOCAB, spec.width)
        self.pos_embed = nn.Embedding(spec.context, spec.width)
        self.blocks = nn.ModuleList(Block(spec.width, spec.heads, i) for i in range(spec.layers))
        self.norm = nn.LayerNorm(spec.width, eps=config.NORM_EPS)
        self.head = nn.Linear(spec.width, config.VOCAB)

    def forward(self, tokens, cache: KVCache, pos):
        """Logits (B, T, vocab) of ``tokens`` (B, T) at positions ``pos .. pos + T - 1``."""
        positions = pos + torch.arange(tokens.shape[1], device=tokens.device)
        x = self.tok_embed(tokens) + self.pos_embed(positions)
        for block in self.blocks:
            x = block(x, cache, pos)
        return self.head(self.norm(x))

    def new_cache(self) -> KVCache:
        s, w = self.spec, self.head.weight
        return KVCache(s.layers, s.heads, s.head_dim, s.capacity, w.dtype, w.device)


def make_decode_step(model: Decoder, cache: KVCache, compiled: bool = False):
    """One token in, the next (greedy) out, against the cache."""
    def decode_step(token, pos):
        return model(token, cache, pos)[:, -1:].argmax(-1)

    if compiled:  # fixed shapes: pos is a tensor and attention reads the whole cache, masked
        cache.static = True
        return torch.compile(decode_step, fullgraph=True)
    return decode_step


@torch.inference_mode()
def generate(model: Decoder, prompt, new_tokens: int) -> list[int]:
    cache = model.new_cache()
    token = model(prompt, cache, 0)[:, -1:].argmax(-1)  # prefill: the whole prompt in one step
    tokens = [token.item()]  # .item() waits for the device
    step = make_decode_step(model, cache)
    for pos in range(prompt.shape[1], prompt.shape[1] + new_tokens - 1):
        token = step(token, pos)  # decode: one token against the cache
        tokens.append(token.item())
    return tokens


SHOWN = (KVCache, Attention, Block, Decoder, make_decode_step, generate)


# --- what the runner drives (same names in every library module) --------------------------

COMPILE_IN_SUBPROCESS = True  # compiled first in a process of its own, which the runner may end (runner.precompile)
COMPILER = "torch.compile"
ASSUMED_COMPILE_S = {"cpu": 45.0, "gpu": 30.0}  # a first compile, for the estimate (a 2-core CPU: about 40 s)
COMPILE_SLOW = ("inductor generates C++ (or GPU kernels) for the step and builds them; with a cold compile cache "
                "that takes minutes on a small CPU. A longer budget (--compile-budget, or the page's setting) "
                "lets it finish; the compiled kernels are cached for the next run")


def compile_problem(device: str) -> str | None:
    """Why torch.compile cannot run on ``device`` here, or None (it may still fail: the runner
    turns a failure into a row that says so)."""
    if device == "cpu":
        cxx = os.environ.get("CXX") or "g++"
        if not any(shutil.which(c) for c in (cxx, "g++", "clang++", "c++")):
            return ("torch.compile needs a C++ compiler on the CPU (inductor writes C++ and builds it) and none "
                    "was found here: install one (Xcode command-line tools on a Mac: xcode-select --install)")
    return None


class Generator:
    """The decoder in ``dtype`` on ``device``, loaded with the shared weights, with its cache."""

    def __init__(self, spec: config.Spec, weights: dict[str, np.ndarray], device: str, dtype: str,
                 variant: str = "eager"):
        self.spec, self.device, self.variant = spec, device, variant
        self.model = Decoder(spec)
        self.model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()}, strict=True)
        self.model.to(device=device, dtype=getattr(torch, dtype)).eval()
        self.cache = self.model.new_cache()
        self._step = make_decode_step(self.model, self.cache, compiled=variant == "compiled")
        self.pos = 0

    def prefill(self, prompt: np.ndarray):
        """The prompt in one step, from an empty cache: the first new token (on the device)."""
        with torch.inference_mode():
            self.cache.static = False
            tokens = torch.from_numpy(prompt).to(self.device).long()
            token = self.model(tokens, self.cache, 0)[:, -1:].argmax(-1)
        self.pos = prompt.shape[1]
        self.cache.static = self.variant == "compiled"
        return token

    def step(self, token):
        """One decode step: the token after ``token``."""
        pos = torch.tensor(self.pos, device=self.device) if self.cache.static else self.pos
        with torch.inference_mode():
            token = self._step(token, pos)
        self.pos += 1
        return token

    def sync_target(self, token):
        return token  # torch: waiting on the device is enough (Backend.synchronize)

    def token_id(self, token) -> int:
        return int(token.item())

    def logits(self, tokens: np.ndarray) -> np.ndarray:
        """Logits (T, vocab) of the whole sequence, recomputed from an empty cache, as float64."""
        with torch.inference_mode():
            cache = self.model.new_cache()
            out = self.model(torch.from_numpy(tokens).to(self.device).long(), cache, 0)[0]
            return out.cpu().double().numpy()  # to the host first: mps has no float64

    def cached_logits(self, tokens: np.ndarray, prompt_len: int) -> np.ndarray:
        """Logits (T, vocab) of ``tokens``: the first ``prompt_len`` in one step, then one at a time
        against the cache (the decode path), as float64."""
        with torch.inference_mode():
            cache = self.model.new_cache()
            t = torch.from_numpy(tokens).to(self.device).long()
            out = [self.model(t[:, :prompt_len], cache, 0)[0]]
            for pos in range(prompt_len, tokens.shape[1]):
                out.append(self.model(t[:, pos:pos + 1], cache, pos)[0])
            return torch.cat(out).cpu().double().numpy()


def memory(backend, device: str) -> MemoryReading:
    """The memory figure Torch offers on ``device`` after a generation, labelled with what it counts."""
    peak = backend.peak_memory(device)
    if peak.bytes is not None:  # cuda: torch.cuda.max_memory_allocated(); mps: torch.accelerator's peak
        return peak
    if device == "mps":  # a torch without peak statistics on mps: the end figure, said to be one
        driver = int(torch.mps.driver_allocated_memory())
        return MemoryReading(int(torch.mps.current_allocated_memory()),
                             "torch.mps.current_allocated_memory() at the end of generation, not a peak "
                             f"({peak.what}): bytes its tensors hold on the Apple GPU; the Metal driver holds "
                             f"{driver:,} (torch.mps.driver_allocated_memory())")
    now = backend.memory_in_use(device)
    return MemoryReading(now.bytes, f"{now.what}, at the end of generation (Torch keeps no peak on the CPU)")
