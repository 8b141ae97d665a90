"""What a local-inference row holds: the ``inference`` kind of result file (``kernels.measure.results``).

A row is one generation: the model's size, where it ran (library, device, variant, dtype), how it
went (status, message), time to first token, prompt and generation tokens per second, the decode
step's timing statistics under the names every engine uses (``median_s`` is the median decode step),
each decode step's seconds (``step_s``, for the chart across context length), the untimed warm-up's
and, for torch.compile, the separate first compile's seconds (``warmup_s``, ``compile_s``), the bytes of the
weights and the KV cache, the bandwidth achieved, peak memory with what it counts, and the tokens it
generated beside the float64 NumPy reference's.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields

from ..measure import columns as c

InferenceRow = c.row_class("InferenceRow", [
    c.text("backend", required=True), c.text("label"), c.text("version"), c.text("device", required=True),
    c.text("device_label"), c.text("variant", required=True), c.text("dtype", required=True),
    c.text("preset"), c.count("width"), c.count("layers"), c.count("heads"), c.count("vocab"), c.count("context"),
    c.count("params", required=True, positive=True), c.count("prompt_len", "tokens", required=True, positive=True),
    c.count("new_tokens", "tokens", required=True, positive=True),
    c.text("status", required=True), c.text("message", required=True),
    c.seconds("ttft_s", required=True, doc="time to first token: the prompt's forward pass and one token"),
    c.rate("prefill_tok_s", "tok/s", required=True), c.rate("decode_tok_s", "tok/s", required=True),
    *c.timing(),
    c.numbers("step_s", "s", doc="each decode step, for the chart across context length"),
    c.seconds("warmup_s"), c.seconds("compile_s", doc="torch.compile's first compile, apart from the warm-up"),
    c.count("weights_bytes", "B"), c.count("kv_cache_bytes", "B"), c.amount("bytes_per_token", "B"),
    c.rate("gbps", "GB/s", required=True), c.count("peak_bytes", "B", required=True),
    c.text("memory_note", doc="what the peak counts"),
    c.numbers("tokens", required=True), c.numbers("reference_tokens"), c.flag("tokens_match", required=True),
    c.count("first_mismatch"), c.number("logits_err"), c.number("logits_tol"), c.seconds("wall_s"),
], __doc__, __name__)

ROW_FIELDS = InferenceRow.columns()


@dataclass(frozen=True)
class TokensSoFar:
    """What the engine reports from inside the generation in progress (``on_tokens``), for a page
    to show before the row is done: the reference's tokens (while it is computed), then the row's."""

    reference: list = field(default_factory=list)  # the float64 reference's tokens so far
    computing_reference: bool = False
    backend: str = ""  # the row in progress: its library, device, variant, dtype, and in words
    device: str = ""
    variant: str = ""
    dtype: str = ""
    run: str = ""
    tokens: list = field(default_factory=list)
    done: bool = False

    @classmethod
    def of(cls, values: Mapping) -> TokensSoFar:
        """From the plain values the measuring process sends (keys it does not know are left out)."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names})
