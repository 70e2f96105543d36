"""The Identity uplift page's tables and tiles as shown: texts in a language, hidden sides
and cells labelled (k-anonymity), from the frames of ``reports.uplift`` (no query here)."""

from __future__ import annotations

import math

import pandas as pd

from cxmetrics.i18n import MISSING, fmt_int, fmt_number, fmt_pct, t
from cxmetrics.metrics import suppression
from cxmetrics.metrics.registry import KPIS
from cxmetrics.reports import overview as ov
from cxmetrics.reports import uplift as up
from cxmetrics.reports.small_cells import reason_of, reasons
from cxmetrics.reports.tiles import Tile

# The comparison table (``uplift_view``): data column -> i18n key of its header, in order.
# A thin overlap is named in the warning above the chart and in the CSV, not here.
TABLE_COLUMNS = {
    "label": "col.kpi",
    "recognized": "up.col.recognized",
    "anonymous": "up.col.anonymous",
    "raw": "up.col.raw",
    "p_text": "up.col.p",
    "adjusted": "up.col.adjusted",
    "strata": "up.col.strata",
    "coverage_text": "up.col.coverage",
    "regression": "up.col.regression",
}
TABLE_WIDTHS = {  # fits the main column of a 1440-px window beside the sidebar
    "label": 160,
    "recognized": 95,
    "anonymous": 95,
    "raw": 140,
    "p_text": 60,
    "adjusted": 145,
    "strata": 60,
    "coverage_text": 75,
    "regression": 140,
}
TABLE_RIGHT = tuple(c for c in TABLE_COLUMNS if c != "label")
# a suppressed side shows the label: room for it
LABEL_WIDTHS = {"recognized": 215, "anonymous": 215}
# The high-intent table: the comparison's columns with the intent, without the regression.
HIGH_INTENT_COLUMNS = {
    "label": "col.kpi",
    "intent_label": "up.col.intent",
    **{k: v for k, v in TABLE_COLUMNS.items() if k not in ("label", "regression")},
}
BEFORE_LOGIN_COLUMNS = {
    "kind_label": "up.col.kind",
    "state_label": "up.col.identity_state",
    "negatives": "up.col.negatives",
    "share_text": "up.col.share",
    "records": "up.col.records",
    "rate_text": "up.col.rate",
}


# --------------------------------------------------------------------------- comparisons


def with_ci(kpi: str, value: float | None, low: float | None, high: float | None, lang: str) -> str:
    """'+8.96 (4.25 – 13.64)': a signed difference with its interval, decimals by KPI."""
    dec = ov.value_decimals(kpi)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    text = ("+" if value > 0 else "") + fmt_number(value, lang, dec)
    if low is None or pd.isna(low):
        return text
    return f"{text} ({fmt_number(low, lang, dec)} – {fmt_number(high, lang, dec)})"


def _side(kpi: str, value: float | None, n: int | None, reason: object, lang: str) -> str:
    """'49.6% (643)', or the suppression label of a hidden side."""
    if reason_of(reason):
        return suppression.label(reason, lang)
    return f"{ov.format_value(kpi, value, lang)} ({fmt_int(n, lang)})"


