"""What every library's model module shares: the settings, the initial weights, the batches.

The weights are made once, here, from a seeded NumPy generator, named the way ``torch.nn`` and
``mlx.nn`` name them (``layers.0.weight``, ``blocks.0.attn.query.weight``) and laid out as both
store a ``Linear`` weight: ``(out_features, in_features)``. Each library module loads exactly these
arrays, and trains on exactly the batches made here, so any difference in the losses comes from the
library, never from the data.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

import numpy as np

MODELS = ("mlp", "transformer")
MODEL_TITLES = {"mlp": "MLP", "transformer": "Tiny transformer"}
OPTIMIZERS = ("adam", "sgd")
OPTIMIZER_TITLES = {"adam": "Adam", "sgd": "SGD with momentum"}
DEFAULT_LR = {"adam": 1e-3, "sgd": 0.05}

# The synthetic tasks (fixed, so a size setting means the same work in every library).
MLP_INPUTS = 32  # features per example
MLP_CLASSES = 10
VOCAB = 64  # tokens in the sequence task
HEADS = 4  # attention heads; the width must be a multiple of this
MLP_RATIO = 4  # a transformer block's MLP is MLP_RATIO × width wide

# Settings a run may ask for; anything outside is refused with a message before anything runs.
LIMITS = {
    "batch": (1, 4096),
    "width": (4, 4096),
    "seq_len": (2, 1024),
    "steps": (2, 5000),
    "depth": (1, 8),
}

# Adam as both libraries run it here: bias-corrected, eps added after the square root.
# torch.optim.Adam always corrects the bias; mlx.optimizers.Adam does only with bias_correction=True.
ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8
SGD_MOMENTUM = 0.9


@dataclass(frozen=True)
class RunSpec:
    """One training run: which model, how big, how many steps of which optimiser."""

    model: str = "mlp"
    batch: int = 32
    width: int = 128  # MLP: hidden width; transformer: model dimension
    seq_len: int = 32  # transformer only (the MLP ignores it)
    steps: int = 20
    depth: int = 2  # MLP: hidden layers; transformer: blocks
    optimizer: str = "adam"
    lr: float | None = None  # None: DEFAULT_LR for the optimiser
    seed: int = 0

    @property
    def learning_rate(self) -> float:
        return DEFAULT_LR[self.optimizer] if self.lr is None else float(self.lr)

    @property
    def warmup(self) -> int:
        """Steps run but not timed (first calls allocate, compile, fill caches)."""
        return min(3, self.steps // 2)

    @property
    def uses_seq_len(self) -> bool:
        return self.model == "transformer"

    def size_label(self) -> str:
        if self.uses_seq_len:
            return f"batch {self.batch} · width {self.width} · seq {self.seq_len}"
        return f"batch {self.batch} · width {self.width}"

    def with_(self, **changes) -> RunSpec:
        return replace(self, **changes)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["lr"] = self.learning_rate
        return d


def validate(spec: RunSpec) -> None:
    """Raise ``ValueError`` with a sentence a person can act on when a setting is out of range."""
    if spec.model not in MODELS:
        raise ValueError(f"unknown model {spec.model!r}; choose from {', '.join(MODELS)}")
    if spec.optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {spec.optimizer!r}; choose from {', '.join(OPTIMIZERS)}")
    for name, (lo, hi) in LIMITS.items():
        value = getattr(spec, name)
        if name == "seq_len" and not spec.uses_seq_len:
            continue
        if not isinstance(value, int) or not lo <= value <= hi:
            raise ValueError(f"{name} must be a whole number from {lo} to {hi}, not {value!r}")
    if spec.model == "transformer" and spec.width % HEADS:
        raise ValueError(f"the transformer's width must be a multiple of {HEADS} (its heads), not {spec.width}")
    if not spec.learning_rate > 0 or not math.isfinite(spec.learning_rate):
        raise ValueError(f"the learning rate must be a positive number, not {spec.lr!r}")


# --- parameters ------------------------------------------------------------------------

def param_shapes(spec: RunSpec) -> dict[str, tuple[int, ...]]:
    """Every parameter's name and shape, in the order the libraries list them."""
    shapes: dict[str, tuple[int, ...]] = {}

    def linear(name: str, n_in: int, n_out: int) -> None:
        shapes[f"{name}.weight"] = (n_out, n_in)  # torch.nn.Linear and mlx.nn.Linear: (out, in)
        shapes[f"{name}.bias"] = (n_out,)

    def norm(name: str, dims: int) -> None:
        shapes[f"{name}.weight"] = (dims,)
        shapes[f"{name}.bias"] = (dims,)

    if spec.model == "mlp":
        sizes = [MLP_INPUTS] + [spec.width] * spec.depth + [MLP_CLASSES]
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            linear(f"layers.{i}", a, b)
        return shapes
    d = spec.width
    shapes["tok_embed.weight"] = (VOCAB, d)
    shapes["pos_embed.weight"] = (spec.seq_len, d)
    for i in range(spec.depth):
        p = f"blocks.{i}"
        norm(f"{p}.norm1", d)
        for proj in ("query", "key", "value", "out"):
            linear(f"{p}.attn.{proj}", d, d)
        norm(f"{p}.norm2", d)
        linear(f"{p}.fc1", d, MLP_RATIO * d)
        linear(f"{p}.fc2", MLP_RATIO * d, d)
    norm("norm", d)
    linear("head", d, VOCAB)
    return shapes


