"""The tables behind the churn KPIs (CONTRACT.md section 8; docs/metrics.md).

A churn record is a person in a period, and the period is the question's (a day, week,
month or review period, or the date range), so the records cannot be stored ready-made.
The model stores what any period needs, per reporting zone (UTC and ``CXM_TIMEZONE``):

- ``rec_churn_person``: every person that is a customer, with its first ``churn`` and its
  cohort attributes;
- ``rec_activity``: one row per (zone, person, local day with any event of the person):
  its first event's time and its first negative experience's time that day (NPS <= 6,
  CSAT <= 2, CES <= 3, an abandoned handoff, an FCR episode with a repeat: the records of
  section 4 with that person).

- ``churn_cube``: the KPIs' counts per (zone, grain, bucket, person dimensions) for the
  grains all/day/week/month/period: most questions (by one time dimension, or one whole
  bucket such as a review period) are sums over it.

``cxmetrics.metrics.churn`` turns them into the KPIs for any grouping and filter. Another
zone is computed from ``ev`` on the fly (the writer's database has it).
"""

from __future__ import annotations

import duckdb

from cxmetrics.core.settings import get_settings
from cxmetrics.metrics.churn import activity_sql, churn_cube_sql


def build_churn(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """CREATE OR REPLACE TABLE rec_churn_person AS
        WITH churn AS (SELECT customer_id AS person, min(ts) AS first_churn_ts FROM events
                       WHERE event_type = 'churn' GROUP BY ALL),
        persons AS (SELECT DISTINCT person FROM ev WHERE person_is_customer)
        SELECT p.person, c.first_churn_ts,
               coalesce(cu.segment, 'unknown') AS segment, coalesce(cu.value_tier, 'unknown') AS value_tier,
               coalesce(cu.region, 'unknown') AS region, coalesce(cu.plan, 'unknown') AS plan,
               coalesce(cu.consent_analytics, true) AS consent
        FROM persons p LEFT JOIN churn c USING (person) LEFT JOIN customers cu ON cu.customer_id = p.person"""
    )
    settings = get_settings()
    zones = list(dict.fromkeys(["UTC", settings.timezone]))
    con.execute("CREATE OR REPLACE TABLE rec_activity AS " + " UNION ALL ".join(
        f"SELECT * FROM ({activity_sql(z)})" for z in zones) + " ORDER BY zone, day")
    # the counts a question grouped by one time dimension (or asking for one bucket) sums
    con.execute("CREATE OR REPLACE TABLE churn_cube AS " + " UNION ALL ".join(
        f"SELECT * FROM ({churn_cube_sql(z, settings.review_anchor, settings.review_days)})" for z in zones)
        + " ORDER BY zone, grain, bucket")
