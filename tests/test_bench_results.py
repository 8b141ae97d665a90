"""The result file: the same writer for page and command line, round trips, one-sentence errors."""
from __future__ import annotations

import csv
import io
import json

import pytest

from kernels.bench import (ROW_FIELDS, SCHEMA, ResultFile, load_results, plan, result_file, run,
                           rows_to_csv, speedups)
from tests.bench_fakes import QUICK


@pytest.fixture(scope="module")
def sample(libs):
    """A real little sweep: ok rows from each library, an unsupported one, a refused one."""
    rows = [p.row for p in run(plan(["add"], [4], libs, dtypes=["float32", "bfloat16"]), libs, QUICK)]
    rows += [p.row for p in run(plan(["matmul"], [3_000_000], {"numpy": libs["numpy"]}), libs, QUICK)]
    return result_file(rows, libs, QUICK)


def test_rows_have_every_field(sample):
    statuses = [r["status"] for r in sample.results]
    assert statuses == ["ok", "ok", "ok", "unsupported", "ok", "ok", "refused"]
    for row in sample.results:
        assert tuple(row) == ROW_FIELDS
    ok = sample.results[0]
    assert ok["median_s"] > 0 and ok["min_s"] <= ok["median_s"] <= ok["max_s"] and ok["iqr_s"] >= 0
    assert ok["repeats"] >= 2 and ok["gbps"] > 0 and ok["max_abs_err"] is not None and ok["correct"] is True


def test_json_round_trip_from_bytes_path_and_upload(sample, tmp_path):
    data = sample.to_json()
    doc = json.loads(data)
    assert doc["schema"] == SCHEMA and list(doc)[:3] == ["schema", "machine", "created"]
    assert doc["machine"]["libraries"]["mlx"] and doc["settings"]["budget_s"] == QUICK.budget_s

    path = tmp_path / "results.json"
    sample.save(path)
    for source in (data, path, str(path), io.BytesIO(data), io.StringIO(data.decode())):
        loaded = load_results(source)
        assert isinstance(loaded, ResultFile)
        assert loaded.to_dict() == sample.to_dict()


def test_csv_has_one_line_per_row_in_a_fixed_column_order(sample, tmp_path):
    text = sample.to_csv().decode()
    assert text.splitlines()[0] == ",".join(ROW_FIELDS)
    lines = list(csv.DictReader(io.StringIO(text)))
    assert len(lines) == len(sample.results)
    assert lines[3]["status"] == "unsupported" and lines[3]["median_s"] == ""
    assert float(lines[0]["median_s"]) == pytest.approx(sample.results[0]["median_s"])
    assert rows_to_csv(sample.results) == sample.to_csv()
    sample.save(tmp_path / "r.csv", format="csv")
    assert (tmp_path / "r.csv").read_bytes() == sample.to_csv()


def test_not_a_number_is_written_as_null():
    rf = ResultFile(machine={}, results=[{"op": "add", "median_s": float("nan"), "gbps": float("inf")}])
    row = json.loads(rf.to_json())["results"][0]
    assert row["median_s"] is None and row["gbps"] is None


def test_frame_for_the_page(sample):
    frame = sample.frame()
    assert list(frame.columns) == [*ROW_FIELDS, "speedup_vs_numpy"] and len(frame) == len(sample.results)


def test_speedup_over_numpy():
    def row(backend, dtype, median, status="ok"):
        return {"op": "add", "size": 4, "dtype": dtype, "backend": backend, "status": status, "median_s": median}

    rows = [row("numpy", "float32", 2.0), row("torch", "float32", 1.0), row("mlx", "float32", 4.0),
            row("torch", "bfloat16", 1.0), row("mlx", "float32", None, "refused")]
    assert speedups(rows) == [1.0, 2.0, 0.5, None, None]


def _doc(sample):
    return json.loads(sample.to_json())


def _broken(sample):
    """(what was done to the file, its bytes, words the error must contain)."""
    def edit(change):
        doc = _doc(sample)
        change(doc)
        return json.dumps(doc).encode()

    return [
        ("empty", b"", "empty"),
        ("truncated", sample.to_json()[:50], "not valid JSON"),
        ("a list", b"[1, 2]", "JSON list"),
        ("no schema", edit(lambda d: d.pop("schema")), '"schema"'),
        ("future schema", edit(lambda d: d.update(schema=2)), "schema 2"),
        ("no results", edit(lambda d: d.pop("results")), '"results"'),
        ("results not a list", edit(lambda d: d.update(results={})), '"results" field should be a JSON list'),
        ("machine not an object", edit(lambda d: d.update(machine="M3")), '"machine"'),
        ("bad date", edit(lambda d: d.update(created="yesterday")), "ISO"),
        ("row missing a field", edit(lambda d: d["results"][1].pop("median_s")), "Result 2 lacks the field median_s"),
        ("bad status", edit(lambda d: d["results"][0].update(status="done")), "status 'done'"),
        ("size as text", edit(lambda d: d["results"][0].update(size="4")), "size '4'"),
        ("median as text", edit(lambda d: d["results"][0].update(median_s="fast")), "median_s = 'fast'"),
        ("ok without a time", edit(lambda d: d["results"][0].update(median_s=None)), "no positive median_s"),
        ("a CSV export", sample.to_csv(), "CSV"),
    ]


def test_a_broken_file_gets_a_one_sentence_error(sample):
    for what, data, words in _broken(sample):
        with pytest.raises(ValueError) as info:
            load_results(data)
        message = str(info.value)
        assert words in message, (what, message)
        assert "\n" not in message and message.endswith(".") and message[0].isupper(), (what, message)
        assert message.count(". ") == 0, (what, message)  # one sentence


def test_a_missing_file_is_a_one_sentence_error(tmp_path):
    with pytest.raises(ValueError, match=r"^Cannot read .*nothing\.json.*\.$"):
        load_results(tmp_path / "nothing.json")
