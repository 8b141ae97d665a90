"""ui.safe: text from a user or a file goes into Markdown as the characters it is, tables included."""
from __future__ import annotations

import re

from streamlit.testing.v1 import AppTest

from ui.safe import markdown_table, plain

HOSTILE = "**bold** [x](http://example.com) ![i](http://example.com/i.png) $x^2$ :red[c] <b>a|b</b>"


def unescaped_specials(markdown: str) -> list[str]:
    """Markdown's special characters not preceded by a backslash (the ones a renderer would act on)."""
    return re.findall(r"(?<!\\)[*\[\]()!$:<>]", markdown)


def test_plain_escapes_every_special_character_and_shortens():
    assert unescaped_specials(plain(HOSTILE)) == []
    assert plain("x" * 500, 10) == "x" * 9 + "…"


def test_a_table_escapes_its_headers_and_cells_and_formats_its_numbers():
    rows = [{"library": "NumPy", "y [*]": 917.0000000001, "note": HOSTILE},
            {"library": "MLX", "y [*]": None, "note": "a|b"}]
    text = markdown_table(rows, {"y [*]": "{:.10g}"})
    lines = text.split("\n")
    assert lines[1] == "|:---|---:|:---|"  # text to the left, the column of numbers to the right
    assert len(lines) == 4 and all(len(re.findall(r"(?<!\\)\|", line)) == 4 for line in lines)
    assert unescaped_specials(text.replace("|:---|---:|:---|", "")) == []
    assert "| 917 |" in lines[2] and "| — |" in lines[3]
    assert markdown_table([]) == ""


def test_a_table_reads_back_as_its_values():
    """What the page draws reads as the rows it was given (tests.apptest.tables parses it back)."""
    from tests.apptest import tables

    def script():
        import streamlit as st

        from ui.safe import markdown_table

        st.markdown(markdown_table([{"what": "**bold** a|b", "n": 3, "x": 0.5},
                                    {"what": "[x](http://example.com)", "n": 4, "x": None}]))

    at = AppTest.from_function(script).run()
    assert not at.exception
    [table] = tables(at)
    assert list(table["what"]) == ["**bold** a|b", "[x](http://example.com)"] and list(table["n"]) == [3.0, 4.0]
    assert table["x"][0] == 0.5 and table["x"].isna()[1]  # a missing value reads back as missing


def test_marked_rows_are_bold_and_red_and_still_escaped():
    text = markdown_table([{"dim": 1, "why": "equal"}, {"dim": 2, "why": "3 ≠ 4 *"}], marked=[1])
    first, second = text.split("\n")[2:]
    assert ":red[" not in first
    assert second == r"| :red[**2**] | :red[**3 ≠ 4 \***] |"


def test_a_libraries_message_is_one_shortened_inline_code_span_whatever_its_backticks():
    from ui.safe import inline_code

    assert inline_code("ValueError: bad\n  `shape`") == "`` ValueError: bad `shape` ``"
    assert inline_code("x" * 300, 20) == "`" + "x" * 19 + "…`"
