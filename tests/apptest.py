"""Open the app in Streamlit's AppTest on one page: the start of every page test."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")
HOME = "app_pages/home.py"


def open_page(path: str, timeout: float = 120) -> AppTest:
    """Run app.py (it opens on the home page), switch to `path`, and check neither run raised."""
    at = AppTest.from_file(APP, default_timeout=timeout).run()
    assert not at.exception, at.exception
    if path != HOME:
        at.switch_page(path).run()
        assert not at.exception, at.exception
    return at


def codes(at: AppTest) -> list[str]:
    """Every ``st.code`` block's text, in page order; a block of several outputs (one cell's tuple,
    ``ui.panel.output_block``: one per line, or a blank line between when they span lines) also
    gives each output on its own, right after it."""
    out = []
    for c in at.code:
        out.append(c.value)
        if not c.value.startswith("import "):  # a column's source; outputs never start so
            parts = c.value.split("\n\n") if "\n\n" in c.value else c.value.split("\n")
            out += parts if len(parts) > 1 else []
    return out


def column_headers(at: AppTest) -> list[str]:
    """Each library column's header (ui.panel.column_header: the name, then version and where the code
    ran, in one Markdown block), in page order."""
    return [m.value for m in at.markdown if m.value.startswith("#### ")]


def unescaped(markdown: str) -> str:
    """Markdown source as it reads on the page: ui.safe.plain's backslash escapes removed."""
    import re

    return re.sub(r"\\(.)", r"\1", markdown)


def charts(at: AppTest) -> list[tuple[dict, list[list[dict]]]]:
    """Each Altair chart's spec and the rows of each of its datasets (Streamlit ships Arrow)."""
    import io
    import json

    import pyarrow as pa

    return [(json.loads(chart.proto.spec),
             [pa.ipc.open_stream(io.BytesIO(d.data.data)).read_all().to_pylist() for d in chart.proto.datasets])
            for chart in at.get("vega_lite_chart")]


def chart_data(at: AppTest) -> list[tuple[dict, list[dict]]]:
    """Each chart's spec and its first dataset's rows (the charts that draw one table)."""
    return [(spec, datasets[0]) for spec, datasets in charts(at)]


def open_section(at: AppTest, key: str) -> AppTest:
    """Open a ``ui.lesson.section`` (as a click on its expander does: its state set, the page rerun)."""
    at.session_state[key] = True
    at.run()
    assert not at.exception, at.exception
    return at


def tables(at: AppTest) -> list:
    """Each ``ui.safe.markdown_table`` on the page, in page order, as a DataFrame of what it reads:
    text unescaped, ``—`` as None, and in a column of numbers (aligned right) each as a float (its
    unit after it, ``1.5×``, left out); a
    marked row's cells (bold, red) read as their text."""
    import re

    import pandas as pd

    def cells(line: str) -> list[str]:
        return [unescaped(re.sub(r"^:red\[\*\*(.*)\*\*\]$", r"\1", c.strip()))
                for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]

    def number(text: str) -> float:
        found = re.fullmatch(r"([-+]?[\d,]*\.?\d+(?:e[-+]?\d+)?)\D*", text)
        return float(found.group(1).replace(",", "")) if found else float(text)  # nan, inf

    out = []
    for m in at.markdown:
        lines = m.value.split("\n")
        if len(lines) >= 2 and lines[0].startswith("| ") and re.fullmatch(r"\|(:?-+:?\|)+", lines[1]):
            numeric = [a.endswith(":") and not a.startswith(":") for a in lines[1].strip("|").split("|")]
            rows = [[None if c == "—" else number(c) if num else c for c, num in zip(cells(line), numeric)]
                    for line in lines[2:]]
            out.append(pd.DataFrame(rows, columns=cells(lines[0])))
    return out
