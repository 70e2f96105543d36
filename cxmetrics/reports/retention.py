"""Data behind the Retention & churn page: monthly churn by cohort, Kaplan–Meier retention,
churn after a negative experience, the early-research signal and the churn-risk model.

Pure functions over a ``Source`` (no Streamlit). Churn is a fact about a person, so only
the cohort dimensions of the filter apply (segment, value tier, region, plan), and the
page looks at all the data's time (a retention curve or a monthly trend needs every day):
``retention_spec`` drops the rest. Choices and measured figures: docs/metrics.md,
"Retention and churn risk".

k-anonymity: every aggregate takes the viewer's ``role``. Monthly churn comes from the
engine (``kpi_stats(..., role=)``) except by signup cohort (not an engine dimension),
where cells under k people (and complements along each line) are hidden here; a survival
curve of a cohort under k people is hidden, and shown curves stop where fewer than k
customers are still at risk; the 30/90-day groups and the calibration deciles under k are
hidden. The high-risk list is record-level: analysts (pseudonymized ids) and admins only,
consented customers only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pandas as pd

from cxmetrics.analysis import retention as ar
from cxmetrics.core.privacy import k_threshold, may_see_raw_ids, pseudonymize, require_record_access
from cxmetrics.metrics import stats, suppression
from cxmetrics.metrics.churn import PERSON_DIMS, activity_relation
from cxmetrics.metrics.engine import kpi_stats
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.metrics.source import Source
from cxmetrics.model import churn_risk as risk_model
from cxmetrics.reports import uplift as up

COHORTS = ("all", "segment", "value_tier", "region", "plan", "signup_cohort")
TIME_SCALES = ("window", "tenure")
SIGNUP_QUARTERS = 8  # the last 8 signup quarters are cohorts of their own; earlier ones pooled
SUMMARY_DAYS = {"window": (30, 60, 90), "tenure": (90, 365, 1095)}
RECENT_DAYS = risk_model.FEATURE_DAYS
MAX_EXPERIENCES = 5  # recent negative experiences listed per customer
IDENTITY_STATES = ("recognized", "anonymous", "none")


def retention_spec(spec: FilterSpec | None) -> FilterSpec:
    """What applies on this page: the cohort dimensions of the filter, no dates."""
    spec = spec or FilterSpec()
    return FilterSpec(dims={d: v for d, v in spec.dims.items() if d in PERSON_DIMS})


def _person_where(spec: FilterSpec, alias: str = "p") -> tuple[list[str], list[Any]]:
    clauses, params = ["true"], []
    for dim, values in spec.dims.items():
        if dim in PERSON_DIMS:  # dim from a fixed list, values bound
            clauses.append(f"{alias}.{dim} IN ({', '.join('?' for _ in values)})")
            params.extend(values)
    return clauses, params


def data_days(source: Source) -> tuple[date | None, date | None]:
    """The first and last local day with any customer activity."""
    key = "retention_days"
    if key not in source.extra:
        row = source.con.execute(f"SELECT min(day), max(day) FROM {activity_relation(source)}").fetchone()
        source.extra[key] = (row[0], row[1]) if row else (None, None)
    return source.extra[key]


def _quarter_start(d: date) -> date:
    return date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)


def signup_pool_start(last_day: date) -> date:
    """The first day of the oldest signup quarter kept as its own cohort."""
    q = _quarter_start(last_day)
    months = q.year * 12 + q.month - 1 - 3 * (SIGNUP_QUARTERS - 1)
    return date(months // 12, months % 12 + 1, 1)


def quarter_label(d: date) -> str:
    return f"{d.year}-Q{(d.month - 1) // 3 + 1}"


def signup_cohort_sql(column: str, pool_start: date) -> str:
    """The signup cohort of ``column`` (a DATE): 'YYYY-Qn', '< YYYY-Qn' before the pool
    start, 'unknown' without a date."""
    return (f"CASE WHEN {column} IS NULL THEN 'unknown' "
            f"WHEN {column} < DATE '{pool_start.isoformat()}' THEN '< {quarter_label(pool_start)}' "
            f"ELSE strftime({column}, '%Y') || '-Q' || CAST(quarter({column}) AS VARCHAR) END")


def _hide_small(cells: dict[tuple, int], width: int, role: str) -> dict[tuple, str]:
    """Verdicts for cells of people (key -> n = people): under k hidden, plus complements."""
    k = k_threshold(role)
    if k is None:
        return {}
    keyed = {(key, "x"): n for key, n in cells.items()}
    verdict: dict = {key: "k" for key, n in keyed.items() if n < k}
    suppression.complement(keyed, width, verdict)
    return {key[0]: reason for key, reason in verdict.items()}


# --------------------------------------------------------------------------- churn by month


MONTH_COLUMNS = ["month", "cohort", "n", "churned", "rate", "ci_low", "ci_high", "partial", "suppressed"]


def churn_by_month(source: Source, spec: FilterSpec | None = None, cohort: str = "all", *, role: str) -> pd.DataFrame:
    """churn_rate by calendar month (local) and ``cohort`` (one of COHORTS): the KPI of the
    engine, except by signup cohort (same definition, computed here). ``partial`` marks a
    month the data covers only in part (its rate counts fewer days)."""
    if cohort not in COHORTS:
        raise ValueError(f"unknown cohort {cohort}")
    spec = retention_spec(spec)
    first, last = data_days(source)
    if first is None:
        return pd.DataFrame(columns=MONTH_COLUMNS)
    rows = []
    if cohort == "signup_cohort":
        rows = _signup_months(source, spec, signup_pool_start(last), role)
    else:
        by = ["month"] + ([] if cohort == "all" else [cohort])
        for g in kpi_stats(source, ["churn_rate"], by, spec, role=role):
            est = g.estimate
            rows.append({"month": g.group["month"], "cohort": g.group.get(cohort, "all"),
                         "n": None if g.suppressed else g.n, "churned": None if g.suppressed else int(g.s1),
                         "rate": est.value, "ci_low": est.ci_low, "ci_high": est.ci_high,
                         "suppressed": g.suppressed})
    df = pd.DataFrame(rows, columns=[c for c in MONTH_COLUMNS if c != "partial"])
    starts = pd.to_datetime(df["month"] + "-01").dt.date
    ends = (pd.to_datetime(df["month"] + "-01") + pd.offsets.MonthEnd(0)).dt.date
    df.insert(MONTH_COLUMNS.index("partial"), "partial", [bool(s < first or e > last) for s, e in
                                                         zip(starts, ends, strict=True)])
    return df.sort_values(["month", "cohort"], kind="mergesort").reset_index(drop=True)[MONTH_COLUMNS]


def _signup_months(source: Source, spec: FilterSpec, pool: date, role: str) -> list[dict[str, Any]]:
    where, params = _person_where(spec)
    cday = "local_day(p.first_churn_ts)"
    sql = f"""
        WITH pm AS (SELECT DISTINCT person, CAST(date_trunc('month', day) AS DATE) AS mstart,
                           CAST(last_day(day) AS DATE) AS mend FROM {activity_relation(source)})
        SELECT strftime(pm.mstart, '%Y-%m') AS month, {signup_cohort_sql('cu.signup_date', pool)} AS cohort,
               count(*) FILTER (WHERE {cday} IS NULL OR {cday} >= pm.mstart) AS n,
               count(*) FILTER (WHERE {cday} BETWEEN pm.mstart AND pm.mend) AS churned
        FROM pm JOIN rec_churn_person p USING (person) LEFT JOIN customers cu ON cu.customer_id = p.person
        WHERE {' AND '.join(where)} GROUP BY ALL HAVING n > 0"""
    found = source.con.execute(sql, params).fetchall()
    hidden = _hide_small({(m, c): int(n) for m, c, n, _ in found}, 2, role)
    rows = []
    for m, c, n, x in found:
        reason = hidden.get((m, c))
        est = stats.rate_estimate(x, n) if not reason else stats.Estimate(None, 0, None, None)
        rows.append({"month": m, "cohort": c, "n": None if reason else int(n), "churned": None if reason else int(x),
                     "rate": est.value, "ci_low": est.ci_low, "ci_high": est.ci_high, "suppressed": reason})
    return rows


# --------------------------------------------------------------------------- Kaplan–Meier


@dataclass(frozen=True)
class Curves:
    """Kaplan–Meier curves of one cohort split: ``table`` (cohort, time, at_risk, events,
    survival, se, ci_low, ci_high, customers, suppressed), ``summary`` (per cohort:
    customers, churned, survival at SUMMARY_DAYS with intervals, suppressed, conditional:
    nobody of the cohort was seen from day 0, so its curve starts later and is conditional
    on being a customer then, and it has no survival at a fixed day), the customers
    left out (no usable signup date for tenure, or churned before their first day) and the
    data's first and last day."""

    table: pd.DataFrame
    summary: pd.DataFrame
    excluded: int
    first_day: date | None
    last_day: date | None
    time_scale: str
    days: tuple[int, ...] = field(default=())


