"""The benchmark engine: NumPy, PyTorch and MLX timed honestly on every device found.

Pieces, kept apart as in ``torch.utils.benchmark``: operations (``ops/``, one small module
each), measuring (:func:`kernels.measure.timing.measure`), running a sweep (:func:`plan`,
:func:`run`) and the rows' kind of result file (``results``). How close to the hardware:
``ceilings`` measures this machine's compute and bandwidth ceilings with the same operations and
timing (a ``ceilings`` result file, ``ceiling_results``), ``roofline`` places every row against
them, and ``chips`` is the spec sheet of Apple silicon. The measurement core they share
with every Measure page is ``kernels.measure``. No Streamlit here; the command line is
``python -m kernels.bench --help``.

Typical use::

    backends = kb.discover()
    settings = bench.Settings(budget_s=0.5)
    tasks = bench.plan(["matmul"], [256, 512], backends, devices="auto", dtypes=["float32"])
    rows = [step.row for step in bench.run(tasks, backends, settings)]   # step.fraction, step.line
    data = bench.result_file(rows, backends, settings).to_json()          # the download (or .to_csv())
    roofs = [s.row for s in ceilings.run(ceilings.plan(backends), backends)]  # this machine's ceilings
    rows = roofline.annotate(rows, roofs, machine)                          # % of roof, bound, suspect

The code a page shows: ``inspect.getsource(measure)`` and, for an operation,
``inspect.getsource(bench.OPS["matmul"].impls["mlx"])``.
"""
from importlib import import_module

# Imported when first asked for (PEP 562): the operations import every library, and the navigation
# and the result-file loader read only ``kernels.bench.kind``, which must stay light.
_WHERE = {
    "ResultFile": "..measure.results", "load": "..measure.results",
    "STATUSES": "..measure.rows", "Progress": "..measure.rows", "device_names": "..measure.rows",
    "Timing": "..measure.timing", "format_seconds": "..measure.timing", "measure": "..measure.timing",
    "Layout": ".op", "Op": ".op", "OPS": ".ops", "KIND": ".kind", "ROW_FIELDS": ".results",
    **{name: ".runner" for name in ("DTYPES", "EPS", "TOLERANCE", "Settings", "Task", "benchmark", "check",
                                    "measure_task", "method", "plan", "prepare", "progress_text", "result_file",
                                    "run", "unsupported_reason")},
}
_MODULES = ("ceilings", "chips", "roofline")

__all__ = [
    "OPS", "Op", "Layout", "DTYPES", "EPS", "TOLERANCE", "Settings", "Task", "Progress", "Timing",
    "plan", "run", "benchmark", "measure", "measure_task", "prepare", "check", "device_names", "method",
    "unsupported_reason", "result_file", "format_seconds", "progress_text",
    "ResultFile", "load", "KIND", "ROW_FIELDS", "STATUSES", "ceilings", "chips", "roofline",
]


def __getattr__(name: str):
    if name in _MODULES:
        return import_module(f".{name}", __name__)
    if name in _WHERE:
        value = getattr(import_module(_WHERE[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
