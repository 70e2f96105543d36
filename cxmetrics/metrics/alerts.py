"""Statistical alerts on daily KPI series: control charts and CUSUM, seasonality-aware.

For one daily series (a KPI on one channel, or one intent) each day's value is turned
into a z-score against what that *weekday* looked like in a baseline window (so the
weekly pattern of the demo raises nothing):

    z_d = (x_d − μ_weekday) / √(v / n_d)

where x_d is the day's value on the display scale, n_d its records and v the per-record
variance in the baseline: p(1 − p)·100² for rates (a p-chart), (p + d − (p − d)²)·100²
for NPS (its own variance), s² for CES. Laney's correction divides by σ_z, the
over-/under-dispersion of the baseline z-scores estimated from their average moving
range (MR̄ / 1.128), so very large daily n does not make every wobble an alert: this is
the Laney p′ chart for rates and its analogue for NPS and CES.

Two rules raise an alert, each only in the KPI's *bad* direction:
- **point**: a day beyond 4 σ_z (a sudden drop);
- **cusum**: a one-sided CUSUM of z/σ_z with slack k = 0.5 crossing h = 6 (a sustained
  drift), reported from the day the CUSUM last left zero.

The thresholds are set for many series watched at once: on simulated stable series with
a strong weekly pattern about 2 % of series raise anything in a 14-day window, while an
8-point drop in a rate or a 20-point drop in NPS is flagged by the fifth day
(tests/test_alerts.py).

Days whose outcomes are still open are left out (journeys and handoffs: the last day;
FCR: episodes whose 7-day window has not closed are not records yet, and the day after is
left out too; a partial last day is always left out), and so is any day whose expected
count is too small to judge (fewer than 5 expected successes or failures for a rate, or
fewer than 20 records).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from urllib.parse import quote

import numpy as np

from cxmetrics.core.privacy import k_threshold
from cxmetrics.metrics.compare import compare_periods, last_closed_period
from cxmetrics.metrics.engine import kpi_stats
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.metrics.registry import KPI_ORDER, KPIS
from cxmetrics.metrics.source import Source
from cxmetrics.metrics.suppression import person_bounds

BASELINE_DAYS = 56
MONITOR_DAYS = 14
POINT_SIGMA = 4.0
CUSUM_K = 0.5
CUSUM_H = 6.0
MIN_EXPECTED = 5
MIN_RECORDS = 20
# Days at the end whose outcomes are still open, per KPI (beyond a partial last day).
OPEN_DAYS = {"journey_completion": 1, "handoff_abandonment": 1, "fcr": 8}


@dataclass(frozen=True)
class DailyPoint:
    day: date
    n: int
    value: float | None
    z: float | None  # standardized, already divided by sigma_z; None when not judged


@dataclass(frozen=True)
class Alert:
    kpi: str
    channel: str | None
    intent: str | None
    rule: str  # "point" | "cusum" | "recurring"
    since: date
    last_day: date
    expected: float | None
    observed: float | None
    size: float | None  # observed − expected, display units
    z: float | None
    n: int
    link: str
    region: str | None = None  # a region series (the channel and intent fields are then None)

    @property
    def slice(self) -> tuple[str, str | None]:
        """(dimension, value) of the series: ('channel', 'ivr'), ('region', 'Andalucía')..."""
        for dim in ("region", "intent", "channel"):  # a series of intents or regions may carry the filter's channel
            value = getattr(self, dim)
            if value is not None:
                return dim, value
        return "all", None

    def to_json(self) -> dict:
        d = asdict(self)
        d["since"], d["last_day"] = self.since.isoformat(), self.last_day.isoformat()
        return d


def per_record_variance(kind: str, n: float, s1: float, s2: float) -> float:
    """Variance of one record's outcome on the display scale."""
    if kind == "nps":
        p, d = s1 / n, s2 / n
        return 100.0**2 * max(p + d - (p - d) ** 2, 0.0)
    if kind == "rate":
        p = s1 / n
        return 100.0**2 * p * (1 - p)
    mean = s1 / n
    return max((s2 - n * mean * mean) / max(n - 1, 1), 0.0)


def _value(kind: str, n: float, s1: float, s2: float) -> float:
    if kind == "nps":
        return 100.0 * (s1 - s2) / n
    if kind == "rate":
        return 100.0 * s1 / n
    return s1 / n


