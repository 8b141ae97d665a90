"""The result file: what a run measured, the machine it ran on and the settings, saved, loaded and
shared. One envelope for every kind of measurement::

    {"schema": 1, "kind": "bench", "machine": {...}, "created": "2026-01-31T12:00:00+00:00",
     "settings": {...}, "results": [{...}, ...]}

``kind`` says what the rows are (``bench``, ``models``...: every kind of measurement registered in
``kernels.measure.kinds``); each kind's rows are described as data (:class:`Kind`, read from the
kind's row dataclass): their fields, and each field's type and range. :func:`load`
reads any kind, checks every field of the envelope, the machine and each row, and says in one
sentence what is wrong: a file from elsewhere is untrusted input. Files written before ``kind``
existed are benchmark files and still load; small-model files that named their timing fields
``step_s_median`` and so on are read under today's names.
"""
from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .columns import Row
from .rows import STATUSES, noise

SCHEMA = 1
MAX_FILE_BYTES = 20 * 2**20  # a sweep of every op, size, dtype and device is a few MB
MAX_TEXT = 2000  # characters in one text field
MAX_SECONDS = 1e6  # eleven days: no single timing in a sane file is longer
MAX_COUNT = 2**53  # sizes, repeats, FLOPs, bytes: whole numbers a float still holds exactly
MAX_RATE = 1e9  # GFLOP/s or GB/s or steps/s: an exaflop is not measured on a laptop
MAX_AMOUNT = 1e30  # FLOPs or bytes of one call: a refused row records the size asked for, however large

TIMING_FIELDS = ("median_s", "iqr_s", "q1_s", "q3_s", "min_s", "max_s", "repeats", "calls_per_repeat", "noisy")
TIMING_FLAGS = ("noisy",)  # of the timing fields, the true/false ones (every kind lists them in its flags)


@dataclass(frozen=True)
class Kind:
    """What the rows of one kind of result file hold, as data: the loader checks each row against it."""

    name: str  # "bench"
    what: str  # "benchmark results": how a sentence names this kind's rows
    fields: tuple[str, ...]  # every field, in order (the CSV's columns)
    required: tuple[str, ...]
    text: tuple[str, ...] = ()  # strings
    counts: tuple[str, ...] = ()  # whole numbers from 0 to MAX_COUNT (or null)
    positive: tuple[str, ...] = ()  # of the counts, those that must be at least 1 (a size)
    seconds: tuple[str, ...] = ()  # durations: numbers from 0 to MAX_SECONDS (or null)
    rates: tuple[str, ...] = ()  # throughputs: numbers from 0 to MAX_RATE (or null)
    amounts: tuple[str, ...] = ()  # work of one call: numbers from 0 to MAX_AMOUNT (or null)
    numbers: tuple[str, ...] = ()  # any finite number (or null)
    flags: tuple[str, ...] = ()  # true / false (or null)
    number_lists: tuple[str, ...] = ()  # lists of numbers (nulls allowed: a loss that became NaN)
    choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # a text field -> its only values (or null)
    renamed: Mapping[str, str] = field(default_factory=dict)  # a field's old name -> today's
    timed: str = "median_s"  # an ok row must have this positive
    row: type[Row] | None = None  # the row's dataclass, when the kind is declared by one (Kind.of)

    @classmethod
    def of(cls, name: str, what: str, row: type[Row], *, renamed: Mapping[str, str] | None = None,
           timed: str = "median_s") -> Kind:
        """The checks read from a row dataclass's columns (``kernels.measure.columns``)."""
        meta = {f.name: f.metadata for f in dataclasses.fields(row)}
        names = tuple(meta)
        return cls(name=name, what=what, fields=names,
                   required=tuple(k for k in names if meta[k]["required"]),
                   text=row.with_check("text"), counts=row.with_check("count"),
                   positive=tuple(k for k in names if meta[k]["positive"]),
                   seconds=row.with_check("seconds"), rates=row.with_check("rate"),
                   amounts=row.with_check("amount"), numbers=row.with_check("number"),
                   flags=row.with_check("flag"), number_lists=row.with_check("numbers"),
                   choices={k: meta[k]["choices"] for k in names if meta[k]["choices"]},
                   renamed=dict(renamed or {}), timed=timed, row=row)


def known_kinds() -> dict[str, Kind]:
    """Every kind of result file this version reads: each registered kind of measurement's rows
    (``kernels.measure.kinds``)."""
    from .kinds import registered
    return {name: kind.rows for name, kind in registered().items()}


