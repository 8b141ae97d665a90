"""The libraries the operations are written in, imported once under their usual names.

A library that is missing (or whose native extension fails to load) is ``None`` here; its
functions are then never called, because the backend layer reports it unavailable.
"""
from __future__ import annotations

import importlib

import numpy as np


def _optional(name: str):
    try:
        return importlib.import_module(name)
    except Exception:  # ImportError, or a broken native extension (OSError)
        return None


torch = _optional("torch")
F = _optional("torch.nn.functional")
mx = _optional("mlx.core")

__all__ = ["np", "torch", "F", "mx"]
