"""Channels & cohorts: the KPI × channel × cohort table, its trend and the records behind a cell.

Pure functions over a ``Source``: SQL (through ``metrics.kpi_stats`` or parameterized
counts) returns sufficient statistics, ``stats``/``compare`` turn them into values,
intervals and one Benjamini–Hochberg family per heatmap. Nothing here draws; the
functions that take ``lang`` only put results into words for the page's tables.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd

from cxmetrics.i18n import fmt_int, fmt_number, t
from cxmetrics.ingest import schema
from cxmetrics.metrics import suppression
from cxmetrics.metrics.churn import CHURN_KPIS, PERSON_DIMS
from cxmetrics.metrics.compare import Comparison, last_closed_period, period_of, with_q_values
from cxmetrics.metrics.engine import kpi_stats, p90_of
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.metrics.records import KPI_COLUMNS, SHARED, record_page, survey_verbatims
from cxmetrics.metrics.registry import ALL_KPIS, KPI_ORDER, KPIS, OPS_KPIS, check_kpis
from cxmetrics.metrics.source import Source, record_filter

# The dimensions the heatmap's columns can be (its rows are always the channel).
COHORT_DIMS: tuple[str, ...] = (
    "segment",
    "value_tier",
    "region",
    "plan",
    "intent",
    "journey_type",
    "identity_state",
)
# Dimensions with a natural order; the others sort alphabetically. 'unknown' always goes last.
NATURAL_ORDER: dict[str, tuple[str, ...]] = {
    "value_tier": schema.VALUE_TIERS,
    "segment": schema.SEGMENTS,
    "identity_state": schema.IDENTITY_STATES,
}
UNKNOWN = "unknown"
# The KPIs the page offers (every KPI of the registry), in three groups the selector names:
# the six of section 4, operations (records of contacts and handoffs) and churn (customers).
KPI_GROUPS: dict[str, tuple[str, ...]] = {
    "cx": KPI_ORDER,
    "ops": tuple(k for k in OPS_KPIS if k not in CHURN_KPIS),
    "churn": tuple(k for k in OPS_KPIS if k in CHURN_KPIS),
}
PAGE_KPIS: tuple[str, ...] = ALL_KPIS
TREND_PERIODS = 12
MAX_SERIES = 8
HEATMAP_COLUMNS = (
    "kpi", "channel", "cohort_dim", "cohort_value", "value", "ci_low", "ci_high", "n",
    "rest_value", "rest_n", "diff", "p_value", "q_value", "significant", "direction", "enough_data",
    "suppressed", "p90",
)  # fmt: skip
TREND_COLUMNS = (
    "kpi",
    "period",
    "series_dim",
    "series",
    "value",
    "ci_low",
    "ci_high",
    "n",
    "enough_data",
    "suppressed",
    "p90",
)


# --------------------------------------------------------------------------- which KPI, which view


def kpi_group(kpi: str) -> str:
    """'cx', 'ops' or 'churn': the group of ``KPI_GROUPS`` the KPI is in."""
    return next(g for g, kpis in KPI_GROUPS.items() if kpi in kpis)


def kpi_option(kpi: str, lang: str) -> str:
    """The KPI as the selector names it, with its group: 'Operations · Containment'."""
    return f"{t(f'ops.ch.group.{kpi_group(kpi)}', lang)} · {KPIS[kpi].label(lang)}"


def is_churn(kpi: str) -> bool:
    """Churn KPIs count customers (a person in a period): no channel, intent, journey type
    or identity state, so the page shows them by the customer's cohort only."""
    return kpi in CHURN_KPIS


def cohort_dims(kpi: str) -> tuple[str, ...]:
    """The cohort dimensions ``kpi`` can be shown by: all of ``COHORT_DIMS``, or for a churn
    KPI only the customer's own (``metrics.churn.PERSON_DIMS``: segment, value tier, region, plan)."""
    return tuple(d for d in COHORT_DIMS if d in PERSON_DIMS) if is_churn(kpi) else COHORT_DIMS


def is_tested(kpi: str) -> bool:
    """Whether cells have a test against the rest (significance marks): not for a count
    (contact volume) or a median (time to answer)."""
    return KPIS[kpi].tested


def caption_keys(kpi: str) -> tuple[str, str]:
    """The catalog keys of the heatmap's caption and of its table's caption for ``kpi``: the
    tested KPIs of contacts and journeys, churn (customers), a count, a median."""
    if is_churn(kpi):
        return "ops.ch.caption.churn", "ops.ch.table_caption.churn"
    if not is_tested(kpi):
        kind = KPIS[kpi].kind
        return f"ops.ch.caption.{kind}", f"ops.ch.table_caption.{kind}"
    return "ch.heatmap.caption", "ch.heatmap.table_caption"


