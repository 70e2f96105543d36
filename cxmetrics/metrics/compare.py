"""Comparisons shown together: period over period, segment vs rest, with BH q-values.

A *family* is the set of comparisons one view shows at once (the six Overview tiles,
one heatmap, the committee's change table); its p-values get Benjamini–Hochberg
q-values, and a change is significant only when q < alpha and both sides have at
least the minimum n (CONTRACT.md section 4).

With a ``role`` (every aggregate view passes its viewer's), cells that role may not see
(``cxmetrics.metrics.suppression``) come back with an empty side and ``current_suppressed`` /
``previous_suppressed`` set; their difference is null and they are left out of the BH
family (the family is what is shown).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from cxmetrics.core.settings import get_settings
from cxmetrics.metrics import stats
from cxmetrics.metrics.engine import kpi_stats
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.metrics.registry import KPIS, check_kpis
from cxmetrics.metrics.source import Source


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive last day

    @property
    def label(self) -> str:
        return self.start.isoformat()

    def previous(self) -> Period:
        length = (self.end - self.start).days + 1
        return Period(self.start - timedelta(days=length), self.start - timedelta(days=1))


def period_of(day: date, anchor: date, days: int = 14) -> Period:
    start = anchor + timedelta(days=((day - anchor).days // days) * days)
    return Period(start, start + timedelta(days=days - 1))


def last_closed_period(source: Source) -> Period | None:
    """The latest review period whose last day the data has reached (measured from the data)."""
    if source.max_ts is None:
        return None
    latest = source.max_day
    current = period_of(latest, source.anchor, source.period_days)
    return current if latest >= current.end else current.previous()


def closed_periods(source: Source, count: int = 12) -> list[Period]:
    last = last_closed_period(source)
    out = []
    while last is not None and len(out) < count:
        out.append(last)
        last = last.previous()
    return out


@dataclass(frozen=True)
class Comparison:
    group: dict[str, str]
    kpi: str
    current: stats.Estimate
    previous: stats.Estimate
    difference: stats.Difference
    q_value: float | None = None
    significant: bool = False
    current_suppressed: str | None = None  # "k" / "complement": hidden from the role
    previous_suppressed: str | None = None

    @property
    def suppressed(self) -> str | None:
        """Why the comparison (its difference) is hidden: the reason of either side."""
        return self.current_suppressed or self.previous_suppressed

    @property
    def improved(self) -> bool | None:
        """True when the change goes the KPI's good way (handoff abandonment: down is good)."""
        d = self.difference.diff
        if d is None or d == 0:
            return None
        return (d > 0) == KPIS[self.kpi].higher_is_better


def with_q_values(rows: list[Comparison], min_n: int | None = None, alpha: float | None = None) -> list[Comparison]:
    """Attach BH q-values and the significance flag to one family of comparisons (a
    suppressed comparison is not part of the family: no q-value, never significant)."""
    settings = get_settings()
    min_n = settings.min_n if min_n is None else min_n
    alpha = settings.alpha if alpha is None else alpha
    shown = [r for r in rows if not r.suppressed]
    qs = iter(stats.bh_qvalues([r.difference.p_value for r in shown]))
    out = []
    for r in rows:
        q = None if r.suppressed else next(qs)
        out.append(replace(r, q_value=q, significant=False if r.suppressed else
                           stats.is_significant(q, r.current.n, r.previous.n, min_n, alpha)))
    return out


def compare_periods(
    source: Source,
    period: Period,
    kpis: Sequence[str] | None = None,
    by: Sequence[str] = (),
    spec: FilterSpec | None = None,
    *,
    role: str | None = None,
) -> list[Comparison]:
    """This period vs the previous one of equal length, same filter; one BH family."""
    kpis = check_kpis(kpis)
    base = (spec or FilterSpec()).model_copy(update={"date_from": None, "date_to": None})
    prev = period.previous()
    cur_stats = kpi_stats(source, kpis, by, base.model_copy(update={"date_from": period.start, "date_to": period.end}),
                          role=role)
    prev_stats = kpi_stats(source, kpis, by, base.model_copy(update={"date_from": prev.start, "date_to": prev.end}),
                           role=role)
    return _pair(cur_stats, prev_stats, by, kpis)


