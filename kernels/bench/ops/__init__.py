"""The catalogue: every benchmark operation, in the order pages and the command line list them.

Adding an operation: write a module like ``matmul.py`` (inputs' shapes, a float64 reference,
one function per library, FLOP and element counts) and add its ``Op`` here.
"""
from __future__ import annotations

from ..op import Op
from . import attention, broadcast, conv2d, elementwise, layer_norm, matmul, reductions, softmax, transfer

OPS: dict[str, Op] = {op.name: op for op in (
    matmul.OP,
    elementwise.ADD,
    elementwise.MULTIPLY,
    broadcast.OP,
    reductions.SUM,
    reductions.MEAN,
    softmax.OP,
    layer_norm.OP,
    attention.OP,
    conv2d.OP,
    transfer.OP,
)}

__all__ = ["OPS", "Op"]
