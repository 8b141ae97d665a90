"""A live run measures in its own thread: rows arrive while the page only watches, Stop and a closed
tab end it within about a second wherever it is, a second run waits for the first (one run at a time
in the whole server), and the result file records when each was measured."""
from __future__ import annotations

import time
from datetime import datetime

import pytest

from kernels.bench import plan, run
from kernels.measure.live import LiveRun, Slot, session_file
from kernels.measure.results import load
from kernels.measure.rows import Progress
from kernels.measure.timing import Stopped
from kernels.models import config
from kernels.models import plan as models_plan
from kernels.models import run as models_run
from tests.bench_fakes import QUICK


def fake_steps(n: int, seconds: float = 0.01, fail_at: int | None = None):
    """An engine that yields ``n`` rows, each after ``seconds`` of 'measuring' that honours stop."""
    def steps(should_stop):
        for i in range(1, n + 1):
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                if should_stop():
                    return
                time.sleep(0.005)
            if fail_at == i:
                raise RuntimeError("an engine bug")
            yield Progress(i, n, {"op": "add", "size": i, "status": "ok", "median_s": seconds}, 0.0, f"row {i}")
    return steps


def new_run(total: int, **kw) -> LiveRun:
    return LiveRun(kind="bench", total=total, machine={"cpu": "here"}, settings={"budget_s": 0.1}, **kw)


def test_rows_arrive_in_the_background_and_the_run_says_how_it_ended():
    live = new_run(3, title="three rows").start(fake_steps(3), slot=Slot(), wait_for_drawing=False)
    assert live.join(10)
    assert live.state == "done" and [r["size"] for r in live.rows] == [1, 2, 3] and live.line == "[3/3] row 3"
    assert live.status_text().startswith("Finished 3 measurements in")
    assert datetime.fromisoformat(live.started) <= datetime.fromisoformat(live.finished)
    result = live.result_file()
    assert result.kind == "bench" and result.settings["started"] == live.started
    assert result.settings["finished"] == live.finished and result.created == live.created


def test_a_sessions_runs_are_one_result_file_with_the_latest_settings_and_each_runs():
    first = new_run(2, title="first").start(fake_steps(2), slot=Slot(), wait_for_drawing=False)
    assert first.join(10)
    second = LiveRun(kind="bench", total=1, machine={"cpu": "here"}, settings={"budget_s": 0.5}, title="second")
    assert second.start(fake_steps(1), slot=Slot(), wait_for_drawing=False).join(10)
    alone = session_file([second])
    assert alone.settings == {"budget_s": 0.5, "started": second.started, "finished": second.finished}
    both = session_file([first, second])
    assert [r["size"] for r in both.results] == [1, 2, 1] and both.created == first.created
    assert both.settings["budget_s"] == 0.5 and [r["title"] for r in both.settings["runs"]] == ["first", "second"]
    assert both.settings["runs"][0]["settings"]["budget_s"] == 0.1
    assert session_file([first], rows=[{**first.rows[0], "op": "mul"}]).results[0]["op"] == "mul"


def test_stop_ends_the_run_within_a_second_and_keeps_what_finished():
    live = new_run(1000).start(fake_steps(1000, seconds=0.05), slot=Slot(), wait_for_drawing=False)
    while live.done < 2:
        time.sleep(0.01)
    pressed = time.perf_counter()
    live.request_stop()
    assert live.join(5) and time.perf_counter() - pressed < 1.0
    assert live.state == "stopped" and 2 <= live.done < 1000
    assert "Stop was pressed" in live.status_text() and f"Stopped after {live.done} of 1000" in live.status_text()


def test_a_closed_tab_stops_the_run_the_same_way():
    watching = [True]
    live = new_run(1000).start(fake_steps(1000, seconds=0.05), alive=lambda: watching[0], slot=Slot(),
                               wait_for_drawing=False)
    while live.done < 1:
        time.sleep(0.01)
    watching[0] = False
    assert live.join(5) and live.state == "stopped" and "the tab was closed" in live.status_text()


def test_an_engine_that_breaks_ends_the_run_with_its_message():
    live = new_run(5).start(fake_steps(5, fail_at=3), slot=Slot(), wait_for_drawing=False)
    assert live.join(5) and live.state == "failed" and live.done == 2
    assert "RuntimeError: an engine bug" in live.status_text()


