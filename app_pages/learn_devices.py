"""Learn: devices and unified memory — where results live, what moving costs (timed), what NumPy needs."""
import inspect

import pandas as pd
import streamlit as st

from kernels import cells, memory
from kernels.examples import devices as dv
from kernels.measure.timing import format_seconds
from ui import lesson
from ui import live as live_ui
from ui.panel import backends, library_panel, machine_gpus, result_columns
from ui.safe import plain

st.title("Devices and unified memory")
lesson.begin("Devices and unified memory")
lesson.text(
    "PyTorch code is full of `.to(device)` and `.cpu()`: a tensor lives on one device, and moving it "
    "is a copy. MLX code has none: on Apple silicon the CPU and GPU share one memory, an MLX array "
    "lives there, and each *operation* says where it runs. Below: where each result lives, what a "
    "result on the GPU needs before NumPy can read it, and what moving data costs, timed on this machine."
)

libs = backends()

# --- what this machine has --------------------------------------------------------------------------
lesson.header("What this machine has", level=3)
machine_gpus(libs, found="The examples below use them.",
             none="Everything below runs on the CPU, where PyTorch's moves are no-ops (the tensor is already "
                  "there). Each section says what a Mac with Apple silicon shows instead, and why.",
             missing="Its column is greyed out.")

# --- 1. where results live --------------------------------------------------------------------------
lesson.header("1 · Where each result lives", divider="gray")
where = library_panel(dv.WHERE, {}, libs)
torch_where = where.get("torch")
if torch_where is not None and torch_where.ok:
    same = torch_where.namespace["y"] is torch_where.namespace["x"]
    if same:
        st.markdown(f"**Here:** `x.to('{torch_where.device}')` handed back `x` itself: it was already on "
                    f"`{torch_where.device}`, so nothing was copied. On a Mac, `x.to('mps')` makes a copy in "
                    "memory Metal manages, and `y is x` prints False.")
    else:
        st.markdown(f"**Here:** `x.to('{torch_where.device}')` made a copy: `y` lives on "
                    f"`{torch_where.namespace['y'].device}`, `x` stays on `{torch_where.namespace['x'].device}`.")
mlx_where = where.get("mlx")
if mlx_where is not None and mlx_where.ok:
    mlx_memory = libs["mlx"].memory_words()
    copied = "" if not mlx_where.outputs or mlx_where.outputs[0].device in ("unified memory", "cpu") else (
        " (this CUDA build moved the GPU's result to managed memory for the CPU's add: a copy a Mac does not make)")
    st.markdown(f"**Here:** MLX ran the multiply on `{mlx_where.device}` and the add on the CPU, on the same "
                f"arrays{copied}: an MLX array has no `.device` at all. {mlx_memory}")

# --- 2. what NumPy needs ------------------------------------------------------------------------------------
lesson.header("2 · What a GPU result needs before NumPy can read it", divider="gray")
to_np = library_panel(dv.TO_NUMPY, {}, libs)
torch_np = to_np.get("torch")
if torch_np is not None and torch_np.ok:
    if "worked" in torch_np.stdout:
        st.markdown(f"**Here:** `t.numpy()` worked because `t` is on `{torch_np.device}`. On a Mac, with `t` on "
                    f"`mps`, it raises:")
        st.code(dv.MPS_NUMPY_ERROR, language=None, wrap_lines=True)
        st.caption("…and `t.cpu().numpy()` works there too: `.cpu()` waits for the GPU, then copies the "
                   "tensor into host memory.")
    else:
        st.markdown("**Here:** `t.numpy()` refused a tensor in GPU memory; `t.cpu().numpy()` copied it to the "
                    "host first.")
mlx_np = to_np.get("mlx")
if mlx_np is not None and mlx_np.ok:
    st.markdown("**MLX:** there is no `.cpu()` step. On a Mac `np.asarray(a)` reads the array where it is, in "
                f"memory that is the GPU's too, with no copy. Here: {libs['mlx'].memory_words()}")

