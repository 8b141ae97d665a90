"""Operations across dimensions: the examples agree across libraries (or differ as the page says),
the pure logic, and the page through AppTest."""
from __future__ import annotations

import math
import re

import numpy as np
import pytest

from kernels import cells
from kernels.examples import dimensions as dims
from kernels.memory import TooLarge
from tests.apptest import codes, open_page, open_section, tables, unescaped
from tests.devices import torch_shown

ALL = ("numpy", "torch", "mlx")
NOTEBOOK = [0.5, 1.0, 3.0, 4.0]


def as_np(libs, results, index):
    return {name: libs[name].to_numpy(r.value[index]) for name, r in results.items()}


# --- conformance -------------------------------------------------------------------------

def test_default_std_differs_exactly_as_the_page_explains(libs):
    res = cells.run_all(dims.STATS, libs, {"values": NOTEBOOK})
    assert all(r.ok for r in res.values()), {n: r.error for n, r in res.items()}
    got = {n: [float(libs[n].to_numpy(v)) for v in r.value] for n, r in res.items()}
    for name in ALL:  # mean, max, min agree everywhere
        assert got[name][0] == pytest.approx(2.125) and got[name][2] == 4.0 and got[name][3] == 0.5
    assert got["numpy"][1] == pytest.approx(1.4306903927824497)
    assert got["mlx"][1] == pytest.approx(1.4306903927824497, rel=1e-6)
    assert got["torch"][1] == pytest.approx(1.6520189667999174, rel=1e-6)  # Bessel's correction by default
    assert {n: dims.which_correction(g[1], NOTEBOOK) for n, g in got.items()} == {
        "numpy": "ddof=0 (population)", "torch": "ddof=1 (sample, Bessel)", "mlx": "ddof=0 (population)"}
    assert res["torch"].outputs[1].text == "tensor(1.6520)"
    assert res["numpy"].outputs[1].text == "np.float64(1.4306903927824497)"


@pytest.mark.parametrize("ddof", [0, 1])
@pytest.mark.parametrize("values", [NOTEBOOK, [1.0, 2.0], [-3.0, 7.5, 0.25, 9.0, 2.0, -1.0]])
def test_explicit_correction_makes_all_three_agree(libs, ddof, values):
    res = cells.run_all(dims.stats_example(ddof), libs, {"values": values, "ddof": ddof})
    assert all(r.ok for r in res.values()), {n: r.error for n, r in res.items()}
    for i in range(4):
        got = as_np(libs, res, i)
        for name in ALL:
            np.testing.assert_allclose(got[name], got["numpy"], rtol=1e-6)
    assert float(as_np(libs, res, 1)["torch"]) == pytest.approx(dims.std_by_hand(values, ddof), rel=1e-6)
    assert f"correction={ddof}" in res["torch"].source and f"ddof={ddof}" in res["mlx"].source


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("op", dims.REDUCTIONS)
@pytest.mark.parametrize("rows,cols,axis", [(5, 4, 0), (5, 4, 1), (1, 8, 0), (8, 1, 1)])
def test_axis_reductions_agree_in_floats(libs, op, dtype, rows, cols, axis):
    res = cells.run_all(dims.axis_example(op, dtype), libs, {"rows": rows, "cols": cols, "axis": axis})
    assert all(r.ok for r in res.values()), {n: r.error for n, r in res.items()}
    expected = getattr(np.arange(rows * cols, dtype=np.float64).reshape(rows, cols), op)(axis=axis)
    for name, got in as_np(libs, res, 1).items():
        np.testing.assert_allclose(got, expected, rtol=1e-6, err_msg=name)
        assert str(got.dtype) == dtype, name


def test_integer_arange_and_mean_differ_as_the_page_says(libs):
    res = cells.run_all(dims.axis_example("mean", "integer"), libs, {"rows": 5, "cols": 4, "axis": 0})
    assert res["numpy"].ok and res["mlx"].ok
    assert res["torch"].status == "error" and "floating point" in res["torch"].error
    assert res["mlx"].outputs[0].dtype == "int32" and res["mlx"].outputs[1].dtype == "float32"
    assert res["numpy"].outputs[0].dtype == "int64" and res["numpy"].outputs[1].dtype == "float64"
    for name in ("numpy", "mlx"):
        np.testing.assert_array_equal(libs[name].to_numpy(res[name].value[1]), [8, 9, 10, 11])


