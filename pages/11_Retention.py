"""Retention & churn: monthly churn by cohort, retention curves, churn after a negative
experience, the early-research signal and the churn-risk model."""

import pandas as pd
import streamlit as st

from cxmetrics import ui
from cxmetrics.core.privacy import may_see_records
from cxmetrics.core.settings import get_settings
from cxmetrics.i18n import fmt_int, t
from cxmetrics.reports import retention as rr
from cxmetrics.reports import retention_tables as rt
from cxmetrics.ui import auth as ui_auth
from cxmetrics.ui import filters as ui_filters
from cxmetrics.ui import retention as ui_retention
from cxmetrics.ui.charts import retention as charts

lang = ui.current_lang()
source = ui.require_source(lang)
active = ui_filters.current()
ui_filters.page_header(t("ret.title", lang), source, lang, active)
st.info(t("ret.observational", lang), icon=":material/info:")
st.caption(t("ret.intro", lang))
ignored = [d for d in active.spec.dims if d not in rr.retention_spec(active.spec).dims]
if ignored or active.period:
    st.caption(t("ret.scope", lang))
spec = rr.retention_spec(active.spec)
role = ui_auth.current_user().role
K = get_settings().k_anonymity
privacy_note = st.empty()
hidden = ui.SuppressionSeen()
CHART_CONFIG = {"displayModeBar": False}


def cohort_picker(label_key: str, key: str, default: str) -> str:
    return st.selectbox(t(label_key, lang), rr.COHORTS, index=rr.COHORTS.index(default), key=key,
                        format_func=lambda c: rt.cohort_name(c, lang))


# ---------------------------------------------------------------- churn by month
st.header(t("ret.month.header", lang))
st.caption(t("ret.month.caption", lang))
col, _ = st.columns([1, 3])
with col:
    cohort = cohort_picker("ret.month.cohort", "ret_month_cohort", "segment")
months = ui.cached(rr.churn_by_month, source, spec, cohort, role=role)
hidden.note(months)
if months.empty:
    st.info(t("ret.none", lang))
else:
    st.plotly_chart(charts.monthly_figure(months, cohort, lang), config=CHART_CONFIG, key="ret_month_chart")
    if months["partial"].any():
        st.caption(t("ret.month.partial", lang))
    ui.show_table(rt.month_view(months, cohort, lang), lang, columns=rt.MONTH_TABLE, max_rows=12,
                  right_align=("rate_text", "churned", "n"), key="ret_month_table")
    ui.download_csv(months, f"churn_by_month_{cohort}.csv", "dl_ret_month", lang)

# ---------------------------------------------------------------- Kaplan–Meier
st.header(t("ret.km.header", lang))
c1, c2, _ = st.columns([1, 1, 2])
with c1:
    km_cohort = cohort_picker("ret.km.cohort", "ret_km_cohort", "value_tier")
with c2:
    scale = st.radio(t("ret.km.scale", lang), rr.TIME_SCALES, horizontal=True, key="ret_km_scale",
                     format_func=lambda s: t(f"ret.km.scale.{s}", lang))
curves = ui.cached(rr.survival_curves, source, spec, km_cohort, scale, role=role)
hidden.note(curves.summary)
st.caption(t(f"ret.km.caption.{scale}", lang, first=str(curves.first_day), last=str(curves.last_day)))
if curves.table.empty:
    st.info(t("ret.none", lang))
else:
    st.plotly_chart(charts.survival_figure(curves.table, km_cohort, scale, lang), config=CHART_CONFIG,
                    key="ret_km_chart")
    ui.show_table(rt.summary_view(curves, km_cohort, lang), lang, columns=rt.summary_columns(curves),
                  right_align=tuple(c for c in rt.summary_columns(curves) if c != "cohort_text"), key="ret_km_table")
    if curves.excluded:
        st.caption(t("ret.km.excluded", lang, n=fmt_int(curves.excluded, lang)))
    ui.download_csv(curves.table, f"retention_curves_{km_cohort}_{scale}.csv", "dl_ret_km", lang)

# ---------------------------------------------------------------- after a negative experience
st.header(t("ret.after.header", lang))
st.caption(t("ret.after.caption", lang))
windows = ui.cached(rr.negative_experience_windows, source, spec, role=role)
hidden.note(windows.table)
if windows.table.empty or windows.table["eligible"].fillna(0).sum() == 0:
    st.info(t("ret.after.none", lang))
