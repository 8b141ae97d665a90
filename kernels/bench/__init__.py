"""The benchmark engine: NumPy, PyTorch and MLX timed honestly on every device found.

Pieces, kept apart as in ``torch.utils.benchmark``: operations (``ops/``, one small module
each), measuring (:func:`measure`), running a sweep (:func:`plan`, :func:`run`) and the
result file (:class:`ResultFile`, :func:`load_results`). No Streamlit here; the command line
is ``python -m kernels.bench --help``.

Typical use from a page::

    backends = kb.discover()
    settings = bench.Settings(budget_s=0.5)
    tasks = bench.plan(["matmul"], [256, 512], backends, devices="auto", dtypes=["float32"])
    rows = []
    for step in bench.run(tasks, backends, settings, should_stop=stop_pressed):
        rows.append(step.row)          # stream into a chart; step.fraction for a progress bar
    data = bench.result_file(rows, backends, settings).to_json()   # the download (or .to_csv())

The code a page shows: ``inspect.getsource(bench.measure)`` and, for an operation,
``inspect.getsource(bench.OPS["matmul"].impls["mlx"])`` (or the whole module of the op).
"""
from .op import Layout, Op
from .ops import OPS
from .results import (ROW_FIELDS, SCHEMA, STATUSES, ResultFile, load_results, new_result_file,
                      rows_to_csv, speedups)
from .runner import (DTYPES, Progress, Settings, Task, benchmark, check, device_names, measure_task,
                     plan, prepare, result_file, run, unsupported_reason)
from .timing import Timing, format_seconds, measure

__all__ = [
    "OPS", "Op", "Layout", "DTYPES", "Settings", "Task", "Progress", "Timing",
    "plan", "run", "benchmark", "measure", "measure_task", "prepare", "check", "device_names",
    "unsupported_reason", "result_file", "format_seconds",
    "ResultFile", "load_results", "new_result_file", "rows_to_csv", "speedups", "ROW_FIELDS", "SCHEMA", "STATUSES",
]
