"""Start the app the way `make run` does: `python -m ui.serve [streamlit options]`.

The same as `streamlit run app.py [options]`, except that the array libraries (PyTorch takes about
2 s to import here) are imported on a background thread while the server starts and the browser
connects, instead of after: the first page, which runs code in all three libraries, appears that
much sooner. Only imports happen on that thread; if the first page needs a library before its import
has finished, it waits for it as it would have anyway.
"""
from __future__ import annotations

import importlib
import sys
import threading
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app.py"
LIBRARIES = ("numpy", "torch", "mlx.core")  # what the first page imports (kernels.backends), slowest first


def preload(names: tuple[str, ...] = LIBRARIES) -> threading.Thread:
    """Import ``names`` on a daemon thread; a library that is missing or fails is left for the app to
    report in its column."""
    def run() -> None:
        for name in names:
            try:
                importlib.import_module(name)
            except Exception:
                pass

    from ui import ast_lock

    ast_lock.install()  # imports parse source, and so will the first page: one parse at a time
    thread = threading.Thread(target=run, name="preload libraries", daemon=True)
    thread.start()
    return thread


def main(argv: list[str] | None = None) -> int:
    preload()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    return cli.main()


if __name__ == "__main__":
    sys.exit(main())
