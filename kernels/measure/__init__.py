"""The measurement core every Measure page and command line stands on.

- ``timing``: :func:`~kernels.measure.timing.measure` (warm up, synchronise every call, repeat in
  blocks) and :class:`~kernels.measure.timing.Timing`, the one value every engine stores.
- ``rows``: the status words, device planning, why a combination cannot run, a library's error in
  its own words, row labels, and the loop that turns tasks into rows with progress.
- ``results``: one result-file envelope for every kind (``bench``, ``models``), one loader that
  checks every field and says in one sentence what is wrong.
- ``live``: a run measured in a worker thread that survives a page's reruns, with Stop and a
  process-wide slot so that only one run is timed at a time.
- ``compare``: several result files, labelled by machine, for the Compare machines page.
- ``cli``, ``words``: what the command lines and the plain-words verdicts share.

The engines (``kernels.bench``, ``kernels.models``) describe what they measure and how their rows
look; everything about measuring, keeping and sharing rows is here, once. No Streamlit here.
"""
