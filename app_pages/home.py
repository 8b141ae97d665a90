"""Home: what the playground is, what this machine has, and a first live example."""
import streamlit as st

from kernels.examples import creating
from kernels.examples.inputs import parse_values
from ui.nav import PAGES
from ui.panel import backends, library_panel
from ui.safe import plain

st.title("NumPy · PyTorch · MLX")
st.markdown(
    "The same idea written in **NumPy**, **PyTorch** and **MLX**, side by side. Every column shows "
    "the exact code and the real output it produced **on this machine**, so you can see where the "
    "libraries agree, where they differ, and whether moving to Apple's MLX is worth it for small "
    "local models."
)

# Everything that needs no library is laid out first, and each library's part is drawn as soon as
# that library is found: on a server's first run NumPy's column shows while PyTorch imports (seconds).
st.subheader("On this machine")
machine = st.columns(3)
st.subheader("A first example")
text = st.text_input("Values (a Python list)", value="[1, 2, 3]", key="home_values",
                     help="Try floats, e.g. [0.5, 1, 3], or a nested list, e.g. [[1, 2], [3, 4]].")
example = st.container()
st.subheader("Where to start")
for spec in PAGES:
    if spec.path != "app_pages/home.py":
        st.page_link(spec.path, label=f"{spec.section}: {spec.title}", icon=spec.icon)


def machine_box(b) -> None:
    """One library's box under "On this machine": its version and devices, or how to install it."""
    if b.available:
        devices = ", ".join(f"`{d.name}`" for d in b.available_devices)
        st.success(f"**{b.label} {b.version}**\n\ndevices: {devices}\n\ndefault: `{b.default_device}`",
                   icon=":material/check_circle:")
    else:
        st.warning(f"**{b.label}** is not installed", icon=":material/block:")
        st.code(b.install, language="bash")


libs = backends()
names = list(libs)
with machine[0]:
    machine_box(libs[names[0]])  # NumPy, then its column of the example, before PyTorch is imported
with example:
    try:
        values = parse_values(text)
    except ValueError as exc:
        st.error(f"Can't use that input: {plain(exc)}.")
    else:
        results = library_panel(creating.ARRAY, {"values": values}, libs)
        picked = creating.picked_dtypes(results)
        st.caption(
            (f"Picked here: {picked}. " if picked else "")
            + "The defaults: Python integers become int64 in NumPy and PyTorch and int32 in MLX (int64 when a "
            "value does not fit); Python floats become float64 in NumPy, float32 in PyTorch and MLX (whose GPU "
            "has no float64)."
        )
for col, name in zip(machine[1:], names[1:]):
    with col:
        machine_box(libs[name])
