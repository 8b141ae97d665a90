"""The examples the pages show, one module per topic, each an :class:`kernels.cells.Example`."""
