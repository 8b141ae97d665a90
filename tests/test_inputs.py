"""The shared reader of typed lists and shapes: bounded before parsing, plain messages, never a
traceback; and the words its messages use."""
from __future__ import annotations

import pytest

from kernels.examples import inputs

# Inputs that made Python's parser raise RecursionError or MemoryError (or TypeError) inside
# ast.literal_eval, or that are simply long: every one must end in a ValueError with a short message.
HOSTILE = [
    "-" * 6000 + "1",  # MemoryError in the parser
    "-" * 1500 + "1",  # under the length bound: refused for its signs
    "~" * 1500 + "1",
    "[" * 3000,
    "[" * 100 + "1" + "]" * 100,  # under the length bound: refused for its depth
    "(" * 100 + "1" + ")" * 100,
    "1+" * 900 + "1",  # a chain of operators the parser nests
    "not " * 450 + "1",
    "{[1]: 2}",  # TypeError (unhashable list) from literal_eval
    "{[]}",
    "x" * 1000,
    "'unterminated",
    "\x00",
]


@pytest.mark.parametrize("text", HOSTILE, ids=lambda t: repr(t[:12]) + f"x{len(t)}")
def test_hostile_text_is_a_short_value_error(text):
    with pytest.raises(ValueError) as info:
        inputs.read_literal(text, "a list of numbers", "[1, 2, 3]")
    message = str(info.value)
    assert len(message) < 200
    assert text not in message or len(text) <= inputs.QUOTE_CHARS  # a long paste is never echoed whole


def test_length_is_bounded_before_parsing():
    with pytest.raises(ValueError, match="6,001 characters long; this field reads at most 2,000"):
        inputs.read_literal("-" * 6000 + "1", "a list of numbers", "[1]")


def test_nesting_and_signs_are_named():
    with pytest.raises(ValueError, match="nested more than 64 deep"):
        inputs.read_literal("[" * 65 + "1" + "]" * 65, "a list", "[1]")
    with pytest.raises(ValueError, match="more than 2 \\+ or - signs in one number"):
        inputs.read_literal("[" + "-" * 3 + "1]", "a list", "[1]")
    with pytest.raises(ValueError, match="can't read '\\*\\*' in it"):
        inputs.read_literal("[10**12]", "a list", "[1]")


@pytest.mark.parametrize("text, value", [
    ("[1, -2.5e-3, +3]", [1, -0.0025, 3]),
    ("[[1, 2],\n [3, 4]]", [[1, 2], [3, 4]]),
    ("(0.5, 1)", (0.5, 1)),
    ("[1, 'a', True, None]", [1, "a", True, None]),  # read; the field then says which is not a number
    ("[" * 64 + "1" + "]" * 64, eval("[" * 64 + "1" + "]" * 64)),  # NumPy's most dimensions
    ("[-1+2j]", [-1 + 2j]),
])
def test_lists_of_numbers_still_read(text, value):
    assert inputs.read_literal(text, "a list", "[1]") == value


def test_as_lists_number_and_real():
    assert inputs.as_lists(((1, 2), [3, (4,)])) == [[1, 2], [3, [4]]]
    assert inputs.number(3) == 3 and inputs.number(2.5) == 2.5
    with pytest.raises(ValueError, match="True is not a number"):
        inputs.number(True)
    with pytest.raises(ValueError, match="too large for a float"):
        inputs.real(10 ** 400)  # float() raises OverflowError
    with pytest.raises(ValueError, match="inf is not a finite number"):
        inputs.real(float("inf"))
    assert inputs.real(3) == 3.0


@pytest.mark.parametrize("text, shape", [("3, 4", (3, 4)), ("(6, 5)", (6, 5)), ("[5]", (5,)), ("5,", (5,)),
                                         ("2, -1", (2, -1))])
def test_read_shape_accepts_whole_numbers_separated_by_commas(text, shape):
    assert inputs.read_shape(text, max_dims=6, allow_infer=True) == shape


@pytest.mark.parametrize("text, words", [
    ("10**12", "'10\\*\\*12' is not a whole number"),
    ("3 4", "'3 4' is not a whole number"),
    ("٣", "is not a whole number"),  # int() reads Arabic-Indic digits; a shape field does not
    ("3,,4", "empty size"),
    ("-1, -1", "only one size can be -1"),
    ("-2", "can't be negative"),
    ("9" * 101, "101 characters long"),
])
def test_read_shape_refuses_anything_else_by_name(text, words):
    with pytest.raises(ValueError, match=words):
        inputs.read_shape(text, max_dims=6, allow_infer=True)


def test_quote_shortens_long_input():
    assert inputs.quote("x" * 1000) == repr("x" * 39 + "…")
    assert inputs.quote("[1, 2]") == "'[1, 2]'"


def test_words():
    assert inputs.plural(1, "element") == "1 element" and inputs.plural(1000, "element") == "1,000 elements"
    assert inputs.plural(2, "library", "libraries") == "2 libraries"
    assert [inputs.and_list(x) for x in ([], ["a"], ["a", "b"], ["a", "b", "c"])] == ["", "a", "a and b", "a, b and c"]
    by_library = {"NumPy": "int64", "PyTorch": "int64", "MLX": "int32"}
    assert inputs.grouped(by_library) == "int64 in NumPy and PyTorch, int32 in MLX"
