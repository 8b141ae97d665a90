"""Every Learn page as a Jupyter notebook: the cells are the page's words and its examples' code
exactly as shown, and the notebook runs from top to bottom in a fresh Python process."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from kernels import cells
from kernels.examples import creating
from kernels.notebook import Lesson, code_cells
from ui import lesson as ui_lesson
from ui.nav import PAGES

ROOT = Path(__file__).resolve().parents[1]


def test_a_lesson_is_a_valid_notebook_with_markdown_and_code():
    lesson = Lesson("Creating arrays")
    lesson.markdown("Every program starts by making arrays.")
    lesson.code("import numpy as np\n\nnp.arange(3)")
    data = lesson.to_ipynb("http://localhost:8501/creating")
    doc = json.loads(data)
    assert doc["nbformat"] == 4 and doc["metadata"]["kernelspec"]["name"] == "python3"
    kinds = [c["cell_type"] for c in doc["cells"]]
    assert kinds == ["markdown", "markdown", "code"] and "localhost:8501/creating" in "".join(doc["cells"][0]["source"])
    assert code_cells(data) == ["import numpy as np\n\nnp.arange(3)"]
    assert lesson.filename() == "creating-arrays.ipynb"


def run_notebooks(notebooks: dict[str, list[str]]) -> subprocess.CompletedProcess:
    """Run each notebook's code cells in order, each notebook in a namespace of its own (as a fresh
    kernel would), all in one fresh Python process (importing the libraries once keeps it quick)."""
    from tests.fresh_python import prelude

    program = [prelude(), "import traceback, sys", "failed = []"]
    for name, sources in notebooks.items():
        program.append("ns = {'__name__': '__main__'}")
        for i, src in enumerate(sources):
            program.append(f"try:\n    exec(compile({src!r}, {f'{name} cell {i}'!r}, 'exec'), ns)\n"
                           f"except Exception:\n    failed.append({f'{name} cell {i}'!r}); traceback.print_exc()")
    program.append("sys.exit(1 if failed else 0)")
    return subprocess.run([sys.executable, "-c", "\n".join(program)], capture_output=True, text=True, timeout=600)


def test_an_example_goes_in_as_shown_and_an_error_as_text(libs):
    lesson = ui_lesson.begin("Creating arrays")
    ok = cells.run_all(creating.ARRAY, libs, {"values": [1, 2, 3]})
    bad = cells.run_all(creating.IMPOSSIBLE_RESHAPE, libs, {"n": 6, "shape": (4, 2)})
    ui_lesson.example(creating.ARRAY.title, creating.ARRAY.note, ok)
    ui_lesson.example(creating.IMPOSSIBLE_RESHAPE.title, "", bad)
    codes = code_cells(lesson.to_ipynb())
    assert codes == [r.source.strip() for r in ok.values()]  # exactly the code that ran on the page
    markdown = [src for kind, src in lesson.cells if kind == "markdown"]
    assert any("raises `ValueError" in m and "reshape" in m for m in markdown)  # shown, not run
    done = run_notebooks({"creating": codes})
    assert done.returncode == 0, done.stderr


LEARN = [p.path for p in PAGES if p.section == "Learn" and p.path != "app_pages/home.py"]


def section_keys(path: str) -> list[str]:
    """The keys of a page's parts drawn only when opened: each ``lesson.section(..., key=...)`` and
    ``lesson.details(..., key=...)`` call."""
    import ast

    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    return [kw.value.value for node in ast.walk(tree) if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute) and node.func.attr in ("section", "details")
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "lesson"
            for kw in node.keywords if kw.arg == "key" and isinstance(kw.value, ast.Constant)]


def test_every_learn_page_downloads_a_notebook_that_runs(monkeypatch):
    """Each Learn page's button offers an .ipynb of the page's words and its examples' code exactly as
    shown (with the controls' current values), and every notebook's code cells run in order."""
    from tests.apptest import open_page, open_section

    offered = []
    real = ui_lesson.download_button
    monkeypatch.setattr(ui_lesson, "download_button",
                        lambda key: (offered.append(ui_lesson.current().to_ipynb()), real(key)))
    notebooks = {}
    assert len(LEARN) == 11  # the seven topics of the source notebook and the four added
    assert sum(len(section_keys(path)) for path in LEARN) >= 4, "the sections that run when opened are found"
    for path in LEARN:
        at = open_page(path)
        assert [b.proto.label for b in at.get("download_button")] == ["Download as a Jupyter notebook"], path
        closed = code_cells(offered[-1])
        # A section that runs when opened (ui.lesson.section) puts into the notebook the code it ran, or
        # says it was not opened; with every section open, the page shows every code cell.
        for key in section_keys(path):
            open_section(at, key)
        notebooks[path] = code_cells(offered[-1])
        kinds = [c["cell_type"] for c in json.loads(offered[-1])["cells"]]
        assert kinds.count("markdown") >= 3 and kinds.count("code") >= 1, path
        shown = {c.value.strip() for c in at.code}
        assert all(src in shown for src in notebooks[path]), f"{path}: every code cell is code the page shows"
        assert all(src in notebooks[path] for src in closed), f"{path}: a closed section records what it runs open"
    done = run_notebooks(notebooks)
    assert done.returncode == 0, done.stderr[-3000:]
