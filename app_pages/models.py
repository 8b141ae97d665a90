"""Measure: train a small MLP or a tiny transformer block in NumPy, PyTorch and MLX from the same
weights, time the steps on every device found, and say which trained faster here. The training runs
in kernels.measure.live (a worker thread); this page lays out controls and draws."""
import dataclasses
import inspect

import pandas as pd
import streamlit as st

from kernels import machine
from kernels import models as km
from kernels.measure.child import Job
from kernels.measure.live import LiveRun
from kernels.measure.rows import noise
from kernels.measure.words import about
from kernels.memory import human_bytes
from kernels.models import config, report
from kernels.models.estimate import estimate
from ui import lesson
from ui import live as live_ui
from ui import model_charts as charts
from ui.panel import backends, missing_notice, source_columns
from ui.safe import plain

RUNS_KEY = "models_runs"  # this session's runs (LiveRun), oldest first
LIVE = "models_live"  # the latest, while it is followed
KEEP_RUNS = 10
BATCHES = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
WIDTHS = {"mlp": [16, 32, 64, 128, 256, 512, 1024, 2048], "transformer": [16, 32, 64, 128, 256, 512]}
SEQ_LENS = [8, 16, 32, 64, 128, 256, 512]
DEFAULTS = {"mlp": {"batch": 32, "width": 128}, "transformer": {"batch": 8, "width": 32, "seq_len": 16}}
SWEEP_WORDS = {"batch": "batch sizes", "width": "widths", "seq_len": "sequence lengths", "none": "this size only"}

live: LiveRun | None = st.session_state.get(LIVE)
busy = live is not None and live.active  # what is trained cannot change while it trains

st.title("Small models")
st.markdown(
    "Is MLX worth it for training **small local models**? This page trains the same model in each "
    "library — same initial weights (one seeded NumPy generator), same batches, same optimiser — "
    "and times whole training steps: forward, backward and update, each finished on the device "
    "before the clock stops. NumPy trains the MLP with a hand-written backward pass, as the reference."
)
libs = backends()
found = " · ".join(f"{b.label}: {', '.join(f'`{d.name}`' for d in b.available_devices)}"
                   for b in libs.values() if b.available)
st.caption(f"Devices found here: {found}. Every available device is timed; on a Mac that means Torch on "
           "`mps` and MLX on the Metal GPU as well as both on the CPU.")
for b in libs.values():
    if not b.available:  # its runs are left out; the rest of the page works
        missing_notice(b)

# --- settings ----------------------------------------------------------------------------------
top = st.columns([2, 2, 3])
with top[0]:
    model = st.radio("Model", config.MODELS, format_func=config.MODEL_TITLES.get, horizontal=True, key="models_model",
                     disabled=busy,
                     help=f"MLP: {config.MLP_INPUTS} inputs → 2 hidden ReLU layers → {config.MLP_CLASSES} classes. Tiny "
                          f"transformer: embeddings, 2 pre-norm blocks of causal attention ({config.HEADS} heads) and a "
                          f"GELU MLP, next-token loss on sequences of {config.VOCAB} tokens.")
with top[1]:
    optimizer = st.radio("Optimiser", config.OPTIMIZERS, format_func=config.OPTIMIZER_TITLES.get, horizontal=True,
                         key="models_optimizer", disabled=busy)
with top[2]:
    available = [name for name, b in libs.items() if b.available]
    chosen = st.multiselect("Libraries", available, default=available, format_func=lambda n: libs[n].label,
                            key="models_libraries", disabled=busy)

defaults = DEFAULTS[model]
sizes = st.columns(4 if model == "transformer" else 3)
with sizes[0]:
    batch = st.select_slider("Batch size", BATCHES, value=defaults["batch"], key=f"models_batch_{model}",
                             disabled=busy)
with sizes[1]:
    width = st.select_slider("Hidden width" if model == "mlp" else "Model width", WIDTHS[model],
                             value=defaults["width"], key=f"models_width_{model}", disabled=busy)
seq_len = config.RunSpec.seq_len
if model == "transformer":
    with sizes[2]:
        seq_len = st.select_slider("Sequence length", SEQ_LENS, value=defaults["seq_len"], key="models_seq_len",
                                   disabled=busy)
with sizes[-1]:
    steps = st.slider("Training steps", 5, 200, 20, key="models_steps", disabled=busy,
                      help="Steps per run; the first few are warm-up and are not timed.")
