"""What every library's decoder shares: the sizes, the weights, the prompt, and the byte counts.

The model is a small GPT-style decoder over a byte-level vocabulary (256 tokens, one per byte):
token and position embeddings, ``layers`` pre-norm blocks of causal multi-head attention and a GELU
MLP (4 × wide), a final layer norm and an output head. The weights are made once, here, by a seeded
NumPy generator, named as ``torch.nn`` and ``mlx.nn`` name them (``blocks.0.attn.query.weight``) and
laid out as both store a ``Linear`` weight, ``(out_features, in_features)``; each library module loads
exactly these arrays. Nothing is downloaded.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

import numpy as np

from ..dtypes import ITEMSIZE

VOCAB = 256  # one token per byte
MLP_RATIO = 4
NORM_EPS = 1e-5  # every LayerNorm, in every library
DTYPES = ("float32", "float16", "bfloat16")  # each one's size: kernels.dtypes

# The prompt: bytes of this text, repeated to the prompt length asked for.
PROMPT_TEXT = ("Most people who run small local models on a Mac run inference: how many tokens per second, "
               "how long until the first token, how much memory? ")


@dataclass(frozen=True)
class Preset:
    name: str
    width: int
    layers: int
    heads: int
    context: int  # positions the model has embeddings for: prompt + new tokens must fit
    about: str


PRESETS = {
    "tiny": Preset("tiny", 128, 4, 4, 256, "about 1 M parameters: seconds anywhere"),
    "small": Preset("small", 512, 8, 8, 512, "about 26 M parameters"),
    "medium": Preset("medium", 768, 18, 12, 1024,
                     "about 129 M parameters, GPT-2-small-like: GPT-2 small's width (768), heads (12) and context "
                     "(1024); with a 256-byte vocabulary instead of GPT-2's 50,257 tokens it takes 18 layers "
                     "instead of 12 to hold as many parameters (GPT-2 small: 124 M)"),
}
PRESET_NAMES = tuple(PRESETS)

# Settings a run may ask for; anything outside is refused with a sentence before anything runs.
LIMITS = {
    "width": (16, 4096),
    "layers": (1, 64),
    "heads": (1, 64),
    "prompt_len": (1, 4096),
    "new_tokens": (2, 4096),
}


@dataclass(frozen=True)
class Spec:
    """One model and one generation: the sizes, the prompt length and how many tokens to generate."""

    preset: str = "tiny"
    width: int = 128
    layers: int = 4
    heads: int = 4
    context: int = 256
    prompt_len: int = 32
    new_tokens: int = 32
    seed: int = 0

    @classmethod
    def from_preset(cls, name: str, **changes) -> Spec:
        """The preset's sizes, with any of width, layers, heads (and the lengths) changed."""
        if name not in PRESETS:
            raise ValueError(f"unknown preset {name!r}; choose from {', '.join(PRESET_NAMES)}")
        p = PRESETS[name]
        changes = {k: v for k, v in changes.items() if v is not None}
        return cls(preset=name, width=p.width, layers=p.layers, heads=p.heads, context=p.context).with_(**changes)

    @property
    def size_name(self) -> str:
        """The preset's name when the sizes are the preset's, else ``custom``."""
        p = PRESETS.get(self.preset)
        if p and (self.width, self.layers, self.heads, self.context) == (p.width, p.layers, p.heads, p.context):
            return p.name
        return "custom"

    @property
    def head_dim(self) -> int:
        return self.width // self.heads

    @property
    def capacity(self) -> int:
        """Positions the KV cache holds: the prompt and every generated token."""
        return self.prompt_len + self.new_tokens

    @property
    def warmup_steps(self) -> int:
        """Decode steps of the untimed warm-up generation (compilation, caches, lazy allocation): as
        many as the timed generation has, so every cache length it will meet has been met once
        (eager PyTorch on mps builds a graph for each new one, which the timed steps must not pay)."""
        return self.new_tokens - 1

    def size_label(self) -> str:
        name = self.size_name
        dims = (f"width {self.width} · {self.layers} layer{'s' * (self.layers != 1)} · "
                f"{self.heads} head{'s' * (self.heads != 1)}")
        return f"{name} ({dims})" if name != "custom" else f"custom: {dims}"

    def lengths_label(self) -> str:
        return f"prompt {self.prompt_len} · {self.new_tokens} new tokens"

    def with_(self, **changes) -> Spec:
        return replace(self, **changes)

    def as_dict(self) -> dict:
        return {**asdict(self), "size": self.size_name, "params": param_count(self)}


def validate(spec: Spec) -> None:
    """Raise ``ValueError`` with a sentence a person can act on when a setting is out of range."""
    if spec.preset not in PRESETS:
        raise ValueError(f"unknown preset {spec.preset!r}; choose from {', '.join(PRESET_NAMES)}")
    for name, (lo, hi) in LIMITS.items():
        value = getattr(spec, name)
        if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
            raise ValueError(f"{name.replace('_', ' ')} must be a whole number from {lo} to {hi}, not {value!r}")
    if spec.width % spec.heads:
        raise ValueError(f"the width ({spec.width}) must be a multiple of the number of heads ({spec.heads})")
    if spec.capacity > spec.context:
        raise ValueError(f"the prompt ({spec.prompt_len}) and the new tokens ({spec.new_tokens}) must fit the "
                         f"model's context of {spec.context} positions")