def survival_frame(source: Source, spec: FilterSpec | None, cohort: str, time_scale: str) -> tuple[pd.DataFrame, int]:
    """One row per customer seen in the data: cohort, entry, duration, event (days; see
    ``cxmetrics.analysis.retention``), and how many could not be placed on the time scale.

    ``window``: day 1 is the later of the signup date and the data's first day, so
    everyone enters at 0. ``tenure``: day 1 is the signup date; a customer who signed up
    before the data enters late, having survived (first day − signup) days."""
    spec = retention_spec(spec)
    first, last = data_days(source)
    if first is None:
        return pd.DataFrame(columns=["cohort", "entry", "duration", "event"]), 0
    where, params = _person_where(spec)
    expr = ("'all'" if cohort == "all" else signup_cohort_sql("cu.signup_date", signup_pool_start(last))
            if cohort == "signup_cohort" else f"p.{cohort}")
    df = source.con.execute(
        f"""SELECT {expr} AS cohort, cu.signup_date, local_day(p.first_churn_ts) AS churn_day
        FROM rec_churn_person p LEFT JOIN customers cu ON cu.customer_id = p.person
        WHERE {' AND '.join(where)} ORDER BY p.person""", params).df()
    signup = pd.to_datetime(df["signup_date"])
    churn = pd.to_datetime(df["churn_day"])
    start, end = pd.Timestamp(first), pd.Timestamp(last)
    stop = churn.fillna(end)
    if time_scale == "window":
        origin = signup.where(signup > start, start).fillna(start)
        entry = pd.Series(0.0, index=df.index)
    else:
        origin = signup
        entry = ((start - signup).dt.days.clip(lower=0)).astype(float)
    duration = (stop - origin).dt.days + 1.0
    out = pd.DataFrame({"cohort": df["cohort"].astype(str), "entry": entry, "duration": duration,
                        "event": churn.notna()})
    ok = out["duration"].notna() & (out["duration"] > out["entry"])
    return out[ok].reset_index(drop=True), int((~ok).sum())


