"""Alerts: a known injected drop is found within a few days; stable series stay quiet."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from cxmetrics.metrics.alerts import BASELINE_DAYS, MONITOR_DAYS, find_alerts, judge_series

START = date(2026, 1, 5)  # a Monday
DAYS = [START + timedelta(days=i) for i in range(BASELINE_DAYS + MONITOR_DAYS)]
MONITOR_FROM = DAYS[BASELINE_DAYS]
# A strong weekly pattern: weekends have half the volume and a 10-point lower rate.
VOLUME = [300, 320, 310, 300, 280, 150, 140]
RATE = [0.70, 0.71, 0.70, 0.69, 0.68, 0.60, 0.59]


def rate_series(seed: int, drop_from: date | None = None, drop: float = 0.0) -> dict:
    rng = np.random.default_rng(seed)
    out = {}
    for d in DAYS:
        n = int(rng.poisson(VOLUME[d.weekday()]))
        p = RATE[d.weekday()] - (drop if drop_from and d >= drop_from else 0.0)
        # Extra day-to-day variation beyond binomial (what Laney's correction is for).
        p = min(max(p + rng.normal(0, 0.01), 0.01), 0.99)
        out[d] = (n, float(rng.binomial(n, p)), 0.0)
    return out


def nps_series(seed: int, drop_from: date | None = None, shift: float = 0.0) -> dict:
    rng = np.random.default_rng(seed)
    out = {}
    for d in DAYS:
        n = int(rng.poisson(VOLUME[d.weekday()] / 2))
        weekend = d.weekday() >= 5
        promoters, detractors = (0.30, 0.35) if weekend else (0.40, 0.25)
        if drop_from and d >= drop_from:
            promoters, detractors = promoters - shift, detractors + shift
        counts = rng.multinomial(n, [promoters, 1 - promoters - detractors, detractors])
        out[d] = (n, float(counts[0]), float(counts[2]))
    return out


def alerts_for(series: dict, kind: str = "rate", higher_is_better: bool = True) -> list:
    points, _ = judge_series(DAYS, series, kind, higher_is_better, MONITOR_FROM)
    assert points, "series should be judged"
    return find_alerts(points)


def test_injected_rate_drop_detected_within_a_few_days() -> None:
    drop_from = MONITOR_FROM + timedelta(days=5)
    for seed in range(20):
        found = alerts_for(rate_series(seed, drop_from, drop=0.08))
        first = min((until for _, _, until in found if until >= drop_from), default=None)
        assert first is not None and (first - drop_from).days <= 4, (seed, found)


def test_sustained_small_drift_caught_by_cusum() -> None:
    drop_from = MONITOR_FROM + timedelta(days=2)
    caught = 0
    for seed in range(30):
        found = alerts_for(rate_series(seed, drop_from, drop=0.035))
        caught += any(rule == "cusum" and until >= drop_from for rule, _, until in found)
    assert caught >= 24  # at least 80 % of drifted series


def test_injected_nps_drop_detected() -> None:
    drop_from = MONITOR_FROM + timedelta(days=4)
    for seed in range(20):
        found = alerts_for(nps_series(seed, drop_from, shift=0.10), kind="nps")
        assert any(until >= drop_from and (until - drop_from).days <= 4 for _, _, until in found), seed


def test_lower_is_better_alerts_only_on_rises() -> None:
    drop_from = MONITOR_FROM + timedelta(days=3)
    # Abandonment improves (falls) by 8 points: no alert, since down is good.
    assert alerts_for(rate_series(1, drop_from, drop=0.08), higher_is_better=False) == []
    assert alerts_for(rate_series(1, drop_from, drop=-0.08), higher_is_better=False)


@pytest.mark.parametrize("kind", ["rate", "nps"])
def test_false_alarm_rate_on_stable_weekly_series(kind: str) -> None:
    seeds = range(300)
    make = rate_series if kind == "rate" else nps_series
    noisy = sum(bool(alerts_for(make(1000 + s), kind=kind)) for s in seeds)
    # Weekly seasonality must not trigger; per 14-day window at most 4 % of series alarm.
    assert noisy / len(seeds) <= 0.04, noisy


def test_too_small_to_judge_raises_nothing() -> None:
    tiny = {d: (3.0, 1.0, 0.0) for d in DAYS}
    points, baseline = judge_series(DAYS, tiny, "rate", True, MONITOR_FROM)
    assert points == [] and baseline == {}