@pytest.mark.parametrize("op", ["sum", "max", "min"])
def test_integer_sum_max_min_agree(libs, op):
    res = cells.run_all(dims.axis_example(op, "integer"), libs, {"rows": 3, "cols": 4, "axis": 1})
    assert all(r.ok for r in res.values())
    got = as_np(libs, res, 1)
    for name in ALL:
        np.testing.assert_array_equal(got[name], got["numpy"])


@pytest.mark.parametrize("shape,axis,keepdims", [
    ((5, 6, 7, 3), 0, False), ((5, 6, 7, 3), -1, False), ((5, 6, 7, 3), 2, True),
    ((4,), 0, False), ((4,), None, True), ((2, 1, 3, 1, 2, 2), None, False), ((2, 1, 3, 1, 2, 2), 3, True),
])
def test_nd_result_shape_matches_the_rule_in_every_library(libs, shape, axis, keepdims):
    res = cells.run_all(dims.ND_MEAN, libs, {"shape": shape, "axis": axis, "keepdims": keepdims})
    expected = dims.reduced_shape(shape, axis, keepdims)
    assert expected == np.mean(np.zeros(shape), axis=axis, keepdims=keepdims).shape
    for name, r in res.items():
        assert r.ok, r.error
        assert dims.as_shape(r.value[0]) == shape and dims.as_shape(r.value[1]) == expected, name


@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("matrix", [[[3, 9, 1, 4], [7, 2, 8, 5], [6, 0, 6, 2]], [[1.5, -2.0], [1.5, 7.0]], [[4, 4, 4]]])
def test_max_with_indices_agree(libs, matrix, axis):
    res = cells.run_all(dims.MAX_WITH_INDEX, libs, {"matrix": matrix, "axis": axis})
    assert all(r.ok for r in res.values()), {n: r.error for n, r in res.items()}
    values, indices = as_np(libs, res, 0), as_np(libs, res, 1)
    ref = np.array(matrix)
    for name in ALL:
        np.testing.assert_array_equal(values[name], ref.max(axis=axis), err_msg=name)
        np.testing.assert_array_equal(indices[name], ref.argmax(axis=axis), err_msg=name)  # first of ties
    assert res["mlx"].outputs[1].dtype == "uint32"
    assert "torch.max(t, dim=" in res["torch"].source and "argmax" in res["numpy"].source


# --- pure logic --------------------------------------------------------------------------

def test_parse_vector_accepts_lists_and_tuples():
    assert dims.parse_vector("[0.5, 1, 3, 4]") == NOTEBOOK
    assert dims.parse_vector(" (1, 2) ") == [1.0, 2.0]


@pytest.mark.parametrize("bad,words", [
    ("", "not a list"), ("[", "not a list"), ("[]", "non-empty"), ("5", "non-empty"), ("[1, 'a']", "not a number"),
    ("[[1, 2]]", "flat list"), ("[True]", "not a number"), ("[1e999]", "finite"), (str(list(range(40))), "32"),
    ("__import__('os')", "not a list"),
])
def test_parse_vector_rejects_with_a_plain_message(bad, words):
    with pytest.raises(ValueError, match=words):
        dims.parse_vector(bad)


def test_parse_matrix():
    assert dims.parse_matrix("[[1, 2], [3, 4.5]]") == [[1, 2], [3, 4.5]]
    for bad, words in [("[[1, 2], [3]]", "same"), ("[1, 2]", "list of rows"), ("[[]]", "non-zero"),
                       ("[[1, 'x']]", "not a number"), ("[[1]] * ", "not a list"), (str([[0] * 9] * 9), "64")]:
        with pytest.raises(ValueError, match=words):
            dims.parse_matrix(bad)


def test_std_by_hand_and_which_correction():
    assert dims.std_by_hand(NOTEBOOK, 0) == pytest.approx(1.4306903927824497)
    assert dims.std_by_hand(NOTEBOOK, 1) == pytest.approx(1.6520189667999174)
    assert math.isnan(dims.std_by_hand([2.0], 1))
    assert dims.which_correction(1.4307, NOTEBOOK, tol=1e-4) == "ddof=0 (population)"
    assert dims.which_correction(1.652, NOTEBOOK, tol=1e-4) == "ddof=1 (sample, Bessel)"
    assert dims.which_correction(3.0, NOTEBOOK) == "neither: ddof=0 gives 1.430690, ddof=1 1.652019"


