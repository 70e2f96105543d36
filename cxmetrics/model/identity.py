"""Identity resolution (CONTRACT.md section 2).

- ``id_first_link``: for every anonymous/network identifier, the first time an event
  carried it together with a ``customer_id`` (recognition in real time looks this up).
- ``id_component``: connected components over non-customer identifiers, by label
  propagation in SQL (each identifier takes the smallest label among itself and its
  neighbours until nothing changes). The final label is the smallest identifier of the
  component, compared by code point, which is exactly the contract's ``anon:`` name.
- ``component_owner``: the distinct customers seen with any identifier of a component;
  exactly one is the owner, more make the component shared.
"""

from __future__ import annotations

import duckdb

# Identifiers are typed by a prefix so an anonymous id and a network id never collide.
IDENTS_OF_EVENTS = """
SELECT 'a:' || anonymous_id AS ident, ts, customer_id FROM events WHERE anonymous_id IS NOT NULL
UNION ALL
SELECT 'n:' || network_id AS ident, ts, customer_id FROM events WHERE network_id IS NOT NULL
"""

MAX_PASSES = 200


def build_links(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        f"""CREATE OR REPLACE TABLE id_first_link AS
        SELECT ident, min(ts) AS first_link_ts
        FROM ({IDENTS_OF_EVENTS}) WHERE customer_id IS NOT NULL
        GROUP BY ident"""
    )


def stitch_components(con: duckdb.DuckDBPyConnection) -> int:
    """Label propagation until no label changes; returns the number of passes."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _edges AS
        SELECT DISTINCT 'a:' || anonymous_id AS src, 'n:' || network_id AS dst
        FROM events WHERE anonymous_id IS NOT NULL AND network_id IS NOT NULL"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _edges2 AS
        SELECT src, dst FROM _edges UNION ALL SELECT dst, src FROM _edges"""
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _labels AS
        SELECT DISTINCT ident, ident AS label FROM ({IDENTS_OF_EVENTS})"""
    )
    passes = 0
    while passes < MAX_PASSES:
        passes += 1
        # Only identifiers with an edge can change; take the min over neighbours' labels.
        con.execute(
            """CREATE OR REPLACE TEMP TABLE _moves AS
            SELECT e.src AS ident, min(l.label) AS label
            FROM _edges2 e JOIN _labels l ON l.ident = e.dst
            GROUP BY e.src"""
        )
        changed = con.execute(
            """SELECT count(*) FROM _moves m JOIN _labels l USING (ident) WHERE m.label < l.label"""
        ).fetchall()[0][0]
        if changed == 0:
            break
        # Take the smaller of the two, then jump once through the label's own label
        # (pointer jumping), so long chains converge in far fewer passes.
        con.execute(
            """CREATE OR REPLACE TEMP TABLE _labels AS
            WITH stepped AS (
                SELECT l.ident, least(l.label, coalesce(m.label, l.label)) AS label
                FROM _labels l LEFT JOIN _moves m USING (ident))
            SELECT s.ident, least(s.label, coalesce(j.label, s.label)) AS label
            FROM stepped s LEFT JOIN stepped j ON j.ident = s.label"""
        )
    con.execute("CREATE OR REPLACE TABLE id_component AS SELECT ident, label AS component FROM _labels")
    for t in ("_edges", "_edges2", "_labels", "_moves"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    return passes


def build_ident_lookup(con: duckdb.DuckDBPyConnection) -> None:
    """Per raw identifier: its component, first link time and the component's owner.

    Two tables keyed by the raw column values, so enriching ten million events joins on
    the stored columns without building prefixed strings for every event.
    """
    for table, column, prefix in (("ident_anon", "anonymous_id", "a:"), ("ident_net", "network_id", "n:")):
        con.execute(
            f"""CREATE OR REPLACE TABLE {table} AS
            SELECT substr(c.ident, 3) AS {column}, c.component, l.first_link_ts, o.owner
            FROM id_component c
            LEFT JOIN id_first_link l USING (ident)
            LEFT JOIN component_owner o USING (component)
            WHERE c.ident LIKE '{prefix}%'"""
        )


def build_owners(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        f"""CREATE OR REPLACE TABLE component_owner AS
        SELECT c.component,
               count(DISTINCT i.customer_id) AS n_owners,
               CASE WHEN count(DISTINCT i.customer_id) = 1 THEN min(i.customer_id) END AS owner,
               list(DISTINCT i.customer_id ORDER BY i.customer_id) AS owners
        FROM ({IDENTS_OF_EVENTS}) i JOIN id_component c USING (ident)
        WHERE i.customer_id IS NOT NULL
        GROUP BY c.component"""
    )
