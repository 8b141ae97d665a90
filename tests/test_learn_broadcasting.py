"""Learn 2, Broadcasting: the checker against NumPy's own rule, parsing, the memory refusal,
the three libraries against the checker, and the page through AppTest."""
from __future__ import annotations

import random
import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from kernels import cells, memory
from kernels.examples import broadcasting as bc
from kernels.examples.inputs import read_shape
from tests import apptest
from tests.apptest import open_page, unescaped

PAGE = "app_pages/learn_broadcasting.py"
ALL = ("numpy", "torch", "mlx")


# --- parsing -----------------------------------------------------------------------------

@pytest.mark.parametrize("text, shape", [
    ("1,6,4,1,7,2", (1, 6, 4, 1, 7, 2)),
    ("(6, 5)", (6, 5)),
    ("[3, 4]", (3, 4)),
    ("5", (5,)),
    ("(5,)", (5,)),
    ("5,", (5,)),
    (" 2 , 3 ", (2, 3)),
    ("0, 3", (0, 3)),
])
def test_parse_shape_accepts_whole_numbers_separated_by_commas(text, shape):
    assert read_shape(text) == shape


@pytest.mark.parametrize("text, words", [
    ("", "at least one size"),
    ("  ", "at least one size"),
    ("()", "at least one size"),
    ("3, x", "'x' is not a whole number"),
    ("2.5", "'2.5' is not a whole number"),
    ("-1, 3", "can't be negative"),
    ("1,2,3,4,5,6,7", "at most 6 dimensions"),
    # anything but whole numbers and commas is refused by name, never read as other sizes
    ("10**12", "'10\\*\\*12' is not a whole number"),
    ("[3 4]", "'3 4' is not a whole number"),
    (" 2 × 3 ", "'2 × 3' is not a whole number"),
    ("1e3", "'1e3' is not a whole number"),
    ("+3", "'\\+3' is not a whole number"),
    ("3,,4", "empty size between two commas"),
    ("(3, 4]", "'\\(3' is not a whole number"),
    ("9" * 101, "101 characters long"),
])
def test_parse_shape_refuses_with_a_plain_message(text, words):
    with pytest.raises(ValueError, match=words):
        read_shape(text)


def test_parse_shape_infer_allows_one_minus_one():
    assert read_shape("3, -1", allow_infer=True) == (3, -1)
    with pytest.raises(ValueError, match="only one size can be -1"):
        read_shape("-1, -1", allow_infer=True)
    with pytest.raises(ValueError, match="only -1"):
        read_shape("-2, 4", allow_infer=True)


# --- the checker -------------------------------------------------------------------------

def test_notebook_six_dimension_example():
    c = bc.check((1, 6, 4, 1, 7, 2), (5, 6, 1, 3, 1, 2))
    assert c.ok and c.result == (5, 6, 4, 3, 7, 2)
    assert [d.from_right for d in c.dims] == [-6, -5, -4, -3, -2, -1]
    assert [r["rule"] for r in c.rows()] == [
        "a is 1: stretched to 5", "equal", "b is 1: stretched to 4",
        "a is 1: stretched to 3", "b is 1: stretched to 7", "equal",
    ]


def test_missing_dimensions_count_as_one():
    c = bc.check((256, 256, 3), (3,))
    assert c.result == (256, 256, 3)
    assert [r["b"] for r in c.rows()] == ["·", "·", "3"]
    assert "b has no dim here" in c.rows()[0]["rule"]


@pytest.mark.parametrize("a,b", [((0, 5), (5,)), ((1, 5), (0, 5)), ((5, 1), (0,))])
def test_a_size_one_against_size_zero_is_not_said_to_be_stretched(a, b):
    """A 1 broadcasts to 0 too, but nothing is stretched: the result is empty along that dimension."""
    rules = [r["rule"] for r in bc.check(a, b).rows()]
    assert not any("stretched to 0" in rule for rule in rules)
    assert any("size 0" in rule and "nothing to repeat" in rule for rule in rules)


