"""One shell for every Measure page: the page gives its kind of measurement
(``kernels.measure.kinds``), its controls and its charts (:class:`View`); the shell draws the rest
the same way on every page: the devices found, the estimate, Run, Clear, Stop and progress, the
verdict and the notes on rows that did not run, the downloads (JSON and CSV), the machine the
results belong to, and the session's earlier runs.

The run measures in a process of its own (``kernels.measure.live``); a script run only draws it.
"""
from __future__ import annotations

import dataclasses
import importlib.util
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import streamlit as st

from kernels import machine
from kernels.measure import compare as kc
from kernels.measure.estimate import Estimate
from kernels.measure.kinds import MeasureKind
from kernels.measure.live import LiveRun, session_file
from kernels.measure.rows import notices
from kernels.measure.words import about, machine_lines
from ui import live as live_ui
from ui.panel import backends, missing_notice
from ui.safe import markdown_table, plain

KEEP_RUNS = 10  # a session keeps its latest runs, oldest dropped first
ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Chosen:
    """What a page's controls ask for: the kind's settings, or why nothing can run."""

    settings: Any = None
    problem: str | None = None


@dataclass(frozen=True)
class View:
    """What a Measure page is made of besides the shell. Each callable is given the libraries of
    the page's kind found here (``libs``) and, where it draws for a run, that :class:`LiveRun`."""

    intro: str  # Markdown under the title: the question the page answers
    controls: Callable[[Mapping, bool], Chosen]  # (libs, busy) -> Chosen
    describe: Callable[[Any, Estimate | None], str]  # the caption under the controls (None: nothing to run)
    layout: Callable[[LiveRun, Mapping], Callable[[], None]]  # below the verdict: the slots; returns draw()
    table: Callable[[Sequence[Mapping]], Any] | None  # every row as a DataFrame (None: ``layout`` draws it)
    code: Callable[[Mapping, Any], None]  # (libs, settings): the last section, "The code that ran"
    run_label: str = "Run"
    stop_words: str = "Stop ends it within a step and keeps what has finished."
    table_format: Mapping = field(default_factory=dict)  # st.column_config per column of ``table``
    # Above the verdict, what the engine reports from inside the row being measured (the tokens so far):
    # makes its slots, returns draw(), called again each time the report changes.
    in_progress: Callable[[LiveRun, Mapping], Callable[[], None]] | None = None
    devices_caption: bool = True  # False: the controls show the devices (to pick from)
    estimate_on_button: bool = False  # "Run · about 20 s", disabled while there is nothing to run
    page_cost: Callable[[Any, Sequence, Estimate], float] | None = None  # seconds the page adds (drawing)
    pause: Callable[[LiveRun], Callable[[Mapping], float]] | None = None  # after a row: the wait for the browser
    prepare: Callable[[list, Mapping], list] | None = None  # the rows as drawn and saved (roofline fields)
    beside_run: Callable[[Mapping, bool, Any], None] | None = None  # (libs, busy, settings): under the Run button
    busy: Callable[[], bool] | None = None  # something else the page runs is measuring
    after_results: Callable[[Mapping], None] | None = None  # (libs): between the results and the code
    code_heading: str = "The code that ran"
    earlier_table: Callable[[Sequence[Mapping]], Any] | None = None  # earlier runs' tables, if not ``table``


def runs_key(kind: MeasureKind) -> str:
    return f"{kind.page.url_path}_runs"


def live_key(kind: MeasureKind) -> str:
    return f"{kind.page.url_path}_live"


