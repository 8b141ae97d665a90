"""Learn: random numbers. Each example against the pinned libraries' real generators on every device
here, the shown cells in a fresh Python, and the page through AppTest."""
from __future__ import annotations

import numpy as np
import pytest

from kernels import cells
from kernels.examples import random_numbers as rn
from tests import apptest
from tests.apptest import open_page, open_section
from tests.devices import FLOAT32, PAIR_IDS, PAIRS
from tests.fresh_python import learn_failures, learn_sources

PAGE = "app_pages/learn_random.py"
SEED, N = 7, 5


def run(example, libs, lib, device, dtype="float32", seed=SEED):
    r = cells.run(example, libs[lib], rn.params(seed, N, dtype), device)
    assert r.ok, r.error
    return rn.values(r, libs[lib]), r


def test_params_refuse_bad_seeds_counts_and_dtypes():
    rn.params(0, 1)
    rn.params(2**32 - 1, 8, "float64")
    for bad in [(-1, 4), (2**32, 4), (1.5, 4), (0, 0), (0, 9)]:
        with pytest.raises(ValueError):
            rn.params(*bad)
    with pytest.raises(ValueError, match="dtype"):
        rn.params(0, 4, "float16")


def test_distinct_and_same():
    a, b = np.array([1.0, 2.0]), np.array([1.0, 3.0])
    assert rn.same(a, a.copy()) and not rn.same(a, b) and not rn.same(a, a[:1])
    assert rn.distinct([a, b, a.copy()]) == 2


# --- conformance ------------------------------------------------------------------------------------

def test_the_same_seed_gives_three_different_sequences(libs):
    res = cells.run_all(rn.SAME_SEED, libs, rn.params(SEED, N))
    draws = [rn.values(r, libs[name])[0] for name, r in res.items()]
    assert all(r.ok for r in res.values())
    assert all(d.shape == (N,) for d in draws)
    assert rn.distinct(draws) == 3
    again = cells.run_all(rn.SAME_SEED, libs, rn.params(SEED, N))
    for name, r in again.items():  # each library repeats itself
        assert rn.same(rn.values(r, libs[name])[0], rn.values(res[name], libs[name])[0])
    # the pinned versions' own numbers for seed 0 and four numbers, as the page shows them
    first = {name: float(rn.values(r, libs[name])[0][0])
             for name, r in cells.run_all(rn.SAME_SEED, libs, rn.params(0, 4)).items()}
    assert first == pytest.approx({"numpy": 1.117622, "torch": 1.5410, "mlx": 1.13788}, abs=1e-4)


@pytest.mark.parametrize("longer", [4, 15, 16, 64])
def test_a_longer_draw_starts_the_same_in_numpy_in_torch_below_16_and_never_in_mlx(libs, longer):
    res = cells.run_all(rn.PREFIX_EXAMPLE, libs, rn.params(SEED, N, longer=longer))
    starts = {name: rn.same(*rn.values(r, libs[name])) for name, r in res.items()}
    assert starts == {"numpy": True, "torch": longer < 16, "mlx": longer == rn.PREFIX}


@pytest.mark.parametrize("lib, device, kind", PAIRS, ids=PAIR_IDS)
def test_state_advances_in_numpy_and_torch_and_keys_repeat_in_mlx(libs, lib, device, kind):
    (first, second, again), r = run(rn.STATE, libs, lib, device)
    if lib == "mlx":
        assert rn.same(first, second), "the same key draws the same numbers"
        assert not rn.same(first, again), "a split key draws new ones"
    else:
        assert not rn.same(first, second), "the generator moved on"
        assert rn.same(first, again), "reseeding (or a new generator) starts over"
    if rn.STATE.takes_device(lib):
        assert r.device == device and libs[lib].device_expr(device) in r.source


@pytest.mark.parametrize("lib, device, kind", PAIRS, ids=PAIR_IDS)
def test_variants_inside_one_library(libs, lib, device, kind):
    draws, _r = run(rn.VARIANTS, libs, lib, device)
    if lib == "numpy":
        assert rn.distinct(draws) == 3  # legacy RandomState, Generator float64, Generator float32
    elif lib == "torch":
        assert rn.same(draws[0], draws[1]), "the global CPU generator and a new one agree"
        if kind == "cpu":
            assert rn.same(draws[0], draws[2])
    else:
        assert rn.distinct(draws) == 3  # two global draws, and seed(s) is not key(s)


