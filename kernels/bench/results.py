"""What a benchmark row holds: the ``bench`` kind of result file (``kernels.measure.results``).

Every row has :data:`ROW_FIELDS` (the CSV's columns): what was measured (operation, size, dtype,
library, device), how it went (status, message), the timing statistics every engine keeps
(``kernels.measure.timing.Timing.fields``), the work of one call and its throughput, and the
check against the float64 reference. The loader checks each field's type and range from here.
"""
from __future__ import annotations

from ..measure.results import TIMING_FIELDS, Kind, register

ROW_FIELDS = (
    "op", "size", "shape", "dtype", "backend", "version", "device", "device_label",
    "status", "message",
    *TIMING_FIELDS,
    "flops", "bytes", "unit", "gflops", "gbps",
    "max_abs_err", "tolerance", "correct",
)

KIND = register(Kind(
    name="bench",
    what="benchmark results",
    fields=ROW_FIELDS,
    required=("op", "size", "shape", "dtype", "backend", "device", "status", "message",
              "median_s", "iqr_s", "min_s", "max_s", "repeats", "gflops", "gbps", "max_abs_err"),
    text=("op", "shape", "dtype", "backend", "version", "device", "device_label", "status", "message", "unit"),
    counts=("size", "repeats", "calls_per_repeat"),
    amounts=("flops", "bytes"),
    positive=("size",),
    seconds=("median_s", "iqr_s", "q1_s", "q3_s", "min_s", "max_s"),
    rates=("gflops", "gbps"),
    numbers=("max_abs_err", "tolerance"),
    flags=("correct",),
))
