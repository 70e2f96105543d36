"""Data behind the Identity uplift page: recognized vs anonymous, and the telco questions.

Pure functions over a ``Source``. Uplift numbers come from ``cxmetrics.uplift``; the
telco questions count records with parameterized SQL (counts only) and derive shares
in Python. The page compares identity states, so an ``identity_state`` filter is
dropped from every query here (``comparable_spec``).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from cxmetrics import stats
from cxmetrics.filters import FilterSpec
from cxmetrics.metrics import KPI_ORDER, KPIS, Source
from cxmetrics.model.insights import HIGH_INTENT, RESEARCH_WINDOW_DAYS
from cxmetrics.uplift import Uplift, uplift, uplift_all

IDENTITY_STATES = ("anonymous", "recognized")
# Negative experiences: (kind, record table, constant predicate selecting the negative ones,
# constant predicate selecting the records they are counted among).
NEGATIVE_KINDS: tuple[tuple[str, str, str, str], ...] = (
    ("detractor", "rec_survey", "score <= 6", "survey_type = 'nps'"),
    ("abandoned_handoff", "rec_handoff", "abandoned", "true"),
    ("incomplete_journey", "rec_journey", "NOT completed", "true"),
)
CHURN_COHORT_DIMS = ("segment", "value_tier", "region", "plan")
# Days from first contract-termination research to first contact, in bins (lower bound inclusive).
LEAD_BINS: tuple[tuple[str, float, float], ...] = (
    ("<0", float("-inf"), 0.0),
    ("0-1", 0.0, 1.0),
    ("1-3", 1.0, 3.0),
    ("3-7", 3.0, 7.0),
    ("7-14", 7.0, 14.0),
    ("14-30", 14.0, float("inf")),
)
UPLIFT_COLUMNS = [
    "kpi",
    "unit",
    "recognized_value",
    "recognized_n",
    "anonymous_value",
    "anonymous_n",
    "raw_diff",
    "raw_ci_low",
    "raw_ci_high",
    "p_value",
    "adjusted_diff",
    "adjusted_ci_low",
    "adjusted_ci_high",
    "strata_used",
    "strata_total",
    "coverage",
    "regression_diff",
    "regression_ci_low",
    "regression_ci_high",
    "overlap_warning",
]


def comparable_spec(spec: FilterSpec | None) -> FilterSpec:
    """The active filter without its identity_state values (both states are compared)."""
    return (spec or FilterSpec()).with_dims(identity_state=None)


def _ci(pair: list[float] | None, i: int) -> float | None:
    return pair[i] if pair else None


def uplift_row(source: Source, kpi: str, spec: FilterSpec | None = None, u: Uplift | None = None) -> dict[str, Any]:
    u = u or uplift(source, kpi, comparable_spec(spec))
    reg = u.regression or {}
    return {
        "kpi": kpi,
        "unit": KPIS[kpi].unit,
        "recognized_value": u.recognized["value"],
        "recognized_n": u.recognized["n"],
        "anonymous_value": u.anonymous["value"],
        "anonymous_n": u.anonymous["n"],
        "raw_diff": u.raw_diff,
        "raw_ci_low": _ci(u.raw_ci, 0),
        "raw_ci_high": _ci(u.raw_ci, 1),
        "p_value": u.p_value,
        "adjusted_diff": u.adjusted_diff,
        "adjusted_ci_low": _ci(u.adjusted_ci, 0),
        "adjusted_ci_high": _ci(u.adjusted_ci, 1),
        "strata_used": u.strata_used,
        "strata_total": u.strata_total,
        "coverage": u.coverage,
        "regression_diff": reg.get("diff"),
        "regression_ci_low": _ci(reg.get("ci"), 0),
        "regression_ci_high": _ci(reg.get("ci"), 1),
        "overlap_warning": u.overlap_warning,
    }


def uplift_table(source: Source, spec: FilterSpec | None = None) -> pd.DataFrame:
    """Recognized − anonymous for every KPI (registry order): raw, adjusted, regression check."""
    # One query of covariate cells serves all six KPIs (raw, adjusted and regression).
    results = uplift_all(source, list(KPI_ORDER), comparable_spec(spec))
    return pd.DataFrame([uplift_row(source, k, spec, results[k]) for k in KPI_ORDER], columns=UPLIFT_COLUMNS)


def forest_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The uplift table in long form for a forest plot: kpi, estimate (raw|adjusted), diff, ci."""
    rows = []
    for r in table.itertuples(index=False):
        for est in ("raw", "adjusted"):
            rows.append(
                {
                    "kpi": r.kpi,
                    "unit": r.unit,
                    "estimate": est,
                    "diff": getattr(r, f"{est}_diff"),
                    "ci_low": getattr(r, f"{est}_ci_low"),
                    "ci_high": getattr(r, f"{est}_ci_high"),
                }
            )
    return pd.DataFrame(rows, columns=["kpi", "unit", "estimate", "diff", "ci_low", "ci_high"])


# --------------------------------------------------------------------------- record filters


def _record_where(
    spec: FilterSpec, dims: tuple[str, ...] | None = None
) -> tuple[list[str], list[Any]]:
    """Parameterized clauses for a record table: dimension values and the date range on t."""
    clauses: list[str] = []
    params: list[Any] = []
    for dim, values in spec.dims.items():
        if dims is not None and dim not in dims:
            continue
        clauses.append(f"{dim} IN ({', '.join('?' for _ in values)})")  # dim from a fixed list
        params.extend(values)
    if spec.date_from:
        clauses.append("CAST(t AS DATE) >= ?")
        params.append(spec.date_from)
    if spec.date_to:
        clauses.append("CAST(t AS DATE) <= ?")
        params.append(spec.date_to)
    return clauses, params