# --- 3. what moving costs --------------------------------------------------------------------------------------
# Timing every step in every library takes most of a second: the section runs when opened.
available = {name: b for name, b in libs.items() if b.available}
lo, hi = dv.SIZES_MIB
with lesson.section(
    "3 · What moving costs, timed", key="devices_timed",
    intro="Each library's moves, timed on this machine: copies grow with the size, views and no-ops do not.",
) as opened:
    if not opened:
        gpus = cells.gpu_devices(libs)
        for name, b in available.items():
            lesson.note(f"**{b.label}**: the steps the harness times")
            lesson.code(dv.move_source(b, dv.DEFAULT_MIB, gpus.get(name, b.default_device)))
    else:
        c1, c2 = st.columns([2, 3])
        with c1:
            mib = st.slider("Array size (MiB of float32)", lo, hi, dv.DEFAULT_MIB, key="devices_mib",
                            help="Copies take time in proportion to the bytes; a view or a no-op takes the same "
                                 "time at any size.")
        devices: dict[str, str] = {}
        choosable = {name: b for name, b in available.items() if len(b.available_devices) > 1}
        with c2:
            for col, (name, b) in zip(st.columns(max(len(choosable), 1)), choosable.items()):
                with col:
                    options = [d.name for d in b.available_devices]
                    default = next((d.name for d in b.available_devices if d.kind == "gpu"), options[0])
                    devices[name] = st.selectbox(f"{b.label} device", options, index=options.index(default),
                                                 key=f"devices_device_{name}")
            if not choosable:
                st.caption("Each library has one device here, so there is nothing to choose: "
                           + ", ".join(f"{b.label} `{b.available_devices[0].name}`" for b in available.values()) + ".")

        try:
            dv.check_size(mib, libraries=max(len(available), 1))
        except ValueError as exc:  # memory.TooLarge is a ValueError
            st.error(f"Can't time this size: {plain(exc, 300)}", icon=":material/error:")
        else:
            st.markdown(
                f"Each column's cell makes a {mib} MiB array and defines the steps below; the harness calls each "
                "step after a warm-up call until its time budget is spent, finishing every call with the device's "
                "synchronisation, and shows the median with the spread of the middle half (IQR)."
            )
            results: dict[str, dv.MoveResult] = {}
            with live_ui.turn("Devices and unified memory: timing moves"), st.spinner("Timing…"):
                for name, b in libs.items():
                    results[name] = dv.time_moves(b, mib, devices.get(name))
            def steps(res: dv.MoveResult) -> None:
                lesson.note(f"**{res.label}**: the steps the harness times")
                lesson.code(res.source)
                for s in res.steps:
                    if s.error:
                        st.error(f"`{s.step.function}()`: {plain(s.error, 200)}", icon=":material/error:")
                        continue
                    rate = s.gb_per_s(res.nbytes)
                    copied = {True: "a copy", False: "no copy", None: "—"}[s.copied]
                    how = "checked by address" if s.checked else "as documented"
                    st.markdown(f"`{s.step.function}()` **{format_seconds(s.timing.median)}** "
                                f"(IQR {format_seconds(s.timing.iqr)})")
                    st.caption(f"{s.step.what} · {copied} ({how})"
                               + (f" · {rate:,.1f} GB/s" if rate else "") + f" · result on {s.result_device}")

            result_columns(results, libs, steps)

            ok = [r for r in results.values() if r.status == "ok"]
            rows = [{"library": r.label, "device": f"{r.device} ({r.device_kind})", "step": s.step.what,
                     "median": format_seconds(s.timing.median), "IQR": format_seconds(s.timing.iqr),
                     "copy": {True: "yes", False: "no", None: "—"}[s.copied],
                     "GB/s": f"{s.gb_per_s(r.nbytes):,.1f}" if s.gb_per_s(r.nbytes) else "—",
                     "repeats": s.timing.repeats} for r in ok for s in r.steps if s.timing is not None]
            if rows:
                st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
            torch_res = results.get("torch")
            if torch_res is not None and torch_res.status == "ok":
                if torch_res.same_object:
                    host = results.get("numpy")
                    copy = host.step("copy_on_host") if host is not None and host.status == "ok" else None
                    st.markdown(
                        f"**Here:** PyTorch's device is `{torch_res.device}`, where the tensor already is: `.to()` and "
                        "`.cpu()` hand back the same tensor, in microseconds at any size. "
                        + (f"A real copy of {mib} MiB took {format_seconds(copy.timing.median)} here "
                           f"(NumPy's `x.copy()`). "
                           if copy is not None and copy.timing is not None else "")
                        + "On a Mac with `mps` chosen, `x.to('mps')` and `y.cpu()` are copies of that kind: their time "
                        "grows with the size, and `.cpu()` also waits for the GPU's queued work first."
                    )
                else:
                    moved = [s for s in torch_res.steps
                             if s.copied and s.timing is not None and s.step.function != "copy_on_host"]
                    if moved:
                        st.markdown(f"**Here:** to and from `{torch_res.device}`, PyTorch copied {mib} MiB each way: "
                                    + ", ".join(f"{s.step.what.split(':')[0]} {format_seconds(s.timing.median)}"
                                                for s in moved)
                                    + ".")
            mlx_res = results.get("mlx")
            if mlx_res is not None and mlx_res.status == "ok":
                view = mlx_res.step("to_numpy")
                if view is not None and view.timing is not None:
                    st.markdown(f"**MLX:** `np.asarray(a)` took {format_seconds(view.timing.median)} for {mib} MiB "
                                f"made on `{mlx_res.device}`: no bytes move, so the size does not matter. "
                                "Move the slider to see "
                                "the copies grow and the views stay flat.")
            with st.expander("The timing harness (the function that ran)"):
                st.code(inspect.getsource(dv.time_moves), language="python")
            st.caption(f"Memory available now: {memory.human_bytes(memory.available_bytes())}; "
                       "the largest size is refused "
                       "before anything is allocated when it would not fit.")

