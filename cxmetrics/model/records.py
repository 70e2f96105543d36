"""Journeys and the per-KPI record tables (CONTRACT.md sections 2-4).

The record tables take their channel, intent, journey_type, identity_state and person
from their *source* (``ev_source``, ``contact_first``, ``journeys``: see
``cxmetrics.model.journeys``), and their cohort attributes from the customers file
through the person.

Every "first" is by (ts, event_id): the first row of a ``row_number()`` window
(``first_by_time``), which keeps NULL values of that row (DuckDB's ``arg_min`` would skip
them).

The SQL here is also run on Spark (``cxmetrics.engines``, transpiled with sqlglot), so it
keeps to constructs both engines evaluate identically: flat tables rather than structs
with ``unnest``, explicit column lists rather than ``* EXCLUDE``, ``date_diff`` of
truncated timestamps (a whole number of units in both engines) and ``/`` of integers
(a DOUBLE in both).
"""

from __future__ import annotations

import duckdb

from cxmetrics.model.events import first_by_time

COHORT_DIMS = ("segment", "value_tier", "region", "plan")
# Columns every record table shares, in this order (the cube and filters rely on them).
RECORD_DIMS = ("channel", "intent", "journey_type", "identity_state") + COHORT_DIMS + ("theme", "sentiment")


def cohort(person_table: str) -> str:
    """Cohort columns for a record whose person/person_is_customer are in ``person_table``."""
    cols = ", ".join(
        f"coalesce(CASE WHEN {person_table}.person_is_customer THEN cu.{d} END, 'unknown') AS {d}"
        for d in COHORT_DIMS
    )
    return (
        cols
        + f", coalesce(CASE WHEN {person_table}.person_is_customer THEN cu.consent_analytics END, true)"
        " AS consent"
    )


def no_text_dims() -> str:
    """theme and sentiment of a record that is not a survey response: unknown."""
    return "'unknown' AS theme, 'unknown' AS sentiment"


def cohort_join(person_table: str) -> str:
    return f"LEFT JOIN customers cu ON {person_table}.person_is_customer AND cu.customer_id = {person_table}.person"


def source_dims(src: str) -> str:
    return ", ".join(
        f"coalesce({src}.{d}, 'unknown') AS {d}" for d in ("channel", "intent", "journey_type", "identity_state")
    )


