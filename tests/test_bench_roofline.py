"""How close to the hardware: each operation's FLOP and byte counts against hand-computed values,
the measured ceilings against the results they bound, the Apple-silicon spec sheet, the
above-the-roof flag, the roofline fields in result files, the command line, and the pages' roofline
charts (the browser sees it in tests/browser/test_measure.py)."""
from __future__ import annotations

import json

import pytest

from kernels.bench import OPS, Settings, ceilings, chips, plan, report, roofline, run
from kernels.bench.cli import main
from kernels.bench.results import ROW_FIELDS
from kernels.measure.results import load, new_result_file
from tests import apptest
from tests.apptest import charts
from tests.devices import PAIR_IDS, PAIRS
from tests.test_bench_page import texts

# A sweep small enough for a test: the plumbing and the inequalities, not this machine's plateau.
TINY = ceilings.Config(compute_sizes=(16, 32), bandwidth_sizes=(16, 32), transfer_sizes=(16,),
                       memory_bytes=32 * 32 * 12, transfer_bytes=1,
                       settings=Settings(budget_s=0.02, warmup=1))
SERIES = [(name, device) for name, device, _kind in PAIRS]
# Every pair has a compute, a memory-bandwidth and a cache-bandwidth ceiling; a device that is not the
# host (mps, cuda) adds the host → device copy, where the library has one to time (MLX on unified memory has none).
TRANSFERS = [(name, device) for name, device, kind in PAIRS if kind == "gpu" and name in OPS["transfer"].impls]
KINDS = {"compute", "bandwidth", "cache_bandwidth"} | ({"host_to_device"} if TRANSFERS else set())
N_CEILINGS = 3 * len(SERIES) + len(TRANSFERS)


# --- FLOP and byte counts -------------------------------------------------------------------------

# (op, n, FLOPs, bytes in float32), counted by hand: a multiply-add is 2 FLOPs; every input is read
# once and the output written once.
BY_HAND = {
    "matmul": (4, 2 * 4 * 4 * 4, (16 + 16 + 16) * 4),  # 4×4 @ 4×4: 64 multiply-adds; a, b read, c written
    "add": (4, 16, (16 + 16 + 16) * 4),  # one add per element; a, b read, out written
    "multiply": (4, 16, (16 + 16 + 16) * 4),
    "broadcast_add": (4, 16, (16 + 4 + 16) * 4),  # the 4-long row is read once
    "sum": (4, 16, (16 + 4) * 4),  # 16 elements in, 4 sums out
    "mean": (4, 16, (16 + 4) * 4),
    "softmax": (4, 5 * 16, (16 + 16) * 4),  # max, subtract, exp, sum, divide per element
    "layer_norm": (4, 8 * 16, (16 + 4 + 4 + 16) * 4),  # x, weight, bias read; out written
    # q @ kᵀ and weights @ v: 2 × (8 heads × 4 × 4 × 64 multiply-adds); q, k, v read and out written
    "attention": (4, 2 * 2 * 8 * 4 * 4 * 64, 4 * (8 * 4 * 64) * 4),
    # a 6×6 output of 16 channels, each 16 × 3 × 3 multiply-adds; the 8×8 image, the 3×3 weights, the output
    "conv2d": (8, 2 * 16 * 6 * 6 * 16 * 9, (16 * 8 * 8 + 16 * 16 * 9 + 16 * 6 * 6) * 4),
    "transfer": (4, None, 16 * 4),  # a copy: no arithmetic
}


def test_every_operation_has_its_count_by_hand():
    assert set(BY_HAND) == set(OPS)


@pytest.mark.parametrize("op", list(BY_HAND))
def test_flop_and_byte_counts_match_the_hand_count(op):
    n, flops, nbytes = BY_HAND[op]
    definition = OPS[op]
    assert (definition.flops(n) if definition.flops else None) == flops
    assert definition.moved(n) * 4 == nbytes
    assert roofline.op_intensity(op, n, 4) == (flops / nbytes if flops else None)
    assert roofline.op_intensity(op, n, 2) == (2 * flops / nbytes if flops else None)  # half the bytes in float16


