"""About this machine: OS, chip, memory, Python, each library's version and devices."""
import pandas as pd
import streamlit as st

from kernels import machine, memory
from ui.panel import backends

st.title("About this machine")
st.caption("What the Learn and Measure pages ran on. Result files record the same facts.")
libs = backends()
info = machine.machine_info(libs)

left, right = st.columns(2)
with left:
    st.subheader("System")
    st.table(pd.DataFrame([
        ("OS", info["os"]),
        ("Chip / CPU", f"{info['cpu']} ({info['arch']}, {info['cores']} cores)"),
        ("Memory", f"{memory.human_bytes(info['memory_bytes'])} total, "
                   f"{memory.human_bytes(memory.available_bytes())} available now"),
        ("Python", info["python"]),
    ], columns=["fact", "this machine"]), hide_index=True, hide_header=True)
with right:
    st.subheader("Libraries")
    st.table(pd.DataFrame([
        {"library": b.label, "version": b.version or "—", "status": "installed" if b.available else "missing",
         "default device": b.default_device or "—"}
        for b in libs.values()
    ]), hide_index=True)

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
    st.info(f"**{b.label} `{d.name}`** ({d.label}): {d.note}.", icon=":material/info:")
