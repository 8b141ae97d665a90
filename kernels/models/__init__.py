"""Small models trained in NumPy, PyTorch and MLX from the same weights, and timed.

Pieces: the shared settings, weights and batches (``config``); one module per library with the
same names (``numpy_models``, ``torch_models``, ``mlx_models``: the model classes, ``loss_fn``,
``make_optimizer``, the training step, ``SHOWN``, ``Trainer``, peak memory); training and timing
(``runner``: :func:`plan`, :func:`run`); reading the rows (``report``: :func:`verdict`); the
rows' kind of result file (``results``). The measurement core they share with every Measure page is
``kernels.measure``. No Streamlit here; the command line is ``python -m kernels.models``.

Typical use from a page::

    tasks = models.plan([models.RunSpec(model="mlp", batch=32, width=128, steps=20)], backends)
    rows = [step.row for step in models.run(tasks, backends)]   # step.fraction for a progress bar
    paragraphs = models.verdict(rows)

The library modules import their library at the top: import one (``library_module(name)``)
only when ``discover()`` found that library.
"""
from ..measure.rows import Progress, row_label
from .config import (
    LIMITS,
    MODEL_TITLES,
    MODELS,
    OPTIMIZER_TITLES,
    OPTIMIZERS,
    RunSpec,
    estimate_bytes,
    init_weights,
    make_batches,
    param_count,
    sweep,
    validate,
)
from .kind import KIND
from .report import comparison, loss_table, speed_table, verdict
from .results import ROW_FIELDS
from .runner import (
    Task,
    library_module,
    memory_refusal,
    plan,
    progress_text,
    run,
    size_text,
    train,
    train_and_time,
    unsupported_reason,
)

__all__ = [
    "RunSpec", "MODELS", "MODEL_TITLES", "OPTIMIZERS", "OPTIMIZER_TITLES", "LIMITS",
    "validate", "init_weights", "make_batches", "param_count", "estimate_bytes", "sweep",
    "Task", "Progress", "KIND", "ROW_FIELDS", "plan", "run", "train", "train_and_time", "library_module",
    "progress_text",
    "unsupported_reason", "memory_refusal",
    "row_label", "size_text", "verdict", "comparison", "speed_table", "loss_table",
]