def measure_page(kind: MeasureKind, view: View) -> None:
    """Draw the Measure page of ``kind``."""
    key = kind.page.url_path
    live: LiveRun | None = st.session_state.get(live_key(kind))
    # what is measured cannot change while it runs
    busy = live is not None and live.active or bool(view.busy and view.busy())

    st.title(kind.title)
    st.markdown(view.intro)
    libs = backends()
    mine = {name: libs[name] for name in kind.libraries if name in libs}
    if view.devices_caption:
        devices_found(mine)

    chosen = view.controls(mine, busy)
    settings, problem = chosen.settings, chosen.problem
    run_libs = {n: b for n, b in mine.items() if settings is not None and n in settings.backends or not b.available}
    tasks = []
    if problem is None:
        try:
            tasks = kind.plan(settings, run_libs)
        except ValueError as exc:
            problem = f"Can't run that: {exc}."
    if problem is None and tasks:  # refused before anything is allocated, and said before Run is pressed
        problem = kind.memory_refusal(settings)
    runs: list[LiveRun] = st.session_state.setdefault(runs_key(kind), [])
    guess = None
    if settings is not None:
        guess = kind.estimate(tasks, run_libs, settings, known=[r for run in runs for r in run.rows])
        extra = view.page_cost(settings, tasks, guess) if view.page_cost else live_ui.chart_pause_s() * guess.timed
        guess = dataclasses.replace(guess, seconds=guess.seconds + extra)

    left, right = st.columns([2, 2, 5])[:2] if not view.estimate_on_button else st.columns([1, 3],
                                                                                           vertical_alignment="center")
    with left:
        label = f"{view.run_label} · {guess.words()}" if view.estimate_on_button and tasks else view.run_label
        clicked = st.button(label, type="primary", icon=":material/play_arrow:", key=f"{key}_run",
                            disabled=busy or view.estimate_on_button and not tasks, width="stretch")
    with right:
        if view.estimate_on_button:
            st.caption(view.describe(settings, guess if tasks else None))
        elif runs and not busy and st.button("Clear results", key=f"{key}_clear"):
            runs.clear()
    if settings is not None and not view.estimate_on_button:
        st.caption(view.describe(settings, guess if tasks else None))
    if view.beside_run:
        view.beside_run(mine, busy, settings)
    if problem and not view.estimate_on_button:  # (there the caption says it, and Run waits for a choice)
        st.error(problem, icon=":material/block:")
    elif tasks and guess.seconds > 60 and guess.slowest:
        st.warning(f"This will take {about(guess.seconds)} (the longest, {guess.slowest[0]}, "
                   f"{about(guess.slowest[1])}). {view.stop_words}", icon=":material/schedule:")
    if clicked and not busy and not problem:
        live = LiveRun(kind=kind.name, total=len(tasks), machine=machine.machine_info(libs), page=kind.title,
                       noun=kind.noun, settings=settings.as_dict(), title=kind.run_title(settings),
                       estimate_s=guess.seconds, **kind.live_fields(settings, tasks))
        runs.append(live)
        del runs[:-KEEP_RUNS]
        live_ui.start(live_key(kind), live, kind.job(tasks, run_libs, settings),
                      view.pause(live) if view.pause else None)

    # Runs with rows, and the latest whatever it did: one stopped before its first row says so.
    shown = [run for i, run in enumerate(runs) if run.rows or run.active or i == len(runs) - 1]
    if shown:
        results(kind, view, shown, mine)
    if view.after_results:
        view.after_results(mine)
    st.header(view.code_heading, divider="gray")
    view.code(libs, settings)


def devices_found(libs: Mapping) -> None:
    """Which devices each library has here (every available one is timed), and a notice for each
    library that is missing: its rows say so and the rest of the page works."""
    found = " · ".join(f"{b.label}: {', '.join(f'`{d.name}`' for d in b.available_devices)}"
                       for b in libs.values() if b.available)
    st.caption(f"Devices found here: {found or 'none'}. Every available device is timed; on a Mac that means Torch on "
               "`mps` and MLX on the Metal GPU as well as both on the CPU.")
    for b in libs.values():
        if not b.available:
            missing_notice(b)


def results(kind: MeasureKind, view: View, shown: list[LiveRun], libs: Mapping) -> None:
    """The latest run, redrawn as its rows arrive; the session's file to download; the machine the
    results belong to; earlier runs."""
    latest = shown[-1]
    st.header("Results", divider="gray")
    status_slot, stop_slot = st.empty(), st.empty()
    when = f" · measured from {latest.started[11:23]} to {latest.finished[11:23]} UTC" if latest.finished else ""
    st.caption(f"Latest run: {plain(latest.title)}{when}. Results stay while you change the settings; press the "
               "button again to add a run.")
    draw_partial = view.in_progress(latest, libs) if view.in_progress else None
    verdict_slot = st.container(border=True).empty()
    notes_slot = st.empty()
    draw_rest = view.layout(latest, libs)
    if view.table is not None:
        st.subheader(f"Every {kind.noun}")
    table_slot = st.empty()
    untimed = [f"{b.label} on `{d.name}`: {d.note}" for b in libs.values() if b.available
               for d in b.devices if not d.available and d.kind == "gpu"]

    def draw() -> None:
        rows = rows_of(view, latest)
        if draw_partial:
            draw_partial()
        with verdict_slot.container():
            st.subheader("Verdict")
            for paragraph in kind.verdict(rows, latest.machine):
                st.markdown(paragraph)
            if untimed:
                st.caption("Not timed here, so not in this verdict: " + "; ".join(untimed) + ".")
        with notes_slot.container():
            row_notes(kind, rows)
        draw_rest()
        if view.table is not None:
            table_slot.dataframe(view.table(rows), hide_index=True, width="stretch", column_config=view.table_format)

    live_ui.follow(latest, draw, status_slot, stop_slot, f"{kind.page.url_path}_stop", draw_partial=draw_partial)
    downloads(kind, view, shown)
    st.subheader("The machine these results belong to")
    st.markdown("  \n".join(plain(line, 300) for line in machine_lines(latest.machine)))
    with st.expander("Settings of this run"):
        st.json(latest.settings)
    if len(shown) > 1:
        table = view.earlier_table or view.table
        with st.expander(f"Earlier runs this session ({len(shown) - 1})"):
            for run in reversed(shown[:-1]):
                st.markdown(f"**{plain(run.title)}** · {plain(run.status_text(), 400)}")
                st.dataframe(table(rows_of(view, run)), hide_index=True, width="stretch",
                             column_config=view.table_format)