def uplift_view(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``uplift_table`` (or ``high_intent_uplift``) with the ``TABLE_COLUMNS`` texts added:
    each side's value and n, each difference with its interval, p, strata and coverage, all
    preformatted (the data grid shows a missing number as "None")."""
    return df.assign(
        p_text=[fmt_number(v, lang, 3) for v in df["p_value"]],
        coverage_text=[fmt_pct(v, lang) for v in df["coverage"]],
        label=[KPIS[k].label(lang) for k in df["kpi"]],
        recognized=[
            _side(k, v, n, r, lang)
            for k, v, n, r in zip(
                df["kpi"], df["recognized_value"], df["recognized_n"], df["recognized_suppressed"], strict=True
            )
        ],
        anonymous=[
            _side(k, v, n, r, lang)
            for k, v, n, r in zip(
                df["kpi"], df["anonymous_value"], df["anonymous_n"], df["anonymous_suppressed"], strict=True
            )
        ],
        raw=[with_ci(r.kpi, r.raw_diff, r.raw_ci_low, r.raw_ci_high, lang) for r in df.itertuples()],
        adjusted=[
            with_ci(r.kpi, r.adjusted_diff, r.adjusted_ci_low, r.adjusted_ci_high, lang)
            for r in df.itertuples()
        ],
        regression=[
            with_ci(r.kpi, r.regression_diff, r.regression_ci_low, r.regression_ci_high, lang)
            for r in df.itertuples()
        ],
        strata=[
            MISSING if pd.isna(u) else f"{fmt_int(u, lang)} / {fmt_int(n, lang)}"
            for u, n in zip(df["strata_used"], df["strata_total"], strict=True)
        ],
    )


def table_widths(df: pd.DataFrame, widths: dict[str, int] = TABLE_WIDTHS) -> dict[str, int]:
    """``widths``, wider for the sides when a side of ``df`` is hidden (its label shows)."""
    return widths | (LABEL_WIDTHS if df["suppressed"].notna().any() else {})


def overlap_kpis(table: pd.DataFrame, lang: str) -> list[str]:
    """The KPIs of ``uplift_table`` whose strata overlap thinly, by label."""
    return [KPIS[k].label(lang) for k, w in zip(table["kpi"], table["overlap_warning"], strict=True) if w]


# --------------------------------------------------------------------------- (a) before login


def kinds_by_size(before: pd.DataFrame) -> list[str]:
    """The kinds of ``negative_before_login``, most negatives (of the shown cells) first."""
    totals = before.groupby("kind", sort=False)["negatives"].sum()
    return sorted(totals.index, key=lambda k: (-totals[k], k))


def hidden_kinds(before: pd.DataFrame) -> set[str]:
    """The kinds with a suppressed cell: they show no total (it would give the cell away)."""
    return {k for k, r in zip(before["kind"], reasons(before), strict=True) if r}


def before_login_tiles(before: pd.DataFrame, lang: str) -> list[Tile]:
    """One tile per kind (``kinds_by_size``): the share of its negatives that were anonymous,
    with their count of the kind's total. A hidden anonymous cell says "suppressed" (the
    label under it); a kind with another hidden cell shows the share alone."""
    hidden = hidden_kinds(before)
    totals = before.groupby("kind", sort=False)["negatives"].sum()  # of the shown cells
    tiles = []
    for kind in kinds_by_size(before):
        label = t(f"up.kind.{kind}", lang)
        anon = before[(before["kind"] == kind) & (before["identity_state"] == "anonymous")].iloc[0]
        if reason_of(anon["suppressed"]):
            tiles.append(Tile(label, t("privacy.suppressed.short", lang), caption=suppression.label(anon["suppressed"], lang)))
        elif kind in hidden:
            tiles.append(Tile(label, fmt_pct(anon["share"], lang)))
        else:
            n, total = fmt_int(anon["negatives"], lang), fmt_int(totals[kind], lang)
            tiles.append(
                Tile(
                    label,
                    fmt_pct(anon["share"], lang),
                    help=t(
                        "up.before.share_anonymous", lang, share=fmt_pct(anon["share"], lang),
                        kind=label.lower(), n=n, total=total,
                    ),
                    caption=t("up.before.of", lang, n=n, total=total),
                )
            )
    return tiles


def before_login_table(before: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``negative_before_login`` with ``BEFORE_LOGIN_COLUMNS``' texts, kinds by size. When a
    cell is hidden the counts are text, the label where the cell is hidden (the data grid
    would draw a hidden row's empty number as "None")."""
    why = reasons(before)
    any_hidden = bool(hidden_kinds(before))
    kinds = kinds_by_size(before)
    return before.assign(
        negatives=[suppression.label(r, lang) if r else fmt_int(n, lang) for n, r in zip(before["negatives"], why, strict=True)]
        if any_hidden
        else before["negatives"],
        records=[fmt_int(n, lang) for n in before["records"]] if any_hidden else before["records"],
        share_text=[fmt_pct(v, lang) for v in before["share"]],
        rate_text=[fmt_pct(v, lang) for v in before["rate"]],
        kind_label=[t(f"up.kind.{k}", lang) for k in before["kind"]],
        state_label=[t(f"up.state.{s}", lang) for s in before["identity_state"]],
    ).sort_values("kind", key=lambda c: c.map(kinds.index), kind="stable")


# --------------------------------------------------------------------------- (b) churn research


def churn_tiles(churn: dict, k: int, lang: str) -> list[Tile]:
    """The churned customers and the share who researched termination first (with its
    interval); hidden (fewer than ``k`` people): "suppressed", the label under it."""
    short = t("privacy.suppressed.short", lang)
    churned, researched = t("up.churn.churned", lang), t("up.churn.researched", lang)
    hidden = reason_of(churn["suppressed"])
    if hidden:  # the label does not fit a tile
        return [
            Tile(churned, short, caption=suppression.label(hidden, lang)),
            Tile(researched, short, caption=t("privacy.tile_note", lang, k=fmt_int(k, lang))),
        ]
    return [
        Tile(churned, fmt_int(churn["churned"], lang)),
        Tile(
            researched,
            ov.format_value("fcr", churn["share"], lang),
            caption=t(
                "up.churn.researched_ci",
                lang,
                n=fmt_int(churn["researched"], lang),
                total=fmt_int(churn["churned"], lang),
                low=ov.format_value("fcr", churn["ci_low"], lang),
                high=ov.format_value("fcr", churn["ci_high"], lang),
            ),
        ),
    ]


def with_contact_text(churn: dict, lang: str) -> str:
    """How many churned researchers contacted afterwards (the lead chart's base), or
    "suppressed"."""
    if reason_of(churn["with_contact_suppressed"]):
        return t("privacy.suppressed.short", lang)
    return fmt_int(churn["with_contact"], lang)


# --------------------------------------------------------------------------- (c) high intent


def intent_label(intent: str, lang: str) -> str:
    """A high intent's name, or "both together" for their union."""
    return t("up.hi.both", lang) if intent == "all_high_intent" else intent


def high_intent_overlaps(high: pd.DataFrame, lang: str) -> list[str]:
    """'NPS · device_upgrade': the comparisons of ``high_intent_uplift`` with a thin overlap."""
    return [f"{KPIS[r.kpi].label(lang)} · {intent_label(r.intent, lang)}" for r in high.itertuples() if r.overlap_warning]


def high_intent_forest(high: pd.DataFrame) -> pd.DataFrame:
    """``forest_rows`` of each intent of ``high_intent_uplift``, with its ``intent``."""
    return pd.concat(
        [up.forest_rows(high[high["intent"] == i]).assign(intent=i) for i in dict.fromkeys(high["intent"])],
        ignore_index=True,
    )


def high_intent_view(high: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``uplift_view`` of ``high_intent_uplift`` with the intent in words."""
    return uplift_view(high, lang).assign(intent_label=[intent_label(i, lang) for i in high["intent"]])
