"""What a benchmark operation is: one small definition per operation (see ``ops/``).

An :class:`Op` says which inputs it takes for a size ``n`` (shapes), how to make them
(a seeded NumPy generator), what the right answer is (a float64 NumPy reference), how
much work one call does (FLOPs and elements moved), and gives one function per library.
Everything else (devices, dtypes, warm-up, synchronisation, timing, checking) is the
runner's job, so an operation's functions stay as short as the code a user would write.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

Shapes = Mapping[str, tuple[int, ...]]


@dataclass(frozen=True)
class Layout:
    """A library that wants its data laid out differently from the reference (MLX's NHWC images).

    Both functions work on NumPy arrays outside the timed region.
    """

    inputs: Callable[..., dict]  # reference-layout inputs (as keywords) -> this library's inputs
    output: Callable[[np.ndarray], np.ndarray]  # this library's result -> reference layout
    note: str = ""


def standard_normal(shapes: Shapes, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """The default inputs: independent N(0, 1) float32 values, one array per named input."""
    return {name: rng.standard_normal(shape, dtype=np.float32) for name, shape in shapes.items()}


@dataclass(frozen=True)
class Op:
    name: str  # what the command line and the result file call it: "matmul"
    title: str  # what a person reads: "Matrix multiply"
    size_means: str  # what the size n sets: "n × n matrices"
    shapes: Callable[[int], Shapes]  # input name -> shape, for size n
    output_shape: Callable[[int], tuple[int, ...]]
    reference: Callable[..., np.ndarray]  # the right answer, called with float64 NumPy copies of the inputs
    impls: Mapping[str, Callable]  # library name -> function(*inputs) returning that library's array
    # elements one call must read and write at least: each input read once, the output written once
    # (bytes = moved × itemsize; the roofline's denominator, kernels.bench.roofline)
    moved: Callable[[int], int]
    flops: Callable[[int], int] | None = None  # floating-point operations in one call
    unit: str = "GFLOP/s"  # the throughput that matters: "GFLOP/s" (compute) or "GB/s" (memory)
    reduction: Callable[[int], int] = lambda n: 1  # longest sum behind one output value (sets the tolerance)
    workspace: Callable[[int], int] = lambda n: 0  # extra elements an implementation may allocate
    inputs: Callable[[Shapes, np.random.Generator], dict] = standard_normal
    layouts: Mapping[str, Layout] = field(default_factory=dict)  # library name -> its own layout
    absent: Mapping[str, str] = field(default_factory=dict)  # library name -> why it has no version
    host_to_device: bool = False  # a transfer: inputs stay on the host, fn(x, device) moves them
    dtypes: tuple[str, ...] | None = None  # only these dtypes make sense for it (None: any)
    min_size: int = 1  # the smallest n that makes sense (a 3×3 convolution needs n ≥ 3)
    note: str = ""  # a sentence the page shows under the title

    def shape_label(self, n: int) -> str:
        """``a 512×512 · b 512×512``: the input shapes for size ``n``, as a person reads them."""
        return " · ".join(f"{name} {'×'.join(map(str, shape))}" for name, shape in self.shapes(n).items())

    def elements(self, n: int) -> tuple[int, int]:
        """(input elements, output elements) for size ``n``, computed without allocating."""
        inputs = sum(math.prod(shape) for shape in self.shapes(n).values())
        return inputs, math.prod(self.output_shape(n))

    def memory_bytes(self, n: int, itemsize: int) -> int:
        """A generous estimate of the memory one measurement needs, before anything exists:
        the float32 inputs and their float64 copies, the float64 reference and its workspace,
        and the library's inputs, output and workspace (twice, for conversion copies)."""
        inputs, output = self.elements(n)
        work = self.workspace(n)
        reference = 4 * inputs + 8 * (inputs + output + work)
        library = 2 * itemsize * (inputs + output + work)
        return reference + library + 8 * output
