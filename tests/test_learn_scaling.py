"""Learn 3, Scaling by different amounts: the picture, the per-image scales, the three libraries
scaling the same pixels, the notebook's scale/scales slip, and the page through AppTest."""
from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from kernels import backends as kb
from kernels import cells, memory
from kernels.examples import scaling
from tests import apptest
from tests.apptest import open_page, open_section

PAGE = "app_pages/learn_scaling.py"
ALL = ("numpy", "torch", "mlx")


# --- pure helpers ------------------------------------------------------------------------

def test_picture_is_float32_in_range_and_deterministic():
    p = scaling.picture(40, 56)
    assert p.shape == (40, 56, 3) and p.dtype == np.float32
    assert p.min() >= 0 and p.max() <= 1
    np.testing.assert_array_equal(p, scaling.picture(40, 56))
    np.testing.assert_array_equal(p, scaling.pictures(1, 40, 56)[0])  # the batch's first is the same picture


def test_picture_has_structure_not_noise():
    p = scaling.picture(128, 128).astype(np.float64)
    neighbour_step = np.abs(np.diff(p, axis=1)).mean()
    spread = p.std(axis=(0, 1))
    assert (spread > 0.08).all(), "each channel varies across the picture"
    assert neighbour_step < 0.05, "…smoothly (noise would jump from pixel to pixel)"
    # red grows left to right, green top to bottom
    assert p[:, -10:, 0].mean() > p[:, :10, 0].mean() + 0.3
    assert p[-10:, :, 1].mean() > p[:10, :, 1].mean() + 0.3


@pytest.mark.parametrize("args", [(0, 5), (5, 0)])
def test_picture_refuses_empty_sizes(args):
    with pytest.raises(ValueError):
        scaling.picture(*args)
    with pytest.raises(ValueError):
        scaling.pictures(0, 4, 4)


def test_pictures_are_a_batch_of_different_pictures():
    batch = scaling.pictures(3, 16, 24)
    assert batch.shape == (3, 16, 24, 3) and batch.dtype == np.float32
    assert not np.array_equal(batch[0], batch[1]) and not np.array_equal(batch[1], batch[2])


def test_every_column_runs_pasted_into_a_fresh_python():
    """The code shown is all it needs: no import of this app's own helpers."""
    import subprocess
    import sys

    for example, params in ((scaling.IMAGE, scaling.image_params(8, 8, (1, 2, 3))),
                            (scaling.BATCH, scaling.batch_params(2, 8, 8, (1, 2, 3)))):
        for name, template in example.code.items():
            assert "kernels" not in template
            source = example.source(kb.discover([name])[name], params)
            done = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, (name, done.stderr)


def test_per_image_scales_reproduce_the_notebooks_two_rows():
    rows = scaling.per_image_scales(scaling.DEFAULT_SCALE, 2)
    assert scaling.flat(rows) == [0.5, 1.5, 1.0, 1.5, 1.0, 0.5]
    assert scaling.per_image_scales((1, 2, 3), 4) == [[1, 2, 3], [2, 3, 1], [3, 1, 2], [1, 2, 3]]


def test_effective_scale_measures_the_factors():
    p = scaling.picture(20, 20)
    np.testing.assert_allclose(scaling.effective_scale(p, p * np.float32([0.5, 2, 0])), [0.5, 2, 0], rtol=1e-6)
    batch = scaling.pictures(2, 8, 8)
    assert scaling.effective_scale(batch, batch).shape == (2, 3)


def test_to_display_clips_and_makes_uint8():
    out = scaling.to_display(np.array([[[-0.5, 0.5, 1.7]]]))
    assert out.dtype == np.uint8 and out.tolist() == [[[0, 128, 255]]]


def test_memory_refusal():
    with pytest.raises(memory.TooLarge):
        scaling.refuse_if_too_large(6, 256, 256, available=1_000_000)
    scaling.refuse_if_too_large(6, 256, 256, available=10**10)


# --- conformance -------------------------------------------------------------------------

@pytest.mark.parametrize("h, w, scale", [(16, 16, (0.5, 1.5, 1.0)), (24, 40, (0.0, 2.0, 0.3))])
def test_one_picture_same_pixels_in_every_library(libs, h, w, scale):
    res = cells.run_all(scaling.IMAGE, libs, scaling.image_params(h, w, scale))
    ref = scaling.picture(h, w).astype(np.float64) * np.array(scale)
    for name in ALL:
        r = res[name]
        assert r.ok, r.error
        ns = r.namespace
        assert [tuple(ns[k].shape) for k in ("image", "scale", "result")] == [(h, w, 3), (3,), (h, w, 3)]
        assert r.stdout.splitlines()[0].startswith("image ") and str(h) in r.stdout
        got = libs[name].to_numpy(r.namespace["result"])
        np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-7)
    # the difference the page explains: NumPy's float64 scale promotes the float32 picture
    dtypes = {n: r.stdout.splitlines()[-1].split()[-1] for n, r in res.items()}
    assert dtypes == {"numpy": "float64", "torch": "torch.float32", "mlx": "mlx.core.float32"}


