"""Retention: Kaplan–Meier survival by cohort and churn in the 30/90 days after a negative
experience. Pure functions over data frames (no I/O); ``cxmetrics.reports.retention``
reads the model and calls them. The choices are in docs/metrics.md, "Retention and
churn risk".

**Kaplan–Meier.** Time is in whole days. A customer's row is (entry, duration, event):
day 1 is the customer's first day, ``duration`` the day of the first churn (event) or of
the data's last day (censored), ``entry`` the days the customer had already survived
before we could see them. A customer is at risk on day t when ``entry < t <= duration``
(delayed entry, as statsmodels' ``SurvfuncRight(entry=)`` and lifelines' ``entry=``), so
a customer who signed up before the data window counts only from the day the data
starts: counting them from their signup would add days in which they could not have
been seen churning (they are in the data because they survived them). The survival is
the product of (1 − d/n) over the days with a churn, its standard error Greenwood's, and
the 95 % band the pointwise log(−log) ("exponential Greenwood") interval, which stays
inside [0, 1].

**After a negative experience.** Each person is anchored once: at the first negative
experience for those with one, at a calendar-matched day for the others
(``matched_anchors``); a window of 30 (90) days after the anchor counts as churned when
the first churn falls in it (inclusive). Windows that have not closed by the data's end
are left out (and counted), so every rate is over windows fully observed.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from cxmetrics.metrics import stats

KM_COLUMNS = ["time", "at_risk", "events", "survival", "se", "ci_low", "ci_high"]
WINDOWS = (30, 90)
GROUPS = ("negative", "none")


def kaplan_meier(duration: Sequence[float], event: Sequence[bool], entry: Sequence[float] | None = None,
                 z: float = stats.Z) -> pd.DataFrame:
    """The Kaplan–Meier estimate at every time with an event, after a first row (survival 1)
    at the earliest entry: 0, or later when nobody is seen before (then every survival is
    conditional on being a customer at that time). Columns: time, at_risk (entry < time <= duration), events, survival,
    se (Greenwood), ci_low, ci_high (log(−log) interval; at survival 1 the band is [1, 1],
    at survival 0 it is [0, 0]). Rows with ``duration <= entry`` are not at risk ever."""
    t = np.asarray(duration, dtype=float)
    d = np.asarray(event, dtype=bool)
    e = np.zeros_like(t) if entry is None else np.asarray(entry, dtype=float)
    keep = t > e
    t, d, e = t[keep], d[keep], e[keep]
    times = np.unique(t[d])
    # at risk at time s: entered before s (e < s) minus those already gone (t < s)
    entered = np.searchsorted(np.sort(e), times, side="left")
    gone = np.searchsorted(np.sort(t), times, side="left")
    at_risk = entered - gone
    event_times = np.sort(t[d])
    events = np.searchsorted(event_times, times, side="right") - np.searchsorted(event_times, times, side="left")
    surv = np.cumprod(1.0 - events / at_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(at_risk > events, events / (at_risk * (at_risk - events)), np.inf)
    greenwood = np.cumsum(terms)
    with np.errstate(invalid="ignore"):
        se = surv * np.sqrt(greenwood)  # NaN once the survival is 0 (Greenwood is infinite)
    low, high = [], []
    for s, g in zip(surv, greenwood, strict=True):
        lo, hi = loglog_interval(float(s), float(g), z)
        low.append(lo)
        high.append(hi)
    out = pd.DataFrame({"time": times, "at_risk": at_risk.astype(int), "events": events.astype(int),
                        "survival": surv, "se": np.where(np.isfinite(se), se, np.nan),
                        "ci_low": low, "ci_high": high})
    first = float(e.min()) if len(e) else 0.0
    start = pd.DataFrame({"time": [first], "at_risk": [int(np.sum(e <= first))], "events": [0],
                          "survival": [1.0], "se": [0.0], "ci_low": [1.0], "ci_high": [1.0]})
    return pd.concat([start, out], ignore_index=True)[KM_COLUMNS]


def loglog_interval(survival: float, greenwood: float, z: float = stats.Z) -> tuple[float, float]:
    """The pointwise log(−log) interval of a survival estimate with Greenwood sum
    ``greenwood`` (Σ d / (n (n − d))): survival ** exp(∓ z·σ), σ = √greenwood / |log S|."""
    if survival >= 1.0:
        return 1.0, 1.0
    if survival <= 0.0 or not math.isfinite(greenwood):
        return 0.0, (0.0 if survival <= 0.0 else 1.0)
    sigma = math.sqrt(greenwood) / abs(math.log(survival))
    return survival ** math.exp(z * sigma), survival ** math.exp(-z * sigma)


def km_by_cohort(frame: pd.DataFrame, cohort: str, cohorts: Iterable[str] | None = None) -> pd.DataFrame:
    """``kaplan_meier`` of each value of ``frame[cohort]`` (columns entry, duration, event),
    with the cohort in column ``cohort`` and its size in ``customers``; ``cohorts`` fixes
    the order (default: sorted values)."""
    parts = []
    for value in (sorted(frame[cohort].unique()) if cohorts is None else cohorts):
        sub = frame[frame[cohort] == value]
        if sub.empty:
            continue
        km = kaplan_meier(sub["duration"], sub["event"], sub["entry"])
        km.insert(0, "cohort", value)
        km["customers"] = len(sub)
        parts.append(km)
    if not parts:
        return pd.DataFrame(columns=["cohort", *KM_COLUMNS, "customers"])
    return pd.concat(parts, ignore_index=True)


def survival_at(curve: pd.DataFrame, day: float) -> pd.Series:
    """The step function's row at ``day``: the last row with time <= day."""
    return curve[curve["time"] <= day].iloc[-1]


