"""Learn: devices and unified memory (the page; tests/test_learn_devices.py is about the device paths
of the other Learn pages). Where results live and what NumPy needs, on every device here; the timing
harness on fake and real devices; the shown cells in a fresh Python; the page through AppTest."""
from __future__ import annotations

import numpy as np
import pytest

from kernels import cells, memory
from kernels.examples import devices as dv
from kernels.measure.timing import Timing
from kernels.notebook import code_cells
from tests import apptest
from tests.apptest import open_page, open_section, unescaped
from tests.devices import FOUND, PAIR_IDS, PAIRS
from tests.fresh_python import learn_failures, learn_sources
from ui import lesson as ui_lesson

PAGE = "app_pages/learn_devices.py"


def one_sample(fn, sync, **_kw) -> Timing:
    """A stand-in for measure(): one synchronised call (the page's tests need no statistics)."""
    sync(fn())
    return Timing((1e-6,))


# --- where results live, what NumPy needs ----------------------------------------------------------------

@pytest.mark.parametrize("lib, device, kind", PAIRS, ids=PAIR_IDS)
def test_where_results_live(libs, lib, device, kind):
    r = cells.run(dv.WHERE, libs[lib], {}, device)
    assert r.ok, r.error
    assert libs[lib].to_numpy(r.value).tolist() == ([1.0, 3.0, 5.0, 7.0] if lib == "mlx" else [0.0, 2.0, 4.0, 6.0])
    ns = r.namespace
    if lib == "torch":
        assert (ns["y"] is ns["x"]) is (kind == "cpu")  # .to() hands back the tensor already there
        assert ns["y"].device.type == device and ns["x"].device.type == "cpu"
        assert f"y is x: {kind == 'cpu'}" in r.stdout
    if lib == "mlx":
        assert "an array has a .device: False" in r.stdout
        assert r.device == device and libs[lib].device_expr(device) in r.source
    if lib == "numpy":
        assert r.stdout.strip() == "x on cpu · y on cpu"


@pytest.mark.parametrize("lib, device, kind", PAIRS, ids=PAIR_IDS)
def test_what_numpy_needs(libs, lib, device, kind):
    r = cells.run(dv.TO_NUMPY, libs[lib], {}, device)
    assert r.ok, r.error
    if lib == "numpy":
        assert r.value is True
        return
    assert type(r.value) is np.ndarray and r.value.tolist() == [0.0, 1.0, 2.0, 3.0]
    if lib == "torch":
        worked = "t.numpy() worked" in r.stdout
        assert worked is (kind == "cpu"), r.stdout
        if not worked:
            assert "can't convert" in r.stdout and "Use Tensor.cpu()" in r.stdout


def test_the_mac_message_has_pytorchs_format(libs):
    """The message the page quotes for a Mac is the one PyTorch gives for any tensor NumPy cannot read:
    here a meta tensor (no data at all) stands in for one on mps."""
    import torch

    with pytest.raises(TypeError) as err:
        torch.empty(2, device="meta").numpy()
    said = str(err.value)
    assert said == ("can't convert meta device type tensor to numpy. "
                    "Use Tensor.cpu() to copy the tensor to host memory first.")
    assert dv.MPS_NUMPY_ERROR == "TypeError: " + said.replace("meta", "mps:0")


# --- the timing harness -------------------------------------------------------------------------------------

def test_sizes_are_refused_before_anything_is_allocated():
    with pytest.raises(ValueError, match="between"):
        dv.check_size(0)
    with pytest.raises(ValueError, match="between"):
        dv.check_size(257)
    with pytest.raises(memory.TooLarge):
        memory.check_fits(dv.bytes_needed(256), "x", available=10**9)
    assert dv.elements(1) == 262144


@pytest.mark.parametrize("lib, device, kind", PAIRS, ids=PAIR_IDS)
def test_time_moves_times_every_step_and_checks_copies_by_address(libs, lib, device, kind):
    res = dv.time_moves(libs[lib], 1, device, budget_s=0.01)
    assert res.status == "ok", res.error
    assert [s.step.function for s in res.steps] == [s.function for s in dv.MOVE[lib][1]]
    assert all(s.error == "" and s.timing.repeats >= 3 for s in res.steps), [s.error for s in res.steps]
    assert res.nbytes == 1024 * 1024 and libs[lib].device_expr(device) in res.source or lib == "numpy"
    steps = {s.step.function: s for s in res.steps}
    if lib == "numpy":
        assert steps["view"].copied is False and steps["copy_on_host"].copied is True
        assert steps["view"].checked and steps["copy_on_host"].checked
    if lib == "torch":
        assert res.same_object is (kind == "cpu")
        for name in ("to_device", "to_host", "to_numpy"):
            assert steps[name].checked and steps[name].copied is (kind != "cpu"), name
            assert (steps[name].gb_per_s(res.nbytes) is None) is (kind == "cpu")
        assert steps["copy_on_host"].copied is True
        assert steps["to_numpy"].result_device == "NumPy (host memory)"
    if lib == "mlx":
        assert steps["to_numpy"].copied is False and not steps["to_numpy"].checked
        assert steps["copy_to_numpy"].gb_per_s(res.nbytes) > 0


