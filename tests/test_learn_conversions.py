"""Learn 6, moving data between libraries: the matrix's claims checked independently, and the page."""
from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest

from kernels import cells
from kernels.backends import Device
from kernels.examples import conversions as conv
from kernels.examples.inputs import code_span
from tests import apptest, fake_metal
from tests.apptest import open_page, open_section, tables, unescaped

PAGE = "app_pages/learn_conversions.py"
VALUES = [0.1, 1, 2, 3]


@pytest.fixture(scope="module")
def matrices(libs):
    return {dtype: conv.run_matrix(dtype, VALUES, libs) for dtype in ("float32", "int32", "float64", "bfloat16")}


def get(matrices, dtype, source, target, code):
    return conv.find(matrices[dtype], source, target, code)


# --- copy or shared -----------------------------------------------------------------------------

@pytest.mark.parametrize("source, target, code, expected", [
    ("numpy", "torch", "dst = torch.from_numpy(src)", "shared"),
    ("numpy", "torch", "dst = torch.as_tensor(src)", "shared"),
    ("numpy", "torch", "dst = torch.tensor(src)", "copy"),
    ("numpy", "torch", "dst = torch.from_dlpack(src)", "shared"),
    ("numpy", "mlx", "dst = mx.array(src)", "copy"),
    ("torch", "numpy", "dst = src.numpy()", "shared"),
    ("torch", "numpy", "dst = np.array(src)", "copy"),
    ("mlx", "numpy", "dst = np.array(src)", "copy"),
    ("mlx", "numpy", "dst = np.asarray(src)", "shared"),
    ("mlx", "torch", "dst = torch.tensor(src)", "copy"),
])
def test_known_routes_are_classified_correctly(matrices, source, target, code, expected):
    res = get(matrices, "float32", source, target, code)
    assert res.ok, res.error
    assert res.sharing == expected, res.proof


def test_shared_verdicts_agree_with_memory_addresses(libs):
    """An independent check of the write-through proof: shared routes point at the same memory."""
    for code, same in (("dst = torch.from_numpy(src)", True), ("dst = torch.tensor(src)", False)):
        _v, ns, _w = conv._run_cell(conv.cell_source(libs, "src = np.arange(4.0)", code, "dst"))
        assert (ns["dst"].data_ptr() == ns["src"].__array_interface__["data"][0]) is same
        assert conv.run_route(conv.route("numpy", "torch", code), "float64", [1, 2, 3, 4], libs).sharing == (
            "shared" if same else "copy")


def test_a_probe_writes_and_reads_both_sides(matrices):
    res = get(matrices, "float32", "numpy", "torch", "dst = torch.from_numpy(src)")
    src_probe, dst_probe = res.probes
    assert src_probe.statement == "src[0] = 100.0" and src_probe.landed and src_probe.seen
    assert dst_probe.statement == "dst[0] = 100.0" and dst_probe.landed and dst_probe.seen
    copy = get(matrices, "float32", "numpy", "torch", "dst = torch.tensor(src)")
    assert all(p.landed and p.seen is False for p in copy.probes)


def test_mlx_side_is_written_through_a_numpy_view(matrices):
    res = get(matrices, "float32", "mlx", "torch", "dst = torch.tensor(src)")
    assert res.probes[0].statement == "np.asarray(src)[0] = 100.0"
    assert res.probes[0].landed


def test_a_read_only_result_is_reported_and_the_other_write_decides(matrices):
    res = get(matrices, "float32", "mlx", "numpy", "dst = np.from_dlpack(src)")
    assert res.ok
    src_probe, dst_probe = res.probes
    assert "read-only" in dst_probe.error
    assert src_probe.landed and src_probe.seen and res.sharing == "shared"


@pytest.mark.parametrize("probes, expected", [
    ([conv.Probe("source", "s", landed=True, seen=True)], "shared"),
    ([conv.Probe("source", "s", landed=True, seen=False)], "copy"),
    ([conv.Probe("source", "s", landed=True, seen=False), conv.Probe("result", "d", landed=True, seen=True)],
     "shared"),
    ([conv.Probe("source", "s", error="ValueError: read-only")], "unproven"),
    ([conv.Probe("source", "s", landed=False, seen=False)], "unproven"),
])
def test_verdict(probes, expected):
    assert conv.verdict(probes) == expected


