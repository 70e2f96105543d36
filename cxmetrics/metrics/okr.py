"""OKRs bound to live KPIs (CONTRACT.md section 7).

A key result names a KPI and a filter; its ``current`` value is that KPI over the
``window_days`` days (local to the source's time zone) ending on the as-of date. Progress, expected pace and status
follow the contract literally; a status is never given on fewer records than the
minimum n ("not enough data").

Any KPI of the registry can be a key result's (``ALL_KPIS``, CONTRACT.md section 8 too).
Progress runs from ``baseline`` to ``target`` whichever way they point, so a KPI where
lower is better (handoff abandonment, time to answer, repeat contacts, churn) has a target
below its baseline; only a target equal to the baseline needs the KPI's direction. The
status is on the value alone (the interval never enters it), so a count (contact volume:
the contacts of the window, no interval) and a median (time to answer, in minutes) work
like any rate. A churn KPI counts customers, who have no channel, intent, journey type,
identity state, theme or sentiment: its filter may name only their cohort (segment, value
tier, region, plan).

Every evaluation takes the viewer's ``role``: for a role without record-level access a
key result whose window holds fewer than k people is *suppressed* (``cxmetrics.metrics.suppression``):
current, interval, n, progress and expected are empty, its status is ``no_data`` and
``suppressed`` says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from cxmetrics.core import yamlfile
from cxmetrics.core.errors import UserError
from cxmetrics.core.settings import get_settings
from cxmetrics.metrics.churn import CHURN_KPIS, PERSON_DIMS
from cxmetrics.metrics.engine import kpi_stats
from cxmetrics.metrics.filters import CATEGORICAL_DIMS, FilterSpec
from cxmetrics.metrics.registry import ALL_KPIS, KPIS
from cxmetrics.metrics.source import Source

STATUS_ORDER = ("at_risk", "behind", "on_track", "achieved")


class KeyResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    title: str
    owner: str
    kpi: str
    filter: dict[str, str | list[str]] = Field(default_factory=dict)
    baseline: float
    target: float
    start: date
    end: date
    window_days: int = Field(default=28, ge=1)

    @field_validator("kpi")
    @classmethod
    def _kpi(cls, v: str) -> str:
        if v not in KPIS:
            raise ValueError(f"unknown KPI '{v}' (choose from {', '.join(ALL_KPIS)})")
        return v

    @field_validator("filter", mode="before")
    @classmethod
    def _filter(cls, v: Any) -> Any:
        if v is None:
            return {}
        try:
            FilterSpec(dims={k: [str(x) for x in (val if isinstance(val, list) else [val])] for k, val in v.items()})
        except UserError as exc:
            raise ValueError(str(exc)) from None
        except AttributeError:
            raise ValueError("filter must be a mapping like {channel: web}") from None
        return {k: ([str(x) for x in val] if isinstance(val, list) else str(val)) for k, val in v.items()}

    @model_validator(mode="after")
    def _dates(self) -> KeyResult:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        if self.kpi in CHURN_KPIS:  # a customer has no channel, intent...: such a filter selects nobody
            wrong = [d for d in self.filter if d in CATEGORICAL_DIMS and d not in PERSON_DIMS]
            if wrong:
                raise ValueError(f"{self.kpi} counts customers, who have no {wrong[0]}: filter it by "
                                 f"{', '.join(PERSON_DIMS)}")
        return self

    def spec(self) -> FilterSpec:
        return FilterSpec(dims={k: (v if isinstance(v, list) else [v]) for k, v in self.filter.items()})


class Objective(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    title: str
    owner: str
    key_results: list[KeyResult] = Field(min_length=1)


class OkrFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    cycle: str
    objectives: list[Objective] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> OkrFile:
        seen: set[str] = set()
        for o in self.objectives:
            for kr in o.key_results:
                if kr.id in seen:
                    raise ValueError(f"key result id '{kr.id}' appears twice")
                seen.add(kr.id)
        return self


# ------------------------------------------------------------------ loading with line numbers


def load_okrs(path: Path) -> OkrFile:
    """Read and validate an OKR file; a bad file is one UserError naming the line and field."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{path}: cannot be read ({exc.strerror})") from None
    node, data = yamlfile.parse(text, str(path))
    if not isinstance(data, dict):
        raise UserError(f"{path}, line 1: the file must be a mapping with 'cycle' and 'objectives'")
    try:
        return OkrFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        line = yamlfile.line_of(node, loc)
        field_name = ".".join(str(p) for p in loc) or "(file)"
        msg = err["msg"].removeprefix("Value error, ")
        raise UserError(f"{path}, line {line}: {field_name}: {msg}") from None


# ------------------------------------------------------------------ evaluation


