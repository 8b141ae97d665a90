"""kernels.dtypes, the one table of each float dtype's size and epsilon, against the libraries' own."""
from __future__ import annotations

import pytest

from kernels import dtypes


@pytest.mark.parametrize("name", list(dtypes.FLOATS))
def test_the_table_is_what_the_libraries_say(name):
    import torch

    info = torch.finfo(getattr(torch, name))  # torch knows bfloat16, which NumPy lacks
    assert dtypes.ITEMSIZE[name] == info.bits // 8 and dtypes.EPS[name] == info.eps
    if name != "bfloat16":
        import numpy as np

        assert np.finfo(name).eps == dtypes.EPS[name] and np.dtype(name).itemsize == dtypes.ITEMSIZE[name]


def test_every_dtype_a_measurement_offers_is_in_the_table():
    from kernels.bench.runner import DTYPES as BENCH
    from kernels.inference.config import DTYPES as INFERENCE

    assert set(BENCH) | set(INFERENCE) <= set(dtypes.FLOATS)
