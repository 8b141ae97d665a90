"""``python -m kernels.models``: see :mod:`kernels.models.cli`."""
import sys

from .cli import main

sys.exit(main())