@pytest.mark.parametrize("dtype", rn.DTYPES)
@pytest.mark.parametrize("lib, device, kind", PAIRS, ids=PAIR_IDS)
def test_generating_once_gives_every_library_the_same_numbers(libs, lib, device, kind, dtype):
    r = cells.run(rn.SAME_INPUTS, libs[lib], rn.params(SEED, N, dtype), device)
    if dtype == "float64" and lib == "torch" and libs[lib].dtype_support(device, "float64"):
        assert r.status == "error"  # mps has no float64: the column shows PyTorch's own refusal
        return
    assert r.ok, r.error
    got = rn.values(r, libs[lib])[0]
    widest = {"numpy": dtype, "torch": dtype, "mlx": "float32"}[lib]  # mx.array narrows float64
    assert rn.printed_dtype(r).endswith(widest)
    tol = FLOAT32[kind] if widest == "float32" else dict(rtol=1e-12, atol=0)
    np.testing.assert_allclose(got, rn.reference(SEED, dtype), **tol)


def test_every_column_runs_pasted_into_a_fresh_python():
    failures = learn_failures("random")
    assert set(learn_sources("random")["mlx"]) == {ex.key for ex in rn.EXAMPLES}
    assert failures == {name: {} for name in failures}, failures


# --- the page -----------------------------------------------------------------------------------------

def page_output(at) -> list[str]:
    return apptest.codes(at) + [m.value for m in at.markdown] + [t.to_string() for t in apptest.tables(at)]


def test_page_shows_the_facts_and_every_control_works_at_both_ends():
    at = open_page(PAGE)
    assert at.title[0].value == "Random numbers"
    text = "\n".join(page_output(at))
    assert "seed 0 gave **3 different sequences** in 3 libraries" in text
    assert "docs.pytorch.org/docs/stable/notes/randomness.html" in text
    assert not [w for w in at.slider if w.key == "random_longer"]  # sections 2 to 5 run when opened
    assert "the same key drew" not in text and not at.radio
    for key in ("random_state_open", "random_longer_open", "random_variants_open", "random_fix_open"):
        before = page_output(at)
        open_section(at, key)
        assert page_output(at) != before, key
    assert "the three draws were the same numbers" in "\n".join(page_output(at))
    assert "the same key drew the same numbers twice (**yes**)" in "\n".join(page_output(at))
    for kind, key, values in [("number_input", "random_seed", (2**32 - 1, 0)),
                              ("slider", "random_n", (1, 8)),
                              ("slider", "random_longer", (64, 4)),
                              ("radio", "random_dtype", ("float64", "float32"))]:
        before = page_output(at)
        widget = getattr(at, kind)(key=key)
        widget.set_value(values[0]).run()
        assert not at.exception, (key, at.exception)
        assert page_output(at) != before, key
        getattr(at, kind)(key=key).set_value(values[1]).run()
        assert not at.exception, (key, at.exception)
    at.radio(key="random_dtype").set_value("float64").run()
    assert any("not the same dtype" in m.value for m in at.markdown)


def test_page_works_without_mlx(mlx_missing):
    at = open_page(PAGE)
    assert not at.exception
    assert any("MLX is not available" in w.value for w in at.warning)
    assert any("2 different sequences" in m.value for m in at.markdown)


def test_the_generate_once_sentence_says_what_ran_not_what_should_have():
    """On a Mac, torch.from_numpy(x).to('mps') refuses float64: the sentence must not say PyTorch kept
    NumPy's float64 (the MPS-rules suite runs the real cell: tests/test_mps_rules.py)."""
    from kernels.cells import CellResult

    ok = lambda name, label, printed: CellResult(name, label, "ok", stdout=f"{printed}\n")  # noqa: E731
    refused = CellResult("torch", "PyTorch", "error", device="mps",
                         error="TypeError: Cannot convert a MPS Tensor to float64 dtype as the MPS framework "
                               "doesn't support float64. Please use float32 instead.")
    words = rn.same_inputs_words({"numpy": ok("numpy", "NumPy", "float64"), "torch": refused,
                                  "mlx": ok("mlx", "MLX", "mlx.core.float32")}, "float64")
    assert "keeps NumPy's dtype" not in words and "PyTorch kept" not in words
    assert "PyTorch on `mps` could not take NumPy's float64 at all (TypeError)" in words
    assert "the mps device has no float64" in words and "NumPy float64, MLX float32" in words

    on_cpu = rn.same_inputs_words({"numpy": ok("numpy", "NumPy", "float64"),
                                   "torch": ok("torch", "PyTorch", "torch.float64"),
                                   "mlx": ok("mlx", "MLX", "mlx.core.float32")}, "float64")
    assert "`torch.from_numpy` keeps NumPy's dtype" in on_cpu and "`mx.array` makes float32" in on_cpu
    same = rn.same_inputs_words({n: ok(n, n, "float32") for n in ("numpy", "torch", "mlx")}, "float32")
    assert same.startswith("every library that ran computed in float32")
