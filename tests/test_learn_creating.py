"""Learn 1, Creating arrays: the examples agree across libraries (or differ as the page says),
the pure helpers, and the page through AppTest."""
from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from kernels import cells
from kernels.examples import creating
from tests.apptest import open_page

PAGE = "pages/learn_creating.py"
ALL = ("numpy", "torch", "mlx")


# --- pure helpers ------------------------------------------------------------------------

def test_list_values():
    assert creating.list_values(3, "ints") == [1, 2, 3]
    assert creating.list_values(3, "floats") == [0.5, 1.0, 1.5]


@pytest.mark.parametrize("n, shape, fits", [
    (48, (3, 4, 4), True), (48, (6, 8), True), (48, (3, -1), True), (48, (-1,), True),
    (48, (5, 10), False), (48, (5, -1), False), (48, (0, -1), False), (48, (48, 0), False),
    (1, (1, 1, 1), True),
])
def test_reshape_fits_matches_numpy(n, shape, fits):
    ok, why = creating.reshape_fits(n, shape)
    assert ok is fits and why
    try:
        np.arange(n).reshape(shape)
        numpy_ok = True
    except ValueError:
        numpy_ok = False
    assert numpy_ok is fits


@pytest.mark.parametrize("n", range(1, 200))
def test_impossible_target_never_fits(n):
    rows, cols = creating.impossible_target(n)
    assert rows * cols != n and rows >= 2 and cols >= 1
    assert not creating.reshape_fits(n, (rows, cols))[0]


def test_impossible_target_for_48_is_the_classic_one():
    assert creating.impossible_target(48) == (5, 10)


def test_dtype_name_reads_every_library(libs):
    assert creating.dtype_name(np.dtype("int64")) == "int64"
    assert creating.dtype_name(libs["torch"].lib.float32) == "float32"
    assert creating.dtype_name(libs["mlx"].lib.int32) == "int32"


# --- conformance -------------------------------------------------------------------------

@pytest.mark.parametrize("kind, expected", [
    ("ints", {"numpy": "int64", "torch": "int64", "mlx": "int32"}),
    ("floats", {"numpy": "float64", "torch": "float32", "mlx": "float32"}),
])
@pytest.mark.parametrize("length", [1, 3, 12])
def test_array_agrees_except_for_the_dtypes_the_page_explains(libs, kind, expected, length):
    values = creating.list_values(length, kind)
    res = cells.run_all(creating.ARRAY, libs, {"values": values})
    for name in ALL:
        assert res[name].ok, res[name].error
        np.testing.assert_array_equal(libs[name].to_numpy(res[name].value), np.array(values))
    assert {n: r.outputs[0].dtype for n, r in res.items()} == expected


@pytest.mark.parametrize("start, stop, num", [(0.0, 1.0, 5), (-10.0, 10.0, 25), (2.5, -3.0, 7), (1.0, 1.0, 1)])
def test_linspace_agrees(libs, start, stop, num):
    res = cells.run_all(creating.LINSPACE, libs, {"start": start, "stop": stop, "num": num})
    ref = np.linspace(start, stop, num)
    for name in ALL:
        assert res[name].ok, res[name].error
        got = libs[name].to_numpy(res[name].value)
        assert got.shape == (num,)
        np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-6)
    assert res["numpy"].outputs[0].dtype == "float64"
    assert res["torch"].outputs[0].dtype == res["mlx"].outputs[0].dtype == "float32"


@pytest.mark.parametrize("n, shape", [(48, (3, 4, 4)), (48, (2, -1)), (64, (2, 2, 2, 2, 2, 2)), (7, (7, 1))])
def test_arange_reshape_agrees(libs, n, shape):
    res = cells.run_all(creating.ARANGE_RESHAPE, libs, {"n": n, "shape": shape})
    ref = np.arange(n).reshape(shape)
    for name in ALL:
        assert res[name].ok, res[name].error
        np.testing.assert_array_equal(libs[name].to_numpy(res[name].value), ref)


@pytest.mark.parametrize("n", [1, 12, 48, 64])
def test_impossible_reshape_gives_each_librarys_own_error(libs, n):
    bad = creating.impossible_target(n)
    res = cells.run_all(creating.IMPOSSIBLE_RESHAPE, libs, {"n": n, "shape": bad})
    assert all(r.status == "error" for r in res.values())
    errors = [r.error for r in res.values()]
    assert len(set(errors)) == 3, "three libraries, three different messages"
    assert all(str(n) in e for e in errors)


