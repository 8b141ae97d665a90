"""What a benchmark row holds: the ``bench`` kind of result file (``kernels.measure.results``).

Every row has :data:`ROW_FIELDS` (the CSV's columns): what was measured (operation, size, dtype,
library, device), how it went (status, message), the timing statistics every engine keeps
(``kernels.measure.timing.Timing.fields``), the work of one call and its throughput, the check
against the float64 reference, and where it stands on the roofline (``kernels.bench.roofline``):
its arithmetic intensity, the measured ceilings of its library × device × dtype, the percentage of
each it reached, which of the two bounds it at that size, the percentage of the chip's published
peak, and ``suspect``: why the timing cannot be right (above its roof, or faster than a GPU launch),
empty when nothing is wrong. Files written before the roofline fields existed still load. The
row is one dataclass (:class:`BenchRow`): the loader's checks, the CSV's columns and each field's
unit are read from it.
"""
from __future__ import annotations

from ..measure import columns as c

BOUNDS = ("compute", "bandwidth")

BenchRow = c.row_class("BenchRow", [
    # what was measured
    c.text("op", required=True), c.count("size", required=True, positive=True, doc="the operation's n"),
    c.text("shape", required=True), c.text("dtype", required=True), c.text("backend", required=True),
    c.text("version"), c.text("device", required=True), c.text("device_label"),
    # how it went
    c.text("status", required=True), c.text("message", required=True),
    *c.timing(required=("median_s", "iqr_s", "min_s", "max_s", "repeats")),
    # the work of one call and its throughput
    c.amount("flops", "FLOP"), c.amount("bytes", "B", doc="read + written by one call"),
    c.text("unit", doc="what the operation's throughput is counted in"),
    c.rate("gflops", "GFLOP/s", required=True), c.rate("gbps", "GB/s", required=True),
    # the check against the float64 reference
    c.number("max_abs_err", required=True), c.number("tolerance"), c.flag("correct"),
    # the roofline (kernels.bench.roofline.annotate fills these in once ceilings are known)
    c.amount("intensity", "FLOP/B", doc="FLOP per byte moved; null without FLOPs"),
    c.rate("compute_ceiling", "GFLOP/s", doc="the best large matmul of this library × device × dtype, measured here"),
    c.rate("bandwidth_ceiling", "GB/s", doc="a large element-wise add (host → device for a transfer), measured here"),
    c.rate("cache_ceiling", "GB/s", doc="the best element-wise add at any size tried (data in the caches)"),
    c.rate("pct_of_compute", "%"), c.rate("pct_of_bandwidth", "%"),
    c.text("bound", choices=BOUNDS, doc="which roof bounds it at this size"),
    c.rate("pct_of_spec", "%", doc="% of the roof from the chip's published figures (kernels.bench.chips)"),
    c.text("suspect", doc="empty, or why this timing is a measurement error (above its roof, faster than a launch)"),
], __doc__, __name__)

ROW_FIELDS = BenchRow.columns()
ROOFLINE_FIELDS = ROW_FIELDS[ROW_FIELDS.index("intensity"):]
