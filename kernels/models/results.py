"""The small-models result file: the runs' rows and the machine they ran on.

The same envelope as the benchmark engine's (``kernels.bench.results``), with ``"kind":
"models"`` so a reader can tell the two apart::

    {"schema": 1, "kind": "models", "machine": {...}, "created": "2025-01-31T12:00:00+00:00",
     "settings": {...}, "results": [{"model": "mlp", "backend": "mlx", ...}, ...]}

``kernels.bench``'s writer fills every row with the benchmark's own columns (``op``, ``size``,
...), so model rows get this small writer of their own; the statistics come from
``kernels.bench.timing``.
"""
from __future__ import annotations

import json
import math
import os
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping

from ..bench.results import read_bytes
from .runner import ROW_FIELDS

SCHEMA = 1
KIND = "models"
STATUSES = ("ok", "unsupported", "refused", "error")
REQUIRED = ("model", "backend", "device", "batch", "width", "steps", "status", "initial_loss",
            "final_loss", "steps_per_s", "message")


def document(rows: Iterable[Mapping], machine: Mapping, settings: Mapping | None = None,
             created: str | None = None) -> dict:
    """The result file as a dict (every row with every field, NaN and infinity as null)."""
    return {
        "schema": SCHEMA,
        "kind": KIND,
        "machine": dict(machine),
        "created": created or datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "settings": dict(settings or {}),
        "results": [clean(r) for r in rows],
    }


def to_json(doc: Mapping) -> bytes:
    return json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False).encode("utf-8")


def save(doc: Mapping, path: str | os.PathLike) -> None:
    with open(path, "wb") as fh:
        fh.write(to_json(doc))


def load(source: str | os.PathLike | bytes | Any) -> dict:
    """Read a result file (a path, its bytes, or an open/uploaded file); ``ValueError`` in one
    sentence if it is not one."""
    data = read_bytes(source)
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"The file is not valid JSON ({exc}).") from None
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        raise ValueError(f"The file is not a schema-{SCHEMA} result file.")
    if doc.get("kind") != KIND:
        raise ValueError(f"The file holds {doc.get('kind') or 'benchmark'} results, not small-model results.")
    for key, kind in (("machine", dict), ("created", str), ("results", list)):
        if not isinstance(doc.get(key), kind):
            raise ValueError(f'The file has no valid "{key}" field.')
    for i, row in enumerate(doc["results"], 1):
        missing = [k for k in REQUIRED if not isinstance(row, dict) or k not in row]
        if missing:
            raise ValueError(f"Result {i} lacks {', '.join(missing)}.")
        if row["status"] not in STATUSES:
            raise ValueError(f"Result {i} has status {row['status']!r}, not one of {', '.join(STATUSES)}.")
    return doc


def clean(row: Mapping) -> dict:
    """Every field of :data:`ROW_FIELDS` present, in order; NaN and infinity become None."""
    out = {k: row.get(k) for k in ROW_FIELDS}
    out.update({k: v for k, v in row.items() if k not in out})
    return {k: _finite(v) for k, v in out.items()}


def _finite(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, list):
        return [_finite(x) for x in v]
    return v
