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
    PageSpec("pages/learn_creating.py", "Creating arrays", ":material/data_array:", "Learn", "creating"),
    PageSpec("pages/learn_broadcasting.py", "Broadcasting", ":material/open_in_full:", "Learn", "broadcasting"),
    PageSpec("pages/learn_scaling.py", "Scaling by different amounts", ":material/photo_filter:", "Learn", "scaling"),
    PageSpec("pages/learn_dimensions.py", "Operations across dimensions", ":material/functions:", "Learn", "dimensions"),
    PageSpec("pages/learn_gradients.py", "Gradients", ":material/trending_down:", "Learn", "gradients"),
    PageSpec("pages/learn_conversions.py", "Moving data between libraries", ":material/swap_horiz:", "Learn", "conversions"),
    PageSpec("pages/learn_lazy.py", "Lazy and asynchronous execution", ":material/hourglass_empty:", "Learn", "lazy"),
    PageSpec("pages/learn_indexing.py", "Indexing and updates", ":material/edit_note:", "Learn", "indexing"),
    PageSpec("pages/learn_random.py", "Random numbers", ":material/casino:", "Learn", "random"),
    PageSpec("pages/learn_devices.py", "Devices and unified memory", ":material/developer_board:", "Learn", "devices"),
    PageSpec("pages/learn_compilation.py", "Compilation", ":material/bolt:", "Learn", "compilation"),
    PageSpec("pages/benchmarks.py", "Benchmarks", ":material/speed:", "Measure", "benchmarks"),
    PageSpec("pages/models.py", "Small models", ":material/model_training:", "Measure", "models"),
    PageSpec("pages/inference.py", "Local inference", ":material/chat:", "Measure", "inference"),
    PageSpec("pages/compare.py", "Compare machines", ":material/compare:", "Measure", "compare"),
    PageSpec("pages/about.py", "About this machine", ":material/memory:", "About", "about"),
)

SECTIONS = ("Learn", "Measure", "About")


def by_section() -> dict[str, list[PageSpec]]:
    """Pages grouped in the fixed section order; a section with no pages is left out."""
    grouped = {s: [p for p in PAGES if p.section == s] for s in SECTIONS}
    return {s: ps for s, ps in grouped.items() if ps}
