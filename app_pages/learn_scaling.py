"""Learn 3: scaling by different amounts — a per-channel scale broadcast over a picture and a batch."""
import dataclasses

import numpy as np
import streamlit as st

from kernels import cells, memory
from kernels.examples import scaling
from ui import learn_charts, lesson
from ui.panel import backends, found, no_gpu_note, record_panel, result_column

st.title("Scaling by different amounts")
lesson.begin("Scaling by different amounts")
lesson.text(
    "Broadcasting earns its keep on images. A picture is an H × W × 3 array (height, width, and the "
    "red, green and blue channels); multiplying it by a scale of shape (3,) changes each colour by its "
    "own factor, for every pixel at once, without a loop and without copying the scale H × W times. "
    "The same pixels go into all three libraries, so the pictures below should look identical."
)
libs = backends()

lesson.header("The controls", divider="gray")
c1, c2 = st.columns(2)
with c1:
    h = st.slider("H: height in pixels", 16, 256, 128, step=8, key="scaling_h")
with c2:
    w = st.slider("W: width in pixels", 16, 256, 128, step=8, key="scaling_w")
s1, s2, s3 = st.columns(3)
defaults = scaling.DEFAULT_SCALE
scale = []
for col, channel, default in zip((s1, s2, s3), scaling.CHANNELS, defaults):
    with col:
        value = st.slider(f"scale for {channel}", 0.0, 2.0, default, step=0.1, key=f"scaling_{channel}")
        scale.append(round(float(value), 2))


def measured(factors: np.ndarray) -> str:
    return "(" + ", ".join(f"{f:.2f}" for f in factors) + ")"


def result_image(result: cells.CellResult, name: str, key: str):
    """The array called ``key`` in a finished cell, as NumPy (via the library's own converter)."""
    return libs[name].to_numpy(result.namespace[key])


@st.cache_data(show_spinner=False, max_entries=64)
def one_picture(h: int, w: int, scale: tuple[float, ...], devices: tuple[tuple[str, str], ...], here: str):
    """The single picture's section for these controls: the "before" picture as a PNG and its shape,
    and for each library its cell (as text) and, when it ran, its result as a PNG, its shape and the
    factors measured from its pixels. Kept per controls and libraries found (``here``): a revisit or
    another section's slider reruns the page, and this took 30 ms of each run (three libraries'
    pictures, then four conversions for display)."""
    before = scaling.picture(h, w)
    results = cells.run_all(scaling.IMAGE, libs, scaling.image_params(h, w, list(scale)), dict(devices))
    drawn = {}
    for name, r in results.items():
        after = result_image(r, name, "result") if r.ok else None
        drawn[name] = (dataclasses.replace(r, value=None, namespace={}),  # no arrays kept: plain text
                       None if after is None else (learn_charts.png(scaling.to_display(after)), after.shape,
                                                   measured(scaling.effective_scale(before, after))))
    return learn_charts.png(scaling.to_display(before)), before.shape, drawn


try:
    scaling.refuse_if_too_large(6, h, w)
except memory.TooLarge as exc:
    st.error(str(exc))
    st.stop()

# --- one picture ---------------------------------------------------------------------
lesson.header("One picture: (H, W, 3) × (3,)", divider="gray")
gpus = cells.gpu_devices(libs)
before_png, before_shape, single = one_picture(h, w, tuple(scale), tuple(sorted(gpus.items())), found(libs))
st.image(before_png, caption=f"Before: the pixels every column makes first, shape {before_shape}", output_format="PNG")
st.markdown(f"**{scaling.IMAGE.title}**")
st.caption(scaling.IMAGE.note)
lesson.example(scaling.IMAGE.title, scaling.IMAGE.note, {name: r for name, (r, _) in single.items()})
for col, (name, (r, after)) in zip(st.columns(len(single), gap="medium"), single.items()):
    with col:
        result_column(r, libs[name])
        if after is not None:
            png, shape, factors = after
            st.image(png, caption=f"After: shape {shape}", output_format="PNG")
            st.caption(f"Factors measured from the pixels (red, green, blue): {factors}")