def test_one_run_at_a_time_a_second_waits_and_says_for_whom():
    slot = Slot()
    first = new_run(20, title="first", page="Benchmarks").start(fake_steps(20, 0.02), slot=slot,
                                                                 wait_for_drawing=False)
    while first.state != "running":
        time.sleep(0.005)
    second = new_run(3, title="second").start(fake_steps(3), slot=slot, wait_for_drawing=False)
    deadline = time.monotonic() + 5
    while not second.waiting_for and time.monotonic() < deadline:
        time.sleep(0.005)
    assert second.state == "waiting" and second.waiting_for.startswith("Benchmarks: first (started ")
    assert "Waiting for the run in progress elsewhere" in second.status_text()
    assert first.join(10) and second.join(10)
    assert second.state == "done" and first.finished <= second.started  # never timed at the same time


def test_a_waiting_run_can_be_cancelled():
    slot = Slot()
    first = new_run(100).start(fake_steps(100, 0.05), slot=slot, wait_for_drawing=False)
    second = new_run(3).start(fake_steps(3), slot=slot, wait_for_drawing=False)
    time.sleep(0.2)
    second.request_stop()
    assert second.join(2) and second.state == "stopped" and second.done == 0
    assert second.status_text().startswith("Cancelled before it started")
    first.request_stop()
    assert first.join(5)


def test_the_worker_waits_for_the_page_to_draw_each_row():
    """Drawing never overlaps timing: after a row the worker waits until the page has drawn it
    (or a second passes with nobody drawing)."""
    live = new_run(3).start(fake_steps(3, 0.0), slot=Slot())
    deadline = time.monotonic() + 5
    while live.done < 1 and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(0.3)
    assert live.done == 1  # held until drawn
    live.mark_drawn(1)
    while live.done < 2 and time.monotonic() < deadline:
        time.sleep(0.005)
    assert live.done >= 2
    assert live.join(5) and live.state == "done"


def test_a_real_benchmark_runs_live_and_its_file_loads(libs):
    tasks = plan(["matmul"], [16, 32], libs)
    live = new_run(len(tasks)).start(lambda stop: run(tasks, libs, QUICK, should_stop=stop), slot=Slot(),
                                     wait_for_drawing=False)
    assert live.join(60) and live.state == "done"
    loaded = load(live.result_file().to_json())
    assert len(loaded.results) == len(tasks) and loaded.machine == {"cpu": "here"} and loaded.created == live.created


def test_stop_inside_a_long_training_run_returns_within_a_second(libs):
    """Stop acts between training steps, not only between runs: a run of 5000 steps ends at once."""
    spec = config.RunSpec(model="mlp", batch=64, width=256, steps=5000)
    tasks = [t for t in models_plan([spec], libs) if t.backend == "mlx" and t.variant == "eager"]
    live = LiveRun(kind="models", total=1, machine={}, settings={}).start(
        lambda stop: models_run(tasks, libs, should_stop=stop), slot=Slot(), wait_for_drawing=False)
    while live.state != "running":
        time.sleep(0.01)
    time.sleep(1.0)  # well inside the run (5000 steps take far longer)
    pressed = time.perf_counter()
    live.request_stop()
    assert live.join(10)
    took = time.perf_counter() - pressed
    assert live.state == "stopped" and live.done == 0 and took < 1.0, took


def test_stopped_is_raised_between_steps_not_swallowed(libs):
    from kernels.models import train

    spec = config.RunSpec(model="mlp", batch=4, width=8, steps=50)
    task = next(t for t in models_plan([spec], libs) if t.backend == "numpy")
    with pytest.raises(Stopped):
        train(task, libs["numpy"], config.init_weights(spec), config.make_batches(spec, 2), should_stop=lambda: True)


def test_slot_hold_makes_a_short_measurement_wait_its_turn():
    slot = Slot()
    first = new_run(5).start(fake_steps(5, 0.05), slot=slot, wait_for_drawing=False)
    while first.state != "running":
        time.sleep(0.005)
    with slot.hold("the Lazy page's demo") as held:
        assert not first.active and held.state == "running"  # it got the slot only when the run ended


