"""The Voice of the customer page's tables as shown: theme names in the viewer's language,
marks, intervals and q-values in words, hidden rows labelled (no query here).

Every frame comes from ``reports.voc`` / ``reports.voc_text``; a table with a suppressed
row shows the suppression label in its n column and its numbers as text
(``journeys_tables.labelled``).
"""

from __future__ import annotations

import pandas as pd

from cxmetrics.i18n import MISSING, fmt_int, fmt_number, fmt_pct, t
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.metrics.source import Source
from cxmetrics.reports.committee import q_text
from cxmetrics.reports.journeys_tables import Shown, labelled
from cxmetrics.reports.overview import value_decimals
from cxmetrics.reports.voc import channels_href, theme_label
from cxmetrics.reports.voc_text import EmergingPhrases

MARKS = {"up": "▲", "down": "▼", "": ""}


def interval_text(low: float | None, high: float | None, lang: str, decimals: int = 1) -> str:
    """'−37.8 – 5.9' (or the missing mark)."""
    if low is None or high is None or low != low or high != high:
        return MISSING
    return f"{fmt_number(low, lang, decimals)} – {fmt_number(high, lang, decimals)}"


def mark_text(direction: str, lang: str, kind: str = "value") -> str:
    """'▲ higher' / '▼ lower' (a KPI) or '▲ rising' / '▼ falling' (a share) for a significant
    difference, '' otherwise."""
    return f"{MARKS[direction]} {t(f'voc.mark.{kind}.{direction}', lang)}" if direction else ""


def q_phrase(q: float | None, lang: str) -> str:
    """'q = 0.034' / 'q < 0.001'."""
    text = q_text(q, lang)
    return f"q {text}" if text.startswith("<") else f"q = {text}"


def ranking_table(df: pd.DataFrame, source: Source, kpi: str, spec: FilterSpec, lang: str) -> Shown:
    """``theme_ranking`` as the page's table: the theme's name, its figures, the
    difference's interval, q, the mark and the link to the Channels page on the theme."""
    dec = value_decimals(kpi)
    out = df.assign(
        label=[theme_label(k, lang) for k in df["theme"]],
        diff_ci=[interval_text(lo, hi, lang, dec) for lo, hi in zip(df["diff_ci_low"], df["diff_ci_high"], strict=True)],
        q=[q_text(q, lang) for q in df["q_value"]],
        mark=[mark_text(d, lang) for d in df["direction"]],
        link=[channels_href(source, k, kpi, spec, lang) for k in df["theme"]],
    )
    formats = {"n": "int", "share": "number", "value": "number", "rest_value": "number", "diff": "number"}
    return labelled(out, formats, {"n": "suppressed"}, lang)


def trend_table(df: pd.DataFrame, kpi: str, lang: str) -> Shown:
    """``theme_trends`` rows as the page's table (share and KPI, before and now, change,
    its interval, q and mark)."""
    dec = value_decimals(kpi)
    out = df.assign(
        label=[theme_label(k, lang) for k in df["theme"]],
        share_ci=[interval_text(lo, hi, lang) for lo, hi in zip(df["share_ci_low"], df["share_ci_high"], strict=True)],
        share_q_text=[q_text(q, lang) for q in df["share_q"]],
        share_mark=[mark_text(d, lang, "share") for d in df["share_direction"]],
        value_ci=[interval_text(lo, hi, lang, dec) for lo, hi in zip(df["value_ci_low"], df["value_ci_high"], strict=True)],
        value_q_text=[q_text(q, lang) for q in df["value_q"]],
        value_mark=[mark_text(d, lang) for d in df["value_direction"]],
    )
    formats = {"prev_n": "int", "n": "int", "prev_share": "number", "share": "number", "share_diff": "number",
               "prev_value": "number", "value": "number", "value_diff": "number"}
    return labelled(out, formats, {"n": "suppressed"}, lang)


def trend_summary(df: pd.DataFrame, lang: str) -> list[str]:
    """'Coverage and outages ▲ 15.5% → 29.7% of comments (q = 0.003)' for each theme whose
    share changed significantly, rising first."""
    out = []
    for r in df.itertuples():
        if r.share_significant:
            out.append(t("voc.trend.line", lang, theme=theme_label(r.theme, lang), mark=MARKS[r.share_direction],
                         before=fmt_number(r.prev_share, lang), now=fmt_number(r.share, lang),
                         q=q_phrase(r.share_q, lang)))
    return out


def emerging_table(em: EmergingPhrases, lang: str) -> pd.DataFrame:
    """One row per topic: its number, share of the texts, phrases with their people and
    (roles with record access) example texts. Every cell is plain text."""
    rows = []
    for i, topic in enumerate(em.topics, start=1):
        rows.append({
            "topic": fmt_int(i, lang),
            "weight": fmt_pct(topic.weight, lang, 0),
            "phrases": ", ".join(f"{p} ({fmt_int(n, lang)})" for p, n in topic.phrases),
            # the same sentence written by many people is shown once
            "examples": "  ·  ".join(dict.fromkeys(topic.examples)),
        })
    return pd.DataFrame(rows, columns=["topic", "weight", "phrases", "examples"])