def test_collapse_records_tag_each_cell_with_its_output():
    m = np.arange(6).reshape(2, 3).tolist()
    cells_, out = dims.collapse_records(m, [1.5, 2.5, 3.5], 0)
    assert [c["group"] for c in cells_] == [0, 1, 2, 0, 1, 2]
    assert [(o["row"], o["col"]) for o in out] == [(0, 0), (0, 1), (0, 2)]
    cells_, out = dims.collapse_records(m, [1.0, 4.0], 1)
    assert [c["group"] for c in cells_] == [0, 0, 0, 1, 1, 1] and [o["row"] for o in out] == [0, 1]
    with pytest.raises(ValueError, match="3 values"):
        dims.collapse_records(m, [1.0, 4.0], 0)
    with pytest.raises(ValueError, match="out of range"):
        dims.collapse_records(m, [1.0, 4.0], 2)


def test_reduced_shape():
    assert dims.reduced_shape((5, 256, 256, 3), 0) == (256, 256, 3)
    assert dims.reduced_shape((5, 256, 256, 3), -1) == (5, 256, 256)
    assert dims.reduced_shape((5, 4), 1, keepdims=True) == (5, 1)
    assert dims.reduced_shape((5, 4), None) == () and dims.reduced_shape((5, 4), None, True) == (1, 1)
    with pytest.raises(ValueError, match="out of range for an array with 2 dimensions"):
        dims.reduced_shape((5, 4), 2)
    with pytest.raises(ValueError, match="out of range"):
        dims.reduced_shape((5, 4), -3)


def test_check_nd_size_refuses_before_allocating():
    assert dims.check_nd_size((5, 256, 256, 3)) == 5 * 256 * 256 * 3
    with pytest.raises(TooLarge, match="needs about"):
        dims.check_nd_size((512,) * 6)
    with pytest.raises(TooLarge):
        dims.check_nd_size((4096, 4096, 2), copies=1)  # over the element cap whatever the memory
    with pytest.raises(ValueError, match="at least 1"):
        dims.check_nd_size((3, 0))


def test_axis_example_rejects_unknown_names():
    with pytest.raises(ValueError, match="unknown reduction"):
        dims.axis_example("median", "float32")
    with pytest.raises(ValueError, match="unknown dtype"):
        dims.axis_example("mean", "bfloat16")


def test_tied_maxima():
    m = [[3, 9, 1, 4], [7, 2, 8, 5], [6, 0, 6, 2]]
    assert dims.tied_maxima(m, 1) == 1 and dims.tied_maxima(m, 0) == 0
    assert dims.tied_maxima([[1, 1], [1, 1]], 0) == 2


def test_on_ties_the_page_says_what_is_documented_and_what_was_observed():
    """NumPy and PyTorch document that a tie gives the first index; MLX's documentation says nothing
    about ties: what it returned here is said as observed, never as documented."""
    m = [[3, 9, 1, 4], [7, 2, 8, 5], [6, 0, 6, 2]]
    first = np.array([1, 2, 0])
    text = dims.ties_text(m, 1, {"NumPy": first, "PyTorch": first, "MLX": first})
    assert "NumPy and PyTorch document that they return the index of the first" in text
    assert "MLX's documentation says nothing about ties" in text and "here it returned the first one too" in text
    other = dims.ties_text(m, 1, {"NumPy": first, "MLX": np.array([1, 2, 2])})
    assert "here it returned another one" in other and "PyTorch" not in other
    assert dims.ties_text([[1, 2], [3, 4]], 1, {"NumPy": np.array([1, 1])}) == ""


# --- the page ----------------------------------------------------------------------------

PAGE = "app_pages/learn_dimensions.py"


def test_page_renders_the_notebook_numbers():
    at = open_page(PAGE)
    assert at.title[0].value == "Operations across dimensions"
    out = codes(at)
    assert torch_shown("tensor(1.6520)") in out and "np.float64(1.4306903927824497)" in out
    assert "array(1.43069, dtype=float32)" in out
    assert not at.error
    table = tables(at)[0].set_index("library")
    assert list(table.index) == ["NumPy", "PyTorch", "MLX"]
    assert list(table["std matches"]) == ["ddof=0 (population)", "ddof=1 (sample, Bessel)", "ddof=0 (population)"]
    open_section(at, "dimensions_nd_open")
    assert any("all agree" in s.value for s in at.success)


