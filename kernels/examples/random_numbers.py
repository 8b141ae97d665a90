"""Random numbers: the same seed gives different numbers in NumPy, PyTorch and MLX, and how to make
the three compute on the same random inputs anyway.

NumPy's ``default_rng`` (a PCG64 Generator), PyTorch's generators (a global one, your own, one per
device) and MLX's keys (``mx.random.key``, ``split``; a global key split for every draw) are three
different generators: one seed, three sequences. The fix the Measure pages use is to generate once,
in NumPy, and convert (``torch.from_numpy``, ``mx.array``). Every example is one template per
library, shown and executed (:mod:`kernels.cells`); what the page says about an output is computed
from that output.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..cells import CellResult, Example

SEEDS = (0, 2**32 - 1)  # every library takes these (Torch and MLX take up to 2**64 - 1)
DEFAULT_SEED = 0
COUNTS = (1, 8)  # how many numbers each draw makes
DEFAULT_COUNT = 4
DTYPES = ("float32", "float64")
LONGER = (4, 64)  # the longer draw of the "prefix" example
DEFAULT_LONGER = 16
PREFIX = 4  # numbers compared at the start of both draws
ROWS, COLS = 3, 1000  # the shared input of the "generate once" example


def check_params(seed: int, n: int, dtype: str = "float32") -> None:
    lo, hi = SEEDS
    if not isinstance(seed, int) or not lo <= seed <= hi:
        raise ValueError(f"the seed must be a whole number from {lo} to {hi:,}; got {seed!r}")
    lo, hi = COUNTS
    if not lo <= n <= hi:
        raise ValueError(f"n must be between {lo} and {hi}; got {n}")
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(DTYPES)}; got {dtype!r}")


def params(seed: int, n: int, dtype: str = "float32", longer: int = DEFAULT_LONGER) -> dict[str, Any]:
    check_params(seed, n, dtype)
    lo, hi = LONGER
    if not lo <= longer <= hi:
        raise ValueError(f"the longer draw must have {lo} to {hi} numbers; got {longer}")
    return {"seed": int(seed), "n": int(n), "rows": ROWS, "cols": COLS, "dtype": dtype,
            "longer": int(longer), "prefix": PREFIX}


# --- 1. one seed, three libraries ----------------------------------------------------------------

SAME_SEED = Example(
    key="same_seed",
    title="The same seed in each library's usual way",
    code={
        "numpy": (
            "rng = np.random.default_rng($seed)\n"
            "rng.standard_normal($n, dtype=np.float32)"
        ),
        "torch": (
            "torch.manual_seed($seed)\n"
            "torch.randn($n)"
        ),
        "mlx": (
            "mx.random.seed($seed)\n"
            "mx.random.normal(($n,))"
        ),
    },
    note="Standard normal float32 numbers from one seed. Each library has its own generator "
         "(NumPy: PCG64; PyTorch on the CPU: Mersenne Twister; MLX: Threefry), so the seed picks a "
         "different sequence in each.",
)

# --- 2. where the state lives ----------------------------------------------------------------------

STATE = Example(
    key="state",
    title="Where the state lives: a generator object, or a key you pass around",
    code={
        "numpy": (
            "rng = np.random.default_rng($seed)\n"
            "first = rng.standard_normal($n, dtype=np.float32)\n"
            "second = rng.standard_normal($n, dtype=np.float32)  # the generator moved on\n"
            "again = np.random.default_rng($seed).standard_normal($n, dtype=np.float32)  # a new one starts over\n"
            "first, second, again"
        ),
        "torch": (
            "g = torch.Generator(device=$device).manual_seed($seed)  # one generator per device\n"
            "first = torch.randn($n, generator=g, device=$device)\n"
            "second = torch.randn($n, generator=g, device=$device)  # the generator moved on\n"
            "g.manual_seed($seed)\n"
            "again = torch.randn($n, generator=g, device=$device)  # reseeded: starts over\n"
            "first, second, again"
        ),
        "mlx": (
            "key = mx.random.key($seed)  # the state is a small array you hold\n"
            "first = mx.random.normal(($n,), key=key, stream=$device)\n"
            "second = mx.random.normal(($n,), key=key, stream=$device)  # same key, same numbers\n"
            "k1, k2 = mx.random.split(key)  # new numbers need a new key\n"
            "again = mx.random.normal(($n,), key=k2, stream=$device)\n"
            "first, second, again"
        ),
    },
    note="NumPy and PyTorch keep the state inside an object that advances with every draw; MLX, like "
         "JAX, gives the same numbers for the same key every time, and you split a key to get new "
         "ones. PyTorch draws on the GPU with a generator made for it, and MLX draws there, where this "
         "machine has one.",
)

# --- 3. a longer draw ------------------------------------------------------------------------------------

PREFIX_EXAMPLE = Example(
    key="prefix",
    title="Ask for more numbers from the same seed: does the draw start the same?",
    code={
        "numpy": (
            "short = np.random.default_rng($seed).standard_normal($prefix, dtype=np.float32)\n"
            "long = np.random.default_rng($seed).standard_normal($longer, dtype=np.float32)\n"
            "short, long[:$prefix]"
        ),
        "torch": (
            "torch.manual_seed($seed)\n"
            "short = torch.randn($prefix)\n"
            "torch.manual_seed($seed)\n"
            "long = torch.randn($longer)\n"
            "short, long[:$prefix]"
        ),
        "mlx": (
            "key = mx.random.key($seed)\n"
            "short = mx.random.normal(($prefix,), key=key)\n"
            "long = mx.random.normal(($longer,), key=key)\n"
            "short, long[:$prefix]"
        ),
    },
    note="Code that draws a batch of a different size (a last, smaller batch; a test with fewer "
         "samples) gets other numbers where the answer is no.",
)

# --- 4. one library, one seed, different numbers ------------------------------------------------------

VARIANTS = Example(
    key="variants",
    title="One library, one seed, and still different numbers",
    code={
        "numpy": (
            "np.random.seed($seed)\n"
            "legacy = np.random.standard_normal($n)  # the old global RandomState\n"
            "new64 = np.random.default_rng($seed).standard_normal($n)  # a Generator (PCG64)\n"
            "new32 = np.random.default_rng($seed).standard_normal($n, dtype=np.float32)\n"
            "legacy, new64, new32"
        ),
        "torch": (
            "torch.manual_seed($seed)\n"
            "global_cpu = torch.randn($n)  # the global CPU generator\n"
            "own_cpu = torch.randn($n, generator=torch.Generator().manual_seed($seed))\n"
            "g = torch.Generator(device=$device).manual_seed($seed)\n"
            "own_device = torch.randn($n, generator=g, device=$device)  # the device's own generator\n"
            "global_cpu, own_cpu, own_device"
        ),
        "mlx": (
            "mx.random.seed($seed)\n"
            "first = mx.random.normal(($n,), stream=$device)  # the global key is split for every draw\n"
            "second = mx.random.normal(($n,), stream=$device)\n"
            "keyed = mx.random.normal(($n,), key=mx.random.key($seed), stream=$device)\n"
            "first, second, keyed"
        ),
    },
    note="Porting code often changes one of these without noticing: the legacy np.random calls for a "
         "Generator, float64 for float32, the global generator for one on the GPU, mx.random.seed for "
         "an explicit key.",
)

# --- 5. the same inputs everywhere ----------------------------------------------------------------------

_NUMPY_INPUT = (
    "rng = np.random.default_rng($seed)\n"
    "x_np = rng.standard_normal(($rows, $cols), dtype=$dtype)  # generated once, in NumPy\n"
)

SAME_INPUTS = Example(
    key="same_inputs",
    title="Generate once in NumPy, convert, compute: the same numbers in all three",
    code={
        "numpy": (
            _NUMPY_INPUT
            + "x = x_np\n"
            "print(x.dtype)\n"
            "(x * x).mean(axis=1)  # the mean square of each row"
        ),
        "torch": (
            "import numpy as np\n"
            + _NUMPY_INPUT
            + "x = torch.from_numpy(x_np).to($device)  # keeps NumPy's dtype (mps has no float64)\n"
            "print(x.dtype)\n"
            "(x * x).mean(dim=1)"
        ),
        "mlx": (
            "import numpy as np\n"
            + _NUMPY_INPUT
            + "x = mx.array(x_np)  # float64 arrives as float32\n"
            "print(x.dtype)\n"
            "mx.mean(x * x, axis=1, stream=$device)"
        ),
    },
    note="This is what the Measure pages do: one NumPy generator makes the inputs, and every library "
         "computes on a converted copy. The dtype decides how close the answers come.",
)

EXAMPLES = (SAME_SEED, STATE, PREFIX_EXAMPLE, VARIANTS, SAME_INPUTS)


# --- what the outputs say ------------------------------------------------------------------------------

def values(result: CellResult, backend) -> list[np.ndarray]:
    """Every output of a finished cell, as float64 NumPy arrays (a tuple gives one per item)."""
    items = result.value if type(result.value) is tuple else (result.value,)
    return [np.asarray(backend.to_numpy(v), dtype=np.float64) for v in items]


def same(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two draws are the same numbers (bit for bit once widened: a draw repeats exactly)."""
    return a.shape == b.shape and bool(np.array_equal(a, b))


