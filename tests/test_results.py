"""The result file, one envelope for every kind: the same writer for pages and command lines, round
trips, files from before, and one-sentence errors for anything a file from elsewhere may hold."""
from __future__ import annotations

import csv
import io
import json

import pytest

from kernels.bench import ROW_FIELDS, plan, result_file, run
from kernels.measure.compare import SAMPLES
from kernels.measure.results import SCHEMA, ResultFile, load, new_result_file
from kernels.models import config
from kernels.models import plan as models_plan
from kernels.models import run as models_run
from tests.bench_fakes import QUICK


@pytest.fixture(scope="module")
def sample(libs):
    """A real little sweep on each library's CPU: ok rows from each library, an unsupported one, a refused one."""
    rows = [p.row for p in run(plan(["add"], [4], libs, dtypes=["float32", "bfloat16"], devices=["cpu"]), libs, QUICK)]
    rows += [p.row for p in run(plan(["matmul"], [3_000_000], {"numpy": libs["numpy"]}), libs, QUICK)]
    return result_file(rows, libs, QUICK)


@pytest.fixture(scope="module")
def models_file(libs):
    spec = config.RunSpec(model="mlp", batch=4, width=8, steps=3)
    rows = [p.row for p in models_run(models_plan([spec], libs), libs)]
    return new_result_file("models", rows, {"os": "test"}, {"steps": 3})


def test_rows_have_every_field(sample):
    statuses = [r["status"] for r in sample.results]
    assert statuses == ["ok", "ok", "ok", "unsupported", "ok", "ok", "refused"]
    for row in sample.results:
        assert tuple(row) == ROW_FIELDS
    ok = sample.results[0]
    assert ok["median_s"] > 0 and ok["min_s"] <= ok["q1_s"] <= ok["median_s"] <= ok["q3_s"] <= ok["max_s"]
    assert ok["iqr_s"] == pytest.approx(ok["q3_s"] - ok["q1_s"])
    assert ok["repeats"] >= 2 and ok["gbps"] > 0 and ok["max_abs_err"] is not None and ok["correct"] is True


def test_json_round_trip_from_bytes_path_and_upload(sample, tmp_path):
    data = sample.to_json()
    doc = json.loads(data)
    assert doc["schema"] == SCHEMA and list(doc) == ["schema", "kind", "machine", "created", "settings", "results"]
    assert (doc["kind"] == "bench" and doc["machine"]["libraries"]["mlx"]
            and doc["settings"]["budget_s"] == QUICK.budget_s)

    path = tmp_path / "results.json"
    path.write_bytes(data)
    for source in (data, path, str(path), io.BytesIO(data), io.StringIO(data.decode())):
        loaded = load(source)
        assert isinstance(loaded, ResultFile)
        assert loaded.to_dict() == sample.to_dict()


def test_every_kind_uses_the_same_envelope_and_timing_names(sample, models_file):
    """A benchmark row and a training run keep their statistics under the same names."""
    loaded = load(models_file.to_json())
    assert loaded.kind == "models" and list(json.loads(models_file.to_json())) == list(json.loads(sample.to_json()))
    timing = ("median_s", "iqr_s", "q1_s", "q3_s", "min_s", "max_s", "repeats", "calls_per_repeat")
    for row in (sample.results[0], loaded.results[0]):
        assert all(key in row for key in timing)
    assert loaded.results[0]["steps_per_s"] == pytest.approx(1 / loaded.results[0]["median_s"])


def test_files_from_before_the_core_still_load(models_file):
    """Benchmark files without "kind" (the shipped samples), and small-model files that called the
    step statistics step_s_median, step_s_iqr and timed_steps."""
    for sample in SAMPLES:
        assert load(sample.path).results
    old = json.loads(models_file.to_json())
    for row in old["results"]:
        row["step_s_median"], row["step_s_iqr"], row["timed_steps"] = (row.pop("median_s"), row.pop("iqr_s"),
                                                                       row.pop("repeats"))
        for key in ("q1_s", "q3_s", "min_s", "max_s", "calls_per_repeat"):
            row.pop(key)
    loaded = load(json.dumps(old).encode())
    assert loaded.results[0]["median_s"] == models_file.results[0]["median_s"]


