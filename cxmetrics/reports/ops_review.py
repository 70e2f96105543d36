"""Operations and churn in the committee review (CONTRACT.md section 8): each operations
and churn KPI over the closed review period against the previous one.

``operations`` is ``review_data``'s ``"operations"``: the rows of the Overview's operations
set (``overview.tiles`` with ``OPS_KPIS``: value, 95% interval, n, the previous period, the
difference with its interval, and the Benjamini–Hochberg q over these KPIs as one family),
with what a review adds: the previous period's interval and, for the median
(``time_to_answer``), the p90 of both periods (``engine.kpi_table``). Nothing here
computes a metric. Differences of a count (``contact_volume``) and a median have no
interval and no test (``tested`` false): they are never significant.

For a role without record-level access a KPI with fewer than k people in a period is
suppressed (``suppressed`` / ``previous_suppressed``): that side's value, interval, n and
p90 are empty, and so is the difference (``kpi_stats(..., role=)`` does it).

The other functions put the rows into words for the page and the pack (``display_rows``)
and into a CSV (``csv_frame``).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from cxmetrics.i18n import MISSING, fmt_int, fmt_number, t
from cxmetrics.metrics import suppression
from cxmetrics.metrics.compare import Period
from cxmetrics.metrics.engine import kpi_table
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.metrics.registry import KPIS, OPS_KPIS
from cxmetrics.metrics.source import Source
from cxmetrics.reports import overview

# The page's table: data column -> catalog key of its header, in order (as the change table:
# the figures first, n and the intervals after them, where the table scrolls).
TABLE_COLUMNS: dict[str, str] = {
    "kpi": "rv.col.kpi",
    "previous_s": "rv.col.previous",
    "current_s": "rv.col.current",
    "diff_s": "rv.col.diff",
    "direction": "rv.col.direction",
    "q": "ops.rv.col.q",
    "significant": "rv.col.significant",
    "current_n": "rv.col.n",
    "previous_n": "rv.col.previous_n",
    "current_ci": "ops.rv.col.current_ci",
    "previous_ci": "ops.rv.col.previous_ci",
    "diff_ci": "rv.col.diff_ci",
}
NUMERIC = ("previous_s", "previous_ci", "previous_n", "current_s", "current_ci", "current_n", "diff_s", "diff_ci",
           "q")


def _num(v: Any) -> float | None:
    """A plain float (None for a missing value: NaN, None, pandas' NA)."""
    if v is None or v is pd.NA:
        return None
    f = float(v)
    return None if math.isnan(f) else f


def _int(v: Any) -> int | None:
    f = _num(v)
    return None if f is None else int(f)


def _hidden(v: Any) -> str | None:
    return v if isinstance(v, str) else None


def _p90s(source: Source, period: Period, spec: FilterSpec | None, role: str) -> dict[str, float | None]:
    """The median KPIs' p90 over ``period`` (as ``role`` may see it)."""
    medians = [k for k in OPS_KPIS if KPIS[k].kind == "median"]
    in_period = (spec or FilterSpec()).model_copy(update={"date_from": period.start, "date_to": period.end})
    return {r["kpi"]: r.get("p90") for r in kpi_table(source, medians, [], in_period, role=role)} if medians else {}


def operations(source: Source, period: Period, spec: FilterSpec | None = None, *, role: str) -> list[dict[str, Any]]:
    """One JSON row per operations and churn KPI (registry order): ``period`` vs the previous
    one of equal length under ``spec``, as ``role`` may see it."""
    tiles = overview.tiles(source, period, spec, role=role, kpis=OPS_KPIS)
    p90 = _p90s(source, period, spec, role)
    previous_p90 = _p90s(source, period.previous(), spec, role)
    rows = []
    for r in tiles.to_dict("records"):
        k = r["kpi"]
        hidden, prev_hidden = _hidden(r["suppressed"]), _hidden(r["previous_suppressed"])
        improved = r["improved"]
        rows.append({
            "kpi": k,
            "kind": KPIS[k].kind,
            "unit": KPIS[k].unit,
            "tested": KPIS[k].tested,
            "current": _num(r["value"]), "current_ci": [_num(r["ci_low"]), _num(r["ci_high"])],
            "current_n": _int(r["n"]),
            "previous": _num(r["previous"]),
            "previous_ci": [_num(r["previous_ci_low"]), _num(r["previous_ci_high"])],
            "previous_n": _int(r["previous_n"]),
            "diff": _num(r["delta"]), "diff_ci": [_num(r["delta_ci_low"]), _num(r["delta_ci_high"])],
            "p_value": _num(r["p_value"]), "q_value": _num(r["q_value"]),
            "significant": bool(r["significant"]) if r["significant"] == r["significant"] else False,
            "improved": improved if isinstance(improved, bool) else None,
            "p90": None if hidden else p90.get(k), "previous_p90": None if prev_hidden else previous_p90.get(k),
            "suppressed": hidden, "previous_suppressed": prev_hidden,
        })  # fmt: skip
    return rows


# --------------------------------------------------------------------------- words


def q_text(q: float | None, lang: str) -> str:
    """A q-value with three decimals, '< 0.001' below (as the change table shows it)."""
    if q is None:
        return MISSING
    return "< " + fmt_number(0.001, lang, 3) if q < 0.001 else fmt_number(q, lang, 3)


def _value_text(kpi: str, value: float | None, p90: float | None, hidden: str | None, lang: str) -> str:
    """'45.6%', '4.2 min · p90 7.9 min', or the suppression label."""
    if hidden:
        return suppression.label(hidden, lang)
    text = overview.format_value(kpi, value, lang)
    return f"{text} · p90 {overview.format_value(kpi, p90, lang)}" if p90 is not None else text


def interval_text(kpi: str, ci: list[float | None], lang: str) -> str:
    """'43.1% – 48.0%'; '—' without an interval (a count, a hidden side)."""
    if not ci or ci[0] is None or ci[1] is None:
        return MISSING
    return f"{overview.format_value(kpi, ci[0], lang)} – {overview.format_value(kpi, ci[1], lang)}"


def direction_text(row: dict[str, Any], lang: str) -> str:
    """'▲ better' / '▼ worse' by the KPI's good direction, '→ no change' without one."""
    if row["improved"] is None:
        return "→ " + t("rv.dir.flat", lang)
    arrow = "▲" if (row["diff"] or 0) > 0 else "▼"
    return f"{arrow} " + t("rv.dir.better" if row["improved"] else "rv.dir.worse", lang)


def display_rows(rows: list[dict[str, Any]], lang: str) -> list[dict[str, str]]:
    """The rows in words (``TABLE_COLUMNS``): values by kind (a median with its p90), an
    interval or '—', n, the change with its interval, q ('no test' for a count or a median),
    significant yes/no, the direction."""
    out = []
    for r in rows:
        k = r["kpi"]
        out.append({
            "kpi": KPIS[k].label(lang),
            "previous_s": _value_text(k, r["previous"], r["previous_p90"], r["previous_suppressed"], lang),
            "previous_ci": interval_text(k, r["previous_ci"], lang),
            "previous_n": fmt_int(r["previous_n"], lang),
            "current_s": _value_text(k, r["current"], r["p90"], r["suppressed"], lang),
            "current_ci": interval_text(k, r["current_ci"], lang),
            "current_n": fmt_int(r["current_n"], lang),
            "diff_s": overview.format_delta(k, r["diff"], lang) or MISSING,
            "diff_ci": MISSING if r["diff_ci"][0] is None or r["diff_ci"][1] is None else
            f"{overview.format_delta(k, r['diff_ci'][0], lang)} … {overview.format_delta(k, r['diff_ci'][1], lang)}",
            "q": q_text(r["q_value"], lang) if r["tested"] else t("ops.rv.no_test", lang),
            "significant": t("rv.yes" if r["significant"] else "rv.no", lang) if r["tested"] else MISSING,
            "direction": direction_text(r, lang),
        })  # fmt: skip
    return out


def any_suppressed(rows: list[dict[str, Any]]) -> bool:
    return any(r["suppressed"] or r["previous_suppressed"] for r in rows)


def caption(rows: list[dict[str, Any]], lang: str, alpha: str, min_n: str) -> str:
    return t("ops.rv.caption", lang, n=fmt_int(sum(1 for r in rows if r["tested"]), lang), alpha=alpha, min_n=min_n)


def csv_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The rows with raw values and stable column names (the CSV download)."""
    return pd.DataFrame([
        {"kpi": r["kpi"], "unit": r["unit"], "tested": r["tested"],
         "previous": r["previous"], "previous_ci_low": r["previous_ci"][0], "previous_ci_high": r["previous_ci"][1],
         "previous_n": r["previous_n"], "previous_p90": r["previous_p90"],
         "current": r["current"], "current_ci_low": r["current_ci"][0], "current_ci_high": r["current_ci"][1],
         "current_n": r["current_n"], "p90": r["p90"],
         "diff": r["diff"], "diff_ci_low": r["diff_ci"][0], "diff_ci_high": r["diff_ci"][1],
         "p_value": r["p_value"], "q_value": r["q_value"], "significant": r["significant"], "improved": r["improved"],
         "suppressed": r["suppressed"], "previous_suppressed": r["previous_suppressed"]}
        for r in rows
    ])  # fmt: skip
