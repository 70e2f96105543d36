"""Recognized vs anonymous: raw and stratified uplift (CONTRACT.md section 5).

This is an observational comparison, not an experiment: recognized journeys differ
from anonymous ones in more than recognition. The stratified difference removes the
mix of intent and channel only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from cxmetrics.filters import FilterSpec
from cxmetrics.metrics import KPIS, Source, check_kpis, kpi_stats

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


def uplift(source: Source, kpi: str, spec: FilterSpec | None = None, thin_n: int = 30) -> Uplift:
    """Raw and (intent, channel)-stratified difference recognized − anonymous for one KPI."""
    (kpi,) = check_kpis([kpi])
    kspec = KPIS[kpi]
    spec = spec or FilterSpec()
    empty = (0, 0.0, 0.0)
    sides = {g.group["identity_state"]: g.triple for g in kpi_stats(source, [kpi], ["identity_state"], spec)}
    rec, anon = sides.get("recognized", empty), sides.get("anonymous", empty)
    raw = kspec.difference(rec, anon)
    raw_ci = [raw.ci_low, raw.ci_high] if raw.ci_low is not None else None

    strata: dict[tuple[str, str], dict[str, tuple]] = {}
    for g in kpi_stats(source, [kpi], ["identity_state", "intent", "channel"], spec):
        strata.setdefault((g.group["intent"], g.group["channel"]), {})[g.group["identity_state"]] = g.triple
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
    )
