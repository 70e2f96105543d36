"""Data behind the Identity uplift page: recognized vs anonymous, and the telco questions.

Pure functions over a ``Source``. Uplift numbers come from ``cxmetrics.metrics.uplift``; the
telco questions count records with parameterized SQL (counts only) and derive shares
in Python. The page compares identity states, so an ``identity_state`` filter is
dropped from every query here (``comparable_spec``).

k-anonymity (``cxmetrics.metrics.suppression``, docs/metrics.md): every view takes the viewer's
``role`` (keyword, required). For executive and committee a side of a comparison (the
recognized or the anonymous records of a KPI) with fewer than k people is hidden with every
difference computed from it, and so is the other side (the two add up to the KPI's total,
shown on the Overview): ``suppressed`` says why. The telco questions' groups are checked
with ``suppression.custom_verdicts`` over their own relations. Analysts and admins: no
extra query, everything shown.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from cxmetrics.metrics import stats, suppression
from cxmetrics.metrics.engine import kpi_stats
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.metrics.registry import KPI_ORDER, KPIS
from cxmetrics.metrics.source import GroupStats, Source
from cxmetrics.metrics.uplift import CELL_DIMS, Uplift, uplift, uplift_from_cells
from cxmetrics.model.insights import HIGH_INTENT, RESEARCH_WINDOW_DAYS
from cxmetrics.reports.small_cells import person_bound, restricted, small_group_verdicts

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
    "suppressed",
    "recognized_suppressed",
    "anonymous_suppressed",
]
# Emptied when either side is hidden: every figure of the comparison but the sides' own.
COMPARISON_FIGURES = [
    c for c in UPLIFT_COLUMNS[6:]
    if c not in ("overlap_warning", "suppressed", "recognized_suppressed", "anonymous_suppressed")
]


def comparable_spec(spec: FilterSpec | None) -> FilterSpec:
    """The active filter without its identity_state values (both states are compared)."""
    return (spec or FilterSpec()).with_dims(identity_state=None)


def _ci(pair: list[float] | None, i: int) -> float | None:
    return pair[i] if pair else None


def _sides(cells: list[GroupStats], by: list[str]) -> list[GroupStats]:
    """Covariate cells summed to the groups of ``by`` (a subset of their dimensions), per KPI:
    the same statistics as ``kpi_stats`` by ``by`` (sums of counts are exact), np included."""
    sums: dict[tuple, list] = {}
    for g in cells:
        key = (tuple(g.group[d] for d in by), g.kpi)
        acc = sums.setdefault(key, [0, 0.0, 0.0, 0])
        acc[0] += g.n
        acc[1] += g.s1
        acc[2] += g.s2
        acc[3] = None if acc[3] is None or g.np is None else acc[3] + g.np
    return [
        GroupStats(dict(zip(by, values, strict=True)), kpi, n, s1, s2, np)
        for (values, kpi), (n, s1, s2, np) in sums.items()
    ]


def side_verdicts(
    source: Source, cells: list[GroupStats], by: list[str], spec: FilterSpec, role: str
) -> dict[tuple[tuple, str], str]:
    """Which groups of ``by`` (with identity_state) ``role`` may not see, from the covariate
    cells the uplift is computed from: ``suppression.verdicts`` on their sums (the bound
    clears most sides without a query; complements along each dimension). Empty, without
    a query, for roles with record access. Keys: (group values in ``by`` order, kpi)."""
    if not restricted(role):
        return {}
    return suppression.verdicts(source, _sides(cells, by), by, spec, role)


def uplift_row(
    source: Source,
    kpi: str,
    spec: FilterSpec | None = None,
    u: Uplift | None = None,
    *,
    role: str,
    hidden: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One KPI's comparison. ``hidden``: identity state -> why ``role`` may not see it (as
    ``side_verdicts`` gives it); without it the sides are checked with ``kpi_stats(...,
    ["identity_state"], role=role)`` (no query for roles with record access). A hidden side
    has no value or n, and the comparison has no difference, interval, p, strata or
    coverage; ``suppressed`` is "k" when a side has fewer than k people, else "complement"."""
    cspec = comparable_spec(spec)
    if hidden is None:
        hidden = {} if not restricted(role) else {
            g.group["identity_state"]: g.suppressed
            for g in kpi_stats(source, [kpi], ["identity_state"], cspec, role=role)
            if g.suppressed
        }
    u = u or uplift(source, kpi, cspec)
    reg = u.regression or {}
    row = {
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
        "suppressed": None,
        "recognized_suppressed": hidden.get("recognized"),
        "anonymous_suppressed": hidden.get("anonymous"),
    }
    reasons = [r for r in (row["recognized_suppressed"], row["anonymous_suppressed"]) if r]
    if reasons:
        row["suppressed"] = "k" if "k" in reasons else "complement"
        row |= {c: None for c in COMPARISON_FIGURES} | {"overlap_warning": False}
        for state in IDENTITY_STATES:
            if hidden.get(state):
                row[f"{state}_value"] = row[f"{state}_n"] = None
    return row


