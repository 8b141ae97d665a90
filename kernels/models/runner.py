"""Training the small models and timing them: :func:`plan` what to run, :func:`run` it row by row.

Every run starts from the same weights (``config.init_weights``) and cycles through the same
batches (``config.make_batches``) in every library. A step is timed from the call to the end of
the device's synchronisation (``Backend.synchronize``: nothing for NumPy and Torch on the CPU,
``torch.mps/cuda.synchronize()``, ``mx.eval(model.parameters(), optimizer.state, loss)`` for
MLX); the first ``spec.warmup`` steps are run but not timed; steps per second is one over the
median of the timed steps (statistics by ``kernels.measure.timing.Timing``, stored as in every row).

Each row is a plain dict (:data:`ROW_FIELDS`); a combination that cannot run is a row too, with
status ``unsupported`` (the reason), ``refused`` (it would not fit in memory) or ``error`` (what
the library said), never an exception.
"""
from __future__ import annotations

import importlib
import math
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from ..backends import Backend
from ..measure.rows import Progress, device_label, device_names, device_unavailable, outcome, row_label, run_tasks
from ..measure.timing import Stopped, Timing
from ..memory import TooLarge, check_fits
from . import config
from .results import ModelsRow


def library_module(name: str):
    """The model module of one library (``kernels.models.torch_models``, ...): same names in each.
    Import it only when the library is installed."""
    return importlib.import_module(f"{__package__}.{name}_models")


@dataclass(frozen=True)
class Task:
    """One training run: a model at a size, in one library, on one device, as one variant."""

    spec: config.RunSpec
    backend: str
    device: str  # "" when the library is missing
    variant: str  # "eager", "compiled"; "" when the library is missing

    def __str__(self) -> str:
        where = "/".join(p for p in (self.backend, self.device, self.variant) if p)
        return f"{self.spec.model} {self.spec.size_label()} {where}"


def progress_text(r: Mapping) -> str:
    """``mlp batch 32 · width 128 PyTorch · cpu: ok 1952.3 steps/s · loss 2.3026 → 2.2811``"""
    head = f"{r['model']} {size_text(r)} {row_label(r)}: {r['status']}"
    if r["status"] != "ok":
        return f"{head}: {r['message']}"
    return f"{head} {r['steps_per_s']:.1f} steps/s · loss {r['initial_loss']:.4f} → {r['final_loss']:.4f}"


def size_text(row: Mapping) -> str:
    text = f"batch {row['batch']} · width {row['width']}"
    return f"{text} · seq {row['seq_len']}" if row["model"] == "transformer" else text


# --- Planning ---------------------------------------------------------------------------------



def variants(backend: Backend) -> tuple[str, ...]:
    return library_module(backend.name).VARIANTS if backend.available else ("",)


def plan(specs: Iterable[config.RunSpec], backends: Mapping[str, Backend],
         devices: str | Sequence[str] = "auto") -> list[Task]:
    """Every (size, library, device, variant) to train, sizes outermost. Raises ``ValueError``
    for a setting out of range (before anything runs)."""
    specs = list(specs)
    for s in specs:
        config.validate(s)
    return [Task(s, b.name, device, variant)
            for s in specs for b in backends.values()
            for device in device_names(b, devices) for variant in variants(b)]


# --- Running ----------------------------------------------------------------------------------

def run(tasks: Sequence[Task], backends: Mapping[str, Backend], *,
        should_stop: Callable[[], bool] | None = None) -> Iterator[Progress]:
    """Train each task in turn, yielding a :class:`Progress` (with its row) as each finishes.
    Weights and batches are made once per size and shared by every library. ``should_stop()`` is
    checked before each run and between the steps of one, so Stop ends even a long run at once."""
    stop = should_stop or (lambda: False)
    data: dict = {}  # the current size's weights and batches; the previous size's are freed first

    def train_one(task: Task) -> dict:
        if data.get("spec") != task.spec:
            data.clear()
            data["spec"], data["weights"], data["batches"] = task.spec, {}, []
            if memory_refusal(task.spec) is None:
                data["weights"] = config.init_weights(task.spec)
                data["batches"] = config.make_batches(task.spec, config.batch_pool_size(task.spec))
        return train(task, backends[task.backend], data["weights"], data["batches"], stop)

    return run_tasks(tasks, train_one, progress_text, should_stop)


