"""What a ceilings row holds: the ``ceilings`` kind of result file (``kernels.measure.results``).

One row per library × device × dtype × ceiling (:data:`CEILINGS`), measured by
``kernels.bench.ceilings`` with the benchmark's own operations and timing: the value and its unit,
the measurement that gave it (operation, size, the timing statistics, the check against the
float64 reference) and ``sweep``, every size tried on the way and what it reached. Light on
purpose (no libraries imported): the loader imports it to read any file.
"""
from __future__ import annotations

from ..measure import columns as c

# compute: the best GFLOP/s of a matmul swept up to a large size; bandwidth: GB/s (bytes read +
# written) of an element-wise add too large for the caches; cache_bandwidth: the best add at any size
# tried; host_to_device: the best copy from the host to a device that is not the host.
CEILINGS = ("compute", "bandwidth", "cache_bandwidth", "host_to_device")
UNITS = ("GFLOP/s", "GB/s")

# The measurement that gave a ceiling (kernels.bench.ceilings keeps the chosen sweep point's).
POINT = [c.text("op"), c.count("size"), c.text("shape"), *c.timing(required=("median_s",)),
         c.amount("flops", "FLOP"), c.amount("bytes", "B"), c.number("max_abs_err"), c.number("tolerance"),
         c.flag("correct")]

CeilingRow = c.row_class("CeilingRow", [
    c.text("backend", required=True), c.text("version"), c.text("device", required=True), c.text("device_label"),
    c.text("dtype", required=True), c.text("ceiling", required=True, choices=CEILINGS),
    c.text("status", required=True), c.text("message", required=True),
    c.rate("value", "GFLOP/s or GB/s", required=True), c.text("unit", required=True, choices=UNITS),
    *POINT,
    c.text("sweep", doc="every size tried on the way and what it reached"),
], __doc__, __name__)

POINT_FIELDS = tuple(name for name, *_ in POINT)
