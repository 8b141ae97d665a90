import sys

from kernels.measure.cli import kind_main

from .kind import KIND

sys.exit(kind_main(KIND))
