"""The Voice of the customer page's view state and its larger tables.

The state (the survey, the theme and sentiment of the example comments) is kept in the
session and mirrored in the URL (``?survey=nps&example=coverage_outage&tone=negative``),
so a copied link opens the same view; the URL is read once per session. (``theme`` in the
URL is the sidebar's filter, so the example theme has a name of its own.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from cxmetrics import ui
from cxmetrics.core.privacy import may_see_raw_ids
from cxmetrics.i18n import MISSING, fmt_int, fmt_number, t
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.metrics.registry import KPIS
from cxmetrics.metrics.source import Source
from cxmetrics.reports import channels as cr
from cxmetrics.reports import voc, voc_text
from cxmetrics.reports import voc_tables as vt
from cxmetrics.serving import app_state
from cxmetrics.ui import auth as ui_auth

STATE = "_voc_state"
ALL = "all"
_AUDITED = "_audited_voc_examples"


def view_state() -> dict:
    """This session's view state, seeded from the URL on its first run (invalid values ignored)."""
    if STATE not in st.session_state:
        qp = st.query_params
        st.session_state[STATE] = {
            "kpi": qp.get("survey") if qp.get("survey") in voc.SURVEY_KPIS else voc.SURVEY_KPIS[0],
            "example": qp.get("example"),
            "tone": qp.get("tone") if qp.get("tone") in voc.SENTIMENTS else ALL,
        }
    return st.session_state[STATE]


def _selectbox(where: Any, label: str, options: list, name: str, state: dict, lang: str,
               fmt: Callable[[Any], str]) -> Any:
    """A selectbox whose value lives in ``state[name]`` (its widget key changes with the language)."""
    key = f"voc_{name}_{lang}"
    if st.session_state.get(key) not in options:  # first run in this language (or a stale choice)
        st.session_state[key] = state.get(name) if state.get(name) in options else options[0]
    value = where.selectbox(label, options, key=key, format_func=fmt)
    state[name] = value
    return value


def survey_picker(state: dict, lang: str) -> str:
    """The survey whose responses the page reads (NPS, CSAT, CES); kept in the URL."""
    col, _ = st.columns([1, 3])
    kpi = _selectbox(col, t("voc.survey", lang), list(voc.SURVEY_KPIS), "kpi", state, lang,
                     lambda k: KPIS[k].label(lang))
    st.query_params["survey"] = kpi
    return kpi


def _table(shown: pd.DataFrame, formats: dict, right: tuple, columns: dict[str, str], lang: str, *, decimals: int,
           widths: dict[str, int], key: str, links: tuple[str, ...] = (), max_rows: int = 12) -> None:
    """A read-only table with headers already in words (some name the KPI): integers and
    numbers formatted in ``lang`` (shares with one decimal, KPI values with ``decimals``),
    ``links`` as link columns. Cells are plain text to the data grid."""
    view = shown[list(columns)].rename(columns=columns)

    def number(col: str) -> Callable[[Any], str]:
        if formats[col] == "int":
            return lambda x: fmt_int(x, lang)
        d = 1 if "share" in col else decimals
        return lambda x: fmt_number(x, lang, d)

    styler = view.style.format({columns[c]: number(c) for c in formats if c in columns}, na_rep=MISSING)
    config = {columns[c]: st.column_config.Column(width=w) for c, w in widths.items() if c in columns}
    config |= {columns[c]: st.column_config.Column(width=widths.get(c), alignment="right") for c in right if c in columns}
    config |= {columns[c]: st.column_config.LinkColumn(display_text=t("voc.link_text", lang), width=widths.get(c))
               for c in links}
    st.dataframe(styler, hide_index=True, height=ui.fit_height(len(view), max_rows), key=key, column_config=config)


def _decimals(kpi: str) -> int:
    return 2 if KPIS[kpi].kind == "mean" else 1


def ranking_table(ranking: pd.DataFrame, source: Source, kpi: str, spec: FilterSpec, lang: str) -> None:
    """The themes' table, each with its link to the Channels page filtered on it."""
    shown, formats, right = vt.ranking_table(ranking, source, kpi, spec, lang)
    label = KPIS[kpi].label(lang)
    columns = {
        "label": t("voc.col.theme", lang), "n": t("voc.col.n", lang), "share": t("voc.col.share", lang),
        "value": t("voc.col.value", lang, kpi=label), "rest_value": t("voc.col.rest_value", lang, kpi=label),
        "diff": t("voc.col.diff", lang), "diff_ci": t("voc.col.diff_ci", lang), "q": t("voc.col.q", lang),
        "mark": t("voc.col.mark", lang), "link": t("voc.col.link", lang),
    }
    _table(shown, formats, right, columns, lang, decimals=_decimals(kpi), links=("link",), key="voc_ranking_table",
           widths={"label": 175, "n": 95, "share": 95, "value": 100, "rest_value": 95, "diff": 80, "diff_ci": 105,
                   "q": 55, "mark": 95, "link": 85})


