"""Local inference: the same small decoder in PyTorch and MLX, from the same weights, generating the
same tokens, timed: time to first token, prompt and generation tokens per second, memory, bandwidth.

Pieces: the sizes, weights, prompt and byte counts (``config``); one module per library with the
same names (``torch_model``, ``mlx_model``, and ``numpy_model``, the float64 reference: ``KVCache``,
``Attention``, ``Block``, ``Decoder``, ``generate``, ``SHOWN``; the timed ones add ``Generator``,
``VARIANTS``, ``memory``); generating and timing (``runner``: :func:`plan`, :func:`run`); reading the
rows (``report``: :func:`verdict`); the estimate before a run (``estimate``); the rows' kind of result
file (``results``). The measurement core they share with every Measure page is ``kernels.measure``.
No Streamlit here; the command line is ``python -m kernels.inference``.

Typical use from a page::

    spec = inference.config.Spec.from_preset("tiny", prompt_len=32, new_tokens=32)
    tasks = inference.plan([spec], backends, variants=("eager", "compiled"), dtypes=("float32",))
    rows = [step.row for step in inference.run(tasks, backends, on_tokens=print)]
    paragraphs = inference.verdict(rows, machine)

The library modules import their library at the top: import one (``library_module(name)``) only
when ``discover()`` found that library.
"""
from ..measure.rows import Progress
from . import config
from .kind import KIND
from .report import verdict
from .results import ROW_FIELDS
from .runner import (
    COMPILE_BUDGET_S,
    LOGITS_TOLERANCE,
    NAMES,
    Task,
    library_module,
    memory_refusal,
    plan,
    progress_text,
    run,
    run_label,
    size_text,
    unsupported_reason,
)

__all__ = ["config", "Progress", "verdict", "KIND", "ROW_FIELDS", "COMPILE_BUDGET_S", "LOGITS_TOLERANCE", "NAMES",
           "Task", "library_module", "memory_refusal", "plan", "progress_text", "run", "run_label", "size_text",
           "unsupported_reason"]