def judge_series(
    days: Sequence[date],
    stats_by_day: dict[date, tuple[float, float, float]],
    kind: str,
    higher_is_better: bool,
    monitor_from: date,
) -> tuple[list[DailyPoint], dict]:
    """Standardize each day against its weekday's baseline; returns points and the baseline.

    ``days`` is the full calendar (baseline then monitoring window); days before
    ``monitor_from`` form the baseline.
    """
    base_days = [d for d in days if d < monitor_from]
    by_weekday: dict[int, list[float]] = {}
    for d in base_days:
        if d in stats_by_day:
            n, s1, s2 = stats_by_day[d]
            acc = by_weekday.setdefault(d.weekday(), [0.0, 0.0, 0.0])
            acc[0] += n
            acc[1] += s1
            acc[2] += s2
    total = [sum(v[i] for v in by_weekday.values()) for i in range(3)]
    if total[0] < MIN_RECORDS * 7:
        return [], {}
    pooled_var = per_record_variance(kind, *total)
    mean_by_weekday = {w: _value(kind, *v) for w, v in by_weekday.items() if v[0] > 0}

    def raw_z(d: date) -> tuple[float | None, float | None, int]:
        if d not in stats_by_day or d.weekday() not in mean_by_weekday:
            return None, None, 0
        n, s1, s2 = stats_by_day[d]
        x = _value(kind, n, s1, s2)
        mu = mean_by_weekday[d.weekday()]
        if kind == "rate":
            p = mu / 100.0
            if n * p < MIN_EXPECTED or n * (1 - p) < MIN_EXPECTED:
                return None, x, int(n)
            var = 100.0**2 * p * (1 - p)
        else:
            if n < MIN_RECORDS:
                return None, x, int(n)
            var = pooled_var
        if var <= 0:
            return None, x, int(n)
        return (x - mu) / math.sqrt(var / n), x, int(n)

    base_z = [z for z in (raw_z(d)[0] for d in base_days) if z is not None]
    if len(base_z) < 14:
        return [], {}
    moving_ranges = np.abs(np.diff(np.array(base_z)))
    sigma_z = max(float(moving_ranges.mean()) / 1.128, 1e-9)
    sign = 1.0 if higher_is_better else -1.0  # bad direction is negative after this
    points = []
    for d in days:
        if d < monitor_from:
            continue
        z, x, n = raw_z(d)
        points.append(DailyPoint(d, n, x, None if z is None else sign * z / sigma_z))
    return points, {"sigma_z": sigma_z, "mean_by_weekday": mean_by_weekday}


def find_alerts(points: Sequence[DailyPoint]) -> list[tuple[str, date, date]]:
    """(rule, since, last_day) for point and CUSUM signals in the bad direction."""
    out = []
    for p in points:
        if p.z is not None and p.z < -POINT_SIGMA:
            out.append(("point", p.day, p.day))
    s, start = 0.0, None
    for p in points:
        if p.z is None:
            continue
        s_new = max(0.0, s - p.z - CUSUM_K)
        if s == 0.0 and s_new > 0.0:
            start = p.day
        s = s_new
        if s > CUSUM_H:
            out.append(("cusum", start or p.day, p.day))
            s, start = 0.0, None
    return out


def last_judged_day(source: Source, kpi: str) -> date | None:
    if source.max_ts is None:
        return None
    last = source.max_day
    if source.local_date(source.max_ts + timedelta(hours=1)) == last:
        last -= timedelta(days=1)  # a partial last day (data ends before 23:00 local) never looks like a drop
    return last - timedelta(days=OPEN_DAYS.get(kpi, 0))


def _link(kpi: str, channel: str | None, intent: str | None, since: date, last: date,
          region: str | None = None) -> str:
    parts = [f"kpi={kpi}", f"from={since.isoformat()}", f"to={last.isoformat()}"]
    for dim, value in (("channel", channel), ("intent", intent), ("region", region)):
        if value:
            parts.append(f"{dim}={quote(value)}")
    return "channels?" + "&".join(parts)


def series_alerts(
    source: Source, kpi: str, by: str = "channel", spec: FilterSpec | None = None, monitor_days: int = MONITOR_DAYS
) -> list[Alert]:
    """Alerts for one KPI, one daily series per value of ``by`` (channel, intent or region)."""
    last = last_judged_day(source, kpi)
    if last is None:
        return []
    monitor_from = last - timedelta(days=monitor_days - 1)
    first = monitor_from - timedelta(days=BASELINE_DAYS)
    base = (spec or FilterSpec()).model_copy(update={"date_from": first, "date_to": last})
    kspec = KPIS[kpi]
    series: dict[str, dict[date, tuple[float, float, float]]] = {}
    for g in kpi_stats(source, [kpi], [by, "day"], base):
        series.setdefault(g.group[by], {})[date.fromisoformat(g.group["day"])] = g.triple
    calendar = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    alerts = []
    for key, stats_by_day in sorted(series.items()):
        points, baseline = judge_series(calendar, stats_by_day, kspec.kind, kspec.higher_is_better, monitor_from)
        for rule, since, until in find_alerts(points):
            window = [p for p in points if since <= p.day <= until and p.value is not None]
            n = sum(p.n for p in window)
            observed = (sum(p.value * p.n for p in window) / n) if n else None
            expected = None
            if window and baseline:
                expected = sum(baseline["mean_by_weekday"].get(p.day.weekday(), 0.0) * p.n for p in window) / n
            zs = [p.z for p in window if p.z is not None]
            channel = key if by == "channel" else (spec.dims.get("channel", (None,))[0] if spec else None)
            intent = key if by == "intent" else None
            region = key if by == "region" else None
            alerts.append(Alert(kpi, channel, intent, rule, since, until, expected, observed,
                                None if observed is None or expected is None else observed - expected,
                                min(zs) if zs else None, n, _link(kpi, channel, intent, since, until, region),
                                region))
    return alerts