def test_rows_carry_their_counts_and_intensity(libs):
    rows = [p.row for p in run(plan(["matmul", "conv2d"], [8], {"numpy": libs["numpy"]}), libs, TINY.settings)]
    assert [tuple(r) for r in rows] == [ROW_FIELDS] * 2
    matmul, conv = rows
    assert (matmul["flops"], matmul["bytes"], matmul["intensity"]) == (1024, 768, pytest.approx(4 / 3))
    assert (conv["flops"], conv["bytes"]) == (2 * 16 * 36 * 16 * 9, (16 * 64 + 2304 + 16 * 36) * 4)
    assert matmul["bound"] is None and matmul["suspect"] == ""  # no ceilings yet


# --- ceilings ----------------------------------------------------------------------------------

def best_of(*runs: list[dict]) -> list[dict]:
    """Ceiling rows from several sweeps, keeping each ceiling's highest value: a ceiling is a maximum."""
    best: dict[tuple, dict] = {}
    for row in (r for rows in runs for r in rows):
        key = (row["backend"], row["device"], row["dtype"], row["ceiling"])
        if key not in best or (row["value"] or 0) > (best[key]["value"] or 0):
            best[key] = row
    return list(best.values())


def above_the_roof(ceiling_rows: list[dict], rows: list[dict]) -> list[str]:
    """Results faster than their roof even at their slow quartile (by more than ABOVE_ROOF)."""
    roofs = roofline.roofs_from_ceilings(ceiling_rows)
    out = []
    for r in rows:
        roof = roofs[(r["backend"], r["device"], r["dtype"])]
        slow = max(r["median_s"], r["q3_s"])
        if r["op"] == "matmul":
            achieved, limit = r["flops"] / slow / 1e9, roof.compute
        else:
            achieved, limit = r["bytes"] / slow / 1e9, max(roof.bandwidth, roof.cache)
        if achieved > roofline.ABOVE_ROOF * limit:
            out.append(f"{r['op']} n={r['size']} {r['backend']}/{r['device']}: {achieved:.3g} > {limit:.3g}")
    return out


@pytest.fixture(scope="module")
def measured(libs):
    """This machine's ceilings at small sizes, swept before and after the benchmark at the same sizes,
    every pair. On a shared machine another process can slow a whole sweep (PyTorch's two threads
    wait on each other when one is descheduled), so the ceilings are the best of the two sweeps, and
    the whole measurement is tried up to three times: a ceiling that really sat below the results it
    should bound (a wrong count, a rate from the wrong time) fails every attempt."""
    config = ceilings.Config(compute_sizes=(64, 128, 256), bandwidth_sizes=(64, 128, 256, 512),
                             memory_bytes=512 * 512 * 12, settings=Settings(budget_s=0.03, min_block_s=2e-4))
    tasks = ceilings.plan(libs, "auto", ["float32"], series=SERIES)
    for _ in range(3):
        before = [p.row for p in ceilings.run(tasks, libs, config)]
        rows = [p.row for p in run(plan(["matmul", "add", "multiply"], [64, 128, 256], libs), libs,
                                   Settings(budget_s=0.03, min_block_s=2e-4))]
        ceiling_rows = best_of(before, [p.row for p in ceilings.run(tasks, libs, config)])
        if not above_the_roof(ceiling_rows, rows):
            break
    return ceiling_rows, rows


