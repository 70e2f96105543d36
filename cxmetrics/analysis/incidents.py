"""Incidents: the alerts and significant changes of a review period that share a cause.

A committee cannot act on 47 alerts. Most of them are the same few events seen through
many slices: an outage in one region lowers FCR, CSAT and NPS on every channel its
customers use; a broken bot handoff raises abandonment and lowers the chatbot's NPS.
This module groups the period's **signals** (alerts whose last day is in the period, and
significant period-over-period changes) into **incidents** and ranks them.

Grouping (``group_signals``):

1. **Explained by a root slice.** A signal on slice S (a channel, an intent, a region, a
   segment, a value tier, or everything) is *explained* by another slice R when, with R's
   records taken out of S, at most half of S's deviation is left (the deviation is the
   signal's KPI over its window minus its baseline, in the KPI's bad direction; the
   statistics are additive, so S without R is S − S∩R). Greedily, the slice that
   explains the most (by impact) becomes an incident's root and takes every signal it
   explains, then the next one among what is left.
2. **Same slice**: signals on one slice with overlapping windows (different KPIs of one
   channel, region or intent).
3. **Same KPI across one dimension**: the same KPI alerting on several values of one
   dimension (three channels) with onsets at most a day apart.

Rules 2 and 3 need only the signals (``tests/test_incidents.py`` checks them on literal
fixtures); rule 1 needs the data (``build_incidents``).

Ranking: **impact** = the records of the root slice during the incident of every KPI that
moved there, each weighted by the standardized size of its move (window − baseline in the
KPI's bad direction, divided by the per-record standard deviation): roughly "how many
experiences got how much worse". The people affected (distinct persons behind those
records) are reported beside it. Bad-direction incidents first; an improvement has
negative impact.

Noise control: an incident is reported only when its lead effect (window vs baseline,
the KPI's own test) survives Benjamini–Hochberg across every series watched in the
period (``m`` = KPI × slice series with data), so a single stray alert among a hundred
quiet series does not make an incident. The figures (false incidents per period on
stable data, detection delay on the planted stories) are in docs/metrics.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from urllib.parse import quote

import numpy as np
import pandas as pd

from cxmetrics.core.settings import get_settings
from cxmetrics.metrics import alerts as alerts_mod
from cxmetrics.metrics import stats
from cxmetrics.metrics.compare import Period, compare_periods_family
from cxmetrics.metrics.engine import stats_sql
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.metrics.registry import KPI_ORDER, KPIS
from cxmetrics.metrics.source import Source, record_filter, records_relation

# The slices signals are cut by, and the ones a root may be.
SLICE_DIMENSIONS = ("channel", "intent", "region", "segment", "value_tier")
CHANGE_DIMENSIONS = ("channel", "intent", "region", "segment", "value_tier")
BASELINE_DAYS = alerts_mod.BASELINE_DAYS
EXPLAINED_SHARE = 0.5  # a signal is explained when at most this share of its deviation is left
ROOT_SHARE = 0.3  # ... or when the rest is not significant and the root carried this share of the excess
ONSET_TOLERANCE_DAYS = 1
MAX_SHOWN = 5
JOINT_ROOTS = 3  # joint explanations are tried for pairs of the first roots found

Triple = tuple[float, float, float]  # (n, s1, s2)


@dataclass(frozen=True)
class Signal:
    """One alert or significant change: a KPI on a slice that moved in a window."""

    kind: str  # "alert" | "change"
    rule: str  # point, cusum, recurring (alerts) or "period" (changes)
    kpi: str
    dim: str  # "all" or a dimension of SLICE_DIMENSIONS
    value: str | None
    since: date
    until: date
    expected: float | None  # baseline (alerts) or previous period (changes), display units
    observed: float | None
    n: int
    bad: bool  # the move goes the KPI's bad way

    @property
    def slice(self) -> tuple[str, str | None]:
        return self.dim, self.value

    def overlaps(self, other: Signal) -> bool:
        return self.since <= other.until and other.since <= self.until


@dataclass(frozen=True)
class Incident:
    dim: str
    values: tuple[str, ...]  # the root slice's values (several for rule 3)
    kpis: tuple[str, ...]  # the KPIs it moves, lead first
    lead: str  # the KPI of the largest standardized effect on the root slice
    onset: date
    until: date
    baseline: float | None  # the lead KPI before and during, display units
    during: float | None
    people: int  # distinct persons with records of the moved KPIs in the root slice and window
    records: int  # lead-KPI records in the root slice and window
    effect: float  # standardized size of the lead effect (|during − baseline| / sd)
    impact: float  # Σ records × standardized effect over the KPIs moved on the root slice
    bad: bool
    p_value: float | None
    q_value: float | None
    reported: bool  # survives BH across the series watched
    signals: tuple[Signal, ...] = field(default=())

    @property
    def slices_moved(self) -> list[tuple[str, str | None]]:
        return sorted({s.slice for s in self.signals}, key=lambda x: (x[0], x[1] or ""))

    def link(self) -> str:
        """The Channels & cohorts view of the lead KPI on the root slice during the incident."""
        parts = [f"kpi={self.lead}", f"from={self.onset.isoformat()}", f"to={self.until.isoformat()}"]
        if self.dim != "all":
            parts += [f"{self.dim}={quote(v)}" for v in self.values]
        return "channels?" + "&".join(parts)

    def to_json(self) -> dict:
        return {
            "dimension": self.dim, "values": list(self.values), "kpis": list(self.kpis), "lead": self.lead,
            "onset": self.onset.isoformat(), "until": self.until.isoformat(), "baseline": self.baseline,
            "during": self.during, "people": self.people, "records": self.records, "effect": self.effect,
            "impact": self.impact, "bad": self.bad, "p_value": self.p_value, "q_value": self.q_value,
            "reported": self.reported, "link": self.link(),
            "signals": [
                {"kind": s.kind, "rule": s.rule, "kpi": s.kpi, "dimension": s.dim, "value": s.value,
                 "since": s.since.isoformat(), "until": s.until.isoformat(), "expected": s.expected,
                 "observed": s.observed, "n": s.n, "bad": s.bad}
                for s in self.signals
            ],
        }


# --------------------------------------------------------------------------- signals


def signals_from_alerts(alerts: Sequence[alerts_mod.Alert]) -> list[Signal]:
    out = []
    for a in alerts:
        dim, value = a.slice
        out.append(Signal("alert", a.rule, a.kpi, dim, value, a.since, a.last_day, a.expected, a.observed,
                          a.n, bad=True))  # alerts are raised only in the KPI's bad direction
    return out


def change_signals(source: Source, period: Period, spec: FilterSpec | None = None) -> list[Signal]:
    """The period's significant changes vs the previous period (one BH family)."""
    out = []
    for row in compare_periods_family(source, period, CHANGE_DIMENSIONS, None, spec):
        c = row.comparison
        if not c.significant:
            continue
        value = None if row.dimension == "all" else c.group[row.dimension]
        out.append(Signal("change", "period", c.kpi, row.dimension, value, period.start, period.end,
                          c.previous.value, c.current.value, c.current.n, bad=not c.improved))
    return out