def survival_curves(source: Source, spec: FilterSpec | None = None, cohort: str = "segment",
                    time_scale: str = "window", *, role: str) -> Curves:
    """Kaplan–Meier retention by ``cohort`` on ``time_scale`` ('window' or 'tenure')."""
    if cohort not in COHORTS or time_scale not in TIME_SCALES:
        raise ValueError(f"unknown cohort {cohort} or time scale {time_scale}")
    frame, excluded = survival_frame(source, spec, cohort, time_scale)
    first, last = data_days(source)
    days = SUMMARY_DAYS[time_scale]
    sizes = frame.groupby("cohort").size().to_dict()
    hidden = _hide_small({(c,): int(n) for c, n in sizes.items()}, 1, role)
    k = k_threshold(role)
    order = sorted(sizes)
    table = ar.km_by_cohort(frame, "cohort", order)
    table["suppressed"] = [hidden.get((c,)) for c in table["cohort"]]
    if hidden:
        table = table[table["suppressed"].isna()]
    if k is not None:
        table = table[(table["time"] == 0) | (table["at_risk"] >= k)]
    shown = table.reset_index(drop=True)
    placeholders = pd.DataFrame([{"cohort": c, "customers": None, "suppressed": r} for (c,), r in hidden.items()])
    if len(placeholders):
        shown = pd.concat([shown, placeholders], ignore_index=True)
    summary = []
    for c in order:
        sub = frame[frame["cohort"] == c]
        row: dict[str, Any] = {"cohort": c, "customers": len(sub), "churned": int(sub["event"].sum()),
                               "suppressed": hidden.get((c,))}
        curve = shown[(shown["cohort"] == c) & shown["time"].notna()]
        # a cohort nobody was seen in from day 0 (signed up before the data, on the tenure
        # axis) has only a conditional curve: no figure at a fixed tenure for it
        from_start = len(sub) and float(sub["entry"].min()) == 0.0
        row["conditional"] = not from_start
        for d in days:
            at_risk = int(((sub["entry"] < d) & (sub["duration"] >= d)).sum())
            usable = (not row["suppressed"] and from_start and at_risk > 0 and (k is None or at_risk >= k)
                      and len(curve))
            point = ar.survival_at(curve, d) if usable else None
            row[f"s{d}"] = None if point is None else float(point["survival"])
            row[f"s{d}_low"] = None if point is None else float(point["ci_low"])
            row[f"s{d}_high"] = None if point is None else float(point["ci_high"])
        if row["suppressed"]:
            row["customers"] = row["churned"] = None
        summary.append(row)
    return Curves(shown, pd.DataFrame(summary), excluded, first, last, time_scale, days)


