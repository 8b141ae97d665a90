"""Learn: compilation. What breaks tracing, against the pinned libraries on every device here; the
timing harness, with mx.compile and (once) a real torch.compile; torch.compile without a C++
compiler; the shown cells in a fresh Python; the page through AppTest."""
from __future__ import annotations

import numpy as np
import pytest

from kernels import cells
from kernels.examples import compilation as cp
from kernels.measure.timing import Timing
from tests import apptest
from tests.apptest import column_headers, open_page, open_section, unescaped
from tests.devices import FLOAT32, FOUND, PAIR_IDS, PAIRS
from tests.fresh_python import learn_failures, learn_sources

PAGE = "app_pages/learn_compilation.py"
COMPILING = [(lib, device, kind) for lib, device, kind in PAIRS if lib != "numpy"]
COMPILING_IDS = [f"{lib}-{device}" for lib, device, _kind in COMPILING]


def one_sample(fn, sync, **_kw) -> Timing:
    sync(fn())
    return Timing((1e-6,))


def no_compiler():
    return "g++", None


# --- inputs ---------------------------------------------------------------------------------------

def test_sizes_are_read_and_bounded():
    assert cp.parse_sizes("4, 4, 8") == [4, 4, 8]
    assert cp.parse_sizes("[16]") == [16]
    for bad, words in [("4, x", "whole numbers"), ("0", "from 1 to 4096"), ("5000", "from 1 to 4096"),
                       (", ".join(["1"] * 13), "12 sizes"), ("-4", "whole numbers"), ("", "whole numbers")]:
        with pytest.raises(ValueError, match=words):
            cp.parse_sizes(bad)
    with pytest.raises(ValueError, match="between"):
        cp.breaks_params(0, [4])
    with pytest.raises(ValueError, match="rows"):
        cp.check_params("gelu", 8)
    with pytest.raises(ValueError, match="unknown function"):
        cp.check_params("relu", 16)


def test_without_a_cpp_compiler_torch_compile_is_not_run_and_says_why(libs):
    why = cp.torch_cannot_compile("cpu", finder=no_compiler)
    assert "no C++ compiler" in why and "`g++`" in why
    assert cp.torch_cannot_compile("gpu", finder=no_compiler) == ""  # a GPU backend does not build C++ for it
    assert cp.torch_cannot_compile("cpu", finder=lambda: ("g++", "/usr/bin/g++")) == ""
    res = cp.time_compile(libs["torch"], "gelu", 16, "cpu", cannot=why)
    assert res.status == "cannot" and res.error == why and res.first_call_s is None
    assert "torch.compile(f)" in res.source


# --- what breaks tracing, on every device --------------------------------------------------------------

@pytest.mark.parametrize("lib, device, kind", COMPILING, ids=COMPILING_IDS)
@pytest.mark.parametrize("calls", [2, 12])
def test_side_effects_run_every_call_in_torch_and_once_in_mlx(libs, lib, device, kind, calls):
    r = cells.run(cp.SIDE_EFFECT, libs[lib], cp.breaks_params(calls, [4]), device)
    assert r.ok, r.error
    if lib == "torch":
        appended, compiled = r.value
        assert appended == calls  # Python's meaning kept
        assert compiled == min(calls, 8)  # a recompile per call, up to recompile_limit (8)
    else:
        assert r.value == 1  # the Python ran once, while tracing


@pytest.mark.parametrize("device", [device for lib, device, _kind in COMPILING if lib == "torch"])
def test_a_rerun_of_a_cell_counts_its_compilations_again(libs, device):
    """A page compiles a cell's source once (cells.compiled); torch.compile keeps its state on the code
    object, so reusing it said "compilations: 0" on a second visit, or raised NameError."""
    for example in cp.BREAKS:
        params = cp.breaks_params(12, [4])
        first = cells.run(example, libs["torch"], params, device)
        again = cells.run(example, libs["torch"], params, device)
        assert first.ok and again.ok, (first.error, again.error)
        assert again.stdout == first.stdout
        assert repr(again.value) == repr(first.value)


@pytest.mark.parametrize("lib, device, kind", COMPILING, ids=COMPILING_IDS)
@pytest.mark.parametrize("sizes", [[4], [4, 4, 8, 16, 16, 4], [3, 5, 7, 9]])
def test_new_shapes_recompile(libs, lib, device, kind, sizes):
    r = cells.run(cp.SHAPES, libs[lib], cp.breaks_params(1, sizes), device)
    assert r.ok, r.error
    distinct = len(cp.distinct_in_order(sizes))
    if lib == "torch":
        assert r.value == cp.expected_torch_graphs(sizes)
        if distinct > 1:
            assert "compilation 2: inputs [s" in r.stdout  # the size became a symbol
    else:
        assert r.value == (distinct, 1)