# --------------------------------------------------------------------------- grouping


def _union_find(n: int) -> tuple[Callable[[int], int], Callable[[int, int], None]]:
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)

    return find, union


def related(a: Signal, b: Signal) -> bool:
    """Rules 2 and 3: same slice with overlapping windows, or the same KPI on another value
    of the same dimension with onsets at most a day apart (alerts: a change has no onset)."""
    if a.bad != b.bad or not a.overlaps(b):
        return False
    if a.slice == b.slice:
        return True
    return (a.kind == b.kind == "alert" and a.kpi == b.kpi and a.dim == b.dim and a.dim != "all"
            and abs((a.since - b.since).days) <= ONSET_TOLERANCE_DAYS)


@dataclass(frozen=True)
class Group:
    """Signals with one cause: the root slice (one dimension, one or several values)."""

    dim: str
    values: tuple[str, ...]
    signals: tuple[Signal, ...]


Slice = tuple[str, str | None]


def group_signals(
    signals: Sequence[Signal],
    explains: Callable[[Sequence[Slice], Signal], bool] | None = None,
    weight: Callable[[Signal], float] | None = None,
    left_share: Callable[[Slice, Signal], float] | None = None,
) -> list[Group]:
    """Signals grouped into incidents (rules 1-3 of the module docstring).

    ``explains(root_slices, signal)`` says whether taking the slices' records out of the
    signal's slice removes its deviation (rule 1; None skips it); ``weight`` orders
    candidate roots (default: the signal's n). A signal that no root explains alone but
    two roots explain together (a drop in one segment made of the outage and the broken
    bot) joins the root that leaves less of it (``left_share``: the share of the
    deviation left without the root)."""
    weight = weight or (lambda s: float(s.n))
    left = list(signals)
    groups: list[Group] = []
    if explains is not None:
        while True:
            best, best_score, best_members = None, 0.0, []
            roots = {s.slice for s in left if s.dim != "all"}
            for root in sorted(roots, key=lambda r: (r[0], r[1] or "")):
                own = [s for s in left if s.slice == root]
                members = [s for s in left if s.slice == root or (
                    any(o.overlaps(s) and o.bad == s.bad for o in own) and explains((root,), s))]
                # a root must explain something beyond its own slice to lead an incident here
                if len(members) <= len(own):
                    continue
                score = sum(weight(s) for s in members)
                if score > best_score:
                    best, best_score, best_members = root, score, members
            if best is None:
                break
            groups.append(Group(best[0], (best[1],) if best[1] else (), tuple(best_members)))
            left = [s for s in left if s not in best_members]
        # joint explanations: a signal two roots explain together joins the one that explains more
        roots = [(g.dim, g.values[0] if g.values else None) for g in groups]
        top = min(len(roots), JOINT_ROOTS)
        pairs = [(a, b) for a in range(top) for b in range(a + 1, top)]
        joined: dict[int, list[Signal]] = {}
        for s in list(left):
            for a, b in pairs:
                near = any(o.overlaps(s) and o.bad == s.bad for o in groups[a].signals + groups[b].signals)
                if near and explains((roots[a], roots[b]), s):
                    pick = min((a, b), key=lambda k: left_share(roots[k], s) if left_share else float(k))
                    joined.setdefault(pick, []).append(s)
                    left.remove(s)
                    break
        groups = [replace(g, signals=g.signals + tuple(joined.get(i, ()))) for i, g in enumerate(groups)]
    find, union = _union_find(len(left))
    for i in range(len(left)):
        for j in range(i + 1, len(left)):
            if related(left[i], left[j]):
                union(i, j)
    by_root: dict[int, list[Signal]] = {}
    for i, s in enumerate(left):
        by_root.setdefault(find(i), []).append(s)
    for members in by_root.values():
        slices = {s.slice for s in members}
        dims = {d for d, _ in slices}
        if len(dims) == 1:  # one slice (rule 2), or one KPI on several values of a dimension (rule 3)
            dim = dims.pop()
            groups.append(Group(dim, tuple(sorted({v for _, v in slices if v})), tuple(members)))
        else:  # rule 2 and 3 chained across dimensions: the slice carrying the most records leads
            n_by: dict[tuple[str, str | None], int] = {}
            for s in members:
                n_by[s.slice] = n_by.get(s.slice, 0) + s.n
            dim, value = max(n_by, key=lambda r: (n_by[r], r[0], r[1] or ""))
            groups.append(Group(dim, (value,) if value else (), tuple(members)))
    return groups