# The series watched: every KPI by each of these dimensions.
SERIES_DIMENSIONS = ("channel", "intent", "region")


def all_alerts(source: Source, spec: FilterSpec | None = None) -> list[Alert]:
    """Every KPI by channel, by intent and by region (days too small to judge are
    skipped), plus recurring-query alerts. Computed once per source and filter."""
    key = ("all_alerts", (spec or FilterSpec()).model_dump_json())
    return list(source.memo(key, lambda: _all_alerts(source, spec)))


def _all_alerts(source: Source, spec: FilterSpec | None) -> list[Alert]:
    out: list[Alert] = []
    for kpi in KPI_ORDER:  # the six of section 4 (the noise figures of docs/metrics.md are for them)
        for dim in SERIES_DIMENSIONS:
            out += series_alerts(source, kpi, dim, spec)
    out += recurring_query_alerts(source, spec)
    # One alert per (kpi, where, rule): the most recent signal.
    latest: dict[tuple, Alert] = {}
    for a in out:
        key = (a.kpi, a.channel, a.intent, a.region, a.rule)
        if key not in latest or a.last_day > latest[key].last_day:
            latest[key] = a
    return sorted(latest.values(), key=lambda a: (a.last_day, a.kpi), reverse=True)


def alerts_for_role(
    source: Source, alerts: Sequence[Alert], spec: FilterSpec | None = None, *, role: str
) -> list[dict]:
    """Alerts as ``role`` may see them (``Alert.to_json`` plus ``suppressed``).

    Alerts are found on every record; for a role without record-level access, an alert
    whose cell (its KPI, channel or intent, and days ``since``..``last_day`` under ``spec``)
    holds fewer than k people keeps its place and rule, with expected, observed, size, z
    and n withheld (``cxmetrics.metrics.suppression``)."""
    out = []
    k = k_threshold(role)
    clear = _clearly_enough_people(source, alerts, spec, person_bounds(source, k)) if k is not None else set()
    for i, a in enumerate(alerts):
        row = {**a.to_json(), "suppressed": None}
        if k is not None and i not in clear:
            dims = {d: (v,) for d, v in (("channel", a.channel), ("intent", a.intent), ("region", a.region)) if v}
            cell = (spec or FilterSpec()).with_dims(**dims).model_copy(
                update={"date_from": a.since, "date_to": a.last_day})
            groups = kpi_stats(source, [a.kpi], [], cell, role=role)
            if not groups or groups[0].suppressed:
                row.update(expected=None, observed=None, size=None, z=None, n=None,
                           suppressed=groups[0].suppressed if groups else "k")
        out.append(row)
    return out


def _clearly_enough_people(
    source: Source, alerts: Sequence[Alert], spec: FilterSpec | None, bounds: dict[str, int]
) -> set[int]:
    """Indexes of the alerts whose cell has more records with a person than k − 1 persons can
    hold (so at least k people): one cube query per KPI instead of one per alert."""
    out: set[int] = set()
    for kpi in {a.kpi for a in alerts}:
        mine = [(i, a) for i, a in enumerate(alerts) if a.kpi == kpi]
        if kpi not in bounds:
            continue
        window = (spec or FilterSpec()).model_copy(
            update={"date_from": min(a.since for _, a in mine), "date_to": max(a.last_day for _, a in mine)})
        groups = kpi_stats(source, [kpi], ["channel", "intent", "region", "day"], window)
        for i, a in mine:
            np_sum = 0
            for g in groups:
                if g.np is None:
                    np_sum = -1
                    break
                if ((a.channel is None or g.group["channel"] == a.channel)
                        and (a.intent is None or g.group["intent"] == a.intent)
                        and (a.region is None or g.group["region"] == a.region)
                        and a.since.isoformat() <= g.group["day"] <= a.last_day.isoformat()):
                    np_sum += g.np
            if np_sum > bounds[kpi]:
                out.add(i)
    return out


def recurring_query_alerts(source: Source, spec: FilterSpec | None = None) -> list[Alert]:
    """Intents whose repeat-contact rate (100 − FCR) rose significantly, last closed period
    vs the previous one (BH across intents, minimum n on both sides)."""
    period = last_closed_period(source)
    if period is None:
        return []
    out = []
    for c in compare_periods(source, period, ["fcr"], ["intent"], spec):
        if c.significant and c.difference.diff is not None and c.difference.diff < 0:
            out.append(Alert("fcr", None, c.group["intent"], "recurring", period.start, period.end,
                             None if c.previous.value is None else 100 - c.previous.value,
                             None if c.current.value is None else 100 - c.current.value,
                             -c.difference.diff, None, c.current.n,
                             _link("fcr", None, c.group["intent"], period.start, period.end)))
    return out
