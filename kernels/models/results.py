"""What a small-models row holds: the ``models`` kind of result file (``kernels.measure.results``).

A row is one training run: the model and its size, where it ran (library, device, variant), how it
went (status, message), the losses, the timing statistics of its steps under the names every
engine uses (``median_s`` is the median step), steps per second, and peak memory.
"""
from __future__ import annotations

from ..measure import columns as c

ModelsRow = c.row_class("ModelsRow", [
    c.text("model", required=True), c.text("backend", required=True), c.text("label"), c.text("version"),
    c.text("variant"), c.text("device", required=True), c.text("device_label"),
    c.count("batch", required=True, positive=True), c.count("width", required=True, positive=True),
    c.count("seq_len"), c.count("depth"), c.count("params"), c.text("optimizer"), c.number("lr"),
    c.count("steps", required=True, positive=True), c.count("warmup", doc="untimed first steps"),
    c.text("status", required=True), c.text("message", required=True),
    c.number("initial_loss", required=True), c.number("final_loss", required=True), c.numbers("losses"),
    c.rate("steps_per_s", "steps/s", required=True), *c.timing(),
    c.count("peak_memory_bytes", "B"), c.text("memory_note", doc="what the peak counts"),
    c.seconds("wall_s", doc="the whole run, warm-up included"),
], __doc__, __name__)

ROW_FIELDS = ModelsRow.columns()