# --- parameters ------------------------------------------------------------------------------

def param_shapes(spec: Spec) -> dict[str, tuple[int, ...]]:
    """Every parameter's name and shape, in the order the libraries list them."""
    d, shapes = spec.width, {}

    def linear(name: str, n_in: int, n_out: int) -> None:
        shapes[f"{name}.weight"] = (n_out, n_in)  # torch.nn.Linear and mlx.nn.Linear: (out, in)
        shapes[f"{name}.bias"] = (n_out,)

    def norm(name: str) -> None:
        shapes[f"{name}.weight"] = (d,)
        shapes[f"{name}.bias"] = (d,)

    shapes["tok_embed.weight"] = (VOCAB, d)
    shapes["pos_embed.weight"] = (spec.context, d)
    for i in range(spec.layers):
        p = f"blocks.{i}"
        norm(f"{p}.norm1")
        for proj in ("query", "key", "value", "out"):
            linear(f"{p}.attn.{proj}", d, d)
        norm(f"{p}.norm2")
        linear(f"{p}.fc1", d, MLP_RATIO * d)
        linear(f"{p}.fc2", MLP_RATIO * d, d)
    norm("norm")
    linear("head", d, VOCAB)
    return shapes


def param_count(spec: Spec) -> int:
    return sum(math.prod(s) for s in param_shapes(spec).values())


def init_weights(spec: Spec) -> dict[str, np.ndarray]:
    """The weights, float32, from ``spec.seed``: the same arrays for every library.

    GPT-2's initialisation: every weight N(0, 0.02²), the projections back into the residual stream
    (``attn.out``, ``fc2``) scaled down by √(2 · layers), biases zero, layer norms ones and zeros.
    The head's bias is a fixed preference for printable text (see :func:`head_bias`), so the bytes a
    random model generates can be read in a room.
    """
    rng = np.random.default_rng(spec.seed)
    weights: dict[str, np.ndarray] = {}
    for name, shape in param_shapes(spec).items():
        layer = name.rsplit(".", 1)[0].rsplit(".", 1)[-1]
        if layer.startswith("norm"):
            value = np.ones(shape) if name.endswith(".weight") else np.zeros(shape)
        elif name == "head.bias":
            value = head_bias()
        elif name.endswith(".bias"):
            value = np.zeros(shape)
        else:
            std = 0.02 / math.sqrt(2 * spec.layers) if layer in ("out", "fc2") else 0.02
            value = rng.normal(0.0, std, shape)
        weights[name] = np.ascontiguousarray(value, dtype=np.float32)
    return weights


def head_bias() -> np.ndarray:
    """A preference for the bytes of ordinary text: letters, digits, space and punctuation are
    raised, the rest (control bytes, bytes above 127) lowered. Nothing is trained; this only makes
    the random model's greedy output printable."""
    bias = np.full(VOCAB, -2.0)
    for byte in range(32, 127):
        bias[byte] = 0.0
    return bias


def prompt_tokens(spec: Spec) -> np.ndarray:
    """The prompt: ``PROMPT_TEXT``'s bytes, repeated to ``spec.prompt_len``, as int32 ids (1, T)."""
    data = PROMPT_TEXT.encode("ascii")
    reps = -(-spec.prompt_len // len(data))
    return np.frombuffer(data * reps, dtype=np.uint8)[: spec.prompt_len].astype(np.int32)[None, :]


def token_text(ids) -> str:
    """Byte-level tokens as text: printable ASCII as itself, any other byte as ``\\xNN``."""
    return "".join(chr(i) if 32 <= i < 127 else f"\\x{i:02x}" for i in ids)


# --- bytes --------------------------------------------------------------------------------------

def weights_bytes(spec: Spec, dtype: str) -> int:
    """The weights held on the device, in ``dtype``."""
    return param_count(spec) * ITEMSIZE[dtype]


def kv_cache_bytes(spec: Spec, dtype: str, positions: int | None = None) -> int:
    """Keys and values of every layer for ``positions`` (the whole cache: prompt + new tokens)."""
    positions = spec.capacity if positions is None else positions
    return 2 * spec.layers * positions * spec.width * ITEMSIZE[dtype]


def decode_weights_read(spec: Spec, dtype: str) -> int:
    """Weight bytes one decode step reads: every matrix once, but of the two embedding tables only
    the row of the token and of its position."""
    tables = (VOCAB + spec.context) * spec.width
    return (param_count(spec) - tables + 2 * spec.width) * ITEMSIZE[dtype]


def estimate_bytes(spec: Spec, dtype: str) -> int:
    """A generous estimate of the memory one row needs at its peak, before anything is allocated:
    the shared float32 weights, the float64 NumPy reference's copy of them, one library's copy in
    ``dtype`` (twice, while it is converted), its KV cache, and the prompt's activations."""
    params = param_count(spec)
    t, d = spec.prompt_len, spec.width
    activations = t * (8 * d + 2 * MLP_RATIO * d + VOCAB) + spec.heads * t * t
    library = 2 * params * ITEMSIZE[dtype] + kv_cache_bytes(spec, dtype) + 4 * activations * ITEMSIZE[dtype]
    reference = params * 8 + kv_cache_bytes(spec, "float64") + activations * 8
    return params * 4 + reference + library
