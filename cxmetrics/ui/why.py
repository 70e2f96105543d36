"""The "why" sections: incidents (the Committee review's opening), the change decomposition
(Committee review and Channels) and the key drivers of NPS / CSAT.

Each function draws one section from the ``reports`` functions' JSON (heavy parts through
``ui.cached``); the pages only call them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from cxmetrics import ui
from cxmetrics.core.privacy import k_threshold
from cxmetrics.i18n import fmt_int, t
from cxmetrics.metrics.compare import Period, last_closed_period
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.metrics.registry import KPIS
from cxmetrics.metrics.source import Source
from cxmetrics.reports import decomposition as dc
from cxmetrics.reports import incidents as ri
from cxmetrics.reports import key_drivers as kd
from cxmetrics.ui.auth import md_escape
from cxmetrics.ui.charts import why as charts

CHART_CONFIG = {"displayModeBar": False}


def opening(data: dict[str, Any], lang: str, role: str) -> None:
    """The review's first section: the one-paragraph summary, then the top incidents as cards."""
    st.header(t("why.inc.header", lang))
    incidents = data.get("incidents") or []
    summary = ri.summary(incidents, len(data.get("alerts") or []), lang,
                         dc.sentence(data.get("decomposition"), lang))
    with st.container(key="why_summary"):
        st.markdown(md_escape(summary))
    top = ri.shown(incidents)
    if not top:
        return
    st.caption(t("why.inc.caption", lang))
    for rank, inc in enumerate(top, start=1):
        with st.container(border=True, key=f"why_incident_{rank}"):
            st.markdown(f"**{rank}. {md_escape(ri.title(inc, lang))}**")
            st.caption(md_escape(t("why.inc.line", lang, onset=inc["onset"], size=ri.size(inc, lang),
                                   kpis=ri.kpis_text(inc, lang))))
            if inc.get("suppressed"):
                st.caption(t("why.inc.hidden", lang, role=t(f"role.{role}", lang), k=data.get("k_anonymity")))
            themes = _themes_markdown(inc, lang)
            if themes:
                with st.container(key=f"why_incident_{rank}_themes"):
                    st.markdown(themes)
            with st.expander(t("why.inc.details", lang), key=f"why_incident_{rank}_details"):
                st.markdown(md_escape(t("why.inc.slices", lang, slices=ri.slices_text(inc, lang))))
                st.markdown(md_escape(t("why.inc.evidence", lang)) + "\n"
                            + "\n".join(f"- {md_escape(line)}" for line in ri.evidence_lines(inc, lang)))
                st.markdown(f"[{t('why.inc.link', lang)}]({ri.href(inc, lang)})")
    if any(ri.theme_parts(inc, lang) is not None for inc in top):
        st.caption(ri.themes_caption(lang))


def _themes_markdown(inc: dict[str, Any], lang: str) -> str | None:
    """The card's comment themes, each linked to the Voice of the customer page on it (a
    rise that is not significant in grey), and the note on hidden or no rising themes."""
    parts = ri.theme_parts(inc, lang)
    if parts is None:  # an older review, or an incident whose figures the role may not see
        return None
    items = [f"[{md_escape(p['label'])}]({p['href']}) "
             + (md_escape(p["figures"]) if p["significant"] else f":gray[{md_escape(p['figures'])}]") for p in parts]
    note = ri.themes_note(inc, lang)
    text = " · ".join(items)
    if note:
        text = f"{text} :gray[({md_escape(note)})]" if items else md_escape(note)
    return f"**{md_escape(t('inc.themes.label', lang))}** {text}"


def _bound(key: str, lang: str, options: list[str], default: str) -> str:
    """The widget key for ``lang`` seeded from the value kept under ``key`` (options are
    labelled by language, and a widget whose labels change would not show them anew)."""
    value = st.session_state.get(key)
    if value not in options:
        value = default if default in options else options[0]
    st.session_state[key] = st.session_state[f"{key}_{lang}"] = value
    return f"{key}_{lang}"


def _keep(key: str, lang: str) -> None:
    st.session_state[key] = st.session_state[f"{key}_{lang}"]


def _pick(where: Any, label: str, options: list[str], key: str, default: str, fmt: Any, lang: str) -> str:
    """A selectbox whose value lives under ``key`` across languages (widget key ``{key}_{lang}``)."""
    return where.selectbox(label, options, key=_bound(key, lang, options, default), format_func=fmt,
                           on_change=_keep, args=(key, lang))


