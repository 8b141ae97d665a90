"""A kind's result row, declared once: a dataclass whose fields carry their check and their unit.

Each kind of measurement describes its row as a list of columns (:func:`text`, :func:`count`,
:func:`seconds`, ...) made into a class by :func:`row_class`. Everything else is read from it:

- the CSV's columns and the JSON file's field order (:meth:`Row.columns`);
- the row a runner starts from, every field present (:meth:`Row.blank`);
- what the result-file loader accepts in each field (``kernels.measure.results.Kind.of``);
- each number's unit, for tables and charts (:meth:`Row.unit`).

Rows travel as plain dicts (from the measuring process, in the JSON file); :meth:`Row.of` gives a
typed view of one. No Streamlit here.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

# What the loader accepts in a field, by its check (kernels.measure.results.check_row):
CHECKS = {
    "text": "a string (or null)",
    "count": "a whole number from 0 to 2**53 (or null)",
    "seconds": "a duration in seconds (or null)",
    "rate": "a throughput (or null)",
    "amount": "the work of one call: FLOPs or bytes (or null)",
    "number": "any finite number (or null)",
    "flag": "true or false (or null)",
    "numbers": "a list of numbers (nulls allowed)",
}
TYPES = {"text": str, "count": int, "flag": bool, "numbers": list}


def column(name: str, check: str, unit: str = "", *, required: bool = False, positive: bool = False,
           choices: Sequence[str] = (), doc: str = "") -> tuple[str, Any, dataclasses.Field]:
    """One field of a row: its name, its check (:data:`CHECKS`), its unit (``"s"``, ``"B"``,
    ``"tok/s"``...); ``required``: a file's row must have it; ``positive``: a count of at least 1;
    ``choices``: a text field's only values."""
    if check not in CHECKS:
        raise ValueError(f"unknown check {check!r}; one of {', '.join(CHECKS)}")
    meta = {"check": check, "unit": unit, "required": required, "positive": positive, "choices": tuple(choices),
            "doc": doc}
    return name, TYPES.get(check, float) | None, dataclasses.field(default=None, metadata=meta)


def text(name: str, **kw) -> tuple:
    return column(name, "text", **kw)


def count(name: str, unit: str = "", **kw) -> tuple:
    return column(name, "count", unit, **kw)


def seconds(name: str, **kw) -> tuple:
    return column(name, "seconds", "s", **kw)


def rate(name: str, unit: str, **kw) -> tuple:
    return column(name, "rate", unit, **kw)


def amount(name: str, unit: str, **kw) -> tuple:
    return column(name, "amount", unit, **kw)


def number(name: str, unit: str = "", **kw) -> tuple:
    return column(name, "number", unit, **kw)


def flag(name: str, **kw) -> tuple:
    return column(name, "flag", **kw)


def numbers(name: str, unit: str = "", **kw) -> tuple:
    return column(name, "numbers", unit, **kw)


def timing(required: Sequence[str] = ()) -> tuple[tuple, ...]:
    """The timing statistics every kind keeps under the same names
    (``kernels.measure.timing.Timing.fields``); ``required``: those a file's row must have."""
    def need(name: str) -> dict:
        return {"required": name in required}

    return (seconds("median_s", **need("median_s"), doc="median of the timed repeats"),
            seconds("iqr_s", **need("iqr_s"), doc="interquartile range of the repeats"),
            seconds("q1_s", **need("q1_s")), seconds("q3_s", **need("q3_s")),
            seconds("min_s", **need("min_s")), seconds("max_s", **need("max_s")),
            count("repeats", **need("repeats")), count("calls_per_repeat", **need("calls_per_repeat")),
            flag("noisy", doc="too unsteady for a verdict"))


class ColumnNames:
    """A row class's column names as attributes (``ModelsRow.col.steps_per_s == "steps_per_s"``): a
    chart or table names a column through its row's declaration, so a renamed or mistyped column is
    an AttributeError at import, never a chart that silently draws nothing."""

    def __init__(self, row: type):
        self._row, self._names = row.__name__, frozenset(f.name for f in dataclasses.fields(row))

    def __getattr__(self, name: str) -> str:
        if name in self._names:
            return name
        raise AttributeError(f"{self._row} has no column {name!r}")


class Row:
    """What every kind's row class (:func:`row_class`) can do."""

    kind_name: ClassVar[str] = ""
    col: ClassVar[ColumnNames]  # the column names as attributes

    @classmethod
    def columns(cls) -> tuple[str, ...]:
        """Every field, in order: the CSV's columns."""
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def meta(cls, name: str) -> Mapping[str, Any]:
        return next(f.metadata for f in dataclasses.fields(cls) if f.name == name)

    @classmethod
    def unit(cls, name: str) -> str:
        return cls.meta(name)["unit"]

    @classmethod
    def with_check(cls, check: str) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls) if f.metadata["check"] == check)

    @classmethod
    def blank(cls, **values: Any) -> dict:
        """A row with every field present (``None`` unless given): what a runner fills in. A name
        that is not a field is a TypeError, so a typo cannot add a column."""
        return dataclasses.asdict(cls(**values))

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> Row:
        """A typed view of a row kept as a dict (fields it lacks are ``None``; extra keys are left out)."""
        names = cls.columns()
        return cls(**{k: v for k, v in data.items() if k in names})

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def row_class(name: str, columns: Sequence[tuple], doc: str = "", module: str | None = None) -> type[Row]:
    """A row dataclass from its columns (keyword-only, every field ``None`` by default)."""
    names = [c[0] for c in columns]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"{name} declares {', '.join(repeated)} twice")
    cls = dataclasses.make_dataclass(name, list(columns), bases=(Row,), kw_only=True)
    cls.__doc__ = doc or cls.__doc__
    if module:
        cls.__module__ = module
    cls.col = ColumnNames(cls)
    return cls
