"""The engine behind the playground: backends, examples, machine facts.

Nothing in this package imports Streamlit, so it is tested directly and runs
from the command line.
"""
