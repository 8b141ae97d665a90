"""Text that came from a user or a file, made safe to put into Markdown: shown as the characters it
is, never as formatting, links, images, LaTeX, colours or icons, and shortened where long."""
from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence

from kernels.examples.inputs import code_span, shorten

# Every character Markdown (and Streamlit's extensions: $LaTeX$, :colour[...], :icons:) gives a meaning.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=^&])")


def plain(text: object, limit: int = 200) -> str:
    """``text`` as literal Markdown: special characters escaped, line breaks as spaces, at most
    ``limit`` characters (an ellipsis marks the cut)."""
    text = " ".join(str(text).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return _SPECIAL.sub(r"\\\1", text)


def inline_code(text: object, limit: int = 200) -> str:
    """A library's message as an inline code span: shown as it is (whatever backticks it holds), on
    one line, shortened to ``limit`` characters."""
    return code_span(shorten(" ".join(str(text).split()), limit))


def markdown_table(rows: Sequence[Mapping[str, object]], formats: Mapping[str, str] | None = None,
                   marked: Collection[int] = (), limit: int = 300) -> str:
    """Rows (column → value, the first row's columns for all) as a GitHub Markdown table for
    ``st.markdown``: every header and cell escaped as :func:`plain` does (a ``|`` too), a number
    written with ``formats[column]`` (a template such as ``"{:.3e}"`` or ``"{:.3g}×"``; else ``str``),
    numeric columns aligned right, True and False as yes and no, a missing value as ``—``; the rows at
    the indices in ``marked`` in bold red (a projector shows it).

    For a small table read at a glance: it draws in a fraction of an ``st.dataframe``'s time (a data
    grid measured its columns and cost a Learn page 30-45 ms of the browser's time, here) and shows
    every cell whole, wrapped, never cut off by a column width."""
    if not rows:
        return ""
    columns = list(rows[0])
    formats = formats or {}

    def cell(column: str, value: object) -> str:
        if value is None:
            return "—"
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, (int, float)) and column in formats:
            return plain(formats[column].format(value), limit)
        return plain(value, limit)

    numeric = [all(isinstance(r.get(c), (int, float)) and not isinstance(r.get(c), bool)
                   for r in rows if r.get(c) is not None) for c in columns]
    lines = ["| " + " | ".join(plain(c, limit) for c in columns) + " |",
             "|" + "|".join("---:" if num else ":---" for num in numeric) + "|"]
    for i, r in enumerate(rows):
        texts = [cell(c, r.get(c)) for c in columns]
        lines.append("| " + " | ".join(f":red[**{t}**]" if i in marked else t for t in texts) + " |")
    return "\n".join(lines)