def compare_segment_vs_rest(
    source: Source, dim: str, kpis: Sequence[str] | None = None, by: Sequence[str] = (),
    spec: FilterSpec | None = None,
    *,
    role: str | None = None,
) -> list[Comparison]:
    """Each value of ``dim`` vs all other records (within the same ``by`` group). With a
    ``role``, a suppressed value shows neither itself nor its rest (total − it)."""
    kpis = check_kpis(kpis)
    parts = kpi_stats(source, kpis, [*by, dim], spec, role=role)
    totals = {(tuple(g.group[d] for d in by), g.kpi): g for g in kpi_stats(source, kpis, by, spec)}
    rows = []
    for g in parts:
        total = totals[(tuple(g.group[d] for d in by), g.kpi)]
        rest = (0, 0.0, 0.0) if g.suppressed else (total.n - g.n, total.s1 - g.s1, total.s2 - g.s2)
        spec_k = KPIS[g.kpi]
        rows.append(Comparison(g.group, g.kpi, g.estimate, spec_k.estimate(*rest), spec_k.difference(g.triple, rest),
                               current_suppressed=g.suppressed, previous_suppressed=g.suppressed))
    return with_q_values(rows)


def _pair(cur_stats: list, prev_stats: list, by: Sequence[str], kpis: Sequence[str]) -> list[Comparison]:
    key = lambda g: (tuple(g.group[d] for d in by), g.kpi)  # noqa: E731
    cur = {key(g): g for g in cur_stats}
    prev = {key(g): g for g in prev_stats}
    rows = []
    for k in sorted(set(cur) | set(prev), key=lambda k: (k[0], kpis.index(k[1]))):
        spec = KPIS[k[1]]
        c = cur[k].triple if k in cur else (0, 0.0, 0.0)
        p = prev[k].triple if k in prev else (0, 0.0, 0.0)
        c_sup = cur[k].suppressed if k in cur else None
        p_sup = prev[k].suppressed if k in prev else None
        diff = spec.difference((0, 0.0, 0.0), (0, 0.0, 0.0)) if c_sup or p_sup else spec.difference(c, p)
        # a median's value needs its distribution (GroupStats.estimate has it); its change has no test
        cur_est = cur[k].estimate if k in cur else spec.estimate(*c)
        prev_est = prev[k].estimate if k in prev else spec.estimate(*p)
        if spec.kind == "median" and not (c_sup or p_sup) and None not in (cur_est.value, prev_est.value):
            diff = replace(diff, diff=cur_est.value - prev_est.value)
        rows.append(Comparison(dict(zip(by, k[0], strict=True)), k[1], cur_est, prev_est,
                               diff, current_suppressed=c_sup, previous_suppressed=p_sup))
    return with_q_values(rows)


@dataclass(frozen=True)
class FamilyRow:
    dimension: str  # "all" or the dimension the group is cut by
    comparison: Comparison


def compare_periods_family(
    source: Source,
    period: Period,
    dimensions: Sequence[str],
    kpis: Sequence[str] | None = None,
    spec: FilterSpec | None = None,
    *,
    role: str | None = None,
) -> list[FamilyRow]:
    """Every KPI overall and by each dimension, this period vs the previous one, as ONE
    family: the BH q-values are computed across all rows shown together."""
    rows: list[FamilyRow] = []
    for dim in ["all", *dimensions]:
        by = [] if dim == "all" else [dim]
        rows += [FamilyRow(dim, c) for c in compare_periods(source, period, kpis, by, spec, role=role)]
    rescored = with_q_values([r.comparison for r in rows])
    return [FamilyRow(r.dimension, c) for r, c in zip(rows, rescored, strict=True)]