def _by_kpi(cells: list[GroupStats], kpis) -> dict[str, list[GroupStats]]:
    out: dict[str, list[GroupStats]] = {k: [] for k in kpis}
    for g in cells:
        out[g.kpi].append(g)
    return out


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=columns)
    if df["suppressed"].notna().any():  # n stays a whole number where shown
        df = df.astype({"recognized_n": "Int64", "anonymous_n": "Int64", "strata_used": "Int64",
                        "strata_total": "Int64"})
    return df


def uplift_table(source: Source, spec: FilterSpec | None = None, *, role: str) -> pd.DataFrame:
    """Recognized − anonymous for every KPI (registry order): raw, adjusted, regression check."""
    # One query of covariate cells serves all six KPIs (raw, adjusted, regression and the
    # k-anonymity of the two sides: their sums).
    cspec = comparable_spec(spec)
    cells = kpi_stats(source, list(KPI_ORDER), CELL_DIMS, cspec)
    hidden = side_verdicts(source, cells, ["identity_state"], cspec, role)
    rows = [
        uplift_row(
            source, k, spec, uplift_from_cells(k, part), role=role,
            hidden={state: r for ((state,), kpi), r in hidden.items() if kpi == k},
        )
        for k, part in _by_kpi(cells, KPI_ORDER).items()
    ]
    return _frame(rows, UPLIFT_COLUMNS)


def forest_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The uplift table in long form for a forest plot: kpi, estimate (raw|adjusted), diff,
    ci, suppressed (the comparison's, when ``role`` may not see it: no diff, no ci)."""
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
                    "suppressed": r.suppressed if isinstance(r.suppressed, str) else None,
                }
            )
    return pd.DataFrame(rows, columns=["kpi", "unit", "estimate", "diff", "ci_low", "ci_high", "suppressed"])


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
        clauses.append("local_day(t) >= ?")
        params.append(spec.date_from)
    if spec.date_to:
        clauses.append("local_day(t) <= ?")
        params.append(spec.date_to)
    return clauses, params


# --------------------------------------------------------------------------- (a) before login


NEGATIVE_COLUMNS = ["kind", "identity_state", "negatives", "share", "records", "rate", "suppressed"]
# The KPI whose records are each kind's base records (for the person bound and np).
NEGATIVE_KPI = {"detractor": "nps", "abandoned_handoff": "handoff_abandonment", "incomplete_journey": "journey_completion"}


def negative_before_login(source: Source, spec: FilterSpec | None = None, *, role: str) -> pd.DataFrame:
    """Negative experiences by identity state: detractor NPS responses (score ≤ 6), abandoned
    handoffs and incomplete journeys. Columns: kind, identity_state, negatives (count),
    share (of that kind's negatives, 0–1), records (all records of that kind in the state),
    rate (negatives ÷ records, 0–1), suppressed. Anonymous = started before the customer was
    recognized.

    k-anonymity: a (kind, state) cell is the people of its negative records; a hidden cell
    has every figure empty, and so has the other state of its kind (the kind's total is
    shown elsewhere: detractors, abandoned handoffs, incomplete journeys of the slice).
    Cells certainly above k (their records-with-a-person, from the cube, exceed the k − 1
    busiest persons' load) are not counted; the others in one query.
    """
    spec = comparable_spec(spec)
    rows = []
    found_by_kind: dict[str, dict[str, tuple[int, int]]] = {}
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
        found_by_kind[kind] = found
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
                    "suppressed": None,
                }
            )
    df = pd.DataFrame(rows, columns=NEGATIVE_COLUMNS)
    if not restricted(role):
        return df
    hidden = _negative_verdicts(source, spec, found_by_kind, role)
    df["suppressed"] = [hidden.get((k, s)) for k, s in zip(df["kind"], df["identity_state"], strict=True)]
    mask = df["suppressed"].notna()
    if mask.any():
        df = df.astype({"negatives": "Int64", "records": "Int64"})
        df.loc[mask, ["negatives", "share", "records", "rate"]] = None
    return df


