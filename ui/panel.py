"""The "NumPy | PyTorch | MLX" panel, written once for every page.

Given an :class:`kernels.cells.Example`, each column shows the exact source that
ran (one string, both shown and executed) and, under it, the real output of that
code on this machine: the library's own repr, then shape, dtype and device.
A missing library greys its column with the reason and the install command; an
exception inside an example shows that library's own message, never a traceback.
"""
from __future__ import annotations

from typing import Any, Mapping

import streamlit as st

from kernels import cells
from kernels.backends import Backend, discover


@st.cache_resource(show_spinner="Looking for NumPy, PyTorch and MLX…")
def backends() -> dict[str, Backend]:
    """The three libraries as found on this machine (imported once per server)."""
    return discover()


def column_header(backend: Backend) -> None:
    if backend.available:
        st.markdown(f"#### {backend.label}")
        st.caption(f"{backend.version} · running on `{backend.default_device}`")
    else:
        st.markdown(f"#### :gray[{backend.label}]")
        st.caption("not available on this machine")


def missing_notice(backend: Backend) -> None:
    """What a greyed-out column says: why the library is missing and how to install it."""
    st.warning(f"{backend.label} is not available here.\n\n`{backend.error}`", icon=":material/block:")
    st.caption("Install it with:")
    st.code(backend.install, language="bash")


def show_result(result: cells.CellResult, backend: Backend) -> None:
    """One column's body: its code, then what that code printed and returned."""
    if result.status == "absent":
        st.info(result.error, icon=":material/remove:")
        return
    st.code(result.source, language="python", wrap_lines=True)
    if result.status == "missing":
        missing_notice(backend)
        return
    if result.status == "error":
        st.error(result.error, icon=":material/error:")
        return
    if result.stdout:
        st.code(result.stdout, language=None, wrap_lines=True)
    for out in result.outputs:
        st.code(out.text, language=None, wrap_lines=True)
        st.caption(out.facts())


def library_panel(example: cells.Example, params: Mapping[str, Any] | None = None,
                  libs: Mapping[str, Backend] | None = None) -> dict[str, cells.CellResult]:
    """Run ``example`` in every library and lay the three results side by side."""
    libs = libs or backends()
    if example.title:
        st.markdown(f"**{example.title}**")
    if example.note:
        st.caption(example.note)
    results = cells.run_all(example, libs, params)
    for col, (name, result) in zip(st.columns(len(results), gap="medium"), results.items()):
        with col:
            column_header(libs[name])
            show_result(result, libs[name])
    return results
