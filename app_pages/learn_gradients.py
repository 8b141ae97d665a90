"""Learn: gradients by PyTorch autograd, MLX's mx.grad, and NumPy by hand."""
from __future__ import annotations

import streamlit as st

from kernels.examples import gradients as grads
from ui import learn_charts, lesson
from ui.panel import backends, library_panel, record_panel
from ui.safe import markdown_table, plain

st.title("Gradients")
lesson.begin("Gradients")
lesson.text(
    "Training a model means following the gradient of a loss downhill, so a library that computes "
    "gradients for you is the difference between writing a model and deriving one. **PyTorch** "
    "records the operations on a tensor created with `requires_grad=True`; `y.backward()` then "
    "writes dy/dx into `x.grad`. **MLX** transforms functions instead: `mx.grad(f)` is a new "
    "function that returns df/dx, and `mx.value_and_grad(f)` returns both. **NumPy** has no "
    "automatic differentiation: you derive the formula by hand, or approximate it with central "
    "finite differences, (f(x + h) − f(x − h)) / 2h, one element at a time."
)
st.info(
    "The notebook closes with *\"This function is not available in NumPy or MLX.\"* That is still "
    "true of NumPy, but MLX has `mx.grad` and `mx.value_and_grad` (and `mx.vjp`, `mx.jvp`): the "
    "MLX column below runs them.",
    icon=":material/update:",
)

libs = backends()
to_numpy = {name: b.to_numpy for name, b in libs.items() if b.available}


def reset_x():
    st.session_state["gradients_x"] = grads.NOTEBOOK_X_TEXT


c1, c2 = st.columns([2, 3])
fn_key = c1.selectbox("Function", list(grads.FUNCTIONS), key="gradients_fn",
                      format_func=lambda k: grads.FUNCTIONS[k].label)
fn = grads.FUNCTIONS[fn_key]
text = c2.text_input("x (a list, or a list of rows)", value=grads.NOTEBOOK_X_TEXT, key="gradients_x",
                     help=f"1-D or 2-D, up to {grads.MAX_VALUES} numbers within ±{grads.MAX_ABS:g}. "
                          "For the cross-entropy each row is one sample's logits.")
c3, c4, c5 = st.columns([3, 2, 1])
h = c3.select_slider("Finite-difference step h (NumPy)", options=grads.STEPS, value=grads.DEFAULT_STEP,
                     key="gradients_h", format_func=lambda v: f"{v:.0e}")
c5.button("Notebook's x", on_click=reset_x, key="gradients_reset", help="[[5, 8], [4, 6]]")

try:
    x = grads.parse_points(text)
except ValueError as exc:
    st.error(f"Can't use that input: {plain(exc)}.")
    st.stop()

target = 0
if fn.uses_target:
    classes = grads.last_dim(x)
    if classes > 1:
        if st.session_state.get("gradients_target", 0) > classes - 1:
            st.session_state["gradients_target"] = classes - 1
        target = c4.slider("Correct class t", 0, classes - 1, key="gradients_target",
                           help="The column of each row that holds the correct class's logit.")
    else:
        c4.caption("One class only: the loss is 0 whatever x is. Add columns to x.")

l1, l2 = st.columns(2)
l1.latex(fn.formula)
l2.latex(fn.derivative)

results = library_panel(fn.example(), {"x": x, "h": h, "target": target}, libs)

# --- compared ---------------------------------------------------------------------------
lesson.header("The answers, compared", divider="gray")
ys, by_method = grads.gradients_by_method(results, to_numpy)
if not by_method:
    st.warning("No library produced a gradient here, so there is nothing to compare.")
    st.stop()

left, right = st.columns([1, 2])
with left:
    st.markdown("**The value y**")
    st.markdown(markdown_table([{"library": name, "y": y} for name, y in ys.items()], {"y": "{:.10g}"}))
