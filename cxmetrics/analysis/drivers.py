"""Key drivers of NPS / CSAT: relative importance of experience attributes, with intervals.

One row per survey response: an outcome (NPS score 0-10 or CSAT 1-5) and attributes of the
experience (booleans, numerics that may be NaN when not applicable, categoricals).

Importance is the Shapley decomposition of the R² of an OLS of the outcome on all the
attributes (the general dominance weights of Budescu 1993 / Azen & Budescu 2003), over
attribute *groups*: a categorical is one group (its dummies), a numeric with missing
values is one group (the value with NaN set to its mean plus a "not applicable"
indicator). With k groups and R²(S) the R² of the OLS on the groups in S,

    phi_j = sum over S not containing j of |S|! (k - |S| - 1)! / k! * (R²(S + j) - R²(S)),

exact over all 2^k subsets, and sum_j phi_j = R²(all). Each R²(S) comes from the
correlation matrix, R²(S) = r_S' R_SS^+ r_S, never by refitting: Gaussian elimination of
S's columns from the correlation matrix of [y, X] leaves 1 - R²(S) as y's diagonal entry,
and a column whose pivot (1 - its R² on the columns eliminated before it) is below 1e-9 is
skipped, which gives the pseudo-inverse's answer for collinear columns. All 2^k subsets
share eliminations (see ``_subset_r2``), batched in numpy. Intervals: percentile
bootstrap over rows (``n_boot`` resamples drawn with a seeded ``numpy.random.Generator``;
each resample's R² table comes from its weighted moments), 95 %.

Per attribute also: the KPI among responses with vs without it (booleans: True vs False;
numerics: above vs at-or-below the median), the OLS coefficient (outcome points per unit,
adjusted for the other attributes), the odds ratio of a statsmodels Logit (promoter vs not
for NPS, satisfied (4-5) vs not for CSAT; adjusted, falling back to a one-attribute model
when the joint one cannot be fitted) with its 95 % interval, and the current performance
for a quadrant chart (booleans: % of responses in the good state; numerics: the median).

Degenerate input (too few rows, constant or all-missing attributes, a class smaller than
``min_n``, separation in the logit, collinearity) gives reasons in the result, never an
exception; ``ValueError`` is raised only for a wrong call (a column that does not exist,
an outcome outside its scale, more than ``MAX_GROUPS`` attributes).

Speed (measured on the development VM, Intel Xeon, one BLAS thread, numpy 2.4; the
machine was shared, so figures are the better of repeated runs): 20,000 rows, 8 groups
(5 booleans, a numeric with NaN, a 4- and a 6-level categorical: 15 design columns, 256
subsets), n_boot=200: 0.4-0.65 s per call (0.13 s with n_boot=0), plus about 1 s to
import statsmodels once per process. 12 groups (21 columns, 4,096 subsets), 20,000 rows,
n_boot=200: 1.2 s. 200,000 rows, 8 groups, n_boot=200: 5.8 s (the resamples' weighted
moments grow with rows x columns²). ``CXM_BENCH=1 pytest tests/test_drivers.py -k speed
-s`` prints the first figure.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from statsmodels.discrete.discrete_model import Logit

__all__ = [
    "CAVEAT",
    "MAX_GROUPS",
    "DriverResult",
    "DriverRow",
    "LevelEffect",
    "key_drivers",
]

Kind = Literal["nps", "csat"]
AttributeKind = Literal["boolean", "numeric", "categorical"]

MAX_GROUPS = 12  # 2^12 = 4096 subsets per resample; beyond that exact Shapley gets slow
OTHER_LEVEL = "(other)"
MISSING_LEVEL = "(missing)"
CAVEAT = (
    "These are associations in observational survey data, not causal effects: an "
    "attribute that ranks high moves together with the score, but changing it will not "
    "necessarily move the score, because other factors can drive both."
)
_SCALES: dict[str, tuple[float, float]] = {"nps": (0.0, 10.0), "csat": (1.0, 5.0)}
_COLLINEAR_TOL = 1e-9  # a column with 1 - R² on earlier columns below this is collinear


@dataclass(frozen=True)
class LevelEffect:
    """One level of a categorical: its responses and the KPI among them.

    ``pooled``: the level has fewer than ``min_n`` responses and is counted in
    ``(other)`` in the model.
    """

    level: str
    n: int
    effect: float | None
    pooled: bool


@dataclass(frozen=True)
class DriverRow:
    """One attribute (one group of design columns).

    importance_share, ci_low, ci_high: % of the total R² (shares of all rows sum to 100),
        with the 95 % percentile-bootstrap interval (``None`` without resamples).
    r2_contribution: the Shapley value in R² units (rows sum to ``DriverResult.r2``).
    effect_with / effect_without: the KPI (NPS points or % satisfied) among responses with
        the attribute True / False (numerics: value > ``threshold`` / <= ``threshold``, the
        median); n_with / n_without their counts. Missing values are in neither side.
    ols_coef: OLS coefficient of the attribute's value (outcome score points per unit,
        True = 1), adjusted for the other attributes; None for categoricals and when the
        column is collinear with others.
    odds_ratio, or_ci: Logit odds ratio (per unit; True vs False) and its 95 % interval;
        ``or_note`` says why they are None, or that the model is unadjusted.
    performance: booleans: % of responses (with a value) in the good state; numerics: the
        median; categoricals: None.
    n_missing: responses where the attribute has no value (NaN: "not applicable").
    levels: categoricals only: every level with its n and KPI, largest first.
    """

    attribute: str
    kind: AttributeKind
    importance_share: float | None
    ci_low: float | None
    ci_high: float | None
    r2_contribution: float
    effect_with: float | None
    n_with: int
    effect_without: float | None
    n_without: int
    threshold: float | None
    ols_coef: float | None
    odds_ratio: float | None
    or_ci: tuple[float, float] | None
    or_note: str | None
    performance: float | None
    good: bool | None
    n_missing: int
    levels: tuple[LevelEffect, ...] = ()


@dataclass(frozen=True)
class DriverResult:
    """Key drivers of ``outcome``; neutral (``rows == ()``, ``r2 is None``) with a
    ``reason`` when nothing can be estimated. ``rows`` are ordered by importance."""

    outcome: str
    kind: Kind
    n: int
    value: float | None  # the KPI over all n responses
    r2: float | None
    r2_ci: tuple[float, float] | None
    rows: tuple[DriverRow, ...]
    skipped: tuple[tuple[str, str], ...]  # (attribute, reason)
    n_boot: int  # resamples used for the intervals
    caveat: str = CAVEAT
    reason: str | None = None


@dataclass
class _Group:
    name: str
    kind: AttributeKind
    columns: np.ndarray  # n x m design columns, raw scale
    value_col: int | None  # the column whose coefficient is reported
    row: dict  # DriverRow fields known before the models


# --------------------------------------------------------------------------- KPI helpers


def _success(y: np.ndarray, kind: Kind) -> np.ndarray:
    """Promoter (9-10) for NPS, satisfied (4-5) for CSAT."""
    return y >= 9 if kind == "nps" else y >= 4


def _kpi(y: np.ndarray, kind: Kind) -> float | None:
    if y.size == 0:
        return None
    if kind == "nps":
        return 100.0 * float(np.count_nonzero(y >= 9) - np.count_nonzero(y <= 6)) / y.size
    return 100.0 * float(np.count_nonzero(y >= 4)) / y.size


# --------------------------------------------------------------------------- attributes


def _is_bool_values(values: pd.Series) -> bool:
    return bool(values.map(lambda v: isinstance(v, bool | np.bool_)).all())


def _classify(s: pd.Series) -> AttributeKind:
    if pd.api.types.is_bool_dtype(s.dtype):
        return "boolean"
    present = s.dropna()
    if pd.api.types.is_numeric_dtype(s.dtype):
        return "boolean" if len(present) and present.isin([0, 1]).all() else "numeric"
    if s.dtype == object and len(present) and _is_bool_values(present):
        return "boolean"
    return "categorical"


def _fill_with_indicator(values: np.ndarray, missing: np.ndarray) -> tuple[np.ndarray, int]:
    """Design columns: the value with NaN set to its mean, plus an indicator if any NaN."""
    filled = np.where(missing, values[~missing].mean(), values)
    if missing.any():
        return np.column_stack([filled, missing.astype(float)]), 0
    return filled[:, None], 0


def _boolean_group(name: str, s: pd.Series, y: np.ndarray, kind: Kind, good: bool,
                   min_n: int) -> _Group | str:
    missing = s.isna().to_numpy()
    if not s[~missing].isin([0, 1]).all():  # True/False compare equal to 1/0
        raise ValueError(f"attribute {name!r} is not boolean (values other than True/False)")
    values = np.zeros(len(s))
    values[~missing] = s[~missing].astype(bool).to_numpy().astype(float)
    true = (values == 1.0) & ~missing
    false = (values == 0.0) & ~missing
    n_true, n_false = int(true.sum()), int(false.sum())
    if n_true == 0 or n_false == 0:
        return f"constant (always {n_true > 0} where present)"
    if min(n_true, n_false) < min_n:
        state = n_true < n_false
        return (f"only {min(n_true, n_false)} responses with {name} = {state} "
                f"(min_n = {min_n})")
    columns, value_col = _fill_with_indicator(values, missing)
    n_present = n_true + n_false
    row = {
        "effect_with": _kpi(y[true], kind), "n_with": n_true,
        "effect_without": _kpi(y[false], kind), "n_without": n_false,
        "threshold": None,
        "performance": 100.0 * (n_true if good else n_false) / n_present,
        "good": good, "n_missing": int(missing.sum()), "levels": (),
    }
    return _Group(name, "boolean", columns, value_col, row)


def _numeric_group(name: str, s: pd.Series, y: np.ndarray, kind: Kind,
                   min_n: int) -> _Group | str:
    values = pd.to_numeric(s, errors="raise").to_numpy(dtype=float, na_value=np.nan)
    if np.isinf(values).any():
        raise ValueError(f"attribute {name!r} has infinite values")
    missing = np.isnan(values)
    n_present = int((~missing).sum())
    present = values[~missing]
    if present.min() == present.max():
        return f"constant ({present[0]:g} wherever it has a value)"
    if n_present < min_n:
        return f"only {n_present} responses with a value (min_n = {min_n})"
    columns, value_col = _fill_with_indicator(values, missing)
    median = float(np.median(present))
    above = ~missing & (values > median)
    below = ~missing & (values <= median)
    row = {
        "effect_with": _kpi(y[above], kind), "n_with": int(above.sum()),
        "effect_without": _kpi(y[below], kind), "n_without": int(below.sum()),
        "threshold": median, "performance": median, "good": None,
        "n_missing": int(missing.sum()), "levels": (),
    }
    return _Group(name, "numeric", columns, value_col, row)


def _categorical_group(name: str, s: pd.Series, y: np.ndarray, kind: Kind,
                       min_n: int) -> _Group | str:
    labels = s.astype(object).where(s.notna(), MISSING_LEVEL).map(str).to_numpy()
    levels, codes, counts = np.unique(labels, return_inverse=True, return_counts=True)
    if len(levels) < 2:
        return f"constant (always {levels[0]!r})"
    order = sorted(range(len(levels)), key=lambda i: (-counts[i], levels[i]))
    big = [i for i in order if counts[i] >= min_n]
    small = [i for i in order if counts[i] < min_n]
    pooled_mask = np.isin(codes, small)
    model_levels = [codes == i for i in big]
    if small and pooled_mask.sum() >= min_n:
        model_levels.append(pooled_mask)
    # (a pooled "(other)" smaller than min_n gets no column: it shares the baseline)
    if len(model_levels) < 2:
        return (f"fewer than two levels with at least {min_n} responses "
                f"({len(levels)} levels)")
    # reference level = the largest (no column); one dummy per other modelled level
    columns = np.column_stack([m.astype(float) for m in model_levels[1:]])
    level_rows = tuple(
        LevelEffect(str(levels[i]), int(counts[i]), _kpi(y[codes == i], kind),
                    bool(counts[i] < min_n))
        for i in order
    )
    row = {
        "effect_with": None, "n_with": 0, "effect_without": None, "n_without": 0,
        "threshold": None, "performance": None, "good": None,
        "n_missing": int((labels == MISSING_LEVEL).sum()) if s.isna().any() else 0,
        "levels": level_rows,
    }
    return _Group(name, "categorical", columns, None, row)


# --------------------------------------------------------------------------- Shapley R²


def _shapley_matrix(k: int) -> np.ndarray:
    """A (k x 2^k) with phi = A @ R2, R2 indexed by the bitmask of the groups in S."""
    masks = np.arange(1 << k)
    sizes = np.array([bin(m).count("1") for m in masks])
    weight = np.array([math.factorial(s) * math.factorial(k - s - 1) / math.factorial(k)
                       if s < k else 0.0 for s in range(k + 1)])
    a = np.zeros((k, 1 << k))
    for j in range(k):
        bit = 1 << j
        without = masks[(masks & bit) == 0]
        w = weight[sizes[without]]
        a[j, without | bit] += w
        a[j, without] -= w
    return a


def _sweep(stack: np.ndarray, c: int) -> np.ndarray:
    """Eliminate column ``c`` from every matrix of ``stack`` (in place): the Schur
    complement, i.e. partial correlations given ``c``. A pivot (the column's variance left
    after the columns eliminated before) below ``_COLLINEAR_TOL`` means the column is a
    linear combination of those: it is skipped, as a pseudo-inverse would."""
    d = stack[:, c, c]
    ok = d > _COLLINEAR_TOL
    f = np.where(ok, 1.0 / np.where(ok, d, 1.0), 0.0)
    col = stack[:, :, c].copy()
    stack -= (f[:, None] * col)[:, :, None] * col[:, None, :]
    return ok


def _subset_r2(corr: np.ndarray, group_sizes: Sequence[int]) -> np.ndarray:
    """R² of the OLS of y on every subset of groups, indexed by bitmask.

    ``corr``: correlations of [y, group 0's columns, group 1's columns, ...]. Subsets are
    built in order of their highest group: those containing group j and none above it are
    the subsets before them (masks 0 .. 2^j - 1) with group j's columns eliminated, so the
    array stays indexed by mask and each subset costs the elimination of one group. Once
    group j is done no later subset eliminates its columns, so they are dropped: the
    matrices shrink as the stack grows. R²(S) = 1 - (variance of y left after S).
    """
    if corr[0, 0] <= 0.0:  # y constant (in a resample): nothing to explain
        return np.zeros(1 << len(group_sizes))
    stack = corr[None, :, :].copy()
    for m in group_sizes:
        new = stack.copy()
        for c in range(1, m + 1):
            _sweep(new, c)
        keep = np.r_[0, m + 1: stack.shape[1]]
        stack = np.concatenate([stack, new])[:, keep][:, :, keep]
    return np.clip(1.0 - stack[:, 0, 0], 0.0, 1.0)


def _corr_from_moments(mean: np.ndarray, second: np.ndarray) -> np.ndarray:
    cov = second - np.outer(mean, mean)
    var = np.diag(cov).copy()
    ok = var > 1e-12 * np.maximum(np.abs(np.diag(second)), 1e-300)
    sd = np.where(ok, np.sqrt(np.where(ok, var, 1.0)), 1.0)
    corr = cov / np.outer(sd, sd)
    corr[~ok, :] = 0.0  # a column constant in this resample explains nothing
    corr[:, ~ok] = 0.0
    np.fill_diagonal(corr, ok.astype(float))  # exactly 1: R² of the empty set is exactly 0
    return corr


# --------------------------------------------------------------------------- models


def _independent_columns(corr_xx: np.ndarray) -> np.ndarray:
    """Mask of the columns kept by eliminating them in order: a column that is (to
    ``_COLLINEAR_TOL``) a linear combination of the columns kept before it is left out."""
    stack = corr_xx[None, :, :].copy()
    return np.array([bool(_sweep(stack, c)[0]) for c in range(corr_xx.shape[0])], dtype=bool)


def _fit_logit(b: np.ndarray, x: np.ndarray) -> tuple[object | None, str | None]:
    """statsmodels Logit of b on [1, x]; (result, None) or (None, why it failed)."""
    exog = np.column_stack([np.ones(len(b)), x])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            res = Logit(b.astype(float), exog).fit(method="newton", maxiter=100, disp=0)
        except np.linalg.LinAlgError:
            return None, "singular fit"
        except Exception as exc:  # statsmodels raises several types; never propagate
            return None, f"fit failed ({type(exc).__name__})"
    names = {type(w.message).__name__ for w in caught}
    if "PerfectSeparationWarning" in names:
        return None, "perfect separation"
    if not res.mle_retvals.get("converged", False) or "ConvergenceWarning" in names:
        return None, "did not converge (possible separation)"
    if "HessianInversionWarning" in names:
        return None, "singular fit"
    bse = np.asarray(res.bse)
    if not (np.all(np.isfinite(res.params)) and np.all(np.isfinite(bse))):
        return None, "singular fit"
    return res, None


def _odds(res, col: int) -> tuple[float, tuple[float, float]] | None:
    beta = float(res.params[col])
    low, high = (float(v) for v in np.asarray(res.conf_int(0.05))[col])
    try:
        out = math.exp(beta), (math.exp(low), math.exp(high))
    except OverflowError:
        return None
    return out if all(math.isfinite(v) for v in (out[0], *out[1])) else None


def _separation(group: _Group, b: np.ndarray, kind: Kind) -> str | None:
    """Perfect or quasi-complete separation of a boolean: b constant on one side."""
    if group.kind != "boolean":
        return None
    value = group.columns[:, group.value_col]
    present = np.ones(len(b), dtype=bool) if group.columns.shape[1] == 1 else (
        group.columns[:, 1] == 0.0)
    success = "a promoter" if kind == "nps" else "satisfied"
    for state in (True, False):
        side = present & (value == float(state))
        if b[side].all() or not b[side].any():
            what = success if b[side].all() else f"not {success}"
            return f"perfect separation: every response with {group.name} = {state} is {what}"
    return None


def _logits(groups: list[_Group], x: np.ndarray, offsets: list[int], keep: np.ndarray,
            b: np.ndarray, kind: Kind) -> dict[str, tuple]:
    """(odds_ratio, or_ci, or_note) per boolean/numeric group."""
    out: dict[str, tuple] = {}
    if b.all() or not b.any():
        success = "a promoter" if kind == "nps" else "satisfied"
        note = f"every response is {success}" if b.all() else f"no response is {success}"
        return {g.name: (None, None, note) for g in groups if g.value_col is not None}
    sep = {g.name: _separation(g, b, kind) for g in groups}
    joint_cols: list[int] = []
    where: dict[str, int] = {}
    for g, off in zip(groups, offsets, strict=True):
        if sep[g.name]:
            continue  # left out of the joint model: its coefficient would diverge
        for c in range(g.columns.shape[1]):
            if keep[off + c]:
                if c == g.value_col:
                    where[g.name] = len(joint_cols) + 1  # +1: the constant
                joint_cols.append(off + c)
    res, why = _fit_logit(b, x[:, joint_cols]) if joint_cols else (None, "no columns")
    for g, off in zip(groups, offsets, strict=True):
        if g.value_col is None:
            continue
        if sep[g.name]:
            out[g.name] = (None, None, sep[g.name])
        elif not keep[off + g.value_col]:
            out[g.name] = (None, None, "collinear with other attributes (not identified)")
        elif res is not None:
            odds = _odds(res, where[g.name])
            out[g.name] = (*odds, None) if odds else (None, None, "odds ratio overflows")
        else:  # the joint model failed: this attribute alone
            alone, why_alone = _fit_logit(b, g.columns)
            odds = _odds(alone, 1 + g.value_col) if alone is not None else None
            if odds:
                out[g.name] = (*odds, f"unadjusted (the joint logit failed: {why})")
            else:
                out[g.name] = (None, None, f"logit failed: {why_alone or 'odds ratio overflows'}")
    return out


# --------------------------------------------------------------------------- entry point


def _neutral(outcome: str, kind: Kind, n: int, value: float | None, reason: str,
             skipped: Sequence[tuple[str, str]] = ()) -> DriverResult:
    return DriverResult(outcome, kind, n, value, None, None, (), tuple(skipped), 0,
                        reason=reason)


def key_drivers(
    df: pd.DataFrame,
    outcome: str,
    attributes: Sequence[str],
    *,
    kind: Kind,
    n_boot: int = 200,
    seed: int = 0,
    min_n: int = 30,
    good: Mapping[str, bool] | None = None,
    kinds: Mapping[str, AttributeKind] | None = None,
) -> DriverResult:
    """Relative importance (Shapley R²) of ``attributes`` for ``outcome``, with intervals.

    kind: "nps" (outcome 0-10) or "csat" (outcome 1-5). good: the good state of each
    boolean for ``performance`` (default True; keys that are not attributes are ignored).
    kinds: force an attribute's type; otherwise bool dtype, object columns of bools and
    numeric columns holding only 0/1 are booleans, other numerics numeric, the rest
    categorical.

    Rows with a missing outcome are dropped; fewer than ``min_n`` left (or a constant
    outcome) gives a neutral result. An attribute is skipped, with its reason in
    ``skipped``, when it has no values, is constant, is a boolean whose smaller class has
    fewer than ``min_n`` responses, a numeric with fewer than ``min_n`` values, or a
    categorical with fewer than two levels of ``min_n`` responses. A categorical's levels
    under ``min_n`` are pooled into one "(other)" level (which shares the reference
    level's baseline if it is itself under ``min_n``); missing values are a level. A
    missing boolean or numeric value is "not applicable": the mean plus an indicator in
    the attribute's group, and in neither side of effect_with / effect_without.
    """
    if kind not in _SCALES:
        raise ValueError(f"kind must be 'nps' or 'csat', got {kind!r}")
    if min_n < 1 or n_boot < 0:
        raise ValueError("min_n must be >= 1 and n_boot >= 0")
    attributes = list(dict.fromkeys(attributes))
    absent = [c for c in [outcome, *attributes] if c not in df.columns]
    if absent:
        raise ValueError(f"columns not in the data: {absent}")
    if outcome in attributes:
        raise ValueError(f"the outcome {outcome!r} is also an attribute")
    good = dict(good or {})
    kinds = dict(kinds or {})

    y_all = pd.to_numeric(df[outcome], errors="raise").to_numpy(dtype=float, na_value=np.nan)
    keep_rows = ~np.isnan(y_all)
    y = y_all[keep_rows]
    lo, hi = _SCALES[kind]
    if y.size and (y.min() < lo or y.max() > hi):
        raise ValueError(f"{outcome!r} has values outside {lo:g}-{hi:g} ({kind})")
    data = df.loc[keep_rows, attributes].reset_index(drop=True)
    n = int(y.size)
    value = _kpi(y, kind)
    if n < min_n:
        return _neutral(outcome, kind, n, value,
                        f"only {n} responses with an outcome (min_n = {min_n})")
    if y.min() == y.max():
        return _neutral(outcome, kind, n, value, f"the outcome is constant ({y[0]:g})")

    groups: list[_Group] = []
    skipped: list[tuple[str, str]] = []
    for name in attributes:
        s = data[name]
        if s.isna().all():
            skipped.append((name, "no values (all missing)"))
            continue
        akind = kinds.get(name) or _classify(s)
        if akind == "boolean":
            g = _boolean_group(name, s, y, kind, bool(good.get(name, True)), min_n)
        elif akind == "numeric":
            g = _numeric_group(name, s, y, kind, min_n)
        elif akind == "categorical":
            g = _categorical_group(name, s, y, kind, min_n)
        else:
            raise ValueError(f"unknown attribute kind {akind!r} for {name!r}")
        if isinstance(g, str):
            skipped.append((name, g))
        else:
            groups.append(g)
    if not groups:
        return _neutral(outcome, kind, n, value, "no attribute can be used (see skipped)",
                        skipped)
    if len(groups) > MAX_GROUPS:
        raise ValueError(f"{len(groups)} attributes: exact Shapley supports {MAX_GROUPS}")

    # Groups with more columns first: _subset_r2 eliminates them while its stack of
    # subsets is small (the order changes no result; ties in the output keep input order).
    position = {g.name: i for i, g in enumerate(groups)}
    groups.sort(key=lambda g: -g.columns.shape[1])
    sizes = [g.columns.shape[1] for g in groups]
    x = np.column_stack([g.columns for g in groups])
    offsets = np.cumsum([0, *sizes[:-1]]).tolist()
    k = len(groups)

    # Standardise once (better conditioned moments); correlations are scale-free.
    z = np.column_stack([y, x])
    z = (z - z.mean(axis=0)) / z.std(axis=0)
    shapley = _shapley_matrix(k)
    corr = _corr_from_moments(z.mean(axis=0), z.T @ z / n)
    r2_all = _subset_r2(corr, sizes)
    phi = shapley @ r2_all
    r2 = float(r2_all[-1])
    shares = 100.0 * phi / r2 if r2 > 1e-12 else None

    boot_shares = np.empty((0, k))
    boot_r2 = np.empty(0)
    if n_boot and shares is not None:
        rng = np.random.default_rng(seed)
        rows_b, r2_b = [], []
        for _ in range(n_boot):
            counts = np.bincount(rng.integers(0, n, n), minlength=n).astype(float)
            mean = counts @ z / n
            second_b = (z.T * counts) @ z / n
            r2s = _subset_r2(_corr_from_moments(mean, second_b), sizes)
            if r2s[-1] > 1e-12:
                rows_b.append(100.0 * (shapley @ r2s) / r2s[-1])
                r2_b.append(r2s[-1])
        if rows_b:
            boot_shares, boot_r2 = np.array(rows_b), np.array(r2_b)

    # OLS coefficients (raw scale) on the independent columns; Logit odds ratios.
    # (standardised slopes from the correlations, back to outcome points per unit)
    keep_cols = _independent_columns(corr[1:, 1:])
    coef = np.full(x.shape[1], np.nan)
    kc = np.flatnonzero(keep_cols)
    beta = np.linalg.solve(corr[1:, 1:][np.ix_(kc, kc)], corr[0, 1:][kc])
    coef[kc] = beta * y.std() / x[:, kc].std(axis=0)
    odds = _logits(groups, x, offsets, keep_cols, _success(y, kind), kind)

    out_rows = []
    for j, (g, off) in enumerate(zip(groups, offsets, strict=True)):
        ci = (None, None)
        if boot_shares.shape[0]:
            low, high = np.percentile(boot_shares[:, j], [2.5, 97.5])
            ci = (float(low), float(high))
        ols = None
        if g.value_col is not None and np.isfinite(coef[off + g.value_col]):
            ols = float(coef[off + g.value_col])
        odds_ratio, or_ci, or_note = odds.get(g.name, (None, None, None))
        out_rows.append(DriverRow(
            attribute=g.name, kind=g.kind,
            importance_share=None if shares is None else float(shares[j]),
            ci_low=ci[0], ci_high=ci[1], r2_contribution=float(phi[j]),
            ols_coef=ols, odds_ratio=odds_ratio, or_ci=or_ci, or_note=or_note, **g.row,
        ))
    order = sorted(range(k), key=lambda j: (-phi[j], position[groups[j].name]))
    r2_ci = None
    if boot_r2.size:
        r2_ci = tuple(float(v) for v in np.percentile(boot_r2, [2.5, 97.5]))
    return DriverResult(
        outcome=outcome, kind=kind, n=n, value=value, r2=r2, r2_ci=r2_ci,
        rows=tuple(out_rows[j] for j in order), skipped=tuple(skipped),
        n_boot=int(boot_shares.shape[0]),
        reason=None if shares is not None else "the attributes explain none of the outcome",
    )
