"""The MPS-rules mode (kernels/backends/mps_rules.py): torch's mps imitated on the CPU with the rules
and messages torch 2.13 has on a Mac, and every engine run on it as the ``mps`` device.

The mode patches torch for the whole process, so each test here runs in a Python of its own with
``PLAYGROUND_MPS_RULES=1`` (as every process of ``make test-mps`` does). The whole suite runs under
the mode with ``make test-mps``: the conformance tests then cover every Learn example on ``mps``.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kernels.backends import mps_rules

ROOT = Path(__file__).resolve().parents[1]


def under_mps_rules(code: str, timeout: float = 600) -> dict:
    """Run ``code`` in a fresh Python with the mode on; it prints one JSON line last, returned here."""
    env = {**os.environ, mps_rules.VARIABLE: "1", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_rules_and_the_messages_are_torch_2_13s_on_a_mac():
    got = under_mps_rules("""
        import json, threading
        import numpy as np
        from kernels.backends import discover, mps_rules
        torch_b = discover(["torch"])["torch"]
        import torch
        out = {"devices": [(d.name, d.available, d.note) for d in torch_b.devices], "default": torch_b.default_device}
        a = torch.ones(3, device="mps")
        out["device"], out["is_mps"], out["repr"] = str(a.device), a.is_mps, repr(a * 2)
        out["cpu"], out["numpy_after_cpu"] = str(a.cpu().device), a.cpu().numpy().tolist()
        def error(fn):
            try:
                fn()
            except Exception as exc:
                return f"{type(exc).__name__}: {exc}"
        out["numpy"] = error(lambda: a.numpy())
        out["asarray"] = error(lambda: np.asarray(a))
        out["mixed"] = error(lambda: a + torch.ones(3))
        out["scalar"] = error(lambda: a + torch.tensor(2.0))
        out["float64_made"] = error(lambda: torch.zeros(2, dtype=torch.float64, device="mps"))
        out["float64_moved"] = error(lambda: torch.from_numpy(np.ones(2)).to("mps"))
        out["float64_cast"] = error(lambda: a.double())
        layer = torch.nn.Linear(3, 2).to(device="mps", dtype=torch.float32)
        out["module"] = str(layer.weight.device)
        layer(a).sum().backward()
        out["grad"] = str(layer.weight.grad.device)
        seen = []
        t = threading.Thread(target=lambda: seen.append(str(torch.ones(1, device="mps").device)))
        t.start(); t.join()
        out["thread"] = seen[0]
        out["generator"] = str(torch.Generator(device="mps").device)
        out["dlpack"] = list(a.__dlpack_device__())
        before = mps_rules.SYNCHRONIZED[0]; torch.mps.synchronize()
        out["synchronized"] = mps_rules.SYNCHRONIZED[0] - before
        print(json.dumps(out))
    """)
    assert ["mps", True, mps_rules.LABEL] in got["devices"] and got["default"] == "mps"
    assert got["device"] == "mps:0" and got["is_mps"] is True and got["repr"] == "tensor([2., 2., 2.], device='mps:0')"
    assert got["cpu"] == "cpu" and got["numpy_after_cpu"] == [1.0, 1.0, 1.0]
    assert got["numpy"] == got["asarray"] == f"TypeError: {mps_rules.NUMPY}"
    assert got["mixed"] == "RuntimeError: Expected all tensors to be on the same device, but found at least two " \
                           "devices, mps:0 and cpu!"
    assert got["scalar"] is None  # a CPU scalar may join an mps operation, as on a Mac
    assert got["float64_made"] == got["float64_moved"] == got["float64_cast"] == f"TypeError: {mps_rules.FLOAT64}"
    assert got["module"] == got["grad"] == got["thread"] == got["generator"] == "mps:0"
    assert got["dlpack"] == [8, 0] and got["synchronized"] == 1


ENGINES = """
    import json
    from kernels.backends import discover
    libs = discover()
    torch_only = {"torch": libs["torch"]}
    out = {}