# --- what fails, what changes dtype -------------------------------------------------------------

def test_bfloat16_has_no_numpy_buffer(matrices):
    m = matrices["bfloat16"]
    numpy_source = [r for r in m if r.route.source == "numpy"]
    assert numpy_source and all(r.status == "no-source" for r in numpy_source)
    assert all("bfloat16" in r.error for r in numpy_source)
    for code in ("dst = np.array(src)", "dst = np.asarray(src)"):
        res = get(matrices, "bfloat16", "mlx", "numpy", code)
        assert res.status == "error" and "bfloat16" in res.error
    assert get(matrices, "bfloat16", "torch", "numpy", "dst = src.numpy()").status == "error"
    direct = get(matrices, "bfloat16", "mlx", "torch", "dst = torch.tensor(src)")
    assert direct.ok and direct.dst_dtype == "bfloat16" and direct.dtype_kept


def test_memoryview_of_a_tensor_raises_and_mx_array_takes_a_tensor(matrices):
    via_mv = get(matrices, "float32", "torch", "mlx", "dst = mx.array(memoryview(src))")
    assert via_mv.status == "error" and via_mv.error.startswith("TypeError")
    direct = get(matrices, "float32", "torch", "mlx", "dst = mx.array(src)")
    assert direct.ok and direct.dtype_kept


def test_memoryview_route_from_mlx_int32_comes_back_int64(matrices):
    res = get(matrices, "int32", "mlx", "torch", "dst = torch.tensor(memoryview(src))")
    assert res.ok and res.src_dtype == "int32" and res.dst_dtype == "int64" and res.dtype_kept is False
    assert get(matrices, "int32", "mlx", "torch", "dst = torch.tensor(src)").dtype_kept


def test_float64_into_mlx_narrows_and_loses_values(matrices):
    res = get(matrices, "float64", "numpy", "mlx", "dst = mx.array(src)")
    assert res.ok and res.dst_dtype == "float32" and res.values_kept is False  # 0.1 is not exact in float32


def test_np_array_copy_false_on_a_tensor_raises(matrices):
    res = get(matrices, "float32", "torch", "numpy", "dst = np.array(src, copy=False)")
    assert res.status == "error" and "Unable to avoid copy" in res.error


def test_dtype_surprises_lists_the_int64_and_float32_cases(libs):
    rows = conv.dtype_surprises(VALUES, libs, dtypes=("int32", "float64"))
    pairs = {(r["route"], r["source dtype"], r["result dtype"]) for r in rows}
    assert ("dst = torch.tensor(memoryview(src))", "int32", "int64") in pairs
    assert ("dst = mx.array(src)", "float64", "float32") in pairs


def test_the_shown_cell_is_the_cell_that_ran(matrices):
    res = get(matrices, "float32", "numpy", "torch", "dst = torch.from_numpy(src)")
    assert res.source == ("import numpy as np\nimport torch\n\n"
                          "src = np.array([0.1, 1, 2, 3], dtype=np.float32)\ndst = torch.from_numpy(src)\ndst\n")
    value, _ns, _w = conv._run_cell(res.source)
    assert repr(value) == res.output.text


# --- memory a Mac's MLX exports as Metal's (faked: see tests/fake_metal.py) -----------------------

def metal_route(fragment: str) -> conv.Route:
    (r,) = [r for r in fake_metal.ROUTES if fragment in r.code]
    return r


