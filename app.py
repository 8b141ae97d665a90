"""Entry point: `streamlit run app.py`. Sets up the page config and the navigation only."""
import streamlit as st

from ui.nav import by_section

st.set_page_config(page_title="NumPy · PyTorch · MLX playground", page_icon=":material/compare_arrows:",
                   layout="wide")

navigation = st.navigation({
    section: [st.Page(p.path, title=p.title, icon=p.icon, url_path=p.url_path, default=p.default)
              for p in pages]
    for section, pages in by_section().items()
})
navigation.run()