def test_default_dtype_table_is_what_the_page_says(libs):
    res = cells.run_all(creating.DEFAULT_DTYPES, libs)
    table = {name: [creating.dtype_name(v) for v in r.value] for name, r in res.items()}
    assert all(len(col) == len(creating.DTYPE_ROWS) for col in table.values())
    assert table == {
        "numpy": ["int64", "float64", "int64", "float64", "float64", "float64"],
        "torch": ["int64", "float32", "int64", "float32", "float32", "float64"],
        "mlx": ["int32", "float32", "int32", "float32", "float32", "float32"],
    }


def test_float64_on_the_default_device(libs):
    for name in ALL:
        b = libs[name]
        r = cells.run(creating.FLOAT64_ON_DEVICE, b, {"device": b.default_device})
        if b.device(b.default_device).kind == "cpu":
            assert r.ok and creating.dtype_name(r.value) == "float64", r.error
        else:  # Apple GPUs refuse float64 (MLX on a CUDA GPU may or may not): it never raises past the cell
            assert r.status in ("ok", "error")


def test_precision_float32_rounds_exactly_as_the_page_says(libs):
    res = cells.run_all(creating.PRECISION, libs, {"values": creating.PRECISION_VALUES})
    assert res["numpy"].value == creating.PRECISION_VALUES
    as_float32 = [float(np.float32(v)) for v in creating.PRECISION_VALUES]
    assert res["torch"].value == res["mlx"].value == as_float32
    assert as_float32 == [0.10000000149011612, 1.0, 16777216.0]


# --- the page ----------------------------------------------------------------------------

def outputs(at: AppTest) -> list[str]:
    """What the columns printed (sources start with their import line), plus captions and messages."""
    return ([c.value for c in at.code if not c.value.startswith("import ")]
            + [c.value for c in at.caption] + [m.value for m in (*at.success, *at.warning)])


def test_page_renders_three_columns_and_the_live_table():
    at = open_page(PAGE, timeout=60)
    assert at.title[0].value == "Creating arrays"
    codes = [c.value for c in at.code]
    assert "tensor([1, 2, 3])" in codes and "array([1, 2, 3], dtype=int32)" in codes
    assert "array([0, 0.25, 0.5, 0.75, 1], dtype=float32)" in codes
    table = at.dataframe[0].value
    assert list(table.columns) == ["what", "NumPy", "PyTorch", "MLX"]
    assert len(table) == len(creating.DTYPE_ROWS) + 1
    assert list(table.iloc[0][1:]) == ["int64", "int64", "int32"]
    # the impossible reshape: each library's own words, in its column
    errors = [e.value for e in at.error]
    assert len(errors) == 3 and any("cannot reshape array of size 48 into shape (5,10)" in e for e in errors)


@pytest.mark.parametrize("key", ["creating_length", "creating_start", "creating_stop", "creating_num", "creating_n"])
def test_each_slider_at_min_and_max_changes_the_output(key):
    at = open_page(PAGE, timeout=60)
    slider = at.slider(key=key)
    lo, hi, start = slider.min, slider.max, slider.value
    seen = [outputs(at)]
    for value in (lo, hi):
        at.slider(key=key).set_value(value).run()
        assert not at.exception, at.exception
        assert at.slider(key=key).value == value
        seen.append(outputs(at))
    assert seen[1] != seen[0] or lo == start
    assert seen[2] != seen[0] and seen[2] != seen[1]


def test_floats_switch_changes_the_dtypes():
    at = open_page(PAGE, timeout=60)
    at.radio(key="creating_kind").set_value("floats").run()
    assert not at.exception
    codes = [c.value for c in at.code]
    assert "array([0.5, 1. , 1.5])" in codes and "tensor([0.5000, 1.0000, 1.5000])" in codes


@pytest.mark.parametrize("bad", ["", "3, x", "2.5, 4", "-2, 3", "-1, -1", "1,2,3,4,5,6,7"])
def test_bad_reshape_text_is_a_message_not_a_traceback(bad):
    at = open_page(PAGE, timeout=60)
    at.text_input(key="creating_shape").set_value(bad).run()
    assert not at.exception
    assert any("Can't use that shape" in e.value for e in at.error)


def test_typed_impossible_reshape_shows_three_library_errors():
    at = open_page(PAGE, timeout=60)
    at.text_input(key="creating_shape").set_value("7, 7").run()
    assert not at.exception
    assert any("49 elements" in w.value for w in at.warning)
    assert len(at.error) == 6  # three for the typed shape, three for the page's impossible example
    at.text_input(key="creating_shape").set_value("2, -1").run()
    assert any("? = 24" in s.value for s in at.success)
    assert len(at.error) == 3


def test_page_works_without_mlx(mlx_missing):
    at = open_page(PAGE, timeout=60)
    assert not at.exception
    assert any("MLX is not available" in w.value for w in at.warning)
    assert any(c.value.startswith("import torch") for c in at.code)
