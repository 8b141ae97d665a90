"""Local inference: planning, rows that never raise, torch.compile's honest rows, Stop between tokens,
the tokens heard live, the verdict computed from rows, the estimate, and the result file."""
from __future__ import annotations

import dataclasses
import json
import time

import pytest

from kernels import memory
from kernels.inference import ROW_FIELDS, config, estimate, plan, report, run, runner
from kernels.measure.live import LiveRun, Slot
from kernels.measure.results import load, new_result_file
from tests.devices import PAIRS

# as test_inference_model
SPEC = config.Spec.from_preset("tiny", width=64, layers=2, heads=4, prompt_len=8, new_tokens=8)
# Every device this machine has, of PyTorch and of MLX, in the plan's order.
TORCH_MLX = [(b, d) for b, d, _kind in PAIRS if b in ("torch", "mlx")]
TORCH_DEVICES = [d for b, d in TORCH_MLX if b == "torch"]


def rows_for(tasks, backends, **kw):
    return [p.row for p in run(tasks, backends, **kw)]


def test_plan_covers_every_library_device_variant_and_dtype(libs):
    backends = {n: libs[n] for n in ("torch", "mlx")}
    tasks = plan([SPEC], backends, variants=("eager", "compiled"), dtypes=("float32", "bfloat16"))
    assert [(t.dtype, t.backend, t.device, t.variant) for t in tasks] == [
        (d, b, device, v) for d in ("float32", "bfloat16") for b, device in TORCH_MLX for v in ("eager", "compiled")]


@pytest.mark.parametrize("bad,words", [
    (dict(width=60, heads=8), "multiple of the number of heads"),
    (dict(new_tokens=1), "new tokens must be a whole number from 2"),
    (dict(prompt_len=200, new_tokens=100), "must fit the model's context of 256"),
    (dict(preset="huge"), "unknown preset 'huge'"),
])
def test_plan_refuses_bad_settings_before_running(bad, words, libs):
    with pytest.raises(ValueError, match=words):
        plan([SPEC.with_(**bad)], {"torch": libs["torch"]})
    with pytest.raises(ValueError, match="unknown dtype 'float8'"):
        plan([SPEC], {"torch": libs["torch"]}, dtypes=("float8",))


def test_rows_have_every_field_the_tokens_and_labelled_memory(libs):
    heard = []
    tasks = plan([SPEC], {n: libs[n] for n in ("torch", "mlx")}, variants=("eager",))
    rows = rows_for(tasks, libs, on_tokens=heard.append)
    assert [(r["backend"], r["device"], r["status"]) for r in rows] == [(b, d, "ok") for b, d in TORCH_MLX]
    for r in rows:
        assert tuple(r) == ROW_FIELDS
        assert r["tokens"] == r["reference_tokens"] and r["tokens_match"] and r["first_mismatch"] is None
        assert len(r["tokens"]) == SPEC.new_tokens and len(r["step_s"]) == r["repeats"] == SPEC.new_tokens - 1
        assert r["decode_tok_s"] == pytest.approx(1 / r["median_s"]) and r["ttft_s"] > 0
        assert r["prefill_tok_s"] == pytest.approx(SPEC.prompt_len / r["ttft_s"])
        assert r["logits_err"] <= r["logits_tol"] == runner.LOGITS_TOLERANCE["float32"]
        assert r["weights_bytes"] == 4 * config.param_count(SPEC) and r["params"] == config.param_count(SPEC)
        assert r["kv_cache_bytes"] == 2 * SPEC.layers * SPEC.capacity * SPEC.width * 4
        assert (config.decode_weights_read(SPEC, "float32") < r["bytes_per_token"]
                < r["weights_bytes"] + r["kv_cache_bytes"])
        assert r["gbps"] == pytest.approx(r["bytes_per_token"] / r["median_s"] / 1e9)
        assert r["peak_bytes"] > 0 and r["warmup_s"] > 0
    notes = {(r["backend"], r["device"]): r["memory_note"] for r in rows}
    assert notes["mlx", "cpu"].startswith("mx.get_peak_memory()") and "process RSS" in notes["torch", "cpu"]
    for device in ("mps", "cuda"):  # a GPU keeps a peak, read the same way on both
        if ("torch", device) in notes:
            assert notes["torch", device].startswith("torch.accelerator.max_memory_allocated()")
    # What a page heard: the reference, then each generation's tokens, the last one complete.
    assert heard[0] == {"reference": [], "computing_reference": True}
    assert heard[1] == {"reference": rows[0]["tokens"][:1], "computing_reference": True}  # the reference, as it comes
    assert {"reference": rows[0]["tokens"]} in heard  # then whole
    finals = [h for h in heard if h.get("done")]
    assert [(h["backend"], h["tokens"]) for h in finals] == [(r["backend"], r["tokens"]) for r in rows]
    assert finals[0]["run"] == "PyTorch · cpu · float32"