@pytest.mark.parametrize("example", [bc.ADD_PRINTED, bc.ADD_SHAPE], ids=["printed", "shape"])
def test_the_real_thing_is_a_plus_b_in_every_library(example):
    """The section is "The real thing: a + b": every library's cell adds with ``+``, MLX's too (on its
    default device, the GPU on a Mac), never ``mx.add(a, b, stream=mx.cpu)``."""
    for name in example.code:
        assert "a + b" in example.code[name] and "stream=" not in example.code[name]


def test_failing_dimension_is_named():
    c = bc.check((2, 3), (4,))
    assert not c.ok and c.result is None
    assert [d.from_right for d in c.failing] == [-1]
    assert c.rows()[-1]["result"] == "✗"
    assert "dimension -1" in c.verdict() and "a has 3 and b has 4" in c.verdict()


def test_verdict_names_the_rightmost_failure():
    c = bc.check((2, 3, 4), (5, 6, 4))
    assert [d.from_right for d in c.failing] == [-3, -2]
    assert "dimension -2" in c.verdict()


def test_checker_agrees_with_numpy_on_random_shapes():
    rng = random.Random(0)
    for _ in range(2000):
        a = tuple(rng.choice((0, 1, 1, 2, 3)) for _ in range(rng.randint(1, 6)))
        b = tuple(rng.choice((0, 1, 1, 2, 3)) for _ in range(rng.randint(1, 6)))
        try:
            expected = np.broadcast_shapes(a, b)
        except ValueError:
            expected = None
        assert bc.check(a, b).result == expected, (a, b)


# --- memory ------------------------------------------------------------------------------

def test_bytes_needed_counts_inputs_and_result_per_library():
    assert bc.bytes_needed((6, 5), (1, 5), itemsize=8, libraries=3) == (30 + 5 + 30) * 8 * 3
    assert bc.bytes_needed((2, 3), (4,)) == (6 + 4) * 8 * 3  # no result when they don't broadcast


def test_refuses_before_allocating_when_memory_is_short():
    with pytest.raises(memory.TooLarge, match="choose a smaller size"):
        bc.refuse_if_too_large((1000, 1), (1, 1000), available=1_000_000)
    bc.refuse_if_too_large((6, 5), (1, 5), available=1_000_000)  # small: fine


def test_refuses_huge_element_counts_whatever_the_memory():
    with pytest.raises(memory.TooLarge, match="elements"):
        bc.refuse_if_too_large((100_000, 1), (1, 100_000), available=10**15)


def test_prints_in_full_only_small_results():
    assert bc.prints_in_full((6, 5), (1, 5))
    assert not bc.prints_in_full((1, 6, 4, 1, 7, 2), (5, 6, 1, 3, 1, 2))
    assert bc.example_for((6, 5), (1, 5)) is bc.ADD_PRINTED
    assert bc.example_for((256, 256, 3), (3,)) is bc.ADD_SHAPE


# --- conformance -------------------------------------------------------------------------

def run_pair(libs, a, b):
    return cells.run_all(bc.ADD_PRINTED, libs, bc.params(a, b))


@pytest.mark.parametrize("label, a_text, b_text, what", bc.PRESETS, ids=[p[0] for p in bc.PRESETS])
def test_presets_libraries_agree_with_the_checker(libs, label, a_text, b_text, what):
    a, b = read_shape(a_text), read_shape(b_text)
    checked = bc.check(a, b)
    res = run_pair(libs, a, b)
    if checked.ok:
        ref = np.ones(a) + np.arange(bc.elements(b)).reshape(b)
        for name in ALL:
            assert res[name].ok, res[name].error
            got = libs[name].to_numpy(res[name].value)
            assert got.shape == checked.result
            np.testing.assert_array_equal(got, ref)
    else:
        assert all(r.status == "error" for r in res.values())
        assert len({r.error for r in res.values()}) == 3


def test_notebook_example_is_printed_in_full_by_each_library(libs):
    res = cells.run_all(bc.example_for((6, 5), (1, 5)), libs, bc.params((6, 5), (1, 5)))
    assert res["numpy"].source.endswith("a = np.ones((6, 5))\nb = np.arange(5).reshape((1, 5))\na + b\n")
    assert res["numpy"].outputs[0].text.startswith("array([[1., 2., 3., 4., 5.],")
    assert res["torch"].outputs[0].text.startswith("tensor([[1., 2., 3., 4., 5.],")
    assert res["mlx"].outputs[0].text.endswith("[1, 2, 3, 4, 5]], dtype=float32)")
    # the dtypes differ as the page says
    assert [r.outputs[0].dtype for r in res.values()] == ["float64", "float32", "float32"]