def test_the_fake_exports_metal_memory_as_mlx_does_on_a_mac():
    """The fake takes the consumers down the Mac's branches: Torch makes an mps tensor, NumPy refuses."""
    import mlx.core as mx
    import torch

    array = mx.array([1.0, 2.0], dtype=mx.float64)
    tensor = torch.from_dlpack(fake_metal.OnMetal(array))
    assert str(tensor.device) == "mps:0"
    if not torch.backends.mps.is_built():  # no MPS backend in this torch to read the fake buffer with
        with pytest.raises(NotImplementedError, match="from the 'MPS' backend"):
            repr(tensor)
    with pytest.raises(RuntimeError, match="Unsupported device in DLTensor"):
        np.from_dlpack(fake_metal.OnMetal(array))
    assert np.from_dlpack(fake_metal.OnMetal(array), device="cpu").tolist() == [1.0, 2.0]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_tensor_on_mps_from_metal_memory_is_described_not_raised(libs, dtype):
    for fragment in ("torch.from_dlpack(OnMetal(src))", "torch.as_tensor(OnMetal(src))"):
        res = conv.run_route(metal_route(fragment), dtype, VALUES, libs)
        assert res.ok, res.error
        assert res.output.device == "mps:0" and res.on_gpu and res.lives_on == "mps:0 (the GPU)"
        assert res.output.text.startswith("cannot be printed: NotImplementedError: Could not run")
        assert "\n" not in res.output.text and len(res.output.text) < 350
        assert res.dst_dtype == dtype and res.dtype_kept and res.shape_kept
        assert res.sharing == "unproven" and all(p.unreadable == "result" for p in res.probes)
    failed = conv.run_route(metal_route("torch.tensor(OnMetal(src))"), dtype, VALUES, libs)
    assert failed.status == "error" and failed.error.startswith("NotImplementedError: Could not run")
    assert "\n" not in failed.error and len(failed.error) <= len("NotImplementedError: ") + 300


def test_the_matrix_says_which_results_land_on_the_gpu(libs):
    results = conv.run_matrix("float64", VALUES, libs, routes=fake_metal.ROUTES)
    rows = conv.table_rows(results, libs)
    assert [r["result lives on"] for r in rows] == ["mps:0 (the GPU)", "mps:0 (the GPU)", "—", "—", "cpu"]
    assert "2 land on mps:0 (the GPU)" in conv.summary(results, libs)["MLX"]["PyTorch"]
    assert all("\n" not in r["proof (write through one side, read the other)"] for r in rows)


def test_only_a_gpu_device_is_called_the_gpu(libs):
    assert conv.place("mps:0", libs["torch"]) == ("mps:0 (the GPU)", True)
    assert conv.place("cpu", libs["torch"]) == ("cpu", False)
    assert conv.place("unified memory", libs["mlx"]) == ("unified memory", False)  # MLX on a Mac: no one device's
    assert conv.place(None, libs["numpy"]) == ("", False)


def test_numpy_refuses_metal_memory_unless_it_asks_for_the_cpu(libs):
    refused = conv.run_route(metal_route("np.from_dlpack(OnMetal(src))"), "float64", VALUES, libs)
    assert refused.status == "error" and refused.error == "RuntimeError: Unsupported device in DLTensor."
    asked = conv.run_route(metal_route('np.from_dlpack(OnMetal(src), device="cpu")'), "float64", VALUES, libs)
    assert asked.ok and asked.lives_on == "cpu" and not asked.on_gpu
    assert asked.values_kept and asked.sharing == "shared"
    here = conv.run_route(conv.route("mlx", "numpy", 'dst = np.from_dlpack(src, device="cpu")'), "float64",
                          VALUES, libs)
    assert here.ok and here.lives_on == "cpu" and here.sharing == "shared"
    assert "Metal" in conv.route("mlx", "numpy", "dst = np.from_dlpack(src)").note


def test_run_matrix_reads_the_routes_when_called(monkeypatch, libs):
    monkeypatch.setattr(conv, "ROUTES", fake_metal.ROUTES)
    assert [r.route for r in conv.run_matrix("float32", VALUES, libs)] == list(fake_metal.ROUTES)


# --- a source that does not hold what was typed ---------------------------------------------------

def test_silent_overflow_in_the_source_is_said_loudly(libs):
    results = conv.run_matrix("int32", [1e10, 3], libs)
    assert all(r.status == "no-source" for r in results if r.route.source != "mlx")  # they refuse
    from_mlx = [r for r in results if r.route.source == "mlx"]
    overflow = "MLX stored -2147483648 for 1e+10: silent overflow"
    assert from_mlx and all(r.source_changes == [overflow] for r in from_mlx)
    assert conv.all_source_changes(results) == [overflow]
    grid = conv.summary(results, libs)
    assert overflow in grid["MLX"]["NumPy"] and overflow in grid["MLX"]["PyTorch"]
    assert grid["NumPy"]["MLX"].startswith("could not start: making the NumPy source raised OverflowError")
    assert all(overflow in row["error or warning"] for row in conv.table_rows(from_mlx, libs))


