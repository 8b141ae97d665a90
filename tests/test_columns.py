"""A kind's row declared once as a dataclass (kernels.measure.columns): the loader's checks, the CSV's
columns, the empty row and the units are all read from it."""
import dataclasses
import json

import pytest

from kernels.measure import columns as c
from kernels.measure.results import Kind, known_kinds, new_result_file, parse

Toy = c.row_class("Toy", [c.text("name", required=True), c.count("n", required=True, positive=True),
                          c.text("status", required=True), c.text("message"), c.seconds("t"),
                          c.rate("speed", "tok/s"), c.text("mode", choices=("a", "b")), c.numbers("xs"),
                          *c.timing(required=("median_s",))])
TOY = Kind.of("toy-columns", "toy rows", Toy)
SAMPLE = {"text": "x", "flag": True, "numbers": []}


def required_values(kind: Kind) -> dict:
    """A value of the right type for each field a row must have."""
    def one(name):
        meta = kind.row.meta(name)
        return meta["choices"][0] if meta["choices"] else SAMPLE.get(meta["check"], 1)

    return {k: one(k) for k in kind.required}


def test_the_kinds_checks_are_read_from_the_rows_columns():
    assert TOY.fields == Toy.columns() and TOY.fields[:3] == ("name", "n", "status")
    assert TOY.required == ("name", "n", "status", "median_s")
    assert TOY.positive == ("n",) and "t" in TOY.seconds and "median_s" in TOY.seconds
    assert TOY.rates == ("speed",) and TOY.choices == {"mode": ("a", "b")} and TOY.number_lists == ("xs",)
    assert TOY.flags == ("noisy",) and TOY.row is Toy
    assert Toy.unit("speed") == "tok/s" and Toy.unit("t") == "s"


def test_the_blank_row_has_every_column_and_refuses_a_name_that_is_not_one():
    row = Toy.blank(name="x", n=3)
    assert list(row) == list(Toy.columns()) and row["t"] is None and row["n"] == 3
    with pytest.raises(TypeError):
        Toy.blank(nmae="typo")
    assert Toy.of({**row, "extra": 1}).n == 3


def test_a_column_declared_twice_or_with_an_unknown_check_is_refused():
    with pytest.raises(ValueError, match="twice"):
        c.row_class("Twice", [c.text("a"), c.count("a")])
    with pytest.raises(ValueError, match="unknown check"):
        c.column("a", "colour")


@pytest.mark.parametrize("name", ["bench", "ceilings", "models", "inference"])
def test_every_kind_is_declared_by_a_row_class_whose_blank_row_loads(name):
    kind = known_kinds()[name]
    assert kind.row is not None and kind.fields == kind.row.columns()
    row = {**kind.row.blank(**required_values(kind)), "status": "unsupported"}
    loaded = parse(new_result_file(name, [row], {}).to_json())
    assert loaded.results[0]["status"] == "unsupported"
    text = new_result_file(name, [row], {}).to_csv().decode()
    assert text.splitlines()[0] == ",".join(kind.row.columns())


def test_a_wrong_value_is_refused_by_what_the_column_declares():
    kind = known_kinds()["inference"]
    row = {**kind.row.blank(**required_values(kind)), "status": "unsupported", "decode_tok_s": "fast"}
    data = json.dumps({"schema": 1, "kind": "inference", "machine": {}, "created": "2026-01-01T00:00:00",
                       "results": [row]}, default=str).encode()
    with pytest.raises(ValueError, match="decode_tok_s = 'fast', which should be a rate"):
        parse(data)
    assert dataclasses.fields(kind.row)[0].metadata["check"] == "text"


def test_a_column_is_named_through_its_row_so_a_typo_fails_at_once():
    assert Toy.col.speed == "speed"
    assert Toy.col.median_s == "median_s"
    with pytest.raises(AttributeError, match="Toy has no column 'sped'"):
        Toy.col.sped  # noqa: B018