# --------------------------------------------------------------------------- (a) before login


def negative_before_login(source: Source, spec: FilterSpec | None = None) -> pd.DataFrame:
    """Negative experiences by identity state: detractor NPS responses (score ≤ 6), abandoned
    handoffs and incomplete journeys. Columns: kind, identity_state, negatives (count),
    share (of that kind's negatives, 0–1), records (all records of that kind in the state),
    rate (negatives ÷ records, 0–1). Anonymous = started before the customer was recognized."""
    spec = comparable_spec(spec)
    rows = []
    for kind, table, negative, base in NEGATIVE_KINDS:
        clauses, params = _record_where(spec)
        where = " AND ".join([base, *clauses])
        found = {
            state: (int(neg), int(total))
            for state, neg, total in source.con.execute(
                f"SELECT identity_state, count(*) FILTER (WHERE {negative}), count(*) "
                f"FROM {table} WHERE {where} GROUP BY ALL",
                params,
            ).fetchall()
        }
        kind_total = sum(neg for neg, _ in found.values())
        for state in IDENTITY_STATES:
            neg, total = found.get(state, (0, 0))
            rows.append(
                {
                    "kind": kind,
                    "identity_state": state,
                    "negatives": neg,
                    "share": neg / kind_total if kind_total else None,
                    "records": total,
                    "rate": neg / total if total else None,
                }
            )
    return pd.DataFrame(
        rows, columns=["kind", "identity_state", "negatives", "share", "records", "rate"]
    )


# --------------------------------------------------------------------------- (b) churn research


def churn_spec(spec: FilterSpec | None) -> FilterSpec:
    """What applies to churned customers: cohort dimensions and dates (of churn)."""
    spec = spec or FilterSpec()
    return spec.model_copy(
        update={"dims": {d: v for d, v in spec.dims.items() if d in CHURN_COHORT_DIMS}}
    )


def churn_research(source: Source, spec: FilterSpec | None = None) -> dict[str, Any]:
    """Churned customers (churn date in the filter's dates, cohort filters applied) and how
    many researched contract termination in the 30 days before churning, with a Wilson 95 %
    interval on the share (percent)."""
    clauses, params = _record_where(churn_spec(spec), CHURN_COHORT_DIMS)
    where = " AND ".join(["true", *clauses])
    churned, researched, with_lead = source.con.execute(
        "SELECT count(*), count(*) FILTER (WHERE researched), "
        "count(*) FILTER (WHERE research_lead_days IS NOT NULL) "
        f"FROM churn_signals WHERE {where}",
        params,
    ).fetchone()
    est = stats.rate_estimate(researched, churned)
    return {
        "churned": int(churned),
        "researched": int(researched),
        "share": est.value,
        "ci_low": est.ci_low,
        "ci_high": est.ci_high,
        "with_contact": int(with_lead),
        "window_days": RESEARCH_WINDOW_DAYS,
    }


def research_lead_distribution(source: Source, spec: FilterSpec | None = None) -> pd.DataFrame:
    """Churned customers who researched and then contacted, by days from first research to
    first contact (``research_lead_days``) in bins; negative = contacted before researching.
    Columns: bin, customers, share (0–1)."""
    clauses, params = _record_where(churn_spec(spec), CHURN_COHORT_DIMS)
    where = " AND ".join(["research_lead_days IS NOT NULL", *clauses])
    days = [
        r[0]
        for r in source.con.execute(
            f"SELECT research_lead_days FROM churn_signals WHERE {where}", params
        ).fetchall()
    ]
    counts = [sum(1 for d in days if lo <= d < hi) for _, lo, hi in LEAD_BINS]
    total = sum(counts)
    return pd.DataFrame(
        [
            {"bin": b, "customers": c, "share": c / total if total else None}
            for (b, _, _), c in zip(LEAD_BINS, counts, strict=True)
        ],
        columns=["bin", "customers", "share"],
    )


# --------------------------------------------------------------------------- (c) high intent


HIGH_INTENT_KPIS = ("journey_completion", "nps")


def high_intent_intents(spec: FilterSpec | None) -> list[str]:
    """The high intents the active filter allows (all of them when it has no intent)."""
    chosen = (spec or FilterSpec()).dims.get("intent")
    return [i for i in HIGH_INTENT if not chosen or i in chosen]


def high_intent_uplift(source: Source, spec: FilterSpec | None = None) -> pd.DataFrame:
    """Recognized − anonymous for journey completion and NPS within each high intent
    (contract_termination, device_upgrade) and both together, under the active filter."""
    spec = spec or FilterSpec()
    intents = high_intent_intents(spec)
    groups = [(i, (i,)) for i in intents] + (
        [("all_high_intent", tuple(intents))] if len(intents) > 1 else []
    )
    rows = []
    by_group = {label: uplift_all(source, list(HIGH_INTENT_KPIS), comparable_spec(spec.with_dims(intent=values)))
                for label, values in groups}
    for kpi in HIGH_INTENT_KPIS:
        for label, _ in groups:
            rows.append({"intent": label, **uplift_row(source, kpi, spec, by_group[label][kpi])})
    return pd.DataFrame(rows, columns=["intent", *UPLIFT_COLUMNS])