"""


def bad(rows: list[dict]) -> list[str]:
    return [f"{r.get('op') or r.get('model') or r.get('preset') or r.get('check')}: {r['status']}: {r['message']}"
            for r in rows if r["status"] in ("error", "failed")]


def test_every_benchmark_operation_and_the_ceilings_run_on_mps():
    got = under_mps_rules(ENGINES + """
    from kernels import bench
    from kernels.bench import ceilings
    tasks = bench.plan(list(bench.OPS), [16], torch_only, ["mps"], ["float32", "float16", "float64"])
    out["bench"] = [p.row for p in bench.run(tasks, torch_only, bench.Settings(budget_s=0.001, max_repeats=3))]
    small = ceilings.Config(compute_sizes=(16, 32), bandwidth_sizes=(16, 32), transfer_sizes=(16, 32),
                            memory_bytes=2**12, transfer_bytes=2**12, settings=bench.Settings(budget_s=0.001,
                                                                                            max_repeats=3))
    out["ceilings"] = [p.row for p in ceilings.run(ceilings.plan(torch_only, ["mps"]), torch_only, small)]
    print(json.dumps(out, default=str))
    """)
    assert bad(got["bench"]) == [] and bad(got["ceilings"]) == []
    ok = {(r["op"], r["dtype"]) for r in got["bench"] if r["status"] == "ok"}
    assert ("matmul", "float32") in ok and ("transfer", "float32") in ok and all(r["correct"] for r in got["bench"]
                                                                                  if r["status"] == "ok")
    float64 = [r for r in got["bench"] if r["dtype"] == "float64" and r["op"] != "transfer"]
    assert float64 and all(r["status"] == "unsupported" and "no float64" in r["message"] for r in float64)


def test_small_models_train_on_mps():
    got = under_mps_rules(ENGINES + """
    from kernels import models
    from kernels.models import config
    specs = [config.RunSpec(model="mlp", batch=4, width=16, steps=3),
             config.RunSpec(model="transformer", batch=2, width=16, seq_len=8, steps=3)]
    tasks = [t for t in models.plan(specs, torch_only) if t.device == "mps" and t.variant == "eager"]
    out["rows"] = [p.row for p in models.run(tasks, torch_only)]
    print(json.dumps(out, default=str))
    """)
    assert len(got["rows"]) == 2 and bad(got["rows"]) == []
    assert all(r["status"] == "ok" and r["device"] == "mps" for r in got["rows"])


def test_inference_generates_the_references_tokens_on_mps_and_reads_its_peak():
    """Item 1 of issue 21: logits converted to float64 on the GPU (``out.double().cpu()``) raised on every
    PyTorch · mps row; converted on the host they match the reference."""
    got = under_mps_rules(ENGINES + """
    from kernels import inference
    from kernels.inference import config
    spec = config.Spec(preset="tiny", width=32, layers=1, heads=2, context=64, prompt_len=4, new_tokens=6)
    tasks = [t for t in inference.plan([spec], torch_only, variants=["eager"], dtypes=["float32", "float16"])
             if t.device == "mps"]
    out["rows"] = [p.row for p in inference.run(tasks, torch_only)]
    print(json.dumps(out, default=str))
    """)
    rows = got["rows"]
    assert len(rows) == 2 and bad(rows) == [], bad(rows)
    assert rows[0]["tokens_match"] and rows[0]["logits_err"] <= rows[0]["logits_tol"]
    assert all(r["memory_note"].startswith("torch.accelerator.max_memory_allocated()") and r["peak_bytes"] > 0
               for r in rows)


def test_the_self_check_passes_on_mps():
    got = under_mps_rules("""
    import json
    from kernels import doctor
    from kernels.backends import discover
    rows = doctor.run_checks(discover(), pairs=[("torch", "mps")])
    print(json.dumps({"rows": rows}, default=str))
    """)
    assert got["rows"] and [r for r in got["rows"] if r["status"] == "failed"] == []
    (sync,) = [r for r in got["rows"] if r["check"] == "synchronize"]
    assert sync["status"] == "unavailable" and "only be checked on a Mac" in sync["message"]  # not imitated


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_random_numbers_generate_once_says_what_ran_on_mps(dtype):
    """Item 8 of issue 21: with NumPy's float64, ``torch.from_numpy(x).to('mps')`` fails; the page must
    not say PyTorch kept float64."""
    got = under_mps_rules(f"""
    import json
    from streamlit.testing.v1 import AppTest
    from tests.apptest import open_page, open_section
    at = open_section(open_page("app_pages/learn_random.py"), "random_fix_open")
    at.radio(key="random_dtype").set_value({dtype!r}).run()
    print(json.dumps({{"here": [m.value for m in at.markdown if m.value.startswith("**Here:**")][-1],
                      "exceptions": [e.value for e in at.exception]}}))
    """)
    assert got["exceptions"] == []
    if dtype == "float64":
        assert ("keeps NumPy's dtype" not in got["here"]
                and "PyTorch on `mps` could not take NumPy's float64" in got["here"])
    else:
        assert got["here"].startswith("**Here:** every library that ran computed in float32")


def test_nothing_is_tracked_once_the_process_is_exiting():
    """At exit the mode drops its weak references while torch can still free them; a thread still
    making tensors on mps after that (a daemon thread runs on during exit) adds none, or they would be
    freed after torch's teardown ("'NoneType' object has no attribute '_free_weak_ref'")."""
    got = under_mps_rules("""
        import json
        from kernels.backends import discover, mps_rules
        discover(["torch"])
        import torch
        kept = torch.ones(4, device="mps")
        before = len(mps_rules._on_mps)
        mps_rules._forget()  # what atexit runs
        late = torch.ones(4, device="mps")
        print(json.dumps({"before": before, "after": len(mps_rules._on_mps)}))
    """)
    assert got == {"before": 1, "after": 0}


def test_figures_made_under_the_mode_say_so_in_the_file_and_the_verdict():
    """A result file written under the mode carries the caveat in its machine block, and a verdict on
    its mps rows reads it: such a file never passes for a Mac's."""
    got = under_mps_rules("""
        import json
        from kernels.backends import discover
        from kernels.machine import machine_info
        from kernels.models import config, plan, report, run
        libs = discover(["torch"])
        spec = config.RunSpec(model="mlp", batch=4, width=8, steps=4)
        rows = [p.row for p in run(plan([spec], libs, devices=["mps"]), libs)]
        machine = machine_info(libs)
        print(json.dumps({"caveats": machine["caveats"], "verdict": report.verdict(rows, machine)}))
    """)
    assert list(got["caveats"]) == ["torch/mps"] and "imitating a Mac's rules" in got["caveats"]["torch/mps"]
    assert any(p.startswith("**Read with care:** PyTorch's `mps` here is the CPU") for p in got["verdict"])
