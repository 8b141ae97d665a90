"""What a person types into a list or shape field, read safely, and the few words every message needs.

Every list field (Home, Creating arrays, Operations across dimensions, Gradients, Moving data) and
every shape field (Creating arrays, Broadcasting) reads through here, so the bounds live in one place.

``ast.literal_eval`` hands the text to Python's own parser, which recurses once per bracket and once
per sign: a few thousand ``-`` or ``[`` make it raise RecursionError or MemoryError instead of a
ValueError. So the text is measured first, with the tokenizer (which does not recurse): its length,
which tokens it holds (only what a list of numbers can contain), how deep its brackets go and how
many signs one number carries. Whatever passes can only nest as deep as its brackets.

Messages start in lower case: a page puts them after "Can't use that input: ", through
``ui.safe.plain``. They quote the input shortened, so a long paste is never echoed whole.
"""
from __future__ import annotations

import ast
import io
import math
import re
import tokenize
from collections.abc import Iterable, Mapping
from typing import Any

# 64 numbers written out in full ("-1.2345678901234567e-308, ") fit, with room to spare.
MAX_CHARS = 2000
# Brackets inside brackets: NumPy's most dimensions; no library here builds a deeper array.
MAX_DEPTH = 64
# Signs in one number: "-1", "-1+2j" (a complex number, refused later as not a number).
MAX_SIGNS = 2
# A shape of 6 sizes, each with more digits than any memory could hold, fits.
MAX_SHAPE_CHARS = 100
MAX_DIMS = 6  # sizes in a typed shape (Broadcasting's a and b, Creating arrays' reshape)
QUOTE_CHARS = 40

_SEPARATORS = {",", "(", ")", "[", "]"}
_SIGNS = {"+", "-"}
_NAMES = {"True", "False", "None"}  # literals literal_eval reads; refused later as not numbers
_LAYOUT = {tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER, tokenize.INDENT, tokenize.DEDENT,
           tokenize.COMMENT}
_SIZE = re.compile(r"-?[0-9]+")


# --- words -------------------------------------------------------------------------------

