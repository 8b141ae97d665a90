"""Gradients: autograd, mx.grad and NumPy by hand agree; the pure logic; the page through AppTest."""
from __future__ import annotations

import re

import numpy as np
import pytest

from kernels import cells
from kernels.examples import gradients as grads
from tests.apptest import codes, open_page, open_section, tables, unescaped
from tests.devices import torch_shown

ALL = ("numpy", "torch", "mlx")
RNG_X = np.round(np.random.default_rng(7).uniform(-3, 3, (3, 4)), 3).tolist()


def run(libs, fn, x, h=grads.DEFAULT_STEP, target=0):
    res = cells.run_all(fn.example(), libs, {"x": x, "h": h, "target": target})
    assert all(r.ok for r in res.values()), {n: r.error for n, r in res.items()}
    return res


def analytic(fn_key, x, target=0):
    x = np.asarray(x, dtype=np.float64)
    if fn_key == "cube":
        return 3 * x ** 2
    if fn_key == "sin":
        return np.cos(x)
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    p = e / e.sum(axis=-1, keepdims=True)
    return (p - np.eye(x.shape[-1])[target]) / (x.size // x.shape[-1])


# --- conformance -------------------------------------------------------------------------

def test_notebook_example_gives_the_notebook_numbers(libs):
    res = run(libs, grads.CUBE, grads.NOTEBOOK_X)
    expected = [[75.0, 192.0], [48.0, 108.0]]
    assert res["torch"].outputs[1].text == "tensor([[ 75., 192.],\n        [ 48., 108.]])"
    assert res["mlx"].outputs[1].text == "array([[75, 192],\n       [48, 108]], dtype=float32)"
    for name in ALL:
        assert float(libs[name].to_numpy(res[name].value[0])) == 917.0
        for g in res[name].value[1:]:
            np.testing.assert_allclose(libs[name].to_numpy(g), expected, rtol=1e-8, err_msg=name)
    assert "requires_grad=True" in res["torch"].source and "y.backward()" in res["torch"].source
    assert "mx.value_and_grad(f)" in res["mlx"].source and "mx.grad(f)" in res["mlx"].source
    assert grads.CENTRAL_DIFFERENCE_SOURCE in res["numpy"].source  # the code shown is the function tested


@pytest.mark.parametrize("fn", list(grads.FUNCTIONS.values()), ids=lambda f: f.key)
@pytest.mark.parametrize("x", [grads.NOTEBOOK_X, [0.5, -1.0, 2.0], RNG_X, [[0.0]]],
                         ids=["notebook", "1d", "rng", "one"])
def test_every_method_agrees(libs, fn, x):
    target = 1 if fn.uses_target and grads.last_dim(x) > 1 else 0
    res = run(libs, fn, x, target=target)
    ys, by_method = grads.gradients_by_method(res, {n: libs[n].to_numpy for n in ALL})
    assert set(by_method) == {label for labels in grads.GRADIENT_LABELS.values() for label in labels}
    expected = analytic(fn.key, x, target)
    scale = max(1.0, float(np.abs(expected).max()))
    for label, g in by_method.items():
        np.testing.assert_allclose(g, expected, atol=2e-6 * scale, err_msg=label)
    assert max(ys.values()) - min(ys.values()) <= 1e-5 * max(1.0, abs(ys["NumPy"]))
    np.testing.assert_array_equal(by_method["MLX mx.grad"], by_method["MLX mx.value_and_grad"])


def test_cross_entropy_gradient_rows_sum_to_zero(libs):
    res = run(libs, grads.CROSS_ENTROPY, RNG_X, target=2)
    _, by_method = grads.gradients_by_method(res, {n: libs[n].to_numpy for n in ALL})
    for label, g in by_method.items():
        np.testing.assert_allclose(g.sum(axis=-1), 0, atol=1e-6, err_msg=label)
        assert (g[:, 2] < 0).all(), label  # raising the correct logit lowers the loss


def test_asking_twice_accumulates_in_torch_only(libs):
    res = cells.run_all(grads.accumulation_example(grads.CUBE), libs, {"x": grads.NOTEBOOK_X, "target": 0})
    assert res["numpy"].status == "absent"
    first, second = (libs["torch"].to_numpy(v) for v in res["torch"].value)
    np.testing.assert_array_equal(second, 2 * first)
    a, b = (libs["mlx"].to_numpy(v) for v in res["mlx"].value)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, first)


