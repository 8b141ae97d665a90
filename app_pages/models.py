"""Measure: train a small MLP or a tiny transformer block in NumPy, PyTorch and MLX from the same
weights, time the steps on every device found, and say which trained faster here. The shell
(ui/measure_page.py) draws the estimate, Run, Stop, the verdict and the downloads; this page is its
controls and its charts."""
import inspect

import pandas as pd
import streamlit as st

from kernels import models as km
from kernels.models import config, report
from kernels.models.kind import KIND, SWEEP_WORDS, Settings
from ui import lesson
from ui import model_charts as charts
from ui.measure_page import Chosen, View, compare_section, measure_page
from ui.panel import source_columns

BATCHES = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
WIDTHS = {"mlp": [16, 32, 64, 128, 256, 512, 1024, 2048], "transformer": [16, 32, 64, 128, 256, 512]}
SEQ_LENS = [8, 16, 32, 64, 128, 256, 512]
DEFAULTS = {"mlp": (32, 128, None), "transformer": (8, 32, 16)}  # batch, width, sequence length
INTRO = ("Is MLX worth it for training **small local models**? This page trains the same model in each library — "
         "same initial weights (one seeded NumPy generator), same batches, same optimiser — and times whole training "
         "steps: forward, backward and update, each finished on the device before the clock stops. NumPy trains the "
         "MLP with a hand-written backward pass, as the reference.")



def controls(libs, busy: bool) -> Chosen:
    top = st.columns([2, 2, 3])
    model = top[0].radio("Model", config.MODELS, format_func=config.MODEL_TITLES.get, horizontal=True,
                         key="models_model", disabled=busy,
                         help=f"MLP: {config.MLP_INPUTS} inputs → 2 hidden ReLU layers → {config.MLP_CLASSES} classes. "
                              f"Tiny transformer: embeddings, 2 pre-norm blocks of causal attention ({config.HEADS} "
                              f"heads) and a GELU MLP, next-token loss on sequences of {config.VOCAB} tokens.")
    optimizer = top[1].radio("Optimiser", config.OPTIMIZERS, format_func=config.OPTIMIZER_TITLES.get, horizontal=True,
                             key="models_optimizer", disabled=busy)
    available = [name for name, b in libs.items() if b.available]
    chosen = top[2].multiselect("Libraries", available, default=available, format_func=lambda n: libs[n].label,
                                key="models_libraries", disabled=busy)
    default_batch, default_width, default_seq_len = DEFAULTS[model]
    sizes = st.columns(4 if model == "transformer" else 3)
    batch = sizes[0].select_slider("Batch size", BATCHES, value=default_batch, key=f"models_batch_{model}",
                                   disabled=busy)
    width = sizes[1].select_slider("Hidden width" if model == "mlp" else "Model width", WIDTHS[model],
                                   value=default_width, key=f"models_width_{model}", disabled=busy)
    seq_len = config.RunSpec.seq_len
    if model == "transformer":
        seq_len = sizes[2].select_slider("Sequence length", SEQ_LENS, value=default_seq_len, key="models_seq_len",
                                         disabled=busy)
    steps = sizes[-1].slider("Training steps", 5, 200, 20, key="models_steps", disabled=busy,
                             help="Steps per run; the first few are warm-up and are not timed.")
    sweep = st.radio("Across sizes", ["none", "batch", "width"] + (["seq_len"] if model == "transformer" else []),
                     index=1, horizontal=True, key=f"models_sweep_{model}", disabled=busy,
                     format_func=lambda d: SWEEP_WORDS[None] if d == "none" else f"{SWEEP_WORDS[d]} up to this one",
                     help="Also train at a half and a quarter of the chosen size, for a chart across sizes.")
    spec = config.RunSpec(model=model, batch=int(batch), width=int(width), seq_len=int(seq_len), steps=int(steps),
                          optimizer=optimizer)
    sweep = None if sweep == "none" else sweep
    settings = Settings(tuple(config.sweep(spec, sweep)), tuple(chosen), sweep=sweep)
    return Chosen(settings, None if chosen else "Pick at least one library to train.")


