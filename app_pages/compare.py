"""Measure: load result files of every kind from several machines and compare like with like:
each kind of measurement's rows with its own kind (operations with operations, training runs with
training runs), in the section its Measure page draws (the page's ``compare(rows)``)."""
import streamlit as st

from kernels.examples.inputs import and_list
from kernels.measure import compare
from kernels.measure.cli import prog_of
from kernels.measure.kinds import registered
from kernels.measure.rows import ok_rows
from kernels.measure.words import machine_lines
from ui import lesson
from ui.measure_page import page_module
from ui.safe import plain

KINDS = registered()
PAGES = [kind for kind in KINDS.values() if kind.page and kind.compared]  # the Measure pages whose files compare

st.title("Compare machines")
st.markdown(
    f"Run a Measure page ({and_list(f'**{k.title}**' for k in PAGES)}) on each machine and download its JSON "
    "result file, or its command line there ("
    + ", ".join(f"`{prog_of(k)} --out {k.file_name}`" for k in PAGES)
    + "), then load the files here: a colleague's M1, your M3, a Linux box with a GPU. Each file is labelled by "
    "the machine it says it ran on; rename them as you like. Files of each kind are compared with their own "
    "kind: operations with operations, training runs with training runs, generations with generations."
)

uploads = st.file_uploader(f"Result files (.json from the {and_list(k.title for k in PAGES)} pages, or the command "
                           "lines)", accept_multiple_files=True, key="compare_files")
show_samples = st.toggle("Include the sample files", value=True, key="compare_samples",
                         help="Recorded while this app was built, on a 2-core Linux VM: two benchmark files (one "
                              "with one thread per library) and one small-models file. Samples, not Mac numbers.")

loaded = compare.load_many([(f.name, f.getvalue()) for f in uploads or []],
                           samples=compare.SAMPLES if show_samples else ())
for item in loaded:
    if not item.ok:  # the file's name and what is wrong with it, as text: never rendered
        st.error(f"**{plain(item.name, 80)}** could not be loaded: {plain(item.error, 300)}", icon=":material/error:")

good = [item for item in loaded if item.ok]
if not good:
    st.info("No result file loaded yet: upload one or more, or switch the samples on.", icon=":material/upload_file:")
    st.stop()

st.subheader("Files")
typed = {}
for i, item in enumerate(good):
    name_col, about_col = st.columns([2, 5], vertical_alignment="center")
    with name_col:
        typed[item.label] = st.text_input("Label", value=item.label, key=f"compare_label_{i}_{item.name}",
                                          label_visibility="collapsed", max_chars=60,
                                          help="How the charts name this file.")
    with about_col:
        result = item.result
        timed = len(ok_rows(result.results))
        what = KINDS[result.kind].title
        if item.sample:
            st.caption(f"**Sample** · {what} · `{item.name}`: {item.sample.description} {timed} timed rows.")
        else:
            facts = " · ".join(machine_lines(result.machine)[:3])
            st.caption(f"{what} · {plain(item.name, 80)} · created {plain(result.created, 40)} · "
                       f"{len(result.results)} rows ({timed} timed) · {plain(facts, 300)}")


SECTIONS = [(kind, kind.title + " across machines") for kind in KINDS.values() if kind.compared and kind.page]
# The first kind loaded is drawn; each other kind is drawn when its expander is opened (charts and tables
# below the fold: with the samples on, a visit drew two charts and two tables).
present = [(kind, heading, rows) for kind, heading in SECTIONS
           if (rows := compare.combined_rows(loaded, kind.name, typed))]
for i, (kind, heading, kind_rows) in enumerate(present):
    section = page_module(kind).compare
    if i == 0:
        st.subheader(heading)
        section(kind_rows)
        continue
    with lesson.details(f"**{heading}**", key=f"compare_{kind.name}_open") as opened:
        if opened:
            section(kind_rows)
