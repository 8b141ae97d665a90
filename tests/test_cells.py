"""Examples: one source string, shown and executed; outputs described; errors verbatim."""
from __future__ import annotations

import pytest

from kernels import cells
from kernels.examples import creating
from kernels.examples.inputs import parse_values
from tests.devices import gpu_of

ALL = ("numpy", "torch", "mlx")


def test_execute_returns_last_expression_and_stdout():
    value, stdout, ns = cells.execute("x = 2\nprint('hi')\nx * 21")
    assert value == 42 and stdout == "hi\n" and ns["x"] == 2


def test_execute_with_no_trailing_expression_returns_none():
    value, stdout, _ = cells.execute("x = 1")
    assert value is None and stdout == ""


def test_a_cell_is_compiled_once_and_each_run_starts_from_a_fresh_namespace():
    source = "items = []\nitems.append(len(items))\nitems"
    cells.compiled.cache_clear()
    first, _, ns1 = cells.execute(source)
    second, _, ns2 = cells.execute(source)
    assert cells.compiled.cache_info().hits == 1 and cells.compiled.cache_info().misses == 1
    assert first == second == [0] and ns1["items"] is not ns2["items"]


def test_a_cell_that_does_not_parse_raises_every_time():
    for _ in range(2):
        with pytest.raises(SyntaxError):
            cells.execute("x = (")

def test_source_has_the_import_and_the_parameters_as_literals(libs):
    src = creating.ARRAY.source(libs["torch"], {"values": [1, 2, 3]})
    assert src == "import torch\n\na = torch.tensor([1, 2, 3], device='cpu')\na\n"


def test_a_device_is_written_the_way_each_library_names_it(libs):
    assert "device='mps'" in creating.ARRAY.source(libs["torch"], {"values": [1]}, "mps")
    assert "stream=mx.gpu" in creating.FLOAT64_ON_DEVICE.source(libs["mlx"], {}, "gpu")
    assert creating.ARRAY.takes_device("torch") and not creating.ARRAY.takes_device("mlx")


def test_a_result_says_where_it_ran(libs):
    """An example sent to the GPU reports the device it asked for; code that names no device runs
    where the library puts it unasked (Torch: the CPU; MLX: its default device)."""
    devices = cells.gpu_devices(libs)
    for name, device in devices.items():  # each library's GPU where it has one here, else its CPU
        assert device == (gpu_of(name) or "cpu")
    res = cells.run_all(creating.ARRAY, libs, {"values": [1, 2]}, {"torch": "cpu", "mlx": "gpu"})
    assert res["torch"].device == "cpu" and res["torch"].outputs[0].device == "cpu"
    assert res["mlx"].device == libs["mlx"].implicit_device()  # its template names no device


def test_shown_source_is_what_ran(libs):
    """Running the displayed source by itself reproduces the displayed output exactly."""
    for name in ALL:
        r = cells.run(creating.ARRAY, libs[name], {"values": [[1.5, 2], [3, 4]]})
        assert r.ok, r.error
        value, _, _ = cells.execute(r.source)
        assert libs[name].describe(value).text == r.outputs[0].text


def test_first_example_dtypes(libs):
    res = cells.run_all(creating.ARRAY, libs, {"values": [1, 2, 3]})
    assert [o.text for o in res["numpy"].outputs] == ["array([1, 2, 3])"]
    assert [o.text for o in res["torch"].outputs] == ["tensor([1, 2, 3])"]
    assert [o.text for o in res["mlx"].outputs] == ["array([1, 2, 3], dtype=int32)"]
    assert {n: r.outputs[0].dtype for n, r in res.items()} == {"numpy": "int64", "torch": "int64", "mlx": "int32"}


def test_tuple_output_is_one_output_per_item(libs):
    ex = cells.Example("t", "", {"numpy": "a = np.zeros(2)\na, a.shape"})
    r = cells.run(ex, libs["numpy"])
    assert [o.text for o in r.outputs] == ["array([0., 0.])", "(2,)"]


def test_library_error_is_captured_verbatim(libs):
    ex = cells.Example("bad", "", {
        "numpy": "np.arange(48).reshape(5, 10)",
        "torch": "torch.arange(48).reshape(5, 10)",
        "mlx": "mx.arange(48).reshape(5, 10)",
    })
    res = cells.run_all(ex, libs)
    assert res["numpy"].error == "ValueError: cannot reshape array of size 48 into shape (5,10)"
    assert res["torch"].error == "RuntimeError: shape '[5, 10]' is invalid for input of size 48"
    assert res["mlx"].error == "ValueError: [reshape] Cannot reshape array of size 48 into shape (5,10)."
    assert all(r.status == "error" and r.source for r in res.values())


def test_missing_library_column(hide_library):
    from kernels import backends as kb
    from kernels.backends import mlx_backend

    hide_library("mlx")
    r = cells.run(creating.ARRAY, kb.discover_one(mlx_backend), {"values": [1]})
    assert r.status == "missing" and "mlx" in r.error and r.source


def test_example_without_a_version_for_a_library(libs):
    ex = cells.Example("np-only", "", {"numpy": "np.ones(1)"})
    r = cells.run(ex, libs["mlx"])
    assert r.status == "absent" and "no equivalent" in r.error


@pytest.mark.parametrize("text,expected", [
    ("[1, 2, 3]", [1, 2, 3]),
    ("(0.5, 1)", [0.5, 1]),
    ("[[1, 2], [3, 4]]", [[1, 2], [3, 4]]),
])
def test_parse_values_accepts_lists_of_numbers(text, expected):
    assert parse_values(text) == expected


@pytest.mark.parametrize("text,message", [
    ("import os", "not a Python list"),
    ("[1, 'a']", "not a number"),
    ("[]", "non-empty"),
    ("[True]", "not a number"),
    (str(list(range(100))), "64 numbers or fewer"),
    ("__import__('os')", "not a Python list"),
])
def test_parse_values_rejects_anything_else(text, message):
    with pytest.raises(ValueError, match=message):
        parse_values(text)


@pytest.mark.parametrize("value,text", [
    ([1.0, float("inf")], "[1.0, float('inf')]"),
    ((float("-inf"),), "(float('-inf'),)"),
    ([[float("nan")]], "[[float('nan')]]"),
    ((2, 3), "(2, 3)"),
    ("x", "'x'"),
])
def test_literal_is_valid_python_for_every_value(value, text):
    assert cells.literal(value) == text
    back = eval(text)
    assert repr(back) == repr(value)


def test_overflowing_input_runs_in_every_library(libs):
    values = parse_values("[1e400, 2]")
    res = cells.run_all(creating.ARRAY, libs, {"values": values})
    assert all(r.ok for r in res.values()), {n: r.error for n, r in res.items()}
    assert "float('inf')" in res["numpy"].source
