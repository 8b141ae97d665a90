"""Measure: train a small MLP or a tiny transformer block in NumPy, PyTorch and MLX from the same
weights, time the steps on every device found, and say which trained faster here."""
import inspect

import altair as alt
import pandas as pd
import streamlit as st

from kernels import machine
from kernels import models as km
from kernels.memory import human_bytes
from kernels.models import report, results
from kernels.models import spec as S
from ui.panel import backends, column_header, missing_notice

RUNS_KEY = "models_runs"  # this session's runs, oldest first: {"title", "sweep", "rows", "machine"}
KEEP_RUNS = 10
BATCHES = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
WIDTHS = {"mlp": [16, 32, 64, 128, 256, 512, 1024, 2048], "transformer": [16, 32, 64, 128, 256, 512]}
SEQ_LENS = [8, 16, 32, 64, 128, 256, 512]
DEFAULTS = {"mlp": {"batch": 32, "width": 128}, "transformer": {"batch": 8, "width": 32, "seq_len": 16}}
SWEEP_WORDS = {"batch": "batch sizes", "width": "widths", "seq_len": "sequence lengths", "none": "this size only"}

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

# --- settings ----------------------------------------------------------------------------------
top = st.columns([2, 2, 3])
with top[0]:
    model = st.radio("Model", S.MODELS, format_func=S.MODEL_TITLES.get, horizontal=True, key="models_model",
                     help=f"MLP: {S.MLP_INPUTS} inputs → 2 hidden ReLU layers → {S.MLP_CLASSES} classes. Tiny "
                          f"transformer: embeddings, 2 pre-norm blocks of causal attention ({S.HEADS} heads) and a "
                          f"GELU MLP, next-token loss on sequences of {S.VOCAB} tokens.")
with top[1]:
    optimizer = st.radio("Optimiser", S.OPTIMIZERS, format_func=S.OPTIMIZER_TITLES.get, horizontal=True,
                         key="models_optimizer")
with top[2]:
    available = [name for name, b in libs.items() if b.available]
    chosen = st.multiselect("Libraries", available, default=available, format_func=lambda n: libs[n].label,
                            key="models_libraries")

defaults = DEFAULTS[model]
sizes = st.columns(4 if model == "transformer" else 3)
with sizes[0]:
    batch = st.select_slider("Batch size", BATCHES, value=defaults["batch"], key=f"models_batch_{model}")
with sizes[1]:
    width = st.select_slider("Hidden width" if model == "mlp" else "Model width", WIDTHS[model],
                             value=defaults["width"], key=f"models_width_{model}")
seq_len = S.RunSpec.seq_len
if model == "transformer":
    with sizes[2]:
        seq_len = st.select_slider("Sequence length", SEQ_LENS, value=defaults["seq_len"], key="models_seq_len")
with sizes[-1]:
    steps = st.slider("Training steps", 5, 200, 20, key="models_steps",
                      help="Steps per run; the first few are warm-up and are not timed.")
sweep_dims = ["none", "batch", "width"] + (["seq_len"] if model == "transformer" else [])
sweep = st.radio("Across sizes", sweep_dims, index=1, horizontal=True, key=f"models_sweep_{model}",
                 format_func=lambda d: SWEEP_WORDS[d] if d == "none" else f"{SWEEP_WORDS[d]} up to this one",
                 help="Also train at a half and a quarter of the chosen size, for a chart across sizes.")

spec = S.RunSpec(model=model, batch=int(batch), width=int(width), seq_len=int(seq_len), steps=int(steps),
                 optimizer=optimizer)
specs = S.sweep(spec, None if sweep == "none" else sweep)
total_params = S.param_count(spec)
st.caption(f"{S.MODEL_TITLES[model]} at {spec.size_label()}: {total_params:,} parameters; "
           f"{len(specs)} size{'s' if len(specs) > 1 else ''} × each library, device and variant.")

left, right = st.columns([2, 2, 5])[:2]
with left:
    clicked = st.button("Train and time", type="primary", icon=":material/play_arrow:", key="models_run")
with right:
    if st.session_state.get(RUNS_KEY) and st.button("Clear results", key="models_clear"):
        st.session_state[RUNS_KEY] = []

