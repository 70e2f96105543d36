"""cxmetrics dashboard: navigation, the shared sidebar (language, filter) and session state.

Run with ``streamlit run app.py`` (or ``make run``). Pages are listed explicitly:
with ``st.navigation`` Streamlit does not discover ``pages/`` on its own. Pages are thin
views: they read the active filter kept here, call the library and draw.
"""

import streamlit as st

from cxmetrics import ui
from cxmetrics.i18n import t
from cxmetrics.ui import auth as ui_auth
from cxmetrics.ui import filters as ui_filters

st.set_page_config(layout="wide", page_title="cxmetrics")

lang = ui.init_language()
# With a login configured, nothing but the login screen runs until a user with a role is in.
user = ui_auth.require_login(lang)
PAGES = [
    ("pages/1_Overview.py", "nav.overview", ":material/dashboard:", "overview"),
    ("pages/2_Channels_cohorts.py", "nav.channels", ":material/grid_view:", "channels"),
    ("pages/3_Journeys_handoffs.py", "nav.journeys", ":material/route:", "journeys"),
    ("pages/9_Voice_of_customer.py", "nav.voc", ":material/record_voice_over:", "voc"),
    ("pages/4_Identity_uplift.py", "nav.uplift", ":material/how_to_reg:", "uplift"),
    ("pages/11_Retention.py", "nav.retention", ":material/person_remove:", "retention"),
    ("pages/5_OKRs.py", "nav.okrs", ":material/flag:", "okrs"),
    ("pages/6_Committee_review.py", "nav.review", ":material/groups:", "review"),
    ("pages/10_Cases.py", "nav.cases", ":material/support_agent:", "cases"),
    ("pages/7_Cohort_export.py", "nav.export", ":material/download:", "export"),
    ("pages/8_Data_quality.py", "nav.data_quality", ":material/fact_check:", "data-quality"),
]
page = st.navigation(
    [
        st.Page(path, title=t(key, lang), icon=icon, url_path=url, default=(i == 0))
        for i, (path, key, icon, url) in enumerate(PAGES)
    ],
    position="sidebar" if user is not None else "hidden",
)
if user is None:
    with st.sidebar:
        ui.language_switch(lang)
    st.stop()
ui.sidebar(lang)
source = ui.get_source_or_none()
# The data-quality page reads no KPI; the Cases page is operational (its own date range).
if source is not None and page.url_path not in ("data-quality", "cases"):
    st.session_state[ui_filters.ACTIVE_KEY] = ui_filters.sidebar_filters(source, lang)
page.run()
