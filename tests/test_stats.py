"""Unit tests of ``cxmetrics.metrics.stats`` (CONTRACT.md sections 4-5).

Two kinds of checks:
- numbers computed by hand: the arithmetic is written in the comments, and the test
  evaluates the same arithmetic literally (never through ``cxmetrics``), to 1e-9;
- the same method in statsmodels / scipy where one exists. The engine uses z = 1.96
  exactly; statsmodels takes ``alpha``, so we pass ``ALPHA_196 = 2·(1 − Φ(1.96))``,
  for which its critical value is exactly 1.96 (to ~1e-15).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportions_ztest,
)

from cxmetrics.metrics import stats

TOL = 1e-9
Z = 1.96
ALPHA_196 = float(2 * sps.norm.sf(1.96))  # 0.0499957902..., so that z_{1-alpha/2} = 1.96


def close(a, b, tol=TOL):
    return a is not None and b is not None and math.isclose(a, b, rel_tol=tol, abs_tol=tol)


def test_alpha_196_gives_z_196():
    assert abs(sps.norm.ppf(1 - ALPHA_196 / 2) - 1.96) < 1e-12


# ------------------------------------------------------------------ NPS (adjusted Wald)


def test_nps_by_hand():
    # P = 5 promoters, D = 2 detractors, 3 passives, n = 10.
    # value = 100·(5 − 2)/10 = 30
    # n' = 13, p = 5.75/13 = 0.44231, d = 2.75/13 = 0.21154
    # p − d = 3/13 = 0.230769, p + d = 8.5/13 = 0.653846, (p − d)² = 9/169 = 0.053254
    # var = (0.653846 − 0.053254)/13 = 0.0461994, √ = 0.2149404, half = 1.96·√ = 0.4212832
    # interval = 100·(0.230769 ∓ 0.4212832) = [−19.0514, 65.2052]
    e = stats.nps_estimate(5, 2, 10)
    p, d = 5.75 / 13, 2.75 / 13
    half = 1.96 * math.sqrt((p + d - (p - d) ** 2) / 13)
    assert e.n == 10
    assert close(e.value, 30.0)
    assert close(e.ci_low, 100 * (3 / 13 - half))
    assert close(e.ci_high, 100 * (3 / 13 + half))
    assert close(e.ci_low, -19.05140, 1e-5) and close(e.ci_high, 65.20525, 1e-5)


def test_nps_n1_interval_excludes_the_point():
    # One promoter: value 100. n' = 4, p = 1.75/4 = 0.4375, d = 0.75/4 = 0.1875,
    # p − d = 0.25, p + d = 0.625, var = (0.625 − 0.0625)/4 = 0.140625, √ = 0.375,
    # half = 1.96·0.375 = 0.735 -> [100·(0.25 − 0.735), 100·(0.25 + 0.735)] = [−48.5, 98.5]
    e = stats.nps_estimate(1, 0, 1)
    assert e.value == 100.0 and e.n == 1
    assert close(e.ci_low, -48.5) and close(e.ci_high, 98.5)
    assert e.ci_high < e.value  # adjusted Wald may exclude the point at tiny n
    # One detractor: the mirror image.
    e = stats.nps_estimate(0, 1, 1)
    assert e.value == -100.0
    assert close(e.ci_low, -98.5) and close(e.ci_high, 48.5)
    # One passive: value 0, p = d = 0.1875, var = 0.375/4 = 0.09375, half = 1.96·0.3061862
    e = stats.nps_estimate(0, 0, 1)
    assert e.value == 0.0
    assert close(e.ci_high, 100 * 1.96 * math.sqrt(0.09375)) and close(e.ci_low, -e.ci_high)


def test_nps_interval_contains_the_point_from_n2():
    # Exhaustive over every (P, D) for n <= 60: the adjusted Wald interval excludes the
    # point only at n = 1 (shrinkage toward 0 is smaller than the half-width from n = 2).
    excluded = set()
    for n in range(1, 61):
        for p in range(n + 1):
            for d in range(n + 1 - p):
                e = stats.nps_estimate(p, d, n)
                if not e.ci_low - 1e-9 <= e.value <= e.ci_high + 1e-9:
                    excluded.add(n)
    assert excluded == {1}


def test_nps_all_promoters_is_clipped_at_100():
    # P = n = 10: value 100. n' = 13, p = 10.75/13, d = 0.75/13, p − d = 10/13 = 0.769231,
    # p + d = 11.5/13 = 0.884615, (p − d)² = 100/169 = 0.591716,
    # var = 0.292899/13 = 0.0225307, √ = 0.1501022, half = 0.2942003
    # high = 100·(0.769231 + 0.2942) = 106.34 -> clipped to 100; low = 47.5031
    e = stats.nps_estimate(10, 0, 10)
    p, d = 10.75 / 13, 0.75 / 13
    half = 1.96 * math.sqrt((p + d - (p - d) ** 2) / 13)
    assert e.value == 100.0
    assert e.ci_high == 100.0
    assert close(e.ci_low, 100 * (10 / 13 - half))
    assert close(e.ci_low, 47.50305, 1e-5)


def test_nps_all_detractors_is_clipped_at_minus_100():
    # D = n = 50: n' = 53, p − d = −50/53 = −0.943396, p + d = 51.5/53 = 0.971698,
    # var = (0.971698 − 0.889997)/53 = 0.00154153, half = 1.96·0.0392623 = 0.0769541
    # low = 100·(−0.943396 − 0.0769541) = −102.04 -> −100; high = −86.6442
    e = stats.nps_estimate(0, 50, 50)
    p, d = 0.75 / 53, 50.75 / 53
    half = 1.96 * math.sqrt((p + d - (p - d) ** 2) / 53)
    assert e.value == -100.0
    assert e.ci_low == -100.0
    assert close(e.ci_high, 100 * (-50 / 53 + half))


def test_nps_n0_is_null():
    e = stats.nps_estimate(0, 0, 0)
    assert (e.value, e.n, e.ci_low, e.ci_high) == (None, 0, None, None)


# ------------------------------------------------------------------ rates (Wilson)


def test_wilson_by_hand():
    # x = 3, n = 10: p = 0.3, z² = 3.8416, denom = 1 + 3.8416/10 = 1.38416
    # centre = (0.3 + 3.8416/20)/1.38416 = 0.49208/1.38416 = 0.3555081
    # half = 1.96·√(0.3·0.7/10 + 3.8416/400)/1.38416 = 1.96·√0.030604/1.38416 = 0.2477187
    # -> [0.1077893, 0.6032268]
    lo, hi = stats.wilson_interval(3, 10)
    denom = 1 + 3.8416 / 10
    centre = (0.3 + 3.8416 / 20) / denom
    half = 1.96 * math.sqrt(0.021 + 3.8416 / 400) / denom
    assert close(lo, centre - half) and close(hi, centre + half)
    assert close(lo, 0.1077893, 1e-6) and close(hi, 0.6032268, 1e-6)
    e = stats.rate_estimate(3, 10)
    assert e.n == 10 and close(e.value, 30.0)
    assert close(e.ci_low, 100 * (centre - half)) and close(e.ci_high, 100 * (centre + half))


@pytest.mark.parametrize("x,n", [(3, 10), (1, 1), (0, 1), (7, 9), (45, 100), (0, 20), (20, 20), (1, 1000)])
def test_wilson_matches_statsmodels(x, n):
    lo, hi = stats.wilson_interval(x, n)
    slo, shi = proportion_confint(x, n, alpha=ALPHA_196, method="wilson")
    assert close(lo, float(slo)) and close(hi, float(shi))


def test_rate_p0_and_p1():
    # x = 0, n = 20: centre = (z²/40)/(1 + z²/20) and half = z·√(z²/1600)/(1 + z²/20)
    # = (z²/40)/(1 + z²/20): equal, so low = 0 and high = (z²/20)/(1 + z²/20)
    # = 0.19208/1.19208 = 0.1611301
    e = stats.rate_estimate(0, 20)
    assert e.value == 0.0 and e.ci_low == 0.0
    assert close(e.ci_high, 100 * 0.19208 / 1.19208)
    e = stats.rate_estimate(20, 20)
    assert e.value == 100.0 and e.ci_high == 100.0
    assert close(e.ci_low, 100 * (1 - 0.19208 / 1.19208))
    # n = 1: [0, (z²/1)/(1 + z²)] = [0, 3.8416/4.8416]
    e = stats.rate_estimate(0, 1)
    assert e.ci_low == 0.0 and close(e.ci_high, 100 * 3.8416 / 4.8416)


def test_rate_n0_is_null():
    e = stats.rate_estimate(0, 0)
    assert (e.value, e.n, e.ci_low, e.ci_high) == (None, 0, None, None)


# ------------------------------------------------------------------ CES (t interval)


def test_ces_by_hand_not_clipped():
    # scores 7, 5, 6, 4, 7: n = 5, Σ = 29, Σx² = 49+25+36+16+49 = 175, mean = 5.8
    # s² = (175 − 5·5.8²)/4 = (175 − 168.2)/4 = 1.7; se = √(1.7/5) = √0.34 = 0.5830952
    # t(0.975, 4) = 2.7764451; half = 1.6189318 -> [4.1810682, 7.4189318] (above 7: not clipped)
    e = stats.mean_estimate(29, 175, 5)
    half = sps.t.ppf(0.975, 4) * math.sqrt(0.34)
    assert close(e.value, 5.8) and e.n == 5
    assert close(e.ci_low, 5.8 - half) and close(e.ci_high, 5.8 + half)
    assert close(e.ci_high, 7.4189318, 1e-7)
    assert e.ci_high > 7  # the contract says: not clipped


@pytest.mark.parametrize("scores", [[7, 5, 6, 4, 7], [1, 7], [3, 3, 4], [1, 2, 3, 4, 5, 6, 7, 7, 7, 2]])
def test_ces_matches_scipy_t_interval(scores):
    a = np.array(scores, dtype=float)
    e = stats.mean_estimate(a.sum(), (a**2).sum(), len(a))
    lo, hi = sps.t.interval(0.95, len(a) - 1, loc=a.mean(), scale=sps.sem(a))
    assert close(e.value, float(a.mean()))
    assert close(e.ci_low, float(lo)) and close(e.ci_high, float(hi))


def test_ces_degenerate():
    e = stats.mean_estimate(0, 0, 0)
    assert (e.value, e.n, e.ci_low, e.ci_high) == (None, 0, None, None)
    e = stats.mean_estimate(6, 36, 1)  # n = 1: value 6, interval null
    assert (e.value, e.n, e.ci_low, e.ci_high) == (6.0, 1, None, None)
    e = stats.mean_estimate(15, 75, 3)  # 5, 5, 5: zero variance, interval collapses to the mean
    assert e.value == 5.0 and close(e.ci_low, 5.0) and close(e.ci_high, 5.0)


# ------------------------------------------------------------------ NPS difference


def test_nps_difference_by_hand():
    # a: P = 5, D = 2, n = 10 -> NPS 30; b: P = 2, D = 4, n = 8 -> NPS −25; diff = 55
    # V_a = 100²·(0.5 + 0.2 − 0.3²)/10 = 100²·0.61/10 = 610
    # V_b = 100²·(0.25 + 0.5 − 0.25²)/8 = 100²·0.6875/8 = 859.375
    # se = √1469.375 = 38.332428; CI = 55 ∓ 1.96·38.332428 = [−20.13156, 130.13156]
    # p = 2·(1 − Φ(55/38.332428)) = 2·(1 − Φ(1.434816)) = 0.151337
    d = stats.nps_difference((5, 2, 10), (2, 4, 8))
    se = math.sqrt(610 + 859.375)
    assert close(d.diff, 55.0)
    assert close(d.ci_low, 55 - 1.96 * se) and close(d.ci_high, 55 + 1.96 * se)
    assert close(d.p_value, 2 * sps.norm.sf(55 / se))
    assert close(d.p_value, 0.151337, 1e-5)
    assert (d.n_a, d.n_b) == (10, 8)
    assert close(stats.nps_variance(5, 2, 10), 610.0)
    assert close(stats.nps_variance(2, 4, 8), 859.375)


def test_nps_difference_degenerate():
    d = stats.nps_difference((5, 2, 10), (0, 0, 0))
    assert (d.diff, d.ci_low, d.ci_high, d.p_value) == (None, None, None, None)
    d = stats.nps_difference((0, 0, 0), (5, 2, 10))
    assert d.diff is None and d.p_value is None
    # all promoters on both sides: unadjusted variances 0 -> se 0 -> p-value null
    d = stats.nps_difference((10, 0, 10), (4, 0, 4))
    assert d.diff == 0.0 and d.p_value is None
    # all promoters vs all detractors: diff 200, se 0 -> p null
    d = stats.nps_difference((3, 0, 3), (0, 3, 3))
    assert close(d.diff, 200.0) and d.p_value is None


# ------------------------------------------------------------------ rate difference


def test_rate_difference_by_hand():
    # a: 8/10, b: 3/10. d = 0.5.
    # Wilson(8, 10) = [l1, u1], Wilson(3, 10) = [l2, u2] (formula as in test_wilson_by_hand)
    # Newcombe: low = d − √((p1 − l1)² + (u2 − p2)²), high = d + √((u1 − p1)² + (p2 − l2)²)
    # pooled = 11/20 = 0.55, se = √(0.55·0.45·(1/10 + 1/10)) = √0.0495 = 0.2224860
    # z = 0.5/0.2224860 = 2.2473329, p = 2·(1 − Φ(z)) = 0.0246173
    def wilson(x, n):
        p = x / n
        den = 1 + Z * Z / n
        c = (p + Z * Z / (2 * n)) / den
        h = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / den
        return c - h, c + h

    l1, u1 = wilson(8, 10)
    l2, u2 = wilson(3, 10)
    r = stats.rate_difference((8, 10), (3, 10))
    assert close(r.diff, 50.0)
    assert close(r.ci_low, 100 * (0.5 - math.sqrt((0.8 - l1) ** 2 + (u2 - 0.3) ** 2)))
    assert close(r.ci_high, 100 * (0.5 + math.sqrt((u1 - 0.8) ** 2 + (0.3 - l2) ** 2)))
    assert close(r.p_value, 2 * sps.norm.sf(0.5 / math.sqrt(0.0495)))
    assert close(r.p_value, 0.0246173, 1e-5)


@pytest.mark.parametrize(
    "a,b", [((8, 10), (3, 10)), ((1, 1), (0, 1)), ((45, 100), (30, 80)), ((0, 12), (5, 7)), ((20, 20), (1, 3))]
)
def test_rate_difference_matches_statsmodels(a, b):
    r = stats.rate_difference(a, b)
    lo, hi = confint_proportions_2indep(a[0], a[1], b[0], b[1], method="newcomb", compare="diff", alpha=ALPHA_196)
    assert close(r.ci_low, 100 * float(lo)) and close(r.ci_high, 100 * float(hi))
    _, p = proportions_ztest([a[0], b[0]], [a[1], b[1]])
    assert close(r.p_value, float(p))


def test_rate_difference_degenerate():
    r = stats.rate_difference((3, 10), (0, 0))
    assert (r.diff, r.ci_low, r.ci_high, r.p_value) == (None, None, None, None)
    # p = 0 on both sides: pooled 0, se 0 -> p-value null; the Newcombe interval still exists
    r = stats.rate_difference((0, 10), (0, 5))
    assert r.diff == 0.0 and r.p_value is None
    lo, hi = confint_proportions_2indep(0, 10, 0, 5, method="newcomb", compare="diff", alpha=ALPHA_196)
    assert close(r.ci_low, 100 * float(lo)) and close(r.ci_high, 100 * float(hi))
    # p = 1 on both sides
    r = stats.rate_difference((4, 4), (9, 9))
    assert r.diff == 0.0 and r.p_value is None
    assert close(stats.rate_variance(3, 10), 100**2 * 0.3 * 0.7 / 10)
    assert stats.rate_variance(4, 4) == 0.0


# ------------------------------------------------------------------ mean difference (Welch)


def test_welch_by_hand():
    # a = 1, 2, 3, 4: Σ 10, Σx² 30, mean 2.5, s² = (30 − 25)/3 = 5/3, s²/n = 5/12
    # b = 2, 4, 6:    Σ 12, Σx² 56, mean 4,   s² = (56 − 48)/2 = 4,   s²/n = 4/3
    # diff = −1.5, se² = 5/12 + 4/3 = 1.75
    # df = 1.75² / ((5/12)²/3 + (4/3)²/2) = 3.0625/(0.0578704 + 0.8888889) = 3.2347188
    va, vb = 5 / 12, 4 / 3
    df = 1.75**2 / (va**2 / 3 + vb**2 / 2)
    d = stats.mean_difference((10, 30, 4), (12, 56, 3))
    half = sps.t.ppf(0.975, df) * math.sqrt(1.75)
    assert close(df, 3.2347188, 1e-7)
    assert close(d.diff, -1.5)
    assert close(d.ci_low, -1.5 - half) and close(d.ci_high, -1.5 + half)
    assert close(d.p_value, 2 * sps.t.sf(1.5 / math.sqrt(1.75), df))
    assert close(stats.mean_variance(10, 30, 4), 5 / 12)


@pytest.mark.parametrize(
    "a,b",
    [([1, 2, 3, 4], [2, 4, 6]), ([7, 7, 6, 5, 7, 6], [3, 4, 2, 5]), ([1, 7], [4, 4, 5]), ([5, 5, 5, 4], [5, 5, 5, 5])],
)
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # scipy's cancellation warning on near-equal data
def test_welch_matches_scipy(a, b):
    xa, xb = np.array(a, float), np.array(b, float)
    d = stats.mean_difference((xa.sum(), (xa**2).sum(), len(xa)), (xb.sum(), (xb**2).sum(), len(xb)))
    res = sps.ttest_ind(xa, xb, equal_var=False)
    ci = res.confidence_interval(0.95)
    assert close(d.diff, float(xa.mean() - xb.mean()))
    assert close(d.p_value, float(res.pvalue))
    assert close(d.ci_low, float(ci.low)) and close(d.ci_high, float(ci.high))


def test_welch_degenerate():
    # n < 2 on a side: everything null
    d = stats.mean_difference((5, 25, 1), (12, 56, 3))
    assert (d.diff, d.ci_low, d.ci_high, d.p_value) == (None, None, None, None)
    d = stats.mean_difference((12, 56, 3), (0, 0, 0))
    assert d.diff is None and d.p_value is None
    # zero variance on both sides: se = 0 -> p-value null (the difference itself exists)
    d = stats.mean_difference((15, 75, 3), (8, 32, 2))
    assert close(d.diff, 1.0) and d.p_value is None


# ------------------------------------------------------------------ Benjamini–Hochberg


def test_bh_by_hand_with_none():
    # non-null p: 0.01, 0.04, 0.03, 0.5 -> m = 4, sorted 0.01, 0.03, 0.04, 0.5
    # p·m/rank: 0.04, 0.06, 0.05333, 0.5; cumulative min from the top:
    # rank 4: 0.5; rank 3: 0.05333; rank 2: min(0.06, 0.05333) = 0.05333; rank 1: 0.04
    q = stats.bh_qvalues([0.01, None, 0.04, 0.03, 0.5])
    assert q[1] is None
    assert close(q[0], 0.04) and close(q[2], 0.16 / 3) and close(q[3], 0.16 / 3) and close(q[4], 0.5)


@pytest.mark.parametrize(
    "ps",
    [
        [0.01, 0.04, 0.03, 0.5],
        [0.02, 0.02],
        [0.001, 0.2, 0.9, 0.049, 0.05, 0.3, 0.0001],
        [1.0, 1.0, 0.99],
        [0.5],
    ],
)
def test_bh_matches_statsmodels(ps):
    q = stats.bh_qvalues(ps)
    _, ref, _, _ = multipletests(ps, method="fdr_bh")
    for a, b in zip(q, ref, strict=True):
        assert close(a, float(b))


def test_bh_none_entries_not_counted():
    # None entries keep their place and do not raise m.
    q = stats.bh_qvalues([None, 0.02, None, 0.04])
    _, ref, _, _ = multipletests([0.02, 0.04], method="fdr_bh")
    assert q[0] is None and q[2] is None
    assert close(q[1], float(ref[0])) and close(q[3], float(ref[1]))
    assert stats.bh_qvalues([None, None]) == [None, None]
    assert stats.bh_qvalues([]) == []


# ------------------------------------------------------------------ significance rule


def test_is_significant_rule():
    assert stats.is_significant(0.049, 30, 30, 30)
    assert not stats.is_significant(0.05, 30, 30, 30)  # q < 0.05 strictly
    assert not stats.is_significant(0.01, 29, 500, 30)  # a side below min n
    assert not stats.is_significant(0.01, 500, 29, 30)
    assert not stats.is_significant(None, 500, 500, 30)
    assert stats.is_significant(0.01, 5, 5, 5)
    assert not stats.is_significant(0.01, 5, 5, 6)


def test_default_min_n_is_30():
    from cxmetrics.core.settings import Settings

    assert Settings.model_fields["min_n"].default == 30
    assert Settings.model_fields["alpha"].default == 0.05
