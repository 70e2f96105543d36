"""Record-level drill-down: the records behind any KPI slice, a page at a time.

Customers without analytics consent never appear (CONTRACT.md 1.2); person ids are
pseudonymized unless the role may see raw ids. The same FilterSpec as the aggregate
views selects the records, so the rows shown are exactly the ones counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cxmetrics.core.errors import UserError
from cxmetrics.core.privacy import may_see_raw_ids, pseudonymize, require_record_access
from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.metrics.registry import KPIS, check_kpis
from cxmetrics.metrics.source import Source, record_filter, records_relation

# Columns each KPI's records show beyond the shared dimensions.
KPI_COLUMNS: dict[str, tuple[str, ...]] = {
    "nps": ("score", "verbatim", "source", "contact_id", "journey_id"),
    "csat": ("score", "verbatim", "source", "contact_id", "journey_id"),
    "ces": ("score", "verbatim", "source", "contact_id", "journey_id"),
    "fcr": ("contact_id", "resolved", "repeats", "repeat_channel", "hours_to_repeat"),
    "journey_completion": ("completed", "n_page_views"),
    "handoff_abandonment": ("contact_id", "abandoned"),
    # CONTRACT.md section 8 (the churn KPIs' records are persons in a period: not listed here)
    "containment": ("contact_id", "handed_off"),
    "time_to_answer": ("contact_id", "answer_minutes"),
    "contact_volume": ("contact_id", "handed_off", "repeat_other_channel", "rated"),
    "repeat_contact_rate": ("contact_id", "repeat_other_channel"),
    "survey_response_rate": ("kind", "rated"),
}
SHARED = ("record_id", "t", "channel", "intent", "journey_type", "identity_state",
          "segment", "value_tier", "region", "plan", "person")


@dataclass(frozen=True)
class RecordPage:
    rows: pd.DataFrame
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _where(source: Source, kpi: str, spec: FilterSpec) -> tuple[str, list]:
    clauses, params = record_filter(source, spec, kpi, consent_only=True)
    return " AND ".join(clauses), params


def record_page(source: Source, kpi: str, spec: FilterSpec, *, role: str, page: int = 1,
                page_size: int = 50) -> RecordPage:
    """One page of the consented records behind ``kpi`` for ``spec``, newest first."""
    require_record_access(role)
    (kpi,) = check_kpis([kpi])
    if kpi not in KPI_COLUMNS:
        raise UserError(f"the records of {kpi} are customers in a period, not listed one by one")
    table = KPIS[kpi].record_table
    where, params = _where(source, kpi, spec)
    base = records_relation(table)
    total = source.con.execute(f"SELECT count(*) FROM {base} WHERE {where}", params).fetchall()[0][0]
    columns = ", ".join(SHARED + KPI_COLUMNS[kpi])
    page = max(1, page)
    df = source.con.execute(
        f"SELECT {columns} FROM {base} WHERE {where} ORDER BY t DESC, record_id LIMIT ? OFFSET ?",
        [*params, page_size, (page - 1) * page_size],
    ).df()
    if not may_see_raw_ids(role):
        df["person"] = [pseudonymize(p) for p in df["person"]]
        # Ids that can identify a person's contact or journey stay, they are not personal data;
        # the record id of an FCR/handoff record is an event id, also kept.
    return RecordPage(df, int(total), page, page_size)


def survey_verbatims(source: Source, kpi: str, spec: FilterSpec, *, role: str, limit: int = 20) -> pd.DataFrame:
    """The latest verbatims behind a survey KPI slice (consented customers only)."""
    require_record_access(role)
    if KPIS[kpi].record_table != "rec_survey":
        return pd.DataFrame()
    where, params = _where(source, kpi, spec)
    df = source.con.execute(
        f"""SELECT t, channel, score, verbatim FROM {records_relation("rec_survey")}
        WHERE {where} AND verbatim IS NOT NULL ORDER BY t DESC LIMIT ?""",
        [*params, limit],
    ).df()
    return df


VERBATIM_COLUMNS = ("t", "record_id", "person", "channel", "region", "score", "theme", "sentiment", "verbatim")


def verbatim_records(source: Source, kpi: str, spec: FilterSpec, *, role: str, limit: int = 20) -> pd.DataFrame:
    """The latest verbatims of a survey KPI's slice with their theme and sentiment, newest
    first (consented customers only; person ids pseudonymized unless the role sees raw ids).
    Columns ``VERBATIM_COLUMNS``; empty for a KPI that is not a survey's."""
    require_record_access(role)
    (kpi,) = check_kpis([kpi])
    if KPIS[kpi].record_table != "rec_survey":
        return pd.DataFrame(columns=list(VERBATIM_COLUMNS))
    where, params = _where(source, kpi, spec)
    df = source.con.execute(
        f"""SELECT {", ".join(VERBATIM_COLUMNS)} FROM {records_relation("rec_survey")}
        WHERE {where} AND verbatim IS NOT NULL ORDER BY t DESC, record_id LIMIT ?""",
        [*params, max(int(limit), 0)],
    ).df()
    if not may_see_raw_ids(role):
        df["person"] = [pseudonymize(p) for p in df["person"]]
    return df
