"""Reading inference rows: which library generated faster where (:func:`comparison`), the plain-words
verdict built from it (:func:`verdict`), whether the tokens matched (:func:`tokens_paragraph`), and
the long tables the page's charts draw.

Nothing here knows a library by name: libraries are whatever the rows hold, told apart by their
``backend`` and named by their ``label``.
"""
from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence

from ..measure.rows import label, left_out, noise, ok_rows, steady_rows
from ..measure.timing import format_seconds
from ..measure.words import EVEN, caveats, ratio_text
from ..memory import human_bytes
from .results import InferenceRow
from .runner import run_label, size_text

# Rows compare like for like only with the same model, dtype and lengths.
SETTING = ("preset", "width", "layers", "heads", "context", "dtype", "prompt_len", "new_tokens")
CONTEXT_WINDOW = 5  # decode steps per point of the chart across context length (a running median)


def setting_key(row: Mapping) -> tuple:
    return tuple(row.get(k) for k in SETTING)


def setting_text(key: Sequence) -> str:
    """``the tiny preset (width 128 · 4 layers · 4 heads) in float32, a 32-token prompt and 32 new tokens``"""
    s = dict(zip(SETTING, key))
    dims = dims_text(s)
    size = f"the {s['preset']} preset ({dims})" if s["preset"] != "custom" else f"a custom size ({dims})"
    return f"{size} in {s['dtype']}, with a prompt of {s['prompt_len']} tokens and {s['new_tokens']} new tokens"


def dims_text(s: Mapping) -> str:
    """``width 128 · 4 layers · 4 heads``"""
    return (f"width {s['width']} · {s['layers']} layer{'s' * (s['layers'] != 1)} · "
            f"{s['heads']} head{'s' * (s['heads'] != 1)}")


def where_text(row: Mapping) -> str:
    """``cpu`` or ``gpu (compiled)``: where and how a library's row ran."""
    variant = row.get("variant")
    return row["device"] + (f" ({variant})" if variant and variant != "eager" else "")


def best_per_library(rows: Iterable[Mapping], metric: str = "decode_tok_s") -> list[Mapping]:
    """Each library's row with the highest ``metric`` (over its devices and variants), best first."""
    best: dict[str, Mapping] = {}
    for r in ok_rows(rows):
        if r.get(metric) is not None and (r["backend"] not in best or r[metric] > best[r["backend"]][metric]):
            best[r["backend"]] = r
    return sorted(best.values(), key=lambda r: -r[metric])


def comparison(rows: Iterable[Mapping]) -> list[dict]:
    """One entry per setting (size, dtype, lengths), in the order first timed: each library's fastest
    generation, the fastest library and how many times the next one's tokens per second."""
    groups: dict[tuple, list[Mapping]] = {}
    for r in ok_rows(rows):
        groups.setdefault(setting_key(r), []).append(r)
    out = []
    for key, group in groups.items():
        ranked = best_per_library(group)
        first, second = ranked[0], (ranked[1] if len(ranked) > 1 else None)
        out.append({"key": key, "rows": group, "ranked": ranked, "winner": first, "runner_up": second,
                    "ratio": first["decode_tok_s"] / second["decode_tok_s"] if second else None})
    return out


