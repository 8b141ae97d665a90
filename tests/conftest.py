"""Shared fixtures: the real backends, and ways to fake a missing library or a GPU."""
from __future__ import annotations

import sys

import pytest
import streamlit as st

from kernels import backends as kb
from kernels.backends import mlx_backend, mps_rules

if mps_rules.requested():  # PLAYGROUND_MPS_RULES=1 (make test-mps): torch's mps imitated on the CPU, every thread
    mps_rules.install()


@pytest.fixture(scope="session")
def libs():
    """The three libraries as found on this machine."""
    return kb.discover()


@pytest.fixture
def hide_library(monkeypatch):
    """Make a library fail to import, as on a machine where it is not installed."""

    def hide(*module_names: str):
        for name in module_names:
            for loaded in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
                monkeypatch.delitem(sys.modules, loaded)
            monkeypatch.setitem(sys.modules, name, None)  # `import name` now raises ImportError

    return hide


@pytest.fixture(autouse=True)
def no_pauses_for_a_browser(monkeypatch):
    """A Measure page's run waits after each row for the browser to draw (ui.live.chart_pause_s);
    AppTest has no browser to wait for. The browser tests' server keeps the pauses."""
    monkeypatch.setenv("PAGE_CHART_PAUSE_S", "0")
    monkeypatch.setenv("PAGE_ROW_PAUSE_S", "0")


@pytest.fixture(autouse=True)
def fresh_backend_cache():
    """Every test starts and ends with an empty `st.cache_resource` (the app caches the backends there)."""
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


@pytest.fixture
def mlx_missing(monkeypatch):
    """The app as on a machine without MLX: loading it raises, and no cached backend remembers it."""

    def not_installed():
        raise ModuleNotFoundError("No module named 'mlx'")

    monkeypatch.setattr(mlx_backend, "load", not_installed)
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()