# --------------------------------------------------------------------------- after a negative experience


@dataclass(frozen=True)
class Windows:
    """Churn within 30/90 days of the anchor (``analysis.retention.window_rates`` plus a
    ``suppressed`` column): ``table`` with a negative experience vs without, ``by_kind``
    by the kind of the first negative experience (NEGATIVE_KINDS) vs the same customers
    without one; and the people with a negative experience left out because they churned
    before it."""

    table: pd.DataFrame
    by_kind: pd.DataFrame
    churned_before: int
    end: Any


NEGATIVE_KINDS = ("abandoned_handoff", "unresolved_contact", "low_nps", "low_csat", "low_ces")
FIGURES = ["eligible", "churned", "open", "rate", "ci_low", "ci_high"]
DIFFERENCE = ["diff", "diff_ci_low", "diff_ci_high", "p_value"]


def _hide_windows(table: pd.DataFrame, role: str, reference: str = "none") -> pd.DataFrame:
    """A group of a window with fewer than k customers is hidden, and so is its difference
    (the reference's too when the reference is small)."""
    table = table.copy()
    table["suppressed"] = None
    k = k_threshold(role)
    if k is None or table.empty:
        return table
    small = table["eligible"] < k
    table = table.astype({c: "object" for c in [*FIGURES, *DIFFERENCE]})
    table.loc[small, "suppressed"] = "k"
    for w in table.loc[small & (table["group"] == reference), "window_days"].unique():
        table.loc[table["window_days"] == w, DIFFERENCE] = None
    table.loc[small, [*FIGURES, *DIFFERENCE]] = None
    return table


def negative_experience_windows(source: Source, spec: FilterSpec | None = None, *, role: str) -> Windows:
    """Churn within 30 and 90 days after the first negative experience vs a calendar-
    matched anchor for customers with none (docs/metrics.md). Windows still open at the
    data's end are left out."""
    spec = retention_spec(spec)
    where, params = _person_where(spec)
    act = activity_relation(source)
    persons = source.con.execute(
        f"""SELECT p.person, p.first_churn_ts AS churn FROM rec_churn_person p
        WHERE {' AND '.join(where)} ORDER BY p.person""", params).df()
    firsts = source.con.execute(
        f"""SELECT n.person, min(n.t) AS first_neg,
                   arg_min(n.kind, struct_pack(t := n.t, k := n.kind)) AS kind
        FROM ({risk_model.NEGATIVE_EXPERIENCES_SQL}) n JOIN rec_churn_person p USING (person)
        WHERE {' AND '.join(where)} GROUP BY n.person ORDER BY n.person""", params).df()
    controls = source.con.execute(
        f"""WITH neg AS (SELECT person FROM {act} GROUP BY person HAVING count(first_neg_ts) = 0)
        SELECT a.person, a.first_ts FROM {act} a JOIN neg USING (person) JOIN rec_churn_person p USING (person)
        WHERE {' AND '.join(where)} ORDER BY a.person, a.first_ts""", params).df()
    churn = pd.to_datetime(persons.set_index("person")["churn"])
    neg = firsts.assign(first_neg=pd.to_datetime(firsts["first_neg"]), churn=firsts["person"].map(churn))
    before = neg["churn"].notna() & (neg["churn"] < neg["first_neg"])
    neg = neg[~before]
    matched = ar.matched_anchors(controls, neg["first_neg"], churn)
    none = pd.DataFrame({"group": "none", "anchor": matched["anchor"].to_numpy(),
                         "churn": matched["person"].map(churn).to_numpy()})
    anchors = pd.concat([
        pd.DataFrame({"group": "negative", "kind": neg["kind"].to_numpy(), "anchor": neg["first_neg"].to_numpy(),
                      "churn": neg["churn"].to_numpy()}), none.assign(kind="none")], ignore_index=True)
    anchors["anchor"] = pd.to_datetime(anchors["anchor"])
    anchors["churn"] = pd.to_datetime(anchors["churn"])
    end = source.max_ts
    if end is None:
        empty = pd.DataFrame(columns=[*ar.WINDOW_COLUMNS, "suppressed"])
        return Windows(empty, empty, int(before.sum()), end)
    table = ar.window_rates(anchors, end)
    kinds = [k for k in NEGATIVE_KINDS if (anchors["kind"] == k).any()]
    by_kind = ar.window_rates(anchors.assign(group=anchors["kind"]), end, groups=(*kinds, "none"))
    return Windows(_hide_windows(table, role), _hide_windows(by_kind, role), int(before.sum()), end)


