"""Learn 1, Creating arrays: the examples agree across libraries (or differ as the page says),
the pure helpers, and the page through AppTest."""
from __future__ import annotations

import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from kernels import cells
from kernels.examples import creating
from kernels.examples.inputs import parse_values
from tests import apptest
from tests.apptest import open_page, open_section, unescaped
from tests.devices import torch_shown

PAGE = "app_pages/learn_creating.py"
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
    return ([c for c in apptest.codes(at) if not c.startswith("import ")]
            + [c.value for c in at.caption] + [m.value for m in (*at.success, *at.warning)])


SECTIONS = ("creating_linspace_open", "creating_arange_open", "creating_precision_open")


def open_all() -> AppTest:
    """The page with its sections below the fold opened (linspace, arange and reshape, float32's
    precision); the impossible reshape stays closed."""
    at = open_page(PAGE, timeout=60)
    for key in SECTIONS:
        open_section(at, key)
    return at


def test_below_the_fold_sections_run_when_opened():
    """A visit draws the first panel and the dtype table; linspace, arange and the precision panel
    are drawn when their section is opened, and the notebook holds their cells either way."""
    at = open_page(PAGE, timeout=60)
    assert "array([0, 0.25, 0.5, 0.75, 1], dtype=float32)" not in apptest.codes(at)
    assert [s.key for s in at.slider] == ["creating_length"] and apptest.tables(at)
    open_section(at, "creating_linspace_open")
    assert "array([0, 0.25, 0.5, 0.75, 1], dtype=float32)" in apptest.codes(at)


def test_page_renders_three_columns_and_the_live_table():
    at = open_all()
    assert at.title[0].value == "Creating arrays"
    codes = apptest.codes(at)
    assert torch_shown("tensor([1, 2, 3])") in codes and "array([1, 2, 3], dtype=int32)" in codes
    assert "array([0, 0.25, 0.5, 0.75, 1], dtype=float32)" in codes
    table = apptest.tables(at)[0]
    assert list(table.columns) == ["what", "NumPy", "PyTorch", "MLX"]
    assert len(table) == len(creating.DTYPE_ROWS) + 1
    assert list(table.iloc[0][1:]) == ["int64", "int64", "int32"]
    # the impossible reshape: each library's own words, in its column, once its section is opened
    assert not at.error
    open_section(at, "creating_impossible_open")
    errors = [unescaped(e.value) for e in at.error]  # shown as text: escaped Markdown
    assert len(errors) == 3 and any("cannot reshape array of size 48 into shape (5,10)" in e for e in errors)


@pytest.mark.parametrize("key", ["creating_length", "creating_start", "creating_stop", "creating_num", "creating_n"])
def test_each_slider_at_min_and_max_changes_the_output(key):
    at = open_all()
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
    at = open_all()
    at.radio(key="creating_kind").set_value("floats").run()
    assert not at.exception
    codes = apptest.codes(at)
    assert "array([0.5, 1. , 1.5])" in codes and torch_shown("tensor([0.5000, 1.0000, 1.5000])") in codes


@pytest.mark.parametrize("bad", ["", "3, x", "2.5, 4", "-2, 3", "-1, -1", "1,2,3,4,5,6,7"])
def test_bad_reshape_text_is_a_message_not_a_traceback(bad):
    at = open_all()
    at.text_input(key="creating_shape").set_value(bad).run()
    assert not at.exception
    assert any("Can't use that shape" in e.value for e in at.error)


def test_typed_impossible_reshape_shows_three_library_errors():
    at = open_all()
    open_section(at, "creating_impossible_open")
    at.text_input(key="creating_shape").set_value("7, 7").run()
    assert not at.exception
    assert any("49 elements" in w.value for w in at.warning)
    assert len(at.error) == 6  # three for the typed shape, three for the page's impossible example
    at.text_input(key="creating_shape").set_value("2, -1").run()
    assert any("? = 24" in s.value for s in at.success)
    assert len(at.error) == 3


def test_page_works_without_mlx(mlx_missing):
    at = open_all()
    assert not at.exception
    assert any("MLX is not available" in w.value for w in at.warning)
    assert any(c.value.startswith("import torch") for c in at.code)


# --- typed input: bounded, plain, never a traceback -------------------------------------------

# Each made ast.literal_eval raise (MemoryError, RecursionError, TypeError) or is long or Markdown.
HOSTILE_LISTS = ["-" * 6000 + "1", "-" * 1500 + "1", "[" * 3000, "[" * 100 + "1" + "]" * 100, "{[1]: 2}",
                 "x" * 1000, "**bold** [x](http://example.com)"]
MARKDOWN = "**bold** [x](http://example.com)"


def literal(markdown: str) -> str:
    """What Markdown shows for ``markdown`` whose marks are all escaped: the text with escapes removed."""
    return re.sub(r"\\(.)", r"\1", markdown)


def assert_plain_refusal(at: AppTest, start: str, typed: str) -> None:
    """No traceback; one message that starts with ``start``, is short, and shows ``typed`` literally."""
    assert not at.exception, at.exception
    found = [e.value for e in at.error if e.value.startswith(start)]
    assert found, [e.value for e in at.error]
    message = found[0]
    assert len(message) < 300, message  # a long paste is not echoed whole
    if typed == MARKDOWN:
        assert "**bold**" not in message and "](http" not in message, message
        assert MARKDOWN in literal(message), message


@pytest.mark.parametrize("text", HOSTILE_LISTS, ids=lambda t: repr(t[:10]) + f"x{len(t)}")
def test_parse_values_refuses_hostile_text_with_a_value_error(text):
    with pytest.raises(ValueError):
        parse_values(text)