def verdict(rows: Iterable[Mapping], machine: Mapping | None = None) -> list[str]:
    """Plain-words paragraphs computed from ``rows``: per setting, who generates more tokens per
    second here and by how much, the time to first token, the bytes each token reads and the
    bandwidth that makes; then whether the tokens matched, and what the ``machine``'s builds mean
    (MLX's Linux CPU build)."""
    rows = list(rows)
    ok = ok_rows(rows)
    if not ok:
        return ["No generation finished, so there is nothing to compare yet."]
    steady = steady_rows(ok)  # noisy generations are named at the end, never compared
    paragraphs = []
    for entry in comparison(steady):
        first, second, setting = entry["winner"], entry["runner_up"], setting_text(entry["key"])
        if second is None:
            text = (f"On this machine, only **{label(first['backend'])}** generated {setting}: "
                    f"{first['decode_tok_s']:,.1f} tokens per second on {where_text(first)}.")
        elif entry["ratio"] < EVEN:
            text = (f"On this machine, {label(first['backend'])} on {where_text(first)} and "
                    f"{label(second['backend'])} on {where_text(second)} generate about as many tokens per second "
                    f"(within {EVEN - 1:.0%}) for {setting}: {first['decode_tok_s']:,.1f} and "
                    f"{second['decode_tok_s']:,.1f}.")
        else:
            text = (f"On this machine, **{label(first['backend'])}** on {where_text(first)} generates "
                    f"**{ratio_text([entry['ratio']])}** as many tokens per second as {label(second['backend'])} on "
                    f"{where_text(second)} for {setting}: {first['decode_tok_s']:,.1f} against "
                    f"{second['decode_tok_s']:,.1f}.")
        quickest = sorted(best_per_library(entry["rows"], "prefill_tok_s"), key=lambda r: r["ttft_s"])
        text += " Time to first token, quickest of each library: " + ", ".join(
            f"{label(r['backend'])} {format_seconds(r['ttft_s'])} on {where_text(r)} "
            f"({r['prefill_tok_s']:,.0f} prompt tokens/s)" for r in quickest) + "."
        text += (f" Each generated token reads about {human_bytes(first['bytes_per_token'])} (every weight matrix "
                 f"once, and the keys and values cached so far), so the fastest generation moved "
                 f"{first['gbps']:.3g} GB/s. Reading every weight for little arithmetic, one token at a time, a "
                 "large model is bound by memory bandwidth; a small one mostly by the cost of each operation.")
        paragraphs.append(text)
    if not steady:
        paragraphs.append("Every finished generation's decode steps were noisy, so there is no verdict on speed.")
    noisy = left_out(ok, run_label)
    if noisy:
        paragraphs.append(noisy)
    paragraphs.append(tokens_paragraph(ok))
    off = [r for r in ok
           if r.get("logits_err") is not None and r.get("logits_tol") and r["logits_err"] > r["logits_tol"]]
    if off:
        paragraphs.append("**Logits beyond tolerance:** " + "; ".join(
            f"{run_label(r)} differs from the float64 reference by {r['logits_err']:.2g} of the largest logit "
            f"(its {r['dtype']} tolerance is {r['logits_tol']:.0g})" for r in off) + ".")
    paragraphs += [f"**Read with care:** {note}" for note in caveats(ok, machine)]
    return paragraphs


def tokens_paragraph(rows: Iterable[Mapping]) -> str:
    """Whether every generation produced the float64 reference's tokens, and where any parted; and
    whether the libraries produced the same tokens as each other in each dtype."""
    ok = [r for r in ok_rows(rows) if r.get("tokens")]
    if not ok:
        return "No generation finished, so no tokens to compare yet."
    n = len(ok[0]["tokens"])
    apart = [r for r in ok if not r.get("tokens_match")]
    if not apart:
        return (f"**Same tokens everywhere:** all {len(ok)} generation{'s' * (len(ok) != 1)} produced exactly the "
                f"tokens of the float64 NumPy reference (same weights, same prompt, greedy choice at every step).")
    parts = [f"**{run_label(r)}** " + (r.get("message") or f"generated the reference's first "
                                         f"{r.get('first_mismatch') or 0} of {len(r['tokens'])} tokens, then others")
             for r in apart]
    same = len(ok) - len(apart)
    text = "; ".join(parts) + "."
    if same:
        text += f" The other {same} generation{'s' * (same != 1)} produced the reference's {n} tokens exactly."
    for dtype in dict.fromkeys(r["dtype"] for r in apart):
        libs = {r["backend"]: r["tokens"] for r in ok if r["dtype"] == dtype}
        if len(libs) > 1:
            agree = len({tuple(t) for t in libs.values()}) == 1
            names = " and ".join(label(b) for b in libs)
            text += (f" In {dtype}, {names} "
                     f"{'still generated the same tokens as each other' if agree else 'also differ from each other'}.")
    return text


# --- long tables for charts ---------------------------------------------------------------------

