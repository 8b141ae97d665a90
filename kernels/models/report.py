"""Reading result rows: which library trained faster where (:func:`comparison`), the plain-words
verdict built from it (:func:`verdict`), and the long tables the page's charts draw.

Nothing here knows a library by name: libraries are whatever the rows hold, told apart by their
``backend`` and named by their ``label``.
"""
from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence

from ..measure.rows import label, left_out, noise, ok_rows, row_label, steady_rows
from ..measure.words import EVEN, caveats, ratio_text
from ..memory import human_bytes
from . import config
from .runner import size_text

SIZE_DIMS = ("batch", "width", "seq_len")
DIM_WORDS = {"batch": "batch", "width": "width", "seq_len": "sequence length"}


def size_key(row: Mapping) -> tuple:
    return tuple(row.get(d) or 0 for d in SIZE_DIMS)


def varying_dims(rows: Sequence[Mapping]) -> list[str]:
    """The size settings that take more than one value among ``rows``."""
    return [d for d in SIZE_DIMS if len({r.get(d) for r in rows}) > 1]


def best_per_library(rows: Iterable[Mapping]) -> list[Mapping]:
    """Each library's fastest row (over its devices and variants), fastest library first."""
    best: dict[str, Mapping] = {}
    for r in ok_rows(rows):
        if r["backend"] not in best or r["steps_per_s"] > best[r["backend"]]["steps_per_s"]:
            best[r["backend"]] = r
    return sorted(best.values(), key=lambda r: -r["steps_per_s"])


def comparison(rows: Iterable[Mapping]) -> list[dict]:
    """One entry per (model, size): the fastest library and how much faster than the next."""
    out = []
    ok = ok_rows(rows)
    for (model, key), group in itertools.groupby(sorted(ok, key=lambda r: (r["model"], size_key(r))),
                                                 key=lambda r: (r["model"], size_key(r))):
        ranked = best_per_library(list(group))
        first = ranked[0]
        second = ranked[1] if len(ranked) > 1 else None
        out.append({
            "model": model, **dict(zip(SIZE_DIMS, key)),
            "winner": first["backend"], "winner_label": label(first["backend"]), "winner_row": row_label(first),
            "winner_where": where_text(first),
            "winner_steps_per_s": first["steps_per_s"],
            "runner_up": second["backend"] if second else None,
            "runner_up_label": label(second["backend"]) if second else None,
            "runner_up_row": row_label(second) if second else None,
            "runner_up_steps_per_s": second["steps_per_s"] if second else None,
            "ratio": first["steps_per_s"] / second["steps_per_s"] if second else None,
            "ranked": [(r["backend"], label(r["backend"]), r["steps_per_s"]) for r in ranked],
        })
    return out


def describe(row: Mapping) -> str:
    """``PyTorch · cpu · MLP at batch 32 · width 128``: one training run in words."""
    return f"{row_label(row)} · {config.MODEL_TITLES.get(row['model'], row['model'])} at {size_text(row)}"


def where_text(row: Mapping) -> str:
    """``on cpu`` or ``compiled on gpu``: where and how a library's row ran."""
    variant = row.get("variant")
    return (f"{variant} " if variant and variant != "eager" else "") + f"on {row['device']}"


LOSSES_AGREE = 1e-3  # largest gap between two libraries' losses at a step that still counts as the same curve


def loss_gap(rows: Iterable[Mapping]) -> float | None:
    """The largest difference between two libraries' losses at the same step of the same run."""
    gap = None
    groups: dict[tuple, list] = {}
    for r in ok_rows(rows):
        groups.setdefault((r["model"], size_key(r), r["steps"], r["optimizer"], r["lr"]), []).append(r["losses"])
    for curves in groups.values():
        for a, b in itertools.combinations(curves, 2):
            for x, y in zip(a, b):
                if x is not None and y is not None:
                    gap = max(gap or 0.0, abs(x - y))
    return gap


def _values(entries: Sequence[Mapping], dim: str) -> str:
    vals = sorted({e[dim] for e in entries})
    if len(vals) == 1:
        return f"{DIM_WORDS[dim]} {vals[0]}"
    if len(vals) == 2:
        return f"{DIM_WORDS[dim]} {vals[0]} and {vals[1]}"
    return f"{DIM_WORDS[dim]} {vals[0]}–{vals[-1]}"


def _where(entries: Sequence[Mapping], dims: Sequence[str]) -> str:
    if not dims:
        return "at the size tried"
    if len(dims) == 1:
        return f"at {_values(entries, dims[0])}"
    return "at " + "; ".join(" · ".join(f"{DIM_WORDS[d]} {e[d]}" for d in dims) for e in entries)


