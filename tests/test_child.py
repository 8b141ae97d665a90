"""The measuring process (kernels.measure.child): rows arrive from a process of its own, the next row
waits for the page, Stop ends it within a second whatever it does, and a crash there is a failed run,
not a dead server."""
from __future__ import annotations

import os
import time

import pytest

from kernels import bench
from kernels.measure import child
from kernels.measure.child import ChildFailed, Job, steps_in_child
from kernels.measure.live import LiveRun, Slot
from tests import child_engines


def job(engine, tasks=("a", "b", "c"), *args, **kw) -> Job:
    from kernels.backends import discover

    return Job.of(engine, tasks, discover(["numpy"]), *args, **kw)


def test_rows_come_from_a_process_of_its_own_with_what_the_job_said():
    news = []
    steps = steps_in_child(job(child_engines.rows, ("a", "b"), 7, partial="on_news", scale=2),
                           on_partial=news.append)
    got = list(steps(lambda: False))
    assert [p.row["task"] for p in got] == ["a", "b"]
    assert [p.done for p in got] == [1, 2] and got[0].total == 2 and got[0].text == "task a"
    assert {p.row["pid"] for p in got} != {os.getpid()}  # measured elsewhere
    assert got[0].row["args"] == [7] and got[0].row["kwargs"] == {"scale": 2}
    assert [n["task"] for n in news] == ["a", "b"]  # news from inside a row, before it ends


def test_the_child_sees_a_library_the_server_lacks_as_missing(libs, hide_library):
    from kernels.backends import discover

    hide_library("mlx")
    here = discover(["numpy", "mlx"])
    assert not here["mlx"].available
    (first,) = list(steps_in_child(Job.of(child_engines.rows, ("a",), here))(lambda: False))
    assert first.row["found"] == {"numpy": True, "mlx": False}
    assert first.row["errors"]["mlx"] == here["mlx"].error


def test_the_next_row_starts_only_when_the_caller_asks_for_it():
    steps = steps_in_child(job(child_engines.rows, ("a", "b")))(lambda: False)
    first = next(steps)
    time.sleep(0.3)  # the page drawing: the child must be waiting, not measuring
    asked = time.monotonic()
    second = next(steps)
    assert second.row["began"] >= asked > first.row["began"]
    steps.close()


def test_stop_ends_a_child_stuck_in_a_call_within_a_second():
    run = LiveRun(kind="bench", total=2, machine={}, settings={})
    run.measure(job(child_engines.blocks, ("a", "b")), slot=Slot(), wait_for_drawing=False)
    deadline = time.monotonic() + 60
    while run.done < 1 and time.monotonic() < deadline:
        run.wait_for_change(run.done, run.state, timeout=0.5)
    assert run.done == 1
    pressed = time.monotonic()
    run.request_stop()
    assert run.join(5.0)
    assert time.monotonic() - pressed < 1.0
    assert run.state == "stopped" and [r["task"] for r in run.rows] == ["a"]


def test_a_crash_in_the_child_fails_the_run_and_says_why():
    run = LiveRun(kind="bench", total=2, machine={}, settings={})
    run.measure(job(child_engines.crashes, ("a", "b")), slot=Slot(), wait_for_drawing=False)
    assert run.join(60.0)
    assert run.state == "failed" and run.done == 1
    assert "SIGABRT" in run.why and "the device went away" in run.why


def test_an_engine_error_fails_the_run_in_one_line():
    with pytest.raises(ChildFailed, match=r"^ValueError: an engine bug$"):
        list(steps_in_child(job(child_engines.raises))(lambda: False))


def test_closing_the_generator_ends_the_child():
    steps = steps_in_child(job(child_engines.listens))(lambda: False)
    next(steps)
    steps.close()  # a page gone: the with-block ends the child
    # no child of this process is left measuring
    import psutil

    left = [p for p in psutil.Process().children(recursive=True) if "kernels.measure.child" in " ".join(p.cmdline())]
    assert left == []


def test_a_child_whose_server_went_away_exits():
    proc = child.Child()
    proc.proc.stdin.close()  # no job will ever come
    assert proc.proc.wait(60) == 0
    proc.end()


def test_a_benchmark_row_from_the_child_is_the_engines_row(libs):
    numpy_only = {"numpy": libs["numpy"]}
    tasks = bench.plan(["add"], [64], numpy_only)
    settings = bench.Settings(budget_s=0.01)
    (step,) = list(steps_in_child(Job.of(bench.run, tasks, numpy_only, settings))(lambda: False))
    here = next(iter(bench.run(tasks, numpy_only, settings)))
    assert step.row.keys() == here.row.keys()
    assert step.row["status"] == "ok" and step.row["correct"]


def test_settle_goes_on_once_the_machine_is_quiet_or_at_the_limit(monkeypatch):
    import itertools

    import psutil

    loads = itertools.chain([90.0, 80.0, 1.0, 50.0, 1.0, 2.0], itertools.repeat(100.0))  # % of all cores

    def sample(interval=None):  # like psutil's: the load over ``interval`` seconds
        time.sleep(interval)
        return next(loads)

    monkeypatch.setattr(psutil, "cpu_percent", sample)
    monkeypatch.setattr(psutil, "cpu_count", lambda: 2)
    child.settle(60)  # busy, busy, quiet, busy (a gap is not quiet), quiet, quiet: goes on
    assert next(loads) == 100.0
    took = child.settle(0.3)  # busy throughout: gives up at the limit
    assert 0.3 <= took < 5
    assert child.settle(0) == 0.0