@pytest.mark.parametrize("fn", list(grads.FUNCTIONS.values()), ids=lambda f: f.key)
def test_asking_twice_runs_for_every_function(libs, fn):
    res = cells.run_all(grads.accumulation_example(fn), libs, {"x": RNG_X, "target": 1})
    assert res["torch"].ok and res["mlx"].ok, (res["torch"].error, res["mlx"].error)


# --- pure logic --------------------------------------------------------------------------

def test_central_difference():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    np.testing.assert_allclose(grads.central_difference(lambda v: (v ** 2).sum(), x), 2 * x, atol=1e-8)
    # for x³ the central difference is exactly 3x² + h²: the truncation error the page plots
    np.testing.assert_allclose(grads.central_difference(lambda v: (v ** 3).sum(), x, h=0.1), 3 * x ** 2 + 0.01,
                               atol=1e-10)
    assert grads.central_difference(lambda v: v.sum(), [1, 2, 3]).dtype == np.float64  # ints are fine


def test_parse_points_accepts_one_and_two_dimensions():
    assert grads.parse_points("[[5, 8], [4, 6]]") == grads.NOTEBOOK_X
    assert grads.parse_points(grads.NOTEBOOK_X_TEXT) == grads.NOTEBOOK_X
    assert grads.parse_points("(1, 2.5)") == [1.0, 2.5]
    assert grads.parse_points("[-10000]") == [-10000.0]


@pytest.mark.parametrize("bad,words", [
    ("", "not a list"), ("[", "not a list"), ("[]", "non-empty"), ("7", "non-empty"), ("[1, 'a']", "not a number"),
    ("[[1, 2], [3]]", "same, non-zero"), ("[[]]", "same, non-zero"), ("[[[1]]]", "one or two dimensions"),
    ("[1, [2]]", "mix of numbers and lists"), ("[1e5]", "too large"), ("[1e999]", "finite"), ("[True]", "not a number"),
    (str(list(range(65))), "64 numbers or fewer"), ("__import__('os').getcwd()", "not a list"),
])
def test_parse_points_rejects_with_a_plain_message(bad, words):
    with pytest.raises(ValueError, match=words):
        grads.parse_points(bad)


def test_last_dim():
    assert grads.last_dim([[1.0, 2.0, 3.0]]) == 3 and grads.last_dim([1.0, 2.0]) == 2


def test_difference_matrix_and_reference():
    g = {"NumPy analytic formula": np.array([1.0, 2.0]), "b": np.array([1.0, 2.5]), "c": np.array([0.0, 2.0])}
    labels, m = grads.difference_matrix(g)
    assert labels == list(g)
    assert m == [[0.0, 0.5, 1.0], [0.5, 0.0, 1.0], [1.0, 1.0, 0.0]]
    rows = grads.against_reference(g)
    assert rows == [{"method": "b", "max abs difference": 0.5, "relative to the largest": 0.25,
                     "max relative difference": 0.25},
                    {"method": "c", "max abs difference": 1.0, "relative to the largest": 0.5,
                     "max relative difference": 1.0}]
    assert grads.against_reference({"b": np.zeros(2)}) == []
    with pytest.raises(ValueError, match="shape"):
        grads.difference_matrix({"a": np.zeros(2), "b": np.zeros(3)})


def test_gradients_by_method_skips_libraries_that_did_not_run(libs):
    res = run(libs, grads.SINE, [0.0, 1.0])
    res["torch"] = cells.CellResult(backend="torch", label="PyTorch", status="missing")
    ys, by_method = grads.gradients_by_method(res, {n: libs[n].to_numpy for n in ALL})
    assert set(ys) == {"NumPy", "MLX"}
    assert not any(k.startswith("PyTorch") for k in by_method)


