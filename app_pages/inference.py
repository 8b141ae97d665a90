"""Measure: generate tokens with the same small decoder in PyTorch and MLX (same weights, same prompt),
watch the tokens appear and match a NumPy reference, and time the first token, prompt and generation
tokens per second, memory and bandwidth. The generating runs in kernels.measure.live (a worker thread);
this page lays out controls and draws."""
import dataclasses
import inspect

import pandas as pd
import streamlit as st

from kernels import inference as inf
from kernels import machine
from kernels.inference import config, report, runner
from kernels.inference.estimate import estimate
from kernels.measure.child import Job
from kernels.measure.live import LiveRun
from kernels.measure.rows import noise
from kernels.measure.words import about
from kernels.memory import human_bytes
from ui import inference_charts as charts
from ui import lesson
from ui import live as live_ui
from ui.panel import backends, missing_notice, source_columns
from ui.safe import plain

RUNS_KEY = "inference_runs"  # this session's runs (LiveRun), oldest first
LIVE = "inference_live"  # the latest, while it is followed
KEEP_RUNS = 10
WIDTHS = [16, 32, 64, 128, 256, 384, 512, 768, 1024, 1536, 2048]
HEADS = [1, 2, 4, 8, 12, 16, 32]
PROMPT_LENS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 768]
NEW_TOKENS = [2, 4, 8, 16, 32, 64, 128, 256, 512]
BUDGETS = [10, 30, 60, 120, 300, 600]
VARIANT_WORDS = {"eager": "eager", "compiled": "compiled (mx.compile / torch.compile)"}

live: LiveRun | None = st.session_state.get(LIVE)
busy = live is not None and live.active  # what is generated cannot change while it runs

st.title("Local inference")
st.markdown(
    "Most people who run **small local models** on a Mac run inference: how many tokens per second, how "
    "long until the first token, how much memory — in MLX, or in PyTorch on `mps`? This page runs the same "
    "decoder in both libraries — same weights (one seeded NumPy generator, nothing downloaded), same prompt — "
    "generates greedily with a KV cache, and shows the tokens as they come, beside those of a float64 NumPy "
    "reference, so you can watch them match."
)
libs = backends()
timed = {name: libs[name] for name in inf.NAMES if name in libs}
found = " · ".join(f"{b.label}: {', '.join(f'`{d.name}`' for d in b.available_devices)}"
                   for b in timed.values() if b.available)
st.caption(f"Devices found here: {found or 'none'}. Every available device is timed; on a Mac that means Torch on "
           "`mps` and MLX on the Metal GPU as well as both on the CPU.")
for b in timed.values():
    if not b.available:  # its runs are left out; the rest of the page works
        missing_notice(b)

# --- settings ----------------------------------------------------------------------------------
top = st.columns([3, 3])
with top[0]:
    preset = st.radio("Model size", config.PRESET_NAMES, horizontal=True, key="inference_preset", disabled=busy,
                      format_func=lambda p: f"{p} (~{config.param_count(config.Spec.from_preset(p)) / 1e6:.0f} M)"
                      if p != "tiny" else "tiny (~1 M)",
                      help=" · ".join(f"**{p.name}**: width {p.width}, {p.layers} layers, {p.heads} heads, context "
                                      f"{p.context}; {p.about}" for p in config.PRESETS.values()))
with top[1]:
    available = [name for name, b in timed.items() if b.available]
    chosen = st.multiselect("Libraries", available, default=available, format_func=lambda n: timed[n].label,
                            key="inference_libraries", disabled=busy)

base = config.PRESETS[preset]
sizes = st.columns(5)
with sizes[0]:
    width = st.select_slider("Width", WIDTHS, value=base.width, key=f"inference_width_{preset}", disabled=busy)
with sizes[1]:
    layers = st.slider("Layers", 1, 48, base.layers, key=f"inference_layers_{preset}", disabled=busy)
with sizes[2]:
    heads = st.select_slider("Heads", HEADS, value=base.heads, key=f"inference_heads_{preset}", disabled=busy,
                             help="The width must be a multiple of the number of heads.")
with sizes[3]:
    prompt_len = st.select_slider("Prompt tokens", PROMPT_LENS, value=32, key="inference_prompt_len", disabled=busy)