if clicked:
    problem = None
    if not chosen:
        problem = "Pick at least one library to train."
    else:
        try:
            for s in specs:
                S.validate(s)
        except ValueError as exc:
            problem = f"Can't train that: {exc}."
        else:
            problem = km.memory_refusal(specs[-1])  # the largest size of the sweep
    if problem:
        st.error(problem, icon=":material/block:")
    else:
        run_libs = {n: b for n, b in libs.items() if n in chosen or not b.available}  # missing ones get a row
        tasks = km.plan(specs, run_libs)
        # The run is recorded before training starts and each row is added as it finishes, so a
        # rerun (Stop, or any setting changed mid-run) keeps every run that had completed.
        record = {"title": f"{S.MODEL_TITLES[model]}, {SWEEP_WORDS[sweep]} up to {spec.size_label()}"
                           if len(specs) > 1 else f"{S.MODEL_TITLES[model]} at {spec.size_label()}",
                  "sweep": None if sweep == "none" else sweep, "rows": [], "planned": len(tasks),
                  "machine": machine.machine_info(libs)}
        runs = st.session_state.setdefault(RUNS_KEY, [])
        runs.append(record)
        bar = st.progress(0.0, text=f"Training {len(tasks)} runs…")
        stop_slot = st.empty()
        stop_slot.button("Stop", icon=":material/stop:", key="models_stop",
                         help="Stops after the training run in progress; the finished runs are kept.")
        for step in km.run(tasks, run_libs):
            record["rows"].append(step.row)
            bar.progress(step.fraction, text=step.line())
        bar.empty()
        stop_slot.empty()
        del runs[:-KEEP_RUNS]


# --- results -------------------------------------------------------------------------------------
def speed_chart(rows, dim):
    data = pd.DataFrame(report.speed_table(rows))
    tooltip = ["run", "size", alt.Tooltip("steps_per_s:Q", format=",.1f", title="steps/s"),
               alt.Tooltip("step_ms:Q", format=".3f", title="ms/step (median)"),
               alt.Tooltip("iqr_ms:Q", format=".3f", title="IQR ms")]
    y = alt.Y("steps_per_s:Q", title="training steps per second (higher is faster)")
    if dim and data[dim].nunique() > 1:
        x = alt.X(f"{dim}:Q", title=report.DIM_WORDS[dim], scale=alt.Scale(type="log", base=2),
                  axis=alt.Axis(values=sorted(data[dim].unique().tolist())))
        chart = alt.Chart(data).mark_line(point=True).encode(x=x, y=y.scale(type="log"), color="run:N",
                                                             tooltip=tooltip)
    else:
        chart = alt.Chart(data).mark_bar().encode(x=alt.X("run:N", title=None, sort="-y"), y=y, color="run:N",
                                                  tooltip=tooltip)
    return chart.properties(height=320), data


def loss_chart(rows):
    data = pd.DataFrame(report.loss_table(rows))
    chart = alt.Chart(data).mark_line(strokeWidth=2, opacity=0.8).encode(
        x=alt.X("step:Q", title="step"), y=alt.Y("loss:Q", title="training loss", scale=alt.Scale(zero=False)),
        color="run:N", strokeDash="run:N", tooltip=["run", "step", alt.Tooltip("loss:Q", format=".6f")])
    return chart.properties(height=280), data


def results_table(rows):
    def peak(r):
        return human_bytes(r["peak_memory_bytes"]) if r.get("peak_memory_bytes") is not None else "n/a"

    return pd.DataFrame([{
        "run": km.row_label(r) if r["device"] else r["label"],
        "size": km.size_text(r),
        "status": r["status"],
        "steps/s": r["steps_per_s"],
        "ms/step": 1e3 * r["step_s_median"] if r["step_s_median"] else None,
        "IQR ms": 1e3 * r["step_s_iqr"] if r["step_s_iqr"] is not None else None,
        "first loss": r["initial_loss"],
        "last loss": r["final_loss"],
        "peak memory": peak(r) if r["status"] == "ok" else "",
        "note": r["message"] or (r["memory_note"] if r["status"] == "ok" and r["peak_memory_bytes"] is None else ""),
    } for r in rows])


