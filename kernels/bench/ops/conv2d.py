"""2-D convolution, 3×3 kernel, 16 → 16 channels, stride 1, no padding.

Torch and NumPy keep images as NCHW (batch, channels, height, width); MLX wants NHWC
(channels last) and weights as (out, kh, kw, in). The inputs are laid out for each library
before timing, and MLX's result is turned back to NCHW only to check it.
"""
from ..op import Layout, Op
from ._libs import F, mx, np, torch  # noqa: F401

BATCH, CHANNELS, KERNEL = 1, 16, 3


def numpy_conv2d(x, w):  # x: (N, C, H, W), w: (O, C, KH, KW)
    # Every 3×3 patch as a view (no copy): (N, C, H-2, W-2, KH, KW); then one contraction.
    patches = np.lib.stride_tricks.sliding_window_view(x, w.shape[2:], axis=(2, 3))
    return np.einsum("nchwij,ocij->nohw", patches, w, optimize=True)


def torch_conv2d(x, w):  # x: (N, C, H, W), w: (O, C, KH, KW)
    return F.conv2d(x, w)


def mlx_conv2d(x, w):  # x: (N, H, W, C), w: (O, KH, KW, C)
    return mx.conv2d(x, w)


CHANNELS_LAST = Layout(
    inputs=lambda x, w: {"x": x.transpose(0, 2, 3, 1), "w": w.transpose(0, 2, 3, 1)},
    output=lambda y: y.transpose(0, 3, 1, 2),
    note="MLX convolutions are channels-last: NHWC images, (out, kh, kw, in) weights",
)


def _inputs(shapes, rng):
    x = rng.standard_normal(shapes["x"], dtype=np.float32)
    fan_in = CHANNELS * KERNEL * KERNEL  # scale weights so outputs stay near unit size
    w = rng.standard_normal(shapes["w"], dtype=np.float32) / np.float32(np.sqrt(fan_in))
    return {"x": x, "w": w}


def _out(n):
    return (BATCH, CHANNELS, n - KERNEL + 1, n - KERNEL + 1)


OP = Op(
    name="conv2d",
    title="2-D convolution",
    size_means=f"n × n image, batch {BATCH}, {CHANNELS} → {CHANNELS} channels, {KERNEL}×{KERNEL} kernel",
    shapes=lambda n: {"x": (BATCH, CHANNELS, n, n), "w": (CHANNELS, CHANNELS, KERNEL, KERNEL)},
    output_shape=_out,
    reference=numpy_conv2d,  # the right answer: NumPy's own function on float64 copies
    impls={"numpy": numpy_conv2d, "torch": torch_conv2d, "mlx": mlx_conv2d},
    flops=lambda n: 2 * BATCH * CHANNELS * (n - KERNEL + 1) ** 2 * CHANNELS * KERNEL * KERNEL,
    # the image and the weights read once, the (n-2)×(n-2) output written once
    moved=lambda n: BATCH * CHANNELS * (n * n + (n - KERNEL + 1) ** 2) + CHANNELS * CHANNELS * KERNEL * KERNEL,
    reduction=lambda n: CHANNELS * KERNEL * KERNEL,
    workspace=lambda n: BATCH * CHANNELS * n * n * KERNEL * KERNEL,  # NumPy's copy of the patches
    inputs=_inputs,
    layouts={"mlx": CHANNELS_LAST},
    min_size=KERNEL,
)
