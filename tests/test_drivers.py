"""cxmetrics.analysis.drivers: key drivers (Shapley R²) with known answers."""

from __future__ import annotations

import itertools
import math
import os
import time

import numpy as np
import pandas as pd
import pytest

from cxmetrics.analysis.drivers import CAVEAT, MAX_GROUPS, key_drivers


def _rows(result) -> dict:
    return {r.attribute: r for r in result.rows}


def survey(n: int, seed: int = 0) -> pd.DataFrame:
    """A synthetic survey with every attribute type (8 groups, 15 design columns)."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "journey_completed": rng.random(n) < 0.7,
        "first_contact_resolved": rng.random(n) < 0.6,
        "handoff_abandoned": rng.random(n) < 0.1,
        "recognized": rng.random(n) < 0.5,
        "repeat_contact": rng.random(n) < 0.3,
        "time_to_answer": np.where(rng.random(n) < 0.2, np.nan, rng.exponential(3.0, n)),
        "channel": rng.choice(["app", "web", "phone", "shop"], n),
        "intent": rng.choice(["billing", "tech", "move", "cancel", "upgrade", "other"], n),
    })
    latent = (2.0 * df.journey_completed + 1.5 * df.first_contact_resolved
              - 2.0 * df.handoff_abandoned + 0.5 * df.recognized - 1.0 * df.repeat_contact
              - 0.2 * df.time_to_answer.fillna(0.0) - 0.5 * (df.channel == "phone")
              + rng.normal(0.0, 2.0, n))
    df["nps"] = np.clip(np.round(5.0 + latent), 0, 10)
    df["csat"] = np.clip(np.round(3.0 + latent / 2.0), 1, 5)
    return df


ATTRS = ["journey_completed", "first_contact_resolved", "handoff_abandoned", "recognized",
         "repeat_contact", "time_to_answer", "channel", "intent"]


def _r2(y: np.ndarray, x: np.ndarray) -> float:
    """R² of an OLS refit (the brute-force reference)."""
    design = np.column_stack([np.ones(len(y)), x])
    resid = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
    return 1.0 - resid @ resid / ((y - y.mean()) @ (y - y.mean()))


# ---------------------------------------------------------------- (a) known shares


def test_independent_predictors_share_beta_squared_large_n():
    # a, b independent standardised (uniform, so the outcome stays on 0..10):
    # y = 5 + 0.5 (3a + b) + noise  ->  explained variance 0.25 (9 + 1): shares 90 / 10.
    rng = np.random.default_rng(7)
    n = 20_000
    a = rng.uniform(-math.sqrt(3), math.sqrt(3), n)
    b = rng.uniform(-math.sqrt(3), math.sqrt(3), n)
    y = 5.0 + 0.5 * (3.0 * a + b) + rng.uniform(-1.0, 1.0, n)
    res = key_drivers(pd.DataFrame({"y": y, "a": a, "b": b}), "y", ["a", "b"], kind="nps",
                      n_boot=0)
    rows = _rows(res)
    assert rows["a"].importance_share == pytest.approx(90.0, abs=2.0)
    assert rows["b"].importance_share == pytest.approx(10.0, abs=2.0)
    # R² = 2.5 / (2.5 + 1/3): explained over explained + uniform(-1, 1) noise variance
    assert res.r2 == pytest.approx(2.5 / (2.5 + 1 / 3), abs=0.01)
    assert [r.attribute for r in res.rows] == ["a", "b"]  # ordered by importance
    assert res.n_boot == 0 and rows["a"].ci_low is None and res.r2_ci is None


def test_exact_shares_on_a_noise_free_orthogonal_design():
    # a = (1, -1, 1, -1), b = (1, 1, -1, -1) repeated: mean 0, orthogonal, equal variance.
    # y = 5 + 1.5 a + 0.5 b exactly: R² = 1; R²({a}) = 1.5² / (1.5² + 0.5²) = 0.9,
    # R²({b}) = 0.1, so phi_a = 1/2 (0.9 + (1 - 0.1)) = 0.9 and phi_b = 0.1 exactly.
    a = np.tile([1.0, -1.0, 1.0, -1.0], 10)
    b = np.tile([1.0, 1.0, -1.0, -1.0], 10)
    df = pd.DataFrame({"y": 5.0 + 1.5 * a + 0.5 * b, "a": a, "b": b})
    res = key_drivers(df, "y", ["a", "b"], kind="nps", n_boot=0)
    rows = _rows(res)
    assert res.r2 == pytest.approx(1.0, abs=1e-12)
    assert rows["a"].r2_contribution == pytest.approx(0.9, abs=1e-12)
    assert rows["b"].r2_contribution == pytest.approx(0.1, abs=1e-12)
    assert rows["a"].importance_share == pytest.approx(90.0, abs=1e-9)
    assert rows["b"].importance_share == pytest.approx(10.0, abs=1e-9)
    assert rows["a"].ols_coef == pytest.approx(1.5) and rows["b"].ols_coef == pytest.approx(0.5)


def test_shapley_equals_the_permutation_average_of_refitted_r2():
    # Correlated predictors and a 3-level categorical: the covariance shortcut against
    # brute force (every order of entry, R² by refitting with lstsq).
    rng = np.random.default_rng(3)
    n = 300
    x1 = rng.normal(size=n)
    x2 = 0.6 * x1 + rng.normal(size=n)
    cat = rng.choice(["p", "q", "r"], n)
    flag = rng.random(n) < 0.4
    y = np.clip(5 + x1 + 0.5 * x2 + (cat == "q") - flag + rng.normal(size=n), 0, 10)
    df = pd.DataFrame({"y": y, "x1": x1, "x2": x2, "cat": cat, "flag": flag})
    res = key_drivers(df, "y", ["x1", "x2", "cat", "flag"], kind="nps", n_boot=0)
    cols = {"x1": x1[:, None], "x2": x2[:, None], "flag": flag[:, None].astype(float),
            "cat": np.column_stack([cat == "q", cat == "r"]).astype(float)}
    names = list(cols)

    def r2_of(subset) -> float:
        return _r2(y, np.column_stack([cols[c] for c in subset])) if subset else 0.0

    phi = dict.fromkeys(names, 0.0)
    orders = list(itertools.permutations(names))
    for order in orders:
        for i, name in enumerate(order):
            phi[name] += (r2_of(order[: i + 1]) - r2_of(order[:i])) / len(orders)
    for name, row in _rows(res).items():
        assert row.r2_contribution == pytest.approx(phi[name], abs=1e-9)
    assert res.r2 == pytest.approx(r2_of(names), abs=1e-9)


# ---------------------------------------------------------------- (b) collinear copies


def test_two_perfectly_correlated_copies_split_the_importance_equally():
    rng = np.random.default_rng(11)
    n = 2_000
    x = rng.normal(size=n)
    z = rng.normal(size=n)
    y = np.clip(5 + x + 0.7 * z + rng.normal(size=n), 0, 10)
    df = pd.DataFrame({"y": y, "x": x, "x_copy": 2.0 * x + 1.0, "z": z})
    both = _rows(key_drivers(df, "y", ["x", "x_copy", "z"], kind="nps", n_boot=20))
    alone = _rows(key_drivers(df, "y", ["x", "z"], kind="nps", n_boot=0))
    assert both["x"].r2_contribution == pytest.approx(both["x_copy"].r2_contribution, abs=1e-12)
    # together they carry what x carries alone (exactly so only if x and z were exactly
    # uncorrelated in the sample: Shapley values are not additive over duplicated players)
    assert both["x"].r2_contribution + both["x_copy"].r2_contribution == pytest.approx(
        alone["x"].r2_contribution, abs=0.005)
    assert both["z"].r2_contribution == pytest.approx(alone["z"].r2_contribution, abs=0.005)
    assert both["x"].ci_low == pytest.approx(both["x_copy"].ci_low, abs=1e-9)
    # the copy's own coefficient is not identified: reported as such, not as a number
    assert both["x"].ols_coef == pytest.approx(alone["x"].ols_coef)
    assert both["x_copy"].ols_coef is None and both["x_copy"].odds_ratio is None
    assert "collinear" in both["x_copy"].or_note
    assert both["x"].odds_ratio is not None and both["x"].or_note is None


# ---------------------------------------------------------------- (c) sums


@pytest.mark.parametrize("kind", ["nps", "csat"])
def test_shares_sum_to_100_and_contributions_to_r2(kind):
    df = survey(3_000, seed=1)
    res = key_drivers(df, kind, ATTRS, kind=kind, n_boot=30,
                      good={"handoff_abandoned": False, "repeat_contact": False})
    assert res.reason is None and res.skipped == () and len(res.rows) == 8
    assert abs(math.fsum(r.importance_share for r in res.rows) - 100.0) < 1e-9
    assert abs(math.fsum(r.r2_contribution for r in res.rows) - res.r2) < 1e-9
    assert all(r.r2_contribution >= -1e-12 for r in res.rows)
    shares = [r.importance_share for r in res.rows]
    assert shares == sorted(shares, reverse=True)
    assert res.r2_ci[0] <= res.r2 <= res.r2_ci[1]
    assert res.caveat == CAVEAT and "not causal" in res.caveat


# ---------------------------------------------------------------- (d) categoricals


def test_a_three_level_categorical_is_one_group_and_explains_its_eta_squared():
    rng = np.random.default_rng(5)
    n = 600
    channel = rng.choice(["app", "phone", "web"], n, p=[0.5, 0.3, 0.2])
    y = np.clip(np.round(7 + 1.5 * (channel == "app") - 2 * (channel == "phone")
                         + rng.normal(0, 1.5, n)), 0, 10)
    df = pd.DataFrame({"y": y, "channel": channel})
    res = key_drivers(df, "y", ["channel"], kind="nps", n_boot=0)
    (row,) = res.rows
    assert row.attribute == "channel" and row.kind == "categorical"
    # R² of the dummies = eta² = between-level sum of squares / total sum of squares
    ss_between = sum((channel == c).sum() * (y[channel == c].mean() - y.mean()) ** 2
                     for c in ["app", "phone", "web"])
    assert res.r2 == pytest.approx(ss_between / ((y - y.mean()) ** 2).sum(), abs=1e-12)
    assert row.importance_share == pytest.approx(100.0)
    assert [lv.level for lv in row.levels] == ["app", "phone", "web"]  # largest first
    app = y[channel == "app"]
    assert row.levels[0].n == len(app)
    assert row.levels[0].effect == pytest.approx(
        100 * ((app >= 9).mean() - (app <= 6).mean()))
    assert row.ols_coef is None and row.odds_ratio is None and row.performance is None

    # with a numeric attribute beside it, still one row per attribute
    df["x"] = rng.normal(size=n)
    res2 = key_drivers(df, "y", ["channel", "x"], kind="nps", n_boot=0)
    assert sorted(r.attribute for r in res2.rows) == ["channel", "x"]


def test_rare_levels_are_pooled_and_missing_is_a_level():
    rng = np.random.default_rng(2)
    n = 400
    intent = rng.choice(["billing", "tech"], n).astype(object)
    intent[:10] = "move"  # 10 < min_n: pooled with the next rare level into "(other)"
    intent[10:35] = "cancel"  # 25 < min_n
    intent[35:40] = None
    y = rng.integers(0, 11, n).astype(float)
    res = key_drivers(pd.DataFrame({"y": y, "intent": intent}), "y", ["intent"],
                      kind="nps", n_boot=0)
    (row,) = res.rows
    levels = {lv.level: lv for lv in row.levels}
    assert levels["move"].pooled and levels["cancel"].pooled and levels["(missing)"].pooled
    assert not levels["billing"].pooled and levels["(missing)"].n == 5
    assert row.n_missing == 5
    # three modelled levels (billing, tech, (other) with 40 rows): R² of two dummies
    other = np.isin(intent, ["move", "cancel", None])
    tech = intent == "tech"
    expected = _r2(y, np.column_stack([tech, other]).astype(float))
    assert res.r2 == pytest.approx(expected, abs=1e-12)


# ---------------------------------------------------------------- (e) bootstrap


def test_bootstrap_is_reproducible_and_contains_the_point_estimate():
    df = survey(2_000, seed=4)
    attrs = ["journey_completed", "first_contact_resolved", "handoff_abandoned",
             "time_to_answer"]
    first = key_drivers(df, "nps", attrs, kind="nps", n_boot=100, seed=42)
    again = key_drivers(df, "nps", attrs, kind="nps", n_boot=100, seed=42)
    other = key_drivers(df, "nps", attrs, kind="nps", n_boot=100, seed=43)
    assert first == again
    assert [r.ci_low for r in first.rows] != [r.ci_low for r in other.rows]
    assert first.n_boot == 100
    for row in first.rows:
        assert row.ci_low <= row.importance_share <= row.ci_high
        assert 0.0 <= row.ci_low < row.ci_high <= 100.0


# ---------------------------------------------------------------- effects and performance


def test_boolean_effects_odds_ratio_and_performance_by_hand():
    # resolved True: 40 responses, 20 promoters (10), 10 passives (8), 10 detractors (3):
    #   NPS = 100 (20 - 10) / 40 = 25.   resolved False: 60 responses, 10 promoters,
    #   20 passives, 30 detractors: NPS = 100 (10 - 30) / 60 = -33.33...
    # promoter odds ratio (2x2 table, the Logit with one boolean reproduces it exactly):
    #   (20 / 20) / (10 / 50) = 5.   OLS coefficient = difference of the mean scores:
    #   (200 + 80 + 30) / 40 - (100 + 160 + 90) / 60 = 7.75 - 5.8333 = 1.9167
    y = [10] * 20 + [8] * 10 + [3] * 10 + [10] * 10 + [8] * 20 + [3] * 30
    resolved = [True] * 40 + [False] * 60
    df = pd.DataFrame({"y": y, "resolved": resolved})
    (row,) = key_drivers(df, "y", ["resolved"], kind="nps", n_boot=0).rows
    assert row.kind == "boolean"
    assert (row.effect_with, row.n_with) == (pytest.approx(25.0), 40)
    assert (row.effect_without, row.n_without) == (pytest.approx(-100 / 3), 60)
    assert row.odds_ratio == pytest.approx(5.0, rel=1e-6)
    low, high = row.or_ci
    # Woolf interval: exp(log 5 +- 1.96 sqrt(1/20 + 1/20 + 1/10 + 1/50))
    half = 1.959964 * math.sqrt(1 / 20 + 1 / 20 + 1 / 10 + 1 / 50)
    assert (low, high) == (pytest.approx(5 * math.exp(-half), rel=1e-4),
                           pytest.approx(5 * math.exp(half), rel=1e-4))
    assert row.ols_coef == pytest.approx(7.75 - 350 / 60)
    assert row.performance == pytest.approx(40.0) and row.good is True
    bad = key_drivers(df, "y", ["resolved"], kind="nps", n_boot=0, good={"resolved": False})
    assert bad.rows[0].performance == pytest.approx(60.0) and bad.rows[0].good is False


def test_csat_effects_use_the_share_of_4_and_5():
    y = [5] * 30 + [4] * 10 + [2] * 10 + [4] * 10 + [1] * 40
    flag = np.array([1] * 50 + [0] * 50)  # a 0/1 integer column counts as a boolean
    (row,) = key_drivers(pd.DataFrame({"y": y, "flag": flag}), "y", ["flag"], kind="csat",
                         n_boot=0).rows
    assert row.kind == "boolean"
    assert row.effect_with == pytest.approx(80.0) and row.effect_without == pytest.approx(20.0)
    assert row.odds_ratio == pytest.approx((40 / 10) / (10 / 40), rel=1e-6)


def test_numeric_with_not_applicable_values():
    rng = np.random.default_rng(9)
    n = 500
    t = rng.uniform(0.0, 4.0, n)
    na = rng.random(n) < 0.3
    y = np.where(na, 9.0, 9.5 - 2.0 * t) + rng.normal(0, 0.3, n)
    y = np.clip(y, 0, 10)
    df = pd.DataFrame({"y": y, "time_to_answer": np.where(na, np.nan, t)})
    res = key_drivers(df, "y", ["time_to_answer"], kind="nps", n_boot=0)
    (row,) = res.rows
    assert row.kind == "numeric" and row.n_missing == int(na.sum())
    assert row.ols_coef == pytest.approx(-2.0, abs=0.05)  # slope where applicable
    assert row.threshold == pytest.approx(np.median(t[~na]))
    assert row.performance == row.threshold
    assert row.n_with + row.n_without == n - na.sum()
    assert row.effect_with < row.effect_without  # slower than the median: lower NPS
    assert row.odds_ratio < 1 and row.or_ci[0] < row.odds_ratio < row.or_ci[1]
    # R² includes what "not applicable" explains (the indicator is in the group)
    filled = np.where(na, t[~na].mean(), t)
    assert res.r2 == pytest.approx(_r2(y, np.column_stack([filled, na])), abs=1e-12)


def test_missing_outcomes_are_dropped():
    df = survey(400, seed=2)
    df.loc[:49, "nps"] = np.nan
    res = key_drivers(df, "nps", ["journey_completed"], kind="nps", n_boot=0)
    assert res.n == 350
    y = df["nps"].dropna()
    assert res.value == pytest.approx(100 * ((y >= 9).mean() - (y <= 6).mean()))


def test_types_are_inferred_or_forced():
    rng = np.random.default_rng(4)
    n = 300
    recognized = np.where(rng.random(n) < 0.5, True, False).astype(object)
    recognized[:40] = None  # not asked of these customers
    df = pd.DataFrame({
        "y": rng.integers(0, 11, n).astype(float),
        "recognized": recognized,
        "level": rng.integers(1, 4, n),  # numeric, but meant as a category
        "empty_text": pd.Series([None] * n, dtype=object),
    })
    res = key_drivers(df, "y", ["recognized", "level", "empty_text"], kind="nps", n_boot=0,
                      kinds={"level": "categorical"})
    rows = _rows(res)
    assert rows["recognized"].kind == "boolean" and rows["recognized"].n_missing == 40
    assert rows["recognized"].n_with + rows["recognized"].n_without == n - 40
    assert rows["level"].kind == "categorical" and len(rows["level"].levels) == 3
    assert dict(res.skipped) == {"empty_text": "no values (all missing)"}
    with pytest.raises(ValueError, match="not boolean"):
        key_drivers(df, "y", ["level"], kind="nps", kinds={"level": "boolean"})


# ---------------------------------------------------------------- (f) degenerate inputs


def test_too_few_rows_is_neutral():
    df = survey(29, seed=0)
    res = key_drivers(df, "nps", ATTRS, kind="nps")
    assert res.rows == () and res.r2 is None and res.n == 29
    assert "29 responses" in res.reason and res.caveat == CAVEAT
    empty = key_drivers(df.iloc[:0], "nps", ATTRS, kind="nps")
    assert empty.n == 0 and empty.value is None and empty.reason


def test_constant_all_missing_and_rare_attributes_are_skipped_with_reasons():
    df = survey(500, seed=6)
    df["always"] = True
    df["never_measured"] = np.nan
    df["flat"] = 3.0
    df["rare"] = False
    df.loc[:9, "rare"] = True  # 10 < min_n
    df["one_channel"] = "app"
    res = key_drivers(df, "nps", ["journey_completed", "always", "never_measured", "flat",
                                  "rare", "one_channel"], kind="nps", n_boot=10)
    skipped = dict(res.skipped)
    assert set(skipped) == {"always", "never_measured", "flat", "rare", "one_channel"}
    assert "constant" in skipped["always"] and "missing" in skipped["never_measured"]
    assert "constant" in skipped["flat"] and "10 responses" in skipped["rare"]
    assert "constant" in skipped["one_channel"]
    assert [r.attribute for r in res.rows] == ["journey_completed"]
    assert res.rows[0].importance_share == pytest.approx(100.0)
    nothing = key_drivers(df, "nps", ["always", "flat"], kind="nps")
    assert nothing.rows == () and nothing.reason and len(nothing.skipped) == 2


def test_constant_outcome_is_neutral():
    df = survey(100, seed=0)
    df["nps"] = 10.0
    res = key_drivers(df, "nps", ATTRS, kind="nps")
    assert res.rows == () and "constant" in res.reason and res.value == 100.0


def test_perfect_separation_gives_a_reason_not_an_exception():
    df = survey(600, seed=8)
    df["vip"] = df.index < 100
    df.loc[df.vip, "nps"] = 10.0  # every vip is a promoter
    res = key_drivers(df, "nps", ["vip", "journey_completed", "time_to_answer"], kind="nps",
                      n_boot=10)
    rows = _rows(res)
    assert rows["vip"].odds_ratio is None and rows["vip"].or_ci is None
    assert "separation" in rows["vip"].or_note
    assert rows["vip"].importance_share > 0 and rows["vip"].ols_coef is not None
    # the other attributes keep their (adjusted) odds ratios
    assert rows["journey_completed"].odds_ratio is not None
    assert rows["journey_completed"].or_note is None


def test_separation_on_a_numeric_and_no_promoters_at_all():
    rng = np.random.default_rng(1)
    n = 200
    x = rng.normal(size=n)
    y = np.where(x > 0, 10.0, 2.0)  # promoter exactly when x > 0
    res = key_drivers(pd.DataFrame({"y": y, "x": x}), "y", ["x"], kind="nps", n_boot=0)
    (row,) = res.rows
    assert row.odds_ratio is None and row.or_note
    low = key_drivers(pd.DataFrame({"y": np.where(x > 0, 8.0, 2.0), "x": x}), "y", ["x"],
                      kind="nps", n_boot=0)
    assert low.rows[0].odds_ratio is None and "no response is a promoter" in low.rows[0].or_note


def test_wrong_calls_raise():
    df = survey(100)
    with pytest.raises(ValueError, match="not in the data"):
        key_drivers(df, "nps", ["nope"], kind="nps")
    with pytest.raises(ValueError, match="outside"):
        key_drivers(df, "nps", ["channel"], kind="csat")  # NPS scores read as CSAT
    with pytest.raises(ValueError):
        key_drivers(df, "nps", ["channel"], kind="ces")
    many = pd.DataFrame({f"b{i}": np.arange(100) % (i + 2) == 0 for i in range(MAX_GROUPS + 1)})
    many["nps"] = df["nps"]
    with pytest.raises(ValueError, match="supports"):
        key_drivers(many, "nps", [c for c in many if c != "nps"], kind="nps", min_n=5)


# ---------------------------------------------------------------- speed (opt-in)


@pytest.mark.bench
@pytest.mark.skipif(not os.environ.get("CXM_BENCH"), reason="set CXM_BENCH=1 to run")
def test_speed_20k_rows_8_groups_200_resamples():
    df = survey(20_000, seed=0)
    key_drivers(df.iloc[:500], "nps", ATTRS, kind="nps", n_boot=2)  # warm up imports
    start = time.perf_counter()
    res = key_drivers(df, "nps", ATTRS, kind="nps", n_boot=200)
    elapsed = time.perf_counter() - start
    print(f"key_drivers 20,000 rows, 8 groups, n_boot=200: {elapsed:.2f} s")
    assert res.n_boot == 200 and len(res.rows) == 8
    assert elapsed < 5.0