def test_ceiling_rows_say_what_was_measured(measured, libs):
    ceiling_rows, _ = measured
    assert [(r["backend"], r["device"], r["ceiling"]) for r in ceiling_rows if r["ceiling"] == "compute"] == [
        (b, d, "compute") for b, d in SERIES]
    assert {r["ceiling"] for r in ceiling_rows} == KINDS
    for r in ceiling_rows:
        assert r["status"] == "ok" and r["value"] > 0 and r["correct"] is True, r
        assert r["unit"] == ("GFLOP/s" if r["ceiling"] == "compute" else "GB/s")
        first = ceilings.DEFAULT.transfer_sizes[0] if r["ceiling"] == "host_to_device" else 64
        assert r["median_s"] > 0 and r["repeats"] >= 3 and r["sweep"].startswith(f"n = {first}: ")
    memory = {(r["backend"], r["device"]): r for r in ceiling_rows if r["ceiling"] == "bandwidth"}
    assert {r["size"] for r in memory.values()} == {512}  # the largest size: the plateau (here, a small one)
    cache = {(r["backend"], r["device"]): r for r in ceiling_rows if r["ceiling"] == "cache_bandwidth"}
    assert all(cache[k]["value"] >= memory[k]["value"] for k in cache)  # the best size is at least the largest
    loaded = load(ceilings.result_file(ceiling_rows, libs, ceilings.DEFAULT).to_json())
    assert loaded.kind == "ceilings" and loaded.results == [{k: r.get(k) for k in r} for r in ceiling_rows]


@pytest.mark.parametrize("pair", SERIES, ids=PAIR_IDS)
def test_the_ceilings_bound_every_result_within_the_measured_spread(measured, pair):
    """The matmul ceiling is at least the best matmul result, the bandwidth ceilings at least the best
    element-wise result: no result is above its roof beyond the spread of the two measurements."""
    ceiling_rows, rows = measured
    mine = [r for r in roofline.annotate(rows, ceiling_rows) if (r["backend"], r["device"]) == pair]
    assert len(mine) == 9 and all(r["status"] == "ok" for r in mine)
    assert above_the_roof(ceiling_rows, mine) == []
    assert [r["suspect"] for r in mine] == [""] * 9
    ridge = roofline.roofs_from_ceilings(ceiling_rows)[(*pair, "float32")].ridge
    assert [r["bound"] for r in mine] == ["compute" if r["intensity"] >= ridge else "bandwidth" for r in mine]
    assert all(r["pct_of_compute"] > 0 and r["pct_of_bandwidth"] > 0 for r in mine)


def test_the_sweep_stops_before_a_size_that_would_take_too_long(libs):
    config = ceilings.Config(compute_sizes=(32, 64, 4096), bandwidth_sizes=(16,), memory_bytes=1, max_call_s=0.05,
                             settings=TINY.settings)
    (row,) = [p.row for p in ceilings.run([ceilings.CeilingTask("numpy", "cpu", "float32", "compute")], libs, config)]
    assert row["status"] == "ok" and row["size"] in (32, 64)
    assert "stopped before n = 4096" in row["message"] and "more than the 0.05 s allowed" in row["message"]


def test_the_memory_guard_refuses_before_allocating(libs, monkeypatch):
    from kernels import memory

    monkeypatch.setattr(memory, "available_bytes", lambda: 40 * 2**20)  # 20 MiB allowed
    config = ceilings.Config(compute_sizes=(16, 4096), bandwidth_sizes=(16,), memory_bytes=1, max_call_s=1e9,
                             settings=TINY.settings)
    (row,) = [p.row for p in ceilings.run([ceilings.CeilingTask("numpy", "cpu", "float32", "compute")], libs, config)]
    assert row["status"] == "ok" and row["size"] == 16
    assert "stopped at n = 4096: refused" in row["message"] and "n = 4096 refused" in row["sweep"]


def test_stop_ends_the_sweep_and_keeps_the_finished_rows(libs):
    asked = []

    def stop():
        asked.append(1)
        return len(asked) > 20  # some way into the sweep, inside a measurement

    tasks = ceilings.plan(libs, "auto", ["float32"], series=SERIES)
    rows = [p.row for p in ceilings.run(tasks, libs, TINY, should_stop=stop)]
    assert 0 < len(asked) and len(rows) < len(tasks)


