"""cxmetrics dashboard: navigation, the shared sidebar and the session language.

Run with ``streamlit run app.py`` (or ``make run``). Pages are listed explicitly:
with ``st.navigation`` Streamlit does not discover ``pages/`` on its own.
"""

import streamlit as st

from cxmetrics import ui
from cxmetrics.i18n import t

st.set_page_config(layout="wide", page_title="cxmetrics")

lang = ui.init_language()
pages = [
    st.Page(
        "pages/1_Overview.py",
        title=t("nav.overview", lang),
        icon=":material/dashboard:",
        url_path="overview",
        default=True,
    ),
    st.Page(
        "pages/8_Data_quality.py",
        title=t("nav.data_quality", lang),
        icon=":material/fact_check:",
        url_path="data-quality",
    ),
]
page = st.navigation(pages)
ui.sidebar(lang)
page.run()
