"""Churn risk: a per-customer score from recent experiences and cohort, trained at build
time with a time-based split (docs/metrics.md, "Retention and churn risk").

This is a model step (``steps.STEPS``, after the churn records) so it lives in the model
layer: a step cannot import ``cxmetrics.analysis`` (higher layer). It reads only the
model's own tables and writes two served tables:

- ``churn_risk``: every current customer (an event in the last 60 days, no churn) with
  ``score`` (probability of churning in the next 30 days), ``decile`` (1–10 among the
  scored, 10 = highest risk) and ``reasons`` (up to three feature keys, ``|``-separated,
  whose contributions raise this customer's score most above the average customer's);
- ``churn_risk_validation``: the status, the windows, AUC with DeLong 95 % interval, the
  same for the baseline rule "had an abandoned handoff in the last 30 days" and the paired
  difference, calibration by decile and the coefficients, in long form (``section``,
  ``item`` and the figure columns).

**Split.** Cut-offs are UTC midnights. ``score`` = the day after the data's last day;
``test`` = score − 30 days (its 30-day label window ends with the data); ``train`` =
test − 30 days. At a cut-off c, the population is the customers with an event in the 60
days before c, not churned before c; features use only what is known at c (the 60 days
before it); the label is a first churn in [c, c + 30 days). The model is fitted on the
train cut-off and judged on the test cut-off, and exactly that model scores the
customers at the score cut-off. It needs 60 + 30 + 30 days of data (train features, then
two label windows); with less, or too few churners, the validation says why and
``churn_risk`` is empty: the build never fails on it.

**Model.** scikit-learn's L2 logistic regression (C = 1, lbfgs: deterministic) on
standardized features: log(1 + count) of abandoned handoffs (last 30 days and 31–60),
contacts with a repeat known by the cut-off (same), low survey scores (NPS ≤ 6, CSAT ≤ 2,
CES ≤ 3), contacts, contract-termination research (last 30 days), days since the last
negative experience (61 if none), log tenure, and one-hot segment, value tier, plan and
region (the outage reaches the model through the region).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from cxmetrics.metrics import stats

FEATURE_DAYS, RECENT_DAYS, LABEL_DAYS = 60, 30, 30
MIN_EVENTS = 10  # churners needed in the train and in the test population
TOP_REASONS = 3
SEED = 0
COUNT_FEATURES = ("abandoned_30", "abandoned_60", "unresolved_30", "unresolved_60", "low_scores_60",
                  "contacts_60", "research_30")
NUMERIC_FEATURES = (*COUNT_FEATURES, "days_since_negative", "tenure")
COHORT_FEATURES = ("segment", "value_tier", "plan", "region")
# The negative experiences of a person, by kind (as churn_after_bad_experience counts them:
# cxmetrics.metrics.churn.NEGATIVE_SQL), with what the high-risk list shows of them.
NEGATIVE_EXPERIENCES_SQL = """
    SELECT person, t, 'abandoned_handoff' AS kind, channel, intent FROM rec_handoff WHERE abandoned
    UNION ALL SELECT person, t, 'unresolved_contact' AS kind, channel, intent FROM rec_fcr WHERE NOT resolved
    UNION ALL SELECT person, t, 'low_' || survey_type AS kind, channel, intent FROM rec_survey
    WHERE (survey_type = 'nps' AND score <= 6) OR (survey_type = 'csat' AND score <= 2)
       OR (survey_type = 'ces' AND score <= 3)"""

RISK_DDL = (("person", "VARCHAR"), ("score", "DOUBLE"), ("decile", "INTEGER"), ("reasons", "VARCHAR"))
VALIDATION_DDL = (("section", "VARCHAR"), ("item", "VARCHAR"), ("decile", "INTEGER"), ("n", "BIGINT"),
                  ("events", "BIGINT"), ("value", "DOUBLE"), ("ci_low", "DOUBLE"), ("ci_high", "DOUBLE"),
                  ("mean_score", "DOUBLE"), ("p_value", "DOUBLE"), ("text", "VARCHAR"))
SPARK_TYPES = {"VARCHAR": "STRING", "DOUBLE": "DOUBLE", "INTEGER": "INT", "BIGINT": "BIGINT"}


# --------------------------------------------------------------------------- cut-offs and features


def cutoffs(first_ts: datetime, last_ts: datetime) -> dict[str, datetime] | None:
    """The train, test and score cut-offs for data from ``first_ts`` to ``last_ts``, or
    None when the data is shorter than the 120 days the split needs."""
    score = datetime.combine(last_ts.date() + timedelta(days=1), datetime.min.time())
    test = score - timedelta(days=LABEL_DAYS)
    train = test - timedelta(days=LABEL_DAYS)
    start = datetime.combine(first_ts.date(), datetime.min.time())
    if train - timedelta(days=FEATURE_DAYS) < start:
        return None
    return {"train": train, "test": test, "score": score}


def _lit(ts: datetime) -> str:
    return f"TIMESTAMP '{ts.isoformat(sep=' ')}'"


FEATURE_COLUMNS = ["cut", "person", "churn_ts", "signup_date", "segment", "value_tier", "plan", "region",
                   *COUNT_FEATURES, "last_negative_ts"]


def features_sql(cuts: dict[str, datetime]) -> str:
    """One row per (cut-off, customer of its population): raw features and the first churn."""
    values = ", ".join(
        f"('{name}', {_lit(c - timedelta(days=FEATURE_DAYS))}, {_lit(c - timedelta(days=RECENT_DAYS))}, {_lit(c)})"
        for name, c in cuts.items())

    def counted(table: str, where: str, known: str = "x.t < c.cut") -> str:
        return f"""SELECT c.name, x.person,
                count(*) FILTER (WHERE x.t >= c.mid) AS recent, count(*) FILTER (WHERE x.t < c.mid) AS earlier
            FROM {table} x, cuts c WHERE {where} AND x.t >= c.lo AND {known} AND x.person IS NOT NULL
            GROUP BY c.name, x.person"""

    research = "(x.journey_type = 'contract_termination' OR x.intent = 'contract_termination')"
    low = ("((x.survey_type = 'nps' AND x.score <= 6) OR (x.survey_type = 'csat' AND x.score <= 2) "
           "OR (x.survey_type = 'ces' AND x.score <= 3))")
    return f"""
        WITH cuts AS (SELECT * FROM (VALUES {values}) v(name, lo, mid, cut)),
        pop AS (
            SELECT DISTINCT c.name, a.person FROM rec_activity a, cuts c
            WHERE a.zone = 'UTC' AND a.first_ts >= c.lo AND a.first_ts < c.cut),
        ab AS ({counted('rec_handoff', 'x.abandoned')}),
        un AS ({counted('rec_fcr', 'NOT x.resolved', "date_diff('second', x.t, c.cut) > x.hours_to_repeat * 3600")}),
        lo AS ({counted('rec_survey', low)}),
        co AS ({counted('rec_contact', 'true')}),
        re AS ({counted('rec_journey', research)}),
        neg AS (
            SELECT c.name, n.person, max(n.t) AS last_negative_ts FROM ({NEGATIVE_EXPERIENCES_SQL}) n, cuts c
            WHERE n.t >= c.lo AND n.t < c.cut AND n.person IS NOT NULL GROUP BY c.name, n.person)
        SELECT pop.name AS cut, pop.person, p.first_churn_ts AS churn_ts, cu.signup_date,
               p.segment, p.value_tier, p.plan, p.region,
               coalesce(ab.recent, 0) AS abandoned_30, coalesce(ab.earlier, 0) AS abandoned_60,
               coalesce(un.recent, 0) AS unresolved_30, coalesce(un.earlier, 0) AS unresolved_60,
               coalesce(lo.recent, 0) + coalesce(lo.earlier, 0) AS low_scores_60,
               coalesce(co.recent, 0) + coalesce(co.earlier, 0) AS contacts_60,
               coalesce(re.recent, 0) AS research_30, neg.last_negative_ts
        FROM pop JOIN rec_churn_person p ON p.person = pop.person
        JOIN cuts c ON c.name = pop.name
        LEFT JOIN customers cu ON cu.customer_id = pop.person
        LEFT JOIN ab ON ab.name = pop.name AND ab.person = pop.person
        LEFT JOIN un ON un.name = pop.name AND un.person = pop.person
        LEFT JOIN lo ON lo.name = pop.name AND lo.person = pop.person
        LEFT JOIN co ON co.name = pop.name AND co.person = pop.person
        LEFT JOIN re ON re.name = pop.name AND re.person = pop.person
        LEFT JOIN neg ON neg.name = pop.name AND neg.person = pop.person
        WHERE p.first_churn_ts IS NULL OR p.first_churn_ts >= c.cut
        ORDER BY pop.name, pop.person"""


def _frame(con: Any, sql: str, columns: list[str]) -> pd.DataFrame:
    """A query's rows as a data frame, from DuckDB or the Spark engine's connection."""
    result = con.execute(sql)
    if hasattr(result, "df"):
        df = result.df()
        df.columns = columns
        return df
    return pd.DataFrame(result.fetchall(), columns=columns)


def prepare(raw: pd.DataFrame, cuts: dict[str, datetime]) -> pd.DataFrame:
    """Raw feature rows -> model rows: label, days since negative, tenure, in a fixed order."""
    df = raw.reset_index(drop=True)  # in (cut, person) order: features_sql sorts
    cut = df["cut"].map({k: pd.Timestamp(v) for k, v in cuts.items()})
    churn = pd.to_datetime(df["churn_ts"])
    df["label"] = (churn.notna() & (churn >= cut) & (churn < cut + pd.Timedelta(days=LABEL_DAYS))).astype(int)
    last_neg = pd.to_datetime(df["last_negative_ts"])
    since = (cut - last_neg).dt.total_seconds() / 86400.0
    df["days_since_negative"] = since.fillna(FEATURE_DAYS + 1.0).clip(upper=FEATURE_DAYS + 1.0)
    signup = pd.to_datetime(df["signup_date"])
    df["tenure"] = ((cut - signup).dt.total_seconds() / 86400.0).clip(lower=0)
    for col in COUNT_FEATURES:
        df[col] = df[col].astype(float)
    for col in COHORT_FEATURES:
        df[col] = df[col].fillna("unknown").astype(str)
    return df


# --------------------------------------------------------------------------- the model


class RiskModel:
    """Standardized features and an L2 logistic regression; ``levels`` fixes the one-hot
    columns (from the training rows), ``fill`` the tenure used when it is unknown."""

    def __init__(self, train: pd.DataFrame):
        from sklearn.linear_model import LogisticRegression

        self.levels = {c: sorted(train[c].unique()) for c in COHORT_FEATURES}
        tenure = train["tenure"].dropna()
        self.fill = float(tenure.median()) if len(tenure) else 0.0
        x = self._design(train)
        self.mean = x.mean(axis=0)
        scale = x.std(axis=0)
        self.scale = np.where(scale > 0, scale, 1.0)
        self.lr = LogisticRegression(C=1.0, max_iter=2000, random_state=SEED)
        self.lr.fit((x - self.mean) / self.scale, train["label"].to_numpy())

    @property
    def columns(self) -> list[str]:
        return [*NUMERIC_FEATURES, *(f"{c}={v}" for c in COHORT_FEATURES for v in self.levels[c])]

    def groups(self) -> list[str]:
        """Each design column's feature key (a cohort's one-hot columns share the cohort's)."""
        return [c.split("=", 1)[0] for c in self.columns]

    def _design(self, df: pd.DataFrame) -> np.ndarray:
        parts = [np.log1p(df[c].to_numpy(dtype=float)) for c in COUNT_FEATURES]
        parts.append(df["days_since_negative"].to_numpy(dtype=float))
        parts.append(np.log1p(df["tenure"].fillna(getattr(self, "fill", 0.0)).to_numpy(dtype=float)))
        for c in COHORT_FEATURES:
            codes = pd.Categorical(df[c], categories=self.levels[c]).codes  # -1: a level unseen in training
            onehot = np.zeros((len(df), len(self.levels[c])))
            known = codes >= 0
            onehot[np.flatnonzero(known), codes[known]] = 1.0
            parts.append(onehot)
        return np.column_stack(parts)

    def standardized(self, df: pd.DataFrame) -> np.ndarray:
        return (self._design(df) - self.mean) / self.scale

    def predict(self, df: pd.DataFrame, z: np.ndarray | None = None) -> np.ndarray:
        z = self.standardized(df) if z is None else z
        return self.lr.predict_proba(z)[:, 1]

    def reasons(self, df: pd.DataFrame, top: int = TOP_REASONS, z: np.ndarray | None = None) -> list[str]:
        """Per row, the feature keys with the largest positive contributions to the linear
        predictor relative to the average customer (coefficient × standardized value,
        one-hot columns summed per cohort), largest first, ``|``-separated."""
        contrib = (self.standardized(df) if z is None else z) * self.lr.coef_[0]
        groups = self.groups()
        keys = np.array(list(dict.fromkeys(groups)), dtype=object)
        member = np.array([[g == k for k in keys] for g in groups], dtype=float)
        by_key = contrib @ member
        order = np.argsort(-by_key, axis=1, kind="stable")[:, :top]
        rows = np.arange(len(df))
        out = np.full(len(df), "", dtype=object)
        for j in range(order.shape[1]):
            pick = order[:, j]
            positive = by_key[rows, pick] > 1e-9
            name = np.where(positive, keys[pick], "")
            out = np.where(positive & (out != ""), out + "|" + name, np.where(positive, out + name, out))
        return out.tolist()