def test_torch_compile_without_a_cpp_compiler_is_an_unsupported_row(monkeypatch, libs):
    module = runner.library_module("torch")
    monkeypatch.setattr(module.shutil, "which", lambda name: None)
    monkeypatch.delenv("CXX", raising=False)
    row = rows_for(plan([SPEC], {"torch": libs["torch"]}, variants=("compiled",)), libs)[0]
    assert row["status"] == "unsupported" and "needs a C++ compiler" in row["message"]


def test_torch_compile_slower_than_its_budget_says_so_and_leaves_nothing_running(monkeypatch, libs):
    """The compile runs in a process of its own first: past the budget it is ended, with whatever it
    started, and the row says why it was not timed, instead of claiming a compiled run that never happened."""
    import os
    import subprocess

    started_pids = []

    class Recorded(subprocess.Popen):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            started_pids.append(self.pid)

    monkeypatch.setattr(runner.subprocess, "Popen", Recorded)
    started = time.perf_counter()
    tasks = plan([SPEC], {"torch": libs["torch"]}, devices=["cpu"], variants=("compiled",))
    row = rows_for(tasks, libs, compile_budget_s=0.3)[0]
    assert time.perf_counter() - started < 10
    assert len(started_pids) == 1
    if os.name == "posix":
        with pytest.raises(ProcessLookupError):
            os.killpg(started_pids[0], 0)  # its process group is gone
    assert row["status"] == "unsupported" and row["decode_tok_s"] is None
    assert "torch.compile was still compiling the decode step after 0.3 s on cpu" in row["message"]
    assert "--compile-budget" in row["message"]


def test_missing_library_and_unsupported_dtype_are_rows_that_say_why(libs):
    gone = dataclasses.replace(libs["mlx"], available=False, error="ModuleNotFoundError: No module named 'mlx'",
                               devices=(), default_device=None, lib=None)
    rows = rows_for(plan([SPEC], {"mlx": gone}), {"mlx": gone})
    assert [r["status"] for r in rows] == ["unsupported"]
    assert rows[0]["device"] == "" and "not installed" in rows[0]["message"] and "pip install" in rows[0]["message"]


def test_a_size_that_would_not_fit_is_refused_before_anything_is_allocated(monkeypatch, libs):
    monkeypatch.setattr(memory, "available_bytes", lambda: 1 << 20)
    medium = config.Spec.from_preset("medium")
    assert "needs about" in runner.memory_refusal(medium)
    monkeypatch.setattr(config, "init_weights", lambda spec: pytest.fail("weights made for a refused size"))
    row = rows_for(plan([medium], {"torch": libs["torch"]}, variants=("eager",)), libs)[0]
    assert row["status"] == "refused" and "choose a smaller size" in row["message"]


def test_stop_between_tokens_ends_a_long_generation_within_a_second(libs, monkeypatch):
    """255 tokens of the tiny model: Stop, pressed once the first tokens are out, ends it at once."""
    monkeypatch.setattr(runner, "PUBLISH_S", 0.0)  # the tokens go out at every step, however quick
    spec = config.Spec.from_preset("tiny", width=64, layers=2, heads=4, prompt_len=1, new_tokens=255)
    tasks = plan([spec], {"mlx": libs["mlx"]}, variants=("eager",))
    live = LiveRun(kind="inference", total=1, machine={}, settings={})
    live.start(lambda stop: run(tasks, libs, should_stop=stop, on_tokens=live.set_partial), slot=Slot(),
               wait_for_drawing=False)
    deadline = time.monotonic() + 30
    while not live.partial.get("tokens") and live.active and time.monotonic() < deadline:
        time.sleep(0.005)
    assert live.partial.get("tokens") and not live.partial["done"], live.partial
    pressed = time.perf_counter()
    live.request_stop()
    assert live.join(10)
    took = time.perf_counter() - pressed
    assert live.state == "stopped" and live.done == 0 and took < 1.0, took


