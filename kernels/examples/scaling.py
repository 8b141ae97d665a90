"""Scaling by different amounts: broadcasting a per-channel scale over images.

The pictures are made once, in NumPy, by :func:`picture` / :func:`pictures`, and
each library's cell converts those same pixels (``torch.from_numpy``,
``mx.array``), so all three scale exactly the same image. They are drawn shapes,
not noise, so a change of colour is easy to see.
"""
from __future__ import annotations

import numpy as np

from ..cells import Example
from ..memory import check_fits

CHANNELS = ("red", "green", "blue")
DEFAULT_SCALE = (0.5, 1.5, 1.0)  # the notebook's scale


def picture(h: int, w: int, seed: int = 0) -> np.ndarray:
    """An H×W×3 float32 picture in [0, 1]: red grows left to right, green top to bottom,
    blue is a set of rings, all over a faint checkerboard. ``seed`` moves the rings."""
    if h < 1 or w < 1:
        raise ValueError(f"a picture needs at least 1×1 pixels, not {h}×{w}")
    rng = np.random.default_rng(seed)
    cy, cx = rng.uniform(0.25, 0.75, size=2)
    rings = rng.uniform(3.0, 6.0)
    y, x = np.meshgrid(np.linspace(0.0, 1.0, h), np.linspace(0.0, 1.0, w), indexing="ij")
    r = np.hypot(x - cx, y - cy)
    checker = ((np.floor(x * 8) + np.floor(y * 8)) % 2) * 0.15 + 0.85
    red = 0.15 + 0.6 * x
    green = 0.15 + 0.6 * y
    blue = 0.5 + 0.35 * np.cos(2 * np.pi * rings * r)
    image = np.stack([red, green, blue], axis=-1) * checker[..., None]
    return np.clip(image, 0.0, 1.0).astype(np.float32)


def pictures(b: int, h: int, w: int) -> np.ndarray:
    """A batch of ``b`` different pictures, B×H×W×3 float32 (picture ``i`` uses seed ``i``)."""
    if b < 1:
        raise ValueError(f"a batch needs at least one picture, not {b}")
    return np.stack([picture(h, w, seed=i) for i in range(b)])


def per_image_scales(scale: tuple[float, float, float], b: int) -> list[list[float]]:
    """Picture ``i`` gets the three factors rotated left by ``i``: with the notebook's
    (0.5, 1.5, 1) and two pictures this gives its ``[0.5, 1.5, 1, 1.5, 1, 0.5]``."""
    s = [float(v) for v in scale]
    return [s[i % 3:] + s[:i % 3] for i in range(b)]


def flat(rows: list[list[float]]) -> list[float]:
    return [v for row in rows for v in row]


def effective_scale(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """The factor each channel of each picture was really multiplied by, measured from the
    pixels: shape (3,) for one picture, (B, 3) for a batch."""
    before = np.asarray(before, dtype=np.float64)
    after = np.asarray(after, dtype=np.float64)
    axes = (-3, -2)  # height and width
    return after.sum(axis=axes) / before.sum(axis=axes)


def bytes_needed(b: int, h: int, w: int, *, libraries: int = 3) -> int:
    """The batch cell holds the pictures and two results, at most float64, in each library."""
    return b * h * w * 3 * 8 * 3 * libraries


def refuse_if_too_large(b: int, h: int, w: int, *, available: int | None = None) -> None:
    check_fits(bytes_needed(b, h, w), f"{b} pictures of {h}×{w}", available=available)


def to_display(image) -> np.ndarray:
    """Pixels for ``st.image``: clipped to [0, 1] (a factor above 1 saturates) and as uint8."""
    return (np.clip(np.asarray(image, dtype=np.float64), 0.0, 1.0) * 255).round().astype(np.uint8)


IMPORT = "from kernels.examples.scaling import picture\n# same NumPy pixels for all three\n\n"
IMPORT_BATCH = "from kernels.examples.scaling import pictures\n# same NumPy pixels for all three\n\n"

SHOW_IMAGE = (
    "print('image ', image.shape)\n"
    "print('scale ', scale.shape)\n"
    "print('result', result.shape, result.dtype)"
)

IMAGE = Example(
    key="scale_image",
    title="One picture (H × W × 3) times a per-channel scale (3,)",
    code={
        "numpy": IMPORT + (
            "image = picture($h, $w)\n"
            "scale = np.array($scale)\n"
            "result = image * scale\n"
        ) + SHOW_IMAGE,
        "torch": IMPORT + (
            "image = torch.from_numpy(picture($h, $w))\n"
            "scale = torch.tensor($scale)\n"
            "result = image * scale\n"
        ) + SHOW_IMAGE,
        "mlx": IMPORT + (
            "image = mx.array(picture($h, $w))\n"
            "scale = mx.array($scale)\n"
            "result = image * scale\n"
        ) + SHOW_IMAGE,
    },
    note="The scale's one dimension lines up with the image's last (the colour channels); "
         "height and width are missing from the scale, so it is repeated over every pixel.",
)

SHOW_BATCH = (
    "print('images    ', images.shape)\n"
    "print('scale     ', scale.shape)\n"
    "print('scales    ', scales.shape)\n"
    "print('as_written', as_written.shape)\n"
    "print('as_meant  ', as_meant.shape)"
)


def _batch(convert: str, make: str) -> str:
    return IMPORT_BATCH + (
        f"images = {convert.format('pictures($b, $h, $w)')}\n"
        "# (3,): the scale of the cell above\n"
        f"scale = {make}($scale)\n"
        "# (B, 1, 1, 3): one (r, g, b) per picture\n"
        f"scales = {make}($scales).reshape(($b, 1, 1, 3))\n\n"
        "# the notebook's cell:\n"
        "as_written = images * scale\n"
        "# what it meant:\n"
        "as_meant = images * scales\n\n"
    ) + SHOW_BATCH


BATCH = Example(
    key="scale_batch",
    title="A batch (B × H × W × 3): the notebook's `scale`, and the `scales` it meant",
    code={
        "numpy": _batch("{}", "np.array"),
        "torch": _batch("torch.from_numpy({})", "torch.tensor"),
        "mlx": _batch("mx.array({})", "mx.array"),
    },
)


def image_params(h: int, w: int, scale) -> dict[str, object]:
    return {"h": int(h), "w": int(w), "scale": [float(v) for v in scale]}


def batch_params(b: int, h: int, w: int, scale) -> dict[str, object]:
    return {"b": int(b), "h": int(h), "w": int(w), "scale": [float(v) for v in scale],
            "scales": flat(per_image_scales(scale, b))}
