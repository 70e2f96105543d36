"""churn_rate and churn_after_bad_experience for any grouping and filter
(CONTRACT.md section 8; docs/metrics.md, "The period of the churn KPIs").

A record is a (person, period): the period is each bucket of the query's time dimensions
(grouped by or filtered on; several: the days they share) clipped to ``--from``/``--to``,
or the range itself without a time dimension. The person is active in it (an event on one of its local days) and has
no ``churn`` before its first day. ``churn_rate`` counts those whose first churn falls in
the period; ``churn_after_bad_experience`` takes the ones with a negative experience in it
and counts a churn within 30 days of the first one, and beside it the same for the others,
from their first event in the period (the baseline).

Each record is one person, so n is the number of people of the cell (k-anonymity counts
it directly). Channel, intent, journey_type, identity_state, theme and sentiment are
``unknown`` for a person.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from cxmetrics.core.errors import UserError
from cxmetrics.metrics.filters import CATEGORICAL_DIMS, TIME_DIMS, FilterSpec
from cxmetrics.metrics.source import GroupStats, Source
from cxmetrics.metrics.timezones import day_sql

CHURN_KPIS = ("churn_rate", "churn_after_bad_experience")
PERSON_DIMS = ("segment", "value_tier", "region", "plan")
WINDOW_DAYS = 30
FAR_PAST, FAR_FUTURE = date(1, 1, 1), date(9999, 12, 31)


NEGATIVE_SQL = """
    SELECT person, t FROM rec_survey
    WHERE (survey_type = 'nps' AND score <= 6) OR (survey_type = 'csat' AND score <= 2)
       OR (survey_type = 'ces' AND score <= 3)
    UNION ALL SELECT person, t FROM rec_handoff WHERE abandoned
    UNION ALL SELECT person, t FROM rec_fcr WHERE NOT resolved"""


def activity_sql(zone: str, events: str = "ev") -> str:
    """(zone, person, day, first_ts, first_neg_ts) of the customers' active days in ``zone``
    (a name checked by ``timezones.check_tz``): what ``rec_activity`` stores per served zone."""
    day, neg_day = day_sql(zone, "e.ts"), day_sql(zone, "n.t")
    return f"""
        WITH act AS (
            SELECT e.person, {day} AS day, min(e.ts) AS first_ts
            FROM {events} e WHERE e.person_is_customer GROUP BY ALL),
        neg AS (
            SELECT n.person, {neg_day} AS day, min(n.t) AS first_neg_ts
            FROM ({NEGATIVE_SQL}) n JOIN rec_churn_person p USING (person) GROUP BY ALL)
        SELECT '{zone}' AS zone, a.person, a.day, a.first_ts, n.first_neg_ts
        FROM act a LEFT JOIN neg n USING (person, day)"""



def bucket_bounds(dim: str, anchor: date, period_days: int, col: str = "day") -> tuple[str, str]:
    """SQL of the first and last day of ``col``'s bucket of a time dimension."""
    if dim == "day":
        return col, col
    if dim == "week":
        return f"CAST(date_trunc('week', {col}) AS DATE)", f"CAST(date_trunc('week', {col}) AS DATE) + 6"
    if dim == "month":
        return f"CAST(date_trunc('month', {col}) AS DATE)", f"CAST(last_day({col}) AS DATE)"
    a = f"DATE '{anchor.isoformat()}'"
    start = f"CAST({a} + CAST(floor(datediff('day', {a}, {col}) / {period_days}) * {period_days} AS INTEGER) AS DATE)"
    return start, f"{start} + {period_days - 1}"


def _counts(cday: str) -> str:
    """The six counts of a (person, bucket) relation ``pb`` joined to persons ``p``."""
    active = f"({cday} IS NULL OR {cday} >= pb.bstart)"
    window = f"INTERVAL {WINDOW_DAYS} DAY"
    return f"""count(*) FILTER (WHERE {active}) AS n,
            count(*) FILTER (WHERE {cday} BETWEEN pb.bstart AND pb.bend) AS churned,
            count(*) FILTER (WHERE {active} AND pb.first_neg IS NOT NULL) AS n_bad,
            count(*) FILTER (WHERE {active} AND pb.first_neg IS NOT NULL
                             AND p.first_churn_ts BETWEEN pb.first_neg AND pb.first_neg + {window}) AS churned_bad,
            count(*) FILTER (WHERE {active} AND pb.first_neg IS NULL) AS n_ok,
            count(*) FILTER (WHERE {active} AND pb.first_neg IS NULL
                             AND p.first_churn_ts BETWEEN pb.first_ts AND pb.first_ts + {window}) AS churned_ok"""


COUNTS = ("n", "churned", "n_bad", "churned_bad", "n_ok", "churned_ok")
GRAINS = ("all", "day", "week", "month", "period")


