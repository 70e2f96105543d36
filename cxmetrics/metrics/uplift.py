"""Recognized vs anonymous: raw and stratified uplift (CONTRACT.md section 5).

This is an observational comparison, not an experiment: recognized journeys differ
from anonymous ones in more than recognition. The stratified difference removes the
mix of intent and channel only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from cxmetrics.metrics.engine import kpi_stats
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.metrics.registry import KPIS, check_kpis
from cxmetrics.metrics.source import Source

OBSERVATIONAL_NOTE = (
    "Observational comparison, not an experiment: recognized and anonymous journeys may "
    "differ in ways other than recognition. The adjusted difference removes only the mix "
    "of intent and channel."
)


@dataclass(frozen=True)
class Uplift:
    kpi: str
    recognized: dict
    anonymous: dict
    raw_diff: float | None
    raw_ci: list[float] | None
    p_value: float | None
    adjusted_diff: float | None
    adjusted_ci: list[float] | None
    strata_used: int
    coverage: float | None
    strata_total: int = 0
    thin_strata: int = 0
    regression: dict | None = None

    @property
    def overlap_warning(self) -> bool:
        """Thin overlap: the strata used cover under 80 % of recognized n, or many are small."""
        if self.coverage is None or self.strata_used == 0:
            return self.recognized["n"] > 0 and self.anonymous["n"] > 0
        return self.coverage < 0.8 or self.thin_strata > self.strata_used / 2

    def to_json(self) -> dict:
        return {
            "kpi": self.kpi,
            "recognized": self.recognized,
            "anonymous": self.anonymous,
            "raw_diff": self.raw_diff,
            "raw_ci": self.raw_ci,
            "p_value": self.p_value,
            "adjusted_diff": self.adjusted_diff,
            "adjusted_ci": self.adjusted_ci,
            "strata_used": self.strata_used,
            "coverage": self.coverage,
        }


CELL_DIMS = ("identity_state", "intent", "channel", "journey_type")
Triple = tuple[float, float, float]


def _add(a: Triple, b: Triple) -> Triple:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2])


def uplift(source: Source, kpi: str, spec: FilterSpec | None = None, thin_n: int = 30) -> Uplift:
    """Raw and (intent, channel)-stratified difference recognized − anonymous for one KPI."""
    (kpi,) = check_kpis([kpi])
    return uplift_from_cells(kpi, kpi_stats(source, [kpi], CELL_DIMS, spec or FilterSpec()), thin_n)


def uplift_all(source: Source, kpis: list[str] | None = None, spec: FilterSpec | None = None,
               thin_n: int = 30) -> dict[str, Uplift]:
    """``uplift`` for several KPIs from ONE query of covariate cells (what a page needs)."""
    kpis = check_kpis(kpis)
    cells: dict[str, list] = {k: [] for k in kpis}
    for g in kpi_stats(source, kpis, CELL_DIMS, spec or FilterSpec()):
        cells[g.kpi].append(g)
    return {k: uplift_from_cells(k, cells[k], thin_n) for k in kpis}


def uplift_from_cells(kpi: str, cells: list, thin_n: int = 30) -> Uplift:
    """Uplift from sufficient statistics by (identity_state, intent, channel, journey_type).

    Sums of integer counts and scores are exact, so this equals querying each level."""
    kspec = KPIS[kpi]
    empty: Triple = (0, 0.0, 0.0)
    sides: dict[str, Triple] = {}
    strata: dict[tuple[str, str], dict[str, Triple]] = {}
    for g in cells:
        state = g.group["identity_state"]
        sides[state] = _add(sides.get(state, empty), g.triple)
        stratum = strata.setdefault((g.group["intent"], g.group["channel"]), {})
        stratum[state] = _add(stratum.get(state, empty), g.triple)
    rec, anon = sides.get("recognized", empty), sides.get("anonymous", empty)
    raw = kspec.difference(rec, anon)
    raw_ci = [raw.ci_low, raw.ci_high] if raw.ci_low is not None else None
    need = kspec.min_n_for_difference
    used = [
        (s["recognized"], s["anonymous"])
        for s in strata.values()
        if s.get("recognized", empty)[0] >= need and s.get("anonymous", empty)[0] >= need
    ]
    total_rec = rec[0]
    adjusted_diff = adjusted_ci = None
    coverage: float | None = None if total_rec == 0 else 0.0
    if used:
        n_used = sum(r[0] for r, _ in used)
        weighted = 0.0
        var = 0.0
        for r, a in used:
            w = r[0] / n_used
            weighted += w * kspec.difference(r, a).diff
            var += w * w * (kspec.variance(*r) + kspec.variance(*a))
        adjusted_diff = weighted
        half = 1.96 * math.sqrt(var)
        adjusted_ci = [weighted - half, weighted + half]
        coverage = n_used / total_rec if total_rec else None
    thin = sum(1 for r, a in used if min(r[0], a[0]) < thin_n)
    return Uplift(
        kpi=kpi,
        recognized={"value": kspec.estimate(*rec).value, "n": int(rec[0])},
        anonymous={"value": kspec.estimate(*anon).value, "n": int(anon[0])},
        raw_diff=raw.diff,
        raw_ci=raw_ci,
        p_value=raw.p_value,
        adjusted_diff=adjusted_diff,
        adjusted_ci=adjusted_ci,
        strata_used=len(used),
        coverage=coverage,
        strata_total=len(strata),
        thin_strata=thin,
        regression=regression_from_cells(kspec, cells),
    )


def regression_adjusted(source: Source, kpi: str, spec: FilterSpec | None = None) -> dict | None:
    """Robustness check: linear regression adjustment for intent, channel and journey_type.

    Fits ``outcome ~ recognized + intent + channel + journey_type`` by least squares on
    the record-level outcome, computed exactly from aggregated covariate cells (each
    cell's n, sum and sum of squares act as frequency weights), so it costs the same at
    ten million events as at ten thousand. The outcome is on the KPI's display scale
    (NPS: +100 / 0 / −100 per response; rates: 100 / 0; CES: the score). Returns the
    recognized coefficient with a classical 95 % interval, or None when it cannot be fit.
    """
    return regression_from_cells(KPIS[kpi], kpi_stats(source, [kpi], CELL_DIMS, spec))


def regression_from_cells(kspec, cells: list) -> dict | None:
    """The regression adjustment from covariate cells (see ``regression_adjusted``)."""
    if not cells:
        return None
    n = np.array([c.n for c in cells], dtype=float)
    if kspec.kind == "nps":
        sums = 100.0 * np.array([c.s1 - c.s2 for c in cells])
        sumsq = 100.0**2 * np.array([c.s1 + c.s2 for c in cells])
    elif kspec.kind == "rate":
        sums = 100.0 * np.array([c.s1 for c in cells])
        sumsq = 100.0 * sums
    else:
        sums = np.array([c.s1 for c in cells])
        sumsq = np.array([c.s2 for c in cells])
    columns = ["intercept", "recognized"]
    rows = [[1.0, 1.0 if c.group["identity_state"] == "recognized" else 0.0] for c in cells]
    for dim in ("intent", "channel", "journey_type"):
        levels = sorted({c.group[dim] for c in cells})[1:]  # first level is the reference
        columns += [f"{dim}={v}" for v in levels]
        for r, c in zip(rows, cells, strict=True):
            r.extend(1.0 if c.group[dim] == v else 0.0 for v in levels)
    x = np.array(rows)
    xtwx = x.T @ (x * n[:, None])
    xty = x.T @ sums
    # Intent often equals journey_type (a journey's intent defaults to it): collinear
    # covariates are fine (pseudo-inverse), but the recognized effect must be identifiable.
    others = [i for i in range(x.shape[1]) if i != 1]
    rank = np.linalg.matrix_rank(xtwx)
    if rank == np.linalg.matrix_rank(xtwx[np.ix_(others, others)]):
        return None
    inv = np.linalg.pinv(xtwx)
    root = np.sqrt(n)[:, None]
    beta = np.linalg.lstsq(x * root, (sums / n)[:, None] * root, rcond=None)[0][:, 0]
    total_n = n.sum()
    rss = float(sumsq.sum() - 2 * beta @ xty + beta @ xtwx @ beta)
    dof = total_n - rank
    if dof <= 0:
        return None
    cov = max(rss, 0.0) / dof * inv
    se = math.sqrt(max(cov[1, 1], 0.0))
    effect = float(beta[1])
    return {
        "method": "linear regression adjustment (intent, channel, journey_type), exact from cells",
        "diff": effect,
        "ci": [effect - 1.96 * se, effect + 1.96 * se] if se > 0 else None,
        "cells": len(cells),
        "parameters": len(columns),
    }