@pytest.mark.parametrize("lib, device, kind", COMPILING, ids=COMPILING_IDS)
def test_print_inside_is_a_graph_break_in_torch_and_an_error_in_mlx(libs, lib, device, kind):
    r = cells.run(cp.PRINT, libs[lib], cp.breaks_params(1, [4]), device)
    if lib == "torch":
        assert r.ok, r.error
        assert "inside f: tensor([0., 2., 4.])" in r.stdout and "graphs: 2" in r.stdout
        assert libs[lib].to_numpy(r.value).tolist() == [1.0, 3.0, 5.0]
    else:
        assert r.status == "error"
        assert r.error.startswith("ValueError: [eval] Attempting to eval an array during function transformations")


@pytest.mark.parametrize("lib, device, kind", COMPILING, ids=COMPILING_IDS)
def test_a_captured_array_is_a_constant_in_mlx_and_guarded_in_torch(libs, lib, device, kind):
    r = cells.run(cp.CAPTURED, libs[lib], cp.breaks_params(1, [4]), device)
    assert r.ok, r.error
    before, after = (libs[lib].to_numpy(v).tolist() for v in r.value)
    assert before == [2.0, 2.0]
    assert after == ([10.0, 10.0] if lib == "torch" else [2.0, 2.0])


# --- the timing harness -------------------------------------------------------------------------------------

@pytest.mark.parametrize("function", list(cp.FUNCTIONS))
@pytest.mark.parametrize("lib, device, kind", [p for p in PAIRS if p[0] != "torch"],
                         ids=[i for p, i in zip(PAIRS, PAIR_IDS) if p[0] != "torch"])
def test_mx_compile_agrees_with_the_plain_function_and_is_timed(libs, lib, device, kind, function):
    res = cp.time_compile(libs[lib], function, 16, device, budget_s=0.01)
    assert res.status == "ok", res.error
    assert res.plain.repeats >= 3
    if lib == "numpy":
        assert res.compiled is None and res.first_call_s is None
        return
    assert res.first_call_s > 0 and res.compiled.repeats >= 3
    assert res.max_abs_diff <= 1e-5, "the compiled function computes the same numbers"
    assert libs[lib].device_expr(device) in res.source


def test_torch_compile_for_real_once(libs):
    """The one real torch.compile of the tests (Dynamo and Inductor, C++ built with this machine's
    compiler): the same numbers as the plain function, timed, with Inductor's cache reporting."""
    if cp.torch_cannot_compile("cpu"):
        pytest.skip("no C++ compiler here: the page says so instead (tested above)")
    res = cp.time_compile(libs["torch"], "layer_norm", 16, "cpu", budget_s=0.01)  # as the page test asks
    assert res.status == "ok", res.error
    assert res.first_call_s > 0 and res.compiled.repeats >= 3
    np.testing.assert_allclose(res.max_abs_diff, 0, atol=1e-5)
    assert any("FX-graph cache" in n for n in res.notes), res.notes


def test_the_harness_reports_errors_and_missing_libraries(libs, monkeypatch):
    from dataclasses import replace

    gone = replace(libs["mlx"], available=False, error="ModuleNotFoundError: No module named 'mlx'")
    assert cp.time_compile(gone, "gelu", 16).status == "missing"
    monkeypatch.setitem(cp.DEMO, "mlx", "raise RuntimeError('no compiler')")
    res = cp.time_compile(libs["mlx"], "gelu", 16, measure_fn=one_sample)
    assert res.status == "error" and res.error == "RuntimeError: no compiler"
    assert cells.short_error("x" * 2000).endswith("…") and len(cells.short_error("x" * 2000)) == 600


def test_every_column_runs_pasted_into_a_fresh_python():
    failures = learn_failures("compilation")
    ran = learn_sources("compilation")
    assert set(ran["mlx"]) == {ex.key for ex in cp.BREAKS} | {f"demo_{f}" for f in cp.FUNCTIONS}
    # The one cell expected to raise: MLX refusing to print a placeholder.
    assert failures["numpy"] == {} and failures["torch"] == {}, failures
    assert list(failures["mlx"]) == ["print"], failures["mlx"]


# --- the page ------------------------------------------------------------------------------------------------

def page_output(at) -> list[str]:
    return apptest.codes(at) + [m.value for m in at.markdown]