runs = [r for r in st.session_state.get(RUNS_KEY) or [] if r["rows"]]
if runs:
    latest = runs[-1]
    rows = latest["rows"]
    st.header("Results", divider="gray")
    st.caption(f"Latest run: {latest['title']}. Results stay while you change the settings; "
               "press the button again to add a run.")
    if len(rows) < latest.get("planned", len(rows)):
        st.warning(f"This run was stopped after {len(rows)} of {latest['planned']} training runs; "
                   "the results below are the ones that finished.", icon=":material/stop_circle:")
    with st.container(border=True):
        st.subheader("Verdict")
        for paragraph in report.verdict(rows):
            st.markdown(paragraph)
        untimed = [f"{b.label} on `{d.name}`: {d.note}" for b in libs.values() if b.available
                   for d in b.devices if not d.available and d.kind == "gpu"]
        if untimed:
            st.caption("Not timed here, so not in this verdict. " + "; ".join(untimed) + ".")
    for r in rows:
        if r["status"] == "unsupported":
            st.info(f"**{r['label']}** — {r['message']}", icon=":material/remove:")
        elif r["status"] == "refused":
            st.warning(f"**{km.row_label(r)}** at {km.size_text(r)}: {r['message']}")
        elif r["status"] == "error":
            st.error(f"**{km.row_label(r)}** at {km.size_text(r)}: {r['message']}")

    if report.ok_rows(rows):
        st.subheader("Steps per second")
        chart, speed_data = speed_chart(rows, latest["sweep"])
        st.altair_chart(chart, width="stretch")
        st.caption("Median of the timed steps (after warm-up), each step synchronised: "
                   "`mx.eval(model.parameters(), optimizer.state, loss)` for MLX, "
                   "`torch.mps/cuda.synchronize()` for Torch on a GPU.")

        st.subheader("Loss curves")
        size_choices = list(dict.fromkeys(km.size_text(r) for r in report.ok_rows(rows)))
        shown = st.selectbox("Size", size_choices, index=len(size_choices) - 1, key="models_loss_size")
        at_size = [r for r in report.ok_rows(rows) if km.size_text(r) == shown]
        chart, loss_data = loss_chart(at_size)
        st.altair_chart(chart, width="stretch")
        gap = report.loss_gap(at_size)
        if gap is not None and gap < report.LOSSES_AGREE:
            st.caption(f"The curves lie on each other: the largest gap between two libraries at any step is "
                       f"{gap:.2g} (float32 rounding). Same start, same data, same updates.")
        elif gap is not None:
            st.caption(f"The curves part: two libraries' losses differ by up to {gap:.3g} at some step. They "
                       "start from the same weights and data, so this is rounding that grew over the steps "
                       "(or a learning rate too high to be stable): compare speeds, and read the curves with care.")

    st.subheader("Every run")
    st.dataframe(results_table(rows), hide_index=True, width="stretch",
                 column_config={"steps/s": st.column_config.NumberColumn(format="%.1f"),
                                "ms/step": st.column_config.NumberColumn(format="%.3f"),
                                "IQR ms": st.column_config.NumberColumn(format="%.3f"),
                                "first loss": st.column_config.NumberColumn(format="%.5f"),
                                "last loss": st.column_config.NumberColumn(format="%.5f")})
    all_rows = [r for run in runs for r in run["rows"]]
    doc = results.document(all_rows, latest["machine"], {"runs": [run["title"] for run in runs]})
    st.download_button("Download the result file (JSON)", results.to_json(doc), file_name="models.json",
                       mime="application/json", icon=":material/download:", key="models_download")
    if len(runs) > 1:
        with st.expander(f"Earlier runs this session ({len(runs) - 1})"):
            for run in reversed(runs[:-1]):
                st.markdown(f"**{run['title']}**")
                st.dataframe(results_table(run["rows"]), hide_index=True, width="stretch")

# --- the code -------------------------------------------------------------------------------------
st.header("The code that ran", divider="gray")
st.markdown(
    f"The {S.MODEL_TITLES[model]} in each library, read from the modules the runs above used. "
    "The runner loads the same weights into each (`torch.nn.Linear` and `mlx.nn.Linear` both store "
    "their weight as *(out, in)*) and calls the training step in a timed loop."
)
for col, (name, b) in zip(st.columns(len(libs), gap="medium"), libs.items()):
    with col:
        column_header(b)
        if not b.available:
            missing_notice(b)
            continue
        module = km.library_module(name)
        if model not in module.MODELS:
            st.info(module.UNSUPPORTED, icon=":material/remove:")
            continue
        for obj in module.SHOWN[model]:
            st.code(inspect.getsource(obj), language="python")  # scrolls sideways: wrapping breaks indentation
        st.caption("Variants timed: " + "; ".join(f"**{v}**: {module.VARIANT_NOTES[v]}" for v in module.VARIANTS))
st.info(
    "**Adam is not the same by default.** `torch.optim.Adam` always corrects the bias of its moment "
    "estimates; `mlx.optimizers.Adam` does so only with `bias_correction=True`. Without it MLX's first "
    "update is (1 − β₁) ÷ √(1 − β₂) ≈ 3.2 times PyTorch's, and the curves part. Both add `eps` after the "
    "square root. Here MLX asks for the correction, so the curves match.",
    icon=":material/info:",
)
with st.expander("How each step is timed (the runner's loop)"):
    st.code(inspect.getsource(km.train_and_time), language="python")