# --------------------------------------------------------------------------- early research


def research_signal(source: Source, spec: FilterSpec | None = None, *, role: str) -> dict[str, Any]:
    """The Identity uplift page's churn-research figures (``reports.uplift.churn_research``)
    over all the data, and the churned customers by the identity state of their first
    contract-termination research ('none': no research in the 30 days before churning):
    columns identity_state, customers, share (percent of the churned), ci_low, ci_high,
    suppressed."""
    spec = retention_spec(spec)
    summary = up.churn_research(source, spec, role=role)
    clauses, params = up._record_where(up.churn_spec(spec), up.CHURN_COHORT_DIMS)
    where = " AND ".join(["true", *clauses])
    state = "CASE WHEN researched THEN coalesce(research_identity_state, 'unknown') ELSE 'none' END"
    found = dict(source.con.execute(
        f"SELECT {state}, count(*) FROM churn_signals WHERE {where} GROUP BY ALL", params).fetchall())
    total = sum(found.values())
    hidden = suppression.custom_verdicts(source, "churn_signals", where, params, [state], role,
                                         person="customer_id") if total else {}
    rows = []
    for s in [*IDENTITY_STATES, *sorted(set(found) - set(IDENTITY_STATES))]:
        x = int(found.get(s, 0))
        reason = hidden.get((s,)) or (summary["suppressed"] if summary.get("suppressed") else None)
        est = stats.rate_estimate(x, total)
        rows.append({"identity_state": s, "customers": None if reason else x,
                     "share": None if reason else est.value, "ci_low": None if reason else est.ci_low,
                     "ci_high": None if reason else est.ci_high, "suppressed": reason})
    return {"summary": summary, "by_identity": pd.DataFrame(
        rows, columns=["identity_state", "customers", "share", "ci_low", "ci_high", "suppressed"])}


# --------------------------------------------------------------------------- churn risk


@dataclass(frozen=True)
class RiskValidation:
    """The served ``churn_risk_validation`` read for the page: ``status`` ('ok',
    'too_short', 'no_churn', 'too_few_churners', 'no_data' or 'missing': a snapshot from
    before the model), ``windows`` (name -> {'cutoff', 'n', 'events'}), ``metrics`` (auc,
    baseline_auc, auc_diff -> {'value', 'ci_low', 'ci_high', 'p_value', 'n', 'events'}),
    ``calibration`` (decile, n, events, mean_score, observed, ci_low, ci_high, suppressed;
    percent), ``coefficients`` (feature, coef) and the status's figures (``detail``)."""

    status: str
    windows: dict[str, dict[str, Any]]
    metrics: dict[str, dict[str, Any]]
    calibration: pd.DataFrame
    coefficients: pd.DataFrame
    detail: dict[str, Any]

    @property
    def beats_baseline(self) -> bool | None:
        """Whether the model's AUC is above the baseline rule's beyond chance (the paired
        DeLong interval of the difference lies above 0); None without a validation."""
        diff = self.metrics.get("auc_diff")
        return None if not diff or diff.get("ci_low") is None else bool(diff["ci_low"] > 0)


def _none(v: Any) -> Any:
    return None if v is None or (isinstance(v, float) and v != v) or v is pd.NA else v


