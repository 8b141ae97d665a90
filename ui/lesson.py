"""Every Learn page as a Jupyter notebook: while a page draws, its explanations and each example's
code (exactly as shown, with the controls' current values) are collected, and a button offers the
``.ipynb`` (``kernels/notebook.py`` builds it).

A page calls :func:`begin` first, writes its explanations with :func:`text` (rendered and
recorded), and its examples are recorded by ``ui.panel`` as they are drawn; :func:`download_button`
goes last. The lesson of the run in progress is kept in a context variable: each Streamlit script
run is a thread of its own, so one run's lesson never leaks into another's.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

import streamlit as st

from kernels import cells
from kernels.notebook import Lesson

_CURRENT: ContextVar[Lesson | None] = ContextVar("lesson", default=None)


def begin(title: str) -> Lesson:
    """Start this run's lesson (a page's first call)."""
    lesson = Lesson(title)
    _CURRENT.set(lesson)
    return lesson


def current() -> Lesson | None:
    return _CURRENT.get()


def text(markdown: str, **kwargs) -> None:
    """``st.markdown`` that also goes into the notebook. Only for the page's own words: text typed
    by a user or read from a file is never Markdown."""
    st.markdown(markdown, **kwargs)
    note(markdown)


def header(title: str, level: int = 2, **kwargs) -> None:
    """``st.header`` (level 2) or ``st.subheader`` (level 3), and the same heading in the notebook."""
    (st.header if level == 2 else st.subheader)(title, **kwargs)
    note("#" * level + " " + title)


@contextmanager
def section(title: str, key: str, intro: str = "") -> Iterator[bool]:
    """A costly section below the fold, run only while it is open: ``intro`` (the page's own words:
    what the section shows) drawn above an expander titled ``title`` whose body runs when the user
    opens it, which reruns the page (``key`` keeps its open state). Yields whether it is open: a page
    draws the section's body only then, and otherwise records in the notebook the code the section
    would run. The title and intro go into the notebook either way."""
    if intro:
        st.markdown(intro)
    # Bold, with a play icon: a section of the lesson, not a detail to unfold like "the timing harness"
    note("## " + title)
    note(intro)
    with _drawn_when_open(st.expander(f"**{title}**", key=key, on_change="rerun",
                                      icon=":material/play_circle:")) as opened:
        yield opened


@contextmanager
def details(title: str, key: str) -> Iterator[bool]:
    """A detail to unfold (the code behind a table, a timing harness), drawn only while it is open:
    a closed ``st.expander`` still draws its content, hidden, and every code block in it costs the
    browser as much as a shown one. Opening it reruns the page (``key`` keeps it open). Yields whether
    it is open; a page that records the detail in its notebook does so either way."""
    with _drawn_when_open(st.expander(title, key=key, on_change="rerun")) as opened:
        yield opened


@contextmanager
def _drawn_when_open(box) -> Iterator[bool]:
    if box.open:
        with box:
            yield True
    else:
        yield False


def note(markdown: str) -> None:
    """Record Markdown in the notebook without drawing it (what a page drew another way)."""
    lesson = current()
    if lesson is not None:
        lesson.markdown(markdown)


def code(source: str) -> None:
    """Record a code cell (a cell the page ran outside ``ui.panel``)."""
    lesson = current()
    if lesson is not None:
        lesson.code(source)


def example(title: str, note_text: str, results: Mapping[str, cells.CellResult]) -> None:
    """One example's cells: its title and note, then each library's code as it ran. Code that raised
    on the page (the error is the lesson) goes in as Markdown with the error, so the notebook runs
    from top to bottom; a library missing here still gets its code cell."""
    lesson = current()
    if lesson is None:
        return
    lesson.markdown("\n\n".join(part for part in (f"### {title}" if title else "", note_text) if part))
    for result in results.values():
        if result.status in ("ok", "missing"):
            lesson.markdown(f"**{result.label}**")
            lesson.code(result.source)
        elif result.status == "error":
            lesson.markdown(f"**{result.label}** raises `{result.error}`:\n\n```python\n{result.source.strip()}\n```")


def download_button(key: str) -> None:
    """The page's notebook, as a download (its last element)."""
    lesson = current()
    if lesson is None or not lesson.cells:
        return
    # The file is built when the button is pressed (Streamlit calls ``to_ipynb`` then, on its own
    # thread): the lesson holds plain strings, and the page run does not pay for nbformat.
    st.download_button("Download as a Jupyter notebook", lesson.to_ipynb, file_name=lesson.filename(),
                       mime="application/x-ipynb+json", icon=":material/download:", key=key,
                       help="This page's explanations and every example's code in each library, with the "
                            "controls as they are now: run it in Jupyter.")
