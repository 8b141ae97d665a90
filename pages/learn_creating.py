"""Learn 1: creating arrays — array, linspace, arange(...).reshape(...), and the default dtypes."""
import pandas as pd
import streamlit as st

from kernels import cells
from kernels.examples import broadcasting, creating
from ui.panel import backends, columns, library_panel, no_gpu_note

st.title("Creating arrays")
st.markdown(
    "Every program starts by making arrays. The three libraries spell the constructors almost the "
    "same way, but they do **not** pick the same number type (dtype) when you don't say which, and "
    "that decides how much memory an array takes, how precise it is, and whether a GPU can use it."
)
libs = backends()

# --- array ---------------------------------------------------------------------------
st.header("From a Python list", divider="gray")
left, right = st.columns(2)
with left:
    length = st.slider("Length of the list", 1, 12, 3, key="creating_length")
with right:
    kind = st.radio("Python numbers", ["integers", "floats"], horizontal=True, key="creating_kind",
                    help="Integers: 1, 2, 3, … Floats: 0.5, 1.0, 1.5, …")
library_panel(creating.ARRAY, {"values": creating.list_values(length, "floats" if kind == "floats" else "ints")},
              libs)

# --- linspace ------------------------------------------------------------------------
st.header("Evenly spaced: linspace", divider="gray")
c1, c2, c3 = st.columns(3)
with c1:
    start = st.slider("start", -10.0, 10.0, 0.0, step=0.5, key="creating_start")
with c2:
    stop = st.slider("stop", -10.0, 10.0, 1.0, step=0.5, key="creating_stop")
with c3:
    num = st.slider("how many numbers", 1, 25, 5, key="creating_num")
library_panel(creating.LINSPACE, {"start": float(start), "stop": float(stop), "num": int(num)}, libs)
st.caption(
    "Same numbers, three prints: NumPy shows float64 with as many digits as needed, PyTorch float32 "
    "with four decimals, MLX float32 with its dtype spelled out."
)

# --- arange + reshape ----------------------------------------------------------------
st.header("Count, then fold: arange(...).reshape(...)", divider="gray")
left, right = st.columns(2)
with left:
    n = st.slider("n, the length of arange(n)", 1, 64, 48, key="creating_n")
with right:
    target_text = st.text_input(
        "Reshape to (sizes separated by commas; one -1 lets the library work it out)",
        value="3, 4, 4", key="creating_shape",
    )
try:
    target = broadcasting.parse_shape(target_text, allow_infer=True)
except ValueError as exc:
    st.error(f"Can't use that shape: {exc}.")
else:
    fits, why = creating.reshape_fits(n, target)
    (st.success if fits else st.warning)(why)
    library_panel(creating.ARANGE_RESHAPE, {"n": int(n), "shape": target}, libs)

st.subheader("An impossible reshape")
bad = creating.impossible_target(n)
st.markdown(
    f"`arange({n})` has {n} elements; a {bad[0]} × {bad[1]} shape needs {bad[0] * bad[1]}. "
    "No library will invent or drop elements, and each says so in its own words:"
)
library_panel(creating.IMPOSSIBLE_RESHAPE, {"n": int(n), "shape": bad}, libs)

# --- default dtypes ------------------------------------------------------------------
st.header("The dtype each library picks", divider="gray")
st.markdown("Built just now by running each library (the code is below the table):")

dtype_results = cells.run_all(creating.DEFAULT_DTYPES, libs)
gpus = cells.gpu_devices(libs)
device_results = cells.run_all(creating.FLOAT64_ON_DEVICE, libs, None, gpus)


def cell_text(result: cells.CellResult, index: int | None = None) -> str:
    if result.status == "missing":
        return "not installed"
    if result.status != "ok":
        return result.error
    value = result.value if index is None else result.value[index]
    return creating.dtype_name(value)


rows = []
for i, label in enumerate(creating.DTYPE_ROWS):
    rows.append({"what": label, **{libs[lib].label: cell_text(r, i) for lib, r in dtype_results.items()}})
rows.append({"what": creating.FLOAT64_ROW,
             **{libs[lib].label: cell_text(r) for lib, r in device_results.items()}})
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
asked = ", ".join(f"{libs[name].label} on `{r.device}`" for name, r in device_results.items() if r.device)
st.caption(f"The last row ran {asked}. " + (no_gpu_note(libs, gpus) or ""))

with st.expander("The code behind this table"):
    library_panel(creating.DEFAULT_DTYPES, None, libs)
    st.markdown(f"**{creating.FLOAT64_ON_DEVICE.title}**")
    columns(device_results, libs)

# --- why it matters ------------------------------------------------------------------
st.header("Why it matters", divider="gray")
library_panel(creating.PRECISION, {"values": creating.PRECISION_VALUES}, libs)
st.markdown(
    """
- **Integers:** NumPy and PyTorch default to **int64**, MLX to **int32**. An MLX index or counter
  overflows past 2,147,483,647, and `mx.arange(n)` takes half the memory of `np.arange(n)`.
- **Floats:** NumPy defaults to **float64**; PyTorch and MLX to **float32**, which keeps about 7
  significant digits (see above: 0.1 is stored as 0.10000000149…, 1.00000001 becomes 1.0, and
  16,777,217 becomes 16,777,216).
- **Moving a NumPy array over** (the table row *a NumPy float64 array, passed in*): `torch.tensor` / `torch.from_numpy`
  keep float64, so a model that expects float32 gets a dtype mismatch; `mx.array` turns it into
  float32, so the values quietly lose precision. Say the dtype when you convert
  (`.astype(np.float32)`, `dtype=torch.float32`).
- **On an Apple GPU there is no float64:** MLX computes float64 only on the CPU, and PyTorch's
  `mps` device refuses float64 tensors. The table's last row asks each library's GPU for
  float64, so on a Mac you see the refusal here; on a machine without a GPU every library
  answers float64 from its CPU.
"""
)