def test_step_errors_show_truncation_then_rounding(libs):
    res = run(libs, grads.CUBE, grads.NOTEBOOK_X)
    reference = libs["numpy"].to_numpy(res["numpy"].value[1])
    curve = grads.step_errors(res["numpy"].namespace, reference)
    assert [r["h"] for r in curve] == list(grads.STEPS)
    errors = {r["h"]: r["max abs error"] for r in curve}
    assert errors[0.1] == pytest.approx(0.01, rel=1e-6)  # exactly h² for x³
    best = min(errors.values())
    assert best < 1e-6 and errors[1e-12] > 100 * best  # too small a step: rounding wins
    assert grads.step_errors(res["torch"].namespace, reference) == []  # no central_difference there


# --- the page ----------------------------------------------------------------------------

PAGE = "app_pages/learn_gradients.py"


def test_page_renders_the_notebook_example_and_the_comparison():
    at = open_page(PAGE)
    assert at.title[0].value == "Gradients"
    out = codes(at)
    assert torch_shown("tensor([[ 75., 192.],\n        [ 48., 108.]])") in out
    assert "array([[75, 192],\n       [48, 108]], dtype=float32)" in out
    assert "array([[ 75., 192.],\n       [ 48., 108.]])" in out
    assert not at.error
    ys = tables(at)[0].set_index("library")
    assert list(ys["y"]) == [917.0, 917.0, 917.0]
    diffs = tables(at)[1].set_index("method")
    assert diffs.loc["PyTorch autograd (x.grad)", "max abs difference"] == 0.0
    assert 0 < diffs.loc["NumPy finite differences", "max abs difference"] < 1e-6
    assert len(tables(at)) == 2, "the pairwise table is drawn when opened"
    open_section(at, "gradients_pairs_open")
    matrix = tables(at)[2].set_index("method")
    assert matrix.shape == (5, 5)
    assert not at.get("vega_lite_chart"), "the step-error chart is drawn when its section is opened"
    open_section(at, "gradients_steps_open")
    assert len(at.get("vega_lite_chart")) == 1


def test_a_small_element_differs_more_relative_to_itself_than_to_the_gradient():
    """float32 rounds each element to about 1e-7 of the largest terms it came from: relative to the
    gradient's largest element that is ~1e-7, relative to a small element itself it can be far more."""
    g = {grads.REFERENCE: np.array([1.0, 1e-3]), "f32": np.array([1.0 + 1e-7, 1e-3 + 1e-7])}
    (row,) = grads.against_reference(g)
    assert row["relative to the largest"] == pytest.approx(1e-7)
    assert row["max relative difference"] == pytest.approx(1e-4)


def test_the_prose_states_the_difference_the_table_shows_and_why_small_elements_differ_more():
    at = open_page(PAGE)
    at.selectbox(key="gradients_fn").set_value("cross_entropy").run()
    table = tables(at)[1]
    prose = " ".join(unescaped(m.value).replace("**", "") for m in at.markdown
                     if "What differs, and why it matters" in m.value)
    largest = max(v for m, v in zip(table["method"], table["relative to the largest"]) if m != grads.FINITE)
    assert f"at most {largest:.1e} relative to its largest element" in prose
    assert "relative to itself" in prose and "the larger terms" in prose


@pytest.mark.parametrize("key", list(grads.FUNCTIONS))
def test_every_function_renders(key):
    at = open_page(PAGE)
    at.selectbox(key="gradients_fn").set_value(key).run()
    assert not at.exception and not at.error, [unescaped(e.value) for e in at.error]
    fn = grads.FUNCTIONS[key]
    assert any(fn.torch_y.replace("$target", "0") in c for c in codes(at))
    rel = tables(at)[1]["max relative difference"]
    assert (rel < 1e-5).all(), rel


def test_step_slider_at_min_and_max_changes_the_numpy_output():
    at = open_page(PAGE)
    before = codes(at)
    for h in (grads.STEPS[0], grads.STEPS[-1]):
        at.select_slider(key="gradients_h").set_value(h).run()
        assert not at.exception
        now = codes(at)
        assert now != before and any(f"h={h!r}" in c for c in now), h
        before = now
    assert "array([[ 75.01, 192.01],\n       [ 48.01, 108.01]])" not in before
    at.select_slider(key="gradients_h").set_value(0.1).run()
    assert "array([[ 75.01, 192.01],\n       [ 48.01, 108.01]])" in codes(at)  # 3x² + h²