def test_unsupported_combinations_are_rows_saying_why(libs):
    tasks = ceilings.plan({"numpy": libs["numpy"]}, "auto", ["bfloat16"])
    rows = [p.row for p in ceilings.run(tasks, libs, TINY)]
    assert [r["ceiling"] for r in rows] == ["compute", "bandwidth", "cache_bandwidth"]
    assert {r["status"] for r in rows} == {"unsupported"} and all("bfloat16" in r["message"] for r in rows)


def test_a_device_that_is_not_the_host_gets_a_host_to_device_ceiling(libs):
    """On a GPU (here a pretend one whose work runs on the CPU) the plan adds the host → device
    ceiling, measured with the benchmark's transfer; the host itself has none."""
    from tests.bench_fakes import pretend_gpu

    gpu, _ = pretend_gpu(libs["torch"], "mps")
    tasks = ceilings.plan({"torch": gpu, "numpy": libs["numpy"]}, "auto", ["float32"])
    assert [(t.backend, t.ceiling) for t in tasks] == [
        ("torch", "compute"), ("torch", "bandwidth"), ("torch", "cache_bandwidth"), ("torch", "host_to_device"),
        ("numpy", "compute"), ("numpy", "bandwidth"), ("numpy", "cache_bandwidth")]
    rows = {(r["backend"], r["ceiling"]): r for r in (p.row for p in ceilings.run(tasks, {"torch": gpu, "numpy":
                                                                                          libs["numpy"]}, TINY))}
    assert rows[("torch", "compute")]["status"] == "ok" and rows[("torch", "compute")]["device"] == "mps"
    transfer = rows[("torch", "host_to_device")]  # torch.from_numpy(x).to("mps"): no mps on this machine
    assert transfer["op"] == "transfer" and transfer["unit"] == "GB/s"
    assert transfer["status"] == "ok" or transfer["message"]


# --- the spec sheet ----------------------------------------------------------------------------

def test_spec_sheet_m1_pro():
    match = chips.lookup("Apple M1 Pro")
    assert match.known and match.chip == "M1 Pro" and [v.gpu_cores for v in match.variants] == [14, 16]
    assert match.value("bandwidth_gbps") == 200  # both variants
    assert match.value("fp32_tflops") is None and "14- or 16-core GPU" in match.message  # never guessed
    full = chips.lookup("Apple M1 Pro", gpu_cores=16)
    assert full.value("fp32_tflops") == 5.2 and full.figure("fp32_tflops").how == "apple"
    small = chips.lookup("Apple M1 Pro", gpu_cores=14).figure("fp32_tflops")
    assert small.how == "derived" and small.value == 4.64 and "14 cores × 128 ALUs × 2 × 1.296 GHz" in small.note


def test_spec_sheet_m3_max_differs_by_variant():
    match = chips.lookup("Apple M3 Max")
    assert [v.gpu_cores for v in match.variants] == [30, 40]
    assert match.value("bandwidth_gbps") is None and "memory bandwidth depend on which" in match.message
    assert chips.lookup("Apple M3 Max", 30).value("bandwidth_gbps") == 300
    assert chips.lookup("Apple M3 Max", 40).value("bandwidth_gbps") == 400
    tflops = chips.lookup("Apple M3 Max", 40).figure("fp32_tflops")
    assert tflops.how == "derived" and not tflops.verified and "Apple has not confirmed" in tflops.note


def test_spec_sheet_m4_has_bandwidth_and_says_why_no_tflops():
    match = chips.lookup("Apple M4")
    assert match.value("bandwidth_gbps") == 120 and match.figure("bandwidth_gbps").how == "apple"
    tflops = match.figure("fp32_tflops")
    assert tflops.value is None and tflops.how == "none" and "no FP32 figure" in tflops.note


