"""The background imports that make a page's first visit quick (ui/warmup.py)."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from ui import warmup
from ui.nav import PAGES

ROOT = Path(__file__).resolve().parents[1]


def test_page_imports_reads_each_pages_own_imports(tmp_path):
    page = tmp_path / "page.py"
    page.write_text(textwrap.dedent("""\
        from __future__ import annotations
        import pandas as pd
        from kernels.examples import creating, inputs
        from ui.panel import backends
        import streamlit as st
        def later():
            import torch  # inside a function: not a top-level import
    """))
    names = warmup.page_imports([page])
    assert names == ["pandas", "kernels.examples", "kernels.examples.creating", "kernels.examples.inputs",
                     "ui.panel", "streamlit"]


def test_every_page_is_read_and_its_heavy_imports_are_found():
    names = warmup.page_imports()
    for heavy in ("pandas", "ui.learn_charts", "kernels.examples.compilation", "kernels.bench", "ui.bench_sections",
                  "ui.measure_page"):
        assert heavy in names
    assert len(PAGES) == len({p.path for p in PAGES})


def test_after_the_warm_up_a_page_module_is_already_imported():
    """In a fresh interpreter: nothing the pages import fails here, and afterwards the modules a
    first visit would have paid for are loaded."""
    code = textwrap.dedent("""\
        import sys
        from ui import warmup
        assert "pandas" not in sys.modules and "altair" not in sys.modules
        failed = warmup.import_all(warmup.page_imports())
        assert failed == [], failed
        assert {"pandas", "altair", "kernels.examples.compilation", "ui.bench_charts"} <= set(sys.modules)
        # What was imported is out of the collector's sight: the full collection Streamlit runs after
        # every script run walks what was created since, not the ~370,000 objects of the libraries.
        import gc
        assert gc.get_freeze_count() > 100_000 and len(gc.get_objects()) < 1_000, len(gc.get_objects())
        assert warmup.import_all(["no_such_module_here"]) == ["no_such_module_here"]
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]


def test_a_library_found_for_a_page_is_out_of_the_collectors_sight():
    """PyTorch is imported by the first page that shows it, before the background imports: what it
    loaded is frozen there and then, so the collection after that very run (a cold start's Home) does
    not walk it."""
    code = textwrap.dedent("""        import gc, sys
        from ui import panel
        assert "torch" not in sys.modules
        panel.backend("torch")
        assert "torch" in sys.modules and gc.get_freeze_count() > 100_000, gc.get_freeze_count()
        assert len(gc.get_objects()) < 1_000, len(gc.get_objects())
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]


def test_the_app_starts_the_warm_up_once():
    from tests.apptest import open_page

    open_page("app_pages/home.py")
    thread = warmup.start()
    assert thread is warmup.start() and thread.name == "warm-up imports"
    thread.join(timeout=240)
    assert not thread.is_alive()


def test_ast_parse_takes_turns_once_the_lock_is_installed(monkeypatch):
    """Every ast.parse (ours, Streamlit's, a library's) runs holding one lock; installing twice wraps once."""
    import ast
    import threading

    from ui import ast_lock

    held = []

    def fake_parse(source, *args, **kwargs):
        held.append(ast_lock._LOCK._is_owned())
        return "parsed " + source

    monkeypatch.setattr(ast, "parse", fake_parse)
    ast_lock.install()
    ast_lock.install()
    assert ast.parse.__wrapped__ is fake_parse
    assert ast.parse("x") == "parsed x" and held == [True]
    seen = []
    thread = threading.Thread(target=lambda: seen.append(ast.parse("y")))
    thread.start()
    thread.join(timeout=30)
    assert seen == ["parsed y"] and held == [True, True]




def test_the_imports_wait_while_a_page_is_running():
    import threading

    order = []
    names = ["tabnanny"]
    sys.modules.pop("tabnanny", None)
    with warmup.page_running():
        thread = threading.Thread(target=lambda: order.append(warmup.import_all(names)))
        thread.start()
        thread.join(timeout=0.5)  # it must still be waiting: a page is running
        assert thread.is_alive() and "tabnanny" not in sys.modules
        order.append("page finished")
    thread.join(timeout=60)
    assert order == ["page finished", []] and "tabnanny" in sys.modules
