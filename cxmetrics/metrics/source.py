"""Where the model is queried: a ``Source`` (a DuckDB connection over the model's tables),
the statistics of one group (``GroupStats``) and the parameterized WHERE of a slice."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

import duckdb

from cxmetrics.metrics import quantiles, stats
from cxmetrics.metrics.filters import CATEGORICAL_DIMS, FilterSpec
from cxmetrics.metrics.registry import KPIS
from cxmetrics.metrics.timezones import check_tz, day_sql, end_of_day_utc, local_date

T = TypeVar("T")


@dataclass
class Source:
    """A connection in which the model relations (cube, rec_*) can be queried, in one
    reporting time zone (``tz``): every day, week, month and period is local to it.

    ``cubes`` names the cube kept for each zone (``cube`` for UTC, ``cube_local`` for the
    model's ``CXM_TIMEZONE``); in any other zone the statistics come from the record
    tables. Record tables get their local ``day`` from the SQL macro ``local_day(t)``,
    defined on the connection for ``tz``."""

    con: duckdb.DuckDBPyConnection
    max_ts: datetime | None
    anchor: date
    period_days: int = 14
    version: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    tz: str = "UTC"
    cubes: dict[str, str] = field(default_factory=lambda: {"UTC": "cube"})

    def __post_init__(self) -> None:
        self.tz = check_tz(self.tz)
        macro = f"MACRO local_day(ts) AS {day_sql(self.tz, 'ts')}"
        try:
            self.con.execute(f"CREATE OR REPLACE {macro}")
        except duckdb.Error:  # a read-only database: the macro lives in this connection only
            self.con.execute(f"CREATE OR REPLACE TEMP {macro}")

    @property
    def cube(self) -> str | None:
        """The cube table of this zone, or None (statistics then come from the records)."""
        return self.cubes.get(self.tz)

    def memo(self, key: tuple, compute: Callable[[], T]) -> T:
        """``compute()`` once per Source (one snapshot version and zone, shared by every
        session of the app) for a heavy result that only depends on the data and ``key``."""
        cache = self.extra.setdefault("memo", {})
        locks = self.extra.setdefault("memo_locks", {})
        lock = locks.setdefault(key, threading.Lock())
        with lock:  # a second caller waits for the first instead of computing it again
            if key not in cache:
                cache[key] = compute()
        return cache[key]

    def local_date(self, ts: datetime) -> date:
        return local_date(ts, self.tz)

    @property
    def max_day(self) -> date | None:
        """The local date of the latest event."""
        return None if self.max_ts is None else self.local_date(self.max_ts)

    def end_of_day(self, day: date) -> datetime:
        """The first instant (naive UTC) after the local ``day``: ``--as-of DATE``."""
        return end_of_day_utc(day, self.tz)

    def dim_sql(self, dim: str) -> str:
        if dim in CATEGORICAL_DIMS:
            return dim
        if dim == "day":
            return "strftime(day, '%Y-%m-%d')"
        if dim == "week":
            return "strftime(day, '%G-W%V')"
        if dim == "month":
            return "strftime(day, '%Y-%m')"
        anchor = f"DATE '{self.anchor.isoformat()}'"
        return (
            f"strftime({anchor} + CAST(floor(datediff('day', {anchor}, day) / {self.period_days}) "
            f"* {self.period_days} AS INTEGER), '%Y-%m-%d')"
        )

    def default_as_of(self) -> datetime | None:
        return self.max_ts


@dataclass(frozen=True)
class GroupStats:
    group: dict[str, str]
    kpi: str
    n: int
    s1: float
    s2: float
    np: int | None = None  # records with a person (k-anonymity); None when the cube lacks it
    suppressed: str | None = None  # "k" / "complement" when hidden from the role (n, s1, s2 are 0)
    dist: tuple[tuple[float, int], ...] | None = None  # a median KPI's distribution (value, count)
    baseline: tuple[int, int] | None = None  # churn_after_bad_experience: (n, churned) without one

    @property
    def estimate(self) -> stats.Estimate:
        if self.dist is not None and not self.suppressed:
            return quantiles.median_estimate(self.dist)
        return KPIS[self.kpi].estimate(self.n, self.s1, self.s2)

    @property
    def triple(self) -> tuple[float, float, float]:
        return (self.n, self.s1, self.s2)


def records_relation(table: str) -> str:
    """A record table (a name from the registry, never user input) with its local ``day``
    (the source's ``local_day`` macro)."""
    return f"(SELECT *, local_day(t) AS day FROM {table})"


def record_filter(
    source: Source, spec: FilterSpec, kpi: str | None = None, *, consent_only: bool = False,
) -> tuple[list[str], list[Any]]:
    """Parameterized WHERE clauses selecting the records of a slice.

    Over any relation with the record dimensions and a ``day`` column: the dimension
    values (OR within a dimension, AND across), the inclusive date range, and — when a
    KPI is named — that KPI's own records and FCR eligibility at ``as_of``. With
    ``consent_only`` customers without analytics consent are left out (record views).
    """
    clauses: list[str] = ["true"]
    params: list[Any] = []
    if kpi is not None:
        clauses.append(KPIS[kpi].where)
        if kpi == "fcr":
            clauses.append("window_close <= ?")
            params.append(spec.as_of or source.default_as_of())
    if consent_only:
        clauses.append("consent")
    for dim, values in spec.dims.items():
        clauses.append(f"{source.dim_sql(dim)} IN ({', '.join('?' for _ in values)})")
        params.extend(values)
    if spec.date_from:
        clauses.append("day >= ?")
        params.append(spec.date_from)
    if spec.date_to:
        clauses.append("day <= ?")
        params.append(spec.date_to)
    return clauses, params


def has_people(source: Source) -> bool:
    """Whether the source's cube holds ``np`` (a snapshot published before it did does not);
    without a cube in the source's zone the records always have persons."""
    if source.cube is None:
        return True
    if "cube_np" not in source.extra:
        cols = [d[0] for d in source.con.execute(f"SELECT * FROM {source.cube} LIMIT 0").description]
        source.extra["cube_np"] = "np" in cols
    return source.extra["cube_np"]
