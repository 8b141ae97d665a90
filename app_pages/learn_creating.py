"""Learn 1: creating arrays — array, linspace, arange(...).reshape(...), and the default dtypes."""
import streamlit as st

from kernels import cells
from kernels.examples import creating
from kernels.examples.inputs import and_list, plural, read_shape
from ui import lesson
from ui.panel import backends, library_panel, no_gpu_note, record_panel, result_columns
from ui.safe import markdown_table, plain

st.title("Creating arrays")
lesson.begin("Creating arrays")
lesson.text(
    "Every program starts by making arrays. The three libraries spell the constructors almost the "
    "same way, but they do **not** pick the same number type (dtype) when you don't say which, and "
    "that decides how much memory an array takes, how precise it is, and whether a GPU can use it."
)
libs = backends()

# --- array ---------------------------------------------------------------------------
lesson.header("From a Python list", divider="gray")
left, right = st.columns(2)
with left:
    length = st.slider("Length of the list", 1, 12, 3, key="creating_length")
with right:
    kind = st.radio("Python numbers", ["integers", "floats"], horizontal=True, key="creating_kind",
                    help="Integers: 1, 2, 3, … Floats: 0.5, 1.0, 1.5, …")
library_panel(creating.ARRAY, {"values": creating.list_values(length, "floats" if kind == "floats" else "ints")},
              libs)

# --- linspace, arange + reshape, the impossible reshape, precision: below the fold, each run when opened ---
LINSPACE_DEFAULT = {"start": 0.0, "stop": 1.0, "num": 5}
with lesson.section("Evenly spaced: linspace", key="creating_linspace_open",
                    intro="`linspace(start, stop, num)`: num numbers from start to stop, both ends included. "
                          "Open this for sliders, and to see whether the three give the same numbers.") as opened:
    if not opened:
        record_panel(creating.LINSPACE, LINSPACE_DEFAULT, libs)
    else:
        c1, c2, c3 = st.columns(3)
        with c1:
            start = st.slider("start", -10.0, 10.0, 0.0, step=0.5, key="creating_start")
        with c2:
            stop = st.slider("stop", -10.0, 10.0, 1.0, step=0.5, key="creating_stop")
        with c3:
            num = st.slider("how many numbers", 1, 25, 5, key="creating_num")
        spaced = library_panel(creating.LINSPACE, {"start": float(start), "stop": float(stop), "num": int(num)}, libs)
        st.caption(
            creating.agreement({r.label: libs[name].to_numpy(r.value) for name, r in spaced.items() if r.ok})
            + f" Dtypes: {creating.dtypes_in_words(creating.dtype_row(spaced))}. Each library rounds what it "
            "prints its own way (PyTorch to 4 decimals, or in scientific notation when the sizes differ widely), so "
            "compare the numbers, not the printed digits."
        )

ARANGE_DEFAULT = {"n": 48, "shape": (3, 4, 4)}
with lesson.section("Count, then fold: arange(...).reshape(...)", key="creating_arange_open",
                    intro="`arange(n)` counts from 0 to n − 1; `reshape` folds those n numbers into a shape whose "
                          "sizes multiply to n. Open this to pick n and the shape.") as opened:
    if not opened:
        record_panel(creating.ARANGE_RESHAPE, ARANGE_DEFAULT, libs)
    else:
        left, right = st.columns(2)
        with left:
            n = st.slider("n, the length of arange(n)", 1, 64, 48, key="creating_n")
        with right:
            target_text = st.text_input(
                "Reshape to (sizes separated by commas; one -1 lets the library work it out)",
                value="3, 4, 4", key="creating_shape",
            )
        try:
            target = read_shape(target_text, allow_infer=True)
        except ValueError as exc:
            st.error(f"Can't use that shape: {plain(exc)}.")
        else:
            fits, why = creating.reshape_fits(n, target)
            (st.success if fits else st.warning)(why)
            library_panel(creating.ARANGE_RESHAPE, {"n": int(n), "shape": target}, libs)