def train(task: Task, backend: Backend, weights: Mapping, batches: Sequence,
          should_stop: Callable[[], bool] = lambda: False) -> dict:
    """One result row; never raises (but :class:`kernels.measure.timing.Stopped` ends the run)."""
    start = time.perf_counter()

    def work() -> dict:
        refusal = memory_refusal(task.spec)
        if refusal:
            raise TooLarge(refusal)
        return {**train_and_time(task, backend, weights, batches, should_stop), "wall_s": time.perf_counter() - start}

    return outcome(empty_row(task, backend), unsupported_reason(task, backend), work)


def train_and_time(task: Task, backend: Backend, weights, batches,
                   should_stop: Callable[[], bool] = lambda: False) -> dict:
    module = library_module(task.backend)
    spec, device = task.spec, task.device
    with backend.device_scope(device):
        backend.reset_peak_memory(device)
        trainer = module.Trainer(spec, weights, device, task.variant)
        data = [trainer.batch(x, y) for x, y in batches]
        losses, seconds = [], []
        for i in range(spec.steps):
            if should_stop():  # between steps: Stop ends a long run within a step
                raise Stopped
            x, y = data[i % len(data)]
            t0 = time.perf_counter()
            loss = trainer.step(x, y)
            backend.synchronize(device, trainer.sync_target(loss))  # the step is finished here
            seconds.append(time.perf_counter() - t0)
            losses.append(trainer.loss_value(loss))
        peak = backend.peak_memory(device)
    timing = Timing(tuple(seconds[spec.warmup:]), 1)
    finite = all(math.isfinite(v) for v in losses)
    return {
        "status": "ok",
        "message": "" if finite else "the loss became NaN or infinite: try a smaller learning rate",
        "initial_loss": losses[0],
        "final_loss": losses[-1],
        "losses": losses,
        "steps_per_s": 1.0 / timing.median if timing.median > 0 else None,
        **timing.fields(),
        "peak_memory_bytes": peak.bytes,
        "memory_note": peak.what,
    }


def memory_refusal(spec: config.RunSpec) -> str | None:
    """``None`` when one run of ``spec`` fits in memory now, else the sentence that says why not."""
    try:
        check_fits(config.estimate_bytes(spec), f"the {config.MODEL_TITLES[spec.model]} at {spec.size_label()}")
    except TooLarge as exc:
        return str(exc)
    return None


def unsupported_reason(task: Task, backend: Backend) -> str | None:
    """Why this combination cannot run here, or None. Capabilities come from the library modules."""
    reason = device_unavailable(backend, task.device)
    if reason is not None:
        return reason
    module = library_module(backend.name)
    if task.spec.model not in module.MODELS:
        return module.UNSUPPORTED
    if task.variant not in module.VARIANTS:
        return f"{backend.label} has no {task.variant!r} variant; it has {', '.join(module.VARIANTS)}"
    return None


def empty_row(task: Task, backend: Backend) -> dict:
    """A row with every field present; training fills in the numbers."""
    spec = task.spec
    return ModelsRow.blank(
        model=spec.model, backend=task.backend, label=backend.label, version=backend.version, variant=task.variant,
        device=task.device, device_label=device_label(backend, task.device), batch=spec.batch, width=spec.width,
        seq_len=spec.seq_len if spec.uses_seq_len else None, depth=spec.depth, params=config.param_count(spec),
        optimizer=spec.optimizer, lr=spec.learning_rate, steps=spec.steps, warmup=spec.warmup,
        status="", message="", losses=[], repeats=0, memory_note="")