def churn_cube_sql(zone: str, anchor: date, period_days: int) -> str:
    """The churn KPIs' counts per (grain, bucket, person dimensions) in ``zone``: what a
    question grouped by one time dimension, or asking for one whole bucket, adds up."""
    cday = day_sql(zone, "p.first_churn_ts")
    parts = []
    for grain in GRAINS:
        if grain == "all":
            start, end = f"DATE '{FAR_PAST}'", f"DATE '{FAR_FUTURE}'"
        else:
            start, end = bucket_bounds(grain, anchor, period_days)
        parts.append(f"""
        SELECT '{zone}' AS zone, '{grain}' AS grain, pb.bstart AS bucket, {', '.join('p.' + d for d in PERSON_DIMS)},
               {_counts(cday)}
        FROM (SELECT person, {start} AS bstart, min({end}) AS bend, min(first_ts) AS first_ts,
                     min(first_neg_ts) AS first_neg
              FROM rec_activity WHERE zone = '{zone}' GROUP BY ALL) pb
        JOIN rec_churn_person p USING (person)
        GROUP BY ALL""")
    return " UNION ALL ".join(parts)


def _activity(source: Source) -> str:
    """The activity rows of the source's zone: stored, or computed from ``ev``."""
    served = source.extra.get("activity_zones")
    if served is None:
        rows = source.con.execute("SELECT DISTINCT zone FROM rec_activity").fetchall()
        served = source.extra["activity_zones"] = {r[0] for r in rows}
    if source.tz in served:
        return f"(SELECT person, day, first_ts, first_neg_ts FROM rec_activity WHERE zone = '{source.tz}')"
    if not served:  # no customer was ever active (no row in any zone): none is in this zone either
        return "(SELECT person, day, first_ts, first_neg_ts FROM rec_activity WHERE false)"
    try:
        source.con.execute("SELECT 1 FROM ev LIMIT 0")
    except Exception:  # a snapshot serves only its zones
        raise UserError(f"churn figures in {source.tz} need the writer's database (this snapshot has "
                        f"{', '.join(sorted(served))})") from None
    return f"(SELECT person, day, first_ts, first_neg_ts FROM ({activity_sql(source.tz)}))"


def activity_relation(source: Source) -> str:
    """The (person, day, first_ts, first_neg_ts) rows of ``rec_activity`` in the source's
    zone, as a relation: the same rows the churn KPIs count (for views beside them)."""
    return _activity(source)


def churn_stats(source: Source, kpis: Sequence[str], by: Sequence[str], spec: FilterSpec) -> list[GroupStats]:
    """GroupStats of the churn KPIs asked for (``baseline`` = (n, churned) of the persons
    without a negative experience, for churn_after_bad_experience)."""
    kpis = [k for k in kpis if k in CHURN_KPIS]
    if not kpis or spec.empty_range:
        return []
    # a person has no channel, intent...: only 'unknown' passes a filter on those
    for dim, values in spec.dims.items():
        if dim in CATEGORICAL_DIMS and dim not in PERSON_DIMS and "unknown" not in values:
            return []
    group = [*(d for d in by if d in TIME_DIMS), *(d for d in by if d not in TIME_DIMS)]
    person_where, person_params = ["true"], []
    for dim, values in spec.dims.items():
        if dim in PERSON_DIMS:
            person_where.append(f"{dim} IN ({', '.join('?' for _ in values)})")
            person_params.extend(values)
    plan = _cube_plan(source, by, spec)
    if plan is not None:  # a question the churn cube answers: sums over it
        grain, buckets = plan
        outer = [source.dim_sql(d) + f" AS {d}" if d in TIME_DIMS else (d if d in PERSON_DIMS else f"'unknown' AS {d}")
                 for d in group]
        where = ["zone = ?", "grain = ?", *person_where]
        params: list[Any] = [source.tz, grain, *person_params]
        if buckets is not None:
            where.append("day BETWEEN ? AND ?")
            params += list(buckets)
        sql = (f"SELECT {', '.join([*outer, *(f'sum({c})' for c in COUNTS)])} "
               f"FROM (SELECT *, bucket AS day FROM churn_cube) c WHERE {' AND '.join(where)} GROUP BY ALL")
        return _groups(source.con.execute(sql, params).fetchall(), group, kpis)
    # the period's buckets: the time dimensions grouped by, and those filtered on (a filter
    # month=2026-02 makes months the periods even without --by month)
    time_dims = list(dict.fromkeys([*(d for d in by if d in TIME_DIMS), *(d for d in spec.dims if d in TIME_DIMS)]))
    params: list[Any] = []
    where = ["true"]
    if spec.date_from:
        where.append("day >= ?")
        params.append(spec.date_from)
    if spec.date_to:
        where.append("day <= ?")
        params.append(spec.date_to)
    for dim, values in spec.dims.items():  # time-bucket filters select the days of the bucket
        if dim in TIME_DIMS:
            where.append(f"{source.dim_sql(dim)} IN ({', '.join('?' for _ in values)})")
            params.extend(values)
    labels = [f"{source.dim_sql(d)} AS {d}" for d in time_dims]
    starts = [bucket_bounds(d, source.anchor, source.period_days)[0] for d in time_dims]
    ends = [bucket_bounds(d, source.anchor, source.period_days)[1] for d in time_dims]
    starts.append("CAST(? AS DATE)")
    ends.append("CAST(? AS DATE)")
    b_params = [spec.date_from or FAR_PAST, spec.date_to or FAR_FUTURE]
    person_where = ["p." + w if w != "true" else w for w in person_where]
    outer = [d if d in TIME_DIMS else (f"p.{d} AS {d}" if d in PERSON_DIMS else f"'unknown' AS {d}") for d in group]
    cday = day_sql(source.tz, "p.first_churn_ts")
    sql = f"""
        WITH a AS (SELECT person, day, first_ts, first_neg_ts{''.join(', ' + x for x in labels)},
                          greatest({', '.join(starts)}) AS bstart, least({', '.join(ends)}) AS bend
                   FROM {_activity(source)} WHERE {' AND '.join(where)}),
        pb AS (SELECT person{''.join(', ' + d for d in time_dims)}, min(bstart) AS bstart, min(bend) AS bend,
                      min(first_ts) AS first_ts, min(first_neg_ts) AS first_neg
               FROM a GROUP BY ALL)
        SELECT {', '.join([*outer, ''])}{_counts(cday)}
        FROM pb JOIN rec_churn_person p USING (person)
        WHERE {' AND '.join(person_where)}
        GROUP BY ALL"""
    return _groups(source.con.execute(sql, b_params + params + person_params).fetchall(), group, kpis)


