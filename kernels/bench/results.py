"""The result file: what a sweep measured and the machine it ran on, saved, loaded and shared.

JSON, versioned::

    {"schema": 1, "machine": {...}, "created": "2025-01-31T12:00:00+00:00",
     "settings": {...}, "results": [{"op": "matmul", "size": 512, ...}, ...]}

The Benchmarks page's download and ``python -m kernels.bench`` both write it with
:meth:`ResultFile.to_json` (or :meth:`ResultFile.to_csv`); :func:`load_results` reads it back,
checking it first and saying in one sentence what is wrong.
"""
from __future__ import annotations

import csv
import io
import json
import math
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping

SCHEMA = 1
STATUSES = ("ok", "unsupported", "refused", "error")

# Every row has these fields, in this order (the CSV's columns).
ROW_FIELDS = (
    "op", "size", "shape", "dtype", "backend", "version", "device", "device_label",
    "status", "message",
    "median_s", "iqr_s", "min_s", "max_s", "repeats", "calls_per_repeat",
    "flops", "bytes", "unit", "gflops", "gbps",
    "max_abs_err", "tolerance", "correct",
)
REQUIRED = ("op", "size", "shape", "dtype", "backend", "device", "status", "message",
            "median_s", "iqr_s", "min_s", "max_s", "repeats", "gflops", "gbps", "max_abs_err")
NUMBERS = ("median_s", "iqr_s", "min_s", "max_s", "flops", "bytes", "gflops", "gbps",
           "max_abs_err", "tolerance")
TEXT = ("op", "shape", "dtype", "backend", "device", "status", "message")


@dataclass
class ResultFile:
    """A sweep's rows plus where and when it ran: a plain value to save, load and compare."""

    machine: dict
    results: list[dict]
    created: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    settings: dict = field(default_factory=dict)
    schema: int = SCHEMA

    def to_dict(self) -> dict:
        return {"schema": self.schema, "machine": self.machine, "created": self.created,
                "settings": self.settings, "results": [_clean(r) for r in self.results]}

    def to_json(self) -> bytes:
        """The JSON file's bytes (what the page offers for download and the command line writes)."""
        return json.dumps(self.to_dict(), indent=1, ensure_ascii=False, allow_nan=False).encode("utf-8")

    def to_csv(self) -> bytes:
        """One line per row, the columns in :data:`ROW_FIELDS` order (the machine is left out)."""
        return rows_to_csv(self.results)

    def save(self, path: str | os.PathLike, format: str = "json") -> None:
        data = self.to_csv() if format == "csv" else self.to_json()
        with open(path, "wb") as fh:
            fh.write(data)

    def frame(self):
        """The rows as a pandas DataFrame (:data:`ROW_FIELDS`, then ``speedup_vs_numpy``)."""
        import pandas as pd

        frame = pd.DataFrame([_clean(r) for r in self.results], columns=list(ROW_FIELDS))
        frame["speedup_vs_numpy"] = speedups(self.results)
        return frame


def new_result_file(rows: Iterable[Mapping], machine: Mapping, settings: Mapping | None = None) -> ResultFile:
    return ResultFile(machine=dict(machine), results=[dict(r) for r in rows], settings=dict(settings or {}))


def rows_to_csv(rows: Iterable[Mapping]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=ROW_FIELDS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in _clean(row).items()})
    return out.getvalue().encode("utf-8")


def _clean(row: Mapping) -> dict:
    """Every field present; NaN and infinity (which JSON cannot hold) become None."""
    clean = {k: row.get(k) for k in ROW_FIELDS}
    clean.update({k: v for k, v in row.items() if k not in clean})
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in clean.items()}