# --- the verdict ------------------------------------------------------------------------------

def fake(backend, label, decode, device="cpu", variant="eager", dtype="float16", preset="small", ttft=0.02,
         match=True):
    tokens = [1, 2, 3, 4]
    return {"backend": backend, "label": label, "device": device, "variant": variant, "dtype": dtype,
            "preset": preset, "params": 25_744_640, "width": 512, "layers": 8, "heads": 8, "context": 512,
            "prompt_len": 32, "new_tokens": 4, "status": "ok",
            "message": "" if match else "generated the reference's first 2 tokens, "
            "then token 9 where the reference has 3; there the reference's two best logits are 0.002 apart",
            "decode_tok_s": decode, "median_s": 1 / decode, "iqr_s": 0.0, "ttft_s": ttft, "prefill_tok_s": 32 / ttft,
            "bytes_per_token": 51_000_000, "weights_bytes": 51_000_000, "gbps": 0.051 * decode,
            "peak_bytes": 60_000_000, "memory_note": "x", "tokens": tokens if match else [1, 2, 9, 9],
            "reference_tokens": tokens, "tokens_match": match, "first_mismatch": None if match else 2,
            "step_s": [1 / decode] * 3, "logits_err": 1e-3, "logits_tol": 2e-2}


def test_verdict_names_the_faster_library_by_how_much_for_the_setting():
    rows = [fake("mlx", "MLX", 190, device="gpu"), fake("torch", "PyTorch", 100, device="mps"),
            fake("mlx", "MLX", 150, device="gpu", variant="compiled")]
    text = " ".join(report.verdict(rows))
    assert ("On this machine, **MLX** on gpu generates **1.9×** as many tokens per second as PyTorch on mps for the "
            "small preset (width 512 · 8 layers · 8 heads) in float16") in text
    assert "190.0 against 100.0" in text and "Time to first token" in text and "GB/s" in text
    assert "**Same tokens everywhere:** all 3 generations" in text


def test_verdict_calls_close_results_even_and_says_where_tokens_parted():
    rows = [fake("mlx", "MLX", 105, dtype="bfloat16", match=False), fake("torch", "PyTorch", 100, dtype="bfloat16")]
    text = " ".join(report.verdict(rows))
    assert "generate about as many tokens per second (within 10%)" in text
    assert ("**MLX · cpu · bfloat16** generated the reference's first 2 tokens, then token 9 where the reference has 3"
            in text)
    assert "0.002 apart" in text and "The other 1 generation produced the reference's 4 tokens exactly" in text
    assert "In bfloat16, MLX and PyTorch also differ from each other" in text
    assert report.verdict([]) == ["No generation finished, so there is nothing to compare yet."]
    assert "only **MLX** generated" in report.verdict([fake("mlx", "MLX", 10)])[0]


def test_the_verdict_says_why_mlx_on_its_linux_cpu_build_is_slow(libs):
    from kernels.machine import machine_info

    rows = [fake("torch", "PyTorch", 100), fake("mlx", "MLX", 10)]
    text = " ".join(report.verdict(rows, machine_info(libs)))
    assert ("reference BLAS" in text) == bool(libs["mlx"].caveat("cpu"))


def test_context_table_is_a_running_median_per_context_length():
    row = {**fake("mlx", "MLX", 100), "prompt_len": 4, "step_s": [0.01, 0.01, 0.05, 0.01, 0.01, 0.02, 0.02]}
    table = report.context_table([row], window=3)
    assert [t["context_len"] for t in table] == list(range(5, 12))
    assert table[2]["tok_s"] == pytest.approx(100.0)  # the 0.05 outlier is outvoted
    assert table[-1]["step_ms"] == pytest.approx(20.0)