def test_a_page_that_times_in_its_script_waits_for_a_run_elsewhere(libs):
    """The Lazy page's demo and the self-check take the same slot as the Measure pages' runs: while a
    benchmark runs in another tab, the page says so and times only after it has ended."""
    from kernels.measure.live import SLOT
    from tests.apptest import open_page, open_section

    at = open_page("app_pages/learn_lazy.py")
    blocker = new_run(6, title="a long benchmark", page="Benchmarks").start(fake_steps(6, 0.3), wait_for_drawing=False)
    while blocker.state != "running":
        time.sleep(0.01)
    assert SLOT.holder is blocker
    open_section(at, "lazy_timing_open")  # its timing section waits for the slot
    assert not at.exception
    assert not blocker.active  # the page ran its timings only once the benchmark had ended
    assert at.dataframe, "and then it timed"


def test_an_engine_can_report_from_inside_a_row_and_a_watcher_wakes_for_it():
    """The optional live channel (the tokens of a generation in progress): ``set_partial`` replaces
    what a page shows of the row being measured, with a dict of its own, and wakes a page waiting on the version
    it last drew; it adds no row and changes no state."""
    import threading

    live = new_run(1)
    assert live.partial == {} and live.partial_version == 0
    woke = []

    def watch():
        began = time.monotonic()
        live.wait_for_change(0, "waiting", timeout=5, seen_partial=0)
        woke.append(time.monotonic() - began)

    watcher = threading.Thread(target=watch)
    watcher.start()
    time.sleep(0.1)
    values = {"tokens": [1, 2]}
    live.set_partial(values)
    values["done"] = True  # the engine's dict, changed later: the run kept its own
    watcher.join(5)
    assert woke and woke[0] < 1.0
    assert (live.partial_version == 1 and live.partial == {"tokens": [1, 2]} and live.done == 0
            and live.state == "waiting")
    began = time.monotonic()
    live.wait_for_change(0, "waiting", timeout=0.2, seen_partial=0)  # already newer than version 0: no wait
    assert time.monotonic() - began < 0.1


def test_a_run_asked_to_stop_says_it_is_stopping_until_the_step_in_progress_ends():
    """A library call cannot be cut short (one MLX training step on its Linux CPU build can take
    seconds): between Stop and the end of that step the run says it is stopping, not measuring."""
    live = new_run(3).start(fake_steps(3, seconds=0.05), slot=Slot(), wait_for_drawing=False)
    while live.state != "running":
        time.sleep(0.005)
    live.request_stop()
    if live.active:
        assert live.stopping and live.status_text().startswith("Stopping after")
    assert live.join(5) and not live.stopping and live.state == "stopped"


def test_the_finished_line_counts_what_ran_and_says_what_could_not_run_here():
    """The estimate counts the rows that will really be measured: the end says the same, and how many
    rows said why they could not run (NumPy has no transformer) instead of counting them as runs."""
    def steps(should_stop):
        for i, status in enumerate(["ok", "unsupported", "ok"], 1):
            yield Progress(i, 3, {"status": status, "median_s": 1e-3}, 0.0, f"row {i}")

    live = LiveRun(kind="models", total=3, machine={}, settings={}, noun="training run")
    assert live.start(steps, slot=Slot(), wait_for_drawing=False).join(10)
    text = live.status_text()
    assert text.startswith("Finished 2 training runs in") and text.endswith("1 could not run here (the notes say why).")


def test_a_short_measurement_holding_the_slot_is_described_without_counts():
    """The Lazy page's demo holds the slot without rows: a run waiting on it reads its name and when it
    started, never "0 of 0 measurements done"."""
    slot = Slot()
    with slot.hold("Lazy and asynchronous execution: the timing demo") as held:
        text = held.describe()
    assert text.startswith("Lazy and asynchronous execution: the timing demo (started ") and "0 of 0" not in text


def test_waiting_on_this_sessions_own_previous_timing_says_so():
    """Time again pressed while the first timing still runs: the new script run waits for the old one
    of the same session, and says that, not "the run in progress elsewhere"."""
    from ui.live import waiting_words

    slot = Slot()
    with slot.hold("the timing demo", owner="session-1") as held:
        mine, other = waiting_words(held, "session-1"), waiting_words(held, "session-2")
    assert "previous timing" in mine and "elsewhere" not in mine
    assert other.startswith("Waiting for the run in progress elsewhere to finish before timing: the timing demo")
