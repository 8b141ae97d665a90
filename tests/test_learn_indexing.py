"""Learn: indexing and updates. Every example against the pinned libraries' real behaviour on every
device here, the shown cells in a fresh Python, and the page through AppTest."""
from __future__ import annotations

import numpy as np
import pytest

from kernels import cells
from kernels.examples import indexing as ix
from tests import apptest
from tests.apptest import open_page, open_section, unescaped
from tests.devices import PAIR_IDS, PAIRS
from tests.fresh_python import learn_failures, learn_sources

PAGE = "app_pages/learn_indexing.py"
N, START, STOP, IDX, T = 6, 1, 4, [0, 0, 2, 5, 5, 5], 0


def params():
    return ix.params(N, START, STOP, IDX) | {"t": T}


def run(example, libs, lib, device):
    r = cells.run(example, libs[lib], params(), device)
    assert r.ok, r.error
    return r


def arrays(r, libs, lib):
    return [np.asarray(libs[lib].to_numpy(v), dtype=float) for v in r.value]


# --- inputs -------------------------------------------------------------------------------------

def test_indices_are_read_and_checked_against_n():
    assert ix.parse_indices("[0, 0, 2]", 6) == [0, 0, 2]
    assert ix.parse_indices("(5, -6,)", 6) == [5, -6]
    assert ix.parse_indices("3", 6) == [3]
    for bad, words in [("[6]", "not a position"), ("[-7]", "not a position"), ("[1.5]", "whole numbers"),
                       ("os.system('x')", "whole numbers"), ("", "at least one"), ("[" * 300, "whole numbers"),
                       (str(list(range(17 % 6)) * 6), "16 indices")]:
        with pytest.raises(ValueError, match=words):
            ix.parse_indices(bad, 6)


def test_params_refuse_an_empty_slice_and_sizes_outside_the_slider():
    with pytest.raises(ValueError, match="at least one element"):
        ix.params(6, 3, 3, [0])
    with pytest.raises(ValueError, match="between"):
        ix.params(13, 0, 1, [0])


def test_once_counts_and_repeated():
    assert ix.once(4, [0, 0, -1]).tolist() == [1, 0, 0, 1]
    assert ix.counts(4, [0, 0, -1, 3]).tolist() == [2, 0, 0, 2]
    assert ix.repeated([0, 0, -1, 3], 4) == [0, 3]


# --- conformance: the pinned versions' behaviour, on every device ------------------------------------

@pytest.mark.parametrize("lib, device, kind", PAIRS, ids=PAIR_IDS)
def test_a_slice_is_a_view_in_numpy_and_torch_and_a_new_array_in_mlx(libs, lib, device, kind):
    r = run(ix.SLICE, libs, lib, device)
    assert r.value is (lib != "mlx")
    a_line = r.stdout.splitlines()[0]
    assert ("100" in a_line) is (lib != "mlx"), r.stdout


@pytest.mark.parametrize("lib, device, kind", PAIRS, ids=PAIR_IDS)
def test_repeated_indices_count_once_and_the_accumulating_forms_count_all(libs, lib, device, kind):
    r = run(ix.REPEATED, libs, lib, device)
    got = arrays(r, libs, lib)
    np.testing.assert_array_equal(got[0], ix.once(N, IDX))
    for accumulated in got[1:]:
        np.testing.assert_array_equal(accumulated, ix.counts(N, IDX))
    assert r.device == (device if ix.REPEATED.takes_device(lib) else libs[lib].implicit_device())
    if ix.REPEATED.takes_device(lib):
        assert libs[lib].device_expr(device) in r.source


@pytest.mark.parametrize("lib, device, kind", PAIRS, ids=PAIR_IDS)
def test_negative_indices_accumulate_in_numpy_and_mlx_and_torch_index_add_refuses_them(libs, lib, device, kind):
    p = ix.params(N, START, STOP, [0, -1, -1]) | {"t": T}
    r = cells.run(ix.REPEATED, libs[lib], p, device)
    if lib == "torch":
        assert r.status == "error" and r.error == "IndexError: index out of range in self"
    else:
        assert r.ok, r.error
        np.testing.assert_array_equal(arrays(r, libs, lib)[1], [1, 0, 0, 0, 0, 2])


@pytest.mark.parametrize("lib, device, kind", PAIRS, ids=PAIR_IDS)
def test_an_out_of_place_update_that_is_not_kept_changes_nothing(libs, lib, device, kind):
    r = run(ix.FORGOTTEN, libs, lib, device)
    if lib == "numpy":
        np.testing.assert_array_equal(libs[lib].to_numpy(r.value[0]), ix.counts(N, IDX))
        assert r.value[1] is None  # np.add.at works in place and returns None
    else:
        forgot, kept = arrays(r, libs, lib)
        assert not forgot.any(), "the dropped result left the array as it was"
        np.testing.assert_array_equal(kept, ix.counts(N, IDX))


@pytest.mark.parametrize("lib, device, kind", PAIRS, ids=PAIR_IDS)
def test_mlx_refuses_to_select_with_a_boolean_mask(libs, lib, device, kind):
    r = cells.run(ix.MASK_SELECT, libs[lib], params(), device)
    if lib == "mlx":
        assert r.status == "error" and r.error == "ValueError: boolean indices are not yet supported"
    else:
        assert r.ok and libs[lib].to_numpy(r.value).tolist() == [1, 2]