with right:
    rows = grads.against_reference(by_method)
    if rows:
        st.markdown(f"**Each gradient against the {grads.REFERENCE}**")
        st.markdown(markdown_table(rows, {k: "{:.3e}" for k in ("max abs difference", "relative to the largest",
                                                               "max relative difference")}))
    else:
        st.caption(f"No {grads.REFERENCE} here (NumPy did not run); the table below compares the others.")

labels, matrix = grads.difference_matrix(by_method)
with lesson.details("Every pair of methods against each other (largest absolute difference)",
                    key="gradients_pairs_open") as opened:
    if opened:
        st.markdown(markdown_table([{"method": label, **dict(zip(labels, row))} for label, row in zip(labels, matrix)],
                                   {k: "{:.2e}" for k in labels}))

automatic = [r for r in rows if r["method"] != grads.FINITE]
to_largest = max((r["relative to the largest"] for r in automatic), default=None)
to_itself = max((r["max relative difference"] for r in automatic), default=None)
if to_largest is None:
    here = ""
elif to_largest == 0:
    here = " Here they match it exactly: every automatic gradient equals the float64 formula's."
else:
    here = (f" Here they differ from it by at most **{to_largest:.1e} relative to its largest element**, "
            f"and an element by up to {to_itself:.1e} relative to itself: a small element's rounding error "
            "comes from the larger terms it was computed from (softmax's probabilities near 1, say), so it is "
            "large next to the element.")
lesson.text(
    "**What differs, and why it matters.** Automatic gradients and the formula agree to the rounding "
    "of the dtype they ran in: PyTorch and MLX made float32 tensors from Python floats (about 7 "
    "significant digits), NumPy float64 (about 16), so expect differences of about 1e-7 of the "
    f"gradient's largest element.{here} `mx.grad` and `mx.value_and_grad` run the same "
    "computation. Finite differences need only f, which is why they are the standard check of a "
    "hand-written gradient, but each element costs two evaluations of f (slow for a model with "
    "millions of parameters) and the answer depends on h."
)

with lesson.section(
    "How the step h decides the finite differences", key="gradients_steps_open",
    intro="The error of the finite differences at every step h from 1e-1 to 1e-12, against the formula: "
          "too large a step and too small a step both go wrong, for different reasons.",
) as opened:
    if opened:
        curve = None
        for r in results.values():  # the cell that defined central_difference, whichever library it is
            if r.ok and grads.REFERENCE in by_method:
                curve = grads.step_errors(r.namespace, by_method[grads.REFERENCE]) or curve
        if curve and all(row["max abs error"] == 0 for row in curve):
            st.caption("Here the finite differences equal the formula exactly at every step h (error 0 for all "
                       f"{len(curve)} steps), so there is no error curve to draw.")
        elif curve:
            st.vega_lite_chart(spec=learn_charts.step_errors(curve, h), width="stretch")
            best = min(curve, key=lambda row: row["max abs error"])
            mine = next(row for row in curve if row["h"] == h)
            chosen = ("(red point)" if mine["max abs error"] > 0
                      else "(no red point: an error of 0 has no place on a log scale)")
            st.caption(
                f"With h = {h:.0e} the finite differences are off by at most {mine['max abs error']:.2e} {chosen}. "
                f"The best step for this f and x is h = {best['h']:.0e} ({best['max abs error']:.2e}). Larger h: "
                "truncation error, which grows like h² (for x³ it is exactly h²); smaller h: rounding error, which "
                "grows like 1/h because f(x + h) and f(x − h) agree in more and more of their digits."
            )
            if any(row["max abs error"] == 0 for row in curve):
                st.caption("Steps with no error at all are left off the log-scale chart.")

with lesson.section(
    "Asking twice", key="gradients_twice_open",
    intro="Ask each library for the gradient a second time without resetting anything: one of them adds "
          "the second answer to the first.",
) as opened:
    (library_panel if opened else record_panel)(grads.accumulation_example(fn), {"x": x, "target": target}, libs)

lesson.download_button("gradients_notebook")
