"""The biweekly committee review: one closed period's figures, in one structure.

``review_data`` gathers what the committee discusses — every KPI overall, by channel and
by key cohorts, this period vs the previous one as one BH family; the alerts raised in
the period and the incidents they add up to (each one the review opens with carries the
comment themes that rose in its slice and days, ``reports.voc.incident_themes``); NPS's
change split by region and the key drivers of NPS (``reports.decomposition``,
``reports.key_drivers``); OKR status at the period's end; the actions due in it; the
closed loop of the period's cases (``reports.cases.review_section``: from the app state,
as of now, wall clock) — and is what the page shows, what ``cxm review`` exports and what
closing a review freezes.

It is built for one viewer's ``role``: for a role without record-level access, cells with
fewer than k people (and their complements) are suppressed (``cxmetrics.metrics.suppression``):
a change row keeps its KPI and group with ``suppressed`` / ``previous_suppressed`` set and
the hidden side's value, interval and n empty, and no difference; alerts and key results
likewise. A closed review freezes the figures as its closer saw them; a restatement is
only reported for a cell shown both then and now.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any

from cxmetrics.analysis.incidents import build_incidents
from cxmetrics.core.errors import UserError
from cxmetrics.core.privacy import k_threshold, may_use_action_log
from cxmetrics.metrics import alerts as alerts_mod
from cxmetrics.metrics.compare import Period, compare_periods_family, period_of
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.metrics.okr import OkrFile, evaluate
from cxmetrics.metrics.registry import KPIS
from cxmetrics.metrics.source import Source
from cxmetrics.reports import cases as case_figures
from cxmetrics.reports import decomposition, key_drivers, voc
from cxmetrics.reports import incidents as incident_words
from cxmetrics.reports.ops_review import operations
from cxmetrics.serving import app_state

REVIEW_DIMENSIONS = ("channel", "value_tier", "segment")
# The change the review explains first (summary paragraph, the pack's waterfall) and the
# score whose key drivers it lists
WHY_KPI, WHY_DIMENSION, DRIVERS_KPI = "nps", "region", "nps"


def period_for(source: Source, start: date) -> Period:
    p = period_of(start, source.anchor, source.period_days)
    if p.start != start:
        raise UserError(f"{start} is not the first day of a review period (periods start on {p.start})")
    return p


def change_rows(
    source: Source, period: Period, spec: FilterSpec | None = None, *, role: str
) -> list[dict[str, Any]]:
    """The change table: one row per KPI × group, ranked by q-value (significant first)."""
    out = []
    for r in compare_periods_family(source, period, REVIEW_DIMENSIONS, None, spec, role=role):
        c = r.comparison
        out.append({
            "dimension": r.dimension,
            "group": c.group.get(r.dimension, "all") if r.dimension != "all" else "all",
            "kpi": c.kpi,
            "current": c.current.value, "current_n": None if c.current_suppressed else c.current.n,
            "current_ci": [c.current.ci_low, c.current.ci_high],
            "previous": c.previous.value, "previous_n": None if c.previous_suppressed else c.previous.n,
            "diff": c.difference.diff, "diff_ci": [c.difference.ci_low, c.difference.ci_high],
            "p_value": c.difference.p_value, "q_value": c.q_value,
            "significant": c.significant, "improved": c.improved,
            "suppressed": c.current_suppressed, "previous_suppressed": c.previous_suppressed,
        })
    out.sort(key=lambda x: (not x["significant"], x["q_value"] if x["q_value"] is not None else 2.0))
    return out


def review_data(source: Source, period: Period, okrs: OkrFile | None = None,
                spec: FilterSpec | None = None, state_path: Path | None = None, *, role: str) -> dict[str, Any]:
    """Everything the committee pack holds for one closed review period, as ``role`` may see it."""
    raised = [a for a in alerts_mod.all_alerts(source, spec)
              if period.start <= a.last_day <= period.end]
    previous = period.previous()
    k = k_threshold(role)
    return {
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "previous": {"start": previous.start.isoformat(), "end": previous.end.isoformat()},
        "filter": (spec or FilterSpec()).describe(),
        "data_version": source.version,
        "data_to": source.max_ts.isoformat(timespec="minutes") if source.max_ts else None,
        "changes": change_rows(source, period, spec, role=role),
        # the operations and churn KPIs (CONTRACT.md section 8), this period vs the previous one
        "operations": operations(source, period, spec, role=role),
        "alerts": alerts_mod.alerts_for_role(source, raised, spec, role=role),
        "incidents": _with_themes(source, [_for_role(i.to_json(), k) for i in build_incidents(source, period, spec)],
                                  spec, role),
        # NPS's change split by region (rate and mix effects) and the key drivers of NPS over the period
        "decomposition": decomposition.change_by(source, WHY_KPI, period, WHY_DIMENSION, spec, role=role),
        "drivers": key_drivers.drivers_for(source, DRIVERS_KPI, _in_period(spec, period), role=role),
        "okrs": evaluate(source, okrs, as_of=period.end, role=role) if okrs else None,
        "k_anonymity": k,  # the k applied (None: every cell shown)
        # the action log is not for every role (privacy.ACTION_LOG_ROLES): None = not shown
        "actions_due": [asdict(a) for a in app_state.actions_due_in(period.start, period.end, state_path, role=role)]
        if may_use_action_log(role) else None,
        "actions_decided_last_time": [asdict(a) for a in app_state.actions(state_path, role=role)
                                      if a.period == previous.start.isoformat()]
        if may_use_action_log(role) else None,
        # the closed loop: the cases of the period's responses, as of now (app state; None: no case data)
        "closed_loop": case_figures.review_section(state_path, period.start, period.end, role=role, tz=source.tz),
        "kpi_labels": {k: {"en": v.label_en, "es": v.label_es, "higher_is_better": v.higher_is_better}
                       for k, v in KPIS.items()},
    }


def _in_period(spec: FilterSpec | None, period: Period) -> FilterSpec:
    return (spec or FilterSpec()).model_copy(update={"date_from": period.start, "date_to": period.end})


def _for_role(incident: dict[str, Any], k: int | None) -> dict[str, Any]:
    """An incident with fewer than k people keeps its place, slice and onset, not its figures."""
    if k is None or incident["people"] >= k:
        return {**incident, "suppressed": None}
    hidden = {"baseline": None, "during": None, "people": None, "records": None, "effect": None, "impact": None,
              "signals": [{**s, "expected": None, "observed": None, "n": None} for s in incident["signals"]]}
    return {**incident, **hidden, "suppressed": "k"}


def _with_themes(source: Source, incidents: list[dict[str, Any]], spec: FilterSpec | None,
                 role: str) -> list[dict[str, Any]]:
    """Each incident the review opens with (``incidents.shown``) whose figures the role may
    see gets ``themes``: the comment themes that rose most in its slice and days
    (``voc.incident_themes``, rank "rise")."""
    top = {id(i) for i in incident_words.shown(incidents)}
    return [{**i, "themes": voc.incident_themes(source, i, role, spec=spec, rank="rise",
                                                top=incident_words.THEMES_SHOWN)}
            if id(i) in top and not i.get("suppressed") else i for i in incidents]


def frozen_figures(data: dict[str, Any]) -> dict[str, Any]:
    """The figures a closed review keeps as reported."""
    return {f"{r['kpi']}|{r['dimension']}|{r['group']}": {k: r.get(k) for k in ("current", "current_n", "previous",
                                                                               "previous_n", "diff", "q_value",
                                                                               "significant", "suppressed")}
            for r in data["changes"]}


def restatements(frozen: dict[str, Any], data: dict[str, Any], tolerance: float = 1e-9) -> list[dict[str, Any]]:
    """Figures that changed since the review was closed (late data, new identity links)."""
    now = frozen_figures(data)
    out = []
    for key, was in frozen.items():
        cur = now.get(key)
        if was.get("suppressed") or (cur is not None and cur.get("suppressed")):
            continue  # not shown then or not shown now (k-anonymity): nothing to compare
        changed = cur is None or cur["current_n"] != was["current_n"] or (
            (cur["current"] is None) != (was["current"] is None)
            or (cur["current"] is not None and abs(cur["current"] - was["current"]) > tolerance)
        ) or cur["significant"] != was["significant"]
        if changed:
            kpi, dim, group = key.split("|", 2)
            out.append({"kpi": kpi, "dimension": dim, "group": group, "as_reported": was, "restated": cur})
    return out
