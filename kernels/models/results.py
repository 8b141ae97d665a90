"""What a small-models row holds: the ``models`` kind of result file (``kernels.measure.results``).

A row is one training run: the model and its size, where it ran (library, device, variant), how it
went (status, message), the losses, the timing statistics of its steps under the names every
engine uses (``median_s`` is the median step), steps per second, and peak memory.
"""
from __future__ import annotations

from ..measure.results import TIMING_FIELDS, TIMING_FLAGS, Kind, register

ROW_FIELDS = (
    "model", "backend", "label", "version", "variant", "device", "device_label",
    "batch", "width", "seq_len", "depth", "params", "optimizer", "lr", "steps", "warmup",
    "status", "message", "initial_loss", "final_loss", "losses",
    "steps_per_s", *TIMING_FIELDS,
    "peak_memory_bytes", "memory_note", "wall_s",
)

KIND = register(Kind(
    name="models",
    what="small-model results",
    fields=ROW_FIELDS,
    required=("model", "backend", "device", "batch", "width", "steps", "status", "initial_loss",
              "final_loss", "steps_per_s", "message"),
    text=("model", "backend", "label", "version", "variant", "device", "device_label", "optimizer", "status",
          "message", "memory_note"),
    counts=("batch", "width", "seq_len", "depth", "params", "steps", "warmup", "repeats", "calls_per_repeat",
            "peak_memory_bytes"),
    positive=("batch", "width", "steps"),
    seconds=("median_s", "iqr_s", "q1_s", "q3_s", "min_s", "max_s", "wall_s"),
    rates=("steps_per_s",),
    numbers=("lr", "initial_loss", "final_loss"),
    flags=TIMING_FLAGS,
    number_lists=("losses",),
    # Files written before the measurement core named the step statistics like the benchmarks'.
    renamed={"step_s_median": "median_s", "step_s_iqr": "iqr_s", "timed_steps": "repeats"},
))
