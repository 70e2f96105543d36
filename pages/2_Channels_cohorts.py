"""Channels & cohorts: KPI × channel × cohort heatmap with significance, trend lines by
review period, and the records behind a cell (consented only, pseudonymized ids). Every
KPI is offered: a count or a median has no test, a churn KPI is shown by customer cohort.

View state lives in the URL: ``?kpi=nps&cohort=segment&cell=web|consumer``. An invalid
value there is ignored with a visible notice (``cxmetrics.ui.channels``).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from cxmetrics import ui
from cxmetrics.core.privacy import may_see_records
from cxmetrics.core.settings import get_settings
from cxmetrics.i18n import fmt_int, fmt_number, t
from cxmetrics.metrics.registry import KPIS
from cxmetrics.reports import channels as cr
from cxmetrics.reports.overview import value_decimals
from cxmetrics.ui import auth as ui_auth
from cxmetrics.ui import channels as view
from cxmetrics.ui import drilldown
from cxmetrics.ui import filters as ui_filters
from cxmetrics.ui import why as why_ui
from cxmetrics.ui.auth import md_escape
from cxmetrics.ui.charts import channels as charts

lang = ui.current_lang()
source = ui.require_source(lang)
active = ui_filters.current()
settings = get_settings()
state = view.view_state(lang)


def dim_label(dim: str) -> str:
    return t(f"dim.{dim}", lang)


# ---------------------------------------------------------------- header and controls
ui_filters.page_header(t("ch.title", lang), source, lang, active)
st.caption(t("ch.intro", lang))
for notice in state["notices"]:
    st.warning(notice)

kpi, cohort = view.kpi_and_cohort(state, lang)
kspec = KPIS[kpi]
kpi_label = kspec.label(lang)
unit = cr.unit_text(kpi, lang)
decimals = value_decimals(kpi)
definition = kspec.definition_es if lang == "es" else kspec.definition_en
st.caption(t("ch.kpi_definition", lang, label=kpi_label, unit=unit, definition=definition))
churn = cr.is_churn(kpi)  # customers, not contacts: no channel, only the customer's cohorts
if churn:
    st.caption(t("ops.ch.churn_note", lang, dims=", ".join(dim_label(d).lower() for d in cr.cohort_dims(kpi))))

# ---------------------------------------------------------------- heatmap
st.header(t("ops.ch.heatmap.header_churn" if churn else "ch.heatmap.header", lang, kpi=kpi_label,
           cohort=dim_label(cohort).lower()))
# aggregate cells with fewer than k people are suppressed for roles without record access
viewer_role = ui_auth.current_user().role
cells = ui.cached(
    cr.channel_cohort_heatmap, source, kpi, cohort, active.spec, settings.min_n, settings.alpha,
    role=viewer_role,
)
overall = ui.cached(cr.overall_value, source, kpi, active.spec, role=viewer_role)
overall_p90 = ui.cached(cr.overall_p90, source, kpi, active.spec, role=viewer_role)
channels = cr.sort_categories(cells["channel"], "channel")
values = cr.sort_categories(cells["cohort_value"], cohort)
privacy_note = t("privacy.note", lang, k=fmt_int(settings.k_anonymity, lang), role=t(f"role.{viewer_role}", lang))
view.take_url_cell(state, channels, values, lang)

if cells.empty:
    st.info(t("ch.heatmap.empty", lang, kpi=kpi_label))
else:
    st.caption(
        t(
            cr.caption_keys(kpi)[0],
            lang,
            unit=unit,
            cohort=dim_label(cohort).lower(),
            alpha=fmt_number(settings.alpha, lang, 2),
            min_n=fmt_int(settings.min_n, lang),
            overall=f"{fmt_number(overall, lang, decimals)} {unit}",
            p90=f"{fmt_number(overall_p90, lang, decimals)} {unit}",
        )
    )
    if cells["suppressed"].notna().any():
        st.caption(privacy_note)
    event = st.plotly_chart(
        charts.heatmap_figure(
            cells, channels, values, state["cell"],
            kpi=kpi, cohort=cohort, overall=overall, min_n=settings.min_n, lang=lang,
        ),
        key=f"ch_heatmap_{kpi}_{cohort}",
        on_select="rerun",
        selection_mode="points",
        config={"displayModeBar": False},
    )
    view.follow_click(event, cells, state, kpi, cohort)
    ui.download_csv(cells, f"heatmap_{kpi}_channel_{cohort}.csv", "dl_ch_heatmap", lang)
    with st.expander(t("ch.heatmap.table", lang)):
        st.caption(t(cr.caption_keys(kpi)[1], lang, cohort=dim_label(cohort).lower(), unit=unit))
        table_spec = cr.heatmap_table_columns(kpi, cohort, decimals, cells["suppressed"].notna().any())
        ui.show_table(cr.heatmap_table(cells, lang), lang, **table_spec, max_rows=40, key="ch_heatmap_table")

# ---------------------------------------------------------------- where the change came from (rate and mix)
change_dims = cr.change_dims(kpi, cohort)
if change_dims is None:  # a count or a median: no rate and mix to split
    st.caption(t("ops.ch.no_waterfall", lang, kpi=kpi_label))
else:
    why_ui.channel_change(source, active.period, active.spec, kpi, cohort, lang, viewer_role, change_dims)

# ---------------------------------------------------------------- drill-down
st.header(t("ch.drill.header", lang))
if churn:  # a churn record is a customer in a period: no record list here
    st.info(t("ops.ch.no_records", lang, kpi=kpi_label))
elif may_see_records(viewer_role):
    st.caption(t("ch.drill.caption", lang, cohort=dim_label(cohort).lower(), size=drilldown.PAGE_SIZE))
    cell = view.cell_picker(state, channels, values, cohort, lang)
    if cell is not None:
        drilldown.cell_records(source, kpi, cr.cell_spec(active.spec, cohort, *cell), cell, cohort, lang)
else:
    st.info(t("ch.drill.no_access", lang, role=t(f"role.{viewer_role}", lang)))

# ---------------------------------------------------------------- trend
st.header(t("ch.trend.header", lang, kpi=kpi_label))
by_key = f"ch_trend_by_{lang}"
if by_key not in st.session_state:
    st.session_state[by_key] = state.get("trend_by", "channel")
trend_by = "cohort" if churn else st.radio(
    t("ch.trend.by", lang),
    ["channel", "cohort"],
    key=by_key,
    horizontal=True,
    format_func=lambda b: (
        t("ch.trend.by_channel", lang)
        if b == "channel"
        else t("ch.trend.by_cohort", lang, cohort=dim_label(cohort).lower())
    ),
)
if not churn:
    state["trend_by"] = trend_by
series_dim = "channel" if trend_by == "channel" else cohort
window = cr.trend_window(source, active.period.end if active.period else None)
trend, dropped = (
    ui.cached(cr.kpi_trend, source, kpi, series_dim, active.spec, *window, settings.min_n, role=viewer_role)
    if window
    else (pd.DataFrame(columns=list(cr.TREND_COLUMNS)), [])
)
if trend.empty:
    st.info(t("ch.trend.empty", lang))
else:
    st.caption(
        t(
            "ch.trend.caption",
            lang,
            unit=unit,
            days=source.period_days,
            first=window[0].isoformat(),
            last=window[1].isoformat(),
            min_n=fmt_int(settings.min_n, lang),
            max=cr.MAX_SERIES,
        )
    )
    st.plotly_chart(charts.trend_figure(trend, kpi, series_dim, lang), key="ch_trend", config={"displayModeBar": False})
    if dropped:
        st.caption(t("ch.trend.more", lang, n=len(dropped), names=md_escape(", ".join(dropped))))
    if trend["suppressed"].notna().any():
        st.caption(privacy_note)
    ui.download_csv(trend, f"trend_{kpi}_by_{series_dim}.csv", "dl_ch_trend", lang)