@dataclass
class ResultFile:
    """A run's rows plus what they are, where and when they ran: a plain value to save, load and compare."""

    kind: str
    machine: dict
    results: list[dict]
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    settings: dict = field(default_factory=dict)
    schema: int = SCHEMA

    def to_dict(self) -> dict:
        fields = known_kinds()[self.kind].fields
        return {"schema": self.schema, "kind": self.kind, "machine": self.machine, "created": self.created,
                "settings": self.settings, "results": [clean(r, fields) for r in self.results]}

    def to_json(self) -> bytes:
        """The JSON file's bytes (what a page offers for download and a command line writes)."""
        return json.dumps(self.to_dict(), indent=1, ensure_ascii=False, allow_nan=False).encode("utf-8")

    def to_csv(self) -> bytes:
        """One line per row, the kind's fields as columns (the machine is left out)."""
        fields = known_kinds()[self.kind].fields
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for row in self.results:
            writer.writerow({k: ("" if v is None else v) for k, v in clean(row, fields).items()})
        return out.getvalue().encode("utf-8")


def new_result_file(kind: str, rows: Iterable[Mapping], machine: Mapping, settings: Mapping | None = None,
                    created: str | None = None) -> ResultFile:
    if kind not in known_kinds():
        raise ValueError(f"unknown kind {kind!r}; known: {', '.join(known_kinds())}")
    result = ResultFile(kind, dict(machine), [dict(r) for r in rows], settings=dict(settings or {}))
    if created:
        result.created = created
    return result


def clean(row: Mapping, fields: Iterable[str]) -> dict:
    """Every field present, in order, then any extra; NaN and infinity (which JSON cannot hold) as None."""
    out = {k: row.get(k) for k in fields}
    out.update({k: v for k, v in row.items() if k not in out})

    def finite(v):
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if isinstance(v, list):
            return [finite(x) for x in v]
        return v

    return {k: finite(v) for k, v in out.items()}


# --- Loading ----------------------------------------------------------------------------------

def read_bytes(source: str | os.PathLike | bytes | Any) -> bytes:
    """The bytes of a file given as a path, as its bytes, or open/uploaded (anything with
    ``.read()``). A path that cannot be read is a ValueError in one sentence."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source)
    if hasattr(source, "read"):
        data = source.read()
        return data.encode("utf-8") if isinstance(data, str) else data
    try:
        with open(source, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise ValueError(f"Cannot read {os.fspath(source)!r}: {exc.strerror or exc}.") from None


def load(source: str | os.PathLike | bytes | Any) -> ResultFile:
    """Read a result file of any kind from a path, its bytes, or an open/uploaded file. Raises
    ValueError whose message is one sentence saying what is wrong."""
    return parse(read_bytes(source))


def parse(data: bytes) -> ResultFile:
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"The file is {len(data) / 2**20:.0f} MB, larger than a result file can be "
                         f"({MAX_FILE_BYTES // 2**20} MB).")
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
    if not text.strip():
        raise ValueError("The file is empty, not a result file.")
    if text.lstrip().startswith("op,"):
        raise ValueError("This is a CSV export, which leaves out the machine; load the JSON result file instead.")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"The file is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}).") from None
    except RecursionError:
        raise ValueError("The file's JSON is nested too deeply to be a result file.") from None
    if not isinstance(doc, dict):
        raise ValueError(f"The file holds a JSON {type_word(doc)}, not a result object with schema, kind, "
                         "machine, created and results.")
    if "schema" not in doc:
        raise ValueError('The file has no "schema" field, so it is not a result file of this app.')
    if doc["schema"] != SCHEMA:
        raise ValueError(f"The file uses schema {short(doc['schema'])}, but this version reads schema {SCHEMA} only; "
                         "run the measurement again with this version to get a file it reads.")
    kind_name = doc.get("kind", "bench")  # files from before "kind" existed hold benchmark rows
    kinds = known_kinds()
    if not isinstance(kind_name, str) or kind_name not in kinds:
        raise ValueError(f"The file's kind {short(kind_name)} is not one this version reads "
                         f"({', '.join(kinds)}).")
    kind = kinds[kind_name]
    for key, want in (("machine", dict), ("created", str), ("results", list)):
        if key not in doc:
            raise ValueError(f'The file has no "{key}" field.')
        if not isinstance(doc[key], want):
            raise ValueError(f'The "{key}" field should be a JSON {type_word(want())}, not a {type_word(doc[key])}.')
    try:
        datetime.fromisoformat(doc["created"])
    except ValueError:
        raise ValueError(f'The "created" field {short(doc["created"])} is not an ISO date and time.') from None
    settings = doc.get("settings", {})
    if not isinstance(settings, dict):
        raise ValueError(f'The "settings" field should be a JSON object, not a {type_word(settings)}.')
    check_machine(doc["machine"])
    rows = [check_row(i, row, kind) for i, row in enumerate(doc["results"], 1)]
    return ResultFile(kind_name, doc["machine"], rows, doc["created"], settings, doc["schema"])


MACHINE_TEXT = ("os", "platform", "arch", "cpu", "python")


def check_machine(machine: Mapping) -> None:
    """The machine block's fields that pages read, each of its type and range."""
    for key in MACHINE_TEXT:
        value = machine.get(key)
        if value is not None and not isinstance(value, str):
            raise ValueError(f'The machine\'s "{key}" is {short(value)}, which should be text.')
    for key, low, high in (("cores", 1, 1 << 16), ("memory_bytes", 0, 1 << 56)):
        value = machine.get(key)
        if value is not None and not (is_int(value) and low <= value <= high):
            raise ValueError(f'The machine\'s "{key}" is {short(value)}, which should be a whole number '
                             f"from {low} to {high}.")
    libraries = machine.get("libraries", {})
    if not isinstance(libraries, dict) or not all(
            isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in libraries.items()):
        raise ValueError('The machine\'s "libraries" should map each library to its version (text) or null.')
    devices = machine.get("devices", {})
    if not isinstance(devices, dict) or not all(
            isinstance(k, str) and isinstance(v, list) and all(isinstance(d, str) for d in v)
            for k, v in devices.items()):
        raise ValueError('The machine\'s "devices" should map each library to a list of device names.')
    precision = machine.get("precision", {})
    if not isinstance(precision, dict) or not all(isinstance(v, dict) for v in precision.values()):
        raise ValueError('The machine\'s "precision" should map each library to an object of settings.')