def describe(settings: Settings, guess) -> str:
    spec, n = settings.specs[-1], len(settings.specs)
    text = (f"{config.MODEL_TITLES[spec.model]} at {spec.size_label()}: {config.param_count(spec):,} parameters; "
            f"{n} size{'s' if n > 1 else ''} × each library, device and variant")
    if guess is None:
        return text + "."
    return text + (f": {guess.timed} training runs, {guess.words()} by an estimate "
                   + (f"scaled from this session's runs for {guess.calibrated} of them." if guess.calibrated
                      else "from each step's arithmetic at rates assumed for a slow CPU; it can be off several times."))


def layout(latest, libs):
    speed_slot = st.empty()
    st.subheader("Loss curves")
    sizes = latest.settings.get("sizes") or []
    loss_size = st.selectbox("Size", sizes, index=max(len(sizes) - 1, 0), key="models_loss_size")
    loss_slot = st.empty()

    def draw() -> None:
        rows = list(latest.rows)
        if report.ok_rows(rows):
            with speed_slot.container():
                st.subheader("Steps per second")
                st.altair_chart(charts.speed_chart(rows, latest.settings.get("sweep")), width="stretch")
                st.caption("Median of the timed steps (after warm-up), each step synchronised: "
                           "`mx.eval(model.parameters(), optimizer.state, loss)` for MLX, "
                           "`torch.mps/cuda.synchronize()` for Torch on a GPU.")
        at_size = [r for r in report.ok_rows(rows) if km.size_text(r) == loss_size]
        with loss_slot.container():
            if not at_size:
                st.caption(f"No run at {loss_size} has finished yet.")
                return
            st.altair_chart(charts.loss_chart(at_size), width="stretch")
            gap = report.loss_gap(at_size)
            if gap is not None and gap < report.LOSSES_AGREE:
                st.caption(f"The curves lie on each other: the largest gap between two libraries at any step is "
                           f"{gap:.2g} (float32 rounding). Same start, same data, same updates.")
            elif gap is not None:
                st.caption(f"The curves part: two libraries' losses differ by up to {gap:.3g} at some step. They start "
                           "from the same weights and data, so this is rounding that grew over the steps (or a "
                           "learning rate too high to be stable): compare speeds, and read the curves with care.")
    return draw


def code(libs, settings: Settings) -> None:
    model = settings.specs[-1].model
    st.markdown(f"The {config.MODEL_TITLES[model]} in each library, read from the modules the runs above used. The "
                "runner loads the same weights into each (`torch.nn.Linear` and `mlx.nn.Linear` both store their "
                "weight as *(out, in)*) and calls the training step in a timed loop.")
    # Below the fold, drawn when opened: every class and function of three modules, highlighted.
    with lesson.details("The model in each library", key="models_model_code") as opened:
        if opened:
            def shown(name: str):
                module = km.library_module(name)
                if model not in module.MODELS:
                    return (), module.UNSUPPORTED
                return module.SHOWN[model], "Variants timed: " + "; ".join(f"**{v}**: {module.VARIANT_NOTES[v]}"
                                                                           for v in module.VARIANTS)
            source_columns(libs, shown)
    st.info("**Adam is not the same by default.** `torch.optim.Adam` always corrects the bias of its moment estimates; "
            "`mlx.optimizers.Adam` does so only with `bias_correction=True`. Without it MLX's first update is "
            "(1 − β₁) ÷ √(1 − β₂) ≈ 3.2 times PyTorch's, and the curves part. Both add `eps` after the square root. "
            "Here MLX asks for the correction, so the curves match.", icon=":material/info:")
    with lesson.details("How each step is timed (the runner's loop)", key="models_runner_code") as opened:
        if opened:
            st.code(inspect.getsource(km.train_and_time), language="python")


def compare(rows) -> None:
    """Compare machines: training steps per second of the same model and size on each machine."""
    compare_section(KIND, rows, chooser="Model and size", did="trained", bar="library · device · variant",
                    why="Only runs of the same model, size, depth, optimiser and steps compare like for like.",
                    chart=charts.machines_chart, table=report.machine_table,
                    formats={"steps/s": "{:.1f}", "ms/step": "{:.3f}", "peak memory (bytes)": "{:,}"})


VIEW = View(INTRO, controls, describe, layout, lambda rows: pd.DataFrame(report.run_table(rows)), code,
            run_label="Train and time", table_format=charts.TABLE_FORMAT)

if __name__ == "__main__":
    measure_page(KIND, VIEW)
