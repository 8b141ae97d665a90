"""What a benchmark row holds: the ``bench`` kind of result file (``kernels.measure.results``).

Every row has :data:`ROW_FIELDS` (the CSV's columns): what was measured (operation, size, dtype,
library, device), how it went (status, message), the timing statistics every engine keeps
(``kernels.measure.timing.Timing.fields``), the work of one call and its throughput, the check
against the float64 reference, and where it stands on the roofline (``kernels.bench.roofline``):
its arithmetic intensity, the measured ceilings of its library × device × dtype, the percentage of
each it reached, which of the two bounds it at that size, the percentage of the chip's published
peak, and ``suspect``: why the timing cannot be right (above its roof, or faster than a GPU launch),
empty when nothing is wrong. Files written before the roofline fields existed still load. The
loader checks each field's type and range from here.
"""
from __future__ import annotations

from ..measure.results import TIMING_FIELDS, TIMING_FLAGS, Kind, register

BOUNDS = ("compute", "bandwidth")

ROOFLINE_FIELDS = (
    "intensity",  # FLOP per byte moved (read + written), from the operation's counts; null without FLOPs
    "compute_ceiling",  # GFLOP/s: the best large matmul of this library × device × dtype, measured here
    "bandwidth_ceiling",  # GB/s: a large element-wise add (host → device for a transfer), measured here
    "cache_ceiling",  # GB/s: the best element-wise add at any size tried (data in the caches)
    "pct_of_compute", "pct_of_bandwidth",  # this row's GFLOP/s and GB/s as % of those ceilings
    "bound",  # which roof bounds it at this size: "compute" or "bandwidth"
    "pct_of_spec",  # % of the roof from the chip's published figures (kernels.bench.chips), where known
    "suspect",  # "" or why this timing is a measurement error (above its roof, faster than a launch)
)

ROW_FIELDS = (
    "op", "size", "shape", "dtype", "backend", "version", "device", "device_label",
    "status", "message",
    *TIMING_FIELDS,
    "flops", "bytes", "unit", "gflops", "gbps",
    "max_abs_err", "tolerance", "correct",
    *ROOFLINE_FIELDS,
)

KIND = register(Kind(
    name="bench",
    what="benchmark results",
    fields=ROW_FIELDS,
    required=("op", "size", "shape", "dtype", "backend", "device", "status", "message",
              "median_s", "iqr_s", "min_s", "max_s", "repeats", "gflops", "gbps", "max_abs_err"),
    text=("op", "shape", "dtype", "backend", "version", "device", "device_label", "status", "message", "unit",
          "bound", "suspect"),
    counts=("size", "repeats", "calls_per_repeat"),
    amounts=("flops", "bytes", "intensity"),
    positive=("size",),
    seconds=("median_s", "iqr_s", "q1_s", "q3_s", "min_s", "max_s"),
    rates=("gflops", "gbps", "compute_ceiling", "bandwidth_ceiling", "cache_ceiling",
           "pct_of_compute", "pct_of_bandwidth", "pct_of_spec"),
    numbers=("max_abs_err", "tolerance"),
    flags=("correct", *TIMING_FLAGS),
    choices={"bound": BOUNDS},
))