def test_csv_has_one_line_per_row_in_a_fixed_column_order(sample):
    text = sample.to_csv().decode()
    assert text.splitlines()[0] == ",".join(ROW_FIELDS)
    lines = list(csv.DictReader(io.StringIO(text)))
    assert len(lines) == len(sample.results)
    assert lines[3]["status"] == "unsupported" and lines[3]["median_s"] == ""
    assert float(lines[0]["median_s"]) == pytest.approx(sample.results[0]["median_s"])


def test_not_a_number_is_written_as_null():
    rf = new_result_file("bench", [{"op": "add", "median_s": float("nan"), "gbps": float("inf")}], {})
    row = json.loads(rf.to_json())["results"][0]
    assert row["median_s"] is None and row["gbps"] is None


def _broken(sample):
    """(what was done to the file, its bytes, words the error must contain)."""
    def edit(change):
        doc = json.loads(sample.to_json())
        change(doc)
        return json.dumps(doc).encode()

    def row0(**fields):
        return edit(lambda d: d["results"][0].update(fields))

    def machine(**fields):
        return edit(lambda d: d["machine"].update(fields))

    return [
        ("empty", b"", "empty"),
        ("truncated", sample.to_json()[:50], "not valid JSON"),
        ("a list", b"[1, 2]", "JSON list"),
        ("no schema", edit(lambda d: d.pop("schema")), '"schema"'),
        ("future schema", edit(lambda d: d.update(schema=2)), "schema 2"),
        ("unknown kind", edit(lambda d: d.update(kind="weather")), "kind 'weather'"),
        ("no results", edit(lambda d: d.pop("results")), '"results"'),
        ("results not a list", edit(lambda d: d.update(results={})), '"results" field should be a JSON list'),
        ("machine not an object", edit(lambda d: d.update(machine="M3")), '"machine"'),
        ("bad date", edit(lambda d: d.update(created="yesterday")), "ISO"),
        ("row missing a field", edit(lambda d: d["results"][1].pop("median_s")), "Result 2 lacks the field median_s"),
        ("bad status", row0(status="done"), "status = 'done'"),
        ("size as text", row0(size="4"), "size = '4'"),
        ("median as text", row0(median_s="fast"), "median_s = 'fast'"),
        ("ok without a time", row0(median_s=None), "no positive median_s"),
        ("a CSV export", sample.to_csv(), "CSV"),
        # What a hostile or broken file may hold (each loaded, then broke a page before).
        ("memory as text", machine(memory_bytes="lots"), '"memory_bytes"'),
        ("libraries as a list", machine(libraries=["numpy"]), '"libraries"'),
        ("devices as a number", machine(devices={"numpy": 5}), '"devices"'),
        ("cpu as a number", machine(cpu=7), '"cpu"'),
        ("an enormous size", row0(size=10**30), "size = 1000000000000000000000000000000"),
        ("a zero size", row0(size=0), "positive whole number"),
        ("a negative time", row0(median_s=-1.0, min_s=-1.0), "median_s = -1.0"),
        ("an absurd spread", row0(iqr_s=1e300), "iqr_s = 1e+300"),
        ("a negative throughput", row0(gflops=-1e9), "gflops = -1000000000.0"),
        ("a median outside min and max", row0(median_s=10.0), "outside its min and max"),
        ("a text field a mile long", row0(message="x" * 5000), "at most 2000 characters"),
        ("the op as null", row0(op=None), "op = None"),
    ]


def test_a_broken_file_gets_a_one_sentence_error(sample):
    for what, data, words in _broken(sample):
        with pytest.raises(ValueError) as info:
            load(data)
        message = str(info.value)
        assert words in message, (what, message)
        assert "\n" not in message and message.endswith(".") and message[0].isupper(), (what, message)
        assert len(message) < 400, (what, message)  # a file's value is quoted, never all of it


def test_deeply_nested_or_huge_json_is_refused_in_a_sentence():
    with pytest.raises(ValueError, match="nested too deeply"):
        load(b"[" * 200_000 + b"]" * 200_000)
    with pytest.raises(ValueError, match="larger than a result file can be"):
        load(b" " * (21 * 2**20))


def test_a_missing_file_is_a_one_sentence_error(tmp_path):
    with pytest.raises(ValueError, match=r"^Cannot read .*nothing\.json.*\.$"):
        load(tmp_path / "nothing.json")
