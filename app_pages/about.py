"""About this machine: OS, chip, memory, Python, each library's version and devices, the float32
precision settings, and the self-check (``python -m kernels.doctor``) with its report to download."""
import pandas as pd
import streamlit as st

from kernels import doctor, machine, memory
from kernels.bench import chips
from ui import live as live_ui
from ui.panel import backends
from ui.safe import plain

REPORT_KEY = "about_doctor_report"  # the last self-check's report: plain dicts only, never arrays

st.title("About this machine")
st.caption("What the Learn and Measure pages ran on. Result files record the same facts.")
libs = backends()
info = machine.machine_info(libs)
available = memory.available()

left, right = st.columns(2)
with left:
    st.subheader("System")
    st.table(pd.DataFrame([
        ("OS", info["os"]),
        ("Chip / CPU", f"{info['cpu']} ({info['arch']}, {info['cores']} cores)"),
        ("Memory", f"{memory.human_bytes(info['memory_bytes'])} total, "
                   f"{memory.human_bytes(available.bytes)} available now (measured by {available.method})"),
        ("Python", info["python"]),
    ], columns=["fact", "this machine"]), hide_index=True, hide_header=True)
with right:
    st.subheader("Libraries")
    st.table(pd.DataFrame([
        {"library": b.label, "version": b.version or "—", "status": "installed" if b.available else "missing",
         "default device": b.default_device or "—"}
        for b in libs.values()
    ]), hide_index=True)

st.subheader("Published figures for this chip")
spec = chips.detect(info)  # the brand string (sysctl) and, on a Mac, the GPU core count (system_profiler)
if spec.known:
    st.markdown(plain(spec.message, 300))
    st.dataframe(pd.DataFrame(chips.table(spec.variants)), hide_index=True)
    st.caption("Apple's figures are from its press releases and tech specs; derived TFLOPS are GPU cores × 128 ALUs "
               "× 2 × the GPU clock. The Benchmarks page measures what each library really reaches here and gives "
               "every result its % of these peaks. `python -m kernels.bench --spec \"Apple M1 Pro\"` prints any row.")
else:
    st.info(plain(spec.message, 300), icon=":material/info:")

st.subheader("Devices per library")
st.table(pd.DataFrame([
    {"library": b.label, "device": d.name, "what": d.label, "available": "yes" if d.available else "no",
     "note": d.note}
    for b in libs.values() for d in b.devices
]), hide_index=True)

missing = [b for b in libs.values() if not b.available]
unavailable = [(b, d) for b in libs.values() if b.available for d in b.devices if not d.available]
st.subheader("What is missing, and how to get it")
if not missing and not unavailable:
    st.success("Every library and device this playground knows about is here.")
for b in missing:
    st.warning(f"**{b.label}** is not installed: `{b.error}`")
    st.code(b.install, language="bash")
for b, d in unavailable:
    st.info(f"**{b.label} `{d.name}`** ({d.label}): {plain(d.note, 300)}.", icon=":material/info:")
    if command := b.device_install(d.name):
        st.code(command, language="bash")

st.subheader("Float32 precision")
st.dataframe(pd.DataFrame([
    {"library": libs[name].label, "setting": p.get("setting") or p.get("error") or "—",
     "float32 matmuls run as": p.get("float32_matmul", "—"),
     "float32 convolutions run as": p.get("float32_conv", p.get("float32_matmul", "—")),
     "GPU has TF32": {True: "yes", False: "no"}.get(p.get("gpu_has_tf32"), "—")}
    for name, p in info["precision"].items()
]), hide_index=True)
st.caption("MLX computes float32 matmuls in TF32 by default on GPUs that have it (M5-class Macs); start the "
           "app with `MLX_ENABLE_TF32=0` for full float32 (the variable is read by MLX, so set it before "
           "starting). PyTorch on an NVIDIA GPU computes float32 convolutions in TF32 by default "
           "(`torch.backends.cudnn.conv.fp32_precision = 'tf32'`); its matmuls stay float32 unless "
           "`torch.set_float32_matmul_precision` says otherwise.")

st.subheader("Self-check")
st.write("On a Mac, run `make doctor` (or `python -m kernels.doctor --out doctor-report.json`) first, and "
         "attach `doctor-report.json` to any bug report. The button runs the same checks here.")
if st.button("Run the self-check", key="about_doctor_run"):
    with live_ui.turn("About this machine: the self-check"), st.spinner("Running the checks…"):
        checks = doctor.run_checks(libs)
    st.session_state[REPORT_KEY] = doctor.report(checks, libs)
report = st.session_state.get(REPORT_KEY)
if report:
    checks = report["checks"]
    st.dataframe(pd.DataFrame(checks, columns=list(doctor.COLUMNS)), hide_index=True)
    st.text(f"{doctor.summary(checks)} · run {report['created']}")
    st.download_button("Download the report (JSON)", doctor.to_json(report), file_name="doctor-report.json",
                       mime="application/json", icon=":material/download:", on_click="ignore")
