"""ui.panel's one output block per cell: what it shows for one, several, and multi-line outputs."""
from __future__ import annotations

from kernels.backends import Output
from ui.panel import output_block


def test_one_output_is_its_text_and_its_facts():
    out = Output("tensor([1, 2, 3])", "Tensor", (3,), "int64", "cpu")
    assert output_block([out]) == ("tensor([1, 2, 3])", "Tensor · shape (3,) · int64 · cpu")


def test_outputs_sharing_their_facts_say_them_once():
    outs = [Output(f"np.float64({v})", "float64", (), "float64", "cpu") for v in (2.125, 4.0)]
    assert output_block(outs) == ("np.float64(2.125)\nnp.float64(4.0)",
                                  "2 outputs, each float64 · shape () · float64 · cpu")


def test_outputs_with_different_facts_are_numbered_in_line_order():
    outs = [Output("tensor(4.)", "Tensor", (), "float32", "cpu"), Output("tensor(3)", "Tensor", (), "int64", "cpu")]
    text, facts = output_block(outs)
    assert text == "tensor(4.)\ntensor(3)"
    assert facts == "1: Tensor · shape () · float32 · cpu — 2: Tensor · shape () · int64 · cpu"


def test_a_multi_line_output_gets_a_blank_line_around_it():
    grid = "array([[1, 2],\n       [3, 4]])"
    outs = [Output(grid, "ndarray", (2, 2), "int64", "cpu"), Output("array([4, 6])", "ndarray", (2,), "int64", "cpu")]
    assert output_block(outs)[0] == grid + "\n\narray([4, 6])"


def test_a_closed_sections_example_runs_once_per_code_and_is_recorded_every_time(monkeypatch, libs):
    """record_panel (a closed section) keeps each outcome per code and library versions: a page records
    its closed sections on every rerun. The notebook still gets the cells each time, an error as text;
    the values (arrays, perhaps MLX's, tied to the run's thread) are not kept."""
    from kernels import cells
    from kernels.notebook import code_cells
    from ui import lesson, panel

    example = cells.Example("test_record_once", "Reshape", {
        "numpy": "np.arange($n).reshape(2, -1)", "torch": "torch.arange($n).reshape(2, -1)",
        "mlx": "mx.arange($n).reshape(2, -1)"})
    runs = []
    real = cells.run_all
    monkeypatch.setattr(cells, "run_all", lambda *a, **k: runs.append(a[2]) or real(*a, **k))
    panel._recorded.clear()
    for params in ({"n": 4}, {"n": 4}, {"n": 3}, {"n": 4}):
        page = lesson.begin("Test")
        results = panel.record_panel(example, params, libs)
        assert all(r.value is None and not r.namespace for r in results.values())
        cells_now = code_cells(page.to_ipynb())
        if params["n"] == 4:
            assert [r.status for r in results.values()] == ["ok"] * 3
            assert len(cells_now) == 3 and all("arange(4)" in c for c in cells_now)
        else:  # 3 numbers do not split into 2 rows: every library refuses, and the notebook says so
            assert [r.status for r in results.values()] == ["error"] * 3 and cells_now == []
            assert page.to_ipynb().decode().count("raises `") == 3
    assert runs == [{"n": 4}, {"n": 3}]


def test_a_cell_status_is_one_of_the_declared_words():
    import pytest

    from kernels.cells import CellResult, Status

    assert CellResult("numpy", "NumPy").status is Status.OK and CellResult("numpy", "NumPy", "error").status == "error"
    assert CellResult("numpy", "NumPy", "missing").status is Status.MISSING
    with pytest.raises(ValueError):
        CellResult("numpy", "NumPy", "fine")


def _columns_app():
    """One missing library, one error, one demo that ran: drawn by ui.panel.result_columns with a topic's body."""
    import streamlit as st

    from kernels.backends import discover
    from kernels.cells import CellResult, Status
    from ui.panel import result_columns

    libs = discover(["numpy", "torch"])
    libs["torch"] = type(libs["torch"])(name="torch", label="PyTorch", import_line="import torch", install="pip x",
                                        available=False, error="ModuleNotFoundError: No module named 'torch'")
    results = {"numpy": CellResult("numpy", "NumPy", Status.ERROR, source="np.ones(-1)", device="cpu",
                                   error="ValueError: negative dimensions are not allowed"),
               "torch": CellResult("torch", "PyTorch", Status.MISSING)}
    result_columns(results, libs, lambda res: st.markdown("the topic's own body"))
    result_columns({"numpy": CellResult("numpy", "NumPy", source="x = 1", device="cpu")}, {"numpy": libs["numpy"]},
                   lambda res: st.markdown(f"timed {res.label}"))


def test_one_panel_draws_header_missing_notice_and_error_once_then_the_topics_body():
    from streamlit.testing.v1 import AppTest

    from tests.apptest import unescaped

    at = AppTest.from_function(_columns_app).run()
    assert not at.exception
    assert [unescaped(e.value) for e in at.error] == ["ValueError: negative dimensions are not allowed"]
    assert len(at.warning) == 1 and "PyTorch is not available here" in at.warning[0].value
    bodies = [m.value for m in at.markdown if "body" in m.value or m.value.startswith("timed")]
    assert bodies == ["timed NumPy"]  # the topic's body only under a cell that ran
    assert [c.value for c in at.code if c.language == "python"] == ["np.ones(-1)", "x = 1"]


def _kept_app():
    import streamlit as st

    from ui.panel import kept_results

    st.session_state.setdefault("calls", 0)

    def measure():
        st.session_state["calls"] += 1
        return {"n": st.session_state["calls"]}

    found = kept_results("demo_kept", st.session_state.get("asked", 1), measure,
                         now=st.session_state.get("now", False), auto=st.session_state.get("auto", True))
    st.markdown(f"result {found[0]['n'] if found else None}")


def test_kept_results_measure_once_per_setting_until_asked_again():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_kept_app).run()
    assert at.markdown[0].value == "result 1"
    at.run()
    assert at.markdown[0].value == "result 1" and at.session_state["calls"] == 1  # a rerun keeps them
    at.session_state["now"] = True
    at.run()
    assert at.markdown[0].value == "result 2"  # Time again
    at.session_state["now"], at.session_state["asked"], at.session_state["auto"] = False, 2, False
    at.run()
    assert at.markdown[0].value == "result None" and at.session_state["calls"] == 2  # new settings, not asked yet
    at.session_state["now"] = True
    at.run()
    assert at.markdown[0].value == "result 3"


def test_the_no_gpu_note_is_short_and_never_nests_the_devices_reason(libs):
    """Under every example sent to the GPU: which library ran on the CPU and where it runs on a Mac, in
    one plain clause each; why this machine has no GPU is said once, on About this machine."""
    from kernels import cells
    from ui.panel import no_gpu_note

    devices = cells.gpu_devices(libs)
    note = no_gpu_note(libs, devices)
    if note is None:
        return  # every library had its GPU here
    assert "(" not in note.replace("(no `", "") and "Metal needs" not in note
    for name, device in devices.items():
        if device == "cpu" and any(d.kind == "gpu" for d in libs[name].devices):
            assert f"{libs[name].label} ran on the CPU (no `" in note
