"""Learn: random numbers — one seed, three generators; where the state lives; the same inputs everywhere."""
import numpy as np
import streamlit as st

from kernels.examples import random_numbers as rn
from kernels.examples.inputs import and_list
from ui import lesson
from ui.panel import backends, library_panel, record_panel
from ui.safe import inline_code as code
from ui.safe import markdown_table, plain

st.title("Random numbers")
lesson.begin("Random numbers")
lesson.text(
    "`seed(0)` makes a program repeat itself, within one library. Across libraries it means nothing: "
    "NumPy, PyTorch and MLX each have their own generator, so the same seed gives three different "
    "sequences, and a port that \"keeps the seed\" computes on different numbers. Below, each library "
    "draws for real on this machine, and the last section shows how the Measure pages make all three "
    "compute on the same inputs."
)

libs = backends()


def labels(names) -> str:
    return and_list([libs[n].label for n in names]) or "none"


lo, hi = rn.SEEDS
c1, c2 = st.columns(2)
with c1:
    seed = st.number_input(f"Seed ({lo} to {hi:,})", min_value=lo, max_value=hi, value=rn.DEFAULT_SEED,
                           step=1, key="random_seed")
with c2:
    n = st.slider("n: numbers per draw", *rn.COUNTS, rn.DEFAULT_COUNT, key="random_n")

try:
    p = rn.params(int(seed), int(n))
except ValueError as exc:
    st.error(f"Can't use that seed: {plain(exc)}.", icon=":material/error:")
    st.stop()

# --- 1. one seed, three libraries --------------------------------------------------------------------
lesson.header("1 · One seed, three libraries", divider="gray")
same = library_panel(rn.SAME_SEED, p, libs)
rows = rn.same_seed_table(same, libs)
if len(rows) > 1:
    draws = [rn.values(r, libs[name])[0] for name, r in same.items() if r.ok]
    k = rn.distinct(draws)
    st.markdown(f"**Here:** seed {int(seed)} gave **{k} different sequence{'s' if k != 1 else ''}** "
                f"in {len(rows)} libraries.")
    st.markdown(markdown_table(rows))

# --- 2. where the state lives, 3. a longer draw, 4. surprises inside one library, 5. the fix: below the
# fold, each run when opened ------------------------------------------------------------------------------
with lesson.section(
    "2 · Where the state lives", key="random_state_open",
    intro="Each library keeps its generator's state somewhere else: NumPy and PyTorch in a generator object "
          "that advances with every draw, MLX in a key you pass and split yourself.",
) as opened:
    if not opened:
        record_panel(rn.STATE, p, libs)
    else:
        state = library_panel(rn.STATE, p, libs)
        said = []
        for name, r in state.items():
            if not r.ok:
                continue
            first, second, again = rn.values(r, libs[name])
            label = libs[name].label
            if name == "mlx":
                said.append(f"{label}: the same key drew the same numbers twice "
                            f"(**{'yes' if rn.same(first, second) else 'no'}**); a split key drew new ones "
                            f"(**{'yes' if not rn.same(first, again) else 'no'}**)")
            else:
                said.append(f"{label}: the second draw differed from the first "
                            f"(**{'yes' if not rn.same(first, second) else 'no'}**); starting over repeated the first "
                            f"(**{'yes' if rn.same(first, again) else 'no'}**)")
        if said:
            st.markdown("**Here:** " + "; ".join(said) + ".")

with lesson.section(
    "3 · A longer draw from the same seed", key="random_longer_open",
    intro="Does a longer draw from the same seed start with the numbers of a shorter one? In one library "
          "yes, in the others only up to a point, or not at all.",
) as opened:
    if not opened:  # what it runs open, with its slider as it starts
        record_panel(rn.PREFIX_EXAMPLE, rn.params(int(seed), int(n), longer=rn.DEFAULT_LONGER), libs)
    else:
        longer = st.slider("Numbers in the longer draw", *rn.LONGER, rn.DEFAULT_LONGER, key="random_longer")
        prefix = library_panel(rn.PREFIX_EXAMPLE, rn.params(int(seed), int(n), longer=longer), libs)
        starts = {name: rn.same(*rn.values(r, libs[name])) for name, r in prefix.items() if r.ok}
        if starts:
            yes = [k for k, v in starts.items() if v]
            no = [k for k, v in starts.items() if not v]
            st.markdown(f"**Here:** the first {rn.PREFIX} of {longer} numbers are the "
                        f"{rn.PREFIX} numbers of the short draw "
                        f"in **{labels(yes)}**" + (f"; not in **{labels(no)}**" if no else "") + ".")
            if "torch" in no:
                st.caption("PyTorch's CPU `randn` fills a tensor of 16 or more numbers another way than a shorter one "
                           "(so up to 15 the draws agree): move the slider across 16 to see it.")
            if "mlx" in no:
                st.caption("MLX derives the numbers from the key and the shape asked for, so a different shape gives "
                           "different numbers from the very first.")

