"""Placeholder: being built."""

import streamlit as st

from cxmetrics import ui, ui_filters

lang = ui.current_lang()
source = ui.require_source(lang)
ui_filters.page_header("…", source, lang)
st.info("This page is being built.")
