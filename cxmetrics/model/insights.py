"""Tables behind the Journeys & handoffs and Identity uplift pages (beyond the six KPIs).

- ``rec_contact``: every contact (its first ``contact`` event) with whether it was handed
  off to an agent and whether an agent connected (the bot→agent funnel, containment),
  whether the person came back on another channel within 7 days (repeat_contact_rate)
  and whether a survey rated it within 7 days.
- ``rec_rated``: every contact and journey, rated by a survey within 7 days or not
  (survey_response_rate).
- ``rec_journey_step``: the distinct page-view steps each journey reached before its goal
  (all its steps when it has none), with the journey's dimensions: the step drop-off funnel.
- ``churn_signals``: each churned customer, whether they researched contract termination
  (a journey of that type or intent) in the 30 days before churning, and how many days
  that research came before their first contact in the same window.
"""

from __future__ import annotations

import duckdb

from cxmetrics.model.records import cohort, cohort_join, no_text_dims, source_dims

JOURNEY_COLUMNS = ("t, channel, intent, journey_type, identity_state, segment, value_tier, region, plan, consent, "
                   "theme, sentiment")
RECORD_COLUMNS = ("channel, intent, journey_type, identity_state, segment, value_tier, region, plan, consent, "
                  "theme, sentiment")
RESEARCH_WINDOW_DAYS = 30
HIGH_INTENT = ("contract_termination", "device_upgrade")


def build_insights(con: duckdb.DuckDBPyConnection) -> None:
    # rec_contact: every contact (its first contact event) with its handoff, whether the
    # same person came back within 7 days on another channel (repeat_other_channel: a later
    # contact in (ts, event_id) order, at most 7 days after, on a different channel), and
    # whether a survey response rated it within 7 days (rated).
    con.execute(
        f"""CREATE OR REPLACE TABLE rec_contact AS
        WITH c AS (SELECT * FROM contact_first),
        h AS (SELECT contact_id, min(ts) AS first_handoff_ts FROM events
              WHERE event_type = 'handoff_requested' GROUP BY contact_id),
        again AS (
            SELECT DISTINCT a.contact_id FROM c a JOIN c b
              ON b.person = a.person AND b.channel <> a.channel
             AND (b.ts > a.ts OR (b.ts = a.ts AND b.event_id > a.event_id))
             AND b.ts <= a.ts + INTERVAL 7 DAY
            WHERE a.person IS NOT NULL),
        rated AS (
            SELECT DISTINCT c.contact_id FROM c JOIN events r
              ON r.event_type = 'survey_response' AND r.contact_id = c.contact_id
             AND r.ts >= c.ts AND r.ts <= c.ts + INTERVAL 7 DAY)
        SELECT c.event_id AS record_id, c.ts AS t, {source_dims('c')}, {cohort('c')}, {no_text_dims()}, c.person,
               c.contact_id,
               h.contact_id IS NOT NULL AS handed_off,
               h.contact_id IS NOT NULL AND EXISTS (
                   SELECT 1 FROM events a WHERE a.event_type = 'agent_connected'
                   AND a.contact_id = c.contact_id AND a.ts >= h.first_handoff_ts) AS connected,
               again.contact_id IS NOT NULL AS repeat_other_channel,
               rated.contact_id IS NOT NULL AS rated
        FROM c LEFT JOIN h USING (contact_id) LEFT JOIN again USING (contact_id) LEFT JOIN rated USING (contact_id)
        {cohort_join('c')}"""
    )
    # rec_rated: what a survey could rate (every contact and every journey), rated or not
    # within 7 days: the records of survey_response_rate. A contact and a journey keep
    # their own source; record ids are prefixed so the two kinds never collide.
    con.execute(
        f"""CREATE OR REPLACE TABLE rec_rated AS
        SELECT 'c:' || record_id AS record_id, t, {RECORD_COLUMNS}, person, 'contact' AS kind, rated
        FROM rec_contact
        UNION ALL
        SELECT 'j:' || record_id AS record_id, t, {RECORD_COLUMNS}, person, 'journey' AS kind, rated
        FROM rec_journey"""
    )
    con.execute(
        f"""CREATE OR REPLACE TABLE rec_journey_step AS
        WITH goal AS (SELECT journey_id, min(ts) AS goal_ts FROM events
                      WHERE event_type = 'journey_goal' GROUP BY journey_id),
        steps AS (
            SELECT e.journey_id, e.step, min(e.ts) AS first_ts
            FROM events e LEFT JOIN goal g USING (journey_id)
            WHERE e.event_type = 'page_view' AND e.step IS NOT NULL AND e.journey_id IS NOT NULL
              AND (g.goal_ts IS NULL OR e.ts <= g.goal_ts)
            GROUP BY ALL)
        SELECT r.record_id AS journey_id, s.step,
               date_diff('second', date_trunc('second', r.t), date_trunc('second', s.first_ts))
                 AS seconds_from_start, r.completed, {JOURNEY_COLUMNS}
        FROM steps s JOIN rec_journey r ON r.record_id = s.journey_id"""
    )
    research = " OR ".join(f"{c} = 'contract_termination'" for c in ("journey_type", "intent"))
    con.execute(
        f"""CREATE OR REPLACE TABLE churn_signals AS
        WITH churn AS (SELECT customer_id AS person, min(ts) AS churn_ts FROM events
                       WHERE event_type = 'churn' GROUP BY ALL),
        research AS (
            SELECT ch.person, min(j.t) AS first_research_ts,
                   arg_min(j.identity_state, struct_pack(j.t, j.record_id)) AS research_identity_state
            FROM churn ch JOIN rec_journey j ON j.person = ch.person
            WHERE ({research.replace('journey_type', 'j.journey_type').replace('intent', 'j.intent')})
              AND j.t < ch.churn_ts AND j.t >= ch.churn_ts - INTERVAL {RESEARCH_WINDOW_DAYS} DAY
            GROUP BY ALL),
        contact AS (
            SELECT ch.person, min(c.t) AS first_contact_ts
            FROM churn ch JOIN rec_contact c ON c.person = ch.person
            WHERE c.t < ch.churn_ts AND c.t >= ch.churn_ts - INTERVAL {RESEARCH_WINDOW_DAYS} DAY
            GROUP BY ALL)
        SELECT ch.person AS customer_id, ch.churn_ts AS t, r.first_research_ts IS NOT NULL AS researched,
               r.first_research_ts, r.research_identity_state, c.first_contact_ts,
               date_diff('hour', date_trunc('hour', r.first_research_ts), date_trunc('hour', c.first_contact_ts))
                 / 24 AS research_lead_days,
               coalesce(cu.segment, 'unknown') AS segment, coalesce(cu.value_tier, 'unknown') AS value_tier,
               coalesce(cu.region, 'unknown') AS region, coalesce(cu.plan, 'unknown') AS plan,
               coalesce(cu.consent_analytics, true) AS consent
        FROM churn ch LEFT JOIN research r USING (person) LEFT JOIN contact c USING (person)
        LEFT JOIN customers cu ON cu.customer_id = ch.person"""
    )