def _negative_verdicts(
    source: Source, spec: FilterSpec, found: dict[str, dict[str, tuple[int, int]]], role: str
) -> dict[tuple[str, str], str]:
    cells = {(kind, state): neg for kind, by_state in found.items() for state, (neg, _) in by_state.items() if neg}
    # records with a person per (KPI, state) from the cube: a cell's negatives hold at least
    # np − (records − negatives) of them (at most all the non-negative records have one)
    people = {
        (g.kpi, g.group["identity_state"]): (g.n, g.np)
        for g in kpi_stats(source, sorted(set(NEGATIVE_KPI.values())), ["identity_state"], spec)
    }
    certain = set()
    for (kind, state), neg in cells.items():
        bound = person_bound(source, role, NEGATIVE_KPI[kind])
        n, np = people.get((NEGATIVE_KPI[kind], state), (None, None))
        records = found[kind][state][1]
        if bound is not None and np is not None and n == records and np - (records - neg) > bound:
            certain.add((kind, state))
    small_kinds = {kind for kind, _ in cells.keys() - certain}
    verdict: dict[tuple[tuple, str], str] = {}
    if small_kinds:
        clauses, params = _record_where(spec)
        relation = "(" + " UNION ALL BY NAME ".join(
            f"SELECT *, '{kind}' AS kind FROM {table} WHERE {base} AND {negative}"
            for kind, table, negative, base in NEGATIVE_KINDS if kind in small_kinds
        ) + ")"
        found_small = small_group_verdicts(
            source, role, relation, " AND ".join(["true", *clauses]), params, ["kind", "identity_state"],
            {key: n for key, n in cells.items() if key[0] in small_kinds}, certain=certain,
            with_complement=False,
        )
        verdict = {((state,), kind): r for (kind, state), r in found_small.items()}
    # complements per kind, along the identity state only (kinds add up to no total shown)
    suppression.complement({((state,), kind): n for (kind, state), n in cells.items()}, 1, verdict)
    return {(kind, state): r for ((state,), kind), r in verdict.items()}


# --------------------------------------------------------------------------- (b) churn research


def churn_spec(spec: FilterSpec | None) -> FilterSpec:
    """What applies to churned customers: cohort dimensions and dates (of churn)."""
    spec = spec or FilterSpec()
    return spec.model_copy(
        update={"dims": {d: v for d, v in spec.dims.items() if d in CHURN_COHORT_DIMS}}
    )


def churn_research(source: Source, spec: FilterSpec | None = None, *, role: str) -> dict[str, Any]:
    """Churned customers (churn date in the filter's dates, cohort filters applied) and how
    many researched contract termination in the 30 days before churning, with a Wilson 95 %
    interval on the share (percent).

    k-anonymity: the churned customers are one cell (the researched ones are its successes,
    as a rate's), the customers with a contact after their research (the base of the lead
    distribution) another; a hidden one is None with ``suppressed`` /
    ``with_contact_suppressed`` set."""
    clauses, params = _record_where(churn_spec(spec), CHURN_COHORT_DIMS)
    where = " AND ".join(["true", *clauses])
    churned, researched, with_lead = source.con.execute(
        "SELECT count(*), count(*) FILTER (WHERE researched), "
        "count(*) FILTER (WHERE research_lead_days IS NOT NULL) "
        f"FROM churn_signals WHERE {where}",
        params,
    ).fetchone()
    est = stats.rate_estimate(researched, churned)
    out = {
        "churned": int(churned),
        "researched": int(researched),
        "share": est.value,
        "ci_low": est.ci_low,
        "ci_high": est.ci_high,
        "with_contact": int(with_lead),
        "window_days": RESEARCH_WINDOW_DAYS,
        "suppressed": None,
        "with_contact_suppressed": None,
    }
    if restricted(role) and churned:
        hidden = suppression.custom_verdicts(
            source, "churn_signals", where, params, [], role, person="customer_id"
        ).get(())
        if hidden:
            return out | {c: None for c in ("churned", "researched", "share", "ci_low", "ci_high", "with_contact")} | {
                "suppressed": hidden, "with_contact_suppressed": hidden}
        if with_lead:
            out["with_contact_suppressed"] = suppression.custom_verdicts(
                source, "churn_signals", f"{where} AND research_lead_days IS NOT NULL", params, [], role,
                person="customer_id",
            ).get(())
            if out["with_contact_suppressed"]:
                out["with_contact"] = None
    return out


