"""The churn cube (model/churn.py) is an optimisation: every question it answers gives
exactly what the general path (person × period from rec_activity) gives."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from cxmetrics.metrics import churn
from cxmetrics.metrics.engine import kpi_table
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.serving.snapshot import open_database_source

CASES = [
    ((), FilterSpec()),
    (("period",), FilterSpec()),
    (("month", "segment"), FilterSpec()),
    (("week",), FilterSpec(dims={"value_tier": ("high", "mid")})),
    (("day",), FilterSpec(date_from=date(2026, 2, 1), date_to=date(2026, 2, 10))),
    ((), FilterSpec(date_from=date(2026, 2, 16), date_to=date(2026, 3, 1))),  # one review period
    ((), FilterSpec(date_from=date(2026, 2, 1), date_to=date(2026, 2, 28))),  # one month
    (("period", "region"), FilterSpec(date_from=date(2026, 2, 2), date_to=date(2026, 3, 1))),
    (("channel",), FilterSpec()),  # persons have no channel: group 'unknown'
]


@pytest.mark.parametrize(("by", "spec"), CASES)
@pytest.mark.parametrize("tz", ["UTC", "Europe/Madrid"])
def test_cube_equals_the_general_path(demo_db: Path, by: tuple, spec: FilterSpec, tz: str) -> None:
    fast = open_database_source(demo_db, tz)
    slow = open_database_source(demo_db, tz)
    slow.extra["churn_cube_zones"] = set()  # no cube: the general path
    assert churn._cube_plan(slow, by, spec) is None
    kpis = list(churn.CHURN_KPIS)
    if tz == "UTC":  # the demo model keeps its cube for UTC (tests run with CXM_TIMEZONE=UTC)
        assert churn._cube_plan(fast, by, spec) is not None
    got, expected = kpi_table(fast, kpis, by, spec), kpi_table(slow, kpis, by, spec)
    assert expected and got == expected


def test_partial_buckets_take_the_general_path(demo_db: Path) -> None:
    src = open_database_source(demo_db)
    assert churn._cube_plan(src, ("period",), FilterSpec(date_from=date(2026, 2, 3))) is None
    assert churn._cube_plan(src, (), FilterSpec(date_from=date(2026, 2, 3), date_to=date(2026, 2, 20))) is None
    assert churn._cube_plan(src, (), FilterSpec(dims={"month": ("2026-02",)})) is None
    assert churn._cube_plan(src, ("month", "week"), FilterSpec()) is None
