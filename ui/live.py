"""Run a :class:`kernels.measure.live.LiveRun` from a page: start it, then follow it.

The run measures in its own thread; the page's script only draws it. :func:`follow` redraws as
rows arrive and tells the run when a row is drawn (so the next is never timed while the browser
is busy drawing). Any click reruns the script, which finds the same run in the session and follows
it again: display controls never abort a run, and leaving the page leaves it running. Stop ends it
within about a second; a closed tab (the session is gone) ends it the same way.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from contextlib import contextmanager

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from kernels.measure.child import Job
from kernels.measure.live import SLOT, LiveRun


def alive_check() -> Callable[[], bool]:
    """Whether this browser session is still connected: thread-safe, for the worker to ask."""
    from streamlit import runtime

    ctx = get_script_run_ctx()
    if ctx is None or not runtime.exists():  # AppTest, bare mode: nobody can close a tab
        return lambda: True
    server, session = runtime.get_instance(), ctx.session_id
    return lambda: server.is_active_session(session)


def few_cores() -> bool:
    return (os.cpu_count() or 1) <= 4


def chart_pause_s() -> float:
    """After a row that makes the browser draw charts anew, how long the measuring process may wait
    for the machine to be quiet (``kernels.measure.child.settle``: it goes on as soon as it is) before
    the next row, on a machine with few cores, where the browser's drawing would compete with the
    timing: up to 2 s there (drawing a Measure page's charts took Chromium about 1.5 s of a core on
    a 2-core VM), no wait elsewhere (``PAGE_CHART_PAUSE_S`` sets it)."""
    return float(os.environ.get("PAGE_CHART_PAUSE_S", 2.0 if few_cores() else 0.0))


def row_pause_s() -> float:
    """The same after a row that only adds to charts already drawn (``PAGE_ROW_PAUSE_S``)."""
    return float(os.environ.get("PAGE_ROW_PAUSE_S", 0.5 if few_cores() else 0.0))


def start(key: str, run: LiveRun, job: Job, pause: Callable[[Mapping], float] | None = None) -> LiveRun:
    """Keep ``run`` in the session under ``key`` and start measuring ``job`` in a process of its own.
    After each row the run waits until the page has drawn it, then up to ``pause(row)`` seconds
    (by default :func:`chart_pause_s`: each row redraws the page's charts) for the browser to finish."""
    st.session_state[key] = run
    rest = chart_pause_s()
    return run.measure(job, alive=alive_check(), pause=pause or (lambda row: rest))


def running(key: str) -> LiveRun | None:
    """The session's run under ``key`` if it is still waiting or measuring."""
    run = st.session_state.get(key)
    return run if run is not None and run.active else None


def show_status(slot, run: LiveRun) -> None:
    """Progress while it runs; why it waits; how it ended."""
    if run.stopping:
        slot.warning(run.status_text(), icon=":material/hourglass_bottom:")
    elif run.state == "running":
        slot.progress(run.fraction, text=run.status_text())
    elif run.state == "waiting":
        slot.info(run.status_text(), icon=":material/hourglass_top:")
    elif run.state == "done":
        slot.success(run.status_text(), icon=":material/check:")
    elif run.state == "failed":
        slot.error(run.status_text(), icon=":material/error:")
    else:
        slot.warning(run.status_text(), icon=":material/stop_circle:")


def follow(run: LiveRun, draw: Callable[[], None], status_slot, stop_slot, stop_key: str,
           draw_partial: Callable[[], None] | None = None) -> None:
    """Draw ``run`` now and again each time it changes, until it ends. If it ended during this
    script run, run the page once more so the controls it disabled come back. ``draw_partial``,
    when given, redraws only what shows ``run.partial`` (the row in progress) each time the engine
    replaces it; ``draw`` draws everything, partial included."""
    was_active = run.active
    if was_active:
        stop_slot.button("Stop", key=stop_key, on_click=run.request_stop, icon=":material/stop:",
                         help="Ends the run at its next step (between timed blocks, training steps or generated "
                              "tokens); what has finished is kept.")
    seen: tuple | None = None
    seen_partial = -1
    while True:
        rows, state, waiting_for, version = run.done, run.state, run.waiting_for, run.partial_version
        if (rows, state, waiting_for, run.stopping) != seen:
            draw()
            show_status(status_slot, run)
            run.mark_drawn(rows)
            seen, seen_partial = (rows, state, waiting_for, run.stopping), version
        elif draw_partial is not None and version != seen_partial:
            draw_partial()
            seen_partial = version
        if not run.active:
            break
        run.wait_for_change(rows, state, timeout=0.5, seen_partial=version if draw_partial is not None else None)
    if was_active:
        stop_slot.empty()
        st.rerun()


def waiting_words(holder: LiveRun, session: str) -> str:
    """Why this script waits before timing: the run in progress elsewhere, or this session's own
    previous timing, still finishing after a button was pressed again."""
    if holder.owner and holder.owner == session:
        return ("This page's previous timing is still finishing (it was running when you pressed again); this one "
                "starts as soon as it ends.")
    return (f"Waiting for the run in progress elsewhere to finish before timing: {holder.describe()}. One "
            "measurement at a time, so the two never time each other.")


@contextmanager
def turn(description: str):
    """Time something short in this script (the Lazy page's demo, the self-check) only when no run
    is being timed anywhere in the server: while one is, say so and wait for it."""
    ctx = get_script_run_ctx()
    session = ctx.session_id if ctx is not None else ""
    holder = SLOT.holder
    note = st.empty()
    if holder is not None:
        note.info(waiting_words(holder, session), icon=":material/hourglass_top:")
    with SLOT.hold(description, owner=session):
        note.empty()
        yield
