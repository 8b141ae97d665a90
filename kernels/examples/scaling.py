"""Scaling by different amounts: broadcasting a per-channel scale over images.

The pictures are made in NumPy by a few lines that every column's code starts with
(:data:`PICTURE`, :data:`PICTURES`), so each column runs on its own when pasted into a fresh
Python session, and all three scale exactly the same pixels. :func:`picture` and
:func:`pictures` run those same lines for the page's "before" images. They are drawn shapes,
not noise, so a change of colour is easy to see.
"""
from __future__ import annotations

import string

import numpy as np

from ..cells import Example, execute
from ..memory import check_fits

CHANNELS = ("red", "green", "blue")
DEFAULT_SCALE = (0.5, 1.5, 1.0)  # the notebook's scale

# Red grows left to right, green top to bottom, blue is a set of rings (more rings for each
# later picture of a batch). Shown in every column and run here: one source.
PICTURE = (
    "y, x = np.mgrid[0:1:${h}j, 0:1:${w}j]  # an h × w grid over [0, 1]\n"
    "rings = 0.5 + 0.45 * np.cos(18 * np.hypot(x - 0.5, y - 0.5))\n"
    "pixels = np.stack([x, y, rings], axis=-1).astype(np.float32)  # (h, w, 3)"
)
PICTURES = (
    "y, x = np.mgrid[0:1:${h}j, 0:1:${w}j]  # an h × w grid over [0, 1]\n"
    "rings = [0.5 + 0.45 * np.cos((18 + 6 * i) * np.hypot(x - 0.5, y - 0.5)) for i in range($b)]\n"
    "pixels = np.stack([np.stack([x, y, r], axis=-1) for r in rings]).astype(np.float32)  # (b, h, w, 3)"
)


def _run_pixels(template: str, **sizes: int) -> np.ndarray:
    body = string.Template(template).substitute({k: repr(int(v)) for k, v in sizes.items()})
    value, _stdout, _ns = execute(f"import numpy as np\n{body}\npixels")
    return value


def picture(h: int, w: int) -> np.ndarray:
    """An H×W×3 float32 picture in [0, 1]: what :data:`PICTURE` makes in every column."""
    if h < 1 or w < 1:
        raise ValueError(f"a picture needs at least 1×1 pixels, not {h}×{w}")
    return _run_pixels(PICTURE, h=h, w=w)


def pictures(b: int, h: int, w: int) -> np.ndarray:
    """A batch of ``b`` different pictures, B×H×W×3 float32: what :data:`PICTURES` makes."""
    if b < 1:
        raise ValueError(f"a batch needs at least one picture, not {b}")
    if h < 1 or w < 1:
        raise ValueError(f"a picture needs at least 1×1 pixels, not {h}×{w}")
    return _run_pixels(PICTURES, b=b, h=h, w=w)


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


SHOW_IMAGE = (
    "print('image ', image.shape)\n"
    "print('scale ', scale.shape)\n"
    "print('result', result.shape, result.dtype)"
)
NUMPY_IMPORT = "import numpy as np  # the same NumPy pixels in all three\n\n"

IMAGE = Example(
    key="scale_image",
    title="One picture (H × W × 3) times a per-channel scale (3,)",
    code={
        "numpy": PICTURE + (
            "\n\nimage = pixels\n"
            "scale = np.array($scale)\n"
            "result = image * scale\n"
        ) + SHOW_IMAGE,
        "torch": NUMPY_IMPORT + PICTURE + (
            "\n\nimage = torch.from_numpy(pixels).to($device)\n"
            "scale = torch.tensor($scale, device=$device)\n"
            "result = image * scale\n"
        ) + SHOW_IMAGE,
        "mlx": NUMPY_IMPORT + PICTURE + (
            "\n\nimage = mx.array(pixels)\n"
            "scale = mx.array($scale)\n"
            "result = mx.multiply(image, scale, stream=$device)\n"
        ) + SHOW_IMAGE,
    },
    note="The scale's one dimension lines up with the image's last (the colour channels); "
         "height and width are missing from the scale, so it is repeated over every pixel. PyTorch moves "
         "the picture to the GPU and MLX multiplies there, where this machine has one.",
)

SHOW_BATCH = (
    "print('images    ', images.shape)\n"
    "print('scale     ', scale.shape)\n"
    "print('scales    ', scales.shape)\n"
    "print('as_written', as_written.shape)\n"
    "print('as_meant  ', as_meant.shape)"
)


def _batch(convert: str, make: str, imports: str = NUMPY_IMPORT) -> str:
    return imports + PICTURES + (
        f"\n\nimages = {convert.format('pixels')}\n"
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
        "numpy": _batch("{}", "np.array", imports=""),
        "torch": _batch("torch.from_numpy({})", "torch.tensor"),
        "mlx": _batch("mx.array({})", "mx.array"),
    },
)


def image_params(h: int, w: int, scale) -> dict[str, object]:
    return {"h": int(h), "w": int(w), "scale": [float(v) for v in scale]}


def batch_params(b: int, h: int, w: int, scale) -> dict[str, object]:
    return {"b": int(b), "h": int(h), "w": int(w), "scale": [float(v) for v in scale],
            "scales": flat(per_image_scales(scale, b))}
