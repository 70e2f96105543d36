"""The one query path for every slice: sufficient statistics by any dimensions and filter
(from the cube, or from the record tables), and the rows ``cxm kpis`` prints."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from cxmetrics.core.privacy import k_threshold
from cxmetrics.metrics import quantiles, stats, suppression
from cxmetrics.metrics.churn import churn_stats
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.metrics.registry import (
    _STD_COLS,
    ALL_KPIS,
    KPIS,
    check_dims,
    check_kpis,
    record_stats_sql,
)
from cxmetrics.metrics.source import GroupStats, Source, has_people, record_filter, records_relation
from cxmetrics.metrics.timezones import end_of_day_utc, midnight_utc


def stats_sql(
    source: Source, kpis: Sequence[str], by: Sequence[str], spec: FilterSpec, from_records: bool = False,
    people: bool = False,
) -> tuple[str, list[Any]]:
    """SQL + parameters returning (by..., kpi, n, s1, s2) for every non-empty group; with
    ``people`` also ``np`` (records with a person)."""
    params: list[Any] = []
    cube_cols = _STD_COLS + (", np" if people else "")
    branches = []
    as_of = spec.as_of or source.default_as_of()
    cube = source.cube
    from_records = from_records or cube is None  # no cube kept for this time zone
    for k in kpis:
        kspec = KPIS[k]
        if k != "fcr":
            branches.append(
                record_stats_sql(kspec, people=people) if from_records
                else f"SELECT {cube_cols} FROM {cube} WHERE kpi = '{k}'"
            )
            continue
        if as_of is None:
            continue
        # An episode is eligible once its 7-day window has closed by as_of. Whole (local)
        # days before the boundary day come from the cube; the boundary day from the records.
        boundary = source.local_date(as_of - timedelta(days=7))
        if from_records:
            branches.append(record_stats_sql(kspec, "window_close <= ?", people=people))
            params.append(as_of)
        else:
            branches.append(f"SELECT {cube_cols} FROM {cube} WHERE kpi = 'fcr' AND day < ?")
            # the boundary day as an instant range (the same rows as local_day(t) = boundary,
            # without converting every record's time to the zone: 190 -> 50 ms at 30M events)
            branches.append(record_stats_sql(kspec, "t >= ? AND t < ? AND window_close <= ?", people=people))
            params += [boundary, midnight_utc(boundary, source.tz), end_of_day_utc(boundary, source.tz), as_of]
    if not branches:
        branches.append(record_stats_sql(KPIS['nps'], 'false', people=people))  # no rows, the right columns
    where, filter_params = record_filter(source, spec)
    params += filter_params
    group_cols = [f"{source.dim_sql(d)} AS {d}" for d in by]
    select = ", ".join(group_cols + ["kpi", "sum(n)::BIGINT AS n", "sum(s1) AS s1", "sum(s2) AS s2"]
                       + (["sum(np)::BIGINT AS np"] if people else []))
    sql = (
        f"SELECT {select} FROM ({' UNION ALL '.join(branches)}) b WHERE {' AND '.join(where)} "
        f"GROUP BY ALL HAVING sum(n) > 0"
    )
    return sql, params


def kpi_stats(
    source: Source,
    kpis: Sequence[str] | None = None,
    by: Sequence[str] = (),
    spec: FilterSpec | None = None,
    from_records: bool = False,
    *,
    role: str | None = None,
) -> list[GroupStats]:
    """Sufficient statistics per group and KPI, sorted by group values then KPI order.

    With ``role``, the groups as that role may see them: for a role without record-level
    access, cells with fewer than k people (and their complements) come back with zeroed
    statistics and ``suppressed`` set (``cxmetrics.metrics.suppression``). Every aggregate view
    passes its viewer's role; ``role=None`` is the engine's full answer (internal use).
    """
    kpis = check_kpis(kpis)
    by = check_dims(by)
    spec = spec or FilterSpec()
    people = from_records or has_people(source)
    out = churn_stats(source, kpis, by, spec)
    cubed = [k for k in kpis if KPIS[k].in_cube]
    if cubed:
        sql, params = stats_sql(source, cubed, by, spec, from_records, people)
        rows = source.con.execute(sql, params).fetchall()
        out += [
            GroupStats({d: r[i] for i, d in enumerate(by)}, r[len(by)], int(r[len(by) + 1]),
                       float(r[len(by) + 2]), float(r[len(by) + 3]),
                       int(r[len(by) + 4]) if people and r[len(by) + 4] is not None else None)
            for r in rows
        ]
    out.sort(key=lambda g: (tuple(g.group[d] for d in by), ALL_KPIS.index(g.kpi)))
    medians = [k for k in kpis if KPIS[k].kind == "median"]
    if medians:
        out = _with_distributions(source, out, medians, by, spec)
    if role is not None:
        out = suppression.apply(source, out, by, spec, role)
    return out


def p90_of(g: GroupStats) -> float | None:
    """A median KPI's 90th percentile in the group (None for other KPIs, an empty or a
    suppressed group)."""
    return None if g.suppressed or not g.dist else quantiles.percentile(g.dist, 0.9)


def baseline_columns(g: GroupStats) -> dict[str, Any]:
    """churn_after_bad_experience beside the same rate without a bad experience, and the
    difference (Newcombe interval, pooled z-test), as ``cxm kpis --json`` adds them."""
    if g.suppressed or g.baseline is None:
        return {k: None for k in ("baseline_value", "baseline_n", "baseline_ci_low", "baseline_ci_high", "diff",
                                  "diff_ci_low", "diff_ci_high", "p_value")}
    n0, x0 = g.baseline
    base = stats.rate_estimate(x0, n0)
    d = stats.rate_difference((g.s1, g.n), (x0, n0))
    return {"baseline_value": base.value, "baseline_n": n0, "baseline_ci_low": base.ci_low,
            "baseline_ci_high": base.ci_high, "diff": d.diff, "diff_ci_low": d.ci_low, "diff_ci_high": d.ci_high,
            "p_value": d.p_value}


def _with_distributions(source: Source, groups: list[GroupStats], kpis: Sequence[str], by: Sequence[str],
                        spec: FilterSpec) -> list[GroupStats]:
    """Median KPIs: each group's distribution of the KPI's value (value -> count) from the
    record table, under the same filter and grouping (a median is not additive)."""
    dists: dict[tuple, list[tuple[float, int]]] = {}
    for kpi in kpis:
        kspec = KPIS[kpi]
        where, params = record_filter(source, spec, kpi)
        cols = [f"{source.dim_sql(d)} AS {d}" for d in by]
        rows = source.con.execute(
            f"SELECT {', '.join([*cols, 'histogram(' + kspec.value + ') AS h'])} "
            f"FROM {records_relation(kspec.record_table)} WHERE {' AND '.join(where)} "
            f"AND {kspec.value} IS NOT NULL GROUP BY ALL", params).fetchall()
        for r in rows:
            if r[len(by)] is not None:  # no record at all: one empty group
                dists[(tuple(r[: len(by)]), kpi)] = sorted((float(v), int(c)) for v, c in r[len(by)].items())
    return [dataclasses.replace(g, dist=tuple(dists.get((tuple(g.group[d] for d in by), g.kpi), ())))
            if g.kpi in kpis else g for g in groups]


def kpi_table(
    source: Source,
    kpis: Sequence[str] | None = None,
    by: Sequence[str] = (),
    spec: FilterSpec | None = None,
    *,
    role: str | None = None,
) -> list[dict[str, Any]]:
    """Rows shaped as ``cxm kpis --json`` prints them.

    With a ``role`` without record-level access every row also has ``suppressed`` (null,
    "k" or "complement"); a suppressed row keeps its group and KPI, with value, n and
    interval null. Without a role (or for analysts and admins) the rows are the contract's.
    """
    restricted = role is not None and k_threshold(role) is not None
    rows = []
    for g in kpi_stats(source, kpis, by, spec, role=role):
        est = g.estimate
        row = {**g.group, "kpi": g.kpi, "value": est.value, "n": None if g.suppressed else est.n,
               "ci_low": est.ci_low, "ci_high": est.ci_high}
        if KPIS[g.kpi].kind == "median":
            row["p90"] = p90_of(g)
        if g.kpi == "churn_after_bad_experience":
            row.update(baseline_columns(g))
        if restricted:
            row["suppressed"] = g.suppressed
        rows.append(row)
    return rows
