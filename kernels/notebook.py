"""A Learn page as a Jupyter notebook: its explanations as Markdown cells and, for each example,
each library's code as a code cell exactly as the page showed and ran it (with the controls'
values of the moment). Built with ``nbformat``, imported when a notebook is built (a page only
collects plain strings while it draws, and builds the file when the button is pressed); no Streamlit
here (``ui/lesson.py`` collects the cells).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}


@dataclass
class Lesson:
    """The cells of one page, in page order."""

    title: str
    cells: list[tuple[str, str]] = field(default_factory=list)  # ("markdown" | "code", source)

    def markdown(self, text: str) -> None:
        if text.strip():
            self.cells.append(("markdown", text.strip()))

    def code(self, source: str) -> None:
        if source.strip():
            self.cells.append(("code", source.strip()))

    def notebook(self, url: str = ""):
        """The ``nbformat.NotebookNode``, validated."""
        import nbformat
        from nbformat import v4

        intro = (f"# {self.title}\n\nFrom the NumPy · PyTorch · MLX playground"
                 + (f" ({url})" if url else "") + ". Each example is shown in each library, exactly as the "
                 "page ran it; run the cells in order (each imports what it needs). A library that is not "
                 "installed fails only its own cells.")
        nb = v4.new_notebook()
        nb.metadata["kernelspec"] = KERNEL
        nb.metadata["language_info"] = {"name": "python"}
        nb.cells = [v4.new_markdown_cell(intro)] + [
            v4.new_markdown_cell(src) if kind == "markdown" else v4.new_code_cell(src) for kind, src in self.cells]
        nbformat.validate(nb)
        return nb

    def to_ipynb(self, url: str = "") -> bytes:
        import nbformat

        return nbformat.writes(self.notebook(url)).encode("utf-8")

    def filename(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.title.lower()).strip("-") + ".ipynb"


def code_cells(data: bytes) -> list[str]:
    """The code cells' sources of an ``.ipynb``, in order (what a test runs in a fresh process)."""
    import nbformat

    nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    nbformat.validate(nb)
    return [c.source for c in nb.cells if c.cell_type == "code"]