def shorten(text: str, limit: int = QUOTE_CHARS) -> str:
    """``text`` cut to ``limit`` characters, an ellipsis marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quote(text: str, limit: int = QUOTE_CHARS) -> str:
    """``'[1, 2, x]'``: typed text as a message quotes it, shortened so a paste is not echoed whole."""
    return repr(shorten(text, limit))


def shown(value: Any) -> str:
    """A parsed value as a message names it: its repr, shortened (a 2,000-digit int stays readable)."""
    return shorten(repr(value))


def code_span(text: str) -> str:
    """``text`` as a Markdown code span whatever backticks it holds, so nothing in it is rendered
    (a library's message, or a number the user typed, is shown as it is)."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    fence = "`" * (longest + 1)
    return f"{fence}{pad}{text}{pad}{fence}"


def plural(n: int, word: str, words: str | None = None) -> str:
    """``1 element``, ``48 elements``, ``1,000 characters``."""
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


def and_list(items: Iterable[str]) -> str:
    """``NumPy``, ``NumPy and MLX``, ``NumPy, PyTorch and MLX``."""
    items = list(items)
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def grouped(by_label: Mapping[str, str]) -> str:
    """``int64 in NumPy and PyTorch, int32 in MLX``: each value once, with the labels that gave it."""
    groups: dict[str, list[str]] = {}
    for label, value in by_label.items():
        groups.setdefault(value, []).append(label)
    return ", ".join(f"{value} in {and_list(labels)}" for value, labels in groups.items())


# --- lists of numbers ----------------------------------------------------------------------

def read_literal(text: str, what: str, example: str) -> Any:
    """The Python literal in ``text`` (``what``, e.g. "a list of numbers"), bounded before it is parsed.

    ValueError with a plain message for anything too long, too deep, or not made of what a list of
    numbers is made of; never RecursionError or MemoryError."""
    body = text.strip()
    if len(body) > MAX_CHARS:
        raise ValueError(f"{quote(body)} is {plural(len(body), 'character')} long; "
                         f"this field reads at most {MAX_CHARS:,}")
    check_tokens(body, what, example)
    try:
        return ast.literal_eval(body)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise ValueError(f"{quote(body)} is not {what}; type something like {example}") from None


def check_tokens(body: str, what: str, example: str) -> None:
    """Refuse, token by token, what could make the parser recurse: a token no list of numbers holds,
    brackets deeper than MAX_DEPTH, more than MAX_SIGNS signs in one number."""
    refused = f"{quote(body)} is not {what}; type something like {example}"
    depth = signs = 0
    try:
        for tok in tokenize.generate_tokens(io.StringIO(body).readline):
            if tok.type in _LAYOUT or (tok.type == tokenize.ERRORTOKEN and not tok.string.strip()):
                continue
            if not (tok.type in (tokenize.NUMBER, tokenize.STRING)
                    or (tok.type == tokenize.NAME and tok.string in _NAMES)
                    or (tok.type == tokenize.OP and tok.string in _SEPARATORS | _SIGNS)):
                if tok.string == body:
                    raise ValueError(refused)
                raise ValueError(f"{quote(body)} is not {what}: can't read {quote(tok.string)} in it; "
                                 f"type something like {example}")
            depth += tok.string in ("(", "[")
            depth -= tok.string in (")", "]")
            if depth > MAX_DEPTH:
                raise ValueError(f"{quote(body)} has brackets nested more than {MAX_DEPTH} deep; "
                                 f"an array has at most {MAX_DEPTH} dimensions")
            signs = signs + 1 if tok.string in _SIGNS else 0 if tok.string in _SEPARATORS else signs
            if signs > MAX_SIGNS:
                raise ValueError(f"{quote(body)} has more than {MAX_SIGNS} + or - signs in one number; "
                                 "a number takes one, e.g. -2.5")
    except (tokenize.TokenError, SyntaxError):
        raise ValueError(refused) from None


def as_lists(value: Any) -> Any:
    """Tuples read as lists, at every level: ``(1, 2)`` and ``[1, 2]`` mean the same in a field."""
    if isinstance(value, (list, tuple)):
        return [as_lists(v) for v in value]
    return value


def number(value: Any) -> int | float:
    """``value`` when it is an int or a float (a bool is not a number here); ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{shown(value)} is not a number; use ints or floats only")
    return value


def real(value: Any) -> float:
    """``value`` as a finite float; ValueError naming it when it is not a number, is inf, or is an
    int too large for a float (Python's ``float()`` would raise OverflowError)."""
    try:
        out = float(number(value))
    except OverflowError:
        raise ValueError(f"{shown(value)} is too large for a float (at most about ±1.8e308)") from None
    if not math.isfinite(out):
        raise ValueError(f"{shown(value)} is not a finite number")
    return out


# --- shapes ------------------------------------------------------------------------------

def read_shape(text: str, *, max_dims: int = MAX_DIMS, allow_infer: bool = False) -> tuple[int, ...]:
    """A shape typed by a person: whole numbers separated by commas (``1,6,4,1,7,2``, ``(6, 5)``,
    ``[5]``, ``5,``) and nothing else: ``10**12`` or ``3 4`` is refused by name rather than read as
    other sizes. With ``allow_infer`` one ``-1`` is accepted (as ``reshape`` accepts it)."""
    body = text.strip()
    if len(body) > MAX_SHAPE_CHARS:
        raise ValueError(f"{quote(body)} is {plural(len(body), 'character')} long; "
                         f"a shape here takes at most {MAX_SHAPE_CHARS}")
    if (body[:1], body[-1:]) in (("(", ")"), ("[", "]")):
        body = body[1:-1]
    tokens = [t.strip() for t in body.split(",")]
    if len(tokens) > 1 and not tokens[-1]:
        tokens.pop()  # "(5,)": a trailing comma, as Python writes a 1-D shape
    if tokens == [""]:
        raise ValueError("type at least one size, e.g. 3, 4")
    return _sizes(tokens, text, max_dims, allow_infer)


def _sizes(tokens: list[str], text: str, max_dims: int, allow_infer: bool) -> tuple[int, ...]:
    sizes = []
    for token in tokens:
        if not token:
            raise ValueError(f"{quote(text.strip())} has an empty size between two commas; type sizes like 3, 4")
        if not _SIZE.fullmatch(token):
            raise ValueError(f"{quote(token)} is not a whole number; type whole numbers separated by "
                             "commas, e.g. 1, 6, 4")
        size = int(token)
        if size < 0 and not (allow_infer and size == -1):
            hint = " (only -1, once, to let the library work that size out)" if allow_infer else ""
            raise ValueError(f"sizes can't be negative: {size}{hint}")
        sizes.append(size)
    if len(sizes) > max_dims:
        raise ValueError(f"at most {max_dims} dimensions here; {len(sizes)} were given")
    if sizes.count(-1) > 1:
        raise ValueError("only one size can be -1")
    return tuple(sizes)


def parse_values(text: str, limit: int = 64) -> list:
    """Read a flat or nested list of numbers typed by a user; ValueError with a plain message otherwise.

    The text is bounded before it is parsed (:func:`kernels.examples.inputs.read_literal`), so no
    input ends in a RecursionError; ints stay ints and floats floats, as the user wrote them."""
    value = as_lists(read_literal(text.strip() or "[]", "a Python list of numbers", "[1, 2, 3]"))
    if not isinstance(value, list) or not value:
        raise ValueError("type a non-empty list of numbers, e.g. [1, 2, 3]")
    count = 0

    def check(v):
        nonlocal count
        if isinstance(v, list):
            for item in v:
                check(item)
            return
        number(v)
        count += 1
        if count > limit:
            raise ValueError(f"keep it to {limit} numbers or fewer")

    check(value)
    return value