def test_correction_control_switches_every_library():
    at = open_page(PAGE)
    at.radio(key="dimensions_ddof").set_value(1).run()
    out = codes(at)
    assert any("torch.std(t, correction=1)" in c for c in out) and any("np.std(n, ddof=1)" in c for c in out)
    assert "array(1.65202, dtype=float32)" in out and "np.float64(1.6520189667999174)" in out
    assert set(tables(at)[0].set_index("library")["std matches"]) == {"ddof=1 (sample, Bessel)"}
    at.radio(key="dimensions_ddof").set_value(0).run()
    assert torch_shown("tensor(1.4307)") in codes(at)
    assert set(tables(at)[0].set_index("library")["std matches"]) == {"ddof=0 (population)"}


@pytest.mark.parametrize("bad", ["[1, 'a']", "[[1, 2]]", "", "import os"])
def test_bad_values_are_an_error_message(bad):
    at = open_page(PAGE)
    at.text_input(key="dimensions_values").set_value(bad).run()
    assert not at.exception
    assert any("Can't use that input" in unescaped(e.value) for e in at.error)


def test_matrix_sliders_at_min_and_max_change_the_output():
    at = open_section(open_page(PAGE), "dimensions_axis_open")
    before = codes(at)
    for key, lo, hi in (("dimensions_rows", 1, 8), ("dimensions_cols", 1, 8)):
        for value in (lo, hi):
            at.slider(key=key).set_value(value).run()
            assert not at.exception, at.exception
            now = codes(at)
            assert now != before, (key, value)
            before = now
    assert any("reshape(8, 8)" in c for c in before)
    assert len(at.get("vega_lite_chart")) == 1  # the picture of the collapsing axis


def test_axis_op_and_dtype_controls_change_the_output():
    at = open_section(open_page(PAGE), "dimensions_axis_open")
    at.radio(key="dimensions_axis").set_value(1).run()
    assert "tensor([ 1.5000,  5.5000,  9.5000, 13.5000, 17.5000])" in codes(at)
    at.selectbox(key="dimensions_op").set_value("max").run()
    assert any("torch.max(t, dim=1).values" in c for c in codes(at))
    assert "tensor([ 3.,  7., 11., 15., 19.])" in codes(at)
    at.selectbox(key="dimensions_op").set_value("mean").run()
    at.selectbox(key="dimensions_dtype").set_value("integer").run()
    assert not at.exception
    assert any("could not infer output dtype" in unescaped(e.value) for e in at.error)  # PyTorch's own message
    assert ("Here: NumPy int64 → mean float64 · PyTorch refused (its message is in its column) · "
            "MLX int32 → mean float32.") in [c.value for c in at.caption]
    assert "array([1.5, 5.5, 9.5, 13.5, 17.5], dtype=float32)" in codes(at)


def test_sections_two_three_and_four_draw_only_when_opened():
    """Below the fold, the axis of a matrix, the N-dimensional mean and the max with indices run when
    their section is opened (a revisit draws a third of the page); closed, none shows its controls or
    its columns."""
    at = open_page(PAGE)
    assert not at.slider and not at.get("vega_lite_chart") and not any("reshape(5, 4)" in c for c in codes(at))
    open_section(at, "dimensions_axis_open")
    assert any("reshape(5, 4)" in c for c in codes(at)) and len(at.get("vega_lite_chart")) == 1
    assert "torch.Size([5, 64, 64, 3])" not in codes(at) and "tensor([1, 2, 0])" not in codes(at)
    assert not [s for s in at.slider if s.key == "dimensions_nd"]
    open_section(at, "dimensions_nd_open")
    assert "torch.Size([64, 64, 3])" in codes(at) and "tensor([1, 2, 0])" not in codes(at)
    open_section(at, "dimensions_max_open")
    assert "tensor([1, 2, 0])" in codes(at)


def test_nd_sliders_at_min_and_max_change_the_shape():
    at = open_page(PAGE)
    open_section(at, "dimensions_nd_open")
    assert "(64, 64, 3)" in codes(at)
    at.slider(key="dimensions_nd").set_value(1).run()
    assert "(5,)" in codes(at) and "()" in codes(at)
    at.slider(key="dimensions_nd").set_value(6).run()
    assert "(5, 64, 64, 3, 2, 2)" in codes(at) and "torch.Size([64, 64, 3, 2, 2])" in codes(at)
    at.slider(key="dimensions_nd").set_value(4).run()
    for i in range(4):
        for value in (1, 512):
            before = codes(at)
            at.slider(key=f"dimensions_size_{i}").set_value(value).run()
            assert not at.exception, at.exception
            assert not at.error, [unescaped(e.value) for e in at.error]
            assert codes(at) != before, (i, value)
        at.slider(key=f"dimensions_size_{i}").set_value((5, 64, 64, 3)[i]).run()


