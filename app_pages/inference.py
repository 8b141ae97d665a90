"""Measure: generate tokens with the same small decoder in PyTorch and MLX (same weights, same prompt),
watch the tokens appear and match a NumPy reference, and time the first token, prompt and generation
tokens per second, memory and bandwidth. The shell (ui/measure_page.py) draws the estimate, Run,
Stop, the verdict and the downloads; this page is its controls and its charts."""
import inspect

import pandas as pd
import streamlit as st

from kernels import inference as inf
from kernels.inference import config, report, runner
from kernels.inference.kind import KIND, Settings
from kernels.memory import human_bytes
from ui import inference_charts as charts
from ui import lesson
from ui.measure_page import Chosen, View, compare_section, measure_page
from ui.panel import source_columns

WIDTHS = [16, 32, 64, 128, 256, 384, 512, 768, 1024, 1536, 2048]
HEADS = [1, 2, 4, 8, 12, 16, 32]
PROMPT_LENS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 768]
NEW_TOKENS = [2, 4, 8, 16, 32, 64, 128, 256, 512]
BUDGETS = [10, 30, 60, 120, 300, 600]
VARIANT_WORDS = {"eager": "eager", "compiled": "compiled (mx.compile / torch.compile)"}
INTRO = ("Most people who run **small local models** on a Mac run inference: how many tokens per second, how long "
         "until the first token, how much memory — in MLX, or in PyTorch on `mps`? This page runs the same decoder in "
         "both libraries — same weights (one seeded NumPy generator, nothing downloaded), same prompt — generates "
         "greedily with a KV cache, and shows the tokens as they come, beside those of a float64 NumPy reference, so "
         "you can watch them match.")



def controls(libs, busy: bool) -> Chosen:
    top = st.columns([3, 3])
    preset = top[0].radio("Model size", config.PRESET_NAMES, horizontal=True, key="inference_preset", disabled=busy,
                          format_func=lambda p: f"{p} (~{config.param_count(config.Spec.from_preset(p)) / 1e6:.0f} M)"
                          if p != "tiny" else "tiny (~1 M)",
                          help=" · ".join(f"**{p.name}**: width {p.width}, {p.layers} layers, {p.heads} heads, "
                                          f"context {p.context}; {p.about}" for p in config.PRESETS.values()))
    available = [name for name, b in libs.items() if b.available]
    chosen = top[1].multiselect("Libraries", available, default=available, format_func=lambda n: libs[n].label,
                                key="inference_libraries", disabled=busy)
    base, sizes = config.PRESETS[preset], st.columns(5)
    width = sizes[0].select_slider("Width", WIDTHS, value=base.width, key=f"inference_width_{preset}", disabled=busy)
    layers = sizes[1].slider("Layers", 1, 48, base.layers, key=f"inference_layers_{preset}", disabled=busy)
    heads = sizes[2].select_slider("Heads", HEADS, value=base.heads, key=f"inference_heads_{preset}", disabled=busy,
                                   help="The width must be a multiple of the number of heads.")
    prompt_len = sizes[3].select_slider("Prompt tokens", PROMPT_LENS, value=32, key="inference_prompt_len",
                                        disabled=busy)
    new_tokens = sizes[4].select_slider("Tokens to generate", NEW_TOKENS, value=32, key="inference_new_tokens",
                                        disabled=busy)
    how = st.columns([3, 3, 2])
    dtypes = how[0].multiselect("dtypes", config.DTYPES, default=["float32"], key="inference_dtypes", disabled=busy,
                                help="Each where the device supports it (a row says why not where it does not).")
    variants = how[1].multiselect("Variants", list(VARIANT_WORDS), default=list(VARIANT_WORDS),
                                  format_func=VARIANT_WORDS.get, key="inference_variants", disabled=busy,
                                  help="compiled: the decode step in mx.compile (MLX) or torch.compile (PyTorch).")
    budget = how[2].select_slider("torch.compile budget", BUDGETS, value=int(runner.COMPILE_BUDGET_S),
                                  format_func=lambda s: f"{s} s", key="inference_budget", disabled=busy,
                                  help="How long torch.compile may compile (in a process of its own) before its row "
                                       "says so instead of timing: inductor builds C++ on the CPU, which takes about "
                                       "a minute on a small machine the first time.")
    spec = config.Spec(preset=preset, width=int(width), layers=int(layers), heads=int(heads), context=base.context,
                       prompt_len=int(prompt_len), new_tokens=int(new_tokens))
    missing = [what for what, picked in (("library to run", chosen), ("dtype", dtypes), ("variant", variants))
               if not picked]
    return Chosen(Settings(spec, tuple(dtypes), tuple(variants), tuple(chosen), compile_budget_s=budget),
                  f"Pick at least one {missing[0]}." if missing else None)


