"""Voice of the customer: the themes of survey comments by volume and impact, their
sentiment, their trend vs the previous period, by channel, example comments and the
phrases the taxonomy does not name yet.

Every figure is under the sidebar filter and the viewer's role (k-anonymity); the
example comments are for analysts and admins only (consented customers, plain text).
"""

from __future__ import annotations

import streamlit as st

from cxmetrics import ui
from cxmetrics.core.privacy import may_see_records
from cxmetrics.core.settings import get_settings
from cxmetrics.i18n import fmt_int, fmt_number, fmt_pct, t
from cxmetrics.metrics import suppression
from cxmetrics.metrics.registry import KPIS
from cxmetrics.reports import voc, voc_text
from cxmetrics.reports import voc_tables as vt
from cxmetrics.ui import auth as ui_auth
from cxmetrics.ui import filters as ui_filters
from cxmetrics.ui import voc as view
from cxmetrics.ui.charts import voc as charts

lang = ui.current_lang()
source = ui.require_source(lang)
active = ui_filters.current()
spec = active.spec
settings = get_settings()
role = ui_auth.current_user().role  # aggregate cells with fewer than k people are suppressed for some roles
K = settings.k_anonymity
CHART = {"displayModeBar": False}
privacy_note = st.empty()  # the note, once, when anything on the page is suppressed
hidden = ui.SuppressionSeen()

ui_filters.page_header(t("voc.title", lang), source, lang, active)
st.caption(t("voc.intro", lang))
state = view.view_state()
kpi = view.survey_picker(state, lang)
kpi_label = KPIS[kpi].label(lang)
if voc.chosen_themes(spec):
    st.caption(t("voc.theme_filter", lang))
totals = ui.cached(voc.verbatim_totals, source, kpi, spec, role=role)
if hidden(totals.suppressed):
    st.info(t("voc.totals_hidden", lang, label=suppression.label(totals.suppressed, lang)))
elif totals.responses:
    st.caption(t("voc.coverage", lang, written=fmt_int(totals.with_verbatim, lang),
                 responses=fmt_int(totals.responses, lang), kpi=kpi_label,
                 share=fmt_pct(totals.with_verbatim / totals.responses, lang)))

# ---------------------------------------------------------------- 1. ranking and impact
st.header(t("voc.rank.header", lang, kpi=kpi_label))
st.caption(t("voc.rank.caption", lang, kpi=kpi_label, min_n=fmt_int(settings.min_n, lang),
             alpha=fmt_number(settings.alpha, lang, 2)))
ranking = ui.cached(voc.theme_ranking, source, kpi, spec, settings.min_n, settings.alpha, role=role)
hidden.note(ranking)
if ranking.empty:
    st.info(t("voc.empty", lang, kpi=kpi_label))
else:
    left, right = st.columns(2, gap="large")
    left.plotly_chart(charts.volume_figure(ranking, lang), config=CHART, key="voc_volume_chart")
    right.plotly_chart(charts.impact_figure(ranking, kpi, lang), config=CHART, key="voc_impact_chart")
    view.ranking_table(ranking, source, kpi, spec, lang)
    ui.download_csv(ranking, f"themes_{kpi}.csv", "dl_voc_ranking", lang)

# ---------------------------------------------------------------- 2. sentiment
st.header(t("voc.sentiment.header", lang))
mix = ui.cached(voc.sentiment_mix, source, kpi, spec, role=role)
hidden.note(mix)
if mix.empty or mix["theme_n"].isna().all():
    st.info(t("voc.empty", lang, kpi=kpi_label))
else:
    st.caption(t("voc.sentiment.caption", lang))
    st.plotly_chart(charts.sentiment_figure(mix, lang), config=CHART, key="voc_sentiment_chart")
    ui.download_csv(mix, f"sentiment_{kpi}.csv", "dl_voc_sentiment", lang)

# ---------------------------------------------------------------- 3. trends
period = voc.trend_period(source, active.period)
if period is None:
    st.header(t("voc.trend.header_none", lang))
    st.info(t("voc.trend.none", lang))