def test_nd_axis_keepdims_and_notebook_preset():
    at = open_page(PAGE)
    open_section(at, "dimensions_nd_open")
    at.selectbox(key="dimensions_nd_axis").set_value(-1).run()
    assert "torch.Size([5, 64, 64])" in codes(at)
    at.checkbox(key="dimensions_keepdims").check().run()
    assert "torch.Size([5, 64, 64, 1])" in codes(at)
    at.selectbox(key="dimensions_nd_axis").select_index(0).run()  # None: every axis
    assert "torch.Size([1, 1, 1, 1])" in codes(at)
    at.button(key="dimensions_notebook_shape").click().run()
    assert "torch.Size([5, 256, 256, 3])" in codes(at)
    at.slider(key="dimensions_nd").set_value(2).run()  # the chosen axis stays valid when dimensions go
    assert not at.exception and any("all agree" in s.value for s in at.success)


def test_nd_size_too_large_is_refused_with_a_message():
    at = open_page(PAGE)
    open_section(at, "dimensions_nd_open")
    for i in range(4):
        at.slider(key=f"dimensions_size_{i}").set_value(512)
    at.run()
    assert not at.exception
    refusals = [unescaped(e.value) for e in at.error
                if "choose smaller sizes" in e.value or "choose a smaller size" in e.value]
    assert refusals and all(e.startswith("A float32 array of shape") for e in refusals), refusals


def test_max_with_indices_controls():
    at = open_page(PAGE)
    open_section(at, "dimensions_max_open")
    assert "tensor([1, 2, 0])" in codes(at)  # indices along axis 1; the tie in row 3 gives the first
    at.radio(key="dimensions_max_axis").set_value(0).run()
    assert "array([1, 0, 1, 1], dtype=uint32)" in codes(at)
    at.text_input(key="dimensions_matrix").set_value("[[1, 5], [7, 2]]").run()
    assert "tensor([1, 0])" in codes(at)
    at.text_input(key="dimensions_matrix").set_value("[[1, 2], [3]]").run()
    assert not at.exception and any("same, non-zero number" in literal(e.value) for e in at.error)


def test_missing_mlx_keeps_the_page(mlx_missing):
    at = open_page(PAGE)
    open_section(at, "dimensions_max_open")
    assert not at.exception
    assert any("MLX is not available" in w.value for w in at.warning)
    assert torch_shown("tensor(1.6520)") in codes(at)
    # a sentence about the outputs is computed from them: with MLX gone the index dtypes agree
    assert any("The index dtypes are the same here: NumPy `int64`, PyTorch `int64`." in m.value for m in at.markdown)


# --- typed input, the std labels and the sentences under them ----------------------------------

HOSTILE_LISTS = ["-" * 6000 + "1", "-" * 1500 + "1", "[" * 3000, "[" * 100 + "1" + "]" * 100, "{[1]: 2}",
                 "[" + "9" * 400 + "]", "x" * 1000, "**bold** [x](http://example.com)"]
MARKDOWN = "**bold** [x](http://example.com)"


def literal(markdown: str) -> str:
    """What Markdown shows for ``markdown`` whose marks are all escaped: the text with escapes removed."""
    return re.sub(r"\\(.)", r"\1", markdown)


@pytest.mark.parametrize("parse", [dims.parse_vector, dims.parse_matrix], ids=["vector", "matrix"])
@pytest.mark.parametrize("text", HOSTILE_LISTS, ids=lambda t: repr(t[:10]) + f"x{len(t)}")
def test_parsers_refuse_hostile_text_with_a_value_error(parse, text):
    with pytest.raises(ValueError):
        parse(text)


def test_huge_values_give_labels_not_overflow_errors():
    huge = [1e308, -1e308]
    assert dims.std_by_hand(huge, 0) == 1e308 and dims.std_by_hand(huge, 1) == pytest.approx(math.sqrt(2) * 1e308)
    assert dims.std_by_hand([1.7e308, -1.7e308], 1) == math.inf  # the std itself is past float64
    assert dims.which_correction(1e308, huge) == "ddof=0 (population)"
    assert dims.which_correction(math.inf, huge, "float64") == "neither: inf, overflow in float64"
    assert dims.which_correction(math.nan, huge, "float32") == "neither: NaN, overflow in float32"
    assert dims.which_correction(math.nan, [1e308, 1e308], "float64") == "neither: NaN, overflow in float64"