# --------------------------------------------------------------------------- the data


class SliceStats:
    """Daily sufficient statistics of every KPI by every slice dimension, and of every
    pair of dimensions (for S ∩ R), over one date range: a single query to the model,
    then window sums from cumulative sums per series."""

    def __init__(self, source: Source, first: date, last: date, spec: FilterSpec | None = None):
        base = (spec or FilterSpec()).model_copy(update={"date_from": first, "date_to": last})
        sql, params = stats_sql(source, list(KPI_ORDER), [*SLICE_DIMENSIONS, "day"], base)
        self.frame = source.con.execute(sql, params).df()
        self.frame["day"] = pd.to_datetime(self.frame["day"]).dt.date.map(date.toordinal)
        self._series: dict[tuple[str, ...], dict[tuple, tuple[np.ndarray, np.ndarray]]] = {}

    def _by(self, dims: tuple[str, ...]) -> dict[tuple, tuple[np.ndarray, np.ndarray]]:
        """(kpi, *values) -> (sorted day ordinals, cumulative (n, s1, s2) with a leading 0 row)."""
        if dims not in self._series:
            f = self.frame.groupby(["kpi", *dims, "day"], as_index=False)[["n", "s1", "s2"]].sum()
            out = {}
            for key, g in f.groupby(["kpi", *dims], sort=False):
                key = key if isinstance(key, tuple) else (key,)
                cum = np.vstack([np.zeros(3), np.cumsum(g[["n", "s1", "s2"]].to_numpy(float), axis=0)])
                out[key] = (g["day"].to_numpy(), cum)
            self._series[dims] = out
        return self._series[dims]

    def daily(self, kpi: str, first: date, last: date, **where: str | None) -> list[tuple[date, Triple]]:
        """(day, (n, s1, s2)) for each day with records of ``kpi`` in [first, last] on the slice."""
        dims = tuple(sorted(d for d, v in where.items() if v is not None and d != "all"))
        hit = self._by(dims).get((kpi, *(where[d] for d in dims)))
        if hit is None:
            return []
        days, cum = hit
        steps = np.diff(cum, axis=0)
        return [(date.fromordinal(int(d)), (float(t[0]), float(t[1]), float(t[2])))
                for d, t in zip(days, steps, strict=True) if first.toordinal() <= d <= last.toordinal()]

    def triple(self, kpi: str, first: date, last: date, **where: str | None) -> Triple:
        """Sums of (n, s1, s2) for ``kpi`` over [first, last] where each dim equals its value."""
        dims = tuple(sorted(d for d, v in where.items() if v is not None and d != "all"))
        hit = self._by(dims).get((kpi, *(where[d] for d in dims)))
        if hit is None:
            return 0.0, 0.0, 0.0
        days, cum = hit
        lo, hi = np.searchsorted(days, first.toordinal()), np.searchsorted(days, last.toordinal(), side="right")
        t = cum[hi] - cum[lo]
        return float(t[0]), float(t[1]), float(t[2])

    def series_count(self, first: date, last: date) -> int:
        """How many KPI × slice series have any record in [first, last] (the m of BH)."""
        f = self.frame[(self.frame["day"] >= first.toordinal()) & (self.frame["day"] <= last.toordinal())]
        return int(sum(f.groupby(["kpi", d]).ngroups for d in SLICE_DIMENSIONS) + f["kpi"].nunique())


