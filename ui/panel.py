"""The "NumPy | PyTorch | MLX" panel, written once for every page.

Given an :class:`kernels.cells.Example`, each column shows the exact source that
ran (one string, both shown and executed) and, under it, the real output of that
code on this machine: the library's own repr, then shape, dtype and device.
A missing library greys its column with the reason and the install command; an
exception inside an example shows that library's own message, never a traceback.
"""
from __future__ import annotations

import dataclasses
import inspect
import time
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

import streamlit as st

from kernels import cells
from kernels.backends import NAMES, Backend, Output, discover
from ui import lesson, warmup
from ui.safe import plain

T = TypeVar("T")


@st.cache_resource(show_spinner="Importing the next library (PyTorch takes a few seconds the first time)…")
def backend(name: str) -> Backend:
    """One library as found on this machine (imported once per server); what the import loaded is
    kept out of the garbage collector's way (ui.warmup.settle)."""
    found = discover([name])[name]
    warmup.settle()
    return found


class Libraries(Mapping[str, Backend]):
    """NumPy, PyTorch and MLX in that order, each found the first time it is asked for. A page that
    draws a library's part as soon as that library is found (Home, a panel's columns) shows NumPy
    while PyTorch is still importing on a server's first run: a few seconds on a cold start."""

    def __init__(self) -> None:
        self._found: dict[str, Backend] = {}  # this run's: one cache lookup per library

    def __getitem__(self, name: str) -> Backend:
        if name not in self._found:
            if name not in NAMES:
                raise KeyError(name)
            self._found[name] = backend(name)
        return self._found[name]

    def __iter__(self) -> Iterator[str]:
        return iter(NAMES)

    def __len__(self) -> int:
        return len(NAMES)


def backends() -> Mapping[str, Backend]:
    """The three libraries (:class:`Libraries`): each imported once per server, when first used."""
    return Libraries()


def column_header(backend: Backend, device: str | None = None) -> None:
    """The library's name and version, and ``ran on `mps``` when the column shows code that ran
    (``device``: where it ran, which the result's own facts confirm under it)."""
    if backend.available:
        st.markdown(f"#### {backend.label}\n:small[:gray[{backend.version}"
                    + (f" · ran on `{device}`" if device else "") + "]]")
    else:
        st.markdown(f"#### :gray[{backend.label}]\n:small[:gray[not available on this machine]]")


def missing_notice(backend: Backend) -> None:
    """What a greyed-out column says: why the library is missing and how to install it."""
    st.warning(f"{backend.label} is not available here.\n\n{plain(backend.error, 300)}", icon=":material/block:")
    st.caption("Install it with:")
    st.code(backend.install, language="bash")


def result_column(result: cells.CellResult, backend: Backend,
                  body: Callable[[cells.CellResult], None] | None = None) -> None:
    """One library's column, drawn the same way for every Learn topic: the header (where the code
    ran), an example this library has no version of, the code, a missing library's notice, the
    library's error in its own words; then, for a cell that ran (or a demo not run yet),
    ``body(result)``: what the topic shows of it (by default what the code printed and returned)."""
    Status = cells.Status
    column_header(backend, result.device if result.status in (Status.OK, Status.ERROR) else None)
    if result.status == Status.ABSENT:
        st.info(result.error, icon=":material/remove:")
        return
    if result.source:
        st.code(result.source, language="python", wrap_lines=True)
    if result.status == Status.MISSING:
        missing_notice(backend)
        return
    if result.status == Status.ERROR:  # the library's own words, as text (they may quote what was typed)
        st.error(plain(cells.short_error(result.error), 600), icon=":material/error:")
        return
    (body or show_output)(result)


def show_output(result: cells.CellResult) -> None:
    """What a cell printed, then what it returned, with the facts of each value."""
    if result.stdout:
        st.code(result.stdout, language=None, wrap_lines=True)
    if result.outputs:
        text, facts = output_block(result.outputs)
        st.code(text, language=None, wrap_lines=True)
        st.caption(facts)


def result_columns(results: Mapping[str, cells.CellResult], libs: Mapping[str, Backend],
                   body: Callable[[cells.CellResult], None] | None = None) -> None:
    """Each library's :func:`result_column`, side by side."""
    for col, (name, result) in zip(st.columns(len(results), gap="medium"), results.items()):
        with col:
            result_column(result, libs[name], body)


