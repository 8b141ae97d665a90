"""The Local inference page through Streamlit's AppTest: in the Measure section after Small models,
shows each library's code, generates at a tiny size with the tokens matching in every column, draws
the charts and a verdict, keeps results across reruns, refuses bad or oversized input with a
message, survives a missing MLX; and Compare machines compares its files."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from kernels import memory
from kernels.inference import config
from kernels.measure.live import LiveRun
from kernels.measure.results import new_result_file
from tests import apptest
from tests.apptest import chart_data, open_page, open_section
from tests.devices import FOUND
from tests.test_inference_runner import TORCH_DEVICES, TORCH_MLX, fake
from ui.nav import PAGES

PAGE = "app_pages/inference.py"


def tiny(at: AppTest, variants=("eager",)) -> AppTest:
    """The tests' size (as tests/test_inference_model.py): width 64, 2 layers, 4 heads, 8 + 8 tokens."""
    at.select_slider(key="inference_width_tiny").set_value(64)
    at.slider(key="inference_layers_tiny").set_value(2)
    at.select_slider(key="inference_heads_tiny").set_value(4)
    at.select_slider(key="inference_prompt_len").set_value(8)
    at.select_slider(key="inference_new_tokens").set_value(8)
    at.multiselect(key="inference_variants").set_value(list(variants))
    return at




def test_page_is_in_the_measure_section_after_small_models_and_shows_the_code():
    paths = [p.path for p in PAGES]
    spec = PAGES[paths.index(PAGE)]
    assert paths.index(PAGE) == paths.index("app_pages/models.py") + 1
    assert (spec.title, spec.section, spec.url_path, spec.icon) == ("Local inference", "Measure", "inference",
                                                                    ":material/chat:")
    at = open_page(PAGE)
    assert [t.value for t in at.title] == ["Local inference"]
    assert not at.code, "the decoders and the runner's loop are drawn when opened"
    open_section(at, "inference_model_code")
    open_section(at, "inference_runner_code")
    codes = "\n".join(c.value for c in at.code)
    assert "class Decoder(nn.Module):" in codes and "is_causal=mask is None and T > 1" in codes  # torch
    assert "mx.compile(decode_step" in codes and 'mask = "causal" if T > 1 else None' in codes  # mlx
    assert "def generate(model: Decoder, prompt, new_tokens: int):" in codes  # the numpy reference
    assert "ttfts.append" in codes  # the runner's timed loop
    assert not at.get("vega_lite_chart")  # nothing has run yet


def test_tiny_run_shows_matching_tokens_charts_and_a_verdict_and_survives_a_rerun():
    at = tiny(open_page(PAGE))
    at.button(key="inference_run").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    rows = at.session_state["inference_runs"][-1].rows
    assert [(r["backend"], r["device"], r["status"], r["tokens_match"]) for r in rows] == [
        (b, d, "ok", True) for b, d in TORCH_MLX]  # every device of each here

    text = config.token_text(rows[0]["reference_tokens"])
    assert apptest.codes(at).count(text) == 1 + len(TORCH_MLX)  # NumPy's column, then each generation's
    captions = " ".join(c.value for c in at.caption)
    assert captions.count("the reference's 8 tokens") == len(TORCH_MLX)

    (speed_spec, speed), (context_spec, context) = chart_data(at)
    assert speed_spec["encoding"]["y"]["field"] == "decode_tok_s"
    assert {d["run"] for d in speed} == {f"{FOUND[b].label} · {d} · float32" for b, d in TORCH_MLX}
    assert context_spec["encoding"]["x"]["field"] == "context_len"
    assert {d["context_len"] for d in context} == set(range(9, 16))

    verdict = " ".join(m.value for m in at.markdown)
    assert "On this machine" in verdict and "tokens per second" in verdict and "Same tokens everywhere" in verdict
    assert len(at.dataframe) == 2  # memory, every generation

    at.radio(key="inference_token_view").set_value("ids")
    at.radio(key="inference_metric").set_value("ttft_ms").run()  # reruns without generating keep the results
    assert not at.exception
    assert len(at.session_state["inference_runs"]) == 1
    assert chart_data(at)[0][0]["encoding"]["y"]["field"] == "ttft_ms"
    assert " ".join(str(t) for t in rows[0]["reference_tokens"]) in apptest.codes(at)


def test_no_library_chosen_and_a_bad_size_are_messages():
    at = open_page(PAGE)
    at.multiselect(key="inference_libraries").set_value([])
    at.button(key="inference_run").click().run()
    assert not at.exception and [e.value for e in at.error] == ["Pick at least one library to run."]
    at.multiselect(key="inference_libraries").set_value(["torch"])
    at.select_slider(key="inference_width_tiny").set_value(16)
    at.select_slider(key="inference_heads_tiny").set_value(32)
    at.button(key="inference_run").click().run()
    assert not at.exception and len(at.error) == 1 and "must be a multiple of the number of heads" in at.error[0].value
    assert not at.session_state["inference_runs"]


def test_a_size_that_would_not_fit_is_refused_before_running(monkeypatch):
    monkeypatch.setattr(memory, "available_bytes", lambda: 1 << 20)  # 1 MiB free
    at = open_page(PAGE)
    at.radio(key="inference_preset").set_value("medium").run()
    at.button(key="inference_run").click().run()
    assert not at.exception
    assert len(at.error) == 1 and "needs about" in at.error[0].value and "smaller size" in at.error[0].value
    assert not at.session_state["inference_runs"]


