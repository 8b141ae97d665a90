"""ui.panel's one output block per cell: what it shows for one, several, and multi-line outputs."""
from __future__ import annotations

from kernels.backends import Output
from ui.panel import output_block


def test_one_output_is_its_text_and_its_facts():
    out = Output("tensor([1, 2, 3])", "Tensor", (3,), "int64", "cpu")
    assert output_block([out]) == ("tensor([1, 2, 3])", "Tensor · shape (3,) · int64 · cpu")


def test_outputs_sharing_their_facts_say_them_once():
    outs = [Output(f"np.float64({v})", "float64", (), "float64", "cpu") for v in (2.125, 4.0)]
    assert output_block(outs) == ("np.float64(2.125)\nnp.float64(4.0)",
                                  "2 outputs, each float64 · shape () · float64 · cpu")


def test_outputs_with_different_facts_are_numbered_in_line_order():
    outs = [Output("tensor(4.)", "Tensor", (), "float32", "cpu"), Output("tensor(3)", "Tensor", (), "int64", "cpu")]
    text, facts = output_block(outs)
    assert text == "tensor(4.)\ntensor(3)"
    assert facts == "1: Tensor · shape () · float32 · cpu — 2: Tensor · shape () · int64 · cpu"


def test_a_multi_line_output_gets_a_blank_line_around_it():
    grid = "array([[1, 2],\n       [3, 4]])"
    outs = [Output(grid, "ndarray", (2, 2), "int64", "cpu"), Output("array([4, 6])", "ndarray", (2,), "int64", "cpu")]
    assert output_block(outs)[0] == grid + "\n\narray([4, 6])"