def speedups(rows: Iterable[Mapping], baseline: str = "numpy") -> list[float | None]:
    """For each row, how many times faster than ``baseline`` (NumPy) it ran the same operation,
    size and dtype (> 1: faster); None where either has no time (e.g. NumPy has no bfloat16)."""
    rows = list(rows)
    base = {(r["op"], r["size"], r["dtype"]): r["median_s"] for r in rows
            if r["backend"] == baseline and r["status"] == "ok" and r.get("median_s")}
    out = []
    for r in rows:
        b = base.get((r["op"], r["size"], r["dtype"]))
        out.append(b / r["median_s"] if b and r["status"] == "ok" and r.get("median_s") else None)
    return out


# --- Loading ----------------------------------------------------------------------------------

def load_results(source: str | os.PathLike | bytes | Any) -> ResultFile:
    """Read a result file from a path, its bytes, or an open/uploaded file (anything with
    ``.read()``). Raises ValueError whose message is one sentence saying what is wrong."""
    return parse_results(read_bytes(source))


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


def parse_results(data: bytes) -> ResultFile:
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
    if not text.strip():
        raise ValueError("The file is empty, not a benchmark result file.")
    if text.lstrip().startswith("op,"):
        raise ValueError("This is a CSV export, which leaves out the machine; load the JSON result file instead.")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"The file is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}).") from None
    if not isinstance(doc, dict):
        raise ValueError(f"The file holds a JSON {_kind(doc)}, not a result object with schema, machine, "
                         "created and results.")
    if "schema" not in doc:
        raise ValueError('The file has no "schema" field, so it is not a benchmark result file.')
    if doc["schema"] != SCHEMA:
        raise ValueError(f"The file uses schema {doc['schema']!r}, but this version reads schema {SCHEMA} only.")
    for key, kind in (("machine", dict), ("created", str), ("results", list)):
        if key not in doc:
            raise ValueError(f'The file has no "{key}" field.')
        if not isinstance(doc[key], kind):
            raise ValueError(f'The "{key}" field should be a JSON {_kind(kind())}, not a {_kind(doc[key])}.')
    try:
        datetime.fromisoformat(doc["created"])
    except ValueError:
        raise ValueError(f'The "created" field {doc["created"]!r} is not an ISO date and time.') from None
    settings = doc.get("settings", {})
    if not isinstance(settings, dict):
        raise ValueError(f'The "settings" field should be a JSON object, not a {_kind(settings)}.')
    for i, row in enumerate(doc["results"], 1):
        _check_row(i, row)
    return ResultFile(machine=doc["machine"], results=doc["results"], created=doc["created"],
                      settings=settings, schema=doc["schema"])


def _check_row(i: int, row: Any) -> None:
    if not isinstance(row, dict):
        raise ValueError(f"Result {i} is a JSON {_kind(row)}, not an object.")
    missing = [k for k in REQUIRED if k not in row]
    if missing:
        raise ValueError(f"Result {i} lacks the field{'s' if len(missing) > 1 else ''} "
                         f"{', '.join(missing)}.")
    for key in TEXT:
        if not isinstance(row[key], str):
            raise ValueError(f'Result {i} has {key} = {row[key]!r}, which should be text.')
    if row["status"] not in STATUSES:
        raise ValueError(f"Result {i} has status {row['status']!r}, which is not one of {', '.join(STATUSES)}.")
    if not _is_int(row["size"]) or row["size"] < 1:
        raise ValueError(f"Result {i} has size {row['size']!r}, which should be a positive whole number.")
    if not _is_int(row["repeats"]) or row["repeats"] < 0:
        raise ValueError(f"Result {i} has repeats {row['repeats']!r}, which should be a whole number.")
    for key in NUMBERS:
        value = row.get(key)
        if value is not None and not _is_number(value):
            raise ValueError(f"Result {i} has {key} = {value!r}, which should be a number or null.")
    if row["status"] == "ok" and not (_is_number(row["median_s"]) and row["median_s"] > 0):
        raise ValueError(f"Result {i} is ok but has no positive median_s.")


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _kind(value: Any) -> str:
    return {dict: "object", list: "list", str: "string", int: "number", float: "number",
            bool: "true/false", type(None): "null"}.get(type(value), type(value).__name__)
