"""Creating arrays: the same constructor in each library, and the dtype each one picks."""
from __future__ import annotations

import ast

from ..cells import Example

FROM_LIST = Example(
    key="from_list",
    title="An array from a Python list",
    code={
        "numpy": "a = np.array($values)\na",
        "torch": "a = torch.tensor($values)\na",
        "mlx": "a = mx.array($values)\na",
    },
    note="Same list, three libraries: look at the dtype each one picks.",
)


def parse_values(text: str, limit: int = 64) -> list:
    """Read a flat or nested list of numbers typed by a user; ValueError with a plain message otherwise."""
    try:
        value = ast.literal_eval(text.strip() or "[]")
    except (ValueError, SyntaxError):
        raise ValueError(f"{text!r} is not a Python list of numbers, e.g. [1, 2, 3]") from None
    if isinstance(value, tuple):
        value = list(value)
    if not isinstance(value, list) or not value:
        raise ValueError("type a non-empty list of numbers, e.g. [1, 2, 3]")

    count = 0

    def check(v):
        nonlocal count
        if isinstance(v, list):
            for item in v:
                check(item)
        elif isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ValueError(f"{v!r} is not a number; use ints or floats only")
        else:
            count += 1
            if count > limit:
                raise ValueError(f"keep it to {limit} numbers or fewer")

    check(value)
    return value