else:
    trends = ui.cached(voc.theme_trends, source, kpi, spec, period, settings.min_n, settings.alpha, role=role)
    current = f"{period.start.isoformat()} → {period.end.isoformat()}"
    previous = f"{trends.previous.start.isoformat()} → {trends.previous.end.isoformat()}"
    st.header(t("voc.trend.header", lang))
    st.caption(t("voc.trend.caption", lang, current=current, previous=previous, kpi=kpi_label,
                 n=fmt_int(trends.total, lang), prev_n=fmt_int(trends.prev_total, lang),
                 min_n=fmt_int(settings.min_n, lang)))
    if active.period is None:
        st.caption(t("voc.trend.default_period", lang))
    hidden.note(trends.rows)
    if trends.rows.empty:
        st.info(t("voc.empty", lang, kpi=kpi_label))
    else:
        lines = vt.trend_summary(trends.rows, lang)
        # theme names come from the taxonomy file: shown as text, never as Markdown
        st.text("\n".join(lines) if lines else t("voc.trend.no_change", lang))
        st.plotly_chart(charts.trend_figure(trends.rows, previous, current, lang), config=CHART,
                        key="voc_trend_chart")
        view.trend_table(trends.rows, kpi, lang)
        ui.download_csv(trends.rows, f"theme_trends_{kpi}_{period.label}.csv", "dl_voc_trends", lang)

# ---------------------------------------------------------------- 4. theme × channel
st.header(t("voc.heatmap.header", lang))
cells = ui.cached(voc.theme_channel_cells, source, kpi, spec, settings.min_n, role=role)
hidden.note(cells)
if cells.empty:
    st.info(t("voc.empty", lang, kpi=kpi_label))
else:
    measure = st.radio(t("voc.heatmap.measure", lang), ["share", "value"], horizontal=True, key=f"voc_measure_{lang}",
                       format_func=lambda m: t(f"voc.heatmap.{m}", lang, kpi=kpi_label))
    st.caption(t(f"voc.heatmap.caption.{measure}", lang, kpi=kpi_label, min_n=fmt_int(settings.min_n, lang)))
    st.plotly_chart(charts.heatmap_figure(cells, measure, kpi, totals.value, settings.min_n, lang), config=CHART,
                    key="voc_heatmap")
    ui.download_csv(cells, f"themes_by_channel_{kpi}.csv", "dl_voc_heatmap", lang)

# ---------------------------------------------------------------- 5. example comments
st.header(t("voc.examples.header", lang))
if not may_see_records(role):
    st.info(t("voc.examples.no_access", lang, role=t(f"role.{role}", lang)))
elif ranking.empty:
    st.info(t("voc.empty", lang, kpi=kpi_label))
else:
    st.caption(t("voc.examples.caption", lang, limit=voc_text.EXAMPLES))
    rising = [k for k, d in zip(trends.rows["theme"], trends.rows["share_direction"], strict=True)
              if d == "up"] if period is not None else []
    themes = voc.sort_themes(ranking["theme"])
    if state.get("example") not in themes and rising:
        state["example"] = rising[0]  # the first visit opens on the theme rising most
    view.examples(source, kpi, spec, themes, state, lang)

# ---------------------------------------------------------------- 6. emerging phrases
st.header(t("voc.emerging.header", lang))
emerging = ui.cached(voc_text.emerging_topics, source, spec, role=role)
st.caption(t("voc.emerging.caption", lang, texts=fmt_int(emerging.texts, lang),
             people=fmt_int(emerging.people, lang)))
if emerging.dropped:
    st.caption(t("voc.emerging.dropped", lang, n=fmt_int(emerging.dropped, lang), k=fmt_int(K, lang),
                 role=t(f"role.{role}", lang)))
if not emerging.topics:
    st.info(t("voc.emerging.none", lang))
else:
    columns = {"topic": "voc.col.topic", "weight": "voc.col.weight", "phrases": "voc.col.phrases"}
    if may_see_records(role):
        columns["examples"] = "voc.col.examples"
    ui.show_table(vt.emerging_table(emerging, lang), lang, columns=columns,
                  column_widths={"topic": 65, "weight": 135, "phrases": "large", "examples": "large"},
                  key="voc_emerging_table")

if hidden.seen:
    privacy_note.caption(t("privacy.note", lang, k=fmt_int(K, lang), role=t(f"role.{role}", lang)))