def _header(model: str, rows: Sequence[Mapping], dims: Sequence[str]) -> str:
    r = rows[0]
    fixed = [f"{DIM_WORDS[d]} {r[d]}" for d in SIZE_DIMS
             if d not in dims and not (d == "seq_len" and model != "transformer")]
    layers = f"{r['depth']} {'hidden layers' if model == 'mlp' else 'blocks'}"
    optimizer = config.OPTIMIZER_TITLES.get(r["optimizer"], r["optimizer"])
    return (f"**{config.MODEL_TITLES.get(model, model)}** ({', '.join(fixed + [layers])}, {optimizer}, "
            f"{r['steps']} steps)")


def verdict(rows: Iterable[Mapping], machine: Mapping | None = None) -> list[str]:
    """Plain-words paragraphs, one per model, computed from ``rows``: who trained fastest at which
    sizes and by how much, each pair of libraries compared, what the ``machine``'s builds mean for
    them (MLX's Linux CPU build), and whether the losses agreed."""
    rows = list(rows)
    ok = ok_rows(rows)
    if not ok:
        return ["No run finished, so there is nothing to compare yet."]
    steady = steady_rows(ok)  # noisy runs are named at the end, never compared
    paragraphs = []
    for model in [m for m in config.MODELS if any(r["model"] == m for r in steady)]:
        mrows = [r for r in steady if r["model"] == model]
        dims = varying_dims(mrows)
        # Only sizes that at least two libraries trained compare anything (a run stopped part way,
        # or still going, may have one library alone at its last size).
        entries = [e for e in comparison(mrows) if e["runner_up"] is not None]
        entries.sort(key=lambda e: tuple(e[d] or 0 for d in dims))
        libraries = {r["backend"]: label(r["backend"]) for r in mrows}
        parts = [_header(model, mrows, dims) + ":"]
        if len(libraries) < 2 or not entries:
            only = " and ".join(libraries.values())
            parts.append(f"only {only} trained it here at any one size, so there is nothing to compare it with"
                         + (" yet." if len(libraries) > 1 else "."))
            paragraphs.append(" ".join(parts))
            continue
        runs = [list(g) for _, g in itertools.groupby(entries, key=lambda e: e["winner"])]
        sentences = []
        for group in runs:
            first = group[0]
            where = _where(group, dims)
            if len(runs) == 1 and len(group) > 1:
                where = f"at every size tried ({where.removeprefix('at ')})"
            ratios = [e["ratio"] for e in group]
            others = " or ".join(dict.fromkeys(e["runner_up_label"] for e in group))
            ways: dict[str, list] = {}  # how the winner ran, each with the sizes it won at that way
            for e in group:
                ways.setdefault(e["winner_where"], []).append(e)
            on = next(iter(ways)) if len(ways) == 1 else "; ".join(
                f"{how} {_where(won, dims)}" for how, won in ways.items())
            if max(ratios) < EVEN:
                sentences.append(f"{where}, {first['winner_label']} and {others} are about even "
                                 f"(within {EVEN - 1:.0%})")
            else:
                sentences.append(f"{where}, **{first['winner_label']}** trains fastest ({on}): "
                                 f"{ratio_text(ratios)} the steps per second of {others}, the next fastest")
        parts.append(" ".join(s[0].upper() + s[1:] + "." for s in sentences))
        if len(libraries) > 2:
            parts.append(_pairs(entries, libraries))
        paragraphs.append(" ".join(parts))
    if not steady:
        paragraphs.append("Every finished run's step times were noisy, so there is no verdict.")
    noisy = left_out(ok, describe)
    if noisy:
        paragraphs.append(noisy)
    paragraphs += [f"**Read with care:** {note}" for note in caveats(ok, machine)]
    gap = loss_gap(ok)
    if gap is not None:
        if gap < LOSSES_AGREE:
            agree = "are identical at every step" if gap == 0 else f"agree at every step to within {gap:.1g}"
            paragraphs.append(f"The libraries' losses {agree} (same weights, same batches, same optimiser), so "
                              "each did the same work and the speeds compare like for like.")
        else:
            paragraphs.append(f"The libraries' losses differ by up to {gap:.3g} at some step: float32 rounding "
                              "grows over many steps, so compare speeds but read the curves with that in mind.")
    return paragraphs


