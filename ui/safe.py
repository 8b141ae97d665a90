"""Text that came from a user or a file, made safe to put into Markdown: shown as the characters it
is, never as formatting, links, images, LaTeX, colours or icons, and shortened where long."""
from __future__ import annotations

import re

# Every character Markdown (and Streamlit's extensions: $LaTeX$, :colour[...], :icons:) gives a meaning.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=^&])")


def plain(text: object, limit: int = 200) -> str:
    """``text`` as literal Markdown: special characters escaped, line breaks as spaces, at most
    ``limit`` characters (an ellipsis marks the cut)."""
    text = " ".join(str(text).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return _SPECIAL.sub(r"\\\1", text)