def source_columns(libs: Mapping[str, Backend], shown: Callable[[str], tuple[Sequence[Any], str]]) -> None:
    """Each library's own source side by side (a Measure page's "the code that ran"): ``shown(name)``
    gives the classes and functions to show, read with ``inspect.getsource``, and a caption under
    them; with none, the caption says why that library has nothing to show. One block per library
    (it scrolls sideways: wrapping breaks indentation): each block is a syntax highlighter in the
    browser, and one long block draws in a fraction of the time of six."""
    for col, (name, b) in zip(st.columns(len(libs), gap="medium"), libs.items()):
        with col:
            column_header(b)
            if not b.available:
                missing_notice(b)
                continue
            objects, caption = shown(name)
            if not objects:
                st.info(caption, icon=":material/remove:")
                continue
            st.code("\n\n".join(inspect.getsource(obj) for obj in objects), language="python")
            st.caption(caption)


def output_block(outputs: Sequence[Output]) -> tuple[str, str]:
    """A cell's outputs (a tuple gives several) as one block of text and one line of facts under it.
    One block per cell, not one per output: every code block is a syntax highlighter in the browser,
    and a page of separate blocks took a third longer to draw. Outputs are one per line, a blank line
    between them when one spans several lines; the facts are said once when every output shares
    them, else numbered in the order of the lines."""
    texts = [out.text for out in outputs]
    text = ("\n\n" if any("\n" in t for t in texts) else "\n").join(texts)
    facts = [out.facts() for out in outputs]
    if len(facts) == 1:
        return text, facts[0]
    if len(set(facts)) == 1:
        return text, f"{len(facts)} outputs, each {facts[0]}"
    return text, " — ".join(f"{i}: {f}" for i, f in enumerate(facts, 1))


def machine_gpus(libs: Mapping[str, Backend], found: str, none: str, missing: str) -> None:
    """What this machine has, at the top of a page whose lesson depends on a GPU: the GPU devices found
    (then ``found``), or why there are none (then ``none``: what the page shows instead); and each
    library that is missing (then ``missing``: what happens to its part)."""
    gpu_found = [(b, d) for b in libs.values() if b.available for d in b.available_devices if d.kind == "gpu"]
    gpu_missing = [(b, d) for b in libs.values() if b.available for d in b.devices
                   if d.kind == "gpu" and not d.available]
    if gpu_found:
        st.success("GPU devices found: " + ", ".join(f"{b.label} `{d.name}` ({d.label})" for b, d in gpu_found)
                   + f". {found}", icon=":material/memory:")
    elif gpu_missing:
        st.info("No GPU here: " + "; ".join(f"{b.label} `{d.name}`: {plain(d.note, 160)}" for b, d in gpu_missing)
                + f". {none}", icon=":material/visibility_off:")
    for b in libs.values():
        if not b.available:
            st.warning(f"{b.label} is not available here: {plain(b.error, 200)}. {missing}", icon=":material/block:")


def no_gpu_note(libs: Mapping[str, Backend], devices: Mapping[str, str]) -> str | None:
    """For an example sent to the GPU: which libraries ran it on the CPU because this machine has
    no GPU for them, and where it would run on a Mac. None when every library had its GPU. Why a
    device is missing is said once, at the top of the pages that depend on one and on About this
    machine, not under every example."""
    parts = []
    for name, device in devices.items():
        b = libs[name]
        gpus = [d for d in b.devices if d.kind == "gpu"]
        if device == "cpu" and gpus:
            mac = next((d for d in gpus if d.name in ("mps", "gpu")), gpus[0])  # Apple's GPU first
            parts.append(f"{b.label} ran on the CPU (no `{mac.name}` on this machine); "
                         f"on a Mac with Apple silicon it runs on `{mac.name}`")
    return ". ".join(parts) + "." if parts else None