@pytest.mark.parametrize("b", [1, 2, 5])
def test_batch_scale_versus_scales(libs, b):
    h, w, scale = 16, 12, (0.5, 1.5, 1.0)
    res = cells.run_all(scaling.BATCH, libs, scaling.batch_params(b, h, w, scale))
    before = scaling.pictures(b, h, w)
    meant = np.array(scaling.per_image_scales(scale, b))
    for name in ALL:
        r = res[name]
        assert r.ok, r.error
        shapes = [tuple(r.namespace[k].shape) for k in ("images", "scale", "scales", "as_written", "as_meant")]
        assert shapes == [(b, h, w, 3), (3,), (b, 1, 1, 3), (b, h, w, 3), (b, h, w, 3)]
        assert len(r.stdout.splitlines()) == 5
        written = libs[name].to_numpy(r.namespace["as_written"])
        as_meant = libs[name].to_numpy(r.namespace["as_meant"])
        # `scale` (3,) gives every picture the same factors; `scales` (B,1,1,3) one row each
        np.testing.assert_allclose(scaling.effective_scale(before, written), np.tile(scale, (b, 1)), rtol=1e-5)
        np.testing.assert_allclose(scaling.effective_scale(before, as_meant), meant, rtol=1e-5)
        np.testing.assert_allclose(as_meant, before * meant[:, None, None, :], rtol=1e-6)
    if b >= 2:  # same shape, different pictures: the slip that broadcasting does not catch
        np.testing.assert_raises(AssertionError, np.testing.assert_allclose,
                                 libs["numpy"].to_numpy(res["numpy"].namespace["as_written"]),
                                 libs["numpy"].to_numpy(res["numpy"].namespace["as_meant"]))


# --- the page ----------------------------------------------------------------------------

def images(at: AppTest) -> list:
    return [img for el in at.get("image") for img in el.proto.imgs]


def outputs(at: AppTest) -> list[str]:
    """What the page computed: printed values (not sources), captions, and the pictures' content."""
    return ([c for c in apptest.codes(at) if not c.startswith("import ")]
            + [c.value for c in at.caption] + [i.url for i in images(at)])


def test_page_renders_pictures_before_and_after():
    at = open_page(PAGE, timeout=60)
    assert at.title[0].value == "Scaling by different amounts"
    assert len(images(at)) == 1 + 3  # the batch is a section that runs when opened
    open_section(at, "scaling_batch_open")
    pics = images(at)
    # one before + three after; a batch of 2 before + 2 per library for each of scale and scales
    assert len(pics) == 1 + 3 + 2 + 3 * 2 * 2
    assert all(p.url.endswith(".png") for p in pics)
    assert len({p.url for p in pics[1:4]}) == 1, "all three libraries drew the same picture"
    assert any("result (128, 128, 3) float64" in c.value for c in at.code)
    assert any("as_meant   torch.Size([2, 128, 128, 3])" in c.value for c in at.code)
    assert any("`scale` where" in w.value or "`image * scale`" in w.value for w in at.warning)
    captions = " ".join(c.value for c in at.caption)
    assert "(0.50, 1.50, 1.00); (1.50, 1.00, 0.50)" in captions  # as meant, measured from the pixels
    assert "(0.50, 1.50, 1.00); (0.50, 1.50, 1.00)" in captions  # as written: the same for both


@pytest.mark.parametrize("key", ["scaling_h", "scaling_w", "scaling_red", "scaling_green", "scaling_blue", "scaling_b"])
def test_each_slider_at_min_and_max_changes_the_output(key):
    at = open_page(PAGE, timeout=60)
    open_section(at, "scaling_batch_open")
    slider = at.slider(key=key)
    lo, hi = slider.min, slider.max
    seen = [outputs(at)]
    for value in (lo, hi):
        at.slider(key=key).set_value(value).run()
        assert not at.exception, at.exception
        assert not at.error
        seen.append(outputs(at))
    assert seen[1] != seen[0] and seen[2] != seen[0] and seen[2] != seen[1]


def test_batch_slider_changes_the_number_of_pictures():
    at = open_page(PAGE, timeout=60)
    open_section(at, "scaling_batch_open")
    at.slider(key="scaling_b").set_value(6).run()
    assert len(images(at)) == 1 + 3 + 6 + 3 * 2 * 6
    assert any("scales     (6, 1, 1, 3)" in c.value for c in at.code)


def test_page_works_without_mlx(mlx_missing):
    at = open_page(PAGE, timeout=60)
    assert not at.exception
    assert any("MLX is not available" in w.value for w in at.warning)
    assert any(c.value.startswith("import torch") for c in at.code)


def test_a_rerun_with_the_same_controls_reuses_the_pictures(monkeypatch):
    """The single picture's cells and pictures are kept per controls: opening the batch section (a
    rerun) does not run them again, a slider that changes them does, and the page shows the same."""
    import streamlit as st

    ran = []
    real = cells.run_all
    monkeypatch.setattr(cells, "run_all", lambda example, *a, **k: ran.append(example.key) or real(example, *a, **k))
    st.cache_data.clear()
    at = open_page(PAGE, timeout=60)
    first = [i.url for i in images(at)]
    assert ran.count(scaling.IMAGE.key) == 1 and len(first) == 4
    open_section(at, "scaling_batch_open")
    assert ran.count(scaling.IMAGE.key) == 1 and [i.url for i in images(at)][:4] == first
    at.slider(key="scaling_red").set_value(2.0).run()
    assert ran.count(scaling.IMAGE.key) == 2
    assert any("(2.00, 1.50, 1.00)" in c.value for c in at.caption)