st.caption("A factor above 1 pushes bright pixels past 1.0; they are drawn as full colour (clipped), "
           "while the array itself keeps the larger numbers. To draw a result the page brings it back to "
           "host memory: `.cpu()` for a PyTorch GPU tensor, nothing for MLX (one memory for CPU and GPU). "
           + (no_gpu_note(libs, gpus) or ""))

# --- a batch: below the fold, run when opened ------------------------------------------------
with lesson.section(
    "A batch: (B, H, W, 3) × (B, 1, 1, 3)", key="scaling_batch_open",
    intro="The same scale over a batch of pictures, and a scale of its own for each picture: the shape "
          "that does it, and a slip in the notebook's batch cell that broadcasting lets through.",
) as opened:
    if not opened:  # what it runs open, with its slider as it starts
        record_panel(scaling.BATCH, scaling.batch_params(2, h, w, scale), libs)
    else:
        b = st.slider("B: pictures in the batch", 1, 6, 2, key="scaling_b")
        per_image = scaling.per_image_scales(scale, b)
        lesson.text(
            "To give every picture its own factors, the scale needs a dimension for the batch: shape "
            "(B, 1, 1, 3). Lined up from the right, the 3 meets the channels, the two 1s stretch over height "
            "and width, and B meets B. Here picture *i* gets the three factors rotated by *i*: "
            + ", ".join(f"picture {i}: {tuple(row)}" for i, row in enumerate(per_image)) + "."
        )
        st.warning(
            "**The notebook's batch cell has a slip.** It builds `scales` with shape (2, 1, 1, 3) and then "
            "computes `image * scale`: the **(3,)** scale from the cell before. Broadcasting accepts that "
            "too, and the result has the same shape, (2, 256, 256, 3), so nothing complains, but every "
            "picture gets the same three factors. Below, each library runs both: `as_written` (× `scale`) "
            "and `as_meant` (× `scales`).",
            icon=":material/bug_report:",
        )
        batch_before = scaling.pictures(b, h, w)
        st.image([learn_charts.png(scaling.to_display(p)) for p in batch_before],
                 caption=[f"picture {i}" for i in range(b)], output_format="PNG")
        st.caption(f"Before: the {b} pictures every column makes first, shape {batch_before.shape}")
        st.markdown(f"**{scaling.BATCH.title}**")
        batch = cells.run_all(scaling.BATCH, libs, scaling.batch_params(b, h, w, scale))
        lesson.example(scaling.BATCH.title, "", batch)
        for col, (name, r) in zip(st.columns(len(batch), gap="medium"), batch.items()):
            with col:
                result_column(r, libs[name])
                if r.ok:
                    for key, words in (("as_written", "as_written = images * scale"),
                                       ("as_meant", "as_meant = images * scales")):
                        after = result_image(r, name, key)
                        st.markdown(f"`{words}`")
                        st.image([learn_charts.png(scaling.to_display(p)) for p in after],
                                 caption=[f"picture {i}" for i in range(b)],
                                 output_format="PNG")
                        factors = scaling.effective_scale(batch_before, after)
                        st.caption("Factors measured per picture: " + "; ".join(measured(f) for f in factors))

lesson.header("What differs, and why it matters", divider="gray")
lesson.text(
    """
- **The broadcasting is identical** in all three libraries: the same shapes, the same pixels out.
- **The dtype is not.** The picture is float32. NumPy's `np.array([0.5, 1.5, 1.0])` is float64, and
  float32 × float64 gives **float64**: twice the memory, and slower. PyTorch's `torch.tensor` and
  MLX's `mx.array` make float32 scales, so their results stay float32. In NumPy, write
  `np.array(..., dtype=np.float32)` to keep images in float32.
- **Shapes print differently:** NumPy and MLX give a tuple, `(2, 128, 128, 3)`; PyTorch a
  `torch.Size([2, 128, 128, 3])`. (The notebook shows MLX printing a list, as older releases did.)
- **A wrong scale can still broadcast.** `images * scale` and `images * scales` have the same shape;
  only the pictures (or the measured factors) show that one of them did not do what was meant.
  When a shape check cannot catch a mistake, check values.
- The notebook used random noise (`rand`, `normal`) for its images, which hides colour changes;
  this page draws shapes so that the change is visible.
"""
)

lesson.download_button("scaling_notebook")
