"""Data behind the Overview page: the six KPI tiles, their table and their sparklines.

Pure functions over a ``Source``. Values, intervals and tests come from the metrics
engine (``kpi_stats`` / ``compare_periods``); nothing here computes a metric.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd

from cxmetrics.core.settings import get_settings
from cxmetrics.i18n import MISSING, fmt_number, t
from cxmetrics.metrics.compare import Period, closed_periods, compare_periods, period_of
from cxmetrics.metrics.engine import kpi_stats
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.metrics.registry import KPI_ORDER, KPIS, OPS_KPIS
from cxmetrics.metrics.source import Source

SPARK_PERIODS = 8
# The two rows of tiles: the customer-experience KPIs of section 4, and operations and churn.
TILE_SETS: dict[str, tuple[str, ...]] = {"cx": KPI_ORDER, "ops": OPS_KPIS}
TILE_COLUMNS = [
    "kpi",
    "value",
    "ci_low",
    "ci_high",
    "n",
    "enough_data",
    "previous",
    "previous_ci_low",
    "previous_ci_high",
    "previous_n",
    "delta",
    "delta_ci_low",
    "delta_ci_high",
    "p_value",
    "q_value",
    "significant",
    "improved",
    "higher_is_better",
    "unit",
    "period_start",
    "period_end",
    "previous_start",
    "previous_end",
    "suppressed",
    "previous_suppressed",
]


def _period_spec(spec: FilterSpec, period: Period | None) -> FilterSpec:
    return spec.model_copy(
        update={
            "date_from": period.start if period else None,
            "date_to": period.end if period else None,
        }
    )


def tiles(
    source: Source, period: Period | None, spec: FilterSpec | None = None, *, role: str,
    kpis: Sequence[str] = KPI_ORDER,
) -> pd.DataFrame:
    """One row per KPI (registry order) for the tiles and their table, as ``role`` may see it.

    With a period: its value, interval and n; the previous period of equal length (value,
    interval, n); the difference, its p-value and the Benjamini–Hochberg q-value over
    ``kpis`` (one family) and whether it is significant. Without a period: values over all data of the
    filter, no comparison. ``enough_data`` is False when n is under the minimum n.
    ``suppressed`` / ``previous_suppressed`` ("k" or "complement") mark a side the role may
    not see (k-anonymity): its value, interval and n are empty, and so is the delta.
    """
    spec = spec or FilterSpec()
    min_n = get_settings().min_n
    rows: list[dict] = []
    if period is None:
        found = {g.kpi: g for g in kpi_stats(source, kpis, [], _period_spec(spec, None), role=role)}
        for k in kpis:
            est = found[k].estimate if k in found else KPIS[k].estimate(0, 0.0, 0.0)
            hidden = found[k].suppressed if k in found else None
            rows.append(
                {
                    "kpi": k,
                    "value": est.value,
                    "ci_low": est.ci_low,
                    "ci_high": est.ci_high,
                    "n": None if hidden else est.n,
                    "enough_data": not hidden and est.n >= min_n,
                    "significant": False,
                    "suppressed": hidden,
                }
            )
    else:
        prev = period.previous()
        found_cmp = {c.kpi: c for c in compare_periods(source, period, kpis, [], spec, role=role)}
        for k in kpis:
            c = found_cmp.get(k)
            if c is None:  # no record on either side
                rows.append(
                    {"kpi": k, "n": 0, "previous_n": 0, "enough_data": False, "significant": False}
                )
                continue
            d = c.difference
            rows.append(
                {
                    "kpi": k,
                    "value": c.current.value,
                    "ci_low": c.current.ci_low,
                    "ci_high": c.current.ci_high,
                    "n": None if c.current_suppressed else c.current.n,
                    "enough_data": not c.current_suppressed and c.current.n >= min_n,
                    "previous": c.previous.value,
                    "previous_ci_low": c.previous.ci_low,
                    "previous_ci_high": c.previous.ci_high,
                    "previous_n": None if c.previous_suppressed else c.previous.n,
                    "delta": d.diff,
                    "delta_ci_low": d.ci_low,
                    "delta_ci_high": d.ci_high,
                    "p_value": d.p_value,
                    "q_value": c.q_value,
                    "significant": c.significant,
                    "improved": c.improved,
                    "suppressed": c.current_suppressed,
                    "previous_suppressed": c.previous_suppressed,
                }
            )
        for r in rows:
            r.update(
                period_start=period.start,
                period_end=period.end,
                previous_start=prev.start,
                previous_end=prev.end,
            )
    for r in rows:
        r["higher_is_better"] = KPIS[r["kpi"]].higher_is_better
        r["unit"] = KPIS[r["kpi"]].unit
    return pd.DataFrame(rows).reindex(columns=TILE_COLUMNS)


def spark_periods(
    source: Source, period: Period | None, count: int = SPARK_PERIODS
) -> list[Period]:
    """The ``count`` review periods ending with the one holding the active period's last day
    (never past the last closed period), oldest first. All data: the last closed ones."""
    closed = closed_periods(source, 1)
    if not closed:
        return []
    last = closed[0]
    if period is not None:
        holding = period_of(period.end, source.anchor, source.period_days)
        last = min(holding, last, key=lambda p: p.start)
    out = [last]
    while len(out) < count:
        out.append(out[-1].previous())
    return out[::-1]


def sparklines(
    source: Source,
    period: Period | None,
    spec: FilterSpec | None = None,
    count: int = SPARK_PERIODS,
    *,
    role: str,
    kpis: Sequence[str] = KPI_ORDER,
) -> pd.DataFrame:
    """KPI by review period (same dimension filter, dates replaced by the sparkline's span):
    columns kpi, period (first day), value, n, suppressed; every KPI × period present, value
    None where there is no record or the period is suppressed for ``role`` (n 0 then)."""
    periods = spark_periods(source, period, count)
    if not periods:
        return pd.DataFrame(columns=["kpi", "period", "value", "n", "suppressed"])
    span = (spec or FilterSpec()).model_copy(
        update={"date_from": periods[0].start, "date_to": periods[-1].end}
    )
    found = {
        (g.group["period"], g.kpi): g for g in kpi_stats(source, kpis, ["period"], span, role=role)
    }
    rows = []
    for k in kpis:
        for p in periods:
            g = found.get((p.label, k))
            est = g.estimate if g else None
            rows.append(
                {
                    "kpi": k,
                    "period": p.start,
                    "value": est.value if est else None,
                    "n": est.n if est else 0,
                    "suppressed": g.suppressed if g else None,
                }
            )
    return pd.DataFrame(rows)


def spark_values(lines: pd.DataFrame, kpi: str, min_n: int | None = None) -> list[float]:
    """One KPI's sparkline values, oldest first, over the periods with at least the minimum n
    (a thin period would draw a misleading spike; st.metric takes no gaps)."""
    min_n = get_settings().min_n if min_n is None else min_n
    part = lines[lines["kpi"] == kpi].sort_values("period")
    return [
        float(v)
        for v, n in zip(part["value"], part["n"], strict=True)
        if n >= min_n and pd.notna(v)
    ]


def period_label(start: date | None, end: date | None) -> str:
    return f"{start.isoformat()} → {end.isoformat()}" if start and end else ""


# --------------------------------------------------------------------------- formatting


def value_decimals(kpi: str) -> int:
    """CES is a 1–7 mean: two decimals; a count none; NPS points, percentages, minutes: one."""
    return {"mean": 2, "count": 0}.get(KPIS[kpi].kind, 1)


def format_value(kpi: str, value: float | None, lang: str) -> str:
    """A KPI value on its display scale: ``-10.3`` (NPS), ``57.1%`` / ``57,1 %`` (rates),
    ``5.10`` (CES), ``1,234`` (a count), ``4.0 min`` (a median time)."""
    text = fmt_number(value, lang, value_decimals(kpi))
    kind = KPIS[kpi].kind
    if text == MISSING or kind not in ("rate", "churn", "median"):
        return text
    if kind == "median":
        return f"{text} min"
    return f"{text} %" if lang == "es" else f"{text}%"


def format_delta(kpi: str, delta: float | None, lang: str) -> str | None:
    """A signed difference with its unit: ``+2.5 pts``, ``-11.3 pp``, ``+0.56``; None when missing.
    The sign is an ASCII ``+``/``-`` (the tile's arrow follows it)."""
    text = fmt_number(abs(delta) if delta is not None else None, lang, value_decimals(kpi))
    if text == MISSING:
        return None
    rounded_zero = round(abs(delta), value_decimals(kpi)) == 0
    sign = "" if rounded_zero else ("-" if delta < 0 else "+")
    unit = t(f"ov.delta_unit.{KPIS[kpi].kind}", lang)
    return f"{sign}{text} {unit}".rstrip()


def delta_color(kpi: str, significant: bool) -> str:
    """st.metric's delta colour: by the KPI's good direction when significant, grey otherwise
    (handoff abandonment: lower is better, so a fall is green)."""
    if not significant:
        return "off"
    return "normal" if KPIS[kpi].higher_is_better else "inverse"