with sizes[4]:
    new_tokens = st.select_slider("Tokens to generate", NEW_TOKENS, value=32, key="inference_new_tokens",
                                  disabled=busy)
how = st.columns([3, 3, 2])
with how[0]:
    dtypes = st.multiselect("dtypes", config.DTYPES, default=["float32"], key="inference_dtypes", disabled=busy,
                            help="Each where the device supports it (a row says why not where it does not).")
with how[1]:
    variants = st.multiselect("Variants", list(VARIANT_WORDS), default=list(VARIANT_WORDS),
                              format_func=VARIANT_WORDS.get, key="inference_variants", disabled=busy,
                              help="compiled: the decode step in mx.compile (MLX) or torch.compile (PyTorch).")
with how[2]:
    budget = st.select_slider("torch.compile budget", BUDGETS, value=int(runner.COMPILE_BUDGET_S),
                              format_func=lambda s: f"{s} s", key="inference_budget", disabled=busy,
                              help="How long torch.compile may compile (in a process of its own) before its row "
                                   "says so instead of timing: inductor builds C++ on the CPU, which takes about a "
                                   "minute on a small machine the first time.")

spec = config.Spec(preset=preset, width=int(width), layers=int(layers), heads=int(heads), context=base.context,
                   prompt_len=int(prompt_len), new_tokens=int(new_tokens))
run_libs = {n: b for n, b in timed.items() if n in chosen or not b.available}  # missing ones get a row
problem = None
if not chosen:
    problem = "Pick at least one library to run."
elif not dtypes:
    problem = "Pick at least one dtype."
elif not variants:
    problem = "Pick at least one variant."
try:
    tasks = inf.plan([spec], run_libs, variants=variants, dtypes=dtypes) if not problem else []
except ValueError as exc:
    tasks, problem = [], f"Can't run that: {exc}."
runs: list[LiveRun] = st.session_state.setdefault(RUNS_KEY, [])
guess = estimate(tasks, run_libs, known=[r for run in runs for r in run.rows], compile_budget_s=budget)
guess = dataclasses.replace(guess, seconds=guess.seconds + live_ui.chart_pause_s() * guess.timed)  # the browser draws
params = config.param_count(spec)
bytes_line = ", ".join(f"{human_bytes(config.weights_bytes(spec, d))} of weights and "
                       f"{human_bytes(config.kv_cache_bytes(spec, d))} of KV cache in {d}" for d in dtypes)
st.caption(f"{spec.size_label()}: {params:,} parameters; {spec.lengths_label()}"
           + (f"; {bytes_line}" if bytes_line else "") + ". "
           + (f"{guess.timed} generations, {about(guess.seconds)} by an estimate "
              + (f"scaled from this session's runs for {guess.calibrated} of them." if guess.calibrated
                 else "from assumed rates for a slow CPU; it can be off several times.") if tasks else ""))
if guess.seconds > 60 and guess.slowest:
    st.warning(f"This will take {about(guess.seconds)} (the longest, {guess.slowest[0]}, {about(guess.slowest[1])}). "
               "Stop ends it within a token and keeps what has finished.", icon=":material/schedule:")

left, right = st.columns([2, 2, 5])[:2]
with left:
    clicked = st.button("Generate and time", type="primary", icon=":material/play_arrow:", key="inference_run",
                        disabled=busy)
with right:
    if runs and not busy and st.button("Clear results", key="inference_clear"):
        runs.clear()

if clicked and not busy:
    problem = problem or next((r for r in (inf.memory_refusal(spec, d) for d in dtypes) if r), None)
    if problem:
        st.error(problem, icon=":material/block:")
    else:
        live = LiveRun(kind=inf.KIND.name, total=len(tasks), machine=machine.machine_info(libs), page="Local inference",
                       noun="generation",
                       settings={**spec.as_dict(), "dtypes": list(dtypes), "variants": list(variants),
                                 "backends": sorted(run_libs), "compile_budget_s": budget},
                       title=f"{spec.size_label()}, {spec.lengths_label()}, {', '.join(dtypes)}",
                       estimate_s=guess.seconds)
        runs.append(live)
        del runs[:-KEEP_RUNS]
        live_ui.start(LIVE, live, Job.of(inf.run, tasks, run_libs, partial="on_tokens", compile_budget_s=budget))