def delong(y: np.ndarray, scores: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """AUCs of ``scores`` for binary ``y`` and their DeLong covariance matrix (midranks:
    ties count one half). Sun & Xu's fast algorithm."""
    from scipy.stats import rankdata

    y = np.asarray(y).astype(bool)
    m, n = int(y.sum()), int((~y).sum())
    aucs, v01, v10 = [], [], []
    for s in scores:
        s = np.asarray(s, dtype=float)
        pos, neg = s[y], s[~y]
        tx, ty, tz = rankdata(pos), rankdata(neg), rankdata(np.concatenate([pos, neg]))
        aucs.append((tz[:m].sum() - m * (m + 1) / 2) / (m * n))
        v01.append((tz[:m] - tx) / n)
        v10.append(1.0 - (tz[m:] - ty) / m)
    sx = np.atleast_2d(np.cov(np.array(v01))) if m > 1 else np.zeros((len(scores), len(scores)))
    sy = np.atleast_2d(np.cov(np.array(v10))) if n > 1 else np.zeros((len(scores), len(scores)))
    return np.array(aucs), sx / m + sy / n


def deciles(score: np.ndarray) -> np.ndarray:
    """1–10 by rank of ``score`` (equal-count bins; ties broken by position, so the input
    order must be fixed), 10 = highest."""
    n = len(score)
    if n == 0:
        return np.zeros(0, dtype=int)
    rank = np.empty(n, dtype=int)
    rank[np.argsort(score, kind="stable")] = np.arange(n)
    return (rank * 10 // n + 1).astype(int)


def _row(section: str, item: str, **values: Any) -> dict[str, Any]:
    return {c: values.get(c) for c, _ in VALIDATION_DDL} | {"section": section, "item": item}


def evaluate(con: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(churn_risk, churn_risk_validation) for the model in ``con``."""
    span = con.execute("SELECT min(first_ts), max(first_ts) FROM rec_activity WHERE zone = 'UTC'").fetchall()
    first, last = span[0] if span else (None, None)
    last_ts = con.execute("SELECT max(ts) FROM ev").fetchall()[0][0]
    empty = pd.DataFrame(columns=[c for c, _ in RISK_DDL])
    if first is None or last_ts is None:
        return empty, pd.DataFrame([_row("status", "no_data")])
    first, last_ts = pd.Timestamp(first).to_pydatetime(), pd.Timestamp(last_ts).to_pydatetime()
    days = (last_ts.date() - first.date()).days + 1
    needed = FEATURE_DAYS + 2 * LABEL_DAYS
    cuts = cutoffs(first, last_ts)
    if cuts is None:
        return empty, pd.DataFrame([_row("status", "too_short", n=days, events=needed)])
    windows = [_row("window", name, text=c.date().isoformat()) for name, c in cuts.items()]
    df = prepare(_frame(con, features_sql(cuts), FEATURE_COLUMNS), cuts)
    train, test, now = (df[df["cut"] == k].reset_index(drop=True) for k in ("train", "test", "score"))
    for rows, name in ((train, "train"), (test, "test"), (now, "score")):
        w = next(r for r in windows if r["item"] == name)
        w["n"], w["events"] = len(rows), int(rows["label"].sum()) if name != "score" else None
    ev_train, ev_test = int(train["label"].sum()), int(test["label"].sum())
    if ev_train + ev_test == 0:
        return empty, pd.DataFrame([_row("status", "no_churn"), *windows])
    if min(ev_train, ev_test) < MIN_EVENTS or min(len(train) - ev_train, len(test) - ev_test) < MIN_EVENTS:
        return empty, pd.DataFrame([_row("status", "too_few_churners", n=min(ev_train, ev_test),
                                         events=MIN_EVENTS), *windows])
    model = RiskModel(train)
    p_test = model.predict(test)
    baseline = (test["abandoned_30"].to_numpy() > 0).astype(float)
    y = test["label"].to_numpy()
    aucs, cov = delong(y, [p_test, baseline])
    rows = [_row("status", "ok"), *windows]
    for i, item in enumerate(("auc", "baseline_auc")):
        half = stats.Z * math.sqrt(max(cov[i, i], 0.0))
        rows.append(_row("metric", item, value=float(aucs[i]), ci_low=max(0.0, aucs[i] - half),
                         ci_high=min(1.0, aucs[i] + half), n=len(y), events=int(y.sum())))
    diff = float(aucs[0] - aucs[1])
    se = math.sqrt(max(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1], 0.0))
    p = None if se == 0 else math.erfc(abs(diff) / se / math.sqrt(2.0))
    rows.append(_row("metric", "auc_diff", value=diff, ci_low=diff - stats.Z * se, ci_high=diff + stats.Z * se,
                     p_value=p, n=len(y), events=int(y.sum())))
    dec = deciles(p_test)
    for d in range(1, 11):
        mask = dec == d
        k, x = int(mask.sum()), int(y[mask].sum())
        est = stats.rate_estimate(x, k)
        rows.append(_row("calibration", "decile", decile=d, n=k, events=x, value=est.value, ci_low=est.ci_low,
                         ci_high=est.ci_high, mean_score=100.0 * float(p_test[mask].mean()) if k else None))
    for name, coef in zip(model.columns, model.lr.coef_[0], strict=True):
        rows.append(_row("coefficient", name, value=float(coef)))
    validation = pd.DataFrame(rows)
    if now.empty:
        return empty, validation
    z = model.standardized(now)
    score = model.predict(now, z)
    risk = pd.DataFrame({"person": now["person"].astype(str), "score": np.round(score, 12),
                         "decile": deciles(score), "reasons": model.reasons(now, z=z)})
    return risk, validation


# --------------------------------------------------------------------------- the step


def _write(con: Any, name: str, ddl: tuple[tuple[str, str], ...], frame: pd.DataFrame) -> None:
    """``frame`` as table ``name`` with the column types of ``ddl`` (DuckDB or Spark)."""
    cols = [c for c, _ in ddl]
    typed = frame.reindex(columns=cols).astype(
        {c: ("float64" if t == "DOUBLE" else "Int64" if t in ("INTEGER", "BIGINT") else "object") for c, t in ddl})
    if hasattr(con, "spark"):  # cxmetrics.engines.spark.SparkConnection
        cast = [float if t == "DOUBLE" else int if t in ("INTEGER", "BIGINT") else str for _, t in ddl]
        rows = [tuple(None if _missing(v) else f(v) for f, v in zip(cast, r, strict=True))
                for r in typed.itertuples(index=False, name=None)]
        schema = ", ".join(f"{c} {SPARK_TYPES[t]}" for c, t in ddl)
        con.register(name, con.spark.createDataFrame(rows, schema=schema))
        return
    con.execute(f"CREATE OR REPLACE TABLE {name} ({', '.join(f'{c} {t}' for c, t in ddl)})")
    if len(typed):
        con.register("_churn_risk_frame", typed)
        try:
            con.execute(f"INSERT INTO {name} SELECT * FROM _churn_risk_frame")
        finally:
            con.unregister("_churn_risk_frame")


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA


def build_churn_risk(con: Any) -> None:
    risk, validation = evaluate(con)
    _write(con, "churn_risk", RISK_DDL, risk)
    _write(con, "churn_risk_validation", VALIDATION_DDL, validation)


def status(validation: pd.DataFrame) -> str:
    """The validation's status item ('ok', 'too_short', ...); 'missing' without one."""
    rows = validation[validation["section"] == "status"] if "section" in validation else validation
    return str(rows["item"].iloc[0]) if len(rows) else "missing"