def _pairs(entries: Sequence[Mapping], libraries: Mapping[str, str]) -> str:
    """``MLX against PyTorch: faster at 3 of 3 sizes (1.2–2.0×).`` for every pair of libraries."""
    out = []
    for a, b in itertools.combinations(libraries, 2):
        wins_a, wins_b = [], []
        for e in entries:
            speed = {lib: s for lib, _, s in e["ranked"]}
            if a in speed and b in speed:
                (wins_a if speed[a] >= speed[b] else wins_b).append(max(speed[a], speed[b]) / min(speed[a], speed[b]))
        n = len(wins_a) + len(wins_b)
        if not n:
            continue
        lead, other, wins, losses = ((a, b, wins_a, wins_b) if len(wins_a) >= len(wins_b)
                                     else (b, a, wins_b, wins_a))
        if n == 1:
            out.append(f"{libraries[lead]} is {ratio_text(wins)} as fast as {libraries[other]}")
            continue
        text = f"{libraries[lead]} against {libraries[other]}: faster at {len(wins)} of {n} sizes ({ratio_text(wins)})"
        out.append(f"{text}, slower at {len(losses)} ({ratio_text(losses)})" if losses else text)
    return "Pair by pair: " + "; ".join(out) + "."


# --- long tables for charts ---------------------------------------------------------------------

def speed_table(rows: Iterable[Mapping], extra: Sequence[str] = ()) -> list[dict]:
    """One record per finished run: what the steps-per-second charts plot (``extra``: row fields to
    copy, such as Compare machines' ``machine``)."""
    return [{
        "model": config.MODEL_TITLES.get(r["model"], r["model"]),
        "library": label(r["backend"]),
        "run": row_label(r),
        "device": r["device"],
        "variant": r.get("variant"),
        "batch": r["batch"],
        "width": r["width"],
        "seq_len": r.get("seq_len"),
        "size": size_text(r),
        "steps_per_s": r["steps_per_s"],
        "step_ms": 1e3 * r["median_s"],
        "iqr_ms": 1e3 * (r.get("iqr_s") or 0.0),
        "noisy": noise(r) or "no",
        "peak_memory_bytes": r.get("peak_memory_bytes"),
        **{key: r.get(key) for key in extra},
    } for r in ok_rows(rows)]


def run_table(rows: Iterable[Mapping]) -> list[dict]:
    """One line per run, every status: the page's table of every run (units in the column names)."""
    return [{
        "run": row_label(r),
        "size": size_text(r),
        "status": r["status"],
        "steps/s": r["steps_per_s"],
        "ms/step": 1e3 * r["median_s"] if r["median_s"] else None,
        "IQR ms": 1e3 * r["iqr_s"] if r["iqr_s"] is not None else None,
        "noisy": noise(r) or "",
        "first loss": r["initial_loss"],
        "last loss": r["final_loss"],
        "peak memory": (human_bytes(r["peak_memory_bytes"]) if r["peak_memory_bytes"] is not None else "n/a")
        if r["status"] == "ok" else "",
        "note": r["message"] or (r["memory_note"] if r["status"] == "ok" and r["peak_memory_bytes"] is None else ""),
    } for r in rows]


def loss_table(rows: Iterable[Mapping]) -> list[dict]:
    """One record per (run, step): the loss curves."""
    return [{"run": row_label(r), "library": label(r["backend"]), "size": size_text(r), "step": i + 1, "loss": loss}
            for r in ok_rows(rows) for i, loss in enumerate(r["losses"])]


# --- across machines (Compare machines) -----------------------------------------------------------

def choice_text(s: Mapping) -> str:
    """``MLP · batch 32 · width 128 · 2 layers · Adam · 20 steps``: a run's settings (a row will do)."""
    parts = [config.MODEL_TITLES.get(s["model"], str(s["model"])), f"batch {s['batch']}", f"width {s['width']}"]
    if s["model"] == "transformer":
        parts.append(f"seq {s['seq_len']}")
    parts += [f"{s['depth']} {'layers' if s['model'] == 'mlp' else 'blocks'}",
              config.OPTIMIZER_TITLES.get(s["optimizer"], str(s["optimizer"])), f"{s['steps']} steps"]
    return " · ".join(parts)


def machine_table(rows: Iterable[Mapping]) -> list[dict]:
    """One line per machine × library · device · variant, fastest first."""
    return [{"machine": r["machine"], "library · device": row_label(r), "steps/s": r["steps_per_s"],
             "ms/step": 1e3 * r["median_s"], "peak memory (bytes)": r.get("peak_memory_bytes"),
             "noisy": noise(r) or ""}
            for r in sorted(rows, key=lambda r: -r["steps_per_s"])]