@pytest.mark.parametrize("array, typed, dtype", [
    (np.array([0.1, 2.5], dtype=np.float16), [0.1, 2.5], "float16"),  # rounded to float16's precision
    (np.array([0, 2, -2], dtype=np.int32), [0.1, 2.5, -2.5], "int32"),  # the fraction cut off
    (np.array([65504], dtype=np.float16), [65505], "float16"),  # rounded down to float16's largest
    (np.array([1e-10], dtype=np.float32), [1e-10], "float32"),
])
def test_rounding_to_the_dtype_is_not_a_change(libs, array, typed, dtype):
    assert conv.source_changes(array, typed, dtype, libs) == []


def test_an_overflow_names_the_warning_when_there_was_one(libs):
    inf = np.array([np.inf, 3], dtype=np.float16)
    warned = ["RuntimeWarning: overflow encountered in cast"]
    assert conv.source_changes(inf, [1e10, 3], "float16", libs, warned) == [
        "NumPy stored inf for 1e+10: overflow (RuntimeWarning: overflow encountered in cast)"]
    assert conv.source_changes(inf, [1e10, 3], "float16", libs) == ["NumPy stored inf for 1e+10: silent overflow"]


def test_routes_that_could_not_start_are_listed_with_why(matrices, libs):
    groups = conv.could_not_start(matrices["bfloat16"], libs)
    assert list(groups) == ["NumPy has no bfloat16 type"]
    assert len(groups["NumPy has no bfloat16 type"]) == 7
    assert all(r.route.source == "numpy" for r in groups["NumPy has no bfloat16 type"])
    assert conv.summary(matrices["bfloat16"], libs)["NumPy"]["MLX"] == "could not start: NumPy has no bfloat16 type"


# --- helpers --------------------------------------------------------------------------------

@pytest.mark.parametrize("text, span", [
    ("a + b", "`a + b`"),
    ("use `x` here", "``use `x` here``"),
    ("`x`", "`` `x` ``"),
])
def test_code_span_holds_any_backticks(text, span):
    assert code_span(text) == span


def test_render_refuses_anything_but_a_plain_name():
    assert cells.render("np.$dtype", raw={"dtype": "float32"}) == "np.float32"
    with pytest.raises(ValueError):
        cells.render("np.$dtype", raw={"dtype": "float32; import os"})


def test_sentinel_differs_from_every_value():
    assert conv.sentinel([1, 2], "float32") == 100.0
    assert conv.sentinel([100, 101.5], "int32") == 103  # 101.5 casts to 101
    assert conv.sentinel([[100], [102]], "int64") == 101
    assert conv.sentinel([1e300], "float64") == 100.0


def test_unknown_dtype_is_refused(libs):
    with pytest.raises(ValueError):
        conv.run_route(conv.ROUTES[0], "complex64", VALUES, libs)


def test_a_missing_library_marks_its_routes_and_keeps_the_rest(libs):
    fake = dict(libs, mlx=replace(libs["mlx"], available=False, error="ImportError: no mlx"))
    results = conv.run_matrix("float32", VALUES, fake)
    for r in results:
        uses_mlx = "mlx" in (r.route.source, r.route.target)
        assert (r.status == "missing") is uses_mlx, r.route
    assert conv.summary(results, fake)["MLX"]["NumPy"] == "library missing"
    assert conv.mlx_setitem_demo(fake)[2]


def test_mlx_setitem_is_lazy(libs):
    _source, (before_eval, _view, m), error = conv.mlx_setitem_demo(libs)
    assert not error
    assert before_eval[0] == 1  # recorded, not done, until mx.eval
    assert np.array(m)[0] == 100


def test_gpu_cases_say_why_they_are_not_observable_here(libs):
    results = conv.gpu_to_host(libs)
    gpus = {(r.library, r.device): r for r in results}
    for b in libs.values():
        for d in b.devices:
            if d.kind == "gpu" and b.name in conv.GPU_TO_HOST:
                r = gpus[(b.label, d.name)]
                assert r.observable == d.available
                if not d.available:
                    assert r.why_not == d.note and not r.naive_error and not r.naive_output