def test_time_moves_reports_a_missing_library_and_a_failing_cell(libs, monkeypatch):
    from dataclasses import replace

    gone = replace(libs["mlx"], available=False, error="ModuleNotFoundError: No module named 'mlx'")
    assert dv.time_moves(gone, 1).status == "missing"
    monkeypatch.setitem(dv.MOVE, "numpy", ("raise RuntimeError('no memory')", dv.MOVE["numpy"][1]))
    res = dv.time_moves(libs["numpy"], 1, measure_fn=one_sample)
    assert res.status == "error" and res.error == "RuntimeError: no memory"


def test_address_tells_copies_from_views():
    import torch

    x = np.ones(4, dtype=np.float32)
    assert dv.address(x) == dv.address(np.asarray(x)) != dv.address(x.copy())
    t = torch.from_numpy(x)
    assert dv.address(t) == dv.address(x)
    assert dv.address(None) is None and dv.address([1]) is None


def test_every_column_runs_pasted_into_a_fresh_python():
    failures = learn_failures("devices")
    assert set(learn_sources("devices")["torch"]) == {"where", "to_numpy", "move"}
    assert failures == {name: {} for name in failures}, failures


# --- the page ----------------------------------------------------------------------------------------------

def page_output(at) -> list[str]:
    return apptest.codes(at) + [m.value for m in at.markdown]


def test_page_shows_where_things_live_and_the_slider_works_at_both_ends(monkeypatch):
    monkeypatch.setattr(dv, "measure", one_sample)  # the harness is timed for real above
    at = open_page(PAGE)
    assert at.title[0].value == "Devices and unified memory"
    text = "\n".join(page_output(at) + [c.value for c in at.caption])
    if all(d == "cpu" for d in cells.gpu_devices(FOUND).values()):
        assert "handed back `x` itself" in text
        assert dv.MPS_NUMPY_ERROR in text
        assert "on a Mac with Apple silicon it runs on `mps`" in text
    assert "ml-explore.github.io/mlx/build/html/usage/unified_memory.html" in text
    assert not at.dataframe, "nothing is timed until the section is opened"
    open_section(at, "devices_timed")
    assert at.dataframe, "the table of timings"
    before = page_output(at)
    for value in dv.SIZES_MIB:
        at.slider(key="devices_mib").set_value(value).run()
        assert not at.exception, at.exception
        assert any(f"{value} MiB" in m.value for m in at.markdown)
    assert page_output(at) != before


def test_a_size_that_does_not_fit_is_a_message(monkeypatch):
    monkeypatch.setattr(memory, "available_bytes", lambda: 10**8)
    at = open_section(open_page(PAGE), "devices_timed")
    assert any("Can't time this size" in unescaped(e.value) for e in at.error)


def test_page_works_without_mlx(mlx_missing, monkeypatch):
    monkeypatch.setattr(dv, "measure", one_sample)
    at = open_section(open_page(PAGE), "devices_timed")
    assert any("MLX is not available" in w.value for w in at.warning)
    assert any("PyTorch's device is" in m.value or "PyTorch copied" in m.value for m in at.markdown)


def test_the_timed_section_runs_only_when_opened_and_the_notebook_still_has_its_code(monkeypatch):
    timed = []

    def refuse(*args, **kwargs):
        timed.append(args)
        raise AssertionError("timed while the section was closed")

    monkeypatch.setattr(dv, "time_moves", refuse)
    offered = []
    real = ui_lesson.download_button
    monkeypatch.setattr(ui_lesson, "download_button",
                        lambda key: (offered.append(ui_lesson.current().to_ipynb()), real(key)))
    at = open_page(PAGE)
    assert not at.exception and timed == [] and any(e.label == "**3 · What moving costs, timed**" for e in at.expander)
    sources = code_cells(offered[-1])
    gpus = cells.gpu_devices(FOUND)
    for name, b in FOUND.items():
        if b.available:
            assert dv.move_source(b, dv.DEFAULT_MIB, gpus.get(name, b.default_device)).strip() in sources