def _minus(a: Triple, b: Triple) -> Triple:
    return a[0] - b[0], a[1] - b[1], a[2] - b[2]


def _plus(a: Triple, b: Triple) -> Triple:
    return a[0] + b[0], a[1] + b[1], a[2] + b[2]


def _value(kpi: str, t: Triple) -> float | None:
    return KPIS[kpi].estimate(*t).value if t[0] > 0 else None


def bad_shift(kpi: str, window: Triple, baseline: Triple) -> float | None:
    """window − baseline in the KPI's bad direction (positive = worse), display units."""
    w, b = _value(kpi, window), _value(kpi, baseline)
    if w is None or b is None:
        return None
    return (b - w) if KPIS[kpi].higher_is_better else (w - b)


def record_sd(kpi: str, t: Triple) -> float | None:
    """Standard deviation of one record's outcome on the display scale."""
    if t[0] <= 1:
        return None
    kind = KPIS[kpi].kind
    return math.sqrt(alerts_mod.per_record_variance(kind, *t)) or None


def _baseline_window(s: Signal, period: Period) -> tuple[date, date]:
    if s.kind == "change":
        prev = period.previous()
        return prev.start, prev.end
    return s.since - timedelta(days=BASELINE_DAYS), s.since - timedelta(days=1)


class Explainer:
    """Rule 1 on the data: is a signal's deviation gone once the records of one or two root
    slices are taken out of its slice? Yes when at most EXPLAINED_SHARE of the shift is
    left, or when what is left is no longer significant (one-sided, 5 %) while the roots'
    records carried at least ROOT_SHARE of the excess bad outcomes (so a root that only
    removes records, not the problem, explains nothing)."""

    def __init__(self, data: SliceStats, period: Period):
        self.data, self.period = data, period

    def _parts(self, roots: Sequence[Slice], s: Signal) -> tuple[Triple, Triple, Triple, Triple] | None:
        """(window, baseline) of the slice and of its records in the roots' union."""
        if any(r[0] == "all" or r[0] == s.dim for r in roots):
            return None
        b0, b1 = _baseline_window(s, self.period)
        sl = {s.dim: s.value}
        spans = ((s.since, s.until), (b0, b1))
        whole = [self.data.triple(s.kpi, a, b, **sl) for a, b in spans]
        inside = [(0.0, 0.0, 0.0), (0.0, 0.0, 0.0)]
        for k, (a, b) in enumerate(spans):
            for r in roots:  # inclusion-exclusion over at most two roots
                inside[k] = _plus(inside[k], self.data.triple(s.kpi, a, b, **{**sl, r[0]: r[1]}))
            if len(roots) == 2 and roots[0][0] != roots[1][0]:
                both = {**sl, roots[0][0]: roots[0][1], roots[1][0]: roots[1][1]}
                inside[k] = _minus(inside[k], self.data.triple(s.kpi, a, b, **both))
        return whole[0], whole[1], inside[0], inside[1]

    def left_share(self, root: Slice, s: Signal) -> float:
        """The share of the signal's deviation left without ``root`` (lower: explains more)."""
        parts = self._parts((root,), s)
        if parts is None:
            return 1.0
        w_s, b_s, w_r, b_r = parts
        total, rest = bad_shift(s.kpi, w_s, b_s), bad_shift(s.kpi, _minus(w_s, w_r), _minus(b_s, b_r))
        if not total or total <= 0:
            return 1.0
        return 0.0 if rest is None else rest / total

    def __call__(self, roots: Sequence[Slice], s: Signal) -> bool:
        if len(roots) == 1 and roots[0] == s.slice:
            return True
        parts = self._parts(roots, s)
        if parts is None:
            return False
        w_s, b_s, w_r, b_r = parts
        total = bad_shift(s.kpi, w_s, b_s)
        if total is None or total <= 0 or w_r[0] == 0:
            return False
        w_rest, b_rest = _minus(w_s, w_r), _minus(b_s, b_r)
        rest = bad_shift(s.kpi, w_rest, b_rest)
        if rest is None or rest <= EXPLAINED_SHARE * total:
            return True
        excess_root = w_r[0] * (bad_shift(s.kpi, w_r, b_s) or 0.0)  # the roots' records vs the slice's baseline
        if excess_root < ROOT_SHARE * w_s[0] * total:
            return False
        return not _significantly_worse(s.kpi, w_rest, b_rest)


