"""The KPI registry and the one query path for every slice.

Each KPI is declared once as an immutable ``KpiSpec``; the cube, the query, the labels
and the docs derive from it. SQL returns sufficient statistics (n, s1, s2) per group;
``cxmetrics.stats`` turns them into values, intervals and tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

import duckdb

from cxmetrics import stats
from cxmetrics.errors import UserError
from cxmetrics.filters import CATEGORICAL_DIMS, DIMENSIONS, FilterSpec

Kind = Literal["nps", "rate", "mean"]


@dataclass(frozen=True)
class KpiSpec:
    name: str
    record_table: str
    where: str  # which records of the table are this KPI's (a constant SQL predicate)
    s1: str  # SQL aggregate: promoters / successes / sum of scores
    s2: str  # SQL aggregate: detractors / - / sum of squared scores
    kind: Kind
    higher_is_better: bool
    unit: str
    label_en: str
    label_es: str
    definition_en: str
    definition_es: str

    def estimate(self, n: float, s1: float, s2: float) -> stats.Estimate:
        if self.kind == "nps":
            return stats.nps_estimate(s1, s2, n)
        if self.kind == "rate":
            return stats.rate_estimate(s1, n)
        return stats.mean_estimate(s1, s2, n)

    def difference(self, a: tuple[float, float, float], b: tuple[float, float, float]) -> stats.Difference:
        """a − b; tuples are (n, s1, s2)."""
        (na, a1, a2), (nb, b1, b2) = a, b
        if self.kind == "nps":
            return stats.nps_difference((a1, a2, na), (b1, b2, nb))
        if self.kind == "rate":
            return stats.rate_difference((a1, na), (b1, nb))
        return stats.mean_difference((a1, a2, na), (b1, b2, nb))

    def variance(self, n: float, s1: float, s2: float) -> float:
        """Unadjusted variance of the value (for the stratified uplift)."""
        if self.kind == "nps":
            return stats.nps_variance(s1, s2, n)
        if self.kind == "rate":
            return stats.rate_variance(s1, n)
        return stats.mean_variance(s1, s2, n)

    @property
    def min_n_for_difference(self) -> int:
        return 2 if self.kind == "mean" else 1

    def label(self, lang: str = "en") -> str:
        return self.label_es if lang == "es" else self.label_en


KPIS: dict[str, KpiSpec] = {
    k.name: k
    for k in (
        KpiSpec("nps", "rec_survey", "survey_type = 'nps'", "count(*) FILTER (WHERE score >= 9)",
                "count(*) FILTER (WHERE score <= 6)", "nps", True, "points",
                "NPS", "NPS",
                "Net Promoter Score: % promoters (9-10) minus % detractors (0-6).",
                "Net Promoter Score: % promotores (9-10) menos % detractores (0-6)."),
        KpiSpec("csat", "rec_survey", "survey_type = 'csat'", "count(*) FILTER (WHERE score >= 4)", "0",
                "rate", True, "%", "CSAT", "CSAT",
                "Share of CSAT answers of 4 or 5.", "Porcentaje de respuestas CSAT de 4 o 5."),
        KpiSpec("ces", "rec_survey", "survey_type = 'ces'", "sum(score)", "sum(score * score)",
                "mean", True, "score 1-7", "CES", "CES",
                "Customer Effort Score: mean answer, 1-7, higher = easier.",
                "Customer Effort Score: respuesta media, 1-7, más alto = más fácil."),
        KpiSpec("fcr", "rec_fcr", "true", "count(*) FILTER (WHERE resolved)", "0", "rate", True, "%",
                "First-contact resolution", "Resolución al primer contacto",
                "Share of contact episodes with no repeat contact (same person and intent) within 7 days.",
                "Porcentaje de episodios sin recontacto (misma persona e intención) en 7 días."),
        KpiSpec("journey_completion", "rec_journey", "true", "count(*) FILTER (WHERE completed)", "0",
                "rate", True, "%", "Journey completion", "Journeys completados",
                "Share of journeys that reached their goal.",
                "Porcentaje de journeys que alcanzaron su objetivo."),
        KpiSpec("handoff_abandonment", "rec_handoff", "true", "count(*) FILTER (WHERE abandoned)", "0",
                "rate", False, "%", "Handoff abandonment", "Abandono en traspaso",
                "Share of bot/IVR contacts handed to an agent where no agent connected.",
                "Porcentaje de contactos derivados del bot/IVR a un agente sin que conectara ningún agente."),
    )
}
KPI_ORDER: tuple[str, ...] = tuple(KPIS)


def check_kpis(names: Sequence[str] | None) -> list[str]:
    if not names:
        return list(KPI_ORDER)
    for k in names:
        if k not in KPIS:
            raise UserError(f"unknown KPI '{k}' (choose from {', '.join(KPI_ORDER)})")
    return [k for k in KPI_ORDER if k in names]


def check_dims(by: Sequence[str]) -> list[str]:
    for d in by:
        if d not in DIMENSIONS:
            raise UserError(f"unknown dimension '{d}' (choose from {', '.join(DIMENSIONS)})")
    return list(dict.fromkeys(by))


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


_STD_COLS = "kpi, day, " + ", ".join(CATEGORICAL_DIMS) + ", n, s1, s2"


def record_stats_sql(spec: KpiSpec, where: str = "true", people: bool = False) -> str:
    """(kpi, day, dims, n, s1, s2) per day and dimensions; with ``people`` also ``np``, the
    records that have a person (the cube keeps it for k-anonymity)."""
    np_col = ", count(person) AS np" if people else ""
    return f"""SELECT '{spec.name}' AS kpi, CAST(t AS DATE) AS day, {', '.join(CATEGORICAL_DIMS)},
        count(*) AS n, ({spec.s1})::DOUBLE AS s1, ({spec.s2})::DOUBLE AS s2{np_col}
        FROM {spec.record_table} WHERE {spec.where} AND {where} GROUP BY ALL"""


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


def stats_sql(
    source: Source, kpis: Sequence[str], by: Sequence[str], spec: FilterSpec, from_records: bool = False,
    people: bool = False,
) -> tuple[str, list[Any]]:
    """SQL + parameters returning (by..., kpi, n, s1, s2) for every non-empty group; with
    ``people`` also ``np`` (records with a person)."""
    params: list[Any] = []
    cube_cols = _STD_COLS + (", np" if people else "")
    branches = []
    as_of = spec.as_of or source.default_as_of()
    for k in kpis:
        kspec = KPIS[k]
        if k != "fcr":
            branches.append(
                record_stats_sql(kspec, people=people) if from_records
                else f"SELECT {cube_cols} FROM cube WHERE kpi = '{k}'"
            )
            continue
        if as_of is None:
            continue
        # An episode is eligible once its 7-day window has closed by as_of. Whole days
        # before the boundary day come from the cube; the boundary day from the records.
        boundary = as_of - timedelta(days=7)
        if from_records:
            branches.append(record_stats_sql(kspec, "window_close <= ?", people=people))
            params.append(as_of)
        else:
            branches.append(f"SELECT {cube_cols} FROM cube WHERE kpi = 'fcr' AND day < ?")
            branches.append(record_stats_sql(kspec, "CAST(t AS DATE) = ? AND window_close <= ?", people=people))
            params += [boundary.date(), boundary.date(), as_of]
    if not branches:
        branches.append(f"SELECT {cube_cols} FROM cube WHERE false")
    where, filter_params = record_filter(source, spec)
    params += filter_params
    group_cols = [f"{source.dim_sql(d)} AS {d}" for d in by]
    select = ", ".join(group_cols + ["kpi", "sum(n)::BIGINT AS n", "sum(s1) AS s1", "sum(s2) AS s2"]
                       + (["sum(np)::BIGINT AS np"] if people else []))
    sql = (
        f"SELECT {select} FROM ({' UNION ALL '.join(branches)}) b WHERE {' AND '.join(where)} "
        f"GROUP BY ALL HAVING sum(n) > 0"
    )
    return sql, params


def kpi_stats(
    source: Source,
    kpis: Sequence[str] | None = None,
    by: Sequence[str] = (),
    spec: FilterSpec | None = None,
    from_records: bool = False,
    *,
    role: str | None = None,
) -> list[GroupStats]:
    """Sufficient statistics per group and KPI, sorted by group values then KPI order.

    With ``role``, the groups as that role may see them: for a role without record-level
    access, cells with fewer than k people (and their complements) come back with zeroed
    statistics and ``suppressed`` set (``cxmetrics.suppression``). Every aggregate view
    passes its viewer's role; ``role=None`` is the engine's full answer (internal use).
    """
    kpis = check_kpis(kpis)
    by = check_dims(by)
    spec = spec or FilterSpec()
    people = from_records or has_people(source)
    sql, params = stats_sql(source, kpis, by, spec, from_records, people)
    rows = source.con.execute(sql, params).fetchall()
    out = [
        GroupStats({d: r[i] for i, d in enumerate(by)}, r[len(by)], int(r[len(by) + 1]),
                   float(r[len(by) + 2]), float(r[len(by) + 3]),
                   int(r[len(by) + 4]) if people and r[len(by) + 4] is not None else None)
        for r in rows
    ]
    out.sort(key=lambda g: (tuple(g.group[d] for d in by), KPI_ORDER.index(g.kpi)))
    if role is not None:
        from cxmetrics import suppression

        out = suppression.apply(source, out, by, spec, role)
    return out


def kpi_table(
    source: Source,
    kpis: Sequence[str] | None = None,
    by: Sequence[str] = (),
    spec: FilterSpec | None = None,
    *,
    role: str | None = None,
) -> list[dict[str, Any]]:
    """Rows shaped as ``cxm kpis --json`` prints them.

    With a ``role`` without record-level access every row also has ``suppressed`` (null,
    "k" or "complement"); a suppressed row keeps its group and KPI, with value, n and
    interval null. Without a role (or for analysts and admins) the rows are the contract's.
    """
    from cxmetrics.privacy import k_threshold

    restricted = role is not None and k_threshold(role) is not None
    rows = []
    for g in kpi_stats(source, kpis, by, spec, role=role):
        est = g.estimate
        row = {**g.group, "kpi": g.kpi, "value": est.value, "n": None if g.suppressed else est.n,
               "ci_low": est.ci_low, "ci_high": est.ci_high}
        if restricted:
            row["suppressed"] = g.suppressed
        rows.append(row)
    return rows