# --------------------------------------------------------------------------- after a negative experience


def stable_fraction(key: str) -> float:
    """A number in [0, 1) fixed by ``key`` (SHA-256): the same draw on every run."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") / 2.0**64


def matched_anchors(activity: pd.DataFrame, negative_anchors: Sequence, churn: pd.Series) -> pd.DataFrame:
    """An anchor for each person of ``activity`` (columns person, first_ts: the first event
    of each of their active days) matched on calendar time to the negative experiences:
    a target time is drawn for each person from ``negative_anchors`` (the first negative
    experiences of the others; the draw is fixed by the person's id), and the anchor is
    the start of the person's active day nearest to it (ties: the earlier), among days
    before their churn (``churn``: person -> first churn time or NaT). Columns: person,
    anchor. No negative anchors: no rows."""
    neg = np.sort(pd.to_datetime(pd.Series(negative_anchors)).to_numpy(dtype="datetime64[ns]"))
    if len(neg) == 0 or activity.empty:
        return pd.DataFrame({"person": pd.Series(dtype=object), "anchor": pd.Series(dtype="datetime64[ns]")})
    act = activity[["person", "first_ts"]].copy()
    act["first_ts"] = pd.to_datetime(act["first_ts"])
    left = act["person"].map(churn)
    act = act[left.isna() | (act["first_ts"] < left)]
    persons = pd.Series(act["person"].unique())
    draw = persons.map(lambda p: int(stable_fraction(f"anchor|{p}") * len(neg)))
    targets = pd.DataFrame({"person": persons, "target": neg[draw.to_numpy()]})
    act = act.merge(targets, on="person")
    act["gap"] = (act["first_ts"] - act["target"]).abs()
    act = act.sort_values(["person", "gap", "first_ts"], kind="mergesort")
    first = act.drop_duplicates("person")
    return pd.DataFrame({"person": first["person"].to_numpy(), "anchor": first["first_ts"].to_numpy()})


WINDOW_COLUMNS = ["window_days", "group", "eligible", "churned", "open", "rate", "ci_low", "ci_high",
                  "diff", "diff_ci_low", "diff_ci_high", "p_value"]


def window_rates(anchors: pd.DataFrame, end, windows: Sequence[int] = WINDOWS,
                 groups: Sequence[str] = GROUPS, reference: str = "none") -> pd.DataFrame:
    """Churn within each window after the anchor, by group. ``anchors``: columns group
    (``groups``, default 'negative' / 'none'), anchor, churn (first churn time or NaT; a
    churn before the anchor is not after it, and such a person is not at risk: give none).
    A window is closed when anchor + days <= ``end`` (the data's last instant); open ones
    are counted in ``open`` and left out. Rates in percent with Wilson intervals; every
    group but ``reference`` carries its difference from the reference (Newcombe interval,
    pooled z-test p-value)."""
    end = pd.Timestamp(end)
    rows = []
    for w in windows:
        span = pd.Timedelta(days=w)
        counts = {}
        for g in groups:
            sub = anchors[anchors["group"] == g]
            closed = sub["anchor"] + span <= end
            churned = (closed & sub["churn"].notna() & (sub["churn"] >= sub["anchor"])
                       & (sub["churn"] <= sub["anchor"] + span))
            counts[g] = (int(closed.sum()), int(churned.sum()), int((~closed).sum()))
        ref_n, ref_x, _ = counts[reference]
        for g in groups:
            n, x, still_open = counts[g]
            est = stats.rate_estimate(x, n)
            diff = None if g == reference else stats.rate_difference((x, n), (ref_x, ref_n))
            rows.append({"window_days": w, "group": g, "eligible": n, "churned": x, "open": still_open,
                         "rate": est.value, "ci_low": est.ci_low, "ci_high": est.ci_high,
                         **({"diff": None, "diff_ci_low": None, "diff_ci_high": None, "p_value": None}
                            if diff is None else {"diff": diff.diff, "diff_ci_low": diff.ci_low,
                                                  "diff_ci_high": diff.ci_high, "p_value": diff.p_value})})
    return pd.DataFrame(rows, columns=WINDOW_COLUMNS)