def make_explains(data: SliceStats, period: Period) -> Explainer:
    return Explainer(data, period)


def _significantly_worse(kpi: str, window: Triple, baseline: Triple) -> bool:
    """The window is worse than the baseline, one-sided at 5 % (the KPI's own test)."""
    d = KPIS[kpi].difference(window, baseline)
    if d.diff is None or d.p_value is None:
        return False
    worse = d.diff < 0 if KPIS[kpi].higher_is_better else d.diff > 0
    return worse and d.p_value / 2 < 0.05


def _people(source: Source, kpis: Sequence[str], dim: str, values: tuple[str, ...], first: date,
            last: date) -> int:
    """Distinct persons with records of any of ``kpis`` on the slice over [first, last]."""
    spec = FilterSpec(dims={dim: values} if dim != "all" else {}, date_from=first, date_to=last)
    parts, params = [], []
    for kpi in kpis:
        where, p = record_filter(source, spec, kpi)
        parts.append(f"SELECT person FROM {records_relation(KPIS[kpi].record_table)} WHERE {' AND '.join(where)}")
        params += p
    row = source.con.execute(f"SELECT count(DISTINCT person) FROM ({' UNION ALL '.join(parts)})", params).fetchall()
    return int(row[0][0] or 0)


def build_incidents(source: Source, period: Period, spec: FilterSpec | None = None,
                    raised: Sequence[alerts_mod.Alert] | None = None) -> list[Incident]:
    """The period's incidents, ranked (reported ones first, then by impact). Without
    ``raised`` (the period's alerts) they are computed once per source, period and filter."""
    if raised is None:
        key = ("incidents", period.start, period.end, (spec or FilterSpec()).model_dump_json())
        return list(source.memo(key, lambda: _build(source, period, spec, None)))
    return _build(source, period, spec, raised)


def _build(source: Source, period: Period, spec: FilterSpec | None,
           raised: Sequence[alerts_mod.Alert] | None) -> list[Incident]:
    if raised is None:
        raised = [a for a in alerts_mod.all_alerts(source, spec) if period.start <= a.last_day <= period.end]
    signals = signals_from_alerts(raised) + change_signals(source, period, spec)
    if not signals:
        return []
    first = min(min(s.since for s in signals), period.previous().start) - timedelta(days=BASELINE_DAYS)
    data = SliceStats(source, first, period.end, spec)
    explains = make_explains(data, period)

    def weight(s: Signal) -> float:
        d = _effect(data, s, period)[0]
        return s.n * (d or 0.0)

    groups = group_signals(signals, explains, weight, explains.left_share)
    incidents = [_incident(source, data, period, g) for g in groups]
    m = max(data.series_count(period.start - timedelta(days=alerts_mod.MONITOR_DAYS), period.end), len(incidents))
    ps = [i.p_value for i in incidents]
    qs = stats.bh_qvalues([p for p in ps if p is not None] + [1.0] * (m - sum(p is not None for p in ps)))
    q_iter = iter(qs)
    alpha = get_settings().alpha
    out = []
    for inc in incidents:
        q = next(q_iter) if inc.p_value is not None else None
        out.append(replace(inc, q_value=q, reported=q is not None and q < alpha))
    out.sort(key=lambda i: (not i.reported, not i.bad, -i.impact))
    return out


