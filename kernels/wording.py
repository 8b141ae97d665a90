"""Plain-words pieces shared by the computed verdicts (Benchmarks and Small models)."""
from __future__ import annotations

from typing import Sequence

EVEN = 1.10  # closer than this ratio counts as "about even"


def ratio_text(ratios: Sequence[float]) -> str:
    """``2.3×`` for one ratio (or several that round alike), ``1.8–2.4×`` for a range."""
    lo, hi = min(ratios), max(ratios)
    return f"{lo:.1f}×" if f"{lo:.1f}" == f"{hi:.1f}" else f"{lo:.1f}–{hi:.1f}×"