def distinct(draws: list[np.ndarray]) -> int:
    """How many different sequences there are among ``draws``."""
    kinds: list[np.ndarray] = []
    for d in draws:
        if not any(same(d, k) for k in kinds):
            kinds.append(d)
    return len(kinds)


def same_seed_table(results: Mapping[str, CellResult], libs) -> list[dict[str, str]]:
    """One row per library that ran: its first numbers, as printed."""
    rows = []
    for name, r in results.items():
        if r.ok:
            v = values(r, libs[name])[0]
            rows.append({"library": r.label, "numbers": ", ".join(f"{x:+.4f}" for x in v)})
    return rows


def reference(seed: int, dtype: str) -> np.ndarray:
    """The "generate once" example's answer in float64, from the same NumPy draw."""
    x = np.random.default_rng(seed).standard_normal((ROWS, COLS), dtype=np.dtype(dtype)).astype(np.float64)
    return (x * x).mean(axis=1)


def printed_dtype(result: CellResult) -> str:
    """The dtype a "generate once" cell printed: ``float32``, ``torch.float64``, ``mlx.core.float32``."""
    lines = result.stdout.strip().splitlines()
    return lines[0].strip() if lines else ""


def same_inputs_words(results: Mapping[str, CellResult], dtype: str) -> str:
    """The "Here:" sentence under "generate once, convert", from what ran: which dtype each library
    computed in, and which could not take the numbers at all (PyTorch on ``mps`` refuses float64)."""
    done = {name: r for name, r in results.items() if r.ok}
    failed = [r for r in results.values() if r.status == "error"]
    widths = {name: printed_dtype(r).rsplit(".", 1)[-1] for name, r in done.items()}
    parts = []
    if len(set(widths.values())) > 1:
        kept = [f"{done[n].label} {w}" for n, w in widths.items()]
        parts.append(f"the inputs are the same numbers everywhere, but not the same dtype ({', '.join(kept)}): "
                     + ("`torch.from_numpy` keeps NumPy's dtype, " if widths.get("torch") == dtype else "")
                     + ("`mx.array` makes float32. " if widths.get("mlx") == "float32" and dtype != "float32" else "")
                     + "Generate in float32 to compare like with like.")
    elif widths:
        parts.append(f"every library that ran computed in {next(iter(widths.values()))} on the same numbers; "
                     "the answers differ only by rounding.")
    for r in failed:
        where = f" on `{r.device}`" if r.device else ""
        parts.append(f"{r.label}{where} could not take NumPy's {dtype} at all ({r.error.split(':')[0]}), so it "
                     "computed nothing" + (": the mps device has no float64" if r.device == "mps" and
                                           dtype == "float64" else ""))
    return " ".join(p if p.endswith(".") else p + "." for p in parts)