def speed_table(rows: Iterable[Mapping], extra: Sequence[str] = ()) -> list[dict]:
    """One record per finished generation: what the tokens-per-second charts plot."""
    return [{
        "run": run_label(r),
        "library": label(r["backend"]),
        "device": r["device"],
        "variant": r.get("variant"),
        "dtype": r["dtype"],
        "size": size_text(r),
        "ttft_ms": 1e3 * r["ttft_s"],
        "prefill_tok_s": r["prefill_tok_s"],
        "decode_tok_s": r["decode_tok_s"],
        "step_ms": 1e3 * r["median_s"],
        "iqr_ms": 1e3 * (r.get("iqr_s") or 0.0),
        "noisy": noise(r) or "no",
        "gbps": r.get("gbps"),
        "peak_bytes": r.get("peak_bytes"),
        **{key: r.get(key) for key in extra},
    } for r in ok_rows(rows)]


def context_table(rows: Iterable[Mapping], window: int = CONTEXT_WINDOW) -> list[dict]:
    """Generation tokens per second across context length: for each finished generation, a running
    median of ``window`` decode steps at each context length (``context_len``: the tokens in the
    cache, whose keys and values attention reads; not the row's ``context``, the model's limit)."""
    out = []
    for r in ok_rows(rows):
        steps = r.get("step_s") or []
        for i in range(len(steps)):
            lo = max(0, i - window // 2)
            seconds = statistics.median(steps[lo:lo + window])
            out.append({"run": run_label(r), "library": label(r["backend"]), "context_len": r["prompt_len"] + i + 1,
                        "tok_s": 1.0 / seconds, "step_ms": 1e3 * steps[i]})
    return out


def memory_table(rows: Iterable[Mapping]) -> list[dict]:
    """Each finished generation's memory: what its library reports, labelled, beside the bytes the
    weights and the KV cache take by computation."""
    return [{
        "run": run_label(r),
        "peak memory": human_bytes(r["peak_bytes"]) if r.get("peak_bytes") is not None else "n/a",
        "what the figure counts": r.get("memory_note") or "",
        "weights": human_bytes(r["weights_bytes"]),
        "KV cache": human_bytes(r["kv_cache_bytes"]),
        "read per token": human_bytes(r["bytes_per_token"]),
        "GB/s": r.get("gbps"),
    } for r in ok_rows(rows)]


# --- across machines (Compare machines) -----------------------------------------------------------

def choice_text(key: Sequence) -> str:
    """``tiny · width 128 · 4 layers · 4 heads · float32 · prompt 32 · 32 new tokens``."""
    s = dict(zip(SETTING, key))
    return f"{s['preset']} · {dims_text(s)} · {s['dtype']} · prompt {s['prompt_len']} · {s['new_tokens']} new tokens"


def run_table(rows: Iterable[Mapping]) -> list[dict]:
    """One line per generation, every status: the page's table (units in the column names)."""
    return [{
        "run": run_label(r),
        "size": size_text(r),
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
    } for r in rows]


def token_columns(rows: Iterable[Mapping], backend: str) -> list[tuple[str, InferenceRow]]:
    """What the page shows under one library's tokens: each of its rows, in words and typed."""
    return [(run_label(r), InferenceRow.of(r)) for r in rows if r["backend"] == backend]


def reference_tokens(rows: Iterable[Mapping]) -> list[int]:
    """The float64 reference's tokens, from the first row that carries them."""
    return next((r["reference_tokens"] for r in rows if r.get("reference_tokens")), [])


def machine_table(rows: Iterable[Mapping]) -> list[dict]:
    """One line per machine × library · device · variant · dtype, most tokens per second first."""
    return [{"machine": r["machine"], "run": run_label(r), "generation tok/s": r["decode_tok_s"],
             "prompt tok/s": r["prefill_tok_s"], "first token ms": 1e3 * r["ttft_s"], "GB/s": r.get("gbps"),
             "same tokens as the reference": r.get("tokens_match"), "noisy": noise(r) or ""}
            for r in sorted(rows, key=lambda r: -r["decode_tok_s"])]