@pytest.mark.parametrize("text", ["Intel(R) Xeon(R) CPU @ 2.20GHz", "AMD EPYC", "", "Apple A17 Pro"])
def test_spec_sheet_unknown_chip_says_so(text):
    match = chips.lookup(text)
    assert not match.known and match.value("bandwidth_gbps") is None
    assert "not an Apple-silicon chip: no published figures" in match.message


def test_spec_sheet_future_chip_is_unknown_not_guessed():
    match = chips.lookup("Apple M9 Max")
    assert match.chip == "M9 Max" and not match.known and "does not list yet" in match.message


def test_every_figure_says_where_it_comes_from():
    for spec in chips.CHIPS:
        for figure in (spec.fp32_tflops, spec.bandwidth_gbps):
            assert figure.how in ("apple", "derived", "none")
            assert figure.source or figure.note, spec
            if figure.how == "derived":
                assert "×" in figure.note or "bus width" in figure.note, spec
            if figure.value is None:
                assert figure.note, spec
    named = {(c.chip, c.gpu_cores) for c in chips.CHIPS}
    assert len(named) == len(chips.CHIPS)  # one row per variant


def test_detect_reads_the_machine_block():
    assert chips.detect({"cpu": "Apple M3 Max", "gpu_cores": 40}).value("bandwidth_gbps") == 400
    assert chips.detect({"cpu": "Apple M3 Max", "gpu_cores": "40"}).value("bandwidth_gbps") is None  # not trusted
    assert not chips.detect({}).known


