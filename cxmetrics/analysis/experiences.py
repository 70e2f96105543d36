"""Survey responses beside the experience they rate: the input of the key-driver analysis.

One row per NPS or CSAT response of the slice, with its score and the attributes of the
contact or journey it rates (CONTRACT.md section 4, the response's source):

| attribute | for a response rating a contact | rating a journey | rating neither |
|---|---|---|---|
| ``journey_completed`` | — | the journey reached its goal | — |
| ``first_contact_resolved`` | the contact opened an eligible FCR episode with no repeat | — | — |
| ``repeat_contact`` | the contact was itself a repeat (a contact of the same person and intent within 7 days before it) | — | — |
| ``handoff_abandoned`` | handed off to an agent and no agent connected (False when not handed off) | — | — |
| ``time_to_answer`` | minutes to the agent, for an answered handoff | — | — |
| ``recognized`` | the source was recognized in real time | same | same |
| ``channel``, ``intent`` | the source's | same | same |

"—" is missing (not applicable): the driver analysis gives each attribute a "not
applicable" indicator instead of guessing. Rows come in ``record_id`` order, so that the
drivers' seeded bootstrap (which resamples rows by position) gives the same intervals on
the same data every time.
"""

from __future__ import annotations

import pandas as pd

from cxmetrics.metrics.filters import FilterSpec
from cxmetrics.metrics.source import Source, record_filter, records_relation

ATTRIBUTES = ("journey_completed", "first_contact_resolved", "repeat_contact", "handoff_abandoned",
              "time_to_answer", "recognized", "channel", "intent")
# The good state of each boolean attribute (for "current performance")
GOOD = {"journey_completed": True, "first_contact_resolved": True, "repeat_contact": False,
        "handoff_abandoned": False, "recognized": True}


def survey_experiences(source: Source, kpi: str, spec: FilterSpec | None = None) -> pd.DataFrame:
    """One row per response of ``kpi`` (nps or csat) in the slice: ``score`` and ATTRIBUTES."""
    if kpi not in ("nps", "csat"):
        raise ValueError(f"key drivers are for nps and csat, not {kpi}")
    where, params = record_filter(source, spec or FilterSpec(), kpi)
    as_of = (spec.as_of if spec and spec.as_of else None) or source.default_as_of()
    sql = f"""
        WITH s AS (SELECT * FROM {records_relation("rec_survey")} WHERE {' AND '.join(where)}),
        starts AS (SELECT contact_id, resolved, window_close FROM rec_fcr)
        SELECT s.score,
               CASE WHEN s.source = 'journey' THEN j.completed END AS journey_completed,
               CASE WHEN s.source = 'contact' THEN
                    CASE WHEN f.contact_id IS NULL THEN (CASE WHEN s.person IS NULL THEN NULL ELSE false END)
                         WHEN f.window_close <= ? THEN f.resolved END END AS first_contact_resolved,
               CASE WHEN s.source = 'contact' AND s.person IS NOT NULL THEN f.contact_id IS NULL END
                 AS repeat_contact,
               CASE WHEN s.source = 'contact' THEN coalesce(h.abandoned, false) END AS handoff_abandoned,
               CASE WHEN s.source = 'contact' THEN h.answer_minutes END AS time_to_answer,
               s.identity_state = 'recognized' AS recognized, s.channel, s.intent
        FROM s
        LEFT JOIN rec_journey j ON s.source = 'journey' AND j.record_id = s.journey_id
        LEFT JOIN starts f ON s.source = 'contact' AND f.contact_id = s.contact_id
        LEFT JOIN rec_handoff h ON s.source = 'contact' AND h.contact_id = s.contact_id
        ORDER BY s.record_id"""  # a fixed row order: the bootstrap resamples rows by position
    frame = source.con.execute(sql, [*params, as_of]).df()
    for col in GOOD:
        frame[col] = frame[col].astype("float")  # True/False/missing -> 1/0/NaN
    frame["time_to_answer"] = frame["time_to_answer"].astype("float")
    return frame
