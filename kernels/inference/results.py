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

from ..measure.results import TIMING_FIELDS, TIMING_FLAGS, Kind, register

ROW_FIELDS = (
    "backend", "label", "version", "device", "device_label", "variant", "dtype",
    "preset", "width", "layers", "heads", "vocab", "context", "params", "prompt_len", "new_tokens",
    "status", "message",
    "ttft_s", "prefill_tok_s", "decode_tok_s", *TIMING_FIELDS, "step_s", "warmup_s", "compile_s",
    "weights_bytes", "kv_cache_bytes", "bytes_per_token", "gbps", "peak_bytes", "memory_note",
    "tokens", "reference_tokens", "tokens_match", "first_mismatch", "logits_err", "logits_tol", "wall_s",
)

KIND = register(Kind(
    name="inference",
    what="inference results",
    fields=ROW_FIELDS,
    required=("backend", "device", "variant", "dtype", "params", "prompt_len", "new_tokens", "ttft_s",
              "prefill_tok_s", "decode_tok_s", "peak_bytes", "gbps", "tokens", "tokens_match", "status", "message"),
    text=("backend", "label", "version", "device", "device_label", "variant", "dtype", "preset", "status", "message",
          "memory_note"),
    counts=("width", "layers", "heads", "vocab", "context", "params", "prompt_len", "new_tokens", "repeats",
            "calls_per_repeat", "weights_bytes", "kv_cache_bytes", "peak_bytes", "first_mismatch"),
    positive=("params", "prompt_len", "new_tokens"),
    seconds=("ttft_s", "median_s", "iqr_s", "q1_s", "q3_s", "min_s", "max_s", "warmup_s", "compile_s", "wall_s"),
    rates=("prefill_tok_s", "decode_tok_s", "gbps"),
    amounts=("bytes_per_token",),
    numbers=("logits_err", "logits_tol"),
    flags=("tokens_match", *TIMING_FLAGS),
    number_lists=("step_s", "tokens", "reference_tokens"),
))
