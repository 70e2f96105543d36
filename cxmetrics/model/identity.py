"""Identity resolution (CONTRACT.md section 2).

- ``id_first_link``: for every anonymous/network identifier, the first time an event
  carried it together with a ``customer_id`` (recognition in real time looks this up).
- ``id_component``: connected components over non-customer identifiers, by label
  propagation in SQL (each identifier takes the smallest label among itself and its
  neighbours until nothing changes). The final label is the smallest identifier of the
  component, compared by code point, which is exactly the contract's ``anon:`` name.
  Bounded by ``CXM_STITCH_MAX_PASSES``; a component over ``CXM_MAX_COMPONENT_SIZE``
  identifiers (or unsettled at the bound) is dissolved into one-identifier components
  and reported (``id_dissolved*``; docs/metrics.md, "Identity guard").
- ``component_owner``: the distinct customers seen with any identifier of a component;
  exactly one is the owner, more make the component shared.
"""

from __future__ import annotations

import duckdb

from cxmetrics.core.settings import get_settings

# Identifiers are typed by a prefix so an anonymous id and a network id never collide.
IDENTS_OF_EVENTS = """
SELECT 'a:' || anonymous_id AS ident, ts, customer_id FROM events WHERE anonymous_id IS NOT NULL
UNION ALL
SELECT 'n:' || network_id AS ident, ts, customer_id FROM events WHERE network_id IS NOT NULL
"""

# How many of an over-cap component's most connected identifiers the report names.
TOP_BRIDGES = 5


def build_links(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        f"""CREATE OR REPLACE TABLE id_first_link AS
        SELECT ident, min(ts) AS first_link_ts
        FROM ({IDENTS_OF_EVENTS}) WHERE customer_id IS NOT NULL
        GROUP BY ident"""
    )


def stitch_components(con: duckdb.DuckDBPyConnection) -> int:
    """Label propagation until no label changes (at most ``stitch_max_passes`` passes),
    then the giant-component guard (``dissolve_oversized``); returns the number of passes.
    """
    settings = get_settings()
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
    converged = False
    while passes < settings.stitch_max_passes:
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
            converged = True
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
    dissolve_oversized(con, settings.max_component_size, converged)
    con.execute(
        """CREATE OR REPLACE TABLE id_component AS
        SELECT l.ident, CASE WHEN d.ident IS NULL THEN l.label ELSE l.ident END AS component
        FROM _labels l LEFT JOIN id_dissolved d ON d.ident = l.ident"""
    )
    for t in ("_edges", "_edges2", "_labels", "_moves", "_unsettled"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
    return passes


def dissolve_oversized(con: duckdb.DuckDBPyConnection, cap: int, converged: bool = False) -> None:
    """The giant-component guard, on the final labels of ``stitch_components``.

    A component with more than ``cap`` identifiers, or one still unsettled when the pass
    limit was reached (an edge joins two different labels), is *dissolved*: each of its
    identifiers becomes its own component (so an event's person comes from its own
    customer_id, else from the customer directly linked to its own identifiers). Its
    members go to ``id_dissolved`` (ident, component = the label it would have had,
    reason), and one row per dissolved component to ``id_dissolved_component`` with its
    size, the customers and events it touches and its ``TOP_BRIDGES`` most connected
    identifiers in ``id_dissolved_bridge`` (the data-quality page reports them).
    Everything is per component, so a subgraph made of whole components gives the same
    rows (the incremental update relies on it).
    """
    # Unsettled labels: a label on either end of an edge whose two labels differ. Every
    # partial group of an unsettled component has such an edge; a settled one has none
    # (so when the last pass moved nothing there are none to look for).
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _unsettled AS
        SELECT DISTINCT a.label FROM _edges2 e
        JOIN _labels a ON a.ident = e.src JOIN _labels b ON b.ident = e.dst
        WHERE a.label <> b.label"""
        + (" AND false" if converged else "")
    )
    con.execute(
        f"""CREATE OR REPLACE TABLE id_dissolved AS
        WITH sizes AS (SELECT label, count(*) AS n FROM _labels GROUP BY label)
        SELECT l.ident, l.label AS component,
               CASE WHEN u.label IS NOT NULL THEN 'not_converged' ELSE 'over_cap' END AS reason
        FROM _labels l JOIN sizes s ON s.label = l.label
        LEFT JOIN _unsettled u ON u.label = l.label
        WHERE s.n > {int(cap)} OR u.label IS NOT NULL"""
    )
    con.execute(
        f"""CREATE OR REPLACE TABLE id_dissolved_bridge AS
        WITH degree AS (
            SELECT d.component, d.ident, count(e.dst) AS links
            FROM id_dissolved d LEFT JOIN _edges2 e ON e.src = d.ident
            GROUP BY d.component, d.ident),
        ranked AS (
            SELECT component, ident, links,
                   row_number() OVER (PARTITION BY component ORDER BY links DESC, ident) AS bridge_rank
            FROM degree)
        SELECT component, bridge_rank, ident, links FROM ranked WHERE bridge_rank <= {TOP_BRIDGES}"""
    )
    # Customers and events per dissolved component: one scan of the events, only when
    # something was dissolved.
    any_dissolved = con.execute("SELECT count(*) FROM id_dissolved").fetchall()[0][0] > 0
    touched = (
        """SELECT d.component, e.event_id, e.customer_id
           FROM events e JOIN id_dissolved d ON d.ident = 'a:' || e.anonymous_id
           UNION
           SELECT d.component, e.event_id, e.customer_id
           FROM events e JOIN id_dissolved d ON d.ident = 'n:' || e.network_id"""
        if any_dissolved
        else "SELECT CAST(NULL AS VARCHAR) AS component, CAST(NULL AS VARCHAR) AS event_id, "
        "CAST(NULL AS VARCHAR) AS customer_id WHERE false"
    )
    con.execute(
        f"""CREATE OR REPLACE TABLE id_dissolved_component AS
        WITH members AS (SELECT component, min(reason) AS reason, count(*) AS identifiers
                         FROM id_dissolved GROUP BY component),
        touched AS ({touched}),
        reach AS (SELECT component, count(DISTINCT event_id) AS events,
                         count(DISTINCT customer_id) AS customers
                  FROM touched GROUP BY component)
        SELECT m.component, m.reason, m.identifiers, coalesce(r.customers, 0) AS customers,
               coalesce(r.events, 0) AS events
        FROM members m LEFT JOIN reach r ON r.component = m.component"""
    )


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
               list_sort(list(DISTINCT i.customer_id)) AS owners  -- portable: Spark's array_sort
        FROM ({IDENTS_OF_EVENTS}) i JOIN id_component c USING (ident)
        WHERE i.customer_id IS NOT NULL
        GROUP BY c.component"""
    )
