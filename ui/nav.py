"""The app's pages as data: app.py builds the navigation from this, tests walk it. The Measure pages
are those of the kinds of measurement registered (``kernels.measure.kinds``), in their order: a new
kind's page appears without this file naming it."""
from __future__ import annotations

from dataclasses import dataclass

from kernels.measure.kinds import with_pages


@dataclass(frozen=True)
class PageSpec:
    path: str  # script, relative to the repository root
    title: str
    icon: str
    section: str
    url_path: str
    default: bool = False


LEARN: tuple[PageSpec, ...] = (
    PageSpec("app_pages/home.py", "Home", ":material/home:", "Learn", "home", default=True),
    PageSpec("app_pages/learn_creating.py", "Creating arrays", ":material/data_array:", "Learn", "creating"),
    PageSpec("app_pages/learn_broadcasting.py", "Broadcasting", ":material/open_in_full:", "Learn", "broadcasting"),
    PageSpec("app_pages/learn_scaling.py", "Scaling by different amounts", ":material/photo_filter:",
             "Learn", "scaling"),
    PageSpec("app_pages/learn_dimensions.py", "Operations across dimensions", ":material/functions:",
             "Learn", "dimensions"),
    PageSpec("app_pages/learn_gradients.py", "Gradients", ":material/trending_down:", "Learn", "gradients"),
    PageSpec("app_pages/learn_conversions.py", "Moving data between libraries", ":material/swap_horiz:",
             "Learn", "conversions"),
    PageSpec("app_pages/learn_lazy.py", "Lazy and asynchronous execution", ":material/hourglass_empty:",
             "Learn", "lazy"),
    PageSpec("app_pages/learn_indexing.py", "Indexing and updates", ":material/edit_note:", "Learn", "indexing"),
    PageSpec("app_pages/learn_random.py", "Random numbers", ":material/casino:", "Learn", "random"),
    PageSpec("app_pages/learn_devices.py", "Devices and unified memory", ":material/developer_board:",
             "Learn", "devices"),
    PageSpec("app_pages/learn_compilation.py", "Compilation", ":material/bolt:", "Learn", "compilation"),
)
AFTER: tuple[PageSpec, ...] = (
    PageSpec("app_pages/compare.py", "Compare machines", ":material/compare:", "Measure", "compare"),
    PageSpec("app_pages/about.py", "About this machine", ":material/memory:", "About", "about"),
)

SECTIONS = ("Learn", "Measure", "About")


def pages() -> tuple[PageSpec, ...]:
    """Every page in order: Learn, each registered kind's Measure page, Compare machines, About."""
    measure = tuple(PageSpec(k.page.script, k.page.title, k.page.icon, "Measure", k.page.url_path)
                    for k in with_pages())
    return LEARN + measure + AFTER


PAGES = pages()


def by_section() -> dict[str, list[PageSpec]]:
    """Pages grouped in the fixed section order; a section with no pages is left out."""
    grouped = {s: [p for p in pages() if p.section == s] for s in SECTIONS}
    return {s: ps for s, ps in grouped.items() if ps}
