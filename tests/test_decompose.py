"""cxmetrics.analysis.decompose: rate/mix decomposition of a period-over-period change."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxmetrics.analysis.decompose import (
    PLOTLY_MEASURE,
    Decomposition,
    decompose,
    summary,
    waterfall_rows,
)


def _by_slice(d: Decomposition) -> dict:
    return {s.slice: s for s in d.slices}


def _steps_close(rows, value0, value1) -> bool:
    steps = [r.value for r in rows if r.kind not in ("start", "end")]
    return abs(value0 + math.fsum(steps) - value1) < 1e-9 * max(1.0, abs(value1 - value0))


# --------------------------------------------------------------------------- literal examples


def test_nps_literal_example_volume_moves_to_the_better_channel():
    # NPS by channel. Previous: app 100 responses (55 promoters, 15 detractors -> NPS 40),
    # phone 300 (NPS 0). Current: app 300 (NPS 30), phone 100 (NPS -20).
    #   w0 = (.25, .75), V0 = .25*40 + .75*0 = 10
    #   w1 = (.75, .25), V1 = .75*30 + .25*(-20) = 22.5 - 5 = 17.5;  change = 7.5
    #   c = (10 + 17.5) / 2 = 13.75
    #   app:   rate = 1/2 (.25 + .75) (30 - 40)   = -5
    #          mix  = (1/2 (40 + 30) - 13.75) (.75 - .25) = 21.25 * .5 = 10.625
    #   phone: rate = 1/2 (.75 + .25) (-20 - 0)   = -10
    #          mix  = (1/2 (0 - 20) - 13.75) (.25 - .75)  = -23.75 * -.5 = 11.875
    #   rates -15, mix 22.5, sum 7.5: both channels fell, NPS rose on mix alone.
    d = decompose("channel", [("app", 100, 40.0, 300, 30.0), ("phone", 300, 0.0, 100, -20.0)])
    assert d.dimension == "channel"
    assert (d.value0, d.value1, d.change) == pytest.approx((10.0, 17.5, 7.5))
    assert (d.n0, d.n1) == (400, 400)
    s = _by_slice(d)
    assert (s["app"].share0, s["app"].share1) == pytest.approx((0.25, 0.75))
    assert (s["app"].rate_effect, s["app"].mix_effect) == pytest.approx((-5.0, 10.625))
    assert (s["phone"].rate_effect, s["phone"].mix_effect) == pytest.approx((-10.0, 11.875))
    assert s["app"].total == pytest.approx(5.625)
    assert s["phone"].total == pytest.approx(1.875)
    assert (d.rate_total, d.mix_total) == pytest.approx((-15.0, 22.5))
    assert d.reason is None

    # summary: mix 22.5, phone -10, app -5 (largest |value| first); with top=2 app is "other"
    assert [(c.label, c.kind) for c in summary(d)] == [
        ("mix", "mix"), ("phone", "rate"), ("app", "rate")]
    top2 = summary(d, str.upper, top=2)
    assert [(c.label, c.kind, c.slice) for c in top2] == [
        ("mix", "mix", None), ("PHONE", "rate", "phone"), ("other", "other", None)]
    assert [c.value for c in top2] == pytest.approx([22.5, -10.0, -5.0])

    # waterfall with one slice shown: 10 -10 (phone) -5 (other) +22.5 (mix) = 17.5
    rows = waterfall_rows(d, top=1)
    assert [(r.label, r.kind) for r in rows] == [
        ("previous period", "start"), ("phone", "rate"), ("other slices", "other"),
        ("mix", "mix"), ("current period", "end")]
    assert [r.value for r in rows] == pytest.approx([10.0, -10.0, -5.0, 22.5, 17.5])
    assert [PLOTLY_MEASURE[r.kind] for r in rows] == [
        "absolute", "relative", "relative", "relative", "total"]
    assert _steps_close(rows, d.value0, d.value1)


def test_rate_literal_example_with_a_new_slice():
    # CSAT (% satisfied) by channel. Previous: web 200 (80 %), store 200 (60 %).
    # Current: web 200 (85 %), store 100 (60 %), chatbot 100 (40 %, new this period).
    #   w0 = (.5, .5, 0),  V0 = 40 + 30 = 70
    #   w1 = (.5, .25, .25), V1 = 42.5 + 15 + 10 = 67.5;  change = -2.5;  c = 68.75
    #   web:     rate = 1/2 (.5 + .5) (85 - 80) = 2.5;  mix = (82.5 - 68.75) * 0 = 0
    #   store:   rate = 0;  mix = (60 - 68.75) (.25 - .5) = 2.1875  (a below-average slice
    #            lost volume: that raises the total)
    #   chatbot: value0 := value1 = 40, rate = 0;  mix = (40 - 68.75) (.25 - 0) = -7.1875
    #   rates 2.5, mix -5, sum -2.5
    d = decompose("channel", [("web", 200, 80.0, 200, 85.0), ("store", 200, 60.0, 100, 60.0),
                              ("chatbot", 0, None, 100, 40.0)])
    assert (d.value0, d.value1, d.change) == pytest.approx((70.0, 67.5, -2.5))
    s = _by_slice(d)
    assert [k for k in s] == ["web", "store", "chatbot"]  # input order kept
    assert (s["web"].rate_effect, s["web"].mix_effect) == pytest.approx((2.5, 0.0))
    assert (s["store"].rate_effect, s["store"].mix_effect) == pytest.approx((0.0, 2.1875))
    assert (s["chatbot"].rate_effect, s["chatbot"].mix_effect) == pytest.approx((0.0, -7.1875))
    assert s["chatbot"].value0 is None and s["chatbot"].value1 == 40.0
    assert (d.rate_total, d.mix_total) == pytest.approx((2.5, -5.0))

    # summary with top=1: mix -5, then "other" = -2.5 - (-5) = 2.5 (web's rate effect)
    top1 = summary(d, top=1, mix_label="mezcla", other_label="resto")
    assert [(c.label, c.kind) for c in top1] == [("mezcla", "mix"), ("resto", "other")]
    assert [c.value for c in top1] == pytest.approx([-5.0, 2.5])
    # waterfall: only web has a rate effect, so no "other slices" bar: 70 + 2.5 - 5 = 67.5
    rows = waterfall_rows(d)
    assert [(r.label, r.value, r.kind) for r in rows] == [
        ("previous period", 70.0, "start"), ("web", pytest.approx(2.5), "rate"),
        ("mix", pytest.approx(-5.0), "mix"), ("current period", 67.5, "end")]


def test_a_single_slice_is_all_rate():
    d = decompose("region", [("north", 10, 3.0, 30, 5.5)])  # CES 3.0 -> 5.5
    (only,) = d.slices
    assert only.rate_effect == pytest.approx(2.5) and only.mix_effect == 0.0
    assert d.change == pytest.approx(2.5)
    assert [c.kind for c in summary(d)] == ["rate"]


def test_a_slice_empty_in_both_periods_has_no_effect_and_its_value_is_ignored():
    d = decompose("x", [("a", 10, 50.0, 10, 60.0), ("ghost", 0, 99.0, 0, None)])
    ghost = _by_slice(d)["ghost"]
    assert (ghost.value0, ghost.value1) == (None, None)
    assert (ghost.rate_effect, ghost.mix_effect, ghost.share0, ghost.share1) == (0, 0, 0, 0)
    assert d.change == pytest.approx(10.0)


@pytest.mark.parametrize(
    ("slices", "value0", "value1", "reason"),
    [
        ([], None, None, "neither period has records"),
        ([("a", 0, None, 0, None)], None, None, "neither period has records"),
        ([("a", 0, None, 5, 20.0), ("b", 0, None, 5, 40.0)], None, 30.0,
         "the previous period has no records"),
        ([("a", 4, -100.0, 0, None)], -100.0, None, "the current period has no records"),
    ],
)
def test_an_empty_period_gives_a_neutral_result(slices, value0, value1, reason):
    d = decompose("channel", slices)
    assert d.change is None and d.rate_total is None and d.mix_total is None
    assert d.slices == ()
    assert (d.value0, d.value1, d.reason) == (value0, value1, reason)
    assert summary(d) == [] and waterfall_rows(d) == []


@pytest.mark.parametrize(
    ("slices", "error"),
    [
        ([("a", 1, 1.0, 1, 1.0), ("a", 2, 1.0, 2, 1.0)], ValueError),  # duplicate slice
        ([("a", -1, 1.0, 1, 1.0)], ValueError),
        ([("a", 1.5, 1.0, 1, 1.0)], ValueError),
        ([("a", True, 1.0, 1, 1.0)], TypeError),
        ([("a", "3", 1.0, 1, 1.0)], TypeError),
        ([("a", 3, None, 1, 1.0)], ValueError),  # records but no value
        ([("a", 3, float("nan"), 1, 1.0)], ValueError),
    ],
)
def test_malformed_input_raises(slices, error):
    with pytest.raises(error):
        decompose("x", slices)


def test_numpy_counts_and_values_are_accepted():
    d = decompose("x", [("a", np.int64(3), np.float64(10.0), np.int32(1), 20.0),
                        ("b", 2.0, 0.0, 3, 0.0)])
    assert d.change == pytest.approx(20.0 * 0.25 - 10.0 * 0.6)


def test_top_must_not_be_negative():
    d = decompose("x", [("a", 1, 1.0, 1, 2.0)])
    with pytest.raises(ValueError):
        summary(d, top=-1)
    with pytest.raises(ValueError):
        waterfall_rows(d, top=-1)


# --------------------------------------------------------------------------- properties

_count = st.one_of(st.just(0), st.integers(0, 50), st.integers(0, 10**7))
_value = st.floats(-100.0, 100.0, allow_nan=False, allow_infinity=False)
_slice = st.tuples(_count, _value, _count, _value)


@st.composite
def _slices(draw):
    raw = draw(st.lists(_slice, min_size=0, max_size=60))
    # A whole period empty on purpose sometimes (every n0 or every n1 set to 0).
    side = draw(st.sampled_from(["both", "both", "both", "no0", "no1"]))
    out = []
    for i, (n0, v0, n1, v1) in enumerate(raw):
        n0 = 0 if side == "no0" else n0
        n1 = 0 if side == "no1" else n1
        out.append((f"s{i}", n0, v0 if n0 else None, n1, v1 if n1 else None))
    return out


@settings(max_examples=250, deadline=None, database=None)
@given(_slices(), st.integers(0, 8), st.integers(0, 8))
def test_effects_add_up_to_the_change_exactly(slices, top_summary, top_waterfall):
    d = decompose("dim", slices)
    n0 = sum(s[1] for s in slices)
    n1 = sum(s[3] for s in slices)
    if n0 == 0 or n1 == 0:
        assert d.change is None and d.slices == () and d.reason
        assert summary(d, top=top_summary) == [] and waterfall_rows(d, top=top_waterfall) == []
        return
    change = d.change
    tol = 1e-9 * max(1.0, abs(change))
    # reference values from the raw counts, independently of the shares
    v0 = math.fsum(n * v for _, n, v, _, _ in slices if n) / n0
    v1 = math.fsum(n * v for _, _, _, n, v in slices if n) / n1
    assert abs(d.value0 - v0) < 1e-9 and abs(d.value1 - v1) < 1e-9
    assert abs(math.fsum(s.rate_effect + s.mix_effect for s in d.slices) - change) < tol
    assert abs(math.fsum(s.total for s in d.slices) - change) < tol
    assert abs(d.rate_total + d.mix_total - change) < tol
    assert abs(math.fsum(s.share0 for s in d.slices) - 1) < 1e-12
    assert abs(math.fsum(s.share1 for s in d.slices) - 1) < 1e-12
    for s in d.slices:
        if s.n0 == 0 or s.n1 == 0:  # present in one period only: pure mix
            assert s.rate_effect == 0.0
    if len(d.slices) == 1:
        assert abs(d.slices[0].mix_effect) < tol

    items = summary(d, top=top_summary)
    if items:
        assert abs(math.fsum(c.value for c in items) - change) < tol
        assert len(items) <= top_summary + 1
    rows = waterfall_rows(d, top=top_waterfall)
    assert rows[0].kind == "start" and rows[-1].kind == "end"
    assert rows[0].value == d.value0 and rows[-1].value == d.value1
    assert _steps_close(rows, d.value0, d.value1)
    shown = [r for r in rows if r.kind == "rate"]
    assert len(shown) <= top_waterfall
    assert [abs(r.value) for r in shown] == sorted((abs(r.value) for r in shown), reverse=True)


@settings(max_examples=100, deadline=None, database=None)
@given(_slices())
def test_swapping_the_periods_negates_every_effect(slices):
    d = decompose("dim", slices)
    back = decompose("dim", [(k, n1, v1, n0, v0) for k, n0, v0, n1, v1 in slices])
    if d.change is None:
        assert back.change is None
        return
    for a, b in zip(d.slices, back.slices, strict=True):
        assert abs(a.rate_effect + b.rate_effect) < 1e-9
        assert abs(a.mix_effect + b.mix_effect) < 1e-9
