"""Medians and percentiles with distribution-free intervals (``time_to_answer``).

A median is not additive, so the cube cannot give it: the engine reads the distribution
of the records of each group (value -> count) and this module turns it into the value,
its 95 % interval and the 90th percentile (docs/metrics.md, "time_to_answer"):

- median: the middle value (the mean of the two middle values for an even n);
- interval: order statistics [x(l), x(u)] with B ~ Binomial(n, 1/2), l the largest rank
  >= 1 with P(B <= l - 1) <= 0.025 and u = n + 1 - l; null for n < 6;
- p90: linear interpolation between closest ranks at position 0.9 (n - 1) (0-based).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from scipy.stats import binom

from cxmetrics.metrics.stats import Estimate

Distribution = Sequence[tuple[float, int]]  # (value, count), sorted by value


def _at(dist: Distribution, rank: int) -> float:
    """The value of 1-based ``rank`` in the sorted records."""
    seen = 0
    for value, count in dist:
        seen += count
        if seen >= rank:
            return float(value)
    raise IndexError(rank)


def order_ranks(n: int, alpha: float = 0.05) -> tuple[int, int] | None:
    """(l, u) of the distribution-free interval of the median, 1-based; None when n < 6."""
    if n < 1:
        return None
    # largest l >= 1 with P(B <= l - 1) <= alpha / 2
    low = int(binom.ppf(alpha / 2, n, 0.5))  # smallest k with P(B <= k) >= alpha/2
    while low >= 1 and binom.cdf(low - 1, n, 0.5) > alpha / 2:
        low -= 1
    while binom.cdf(low, n, 0.5) <= alpha / 2:
        low += 1
    if low < 1:
        return None
    return low, n + 1 - low


def median(dist: Distribution) -> float | None:
    n = sum(c for _, c in dist)
    if n == 0:
        return None
    if n % 2:
        return _at(dist, (n + 1) // 2)
    return (_at(dist, n // 2) + _at(dist, n // 2 + 1)) / 2


def percentile(dist: Distribution, q: float) -> float | None:
    """Linear interpolation between closest ranks at 0-based position q (n - 1)."""
    n = sum(c for _, c in dist)
    if n == 0:
        return None
    pos = q * (n - 1)
    lo = math.floor(pos)
    frac = pos - lo
    a = _at(dist, lo + 1)
    if frac == 0:
        return a
    return a + frac * (_at(dist, lo + 2) - a)


def median_estimate(dist: Distribution) -> Estimate:
    n = sum(c for _, c in dist)
    ranks = order_ranks(n)
    lo, hi = (None, None) if ranks is None else (_at(dist, ranks[0]), _at(dist, ranks[1]))
    return Estimate(median(dist), n, lo, hi)
