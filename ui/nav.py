"""The app's pages as data: app.py builds the navigation from this, tests walk it."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageSpec:
    path: str  # script, relative to the repository root
    title: str
    icon: str
    section: str
    url_path: str
    default: bool = False


PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/home.py", "Home", ":material/home:", "Learn", "home", default=True),
    PageSpec("pages/about.py", "About this machine", ":material/memory:", "About", "about"),
)

SECTIONS = ("Learn", "Measure", "About")


def by_section() -> dict[str, list[PageSpec]]:
    """Pages grouped in the fixed section order; a section with no pages is left out."""
    grouped = {s: [p for p in PAGES if p.section == s] for s in SECTIONS}
    return {s: ps for s, ps in grouped.items() if ps}
