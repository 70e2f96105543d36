"""Data-quality figures for the Data quality page (stored with the model)."""

from __future__ import annotations

import duckdb


def build_quality(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """CREATE OR REPLACE TABLE dq_identity AS
        SELECT count(*) AS events,
               count(*) FILTER (WHERE person_is_customer) AS events_linked_to_customer,
               count(*) FILTER (WHERE person IS NULL) AS events_without_identifier,
               count(*) FILTER (WHERE customer_id IS NULL AND person_is_customer) AS events_stitched,
               (SELECT count(*) FROM component_owner WHERE n_owners > 1) AS shared_components,
               (SELECT count(*) FROM id_component) AS identifiers,
               (SELECT count(DISTINCT component) FROM id_component) AS components,
               (SELECT count(*) FROM (SELECT component FROM id_component GROUP BY component
                                      HAVING count(*) > 50)) AS large_components,
               (SELECT max(c) FROM (SELECT count(*) AS c FROM id_component GROUP BY component))
                   AS largest_component
        FROM ev"""
    )
    con.execute(
        """CREATE OR REPLACE TABLE dq_freshness AS
        SELECT channel, count(*) AS events, min(ts) AS first_ts, max(ts) AS last_ts
        FROM events GROUP BY channel ORDER BY channel"""
    )
    con.execute(
        """CREATE OR REPLACE TABLE dq_shared_components AS
        SELECT component, n_owners, owners FROM component_owner WHERE n_owners > 1
        ORDER BY n_owners DESC, component LIMIT 1000"""
    )