def param_count(spec: RunSpec) -> int:
    return sum(math.prod(s) for s in param_shapes(spec).values())


def init_weights(spec: RunSpec) -> dict[str, np.ndarray]:
    """The initial weights, float32, from ``spec.seed``: the same arrays for every library.

    Linear layers as PyTorch initialises them (uniform in ±1/√fan_in), embeddings N(0, 0.02²),
    layer norms ones and zeros.
    """
    rng = np.random.default_rng(spec.seed)
    weights: dict[str, np.ndarray] = {}
    shapes = param_shapes(spec)
    for name, shape in shapes.items():
        if name.endswith("embed.weight"):
            value = rng.normal(0.0, 0.02, shape)
        elif _is_norm(name):
            value = np.ones(shape) if name.endswith(".weight") else np.zeros(shape)
        else:
            fan_in = shapes[name.rsplit(".", 1)[0] + ".weight"][1]
            bound = 1.0 / math.sqrt(fan_in)
            value = rng.uniform(-bound, bound, shape)
        weights[name] = np.ascontiguousarray(value, dtype=np.float32)
    return weights


def _is_norm(name: str) -> bool:
    layer = name.rsplit(".", 1)[0].rsplit(".", 1)[-1]
    return layer.startswith("norm")


# --- data ------------------------------------------------------------------------------

def make_batches(spec: RunSpec, count: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """``count`` batches (inputs, targets) of the synthetic task, from ``spec.seed``.

    MLP: 32 random features; the class is the arg-max of a fixed random linear map of them.
    Transformer: arithmetic sequences modulo 64 (a random start and stride per row); the target
    is the next token, which the model can learn from the two before it.
    """
    rng = np.random.default_rng(spec.seed + 1)
    if spec.model == "mlp":
        teacher = rng.standard_normal((MLP_INPUTS, MLP_CLASSES)).astype(np.float32)
        out = []
        for _ in range(count):
            x = rng.standard_normal((spec.batch, MLP_INPUTS), dtype=np.float32)
            y = np.argmax(x @ teacher, axis=1).astype(np.int32)
            out.append((x, y))
        return out
    out = []
    positions = np.arange(spec.seq_len + 1)
    for _ in range(count):
        start = rng.integers(0, VOCAB, (spec.batch, 1))
        stride = rng.integers(1, 8, (spec.batch, 1))
        tokens = ((start + stride * positions) % VOCAB).astype(np.int32)
        out.append((tokens[:, :-1], tokens[:, 1:]))
    return out


def batch_pool_size(spec: RunSpec) -> int:
    """How many distinct batches a run cycles through (at most 16 in memory at once)."""
    return min(spec.steps, 16)


# --- memory ----------------------------------------------------------------------------

def estimate_bytes(spec: RunSpec) -> int:
    """A generous estimate of one library's memory for one run, before anything is allocated:
    parameters, gradients and two optimiser moments, the batches, and the activations kept for
    the backward pass (twice, for their gradients), in float32."""
    params = param_count(spec)
    b, d = spec.batch, spec.width
    if spec.model == "mlp":
        data = batch_pool_size(spec) * b * (MLP_INPUTS + 1)
        acts = b * (MLP_INPUTS + 3 * d * spec.depth + 3 * MLP_CLASSES)
    else:
        t = spec.seq_len
        data = batch_pool_size(spec) * b * t * 2
        per_block = b * t * (12 * d + 3 * MLP_RATIO * d) + 3 * b * HEADS * t * t
        acts = spec.depth * per_block + b * t * (3 * d + 3 * VOCAB)
    return 4 * (4 * params + data + 2 * acts)


# --- sweeps ----------------------------------------------------------------------------

SWEEP_DIMS = ("batch", "width", "seq_len")


def sweep(spec: RunSpec, dim: str | None, points: int = 3) -> list[RunSpec]:
    """``spec`` and the sizes below it along ``dim`` (halving each time), smallest first:
    batch 64 gives batches 16, 32, 64. ``None`` (or a dimension the model lacks): ``[spec]``."""
    if dim is None or (dim == "seq_len" and not spec.uses_seq_len):
        return [spec]
    if dim not in SWEEP_DIMS:
        raise ValueError(f"cannot sweep {dim!r}; choose from {', '.join(SWEEP_DIMS)}")
    lo = LIMITS[dim][0]
    step = HEADS if dim == "width" and spec.model == "transformer" else 1
    value = getattr(spec, dim)
    values = []
    for i in range(points):
        v = value >> i
        if v < lo or v % step:
            break
        values.append(v)
    return [spec.with_(**{dim: v}) for v in sorted(set(values))]
