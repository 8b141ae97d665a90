"""One GPU user per process (kernels.backends.common.GPU_TURN): the server's Learn cells, demos and
self-check run work on a GPU, or change MLX's process-wide default device (``with mx.stream``), one
thread at a time; work on a CPU with nothing process-wide goes on side by side."""
from __future__ import annotations

import dataclasses
import threading

import pytest

from kernels import cells
from kernels.backends import GPU_TURN, Device
from tests import cell_gate


@pytest.fixture(autouse=True)
def gate():
    cell_gate.reset()
    yield
    cell_gate.release.set()


def held(name: str, backend: str, body: str) -> cells.Example:
    return cells.Example(key=name, title=name, code={backend: f"from tests import cell_gate\n{body}"})


def in_thread(fn) -> threading.Thread:
    thread = threading.Thread(target=fn, daemon=True)
    thread.start()
    return thread


def test_an_mlx_cell_waits_while_another_thread_is_inside_mx_stream(libs):
    mlx = libs["mlx"]
    first = held("A", "mlx", "with mx.stream(mx.cpu):  # the whole process's default device, until it ends\n"
                             "    cell_gate.inside('A')\nmx.array([1])")
    second = held("B", "mlx", "cell_gate.mark('B')\nmx.array([2]) + 1")
    a = in_thread(lambda: cells.run(first, mlx))
    assert cell_gate.entered.wait(60)
    b = in_thread(lambda: cells.run(second, mlx))
    b.join(0.5)  # B has had time to run, were it not waiting for A's turn
    assert b.is_alive() and cell_gate.log == ["A in"]
    cell_gate.release.set()
    a.join(60), b.join(60)
    assert cell_gate.log == ["A in", "A out", "B"]


def test_torch_on_the_cpu_does_not_wait_for_a_turn(libs):
    torch = libs["torch"]
    first = held("A", "torch", "cell_gate.inside('A')\ntorch.ones(2)")
    second = held("B", "torch", "cell_gate.mark('B')\ntorch.ones(2) + 1")
    a = in_thread(lambda: cells.run(first, torch))
    assert cell_gate.entered.wait(60)
    result = cells.run(second, torch)  # in this thread, while A is held
    assert result.ok and cell_gate.log == ["A in", "B"]
    cell_gate.release.set()
    a.join(60)


def test_which_work_takes_turns(libs):
    numpy, torch, mlx = libs["numpy"], libs["torch"], libs["mlx"]
    gpus = dataclasses.replace(torch, devices=torch.devices + (Device("mps", "Apple GPU", "gpu", True),))
    assert numpy.turn("cpu") is not GPU_TURN
    assert torch.turn("cpu") is not GPU_TURN
    assert gpus.turn("mps") is GPU_TURN and gpus.turn("cuda") is GPU_TURN
    assert mlx.turn("cpu") is GPU_TURN and mlx.turn("gpu") is GPU_TURN  # mx.stream is process-wide


def test_device_scopes_hold_the_turn_while_they_last(libs):
    def other_thread_gets_it() -> bool:
        got = []

        def take():
            if GPU_TURN.acquire(timeout=0.2):
                got.append(True)
                GPU_TURN.release()
        in_thread(take).join(10)
        return bool(got)

    with libs["mlx"].device_scope("cpu"):  # mx.stream: the process's default device
        assert not other_thread_gets_it()
    with libs["torch"].device_scope("cpu"):
        assert other_thread_gets_it()
    assert other_thread_gets_it()
