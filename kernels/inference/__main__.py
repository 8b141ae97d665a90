"""``python -m kernels.inference``: see :mod:`kernels.inference.cli`."""
import sys

from .cli import main

sys.exit(main())