def check_row(i: int, row: Any, kind: Kind) -> dict:
    """Row ``i`` (from 1) checked field by field against ``kind``; returned under today's field names."""
    if not isinstance(row, dict):
        raise ValueError(f"Result {i} is a JSON {type_word(row)}, not an object.")
    row = {kind.renamed.get(k, k): v for k, v in row.items()}
    missing = [k for k in kind.required if k not in row]
    if missing:
        raise ValueError(f"Result {i} lacks the field{'s' if len(missing) > 1 else ''} {', '.join(missing)}, "
                         f"which {kind.what} have.")

    def bad(key: str, should: str) -> ValueError:
        return ValueError(f"Result {i} has {key} = {short(row.get(key))}, which should be {should}.")

    for key in kind.text:
        if key in row and not isinstance(row[key], str) and (row[key] is not None or key in kind.required):
            raise bad(key, "text")
        if isinstance(row.get(key), str) and len(row[key]) > MAX_TEXT:
            raise bad(key, f"text of at most {MAX_TEXT} characters")
    for keys, low, high, what in ((kind.counts, 0, MAX_COUNT, "a whole number"),
                                  (kind.seconds, 0.0, MAX_SECONDS, "a number of seconds"),
                                  (kind.rates, 0.0, MAX_RATE, "a rate"),
                                  (kind.amounts, 0.0, MAX_AMOUNT, "an amount"),
                                  (kind.numbers, -math.inf, math.inf, "a finite number")):
        for key in keys:
            value = row.get(key)
            if value is None:
                continue
            ok = is_int(value) if keys is kind.counts else is_number(value)
            if not ok or not low <= value <= high:
                bounds = "" if math.isinf(high) else f" from {low:g} to {high:g}"
                raise bad(key, f"{what}{bounds} or null")
    for key in kind.positive:
        if not (is_int(row.get(key)) and row[key] >= 1):
            raise bad(key, "a positive whole number")
    for key in kind.flags:
        if row.get(key) is not None and not isinstance(row[key], bool):
            raise bad(key, "true, false or null")
    for key, allowed in kind.choices.items():
        if row.get(key) is not None and row[key] not in allowed:
            raise bad(key, f"one of {', '.join(allowed)} or null")
    for key in kind.number_lists:
        value = row.get(key)
        if value is not None and not (isinstance(value, list) and len(value) <= 1_000_000
                                      and all(v is None or is_number(v) for v in value)):
            raise bad(key, "a list of numbers")
    if row.get("status") not in STATUSES:
        raise bad("status", f"one of {', '.join(STATUSES)}")
    if row["status"] == "ok":
        timed = row.get(kind.timed)
        if not (is_number(timed) and timed > 0):
            raise ValueError(f"Result {i} is ok but has no positive {kind.timed}.")
        low, high = row.get("min_s"), row.get("max_s")
        if is_number(low) and is_number(high) and not low <= timed <= high:
            raise ValueError(f"Result {i} has a median outside its min and max ({short(low)} to {short(high)}).")
        iqr = row.get("iqr_s")
        if is_number(low) and is_number(high) and is_number(iqr) and iqr > (high - low) * (1 + 1e-9) + 1e-12:
            raise ValueError(f"Result {i} has an IQR of {short(iqr)}, wider than its min-to-max range.")
        # worked out from the row's own spread and samples (files from before it say nothing)
        if "noisy" in kind.fields:
            row["noisy"] = noise(row) is not None
    return row


def is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def short(value: Any, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters: a sentence quotes a file's value, never all of it."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def type_word(value: Any) -> str:
    return {dict: "object", list: "list", str: "string", int: "number", float: "number",
            bool: "true/false", type(None): "null"}.get(type(value), type(value).__name__)