# --- results -------------------------------------------------------------------------------------
def results_table(rows):
    return pd.DataFrame([{
        "run": inf.run_label(r),
        "size": inf.size_text(r),
        "status": r["status"],
        "first token ms": 1e3 * r["ttft_s"] if r["ttft_s"] else None,
        "prompt tok/s": r["prefill_tok_s"],
        "generation tok/s": r["decode_tok_s"],
        "IQR ms": 1e3 * r["iqr_s"] if r["iqr_s"] is not None else None,
        "noisy": noise(r) or "",
        "GB/s": r["gbps"],
        "peak memory": human_bytes(r["peak_bytes"]) if r.get("peak_bytes") is not None else "",
        "warm-up s": r["warmup_s"],
        "first compile s": r.get("compile_s"),
        "same tokens": r["tokens_match"],
        "note": r["message"],
    } for r in rows])


TABLE_FORMAT = {"first token ms": st.column_config.NumberColumn(format="%.2f"),
                "prompt tok/s": st.column_config.NumberColumn(format="%.0f"),
                "generation tok/s": st.column_config.NumberColumn(format="%.1f"),
                "IQR ms": st.column_config.NumberColumn(format="%.3f"),
                "GB/s": st.column_config.NumberColumn(format="%.3g"),
                "warm-up s": st.column_config.NumberColumn(format="%.2f", help="The untimed warm-up generation, "
                                                           "compiling included"),
                "first compile s": st.column_config.NumberColumn(format="%.1f", help="torch.compile: the first "
                                                                 "compile, in a process of its own, before the run"),
                "note": st.column_config.TextColumn(width="large")}


def token_block(tokens, as_ids: bool, cursor: bool = False) -> None:
    text = " ".join(str(t) for t in tokens) if as_ids else config.token_text(tokens)
    st.code(text + (" ▌" if cursor else ""), language=None, wrap_lines=True)


