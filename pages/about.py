"""About this machine: OS, chip, memory, Python, each library's version and devices."""
import pandas as pd
import streamlit as st

from kernels import machine, memory
from ui.panel import backends

st.title("About this machine")
libs = backends()
info = machine.machine_info(libs)

left, right = st.columns(2)
with left:
    st.markdown(
        f"""
| | |
|---|---|
| **OS** | {info['os']} |
| **Chip / CPU** | {info['cpu']} ({info['arch']}, {info['cores']} cores) |
| **Memory** | {memory.human_bytes(info['memory_bytes'])} total, {memory.human_bytes(memory.available_bytes())} available now |
| **Python** | {info['python']} |
"""
    )
with right:
    st.dataframe(
        pd.DataFrame([
            {"library": b.label, "version": b.version or "—", "status": "installed" if b.available else "missing",
             "default device": b.default_device or "—"}
            for b in libs.values()
        ]),
        hide_index=True, width="stretch",
    )

st.subheader("Devices per library")
rows = [dict(library=b.label, **d.as_row()) for b in libs.values() for d in b.devices]
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch",
             column_config={"available": st.column_config.CheckboxColumn("available")})

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