else:
    tiles = rt.window_tiles(windows, lang)
    for col, tile in zip(st.columns(len(tiles) + 1)[: len(tiles)], tiles, strict=True):
        ui.tile(col, tile)
    st.plotly_chart(charts.windows_figure(windows.table, lang), config=CHART_CONFIG, key="ret_after_chart")
    ui.show_table(rt.window_view(windows, lang), lang, columns=rt.WINDOW_TABLE,
                  right_align=("rate_text", "churned", "eligible", "open", "diff_text"), key="ret_after_table")
    st.caption(t("ret.after.open", lang) + (
        " " + t("ret.after.churned_before", lang, before=fmt_int(windows.churned_before, lang))
        if windows.churned_before else ""))
    ui.download_csv(windows.table, "churn_after_negative_experience.csv", "dl_ret_after", lang)
    st.subheader(t("ret.after.kind.header", lang))
    st.caption(t("ret.after.kind.caption", lang))
    hidden.note(windows.by_kind)
    ui.show_table(rt.kind_view(windows, lang), lang, columns=rt.KIND_TABLE,
                  right_align=tuple(c for c in rt.KIND_TABLE if c != "kind_text"), key="ret_kind_table")
    ui.download_csv(windows.by_kind, "churn_after_negative_experience_by_kind.csv", "dl_ret_kind", lang)

# ---------------------------------------------------------------- early research
st.header(t("ret.research.header", lang))
research = ui.cached(rr.research_signal, source, spec, role=role)
summary = research["summary"]
hidden.note(pd.DataFrame([summary]), "suppressed")
hidden.note(research["by_identity"])
st.caption(t("ret.research.caption", lang, days=summary["window_days"]))
if not summary["churned"] and not summary.get("suppressed"):
    st.info(t("ret.research.none", lang))
else:
    c1, c2, c3 = st.columns([1, 1, 2])
    for col, tile in zip((c1, c2), rt.research_tiles(summary, lang), strict=True):
        ui.tile(col, tile)
    with c3:
        st.plotly_chart(charts.research_figure(research["by_identity"], lang), config=CHART_CONFIG,
                        key="ret_research_chart")
    ui.download_csv(research["by_identity"], "churn_research_by_identity.csv", "dl_ret_research", lang)

# ---------------------------------------------------------------- churn risk
st.header(t("ret.risk.header", lang))
st.caption(t("ret.risk.caption", lang))
validation = ui.cached(rr.risk_validation, source, role=role)
hidden.note(validation.calibration)
if validation.status != "ok":
    st.info(rt.risk_status_text(validation, lang))
else:
    for col, tile in zip(st.columns(4)[:3], rt.risk_tiles(validation, lang), strict=True):
        ui.tile(col, tile)
    kind, sentence = rt.risk_verdict(validation, lang)
    (st.success if kind == "success" else st.warning)(sentence)
    st.caption(rt.windows_text(validation, lang))
    st.plotly_chart(charts.calibration_figure(validation.calibration, lang), config=CHART_CONFIG,
                    key="ret_calibration_chart")
    ui.show_table(rt.calibration_view(validation.calibration, lang), lang, columns=rt.CALIBRATION_TABLE,
                  right_align=("n_text", "events_text", "predicted_text", "observed_text"), key="ret_cal_table")
    ui.download_csv(validation.calibration, "churn_risk_calibration.csv", "dl_ret_calibration", lang)
    with st.expander(t("ret.risk.coef.header", lang)):
        st.caption(t("ret.risk.coef.caption", lang))
        ui.show_table(rt.coefficient_view(validation.coefficients, lang), lang, columns=rt.COEFFICIENT_TABLE,
                      right_align=("coef_text",), max_rows=40, key="ret_coef_table")

st.subheader(t("ret.list.header", lang))
if not may_see_records(role):
    st.info(t("ret.list.no_access", lang, role=t(f"role.{role}", lang)))
elif validation.status != "ok":
    st.info(t("ret.list.no_model", lang))
else:
    ui_retention.high_risk_list(source, active.spec, lang)
if hidden.seen:
    privacy_note.caption(t("privacy.note", lang, k=fmt_int(K, lang), role=t(f"role.{role}", lang)))