@pytest.mark.parametrize("lib, device, kind", PAIRS, ids=PAIR_IDS)
def test_masks_for_assignment_where_and_sum_work_everywhere(libs, lib, device, kind):
    r = run(ix.MASK_INSTEAD, libs, lib, device)
    a = np.arange(N) - N // 2
    assert libs[lib].to_numpy(r.value[0]).tolist() == np.maximum(a, T).tolist()
    assert libs[lib].to_numpy(r.value[1]).tolist() == np.where(a > T, a, 0).tolist()
    assert r.value[2] == int((a > T).sum())
    if lib == "mlx":
        assert r.value[3].tolist() == a[a > T].tolist()


@pytest.mark.parametrize("lib, device, kind", PAIRS, ids=PAIR_IDS)
def test_index_arrays_pick_pairs_and_blocks_and_copy(libs, lib, device, kind):
    r = run(ix.FANCY, libs, lib, device)
    assert libs[lib].to_numpy(r.value[0]).tolist() == [1, 11]
    assert libs[lib].to_numpy(r.value[1]).tolist() == [[-1, 3], [9, 11]]
    assert r.value[2] == 1


@pytest.mark.parametrize("lib, device, kind", PAIRS, ids=PAIR_IDS)
def test_what_each_library_refuses(libs, lib, device, kind):
    r = run(ix.REFUSALS, libs, lib, device)
    said = ix.refusal_lines(r)
    assert list(said) == ["a[::-1]", f"a[{N}]", "a[a > 0]", "a[[0, 0, 1]]"]
    refused = {e for e, out in said.items() if ix.refused(out)}
    expected = {"numpy": {f"a[{N}]"}, "torch": {"a[::-1]", f"a[{N}]"}, "mlx": {"a[a > 0]"}}[lib]
    assert refused == expected, said
    if lib == "torch":
        assert said["a[::-1]"] == "ValueError: step must be greater than zero"
    if lib == "mlx":
        assert said["a[a > 0]"] == "ValueError: boolean indices are not yet supported"


def test_every_column_runs_pasted_into_a_fresh_python():
    """The code shown is all it needs: each cell, run in a new isolated Python, does what it did here.
    The one cell expected to raise is MLX refusing a boolean mask."""
    failures = learn_failures("indexing")
    ran = learn_sources("indexing")
    assert set(ran["numpy"]) == {ex.key for ex in ix.EXAMPLES}
    assert failures["numpy"] == {} and failures["torch"] == {}, failures
    assert list(failures["mlx"]) == ["mask_select"], failures["mlx"]
    assert "boolean indices are not yet supported" in failures["mlx"]["mask_select"]


# --- the page ------------------------------------------------------------------------------------

def page_output(at) -> list[str]:
    return apptest.codes(at) + [m.value for m in at.markdown] + [c.value for c in at.caption]


def test_page_shows_the_facts_and_every_control_works_at_both_ends():
    at = open_page(PAGE)
    assert at.title[0].value == "Indexing and updates"
    text = "\n".join(page_output(at))
    assert "changed `a` in **NumPy and PyTorch**, and left `a` as it was in **MLX**" in text
    assert "ml-explore.github.io/mlx/build/html/usage/indexing.html" in text
    assert "`forgot` is still all zeros" not in text and not at.error, "sections 2 to 4 run only when opened"
    assert "named more than once" not in text
    assert not at.dataframe and "writing −1 into" not in text, "sections 5 and 6 run only when opened"
    for key in ("indexing_repeated_open", "indexing_dropped_open", "indexing_masks_open", "indexing_fancy",
                "indexing_refusals"):
        open_section(at, key)
    text = "\n".join(page_output(at))
    assert "`forgot` is still all zeros in **PyTorch and MLX**" in text
    assert "ValueError: boolean indices are not yet supported" in [unescaped(e.value) for e in at.error]
    text = "\n".join(page_output(at))
    assert "writing −1 into `block` left `m[0, 1]` at 1" in text
    assert at.dataframe, "the refusals table"

    for key, values in [("indexing_n", (4, 12)), ("indexing_t", (-6, 6)), ("indexing_slice", ((0, 1), (11, 12)))]:
        before = page_output(at)
        for value in values:
            at.slider(key=key).set_value(value).run()
            assert not at.exception, (key, value, at.exception)
        assert page_output(at) != before, key
    at.slider(key="indexing_slice").set_value((1, 12)).run()
    at.slider(key="indexing_n").set_value(4).run()
    assert any("stop is 12, more than n = 4: the slice used is a[1:4]" in c.value for c in at.caption)
    at.slider(key="indexing_slice").set_value((3, 3)).run()
    assert any("is empty" in unescaped(e.value) for e in at.error) and not at.exception

    for text_in in ("[0]", ", ".join(["-1"] * 16)):
        at.text_input(key="indexing_indices").set_value(text_in).run()
        assert not at.exception
    assert any("position 3 is named more than once" in m.value for m in at.markdown)
    assert any("PyTorch refused the negative index" in m.value for m in at.markdown)
    at.text_input(key="indexing_indices").set_value("[0, 99]").run()
    assert not at.exception
    assert any("Can't use those indices" in e.value and "99" in unescaped(e.value) for e in at.error)


def test_page_works_without_mlx(mlx_missing):
    at = open_page(PAGE)
    assert not at.exception
    assert any("MLX is not available" in w.value for w in at.warning)
    assert any("changed `a` in **NumPy and PyTorch**" in m.value for m in at.markdown)