def decomposition(source: Source, period: Period, lang: str, role: str, *, key: str,
                  spec: FilterSpec | None = None, kpi: str | None = None, dims: tuple[str, ...] = dc.DIMENSIONS,
                  dim: str | None = None) -> dict[str, Any] | None:
    """The waterfall of a KPI's change over ``period`` vs the period before, split by a
    dimension, with its sentence above and its slices' table (folded) below. With ``kpi``
    (or ``dim``) given, that one is used (the page has its own picker); otherwise a
    selectbox (values kept under ``{key}_kpi`` / ``{key}_dim``, widget keys ``{key}_kpi_{lang}``
    / ``{key}_dim_{lang}``; defaults NPS and region)."""
    if kpi is None or dim is None:
        left, right = st.columns(2)
        if kpi is None:
            kpi = _pick(left, t("why.dec.kpi", lang), dc.kpis(), f"{key}_kpi", "nps", lambda k: KPIS[k].label(lang),
                        lang)
        if dim is None:
            dim = _pick(right, t("why.dec.dim", lang), list(dims), f"{key}_dim", "region",
                        lambda d: t(f"dim.{d}", lang), lang)
    data = ui.cached(dc.change_by, source, kpi, period, dim, spec, role=role)
    if data["change"] is None:
        st.info(dc.reason_text(data, lang))
        return data
    with st.container(key=f"{key}_sentence"):
        st.markdown(f"**{md_escape(dc.sentence(data, lang) or '')}**")
    st.plotly_chart(charts.waterfall_figure(data, lang), key=f"{key}_waterfall", config=CHART_CONFIG)
    st.caption(dc.caption(data, lang))
    if data["suppressed"]:
        st.caption(t("why.dec.suppressed_note", lang, k=k_threshold(role)))
    with st.expander(t("why.dec.table", lang), key=f"{key}_table_box"):
        ui.show_table(pd.DataFrame(dc.table_rows(data, lang)), lang, columns=dc.TABLE_COLUMNS,
                      right_align=("share0", "value0", "n0", "share1", "value1", "n1", "rate", "mix", "total"),
                      key=f"{key}_table")
    return data


def channel_change(source: Source, period: Period | None, spec: FilterSpec, kpi: str, cohort: str, lang: str,
                   role: str, dims: Sequence[str] | None = None) -> None:
    """The Channels page's waterfall: ``kpi``'s change over the filter's period (else the last
    closed review period) vs the one before, by channel or by the page's cohort dimension
    (``dims``: the dimensions offered, default both; one: no choice)."""
    period = period or last_closed_period(source)
    st.header(t("why.ch.header", lang, kpi=KPIS[kpi].label(lang)))
    if period is None:
        st.info(t("why.dec.none.empty", lang))
        return
    options, kept = list(dims or ("channel", cohort)), f"ch_why_by_{cohort}"
    by = options[0] if len(options) == 1 else st.radio(
        t("why.ch.by", lang), options, key=_bound(kept, lang, options, "channel"), horizontal=True,
        format_func=lambda d: t(f"dim.{d}", lang), on_change=_keep, args=(kept, lang))
    st.caption(t("why.ch.period", lang, start=period.start.isoformat(), end=period.end.isoformat(),
                 days=fmt_int((period.end - period.start).days + 1, lang)))
    decomposition(source, period, lang, role, key="ch_why", spec=spec, kpi=kpi, dim=by)


def drivers(source: Source, period: Period, lang: str, role: str, *, key: str,
            nps: dict[str, Any] | None = None, spec: FilterSpec | None = None) -> dict[str, Any]:
    """The key drivers of NPS (CSAT with the toggle ``{key}_csat``) over ``period``: the
    summary, the table, the quadrant chart and the caveat. ``nps``: the NPS result already
    computed (``review_data``'s ``drivers``)."""
    csat = st.session_state.get(f"{key}_csat", False)
    kpi = "csat" if csat else "nps"
    st.header(kd.header(kpi, lang))
    st.toggle(t("why.drv.toggle", lang), key=f"{key}_csat")
    in_period = (spec or FilterSpec()).model_copy(update={"date_from": period.start, "date_to": period.end})
    result = nps if kpi == "nps" and nps is not None else ui.cached(kd.drivers_for, source, kpi, in_period, role=role)
    st.info(kd.caveat(lang), icon=":material/info:")
    with st.container(key=f"{key}_summary"):
        st.markdown(md_escape(kd.summary_text(result, lang)))
    skipped = kd.skipped_text(result, lang)
    if not result["rows"]:
        if skipped:
            st.caption(skipped)
        return result
    rows = pd.DataFrame(kd.table_rows(result, lang))
    ui.show_table(rows, lang, columns=kd.TABLE_COLUMNS,
                  right_align=("importance", "n_with", "n_without", "odds_ratio",
                               "performance"),
                  column_widths={"attribute": 180, "importance": 130, "with": 140, "n_with": 60, "without": 185,
                                 "n_without": 65, "odds_ratio": 120, "performance": 85},
                  key=f"{key}_table")
    st.caption(t("why.drv.caption", lang))
    if skipped:
        st.caption(skipped)
    if kd.quadrant_points(result):
        st.plotly_chart(charts.quadrant_figure(result, lang), key=f"{key}_quadrant", config=CHART_CONFIG)
        st.caption(t("why.drv.quadrant_caption", lang))
    return result


def alerts_folded(n: int, lang: str) -> Any:
    """The folded expander the alert list goes in."""
    return st.expander(t("why.alerts.expander", lang, n=fmt_int(n, lang)), key="rv_alerts_box")
