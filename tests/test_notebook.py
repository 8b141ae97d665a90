"""Every Learn page as a Jupyter notebook: the cells are the page's words and its examples' code
exactly as shown, and the notebook runs from top to bottom in a fresh Python process."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kernels import cells
from kernels.examples import creating
from kernels.notebook import Lesson, code_cells
from ui import lesson as ui_lesson


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


def run_cells(sources: list[str]) -> subprocess.CompletedProcess:
    """Run a notebook's code cells in order in a fresh Python process, as a kernel would."""
    program = "\n".join(f"exec(compile({src!r}, 'cell {i}', 'exec'), globals())" for i, src in enumerate(sources))
    return subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=300)


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
    done = run_cells(codes)
    assert done.returncode == 0, done.stderr
