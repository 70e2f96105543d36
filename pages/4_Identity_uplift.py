"""Identity uplift: recognized vs anonymous on every KPI, raw and adjusted; the telco questions."""

import pandas as pd
import streamlit as st

from cxmetrics import ui
from cxmetrics.core.settings import get_settings
from cxmetrics.i18n import fmt_int, t
from cxmetrics.reports import uplift as up
from cxmetrics.reports import uplift_tables as ut
from cxmetrics.ui import auth as ui_auth
from cxmetrics.ui import filters as ui_filters
from cxmetrics.ui.charts import uplift as charts

lang = ui.current_lang()
source = ui.require_source(lang)
active = ui_filters.current()
ui_filters.page_header(t("up.title", lang), source, lang, active)
st.info(t("observational", lang), icon=":material/info:")
st.caption(t("up.intro", lang))
if "identity_state" in active.spec.dims:
    st.caption(t("up.identity_filter_ignored", lang))
spec = active.spec
# aggregate cells with fewer than k people are suppressed for roles without record access
role = ui_auth.current_user().role
K = get_settings().k_anonymity
privacy_note = st.empty()  # the note, once, when anything on the page is suppressed
hidden = ui.SuppressionSeen()
SIDES = ("suppressed", "recognized_suppressed", "anonymous_suppressed")
CHART_CONFIG = {"displayModeBar": False}

# ---------------------------------------------------------------- every KPI
st.header(t("up.kpis.header", lang))
st.caption(t("up.kpis.caption", lang))
table = ui.cached(up.uplift_table, source, spec, role=role)
hidden.note(table, *SIDES)
warned = ut.overlap_kpis(table, lang)
if warned:
    st.warning(t("up.overlap", lang, kpis=", ".join(warned)))
forest = up.forest_rows(table)
st.plotly_chart(
    charts.forest_figure(forest, None, lambda _: "", t("up.forest.title", lang), lang),
    config=CHART_CONFIG,
    key="forest_chart",
)
st.caption(t("up.forest.caption", lang))
ui.download_csv(forest, "uplift_forest.csv", "dl_uplift_forest", lang)
ui.show_table(
    ut.uplift_view(table, lang),
    lang,
    columns=ut.TABLE_COLUMNS,
    column_widths=ut.table_widths(table),
    right_align=ut.TABLE_RIGHT,
)
st.caption(t("up.table.caption", lang))
ui.download_csv(table, "uplift_by_kpi.csv", "dl_uplift_table", lang)

# ---------------------------------------------------------------- telco questions
st.header(t("up.questions.header", lang))


def question_before_login() -> None:
    """(a) How many negative experiences start before login?"""
    st.subheader(t("up.before.header", lang))
    st.caption(t("up.before.caption", lang))
    before = ui.cached(up.negative_before_login, source, spec, role=role)
    hidden.note(before)
    st.markdown("**" + t("up.before.tiles", lang) + "**")
    tiles = ut.before_login_tiles(before, lang)
    for col, tile in zip(st.columns(len(tiles)), tiles, strict=True):
        ui.tile(col, tile)
    st.plotly_chart(charts.before_login_figure(before, lang), config=CHART_CONFIG, key="before_login_chart")
    any_hidden = bool(ut.hidden_kinds(before))
    ui.show_table(
        ut.before_login_table(before, lang),
        lang,
        columns=ut.BEFORE_LOGIN_COLUMNS,
        formats={} if any_hidden else {"negatives": "int", "records": "int"},
        right_align=("negatives", "records", "share_text", "rate_text"),
        column_widths={"kind_label": 230, "state_label": 240} | ({"negatives": 230} if any_hidden else {}),
    )
    ui.download_csv(before, "negative_before_login.csv", "dl_before_login", lang)


def question_churn_research() -> None:
    """(b) Did churned customers research contract termination first?"""
    st.subheader(t("up.churn.header", lang))
    churn = ui.cached(up.churn_research, source, spec, role=role)
    summary = pd.DataFrame([churn])  # the tiles' figures, one row: the CSV
    hidden.note(summary, "suppressed", "with_contact_suppressed")
    st.caption(t("up.churn.caption", lang, days=churn["window_days"]))
    if churn["churned"] == 0:
        st.info(t("up.churn.none", lang))
    c1, c2, c3 = st.columns([1, 1, 2])
    for col, tile in zip((c1, c2), ut.churn_tiles(churn, K, lang), strict=True):
        ui.tile(col, tile)
    with c1:
        ui.download_csv(summary, "churn_research.csv", "dl_churn_summary", lang)
    lead = ui.cached(up.research_lead_distribution, source, spec, role=role)
    hidden.note(lead)
    with c3:
        st.plotly_chart(charts.lead_figure(lead, lang), config=CHART_CONFIG, key="lead_chart")
        st.caption(t("up.lead.caption", lang, n=ut.with_contact_text(churn, lang)))
        ui.download_csv(lead, "research_lead_days.csv", "dl_churn_lead", lang)


def question_high_intent() -> None:
    """(c) Uplift for high-intent journeys when recognized in real time."""
    st.subheader(t("up.hi.header", lang))
    st.caption(t("up.hi.caption", lang))
    if not up.high_intent_intents(spec):
        st.info(t("up.hi.none", lang))
        return
    high = ui.cached(up.high_intent_uplift, source, spec, role=role)
    hidden.note(high, *SIDES)
    warned = ut.high_intent_overlaps(high, lang)
    if warned:
        st.warning(t("up.overlap", lang, kpis=", ".join(warned)))
    st.plotly_chart(
        charts.forest_figure(
            ut.high_intent_forest(high), "intent", lambda i: ut.intent_label(i, lang), t("up.hi.chart_title", lang),
            lang,
        ),
        config=CHART_CONFIG,
        key="high_intent_chart",
    )
    ui.show_table(
        ut.high_intent_view(high, lang),
        lang,
        columns=ut.HIGH_INTENT_COLUMNS,
        column_widths=ut.table_widths(high, {**ut.TABLE_WIDTHS, "label": 140, "intent_label": 150}),
        right_align=ut.TABLE_RIGHT,
    )
    ui.download_csv(high, "high_intent_uplift.csv", "dl_high_intent", lang)


# Lazy tabs: only the open question runs and is drawn (the three together were most of
# this page's render time in the browser); the open one is kept in the URL (?q=).
QUESTIONS = {
    "before_login": question_before_login,
    "churn": question_churn_research,
    "high_intent": question_high_intent,
}
wanted = st.query_params.get("q", "before_login")
if wanted not in QUESTIONS:
    st.warning(t("up.bad_question", lang, value=wanted[:30]))
    wanted = "before_login"
# The tabs' default must not change within a session (a new default is a new widget, which
# would drop the user's click): taken from the URL once, and again after a language switch.
if st.session_state.get("_up_question_lang") != lang:
    st.session_state["_up_question_lang"] = lang
    st.session_state["_up_question_seed"] = wanted
labels = [t(f"up.q.{q}", lang) for q in QUESTIONS]
tabs = st.tabs(
    labels,
    default=labels[list(QUESTIONS).index(st.session_state["_up_question_seed"])],
    key=f"up_question_{lang}",
    on_change="rerun",
)
for (name, draw), tab in zip(QUESTIONS.items(), tabs, strict=True):
    if tab.open:
        st.query_params["q"] = name
        with tab:
            draw()
if hidden.seen:
    privacy_note.caption(t("privacy.note", lang, k=fmt_int(K, lang), role=t(f"role.{role}", lang)))