def test_user_values_change_every_column():
    at = open_page(PAGE)
    at.text_input(key="gradients_x").set_value("[1, 2, 3]").run()
    out = codes(at)
    assert torch_shown("tensor([ 3., 12., 27.])") in out and "array([3, 12, 27], dtype=float32)" in out
    at.button(key="gradients_reset").click().run()
    assert at.text_input(key="gradients_x").value == grads.NOTEBOOK_X_TEXT
    assert torch_shown("tensor([[ 75., 192.],\n        [ 48., 108.]])") in codes(at)


def test_target_slider_at_min_and_max_changes_the_output():
    at = open_page(PAGE)
    at.selectbox(key="gradients_fn").set_value("cross_entropy").run()
    at.text_input(key="gradients_x").set_value("[[1, 2, 3], [0.5, 0, -1]]").run()
    slider = at.slider(key="gradients_target")
    assert (slider.min, slider.max) == (0, 2)
    before = codes(at)
    slider.set_value(2).run()
    assert not at.exception and codes(at) != before
    assert any("[..., 2]" in c for c in codes(at))
    after = codes(at)
    at.slider(key="gradients_target").set_value(0).run()
    assert codes(at) != after and any("[..., 0]" in c for c in codes(at))
    # fewer classes: the target is clamped into range, not an exception
    at.slider(key="gradients_target").set_value(2).run()
    at.text_input(key="gradients_x").set_value("[[1, 2], [3, 4]]").run()
    assert not at.exception and at.slider(key="gradients_target").value == 1
    at.text_input(key="gradients_x").set_value("[[1], [2]]").run()  # one class: no slider, loss 0
    assert not at.exception and not at.error


@pytest.mark.parametrize("bad", ["[[1, 2], [3]]", "[1, 'a']", "", "[1e9]", "open('x')"])
def test_bad_values_are_an_error_message(bad):
    at = open_page(PAGE)
    at.text_input(key="gradients_x").set_value(bad).run()
    assert not at.exception
    assert any("Can't use that input" in unescaped(e.value) for e in at.error)


def test_missing_mlx_keeps_the_page(mlx_missing):
    at = open_page(PAGE)
    assert not at.exception
    assert any("MLX is not available" in w.value for w in at.warning)
    assert torch_shown("tensor([[ 75., 192.],\n        [ 48., 108.]])") in codes(at)
    assert list(tables(at)[0]["library"]) == ["NumPy", "PyTorch"]


# --- typed input, and sentences computed from the outputs --------------------------------------

HOSTILE_LISTS = ["-" * 6000 + "1", "-" * 1500 + "1", "[" * 3000, "[" * 100 + "1" + "]" * 100, "{[1]: 2}",
                 "[" + "9" * 400 + "]", "x" * 1000, "**bold** [x](http://example.com)"]
MARKDOWN = "**bold** [x](http://example.com)"


def literal(markdown: str) -> str:
    """What Markdown shows for ``markdown`` whose marks are all escaped: the text with escapes removed."""
    return re.sub(r"\\(.)", r"\1", markdown)


@pytest.mark.parametrize("text", HOSTILE_LISTS, ids=lambda t: repr(t[:10]) + f"x{len(t)}")
def test_parse_points_refuses_hostile_text_with_a_value_error(text):
    with pytest.raises(ValueError):
        grads.parse_points(text)


def test_x_field_refuses_hostile_input_plainly():
    at = open_page(PAGE)
    for text in HOSTILE_LISTS:
        at.text_input(key="gradients_x").set_value(text).run()
        assert not at.exception, (text[:20], at.exception)
        message = next(e.value for e in at.error if e.value.startswith("Can't use that input:"))
        assert len(message) < 300, message
        if text == MARKDOWN:
            assert "**bold**" not in message and MARKDOWN in literal(message)


def test_no_empty_chart_when_every_error_is_zero():
    at = open_section(open_page(PAGE), "gradients_steps_open")
    assert any("every automatic gradient equals the float64 formula's" in m.value for m in at.markdown)
    at.selectbox(key="gradients_fn").set_value("cross_entropy").run()
    at.text_input(key="gradients_x").set_value("[[1], [2]]").run()  # one class: the gradient is 0 everywhere
    assert not at.exception
    assert not at.get("vega_lite_chart")
    assert any("equal the formula exactly at every step h" in c.value for c in at.caption)
