"""Period comparisons, segment vs rest, and the regression robustness check, on literal cubes."""

from __future__ import annotations

import math
from datetime import date, datetime

import duckdb
import numpy as np
import pytest
import statsmodels.api as sm

from cxmetrics.metrics.compare import (
    Period,
    closed_periods,
    compare_periods,
    compare_segment_vs_rest,
    last_closed_period,
    period_of,
)
from cxmetrics.metrics.filters import CATEGORICAL_DIMS
from cxmetrics.metrics.source import Source
from cxmetrics.metrics.uplift import regression_adjusted

ANCHOR = date(2026, 1, 5)


def cube_source(rows: list[tuple], max_ts: datetime) -> Source:
    """A Source over a literal cube: rows are (kpi, day, channel, identity_state, n, s1, s2)."""
    con = duckdb.connect()
    dims = ", ".join(f"{d} VARCHAR" for d in CATEGORICAL_DIMS)
    con.execute(f"CREATE TABLE cube (kpi VARCHAR, day DATE, {dims}, n BIGINT, s1 DOUBLE, s2 DOUBLE)")
    for kpi, day, channel, state, n, s1, s2 in rows:
        con.execute(
            "INSERT INTO cube VALUES (?, ?, ?, 'billing', 'billing', ?, 'consumer', 'mid', 'Madrid', 'p', 'unknown', "
            "'unknown', ?, ?, ?)",
            [kpi, day, channel, state, n, s1, s2],
        )
    return Source(con=con, max_ts=max_ts, anchor=ANCHOR)


def test_periods_are_anchored_and_closed_by_the_data() -> None:
    assert period_of(date(2026, 1, 18), ANCHOR) == Period(date(2026, 1, 5), date(2026, 1, 18))
    assert period_of(date(2026, 1, 19), ANCHOR) == Period(date(2026, 1, 19), date(2026, 2, 1))
    assert period_of(date(2026, 1, 4), ANCHOR) == Period(date(2025, 12, 22), date(2026, 1, 4))
    # Data to 2026-02-01 (the last day of a period): that period is closed.
    src = cube_source([], datetime(2026, 2, 1, 23, 58))
    assert last_closed_period(src) == Period(date(2026, 1, 19), date(2026, 2, 1))
    # Data to 2026-02-05: the current period is open; the last closed is the one before.
    src = cube_source([], datetime(2026, 2, 5, 10, 0))
    assert last_closed_period(src).start == date(2026, 1, 19)
    assert [p.start for p in closed_periods(src, 3)] == [date(2026, 1, 19), date(2026, 1, 5), date(2025, 12, 22)]


def test_period_over_period_rate_with_bh_family() -> None:
    rows = [
        # CSAT: previous period 60/100, this period 80/100 (web); app unchanged 50/100 -> 50/100.
        ("csat", date(2026, 1, 10), "web", "anonymous", 100, 60, 0),
        ("csat", date(2026, 1, 20), "web", "anonymous", 100, 80, 0),
        ("csat", date(2026, 1, 10), "app", "anonymous", 100, 50, 0),
        ("csat", date(2026, 1, 25), "app", "anonymous", 100, 50, 0),
    ]
    src = cube_source(rows, datetime(2026, 2, 1, 23, 0))
    out = compare_periods(src, last_closed_period(src), ["csat"], ["channel"])
    assert [r.group["channel"] for r in out] == ["app", "web"]
    app, web = out
    assert web.current.value == 80.0 and web.previous.value == 60.0
    assert web.difference.diff == pytest.approx(20.0)
    # Pooled z: p = 140/200 = 0.7; se = sqrt(0.7*0.3*(2/100)) = 0.0648074; z = 0.2/se = 3.08607
    z = 0.2 / math.sqrt(0.7 * 0.3 * 0.02)
    p_web = math.erfc(z / math.sqrt(2))
    assert web.difference.p_value == pytest.approx(p_web, rel=1e-9)
    # app: diff 0 -> p = 1. BH over the family of 2: q_web = min(p_web*2/1, 1) ; q_app = 1.
    assert app.difference.p_value == pytest.approx(1.0)
    assert web.q_value == pytest.approx(2 * p_web, rel=1e-9)
    assert web.significant and not app.significant
    assert web.improved is True and app.improved is None


def test_significance_needs_min_n_and_direction_for_lower_is_better() -> None:
    rows = [
        ("handoff_abandonment", date(2026, 1, 10), "chatbot", "anonymous", 20, 2, 0),
        ("handoff_abandonment", date(2026, 1, 20), "chatbot", "anonymous", 20, 16, 0),
    ]
    src = cube_source(rows, datetime(2026, 2, 1, 23, 0))
    (row,) = compare_periods(src, last_closed_period(src), ["handoff_abandonment"])
    assert row.difference.p_value < 0.001
    assert not row.significant  # n = 20 < 30 on both sides
    assert row.improved is False  # abandonment went up: worse


def test_segment_vs_rest() -> None:
    rows = [
        ("csat", date(2026, 1, 10), "web", "anonymous", 50, 40, 0),
        ("csat", date(2026, 1, 10), "app", "anonymous", 150, 60, 0),
    ]
    src = cube_source(rows, datetime(2026, 2, 1, 23, 0))
    out = {r.group["channel"]: r for r in compare_segment_vs_rest(src, "channel", ["csat"])}
    assert out["web"].difference.diff == pytest.approx(80.0 - 40.0)
    assert out["app"].difference.diff == pytest.approx(40.0 - 80.0)
    assert out["web"].previous.n == 150


def test_regression_adjustment_matches_statsmodels_on_records() -> None:
    rng = np.random.default_rng(5)
    records = []
    for channel in ("web", "app", "voice"):
        for state in ("recognized", "anonymous"):
            n = int(rng.integers(40, 120))
            p = {"web": 0.4, "app": 0.55, "voice": 0.7}[channel] + (0.08 if state == "recognized" else 0)
            k = int(rng.binomial(n, p))
            records += [(channel, state, 100.0)] * k + [(channel, state, 0.0)] * (n - k)
    cube_rows = {}
    for channel, state, y in records:
        key = (channel, state)
        n, s1, _ = cube_rows.get(key, (0, 0, 0))
        cube_rows[key] = (n + 1, s1 + (y > 0), 0)
    src = cube_source([("csat", date(2026, 1, 10), c, s, *v) for (c, s), v in cube_rows.items()],
                      datetime(2026, 2, 1))
    got = regression_adjusted(src, "csat")
    y = np.array([r[2] for r in records])
    x = np.column_stack([
        np.ones(len(records)),
        [1.0 if r[1] == "recognized" else 0.0 for r in records],
        [1.0 if r[0] == "voice" else 0.0 for r in records],
        [1.0 if r[0] == "web" else 0.0 for r in records],
    ])
    fit = sm.OLS(y, x).fit()
    assert got["diff"] == pytest.approx(fit.params[1], rel=1e-9)
    se = (got["ci"][1] - got["ci"][0]) / (2 * 1.96)
    assert se == pytest.approx(fit.bse[1], rel=1e-9)
