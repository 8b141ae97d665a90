"""Shared fixtures: the real backends, and ways to fake a missing library or a GPU."""
from __future__ import annotations

import sys

import pytest

from kernels import backends as kb


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