def test_an_available_gpu_device_is_run_and_its_errors_reported(libs):
    """A device the backend claims but cannot use: both lines run, and each error is reported, not raised."""
    torch_b = libs["torch"]
    fake_dev = Device("cuda", "pretend GPU", "gpu", True)
    if any(d.name == "cuda" and d.available for d in torch_b.devices):
        pytest.skip("a real CUDA device is here")
    fake = dict(libs, torch=replace(torch_b, devices=(torch_b.devices[0], fake_dev)))
    (res,) = [r for r in conv.gpu_to_host(fake) if r.library == torch_b.label]
    assert res.observable and res.naive_error and res.fixed_error
    assert "t = torch.arange(4.0, device='cuda')" in res.naive_source


# --- the page -------------------------------------------------------------------------------

def matrix(at) -> list:
    return at.dataframe[0].value.to_dict("records")


def test_page_renders_the_matrix_and_the_notebook_note():
    at = open_page(PAGE)
    assert at.title[0].value == "Moving data between libraries"
    rows = matrix(at)
    assert len(rows) == len(conv.ROUTES)
    from_numpy = [r for r in rows if r["route"] == "dst = torch.from_numpy(src)"][0]
    assert from_numpy["copy or shared"] == "shared" and from_numpy["works"] == "yes"
    md = " ".join(m.value for m in at.markdown)
    assert "No longer true" not in md and len(at.dataframe) == 1, "the sections below the fold run when opened"
    for key in ("conversions_dtypes_open", "conversions_mlx_write_open", "conversions_gpu_open",
                "conversions_notebook_open"):
        open_section(at, key)
    assert not at.exception
    md = " ".join(m.value for m in at.markdown)
    assert "No longer true" in md and len(at.dataframe) == 2  # and the dtype changes
    assert any("memoryview: a bytes-like object is required" in unescaped(e.value) for e in at.error)
    assert any("mx.eval" in c.value for c in at.code)  # MLX's own write
    codes = apptest.codes(at)
    assert any("dst = torch.from_numpy(src)" in c and "src = np.array(" in c for c in codes)


@pytest.mark.parametrize("index", [0, -1])
def test_dtype_picker_at_both_ends_changes_the_matrix(index):
    at = open_page(PAGE)
    before = matrix(at)
    at.selectbox(key="conversions_dtype").set_value(conv.DTYPES[index]).run()
    assert not at.exception
    after = matrix(at)
    if conv.DTYPES[index] == "float32":  # the default: pick another and come back
        at.selectbox(key="conversions_dtype").set_value(conv.DTYPES[1]).run()
        assert matrix(at) != before
    else:
        assert after != before
        assert {r["result dtype"] for r in after if r["works"] == "yes"} >= {conv.DTYPES[index]}


def test_bfloat16_on_the_page():
    at = open_page(PAGE)
    at.selectbox(key="conversions_dtype").set_value("bfloat16").run()
    rows = matrix(at)
    assert all(r["works"] == "no source" for r in rows if r["from"] == "NumPy")
    assert any(r["works"] == "yes" and r["result dtype"] == "bfloat16" for r in rows if r["from"] == "MLX")
    # "One route in full" opens on a route that works in bfloat16, not on NumPy's AttributeError
    picked = at.selectbox(key="conversions_route").value
    assert not picked.startswith("NumPy")  # NumPy has no bfloat16 array to convert
    assert not any("has no attribute 'bfloat16'" in unescaped(e.value) for e in at.error)


def test_values_input_changes_the_output_and_route_picker_at_both_ends():
    at = open_page(PAGE)
    at.text_input(key="conversions_values").set_value("[[5, 6], [7, 8]]").run()
    assert not at.exception
    codes = " ".join(c.value for c in at.code)
    assert "[[5, 6], [7, 8]]" in codes
    options = at.selectbox(key="conversions_route").options
    for option in (options[0], options[-1]):
        at.selectbox(key="conversions_route").set_value(option).run()
        assert not at.exception
        assert any(option.split(":  ")[1] in c.value for c in at.code)


