"""``python -m kernels.inference.compile_probe '<json>'``: compile one library's decode step for one
size, device and dtype, and exit (0: it compiled; 1: the library's error on stderr).

The runner starts this in a process of its own before a compiled row, so that a compiler slower
than the run's budget (inductor building C++ on a small CPU) can be ended, and Stop heard, without
work left running behind the next measurement. It fills the library's compile cache, which makes
the compile in the runner's own process that follows quick. The weights are zeros: what is
compiled depends on the shapes and dtypes, not on the values.
"""
from __future__ import annotations

import json
import sys

import numpy as np

from ..backends import discover
from ..measure.rows import error_message
from . import config
from .runner import library_module


def main(argv: list[str]) -> int:
    args = json.loads(argv[0])
    spec = config.Spec(preset=args["preset"], width=args["width"], layers=args["layers"], heads=args["heads"],
                       context=args["context"], prompt_len=args["prompt_len"], new_tokens=args["new_tokens"])
    weights = {k: np.zeros(s, np.float32) for k, s in config.param_shapes(spec).items()}
    backend = discover([args["backend"]])[args["backend"]]
    try:
        with backend.device_scope(args["device"]):
            generator = library_module(args["backend"]).Generator(spec, weights, args["device"], args["dtype"],
                                                                  "compiled")
            token = generator.prefill(config.prompt_tokens(spec))
            for _ in range(max(min(spec.warmup_steps, 3), 1)):  # one shape for every step: a few suffice
                token = generator.step(token)
            backend.synchronize(args["device"], generator.sync_target(token))
            generator.token_id(token)
    except Exception as exc:  # the library's own words, for the row's message
        print(error_message(exc), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
