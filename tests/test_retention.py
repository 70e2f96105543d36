"""Retention and churn risk (docs/metrics.md, "Retention and churn risk").

Kaplan–Meier on literal fixtures against survival computed by hand and against
statsmodels' ``SurvfuncRight`` (delayed entry included); the 30/90-day comparison and its
matched anchors by hand; the report's survival rows from a literal model; the risk model's
DeLong AUCs against the pairwise definition, its determinism, its validation on a
120-day demo (``retention_db``) and its honest empty answer on data too short for it;
record-level rules of the high-risk list.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from statsmodels.duration.survfunc import SurvfuncRight

from cxmetrics.analysis import retention as ar
from cxmetrics.core.errors import UserError
from cxmetrics.core.privacy import pseudonymize
from cxmetrics.metrics import stats
from cxmetrics.metrics.engine import kpi_stats
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.metrics.source import Source
from cxmetrics.model import churn_risk as cr
from cxmetrics.reports import retention as rr
from cxmetrics.serving import snapshot

# --------------------------------------------------------------------------- Kaplan–Meier


def test_kaplan_meier_by_hand() -> None:
    # durations 2, 3, 3 (censored), 5, 6 (censored), 8; everyone from day 0
    km = ar.kaplan_meier([2, 3, 3, 5, 6, 8], [1, 1, 0, 1, 0, 1])
    assert km["time"].tolist() == [0, 2, 3, 5, 8]
    assert km["at_risk"].tolist()[1:] == [6, 5, 3, 1]  # the one censored at 3 is at risk at 3
    assert km["events"].tolist() == [0, 1, 1, 1, 1]
    expected = [1, 5 / 6, 5 / 6 * 4 / 5, 5 / 6 * 4 / 5 * 2 / 3, 0]
    assert km["survival"].tolist() == pytest.approx(expected)
    # Greenwood at day 3: S² · (1/(6·5) + 1/(5·4)) = (2/3)² / 12
    assert km["se"].iloc[2] == pytest.approx(2 / 3 * math.sqrt(1 / 12))
    # log(−log) band at day 3: S ** exp(∓1.96 σ), σ = √(1/12) / |ln(2/3)|
    sigma = math.sqrt(1 / 12) / abs(math.log(2 / 3))
    assert km["ci_low"].iloc[2] == pytest.approx((2 / 3) ** math.exp(1.96 * sigma))
    assert km["ci_high"].iloc[2] == pytest.approx((2 / 3) ** math.exp(-1.96 * sigma))
    assert (km["ci_low"].iloc[2], km["ci_high"].iloc[2]) == pytest.approx((0.19456, 0.90443), abs=1e-4)
    # at survival 1 the band is [1, 1]; at 0, [0, 0]
    assert (km["ci_low"].iloc[0], km["ci_high"].iloc[0]) == (1.0, 1.0)
    assert (km["ci_low"].iloc[-1], km["ci_high"].iloc[-1]) == (0.0, 0.0)


def test_kaplan_meier_delayed_entry_by_hand() -> None:
    """A customer entering late (already survived ``entry`` days) is at risk only after it:
    at day 3 the one who entered at 3 is not counted, at day 5 the one entering at 4 is."""
    entry = [0, 0, 4, 0, 3, 5]
    duration = [3, 5, 5, 8, 10, 12]
    event = [1, 1, 0, 1, 0, 1]
    km = ar.kaplan_meier(duration, event, entry)
    assert km["time"].tolist() == [0, 3, 5, 8, 12]
    assert km["at_risk"].tolist()[1:] == [3, 4, 3, 1]
    assert km["survival"].tolist()[1:] == pytest.approx([2 / 3, 2 / 3 * 3 / 4, 2 / 3 * 3 / 4 * 2 / 3, 0])


def test_kaplan_meier_equals_statsmodels_with_delayed_entry() -> None:
    rng = np.random.default_rng(11)
    n = 800
    entry = np.where(rng.random(n) < 0.4, 0, rng.integers(1, 60, n)).astype(float)
    duration = entry + rng.integers(1, 120, n)
    event = rng.random(n) < 0.35
    km = ar.kaplan_meier(duration, event, entry)
    sf = SurvfuncRight(duration, event.astype(float), entry=entry)
    assert km["time"].iloc[1:].tolist() == sf.surv_times.tolist()
    assert km["at_risk"].iloc[1:].tolist() == sf.n_risk.tolist()
    assert np.allclose(km["survival"].iloc[1:], sf.surv_prob)
    assert np.allclose(km["se"].iloc[1:], sf.surv_prob_se, equal_nan=True)


def test_km_by_cohort_keeps_the_given_order_and_sizes() -> None:
    frame = pd.DataFrame({"cohort": ["b", "a", "b", "a", "a"], "entry": 0.0, "duration": [1, 2, 3, 4, 5.0],
                          "event": [True, False, True, True, False]})
    out = ar.km_by_cohort(frame, "cohort", ["b", "a"])
    assert list(dict.fromkeys(out["cohort"])) == ["b", "a"]
    assert out.groupby("cohort")["customers"].first().to_dict() == {"a": 3, "b": 2}
    b = out[out["cohort"] == "b"]
    assert b["survival"].tolist() == pytest.approx([1, 0.5, 0])


# --------------------------------------------------------------------------- 30/90 days after


def _ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


def test_window_rates_by_hand() -> None:
    """end 2026-04-30: a 30-day window is closed for anchors up to 03-31, a 90-day one up
    to 01-30. Negative: A churns in 30; B never; C in 90 not 30; D in 30 (90 open); E
    both open. None: F in 30; G, H never; I in 90 not 30; J never (90 open)."""
    rows = [
        ("negative", "2026-01-01", "2026-01-20"), ("negative", "2026-01-05", None),
        ("negative", "2026-01-10", "2026-03-15"), ("negative", "2026-02-15", "2026-02-20"),
        ("negative", "2026-04-15", None),
        ("none", "2026-01-02", "2026-01-10"), ("none", "2026-01-03", None), ("none", "2026-01-04", None),
        ("none", "2026-01-20", "2026-04-01"), ("none", "2026-03-01", None),
    ]
    anchors = pd.DataFrame(rows, columns=["group", "anchor", "churn"])
    anchors["anchor"] = pd.to_datetime(anchors["anchor"])
    anchors["churn"] = pd.to_datetime(anchors["churn"])
    out = ar.window_rates(anchors, _ts("2026-04-30")).set_index(["window_days", "group"])
    assert out.loc[(30, "negative"), ["eligible", "churned", "open"]].tolist() == [4, 2, 1]
    assert out.loc[(30, "none"), ["eligible", "churned", "open"]].tolist() == [5, 1, 0]
    assert out.loc[(90, "negative"), ["eligible", "churned", "open"]].tolist() == [3, 2, 2]
    assert out.loc[(90, "none"), ["eligible", "churned", "open"]].tolist() == [4, 2, 1]
    assert out.loc[(30, "negative"), "rate"] == pytest.approx(50.0)
    assert out.loc[(30, "none"), "rate"] == pytest.approx(20.0)
    # Wilson for 2 of 4, by hand: centre 0.5, half-width 1.96·√(1/16 + 1.96²/64) / (1 + 1.96²/4)
    half = 1.96 * math.sqrt(1 / 16 + 1.96**2 / 64) / (1 + 1.96**2 / 4)
    assert (out.loc[(30, "negative"), "ci_low"], out.loc[(30, "negative"), "ci_high"]) == pytest.approx(
        (100 * (0.5 - half), 100 * (0.5 + half)))
    d = stats.rate_difference((2, 4), (1, 5))
    assert out.loc[(30, "negative"), "diff"] == pytest.approx(30.0)
    assert (out.loc[(30, "negative"), "diff_ci_low"], out.loc[(30, "negative"), "diff_ci_high"]) == pytest.approx(
        (d.ci_low, d.ci_high))
    assert pd.isna(out.loc[(30, "none"), "diff"])
    assert out.loc[(90, "negative"), "diff"] == pytest.approx(100 * (2 / 3 - 2 / 4))


def test_window_rates_count_the_last_instant_and_not_a_churn_before() -> None:
    anchors = pd.DataFrame({"group": ["negative", "negative", "none"],
                            "anchor": pd.to_datetime(["2026-01-01 10:00", "2026-01-01 00:00", "2026-01-01 00:00"]),
                            "churn": pd.to_datetime(["2026-01-31 10:00", "2025-12-31 00:00", None])})
    out = ar.window_rates(anchors, _ts("2026-06-01"), windows=(30,)).set_index("group")
    assert out.loc["negative", "churned"] == 1  # exactly anchor + 30 days counts; a churn before does not


def test_matched_anchors_pick_the_active_day_nearest_the_drawn_time() -> None:
    activity = pd.DataFrame({"person": ["p1", "p1", "p1", "p2", "p2"],
                             "first_ts": pd.to_datetime(["2026-01-01 09:00", "2026-01-10 09:00", "2026-01-20 09:00",
                                                         "2026-01-02 09:00", "2026-01-25 09:00"])})
    churn = pd.Series({"p1": pd.NaT, "p2": pd.Timestamp("2026-01-25 09:00")})
    neg = [pd.Timestamp("2026-01-11")]  # one negative anchor: every draw is it
    out = ar.matched_anchors(activity, neg, churn).set_index("person")["anchor"]
    assert out["p1"] == pd.Timestamp("2026-01-10 09:00")
    # p2's day of 01-25 is its churn's: not an anchor (it must be a customer then)
    assert out["p2"] == pd.Timestamp("2026-01-02 09:00")
    # the draw is fixed by the person's id: the same every run, different between people
    negs = pd.date_range("2026-01-01", periods=50, freq="D")
    a = ar.matched_anchors(activity, negs, churn)
    assert a.equals(ar.matched_anchors(activity, negs, churn))
    assert ar.stable_fraction("anchor|p1") == ar.stable_fraction("anchor|p1") != ar.stable_fraction("anchor|p2")
    assert ar.matched_anchors(activity, [], churn).empty


# --------------------------------------------------------------------------- the report on a literal model


@pytest.fixture
def literal_source() -> Source:
    """Three customers seen in January 2026 (UTC): P1 signed up before the data and
    churned on day 10, P2 signed up on 01-15, P3 has no signup date."""
    con = duckdb.connect()
    con.execute("""CREATE TABLE rec_churn_person AS SELECT * FROM (VALUES
        ('P1', TIMESTAMP '2026-01-10 12:00', 'consumer', 'high', 'Madrid', 'fiber_1gb', true),
        ('P2', NULL, 'consumer', 'low', 'Madrid', 'fiber_1gb', true),
        ('P3', NULL, 'business', 'low', 'Galicia', 'mobile_pro', false))
        v(person, first_churn_ts, segment, value_tier, region, plan, consent)""")
    con.execute("""CREATE TABLE customers AS SELECT * FROM (VALUES
        ('P1', DATE '2025-06-01'), ('P2', DATE '2026-01-15'), ('P3', NULL)) v(customer_id, signup_date)""")
    con.execute("""CREATE TABLE rec_activity AS SELECT * FROM (VALUES
        ('UTC', 'P1', DATE '2026-01-01', TIMESTAMP '2026-01-01 08:00', NULL),
        ('UTC', 'P1', DATE '2026-01-10', TIMESTAMP '2026-01-10 12:00', NULL),
        ('UTC', 'P2', DATE '2026-01-15', TIMESTAMP '2026-01-15 09:00', NULL),
        ('UTC', 'P3', DATE '2026-01-31', TIMESTAMP '2026-01-31 18:00', NULL))
        v(zone, person, day, first_ts, first_neg_ts)""")
    return Source(con=con, max_ts=datetime(2026, 1, 31, 18), anchor=date(2026, 1, 5))


def test_survival_rows_on_both_time_scales(literal_source: Source) -> None:
    window, left_out = rr.survival_frame(literal_source, None, "value_tier", "window")
    assert left_out == 0
    # P1 from the data's first day, churned on day 10; P2 from its signup (day 1 = 01-15) to
    # 01-31 = day 17; P3 from the first day, censored on day 31
    assert window[["cohort", "entry", "duration", "event"]].values.tolist() == [
        ["high", 0.0, 10.0, True], ["low", 0.0, 17.0, False], ["low", 0.0, 31.0, False]]
    tenure, left_out = rr.survival_frame(literal_source, None, "all", "tenure")
    assert left_out == 1  # P3: no signup date
    # P1 signed up 2025-06-01: it had survived 214 days when the data starts, churned on day 224
    assert tenure[["entry", "duration", "event"]].values.tolist() == [[214.0, 224.0, True], [0.0, 17.0, False]]
    curves = rr.survival_curves(literal_source, None, "value_tier", "window", role="admin")
    high = curves.table[curves.table["cohort"] == "high"]
    assert high["time"].tolist() == [0.0, 10.0] and high["survival"].tolist() == [1.0, 0.0]
    # a customer filter applies; a channel filter is not a customer's and is dropped
    spec = FilterSpec(dims={"value_tier": ["low"], "channel": ["web"]})
    only_low, _ = rr.survival_frame(literal_source, spec, "value_tier", "window")
    assert only_low["cohort"].tolist() == ["low", "low"]


def test_executive_sees_no_small_cohort_curve(literal_source: Source) -> None:
    curves = rr.survival_curves(literal_source, None, "value_tier", "window", role="executive")
    assert curves.table["survival"].dropna().empty  # 1 and 2 customers: both hidden (k = 5)
    assert set(curves.table["suppressed"]) == {"k"}
    assert curves.summary["customers"].isna().all()


def test_signup_cohorts(literal_source: Source) -> None:
    assert rr.signup_pool_start(date(2026, 1, 31)) == date(2024, 4, 1)  # 8 quarters: 2024-Q2 … 2026-Q1
    frame, _ = rr.survival_frame(literal_source, None, "signup_cohort", "window")
    assert frame["cohort"].tolist() == ["2025-Q2", "2026-Q1", "unknown"]


# --------------------------------------------------------------------------- on the demo databases


def test_churn_by_signup_cohort_adds_up_to_the_engine(demo_db: Path) -> None:
    """The signup-cohort months are computed beside the engine with its definition: summed
    over cohorts they are the engine's churn_rate by month."""
    source = snapshot.open_snapshot(demo_db)
    by_cohort = rr.churn_by_month(source, None, "signup_cohort", role="analyst")
    totals = by_cohort.groupby("month")[["n", "churned"]].sum()
    engine = {g.group["month"]: (g.n, g.s1) for g in kpi_stats(source, ["churn_rate"], ["month"], FilterSpec())}
    assert {m: (int(r.n), float(r.churned)) for m, r in totals.iterrows()} == engine
    everyone = rr.churn_by_month(source, None, "all", role="analyst")
    # 2026-01-16 … 2026-03-01: January and March are in the data only in part
    assert everyone["month"].tolist() == ["2026-01", "2026-02", "2026-03"]
    assert everyone["partial"].tolist() == [True, False, True]