def test_parse_values_keeps_valid_input_as_typed():
    assert parse_values("[1, 2.5, -3]") == [1, 2.5, -3]
    assert parse_values("((1, 2), (3, 4))") == [[1, 2], [3, 4]]
    assert parse_values("[1, 2, 3]", limit=3) == [1, 2, 3]
    with pytest.raises(ValueError, match="3 numbers or fewer"):
        parse_values("[1, 2, 3, 4]", limit=3)


def test_home_field_refuses_hostile_input_plainly():
    at = open_page("app_pages/home.py", timeout=60)
    for text in HOSTILE_LISTS:
        at.text_input(key="home_values").set_value(text).run()
        assert_plain_refusal(at, "Can't use that input:", text)


def test_shape_field_refuses_anything_but_whole_numbers_plainly():
    at = open_all()
    for text in ("10**12", "3 4", "9" * 1000, MARKDOWN, "-" * 6000):
        at.text_input(key="creating_shape").set_value(text).run()
        assert_plain_refusal(at, "Can't use that shape:", text)
        assert not at.success and not at.warning, "nothing is read from a shape that could not be read"


# --- words, and sentences computed from the outputs ------------------------------------------

def test_reshape_fits_words():
    assert creating.reshape_fits(1, (1, 1, 1)) == (True, "1 × 1 × 1 = 1 element ✓")
    assert creating.reshape_fits(64, (-1,)) == (True, "-1 alone: one dimension of 64")
    assert creating.reshape_fits(48, (2, -1)) == (True, "2 × ? holds 48 elements with ? = 24")
    assert creating.reshape_fits(2, (1,)) == (False, "1 = 1 element, but arange(2) has 2")
    assert creating.reshape_fits(1, (0, -1))[1].startswith("With a 0 in 0 × ?")


def test_agreement_says_exactly_what_differs(libs):
    def linspace(start, stop, num):
        res = cells.run_all(creating.LINSPACE, libs, {"start": start, "stop": stop, "num": num})
        return creating.agreement({r.label: libs[n].to_numpy(r.value) for n, r in res.items()})

    assert linspace(0.0, 1.0, 5) == "NumPy, PyTorch and MLX hold exactly the same numbers."
    assert linspace(0.0, 1.0, 10) == "PyTorch and MLX hold NumPy's numbers rounded to float32, exactly."
    said = linspace(10.0, -10.0, 25)
    assert "PyTorch differs from NumPy's numbers rounded to float32 at" in said
    assert "-2.3842e-07 where NumPy has 0 (index 12)" in said
    assert "That is float32 rounding: near 10, float32 numbers are 9.5e-07 apart" in said
    far = creating.agreement({"NumPy": np.array([0.0, 1.0]), "PyTorch": np.array([0.0, 1.5])})
    assert "at 1 of 2 positions, by at most 0.5" in far and "more than float32 rounding" in far
    assert creating.agreement({"NumPy": np.zeros(2)}) == "Only NumPy ran, so there is nothing to compare."


def test_stored_sentence_and_refusals():
    typed = creating.PRECISION_VALUES
    rounded = [0.10000000149011612, 1.0, 16777216.0]
    assert creating.stored_sentence(typed, {"NumPy": typed, "PyTorch": rounded, "MLX": rounded}) == (
        "NumPy kept all 3 exactly; PyTorch and MLX stored 0.10000000149011612, 1.0, 16777216.0.")
    results = {"numpy": cells.CellResult("numpy", "NumPy", "error"),
               "torch": cells.CellResult("torch", "PyTorch", "ok"),
               "mlx": cells.CellResult("mlx", "MLX", "missing")}
    assert creating.refusals(results) == "Refused by NumPy, each in its own words. PyTorch ran it without an error."


def test_captions_are_computed_from_the_outputs():
    at = open_all()
    captions = [c.value for c in at.caption]
    assert any(c.startswith("NumPy, PyTorch and MLX hold exactly the same numbers. Dtypes: float64 in NumPy, "
                            "float32 in PyTorch and MLX.") for c in captions)
    assert "Refused by NumPy, PyTorch and MLX, each in its own words." not in captions  # its section is closed
    open_section(at, "creating_impossible_open")
    captions = [c.value for c in at.caption]
    assert "Refused by NumPy, PyTorch and MLX, each in its own words." in captions
    assert "NumPy kept all 3 exactly; PyTorch and MLX stored 0.10000000149011612, 1.0, 16777216.0." in captions
    bullets = at.markdown[-1].value
    assert "int64 in NumPy and PyTorch, int32 in MLX" in bullets
    assert "float64 in NumPy and PyTorch, float32 in MLX" in bullets
    for key, value in (("creating_start", 10.0), ("creating_stop", -10.0), ("creating_num", 25)):
        at.slider(key=key).set_value(value).run()
    said = next(c.value for c in at.caption if "Dtypes:" in c.value)
    assert "Same numbers" not in said and "-2.3842e-07 where NumPy has 0" in said


def test_words_for_one_element_and_minus_one_alone():
    at = open_all()
    at.slider(key="creating_n").set_value(1).run()
    assert any("`arange(1)` has 1 element;" in m.value for m in at.markdown)
    at.text_input(key="creating_shape").set_value("-1").run()
    assert [s.value for s in at.success] == ["-1 alone: one dimension of 1"]
    at.text_input(key="creating_shape").set_value("0, -1").run()
    assert [w.value[:1] for w in at.warning] == ["W"]  # "With a 0 in ...": a refusal starts a sentence