def test_shape_only_example_gives_shape_and_dtype(libs):
    a, b = (1, 6, 4, 1, 7, 2), (5, 6, 1, 3, 1, 2)
    res = cells.run_all(bc.ADD_SHAPE, libs, bc.params(a, b))
    for name in ALL:
        shape, _dtype = res[name].value
        assert tuple(shape) == (5, 6, 4, 3, 7, 2)
        assert len(res[name].outputs) == 2


def test_random_pairs_libraries_agree_with_the_checker(libs):
    rng = random.Random(1)
    for _ in range(15):
        a = tuple(rng.choice((1, 2, 3)) for _ in range(rng.randint(1, 4)))
        b = tuple(rng.choice((1, 2, 3)) for _ in range(rng.randint(1, 4)))
        checked = bc.check(a, b)
        res = run_pair(libs, a, b)
        for name in ALL:
            if checked.ok:
                assert res[name].ok and tuple(libs[name].to_numpy(res[name].value).shape) == checked.result
            else:
                assert res[name].status == "error", (name, a, b)


# --- the page ----------------------------------------------------------------------------

def test_page_opens_on_the_notebook_example_printed_in_full():
    at = open_page(PAGE, timeout=60)
    assert at.title[0].value == "Broadcasting"
    codes = apptest.codes(at)
    assert "import numpy as np\n\na = np.ones((6, 5))\nb = np.arange(5).reshape((1, 5))\na + b" in codes
    assert any(c.startswith("tensor([[1., 2., 3., 4., 5.],") for c in codes)
    table = apptest.tables(at)[0]
    assert list(table["result"]) == ["6", "5"]
    assert "broadcast to (6, 5)" in at.success[0].value


@pytest.mark.parametrize("index", range(len(bc.PRESETS)))
def test_every_preset_button_works(index):
    at = open_page(PAGE, timeout=60)
    at.button(key=f"broadcasting_preset_{index}").click().run()
    assert not at.exception
    _, a_text, b_text, _ = bc.PRESETS[index]
    assert at.text_input(key="broadcasting_a").value == a_text and at.text_input(key="broadcasting_b").value == b_text
    checked = bc.check(read_shape(a_text), read_shape(b_text))
    assert len(apptest.tables(at)[0]) == len(checked.dims)
    if checked.ok:
        assert str(checked.result) in at.success[0].value
        assert not at.error
    else:
        assert "do not broadcast" in at.warning[0].value
        assert len(at.error) == 3  # each library's own message, in its column
    drawn = next(m.value for m in at.markdown if m.value.startswith("| dim"))
    marked = [line for line in drawn.split("\n") if ":red[**" in line]
    assert len(marked) == len(checked.failing)  # the dimensions that do not match, in bold red


def test_notebook_six_dimension_preset_shows_each_library_result_shape():
    at = open_page(PAGE, timeout=60)
    at.button(key="broadcasting_preset_1").click().run()
    codes = apptest.codes(at)
    assert "(5, 6, 4, 3, 7, 2)" in codes and "torch.Size([5, 6, 4, 3, 7, 2])" in codes


@pytest.mark.parametrize("bad", ["", "6, five", "1,2,3,4,5,6,7", "-3"])
def test_bad_text_is_an_error_message_not_a_traceback(bad):
    at = open_page(PAGE, timeout=60)
    at.text_input(key="broadcasting_b").set_value(bad).run()
    assert not at.exception
    assert any("Can't use the shape of b" in unescaped(e.value) for e in at.error)
    assert not apptest.tables(at)  # nothing else is computed from a shape that could not be read


def test_too_large_is_refused_before_running():
    at = open_page(PAGE, timeout=60)
    at.text_input(key="broadcasting_a").set_value("100000, 1").run()
    at.text_input(key="broadcasting_b").set_value("1, 100000").run()
    assert not at.exception
    assert "broadcast to (100000, 100000)" in at.success[0].value  # the checker still answers
    assert any("elements" in unescaped(e.value) for e in at.error)
    assert not [c for c in at.code if c.value.startswith("import ")]  # no library ran


