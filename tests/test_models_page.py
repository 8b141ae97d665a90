"""The Small models page through Streamlit's AppTest: renders, trains at a tiny size, keeps its
results across reruns, refuses bad or oversized input with a message, and survives a missing MLX."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

from kernels import memory
from kernels.measure.live import LiveRun
from tests.apptest import chart_data, open_page, open_section
from tests.devices import FOUND
from tests.test_models_runner import one_size
from ui.nav import PAGES

PAGE = "app_pages/models.py"


def tiny(at: AppTest, model: str = "mlp") -> AppTest:
    if model != "mlp":
        at.radio(key="models_model").set_value(model).run()
    at.select_slider(key=f"models_batch_{model}").set_value(4)
    at.select_slider(key=f"models_width_{model}").set_value(16)
    if model == "transformer":
        at.select_slider(key="models_seq_len").set_value(8)
    at.slider(key="models_steps").set_value(5)
    return at




def test_page_is_in_the_measure_section_and_titled_as_in_the_nav():
    spec = next(p for p in PAGES if p.path == PAGE)
    assert (spec.title, spec.section, spec.url_path) == ("Small models", "Measure", "models")
    at = open_page(PAGE)
    assert [t.value for t in at.title] == ["Small models"]
    assert not at.code, "the model code and the runner's loop are drawn when opened"
    open_section(open_section(at, "models_model_code"), "models_runner_code")
    codes = "\n".join(c.value for c in at.code)
    assert "class MLP(nn.Module):" in codes and "loss.backward()" in codes  # torch, from inspect.getsource
    assert "nn.value_and_grad(model, loss_fn)" in codes and "mx.compile" in codes  # mlx
    assert "def backward(self, outs, d):" in codes  # numpy's hand-written backward
    assert "def train_and_time(" in codes
    assert not at.get("vega_lite_chart")  # nothing has run yet


def test_tiny_run_gives_charts_verdict_and_survives_a_rerun():
    at = tiny(open_page(PAGE))
    at.button(key="models_run").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    rows = at.session_state["models_runs"][-1].rows
    assert {r["batch"] for r in rows} == {1, 2, 4} and all(r["status"] == "ok" for r in rows)

    (speed_spec, speed), (loss_spec, losses) = chart_data(at)
    assert speed_spec["encoding"]["y"]["field"] == "steps_per_s" and speed_spec["encoding"]["x"]["field"] == "batch"
    runs = one_size()  # every library on every device here, MLX also compiled
    assert {d["run"] for d in speed} == {f"{FOUND[b].label} · {d}" + (" · compiled" if v == "compiled" else "")
                                         for b, d, v in runs}
    assert len(speed) == 3 * len(runs) and all(d["steps_per_s"] > 0 for d in speed)
    assert loss_spec["encoding"]["y"]["field"] == "loss" and len(losses) == len(runs) * 5  # 5 steps at batch 4
    step_axis = loss_spec["encoding"]["x"]["axis"]  # steps are whole numbers: no tick at step 2.5
    assert step_axis["tickMinStep"] == 1 and step_axis["format"] == "d"

    verdict = " ".join(m.value for m in at.markdown)
    assert "**MLP** (width 16" in verdict and ("trains fastest" in verdict or "about even" in verdict)
    assert "losses agree" in verdict or "identical" in verdict

    at.slider(key="models_steps").set_value(7).run()  # a rerun without training keeps the results
    assert not at.exception
    assert len(at.session_state["models_runs"]) == 1 and len(at.get("vega_lite_chart")) == 2


def test_transformer_runs_in_torch_and_mlx_and_numpy_says_why_not():
    at = tiny(open_page(PAGE), "transformer")
    at.radio(key="models_sweep_transformer").set_value("none")
    at.multiselect(key="models_libraries").set_value(["numpy", "torch"])
    at.button(key="models_run").click().run()
    assert not at.exception, at.exception
    rows = at.session_state["models_runs"][-1].rows
    assert ([(r["backend"], r["status"]) for r in rows]
            == [("numpy", "unsupported")] + [("torch", "ok")] * len(one_size(["torch"])))
    assert any("no autograd" in i.value for i in at.info)
    open_section(at, "models_model_code")
    assert "class TinyTransformer(nn.Module):" in "\n".join(c.value for c in at.code)


def test_no_library_chosen_is_a_message():
    at = open_page(PAGE)
    at.multiselect(key="models_libraries").set_value([])
    at.button(key="models_run").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Pick at least one library to train."]
    assert not at.session_state["models_runs"]


def test_a_size_that_would_not_fit_is_refused_before_running(monkeypatch):
    monkeypatch.setattr(memory, "available_bytes", lambda: 1 << 20)  # 1 MiB free
    at = open_page(PAGE)
    at.select_slider(key="models_batch_mlp").set_value(1024)
    at.select_slider(key="models_width_mlp").set_value(2048)
    at.button(key="models_run").click().run()
    assert not at.exception
    assert len(at.error) == 1 and "needs about" in at.error[0].value and "smaller size" in at.error[0].value
    assert not at.session_state["models_runs"]


def test_missing_mlx_greys_its_column_and_the_rest_still_trains(mlx_missing):
    at = tiny(open_page(PAGE))
    assert any("MLX is not available" in w.value for w in at.warning)
    at.radio(key="models_sweep_mlp").set_value("none")
    at.button(key="models_run").click().run()
    assert not at.exception, at.exception
    rows = at.session_state["models_runs"][-1].rows
    assert [(r["backend"], r["status"]) for r in rows] == [
        (b, "ok") for b, _d, _v in one_size(["numpy", "torch"])] + [("mlx", "unsupported")]
    assert any("MLX" in i.value and "not installed" in i.value for i in at.info)


def test_a_stopped_run_keeps_its_finished_rows_and_says_so():
    """Rows are kept as each training run finishes: a run stopped part way keeps them, and the page
    says how many of the planned runs finished and why it ended."""
    at = tiny(open_page(PAGE))
    at.button(key="models_run").click().run()
    finished = at.session_state["models_runs"][-1]
    partial = LiveRun(kind="models", total=finished.total, machine=finished.machine, settings=finished.settings,
                      title=finished.title, noun="training run", rows=finished.rows[:2], state="stopped",
                      why="Stop was pressed", started=finished.started, finished=finished.finished)
    at.session_state["models_runs"] = [partial]
    at.session_state["models_live"] = partial
    at.run()
    assert not at.exception
    assert any(f"Stopped after 2 of {finished.total} training runs" in w.value and "Stop was pressed" in w.value
               for w in at.warning)
    assert at.get("vega_lite_chart"), "the finished rows are still charted"


def test_the_curves_caption_says_what_the_losses_did(monkeypatch):
    """'The curves lie on each other' only when they do: a gap beyond what float32 rounding gives
    is named, not hidden under the same sentence."""
    from kernels.models import report

    at = tiny(open_page(PAGE))
    at.radio(key="models_sweep_mlp").set_value("none")
    at.button(key="models_run").click().run()
    captions = [c.value for c in at.caption]
    assert any("lie on each other" in c for c in captions) and not any("curves part" in c for c in captions)

    monkeypatch.setattr(report, "loss_gap", lambda rows: 0.37)  # as after an unstable learning rate
    at.run()
    captions = [c.value for c in at.caption]
    assert any("curves part" in c and "0.37" in c for c in captions)
    assert not any("lie on each other" in c for c in captions)


def test_numpy_says_once_that_it_has_no_transformer_whatever_the_sweep():
    at = tiny(open_page(PAGE), "transformer")  # a sweep over three batch sizes
    at.multiselect(key="models_libraries").set_value(["numpy", "torch"])
    at.button(key="models_run").click().run()
    assert not at.exception, at.exception
    assert sum(i.value.startswith("**NumPy") and "no autograd" in i.value for i in at.info) == 1  # the results, once