sweep_dims = ["none", "batch", "width"] + (["seq_len"] if model == "transformer" else [])
sweep = st.radio("Across sizes", sweep_dims, index=1, horizontal=True, key=f"models_sweep_{model}", disabled=busy,
                 format_func=lambda d: SWEEP_WORDS[d] if d == "none" else f"{SWEEP_WORDS[d]} up to this one",
                 help="Also train at a half and a quarter of the chosen size, for a chart across sizes.")

spec = config.RunSpec(model=model, batch=int(batch), width=int(width), seq_len=int(seq_len), steps=int(steps),
                 optimizer=optimizer)
specs = config.sweep(spec, None if sweep == "none" else sweep)
total_params = config.param_count(spec)
run_libs = {n: b for n, b in libs.items() if n in chosen or not b.available}  # missing ones get a row
try:
    tasks = km.plan(specs, run_libs) if chosen else []
    problem = None if chosen else "Pick at least one library to train."
except ValueError as exc:
    tasks, problem = [], f"Can't train that: {exc}."
runs: list[LiveRun] = st.session_state.setdefault(RUNS_KEY, [])
guess = estimate(tasks, run_libs, known=[r for run in runs for r in run.rows])
guess = dataclasses.replace(guess, seconds=guess.seconds + live_ui.chart_pause_s() * guess.timed)  # the browser draws
st.caption(f"{config.MODEL_TITLES[model]} at {spec.size_label()}: {total_params:,} parameters; "
           f"{len(specs)} size{'s' if len(specs) > 1 else ''} × each library, device and variant: "
           f"{guess.timed} training runs, {guess.seconds and about(guess.seconds)} by an estimate "
           + (f"scaled from this session's runs for {guess.calibrated} of them." if guess.calibrated
              else "from each step's arithmetic at rates assumed for a slow CPU; it can be off several times."))
if guess.seconds > 60 and guess.slowest:
    st.warning(f"This will take {about(guess.seconds)} (the longest run, {guess.slowest[0]}, "
               f"{about(guess.slowest[1])}). Stop ends it within a step and keeps what has finished.",
               icon=":material/schedule:")

left, right = st.columns([2, 2, 5])[:2]
with left:
    clicked = st.button("Train and time", type="primary", icon=":material/play_arrow:", key="models_run",
                        disabled=busy)
with right:
    if runs and not busy and st.button("Clear results", key="models_clear"):
        runs.clear()

if clicked and not busy:
    problem = problem or km.memory_refusal(specs[-1])  # the largest size of the sweep
    if problem:
        st.error(problem, icon=":material/block:")
    else:
        live = LiveRun(kind=km.KIND.name, total=len(tasks), machine=machine.machine_info(libs), page="Small models",
                       noun="training run",
                       settings={**spec.as_dict(), "sweep": None if sweep == "none" else sweep,
                                 "sizes": [s.size_label() for s in specs], "backends": sorted(run_libs)},
                       title=(f"{config.MODEL_TITLES[model]}, {SWEEP_WORDS[sweep]} up to {spec.size_label()}"
                              if len(specs) > 1 else f"{config.MODEL_TITLES[model]} at {spec.size_label()}"),
                       estimate_s=guess.seconds)
        runs.append(live)
        del runs[:-KEEP_RUNS]
        live_ui.start(LIVE, live, Job.of(km.run, tasks, run_libs))


# --- results -------------------------------------------------------------------------------------
def results_table(rows):
    def peak(r):
        return human_bytes(r["peak_memory_bytes"]) if r.get("peak_memory_bytes") is not None else "n/a"

    return pd.DataFrame([{
        "run": km.row_label(r),
        "size": km.size_text(r),
        "status": r["status"],
        "steps/s": r["steps_per_s"],
        "ms/step": 1e3 * r["median_s"] if r["median_s"] else None,
        "IQR ms": 1e3 * r["iqr_s"] if r["iqr_s"] is not None else None,
        "noisy": noise(r) or "",
        "first loss": r["initial_loss"],
        "last loss": r["final_loss"],
        "peak memory": peak(r) if r["status"] == "ok" else "",
        "note": r["message"] or (r["memory_note"] if r["status"] == "ok" and r["peak_memory_bytes"] is None else ""),
    } for r in rows])


TABLE_FORMAT = {"steps/s": st.column_config.NumberColumn(format="%.1f"),
                "ms/step": st.column_config.NumberColumn(format="%.3f"),
                "IQR ms": st.column_config.NumberColumn(format="%.3f"),
                "first loss": st.column_config.NumberColumn(format="%.5f"),
                "last loss": st.column_config.NumberColumn(format="%.5f"),
                "note": st.column_config.TextColumn(width="large")}