def _lead_bin_sql() -> str:
    """The bin of ``research_lead_days`` in SQL, as the Python binning below (lower bound
    inclusive, upper exclusive)."""
    cases = " ".join(
        f"WHEN research_lead_days < {hi} THEN '{b}'" for b, _, hi in LEAD_BINS[:-1]
    )
    return f"CASE {cases} ELSE '{LEAD_BINS[-1][0]}' END"


def research_lead_distribution(source: Source, spec: FilterSpec | None = None, *, role: str) -> pd.DataFrame:
    """Churned customers who researched and then contacted, by days from first research to
    first contact (``research_lead_days``) in bins; negative = contacted before researching.
    Columns: bin, customers, share (0–1), suppressed. The bins add up to the customers with
    a contact (a total shown beside them): a small bin and its complement are empty."""
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
    hidden: dict[tuple, str] = {}
    if restricted(role) and total:
        hidden = suppression.custom_verdicts(
            source, "churn_signals", where, params, [_lead_bin_sql()], role, person="customer_id"
        )
    df = pd.DataFrame(
        [
            {"bin": b, "customers": c, "share": c / total if total else None, "suppressed": hidden.get((b,))}
            for (b, _, _), c in zip(LEAD_BINS, counts, strict=True)
        ],
        columns=["bin", "customers", "share", "suppressed"],
    )
    mask = df["suppressed"].notna()
    if mask.any():
        df = df.astype({"customers": "Int64"})
        df.loc[mask, ["customers", "share"]] = None
    return df


# --------------------------------------------------------------------------- (c) high intent


HIGH_INTENT_KPIS = ("journey_completion", "nps")


def high_intent_intents(spec: FilterSpec | None) -> list[str]:
    """The high intents the active filter allows (all of them when it has no intent)."""
    chosen = (spec or FilterSpec()).dims.get("intent")
    return [i for i in HIGH_INTENT if not chosen or i in chosen]


def high_intent_uplift(source: Source, spec: FilterSpec | None = None, *, role: str) -> pd.DataFrame:
    """Recognized − anonymous for journey completion and NPS within each high intent
    (contract_termination, device_upgrade) and both together, under the active filter.

    One query of covariate cells (intent is one of their dimensions) serves every row. For
    k-anonymity the sides are the cells of intent × identity state (complements along both:
    "both together" is their total) and, for "both together", of identity state."""
    spec = spec or FilterSpec()
    intents = high_intent_intents(spec)
    if not intents:
        return _frame([], ["intent", *UPLIFT_COLUMNS])
    cspec = comparable_spec(spec.with_dims(intent=tuple(intents)))
    cells = kpi_stats(source, list(HIGH_INTENT_KPIS), CELL_DIMS, cspec)
    grid = side_verdicts(source, cells, ["intent", "identity_state"], cspec, role)
    both = side_verdicts(source, cells, ["identity_state"], cspec, role) if len(intents) > 1 else {}
    rows = []
    for kpi in HIGH_INTENT_KPIS:
        for label in [*intents, *(["all_high_intent"] if len(intents) > 1 else [])]:
            if label == "all_high_intent":
                part = [g for g in cells if g.kpi == kpi]
                hidden = {state: r for ((state,), k), r in both.items() if k == kpi}
            else:
                part = [g for g in cells if g.kpi == kpi and g.group["intent"] == label]
                hidden = {state: r for ((i, state), k), r in grid.items() if k == kpi and i == label}
            u = uplift_from_cells(kpi, part)
            rows.append({"intent": label, **uplift_row(source, kpi, spec, u, role=role, hidden=hidden)})
    return _frame(rows, ["intent", *UPLIFT_COLUMNS])