def test_typed_shapes_change_the_output():
    at = open_page(PAGE, timeout=60)
    before = apptest.codes(at)
    at.text_input(key="broadcasting_a").set_value("2, 1, 3").run()
    at.text_input(key="broadcasting_b").set_value("4, 1").run()
    assert not at.exception
    after = apptest.codes(at)
    assert after != before and "torch.Size" not in " ".join(after)  # 24 elements: printed in full
    assert libs_agree_on_shape(at, (2, 4, 3))


def libs_agree_on_shape(at: AppTest, shape) -> bool:
    captions = [c.value for c in at.caption if "shape" in c.value and " · " in c.value]  # each column's facts
    return len([c for c in captions if f"shape {shape}" in c]) == 3


def test_page_works_without_mlx(mlx_missing):
    at = open_page(PAGE, timeout=60)
    assert not at.exception
    assert any("MLX is not available" in w.value for w in at.warning)
    assert any(c.value.startswith("import torch") for c in at.code)
    # the sentence under a + b names who really ran it, never "all three"
    assert any(c.value.startswith("NumPy and PyTorch give shape (6, 5), as the checker says.") for c in at.caption)


# --- typed shapes, refusals and the sentence under a + b ---------------------------------------

MARKDOWN = "**bold** [x](http://example.com)"


def literal(markdown: str) -> str:
    """What Markdown shows for ``markdown`` whose marks are all escaped: the text with escapes removed."""
    return re.sub(r"\\(.)", r"\1", markdown)


def test_shape_fields_refuse_anything_but_whole_numbers_plainly():
    at = open_page(PAGE, timeout=60)
    for text in ("10**12", "3 4", "9" * 1000, MARKDOWN, "-" * 6000 + "1"):
        at.text_input(key="broadcasting_a").set_value(text).run()
        assert not at.exception, at.exception
        message = next(e.value for e in at.error if e.value.startswith("Can't use the shape of a:"))
        assert len(message) < 300, message
        if text == MARKDOWN:
            assert "**bold**" not in message and "](http" not in message and MARKDOWN in literal(message)
        assert not apptest.tables(at)  # nothing is computed from a shape that could not be read


def test_refusals_start_a_sentence():
    with pytest.raises(memory.TooLarge, match="^That is 10,000,000,000 elements"):
        bc.refuse_if_too_large((100_000, 1), (1, 100_000), available=10**15)
    with pytest.raises(memory.TooLarge, match=r"^Computing a \+ b for \(1000, 1\) and \(1, 1000\) needs about"):
        bc.refuse_if_too_large((1000, 1), (1, 1000), available=1_000_000)


def test_summary_is_computed_from_the_results(libs):
    ok = bc.check((6, 5), (1, 5))
    res = run_pair(libs, (6, 5), (1, 5))
    assert bc.summary(ok, bc.ADD_PRINTED, res).startswith(
        "NumPy, PyTorch and MLX give shape (6, 5), as the checker says. Result dtypes: float64 in NumPy, "
        "float32 in PyTorch and MLX")
    res["mlx"] = cells.CellResult("mlx", "MLX", "missing")
    assert bc.summary(ok, bc.ADD_PRINTED, res).startswith("NumPy and PyTorch give shape (6, 5)")
    res["torch"] = cells.CellResult("torch", "PyTorch", "error")
    assert "PyTorch refused a pair the checker accepts." in bc.summary(ok, bc.ADD_PRINTED, res)
    bad = bc.check((2, 3), (4,))
    refused = run_pair(libs, (2, 3), (4,))
    assert bc.summary(bad, bc.ADD_PRINTED, refused) == (
        "NumPy, PyTorch and MLX refuse this pair, as the checker does, each in its own words (in its column above).")
    big = bc.check((1, 6, 4, 1, 7, 2), (5, 6, 1, 3, 1, 2))
    shaped = cells.run_all(bc.ADD_SHAPE, libs, bc.params(big.a, big.b))
    assert bc.summary(big, bc.ADD_SHAPE, shaped).startswith("NumPy, PyTorch and MLX give shape (5, 6, 4, 3, 7, 2)")
