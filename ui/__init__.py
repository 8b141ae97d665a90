"""Streamlit helpers shared by the pages: navigation data and the three-column panel."""
