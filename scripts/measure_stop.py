"""How soon Stop ends a Small-models training run, measured in the measuring process the page uses.

    .venv/bin/python -m scripts.measure_stop [--runs 3] [--after 1.5]

For each library, a long training run (5000 steps: NumPy an MLP, batch 512, width 2048; PyTorch
and MLX a transformer, batch 32, width 256, sequence 128) starts in a kernels.measure.live.LiveRun
exactly as the Small models page starts it (in a process of its own, kernels.measure.child);
``--after`` seconds after that process is ready Stop is pressed (``request_stop``), and the clock
runs until the run has ended and its process is gone. The process is asked to stop (heard between
steps), then killed after kernels.measure.child.STOP_GRACE_S: so even an MLX transformer step on
the Linux CPU build (reference BLAS), seconds long and not interruptible, ends within a second.
Prints each latency and the median per library.
"""
from __future__ import annotations

import argparse
import statistics
import time

from kernels import backends as kb
from kernels.measure.child import Job
from kernels.measure.live import LiveRun, Slot
from kernels.models import config, plan, run


def spec_for(library: str) -> config.RunSpec:
    if library == "numpy":  # NumPy has no autograd here: the MLP is its model
        return config.RunSpec(model="mlp", batch=512, width=2048, steps=5000)
    return config.RunSpec(model="transformer", batch=32, width=256, seq_len=128, steps=5000)


def stop_latency(library: str, libs, after_s: float) -> float:
    spec = spec_for(library)
    tasks = [t for t in plan([spec], libs) if t.backend == library and t.variant == "eager"]
    live = LiveRun(kind="models", total=1, machine={}, settings={})
    live.measure(Job.of(run, tasks, libs), slot=Slot(), wait_for_drawing=False)
    deadline = time.monotonic() + 120
    while not live.line.startswith("the measuring process is ready") and time.monotonic() < deadline:
        live.wait_for_change(0, live.state, timeout=0.1)  # the process has imported the libraries
    time.sleep(after_s)  # let the training run get going: Stop lands mid-run, as a user's would
    pressed = time.perf_counter()
    live.request_stop()
    if not live.join(timeout=600):
        raise RuntimeError(f"{library}: the run did not end within 600 s of Stop")
    return time.perf_counter() - pressed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--after", type=float, default=1.5, help="seconds into the run that Stop is pressed")
    args = parser.parse_args(argv)
    libs = kb.discover()
    for library in ("numpy", "torch", "mlx"):
        if not libs[library].available:
            print(f"{library}: not available here ({libs[library].error})")
            continue
        spec = spec_for(library)
        latencies = [stop_latency(library, libs, args.after) for _ in range(args.runs)]
        print(f"{libs[library].label} {spec.model} (batch {spec.batch}, width {spec.width}"
              + (f", sequence {spec.seq_len}" if spec.model == "transformer" else "") + "): "
              + ", ".join(f"{x * 1000:.0f} ms" for x in latencies)
              + f"; median {statistics.median(latencies) * 1000:.0f} ms", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
