"""The Committee review page's own widgets: the review period (``?review=``), the change
table (significant changes tinted by the KPI's good direction), the alerts table and the
closed-loop section (the period's cases)."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from cxmetrics import ui
from cxmetrics.i18n import fmt_int, t
from cxmetrics.metrics.compare import Period
from cxmetrics.reports import cases as rc
from cxmetrics.reports import committee as cu
from cxmetrics.ui import cases as cases_ui

# sized so that everything up to n fits beside the sidebar; the interval scrolls into view
CHANGE_WIDTHS = {
    "kpi": 165,
    "dimension": 85,
    "group": 90,
    "previous_s": 75,
    "current_s": 85,
    "diff_s": 80,
    "direction": 85,
    "q_value": 70,
    "significant": 85,
    "current_n": 55,
    "previous_n": 85,
    "diff_ci": 170,
}
CHANGE_RIGHT = ("previous_s", "current_s", "diff_s", "q_value", "current_n", "previous_n")
ALERT_COLUMNS = {  # the link early: the table is wider than the page beside the sidebar
    "kpi": "rv.col.kpi",
    "what": "rv.col.what",
    "where": "rv.col.where",
    "link": "rv.col.link",
    "since": "rv.col.since",
    "last_day": "rv.col.last_day",
    "expected": "rv.col.expected",
    "observed": "rv.col.observed",
    "size": "rv.col.size",
    "n": "rv.col.n",
}


def _follow_period() -> None:
    st.query_params["review"] = st.session_state["rv_period"]


def review_period(periods: Sequence[Period], lang: str) -> Period:
    """The review period selectbox over the closed ``periods`` (newest first), kept in the
    URL (``?review=YYYY-MM-DD``): a valid URL value wins, an invalid one is ignored with a
    warning."""
    by_label = {p.label: p for p in periods}
    asked = st.query_params.get("review")
    if asked is not None and cu.parse_review_param(asked, periods) is None:
        st.warning(t("rv.bad_period", lang, value=asked[:30]))
    elif asked is not None:
        st.session_state["rv_period"] = asked
    if st.session_state.get("rv_period") not in by_label:
        st.session_state["rv_period"] = periods[0].label
    label = st.selectbox(
        t("rv.period", lang),
        list(by_label),
        key="rv_period",
        format_func=lambda v: cu.period_text(by_label[v]),
        on_change=_follow_period,
    )
    period = by_label[label]
    st.query_params["review"] = period.label
    return period


def change_table(rows: list[dict], restated: dict[str, dict], lang: str) -> None:
    """The change rows (``review_data``'s ``changes``) as a table; with ``restated`` (key ->
    restatement, a closed review's) a flag and the figure as reported."""
    shown = cu.change_display(rows, lang, restated)
    columns = {
        "kpi": "rv.col.kpi",
        "dimension": "rv.col.dimension",
        "group": "rv.col.group",
        "previous_s": "rv.col.previous",
        "current_s": "rv.col.current",
        "diff_s": "rv.col.diff",
        "direction": "rv.col.direction",
        "q_value": "rv.col.q",
        "significant": "rv.col.significant",
        "current_n": "rv.col.n",
        "previous_n": "rv.col.previous_n",
        "diff_ci": "rv.col.diff_ci",
    }
    if restated:
        columns |= {"restated": "rv.col.restated", "as_reported": "rv.col.as_reported"}
    header = {c: t(k, lang) for c, k in columns.items()}
    view = shown[list(columns)].rename(columns=header)
    styles = cu.direction_styles(rows)
    styler = view.style.format(
        {
            header["q_value"]: lambda x: cu.q_text(x, lang),
            header["current_n"]: lambda x: fmt_int(x, lang),
            header["previous_n"]: lambda x: fmt_int(x, lang),
        }
    ).apply(lambda _column: styles, subset=[header["diff_s"], header["direction"]])
    st.dataframe(
        styler,
        hide_index=True,
        height=ui.fit_height(len(view), 15),
        key="rv_changes",
        column_config={
            **{header[c]: st.column_config.Column(width=w) for c, w in CHANGE_WIDTHS.items()},
            **{
                header[c]: st.column_config.Column(width=CHANGE_WIDTHS.get(c), alignment="right")
                for c in CHANGE_RIGHT
            },
        },
    )


def alerts_table(alerts: list[dict], lang: str) -> None:
    """The alerts raised in the period, each with its link to the filtered Channels page."""
    shown = cu.alerts_display(alerts, lang)
    head = {c: t(k, lang) for c, k in ALERT_COLUMNS.items()}
    st.dataframe(
        shown[list(ALERT_COLUMNS)].rename(columns=head).style.format({head["n"]: lambda x: fmt_int(x, lang)}),
        hide_index=True,
        height=ui.fit_height(len(shown), 12),
        key="rv_alerts",
        column_config={
            head["kpi"]: st.column_config.Column(width=160),
            head["what"]: st.column_config.Column(width=190),
            head["link"]: st.column_config.LinkColumn(display_text=t("rv.link_text", lang), width=150),
            **{head[c]: st.column_config.Column(alignment="right") for c in ("expected", "observed", "size", "n")},
        },
    )


def closed_loop(section: dict, period_label: str, lang: str, role: str) -> None:
    """The "Closed loop" section (``review_data``'s ``closed_loop``): the cases of the
    period's responses as of now (tiles as on the Cases page), by owner, the CSV and the
    link to the Cases page; "no case data" without an app state."""
    st.header(t("cl.header", lang))
    caption = rc.review_caption(section, lang)
    if not section.get("available"):
        st.info(caption)
        return
    st.caption(caption)
    overall = section["overall"]
    if not overall["cases"] and not overall["suppressed"]:
        st.info(t("cl.no_cases", lang))
        return
    cases_ui.figure_tiles(overall, lang)
    if section["k"] is not None:
        st.caption(t("cases.fig.k_note", lang, k=fmt_int(section["k"], lang), role=t(f"role.{role}", lang)))
    st.subheader(t("cl.by_owner", lang))
    cases_ui.breakdown_table(section, "owner", lang, key="rv_cl_owner")
    ui.download_csv(rc.figures_csv(section), f"review_{period_label}_closed_loop.csv", "dl_rv_closed_loop", lang)
    st.markdown(f"[{t('cl.link', lang)}](./cases?lang={lang})")