def test_spec_command_prints_json_or_says_unknown(capsys):
    assert main(["--spec", "Apple M1 Pro"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["chip"] == "M1 Pro" and [v["gpu_cores"] for v in doc["variants"]] == [14, 16]
    assert doc["variants"][1]["fp32_tflops"]["value"] == 5.2 and doc["variants"][1]["bandwidth_gbps"]["value"] == 200
    assert main(["--spec", "Intel Xeon"]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "not an Apple-silicon chip: no published figures" in captured.err


# --- the flag, the fields, the summary ------------------------------------------------------------

def bench_row(op="matmul", size=1024, device="cpu", median=1e-2, backend="numpy", dtype="float32"):
    definition = OPS[op]
    flops, nbytes = (definition.flops(size) if definition.flops else None), definition.moved(size) * 4
    return {"op": op, "size": size, "shape": "", "dtype": dtype, "backend": backend, "version": "1",
            "device": device, "device_label": "", "status": "ok", "message": "", "median_s": median,
            "iqr_s": median / 10, "q1_s": median * 0.95, "q3_s": median * 1.05, "min_s": median * 0.9,
            "max_s": median * 1.2, "repeats": 5, "calls_per_repeat": 1, "flops": flops, "bytes": nbytes,
            "unit": definition.unit, "gflops": flops / median / 1e9 if flops else None, "gbps": nbytes / median / 1e9,
            "max_abs_err": 0.0, "tolerance": 1e-3, "correct": True}


def ceiling(kind, value, device="cpu", backend="numpy", median=0.01):
    return {"backend": backend, "device": device, "dtype": "float32", "ceiling": kind, "status": "ok", "message": "",
            "value": value, "unit": "GFLOP/s" if kind == "compute" else "GB/s", "median_s": median,
            "q1_s": median * 0.98, "min_s": median * 0.95}


CEILINGS = [ceiling("compute", 100.0), ceiling("bandwidth", 10.0), ceiling("cache_bandwidth", 40.0)]


def test_a_result_above_its_roof_is_a_measurement_error():
    fine = bench_row(median=2 * 1024**3 / 90e9)  # 90 GFLOP/s of a 100 GFLOP/s roof
    wild = bench_row(median=2 * 1024**3 / 1000e9)  # 10× the roof: an unsynchronised timing
    a, b = roofline.annotate([fine, wild], CEILINGS)
    assert a["suspect"] == "" and a["bound"] == "compute" and a["pct_of_compute"] == pytest.approx(90)
    assert b["suspect"].startswith("above its roof") and "measurement error" in b["suspect"]
    paragraphs = report.summary([a, b])
    assert any(p.startswith("**Measurement errors**") and "Matrix multiply at n = 1024" in p for p in paragraphs)
    assert "reaches 90% of its compute roof" in report.op_summary([a, b], "matmul", "float32")


def test_data_in_the_caches_may_beat_the_memory_roof_but_not_the_cache_roof():
    cached = bench_row("add", 256, median=256 * 256 * 12 / 30e9)  # 30 GB/s: over memory's 10, under the caches' 40
    impossible = bench_row("add", 256, median=256 * 256 * 12 / 400e9)  # 400 GB/s
    a, b = roofline.annotate([cached, impossible], CEILINGS)
    assert a["bound"] == "bandwidth" and a["pct_of_bandwidth"] == pytest.approx(300) and a["suspect"] == ""
    assert "above it: the data fits in the caches" in roofline.roof_sentence([a], "add", "float32")
    assert b["suspect"].startswith("above its roof")


def test_a_gpu_call_faster_than_a_launch_is_a_measurement_error():
    row = bench_row("add", 16, device="mps", backend="torch", median=5e-8)
    (annotated,) = roofline.annotate([row])  # no ceilings needed
    assert annotated["suspect"].startswith("faster than a GPU kernel launch can be")
    (host,) = roofline.annotate([bench_row("add", 16, median=5e-8)])
    assert host["suspect"] == ""  # the host has no launch to wait for


def test_bound_follows_the_ridge_point():
    # ridge = 100 GFLOP/s / 10 GB/s = 10 FLOP/byte: matmul at n = 16 has 2·16/12 = 2.7, at n = 1024 170.7
    small, large = roofline.annotate([bench_row(size=16, median=1e-5), bench_row(size=1024)], CEILINGS)
    assert small["bound"] == "bandwidth" and large["bound"] == "compute"


def test_percent_of_the_published_peak_on_a_mac():
    mac = {"cpu": "Apple M2", "gpu_cores": 10}  # 3.58 TFLOPS (derived), 100 GB/s (Apple's)
    gpu = bench_row(device="gpu", backend="mlx", median=2 * 1024**3 / 1790e9)  # 1790 GFLOP/s
    memory = bench_row("add", 4096, device="gpu", backend="mlx", median=4096 * 4096 * 12 / 50e9)  # 50 GB/s
    cpu = bench_row()  # a compute-bound CPU row: Apple publishes no CPU FLOPS
    a, b, c = roofline.annotate([gpu, memory, cpu], CEILINGS + [ceiling("compute", 3000, "gpu", "mlx"),
                                                                 ceiling("bandwidth", 90, "gpu", "mlx")], mac)
    assert a["pct_of_spec"] == pytest.approx(50, rel=1e-3) and b["pct_of_spec"] == pytest.approx(50)
    assert c["pct_of_spec"] is None
    (linux,) = roofline.annotate([gpu], None, {"cpu": "AMD EPYC"})
    assert linux["pct_of_spec"] is None


def test_the_result_file_keeps_the_roofline_fields_and_checks_them():
    rows = roofline.annotate([bench_row(), bench_row("add", 256, median=1e-4)], CEILINGS)
    data = new_result_file("bench", rows, {"cpu": "Apple M1 Pro", "os": "macOS 15"}).to_json()
    loaded = load(data)
    assert [r["bound"] for r in loaded.results] == ["compute", "bandwidth"]
    # the matmul beat the swept ceiling (100) by 2.1x: the ceiling is the best there is, so it rises to it
    assert loaded.results[0]["compute_ceiling"] == pytest.approx(rows[0]["gflops"])
    assert loaded.results[1]["cache_ceiling"] == 40
    doc = json.loads(data)
    doc["results"][0]["bound"] = "memory"
    with pytest.raises(ValueError, match="bound = 'memory', which should be one of compute, bandwidth or null"):
        load(json.dumps(doc).encode())
    doc["results"][0]["bound"] = "compute"
    doc["results"][0]["pct_of_compute"] = -5
    with pytest.raises(ValueError, match="pct_of_compute"):
        load(json.dumps(doc).encode())
    old = {k: v for k, v in bench_row().items()}  # a file from before the roofline: loads, and gets its intensity
    (again,) = roofline.annotate(load(new_result_file("bench", [old], {}).to_json()).results)
    assert again["intensity"] == pytest.approx(2 * 1024**3 / (3 * 1024 * 1024 * 4)) and again["bound"] is None
    # the file's own ceilings draw its roofline anywhere
    points, lines = roofline.chart_data(loaded.results)
    assert len(points) == 2 and {line["roof"] for line in lines} == {"measured roof", "in-cache roof"}


def test_ceilings_file_rejects_an_unknown_ceiling():
    doc = {"schema": 1, "kind": "ceilings", "machine": {}, "created": "2025-01-01T00:00:00+00:00", "settings": {},
           "results": [{**ceiling("compute", 5.0), "ceiling": "turbo"}]}
    with pytest.raises(ValueError, match="ceiling = 'turbo'"):
        load(json.dumps(doc).encode())


# --- the command line --------------------------------------------------------------------------

def test_ceilings_command_writes_a_ceilings_file(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(ceilings, "DEFAULT", TINY)
    out = tmp_path / "ceilings.json"
    assert main(["--ceilings", "--out", str(out)]) == 0
    result = load(out)
    assert result.kind == "ceilings" and len(result.results) == N_CEILINGS
    assert all(r["status"] == "ok" and r["value"] > 0 for r in result.results)
    err = capsys.readouterr().err
    assert "ceilings: NumPy · cpu · float32: compute " in err
    assert f"ceiling rows ({N_CEILINGS} ok) written to" in err


def test_benchmark_with_ceilings_fills_every_row(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(ceilings, "DEFAULT", TINY)
    out = tmp_path / "r.json"
    assert main(["--ops", "matmul,add", "--sizes", "16,32", "--ceilings", "--ceiling-budget", "0.02", "--budget", "0",
                 "--warmup", "1", "--min-repeats", "1", "--max-repeats", "2", "--out", str(out)]) == 0
    rows = load(out).results
    assert len(rows) == 2 * 2 * len(SERIES) and all(r["status"] == "ok" for r in rows)
    for r in rows:
        assert r["intensity"] > 0 and r["compute_ceiling"] > 0 and r["bandwidth_ceiling"] > 0
        assert r["bound"] in ("compute", "bandwidth") and r["pct_of_compute"] > 0 and r["pct_of_bandwidth"] > 0
        ridge = r["compute_ceiling"] / r["bandwidth_ceiling"]
        assert r["bound"] == ("compute" if r["intensity"] >= ridge else "bandwidth")
    err = capsys.readouterr().err
    # the add is placed on the roofline, or (on a machine whose load changed between the ceilings and
    # the benchmark by more than the margin) reported as a measurement error
    assert "add (float32): on the roofline at n = " in err or "MEASUREMENT ERROR: add n=" in err


# --- the pages ---------------------------------------------------------------------------------

def test_benchmarks_page_measures_ceilings_and_draws_the_roofs(monkeypatch):
    monkeypatch.setattr(ceilings, "DEFAULT", TINY)
    at = apptest.open_page("app_pages/benchmarks.py", timeout=60)
    button = at.button(key="benchmarks_ceilings_run")
    assert button.label.startswith("Measure this machine's ceilings · ") and not button.disabled
    at.button(key="benchmarks_ceilings_run").click().run()
    assert not at.exception, at.exception
    assert any(s.value.startswith(f"Finished {N_CEILINGS} ceilings in") for s in at.success)
    assert len(at.session_state["benchmarks_ceilings"].rows) == N_CEILINGS  # kept for the session
    at.multiselect(key="benchmarks_ops").set_value(["matmul"])
    at.select_slider(key="benchmarks_sizes").set_value((16, 32))
    at.select_slider(key="benchmarks_budget").set_value(0.01)
    at.run()
    at.button(key="benchmarks_run").click().run()
    assert not at.exception, at.exception
    spec, data = next((spec, data) for spec, data in charts(at) if spec["title"].startswith("Roofline"))
    lines = next(d for d in data if d and "roof" in d[0])
    points = next(d for d in data if d and "op_title" in d[0])
    assert {line["roof"] for line in lines} >= {"measured roof"} and len(points) == 2 * len(SERIES)
    layer = spec["layer"][1]["encoding"]
    assert layer["x"]["scale"]["type"] == "log" and layer["y"]["scale"]["type"] == "log"
    assert {t["field"] for t in layer["tooltip"]} >= {"op_title", "size", "median_text", "pct_text"}
    table = next(t.value for t in at.dataframe if "% of compute roof" in t.value.columns)  # every measurement
    assert table["% of compute roof"].notna().all() and set(table["bound"]) <= {"compute", "memory"}
    summary = texts(at.markdown)
    # "... at n = 32 it is compute-bound here", or, where the libraries' ridge points fall on either
    # side of matmul's intensity (tiny ceilings on a busy machine), "... at n = 32 (intensity ...) it is
    # compute-bound on X, memory-bound on Y"
    assert "On the roofline at n = 32 " in summary or "**Measurement errors**" in summary


def test_compare_page_draws_each_files_roofline(libs):
    rows = roofline.annotate([bench_row(), bench_row("add", 256, median=1e-4)], CEILINGS)
    data = new_result_file("bench", rows, {"cpu": "Apple M1 Pro", "os": "macOS 15.1"}).to_json()
    at = apptest.open_page("app_pages/compare.py", timeout=60)
    at.toggle(key="compare_samples").set_value(False).run()
    at.file_uploader(key="compare_files").set_value([("m1.json", data, "application/json")]).run()
    assert not at.exception and not at.error
    titles = [spec["title"] for spec, _ in charts(at)]
    assert "Roofline · Apple M1 Pro · macOS 15.1" in titles


def test_a_real_result_a_little_above_a_missed_plateau_lifts_the_roof_instead_of_being_flagged():
    """MLX's compute ceiling swept at other sizes (or a busier moment) came out at 3.14 GFLOP/s while
    its matmul at n = 512 reached 4.8: a ceiling is the best rate there is, so the roof rises to that
    result; only a result beyond ABOVE_ROOF of the measured roof is called a measurement error."""
    def mm(n, gflops):
        seconds = 2 * n**3 / gflops / 1e9
        return {"op": "matmul", "size": n, "dtype": "float32", "backend": "mlx", "device": "cpu", "status": "ok",
                "median_s": seconds, "q3_s": seconds, "flops": 2 * n**3, "bytes": 12 * n * n, "gflops": gflops,
                "gbps": 12 * n * n / seconds / 1e9, "unit": "GFLOP/s", "correct": True}
    ceilings = [{"backend": "mlx", "device": "cpu", "dtype": "float32", "ceiling": "compute", "value": 3.14,
                 "status": "ok", "median_s": 1.0},
                {"backend": "mlx", "device": "cpu", "dtype": "float32", "ceiling": "bandwidth", "value": 2.7,
                 "status": "ok", "median_s": 1.0}]
    rows = roofline.annotate([mm(256, 2.7), mm(512, 4.8)], ceilings)
    assert rows[1]["compute_ceiling"] == 4.8 and rows[1]["suspect"] == ""
    assert round(rows[1]["pct_of_compute"]) == 100 and rows[0]["pct_of_compute"] < 100
    flagged = roofline.annotate([mm(512, 40.0)], ceilings)[0]  # 13x the roof: a broken timing
    assert flagged["compute_ceiling"] == 3.14 and flagged["suspect"].startswith("above its roof")