def change_dims(kpi: str, cohort_dim: str) -> list[str] | None:
    """The dimensions the page's change decomposition (waterfall) may split ``kpi`` by:
    the channel and the page's cohort dimension; only the cohort for a churn KPI; None
    for a KPI it does not apply to (a count or a median has no rate and mix to split)."""
    if not KPIS[kpi].tested:
        return None
    return [cohort_dim] if is_churn(kpi) else ["channel", cohort_dim]


def sort_categories(values: Iterable[str], dim: str) -> list[str]:
    """Distinct values in display order: a dimension's natural order, else A→Z; 'unknown' last."""
    order = NATURAL_ORDER.get(dim, ())
    rank = {v: i for i, v in enumerate(order)}
    return sorted(
        set(values),
        key=lambda v: (v == UNKNOWN, rank.get(v, len(order)), v.casefold(), v),
    )


# --------------------------------------------------------------------------- heatmap


def channel_cohort_heatmap(
    source: Source, kpi: str, cohort_dim: str, spec: FilterSpec, min_n: int, alpha: float, *, role: str
) -> pd.DataFrame:
    """One row per (channel, cohort value) with records: value, interval, n, and the cell
    compared with all other records of the KPI under ``spec``.

    Every shown cell's comparison belongs to one BH family (the whole table). ``direction``
    is 'above'/'below' only for significant cells; ``enough_data`` is n >= min_n. A cell
    ``role`` may not see (k-anonymity) has ``suppressed`` set and every figure empty
    (value, interval, n, its rest and the difference). A count (contact volume) is exact:
    every shown cell has enough data; ``p90`` is a median's 90th percentile.
    """
    (kpi,) = check_kpis([kpi])
    if cohort_dim not in cohort_dims(kpi):
        raise ValueError(f"not a cohort dimension of {kpi}: {cohort_dim}")
    kspec = KPIS[kpi]
    cells = kpi_stats(source, [kpi], ["channel", cohort_dim], spec, role=role)
    if not cells:
        return pd.DataFrame(columns=list(HEATMAP_COLUMNS))
    (total,) = kpi_stats(source, [kpi], [], spec)  # the rests (never shown for a suppressed cell)
    comparisons = []
    for g in cells:
        rest = (0, 0.0, 0.0) if g.suppressed else (total.n - g.n, total.s1 - g.s1, total.s2 - g.s2)
        comparisons.append(
            Comparison(
                g.group, kpi, g.estimate, kspec.estimate(*rest), kspec.difference(g.triple, rest),
                current_suppressed=g.suppressed, previous_suppressed=g.suppressed,
            )
        )
    p90 = [p90_of(g) for g in cells]  # a median's 90th percentile (None for other KPIs)
    exact = kspec.kind == "count"  # a count is exact: no minimum n for it to mean something
    rows: list[dict[str, Any]] = []
    for c, c_p90 in zip(with_q_values(comparisons, min_n=min_n, alpha=alpha), p90, strict=True):
        diff = c.difference.diff
        direction = ("above" if diff > 0 else "below") if c.significant and diff else ""
        hidden = c.current_suppressed
        rows.append(
            {
                "kpi": kpi,
                "channel": c.group["channel"],
                "cohort_dim": cohort_dim,
                "cohort_value": c.group[cohort_dim],
                "value": c.current.value,
                "ci_low": c.current.ci_low,
                "ci_high": c.current.ci_high,
                "n": None if hidden else c.current.n,
                "rest_value": c.previous.value,
                "rest_n": None if hidden else c.previous.n,
                "diff": diff,
                "p_value": c.difference.p_value,
                "q_value": c.q_value,
                "significant": c.significant,
                "direction": direction,
                "enough_data": not hidden and (exact or c.current.n >= min_n),
                "suppressed": hidden,
                "p90": c_p90,
            }
        )
    df = pd.DataFrame(rows, columns=list(HEATMAP_COLUMNS))
    channels = sort_categories(df["channel"], "channel")
    values = sort_categories(df["cohort_value"], cohort_dim)
    df["_r"] = df["channel"].map(channels.index)
    df["_c"] = df["cohort_value"].map(values.index)
    return df.sort_values(["_r", "_c"]).drop(columns=["_r", "_c"]).reset_index(drop=True)