def record_panel(example: cells.Example, params: Mapping[str, Any] | None = None,
                 libs: Mapping[str, Backend] | None = None,
                 devices: Mapping[str, str] | None = None) -> dict[str, cells.CellResult]:
    """Record ``example`` in the page's notebook as every library runs it (the code, or the error as
    text), drawing nothing: what a closed section (``ui.lesson.section``) does. The outcome is kept per
    code and library versions (:func:`_recorded`), so the results hold no values. An example that
    takes ``$device`` goes to each library's GPU where there is one (``devices`` overrides)."""
    libs = libs or backends()
    if example.uses_device and devices is None:
        devices = cells.gpu_devices(libs)
    results = _recorded(_record_key(example, params, libs, devices), example, libs, params, devices)
    lesson.example(example.title, example.note, results)  # the page's notebook, when it offers one
    return results


def _record_key(example: cells.Example, params: Mapping[str, Any] | None, libs: Mapping[str, Backend],
                devices: Mapping[str, str] | None) -> str:
    """What decides a recorded example's outcome: each library's template and version, the
    parameters as the literals written into the code, and the devices asked for."""
    return repr((sorted(example.code.items()),
                 sorted((k, cells.literal(v)) for k, v in (params or {}).items()),
                 sorted((devices or {}).items()),
                 found(libs)))


def found(libs: Mapping[str, Backend]) -> str:
    """Which libraries this machine has, with their versions: part of the key of an outcome kept across
    runs, so that a library installed, upgraded or gone (a test hides one) is a new entry."""
    return repr([(name, b.available, b.version) for name, b in libs.items()])


@st.cache_data(show_spinner=False, max_entries=512)
def _recorded(key: str, _example: cells.Example, _libs: Mapping[str, Backend], _params: Mapping[str, Any] | None,
              _devices: Mapping[str, str] | None) -> dict[str, cells.CellResult]:
    """A closed section's example, run once per ``key`` (:func:`_record_key`): a page records its closed
    sections on every rerun, and their cells took up to 70 ms a run here (Scaling's batch of images).
    The same code on the same library versions gives the same code cells and errors, which is all the
    notebook keeps. Kept as plain text: the values and namespaces (arrays, perhaps MLX's, which must
    not outlive the script run's thread) are dropped."""
    return {name: dataclasses.replace(r, value=None, namespace={})
            for name, r in cells.run_all(_example, _libs, _params, _devices).items()}


def library_panel(example: cells.Example, params: Mapping[str, Any] | None = None,
                  libs: Mapping[str, Backend] | None = None,
                  devices: Mapping[str, str] | None = None) -> dict[str, cells.CellResult]:
    """Run ``example`` in every library and lay the three results side by side, recorded in the
    page's notebook as :func:`record_panel` does. Each column is drawn as soon as its library has run
    (and, with :func:`backends`, been found): NumPy's shows while PyTorch is still importing."""
    libs = libs or backends()
    if example.title:
        st.markdown(f"**{example.title}**")
    if example.note:
        st.caption(example.note)
    chosen: dict[str, str] = {}
    results: dict[str, cells.CellResult] = {}
    for col, name in zip(st.columns(len(libs), gap="medium"), libs):
        b = libs[name]
        device = (devices.get(name) if devices is not None
                  else cells.gpu_device(b) if example.uses_device else None)
        if device is not None:
            chosen[name] = device
        results[name] = cells.run(example, b, params, device)
        with col:
            result_column(results[name], b)
    lesson.example(example.title, example.note, results)  # the page's notebook, when it offers one
    if example.uses_device:
        note = no_gpu_note(libs, chosen)
        if note:
            st.caption(note)
    return results


def kept_results(key: str, asked: Hashable, measure: Callable[[], T], *, now: bool,
                 auto: bool) -> tuple[T, str] | None:
    """A Learn demo's results, kept for this session per setting (plain numbers and text, never an
    array): measured again when ``now`` (its button was pressed: **Time again**, **Compile and
    time**) or, with ``auto``, when these settings have none yet. Returned with the time they were
    taken; None when these settings have not been measured (a demo that runs only when asked)."""
    found = st.session_state.get(key)
    if now or (auto and (found is None or found[0] != asked)):
        found = (asked, measure(), time.strftime("%H:%M:%S"))
        st.session_state[key] = found
    return (found[1], found[2]) if found is not None and found[0] == asked else None