def risk_validation(source: Source, *, role: str) -> RiskValidation:
    try:
        v = source.con.execute("SELECT * FROM churn_risk_validation").df()
    except Exception:  # a snapshot published before the model existed
        return RiskValidation("missing", {}, {}, pd.DataFrame(), pd.DataFrame(), {})
    rows = [{k: _none(x) for k, x in r.items()} for r in v.to_dict("records")]
    status = next((r["item"] for r in rows if r["section"] == "status"), "missing")
    detail = next(({"n": r["n"], "events": r["events"]} for r in rows if r["section"] == "status"), {})
    windows = {r["item"]: {"cutoff": r["text"], "n": r["n"], "events": r["events"]}
               for r in rows if r["section"] == "window"}
    metrics = {r["item"]: {k: r[k] for k in ("value", "ci_low", "ci_high", "p_value", "n", "events")}
               for r in rows if r["section"] == "metric"}
    cal = pd.DataFrame([{"decile": r["decile"], "n": r["n"], "events": r["events"], "mean_score": r["mean_score"],
                         "observed": r["value"], "ci_low": r["ci_low"], "ci_high": r["ci_high"], "suppressed": None}
                        for r in rows if r["section"] == "calibration"],
                       columns=["decile", "n", "events", "mean_score", "observed", "ci_low", "ci_high", "suppressed"])
    k = k_threshold(role)
    if k is not None and len(cal):
        small = cal["n"] < k
        cal.loc[small, "suppressed"] = "k"
        cal.loc[small, ["n", "events", "observed", "ci_low", "ci_high"]] = None
    coef = pd.DataFrame([{"feature": r["item"], "coef": r["value"]} for r in rows if r["section"] == "coefficient"],
                        columns=["feature", "coef"])
    return RiskValidation(status, windows, metrics, cal, coef, detail)


HIGH_RISK_COLUMNS = ["person", "score", "decile", "reasons", "segment", "region", "plan", "negatives",
                     "last_negative", "experiences"]


def high_risk_customers(source: Source, spec: FilterSpec | None = None, *, role: str) -> pd.DataFrame:
    """High-value customers (value tier 'high') in the top risk decile, consented only,
    riskiest first, with their negative experiences of the last 60 days: ``negatives``
    (count), ``last_negative`` (time) and ``experiences`` (the latest five, newest first,
    'YYYY-MM-DD kind (channel, intent)', '; '-separated). Person ids pseudonymized unless
    the role sees raw ids. Record-level: analysts and admins only."""
    require_record_access(role)
    spec = retention_spec(spec)
    try:
        source.con.execute("SELECT 1 FROM churn_risk LIMIT 0")
    except Exception:
        return pd.DataFrame(columns=HIGH_RISK_COLUMNS)
    where, params = _person_where(spec)
    since = (source.max_ts or pd.Timestamp.now()) - timedelta(days=RECENT_DAYS)
    df = source.con.execute(
        f"""WITH risky AS (
                SELECT r.person, r.score, r.decile, r.reasons, p.segment, p.region, p.plan
                FROM churn_risk r JOIN rec_churn_person p USING (person)
                WHERE p.value_tier = 'high' AND r.decile = 10 AND p.consent AND {' AND '.join(where)}),
            neg AS (
                SELECT n.person, n.t, n.kind, n.channel, n.intent,
                       row_number() OVER (PARTITION BY n.person ORDER BY n.t DESC, n.kind) AS i
                FROM ({risk_model.NEGATIVE_EXPERIENCES_SQL}) n JOIN risky USING (person) WHERE n.t >= ?)
        SELECT risky.*, count(neg.t) AS negatives, max(neg.t) AS last_negative,
               string_agg(CASE WHEN neg.i <= {MAX_EXPERIENCES} THEN strftime(local_day(neg.t), '%Y-%m-%d') || ' '
                          || neg.kind || ' (' || neg.channel || ', ' || neg.intent || ')' END, '; '
                          ORDER BY neg.t DESC, neg.kind) AS experiences
        FROM risky LEFT JOIN neg USING (person)
        GROUP BY ALL ORDER BY risky.score DESC, risky.person""", [*params, since]).df()
    if not may_see_raw_ids(role):
        df["person"] = [pseudonymize(p) for p in df["person"]]
    df["experiences"] = df["experiences"].fillna("")
    return df[HIGH_RISK_COLUMNS]
