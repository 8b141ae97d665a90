"""Every page through Streamlit's AppTest: it runs, shows what it should, and survives bad input."""
from __future__ import annotations

import pytest

from tests import apptest
from tests.apptest import open_page
from tests.devices import torch_shown
from ui.nav import PAGES, by_section


def test_navigation_has_the_sections_in_order():
    sections = list(by_section())
    assert sections[0] == "Learn" and sections[-1] == "About"
    assert sum(p.default for p in PAGES) == 1


@pytest.mark.parametrize("spec", PAGES, ids=lambda p: p.url_path)
def test_every_page_renders_without_exception(spec):
    at = open_page(spec.path)
    assert not at.exception, at.exception
    assert at.title, "every page has a title"


def test_home_shows_the_first_example_in_three_columns():
    at = open_page("app_pages/home.py")
    codes = apptest.codes(at)
    assert "import numpy as np\n\na = np.array([1, 2, 3])\na" in codes
    assert torch_shown("tensor([1, 2, 3])") in codes
    assert "array([1, 2, 3], dtype=int32)" in codes
    captions = " ".join(c.value for c in at.caption)
    assert "shape (3,) · int64" in captions and "shape (3,) · int32" in captions


def test_home_input_changes_every_column():
    at = open_page("app_pages/home.py")
    at.text_input(key="home_values").set_value("[0.5, 1, 3, 4]").run()
    codes = apptest.codes(at)
    assert "array([0.5, 1. , 3. , 4. ])" in codes
    assert torch_shown("tensor([0.5000, 1.0000, 3.0000, 4.0000])") in codes
    assert "array([0.5, 1, 3, 4], dtype=float32)" in codes


@pytest.mark.parametrize("bad", ["[1, 'a']", "os.system('ls')", "[", ""])
def test_home_bad_input_is_a_message_not_a_traceback(bad):
    at = open_page("app_pages/home.py")
    at.text_input(key="home_values").set_value(bad).run()
    assert not at.exception
    assert any("Can't use that input" in e.value for e in at.error)


def test_home_error_inside_an_example_stays_in_its_column():
    at = open_page("app_pages/home.py")
    at.text_input(key="home_values").set_value("[[1, 2], [3]]").run()  # ragged: every library refuses
    assert not at.exception
    assert len(at.error) == 3, [e.value for e in at.error]


def test_about_lists_libraries_and_devices():
    at = open_page("app_pages/about.py")
    system, libraries, devices = (t.value for t in at.table)
    assert list(system.iloc[:, 0]) == ["OS", "Chip / CPU", "Memory", "Python"]
    assert list(libraries["library"]) == ["NumPy", "PyTorch", "MLX"]
    assert list(libraries["version"]) == ["2.4.6", "2.13.0", "0.32.4"]
    assert set(devices["device"]) >= {"cpu", "mps", "cuda", "gpu"}


def test_missing_mlx_greys_its_column_and_keeps_the_page(mlx_missing):
    at = open_page("app_pages/home.py")
    assert not at.exception
    assert any("MLX is not available" in w.value for w in at.warning)
    assert torch_shown("tensor([1, 2, 3])") in apptest.codes(at)  # the other columns still run
    at.switch_page("app_pages/about.py").run()
    assert not at.exception
    assert any("MLX" in w.value and "not installed" in w.value for w in at.warning)
    assert any('mlx[cpu]==' in c.value or "mlx==" in c.value for c in at.code)


def test_home_draws_numpy_before_pytorch_is_imported(monkeypatch):
    """On a server's first run PyTorch takes seconds to import: Home lays out everything that needs no
    library, then NumPy's box and NumPy's column of the example, and only then imports PyTorch (a cold
    start drew the page two seconds sooner). The order is recorded as the page draws."""
    import streamlit as st

    import ui.panel
    from kernels.backends import torch_backend

    order: list[str] = []
    real_load, real_show = torch_backend.load, ui.panel.result_column
    monkeypatch.setattr(torch_backend, "load", lambda: (order.append("import torch"), real_load())[1])
    monkeypatch.setattr(ui.panel, "result_column", lambda result, backend, body=None: (
        order.append(f"column {result.backend}"), real_show(result, backend, body)))
    st.cache_resource.clear()  # as on a fresh server: nothing found yet
    try:
        at = open_page(apptest.HOME)
    finally:
        st.cache_resource.clear()
    assert order[:3] == ["column numpy", "import torch", "column torch"], order
    assert [s.value.split("**")[1].split()[0] for s in at.success] == ["NumPy", "PyTorch", "MLX"]
    assert [p.proto.label for p in at.get("page_link")][0].startswith("Learn: ")