@dataclass
class KeyResultStatus:
    id: str
    title: str
    owner: str
    kpi: str
    filter: dict
    baseline: float
    target: float
    start: str
    end: str
    window_days: int
    window: list[str]
    current: float | None
    n: int
    ci_low: float | None
    ci_high: float | None
    progress: float | None
    expected: float | None
    status: str
    suppressed: str | None = None  # "k" when the role may not see it (fewer than k people)


@dataclass
class ObjectiveStatus:
    id: str
    title: str
    owner: str
    status: str
    key_results: list[KeyResultStatus] = field(default_factory=list)


def as_of_date(source: Source, as_of: date | None) -> date:
    """The as-of date: given, or the latest event's UTC date (end of that day)."""
    if as_of is not None:
        return as_of
    if source.max_ts is None:
        raise UserError("the database has no events yet: nothing to measure OKRs against")
    return source.max_day


def progress_of(current: float, baseline: float, target: float, higher_is_better: bool) -> float:
    if target == baseline:
        reached = current >= target if higher_is_better else current <= target
        return 1.0 if reached else 0.0
    return min(1.0, max(0.0, (current - baseline) / (target - baseline)))


def expected_of(day: date, start: date, end: date) -> float:
    if end == start:
        return 1.0 if day >= end else 0.0
    return min(1.0, max(0.0, (day - start).days / (end - start).days))


def status_of(progress: float | None, expected: float | None, n: int, min_n: int) -> str:
    if n < min_n or progress is None or expected is None:
        return "no_data"
    if progress >= 1.0:
        return "achieved"
    if progress >= 0.95 * expected:
        return "on_track"
    if progress >= 0.75 * expected:
        return "behind"
    return "at_risk"


def evaluate_key_result(source: Source, kr: KeyResult, day: date, min_n: int, *, role: str) -> KeyResultStatus:
    first = day - timedelta(days=kr.window_days - 1)
    spec = kr.spec().model_copy(
        update={"date_from": first, "date_to": day, "as_of": source.end_of_day(day)}
    )
    groups = kpi_stats(source, [kr.kpi], [], spec, role=role)
    est = groups[0].estimate if groups else KPIS[kr.kpi].estimate(0, 0.0, 0.0)
    hidden = groups[0].suppressed if groups else None
    progress = expected = None
    if est.n > 0 and est.value is not None:
        progress = progress_of(est.value, kr.baseline, kr.target, KPIS[kr.kpi].higher_is_better)
        expected = expected_of(day, kr.start, kr.end)
    return KeyResultStatus(
        id=kr.id, title=kr.title, owner=kr.owner, kpi=kr.kpi, filter=dict(kr.filter), baseline=kr.baseline,
        target=kr.target, start=kr.start.isoformat(), end=kr.end.isoformat(), window_days=kr.window_days,
        window=[first.isoformat(), day.isoformat()], current=est.value, n=None if hidden else est.n,
        ci_low=est.ci_low, ci_high=est.ci_high, progress=progress, expected=expected,
        status=status_of(progress, expected, est.n, min_n), suppressed=hidden,
    )


def objective_status(statuses: Sequence[str]) -> str:
    """The weakest status among key results that have data; no_data when none has."""
    with_data = [s for s in statuses if s != "no_data"]
    return min(with_data, key=STATUS_ORDER.index) if with_data else "no_data"


def evaluate(
    source: Source, okrs: OkrFile, as_of: date | None = None, min_n: int | None = None, *, role: str
) -> dict:
    """Every objective and key result at ``as_of``, as ``role`` may see them."""
    min_n = get_settings().min_n if min_n is None else min_n
    day = as_of_date(source, as_of)
    objectives = []
    for o in okrs.objectives:
        krs = [evaluate_key_result(source, kr, day, min_n, role=role) for kr in o.key_results]
        objectives.append(ObjectiveStatus(o.id, o.title, o.owner, objective_status([k.status for k in krs]), krs))
    return {"cycle": okrs.cycle, "as_of": day.isoformat(), "min_n": min_n,
            "objectives": [asdict(o) for o in objectives]}


def key_result_history(source: Source, kr: KeyResult, periods: Sequence[Any], *, role: str) -> list[dict]:
    """The key result's KPI per review period (for trend charts), oldest first; a period
    ``role`` may not see has value, n and interval empty and ``suppressed`` set."""
    out = []
    for p in sorted(periods, key=lambda p: p.start):
        spec = kr.spec().model_copy(update={"date_from": p.start, "date_to": p.end})
        groups = kpi_stats(source, [kr.kpi], [], spec, role=role)
        est = groups[0].estimate if groups else KPIS[kr.kpi].estimate(0, 0.0, 0.0)
        hidden = groups[0].suppressed if groups else None
        out.append({"period": p.label, "value": est.value, "n": None if hidden else est.n, "ci_low": est.ci_low,
                    "ci_high": est.ci_high, "suppressed": hidden})
    return out