@pytest.mark.parametrize("bad", ["[1, 'a']", "[", "", "__import__('os')", str(list(range(40)))])
def test_bad_input_is_a_message_not_a_traceback(bad):
    at = open_page(PAGE)
    at.text_input(key="conversions_values").set_value(bad).run()
    assert not at.exception
    assert any("Can't use that input" in e.value for e in at.error)
    assert not at.dataframe and not tables(at)


def without_code_spans(markdown: str) -> str:
    """What Markdown renders as text: the body with its code spans taken out."""
    return re.sub(r"(`+).*?\1", "", markdown)


def test_typed_text_is_shown_never_rendered():
    at = open_page(PAGE)
    typed = "'**bold** [link](http://example.com) :red[x] `tick`'"
    at.text_input(key="conversions_values").set_value(f"[1, {typed}]").run()
    (error,) = [e.value for e in at.error if "Can't use that input" in e.value]
    assert typed[:30] in error and len(error) < 200  # quoted, shortened: a paste is never echoed whole
    for mark in ("**bold**", "[link]", ":red[", "`tick`"):
        assert mark not in without_code_spans(error)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_page_with_results_on_mps_renders_and_says_they_land_on_the_gpu(monkeypatch, dtype):
    monkeypatch.setattr(conv, "ROUTES", conv.ROUTES + fake_metal.ROUTES)
    at = open_page(PAGE)
    at.selectbox(key="conversions_dtype").set_value(dtype).run()
    assert not at.exception
    rows = matrix(at)
    assert len(rows) == len(conv.ROUTES)
    assert [r["result lives on"] for r in rows if "OnMetal" in r["route"]] == [
        "mps:0 (the GPU)", "mps:0 (the GPU)", "—", "—", "cpu"]
    assert "land on mps:0 (the GPU)" in tables(at)[0].set_index("from").loc["MLX", "PyTorch"]
    findings = " ".join(m.value for m in at.markdown)
    assert "Land on the GPU here" in findings and "lands on mps:0 (the GPU)" in findings
    option = next(o for o in at.selectbox(key="conversions_route").options if "torch.from_dlpack(OnMetal(src))" in o)
    at.selectbox(key="conversions_route").set_value(option).run()
    assert not at.exception
    assert any("lands on mps:0 (the GPU)" in w.value for w in at.warning)
    assert any(c.value.startswith("cannot be printed: NotImplementedError") for c in at.code)


def test_silent_overflow_on_the_page():
    at = open_page(PAGE)
    at.text_input(key="conversions_values").set_value("[1e10, 3]").run()
    at.selectbox(key="conversions_dtype").set_value("int32").run()
    assert not at.exception
    (loud,) = [e.value for e in at.error if "does not hold what you typed" in e.value]
    assert "silent overflow" in loud and "2147483648" in loud
    assert "silent overflow" in tables(at)[0].set_index("from").loc["MLX", "NumPy"]
    option = next(o for o in at.selectbox(key="conversions_route").options if o.startswith("MLX → NumPy"))
    at.selectbox(key="conversions_route").set_value(option).run()
    assert any("The source is not what you typed" in e.value and "silent overflow" in e.value for e in at.error)


def test_bfloat16_findings_list_the_routes_that_could_not_start():
    at = open_page(PAGE)
    at.selectbox(key="conversions_dtype").set_value("bfloat16").run()
    findings = " ".join(m.value for m in at.markdown)
    assert "**Could not start** (7 routes)" in findings and "NumPy has no bfloat16 type" in findings


def test_page_without_mlx_still_teaches(mlx_missing):
    at = open_page(PAGE)
    rows = matrix(at)
    assert all(r["works"] == "library missing" for r in rows if "MLX" in (r["from"], r["to"]))
    assert any(r["works"] == "yes" for r in rows)


def test_the_matrix_reads_in_the_libraries_order_both_ways(libs, matrices):
    labels = [b.label for b in libs.values()]
    reordered = list(reversed(matrices["float32"]))  # results arriving MLX-first change nothing
    grid = conv.summary(reordered, libs)
    assert list(grid) == labels
    for source, row in grid.items():
        assert list(row) == [t for t in labels if t != source]