shown = [run for run in runs if run.rows or run.active]
if shown:
    latest = shown[-1]
    st.header("Results", divider="gray")
    status_slot, stop_slot = st.empty(), st.empty()
    st.caption(f"Latest run: {latest.title}. Results stay while you change the settings; press the button again "
               "to add a run.")
    st.subheader("Tokens as they are generated")
    as_ids = st.radio("Show tokens as", ["text", "ids"], horizontal=True, key="inference_token_view",
                      help="The vocabulary is bytes: text shows each printable byte as its character and any other "
                           "as \\xNN; ids shows the numbers.") == "ids"
    tokens_slot = st.empty()
    verdict_slot = st.container(border=True).empty()
    notes_slot = st.empty()
    st.subheader("Tokens per second")
    metric = st.radio("Show", list(charts.METRICS), horizontal=True, key="inference_metric",
                      format_func=lambda m: charts.METRICS[m].split(" (")[0].split(",")[0])
    speed_slot = st.empty()
    st.subheader("Generation across context length")
    context_slot = st.empty()
    st.subheader("Memory")
    memory_slot = st.empty()
    st.subheader("Every generation")
    table_slot = st.empty()
    libs_shown = [n for n in inf.NAMES if n in (latest.settings.get("backends") or inf.NAMES) and n in timed]
    untimed = [f"{b.label} on `{d.name}`: {d.note}" for b in timed.values() if b.available
               for d in b.devices if not d.available and d.kind == "gpu"]

    def draw_tokens() -> None:
        rows, partial = list(latest.rows), dict(latest.partial)
        reference = partial.get("reference") or next((r["reference_tokens"] for r in rows if r.get("reference_tokens")), [])
        with tokens_slot.container():
            cols = st.columns(1 + len(libs_shown), gap="medium")
            with cols[0]:
                st.markdown("**NumPy** · the reference")
                st.caption("float64, the same weights and prompt")
                computing = bool(partial.get("computing_reference")) and latest.active
                if reference:
                    token_block(reference, as_ids, cursor=computing)
                elif computing:
                    st.caption("computing…")
            for col, name in zip(cols[1:], libs_shown):
                with col:
                    st.markdown(f"**{timed[name].label}**")
                    for r in rows:
                        if r["backend"] != name:
                            continue
                        if r["status"] != "ok":
                            st.caption(f"{plain(inf.run_label(r))}: {r['status']}")
                            continue
                        st.caption(plain(inf.run_label(r)))
                        token_block(r["tokens"], as_ids)
                        if r["tokens_match"]:
                            st.caption(f":material/check: the reference's {len(r['tokens'])} tokens")
                        else:
                            st.caption(f":material/close: the reference's first {r['first_mismatch']} tokens, then "
                                       "others (see the verdict)")
                    if partial.get("backend") == name and not partial.get("done") and latest.active:
                        st.caption(f"{plain(partial.get('run', ''))} · generating…")
                        token_block(partial.get("tokens") or [], as_ids, cursor=True)

    def draw() -> None:
        rows = list(latest.rows)
        draw_tokens()
        with verdict_slot.container():
            st.subheader("Verdict")
            for paragraph in report.verdict(rows, latest.machine):
                st.markdown(paragraph)
            if untimed:
                st.caption("Not timed here, so not in this verdict: " + "; ".join(untimed) + ".")
        with notes_slot.container():
            for r in rows:
                if r["status"] == "unsupported":
                    st.info(f"**{plain(inf.run_label(r))}** — {plain(r['message'], 500)}", icon=":material/remove:")
                elif r["status"] in ("refused", "error"):
                    (st.warning if r["status"] == "refused" else st.error)(
                        f"**{plain(inf.run_label(r))}**: {plain(r['message'], 500)}")
        ok = report.ok_rows(rows)
        if ok:
            speed_slot.altair_chart(charts.speed_chart(rows, metric), width="stretch")
            with context_slot.container():
                st.altair_chart(charts.context_chart(rows), width="stretch")
                st.caption("Each point: one over the median of the decode steps around that context length. Eager "
                           "attention reads the cached keys and values up to the current token, so its rate falls as "
                           "the cache grows (most visibly with long prompts and wide models); a compiled step reads "
                           "the whole cache every time, masked, so it stays flat.")
            with memory_slot.container():
                st.dataframe(pd.DataFrame(report.memory_table(rows)), hide_index=True, width="stretch",
                             column_config={"GB/s": st.column_config.NumberColumn(format="%.3g"),
                                            "what the figure counts": st.column_config.TextColumn(width="large")})
                st.caption("Each library counts memory its own way, so compare a library with itself across sizes "
                           "and dtypes more than with the other: MLX's `mx.get_peak_memory()` counts its arrays only; "
                           "Torch's figure on the CPU is the whole process's RSS (every library, the app). The weights "
                           "and KV cache are computed from the sizes.")
        table_slot.dataframe(results_table(rows), hide_index=True, width="stretch", column_config=TABLE_FORMAT)

    live_ui.follow(latest, draw, status_slot, stop_slot, "inference_stop", draw_partial=draw_tokens)

    live_ui.session_runs(shown, inf.KIND.name, "inference.json", "inference_download", results_table, TABLE_FORMAT)

# --- the code -------------------------------------------------------------------------------------
st.header("The code that ran", divider="gray")
st.markdown(
    "The decoder in each library, read from the modules the runs above used. The runner loads the same "
    "weights into each (`torch.nn.Linear` and `mlx.nn.Linear` both store their weight as *(out, in)*). Mind "
    "the masks: Torch's `is_causal=True` aligns to the **upper left** (query *i* sees keys 0…*i*), right for a "
    "prompt on an empty cache but wrong for one new token against a cache, which must see every key; MLX's "
    "`mask=\"causal\"` aligns to the **lower right** (the last query with the last key)."
)
code_libs = {"numpy": libs["numpy"], **timed}
# Below the fold, drawn when opened: three modules of highlighted source cost the browser more than the
# rest of the page before a run.
with lesson.details("The decoder in each library", key="inference_model_code") as opened:
    if opened:
        source_columns(code_libs, lambda name: (
            inf.library_module(name).SHOWN,
            "The reference: float64, every step written out, not timed." if name == "numpy" else
            "Variants timed: " + "; ".join(f"**{v}**: {inf.library_module(name).VARIANT_NOTES[v]}"
                                          for v in inf.library_module(name).VARIANTS)))
with lesson.details("How each generation is timed (the runner's loop)", key="inference_runner_code") as opened:
    if opened:
        st.code(inspect.getsource(runner.generate_and_time), language="python")
