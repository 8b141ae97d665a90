"""The floating-point dtypes the Measure engines time, and the facts about each they use, in one
table: its size in bytes (for bytes moved, memory estimates, GB/s) and its machine epsilon (for the
tolerance a result is held to). Which library and device supports which dtype is each backend's
``dtype_support``; which dtypes a kind of measurement offers is that kind's own choice."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FloatType:
    name: str
    itemsize: int  # bytes per element
    eps: float  # machine epsilon: the gap from 1.0 to the next representable number


FLOATS = {t.name: t for t in (
    FloatType("float32", 4, 2.0**-23),
    FloatType("float16", 2, 2.0**-10),
    FloatType("bfloat16", 2, 2.0**-7),  # float32's exponent, 8 bits of significand
    FloatType("float64", 8, 2.0**-52),
)}
ITEMSIZE = {name: t.itemsize for name, t in FLOATS.items()}
EPS = {name: t.eps for name, t in FLOATS.items()}