def _effect(data: SliceStats, s: Signal, period: Period) -> tuple[float | None, Triple, Triple]:
    """(standardized bad effect, window stats, baseline stats) of a signal."""
    b0, b1 = _baseline_window(s, period)
    sl = {s.dim: s.value}
    w, b = data.triple(s.kpi, s.since, s.until, **sl), data.triple(s.kpi, b0, b1, **sl)
    shift, sd = bad_shift(s.kpi, w, b), record_sd(s.kpi, b)
    if shift is None or sd is None:
        return None, w, b
    return shift / sd, w, b


def estimate_onset(data: SliceStats, kpi: str, dim: str, values: tuple[str, ...], first: date, last: date,
                   baseline: Triple) -> date | None:
    """The day the deviation starts: the start of the run of days up to ``last`` with the
    largest sum of (the day's z-score against ``baseline`` in the bad direction − 0.5), as a
    retrospective CUSUM with the alerts' slack; None when no run has a positive sum."""
    sd = record_sd(kpi, baseline)
    if not sd:
        return None
    days: dict[date, Triple] = {}
    for v in values or (None,):
        for day, t in data.daily(kpi, first, last, **{dim: v}):
            days[day] = _plus(days.get(day, (0.0, 0.0, 0.0)), t)
    best, best_start, run = 0.0, None, 0.0
    for day in sorted(days, reverse=True):  # suffix sums: runs that end at ``last``
        shift = bad_shift(kpi, days[day], baseline)
        if shift is None:
            continue
        run += shift / sd * math.sqrt(days[day][0]) - alerts_mod.CUSUM_K
        if run > best:
            best, best_start = run, day
    return best_start


def _incident(source: Source, data: SliceStats, period: Period, group: Group) -> Incident:
    on_root = [s for s in group.signals if s.dim == group.dim and (s.value in group.values or not group.values)]
    root_alerts = [s for s in on_root if s.kind == "alert"] or [s for s in group.signals if s.kind == "alert"]
    onset = min(s.since for s in (root_alerts or group.signals))
    until = max(s.until for s in group.signals)
    # each KPI that moved on the root slice, over the incident's window against its baseline
    window = Signal("alert", "", "", group.dim, None, onset, until, None, None, 0, True)
    per_kpi = []
    for kpi in dict.fromkeys(s.kpi for s in (on_root or group.signals)):
        w = b = (0.0, 0.0, 0.0)
        for v in group.values or (None,):
            sig = replace(window, kpi=kpi, value=v)
            _, wv, bv = _effect(data, sig, period)
            w, b = (w[0] + wv[0], w[1] + wv[1], w[2] + wv[2]), (b[0] + bv[0], b[1] + bv[1], b[2] + bv[2])
        shift, sd = bad_shift(kpi, w, b), record_sd(kpi, b)
        d = shift / sd if shift is not None and sd else 0.0
        per_kpi.append((kpi, d, w, b))
    per_kpi.sort(key=lambda x: -x[1])
    lead, effect, w, b = per_kpi[0]
    if root_alerts and b[0] > 0:  # the change point of the lead series
        onset = estimate_onset(data, lead, group.dim, group.values, onset, until, b) or onset
    impact = sum(max(d, 0.0) * wk[0] for _, d, wk, _ in per_kpi)  # records × standardized effect
    moved = [k for k, d, _, _ in per_kpi if d > 0] or [lead]
    people = _people(source, moved, group.dim, group.values, onset, until)
    diff = KPIS[lead].difference(w, b)
    kpis = [lead] + [k for k in KPI_ORDER if k != lead and any(s.kpi == k for s in group.signals)]
    bad = effect > 0
    return Incident(group.dim, group.values, tuple(kpis), lead, onset, until, _value(lead, b), _value(lead, w),
                    people, int(w[0]), abs(effect), impact if bad else -sum(abs(d) * wk[0] for _, d, wk, _ in per_kpi),
                    bad, diff.p_value, None, False,
                    tuple(sorted(group.signals, key=lambda s: (s.kpi, s.dim, s.value or "", s.since))))