def _groups(rows: list[tuple], group: list[str], kpis: list[str]) -> list[GroupStats]:
    out = []
    w = len(group)
    for r in rows:
        g = {d: str(r[i]) for i, d in enumerate(group)}
        n, churned, n_bad, churned_bad, n_ok, churned_ok = (int(x or 0) for x in r[w:])
        if "churn_rate" in kpis and n:
            out.append(GroupStats(g, "churn_rate", n, float(churned), 0.0, np=n))
        if "churn_after_bad_experience" in kpis and n_bad:
            out.append(GroupStats(g, "churn_after_bad_experience", n_bad, float(churned_bad), 0.0, np=n_bad,
                                  baseline=(n_ok, churned_ok)))
    return out


def _cube_plan(source: Source, by: Sequence[str], spec: FilterSpec) -> tuple[str, tuple[date, date] | None] | None:
    """(grain, bucket range) when the churn cube answers the question: the source's zone is
    in it, no time-bucket filter, at most one time dimension, and a date range made of
    whole buckets of that grain (or, without a time dimension, exactly one bucket)."""
    zones = source.extra.get("churn_cube_zones")
    if zones is None:
        try:
            zones = {r[0] for r in source.con.execute("SELECT DISTINCT zone FROM churn_cube").fetchall()}
        except Exception:  # noqa: BLE001 - a model or snapshot built before the churn cube
            zones = set()
        source.extra["churn_cube_zones"] = zones
    if source.tz not in zones or any(d in TIME_DIMS for d in spec.dims):
        return None
    times = [d for d in by if d in TIME_DIMS]
    lo, hi = spec.date_from, spec.date_to
    if len(times) > 1:
        return None
    if not times:
        if lo is None and hi is None:
            return "all", None
        if lo is None or hi is None:
            return None
        for grain in ("period", "month", "week", "day"):
            if _bucket(source, grain, lo) == (lo, hi):
                return grain, (lo, lo)
        return None
    grain = times[0]
    if (lo is not None and _bucket(source, grain, lo)[0] != lo) or (hi is not None and _bucket(source, grain, hi)[1] != hi):
        return None
    return grain, (lo or FAR_PAST, hi or FAR_FUTURE)


def _bucket(source: Source, grain: str, day: date) -> tuple[date, date]:
    """The first and last day of ``day``'s bucket (Python twin of ``bucket_bounds``)."""
    if grain == "day":
        return day, day
    if grain == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if grain == "month":
        start = day.replace(day=1)
        nxt = (start + timedelta(days=32)).replace(day=1)
        return start, nxt - timedelta(days=1)
    start = source.anchor + timedelta(days=((day - source.anchor).days // source.period_days) * source.period_days)
    return start, start + timedelta(days=source.period_days - 1)