def heatmap_table(cells: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``channel_cohort_heatmap`` as its table shows it: ``mark`` (above/below), ``enough``
    (yes/no) and ``hidden`` (the suppression label) in words."""
    return cells.assign(
        mark=[t(f"ch.{d}", lang) if d else "" for d in cells["direction"]],
        enough=[t("ch.yes" if e else "ch.no", lang) for e in cells["enough_data"]],
        hidden=[suppression.label(h, lang) if isinstance(h, str) else "" for h in cells["suppressed"]],
    )


def heatmap_table_columns(kpi: str, cohort_dim: str, decimals: int, suppressed: bool) -> dict[str, dict]:
    """The heatmap table's ``ui.show_table`` arguments (columns, formats, decimals) for
    ``kpi``: no rest, difference or q for a KPI without a test (a count, a median), p90 for
    a median, no channel for a churn KPI (its records are customers), and for a count only
    its value (it is its own n, exact: no interval)."""
    tested, median, count = is_tested(kpi), KPIS[kpi].kind == "median", KPIS[kpi].kind == "count"
    columns = {
        **({} if is_churn(kpi) else {"channel": "ch.col.channel"}),
        "cohort_value": f"dim.{cohort_dim}",
        "value": "ch.col.value",
        **({"p90": "ops.ch.col.p90"} if median else {}),
        **({} if count else {"ci_low": "ch.col.ci_low", "ci_high": "ch.col.ci_high", "n": "ch.col.n"}),
        **({"rest_value": "ch.col.rest_value", "rest_n": "ch.col.rest_n", "diff": "ch.col.diff",
            "q_value": "ch.col.q_value", "mark": "ch.col.mark"} if tested else {}),
        **({} if count else {"enough": "ch.col.enough"}),
        **({"hidden": "privacy.col.suppressed"} if suppressed else {}),
    }
    numbers = {"value": decimals, "p90": decimals, "ci_low": decimals, "ci_high": decimals,
               "rest_value": decimals, "diff": decimals, "q_value": 3}
    return {
        "columns": columns,
        "formats": {c: "int" if c in ("n", "rest_n") else "number" for c in [*numbers, "n", "rest_n"] if c in columns},
        "decimals": {c: d for c, d in numbers.items() if c in columns},
    }


def unit_text(kpi: str, lang: str) -> str:
    """The KPI's unit in words ("points", "%", "score 1–7")."""
    return t(f"ch.unit.{KPIS[kpi].unit}", lang)


def overall_value(source: Source, kpi: str, spec: FilterSpec, *, role: str) -> float | None:
    """The KPI over every record of ``spec`` (the heatmap's colour midpoint); None when there
    is none or ``role`` may not see it (fewer than k people)."""
    stats = kpi_stats(source, [kpi], [], spec, role=role)
    return stats[0].estimate.value if stats else None


def overall_p90(source: Source, kpi: str, spec: FilterSpec, *, role: str) -> float | None:
    """A median KPI's 90th percentile over every record of ``spec`` (None for other KPIs,
    without records, or when ``role`` may not see it)."""
    if KPIS[kpi].kind != "median":
        return None
    stats = kpi_stats(source, [kpi], [], spec, role=role)
    return p90_of(stats[0]) if stats else None


# --------------------------------------------------------------------------- trend


def trend_window(
    source: Source, end: date | None, periods: int = TREND_PERIODS
) -> tuple[date, date] | None:
    """The ``periods`` review periods ending with the one holding ``end`` (default: the
    last closed period, else the latest data day). None without data."""
    if end is None:
        last = last_closed_period(source)
        if last is not None:
            end = last.end
        elif source.max_ts is not None:
            end = source.max_ts.date()
        else:
            return None
    last_period = period_of(end, source.anchor, source.period_days)
    start = last_period.start - timedelta(days=source.period_days * (periods - 1))
    return start, end


def kpi_trend(
    source: Source,
    kpi: str,
    series_dim: str,
    spec: FilterSpec,
    date_from: date,
    date_to: date,
    min_n: int,
    max_series: int = MAX_SERIES,
    *,
    role: str,
) -> tuple[pd.DataFrame, list[str]]:
    """The KPI per review period and ``series_dim`` value, dates ``date_from``..``date_to``
    (the filter's own dates are replaced). Keeps the ``max_series`` series with the most
    (shown) records; returns (rows, names of the series left out). A point ``role`` may not
    see has ``suppressed`` set and value, interval and n empty."""
    (kpi,) = check_kpis([kpi])
    window = spec.model_copy(update={"date_from": date_from, "date_to": date_to})
    groups = kpi_stats(source, [kpi], ["period", series_dim], window, role=role)
    sizes: dict[str, int] = {}
    for g in groups:
        sizes[g.group[series_dim]] = sizes.get(g.group[series_dim], 0) + g.n
    ranked = sorted(sizes, key=lambda s: (-sizes[s], s))
    kept = set(ranked[:max_series])
    rows = [
        {
            "kpi": kpi,
            "period": g.group["period"],
            "series_dim": series_dim,
            "series": g.group[series_dim],
            "value": g.estimate.value,
            "ci_low": g.estimate.ci_low,
            "ci_high": g.estimate.ci_high,
            "n": None if g.suppressed else g.n,
            "enough_data": not g.suppressed and (KPIS[kpi].kind == "count" or g.n >= min_n),
            "suppressed": g.suppressed,
            "p90": p90_of(g),
        }
        for g in groups
        if g.group[series_dim] in kept
    ]
    df = pd.DataFrame(rows, columns=list(TREND_COLUMNS))
    order = sort_categories(kept, series_dim)
    df["_s"] = df["series"].map(order.index)
    df = df.sort_values(["_s", "period"]).drop(columns="_s").reset_index(drop=True)
    return df, sort_categories(ranked[max_series:], series_dim)


# --------------------------------------------------------------------------- drill-down


def cell_spec(spec: FilterSpec, cohort_dim: str, channel: str, cohort_value: str) -> FilterSpec:
    """The filter of one heatmap cell: the page's filter narrowed to one channel and cohort value."""
    return spec.with_dims(channel=(channel,), **{cohort_dim: (cohort_value,)})


def _record_where(source: Source, kpi: str, spec: FilterSpec) -> tuple[str, list[Any]]:
    """The records of ``kpi`` selected by ``spec`` (all of them, consented or not), as
    ``records_view`` selects them: same FCR eligibility, dimensions and dates."""
    clauses, params = record_filter(source, spec, kpi)
    return " AND ".join(clauses), params


@dataclass(frozen=True)
class ConsentCounts:
    total: int  # records behind the slice (the KPI's n)
    consented: int  # of which may be listed

    @property
    def hidden(self) -> int:
        return self.total - self.consented


def consent_counts(source: Source, kpi: str, spec: FilterSpec) -> ConsentCounts:
    """How many records of ``kpi`` match ``spec``, and how many of them may be listed."""
    (kpi,) = check_kpis([kpi])
    where, params = _record_where(source, kpi, spec)
    table = KPIS[kpi].record_table
    total, consented = source.con.execute(
        f"SELECT count(*), count(*) FILTER (WHERE consent) "
        f"FROM (SELECT *, local_day(t) AS day FROM {table}) WHERE {where}",
        params,
    ).fetchone()
    return ConsentCounts(int(total), int(consented or 0))


def cell_records(
    source: Source, kpi: str, spec: FilterSpec, role: str, page: int, page_size: int
) -> tuple[pd.DataFrame, int]:
    """One page of the consented records behind ``spec`` (positional, for ``ui.cached``)."""
    result = record_page(source, kpi, spec, role=role, page=page, page_size=page_size)
    return result.rows, result.total


def all_cell_records(source: Source, kpi: str, spec: FilterSpec, role: str) -> pd.DataFrame:
    """Every consented record behind ``spec`` (for the CSV)."""
    total = consent_counts(source, kpi, spec).consented
    return record_page(source, kpi, spec, role=role, page=1, page_size=max(total, 1)).rows


def cell_verbatims(
    source: Source, kpi: str, spec: FilterSpec, role: str, limit: int
) -> pd.DataFrame:
    """The latest survey comments behind ``spec`` (consented only; empty for other KPIs)."""
    return survey_verbatims(source, kpi, spec, role=role, limit=limit)


def record_columns(kpi: str) -> tuple[str, ...]:
    """The columns a record of ``kpi`` shows, in order: id, time, person and the KPI's own
    fields first (what a reader looks for, visible without scrolling), then the dimensions."""
    first = ("record_id", "t", "person")
    return first + KPI_COLUMNS[kpi] + tuple(c for c in SHARED if c not in first)


def plain_text_table(
    df: pd.DataFrame, yes: str = "yes", no: str = "no", keep: Sequence[str] = (), lang: str = "en"
) -> pd.DataFrame:
    """Every cell as a plain string (None -> '', booleans as ``yes``/``no``, fractional numbers
    formatted in ``lang``): the data grid then shows the stored text literally, never as
    Markdown or HTML. Columns in ``keep`` (times) keep their type."""

    def cell(x: Any) -> str:
        if hasattr(x, "item") and not isinstance(x, str):
            x = x.item()  # numpy scalars to Python
        if x is None or x is pd.NA or x is pd.NaT or (isinstance(x, float) and math.isnan(x)):
            return ""
        if isinstance(x, bool):
            return yes if x else no
        if isinstance(x, float):
            return fmt_int(x, lang) if x.is_integer() else fmt_number(x, lang, 1)
        return str(x)

    out = df.copy()
    for col in out.columns:
        if col not in keep:
            out[col] = [cell(x) for x in out[col]]
    return out