def test_estimate_counts_the_generations_and_learns_from_rows_measured_here(libs):
    tasks = plan([SPEC], {n: libs[n] for n in ("torch", "mlx")}, variants=("eager", "compiled"))
    first = estimate.estimate(tasks, libs)
    assert first.timed == 2 * len(TORCH_MLX) and first.calibrated == 0 and first.seconds > 0
    assert first.slowest[0].endswith("compiled/float32")  # compiling is assumed to cost the most
    known = [{**fake("torch", "PyTorch", 10_000, dtype="float32", variant="eager", ttft=1e-4),
              **{k: getattr(SPEC, k) for k in ("width", "layers", "heads", "context", "prompt_len", "new_tokens")},
              "warmup_s": 0.01}]
    again = estimate.estimate(tasks, libs, known=known)
    assert again.calibrated == 1 and again.seconds < first.seconds


# --- the result file --------------------------------------------------------------------------

def test_result_file_round_trip_and_a_bad_row_is_named(tmp_path):
    row = {**fake("mlx", "MLX", 10), "version": "0.32.4"}
    path = tmp_path / "gen.json"
    path.write_bytes(new_result_file("inference", [row], {"os": "test"}, {"preset": "small"}).to_json())
    loaded = load(path)
    assert (loaded.kind, loaded.machine) == ("inference", {"os": "test"})
    assert list(loaded.results[0])[:len(ROW_FIELDS)] == list(ROW_FIELDS) and loaded.results[0]["tokens"] == [1, 2, 3, 4]
    broken = json.loads(path.read_bytes())
    broken["results"][0]["tokens_match"] = "yes"
    with pytest.raises(ValueError, match="tokens_match = 'yes', which should be true, false or null"):
        load(json.dumps(broken).encode())
    del broken["results"][0]["gbps"]
    with pytest.raises(ValueError, match="lacks the field gbps, which inference results have"):
        load(json.dumps(broken).encode())


def test_tokens_are_published_only_once_the_steps_have_run_a_while(libs, monkeypatch):
    """A page redraws on each publication, competing with the timed steps for the cores: a generation
    shorter than PUBLISH_S is published when it ends, never while its steps are timed."""
    monkeypatch.setattr(runner, "PUBLISH_S", 3600.0)
    spec = config.Spec.from_preset("tiny", width=32, layers=1, heads=2, prompt_len=4, new_tokens=8)
    heard = []
    rows = [p.row for p in run(plan([spec], {"torch": libs["torch"]}, devices=["cpu"], variants=("eager",)), libs,
                               on_tokens=heard.append)]
    assert rows[0]["status"] == "ok"
    generating = [h for h in heard if "tokens" in h and "backend" in h]
    assert [h["done"] for h in generating] == [True] and len(generating[0]["tokens"]) == 8


@pytest.mark.parametrize("device", TORCH_DEVICES)
def test_the_warm_up_generates_every_cache_length_the_timed_steps_will_meet(libs, monkeypatch, device):
    """Eager PyTorch on mps builds a graph for each new cache length: the untimed warm-up is a whole
    generation, so no timed step is the first at its length."""
    from kernels.inference import torch_model

    events = []
    real_prefill, real_step = torch_model.Generator.prefill, torch_model.Generator.step

    def prefill(self, prompt):
        events.append("prefill")
        return real_prefill(self, prompt)

    def step(self, token):
        events.append(self.pos)
        return real_step(self, token)

    monkeypatch.setattr(torch_model.Generator, "prefill", prefill)
    monkeypatch.setattr(torch_model.Generator, "step", step)
    spec = config.Spec.from_preset("tiny", width=32, layers=1, heads=2, prompt_len=4, new_tokens=12)
    (row,) = [p.row for p in run(plan([spec], {"torch": libs["torch"]}, devices=[device], variants=("eager",)), libs)]
    assert row["status"] == "ok" and row["repeats"] == 11
    starts = [i for i, e in enumerate(events) if e == "prefill"]
    warmup, timed = events[starts[0] + 1:starts[1]], events[starts[-1] + 1:]
    assert timed == list(range(4, 15)) and set(timed) <= set(warmup)


def test_the_tokens_so_far_are_read_typed_from_what_the_engine_sends():
    from kernels.inference.results import TokensSoFar

    sent = {"reference": [1, 2], "backend": "mlx", "run": "MLX · cpu · float32", "tokens": [1], "done": False,
            "later": "a key this version does not know"}
    seen = TokensSoFar.of(sent)
    assert (seen.backend, seen.tokens, seen.done, seen.computing_reference) == ("mlx", [1], False, False)
    assert TokensSoFar.of({}).tokens == [] and TokensSoFar.of({}).reference == []
