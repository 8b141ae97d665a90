"""What a ceilings row holds: the ``ceilings`` kind of result file (``kernels.measure.results``).

One row per library × device × dtype × ceiling (:data:`CEILINGS`), measured by
``kernels.bench.ceilings`` with the benchmark's own operations and timing: the value and its unit,
the measurement that gave it (operation, size, the timing statistics, the check against the
float64 reference) and ``sweep``, every size tried on the way and what it reached. Light on
purpose (no libraries imported): the loader imports it to read any file.
"""
from __future__ import annotations

from ..measure.results import TIMING_FIELDS, TIMING_FLAGS, Kind, register

# compute: the best GFLOP/s of a matmul swept up to a large size; bandwidth: GB/s (bytes read +
# written) of an element-wise add too large for the caches; cache_bandwidth: the best add at any size
# tried; host_to_device: the best copy from the host to a device that is not the host.
CEILINGS = ("compute", "bandwidth", "cache_bandwidth", "host_to_device")
UNITS = ("GFLOP/s", "GB/s")

CEILING_FIELDS = (
    "backend", "version", "device", "device_label", "dtype", "ceiling",
    "status", "message",
    "value", "unit",
    "op", "size", "shape",
    *TIMING_FIELDS,
    "flops", "bytes", "max_abs_err", "tolerance", "correct",
    "sweep",
)

KIND = register(Kind(
    name="ceilings",
    what="ceiling rows",
    fields=CEILING_FIELDS,
    required=("backend", "device", "dtype", "ceiling", "status", "message", "value", "unit", "median_s"),
    text=("backend", "version", "device", "device_label", "dtype", "ceiling", "status", "message", "unit", "op",
          "shape", "sweep"),
    counts=("size", "repeats", "calls_per_repeat"),
    amounts=("flops", "bytes"),
    seconds=("median_s", "iqr_s", "q1_s", "q3_s", "min_s", "max_s"),
    rates=("value",),
    numbers=("max_abs_err", "tolerance"),
    flags=("correct", *TIMING_FLAGS),
    choices={"ceiling": CEILINGS, "unit": UNITS},
))
