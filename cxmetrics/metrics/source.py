"""Where the model is queried: a ``Source`` (a DuckDB connection over the model's tables),
the statistics of one group (``GroupStats``) and the parameterized WHERE of a slice."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import duckdb

from cxmetrics.metrics import stats
from cxmetrics.metrics.filters import CATEGORICAL_DIMS, FilterSpec
from cxmetrics.metrics.registry import KPIS


@dataclass
class Source:
    """A connection in which the model relations (cube, rec_*) can be queried."""

    con: duckdb.DuckDBPyConnection
    max_ts: datetime | None
    anchor: date
    period_days: int = 14
    version: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

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

    @property
    def estimate(self) -> stats.Estimate:
        return KPIS[self.kpi].estimate(self.n, self.s1, self.s2)

    @property
    def triple(self) -> tuple[float, float, float]:
        return (self.n, self.s1, self.s2)


def records_relation(table: str) -> str:
    """A record table (a name from the registry, never user input) with its UTC ``day``."""
    return f"(SELECT *, CAST(t AS DATE) AS day FROM {table})"


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
    """Whether the source's cube holds ``np`` (a snapshot published before it did does not)."""
    if "cube_np" not in source.extra:
        cols = [d[0] for d in source.con.execute("SELECT * FROM cube LIMIT 0").description]
        source.extra["cube_np"] = "np" in cols
    return source.extra["cube_np"]
