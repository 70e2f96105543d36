"""Statistics from sufficient statistics: pure functions, no I/O (CONTRACT.md sections 4-5).

Values are on the KPI's display scale: NPS in points (-100..100), rates in percent
(0..100), CES as a mean score (1..7). Every interval is 95 % (z = 1.96). A quantity that
cannot be computed is ``None`` — never NaN.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats as _sp

Z = 1.96


@dataclass(frozen=True)
class Estimate:
    value: float | None
    n: int
    ci_low: float | None
    ci_high: float | None


@dataclass(frozen=True)
class Difference:
    """a − b on the display scale, with its 95 % interval and two-sided p-value."""

    diff: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    n_a: int
    n_b: int


# ---------------------------------------------------------------- single estimates


def nps_estimate(promoters: float, detractors: float, n: float) -> Estimate:
    """NPS with the adjusted-Wald interval: n' = n + 3, p and d shrunk by 0.75."""
    n = int(n)
    if n == 0:
        return Estimate(None, 0, None, None)
    value = 100.0 * (promoters - detractors) / n
    n_adj = n + 3
    p = (promoters + 0.75) / n_adj
    d = (detractors + 0.75) / n_adj
    half = Z * math.sqrt(max(p + d - (p - d) ** 2, 0.0) / n_adj)
    low = max(-100.0, 100.0 * ((p - d) - half))
    high = min(100.0, 100.0 * ((p - d) + half))
    return Estimate(value, n, low, high)


def wilson_interval(successes: float, n: float) -> tuple[float, float]:
    """Wilson score interval for a proportion, on the 0..1 scale."""
    p = successes / n
    z2 = Z * Z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = Z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def rate_estimate(successes: float, n: float) -> Estimate:
    """A rate in percent with the Wilson score interval."""
    n = int(n)
    if n == 0:
        return Estimate(None, 0, None, None)
    low, high = wilson_interval(successes, n)
    return Estimate(100.0 * successes / n, n, 100.0 * low, 100.0 * high)


def _variance(total: float, total_sq: float, n: int) -> float:
    """Sample variance from sums, guarded against tiny negative rounding."""
    mean = total / n
    return max((total_sq - n * mean * mean) / (n - 1), 0.0)


def mean_estimate(total: float, total_sq: float, n: float) -> Estimate:
    """A mean score with the t interval (null interval when n < 2; not clipped)."""
    n = int(n)
    if n == 0:
        return Estimate(None, 0, None, None)
    mean = total / n
    if n < 2:
        return Estimate(mean, n, None, None)
    half = _sp.t.ppf(0.975, n - 1) * math.sqrt(_variance(total, total_sq, n) / n)
    return Estimate(mean, n, mean - half, mean + half)


# ---------------------------------------------------------------- differences


def _normal_p(diff: float, se: float) -> float | None:
    if se <= 0:
        return None
    return float(2 * _sp.norm.sf(abs(diff) / se))


def nps_variance(promoters: float, detractors: float, n: float) -> float:
    """Unadjusted variance of NPS on the 100-point scale: 100²·(p + d − (p − d)²)/n."""
    p, d = promoters / n, detractors / n
    return 100.0**2 * max(p + d - (p - d) ** 2, 0.0) / n


def rate_variance(successes: float, n: float) -> float:
    p = successes / n
    return 100.0**2 * p * (1 - p) / n


def mean_variance(total: float, total_sq: float, n: float) -> float:
    return _variance(total, total_sq, int(n)) / n


def nps_difference(a: tuple[float, float, float], b: tuple[float, float, float]) -> Difference:
    """NPS(a) − NPS(b), normal approximation with unadjusted variances. Tuples: (P, D, n)."""
    (pa, da, na), (pb, db, nb) = a, b
    na, nb = int(na), int(nb)
    if na == 0 or nb == 0:
        return Difference(None, None, None, None, na, nb)
    diff = 100.0 * ((pa - da) / na - (pb - db) / nb)
    se = math.sqrt(nps_variance(pa, da, na) + nps_variance(pb, db, nb))
    return Difference(diff, diff - Z * se, diff + Z * se, _normal_p(diff, se), na, nb)


def rate_difference(a: tuple[float, float], b: tuple[float, float]) -> Difference:
    """Rate(a) − rate(b): Newcombe hybrid score interval, pooled two-proportion z-test.

    Tuples: (successes, n). Values in percentage points.
    """
    (xa, na), (xb, nb) = a, b
    na, nb = int(na), int(nb)
    if na == 0 or nb == 0:
        return Difference(None, None, None, None, na, nb)
    p1, p2 = xa / na, xb / nb
    l1, u1 = wilson_interval(xa, na)
    l2, u2 = wilson_interval(xb, nb)
    d = p1 - p2
    low = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    pooled = (xa + xb) / (na + nb)
    se = math.sqrt(pooled * (1 - pooled) * (1 / na + 1 / nb))
    return Difference(100.0 * d, 100.0 * low, 100.0 * high, _normal_p(d, se), na, nb)


def mean_difference(a: tuple[float, float, float], b: tuple[float, float, float]) -> Difference:
    """Mean(a) − mean(b): Welch interval and test. Tuples: (sum, sum of squares, n)."""
    (sa, qa, na), (sb, qb, nb) = a, b
    na, nb = int(na), int(nb)
    if na < 2 or nb < 2:
        return Difference(None, None, None, None, na, nb)
    diff = sa / na - sb / nb
    va, vb = _variance(sa, qa, na) / na, _variance(sb, qb, nb) / nb
    se2 = va + vb
    if se2 <= 0:
        return Difference(diff, diff, diff, None, na, nb)
    df = se2**2 / ((va**2) / (na - 1) + (vb**2) / (nb - 1))
    t = _sp.t.ppf(0.975, df)
    se = math.sqrt(se2)
    p = float(2 * _sp.t.sf(abs(diff) / se, df))
    return Difference(diff, diff - t * se, diff + t * se, p, na, nb)


# ---------------------------------------------------------------- families of tests


def bh_qvalues(p_values: Sequence[float | None]) -> list[float | None]:
    """Benjamini–Hochberg adjusted q-values; ``None`` p-values stay ``None`` and are not counted."""
    indexed = [(p, i) for i, p in enumerate(p_values) if p is not None]
    m = len(indexed)
    out: list[float | None] = [None] * len(p_values)
    if m == 0:
        return out
    indexed.sort()
    running = 1.0
    for rank in range(m, 0, -1):
        p, i = indexed[rank - 1]
        running = min(running, p * m / rank)
        out[i] = min(running, 1.0)
    return out


def is_significant(q_value: float | None, n_a: int, n_b: int, min_n: int, alpha: float = 0.05) -> bool:
    """The contract's rule: q < alpha and both sides have at least the minimum n."""
    return q_value is not None and q_value < alpha and n_a >= min_n and n_b >= min_n