with lesson.section(
    "4 · One library, one seed, different numbers", key="random_variants_open",
    intro="Three draws inside each library that you would expect to match: whether they do depends on the "
          "library and the device.",
) as opened:
    if not opened:
        record_panel(rn.VARIANTS, p, libs)
    else:
        variants = library_panel(rn.VARIANTS, p, libs)
        counted = {name: rn.distinct(rn.values(r, libs[name])) for name, r in variants.items() if r.ok}
        if counted:
            st.markdown("**Here:** "
                        + "; ".join(f"{libs[name].label}: " + ("the three draws were the same numbers" if k == 1
                                                                 else f"{k} different sequences from 3 draws")
                                    for name, k in counted.items()) + ".")
            if "torch" in variants and variants["torch"].ok:
                dev = variants["torch"].device
                if dev == "cpu":
                    st.caption("PyTorch's three draws all came from CPU generators here (no GPU), so they agree. On a "
                               "Mac the third comes from the `mps` generator: PyTorch's reproducibility notes say "
                               "results need not match between CPU and GPU even with identical seeds.")
                else:
                    on_cpu, _own, on_device = rn.values(variants["torch"], libs["torch"])
                    st.caption(f"PyTorch's third draw came from the `{dev}` generator: here it "
                               f"{'matches' if rn.same(on_cpu, on_device) else 'does not match'} the CPU's.")

with lesson.section(
    "5 · The fix: generate once, convert", key="random_fix_open",
    intro="How the Measure pages give every library the same inputs: draw once in NumPy, then hand the same "
          "numbers to PyTorch and MLX.",
) as opened:
    if not opened:
        record_panel(rn.SAME_INPUTS, rn.params(int(seed), int(n), rn.DTYPES[0]), libs)
    else:
        dtype = st.radio("dtype NumPy generates", rn.DTYPES, horizontal=True, key="random_dtype",
                         help="float64 is NumPy's default. MLX converts it to float32; PyTorch keeps it, on the "
                              "CPU, and refuses it on mps (the Apple GPU has no float64).")
        shared = library_panel(rn.SAME_INPUTS, rn.params(int(seed), int(n), dtype), libs)
        ref = rn.reference(int(seed), dtype)
        done = {name: r for name, r in shared.items() if r.ok}
        if done:
            rows = []
            for name, r in done.items():
                got = rn.values(r, libs[name])[0]
                rows.append({"library": r.label, "computed in": rn.printed_dtype(r),
                             "largest difference from NumPy in float64": f"{np.max(np.abs(got - ref)):.2e}"})
            st.markdown(markdown_table(rows))
        words = rn.same_inputs_words(shared, dtype)
        if words:
            st.markdown(f"**Here:** {words}")
        failed = {name: r.error for name, r in shared.items() if r.status == "error"}
        for name, err in failed.items():
            st.caption(f"{libs[name].label}: {code(err, 200)}")

# --- what differs ---------------------------------------------------------------------------------------------
lesson.header("What differs, and why it matters", divider="gray")
lesson.text(
    """
- **A seed is not portable.** `default_rng(0)`, `torch.manual_seed(0)` and `mx.random.seed(0)` seed
  three different generators. To check a port, compare on the same inputs, not the same seed.
- **Where the state lives.** NumPy's `Generator` and PyTorch's `torch.Generator` hold a state that
  moves with every draw (pass one around instead of seeding globally). MLX's explicit keys are
  values: the same key always gives the same numbers, and `mx.random.split` makes new keys, the way
  JAX does. Without a key MLX uses a global key it splits for every draw.
- **The shape matters.** A longer NumPy draw starts with the numbers of a shorter one; PyTorch's CPU
  `randn` does so only below 16 numbers (measured here with the pinned 2.13), and MLX's numbers depend
  on the shape from the first one. A smaller last batch is not a prefix of a full one.
- **Per device.** PyTorch keeps a generator per device; a draw on `mps` or `cuda` need not match the
  CPU's for the same seed. MLX draws from its key on whichever device runs the operation.
- **Same numbers everywhere:** draw once with NumPy (`default_rng(seed).standard_normal(shape,
  dtype=np.float32)`), then `torch.from_numpy(x).to(device)` and `mx.array(x)`. That is what the
  Benchmarks and Small models pages do, so all libraries compute on identical inputs and weights.
- **Mind the dtype** of the shared draw: NumPy draws float64 by default; float32 gives different
  numbers from the same seed, and `torch.from_numpy` keeps whatever it gets.
"""
)

lesson.header("Where the documentation describes it", level=3)
lesson.text(
    """
- NumPy: [Random Generator](https://numpy.org/doc/stable/reference/random/generator.html)
  (`default_rng`, PCG64, no global instance) ·
  [`Generator.standard_normal`](https://numpy.org/doc/stable/reference/random/generated/numpy.random.Generator.standard_normal.html)
  (`dtype`: float64 or float32)
- PyTorch: [Reproducibility](https://docs.pytorch.org/docs/stable/notes/randomness.html) ("results may
  not be reproducible between CPU and GPU executions, even when using identical seeds") ·
  [`torch.Generator`](https://docs.pytorch.org/docs/stable/generated/torch.Generator.html) ·
  [`torch.manual_seed`](https://docs.pytorch.org/docs/stable/generated/torch.manual_seed.html)
- MLX: [Random](https://ml-explore.github.io/mlx/build/html/python/random.html) (an implicit global
  PRNG state by default, an optional `key`; a splittable Threefry, following JAX's design)
"""
)

lesson.download_button("random_notebook")