def rows_of(view: View, run: LiveRun) -> list:
    """A run's rows as the page draws and saves them."""
    rows = list(run.rows)
    return view.prepare(rows, run.machine) if view.prepare else rows


def downloads(kind: MeasureKind, view: View, shown: list[LiveRun]) -> None:
    """Every run of this session in one result file (JSON, what Compare machines loads; the same file
    the command line writes, settings included), and its rows as CSV."""
    rows = [r for run in shown for r in rows_of(view, run)]
    if not rows:
        return
    result = session_file(shown, rows)
    stamp = shown[0].created[:16].replace(":", "-")
    a, b, _ = st.columns([1, 1, 2])
    a.download_button("Download JSON (result file)", result.to_json(), file_name=f"{kind.page.url_path}-{stamp}.json",
                      mime="application/json", icon=":material/download:", key=f"{kind.page.url_path}_download_json",
                      width="stretch")
    b.download_button("Download CSV", result.to_csv(), file_name=f"{kind.page.url_path}-{stamp}.csv", mime="text/csv",
                      icon=":material/download:", key=f"{kind.page.url_path}_download_csv", width="stretch")
    st.caption("The JSON is the result file (machine, settings and every row of this session's runs): load it on "
               "the Compare machines page. The CSV has the rows only.")


def row_notes(kind: MeasureKind, rows: Sequence[Mapping]) -> None:
    """Why rows did not run (``kernels.measure.rows.notices``), each as a notice of its kind."""
    for note in notices(rows, kind.row_name, kind.size_text):
        if note.status == "unsupported":
            st.info(f"**{plain(note.name)}** — {plain(note.message, 500)}", icon=":material/remove:")
        else:
            (st.warning if note.status == "refused" else st.error)(
                f"**{plain(note.name)}** at {plain(note.size)}: {plain(note.message, 500)}")


def compare_section(kind: MeasureKind, rows: Sequence[Mapping], *, chooser: str, why: str, did: str, bar: str,
                    chart: Callable[[Sequence[Mapping]], Any], table: Callable[[Sequence[Mapping]], list[dict]],
                    formats: Mapping[str, str]) -> None:
    """A kind's section of Compare machines: pick a like-for-like setting (the kind's ``like_key``),
    then one bar per library · device on each machine and the table. ``did``: what the files did,
    as a verb (``trained``); ``bar``: what one bar is; ``why``: the chooser's help."""
    choices = kc.choices(kind, rows)
    if not choices:
        st.info(f"The {kind.title.lower()} files loaded have no finished {kind.noun}s to compare.",
                icon=":material/remove:")
        return
    key = st.selectbox(chooser, choices, format_func=kind.like_text, key=f"compare_{kind.name}_setting", help=why)
    same = kc.like_for_like(kind, rows, key)
    machines = len({r["machine"] for r in same})
    st.caption(f"{machines} file{'s' * (machines != 1)} {did} {kind.like_text(key)}; each bar is one {bar} on one "
               f"machine (median {'step' if kind.noun != 'generation' else 'decode step'}, synchronised).")
    st.altair_chart(chart(same), width="stretch")
    st.markdown(markdown_table(table(same), formats))


def page_module(kind: MeasureKind) -> ModuleType:
    """The kind's page as a module, for its ``compare(rows)``: a Measure page draws itself only when
    run as a script (``if __name__ == "__main__"``), so loading it defines its functions and no more."""
    path = ROOT / kind.page.script
    name = f"measure_pages.{kind.name}"
    module = sys.modules.get(name)
    if module is None or module.__file__ != str(path):
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return module


def device_picker(libs: Mapping, busy: bool, key: str) -> list[tuple[str, str]]:
    """Each library's devices found here as checkboxes (all ticked), a missing library with how to
    install it, a device this machine lacks with why: the (library, device) pairs ticked."""
    st.markdown("**Libraries and devices found here**")
    pairs: list[tuple[str, str]] = []
    for col, (name, b) in zip(st.columns(len(libs)), libs.items()):
        if not b.available:
            col.markdown(f":gray[**{b.label}**] · not installed")
            col.caption(f"{b.error}. Install it with `{b.install}`")
        for d in b.devices if b.available else ():
            if not d.available:
                col.caption(f":gray[{b.label} · `{d.name}` ({d.label})]: not here, {d.note}")
            elif col.checkbox(f"{b.label} · `{d.name}`", value=True, key=f"{key}_{name}_{d.name}", disabled=busy,
                              help=d.label + (f": {d.note}" if d.note else "")):
                pairs.append((name, d.name))
    return pairs