def trend_table(trends: pd.DataFrame, kpi: str, lang: str) -> None:
    """The trends' table in two tabs: the shares of comments, and the KPI of each theme."""
    shown, formats, right = vt.trend_table(trends, kpi, lang)
    label = KPIS[kpi].label(lang)
    theme = {"label": t("voc.col.theme", lang)}
    share_tab, value_tab = st.tabs([t("voc.trend.tab_share", lang), t("voc.trend.tab_value", lang, kpi=label)])
    with share_tab:
        columns = theme | {
            "prev_share": t("voc.col.prev_share", lang), "share": t("voc.col.share_now", lang),
            "share_diff": t("voc.col.share_diff", lang), "share_ci": t("voc.col.diff_ci", lang),
            "share_q_text": t("voc.col.q", lang), "share_mark": t("voc.col.mark", lang),
            "prev_n": t("voc.col.prev_n", lang), "n": t("voc.col.n_now", lang),
        }
        _table(shown, formats, right, columns, lang, decimals=_decimals(kpi), key="voc_trend_share_table",
               widths={"label": 175, "prev_share": 125, "share": 125, "share_diff": 110, "share_ci": 105,
                       "share_q_text": 55, "share_mark": 100, "n": 70, "prev_n": 70})
    with value_tab:
        columns = theme | {
            "prev_value": t("voc.col.prev_value", lang, kpi=label), "value": t("voc.col.value_now", lang, kpi=label),
            "value_diff": t("voc.col.value_diff", lang), "value_ci": t("voc.col.diff_ci", lang),
            "value_q_text": t("voc.col.q", lang), "value_mark": t("voc.col.mark", lang),
            "prev_n": t("voc.col.prev_n", lang), "n": t("voc.col.n_now", lang),
        }
        _table(shown, formats, right, columns, lang, decimals=_decimals(kpi), key="voc_trend_value_table",
               widths={"label": 175, "prev_value": 120, "value": 120, "value_diff": 90, "value_ci": 120,
                       "value_q_text": 55, "value_mark": 100, "n": 70, "prev_n": 70})


def examples(source: Source, kpi: str, spec: FilterSpec, themes: list[str], state: dict, lang: str) -> None:
    """The example comments of a chosen theme and sentiment (roles with record access; the
    page checks): counts, the latest ones as plain text, and their CSV, audited."""
    me = ui_auth.current_user()
    left, right = st.columns(2)
    theme = _selectbox(left, t("voc.examples.theme", lang), themes, "example", state, lang,
                       lambda k: voc.theme_label(k, lang))
    tone_value = _selectbox(right, t("voc.examples.tone", lang), [ALL, *voc.SENTIMENTS], "tone", state, lang,
                            lambda s: t(f"voc.sentiment.{s}", lang))
    st.query_params["example"], st.query_params["tone"] = theme, tone_value
    tone = None if tone_value == ALL else tone_value
    counts = ui.cached(voc_text.example_counts, source, kpi, spec, theme, tone)
    st.caption(t("voc.examples.counts", lang, theme=voc.theme_label(theme, lang), total=fmt_int(counts.total, lang),
                 shown=fmt_int(min(counts.consented, voc_text.EXAMPLES), lang), consented=fmt_int(counts.consented, lang),
                 hidden=fmt_int(counts.hidden, lang)))
    if counts.consented == 0:
        st.info(t("voc.examples.none", lang))
        return
    rows = ui.cached(voc_text.theme_examples, source, kpi, spec, theme, tone, voc_text.EXAMPLES, role=me.role)
    details = {"kpi": kpi, "theme": theme, "sentiment": tone, "dims": {k: list(v) for k, v in spec.dims.items()},
               "from": spec.date_from, "to": spec.date_to}
    seen = st.session_state.setdefault(_AUDITED, set())
    audit_key = (source.version, kpi, repr(spec), theme, tone)
    if audit_key not in seen:
        app_state.audit(me.id, me.role, "voc_examples", details, len(rows))
        seen.add(audit_key)
    shown = rows.assign(sentiment=[t(f"voc.sentiment.{s}", lang) for s in rows["sentiment"]])
    person = "voc.col.person_raw" if may_see_raw_ids(me.role) else "ch.col.person"
    # a container carries the key (a read-only data grid gets no st-key class of its own)
    with st.container(key="voc_examples_table"):
        ui.show_table(
            cr.plain_text_table(shown, t("ch.yes", lang), t("ch.no", lang), keep=("t",), lang=lang),
            lang,
            columns={"t": "ch.col.t", "verbatim": "ch.col.verbatim", "sentiment": "voc.col.sentiment",
                     "score": "ch.col.score", "channel": "dim.channel", "region": "dim.region", "person": person},
            formats={"t": "datetime"},
            column_widths={"verbatim": "large", "t": 150, "sentiment": 90, "score": 70, "channel": 80, "region": 95,
                           "person": 165},
            max_rows=12,
        )

    def examples_csv() -> bytes:
        """Runs when the user clicks: every consented comment of the choice, audited like an export."""
        everything = voc_text.theme_examples(source, kpi, spec, theme, tone, counts.consented, role=me.role)
        app_state.audit(me.id, me.role, "voc_examples_csv", details, len(everything))
        return ui.csv_bytes(everything)

    ui.download_csv(examples_csv, f"verbatims_{kpi}_{theme}.csv", "dl_voc_examples", lang)
    st.caption(t("voc.examples.csv_caption", lang, n=fmt_int(counts.consented, lang)))