def test_missing_mlx_greys_its_column_and_torch_still_generates(mlx_missing):
    at = tiny(open_page(PAGE))
    assert any("MLX is not available" in w.value for w in at.warning)
    at.button(key="inference_run").click().run()
    assert not at.exception, at.exception
    rows = at.session_state["inference_runs"][-1].rows
    assert ([(r["backend"], r["status"]) for r in rows]
            == [("torch", "ok")] * len(TORCH_DEVICES) + [("mlx", "unsupported")])
    assert any("MLX" in i.value and "not installed" in i.value for i in at.info)


def test_a_stopped_run_keeps_its_finished_rows_and_says_so():
    at = open_page(PAGE)
    row = {**fake("torch", "PyTorch", 100, dtype="float32"), "version": "2.13.0", "device_label": "CPU",
           "vocab": 256, "params": 25_744_640, "kv_cache_bytes": 1_000, "warmup_s": 0.1, "repeats": 3,
           "calls_per_repeat": 1, "q1_s": 0.01, "q3_s": 0.01, "min_s": 0.01, "max_s": 0.01, "wall_s": 1.0}
    stopped = LiveRun(kind="inference", total=4, machine={}, settings={"backends": ["torch", "mlx"]}, title="tiny",
                      noun="generation", rows=[row], state="stopped", why="Stop was pressed",
                      started="2026-01-01T00:00:00+00:00", finished="2026-01-01T00:00:01+00:00")
    at.session_state["inference_runs"] = [stopped]
    at.session_state["inference_live"] = stopped
    at.run()
    assert not at.exception, at.exception
    assert any("Stopped after 1 of 4 generations" in w.value and "Stop was pressed" in w.value for w in at.warning)
    assert at.get("vega_lite_chart"), "the finished row is still charted"
    # random weights: the tokens read as gibberish, and the page says that is expected
    assert any("random" in c.value and "gibberish" in c.value for c in at.caption)


def test_compare_machines_compares_inference_files_like_for_like():
    def file(cpu: str, os_name: str, speeds: dict) -> bytes:
        rows = [{**fake(b, label, s, device=d), "version": "x"} for (b, label, d), s in speeds.items()]
        return new_result_file("inference", rows, {"cpu": cpu, "os": os_name}).to_json()

    at = open_page("app_pages/compare.py")
    at.toggle(key="compare_samples").set_value(False)
    at.file_uploader(key="compare_files").set_value([
        ("m3.json", file("Apple M3 Pro", "macOS 15.1", {("mlx", "MLX", "gpu"): 190, ("torch", "PyTorch", "mps"): 100}),
         "application/json"),
        ("linux.json", file("Intel Xeon", "Linux", {("mlx", "MLX", "cpu"): 20, ("torch", "PyTorch", "cpu"): 60}),
         "application/json")])
    at.run()
    assert not at.exception, at.exception
    assert "Local inference across machines" in [h.value for h in at.subheader]
    spec, data = chart_data(at)[-1]
    assert spec["encoding"]["x"]["field"] == "decode_tok_s"
    assert {d["machine"] for d in data} == {"Apple M3 Pro · macOS 15.1", "Intel Xeon · Linux"} and len(data) == 4
    assert at.selectbox(key="compare_inference_setting").value[0] == "small"


def test_settings_that_cannot_run_say_so_before_generate_is_pressed(monkeypatch):
    """A prompt and a number of new tokens longer than the model's context, or a size that would not
    fit in memory, is said under the controls at once: not only after pressing Generate."""
    at = open_page(PAGE)
    at.select_slider(key="inference_prompt_len").set_value(768)
    at.select_slider(key="inference_new_tokens").set_value(512).run()
    assert not at.exception and len(at.error) == 1 and "context" in at.error[0].value
    monkeypatch.setattr(memory, "available_bytes", lambda: 1 << 20)  # 1 MiB free
    at.select_slider(key="inference_prompt_len").set_value(32)
    at.select_slider(key="inference_new_tokens").set_value(32).run()
    assert len(at.error) == 1 and "needs about" in at.error[0].value


@pytest.mark.parametrize("started", ["", "2026-01-01T00:00:00+00:00"])
def test_a_run_stopped_before_its_first_row_still_says_it_was_stopped(started):
    at = open_page(PAGE)
    stopped = LiveRun(kind="inference", total=4, machine={}, settings={"backends": ["torch", "mlx"]}, title="tiny",
                      noun="generation", state="stopped", why="Stop was pressed", started=started,
                      finished="2026-01-01T00:00:01+00:00" if started else "")
    at.session_state["inference_runs"] = [stopped]
    at.session_state["inference_live"] = stopped
    at.run()
    assert not at.exception, at.exception
    said = " ".join(w.value for w in at.warning)
    assert ("Stopped after 0 of 4" if started else "Cancelled before it started") in said and "Stop was pressed" in said
    assert not at.get("download_button"), "nothing was measured, so there is no file to download"


def test_the_readme_gives_each_presets_size_as_the_page_does():
    """The page labels the presets ~26 M and ~129 M parameters: the README's table says the same."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for preset in config.PRESET_NAMES:
        if preset == "tiny":
            continue
        millions = config.param_count(config.Spec.from_preset(preset)) / 1e6
        assert f"{preset} ~{millions:.0f} M" in readme, preset
        assert f"about {millions:.0f} M parameters" in config.PRESETS[preset].about, preset  # the page's help