# --- what differs ----------------------------------------------------------------------------------------------
lesson.header("What differs, and why it matters", divider="gray")
lesson.text(
    """
- **PyTorch moves data to the work.** A tensor has a `.device`; `x.to('mps')` copies it into GPU
  memory (or returns `x` itself when it is already there), and an operation runs where its tensors
  are, refusing to mix devices. `.cpu()` copies back, after waiting for the GPU's queued work.
- **NumPy reads host memory only.** A tensor on `mps` or `cuda` must come back with `.cpu()` before
  `.numpy()`; that copy (and the wait) is a hidden cost inside loops that log or plot.
- **MLX sends the work to the data.** Arrays have no device; pass `stream=mx.gpu` or `mx.cpu` to an
  operation, or wrap code in `with mx.stream(...)`. On a Mac arrays live in unified memory: nothing
  is copied when the CPU uses what the GPU made, and `np.asarray(a)` reads it in place. (MLX's CUDA
  build keeps a GPU result in GPU memory and moves it when the host first reads it.)
- **`with mx.stream(...)` is the whole process's default device, not this thread's.** In a script
  that is what you want. In a server that runs several sessions in threads, as this app does, one
  session's block could move another's work, or another's timing: so the app runs its MLX cells one
  at a time, and measures in a process of its own.
- **Porting:** delete the `.to(device)` calls rather than translating them; choose the device per
  operation (the GPU is MLX's default on a Mac), and keep data in MLX arrays until NumPy needs it.
"""
)

lesson.header("Where the documentation describes it", level=3)
lesson.text(
    """
- PyTorch: [`Tensor.to`](https://docs.pytorch.org/docs/stable/generated/torch.Tensor.to.html) ("If the
  self Tensor already has the correct torch.dtype and torch.device, then self is returned") ·
  [`Tensor.cpu`](https://docs.pytorch.org/docs/stable/generated/torch.Tensor.cpu.html) ·
  [`Tensor.numpy`](https://docs.pytorch.org/docs/stable/generated/torch.Tensor.numpy.html) (only for a
  tensor on the CPU) · [MPS backend](https://docs.pytorch.org/docs/stable/notes/mps.html)
- MLX: [Unified Memory](https://ml-explore.github.io/mlx/build/html/usage/unified_memory.html) ("rather
  than moving arrays to devices, you specify the device when you run the operation") ·
  [`mlx.core.stream`](https://ml-explore.github.io/mlx/build/html/python/_autosummary/mlx.core.stream.html)
- NumPy: [`ndarray.device`](https://numpy.org/doc/stable/reference/generated/numpy.ndarray.device.html)
  (what the NumPy cell above prints)
"""
)

lesson.download_button("devices_notebook")