def test_negative_experience_windows_on_the_demo(demo_db: Path) -> None:
    source = snapshot.open_snapshot(demo_db)
    w = rr.negative_experience_windows(source, None, role="analyst")
    table = w.table.set_index(["window_days", "group"])
    assert set(table.index) == {(30, "negative"), (30, "none"), (90, "negative"), (90, "none")}
    # 45 days of data: no 90-day window has closed, every customer is in "open"
    assert table.loc[(90, "negative"), "eligible"] == table.loc[(90, "none"), "eligible"] == 0
    assert table.loc[(30, "negative"), "eligible"] > 0
    # the kinds split the negative group
    kinds = w.by_kind[w.by_kind["window_days"] == 30]
    assert kinds[kinds["group"] != "none"]["eligible"].sum() == table.loc[(30, "negative"), "eligible"]
    assert kinds[kinds["group"] == "none"]["eligible"].iloc[0] == table.loc[(30, "none"), "eligible"]


def test_research_signal_reuses_the_uplift_figures(demo_db: Path) -> None:
    from cxmetrics.reports import uplift as up

    source = snapshot.open_snapshot(demo_db)
    got = rr.research_signal(source, FilterSpec(date_from=date(2026, 2, 1)), role="analyst")
    assert got["summary"] == up.churn_research(source, FilterSpec(), role="analyst")  # the dates do not apply
    by = got["by_identity"].set_index("identity_state")
    assert by.loc[["recognized", "anonymous"], "customers"].sum() == got["summary"]["researched"]
    assert by["customers"].sum() == got["summary"]["churned"]
    assert by["share"].sum() == pytest.approx(100.0)