def build_records(con: duckdb.DuckDBPyConnection) -> None:
    fields = "event_id, ts, channel, intent, journey_type, identity_state, person, person_is_customer"
    # Journey records: a journey is its own source; intent falls back to its journey_type.
    # ... rated: a survey response carrying its journey_id within 7 days of its start.
    con.execute(
        f"""CREATE OR REPLACE TABLE rec_journey AS
        WITH rated AS (
            SELECT DISTINCT j.journey_id FROM journeys j JOIN ev_source r
              ON r.event_type = 'survey_response' AND r.journey_id = j.journey_id
             AND r.ts >= j.start_ts AND r.ts <= j.start_ts + INTERVAL 7 DAY)
        SELECT j.journey_id AS record_id, j.start_ts AS t, j.channel,
               coalesce(j.first_intent, j.journey_type, 'unknown') AS intent,
               coalesce(j.journey_type, 'unknown') AS journey_type, j.identity_state,
               {cohort('j')}, {no_text_dims()}, j.person, j.completed, j.n_page_views,
               rated.journey_id IS NOT NULL AS rated
        FROM journeys j LEFT JOIN rated USING (journey_id) {cohort_join('j')}"""
    )
    # Survey records: source is the rated contact, else the rated journey, else itself.
    # theme and sentiment of the verbatim (verbatim_nlp); a response without one has theme
    # 'none' and sentiment 'unknown' (docs/metrics.md).
    con.execute(
        f"""CREATE OR REPLACE TABLE rec_survey AS
        WITH src AS (
            SELECT r.event_id, r.ts, r.survey_type, r.score, r.verbatim, r.contact_id, r.journey_id,
                   CASE WHEN c.contact_id IS NOT NULL THEN 'contact'
                        WHEN j.journey_id IS NOT NULL THEN 'journey' ELSE 'self' END AS source,
                   CASE WHEN c.contact_id IS NOT NULL THEN c.channel
                        WHEN j.journey_id IS NOT NULL THEN j.channel ELSE r.channel END AS channel,
                   CASE WHEN c.contact_id IS NOT NULL THEN c.intent
                        WHEN j.journey_id IS NOT NULL THEN coalesce(j.first_intent, j.journey_type)
                        ELSE r.intent END AS intent,
                   CASE WHEN c.contact_id IS NOT NULL THEN c.journey_type
                        WHEN j.journey_id IS NOT NULL THEN j.journey_type ELSE r.journey_type END AS journey_type,
                   CASE WHEN c.contact_id IS NOT NULL THEN c.identity_state
                        WHEN j.journey_id IS NOT NULL THEN j.identity_state ELSE r.identity_state END AS identity_state,
                   CASE WHEN c.contact_id IS NOT NULL THEN c.person
                        WHEN j.journey_id IS NOT NULL THEN j.person ELSE r.person END AS person,
                   CASE WHEN c.contact_id IS NOT NULL THEN c.person_is_customer
                        WHEN j.journey_id IS NOT NULL THEN j.person_is_customer
                        ELSE r.person_is_customer END AS person_is_customer
            FROM ev_source r
            LEFT JOIN contact_first c ON c.contact_id = r.contact_id
            LEFT JOIN journeys j ON j.journey_id = r.journey_id
            WHERE r.event_type = 'survey_response')
        SELECT s.event_id AS record_id, s.ts AS t, {source_dims('s')}, {cohort('s')},
               CASE WHEN s.verbatim IS NULL THEN 'none' ELSE coalesce(v.theme, 'unknown') END AS theme,
               CASE WHEN s.verbatim IS NULL THEN 'unknown' ELSE coalesce(v.sentiment, 'unknown') END AS sentiment,
               s.person, s.source, s.survey_type, s.score, s.verbatim, s.contact_id, s.journey_id
        FROM src s {cohort_join('s')} LEFT JOIN verbatim_nlp v ON v.verbatim = s.verbatim"""
    )
    # FCR episodes: the first event of each contact_id, with a person, grouped by
    # (person, intent) in (ts, event_id) order; a contact within 7 days of the episode's
    # first contact (inclusive) is a repeat, the first one after opens the next episode.
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _contacts AS
        SELECT c.*,
               row_number() OVER (PARTITION BY person, intent ORDER BY ts, event_id) AS rn,
               rank() OVER (PARTITION BY person, intent ORDER BY ts) - 1
                 + count(*) OVER (PARTITION BY person, intent ORDER BY ts
                                  RANGE BETWEEN CURRENT ROW AND INTERVAL 7 DAY FOLLOWING) AS last_in_window
        FROM contact_first c
        WHERE c.person IS NOT NULL"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _episode_starts AS
        WITH RECURSIVE starts(person, intent, rn) AS (
            SELECT person, intent, CAST(1 AS BIGINT) FROM _contacts WHERE rn = 1
            UNION ALL
            SELECT c.person, c.intent, c.last_in_window + 1
            FROM starts s JOIN _contacts c ON c.person = s.person AND c.intent = s.intent AND c.rn = s.rn
            WHERE EXISTS (SELECT 1 FROM _contacts n WHERE n.person = c.person AND n.intent = c.intent
                          AND n.rn = c.last_in_window + 1))
        SELECT * FROM starts"""
    )
    con.execute(
        f"""CREATE OR REPLACE TABLE rec_fcr AS
        SELECT c.event_id AS record_id, c.ts AS t, {source_dims('c')}, {cohort('c')}, {no_text_dims()}, c.person,
               c.contact_id, c.last_in_window - c.rn AS repeats,
               (c.last_in_window = c.rn) AS resolved,
               c.ts + INTERVAL 7 DAY AS window_close,
               r.channel AS repeat_channel,  -- where the customer came back (first repeat)
               date_diff('minute', date_trunc('minute', c.ts), date_trunc('minute', r.ts)) / 60
                 AS hours_to_repeat  -- minute boundaries crossed, as DuckDB's date_diff counts
        FROM _episode_starts s JOIN _contacts c USING (person, intent, rn)
        LEFT JOIN _contacts r ON r.person = c.person AND r.intent = c.intent AND r.rn = c.rn + 1
                              AND c.last_in_window > c.rn
        {cohort_join('c')}"""
    )
    con.execute("DROP TABLE _contacts")
    con.execute("DROP TABLE _episode_starts")
    # Handoff records: one per contact_id with a handoff_requested; source is the first
    # handoff event, but intent comes from the contact event when there is one. Answered
    # when an agent connected at or after the first handoff: answer_minutes is the time to
    # the first such agent (exact to the microsecond; null when abandoned).
    con.execute(
        f"""CREATE OR REPLACE TABLE rec_handoff AS
        WITH h AS ({first_by_time("ev_source", "contact_id", fields, "event_type = 'handoff_requested'")}),
        answered AS (
            SELECT h.contact_id, min(a.ts) AS agent_ts FROM h JOIN events a
              ON a.contact_id = h.contact_id AND a.event_type = 'agent_connected' AND a.ts >= h.ts
            GROUP BY h.contact_id),
        hs AS (
            SELECT h.contact_id, h.event_id, h.ts, h.channel,
                   CASE WHEN cf.contact_id IS NOT NULL THEN cf.intent ELSE h.intent END AS intent,
                   h.journey_type, h.identity_state, h.person, h.person_is_customer,
                   an.agent_ts IS NULL AS abandoned,
                   date_diff('microsecond', h.ts, an.agent_ts) / 60000000 AS answer_minutes
            FROM h LEFT JOIN contact_first cf USING (contact_id) LEFT JOIN answered an USING (contact_id))
        SELECT hs.event_id AS record_id, hs.ts AS t, {source_dims('hs')}, {cohort('hs')}, {no_text_dims()}, hs.person,
               hs.contact_id, hs.abandoned, hs.answer_minutes
        FROM hs {cohort_join('hs')}"""
    )
