"""Entry point: `streamlit run app.py`. Sets up the page config and the navigation, and starts the
pages' imports in the background (ui/warmup.py) once the first page has drawn."""
from pathlib import Path

import streamlit as st

from ui import warmup
from ui.nav import by_section

# The favicon is a file served by this app (the compare_arrows symbol, drawn from the Material Symbols
# font that Streamlit ships): a ":material/…" page_icon makes every page load fetch an SVG from
# fonts.gstatic.com. Set here, before st.navigation, it also keeps the pages' own ":material/…" icons
# (ui/nav.py) from becoming the favicon. tests/browser/test_offline.py checks nothing leaves the machine.
FAVICON = Path(__file__).resolve().parent / "static" / "favicon.png"

st.set_page_config(page_title="NumPy · PyTorch · MLX playground", page_icon=str(FAVICON), layout="wide")


def page(spec, **kwargs) -> st.Page:
    return st.Page(spec.path, title=spec.title, icon=spec.icon, **kwargs)


# The default page answers at "/" only, so its own address (/home) would say "Page not found". A hidden
# twin answers there; the default page itself takes an internal name (Streamlit keys pages by it).
sections = {section: [page(p, url_path=f"{p.url_path}-start" if p.default else p.url_path, default=p.default)
                      for p in pages] for section, pages in by_section().items()}
twins = [page(p, url_path=p.url_path, visibility="hidden") for pages in by_section().values() for p in pages
         if p.default]
sections[next(iter(sections))] += twins
with warmup.page_running():  # the background imports pause while a page runs
    st.navigation(sections).run()
warmup.start()  # after the first page has drawn: the other pages' imports, in the background
