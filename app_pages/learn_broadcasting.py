"""Learn 2: broadcasting — the rule as an interactive checker, and a + b in all three libraries."""
import streamlit as st

from kernels.examples import broadcasting as bc
from kernels.examples.inputs import MAX_DIMS, read_shape
from ui import lesson
from ui.panel import backends, library_panel
from ui.safe import markdown_table, plain

st.title("Broadcasting")
lesson.begin("Broadcasting")
lesson.text(
    "Adding a bias to every row, scaling every pixel's colour, subtracting a mean: all of these "
    "combine arrays of **different shapes** without copying the smaller one by hand. NumPy, PyTorch "
    "and MLX follow the same rule, so shapes that work in one work in the others."
)
st.info(
    "**The rule.** Line the two shapes up at their **trailing** (right-most) dimensions and compare "
    "them pair by pair, right to left. A pair is compatible when the sizes are **equal**, or when "
    "**one of them is 1** (it is stretched to match). A shape with fewer dimensions counts as having "
    "1s on its left. The result takes the larger size in every position.",
    icon=":material/rule:",
)
libs = backends()

A_KEY, B_KEY = "broadcasting_a", "broadcasting_b"
st.session_state.setdefault(A_KEY, bc.PRESETS[0][1])
st.session_state.setdefault(B_KEY, bc.PRESETS[0][2])


def use_preset(a: str, b: str) -> None:
    st.session_state[A_KEY] = a
    st.session_state[B_KEY] = b


lesson.header("Try two shapes", divider="gray")
st.caption("Presets (the first two are the notebook's):")
for i, (col, (label, a_text, b_text, what)) in enumerate(zip(st.columns(len(bc.PRESETS)), bc.PRESETS)):
    with col:
        st.button(label, key=f"broadcasting_preset_{i}", on_click=use_preset, args=(a_text, b_text), help=what,
                  width="stretch")

left, right = st.columns(2)
with left:
    a_text = st.text_input(f"Shape of a (up to {MAX_DIMS} sizes, e.g. 1,6,4,1,7,2)", key=A_KEY)
with right:
    b_text = st.text_input(f"Shape of b (up to {MAX_DIMS} sizes, e.g. 5,6,1,3,1,2)", key=B_KEY)

shapes = {}
for name, text in (("a", a_text), ("b", b_text)):
    try:
        shapes[name] = read_shape(text)
    except ValueError as exc:
        st.error(f"Can't use the shape of {name}: {plain(exc)}.")

if len(shapes) == 2:
    a, b = shapes["a"], shapes["b"]
    result = bc.check(a, b)

    lesson.header("Dimension by dimension", level=3)
    st.caption("Aligned at the right; · marks a dimension the shorter shape does not have (it counts as 1).")
    st.markdown(markdown_table(result.rows(), marked=[i for i, d in enumerate(result.dims) if not d.ok]))
    if result.ok:
        st.success(result.verdict(), icon=":material/check_circle:")
    else:
        st.warning(result.verdict(), icon=":material/cancel:")

    lesson.header("The real thing: a + b", level=3)
    try:
        bc.refuse_if_too_large(a, b, libraries=sum(x.available for x in libs.values()))
    except ValueError as exc:  # memory.TooLarge
        st.error(str(exc), icon=":material/memory:")
    else:
        example = bc.example_for(a, b)
        outputs = library_panel(example, bc.params(a, b), libs)
        said = bc.summary(result, example, outputs)
        if said:
            st.caption(said)

lesson.header("What differs, and why it matters", divider="gray")
lesson.text(
    """
- **The rule is the same** in all three libraries, so a shape that broadcasts in NumPy broadcasts in
  PyTorch and MLX. Only the error messages differ, and PyTorch counts the failing dimension from the
  **left** of the result while the rule is easiest to read from the **right**.
- **Broadcasting does not copy.** The size-1 dimension is read again and again; the stretched array
  is never built. The memory goes into the *result*: `(1,6,4,1,7,2) + (5,6,1,3,1,2)` makes
  5·6·4·3·7·2 = 5,040 elements from two inputs of 336 and 180.
- **A silent mistake is still possible:** shapes that broadcast by accident give a result of the
  wrong shape and no error. `(4,1) + (3,)` makes a 4×3 table, which is right for an outer sum and
  wrong if you meant two vectors. Check `result.shape` (the next page shows a real case).
- **Dtypes follow each library's promotion:** `ones` + integer `arange` is float64 in NumPy and
  float32 in PyTorch and MLX.
"""
)

lesson.download_button("broadcasting_notebook")
