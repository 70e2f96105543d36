"""Data-quality figures for the Data quality page (stored with the model)."""

from __future__ import annotations

import duckdb

from cxmetrics.core.settings import get_settings
from cxmetrics.model.identity import TOP_BRIDGES

BRIDGE_NAMES = [f"{kind}_{rank}" for rank in range(1, TOP_BRIDGES + 1) for kind in ("bridge", "links")]
BRIDGE_COLUMNS = ", ".join(
    f"max(CASE WHEN b.bridge_rank = {rank} THEN b.{src} END) AS {kind}_{rank}"
    for rank in range(1, TOP_BRIDGES + 1)
    for kind, src in (("bridge", "ident"), ("links", "links"))
)


def build_quality(con: duckdb.DuckDBPyConnection) -> None:
    settings = get_settings()
    con.execute(
        f"""CREATE OR REPLACE TABLE dq_identity AS
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
                   AS largest_component,
               (SELECT count(*) FROM id_dissolved_component) AS dissolved_components,
               (SELECT count(*) FROM id_dissolved) AS dissolved_identifiers,
               {int(settings.max_component_size)} AS max_component_size,
               {int(settings.stitch_max_passes)} AS stitch_max_passes
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
    # Components the identity guard dissolved (model/identity.py), largest first, with
    # their most connected identifiers in rank order (bridge_1, links_1, ...: one column
    # per rank rather than an ordered list, which not every engine builds). An identifier
    # directly linked to a single customer without analytics consent is withheld (CONTRACT
    # 1.2: none of their ids are shown): its columns are empty.
    con.execute(
        f"""CREATE OR REPLACE TABLE dq_dissolved_components AS
        WITH withheld AS (
            SELECT c.ident FROM id_component c
            JOIN component_owner o ON o.component = c.component
            JOIN customers cu ON cu.customer_id = o.owner
            WHERE NOT cu.consent_analytics),
        bridges AS (
            SELECT b.component, {BRIDGE_COLUMNS}
            FROM id_dissolved_bridge b LEFT JOIN withheld w ON w.ident = b.ident
            WHERE w.ident IS NULL
            GROUP BY b.component)
        SELECT CASE WHEN w.ident IS NULL THEN d.component ELSE '(withheld)' END AS component,
               d.reason, d.identifiers, d.customers, d.events, {', '.join('b.' + c for c in BRIDGE_NAMES)}
        FROM id_dissolved_component d
        LEFT JOIN bridges b ON b.component = d.component
        LEFT JOIN withheld w ON w.ident = d.component
        ORDER BY d.identifiers DESC, d.component LIMIT 1000"""
    )