if not opened:
    n = ARANGE_DEFAULT["n"]  # the slider lives in the section above, drawn only while it is open
bad = creating.impossible_target(n)
with lesson.section(
    "An impossible reshape", key="creating_impossible_open",
    intro=f"`arange({n})` has {plural(n, 'element')}; a {bad[0]} × {bad[1]} shape needs {bad[0] * bad[1]}. "
          "No library invents or drops elements to make it fit: open this to see what each one says.",
) as opened:
    if opened:
        refused = library_panel(creating.IMPOSSIBLE_RESHAPE, {"n": int(n), "shape": bad}, libs)
        st.caption(creating.refusals(refused))
    else:
        record_panel(creating.IMPOSSIBLE_RESHAPE, {"n": int(n), "shape": bad}, libs)

# --- default dtypes ------------------------------------------------------------------
lesson.header("The dtype each library picks", divider="gray")
lesson.text("Built just now by running each library (the code is below the table):")

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
st.markdown(markdown_table(rows))
asked = ", ".join(f"{libs[name].label} on `{r.device}`" for name, r in device_results.items() if r.device)
st.caption(f"The last row ran {asked}. " + (no_gpu_note(libs, gpus) or ""))

with lesson.details("The code behind this table", key="creating_table_code") as opened:
    if opened:
        library_panel(creating.DEFAULT_DTYPES, None, libs)
        st.markdown(f"**{creating.FLOAT64_ON_DEVICE.title}**")
        result_columns(device_results, libs)
    else:  # the notebook has the table's code either way
        lesson.example(creating.DEFAULT_DTYPES.title, creating.DEFAULT_DTYPES.note, dtype_results)
    lesson.example(creating.FLOAT64_ON_DEVICE.title, "", device_results)

# --- why it matters ------------------------------------------------------------------
with lesson.section("What float32 does to three numbers", key="creating_precision_open",
                    intro="The same three Python floats stored by each library in its default float dtype.") as opened:
    if not opened:
        record_panel(creating.PRECISION, {"values": creating.PRECISION_VALUES}, libs)
    else:
        precision = library_panel(creating.PRECISION, {"values": creating.PRECISION_VALUES}, libs)
        st.caption(creating.stored_sentence(creating.PRECISION_VALUES,
                                            {r.label: r.value for r in precision.values() if r.ok}))

lesson.header("Why it matters", divider="gray")

ints, floats, passed = (creating.dtype_row(dtype_results, i) for i in (0, 1, len(creating.DTYPE_ROWS) - 1))
int32 = [label for label, dtype in ints.items() if dtype == "int32"]
float32 = [label for label, dtype in floats.items() if dtype == "float32"]
on_device = [f"{r.label} on `{r.device}`: "
             + (creating.dtype_name(r.value) if r.ok else "refused" if r.status == "error" else "not installed")
             for r in device_results.values()]
lesson.text(
    f"""
- **Integers** (the table's first row): {creating.dtypes_in_words(ints)}.
  {f"{and_list(int32)}'s int32 overflows past 2,147,483,647, and an int32 `arange(n)` takes half the "
   "memory of an int64 one." if int32 else ""}
- **Floats** (second row): {creating.dtypes_in_words(floats)}.
  {f"{and_list(float32)}'s float32 keeps about 7 significant digits: *What float32 does to three "
   "numbers* above shows what it did to three." if float32 else ""}
- **Moving a NumPy array over** (the row *a NumPy float64 array, passed in*):
  {creating.dtypes_in_words(passed)}. A library that keeps float64 hands a float32 model a dtype
  mismatch; one that turns it into float32 quietly drops precision. Say the dtype when you convert
  (`.astype(np.float32)`, `dtype=torch.float32`).
- **On an Apple GPU there is no float64:** MLX computes float64 only on the CPU, and PyTorch's
  `mps` device refuses float64 tensors. The table's last row asked each library's GPU (its CPU
  where there is none): {"; ".join(on_device) or "no library ran"}.
"""
)

lesson.download_button("creating_notebook")