# --------------------------------------------------------------------------- the risk model


def test_delong_equals_the_pairwise_definition() -> None:
    rng = np.random.default_rng(3)
    y = rng.random(60) < 0.3
    a = rng.normal(size=60) + y
    b = np.round(rng.normal(size=60), 0)  # ties
    aucs, cov = cr.delong(y, [a, b])
    pos, neg = [s[y] for s in (a, b)], [s[~y] for s in (a, b)]

    def psi(x, z):
        return (x[:, None] > z[None, :]) + 0.5 * (x[:, None] == z[None, :])

    k = [psi(p, q) for p, q in zip(pos, neg, strict=True)]
    assert aucs.tolist() == pytest.approx([m.mean() for m in k])
    v10 = np.array([m.mean(axis=1) for m in k])  # per positive
    v01 = np.array([m.mean(axis=0) for m in k])  # per negative
    expected = np.cov(v10) / y.sum() + np.cov(v01) / (~y).sum()
    assert cov == pytest.approx(expected)


def test_deciles_are_equal_count_and_ordered() -> None:
    score = np.array([0.5, 0.1, 0.9, 0.3, 0.7, 0.2, 0.8, 0.4, 0.6, 1.0, 0.05, 0.95])
    d = cr.deciles(score)
    assert d[np.argmax(score)] == 10 and d[np.argmin(score)] == 1
    assert all(d[np.argsort(score)][i] <= d[np.argsort(score)][i + 1] for i in range(len(d) - 1))
    assert cr.deciles(np.arange(100.0)).tolist() == [i // 10 + 1 for i in range(100)]


def test_cutoffs_need_120_days() -> None:
    assert cr.cutoffs(datetime(2026, 1, 1), datetime(2026, 4, 30, 23)) == {
        "train": datetime(2026, 3, 2), "test": datetime(2026, 4, 1), "score": datetime(2026, 5, 1)}
    assert cr.cutoffs(datetime(2026, 1, 2), datetime(2026, 4, 30, 23)) is None


def test_short_data_gives_an_empty_model_with_its_reason(demo_db: Path) -> None:
    source = snapshot.open_snapshot(demo_db)
    v = rr.risk_validation(source, role="analyst")
    assert v.status == "too_short" and v.detail == {"n": 45, "events": 120}
    assert v.beats_baseline is None
    assert source.con.execute("SELECT count(*) FROM churn_risk").fetchone()[0] == 0
    assert rr.high_risk_customers(source, None, role="analyst").empty


def test_the_model_is_validated_and_beats_random(retention_db: Path) -> None:
    source = snapshot.open_snapshot(retention_db)
    v = rr.risk_validation(source, role="analyst")
    assert v.status == "ok"
    assert [w["cutoff"] for w in v.windows.values()] == ["2026-01-01", "2026-01-31", "2026-03-02"]
    assert v.windows["train"]["events"] >= cr.MIN_EVENTS and v.windows["test"]["events"] >= cr.MIN_EVENTS
    auc = v.metrics["auc"]
    assert auc["ci_low"] > 0.5  # better than random on the held-out window
    assert auc["ci_low"] < auc["value"] < auc["ci_high"]
    assert set(v.metrics) == {"auc", "baseline_auc", "auc_diff"}
    assert v.metrics["auc_diff"]["value"] == pytest.approx(auc["value"] - v.metrics["baseline_auc"]["value"])
    cal = v.calibration
    assert cal["decile"].tolist() == list(range(1, 11))
    assert cal["n"].sum() == v.windows["test"]["n"] and cal["events"].sum() == v.windows["test"]["events"]
    assert cal["mean_score"].is_monotonic_increasing
    assert list(v.coefficients.columns) == ["feature", "coef"] and "abandoned_30" in set(v.coefficients["feature"])
    raw = source.con.execute("SELECT * FROM churn_risk_validation").df()
    assert list(raw.columns) == [c for c, _ in cr.VALIDATION_DDL]
    assert raw.groupby("section").size().to_dict() == {
        "status": 1, "window": 3, "metric": 3, "calibration": 10, "coefficient": len(v.coefficients)}
    risk = source.con.execute("SELECT * FROM churn_risk").df()
    assert list(risk.columns) == [c for c, _ in cr.RISK_DDL]
    assert len(risk) == v.windows["score"]["n"] and risk["person"].is_unique
    assert set(risk["decile"]) == set(range(1, 11))
    assert risk.groupby("decile")["score"].min().is_monotonic_increasing
    reasons = {k for r in risk["reasons"] for k in r.split("|") if k}
    assert reasons <= {*cr.NUMERIC_FEATURES, *cr.COHORT_FEATURES}


def test_the_model_is_deterministic(retention_db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(retention_db.read_bytes())
    con = duckdb.connect(str(copy))
    first = [con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in ("churn_risk", "churn_risk_validation")]
    cr.build_churn_risk(con)
    again = [con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in ("churn_risk", "churn_risk_validation")]
    assert again == first


def test_high_risk_list_rules(retention_db: Path) -> None:
    source = snapshot.open_snapshot(retention_db)
    for role in ("executive", "committee"):
        with pytest.raises(UserError, match="aggregates only"):
            rr.high_risk_customers(source, None, role=role)
    admin = rr.high_risk_customers(source, None, role="admin")
    analyst = rr.high_risk_customers(source, None, role="analyst")
    assert len(admin) == len(analyst) > 0
    assert analyst["person"].tolist() == [pseudonymize(p) for p in admin["person"]]
    people = source.con.execute(
        "SELECT r.person, p.value_tier, p.consent, r.decile FROM churn_risk r JOIN rec_churn_person p USING (person)"
    ).df().set_index("person")
    listed = people.loc[admin["person"]]
    assert (listed["value_tier"] == "high").all() and listed["consent"].all() and (listed["decile"] == 10).all()
    expected = people[(people["value_tier"] == "high") & (people["decile"] == 10) & people["consent"]]
    assert len(admin) == len(expected)
    assert admin["score"].is_monotonic_decreasing
    # every listed experience is a negative experience of that customer in the last 60 days
    row = admin[admin["negatives"] > 0].iloc[0]
    since = source.max_ts - pd.Timedelta(days=60)
    n = source.con.execute(f"SELECT count(*) FROM ({cr.NEGATIVE_EXPERIENCES_SQL}) WHERE person = ? AND t >= ?",
                           [row["person"], since]).fetchone()[0]
    assert row["negatives"] == n
    assert len(row["experiences"].split("; ")) == min(n, rr.MAX_EXPERIENCES)
    # a cohort filter narrows the list
    madrid = rr.high_risk_customers(source, FilterSpec(dims={"region": ["Madrid"]}), role="admin")
    assert set(madrid["region"]) <= {"Madrid"} and len(madrid) < len(admin)


def test_a_cohort_seen_only_late_has_a_conditional_curve(literal_source: Source) -> None:
    """On the tenure axis P1 (signed up 2025-06-01) is seen from day 215 only: its curve
    starts there, and it has no survival at a fixed tenure."""
    curves = rr.survival_curves(literal_source, None, "value_tier", "tenure", role="admin")
    high = curves.table[curves.table["cohort"] == "high"]
    assert high["time"].tolist() == [214.0, 224.0]
    row = curves.summary.set_index("cohort").loc["high"]
    assert bool(row["conditional"]) and pd.isna(row["s365"])
    low = curves.summary.set_index("cohort").loc["low"]  # P2 signed up in the data: from day 0
    assert not low["conditional"]