def test_labels_say_when_the_correction_cannot_be_told():
    assert dims.which_correction(0.0, [5.0, 5.0, 5.0]) == "either: every value is the same, so the std is 0 with both"
    assert dims.which_correction(0.0, [5.0]) == "ddof=0 (population)"
    assert dims.which_correction(math.nan, [5.0], "float32") == "NaN: ddof=1 divides by N − 1 = 0"
    assert dims.which_correction(0.0, [1.0, 1.0 + 1e-12], "float32").startswith("either: in float32")
    assert dims.which_correction(0.70710677, [1e6, 1e6 + 1], "float32") == "ddof=1 (sample, Bessel)"
    assert [dims.format_stat(v) for v in (math.nan, math.inf, 1e308, 0.0, 2.125)] == [
        "NaN", "inf", "1.000000e+308", "0.000000", "2.125000"]


def test_correction_text_is_computed_from_n():
    four = dims.correction_text(NOTEBOOK)
    assert "√((N−1)/N) = **0.866**" in four and "1.155 times NumPy's for N = 4" in four
    assert "your features come out scaled by √(N/(N−1))" not in four
    assert "**0.816**" in dims.correction_text([0.5, 1.0, 3.0])
    one = dims.correction_text([1.0])
    assert "With this 1 value" in one and "**NaN**" in one and "N − 1 = 0" in one
    same = dims.correction_text([5.0, 5.0, 5.0])
    assert "cannot show which one each library used" in same and "so it shows which rule" not in same


@pytest.mark.parametrize("values", [[1e308, 1e308], [1e308, -1e308, 1e308]])
def test_values_whose_sum_overflows_float64_are_said_to_overflow_in_the_libraries(values):
    """Computed exactly the std is finite, but the libraries compute in float64 (NumPy) and float32
    (PyTorch, MLX), which overflow: the prose says so, where it said "0.0000" beside inf and NaN."""
    text = dims.correction_text(values)
    assert "NumPy in float64 and PyTorch and MLX in float32 overflow" in text and "inf or NaN" in text
    assert "overflow on these values" in dims.correction_text([1e30, -1e30]) and "NumPy in float64" not in (
        dims.correction_text([1e30, -1e30]))  # past float32 when squared, well within float64


def test_values_field_std_labels_and_hostile_input():
    at = open_page(PAGE)
    assert any("√((N−1)/N) = **0.866**" in m.value for m in at.markdown)
    for text in HOSTILE_LISTS:
        at.text_input(key="dimensions_values").set_value(text).run()
        assert not at.exception, (text[:20], at.exception)
        message = next(e.value for e in at.error if e.value.startswith("Can't use that input:"))
        assert len(message) < 300, message
        if text == MARKDOWN:
            assert "**bold**" not in message and MARKDOWN in literal(message)
    at.text_input(key="dimensions_values").set_value("[5, 5, 5]").run()
    table = tables(at)[0].set_index("library")
    assert set(table["std matches"]) == {"either: every value is the same, so the std is 0 with both"}
    at.text_input(key="dimensions_values").set_value("[1]").run()
    table = tables(at)[0].set_index("library")
    assert table.loc["PyTorch", "std"] == "NaN"
    assert table.loc["PyTorch", "std matches"] == "NaN: ddof=1 divides by N − 1 = 0"
    assert any("With this 1 value" in m.value for m in at.markdown)
    at.text_input(key="dimensions_values").set_value("[1e308, -1e308]").run()
    assert not at.exception, at.exception
    labels = tables(at)[0].set_index("library")["std matches"]
    assert labels["NumPy"] == "neither: inf, overflow in float64"
    assert any(c.value.startswith("Overflow:") for c in at.caption)


def test_matrix_field_refuses_hostile_input_plainly():
    at = open_page(PAGE)
    open_section(at, "dimensions_max_open")
    for text in HOSTILE_LISTS:
        at.text_input(key="dimensions_matrix").set_value(text).run()
        assert not at.exception, (text[:20], at.exception)
        message = next(e.value for e in at.error if e.value.startswith("Can't use that input:"))
        assert len(message) < 300, message
    at.text_input(key="dimensions_matrix").set_value("[[1e308, -1e308], [99999999999999999999999, 1]]").run()
    assert not at.exception, at.exception