shown = [run for run in runs if run.rows or run.active]
if shown:
    latest = shown[-1]
    st.header("Results", divider="gray")
    status_slot, stop_slot = st.empty(), st.empty()
    st.caption(f"Latest run: {latest.title}. Results stay while you change the settings; "
               "press the button again to add a run.")
    verdict_slot = st.container(border=True).empty()
    notes_slot, speed_slot = st.empty(), st.empty()
    st.subheader("Loss curves")
    sizes_planned = latest.settings.get("sizes") or []
    loss_size = st.selectbox("Size", sizes_planned, index=max(len(sizes_planned) - 1, 0), key="models_loss_size")
    loss_slot = st.empty()
    st.subheader("Every run")
    table_slot = st.empty()
    untimed = [f"{b.label} on `{d.name}`: {d.note}" for b in libs.values() if b.available
               for d in b.devices if not d.available and d.kind == "gpu"]

    def draw() -> None:
        rows = list(latest.rows)
        with verdict_slot.container():
            st.subheader("Verdict")
            for paragraph in report.verdict(rows, latest.machine):
                st.markdown(paragraph)
            if untimed:
                st.caption("Not timed here, so not in this verdict. " + "; ".join(untimed) + ".")
        with notes_slot.container():
            # One notice per library and reason (NumPy has no transformer at any size: say it once).
            for r in {(r["backend"], r["message"]): r for r in rows if r["status"] == "unsupported"}.values():
                st.info(f"**{km.row_label(r)}** — {plain(r['message'], 400)}", icon=":material/remove:")
            for r in rows:
                if r["status"] in ("refused", "error"):
                    (st.warning if r["status"] == "refused" else st.error)(
                        f"**{km.row_label(r)}** at {km.size_text(r)}: {plain(r['message'], 400)}")
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
            else:
                st.altair_chart(charts.loss_chart(at_size), width="stretch")
                gap = report.loss_gap(at_size)
                if gap is not None and gap < report.LOSSES_AGREE:
                    st.caption(f"The curves lie on each other: the largest gap between two libraries at any step "
                               f"is {gap:.2g} (float32 rounding). Same start, same data, same updates.")
                elif gap is not None:
                    st.caption(f"The curves part: two libraries' losses differ by up to {gap:.3g} at some step. "
                               "They start from the same weights and data, so this is rounding that grew over "
                               "the steps (or a learning rate too high to be stable): compare speeds, and read "
                               "the curves with care.")
        table_slot.dataframe(results_table(rows), hide_index=True, width="stretch", column_config=TABLE_FORMAT)

    live_ui.follow(latest, draw, status_slot, stop_slot, "models_stop")

    live_ui.session_runs(shown, km.KIND.name, "models.json", "models_download", results_table, TABLE_FORMAT)

# --- the code -------------------------------------------------------------------------------------
st.header("The code that ran", divider="gray")
st.markdown(
    f"The {config.MODEL_TITLES[model]} in each library, read from the modules the runs above used. "
    "The runner loads the same weights into each (`torch.nn.Linear` and `mlx.nn.Linear` both store "
    "their weight as *(out, in)*) and calls the training step in a timed loop."
)
# Below the fold, drawn when opened: every class and function of three modules, highlighted, cost the
# browser more than the rest of the page before a run.
with lesson.details("The model in each library", key="models_model_code") as opened:
    if opened:
        def shown(name: str):
            module = km.library_module(name)
            if model not in module.MODELS:
                return (), module.UNSUPPORTED
            return module.SHOWN[model], "Variants timed: " + "; ".join(f"**{v}**: {module.VARIANT_NOTES[v]}"
                                                                       for v in module.VARIANTS)

        source_columns(libs, shown)
st.info(
    "**Adam is not the same by default.** `torch.optim.Adam` always corrects the bias of its moment "
    "estimates; `mlx.optimizers.Adam` does so only with `bias_correction=True`. Without it MLX's first "
    "update is (1 − β₁) ÷ √(1 − β₂) ≈ 3.2 times PyTorch's, and the curves part. Both add `eps` after the "
    "square root. Here MLX asks for the correction, so the curves match.",
    icon=":material/info:",
)
with lesson.details("How each step is timed (the runner's loop)", key="models_runner_code") as opened:
    if opened:
        st.code(inspect.getsource(km.train_and_time), language="python")
