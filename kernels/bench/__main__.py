"""``python -m kernels.bench``: see :mod:`kernels.bench.cli`."""
import sys

from .cli import main

sys.exit(main())