def describe(settings: Settings, guess) -> str:
    spec = settings.spec
    sizes = ", ".join(f"{human_bytes(config.weights_bytes(spec, d))} of weights and "
                      f"{human_bytes(config.kv_cache_bytes(spec, d))} of KV cache in {d}" for d in settings.dtypes)
    text = f"{spec.size_label()}: {config.param_count(spec):,} parameters; {spec.lengths_label()}"
    text += (f"; {sizes}" if sizes else "") + ". "
    if guess is None:
        return text
    return text + (f"{guess.timed} generations, {guess.words()} by an estimate " + (
        f"scaled from this session's runs for {guess.calibrated} of them." if guess.calibrated
        else "from assumed rates for a slow CPU; it can be off several times."))


def layout(latest, libs):
    st.subheader("Tokens per second")
    metric = st.radio("Show", list(charts.METRICS), horizontal=True, key="inference_metric",
                      format_func=lambda m: charts.METRICS[m].split(" (")[0].split(",")[0])
    speed_slot = st.empty()
    st.subheader("Generation across context length")
    context_slot = st.empty()
    st.subheader("Memory")
    memory_slot = st.empty()

    def draw() -> None:
        rows = list(latest.rows)
        if not report.ok_rows(rows):
            return
        speed_slot.altair_chart(charts.speed_chart(rows, metric), width="stretch")
        with context_slot.container():
            st.altair_chart(charts.context_chart(rows), width="stretch")
            st.caption(charts.CONTEXT_WORDS)
        with memory_slot.container():
            st.dataframe(pd.DataFrame(report.memory_table(rows)), hide_index=True, width="stretch",
                         column_config={"GB/s": st.column_config.NumberColumn(format="%.3g"),
                                        "what the figure counts": st.column_config.TextColumn(width="large")})
            st.caption(charts.MEMORY_WORDS)
    return draw


def code(libs, settings) -> None:
    st.markdown("The decoder in each library, read from the modules the runs above used. The runner loads the same "
                "weights into each (`torch.nn.Linear` and `mlx.nn.Linear` both store their weight as *(out, in)*). "
                "Mind the masks: Torch's `is_causal=True` aligns to the **upper left** (query *i* sees keys 0…*i*), "
                "right for a prompt on an empty cache but wrong for one new token against a cache, which must see "
                "every key; MLX's `mask=\"causal\"` aligns to the **lower right** (the last query with the last key).")
    # Below the fold, drawn when opened: three modules of highlighted source.
    with lesson.details("The decoder in each library", key="inference_model_code") as opened:
        if opened:
            def shown(name):
                module = inf.library_module(name)
                if name == "numpy":
                    return module.SHOWN, "The reference: float64, every step written out, not timed."
                return module.SHOWN, "Variants timed: " + "; ".join(f"**{v}**: {module.VARIANT_NOTES[v]}"
                                                                    for v in module.VARIANTS)
            source_columns({n: libs[n] for n in ("numpy", *KIND.libraries) if n in libs}, shown)
    with lesson.details("How each generation is timed (the runner's loop)", key="inference_runner_code") as opened:
        if opened:
            st.code(inspect.getsource(runner.generate_and_time), language="python")


def compare(rows) -> None:
    """Compare machines: generation of the same model, dtype and lengths on each machine."""
    compare_section(KIND, rows, chooser="Model, dtype and lengths", did="generated",
                    bar="library · device · variant · dtype",
                    why="Only generations of the same model size, dtype, prompt length and number of new tokens "
                        "compare like for like.",
                    chart=charts.machines_chart, table=report.machine_table,
                    formats={"generation tok/s": "{:.1f}", "prompt tok/s": "{:.0f}", "first token ms": "{:.2f}",
                             "GB/s": "{:.3g}"})


VIEW = View(INTRO, controls, describe, layout, lambda rows: pd.DataFrame(report.run_table(rows)), code,
            run_label="Generate and time", stop_words="Stop ends it within a token and keeps what has finished.",
            table_format=charts.TABLE_FORMAT, in_progress=charts.tokens_view)

if __name__ == "__main__":
    measure_page(KIND, VIEW)
