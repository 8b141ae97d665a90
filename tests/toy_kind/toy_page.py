"""The throwaway kind's page (tests/test_kinds.py): its controls and its drawing; the shell does the rest."""
import pandas as pd
import streamlit as st

from kernels.toy.kind import KIND, Settings
from ui.measure_page import Chosen, View, measure_page


def controls(libs, busy: bool) -> Chosen:
    n = st.slider("Numbers summed", 1, 100_000, 1000, key="toy_n", disabled=busy)
    return Chosen(Settings(int(n)))


def layout(latest, libs):
    slot = st.empty()
    return lambda: slot.markdown(f"Toy rows drawn: {len(latest.rows)}")


def compare(rows) -> None:
    st.markdown(f"Toy sums on {len({r['machine'] for r in rows})} machines")


VIEW = View("A toy kind of measurement.", controls, lambda settings, guess: f"n = {settings.n}", layout,
            lambda rows: pd.DataFrame(rows), lambda libs, settings: st.code("x.sum()"))

if __name__ == "__main__":
    measure_page(KIND, VIEW)
