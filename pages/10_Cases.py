"""Cases: the closed loop. Every detractor response of a consenting customer is a case with
an owner and a due time (data/routing.yaml); the committee, analysts and admins work them
here (my queue, all open cases by owner, overdue first; one case with its customer's
timeline, playbook, history and actions); executives see the figures only."""

import streamlit as st

from cxmetrics import ui
from cxmetrics.core import privacy
from cxmetrics.i18n import fmt_datetime, t
from cxmetrics.ui import auth as ui_auth
from cxmetrics.ui import cases as cases_ui

lang = ui.current_lang()
me = ui_auth.current_user()
source = ui.get_source_or_none()  # the timeline reads the model; the cases live in the app state
now = cases_ui.now()
st.title(t("cases.title", lang))
st.caption(
    t("cases.caption", lang, now=fmt_datetime(now, lang))
    + (" · " + t("data_to", lang, ts=fmt_datetime(source.max_ts, lang)) if source else "")
)

if not privacy.may_work_cases(me.role):  # executives: the figures only (privacy.CASE_ROLES)
    st.info(t("cases.figures_only", lang, role=t(f"role.{me.role}", lang)), icon=":material/lock:")
    st.header(t("cases.tab.figures", lang))
    cases_ui.figures(me, now, lang)
    st.stop()

cases_ui.init_from_url()
routing = cases_ui.routing_or_error(lang)
queue_tab, open_tab, figures_tab = st.tabs(
    [t("cases.tab.queue", lang), t("cases.tab.open", lang), t("cases.tab.figures", lang)]
)
with queue_tab:
    cases_ui.my_queue(me, now, lang)
with open_tab:
    cases_ui.all_open(me, now, lang)
with figures_tab:
    cases_ui.figures(me, now, lang)

cases_ui.case_section(source, me, now, routing, lang)
