"""MLX keeps its streams per thread (since 0.31.2) and Streamlit runs every script run in a new
thread: an unevaluated MLX array, an mx.compile'd function or a model kept across runs (session
state, caches, module globals) fails on the next run with "There is no Stream(gpu, N) in current
thread". MLX's CPU build here fails the same way, so these tests catch the whole class on Linux.
"""
from __future__ import annotations

import dataclasses
import threading

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import open_page
from ui.nav import PAGES


def in_another_thread(fn):
    out = {}

    def body():
        try:
            out["value"] = fn()
        except Exception as exc:  # noqa: BLE001 - the error is the finding
            out["error"] = exc

    t = threading.Thread(target=body)
    t.start()
    t.join()
    return out


def test_this_mlx_keeps_streams_per_thread():
    """The premise of every test below: an unevaluated array made in one thread cannot be evaluated
    in another, while an evaluated one can be used anywhere."""
    import mlx.core as mx

    pending = mx.array([1.0, 2.0]) * 2
    done = mx.array([1.0, 2.0]) * 2
    mx.eval(done)
    failed = in_another_thread(lambda: mx.eval(pending))
    assert "no Stream" in str(failed.get("error")), failed
    worked = in_another_thread(lambda: (done + 1).tolist())
    assert worked.get("value") == [3.0, 5.0], worked


def keeps_a_pending_array():
    import mlx.core as mx
    import streamlit as st

    if "pending" not in st.session_state:
        st.session_state["pending"] = mx.array([1.0, 2.0]) * 2  # not evaluated in this run: the mistake
    else:
        st.write(str(st.session_state["pending"].tolist()))  # the next run reads it


def test_a_rerun_catches_a_pending_array_kept_in_session_state():
    """AppTest runs each script run in a new thread, as the server does: the mistake is caught."""
    at = AppTest.from_function(keeps_a_pending_array, default_timeout=60).run()
    assert not at.exception  # first run: same thread as the array
    at.run()
    assert at.exception and "no Stream" in at.exception[0].message


def mlx_objects(value, path="session_state", seen=None, depth=0) -> list[str]:
    """Where in ``value`` an MLX object sits (an array, a compiled function, a model, a stream)."""
    seen = set() if seen is None else seen
    if id(value) in seen or depth > 12:
        return []
    seen.add(id(value))
    module = type(value).__module__ or ""
    if module == "mlx" or module.startswith("mlx."):
        return [f"{path}: {type(value).__module__}.{type(value).__name__}"]
    if isinstance(value, dict):
        items = [(f"{path}[{k!r}]", v) for k, v in value.items()]
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = [(f"{path}[{i}]", v) for i, v in enumerate(value)]
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        items = [(f"{path}.{f.name}", getattr(value, f.name)) for f in dataclasses.fields(value)]
    elif module.startswith(("kernels", "ui", "app_pages")) and hasattr(value, "__dict__"):
        items = [(f"{path}.{k}", v) for k, v in vars(value).items()]
    else:
        return []
    return [hit for p, v in items for hit in mlx_objects(v, p, seen, depth + 1)]


def session_values(at: AppTest) -> dict:
    return at.session_state.to_dict()


def test_the_walker_finds_mlx_objects_wherever_they_hide():
    import mlx.core as mx
    import mlx.nn as nn

    @dataclasses.dataclass
    class Kept:
        rows: list

    found = mlx_objects({"a": [1, {"b": mx.array([1])}], "run": Kept([nn.Linear(2, 2)]),
                         "f": mx.compile(lambda x: x), "fine": {"rows": [{"x": 1.0}]}})
    assert len(found) == 3 and not any("fine" in f for f in found), found


def run_something(at: AppTest, path: str) -> AppTest:
    """On the Measure pages, press Run at the smallest size first: their results are what a page
    keeps across runs."""
    if path == "app_pages/benchmarks.py":
        at.multiselect(key="benchmarks_ops").set_value(["matmul"])
        at.select_slider(key="benchmarks_sizes").set_value((16, 16))
        at.select_slider(key="benchmarks_budget").set_value(0.01)
        at.button(key="benchmarks_run").click().run()
    elif path == "app_pages/models.py":
        at.select_slider(key="models_batch_mlp").set_value(4)
        at.select_slider(key="models_width_mlp").set_value(16)
        at.slider(key="models_steps").set_value(5)
        at.radio(key="models_sweep_mlp").set_value("none")
        at.button(key="models_run").click().run()
    elif path == "app_pages/inference.py":  # MLX compiled too: its compiled step must stay in the worker
        at.select_slider(key="inference_width_tiny").set_value(64)
        at.slider(key="inference_layers_tiny").set_value(2)
        at.select_slider(key="inference_heads_tiny").set_value(4)
        at.select_slider(key="inference_prompt_len").set_value(8)
        at.select_slider(key="inference_new_tokens").set_value(8)
        at.multiselect(key="inference_libraries").set_value(["mlx"])
        at.multiselect(key="inference_variants").set_value(["eager", "compiled"])
        at.button(key="inference_run").click().run()
        assert [r["status"] for r in at.session_state["inference_runs"][-1].rows] == ["ok", "ok"]
    return at


@pytest.mark.parametrize("path", [p.path for p in PAGES], ids=[p.url_path for p in PAGES])
def test_no_page_keeps_an_mlx_object_across_runs(path):
    """Every page, after a run (and a measurement on the Measure pages), keeps nothing of MLX's in
    session state, and runs again, in a new thread, without an error."""
    at = run_something(open_page(path), path)
    assert not at.exception, at.exception
    assert mlx_objects(session_values(at)) == []
    at.run()
    assert not at.exception, at.exception
