"""The engine behind the playground: backends, examples, machine facts.

Nothing in this package imports Streamlit, so it is tested directly and runs
from the command line.
"""
from pkgutil import extend_path

# A ``kernels`` folder elsewhere on the path adds its packages to this one: how a kind of measurement
# kept outside this repository (a test's throwaway kind) is found (kernels.measure.kinds).
__path__ = extend_path(__path__, __name__)