def test_page_runs_mlx_says_torch_waits_and_every_control_works_at_both_ends(monkeypatch):
    monkeypatch.setattr(cp, "measure", one_sample)  # the harness is timed for real above
    at = open_page(PAGE)
    assert at.title[0].value == "Compilation"
    # Nothing is compiled on a visit: the first compile costs seconds here; the button runs it.
    assert any("Not run yet: press **Compile and time**" in i.value for i in at.info)
    assert not any("first call of `compiled()`" in m.value for m in at.markdown)
    at.button(key="compilation_run").click().run()
    text = "\n".join(page_output(at))
    assert any("Not run: switch on" in i.value for i in at.info), "PyTorch's column does not claim a time"
    def torch_header():  # section 1's PyTorch column header: the first with PyTorch's version
        return next(h for h in column_headers(at) if FOUND["torch"].version in h)

    assert "ran on" not in torch_header(), "…nor that it ran"
    assert not any("after 10 calls" in m.value for m in at.markdown), "section 2 runs only when opened"
    open_section(at, "compilation_breaks")
    text = "\n".join(page_output(at))
    assert "after 10 calls, the list holds 10 item(s) in PyTorch, which compiled 8 time(s), and 1 in MLX" in text
    assert "PyTorch compiled 2 time(s); MLX traced 3 time(s), or 1 with shapeless=True" in text
    assert "after `scale` changed from 2 to 10, PyTorch returned 10; MLX returned 2" in text
    assert "ml-explore.github.io/mlx/build/html/usage/compile.html" in text
    assert any("Attempting to eval an array" in unescaped(e.value) for e in at.error)

    before = page_output(at)
    for value in (1, 20):
        at.slider(key="compilation_calls").set_value(value).run()
        assert not at.exception, at.exception
    assert page_output(at) != before
    assert any("after 20 calls, the list holds 20 item(s) in PyTorch, which compiled 8 time(s)" in m.value
               for m in at.markdown)
    at.text_input(key="compilation_sizes").set_value("7").run()
    assert any("PyTorch compiled 1 time(s); MLX traced 1 time(s)" in m.value for m in at.markdown)
    at.text_input(key="compilation_sizes").set_value("4, oops").run()
    assert not at.exception and any("Can't use those lengths" in unescaped(e.value) for e in at.error)

    # the other function (gelu is the default) at the smallest size, with torch.compile asked for: a real
    # compile, found in Inductor's caches when the harness test above ran first; or the reason it cannot
    before = page_output(at)
    at.radio(key="compilation_function").set_value("layer_norm")
    at.select_slider(key="compilation_rows").set_value(16)
    at.toggle(key="compilation_torch").set_value(True).run()
    at.button(key="compilation_run").click().run()
    assert not at.exception, at.exception
    assert page_output(at) != before
    torch_on_cpu = cells.gpu_devices(FOUND).get("torch") == "cpu"
    if cp.torch_cannot_compile("cpu") == "" or not torch_on_cpu:
        assert any("first call of `compiled()`" in m.value for m in at.markdown)
        assert any("measured at" in c.value for c in at.caption)
        assert "ran on" in torch_header()

    # the largest size, without a C++ compiler: PyTorch's column says so and shows no time
    monkeypatch.setattr(cp, "inductor_compiler", no_compiler)
    at.select_slider(key="compilation_rows").set_value(4096).run()
    at.button(key="compilation_run").click().run()
    assert not at.exception
    assert any("4096 × 1024 inputs" in m.value for m in at.markdown)
    if torch_on_cpu:
        assert any("torch.compile cannot run here: no C++ compiler" in w.value for w in at.warning)
        assert not any("measured at" in c.value for c in at.caption)
        assert "ran on" not in torch_header()


def test_page_works_without_mlx(mlx_missing, monkeypatch):
    monkeypatch.setattr(cp, "measure", one_sample)
    at = open_section(open_page(PAGE), "compilation_breaks")
    assert any("MLX is not available" in w.value for w in at.warning)


def test_float32_tolerances_are_the_shared_ones():
    assert FLOAT32["cpu"]["rtol"] <= 1e-6  # the compile checks above use 1e-5 absolute on values ~1


def test_closed_tracing_section_runs_nothing_and_the_notebook_says_so(monkeypatch):
    from kernels.notebook import code_cells
    from ui import lesson as ui_lesson
    from ui import panel

    ran = []
    real_panel = panel.library_panel
    monkeypatch.setattr(panel, "library_panel", lambda ex, *a, **k: ran.append(ex.key) or real_panel(ex, *a, **k))
    offered = []
    real = ui_lesson.download_button
    monkeypatch.setattr(ui_lesson, "download_button",
                        lambda key: (offered.append(ui_lesson.current().to_ipynb()), real(key)))
    at = open_page(PAGE)
    assert not at.exception
    assert not set(ran) & {cp.SIDE_EFFECT.key, cp.SHAPES.key, cp.PRINT.key, cp.CAPTURED.key}
    closed = offered[-1]
    assert b"run only when it is opened on the page" in closed
    assert not any("backend=" in c for c in code_cells(closed)), "no tracing example's code: none ran"
    open_section(at, "compilation_breaks")
    assert any("backend=" in c for c in code_cells(offered[-1])), "opened, its examples are in the notebook"
